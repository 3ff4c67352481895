"""Robust CSV reading: encodings, physical line numbers, ragged and blank lines.

The fast path is Polars' own multi-threaded ``read_csv`` (every column as text, ragged
lines tolerated) plus a vectorised numpy pre-scan of the bytes that finds every
physical line and counts its separators and quotes. Comparing the field count of
each line with the header finds truncated or ragged lines without parsing rows in
Python; only lines containing quote characters are re-counted with :mod:`csv`.
When quoted fields span lines (rows no longer map one-to-one onto physical lines)
the whole file is read with :mod:`csv` instead (slow, exact, rare).

The pre-scan is one pass over the bytes in small chunks through a reused buffer
(fresh memory is costly: every new page is a page fault), recording each newline
and the commas and quotes of each line; a file read in parts is scanned once and each
part reads its share of that scan instead of scanning again.

Encodings: UTF-8, UTF-8 with BOM and, when the bytes are not valid UTF-8, latin-1
(ISO-8859-1, as older police extracts are); the text is normalised to UTF-8.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final

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


_SCAN_CHUNK: Final = 1 << 22  # 4 MiB per scan step (stays in cache)
_PIECE_LINES: Final = 50_000  # lines per Polars read of a part (~10 MiB)
_MANY: Final = 255  # a line's comma count is kept as a byte: 255 means "count again"


#: newline positions or per-line counts (int32 under 2 GiB, else int64)
_Ints = npt.NDArray[Any]


@dataclass
class _Scan:
    """Every newline of a buffer and the commas and quotes of each line.

    Line ``j`` runs from the byte after newline ``nl[j - 1]`` (0 for ``j = 0``) up
    to ``nl[j]`` (the buffer's end for ``j = nl.size``); ``commas[j]`` and
    ``quotes[j]`` count its commas and quotes (``quotes`` is None when the buffer
    holds no quote at all). Comma counts are bytes (:data:`_MANY` = 255 or more,
    counted again from the line when needed); positions and quote counts are
    32-bit when the buffer is under 2 GiB, to keep memory low.
    """

    nl: _Ints
    commas: _Ints
    quotes: _Ints | None

    def line_quotes(self, lo: int, hi: int) -> npt.NDArray[np.int64]:
        """Quotes of lines ``lo`` to ``hi - 1``."""
        if self.quotes is None:
            return np.zeros(max(hi - lo, 0), dtype=np.int64)
        return self.quotes[lo:hi].astype(np.int64)


def _scan(arr: npt.NDArray[np.uint8]) -> _Scan:
    """One chunked pass over ``arr``: newline positions, commas and quotes per line."""
    small = arr.size < 2**31
    dtype = np.int32 if small else np.int64
    nls: list[_Ints] = []
    commas: list[_Ints] = []
    quotes: list[_Ints | int] = []
    buf = np.empty(min(_SCAN_CHUNK, arr.size), dtype=np.bool_)
    n_commas = n_quotes = 0  # totals so far
    c_last = q_last = 0  # totals before the previous newline
    for off in range(0, arr.size, _SCAN_CHUNK):
        chunk = arr[off : off + _SCAN_CHUNK]
        hit = buf[: chunk.size]
        local = np.flatnonzero(np.equal(chunk, _NL, out=hit))
        at = np.flatnonzero(np.equal(chunk, _COMMA, out=hit))
        before = np.searchsorted(at, local) + n_commas
        commas.append(
            np.minimum(np.diff(before, prepend=c_last), _MANY).astype(np.uint8)
        )
        c_last = int(before[-1]) if before.size else c_last
        n_commas += at.size
        if np.equal(chunk, _QUOTE, out=hit).any():
            at = np.flatnonzero(hit)
            before = np.searchsorted(at, local) + n_quotes
            quotes.append(np.diff(before, prepend=q_last).astype(dtype))
            q_last = int(before[-1]) if before.size else q_last
            n_quotes += at.size
        elif local.size and n_quotes != q_last:  # quotes of a line begun earlier
            first = np.zeros(local.size, dtype=dtype)
            first[0] = n_quotes - q_last
            quotes.append(first)
            q_last = n_quotes
        else:
            quotes.append(local.size)  # no quote in these lines: zeros
            q_last = n_quotes if local.size else q_last
        nls.append((local + off).astype(dtype))
    commas.append(np.array([min(n_commas - c_last, _MANY)], dtype=np.uint8))
    nl: _Ints = np.concatenate(nls) if nls else np.empty(0, dtype=dtype)
    line_commas = np.concatenate(commas)
    del nls, commas
    line_quotes = None
    if n_quotes:
        line_quotes = np.concatenate(
            [
                q if isinstance(q, np.ndarray) else np.zeros(q, dtype=dtype)
                for q in quotes
            ]
            + [np.array([n_quotes - q_last], dtype=dtype)]
        )
    return _Scan(nl, line_commas, line_quotes)


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
    del data
    scan = _scan(np.frombuffer(text_bytes, dtype=np.uint8))
    size = len(text_bytes)
    n_total = scan.nl.size + int(
        size > 0 and (scan.nl.size == 0 or scan.nl[-1] != size - 1)
    )
    if n_total == 0:
        return CsvTable([], _empty([]), _bad_frame([], [], []), 0, encoding)
    end0 = int(scan.nl[0]) + 1 if scan.nl.size else size
    return _read_lines(
        text_bytes, scan, text_bytes[:end0], 1, n_total, encoding, whole=True
    )


def _read_lines(
    text_bytes: bytes,
    scan: _Scan,
    head: bytes,
    lo: int,
    hi: int,
    encoding: str,
    *,
    whole: bool,
) -> CsvTable:
    """Read lines ``lo`` to ``hi - 1`` (0 = the header line) of scanned bytes.

    ``head`` is the header line with its line end. The table is exactly what
    reading ``head`` followed by those lines as a file of its own gives, except
    that line numbers are the file's. ``whole``: the lines are the rest of the file
    after ``head`` (``text_bytes`` is then Polars' source, not a copy).
    """
    arr = np.frombuffer(text_bytes, dtype=np.uint8)
    size = arr.size
    nl = scan.nl
    offset = lo - 1
    b_starts = nl[lo - 1 : hi - 1].astype(np.int64) + 1
    b_ends = nl[lo:hi].astype(np.int64)
    if b_ends.size < b_starts.size:  # the last line has no newline
        b_ends = np.append(b_ends, size)
    head_text = head[:-1] if head.endswith(b"\n") else head
    header_line = head_text.removesuffix(b"\r").decode("utf-8")
    header = _unique_names(split_header(header_line))
    n_lines = b_starts.size
    if n_lines == 0:
        return CsvTable(header, _empty(header), _bad_frame([], [], []), 0, encoding)
    # strip a CR before each LF
    has_cr = (b_ends > b_starts) & (arr[np.maximum(b_ends - 1, 0)] == _CR)
    b_ends = b_ends - has_cr.astype(np.int64)
    blank = b_ends == b_starts
    commas = scan.commas[lo:hi].astype(np.int64)
    for i in np.flatnonzero(commas == _MANY).tolist():  # 255 or more: count exactly
        commas[i] = text_bytes.count(b",", int(b_starts[i]), int(b_ends[i]))
    quotes = scan.line_quotes(lo, hi)
    fields = commas + 1
    quoted = np.flatnonzero(quotes > 0)
    stop = int(nl[hi - 1]) + 1 if hi - 1 < nl.size else size
    body = memoryview(text_bytes)[int(b_starts[0]) : stop]

    if quoted.size:
        if np.any(quotes[quoted] % 2 == 1):
            return _read_with_csv_at(
                text_bytes if whole else b"".join((head, body)),
                header,
                encoding,
                offset,
            )
        for i in quoted.tolist():
            raw = text_bytes[b_starts[i] : b_ends[i]].decode("utf-8")
            fields[i] = len(next(csv.reader([raw]), []))
    width = len(header)
    good = (fields == width) & ~blank
    bad_idx = np.flatnonzero(~good & ~blank)
    line_no = np.arange(2 + offset, n_lines + 2 + offset, dtype=np.int64)
    frame: pl.DataFrame | None = None
    if b'"' in head:
        # The header was split from line 1 alone; a stray quote in it must not make
        # Polars swallow the data lines, so it reads them under a clean header.
        clean = ",".join(f"c{i}" for i in range(width)).encode() + b"\n"
        frame = _polars(b"".join((clean, body)), header)
    elif whole:
        frame = _polars(text_bytes, header)  # no copy of a whole file
    else:
        if not quotes.any():
            frame = _read_pieces(text_bytes, nl, head, header, lo, hi)
        if frame is None:
            frame = _polars(b"".join((head, body)), header)  # one copy of a part
    if frame.height != n_lines or frame.width != width:
        del frame
        return _read_with_csv_at(
            text_bytes if whole else b"".join((head, body)), header, encoding, offset
        )
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
    bad = _bad_frame((bad_idx + 2 + offset).tolist(), raws, reasons)
    return CsvTable(header, frame, bad, int((~blank).sum()), encoding)


def _polars(source: bytes, header: list[str]) -> pl.DataFrame:
    return pl.read_csv(
        source,
        has_header=True,
        infer_schema=False,
        truncate_ragged_lines=True,
        raise_if_empty=False,
        new_columns=header,
    )


def _read_pieces(
    text_bytes: bytes,
    nl: _Ints,
    head: bytes,
    header: list[str],
    lo: int,
    hi: int,
) -> pl.DataFrame | None:
    """Read lines ``lo`` to ``hi - 1`` (no quote characters) in pieces under ``head``.

    Each piece is copied behind the header and read on its own: small copies reuse
    freed memory, where one copy of a whole part takes fresh pages (page faults
    cost more than the copy). Without quotes a line's fields depend on that line
    alone, so when every piece gives one row per line the rows are those of reading
    the part at once. None when a piece does not (the caller reads it at once).
    """
    view = memoryview(text_bytes)
    frames = []
    for a in range(lo, hi, _PIECE_LINES):
        b = min(a + _PIECE_LINES, hi)
        stop = int(nl[b - 1]) + 1 if b - 1 < nl.size else len(text_bytes)
        source = b"".join((head, view[int(nl[a - 1]) + 1 : stop]))
        frame = _polars(source, header)
        del source
        if frame.height != b - a or frame.width != len(header):
            return None
        frames.append(frame)
    return pl.concat(frames, how="vertical")


def _read_with_csv_at(
    text_bytes: bytes, header: list[str], encoding: str, offset: int
) -> CsvTable:
    return _shift(_read_with_csv(text_bytes, header, encoding), offset)


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
    scan = _scan(np.frombuffer(text_bytes, dtype=np.uint8))
    nl = scan.nl
    if nl.size <= part_lines + 1:
        return None
    if scan.quotes is not None:
        # quotes before each newline: an odd count means a quoted field may span it
        odd = np.bitwise_xor.accumulate(scan.quotes[: nl.size] & 1)
        if odd.any():
            return None
    first = max(1, min(first_part_lines or part_lines, part_lines))
    # a part starting after data line c (physical line c + 1) holds the lines c + 1
    # onwards (0 = the header line) and numbers its lines from c
    cuts = np.concatenate([[0], np.arange(first, nl.size, part_lines)])
    size = len(text_bytes)
    n_total = nl.size + int(nl[-1] != size - 1)
    return _parts(text_bytes, scan, cuts.tolist(), n_total)


def _parts(
    text_bytes: bytes, scan: _Scan, cuts: list[int], n_total: int
) -> Iterator[CsvTable]:
    head = text_bytes[: int(scan.nl[0]) + 1]
    encoding = "utf-8"
    if head.startswith(codecs.BOM_UTF8):  # as decoding the part would
        head, encoding = head[len(codecs.BOM_UTF8) :], "utf-8-sig"
    his = [*cuts[1:], n_total - 1]
    for cut, hi in zip(cuts, his, strict=True):
        if cut < hi:
            # no local keeps a part alive while the generator waits (peak memory)
            yield _read_lines(
                text_bytes, scan, head, cut + 1, hi + 1, encoding, whole=False
            )


def _shift(table: CsvTable, offset: int) -> CsvTable:
    if offset:
        table.frame = table.frame.with_columns(pl.col(LINE_COL) + offset)
        table.bad = table.bad.with_columns(pl.col("line") + offset)
    return table
