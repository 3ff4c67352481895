"""A big plain file streamed once, then read part by part from disk.

A big plain file need not be held at all: :func:`scan_file` streams it once (a
thread reads and hashes 8 MiB chunks while the caller checks UTF-8 and scans them,
the same scan as of the whole buffer), then :func:`read_file_parts` reads each
part's byte range from disk into one reused buffer, giving exactly the parts of
:func:`~avert.ingest._csv._read.read_csv_parts`. A change of the file in between
(size, times, or a part's range no longer bounded by newlines) is an
:class:`~avert.errors.IngestError`. :func:`open_text` first copies a file that must
be normalised (:mod:`._normalise`) and streams the copy.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import queue
import tempfile
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from avert.errors import IngestError
from avert.ingest._csv._normalise import Normalised, normalise_file
from avert.ingest._csv._read import _plan_parts, _read_lines, read_csv, read_csv_parts
from avert.ingest._csv._scan import _CR, _NL, _Scan, _Scanner
from avert.ingest._csv._table import CsvTable
from avert.ingest._csv._text import _check_lines, _check_utf8
from avert.ingest.limits import DEFAULT_LIMITS, Limits

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
    bom = _bom_length(fh)
    if bom is None:  # blank lines before the header
        if why is not None:
            why.append("blank")
        return None
    hasher = hashlib.sha256()
    scanner = _Scanner(size - bom)
    done, refused = _stream_scan(
        fh, size=size, bom=bom, hasher=hasher, scanner=scanner, blank_ok=blank_ok
    )
    if refused is not None:
        if why is not None:
            why.append(refused)
        return None
    if done != size or _stamp(fh) != stamp:
        raise _changed(name)
    scan = scanner.finish()
    _check_lines(scan, None, limits)
    return FileScan(hasher.hexdigest(), bom, size - bom, scan, stamp)


def _bom_length(fh: io.FileIO) -> int | None:
    """Bytes of the UTF-8 byte order mark at the file's start (0 or 3); None when
    the text starts with a line end (blank lines before the header, which
    :func:`open_text` normalises first)."""
    fh.seek(0)
    start = fh.read(4) or b""
    bom = len(codecs.BOM_UTF8) if start.startswith(codecs.BOM_UTF8) else 0
    if start[bom : bom + 1] in (b"\n", b"\r"):
        return None
    return bom


def _stream_scan(
    fh: io.FileIO,
    *,
    size: int,
    bom: int,
    hasher: Any,
    scanner: _Scanner,
    blank_ok: bool,
) -> tuple[int, str | None]:
    """Bytes streamed, and the reason the file must be normalised or re-encoded
    first (``"encoding"``, ``"cr"``, ``"nul"``, ``"blank"``; None: none), with
    the file read and hashed by a thread (:func:`_read_ahead`) in a few reused
    buffers while this one checks UTF-8 and feeds ``scanner`` (see
    :func:`scan_file`). Stops at the first reason, or when the file grows past
    ``size``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    free: queue.SimpleQueue[bytearray | None] = queue.SimpleQueue()
    for _ in range(_READ_BUFFERS):
        free.put(bytearray(min(_READ_CHUNK, max(size, 1))))
    filled: queue.SimpleQueue[tuple[bytearray, int] | BaseException] = (
        queue.SimpleQueue()
    )
    skip = bom  # BOM bytes still to skip (the first chunks may be tiny)
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
    marks = _LineEndMarks()
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
                marks.feed(arr)
                del arr, chunk  # release the buffer before handing it back
            free.put(buffer)
            many_blank = not whole
            if marks.nul or marks.bare_cr or many_blank:  # normalised first
                return done, "nul" if marks.nul else "cr" if marks.bare_cr else "blank"
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return done, "encoding"
    finally:
        stop.set()
        free.put(None)  # wakes the reader if it waits for a buffer
        reader.join()
    return done, None


@dataclass
class _LineEndMarks:
    """What the chunks streamed so far hold that :func:`open_text` normalises
    first: a NUL byte (in the latest chunk), a bare CR (a CR not before LF, a
    line end; across chunks too)."""

    nul: bool = False
    bare_cr: bool = False
    last: int = 0  # the byte before the next chunk

    def feed(self, arr: npt.NDArray[np.uint8]) -> None:
        """Look at the next chunk's bytes (none: nothing changes)."""
        if not arr.size:
            return
        self.nul = int(arr.min()) == 0
        if self.last == _CR and arr[0] != _NL:
            self.bare_cr = True
        cr = np.flatnonzero(arr[:-1] == _CR)
        self.bare_cr = self.bare_cr or bool((arr[cr + 1] != _NL).any())
        self.last = int(arr[-1])


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
    header = bytes(head)  # read after the BOM
    encoding = "utf-8-sig" if bom else "utf-8"  # as read_csv names the file's
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
            scan.separators[lo - 1 : hi1],
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
