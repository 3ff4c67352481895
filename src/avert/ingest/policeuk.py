"""data.police.uk files: street, outcomes, stop and search (archive CSVs and API JSON).

The kind is detected from the header by a required subset of columns (forces add or
drop optional columns), never from the file name; the file name only supplies the
force of a stop-and-search file (``YYYY-MM-<force>-stop-and-search.csv``).
Mapping rules and quarantine reasons are documented in ``docs/formats.md``.

Source: data.police.uk "About" page (archive layout, column meanings, anonymised
map points) and the police.uk API documentation (``stops-force``).
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from avert.errors import IngestError
from avert.ingest._csv import (
    LINE_COL,
    CsvTable,
    Normalised,
    TextFile,
    decode,
    open_text,
    read_csv,
    read_csv_parts,
    split_header,
)
from avert.ingest._rows import split_rows
from avert.ingest.geo import coordinate_failing, coordinate_problem, project
from avert.ingest.keys import ContentKeyer
from avert.ingest.limits import DEFAULT_LIMITS, Limits
from avert.ingest.result import PROBLEM_SCHEMA, Parsed, problems_frame, refused
from avert.ingest.sources import SourceFile, sha256_hex, unpack_member
from avert.schema import AGE_RANGES

__all__ = [
    "KINDS",
    "PART_LINES",
    "REDUCED_CRIME_TYPES",
    "STREAM_MIN_BYTES",
    "detect_kind",
    "parse_policeuk",
    "parse_policeuk_bytes",
    "parse_policeuk_parts",
]

STREET, OUTCOMES, STOPS = "policeuk-street", "policeuk-outcomes", "policeuk-stops"
REDUCED, API_STOPS = "policeuk-reduced", "policeuk-api-stops"
UNKNOWN: Final = "unknown"
#: physical lines per part when a big file is read part by part (peak memory)
PART_LINES = 1_000_000
#: a zip member as big as :data:`STREAM_MIN_BYTES` is unpacked to a private file
_unpacked = unpack_member
#: a plain file at least this big is streamed and read part by part from disk
#: (smaller files are read whole: they rarely hold more than one part)
STREAM_MIN_BYTES = 32 << 20
_PEEK_BYTES: Final = 1 << 16  # the header line is looked for in the first 64 KiB

#: kind -> (required header subset, target table)
KINDS: Final[dict[str, tuple[frozenset[str], str]]] = {
    STREET: (
        frozenset(
            {"Crime ID", "Month", "Falls within", "Longitude", "Latitude", "Crime type"}
        ),
        "incidents",
    ),
    OUTCOMES: (frozenset({"Crime ID", "Month", "Outcome type"}), "outcomes"),
    STOPS: (
        frozenset(
            {"Type", "Date", "Latitude", "Longitude", "Object of search", "Outcome"}
        ),
        "stops",
    ),
    REDUCED: (frozenset({"month", "type", "longitude", "latitude"}), "incidents"),
}

#: Categories of the reduced teaching copy -> data.police.uk crime types.
REDUCED_CRIME_TYPES: Final = {
    "violent or sexual": "Violence and sexual offences",
    "robbery": "Robbery",
    "weapon possession": "Possession of weapons",
    "burglary": "Burglary",
    "drugs": "Drugs",
    "public order": "Public order",
    "criminal damage or arson": "Criminal damage and arson",
    "theft from person": "Theft from the person",
    "other theft": "Other theft",
    "vehicle crime": "Vehicle crime",
    "shoplifting": "Shoplifting",
    "bicycle theft": "Bicycle theft",
    "other": "Other crime",
    "anti-social behaviour": "Anti-social behaviour",
}

_MONTH_RE: Final = r"^[0-9]{4}-(0[1-9]|1[0-2])$"  # ASCII digits only
_STOP_FILE_RE: Final = re.compile(
    r"^(\d{4}-\d{2})-(.+?)-(stop-and-search\.csv|stops-force\.json)$", re.IGNORECASE
)
_SEX: Final = {"male": "M", "female": "F", "other": "X"}
_BOOL: Final = {"true": True, "false": False, "yes": True, "no": False}
_ETHNIC_PREFIX: Final = (
    ("White", "White"),
    ("Black", "Black"),
    ("Asian", "Asian"),
    ("Mixed", "Mixed"),
    ("Other ethnic group - Not stated", "Unknown"),
    ("Other", "Other"),
)
_STOP_CSV_COLUMNS: Final = (
    "Type",
    "Date",
    "Part of a policing operation",
    "Policing operation",
    "Latitude",
    "Longitude",
    "Gender",
    "Age range",
    "Self-defined ethnicity",
    "Officer-defined ethnicity",
    "Legislation",
    "Object of search",
    "Outcome",
    "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)


def detect_kind(header: Sequence[str]) -> str | None:
    """Return the police.uk kind whose required columns the header holds, else None."""
    names = set(header)
    for kind, (required, _) in KINDS.items():
        if required <= names:
            return kind
    return None


def force_from_name(basename: str) -> str | None:
    """The force slug of ``YYYY-MM-<force>-stop-and-search.csv`` (None otherwise)."""
    m = _STOP_FILE_RE.match(basename)
    return m.group(2).lower() if m else None


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
    started = False
    try:
        for parsed in _policeuk_parts(
            source, crs=crs, part_lines=part_lines, limits=limits
        ):
            started = True
            yield parsed
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as err:  # also a Polars panic (a BaseException) on odd input
        if started:
            raise
        yield refused(source.name, err)


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
    keyer: ContentKeyer | None = None
    for table in parts:
        part_kind = detect_kind(table.header)
        if part_kind is None:  # cannot happen: the header was recognised above
            msg = f"{name}: header not recognised when read in parts"
            raise IngestError(msg)
        if keyer is None:
            keyer = _keyer(part_kind, table.header, basename=basename)
        parsed = _map(
            table,
            part_kind,
            name=name,
            basename=basename,
            digest=digest(),
            crs=crs,
            keyer=keyer,
        )
        del table  # only the mapped part stays alive while it is written
        yield parsed
        del parsed


def _keyer(kind: str, header: Sequence[str], *, basename: str) -> ContentKeyer:
    if kind == STOPS:
        return ContentKeyer(header, prefix="pus-", salt=force_from_name(basename) or "")
    if kind == REDUCED:
        return ContentKeyer(header, prefix="pur-")
    return ContentKeyer(header, prefix="puk-")


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
        return Parsed(
            name,
            digest,
            UNKNOWN,
            0,
            problems=problems_frame([(0, None, "empty file", None, "rejected", None)]),
        )
    kind = detect_kind(table.header)
    if kind is None:
        return _unrecognised(
            data, table, name=name, digest=digest, normalised=normalised
        )
    keyer = _keyer(kind, table.header, basename=basename)
    return _map(
        table, kind, name=name, basename=basename, digest=digest, crs=crs, keyer=keyer
    )


def _map(
    table: CsvTable,
    kind: str,
    *,
    name: str,
    basename: str,
    digest: str,
    crs: str,
    keyer: ContentKeyer,
) -> Parsed:
    """Map a read CSV table (a whole file or one part) of a known kind."""
    target = KINDS[kind][1]
    bad = table.bad.select(
        pl.col("line"),
        pl.lit(None, dtype=pl.String).alias("column"),
        pl.col("reason"),
        pl.col("raw"),
        pl.lit("rejected").alias("kind"),
        pl.lit(target).alias("target_table"),
    )
    frame = table.frame
    if kind == STREET:
        out, problems = _street(frame, table.header, name=name, crs=crs, keyer=keyer)
    elif kind == OUTCOMES:
        out, problems = _outcomes(frame, table.header, name=name)
    elif kind == STOPS:
        out, problems = _stops(
            frame,
            table.header,
            name=name,
            force=force_from_name(basename),
            crs=crs,
            keyer=keyer,
        )
    else:
        out, problems = _reduced(frame, table.header, name=name, crs=crs, keyer=keyer)
    problems = pl.concat([bad, problems]).sort("line")
    return Parsed(name, digest, kind, table.rows, {target: out}, problems)


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
    looks_like_data = bool(re.match(r"^[0-9a-f]{64},\d{4}-\d{2},|^\d{4}-\d{2}", header))
    why = (
        "missing header: the first line looks like data"
        if looks_like_data
        else f"unrecognised header (not a police.uk street, outcomes or stop-and-search file): {header[:200]}"
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
    problems = frame.select(
        "line",
        pl.lit(None, dtype=pl.String).alias("column"),
        pl.lit(why).alias("reason"),
        "raw",
        pl.lit("rejected").alias("kind"),
        pl.lit(None, dtype=pl.String).alias("target_table"),
    )
    if problems.height == 0:
        problems = problems_frame([(0, None, why, header, "rejected", None)])
        return Parsed(name, digest, UNKNOWN, 0, problems=problems)
    return Parsed(name, digest, UNKNOWN, problems.height, problems=problems)


def _col(frame: pl.DataFrame, name: str) -> pl.Expr:
    """The column as given, or nulls when the file lacks it (optional columns)."""
    if name in frame.columns:
        return pl.col(name)
    return pl.lit(None, dtype=pl.String)


def _month_bad(column: str) -> pl.Expr:
    """True where the month is blank or not ``YYYY-MM`` (the month check fails)."""
    value = pl.col(column).str.strip_chars()
    return value.is_null() | ~value.str.contains(_MONTH_RE).fill_null(False)


def _month_failing(frame: pl.DataFrame, column: str) -> pl.Expr:
    """:func:`_month_bad` of every row, testing each distinct month once."""
    if column not in frame.columns:
        return _month_bad(column)
    values = frame.get_column(column).unique().to_frame()
    bad = values.filter(_month_bad(column)).to_series().drop_nulls()
    return pl.col(column).is_null() | pl.col(column).is_in(bad)


def _month_check(column: str) -> tuple[pl.Expr, pl.Expr]:
    return pl.lit(column), pl.when(_month_bad(column)).then(
        pl.lit("bad month (want YYYY-MM): ") + pl.col(column).fill_null("<blank>")
    )


def _coord_check(lon: str, lat: str, crs: str) -> tuple[pl.Expr, pl.Expr]:
    column, reason = coordinate_problem(lon, lat, crs=crs)
    return column, reason


def _with_xy(frame: pl.DataFrame, lon: str, lat: str, *, crs: str) -> pl.DataFrame:
    """Add float lat/lon, projected x/y and has_location.

    police.uk coordinates are anonymised snap points, so a file holds far fewer
    distinct points than rows: each distinct pair is projected once and joined back
    (only the coordinate columns are joined, never the whole frame).
    """
    coords = (
        frame.lazy()
        .select(
            pl.col(lon).cast(pl.Float64, strict=False).alias("lon"),
            pl.col(lat).cast(pl.Float64, strict=False).alias("lat"),
        )
        .collect()
    )
    points = coords.drop_nulls().unique()
    lon_a = points["lon"].to_numpy().astype(np.float64, copy=False)
    lat_a = points["lat"].to_numpy().astype(np.float64, copy=False)
    x, y = project(lon_a, lat_a, crs=crs)
    points = points.with_columns(
        pl.Series("x", x).fill_nan(None), pl.Series("y", y).fill_nan(None)
    )
    located = coords.join(points, on=["lon", "lat"], how="left", maintain_order="left")
    return frame.with_columns(
        located["lon"],
        located["lat"],
        located["x"],
        located["y"],
        located["lat"].is_not_null().alias("has_location"),
    )


def _month_span(frame: pl.DataFrame, column: str) -> list[pl.Expr]:
    """occurred_from/to/time_precision of a ``YYYY-MM`` column (checked first).

    A file holds few distinct months, so each distinct value is converted once and
    mapped back (the same values as converting every row, several times faster).
    """

    def span(value: pl.Expr) -> list[pl.Expr]:
        start = (value.str.strip_chars() + "-01").str.to_datetime(
            "%Y-%m-%d", time_unit="us"
        )
        return [
            start.alias("occurred_from"),
            (start.dt.offset_by("1mo") - pl.duration(microseconds=1)).alias(
                "occurred_to"
            ),
        ]

    months = frame.get_column(column)
    if months.is_empty() or months.has_nulls():  # nulls fail the month check
        return [*span(pl.col(column)), pl.lit("month").alias("time_precision")]
    spans = months.unique().to_frame().with_columns(span(pl.col(column)))
    return [
        pl.col(column)
        .replace_strict(spans[column], spans[name], return_dtype=pl.Datetime("us"))
        .alias(name)
        for name in ("occurred_from", "occurred_to")
    ] + [pl.lit("month").alias("time_precision")]


def _street(
    frame: pl.DataFrame,
    header: Sequence[str],
    *,
    name: str,
    crs: str,
    keyer: ContentKeyer,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    good, problems = split_rows(
        frame,
        header,
        [_month_check("Month"), _coord_check("Longitude", "Latitude", crs)],
        target="incidents",
        failing=_month_failing(frame, "Month")
        | coordinate_failing("Longitude", "Latitude", crs=crs),
    )
    # only rows without a Crime ID need a content key (ordinal among equal rows)
    missing = good["Crime ID"].is_null()
    where = missing.arg_true()
    keys = pl.Series("_key", [], dtype=pl.String).extend_constant(None, good.height)
    if where.len():
        keys = keys.scatter(where, keyer.keys(good.filter(missing)))
    good = _with_xy(good.with_columns(keys), "Longitude", "Latitude", crs=crs)
    crime_id = _col(good, "Crime ID")
    span = _month_span(good, "Month")
    out = (
        good.lazy()
        .select(
            pl.coalesce(crime_id, pl.col("_key")).alias("incident_id"),
            pl.lit("policeuk").alias("source"),
            _col(good, "Falls within").alias("force"),
            _col(good, "Crime type").alias("crime_type"),
            *span,
            "lat",
            "lon",
            "x",
            "y",
            _col(good, "Location").alias("location"),
            _col(good, "LSOA code").alias("lsoa"),
            _col(good, "LSOA name").alias("lsoa_name"),
            _col(good, "Last outcome category").alias("outcome"),
            _col(good, "Context").alias("context"),
            crime_id.is_not_null().alias("has_source_id"),
            "has_location",
            pl.lit(name).alias("source_file"),
            pl.col(LINE_COL).alias("source_line"),
        )
        .collect()
    )
    return out, problems


def _outcomes(
    frame: pl.DataFrame, header: Sequence[str], *, name: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    good, problems = split_rows(
        frame,
        header,
        [
            (
                pl.lit("Crime ID"),
                pl.when(pl.col("Crime ID").is_null()).then(
                    pl.lit("no Crime ID: an outcome cannot be joined to a crime")
                ),
            ),
            _month_check("Month"),
            (
                pl.lit("Outcome type"),
                pl.when(pl.col("Outcome type").is_null()).then(
                    pl.lit("blank outcome type")
                ),
            ),
        ],
        target="outcomes",
        failing=pl.col("Crime ID").is_null()
        | _month_failing(frame, "Month")
        | pl.col("Outcome type").is_null(),
    )
    out = good.select(
        _col(good, "Crime ID").alias("incident_id"),
        (pl.col("Month").str.strip_chars() + "-01")
        .str.to_date("%Y-%m-%d")
        .alias("month"),
        _col(good, "Outcome type").alias("outcome"),
        _col(good, "Falls within").alias("force"),
        pl.lit(name).alias("source_file"),
        pl.col(LINE_COL).alias("source_line"),
    )
    return out, problems


def _parse_stop_time(column: str) -> pl.Expr:
    """ISO 8601 with offset (fractional seconds optional) -> naive Europe/London."""
    value = pl.col(column).str.strip_chars()
    with_tz = value.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us"
    )
    return with_tz.dt.convert_time_zone("Europe/London").dt.replace_time_zone(None)


def _bool_check(frame: pl.DataFrame, column: str) -> tuple[pl.Expr, pl.Expr]:
    if column not in frame.columns:
        return pl.lit(column), pl.lit(None, dtype=pl.String)
    value = pl.col(column).str.strip_chars().str.to_lowercase()
    bad = value.is_not_null() & ~value.is_in(list(_BOOL))
    return pl.lit(column), pl.when(bad).then(
        pl.lit("not true/false: ") + pl.col(column)
    )


def _as_bool(frame: pl.DataFrame, column: str) -> pl.Expr:
    if column not in frame.columns:
        return pl.lit(None, dtype=pl.Boolean)
    return (
        pl.col(column)
        .str.strip_chars()
        .str.to_lowercase()
        .replace_strict(_BOOL, default=None, return_dtype=pl.Boolean)
    )


def _ethnic_group(value: pl.Expr) -> pl.Expr:
    out: pl.Expr = (
        pl.when(value.is_null())
        .then(pl.lit(None, dtype=pl.String))
        .otherwise(pl.lit("Unknown"))
    )
    for prefix, group in reversed(_ETHNIC_PREFIX):
        out = pl.when(value.str.starts_with(prefix)).then(pl.lit(group)).otherwise(out)
    return out


def _stops(
    frame: pl.DataFrame,
    header: Sequence[str],
    *,
    name: str,
    force: str | None,
    crs: str,
    keyer: ContentKeyer | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    occurred = _parse_stop_time("Date")
    gender = _col(frame, "Gender")
    age = _col(frame, "Age range")
    checks = [
        (
            pl.lit("Date"),
            pl.when(occurred.is_null()).then(
                pl.lit("bad date (want ISO 8601 with offset): ")
                + pl.col("Date").fill_null("<blank>")
            ),
        ),
        _coord_check("Longitude", "Latitude", crs),
        (
            pl.lit("Gender"),
            pl.when(
                gender.is_not_null() & ~gender.str.to_lowercase().is_in(list(_SEX))
            ).then(pl.lit("unknown gender: ") + gender),
        ),
        (
            pl.lit("Age range"),
            pl.when(age.is_not_null() & ~age.is_in(list(AGE_RANGES))).then(
                pl.lit("unknown age range: ") + age
            ),
        ),
        _bool_check(frame, "Part of a policing operation"),
        _bool_check(frame, "Outcome linked to object of search"),
        _bool_check(frame, "Removal of more than just outer clothing"),
    ]
    good, problems = split_rows(frame, header, checks, target="stops")
    if keyer is None:
        keyer = ContentKeyer(header, prefix="pus-", salt=force or "")
    keys = keyer.keys(good)
    good = _with_xy(good, "Longitude", "Latitude", crs=crs)
    self_defined = _col(good, "Self-defined ethnicity")
    out = good.select(
        pl.lit(keys).alias("stop_id"),
        pl.lit("policeuk").alias("source"),
        pl.lit(force, dtype=pl.String).alias("force"),
        _parse_stop_time("Date").alias("occurred_at"),
        _col(good, "Type").alias("search_type"),
        "lat",
        "lon",
        "x",
        "y",
        "has_location",
        _as_bool(good, "Part of a policing operation").alias("part_of_operation"),
        _col(good, "Policing operation").alias("operation_name"),
        _col(good, "Legislation").alias("legislation"),
        _col(good, "Object of search").alias("object_of_search"),
        _col(good, "Outcome").alias("outcome"),
        _as_bool(good, "Outcome linked to object of search").alias("outcome_linked"),
        _as_bool(good, "Removal of more than just outer clothing").alias(
            "removal_outer_clothing"
        ),
        _col(good, "Age range").alias("age_range"),
        _col(good, "Gender")
        .str.to_lowercase()
        .replace_strict(_SEX, default=None, return_dtype=pl.String)
        .alias("sex"),
        _ethnic_group(self_defined).alias("ethnicity"),
        self_defined.alias("ethnicity_detail"),
        _ethnic_group(_col(good, "Officer-defined ethnicity")).alias(
            "officer_ethnicity"
        ),
        pl.lit(name).alias("source_file"),
        pl.col(LINE_COL).alias("source_line"),
    )
    return out, problems


def _reduced(
    frame: pl.DataFrame,
    header: Sequence[str],
    *,
    name: str,
    crs: str,
    keyer: ContentKeyer,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    kind = pl.col("type").str.strip_chars().str.to_lowercase()
    checks = [
        _month_check("month"),
        (
            pl.lit("type"),
            pl.when(~kind.is_in(list(REDUCED_CRIME_TYPES)).fill_null(True)).then(
                pl.lit("unknown category: ") + pl.col("type").fill_null("<blank>")
            ),
        ),
        _coord_check("longitude", "latitude", crs),
    ]
    good, problems = split_rows(
        frame,
        header,
        checks,
        target="incidents",
        failing=_month_failing(frame, "month")
        | ~kind.is_in(list(REDUCED_CRIME_TYPES)).fill_null(True)
        | coordinate_failing("longitude", "latitude", crs=crs),
    )
    keys = keyer.keys(good)
    good = _with_xy(good, "longitude", "latitude", crs=crs)
    out = good.select(
        pl.lit(keys).alias("incident_id"),
        pl.lit("policeuk-reduced").alias("source"),
        kind.replace_strict(REDUCED_CRIME_TYPES, return_dtype=pl.String).alias(
            "crime_type"
        ),
        *_month_span(good, "month"),
        "lat",
        "lon",
        "x",
        "y",
        _col(good, "location_type").alias("location"),
        pl.lit(False).alias("has_source_id"),
        "has_location",
        pl.lit(name).alias("source_file"),
        pl.col(LINE_COL).alias("source_line"),
    )
    return out, problems


def _parse_api_stops(
    data: bytes, *, name: str, basename: str, digest: str, crs: str
) -> Parsed:
    """police.uk API ``stops-force`` JSON: an array of objects; "line" = record number."""
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        why = f"not valid JSON: {err}"
        return Parsed(
            name,
            digest,
            UNKNOWN,
            0,
            problems=problems_frame([(0, None, why, None, "rejected", None)]),
        )
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        why = "not a police.uk API stop-and-search array of objects"
        return Parsed(
            name,
            digest,
            UNKNOWN,
            0,
            problems=problems_frame([(0, None, why, None, "rejected", None)]),
        )
    if not records:
        return Parsed(name, digest, API_STOPS, 0, {"stops": pl.DataFrame()})
    flat, odd = _api_columns(records)

    def text(col: str) -> pl.Expr:
        return pl.col(col)

    frame = (
        pl.DataFrame(flat, schema=dict.fromkeys(flat, pl.String()))
        .select(
            text("type").alias("Type"),
            text("datetime").alias("Date"),
            text("operation").str.to_titlecase().alias("Part of a policing operation"),
            text("operation_name").alias("Policing operation"),
            text("location.latitude").alias("Latitude"),
            text("location.longitude").alias("Longitude"),
            text("gender").alias("Gender"),
            text("age_range").alias("Age range"),
            text("self_defined_ethnicity").alias("Self-defined ethnicity"),
            text("officer_defined_ethnicity").alias("Officer-defined ethnicity"),
            text("legislation").alias("Legislation"),
            text("object_of_search").alias("Object of search"),
            text("outcome").alias("Outcome"),
            text("outcome_linked_to_object_of_search")
            .str.to_titlecase()
            .alias("Outcome linked to object of search"),
            text("removal_of_more_than_outer_clothing")
            .str.to_titlecase()
            .alias("Removal of more than just outer clothing"),
        )
        .with_columns(
            [
                pl.when(pl.col(c).str.strip_chars() == "")
                .then(None)
                .otherwise(pl.col(c))
                .alias(c)
                for c in _STOP_CSV_COLUMNS
            ]
        )
        .with_row_index(LINE_COL, offset=1)
        .with_columns(pl.col(LINE_COL).cast(pl.Int64))
    )
    odd_problems = pl.DataFrame(
        {
            "line": list(odd),
            "column": [c for c, _, _ in odd.values()],
            "reason": [why for _, why, _ in odd.values()],
            "raw": [raw for _, _, raw in odd.values()],
            "kind": ["rejected"] * len(odd),
            "target_table": ["stops"] * len(odd),
        },
        schema=PROBLEM_SCHEMA,
    )
    frame = frame.filter(
        ~pl.col(LINE_COL).is_in(pl.Series(list(odd), dtype=pl.Int64).implode())
    )
    out, problems = _stops(
        frame,
        list(_STOP_CSV_COLUMNS),
        name=name,
        force=force_from_name(basename),
        crs=crs,
    )
    out = out.with_columns(pl.lit("policeuk-api").alias("source"))
    problems = pl.concat([odd_problems, problems]).sort("line")
    return Parsed(name, digest, API_STOPS, len(records), {"stops": out}, problems)


#: the API fields read, flattened (``location.latitude``: a field of an object)
_API_FIELDS: Final = (
    "type",
    "datetime",
    "operation",
    "operation_name",
    "location.latitude",
    "location.longitude",
    "gender",
    "age_range",
    "self_defined_ethnicity",
    "officer_defined_ethnicity",
    "legislation",
    "object_of_search",
    "outcome",
    "outcome_linked_to_object_of_search",
    "removal_of_more_than_outer_clothing",
)


def _api_text(value: object) -> str | None:
    """A plain JSON value as text (``true`` -> ``True``), else ValueError."""
    if value is None or isinstance(value, str):
        if value is not None and "\x00" in value:
            msg = "NUL character (a database cannot store it)"
            raise ValueError(msg)
        if value is not None and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as err:  # a lone surrogate escape
                msg = f"not valid Unicode text ({err.reason})"
                raise ValueError(msg) from err
        return value
    if isinstance(value, bool | int | float):
        return str(value)
    msg = f"{type(value).__name__} where a plain value is expected"
    raise ValueError(msg)


def _api_columns(
    records: list[dict[str, object]],
) -> tuple[dict[str, list[str | None]], dict[int, tuple[str, str, str]]]:
    """The fields read of each record, as text, and the records that do not fit.

    JSON gives every value its own type: a ``location`` that is text in one record
    and an object in the next, or a list where a value belongs, would make a typed
    frame fail as a whole. Each record is checked on its own (the records are
    Python objects already, one pass): one that does not fit is quarantined
    (record number, field, reason, its JSON), the others load.
    """
    flat: dict[str, list[str | None]] = {f: [] for f in _API_FIELDS}
    odd: dict[int, tuple[str, str, str]] = {}
    for number, record in enumerate(records, start=1):
        values: list[str | None] = []
        for f in _API_FIELDS:
            outer, _, inner = f.partition(".")
            value = record.get(outer)
            try:
                if inner and value is not None:
                    if not isinstance(value, dict):
                        msg = f"{type(value).__name__} where an object is expected"
                        raise ValueError(msg)
                    value = value.get(inner)
                values.append(_api_text(value))
            except ValueError as err:
                raw = (
                    json.dumps(record, ensure_ascii=False, default=str)
                    .encode("utf-8", "backslashreplace")
                    .decode("utf-8")
                )
                odd[number] = (f, f"{f}: {err}", raw.replace("\x00", "\ufffd"))
                break
        else:
            for f, v in zip(_API_FIELDS, values, strict=True):
                flat[f].append(v)
            continue
        for f in _API_FIELDS:  # keep the record numbers aligned: an empty row
            flat[f].append(None)
    return flat, odd
