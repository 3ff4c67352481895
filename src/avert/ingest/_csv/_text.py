"""File bytes made ready to scan: encodings, line ends, NUL bytes, blank lines.

Encodings: UTF-8, UTF-8 with BOM and, when the bytes are not valid UTF-8,
Windows-1252 (cp1252, as Excel on Windows saves a CSV) or latin-1 (ISO-8859-1, as
older police extracts are; :func:`_single_byte`); the text is normalised to UTF-8,
and the reader's report names the encoding read (:func:`encoding_note`). A file
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
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.ingest._csv._scan import (
    _COMMA,
    _CR,
    _NL,
    _run_end,
    _Scan,
    _scan,
    _Scanner,
)
from avert.ingest._csv._table import LINE_COL, CsvTable, _bad_frame
from avert.ingest.limits import Limits

_CHUNK: Final = 1 << 26  # 64 MiB per numpy scan step
#: the start of a run of blank lines (a long run is followed with numpy)
_BLANK_RUN: Final = re.compile(rb"\n[\r\n]{1,64}")
_REPLACEMENT: Final = "\ufffd".encode()
#: physical line number -> (raw text, reason): lines quarantined whatever they hold
_Odd = dict[int, tuple[str, str]]


def _check_utf8(
    decoder: codecs.IncrementalDecoder, chunk: memoryview, arr: npt.NDArray[np.uint8]
) -> None:
    """Feed the next chunk (``arr``: its bytes as numpy) to an incremental decoder.

    A pure-ASCII chunk with no multi-byte sequence pending is valid UTF-8 and is not
    decoded at all (most police.uk files). Raises :class:`UnicodeDecodeError`.
    """
    if decoder.getstate()[0] or int(arr.max(initial=0)) >= 0x80:
        decoder.decode(chunk, final=False)


def decode(data: bytes) -> tuple[bytes, str, list[int]]:
    r"""Return ``data`` as UTF-8 bytes without BOM, the encoding it was in, and the
    lines (1-based, physical) read as latin-1 in a file that is UTF-8 otherwise.

    UTF-8 validity is checked incrementally (bounded memory); invalid UTF-8 is read
    as cp1252 or latin-1 (:func:`_single_byte`) and re-encoded; a mostly UTF-8 file
    keeps its valid lines and reads its invalid ones as latin-1 (see
    :func:`_decode_lines`; :func:`read_csv` quarantines them, a reader of this text
    says so with :func:`encoding_note`).

    >>> decode(b"M\xc3\xb4n\nCaf\xe9\nM\xc3\xb4n\n")
    (b'M\xc3\xb4n\nCaf\xc3\xa9\nM\xc3\xb4n\n', 'utf-8', [2])
    """
    text, encoding, odd = _decode(data)
    return text, encoding, sorted(odd)


def _strip_bom(data: bytes) -> tuple[bytes, str]:
    """``data`` after its UTF-8 byte order mark, if any, and the encoding it names.

    The encoding is ``utf-8-sig`` when there was a BOM, else ``utf-8``.
    """
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :], "utf-8-sig"
    return data, "utf-8"


def _decode(data: bytes) -> tuple[bytes, str, _Odd]:
    """:func:`decode`, and the lines (1-based) that had to be read as latin-1."""
    data, encoding = _strip_bom(data)
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
    is single-byte throughout, cp1252 or latin-1 (:func:`_single_byte`; a single
    stray byte in ASCII text is one too).
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
        text, single = _single_byte(data)
        return text.encode("utf-8"), single, {}
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


#: bytes cp1252 leaves undefined: a file holding one is read as latin-1
_CP1252_UNDEFINED: Final = re.compile(b"[\x81\x8d\x8f\x90\x9d]")
#: bytes that are C1 control codes in latin-1 and characters in cp1252
_C1: Final = re.compile(b"[\x80-\x9f]")
#: what a report says of a file read in each encoding other than UTF-8
_ENCODING_NAMES: Final = {
    "cp1252": "Windows-1252 (cp1252)",
    "latin-1": "Latin-1 (ISO-8859-1)",
}


def _single_byte(data: bytes) -> tuple[str, str]:
    r"""A file that is not UTF-8 decoded, and the encoding read: cp1252 when it
    holds a byte of 0x80-0x9F and none cp1252 leaves undefined, else latin-1.

    Both map every other byte alike. Bytes 0x80-0x9F are C1 control codes in
    latin-1, which no text holds, and cp1252's curly quotes, dashes and euro
    sign: a CSV that Excel on Windows saved (``O’Brien``, 0x92) read as latin-1
    stored ``O\x92Brien``, right nowhere. latin-1 decodes any byte, so nothing
    is lost either way.

    >>> _single_byte(b"O\x92Brien caf\xe9")
    ('O’Brien café', 'cp1252')
    >>> _single_byte(b"caf\xe9"), _single_byte(b"\x81\x92")[1]
    (('café', 'latin-1'), 'latin-1')
    """
    if _C1.search(data) and not _CP1252_UNDEFINED.search(data):
        return data.decode("cp1252"), "cp1252"
    return data.decode("latin-1"), "latin-1"


#: at most this many line numbers are listed in a note
_LINES_LISTED: Final = 10


def encoding_note(encoding: str, *, latin1_lines: Sequence[int] = ()) -> str | None:
    """What a file's report says of the encoding it was read in (None: UTF-8
    throughout).

    ``latin1_lines``: the lines of a file that is UTF-8 otherwise which were read
    as latin-1 (:func:`decode`), by a reader that loads them rather than
    quarantining them. Windows-1252 is assumed, never known: a Central European
    file (Windows-1250: Polish, Czech) has the same bytes for other letters (its
    ``ł`` reads as ``³``, its ``ś`` as ``œ``), and no rule tells the two apart
    reliably from the bytes alone, so the note says what to do.

    >>> encoding_note("utf-8-sig") is None
    True
    >>> print(encoding_note("cp1252"))
    read as Windows-1252 (cp1252), not UTF-8: check its accented letters and symbols (the encoding is assumed: a Central European file, Windows-1250, reads wrongly so: save it as UTF-8)
    >>> print(encoding_note("utf-8", latin1_lines=[4, 9]))
    2 lines not valid UTF-8 although the rest of the file is (lines 4, 9) read as Latin-1 (ISO-8859-1): check their accented letters and symbols
    """
    if latin1_lines:
        n = len(latin1_lines)
        listed = ", ".join(str(line) for line in latin1_lines[:_LINES_LISTED])
        more = f" and {n - _LINES_LISTED:,} more" if n > _LINES_LISTED else ""
        return (
            f"{n:,} line{'s' if n != 1 else ''} not valid UTF-8 although the rest"
            f" of the file is (line{'s' if n != 1 else ''} {listed}{more}) read as"
            f" {_ENCODING_NAMES['latin-1']}: check their accented letters and"
            " symbols"
        )
    name = _ENCODING_NAMES.get(encoding)
    if name is None:
        return None
    note = f"read as {name}, not UTF-8: check its accented letters and symbols"
    if encoding == "cp1252":
        note += (
            " (the encoding is assumed: a Central European file, Windows-1250,"
            " reads wrongly so: save it as UTF-8)"
        )
    return note


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
    _odd_nul_lines(arr, np.concatenate([[0], nl + 1]), np.append(nl, arr.size), odd)
    del arr
    return text.replace(b"\x00", _REPLACEMENT)


def _odd_nul_lines(
    arr: npt.NDArray[np.uint8],
    starts: npt.NDArray[np.int64],
    ends: npt.NDArray[np.int64],
    odd: _Odd,
    *,
    before: int = 0,
) -> None:
    """Record each line holding a NUL byte as odd (quarantined), shown with U+FFFD.

    Line ``i`` is ``arr[starts[i]:ends[i]]`` (its line end excluded) and line
    ``before + i + 1`` of the file.
    """
    for i in np.unique(np.searchsorted(ends, np.flatnonzero(arr == 0))).tolist():
        raw = arr[int(starts[i]) : int(ends[i])].tobytes()
        text = raw.decode("utf-8", "replace").replace("\x00", "\ufffd")
        odd[before + i + 1] = (
            text.rstrip("\r"),
            "NUL byte in the line (a database cannot store it)",
        )


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


def _prepare(
    data: bytes, limits: Limits, *, separator: int = _COMMA
) -> tuple[_Prepared, _Scan]:
    """Normalise line ends, decode, quarantine NUL lines; scan, squeezing blank lines.

    The scan counts ``separator`` bytes (commas by default) per line.

    The scan stops early at :data:`_SQUEEZE_BLANK` blank lines (or a blank first
    line): the blank lines are then squeezed out and the shorter text scanned, so
    they never cost a scan entry each. A line over ``limits`` refuses the text
    (:class:`~avert.ingest.limits.Refused`).
    """
    text, encoding, odd = _decode(_fix_line_ends(data))
    del data
    text = _nul_lines(text, odd)
    prepared = _Prepared(text, encoding, odd, None)
    scan = None
    if text[:1] not in (b"\n", b"\r"):
        scanner = _Scanner(len(text), separator=separator)
        if scanner.feed(np.frombuffer(text, dtype=np.uint8), stop_blank=True):
            scan = scanner.finish()
        del scanner
    if scan is None:
        prepared.text, prepared.lines = _squeeze_blank(text)
        del text
        scan = _scan(np.frombuffer(prepared.text, dtype=np.uint8), separator=separator)
    _check_lines(scan, prepared, limits)
    return prepared, scan


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
