"""Bundle (and mapped table) row checks on big tables: reasons for the flagged rows only.

A check's reason is text (``not a datetime: ...``) that Polars builds for every row
before masking it to the failing ones; on a year of a force's records that was a text
column per check (seconds and hundreds of MiB). The bundle now gives
:func:`avert.ingest._rows.split_rows` a cheap mask of the rows some check may fail,
so reasons are built for those rows alone; the split must stay exactly the same.
"""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import avert.ingest.bundle as bundle_mod
from avert.ingest._csv import LINE_COL
from avert.ingest._rows import split_rows
from avert.ingest.bundle import BUNDLE_COLUMNS, parse_bundle_table

#: values that pass or fail each kind of bundle column
_VALUES = st.sampled_from(
    [
        None,
        "",
        " ",
        "x",
        "0",
        "1990",
        "1990.0",
        "51.5",
        "-0.1",
        "91",
        "530000",
        "180000",
        "true",
        "false",
        "knife",
        "victim",
        "M",
        "White",
        "race;religion",
        "race;nope",
        "place",
        "51.5,-0.1",
        "0,0",
        "2024-01-01",
        "2024-01-01 10:00",
        "2024-01-01T10:00:00Z",
        "20240101T1000Z",
        "2024-01-01T10:00:00,5",
        "529000",
        "1850-01-01 10:00",
        "2024-02-30",
        "8N",
        "a\x00b",
        "yes",
        "not_known",
        "high",
    ]
)
#: a row holds a value for every column of the widest table (``dash``: 33)
_WIDEST = max(len(columns) for columns in BUNDLE_COLUMNS.values())


def _frame(table: str, rows: list[list[str | None]]) -> tuple[pl.DataFrame, list[str]]:
    header = [c for c, _, _ in BUNDLE_COLUMNS[table]]
    frame = pl.DataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(header)},
        schema=dict.fromkeys(header, pl.String),
    ).with_columns(pl.int_range(2, len(rows) + 2, dtype=pl.Int64).alias(LINE_COL))
    return bundle_mod._prepared(frame, table), header


@settings(max_examples=60, deadline=None)
@given(
    table=st.sampled_from(sorted(BUNDLE_COLUMNS)),
    rows=st.lists(st.lists(_VALUES, min_size=_WIDEST, max_size=_WIDEST), max_size=12),
    bundle_crs=st.sampled_from(["EPSG:27700", "EPSG:4326"]),
)
def test_the_cheap_mask_gives_the_same_split_as_every_check(
    table: str, rows: list[list[str | None]], bundle_crs: str
) -> None:
    frame, header = _frame(table, rows)
    checks = bundle_mod._checks(frame, table, "EPSG:27700", bundle_crs)
    slow = split_rows(frame, header, checks.checks, target=table)
    fast = split_rows(
        frame, header, checks.checks, target=table, failing=checks.failing
    )
    assert_frame_equal(fast[0], slow[0])
    assert_frame_equal(fast[1], slow[1])


def _incidents(n: int, bad: dict[int, str]) -> bytes:
    lines = ["incident_id,occurred_at,offence_code,lat,lon"]
    for i in range(n):
        lines.append(bad.get(i, f"I-{i},2024-01-01 10:00,8N,51.5,-0.1"))
    return ("\n".join(lines) + "\n").encode()


def test_reasons_are_built_for_the_flagged_rows_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Of 1,000 incidents with 3 bad ones, the checks' reasons are evaluated on the
    rows the cheap mask flags (3), not on all 1,000; the 3 are quarantined."""
    flagged: list[int] = []

    def spy(
        frame: pl.DataFrame,
        header: list[str],
        checks: list[tuple[pl.Expr, pl.Expr]],
        **kw: object,
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        failing = kw.get("failing")
        mask = (
            frame.select(failing.fill_null(False)).to_series()  # type: ignore[union-attr]
            if failing is not None
            else pl.Series([True] * frame.height)
        )
        flagged.append(int(mask.sum()))
        return split_rows(frame, header, checks, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(bundle_mod, "split_rows", spy)
    data = _incidents(
        1000,
        {
            10: "I-10,not a time,8N,51.5,-0.1",
            500: "I-500,2024-01-01 10:00,8N,95,-0.1",
            999: "I-999,1850-01-01 10:00,8N,51.5,-0.1",
        },
    )
    parsed = parse_bundle_table(data, "incidents", name="incidents.csv")
    assert flagged == [3]
    assert parsed.problems["line"].to_list() == [12, 502, 1001]
    assert parsed.frames["incidents"].height == 997


def _stop(
    date: str = "2019-06-01T22:34:11+00:00",
    lat: str = "53.38",
    sex: str = "Male",
    age: str = "18-24",
    flag: str = "False",
) -> str:
    return (
        f"Person search,{date},{flag},,{lat},-1.47,{sex},{age},"
        "White - English,White,Misuse of Drugs Act 1971 (section 23),"
        "Controlled drugs,Arrest,True,False"
    )


def test_stop_checks_build_reasons_for_the_flagged_rows_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same for police.uk stop-and-search files (read whole under 1 M lines):
    of 500 stops with 5 bad ones, 5 are flagged, and the split is the one every
    check gives."""
    import avert.ingest.policeuk._stops as stops_mod
    from avert.ingest.policeuk import parse_policeuk_bytes

    from .helpers import STOPS_HEADER

    calls: list[tuple[int, pl.DataFrame, pl.DataFrame]] = []

    def spy(
        frame: pl.DataFrame,
        header: list[str],
        checks: list[tuple[pl.Expr, pl.Expr]],
        **kw: object,
    ) -> tuple[pl.DataFrame, pl.DataFrame]:
        failing = kw.pop("failing", None)
        flagged = (
            frame.select(failing.fill_null(False)).to_series().sum()  # type: ignore[union-attr]
            if failing is not None
            else frame.height
        )
        every = split_rows(frame, header, checks, **kw)  # type: ignore[arg-type]
        calls.append((int(flagged), *every))
        return split_rows(frame, header, checks, failing=failing, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(stops_mod, "split_rows", spy)
    bad = {
        7: _stop(date="yesterday"),
        50: _stop(lat=""),
        100: _stop(sex="Robot"),
        300: _stop(age="100+"),
        499: _stop(flag="Maybe"),
    }
    lines = [STOPS_HEADER, *(bad.get(i, _stop()) for i in range(500))]
    parsed = parse_policeuk_bytes(
        ("\n".join(lines) + "\n").encode(),
        name="s.csv",
        basename="2019-06-south-yorkshire-stop-and-search.csv",
    )
    [(flagged, good, problems)] = calls
    assert flagged == 5
    assert parsed.problems["line"].to_list() == [9, 52, 102, 302, 501]
    assert_frame_equal(parsed.problems.select(problems.columns), problems)
    assert parsed.frames["stops"].height == good.height == 495
