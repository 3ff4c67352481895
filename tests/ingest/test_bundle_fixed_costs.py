"""A small bundle's load pays no fixed cost it has nothing to do for.

A partner's daily bundle holds tens of rows; its load took about half a second of
CPU in per-table steps that had nothing to do (``benchmarks/ingest_bundle.py
--small``). Each test pins one step skipped or done once, and that the load still
gives the same rows and the same quarantine.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import avert.workflows.load._state as load_state
from avert.ingest import bundle, geo
from avert.ingest._csv import LINE_COL
from avert.ingest._rows import split_rows
from avert.ingest.bundle import parse_bundle_table
from avert.store import Store
from avert.workflows.load import load_files
from avert.workflows.load._checks import _reject_long_keys

BUNDLE = Path(__file__).resolve().parents[1] / "data" / "bundle-example"


def test_a_bulk_load_opens_the_sqlite_file_once_to_leave_wal(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WAL, then rollback journal, set on one connection (each connection opened
    the file again: ~10 ms), then the write connection; back to WAL on one more
    after the commit."""
    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    opened: list[object] = []
    connect = sqlite_dbapi.connect

    def counting(*args: Any, **kwargs: Any) -> Any:
        opened.append(args)
        return connect(*args, **kwargs)

    monkeypatch.setattr(sqlite_dbapi, "connect", counting)
    with sqlite_store.transaction(bulk=True) as tx:
        during = len(opened)
        with tx._conn.cursor() as cur:
            cur.execute("PRAGMA journal_mode")
            (mode,) = cur.fetchone()
    assert mode == "delete"
    assert during == 2  # the journal switch, the write connection
    assert len(opened) == 3  # and back to WAL after the commit
    assert sqlite_store.pragma("journal_mode") == "wal"


def test_keys_of_ordinary_length_are_not_copied_nor_given_reasons() -> None:
    frame = pl.DataFrame(
        {"incident_id": ["A1", "A2"], "source_line": [2, 3], "load_id": ["l", "l"]}
    )
    kept, problems = _reject_long_keys("incidents", frame)
    assert kept is frame  # no filtered copy
    assert problems.height == 0
    long = frame.with_columns(pl.Series("incident_id", ["A1", "x" * 2000]))
    kept, problems = _reject_long_keys("incidents", long)
    assert kept["incident_id"].to_list() == ["A1"]
    assert problems["line"].to_list() == [3]
    assert "key longer than 1,024 bytes (2000 bytes" in problems["reason"][0]


def test_a_table_of_one_batch_starts_no_thread(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table appended in one batch has nothing to overlap with its next: the
    batch thread (its start and stop, a few ms a table) is for big tables only."""

    def no_thread(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a batch thread for a single batch")

    monkeypatch.setattr(load_state, "ThreadPoolExecutor", no_thread)
    bundle = Path(shutil.copytree(BUNDLE, tmp_path / "b"))
    report = load_files(sqlite_store, [bundle], kind="bundle")
    assert all(f.balanced for f in report.files)
    assert report.loaded == sum(
        sqlite_store.count(t)
        for t in (
            "incidents",
            "people",
            "involvements",
            "relationships",
            "groups",
            "group_members",
            "asb",
            "stops",
        )
    )


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions handed to the projection thread from now on."""
    names: list[str] = []
    submit = geo._PROJ_THREAD.submit

    def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        names.append(fn.__name__)
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(geo._PROJ_THREAD, "submit", counting)
    return names


def test_x_y_beside_lat_lon_are_not_converted_to_find_no_problem(
    handed: list[str],
) -> None:
    """Rows giving lat/lon are placed by them: their x/y are not checked as a
    place alone, so not converted either (each conversion was a hand-over to the
    projection thread, about a millisecond, once per use of its result)."""
    frame = pl.DataFrame(
        {"lat": ["51.5", None], "x": ["530000", "9e9"], "y": ["180000", "180000"]}
    )
    used = pl.col("lat").is_null()
    _, reason = geo.xy_problem(
        "x", "y", source_crs="EPSG:27700", crs="EPSG:27700", used=used
    )
    assert frame.select(reason.alias("r"))["r"].to_list() == [
        None,
        "x/y do not convert from EPSG:27700 to lon/lat: 9e9, 180000",
    ]
    assert handed  # the row without lat/lon is converted
    handed.clear()
    assert frame.head(1).select(reason.is_null().alias("r"))["r"].to_list() == [True]
    assert handed == []  # a row with lat/lon is not


def test_rows_placed_by_lat_lon_run_no_x_y_conversion_at_all(
    handed: list[str],
) -> None:
    """The x/y check hands no pair to the projection thread on a table whose rows
    all give lat/lon (its conversion sees no pair to convert), and a row given by
    x/y alone is still checked."""
    head = "asb_id,occurred_at,category,lat,lon,x,y\n"
    placed = head + "A1,2024-01-01T10:00,nuisance,51.5,-0.1,530000,180000\n"
    parsed = parse_bundle_table(placed.encode(), "asb", name="asb.csv")
    assert parsed.problems.height == 0
    # once: the comparison of the row's lat/lon with its x/y, not the x/y check
    assert handed.count("from_crs") == 1
    handed.clear()
    alone = placed + "A2,2024-01-01T10:00,nuisance,,,9e9,180000\n"
    parsed = parse_bundle_table(alone.encode(), "asb", name="asb.csv")
    assert parsed.problems["reason"].to_list() == [
        "x/y do not convert from EPSG:27700 to lon/lat: 9e9, 180000"
    ]
    assert "from_crs" in handed  # the row placed by x/y alone


def test_good_rows_placed_by_x_y_get_no_reason_text_built() -> None:
    """The x/y check's cheap test flags the rows it fails on, not every row placed
    by x/y: flagged, a good row had every check's reason text built, and a
    100,000-incident bundle placed by x/y took twice the CPU to load (3.4 s ->
    6.2 s; bundles placed by lat/lon were not affected)."""
    head = "incident_id,offence_code,occurred_at,x,y\n"
    rows = "I1,8N,2025-03-01T10:00,530000,180000\nI2,8N,2025-03-01T10:00,9e9,1\n"
    frame = pl.read_csv((head + rows).encode(), infer_schema=False)
    target = bundle._Target("EPSG:27700", "s", "EPSG:27700", "Europe/London")
    frame = bundle._prepared(frame, "incidents")
    checks = bundle._table_checks("incidents", tuple(frame.columns), (), target)
    flagged = frame.select(checks.failing.alias("f"))["f"].to_list()
    assert flagged == [False, True]


def test_an_empty_table_runs_no_row_check() -> None:
    """A table of no rows (a header alone, or a part every row of which was
    refused) has nothing to check: its checks, milliseconds each, are not run."""
    ran: list[int] = []

    def check(values: pl.Series) -> pl.Series:
        ran.append(len(values))
        return values.is_null()

    flagged = pl.col("a").map_batches(check, return_dtype=pl.Boolean)
    checks = [(pl.lit("a"), pl.when(flagged).then(pl.lit("a missing")))]
    empty = pl.DataFrame(schema={"a": pl.String, LINE_COL: pl.Int64})
    good, problems = split_rows(empty, ["a"], checks, target="t", failing=flagged)
    assert good.height == problems.height == 0
    assert ran == []
    one = pl.DataFrame({"a": [None], LINE_COL: [2]})
    good, problems = split_rows(one, ["a"], checks, target="t", failing=flagged)
    assert problems["reason"].to_list() == ["a missing"]


def test_the_checks_of_a_table_are_built_once_for_its_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Bundles loaded one after another (a day's, the next day's) reuse the checks
    built for a table read with the same columns; other columns get their own."""
    built: list[str] = []
    checks = bundle._checks

    def counting(frame: pl.DataFrame, table: str, *args: Any, **kwargs: Any) -> Any:
        built.append(table)
        return checks(frame, table, *args, **kwargs)

    monkeypatch.setattr(bundle, "_checks", counting)
    bundle._table_checks.cache_clear()
    text = "person_id,birth_year\nP1,1990\nP2,199x\n"
    first = parse_bundle_table(text.encode(), "people", name="a.csv")
    again = parse_bundle_table(text.encode(), "people", name="b.csv")
    assert built == ["people"]
    assert first.problems["reason"].to_list() == ["not a int: 199x"]
    assert again.problems.to_dicts() == first.problems.to_dicts()
    parse_bundle_table(b"person_id,sex\nP1,M\n", "people", name="c.csv")
    assert built == ["people", "people"]
