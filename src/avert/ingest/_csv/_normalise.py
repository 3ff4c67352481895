"""A big file normalised streamed: blank lines, bare CR and NUL cost no memory."""

from __future__ import annotations

import codecs
import hashlib
import io
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.ingest._csv._scan import _CR, _NL
from avert.ingest._csv._table import CsvTable
from avert.ingest._csv._text import (
    _REPLACEMENT,
    _finish,
    _LineMap,
    _Odd,
    _odd_nul_lines,
    _Prepared,
)
from avert.ingest.limits import Limits

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
            _odd_nul_lines(arr, starts, ends, self.odd, before=self.line)
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
