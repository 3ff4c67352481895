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
from avert.ingest import geo
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


def test_x_y_beside_lat_lon_are_not_converted_to_find_no_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rows giving lat/lon are placed by them: their x/y are not checked as a
    place alone, so not converted either (each conversion was a hand-over to the
    projection thread, about a millisecond, once per use of its result)."""
    handed: list[str] = []
    submit = geo._PROJ_THREAD.submit

    def counting(fn: Any, *args: Any, **kwargs: Any) -> Any:
        handed.append(fn.__name__)
        return submit(fn, *args, **kwargs)

    monkeypatch.setattr(geo._PROJ_THREAD, "submit", counting)
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
