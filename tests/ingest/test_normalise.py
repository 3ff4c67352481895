"""A big file normalised streamed (blank lines, bare CR, NUL) reads as the whole file.

``open_text`` copies a file that the streamed scan cannot take as it is (many blank
lines, blank lines first, a bare CR, a NUL byte, not UTF-8) to a private text without
its blank lines, and maps line numbers back. Every test compares it with
``read_csv`` of the whole file's bytes (which squeezes blank lines out too).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from contextlib import ExitStack
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import avert.ingest._csv._normalise as normalise_mod
import avert.ingest._csv._scan as scan_mod
from avert.ingest._csv import CsvTable, open_text, read_csv
from avert.ingest.limits import Limits, Refused

from .helpers import STREET_HEADER, street_row

_LINE = st.sampled_from(
    [
        "a,b,c",
        "1,2,3",
        '"x, y",2,3',
        "1,2",  # ragged
        "",  # blank
        "",
        "\r",  # a lone CR before LF: blank
        "   ",
        "a\x00b,2,3",  # NUL: quarantined
        "é,ü,3",
        '"multi\n\nline",2,3',  # a quoted field over blank lines
        '"unclosed,2,3',
        "x",
    ]
)
_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


def _whole(data: bytes) -> CsvTable:
    """The whole-file reader, made to squeeze blank lines whatever their number."""
    with mock.patch.object(scan_mod, "_SQUEEZE_BLANK", 1):
        return read_csv(data)


def _normalised(path: Path, *, part_lines: int | None = None) -> list[CsvTable]:
    with (
        ExitStack() as stack,
        mock.patch.object(scan_mod, "_SQUEEZE_BLANK", 1),
        path.open("rb", buffering=0) as fh,
    ):
        text = open_text(fh, name=str(path), limits=Limits(), stack=stack)
        if part_lines is not None:
            parts = text.parts(part_lines=part_lines)
            if parts is not None:
                return list(parts)
        return [text.read_whole()]


def _same(parts: list[CsvTable], whole: CsvTable) -> None:
    assert parts[0].header == whole.header
    assert sum(p.rows for p in parts) == whole.rows
    frame = pl.concat([p.frame for p in parts])
    bad = pl.concat([p.bad for p in parts]).sort("line")
    assert frame.equals(whole.frame)
    assert bad.equals(whole.bad.sort("line"))


@settings(max_examples=80, deadline=None)
@given(
    lines=st.lists(_LINE, min_size=0, max_size=30),
    ends=st.lists(_ENDS, min_size=1, max_size=3),
    first=st.sampled_from(["", "\n", "\n\r\n", "\r"]),
    bom=st.booleans(),
    final=st.sampled_from(["", "\n", "\r", "\n\n"]),
    chunk=st.sampled_from([1, 2, 3, 7, 64, 1 << 20]),
    part_lines=st.none() | st.integers(1, 5),
)
def test_normalised_text_reads_as_the_whole_file(
    lines: list[str],
    ends: list[str],
    first: str,
    bom: bool,
    final: str,
    chunk: int,
    part_lines: int | None,
) -> None:
    body = "h1,h2,h3"
    for i, line in enumerate(lines):
        body += ends[i % len(ends)] + line
    data = (b"\xef\xbb\xbf" if bom else b"") + (first + body + final).encode()
    # a lone CR at the very end is a line of its own to the whole-file reader when
    # it squeezes nothing (an unclosed quote then spans it); normalised, it is gone
    assume(not data.endswith(b"\r"))
    whole = _whole(data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        with mock.patch.object(normalise_mod, "_NORM_CHUNK", chunk):
            parts = _normalised(path, part_lines=part_lines)
    _same(parts, whole)


def test_blank_lines_leave_a_text_of_the_other_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    rows = [street_row(f"{i:064x}") for i in range(3)]
    with path.open("wb") as fh:
        fh.write(b"\n\r\n" + (STREET_HEADER + "\n" + rows[0] + "\n").encode())
        fh.write(b"\n" * (3 << 20))
        fh.write((rows[1] + "\r\n\r\n" + rows[2]).encode())
    with ExitStack() as stack, path.open("rb", buffering=0) as fh:
        text = open_text(fh, name="f.csv", limits=Limits(), stack=stack)
        assert text.normalised is not None
        assert text.read_bytes() == (
            "\n".join([STREET_HEADER, rows[0], rows[1] + "\r", rows[2]]).encode()
        )
        table = text.read_whole()
    assert table.frame["_line"].to_list() == [4, 4 + (3 << 20) + 1, 7 + (3 << 20)]
    assert table.rows == 3


def test_a_long_line_is_refused_before_it_is_held(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"h1,h2\n\n\n" + b"x" * 5000 + b"\n1,2\n")
    with (
        ExitStack() as stack,
        mock.patch.object(normalise_mod, "_NORM_CHUNK", 64),
        path.open("rb", buffering=0) as fh,
        pytest.raises(Refused, match="line 4 is"),
    ):
        open_text(fh, name="f.csv", limits=Limits(line_bytes=1000), stack=stack)


_PEAK = """
import resource, sys
from pathlib import Path
from avert.ingest.policeuk import parse_policeuk_parts
from avert.ingest.sources import expand_paths
(source,), _ = expand_paths([sys.argv[1]])
rows = sum(p.rows for p in parse_policeuk_parts(source))
print(rows, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _peak_mib(path: Path) -> tuple[int, int]:
    """Rows read and peak RSS (MiB) of reading ``path`` in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_PEAK), str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "POLARS_MAX_THREADS": "2"},
    )
    rows, peak = out.stdout.split()
    return int(rows), int(peak)


@pytest.mark.parametrize("kind", ["blank", "bare-cr-blank"])
def test_peak_memory_of_blank_lines_is_bounded(tmp_path: Path, kind: str) -> None:
    """96 MiB of blank lines (streamed, normalised) cost far less than their size.

    Reading the same bytes whole holds them at least twice (the bytes and the
    squeezed text): the bound below is under that, with a margin for the
    interpreter and its libraries (measured by the small file first).
    """
    rows = "\n".join(street_row(f"{i:064x}") for i in range(10))
    blank = b"\n" if kind == "blank" else b"\r\n\r"  # a bare CR: a line end too
    small = tmp_path / "small.csv"
    small.write_bytes((STREET_HEADER + "\n" + rows + "\n").encode())
    big = tmp_path / "big.csv"
    with big.open("wb") as fh:
        fh.write((STREET_HEADER + "\n" + rows + "\n").encode())
        fh.write(blank * ((96 << 20) // len(blank)))
        fh.write((rows + "\n").encode())
    base_rows, base = _peak_mib(small)
    big_rows, peak = _peak_mib(big)
    assert (base_rows, big_rows) == (10, 20)
    assert peak - base < 64, (base, peak)  # the file is 96 MiB


def test_many_one_character_lines_are_read() -> None:
    """4,096 short lines but no blank one: nothing to squeeze, nothing breaks."""
    table = read_csv(b"h\n" + b"x\n" * 5000)
    assert table.rows == 5000
    assert table.frame["_line"][-1] == 5001


def test_a_long_value_in_a_filtered_column_does_not_panic() -> None:
    """The root of the Polars panic once seen in the fuzz test (issue 13.5).

    Polars 2.1's ``pl.format`` panicked (``assertion failed: i < self.len()``) on a
    column read by its CSV reader that holds a long value (a field over 128 KiB),
    once filtered (as rows are when a malformed line is dropped): the reason text
    of a bad value killed the parse and the whole table was refused. Reason texts
    are now joined with ``concat_str``. These are the fuzz case's bytes (whether
    Polars panics depends on where its reader cuts the text: thread count).
    """
    from avert.ingest.bundle import parse_bundle_table

    lines = [
        "incident_id,offence_code,crime_type,occurred_at,occurred_to,lat,lon,x,y,"
        "lsoa,ward,borough,domestic,weapon,hate,gang_related,injury,outcome",
        "INC-3,8N,Violence and sexual offences,20\u00e926-10-03T18:05:00,,,530000.0,"
        "180000.0,,,Southwark,true,other,race;religion,false,minor,Under investigation",
        "\x04_",
        'INC-4,,Public order,2026-10-04T12:00:00,"' + "y" * 133_120 + '",51.4613,'
        "-0.1156,,,,,Lambeth,false,,,false,none,",
        "INC-4,,Public order,2026-10-04T12:00:00,,51.4613,-0.1156,,,,,Lambeth,false,,,"
        "false,none,",
        "INC-?,??C,Violence and sexual offences,????-??-??,,??.????,-?.????,,,,,"
        "Camden,,firearm,,true,fatal,Charged\r",
    ]
    parsed = parse_bundle_table("\n".join(lines).encode(), "incidents", name="x")
    assert parsed.kind == "bundle-incidents"
    assert parsed.problems["line"].to_list() == [2, 3, 4, 6]
    assert parsed.problems["reason"][2].startswith("not a datetime: yyy")
    assert parsed.frames["incidents"]["source_line"].to_list() == [5]
