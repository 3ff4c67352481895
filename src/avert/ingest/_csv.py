"""Robust CSV reading: encodings, physical line numbers, ragged and blank lines.

The fast path is Polars' own multi-threaded ``read_csv`` (every column as text, ragged
lines tolerated) plus a vectorised numpy pre-scan of the bytes that finds every
physical line and counts its separators and quotes. Comparing the field count of
each line with the header finds truncated or ragged lines without parsing rows in
Python; only lines containing quote characters are re-counted with :mod:`csv`.
When quoted fields span lines (rows no longer map one-to-one onto physical lines)
the whole file is read with :mod:`csv` instead (slow, exact, rare).

Encodings: UTF-8, UTF-8 with BOM and, when the bytes are not valid UTF-8, latin-1
(ISO-8859-1, as older police extracts are); the text is normalised to UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

__all__ = ["CsvTable", "decode", "read_csv", "read_csv_parts", "split_header"]

_CHUNK: Final = 1 << 26  # 64 MiB per numpy scan step
_NL, _CR, _COMMA, _QUOTE = 10, 13, 44, 34
LINE_COL: Final = "_line"


@dataclass
class CsvTable:
    """A CSV file split into well-formed rows and malformed lines.

    Attributes
    ----------
    header
        Column names from the first line (whitespace and BOM stripped).
    frame
        Well-formed data rows, every column text (blank = null), plus ``_line``:
        the 1-based physical line number.
    bad
        Malformed lines: ``line``, ``raw`` text and ``reason``.
    rows
        Non-blank data lines (well-formed + malformed).
    encoding
        ``utf-8``, ``utf-8-sig`` or ``latin-1``.
    """

    header: list[str]
    frame: pl.DataFrame
    bad: pl.DataFrame
    rows: int
    encoding: str


def decode(data: bytes) -> tuple[bytes, str]:
    """Return ``data`` as UTF-8 bytes without BOM, and the encoding it was in.

    UTF-8 validity is checked incrementally (bounded memory); invalid UTF-8 is read
    as latin-1 and re-encoded.
    """
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    arr = np.frombuffer(data, dtype=np.uint8)
    try:
        view = memoryview(data)
        for off in range(0, len(data), _CHUNK):
            pending = decoder.getstate()[0]
            if not pending and int(arr[off : off + _CHUNK].max(initial=0)) < 0x80:
                continue  # pure ASCII chunk: valid UTF-8, nothing to decode
            decoder.decode(view[off : off + _CHUNK], final=False)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return data.decode("latin-1").encode("utf-8"), "latin-1"
    return data, encoding


def split_header(line: str) -> list[str]:
    """Split one CSV line into stripped field names (RFC 4180 quoting).

    A header with an unbalanced quote is split on every comma instead: quoting it
    would merge names and hide the broken column from the width checks.
    """
    if line.count('"') % 2:
        return [f.strip().lstrip("\ufeff") for f in line.split(",")]
    fields = next(csv.reader([line]), [])
    return [f.strip().lstrip("\ufeff") for f in fields]


def _positions(arr: npt.NDArray[np.uint8], byte: int) -> npt.NDArray[np.int64]:
    parts = [
        np.flatnonzero(arr[off : off + _CHUNK] == byte) + off
        for off in range(0, arr.size, _CHUNK)
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def _count_before(
    arr: npt.NDArray[np.uint8], byte: int, positions: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """For sorted ``positions``, how many ``byte`` occur strictly before each."""
    out = np.empty(positions.size, dtype=np.int64)
    base, j = 0, 0
    for off in range(0, arr.size, _CHUNK):
        hits = np.flatnonzero(arr[off : off + _CHUNK] == byte)
        hi = int(np.searchsorted(positions, off + _CHUNK, side="left"))
        out[j:hi] = base + np.searchsorted(hits, positions[j:hi] - off, side="left")
        base += hits.size
        j = hi
    out[j:] = base
    return out


def _empty(header: list[str]) -> pl.DataFrame:
    schema: dict[str, pl.DataType] = dict.fromkeys(header, pl.String())
    schema[LINE_COL] = pl.Int64()
    return pl.DataFrame(schema=schema)


def _bad_frame(lines: list[int], raws: list[str], reasons: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {"line": lines, "raw": raws, "reason": reasons},
        schema={"line": pl.Int64, "raw": pl.String, "reason": pl.String},
    )


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, name in enumerate(header):
        base = name or f"column_{i + 1}"
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}_{n + 1}")
    return out


def read_csv(data: bytes) -> CsvTable:
    """Read CSV bytes into well-formed rows (with line numbers) and malformed lines.

    Parameters
    ----------
    data
        The raw file bytes (any of the supported encodings).

    Returns
    -------
    CsvTable
        Header, rows, malformed lines and counts; blank lines are neither rows nor
        problems.
    """
    text_bytes, encoding = decode(data)
    arr = np.frombuffer(text_bytes, dtype=np.uint8)
    nl = _positions(arr, _NL)
    ends = np.concatenate([nl, np.array([arr.size], dtype=np.int64)])
    starts = np.concatenate([np.array([0], dtype=np.int64), nl + 1])
    if starts[-1] == arr.size:  # the file ends with a newline: no final line
        starts, ends = starts[:-1], ends[:-1]
    if starts.size == 0:
        return CsvTable([], _empty([]), _bad_frame([], [], []), 0, encoding)
    # strip a CR before each LF
    last = np.maximum(ends - 1, 0)
    has_cr = (ends > starts) & (arr[last] == _CR)
    ends_text = ends - has_cr.astype(np.int64)
    header_line = text_bytes[starts[0] : ends_text[0]].decode("utf-8")
    header = _unique_names(split_header(header_line))
    b_starts, b_ends = starts[1:], ends_text[1:]
    n_lines = b_starts.size
    if n_lines == 0:
        return CsvTable(header, _empty(header), _bad_frame([], [], []), 0, encoding)
    blank = b_ends == b_starts
    cut = np.concatenate([[ends[0]], ends[1:]])  # line boundaries (the '\n' positions)
    commas = np.diff(_count_before(arr, _COMMA, cut))
    quotes = np.diff(_count_before(arr, _QUOTE, cut))
    fields = commas + 1
    quoted = np.flatnonzero(quotes > 0)
    if quoted.size:
        if np.any(quotes[quoted] % 2 == 1):
            return _read_with_csv(text_bytes, header, encoding)
        for i in quoted.tolist():
            raw = text_bytes[b_starts[i] : b_ends[i]].decode("utf-8")
            fields[i] = len(next(csv.reader([raw]), []))
    width = len(header)
    good = (fields == width) & ~blank
    bad_idx = np.flatnonzero(~good & ~blank)
    line_no = np.arange(2, n_lines + 2, dtype=np.int64)
    source = text_bytes
    if b'"' in text_bytes[: int(b_starts[0])]:
        # The header was split from line 1 alone; a stray quote in it must not make
        # Polars swallow the data lines, so it reads them under a clean header.
        clean = ",".join(f"c{i}" for i in range(width)).encode() + b"\n"
        source = clean + text_bytes[int(b_starts[0]) :]
    frame = pl.read_csv(
        source,
        has_header=True,
        infer_schema=False,
        truncate_ragged_lines=True,
        raise_if_empty=False,
        new_columns=header,
    )
    if frame.height != n_lines or frame.width != width:
        return _read_with_csv(text_bytes, header, encoding)
    frame = frame.with_columns(pl.Series(LINE_COL, line_no))
    if not good.all():  # a filter copies every column: only when there is a bad line
        frame = frame.filter(pl.Series(good))
    raws = [
        text_bytes[b_starts[i] : b_ends[i]].decode("utf-8", "replace")
        for i in bad_idx.tolist()
    ]
    reasons = [
        f"wrong number of fields: {fields[i]} (header has {width})"
        for i in bad_idx.tolist()
    ]
    bad = _bad_frame((bad_idx + 2).tolist(), raws, reasons)
    return CsvTable(header, frame, bad, int((~blank).sum()), encoding)


def _read_with_csv(text_bytes: bytes, header: list[str], encoding: str) -> CsvTable:
    """Exact slow path for files whose quoted fields span physical lines.

    A record spanning several lines is a row when its field count matches the
    header (an RFC 4180 multi-line field); otherwise it was a stray quote, and each
    non-blank physical line it swallowed is reported on its own, so that counts stay
    per physical line.
    """
    text = text_bytes.decode("utf-8")
    physical = [line.rstrip("\r") for line in text.split("\n")]
    # The header is its first physical line (see split_header): a stray quote in it
    # must not swallow the data lines, so the reader starts on line 2.
    body = text.split("\n", 1)[1] if "\n" in text else ""
    reader = csv.reader(io.StringIO(body, newline=""))
    width = len(header)
    cols: list[list[str | None]] = [[] for _ in range(width)]
    lines: list[int] = []
    bad_lines: list[int] = []
    bad_raw: list[str] = []
    bad_reason: list[str] = []
    rows = 0
    start = 2
    try:
        for record in reader:
            end = reader.line_num + 1  # physical line number (the header is line 1)
            if not record:
                start = end + 1
                continue
            # A record over several lines is an RFC 4180 multi-line field only when
            # its quotes balance; an odd count is a stray quote that ran to the end
            # of the file, and every line it swallowed is reported on its own.
            balanced = start == end or (
                sum(physical[n - 1].count('"') for n in range(start, end + 1)) % 2 == 0
            )
            if len(record) == width and balanced:
                rows += 1
                for j, value in enumerate(record):
                    cols[j].append(value or None)
                lines.append(start)
            else:
                for n in range(start, end + 1):
                    raw = physical[n - 1] if n - 1 < len(physical) else ""
                    if raw.strip() == "" and n != start:
                        continue
                    rows += 1
                    bad_lines.append(n)
                    bad_raw.append(raw)
                    bad_reason.append(
                        f"wrong number of fields: {len(record)} (header has {width})"
                        if n == start == end
                        else "unbalanced quote: the record spans lines "
                        f"{start}-{end} and has {len(record)} fields (header has {width})"
                    )
            start = end + 1
    except csv.Error as err:  # e.g. NUL bytes: the rest of the file is reported
        for n in range(start, len(physical) + 1):
            raw = physical[n - 1]
            if raw.strip():
                rows += 1
                bad_lines.append(n)
                bad_raw.append(raw)
                bad_reason.append(f"unreadable CSV: {err}")
    data: dict[str, list[str | None] | list[int]] = dict(zip(header, cols, strict=True))
    data[LINE_COL] = lines
    schema: dict[str, pl.DataType] = dict.fromkeys(header, pl.String())
    schema[LINE_COL] = pl.Int64()
    frame = pl.DataFrame(data, schema=schema)
    return CsvTable(
        header, frame, _bad_frame(bad_lines, bad_raw, bad_reason), rows, encoding
    )


def read_csv_parts(
    data: bytes, *, part_lines: int, first_part_lines: int | None = None
) -> Iterator[CsvTable] | None:
    """Read a big CSV file in parts of ``part_lines`` physical lines.

    Each part is read by :func:`read_csv` (under the file's header line) and its line
    numbers are shifted to the file's, so the parts together give exactly the rows,
    malformed lines and counts of reading the whole file at once, while only one
    part's frames exist at a time (peak memory).

    Returns None when the file cannot be split that way: it has at most
    ``part_lines`` data lines, or some line holds an odd number of quote characters
    (a quoted field may span lines, so only the whole-file reader is exact).

    Parameters
    ----------
    data
        The raw file bytes (any of the supported encodings).
    part_lines
        Physical lines per part (after the header).
    first_part_lines
        Lines of the first part (default ``part_lines``): a smaller first part lets
        a consumer start sooner.
    """
    text_bytes, _ = decode(data)
    del data
    arr = np.frombuffer(text_bytes, dtype=np.uint8)
    nl = _positions(arr, _NL)
    if nl.size <= part_lines + 1:
        return None
    if b'"' in text_bytes and np.any(_count_before(arr, _QUOTE, nl) % 2 == 1):
        return None
    first = max(1, min(first_part_lines or part_lines, part_lines))
    # a part starting after data line c (physical line c + 1) begins at the byte after
    # the newline nl[c] and numbers its lines from c
    cuts = np.concatenate([[0], np.arange(first, nl.size, part_lines)])
    starts = nl[cuts] + 1
    stops = np.append(starts[1:], arr.size)
    del nl, arr
    return _parts(text_bytes, starts.tolist(), stops.tolist(), cuts.tolist())


def _parts(
    text_bytes: bytes, starts: list[int], stops: list[int], offsets: list[int]
) -> Iterator[CsvTable]:
    header = text_bytes[: starts[0]]
    if not header.endswith(b"\n"):
        header += b"\n"
    for start, stop, offset in zip(starts, stops, offsets, strict=True):
        if start < stop:
            # no local keeps a part alive while the generator waits (peak memory)
            yield _shift(read_csv(header + text_bytes[start:stop]), offset)


def _shift(table: CsvTable, offset: int) -> CsvTable:
    if offset:
        table.frame = table.frame.with_columns(pl.col(LINE_COL) + offset)
        table.bad = table.bad.with_columns(pl.col("line") + offset)
    return table
