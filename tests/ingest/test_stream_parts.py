"""A big plain file streamed once and read part by part from disk: same as in memory.

Every test compares the streamed path (``scan_file`` + ``read_file_parts``, or
``parse_policeuk_parts`` with ``STREAM_MIN_BYTES = 0``) with today's in-memory path
(``read_csv_parts`` of the file's bytes, or ``STREAM_MIN_BYTES`` out of reach).
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import avert.ingest._csv._scan as scan_mod
import avert.ingest._csv._stream as stream_mod
import avert.ingest.policeuk._read as policeuk_read
from avert.errors import IngestError
from avert.ingest._csv import CsvTable, read_csv_parts, read_file_parts, scan_file
from avert.ingest.policeuk import parse_policeuk_parts
from avert.ingest.result import Parsed
from avert.ingest.sources import expand_paths

from .helpers import STREET_HEADER, street_row

_LINE = st.sampled_from(
    [
        "a,b,c",
        "1,2,3",
        '"x, y",2,3',  # quoted comma: one line, three fields
        '"say ""hi""",2,3',  # doubled quotes
        "1,2",  # ragged: too few fields
        "1,2,3,4",  # too many
        ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
        ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
        ",,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,"
        ",,,,,,,,,",  # 261 commas: counted again past the byte cap
        "",  # blank
        "   ",  # blank-looking
        "é,ü,3",  # multi-byte UTF-8
        "日本,語,3",
        "a,b,c\r",  # CRLF line
    ]
)


def _tables_equal(a: list[CsvTable], b: list[CsvTable]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert x.header == y.header
        assert x.rows == y.rows
        assert x.encoding == y.encoding
        assert x.frame.schema == y.frame.schema
        assert x.frame.equals(y.frame)
        assert x.bad.equals(y.bad)


def _streamed(path: Path, part_lines: int, first: int | None) -> list[CsvTable] | None:
    with path.open("rb", buffering=0) as fh:
        streamed = scan_file(fh, name=str(path))
        assert streamed is not None
        assert streamed.digest == hashlib.sha256(path.read_bytes()).hexdigest()
        parts = read_file_parts(
            fh, streamed, name=str(path), part_lines=part_lines, first_part_lines=first
        )
        return None if parts is None else list(parts)


@settings(max_examples=40, deadline=None)
@given(
    chunks=st.lists(st.integers(1, 64), min_size=1, max_size=20),
    body=st.binary(max_size=300).map(lambda b: b.replace(b"\x00", b"\n"))
    | st.lists(_LINE, max_size=30).map(lambda ls: "\n".join(ls).encode()),
)
def test_scanner_fed_in_any_chunks_equals_the_whole_scan(
    chunks: list[int], body: bytes
) -> None:
    arr = np.frombuffer(body, dtype=np.uint8)
    whole = scan_mod._scan(arr)
    with mock.patch.object(scan_mod, "_SCAN_CHUNK", 5):  # steps inside a chunk too
        scanner = scan_mod._Scanner(arr.size)
        at = 0
        for n in chunks * (arr.size // max(sum(chunks), 1) + 1):
            scanner.feed(arr[at : at + n])
            at += n
        fed = scanner.finish()
    assert np.array_equal(fed.nl, whole.nl)
    assert fed.nl.dtype == whole.nl.dtype
    assert np.array_equal(fed.separators, whole.separators)
    assert (fed.quotes is None) == (whole.quotes is None)
    if whole.quotes is not None:
        assert fed.quotes is not None
        assert np.array_equal(fed.quotes, whole.quotes)


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(_LINE, min_size=0, max_size=40),
    part_lines=st.integers(1, 6),
    first=st.none() | st.integers(1, 7),
    bom=st.booleans(),
    crlf_header=st.booleans(),
    final_newline=st.booleans(),
    read_chunk=st.sampled_from([1, 2, 3, 7, 64, 1 << 20]),
)
def test_streamed_parts_equal_the_in_memory_parts(
    lines: list[str],
    part_lines: int,
    first: int | None,
    bom: bool,
    crlf_header: bool,
    final_newline: bool,
    read_chunk: int,
) -> None:
    head = "h1,h2,h3" + ("\r\n" if crlf_header else "\n")
    data = (b"\xef\xbb\xbf" if bom else b"") + (
        head + "\n".join(lines) + ("\n" if final_newline else "")
    ).encode()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.csv"
        path.write_bytes(data)
        in_memory = read_csv_parts(data, part_lines=part_lines, first_part_lines=first)
        with mock.patch.object(stream_mod, "_READ_CHUNK", read_chunk):
            streamed = _streamed(path, part_lines, first)
    assert (streamed is None) == (in_memory is None)
    if in_memory is not None and streamed is not None:
        _tables_equal(streamed, list(in_memory))


def test_latin1_late_in_the_file_is_not_streamed(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 5000 + "caf\xe9,2\n".encode("latin-1"))
    with (
        mock.patch.object(stream_mod, "_READ_CHUNK", 4096),
        path.open("rb", buffering=0) as fh,
    ):
        assert scan_file(fh, name=str(path)) is None
    # a multi-byte character cut by a chunk boundary is still valid UTF-8
    path.write_bytes(b"a,b\n" + b"1," * 2047 + "é,2\n".encode() * 3)
    with (
        mock.patch.object(stream_mod, "_READ_CHUNK", 4095),
        path.open("rb", buffering=0) as fh,
    ):
        assert scan_file(fh, name=str(path)) is not None


# --- parse_policeuk_parts: the streamed path against today's whole-file path ----------


def _parse(path: Path, *, stream: bool, part_lines: int) -> list[Parsed]:
    (source,), _ = expand_paths([path])
    limit = 0 if stream else 1 << 62
    with mock.patch.object(policeuk_read, "STREAM_MIN_BYTES", limit):
        return list(parse_policeuk_parts(source, part_lines=part_lines))


def _parsed_equal(a: list[Parsed], b: list[Parsed]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        assert (x.file, x.sha256, x.kind, x.rows) == (y.file, y.sha256, y.kind, y.rows)
        assert sorted(x.frames) == sorted(y.frames)
        for table, frame in x.frames.items():
            assert frame.schema == y.frames[table].schema
            assert frame.equals(y.frames[table])
        assert x.problems.equals(y.problems)


@pytest.fixture
def count_streamed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records what the streamed path decided: 'parts', 'whole' or 'odd'.

    'odd': a scan found what must be normalised first (or not UTF-8).
    """
    seen: list[str] = []
    real_scan, real_parts = stream_mod.scan_file, stream_mod.read_file_parts

    def scan(*args: object, **kwargs: object) -> object:
        out = real_scan(*args, **kwargs)  # type: ignore[arg-type]
        if out is None:
            seen.append("odd")
        return out

    def parts(*args: object, **kwargs: object) -> object:
        out = real_parts(*args, **kwargs)  # type: ignore[arg-type]
        seen.append("whole" if out is None else "parts")
        return out

    monkeypatch.setattr(stream_mod, "scan_file", scan)
    monkeypatch.setattr(stream_mod, "read_file_parts", parts)
    return seen


def _rows(n: int) -> list[str]:
    return [
        street_row(f"{i:064x}" if i % 3 else "", location=f"On or near Street {i % 7}")
        for i in range(n)
    ]


_CASES = {
    "plain": ([STREET_HEADER, *_rows(40)], "\n", "parts"),
    "bom-crlf": (["\ufeff" + STREET_HEADER, *_rows(40)], "\r\n", "parts"),
    "blank-ragged-quoted": (
        [
            STREET_HEADER,
            *_rows(10),
            "",
            "ragged,line",
            street_row(location='"On or near High St, North"'),
            *_rows(5),
            "",
            street_row(location='"a ""quoted"" name"'),
            street_row(month="2018-13"),
            *_rows(20),
        ],
        "\n",
        "parts",
    ),
    "odd-quote-late": (
        [STREET_HEADER, *_rows(40), street_row(location='"unclosed'), *_rows(3)],
        "\n",
        "whole",
    ),
    "header-only": ([STREET_HEADER], "\n", "whole"),
}


@pytest.mark.parametrize("case", sorted(_CASES))
@pytest.mark.parametrize("final_newline", [True, False])
def test_policeuk_streamed_equals_today(
    tmp_path: Path, count_streamed: list[str], case: str, final_newline: bool
) -> None:
    lines, end, expected = _CASES[case]
    text = end.join(lines) + (end if final_newline else "")
    path = tmp_path / "2018-07-west-yorkshire-street.csv"
    path.write_bytes(text.encode())
    today = _parse(path, stream=False, part_lines=7)
    assert count_streamed == []
    streamed = _parse(path, stream=True, part_lines=7)
    assert count_streamed == [expected]
    _parsed_equal(streamed, today)
    assert streamed[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    if expected == "parts":
        assert len(streamed) > 1


def test_policeuk_latin1_and_empty_files_take_the_whole_path(
    tmp_path: Path, count_streamed: list[str]
) -> None:
    latin = tmp_path / "latin.csv"
    text = "\n".join([STREET_HEADER, *_rows(40), street_row(location="Caf\xe9")])
    latin.write_bytes((text + "\n").encode("latin-1"))
    _parsed_equal(
        _parse(latin, stream=True, part_lines=7),
        _parse(latin, stream=False, part_lines=7),
    )
    # not UTF-8: normalised to a copy, which is read whole (latin-1 is re-encoded)
    assert count_streamed == ["odd", "odd"]
    for body in (b"", b"\n\n", b"not,a,police,file\n1,2,3,4\n"):
        other = tmp_path / "other.csv"
        other.write_bytes(body)
        _parsed_equal(
            _parse(other, stream=True, part_lines=7),
            _parse(other, stream=False, part_lines=7),
        )
    # b"\n\n" is normalised (blank lines first), then read whole as the others
    assert count_streamed == ["odd", "odd", "odd"]


def _first_part_then(path: Path, change: object) -> None:
    (source,), _ = expand_paths([path])
    with mock.patch.object(policeuk_read, "STREAM_MIN_BYTES", 0):
        parts = parse_policeuk_parts(source, part_lines=7)
        first = next(parts)
        assert first.rows > 0
        change()  # type: ignore[operator]
        with pytest.raises(IngestError, match=r"street\.csv changed while"):
            list(parts)


def test_a_file_changed_between_scan_and_parts_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "2018-07-street.csv"
    data = ("\n".join([STREET_HEADER, *_rows(60)]) + "\n").encode()
    path.write_bytes(data)

    def append() -> None:
        with path.open("ab") as fh:
            fh.write(data[-200:])

    _first_part_then(path, append)

    # Same size and times put back: only the line ends betray the change.
    path.write_bytes(data)
    monkeypatch.setattr(stream_mod, "_stamp", lambda fh: (len(data), 0, 0))

    def shift() -> None:
        with path.open("r+b") as fh:
            fh.write(b"x" + data[:-1])

    _first_part_then(path, shift)


def test_a_part_covers_only_its_own_bytes(tmp_path: Path) -> None:
    """Each part reads its own byte range: a reused buffer, never the whole file."""
    path = tmp_path / "f.csv"
    path.write_bytes(("h1,h2\n" + "".join(f"{i},x\n" for i in range(1000))).encode())
    reads: list[int] = []
    real = stream_mod._read_at

    def spy(fh: object, view: memoryview, at: int) -> int:
        reads.append(len(view))
        return real(fh, view, at)  # type: ignore[arg-type]

    with mock.patch.object(stream_mod, "_read_at", spy):
        tables = _streamed(path, 100, 25)
    assert tables is not None
    frame = pl.concat([t.frame for t in tables])
    assert frame["h1"].to_list() == [str(i) for i in range(1000)]
    assert frame["_line"].to_list() == list(range(2, 1002))
    assert max(reads) < path.stat().st_size / 5


def test_load_streamed_equals_load_in_memory(
    template_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    count_streamed: list[str],
) -> None:
    """End to end: a load that streams the file stores exactly what a whole read does."""
    import avert.workflows.load._state as load_state
    from avert.store import Store
    from avert.workflows.load import load_files

    from .test_parts import _dump, _street_file

    path = _street_file(tmp_path)
    monkeypatch.setattr(policeuk_read, "PART_LINES", 7)
    monkeypatch.setattr(load_state, "_DEFER_INDEX_ROWS", 10)
    results = []
    for stream_min in (1 << 62, 0):
        monkeypatch.setattr(policeuk_read, "STREAM_MIN_BYTES", stream_min)
        db = tmp_path / f"stream-{stream_min}.db"
        db.write_bytes(template_db.read_bytes())
        store = Store(f"sqlite:///{db}")
        (report,) = load_files(store, [path]).files
        assert report.balanced
        assert report.rows == 63
        results.append(_dump(store))
        store.close()
    assert count_streamed == ["parts"]  # the second load streamed the file
    for table, frame in results[0].items():
        assert results[1][table].equals(frame), table
