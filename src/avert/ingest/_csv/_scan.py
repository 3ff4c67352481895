"""The pre-scan of CSV text: every newline, and the separators and quotes of each line.

The pre-scan is one pass over the bytes in small chunks through a reused buffer
(fresh memory is costly: every new page is a page fault), recording each newline
and the field separators (commas, or the byte a reader names) and quotes of each
line; a file read in parts is scanned once and each
part reads its share of that scan instead of scanning again. :class:`_Scanner` takes
the bytes chunk by chunk as they are read, with the same result as :func:`_scan` of
the whole buffer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

_NL, _CR, _COMMA, _QUOTE = 10, 13, 44, 34
_SCAN_CHUNK: Final = 1 << 22  # 4 MiB per scan step (stays in cache)
_MANY: Final = 255  # separators per line are a byte: 255 means "count again"
_DENSE_STEP: Final = 1 << 18  # scan step where lines are short (under 32 bytes)
#: blank lines squeezed out of the text (line numbers mapped back) from this many on
_SQUEEZE_BLANK: Final = 4096
#: newline positions or per-line counts (int32 under 2 GiB, else int64)
_Ints = npt.NDArray[Any]


@dataclass
class _Scan:
    """Every newline of a buffer and the field separators and quotes of each line.

    Line ``j`` runs from the byte after newline ``nl[j - 1]`` (0 for ``j = 0``) up
    to ``nl[j]`` (the buffer's end for ``j = nl.size``); ``separators[j]`` and
    ``quotes[j]`` count its ``separator`` bytes (commas unless the scan was given
    another) and quotes (``quotes`` is None when the buffer holds no quote at all).
    Separator counts are bytes (:data:`_MANY` = 255 or more,
    counted again from the line when needed); positions and quote counts are
    32-bit when the buffer is under 2 GiB, to keep memory low.
    """

    nl: _Ints
    separators: _Ints
    quotes: _Ints | None
    #: bytes of the longest line (line end included) and its 1-based number
    longest: int = 0
    longest_line: int = 1
    #: the field separator counted (a byte: 44, the comma, by default)
    separator: int = _COMMA

    def line_quotes(self, lo: int, hi: int) -> npt.NDArray[np.int64]:
        """Quotes of lines ``lo`` to ``hi - 1``."""
        if self.quotes is None:
            return np.zeros(max(hi - lo, 0), dtype=np.int64)
        return self.quotes[lo:hi].astype(np.int64)


class _Scanner:
    """:func:`_scan` fed chunk by chunk: the same result whatever the chunking.

    A line may span chunks: the totals of separators and quotes so far and at the
    last newline carry its counts over, so feeding a file in pieces as it is read
    gives exactly the scan of the whole buffer (no need to hold it). ``separator``
    is the field separator's byte (the comma by default).
    """

    def __init__(self, size: int, *, separator: int = _COMMA) -> None:
        self.separator = separator
        # positions and quote counts are 32-bit under 2 GiB (memory)
        self.dtype = np.int32 if size < 2**31 else np.int64
        self.nls: list[_Ints] = []
        self.seps: list[_Ints] = []
        self.quotes: list[_Ints | int] = []
        self.buf = np.empty(min(_SCAN_CHUNK, size), dtype=np.bool_)
        self.n_seps = self.n_quotes = 0  # totals so far
        self.s_last = self.q_last = 0  # totals before the previous newline
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
        at = np.flatnonzero(np.equal(chunk, self.separator, out=hit))
        before = np.searchsorted(at, local) + self.n_seps
        self.seps.append(
            np.minimum(np.diff(before, prepend=self.s_last), _MANY).astype(np.uint8)
        )
        self.s_last = int(before[-1]) if before.size else self.s_last
        self.n_seps += at.size
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
        self.seps.append(
            np.array([min(self.n_seps - self.s_last, _MANY)], dtype=np.uint8)
        )
        nl: _Ints = np.concatenate(self.nls) if self.nls else np.empty(0, dtype=dtype)
        line_seps = np.concatenate(self.seps)
        self.nls, self.seps = [], []
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
        return _Scan(
            nl,
            line_seps,
            line_quotes,
            self.longest,
            self.longest_line,
            self.separator,
        )


def _scan(arr: npt.NDArray[np.uint8], *, separator: int = _COMMA) -> _Scan:
    """One chunked pass over ``arr``: newline positions, ``separator`` bytes (commas
    by default) and quotes per line."""
    scanner = _Scanner(arr.size, separator=separator)
    scanner.feed(arr)
    return scanner.finish()


def _run_end(arr: npt.NDArray[np.uint8], start: int) -> int:
    """The first position from ``start`` that is not CR or LF (the end of a run)."""
    for a in range(start, arr.size, _SCAN_CHUNK):
        seg = arr[a : a + _SCAN_CHUNK]
        hit = np.flatnonzero((seg != _NL) & (seg != _CR))
        if hit.size:
            return a + int(hit[0])
    return int(arr.size)
