"""CSV bytes held in memory, read whole or in parts.

The fast path is Polars' own multi-threaded ``read_csv`` (every column as text, ragged
lines tolerated) plus the vectorised pre-scan of the bytes (:mod:`._scan`) that finds
every physical line and counts its separators and quotes. Comparing the field count
of each line with the header finds truncated or ragged lines without parsing rows in
Python; only lines containing quote characters are re-counted with :mod:`csv`.
When quoted fields span lines (rows no longer map one-to-one onto physical lines)
the whole file is read with :mod:`csv` instead (slow, exact, rare).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Final

import numpy as np
import polars as pl

from avert.ingest._csv._scan import _CR, _MANY, _Ints, _Scan
from avert.ingest._csv._table import (
    _FIELD_LIMIT,
    LINE_COL,
    CsvTable,
    _bad_frame,
    _duplicated_names,
    _empty,
    _shift,
    _unique_names,
    split_header,
)
from avert.ingest._csv._text import _finish, _prepare
from avert.ingest.limits import DEFAULT_LIMITS, Limits

_PIECE_LINES: Final = 50_000  # lines per Polars read of a part (~10 MiB)


def read_csv(
    data: bytes, *, limits: Limits = DEFAULT_LIMITS, separator: str = ","
) -> CsvTable:
    """Read CSV bytes into well-formed rows (with line numbers) and malformed lines.

    Parameters
    ----------
    data
        The raw file bytes (any of the supported encodings).
    limits
        A line longer than ``limits.line_bytes`` refuses the file.
    separator
        The field separator: a comma (the default) or another ASCII character
        (``;``, a tab, ``|``, 0x1F), read as the comma is, in place: the bytes are
        not rewritten, so quoting (RFC 4180, with ``"``), encodings, line numbers
        and malformed lines are the same as a comma-separated file's.

    Returns
    -------
    CsvTable
        Header, rows, malformed lines and counts; blank lines are neither rows nor
        problems.

    Raises
    ------
    Refused
        When a line is over the limit.
    """
    prepared, scan = _prepare(data, limits, separator=_separator_byte(separator))
    del data
    text_bytes, encoding = prepared.text, prepared.encoding
    size = len(text_bytes)
    n_total = scan.nl.size + int(
        size > 0 and (scan.nl.size == 0 or scan.nl[-1] != size - 1)
    )
    if n_total == 0:
        return CsvTable([], _empty([]), _bad_frame([], [], []), 0, encoding)
    end0 = int(scan.nl[0]) + 1 if scan.nl.size else size
    table = _read_lines(
        text_bytes, scan, text_bytes[:end0], 1, n_total, encoding, whole=True
    )
    return _finish(table, prepared)


def _separator_byte(separator: str) -> int:
    """The byte of a field ``separator``: one ASCII character, not a quote or a line
    end (ValueError)."""
    if len(separator) != 1 or not separator.isascii() or separator in '"\r\n':
        msg = f"a field separator is one ASCII character, not {separator!r}"
        raise ValueError(msg)
    return ord(separator)


def _header_names(head: bytes, separator: str) -> list[str]:
    """The names of the header line ``head`` (its line end included), as given."""
    head_text = head[:-1] if head.endswith(b"\n") else head
    text = head_text.removesuffix(b"\r").decode("utf-8")
    return split_header(text, separator=separator)


def _read_lines(
    text_bytes: bytes | bytearray,
    scan: _Scan,
    head: bytes,
    lo: int,
    hi: int,
    encoding: str,
    *,
    whole: bool,
    offset: int | None = None,
    size: int | None = None,
) -> CsvTable:
    """Read lines ``lo`` to ``hi - 1`` (0 = the header line) of scanned bytes.

    ``head`` is the header line with its line end. The table is exactly what
    reading ``head`` followed by those lines as a file of its own gives, except
    that line numbers are the file's. ``whole``: the lines are the rest of the file
    after ``head`` (``text_bytes`` is then Polars' source, not a copy). ``offset``:
    lines are numbered from ``offset + 2`` (default ``lo + 1``: the file's numbers
    when ``text_bytes`` is the whole file). ``size``: only the first ``size`` bytes
    of ``text_bytes`` are scanned text (default all; a reused, longer buffer). Names
    the header gives twice are in ``duplicated``. Fields are separated by the
    byte the scan counted (``scan.separator``).
    """
    arr = np.frombuffer(text_bytes, dtype=np.uint8, count=-1 if size is None else size)
    size = arr.size
    nl = scan.nl
    if offset is None:
        offset = lo - 1
    b_starts = nl[lo - 1 : hi - 1].astype(np.int64) + 1
    b_ends = nl[lo:hi].astype(np.int64)
    if b_ends.size < b_starts.size:  # the last line has no newline
        b_ends = np.append(b_ends, size)
    sep = chr(scan.separator)  # the field separator the scan counted
    given = _header_names(head, sep)
    header = _unique_names(given)
    twice = _duplicated_names(given)
    n_lines = b_starts.size
    if n_lines == 0:
        return CsvTable(
            header, _empty(header), _bad_frame([], [], []), 0, encoding, twice
        )
    # strip a CR before each LF
    has_cr = (b_ends > b_starts) & (arr[np.maximum(b_ends - 1, 0)] == _CR)
    b_ends = b_ends - has_cr.astype(np.int64)
    blank = b_ends == b_starts
    seps = scan.separators[lo:hi].astype(np.int64)
    for i in np.flatnonzero(seps == _MANY).tolist():  # 255 or more: count exactly
        seps[i] = text_bytes.count(sep.encode(), int(b_starts[i]), int(b_ends[i]))
    quotes = scan.line_quotes(lo, hi)
    fields = seps + 1
    quoted = np.flatnonzero(quotes > 0)
    stop = int(nl[hi - 1]) + 1 if hi - 1 < nl.size else size
    body = memoryview(text_bytes)[int(b_starts[0]) : stop]

    def by_csv() -> CsvTable:
        """The exact reader (``csv`` module), for what the fast path cannot read."""
        source = text_bytes if whole else b"".join((head, body))
        return _read_with_csv_at(source, header, encoding, offset, twice, sep)

    if quoted.size:
        if np.any(quotes[quoted] % 2 == 1):
            return by_csv()
        for i in quoted.tolist():
            raw = text_bytes[b_starts[i] : b_ends[i]].decode("utf-8")
            fields[i] = len(next(csv.reader([raw], delimiter=sep), []))
    width = len(header)
    good = (fields == width) & ~blank
    bad_idx = np.flatnonzero(~good & ~blank)
    line_no = np.arange(2 + offset, n_lines + 2 + offset, dtype=np.int64)
    frame: pl.DataFrame | None = None
    if b'"' in head:
        # The header was split from line 1 alone; a stray quote in it must not make
        # Polars swallow the data lines, so it reads them under a clean header.
        clean = sep.join(f"c{i}" for i in range(width)).encode() + b"\n"
        frame = _polars(b"".join((clean, body)), header, sep)
    elif whole and isinstance(text_bytes, bytes):
        frame = _polars(text_bytes, header, sep)  # no copy of a whole file
    else:
        if not quotes.any():
            frame = _read_pieces(text_bytes, nl, head, header, lo, hi, size, sep)
        if frame is None:
            frame = _polars(b"".join((head, body)), header, sep)  # one copy of a part
    if frame is None or frame.height != n_lines or frame.width != width:
        del frame
        return by_csv()
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
    return CsvTable(header, frame, bad, int((~blank).sum()), encoding, twice)


def _polars(
    source: bytes, header: list[str], separator: str = ","
) -> pl.DataFrame | None:
    """Polars' read of ``source`` (fields separated by ``separator``); None when Polars cannot read it (the exact reader
    then does): a quoted field with text after its closing quote (``"ab"c``, which
    RFC 4180 readers such as :mod:`csv` read as ``abc``) makes it raise."""
    try:
        return pl.read_csv(
            source,
            has_header=True,
            infer_schema=False,
            truncate_ragged_lines=True,
            raise_if_empty=False,
            new_columns=header,
            separator=separator,
        )
    except pl.exceptions.ComputeError:
        return None


def _read_pieces(
    text_bytes: bytes | bytearray,
    nl: _Ints,
    head: bytes,
    header: list[str],
    lo: int,
    hi: int,
    size: int,
    separator: str = ",",
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
        stop = int(nl[b - 1]) + 1 if b - 1 < nl.size else size
        source = b"".join((head, view[int(nl[a - 1]) + 1 : stop]))
        frame = _polars(source, header, separator)
        del source
        if frame is None or frame.height != b - a or frame.width != len(header):
            return None
        frames.append(frame)
    return pl.concat(frames, how="vertical")


def _read_with_csv_at(
    text_bytes: bytes | bytearray,
    header: list[str],
    encoding: str,
    offset: int,
    duplicated: tuple[str, ...] = (),
    separator: str = ",",
) -> CsvTable:
    table = _shift(_read_with_csv(text_bytes, header, encoding, separator), offset)
    return replace(table, duplicated=duplicated) if duplicated else table


def _open_at_end(line: str, separator: str = ",") -> bool:
    """Whether a one-line record ends the file inside a quoted field (cut short).

    Only then does the reader stop on the line it started: anywhere else an open
    quote runs on into the next line. A quote inside an unquoted field (``b"c``)
    is text, not an open field.
    """
    if '"' not in line:
        return False
    # a further line is swallowed into the record only when a quote is open
    records = csv.reader(io.StringIO(line + "\nz", newline=""), delimiter=separator)
    return len(list(records)) == 1


def _read_with_csv(
    text_bytes: bytes | bytearray,
    header: list[str],
    encoding: str,
    separator: str = ",",
) -> CsvTable:
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
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=separator)
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
            balanced = (
                not _open_at_end(physical[start - 1], separator)
                if start == end
                else sum(
                    physical[n - 1].count('"')
                    for n in range(start, min(end, len(physical)) + 1)
                )
                % 2
                == 0
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
                        if n == start == end and len(record) != width
                        else "unbalanced quote: a quoted field is still open at the "
                        "end of the file (truncated?)"
                        if n == start == end
                        else "unbalanced quote: the record spans lines "
                        f"{start}-{end} and has {len(record)} fields (header has {width})"
                    )
            start = end + 1
    except csv.Error as err:  # cannot happen (no NUL, fields bounded): reported
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
    data: bytes,
    *,
    part_lines: int,
    first_part_lines: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
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
    limits
        As :func:`read_csv`: a line over the limit refuses the file
        (:class:`~avert.ingest.limits.Refused`).
    """
    prepared, scan = _prepare(data, limits)
    del data
    text_bytes = prepared.text
    plan = _plan_parts(scan, len(text_bytes), part_lines, first_part_lines)
    if plan is None:
        return None
    prepared.text = b""  # the parts hold the text
    parts = _parts(text_bytes, scan, *plan, encoding=prepared.encoding)
    return (_finish(table, prepared) for table in parts)


def _plan_parts(
    scan: _Scan, size: int, part_lines: int, first_part_lines: int | None
) -> tuple[list[int], int] | None:
    """Cuts (last line before each part) and total lines, or None: not splittable."""
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
    n_total = nl.size + int(nl[-1] != size - 1)
    return cuts.tolist(), n_total


def _parts(
    text_bytes: bytes, scan: _Scan, cuts: list[int], n_total: int, *, encoding: str
) -> Iterator[CsvTable]:
    """The parts of the decoded ``text_bytes`` (its BOM gone), each naming the
    ``encoding`` the file was read in (its text's, UTF-8 now, named no cp1252
    or latin-1 file, whose report then said nothing of it)."""
    head = text_bytes[: int(scan.nl[0]) + 1]
    his = [*cuts[1:], n_total - 1]
    for cut, hi in zip(cuts, his, strict=True):
        if cut < hi:
            # no local keeps a part alive while the generator waits (peak memory)
            yield _read_lines(
                text_bytes, scan, head, cut + 1, hi + 1, encoding, whole=False
            )
