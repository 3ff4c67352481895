"""The parse speed-ups keep results exact.

One-pass byte scan (counts per line), parts read in small pieces, cheap masks before
the row checks, months converted once per distinct value: each is compared with a
plain reference or with the slow path it replaces.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

import avert.ingest._csv._read as read_mod
import avert.ingest._csv._scan as scan_mod
from avert.ingest._csv import read_csv, read_csv_parts
from avert.ingest._csv._scan import _scan
from avert.ingest._rows import split_rows
from avert.ingest.geo import coordinate_failing, coordinate_problem
from avert.ingest.policeuk._common import _month_check, _month_failing, _month_span

_BYTES = st.lists(
    st.sampled_from([b"a", b",", b";", b'"', b"\n", b"\r", b"\xc3\xa9", b"," * 300]),
    max_size=60,
).map(b"".join)


@settings(max_examples=150, deadline=None)
@given(data=_BYTES, chunk=st.integers(1, 9), sep=st.sampled_from([b",", b";"]))
def test_scan_counts_commas_and_quotes_of_every_line(
    data: bytes, chunk: int, sep: bytes
) -> None:
    """The scan counts the separator it is given (commas by default) per line."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scan_mod, "_SCAN_CHUNK", chunk)  # lines cross chunk borders
        scan = _scan(np.frombuffer(data, dtype=np.uint8), separator=sep[0])
    lines = data.split(b"\n")
    assert scan.nl.tolist() == [i for i, b in enumerate(data) if b == 10]
    assert scan.separators.tolist() == [min(line.count(sep), 255) for line in lines]
    quotes = [line.count(b'"') for line in lines]
    if any(quotes):
        assert scan.quotes is not None
        assert scan.quotes.tolist() == quotes
    else:
        assert scan.quotes is None


_LINE = st.sampled_from(
    [
        "a,b,c",
        "1,2,3",
        "1,2",  # too few fields
        "1,2,3,4",  # too many
        "",  # blank
        "é,ü,3",
        "a,b,c\r",  # CRLF line
        " , ,",  # blank-looking fields
        "1" + ",2" * 300,  # 301 fields: the count is kept as 255, counted again
        '"x, y",2,3',  # quotes: the part is read at once, not in pieces
    ]
)


def _tables(data: bytes, part_lines: int, piece_lines: int) -> tuple[object, object]:
    whole = read_csv(data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(read_mod, "_PIECE_LINES", piece_lines)
        mp.setattr(scan_mod, "_SCAN_CHUNK", 16)
        parts = read_csv_parts(data, part_lines=part_lines)
        assert parts is not None
        tables = list(parts)
    assert sum(t.rows for t in tables) == whole.rows
    frame = pl.concat([t.frame for t in tables])
    bad = pl.concat([t.bad for t in tables])
    return (whole.frame, whole.bad), (frame, bad)


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(_LINE, min_size=6, max_size=40),
    part_lines=st.integers(2, 7),
    piece_lines=st.integers(1, 3),
    final_newline=st.booleans(),
)
def test_parts_read_in_pieces_equal_the_whole_read(
    lines: list[str], part_lines: int, piece_lines: int, final_newline: bool
) -> None:
    text = "h1,h2,h3\n" + "\n".join(lines) + ("\n" if final_newline else "")
    data = text.encode()
    if data.count(b"\n") <= part_lines + 1:
        return  # too small to be read in parts
    (frame, bad), (p_frame, p_bad) = _tables(data, part_lines, piece_lines)
    assert_frame_equal(p_frame, frame)  # type: ignore[arg-type]
    assert_frame_equal(p_bad, bad)  # type: ignore[arg-type]


def test_a_line_with_many_commas_is_counted_exactly() -> None:
    data = ("a,b\n1,2\n" + "x," * 300 + "y\n" + "3,4\n" * 5).encode()
    table = read_csv(data)
    assert table.bad["reason"].to_list() == [
        "wrong number of fields: 301 (header has 2)"
    ]
    (_, bad), (_, p_bad) = _tables(data, 2, 1)
    assert_frame_equal(p_bad, bad)  # type: ignore[arg-type]


def test_a_piece_of_blank_lines_falls_back_to_reading_the_part_at_once() -> None:
    data = ("a,b\n" + "1,2\n" * 3 + "\n" * 4 + "3,4\n" * 3).encode()
    (frame, _), (p_frame, _) = _tables(data, 4, 2)
    assert_frame_equal(p_frame, frame)  # type: ignore[arg-type]
    assert frame["_line"].to_list() == [2, 3, 4, 9, 10, 11]


_LONLAT = st.sampled_from(
    [None, "-1.5", "53.8", "0", "abc", "NaN", "inf", "-inf", "91", "-181", "200", " 1"]
)
_MONTH = st.sampled_from([None, "2019-01", " 2019-12 ", "2019-13", "19-01", "", "x"])


@settings(max_examples=80, deadline=None)
@given(
    rows=st.lists(st.tuples(_MONTH, _LONLAT, _LONLAT), max_size=25),
    crs=st.sampled_from(["EPSG:27700", "EPSG:4326"]),
)
def test_a_cheap_mask_gives_the_same_split_as_every_check(
    rows: list[tuple[str | None, str | None, str | None]], crs: str
) -> None:
    frame = pl.DataFrame(
        {
            "Month": [r[0] for r in rows],
            "Longitude": [r[1] for r in rows],
            "Latitude": [r[2] for r in rows],
            "_line": list(range(2, len(rows) + 2)),
        },
        schema={
            "Month": pl.String,
            "Longitude": pl.String,
            "Latitude": pl.String,
            "_line": pl.Int64,
        },
    )
    header = ["Month", "Longitude", "Latitude"]
    checks = [
        _month_check("Month"),
        coordinate_problem("Longitude", "Latitude", crs=crs),
    ]
    slow = split_rows(frame, header, checks, target="incidents")
    failing = _month_failing(frame, "Month") | coordinate_failing(
        "Longitude", "Latitude", crs=crs
    )
    fast = split_rows(frame, header, checks, target="incidents", failing=failing)
    assert_frame_equal(fast[0], slow[0])
    assert_frame_equal(fast[1], slow[1])


def test_a_mask_that_flags_good_rows_keeps_them_good() -> None:
    frame = pl.DataFrame({"v": ["1", None, "3"], "_line": [2, 3, 4]})
    check = (pl.lit("v"), pl.when(pl.col("v").is_null()).then(pl.lit("blank v")))
    good, problems = split_rows(frame, ["v"], [check], target="t", failing=pl.lit(True))
    assert good["v"].to_list() == ["1", "3"]
    assert problems["line"].to_list() == [3]


@settings(max_examples=40, deadline=None)
@given(
    months=st.lists(
        st.tuples(st.integers(1, 9999), st.integers(1, 12), st.booleans()), max_size=20
    )
)
def test_months_converted_once_per_value_equal_each_row_converted(
    months: list[tuple[int, int, bool]],
) -> None:
    values = [f"{' ' if pad else ''}{y:04d}-{m:02d}" for y, m, pad in months]
    frame = pl.DataFrame({"Month": values}, schema={"Month": pl.String})
    got = frame.select(*_month_span(frame, "Month"))
    start = (pl.col("Month").str.strip_chars() + "-01").str.to_datetime(
        "%Y-%m-%d", time_unit="us"
    )
    want = frame.select(
        start.alias("occurred_from"),
        (start.dt.offset_by("1mo") - pl.duration(microseconds=1)).alias("occurred_to"),
        pl.lit("month").alias("time_precision"),
    )
    assert_frame_equal(got, want)
    if values:
        y, m, _ = months[0]
        assert got["occurred_from"][0] == dt.datetime(y, m, 1)


_SWAP = str.maketrans(",;", ";,")
#: lines of a comma file for the separated twin: quoted separators, a record over
#: two lines, stray quotes, ragged, blank and non-ASCII lines
_TWIN_LINE = st.sampled_from(
    [
        "a,b,c",
        "1,2",
        "1,2,3,4",
        "",
        "é;x,ü,3",
        '"x, y",2,3',
        '"multi\nline",2,3',
        'a"b,c,d',
        '"open,2,3',
        "1" + ",2" * 300,
        "a,b,c\r",
    ]
)


@settings(max_examples=150, deadline=None)
@given(
    header=st.sampled_from(["h1,h2,h3", 'h"1,h2,h3', "h;1,h2,h3"]),
    lines=st.lists(_TWIN_LINE, max_size=12),
    sep=st.sampled_from([";", "\t", "|", "\x1f"]),
)
def test_a_separated_file_reads_as_its_comma_twin(
    header: str, lines: list[str], sep: str
) -> None:
    """``read_csv(separator=...)`` of a file gives what reading its comma twin gives
    (the file with its commas and separators swapped): rows, values, line numbers,
    malformed lines as written, on the fast, re-counted and exact paths alike."""
    text = "\n".join([header, *lines]) + "\n"
    twin = text.translate(_SWAP).replace(";", sep)  # the separated file
    back = str.maketrans({sep: ",", ",": ";"})  # its text read back as the twin's

    def as_twin(value: object) -> object:
        return value.translate(back) if isinstance(value, str) else value

    comma = read_csv(text.encode())
    separated = read_csv(twin.encode(), separator=sep)
    assert [as_twin(n) for n in separated.header] == comma.header
    assert [
        {as_twin(k): as_twin(v) for k, v in row.items()}
        for row in separated.frame.to_dicts()
    ] == comma.frame.to_dicts()
    assert [
        {k: as_twin(v) for k, v in row.items()} for row in separated.bad.to_dicts()
    ] == comma.bad.to_dicts()
    assert separated.rows == comma.rows
