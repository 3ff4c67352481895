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

A big plain file need not be held at all: :func:`scan_file` streams it once (a
thread reads and hashes 8 MiB chunks while the caller checks UTF-8 and scans them,
the same scan as of the whole buffer), then :func:`read_file_parts` reads each
part's byte range from disk into one reused buffer, giving exactly the parts of
:func:`read_csv_parts`. A change of the file in between (size, times, or a part's
range no longer bounded by newlines) is an :class:`~avert.errors.IngestError`.

Encodings: UTF-8, UTF-8 with BOM and, when the bytes are not valid UTF-8, latin-1
(ISO-8859-1, as older police extracts are); the text is normalised to UTF-8. A file
that is UTF-8 but for a few lines (some line has a valid multi-byte UTF-8 character
and no more lines are invalid than valid) is read as UTF-8, and each invalid line is
quarantined (shown decoded as latin-1) instead of re-decoding the whole file.

Odd input is normalised before the scan (:func:`_prepare`), so the fast and exact
paths see the same text: rows split only on LF, CRLF and a bare CR (old Mac files:
each bare CR becomes LF, same length); a line holding a NUL byte is quarantined (the
NUL shown as U+FFFD; PostgreSQL text cannot hold it); blank lines before the header,
or very many blank lines, are squeezed out of the text and the line numbers mapped
back (:class:`_LineMap`), so that blank lines cost neither memory nor time; a line
longer than the limit (:class:`~avert.ingest.limits.Limits`) refuses the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
import queue
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.errors import IngestError
from avert.ingest.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "CsvTable",
    "FileScan",
    "Normalised",
    "TextFile",
    "decode",
    "normalise_file",
    "open_text",
    "read_csv",
    "read_csv_parts",
    "read_file_parts",
    "scan_file",
    "split_header",
]

_CHUNK: Final = 1 << 26  # 64 MiB per numpy scan step
_NL, _CR, _COMMA, _QUOTE = 10, 13, 44, 34
LINE_COL: Final = "_line"
#: the csv module's own field limit (128 KiB by default) is lifted: line length is
#: bounded by :attr:`Limits.line_bytes` before any line reaches it
_FIELD_LIMIT: Final = (1 << 31) - 1
#: blank lines squeezed out of the text (line numbers mapped back) from this many on
_SQUEEZE_BLANK: Final = 4096
#: the start of a run of blank lines (a long run is followed with numpy)
_BLANK_RUN: Final = re.compile(rb"\n[\r\n]{1,64}")
_REPLACEMENT: Final = "\ufffd".encode()


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


def _check_utf8(
    decoder: codecs.IncrementalDecoder, chunk: memoryview, arr: npt.NDArray[np.uint8]
) -> None:
    """Feed the next chunk (``arr``: its bytes as numpy) to an incremental decoder.

    A pure-ASCII chunk with no multi-byte sequence pending is valid UTF-8 and is not
    decoded at all (most police.uk files). Raises :class:`UnicodeDecodeError`.
    """
    if decoder.getstate()[0] or int(arr.max(initial=0)) >= 0x80:
        decoder.decode(chunk, final=False)


def decode(data: bytes) -> tuple[bytes, str]:
    """Return ``data`` as UTF-8 bytes without BOM, and the encoding it was in.

    UTF-8 validity is checked incrementally (bounded memory); invalid UTF-8 is read
    as latin-1 and re-encoded (a mostly UTF-8 file keeps its valid lines: see
    :func:`_decode`).
    """
    text, encoding, _ = _decode(data)
    return text, encoding


#: physical line number -> (raw text, reason): lines quarantined whatever they hold
_Odd = dict[int, tuple[str, str]]


def _decode(data: bytes) -> tuple[bytes, str, _Odd]:
    """:func:`decode`, and the lines (1-based) that had to be read as latin-1."""
    encoding = "utf-8"
    if data.startswith(codecs.BOM_UTF8):
        data, encoding = data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    arr = np.frombuffer(data, dtype=np.uint8)
    try:
        view = memoryview(data)
        for off in range(0, len(data), _CHUNK):
            _check_utf8(decoder, view[off : off + _CHUNK], arr[off : off + _CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return _decode_lines(data, arr, encoding)
    return data, encoding, {}


def _decode_lines(
    data: bytes, arr: npt.NDArray[np.uint8], encoding: str
) -> tuple[bytes, str, _Odd]:
    """Decode a file that is not valid UTF-8: per line when it is mostly UTF-8.

    Only lines holding a byte of 0x80 or more are looked at (found with numpy). When
    some line holds valid multi-byte UTF-8 and no more lines are invalid than valid,
    the file is UTF-8 with a few stray bytes: each invalid line is re-encoded from
    latin-1 and reported (quarantined), the rest stays as it is. Otherwise the file
    is latin-1 throughout (a single stray byte in ASCII text is latin-1 too).
    """
    nl = np.flatnonzero(arr == _NL)
    high = np.flatnonzero(arr >= 0x80)
    candidates = np.unique(np.searchsorted(nl, high)).tolist()
    starts = [0 if i == 0 else int(nl[i - 1]) + 1 for i in candidates]
    ends = [int(nl[i]) if i < nl.size else len(data) for i in candidates]
    bad: list[int] = []
    for k, (a, b) in enumerate(zip(starts, ends, strict=True)):
        try:
            data[a:b].decode("utf-8")
        except UnicodeDecodeError:
            bad.append(k)
    valid = len(candidates) - len(bad)
    if valid == 0 or len(bad) > valid:
        return data.decode("latin-1").encode("utf-8"), "latin-1", {}
    odd: _Odd = {}
    pieces: list[bytes | memoryview] = []
    view = memoryview(data)
    pos = 0
    for k in bad:
        a, b = starts[k], ends[k]
        text = data[a:b].decode("latin-1")
        pieces += [view[pos:a], text.encode("utf-8")]
        pos = b
        odd[candidates[k] + 1] = (
            text.rstrip("\r"),
            "not valid UTF-8 although the rest of the file is (shown read as "
            "latin-1): check the line's encoding",
        )
    pieces.append(view[pos:])
    return b"".join(pieces), encoding, odd


def _fix_line_ends(data: bytes) -> bytes:
    """Every bare CR (one not followed by LF) as LF: old Mac files, mixed files.

    Rows are split on LF, CRLF and CR only (never on form feeds or other Unicode
    line breaks); the length of the text is unchanged.
    """
    if data.find(b"\r", 0, len(data) - 1) < 0:  # a last CR ends the last line
        return data
    arr = np.frombuffer(data, dtype=np.uint8)
    cr = np.flatnonzero(arr[:-1] == _CR)
    bare = cr[arr[cr + 1] != _NL]
    if not bare.size:
        return data
    buf = bytearray(data)
    arr = np.frombuffer(buf, dtype=np.uint8)
    arr[bare] = _NL
    del arr
    return bytes(buf)


def _nul_lines(text: bytes, odd: _Odd) -> bytes:
    """Quarantine each line holding a NUL byte; the NUL becomes U+FFFD in the text."""
    if b"\x00" not in text:
        return text
    arr = np.frombuffer(text, dtype=np.uint8)
    nl = np.flatnonzero(arr == _NL)
    for i in np.unique(np.searchsorted(nl, np.flatnonzero(arr == 0))).tolist():
        a = 0 if i == 0 else int(nl[i - 1]) + 1
        b = int(nl[i]) if i < nl.size else len(text)
        raw = text[a:b].decode("utf-8", "replace").replace("\x00", "\ufffd")
        odd[i + 1] = (
            raw.rstrip("\r"),
            "NUL byte in the line (a database cannot store it)",
        )
    del arr
    return text.replace(b"\x00", _REPLACEMENT)


@dataclass
class _LineMap:
    """Line numbers of a text whose blank lines were squeezed out -> the file's.

    After ``at[k]`` (a line number of the squeezed text), ``removed[k]`` blank lines
    precede it in the file; a few numbers per run of blank lines, none per line.
    """

    at: npt.NDArray[np.int64]
    removed: npt.NDArray[np.int64]

    def lines(self, numbers: pl.Series) -> pl.Series:
        """The file's line numbers of the squeezed text's ``numbers``."""
        if not self.at.size:  # nothing was squeezed (many one-character lines)
            return numbers
        idx = np.searchsorted(self.at, numbers.to_numpy(), side="right") - 1
        extra = np.where(idx >= 0, self.removed[np.maximum(idx, 0)], 0)
        return numbers + pl.Series(extra, dtype=pl.Int64)

    def line(self, number: int) -> int:
        """One line number."""
        return int(self.lines(pl.Series([number], dtype=pl.Int64))[0])

    def apply(self, table: CsvTable) -> CsvTable:
        """``table`` (read from the squeezed text) with the file's line numbers."""
        table.frame = table.frame.with_columns(
            self.lines(table.frame[LINE_COL]).alias(LINE_COL)
        )
        table.bad = table.bad.with_columns(self.lines(table.bad["line"]).alias("line"))
        return table


def _run_end(arr: npt.NDArray[np.uint8], start: int) -> int:
    """The first position from ``start`` that is not CR or LF (the end of a run)."""
    for a in range(start, arr.size, _SCAN_CHUNK):
        seg = arr[a : a + _SCAN_CHUNK]
        hit = np.flatnonzero((seg != _NL) & (seg != _CR))
        if hit.size:
            return a + int(hit[0])
    return int(arr.size)


def _squeeze_blank(text: bytes) -> tuple[bytes, _LineMap | None]:
    """Drop blank lines before the header, and all blank lines when very many.

    A blank line is empty or a lone CR before LF. Runs are found by a regular
    expression (one match per run, not per line) and a long run is followed with
    numpy, so a gigabyte of line breaks costs a few passes and leaves nothing behind.
    """
    arr = np.frombuffer(text, dtype=np.uint8)
    view = memoryview(text)
    pieces: list[memoryview] = []
    at: list[int] = []
    removed: list[int] = []
    gone = pos = 0
    line = 1  # line number (squeezed text) of the line starting at pos
    if text[:1] in (b"\n", b"\r"):
        pos = _run_end(arr, 0)
        gone = text.count(b"\n", 0, pos)
        at.append(1)
        removed.append(gone)
    while (m := _BLANK_RUN.search(text, pos)) is not None:
        keep = m.start() + 1  # the line end before the run stays
        end = m.end() if m.end() - m.start() <= 64 else _run_end(arr, m.end())
        pieces.append(view[pos:keep])
        line += text.count(b"\n", pos, keep)
        gone += text.count(b"\n", keep, end)
        at.append(line)
        removed.append(gone)
        pos = end
    pieces.append(view[pos:])
    squeezed = b"".join(pieces)
    del pieces, view, arr
    return squeezed, _LineMap(
        np.asarray(at, dtype=np.int64), np.asarray(removed, dtype=np.int64)
    )


@dataclass
class _Prepared:
    """File bytes made ready to scan: UTF-8 text, its encoding, odd lines, line map."""

    text: bytes
    encoding: str
    odd: _Odd
    lines: _LineMap | None


def _prepare(data: bytes) -> tuple[_Prepared, _Scan]:
    """Normalise line ends, decode, quarantine NUL lines; scan, squeezing blank lines.

    The scan stops early at :data:`_SQUEEZE_BLANK` blank lines (or a blank first
    line): the blank lines are then squeezed out and the shorter text scanned, so
    they never cost a scan entry each.
    """
    text, encoding, odd = _decode(_fix_line_ends(data))
    del data
    text = _nul_lines(text, odd)
    prepared = _Prepared(text, encoding, odd, None)
    if text[:1] not in (b"\n", b"\r"):
        scanner = _Scanner(len(text))
        if scanner.feed(np.frombuffer(text, dtype=np.uint8), stop_blank=True):
            return prepared, scanner.finish()
        del scanner
    prepared.text, prepared.lines = _squeeze_blank(text)
    del text
    return prepared, _scan(np.frombuffer(prepared.text, dtype=np.uint8))


def _finish(table: CsvTable, prepared: _Prepared) -> CsvTable:
    """The file's line numbers, and its odd lines moved to the malformed lines."""
    if prepared.lines is not None:
        table = prepared.lines.apply(table)
    odd = prepared.odd
    if not odd:
        return table
    numbers = pl.Series(list(odd), dtype=pl.Int64)
    in_frame = table.frame[LINE_COL].filter(
        table.frame[LINE_COL].is_in(numbers.implode())
    )
    in_bad = table.bad["line"].filter(table.bad["line"].is_in(numbers.implode()))
    if in_frame.len() == 0 and in_bad.len() == 0:
        return table
    table.frame = table.frame.filter(~pl.col(LINE_COL).is_in(in_frame.implode()))
    moved = [*in_frame.to_list(), *in_bad.to_list()]
    table.bad = pl.concat(
        [
            table.bad.filter(~pl.col("line").is_in(in_bad.implode())),
            _bad_frame(moved, [odd[n][0] for n in moved], [odd[n][1] for n in moved]),
        ]
    ).sort("line")
    return table


def _check_lines(scan: _Scan, prepared: _Prepared | None, limits: Limits) -> None:
    """Refuse the text when its longest line is over the limit."""
    line = scan.longest_line
    if prepared is not None and prepared.lines is not None:
        line = prepared.lines.line(line)
    refused = limits.line_too_long(scan.longest, line)
    if refused is not None:
        raise refused


def split_header(line: str) -> list[str]:
    """Split one CSV line into stripped field names (RFC 4180 quoting).

    A header with an unbalanced quote is split on every comma instead: quoting it
    would merge names and hide the broken column from the width checks.
    """
    if line.count('"') % 2:
        return [f.strip().lstrip("\ufeff") for f in line.split(",")]
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    try:
        fields = next(csv.reader([line]), [])
    except csv.Error:  # a line break or NUL inside: no header of a known kind
        fields = line.split(",")
    return [f.strip().lstrip("\ufeff") for f in fields]


_SCAN_CHUNK: Final = 1 << 22  # 4 MiB per scan step (stays in cache)
_PIECE_LINES: Final = 50_000  # lines per Polars read of a part (~10 MiB)
_MANY: Final = 255  # a line's comma count is kept as a byte: 255 means "count again"
_DENSE_STEP: Final = 1 << 18  # scan step where lines are short (under 32 bytes)


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
    #: bytes of the longest line (line end included) and its 1-based number
    longest: int = 0
    longest_line: int = 1

    def line_quotes(self, lo: int, hi: int) -> npt.NDArray[np.int64]:
        """Quotes of lines ``lo`` to ``hi - 1``."""
        if self.quotes is None:
            return np.zeros(max(hi - lo, 0), dtype=np.int64)
        return self.quotes[lo:hi].astype(np.int64)


class _Scanner:
    """:func:`_scan` fed chunk by chunk: the same result whatever the chunking.

    A line may span chunks: the totals of commas and quotes so far and at the last
    newline carry its counts over, so feeding a file in pieces as it is read gives
    exactly the scan of the whole buffer (no need to hold it).
    """

    def __init__(self, size: int) -> None:
        # positions and quote counts are 32-bit under 2 GiB (memory)
        self.dtype = np.int32 if size < 2**31 else np.int64
        self.nls: list[_Ints] = []
        self.commas: list[_Ints] = []
        self.quotes: list[_Ints | int] = []
        self.buf = np.empty(min(_SCAN_CHUNK, size), dtype=np.bool_)
        self.n_commas = self.n_quotes = 0  # totals so far
        self.c_last = self.q_last = 0  # totals before the previous newline
        self.off = 0  # bytes fed so far
        self.n_lines = 0  # newlines so far
        self.last_nl = -1  # position of the last newline
        self.longest = 0  # bytes of the longest line ended so far
        self.longest_line = 1  # its 1-based number
        self.blank = 0  # lines of at most one byte (blank, or nearly)

    def feed(self, arr: npt.NDArray[np.uint8], *, stop_blank: bool = False) -> bool:
        """Scan the next bytes of the buffer (in steps of :data:`_SCAN_CHUNK`).

        ``stop_blank``: stop (and return False) once :data:`_SQUEEZE_BLANK` lines of
        at most one byte were seen: the caller squeezes blank lines out first.
        """
        step, start = _SCAN_CHUNK, 0
        while start < arr.size:
            chunk = arr[start : start + step]
            if self.buf.size < chunk.size:  # more bytes than announced: still exact
                self.buf = np.empty(_SCAN_CHUNK, dtype=np.bool_)
            hit = np.equal(chunk, _NL, out=self.buf[: chunk.size])
            if step > _DENSE_STEP and np.count_nonzero(hit) > chunk.size // 32:
                # many short lines (blank ones?): small steps bound the temporaries
                # (tens of bytes per line) and stop soon after the blank lines
                step = _DENSE_STEP
                continue
            self._step(chunk)
            start += chunk.size
            if stop_blank and self.blank >= _SQUEEZE_BLANK:
                return False
        return True

    def _step(self, chunk: npt.NDArray[np.uint8]) -> None:
        """Scan ``chunk``; ``self.buf`` holds ``chunk == LF`` already."""
        dtype = self.dtype
        hit = self.buf[: chunk.size]
        local = np.flatnonzero(hit)
        if local.size:
            ends = local + self.off
            lengths = np.diff(ends, prepend=self.last_nl)
            j = int(np.argmax(lengths))
            if int(lengths[j]) > self.longest:
                self.longest, self.longest_line = int(lengths[j]), self.n_lines + j + 1
            self.blank += int(np.count_nonzero(lengths <= 2))
            self.last_nl = int(ends[-1])
            self.n_lines += local.size
        at = np.flatnonzero(np.equal(chunk, _COMMA, out=hit))
        before = np.searchsorted(at, local) + self.n_commas
        self.commas.append(
            np.minimum(np.diff(before, prepend=self.c_last), _MANY).astype(np.uint8)
        )
        self.c_last = int(before[-1]) if before.size else self.c_last
        self.n_commas += at.size
        if np.equal(chunk, _QUOTE, out=hit).any():
            at = np.flatnonzero(hit)
            before = np.searchsorted(at, local) + self.n_quotes
            self.quotes.append(np.diff(before, prepend=self.q_last).astype(dtype))
            self.q_last = int(before[-1]) if before.size else self.q_last
            self.n_quotes += at.size
        elif local.size and self.n_quotes != self.q_last:  # a line begun earlier
            first = np.zeros(local.size, dtype=dtype)
            first[0] = self.n_quotes - self.q_last
            self.quotes.append(first)
            self.q_last = self.n_quotes
        else:
            self.quotes.append(local.size)  # no quote in these lines: zeros
            self.q_last = self.n_quotes if local.size else self.q_last
        self.nls.append((local + self.off).astype(dtype))
        self.off += chunk.size

    def finish(self) -> _Scan:
        """The scan of every byte fed (the scanner is spent)."""
        dtype = self.dtype
        self.commas.append(
            np.array([min(self.n_commas - self.c_last, _MANY)], dtype=np.uint8)
        )
        nl: _Ints = np.concatenate(self.nls) if self.nls else np.empty(0, dtype=dtype)
        line_commas = np.concatenate(self.commas)
        self.nls, self.commas = [], []
        line_quotes = None
        if self.n_quotes:
            line_quotes = np.concatenate(
                [
                    q if isinstance(q, np.ndarray) else np.zeros(q, dtype=dtype)
                    for q in self.quotes
                ]
                + [np.array([self.n_quotes - self.q_last], dtype=dtype)]
            )
        self.quotes = []
        tail = self.off - 1 - self.last_nl  # the last line, when it has no newline
        if tail > self.longest:
            self.longest, self.longest_line = tail, self.n_lines + 1
        return _Scan(nl, line_commas, line_quotes, self.longest, self.longest_line)


def _scan(arr: npt.NDArray[np.uint8]) -> _Scan:
    """One chunked pass over ``arr``: newline positions, commas and quotes per line."""
    scanner = _Scanner(arr.size)
    scanner.feed(arr)
    return scanner.finish()


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


def read_csv(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> CsvTable:
    """Read CSV bytes into well-formed rows (with line numbers) and malformed lines.

    Parameters
    ----------
    data
        The raw file bytes (any of the supported encodings).
    limits
        A line longer than ``limits.line_bytes`` refuses the file.

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
    prepared, scan = _prepare(data)
    del data
    text_bytes, encoding = prepared.text, prepared.encoding
    _check_lines(scan, prepared, limits)
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
    of ``text_bytes`` are scanned text (default all; a reused, longer buffer).
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
    elif whole and isinstance(text_bytes, bytes):
        frame = _polars(text_bytes, header)  # no copy of a whole file
    else:
        if not quotes.any():
            frame = _read_pieces(text_bytes, nl, head, header, lo, hi, size)
        if frame is None:
            frame = _polars(b"".join((head, body)), header)  # one copy of a part
    if frame is None or frame.height != n_lines or frame.width != width:
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


def _polars(source: bytes, header: list[str]) -> pl.DataFrame | None:
    """Polars' read of ``source``; None when Polars cannot read it (the exact reader
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
        frame = _polars(source, header)
        del source
        if frame is None or frame.height != b - a or frame.width != len(header):
            return None
        frames.append(frame)
    return pl.concat(frames, how="vertical")


def _read_with_csv_at(
    text_bytes: bytes | bytearray, header: list[str], encoding: str, offset: int
) -> CsvTable:
    return _shift(_read_with_csv(text_bytes, header, encoding), offset)


def _read_with_csv(
    text_bytes: bytes | bytearray, header: list[str], encoding: str
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
                sum(
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
        As :func:`read_csv`.

    Raises
    ------
    Refused
        When a line is over the limit.
    """
    prepared, scan = _prepare(data)
    del data
    text_bytes = prepared.text
    _check_lines(scan, prepared, limits)
    plan = _plan_parts(scan, len(text_bytes), part_lines, first_part_lines)
    if plan is None:
        return None
    prepared.text = b""  # the parts hold the text
    return (_finish(table, prepared) for table in _parts(text_bytes, scan, *plan))


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


# --- a plain file streamed once, then read part by part from disk ---------------------
_READ_CHUNK: Final = 1 << 23  # 8 MiB per read of a streamed file (reused buffers)
_READ_BUFFERS: Final = 3  # one being read and scanned while the others are hashed

#: what identifies a file's content cheaply: size, mtime and ctime (nanoseconds)
_Stamp = tuple[int, int, int]


def _stamp(fh: io.FileIO) -> _Stamp:
    st = os.fstat(fh.fileno())
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _read_full(fh: io.FileIO, view: memoryview) -> int:
    """Fill ``view`` from the file's position; fewer bytes only at the end of file."""
    got = 0
    while got < len(view):
        n = fh.readinto(view[got:])
        if not n:
            break
        got += n
    return got


def _changed(name: str) -> IngestError:
    return IngestError(
        f"{name} changed while it was being read (size, time or line ends differ "
        "from the first pass): load it again once it is no longer being written"
    )


@dataclass
class FileScan:
    """A file streamed once: its digest, its BOM and the scan of its text.

    Attributes
    ----------
    digest
        Hex SHA-256 of the file's bytes (BOM included).
    bom
        Bytes of the UTF-8 byte order mark at its start (0 or 3): the text (what
        :func:`decode` returns) starts there.
    size
        Bytes of text (after the BOM).
    scan
        Newlines, commas and quotes of the text (positions relative to the text).
    stamp
        Size, mtime and ctime when streamed, to detect a change before a part read.
    """

    digest: str
    bom: int
    size: int
    scan: _Scan
    stamp: _Stamp


def _read_ahead(
    fh: io.FileIO,
    hasher: Any,
    free: queue.SimpleQueue[bytearray | None],
    filled: queue.SimpleQueue[tuple[bytearray, int] | BaseException],
    stop: threading.Event,
) -> None:
    """Read the file into free buffers, hand each to the scanner, then hash it.

    Runs in a thread: reading and hashing release the GIL, so they overlap the
    scan. The scanner only reads a buffer and gives it back when done; this thread
    alone writes buffers, after hashing the one it filled before, so a buffer is
    never overwritten while still in use.
    """
    try:
        while not stop.is_set():
            buffer = free.get()
            if buffer is None:
                return
            with memoryview(buffer) as view:
                got = _read_full(fh, view)
                filled.put((buffer, got))
                if not got:
                    return
                hasher.update(view[:got])
    except BaseException as err:  # handed to the scanning thread, raised there
        filled.put(err)


def scan_file(
    fh: io.FileIO,
    *,
    name: str,
    limits: Limits = DEFAULT_LIMITS,
    why: list[str] | None = None,
    blank_ok: bool = False,
) -> FileScan | None:
    """Stream a file once: SHA-256, UTF-8 validity and the line scan, in bounded memory.

    A thread reads the file from its start in chunks of 8 MiB into a few reused
    buffers (fresh memory costs page faults) and hashes each chunk (reading and
    :mod:`hashlib` release the GIL) while the calling thread checks it with an
    incremental UTF-8 decoder (pure-ASCII chunks skipped, as :func:`decode` does)
    and scans it (:class:`_Scanner`, the same result as :func:`_scan` of the whole
    text). Only the scan (a few bytes per line) is kept.

    Parameters
    ----------
    fh
        The file, opened unbuffered for reading (``open(path, "rb", buffering=0)``).
    name
        The file as shown to the user (error messages).
    limits
        A line longer than ``limits.line_bytes`` refuses the file.
    why
        When given, the reason for a None is appended to it: ``"encoding"``,
        ``"cr"``, ``"nul"`` or ``"blank"``.
    blank_ok
        Do not stop at many short lines (a text whose blank lines are gone already:
        :func:`normalise_file`).

    Returns
    -------
    FileScan or None
        None when the file is not valid UTF-8 (it is then latin-1, which only the
        whole-file reader re-encodes), or holds what must be normalised first (a
        bare CR, a NUL byte, many blank lines: :func:`open_text` does it streamed).

    Raises
    ------
    IngestError
        When the file changed while it was read (size or times differ).
    Refused
        When a line is over the limit.
    OSError
        When reading fails.
    """
    stamp = _stamp(fh)
    size = stamp[0]
    fh.seek(0)
    hasher = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()
    for _ in range(_READ_BUFFERS):
        free.put(bytearray(min(_READ_CHUNK, max(size, 1))))
    filled: queue.SimpleQueue[tuple[bytearray, int] | BaseException] = (
        queue.SimpleQueue()
    )
    start = fh.read(4) or b""
    bom = len(codecs.BOM_UTF8) if start.startswith(codecs.BOM_UTF8) else 0
    if start[bom : bom + 1] in (b"\n", b"\r"):  # blank lines before the header
        if why is not None:
            why.append("blank")
        return None
    skip = bom  # BOM bytes still to skip (the first chunks may be tiny)
    scanner = _Scanner(size - bom)
    fh.seek(0)
    stop = threading.Event()
    reader = threading.Thread(
        target=_read_ahead,
        args=(fh, hasher, free, filled, stop),
        name="avert-read-sha256",
        daemon=True,
    )
    reader.start()
    done = 0
    bare_cr = nul = False  # a CR not before LF (a line end), a NUL byte
    last = 0  # the byte before the current chunk
    try:
        while True:
            item = filled.get()
            if isinstance(item, BaseException):
                raise item
            buffer, got = item
            done += got
            if not got or done > size:  # end of file, or it grew
                break
            with memoryview(buffer) as view:
                cut = min(skip, got)  # as decode(): the text follows the BOM
                skip -= cut
                chunk = view[cut:got]
                arr = np.frombuffer(chunk, dtype=np.uint8)
                _check_utf8(decoder, chunk, arr)
                whole = scanner.feed(arr, stop_blank=not blank_ok)
                if arr.size:
                    nul = int(arr.min()) == 0
                    if last == _CR and arr[0] != _NL:
                        bare_cr = True
                    cr = np.flatnonzero(arr[:-1] == _CR)
                    bare_cr = bare_cr or bool((arr[cr + 1] != _NL).any())
                    last = int(arr[-1])
                del arr, chunk  # release the buffer before handing it back
            free.put(buffer)
            many_blank = not whole
            if nul or bare_cr or many_blank:  # normalised first (open_text)
                if why is not None:
                    why.append("nul" if nul else "cr" if bare_cr else "blank")
                return None
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        if why is not None:
            why.append("encoding")
        return None
    finally:
        stop.set()
        free.put(None)  # wakes the reader if it waits for a buffer
        reader.join()
    if done != size or _stamp(fh) != stamp:
        raise _changed(name)
    scan = scanner.finish()
    _check_lines(scan, None, limits)
    return FileScan(hasher.hexdigest(), bom, size - bom, scan, stamp)


def read_file_parts(
    fh: io.FileIO,
    streamed: FileScan,
    *,
    name: str,
    part_lines: int,
    first_part_lines: int | None = None,
) -> Iterator[CsvTable] | None:
    """:func:`read_csv_parts` of a streamed file: each part reads only its own bytes.

    The parts are exactly those of ``read_csv_parts(<the file's bytes>, ...)``:
    each part reads its byte range from the file (through one reused buffer) and is
    read with the slice of the whole file's scan that covers it.

    Parameters
    ----------
    fh
        The file :func:`scan_file` streamed (kept open while the parts are read).
    streamed
        What :func:`scan_file` returned.
    name
        The file as shown to the user (error messages).
    part_lines, first_part_lines
        As :func:`read_csv_parts`.

    Returns
    -------
    Iterator of CsvTable, or None
        None when the file cannot be split (as :func:`read_csv_parts`).

    Raises
    ------
    IngestError
        While iterating, when the file changed since it was streamed: its size or
        times differ, or a part's byte range no longer starts and ends at a newline.
    """
    plan = _plan_parts(streamed.scan, streamed.size, part_lines, first_part_lines)
    if plan is None:
        return None
    return _file_parts(fh, streamed, *plan, name=name)


def _read_at(fh: io.FileIO, view: memoryview, at: int) -> int:
    fh.seek(at)
    return _read_full(fh, view)


def _file_parts(
    fh: io.FileIO, streamed: FileScan, cuts: list[int], n_total: int, *, name: str
) -> Iterator[CsvTable]:
    scan, bom = streamed.scan, streamed.bom
    nl = scan.nl
    head = bytearray(int(nl[0]) + 1)
    with memoryview(head) as view:
        got = _read_at(fh, view, bom)
    if got != len(head) or head[-1] != _NL or _stamp(fh) != streamed.stamp:
        raise _changed(name)
    header = bytes(head)
    encoding = "utf-8"
    if header.startswith(codecs.BOM_UTF8):  # as the in-memory parts do
        header, encoding = header[len(codecs.BOM_UTF8) :], "utf-8-sig"
    his = [*cuts[1:], n_total - 1]
    # each part is read with the newline before it, so that its scan slice starts
    # at 0 and the bytes prove the part still begins where a line begins
    starts = [int(nl[cut]) for cut in cuts]
    stops = [int(nl[hi]) + 1 if hi < nl.size else streamed.size for hi in his]
    sizes = [b - a for a, b in zip(starts, stops, strict=True)]
    buffer = bytearray()
    for k, (cut, hi) in enumerate(zip(cuts, his, strict=True)):
        if cut >= hi:
            continue
        n = sizes[k]
        if len(buffer) < n:  # grow once to the biggest part still to come
            buffer = bytearray()
            buffer = bytearray(max(sizes[k:]))
        with memoryview(buffer) as view:
            got = _read_at(fh, view[:n], bom + starts[k])
        ends_at_newline = hi >= nl.size or buffer[n - 1] == _NL
        if (
            got != n
            or buffer[0] != _NL
            or not ends_at_newline
            or _stamp(fh) != streamed.stamp
        ):
            raise _changed(name)
        lo, hi1 = cut + 1, hi + 1
        sub = _Scan(
            nl[lo - 1 : hi1] - starts[k],
            scan.commas[lo - 1 : hi1],
            None if scan.quotes is None else scan.quotes[lo - 1 : hi1],
        )
        table = _read_lines(
            buffer,
            sub,
            header,
            1,
            hi1 - lo + 1,
            encoding,
            whole=False,
            offset=lo - 1,
            size=n,
        )
        del sub
        # no local keeps a part alive while the generator waits (peak memory)
        yield table
        del table


# --- a big file normalised streamed: blank lines, bare CR and NUL cost no memory -----
_NORM_CHUNK: Final = 1 << 18  # bytes per normalising step (numpy temporaries ~40x)


@dataclass
class Normalised:
    """What :func:`normalise_file` did to a file, to map its text back to the file.

    Attributes
    ----------
    digest
        Hex SHA-256 of the file's bytes (BOM included).
    bom
        The file started with a UTF-8 byte order mark (not copied to the text).
    lines
        Line numbers of the text -> the file's (None: no line was removed).
    odd
        Lines quarantined whatever they hold (a NUL byte), by the file's number.
    """

    digest: str
    bom: bool
    lines: _LineMap | None
    odd: _Odd

    def apply(self, table: CsvTable) -> CsvTable:
        """``table`` (read from the normalised text) in the file's terms.

        Line numbers become the file's, lines with a NUL byte are malformed lines
        (as :func:`read_csv` of the whole file reports them), and the encoding
        names the file's BOM.
        """
        table = _finish(table, _Prepared(b"", table.encoding, self.odd, self.lines))
        if self.bom and table.encoding == "utf-8":
            table.encoding = "utf-8-sig"
        return table

    def line_numbers(self, numbers: pl.Series) -> pl.Series:
        """The file's line numbers of the normalised text's ``numbers``."""
        return numbers if self.lines is None else self.lines.lines(numbers)


class _Normaliser:
    """State of :func:`normalise_file` between steps (a line may span steps)."""

    def __init__(self, out: Any, *, limits: Limits, squeeze: bool) -> None:
        self.out = out
        self.limits = limits
        self.squeeze = squeeze
        self.line = 0  # lines of the file (line ends fixed) before the current step
        self.kept = 0  # lines written before the current step
        self.removed = 0  # blank lines dropped so far
        self.last_removed = 0  # blank lines before the last line written
        self.at: list[npt.NDArray[np.int64]] = []
        self.gone: list[npt.NDArray[np.int64]] = []
        self.odd: _Odd = {}

    def step(self, data: bytes) -> bytes:
        """Normalise the complete lines of ``data``; return the rest (a line begun).

        A CR at the very end is not yet a line end (an LF may follow it).
        """
        cut = data.rfind(b"\n") + 1
        cr = data.rfind(b"\r", cut, len(data) - 1)  # a bare CR: no LF after cut
        if cr >= 0:
            cut = cr + 1
        if cut:
            self._lines(data[:cut])
        rest = data[cut:]
        refused = self.limits.line_too_long(len(rest), self.line + 1)
        if refused is not None:  # over the limit before it even ends: never held
            raise refused
        return rest

    def last(self, data: bytes) -> None:
        """Normalise the last line (no line end, or a last CR)."""
        if data.endswith((b"\n", b"\r")):
            self._lines(data)  # a last CR becomes LF (the same line to the reader)
        elif data:
            self._lines(data + b"\n", drop_last=True)

    def _lines(self, data: bytes, *, drop_last: bool = False) -> None:
        if self.squeeze and not data.strip(b"\n"):  # only blank lines: none kept
            self.line += len(data)
            self.removed += len(data)
            return
        arr = np.frombuffer(data, dtype=np.uint8)
        changed = False
        if b"\r" in data:  # a bare CR (not before LF) ends a line: it becomes LF
            cr = np.flatnonzero(arr == _CR)
            after = arr[np.minimum(cr + 1, arr.size - 1)]
            bare = cr[(cr + 1 >= arr.size) | (after != _NL)]
            if bare.size:
                arr = arr.copy()
                arr[bare] = _NL
                changed = True
        ends = np.flatnonzero(arr == _NL)
        starts = np.concatenate([[0], ends[:-1] + 1])
        lengths = ends - starts + 1  # with the LF, as the scan counts them
        k = int(np.argmax(lengths))
        refused = self.limits.line_too_long(int(lengths[k]), self.line + k + 1)
        if refused is not None:
            raise refused
        if b"\x00" in data:
            self._nul_lines(arr, starts, ends)
        blank = np.zeros(ends.size, dtype=np.bool_)
        if self.squeeze:
            first = arr[np.minimum(starts, arr.size - 1)]
            blank = (lengths == 1) | ((lengths == 2) & (first == _CR))
        if blank.any() or self.removed != self.last_removed:
            # blank lines before each kept line; a map entry where that number moves
            removed = self.removed + np.cumsum(blank)
            before = removed[~blank]
            numbers = self.kept + np.arange(1, before.size + 1, dtype=np.int64)
            moved = np.flatnonzero(np.diff(before, prepend=self.last_removed) != 0)
            self.at.append(numbers[moved])
            self.gone.append(before[moved].astype(np.int64))
            if before.size:
                self.last_removed = int(before[-1])
            self.removed = int(removed[-1])
        if blank.any():
            mask = np.ones(arr.size, dtype=np.bool_)
            mask[ends[blank]] = False
            mask[starts[blank & (lengths == 2)]] = False
            arr = arr[mask]
            changed = True
        text = arr.tobytes() if changed else data
        if b"\x00" in data:
            text = text.replace(b"\x00", _REPLACEMENT)
        self.out.write(text[:-1] if drop_last else text)
        self.line += ends.size
        self.kept += ends.size - int(blank.sum())

    def _nul_lines(
        self,
        arr: npt.NDArray[np.uint8],
        starts: npt.NDArray[np.int64],
        ends: npt.NDArray[np.int64],
    ) -> None:
        """Each line holding a NUL byte is odd (quarantined), shown with U+FFFD."""
        for i in np.unique(np.searchsorted(ends, np.flatnonzero(arr == 0))).tolist():
            raw = arr[int(starts[i]) : int(ends[i])].tobytes()
            text = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
            self.odd[self.line + i + 1] = (
                text.rstrip("\r"),
                "NUL byte in the line (a database cannot store it)",
            )

    def line_map(self) -> _LineMap | None:
        """The map of the text's line numbers to the file's (None: none removed)."""
        if not any(a.size for a in self.at):
            return None
        return _LineMap(np.concatenate(self.at), np.concatenate(self.gone))


def normalise_file(
    fh: io.FileIO, out: Any, *, limits: Limits, squeeze: bool
) -> Normalised:
    """Copy a file's text to ``out`` as the whole-file reader would see it, streamed.

    The file is read in steps of 256 KiB (memory stays bounded, whatever its size):
    the BOM is dropped, each bare CR becomes LF, each NUL byte becomes U+FFFD (its
    line is recorded as odd, to be quarantined) and, with ``squeeze``, blank lines
    (empty, or a lone CR) are dropped while a few numbers per run of them map the
    text's line numbers back to the file's: a gigabyte of line breaks leaves a text
    of its other lines and a map of a few bytes. A line longer than the limit
    refuses the file as soon as it is met (never held). Bytes stay as they are
    otherwise (the text may still need decoding: latin-1 is left to the reader).

    Raises
    ------
    Refused
        When a line is over the limit.
    OSError
        When reading or writing fails.
    """
    fh.seek(0)
    hasher = hashlib.sha256()
    first = fh.read(len(codecs.BOM_UTF8)) or b""
    hasher.update(first)
    bom = first == codecs.BOM_UTF8
    state = _Normaliser(out, limits=limits, squeeze=squeeze)
    rest = b"" if bom else first
    while chunk := fh.read(_NORM_CHUNK):
        hasher.update(chunk)
        rest = state.step(rest + chunk)
    state.last(rest)
    return Normalised(hasher.hexdigest(), bom, state.line_map(), state.odd)


@dataclass
class TextFile:
    """A big plain file made ready to be read part by part (see :func:`open_text`).

    Attributes
    ----------
    fh
        The file, or its normalised private copy (kept open by the caller's stack).
    name
        The file as shown to the user.
    digest
        Hex SHA-256 of the file's own bytes.
    streamed
        The scan of ``fh``; None when it is not UTF-8 (only the whole-file reader
        re-encodes latin-1).
    normalised
        How the copy maps back to the file; None when ``fh`` is the file itself.
    limits
        The limits to read ``fh`` with.
    """

    fh: io.FileIO
    name: str
    digest: str
    streamed: FileScan | None
    normalised: Normalised | None
    limits: Limits

    def first_line(self) -> bytes:
        """The text's first line, without its line end (bounded by the line limit)."""
        start = 0 if self.streamed is None else self.streamed.bom
        got = b""
        self.fh.seek(start)
        while b"\n" not in got and len(got) <= self.limits.line_bytes:
            block = self.fh.read(1 << 16)
            if not block:
                break
            got += block
        return got.split(b"\n", 1)[0]

    def parts(
        self, *, part_lines: int, first_part_lines: int | None = None
    ) -> Iterator[CsvTable] | None:
        """The parts of :func:`read_file_parts`, in the file's terms; None: cannot.

        A text that is not UTF-8 is read in parts in memory (:func:`read_csv_parts`:
        latin-1 is re-encoded as a whole).
        """
        tables: Iterator[CsvTable] | None
        if self.streamed is None:
            tables = read_csv_parts(
                self.read_bytes(),
                part_lines=part_lines,
                first_part_lines=first_part_lines,
                limits=self.limits,
            )
        else:
            tables = read_file_parts(
                self.fh,
                self.streamed,
                name=self.name,
                part_lines=part_lines,
                first_part_lines=first_part_lines,
            )
        if tables is None or self.normalised is None:
            return tables
        return (self.normalised.apply(t) for t in tables)

    def read_bytes(self) -> bytes:
        """All of the text (the normalised copy: blank lines are not in it)."""
        self.fh.seek(0)
        return self.fh.readall()

    def read_whole(self) -> CsvTable:
        """:func:`read_csv` of the text, in the file's terms (one table)."""
        table = read_csv(self.read_bytes(), limits=self.limits)
        return table if self.normalised is None else self.normalised.apply(table)


def open_text(
    fh: io.FileIO, *, name: str, limits: Limits, stack: ExitStack
) -> TextFile:
    """Stream a big plain file once; normalise it to a private copy when it must be.

    :func:`scan_file` gives the digest and the scan when the file can be read part
    by part as it is. When it cannot (many blank lines, blank lines before the
    header, a bare CR, a NUL byte, or not UTF-8), the file is copied by
    :func:`normalise_file` into a private temporary folder (removed with
    ``stack``), blank lines dropped: the copy is what the whole-file reader would
    read, and it is scanned instead. Either way memory stays bounded by a few bytes
    per non-blank line (the scan), never by the file's size or its blank lines.

    Raises
    ------
    Refused
        When a line is over the limit.
    IngestError
        When the file changed while it was read.
    OSError
        When reading or writing fails.
    """
    why: list[str] = []
    streamed = scan_file(fh, name=name, limits=limits, why=why)
    if streamed is not None:
        return TextFile(fh, name, streamed.digest, streamed, None, limits)
    stamp = _stamp(fh)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="avert-")))
    squeeze = "blank" in why
    with (folder / "text").open("wb") as out:
        normalised = normalise_file(fh, out, limits=limits, squeeze=squeeze)
    if _stamp(fh) != stamp:
        raise _changed(name)
    # a NUL byte shows as U+FFFD (3 bytes): lines were checked before, in the file
    relaxed = replace(limits, line_bytes=3 * limits.line_bytes)
    text: io.FileIO = stack.enter_context((folder / "text").open("rb", buffering=0))
    why = []
    streamed = scan_file(text, name=name, limits=relaxed, why=why, blank_ok=squeeze)
    if streamed is None and "blank" in why:  # many blank lines after a CR or NUL
        with (folder / "squeezed").open("wb") as out:
            again = normalise_file(text, out, limits=relaxed, squeeze=True)
        normalised.lines = again.lines
        text = stack.enter_context((folder / "squeezed").open("rb", buffering=0))
        streamed = scan_file(text, name=name, limits=relaxed, blank_ok=True)
    return TextFile(text, name, normalised.digest, streamed, normalised, relaxed)
