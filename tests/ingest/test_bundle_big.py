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
        "1850-01-01 10:00",
        "2024-02-30",
        "8N",
        "a\x00b",
    ]
)


def _frame(table: str, rows: list[list[str | None]]) -> tuple[pl.DataFrame, list[str]]:
    header = [c for c, _, _ in BUNDLE_COLUMNS[table]]
    frame = pl.DataFrame(
        {c: [r[i] for r in rows] for i, c in enumerate(header)},
        schema=dict.fromkeys(header, pl.String),
    ).with_columns(pl.int_range(2, len(rows) + 2, dtype=pl.Int64).alias(LINE_COL))
    frame = frame.with_columns(bundle_mod._blank_as_missing(frame))
    if table == "intelligence":
        frame = frame.with_columns(bundle_mod._place_parts())
    return frame, header


@settings(max_examples=60, deadline=None)
@given(
    table=st.sampled_from(sorted(BUNDLE_COLUMNS)),
    rows=st.lists(st.lists(_VALUES, min_size=20, max_size=20), max_size=12),
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
