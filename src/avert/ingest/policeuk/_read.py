"""Reading a police.uk file: whole, or part by part (streamed from disk when big)."""

from __future__ import annotations

import codecs
import io
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Final

import polars as pl

from avert.errors import IngestError
from avert.ingest._csv import (
    CsvTable,
    Normalised,
    TextFile,
    decode,
    encoding_note,
    open_text,
    read_csv,
    read_csv_parts,
    split_header,
)
from avert.ingest._rows import rejected_lines
from avert.ingest.limits import DEFAULT_LIMITS, Limits
from avert.ingest.policeuk._common import _File, _not_policeuk
from avert.ingest.policeuk._crimes import _outcomes, _reduced, _street
from avert.ingest.policeuk._kinds import (
    KINDS,
    OUTCOMES,
    REDUCED,
    STOPS,
    STREET,
    UNKNOWN,
    detect_kind,
)
from avert.ingest.policeuk._stops import _parse_api_stops, _stops
from avert.ingest.result import Parsed, refused_before_first
from avert.ingest.sources import SourceFile, sha256_hex, unpack_member

#: how each kind's rows are checked and mapped: (rows, header, file) -> (out, problems)
_MAPPERS: Final[
    dict[
        str,
        Callable[
            [pl.DataFrame, Sequence[str], _File], tuple[pl.DataFrame, pl.DataFrame]
        ],
    ]
] = {STREET: _street, OUTCOMES: _outcomes, STOPS: _stops, REDUCED: _reduced}
#: physical lines per part when a big file is read part by part (peak memory)
PART_LINES = 1_000_000
#: a zip member as big as :data:`STREAM_MIN_BYTES` is unpacked to a private file
_unpacked = unpack_member
#: a plain file at least this big is streamed and read part by part from disk
#: (smaller files are read whole: they rarely hold more than one part)
STREAM_MIN_BYTES = 32 << 20


def parse_policeuk(source: SourceFile, *, crs: str = "EPSG:27700") -> Parsed:
    """Read one police.uk file (any supported kind) into canonical frames."""
    # The bytes travel in a list that the parser empties, so no caller frame keeps
    # them alive: they are freed as soon as the CSV is parsed (peak memory).
    return _parse(
        [source.read_bytes()], name=source.name, basename=source.basename, crs=crs
    )


def parse_policeuk_parts(
    source: SourceFile,
    *,
    crs: str = "EPSG:27700",
    part_lines: int | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Iterator[Parsed]:
    """:func:`_policeuk_parts`, with any failure before the first part as a refusal.

    A file that cannot be read at all (over a limit, unreadable, not text, a
    parser failure) is one :func:`~avert.ingest.result.refused` part naming the
    reason, so that one odd file never sinks a load. A failure after parts were
    handed on (the file changed while it was read) is raised: those parts may
    already be written, and only the whole load's rollback undoes them.
    """
    yield from refused_before_first(
        _policeuk_parts(source, crs=crs, part_lines=part_lines, limits=limits),
        source.name,
    )


def _policeuk_parts(
    source: SourceFile,
    *,
    crs: str,
    part_lines: int | None,
    limits: Limits,
) -> Iterator[Parsed]:
    """Read one police.uk file as consecutive parts of at most ``part_lines`` lines.

    A big CSV file of a recognised kind is read, mapped and keyed part by part (the
    first part a quarter of the others, so that a load starts writing sooner), so
    only one part's frames exist at a time (a national-year street file needs about
    a fifth of the memory of reading it whole). Every part carries the whole file's
    name, digest and kind and the file's own line numbers; its ``rows`` are the data
    rows of that part, and content keys count identical rows over earlier parts, so
    the parts hold exactly what :func:`parse_policeuk` returns in one piece. Small
    files, JSON, unrecognised files and files whose quoted fields may span lines
    come as one part.

    A plain file on disk of at least :data:`STREAM_MIN_BYTES` is never held whole:
    it is streamed once (digest, UTF-8 check and line scan,
    :func:`~avert.ingest._csv.scan_file`) and each part then reads its own bytes
    from the file. A zip member that big is first unpacked, in chunks, to a private
    temporary folder (removed after the file is read) and read the same way, so the
    memory of a load is bounded by its part size, not by the size of a member. When
    that cannot give the parts (not UTF-8, a quote that may span lines, too few
    lines) the file is read whole as any other file, so the results never depend on
    the path taken.

    Raises
    ------
    IngestError
        When the file cannot be read, or changed between the first pass and the
        reading of a part.
    """
    if part_lines is None:
        part_lines = PART_LINES
    name, basename = source.name, source.basename
    if source.refusal is not None:
        raise source.refusal
    with ExitStack() as stack:
        path = source.path
        if (
            path is None
            and source.opener is not None
            and source.size >= STREAM_MIN_BYTES
            and not basename.lower().endswith(".json")
        ):
            path = _unpacked(source, stack, limits)
            source = SourceFile(name, basename, path.read_bytes, path=path)
        yield from _read_parts(
            source, path, crs=crs, part_lines=part_lines, limits=limits
        )


def _read_parts(
    source: SourceFile,
    path: Path | None,
    *,
    crs: str,
    part_lines: int,
    limits: Limits,
) -> Iterator[Parsed]:
    name, basename = source.name, source.basename
    if path is not None and not basename.lower().endswith(".json"):
        try:
            too_big = limits.file_too_big(path.stat().st_size, name)
            if too_big is not None:
                raise too_big
            # unbuffered: chunks and parts are read straight into reused buffers
            with ExitStack() as stack, path.open("rb", buffering=0) as fh:
                text = _open_text(fh, name=name, limits=limits, stack=stack)
                if text is not None:
                    yield from _text_parts(
                        text, basename=basename, crs=crs, part_lines=part_lines
                    )
                    return
        except OSError as err:
            msg = f"Cannot read {name}: {err}"
            raise IngestError(msg) from err
    # today's path: the whole file in memory (zip members, small or odd files)
    data = source.read_bytes(limits)
    kind = None
    if not basename.lower().endswith(".json"):
        first = data[: data.find(b"\n")] if b"\n" in data else b""
        kind = _header_kind(first)
    holder = [data]
    if kind is None:
        del data
        yield _parse(holder, name=name, basename=basename, crs=crs, limits=limits)
        return
    # The digest is computed in a thread (hashlib releases the GIL) while the bytes
    # are scanned and the first part is read: the load's writer is idle until then.
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="avert-sha256")
    digest_job = pool.submit(sha256_hex, data)
    pool.shutdown(wait=False)  # the thread ends with the digest
    del data
    in_memory = read_csv_parts(
        holder[0],
        part_lines=part_lines,
        first_part_lines=part_lines // 4,
        limits=limits,
    )
    if in_memory is None:  # small, or a quoted field may span lines
        yield _parse(
            holder,
            name=name,
            basename=basename,
            crs=crs,
            digest=digest_job.result(),
            limits=limits,
        )
        return
    holder.clear()  # the parts keep the (decoded) bytes they still need
    yield from _mapped_parts(
        in_memory, digest_job.result, name=name, basename=basename, crs=crs
    )


def _header_kind(first: bytes) -> str | None:
    """The kind named by a file's first line (bytes, BOM allowed), else None."""
    if first.startswith(codecs.BOM_UTF8):
        first = first[len(codecs.BOM_UTF8) :]
    first = first.split(b"\r", 1)[0]  # CRLF, or an old Mac file's bare CR
    return detect_kind(split_header(first.decode("utf-8", "replace")))


def _open_text(
    fh: io.FileIO, *, name: str, limits: Limits, stack: ExitStack
) -> TextFile | None:
    """A big plain file streamed once (normalised when it must be), else None.

    None (a file under :data:`STREAM_MIN_BYTES`) sends the file down the whole-file
    path.
    """
    if os.fstat(fh.fileno()).st_size < STREAM_MIN_BYTES:
        return None
    return open_text(fh, name=name, limits=limits, stack=stack)


def _text_parts(
    text: TextFile, *, basename: str, crs: str, part_lines: int
) -> Iterator[Parsed]:
    """The parsed parts of a streamed file: from disk, or read whole when it must be.

    A file of a known kind whose lines can be split is read part by part from disk
    (the file, or its normalised copy); otherwise it is read whole: the file as it
    is when it needed no normalising (exactly today's whole-file path), else the
    normalised copy, whose blank lines are gone.
    """
    name = text.name
    kind = _header_kind(text.first_line())
    if kind is not None:
        parts = text.parts(part_lines=part_lines, first_part_lines=part_lines // 4)
        if parts is not None:
            yield from _mapped_parts(
                parts, lambda: text.digest, name=name, basename=basename, crs=crs
            )
            return
    yield _parse(
        [text.read_bytes()],
        name=name,
        basename=basename,
        crs=crs,
        digest=text.digest,
        limits=text.limits,
        normalised=text.normalised,
    )


def _mapped_parts(
    parts: Iterator[CsvTable],
    digest: Callable[[], str],
    *,
    name: str,
    basename: str,
    crs: str,
) -> Iterator[Parsed]:
    """Map and key the read parts of one file (keys count over earlier parts)."""
    file: _File | None = None
    for table in parts:
        part_kind = detect_kind(table.header)
        if part_kind is None:  # cannot happen: the header was recognised above
            msg = f"{name}: header not recognised when read in parts"
            raise IngestError(msg)
        if file is None:
            file = _File.of(
                part_kind,
                table.header,
                name=name,
                basename=basename,
                crs=crs,
                encoding=table.encoding,
            )
        parsed = _map(table, part_kind, file, digest=digest())
        del table  # only the mapped part stays alive while it is written
        yield parsed
        del parsed


def parse_policeuk_bytes(
    data: bytes, *, name: str, basename: str, crs: str = "EPSG:27700"
) -> Parsed:
    """Parse police.uk file bytes; pure (no I/O).

    Parameters
    ----------
    data
        File bytes.
    name
        The file as given (stored as ``source_file``).
    basename
        File name (for the force of stop-and-search files).
    crs
        Target CRS of ``x``/``y``.
    """
    return _parse([data], name=name, basename=basename, crs=crs)


def _parse(
    holder: list[bytes],
    *,
    name: str,
    basename: str,
    crs: str,
    digest: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
    normalised: Normalised | None = None,
) -> Parsed:
    """Parse a whole file; ``normalised``: the bytes are its normalised text."""
    data = holder.pop()
    if digest is None:
        digest = sha256_hex(data)
    if basename.lower().endswith(".json"):
        return _parse_api_stops(
            data, name=name, basename=basename, digest=digest, crs=crs
        )
    table = read_csv(data, limits=limits)
    if normalised is not None:
        table = normalised.apply(table)
    if table.header and detect_kind(table.header) is not None:
        del data  # the bytes are no longer needed: free them before mapping
    if not table.header and table.rows == 0:
        return _not_policeuk(name, digest, "empty file")
    kind = detect_kind(table.header)
    if kind is None:
        return _unrecognised(
            data, table, name=name, digest=digest, normalised=normalised
        )
    file = _File.of(
        kind,
        table.header,
        name=name,
        basename=basename,
        crs=crs,
        encoding=table.encoding,
    )
    return _map(table, kind, file, digest=digest)


def _map(table: CsvTable, kind: str, file: _File, *, digest: str) -> Parsed:
    """Map a read CSV table (a whole file or one part) of a known kind."""
    target = KINDS[kind][1]
    bad = rejected_lines(table.bad, target)
    out, problems = _MAPPERS[kind](table.frame, table.header, file)
    problems = pl.concat([bad, problems]).sort("line")
    note = encoding_note(table.encoding)
    return Parsed(file.name, digest, kind, table.rows, {target: out}, problems, note)


def _unrecognised(
    data: bytes,
    table: CsvTable,
    *,
    name: str,
    digest: str,
    normalised: Normalised | None = None,
) -> Parsed:
    """A file with no police.uk header: every non-blank line goes to quarantine.

    Lines are split on LF, CRLF and CR only (as the CSV reader does), never on form
    feeds or other Unicode line breaks; NUL bytes are shown as U+FFFD.
    """
    text = (
        decode(data)[0]
        .decode("utf-8", "replace")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\x00", "\ufffd")
    )
    if text.endswith("\n"):
        text = text[:-1]
    lines = pl.Series("raw", text.split("\n") if text else [], dtype=pl.String)
    header = ",".join(table.header)
    # the first line as the file writes it: ``table.header`` names a blank name
    # ``column_1`` (an R or pandas matrix's corner, '"",1,2,...'), which the file
    # does not say; its first non-blank line, as the reader's header is (a file
    # opening with a blank line quoted nothing)
    first = lines.str.strip_prefix("\ufeff").filter(lines.str.strip_chars() != "")
    written = first[0] if len(first) else header
    looks_like_data = bool(re.match(r"^[0-9a-f]{64},\d{4}-\d{2},|^\d{4}-\d{2}", header))
    why = (
        "missing header: the first line looks like data"
        if looks_like_data
        else f"unrecognised header (not a police.uk street, outcomes or stop-and-search file): {written[:200]}"
    )
    frame = (
        pl.DataFrame({"raw": lines})
        .with_row_index("line", offset=1)
        .with_columns(pl.col("line").cast(pl.Int64))
        .filter(pl.col("raw").str.strip_chars() != "")
    )
    if not looks_like_data:
        frame = frame.filter(pl.col("line") > 1)
    if normalised is not None:  # the file's line numbers (its blank lines counted)
        frame = frame.with_columns(normalised.line_numbers(frame["line"]))
    problems = rejected_lines(frame.with_columns(reason=pl.lit(why)), None)
    if problems.height == 0:
        return _not_policeuk(name, digest, why, header)
    return Parsed(name, digest, UNKNOWN, problems.height, problems=problems)
