"""The avert record bundle, format v1 (``FORMATS.md``; documented in ``docs/bundle.md``).

A bundle is a folder or a zip holding ``manifest.json`` and one file per table, CSV
(``incidents.csv``) or Parquet (``incidents.parquet``). Whole-bundle problems (no
manifest, unknown format or version, no incidents file, a required column missing,
a table given twice) raise :class:`~avert.errors.IngestError`; row problems (missing
required value, wrong type, value outside an enumeration, bad coordinates, dangling
reference) send the row to quarantine. For Parquet files, ``line`` is the 1-based
row number.

File names are matched case-insensitively (``involvements.CSV`` is the involvements
table). Every other file the bundle holds, in its top folder or any sub-folder, is
listed as skipped (reported, never read). A table file over a limit
(:class:`~avert.ingest.limits.Limits`) or one that cannot be parsed at all is refused
and reported, and the other tables load.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Final, Literal

import numpy as np
import polars as pl

from avert.config.timezone import (
    DEFAULT_TIMEZONE,
    ISO_DATETIME_FORMATS,
    local_datetime_expr,
)
from avert.errors import ConfigError, IngestError
from avert.ingest._csv import LINE_COL, CsvTable, encoding_note, open_text, read_csv
from avert.ingest._rows import Check, join_text, rejected_lines, split_rows
from avert.ingest.geo import (
    check_crs,
    coordinate_failing,
    coordinate_problem,
    from_crs,
    project,
    xy_disagreement,
    xy_failing,
    xy_problem,
)
from avert.ingest.keys import is_id_column
from avert.ingest.limits import DEFAULT_LIMITS, Limits, Refused
from avert.ingest.result import (
    Parsed,
    Reference,
    join_notes,
    refused,
    refused_before_first,
)
from avert.ingest.sources import (
    SourceFile,
    _Archive,
    _member_refusal,
    _refused_file,
    _walk,
    sha256_hex,
    unpack_member,
)
from avert.schema import (
    BUNDLE_FORMAT,
    HATE_STRANDS,
    BundleColType,
)

__all__ = [
    "BUNDLE_COLUMNS",
    "EARLIEST_YEAR",
    "FORMAT",
    "LATEST_YEAR",
    "PART_LINES",
    "REFERENCES",
    "STREAM_MIN_BYTES",
    "VERSION",
    "Bundle",
    "open_bundle",
    "parse_bundle_table",
]

FORMAT: Final = "avert-bundle"
VERSION: Final = 1
#: physical lines per part of a big CSV table file (peak memory of a load)
PART_LINES = 1_000_000
#: a CSV table file (or zip member) at least this big is read part by part from disk
STREAM_MIN_BYTES = 32 << 20

#: An incident dated before this year is quarantined: a mistyped year (New York's
#: complaints include dates in 1010-1019), never a record, and one such row would
#: stretch a forecast's history over centuries (docs/formats.md).
EARLIEST_YEAR: Final = 1900
#: An incident dated in or after this year is quarantined too: epoch milliseconds
#: read as seconds (``time_format = '%s'``) give years near 55,000, which loaded and
#: then stopped `avert forecast` and every command that reads the store's dates with
#: "year 54971 is out of range" (Python's dates end in 9999).
LATEST_YEAR: Final = 2200
#: Tables in load order (referenced tables first) and their columns (FORMATS.md).
BUNDLE_COLUMNS: Final = BUNDLE_FORMAT
#: table -> its references (FORMATS.md): rows with a dangling reference are rejected
#: (but see :meth:`Bundle.references`: a bundle without the referenced table's file).
REFERENCES: Final[dict[str, list[Reference]]] = {
    "involvements": [
        Reference("incident_id", "incidents"),
        Reference("person_id", "people"),
    ],
    "relationships": [
        Reference("person_a", "people"),
        Reference("person_b", "people"),
    ],
    "group_members": [
        Reference("group_id", "groups"),
        Reference("person_id", "people"),
    ],
    "asb": [Reference("caller_id", "people")],
    "stops": [Reference("person_id", "people")],
    # a group subject is not checked: intelligence may name a group that is not
    # (yet) declared in groups (the synthetic city writes such reports)
    "intelligence": [
        Reference("subject_id", "people", where=("subject_type", "person")),
    ],
    # DASH assessments (an avert extension, docs/bundle.md): the victim and the
    # incident that prompted the assessment
    "dash": [Reference("person_id", "people"), Reference("incident_id", "incidents")],
}
_RENAME: Final = {"incidents": {"occurred_at": "occurred_from"}}
_HAS_SOURCE: Final = {
    "incidents",
    "people",
    "relationships",
    "groups",
    "asb",
    "stops",
    "attendances",
    "intelligence",
    "dash",
}


@dataclass(frozen=True)
class _Target:
    """How a table's rows are mapped (the same for every part of a table).

    The bundle's CRS and source tag, and the load's CRS and time zone.
    """

    bundle_crs: str
    source: str
    crs: str
    timezone: str
    #: whether the manifest names ``bundle_crs`` (else it is a default no x/y is
    #: read in: FORMATS.md makes the manifest's crs name their projection)
    bundle_crs_named: bool = True


@dataclass
class Bundle:
    """An opened bundle: manifest, one source file per table, skipped names."""

    path: str
    manifest: dict[str, object]
    files: dict[str, SourceFile]
    skipped: list[str] = field(default_factory=list)
    limits: Limits = DEFAULT_LIMITS

    @property
    def crs(self) -> str:
        """CRS of the bundle's x/y columns."""
        return str(self.manifest.get("crs") or "EPSG:27700")

    @property
    def source(self) -> str:
        """The manifest's source text."""
        return str(self.manifest.get("source") or "bundle")

    def units(
        self, *, crs: str = "EPSG:27700", timezone: str = DEFAULT_TIMEZONE
    ) -> list[Callable[[], Iterable[Parsed]]]:
        """One parse step per table present, in load order (referenced tables first).

        Each step gives the table's parts: one for most files; a big CSV file comes
        part by part (:func:`parse_table_parts`), so the memory of a load is
        bounded by the part size, not by the size of a table.
        """

        def unit(table: str) -> Callable[[], Iterable[Parsed]]:
            src = self.files[table]
            return lambda: parse_table_parts(
                src,
                table,
                bundle_crs=self.crs if self.manifest.get("crs") else None,
                source=self.source,
                crs=crs,
                timezone=timezone,
                limits=self.limits,
            )

        def refused_unit(src: SourceFile) -> Callable[[], Iterable[Parsed]]:
            return lambda: [refused(src.name, src.refusal or Refused(src.name))]

        refused_units = [
            refused_unit(src)
            for key, src in self.files.items()
            if key.startswith("refused:")
        ]
        return [unit(t) for t in BUNDLE_COLUMNS if t in self.files] + refused_units

    def references(self) -> dict[str, list[Reference]]:
        """:data:`REFERENCES`, each to a table the bundle has no file for implied.

        FORMATS.md makes every file but incidents optional, so a bundle without a
        people (groups) file still names people (groups) in its involvements,
        relationships, memberships, callers, stops and intelligence: those rows
        load, and each person or group named is stored with its id alone (and the
        manifest's source). With the file given (even one refused as a whole), a
        name it does not hold is a dangling reference and its row is rejected, as
        before.
        """
        given = self._tables_given()
        return {
            table: [
                r._replace(implied=None if r.table in given else self.source)
                for r in rules
            ]
            for table, rules in REFERENCES.items()
        }

    def _tables_given(self) -> set[str]:
        """The tables the bundle has a file for, read or refused: a file refused in
        a folder (a link out of it) is kept under ``refused:/<name>``, not its table."""
        refused = (
            k.removeprefix("refused:/").lower().rpartition(".")
            for k in self.files
            if k.startswith("refused:/")
        )
        return {t for t in self.files if t in BUNDLE_COLUMNS} | {
            stem
            for stem, _, ext in refused
            if stem in BUNDLE_COLUMNS and ext in ("csv", "parquet")
        }

    def unit_sources(self) -> list[SourceFile]:
        """The file of each of :meth:`units`, in the same order."""
        return [self.files[t] for t in BUNDLE_COLUMNS if t in self.files] + [
            src for key, src in self.files.items() if key.startswith("refused:")
        ]


def parse_table_parts(
    src: SourceFile,
    table: str,
    *,
    bundle_crs: str | None = "EPSG:27700",
    source: str = "bundle",
    crs: str = "EPSG:27700",
    timezone: str = DEFAULT_TIMEZONE,
    limits: Limits = DEFAULT_LIMITS,
    part_lines: int | None = None,
) -> Iterator[Parsed]:
    """Parse one bundle table file as consecutive parts (one for most files).

    A CSV file (or zip member, unpacked to a private temporary file first) of at
    least :data:`STREAM_MIN_BYTES` is streamed once (digest, line scan; blank lines
    dropped on the way, :func:`~avert.ingest._csv.open_text`) and read from disk
    part by part of ``part_lines`` lines, each part checked and mapped alone:
    together the parts hold exactly the rows, problems and line numbers of the
    whole file read at once (a quoted field that may span lines, or a file that is
    not UTF-8, is read whole). Each part carries the whole file's digest; its
    ``rows`` are the rows of that part. ``bundle_crs`` None: the manifest names
    none, so x/y are not read (:func:`_checks`).

    A Parquet table is read in slices of ``part_lines`` rows the same way (a few
    KB of Parquet may hold millions of rows).

    A file refused or unparseable as a whole is one refused part (reported, the
    other tables load); a bad bundle (a required column missing) is an error. A
    failure after a part was handed on is raised: only the load's rollback undoes
    what was written.
    """
    parts = _table_parts(
        src,
        table,
        _Target(bundle_crs or "EPSG:27700", source, crs, timezone, bool(bundle_crs)),
        limits=limits,
        part_lines=PART_LINES if part_lines is None else part_lines,
    )
    # a bad bundle (IngestError) stops the load; a refusal or a parser failure (or
    # a Polars panic) before the first part is this table's refused part
    yield from refused_before_first(
        parts, src.name, target=table, raising=(IngestError,)
    )


def _table_parts(
    src: SourceFile, table: str, target: _Target, *, limits: Limits, part_lines: int
) -> Iterator[Parsed]:
    parquet = src.basename.lower().endswith(".parquet")
    if src.refusal is not None:
        raise src.refusal
    if parquet:
        yield from _parquet_parts(
            src, table, target, limits=limits, part_lines=part_lines
        )
        return
    with ExitStack() as stack:
        path = src.path
        if (
            not parquet
            and path is None
            and src.opener is not None
            and src.size >= STREAM_MIN_BYTES
        ):
            path = unpack_member(src, stack, limits)
        if not parquet and path is not None:
            size = path.stat().st_size
            too_big = limits.file_too_big(size, src.name)
            if too_big is not None:
                raise too_big
            if size >= STREAM_MIN_BYTES:
                try:
                    fh = stack.enter_context(path.open("rb", buffering=0))
                    text = open_text(fh, name=src.name, limits=limits, stack=stack)
                except OSError as err:
                    msg = f"Cannot read {src.name}: {err}"
                    raise IngestError(msg) from err
                parts = text.parts(
                    part_lines=part_lines, first_part_lines=part_lines // 4
                )
                clock: _Clock = {}
                for csv in [text.read_whole()] if parts is None else parts:
                    yield _map_table(
                        csv,
                        table,
                        name=src.name,
                        digest=text.digest,
                        target=target,
                        clock=clock,
                    )
                    del csv  # only the mapped part stays alive while it is written
                yield from _clock_part(
                    clock,
                    table,
                    name=src.name,
                    digest=text.digest,
                    zone=target.timezone,
                )
                return
        yield _parse_table(
            src.read_bytes(limits),
            table,
            name=src.name,
            parquet=parquet,
            target=target,
            limits=limits,
        )


def _read_manifest(data: bytes, where: str) -> dict[str, object]:
    try:
        manifest = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"{where}: manifest.json is not valid JSON: {err}"
        raise IngestError(msg) from err
    if not isinstance(manifest, dict):
        msg = f"{where}: manifest.json must be a JSON object"
        raise IngestError(msg)
    for key, want in (("format", FORMAT), ("version", VERSION)):
        if key not in manifest:  # not "format is None": the key is not there at all
            shown = json.dumps({key: want})[1:-1]  # as FORMATS.md writes it: JSON
            msg = f'{where}: manifest.json has no "{key}" (FORMATS.md: {shown})'
            raise IngestError(msg)
    if manifest.get("format") != FORMAT:
        msg = (
            f"{where}: manifest format is {manifest.get('format')!r}, "
            f"expected {FORMAT!r}"
        )
        raise IngestError(msg)
    version = manifest.get("version")
    # JSON true equals 1 to Python: not a version (1.0 is the number 1, and is)
    if isinstance(version, bool) or version != VERSION:
        msg = (
            f"{where}: unknown bundle version {manifest.get('version')!r}; "
            f"this avert reads version {VERSION}"
        )
        raise IngestError(msg)
    crs = manifest.get("crs")
    if crs:  # a CRS no table could be projected from: not a load of half the bundle
        try:
            check_crs(str(crs))
        except ConfigError as err:
            msg = (
                f"{where}: manifest crs {crs!r} is not a coordinate reference system "
                f"avert knows ({err}); name the projection of the x/y columns, e.g. "
                "'EPSG:27700'"
            )
            raise IngestError(msg) from err
    return manifest


def open_bundle(
    path: str | Path, *, limits: Limits = DEFAULT_LIMITS, follow_links: bool = False
) -> Bundle:
    """Open a bundle folder or zip and check its manifest.

    Raises
    ------
    IngestError
        No such path, no ``manifest.json``, wrong format or version, no incidents
        file, or a table given both as CSV and Parquet.
    """
    path = Path(path)
    names: dict[str, SourceFile] = {}  # top-level file names -> file
    skipped: list[str] = []
    if path.is_dir():
        for child, why in _walk(path, follow_links=follow_links):
            rel = child.relative_to(path).as_posix()
            if why is not None:
                names.setdefault(
                    "/" + rel, _refused_file(str(child), Refused(why))
                )  # never a table name: reported as refused below
            elif "/" in rel:
                skipped.append(str(child))
            else:
                names[rel] = SourceFile(
                    f"{path}/{rel}", rel, child.read_bytes, path=child
                )
    elif path.is_file() and zipfile.is_zipfile(path):
        archive = _Archive(str(path), path)
        try:
            infos = [i for i in archive.open().infolist() if not i.is_dir()]
        except (OSError, zipfile.BadZipFile, EOFError) as err:
            msg = f"Cannot open zip {path}: {err}"
            raise IngestError(msg) from err
        members = [i.filename for i in infos]
        prefix = ""
        if not any(m.lower() == "manifest.json" for m in members):
            tops = [
                m for m in members if PurePosixPath(m).name.lower() == "manifest.json"
            ]
            if len(tops) == 1:
                prefix = tops[0][: -len("manifest.json")]
        total = 0
        for info in sorted(infos, key=lambda i: i.filename):
            m = info.filename
            rel = m[len(prefix) :]
            if not m.startswith(prefix) or "/" in rel:
                skipped.append(f"{path}!{m}")
                continue
            shown = f"{path}/{rel}"
            refusal = _member_refusal(info, shown, limits, total)
            if refusal is not None:
                names[rel] = _refused_file(shown, refusal)
                continue
            total += info.file_size
            names[rel] = SourceFile(
                shown,
                rel,
                archive.reader(m),
                opener=archive.opener(m),
                size=info.file_size,
            )
    elif path.exists():
        msg = f"{path} is neither a folder nor a zip: a bundle is one of these"
        raise IngestError(msg)
    else:
        msg = f"No such bundle: {path}"
        raise IngestError(msg)
    manifest_name = next((n for n in names if n.lower() == "manifest.json"), None)
    if manifest_name is None:
        msg = f"{path}: missing manifest.json (a bundle needs one; see docs/bundle.md)"
        raise IngestError(msg)
    manifest = _read_manifest(names[manifest_name].read_bytes(limits), str(path))
    files: dict[str, SourceFile] = {}
    for name, src in names.items():
        if name == manifest_name:
            continue
        stem, _, ext = name.lower().rpartition(".")
        if stem in BUNDLE_COLUMNS and ext in ("csv", "parquet"):
            if stem in files:
                msg = (
                    f"{path}: table {stem} given twice ({files[stem].basename}, {name})"
                )
                raise IngestError(msg)
            files[stem] = src
        elif src.refusal is not None:
            files[f"refused:{name}"] = src
        else:
            skipped.append(src.name)
    if "incidents" not in files:
        msg = f"{path}: no incidents.csv or incidents.parquet (required)"
        raise IngestError(msg)
    return Bundle(str(path), manifest, files, sorted(skipped), limits)


def _to_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Every column of a Parquet table as text, as a CSV cell would hold it.

    Raises
    ------
    Refused
        A column of lists or arrays: a bundle cell holds one value (FORMATS.md) and
        a list has no text form, so the file is refused naming the column (a
        struct is cast to Polars' text of it, ``{"x",2}``).
    """
    exprs = []
    for name, dtype in frame.schema.items():
        if dtype == pl.String:
            continue
        if isinstance(dtype, pl.List | pl.Array):
            msg = (
                f"column {name!r} holds lists ({dtype}), but a bundle cell holds one "
                "value (FORMATS.md): write it as text (a hate column as "
                "'race;religion')"
            )
            raise Refused(msg)
        if dtype == pl.Boolean:
            exprs.append(pl.col(name).cast(pl.String).str.to_lowercase())
        else:
            exprs.append(pl.col(name).cast(pl.String))
    return frame.with_columns(exprs) if exprs else frame


#: ISO 8601 basic-format dates and date-times (``20240103``, ``20240103T1420``,
#: ``20240103T142000Z``, ``20240103T142000+0100``) and seconds with a decimal comma
#: (``14:20:00,5``), and the extended form (decimal point) each is
#: rewritten to: FORMATS.md asks for "ISO 8601", which has both forms, and the
#: parsers read the extended one. Only a value basic throughout is rewritten (ISO
#: 8601 does not mix the forms: ``2024-01-03T1420`` stays unread).
_BASIC_FORMS: Final = (
    # a decimal comma in the seconds (ISO 8601 allows it, and prefers it): a point
    (
        r"^(\d[0-9-]*[T ][0-9:]*\d{2}),(\d+)([Zz]|[+-]\d{2}(?::?\d{2})?)?$",
        "${1}.${2}${3}",
    ),
    (
        r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\.\d+)?([Zz]|[+-]\d{2}(?:\d{2})?)?$",
        "${1}-${2}-${3}T${4}:${5}:${6}${7}${8}",
    ),
    (
        r"^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})([Zz]|[+-]\d{2}(?:\d{2})?)?$",
        "${1}-${2}-${3}T${4}:${5}${6}",
    ),
    (r"^(\d{4})(\d{2})(\d{2})$", "${1}-${2}-${3}"),
)
#: the date-time forms read, as a reason names them (docs/bundle.md)
_DATETIME_FORMS: Final = (
    "ISO 8601: 2024-01-03T14:20[:00[.5]] or 20240103T1420[00], optionally with Z, "
    "+01, +0100 or +01:00; or a date alone, 2024-01-03 or 20240103"
)


def _extended(value: pl.Expr) -> pl.Expr:
    """``value`` (stripped text) with a basic-format ISO 8601 date or date-time
    rewritten to the extended form (:data:`_BASIC_FORMS`); any other text as given."""
    for pattern, extended in _BASIC_FORMS:
        value = value.str.replace(pattern, extended)
    return value


def _iso_column(col: str) -> str:
    """The hidden column holding ``col``'s text in the extended form (checks and
    mapping only, never stored)."""
    return f"_iso_{col}"


def _iso_texts(frame: pl.DataFrame, table: str) -> list[pl.Expr]:
    """Each date and date-time column's stripped text in the extended form
    (:func:`_extended`), as its hidden column (:func:`_iso_column`).

    Rewritten once per table: :func:`_parse` reads a date-time's text several times
    over (each format, the offset), and the rewrite inlined there was run for each
    (parsing 1 M date-times took 11 s instead of 2 s).
    """
    return [
        _extended(pl.col(c).str.strip_chars()).alias(_iso_column(c))
        for c, kind, _ in BUNDLE_COLUMNS[table]
        if kind in ("date", "datetime") and c in frame.columns
    ]


def _parse(col: str, kind: BundleColType, timezone: str = DEFAULT_TIMEZONE) -> pl.Expr:
    """Typed value of a text column (null where it does not parse).

    Date-times with an offset or ``Z`` are converted to local time in ``timezone``;
    those without are local already (:mod:`avert.config.timezone`). Dates and
    date-times may be given in ISO 8601's basic form too: they are read from their
    hidden column in the extended form (:func:`_iso_texts`), which the frame must
    hold.
    """
    value = pl.col(col).str.strip_chars()
    if kind in ("datetime", "date"):  # read from the table's hidden column
        value = pl.col(_iso_column(col))
    if kind == "float":
        return value.cast(pl.Float64, strict=False)
    if kind == "int":  # 32-bit, as the store's integer columns (birth_year)
        # "1990.0" too: pandas writes an int column with a gap as floats (CSV and
        # Parquet alike); a whole number with a point and zeros is that number
        whole = value.str.replace(r"^([+-]?\d+)\.0*$", "${1}")
        return whole.cast(pl.Int32, strict=False)
    if kind == "bool":
        return value.str.to_lowercase().replace_strict(
            {"true": True, "false": False}, default=None, return_dtype=pl.Boolean
        )
    if kind == "datetime":
        return local_datetime_expr(value, timezone, ISO_DATETIME_FORMATS)
    if kind == "date":  # a date, or the date of a whole date-time: nothing else
        day = value.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        whole = (value.str.len_chars() == 10) | local_datetime_expr(
            value, timezone, ISO_DATETIME_FORMATS
        ).is_not_null()
        return pl.when(whole).then(day)
    return value


class _Checks:
    """A table's row checks, and a cheap test of the rows some check may fail.

    A check's reason is text built by Polars for every row before it is masked to
    the failing ones (``when(...).then(text)`` evaluates both sides); on a table of
    millions of rows that is a text column per check, seconds and hundreds of MiB.
    ``failing`` ORs the conditions alone, so :func:`split_rows` builds the reasons
    of the few rows it flags only.
    """

    def __init__(self) -> None:
        self.checks: list[Check] = []
        self.conditions: list[pl.Expr] = []

    def add(self, column: str | pl.Expr, when: pl.Expr, then: pl.Expr) -> None:
        """Reason ``then`` in ``column`` for rows where ``when`` is true."""
        name = pl.lit(column) if isinstance(column, str) else column
        self.checks.append((name, pl.when(when).then(then)))
        self.conditions.append(when)

    def extend(self, checks: list[Check], failing: pl.Expr | None = None) -> None:
        """Checks built elsewhere, with their own cheap test (else their reasons)."""
        self.checks += checks
        if failing is None:
            self.conditions += [why.is_not_null() for _, why in checks]
        else:
            self.conditions.append(failing)

    @property
    def failing(self) -> pl.Expr:
        """True on every row some check fails on (null counts as false)."""
        if not self.conditions:
            return pl.lit(False)
        return pl.any_horizontal(c.fill_null(False) for c in self.conditions)


def _checks(
    frame: pl.DataFrame,
    table: str,
    crs: str,
    bundle_crs: str,
    out: _Checks | None = None,
    *,
    timezone: str = DEFAULT_TIMEZONE,
    bundle_crs_named: bool = True,
) -> _Checks:
    """The row checks of ``table``, added after those already in ``out``.

    Without ``bundle_crs_named`` the projection of x/y is unknown: a row placed by
    x/y alone is rejected, and a row's x/y are not compared with its lat/lon.
    """
    out = _Checks() if out is None else out
    for name, kind, required in BUNDLE_COLUMNS[table]:
        if name in frame.columns:
            _add_value_checks(out, name, kind, required=required)
    _add_place_checks(
        out, frame, crs=crs, bundle_crs=bundle_crs, bundle_crs_named=bundle_crs_named
    )
    if table == "intelligence" and _PLACE_LAT in frame.columns:
        out.extend(_place_subject_checks(crs))
    if table == "relationships" and {"valid_from", "valid_to"} <= set(frame.columns):
        _add_period_check(out)
    if table == "incidents":
        _add_incident_checks(out, frame, timezone=timezone)
    return out


def _given(frame: pl.DataFrame, column: str) -> pl.Expr:
    """True where ``column`` holds more than spaces (false when it is absent)."""
    if column not in frame.columns:
        return pl.lit(False)
    return pl.col(column).str.strip_chars().fill_null("") != ""


def _add_value_checks(
    out: _Checks, name: str, kind: BundleColType, *, required: bool
) -> None:
    """One column's own checks: a required value given, and a given value of its
    kind (one of its values, ';'-separated hate strands, or a parsed type)."""
    raw = pl.col(name)
    present = raw.str.strip_chars().fill_null("") != ""
    if required:
        out.add(name, ~present, pl.lit("required value missing"))
    if isinstance(kind, tuple):
        ok = raw.str.strip_chars().is_in(list(kind))
        out.add(
            name, present & ~ok, join_text("not one of ", "|".join(kind), ": ", raw)
        )
    elif kind == "hate":
        parts = raw.str.split(";").list.eval(pl.element().str.strip_chars())
        ok = parts.list.eval(pl.element().is_in(list(HATE_STRANDS))).list.all()
        out.add(
            name,
            present & ~ok,
            join_text(
                "not ';'-separated strands of ", "|".join(HATE_STRANDS), ": ", raw
            ),
        )
    elif kind != "str":
        forms = f" ({_DATETIME_FORMS})" if kind == "datetime" else ""
        out.add(
            name,
            present & _parse(name, kind).is_null(),
            join_text("not a ", kind, ": ", raw, forms),
        )


def _add_place_checks(
    out: _Checks,
    frame: pl.DataFrame,
    *,
    crs: str,
    bundle_crs: str,
    bundle_crs_named: bool,
) -> None:
    """The checks of a row's place: lat/lon, half an x/y pair, x/y (used when no
    lat/lon is given), x/y of an unknown projection, and lat/lon and x/y that name
    two places."""
    has_latlon = "lat" in frame.columns and "lon" in frame.columns
    if has_latlon:
        out.extend(
            [coordinate_problem("lon", "lat", crs=crs)],
            coordinate_failing("lon", "lat", crs=crs),
        )
    out.extend(_half_xy_checks(frame))
    if "x" not in frame.columns or "y" not in frame.columns:
        return
    no_latlon = (
        (pl.col("lat").str.strip_chars().fill_null("") == "")
        & (pl.col("lon").str.strip_chars().fill_null("") == "")
        if has_latlon
        else pl.lit(True)
    )
    out.extend(
        [xy_problem("x", "y", source_crs=bundle_crs, crs=crs, used=no_latlon)],
        xy_failing("x", "y", source_crs=bundle_crs, crs=crs, used=no_latlon),
    )
    if not bundle_crs_named:
        out.add(
            "x",
            no_latlon
            & (pl.col("x").str.strip_chars().fill_null("") != "")
            & (pl.col("y").str.strip_chars().fill_null("") != ""),
            pl.lit(
                "x/y given without lat/lon, and manifest.json names no crs: "
                'their projection is unknown (add e.g. "crs": "EPSG:27700")'
            ),
        )
    elif has_latlon:  # both pairs given: they must name one place
        disagree, failing = xy_disagreement(
            "lon", "lat", "x", "y", source_crs=bundle_crs, crs=crs
        )
        out.extend([disagree], failing)


def _add_period_check(out: _Checks) -> None:
    """A relationship's period that ends before it begins is never current: families
    as of a date would drop the tie unseen (a swapped pair of dates, most likely)."""
    out.add(
        "valid_to",
        _parse("valid_to", "date") < _parse("valid_from", "date"),
        join_text(
            "valid_to ",
            pl.col("valid_to").str.strip_chars(),
            " is before valid_from ",
            pl.col("valid_from").str.strip_chars(),
        ),
    )


def _add_incident_checks(out: _Checks, frame: pl.DataFrame, *, timezone: str) -> None:
    """An incident's own checks: an offence, a location, a window that does not end
    before it starts, and a year from :data:`EARLIEST_YEAR` to before
    :data:`LATEST_YEAR`."""
    out.add(
        "offence_code",
        ~_given(frame, "offence_code") & ~_given(frame, "crime_type"),
        pl.lit("neither offence_code nor crime_type given"),
    )
    out.add(
        "lat",
        ~(_given(frame, "lat") & _given(frame, "lon"))
        & ~(_given(frame, "x") & _given(frame, "y")),
        pl.lit("no location: give lat/lon or x/y"),
    )
    if "occurred_to" in frame.columns:
        # FORMATS.md: occurred_at is the start, occurred_to the end of the
        # window; an end before its start is a swapped or mistyped pair, and
        # stored it gives a window of negative length
        out.add(
            "occurred_to",
            _ends_before_start("occurred_at", "occurred_to", timezone),
            join_text(
                "occurred_to ",
                pl.col("occurred_to").str.strip_chars(),
                " is before occurred_at ",
                pl.col("occurred_at").str.strip_chars(),
            ),
        )
    if "occurred_at" in frame.columns:
        year = _parse("occurred_at", "datetime").dt.year()
        out.add(
            "occurred_at",
            year < EARLIEST_YEAR,
            join_text(
                f"time before {EARLIEST_YEAR} (a mistyped year?): ",
                pl.col("occurred_at"),
            ),
        )
        out.add(
            "occurred_at",
            year >= LATEST_YEAR,
            join_text(
                f"time after {LATEST_YEAR - 1} (a mistyped year, or epoch "
                "milliseconds read as seconds?): ",
                pl.col("occurred_at"),
            ),
        )


def _half_xy_checks(frame: pl.DataFrame) -> list[Check]:
    """Half an x/y pair (one given, the other blank or its column absent), named
    by the missing half, as half a lat/lon pair is (:func:`coordinate_problem`).

    FORMATS.md gives a place as a pair; one number alone is no place. A row with
    lat/lon too loaded placed by them, its lone x dropped unread (never compared
    with them), and an asb or stop row with x alone loaded with no place at all.
    """
    if "x" not in frame.columns and "y" not in frame.columns:
        return []
    return [
        (
            pl.lit("y"),
            pl.when(_given(frame, "x") & ~_given(frame, "y")).then(
                pl.lit("y missing but x given")
            ),
        ),
        (
            pl.lit("x"),
            pl.when(_given(frame, "y") & ~_given(frame, "x")).then(
                pl.lit("x missing but y given")
            ),
        ),
    ]


def _ends_before_start(start: str, end: str, timezone: str) -> pl.Expr:
    """True where the date-time ``end`` is surely before ``start``.

    Both are parsed to local wall-clock times (:func:`_parse`) and compared as
    instants of ``timezone``. An hour that repeats when clocks go back is read to
    the row's benefit: the start as its earlier instant, the end as its later one,
    so a window across the change (01:50 BST to 01:10 GMT, given with offsets:
    local 01:50 to 01:10) is kept; a local time the clocks skip is never flagged.
    A date alone is its midnight, as an ``occurred_at`` date is and as it would be
    stored: ``2024-01-03T22:00`` to ``2024-01-03`` is flagged (stored, the window
    would run back 22 hours).
    """

    def instant(col: str, ambiguous: Literal["earliest", "latest"]) -> pl.Expr:
        return _parse(col, "datetime", timezone).dt.replace_time_zone(
            timezone, ambiguous=ambiguous, non_existent="null"
        )

    return instant(end, "latest") < instant(start, "earliest")


#: a place subject's latitude and longitude, as text (checks only, never stored)
_PLACE_LAT: Final = "_place_lat"
_PLACE_LON: Final = "_place_lon"


def _is_place() -> pl.Expr:
    return pl.col("subject_type").str.strip_chars() == "place"


def _place_parts() -> list[pl.Expr]:
    """An intelligence place subject (``lat,lon``) split into its two numbers'
    text (null unless the row is a place with exactly two comma-separated parts)."""
    parts = pl.col("subject_id").str.strip_chars().str.split(",")
    pair = _is_place() & (parts.list.len() == 2)
    return [
        pl.when(pair).then(parts.list.get(0).str.strip_chars()).alias(_PLACE_LAT),
        pl.when(pair).then(parts.list.get(1).str.strip_chars()).alias(_PLACE_LON),
    ]


def _place_subject_checks(crs: str) -> list[Check]:
    """An intelligence row whose subject is a place must give it as ``lat,lon``
    (FORMATS.md), a WGS84 pair passing the same checks as every other place
    (range, null island, the area of the store's CRS)."""
    subject = pl.col("subject_id")
    given = subject.str.strip_chars().fill_null("") != ""
    pair_given = (pl.col(_PLACE_LAT).fill_null("") != "") & (
        pl.col(_PLACE_LON).fill_null("") != ""
    )
    _, why = coordinate_problem(_PLACE_LON, _PLACE_LAT, crs=crs)
    return [
        (
            pl.lit("subject_id"),
            pl.when(_is_place() & given & ~pair_given).then(
                join_text("a place subject_id must be 'lat,lon' (WGS84): ", subject)
            ),
        ),
        (
            pl.lit("subject_id"),
            pl.when(_is_place() & pair_given).then(
                join_text("place subject_id ", subject, ": ", why)
            ),
        ),
    ]


def _locate(frame: pl.DataFrame, *, bundle_crs: str, crs: str) -> pl.DataFrame:
    """Fill lat/lon and x/y (settings CRS) from whichever pair the bundle gives."""

    def floats(c: str) -> np.ndarray:  # type: ignore[type-arg, unused-ignore]
        if c not in frame.columns:
            return np.full(frame.height, np.nan)
        return (
            frame.select(_parse(c, "float")).to_series().to_numpy().astype(np.float64)
        )

    lat, lon, bx, by = floats("lat"), floats("lon"), floats("x"), floats("y")
    need = np.isnan(lat) & ~np.isnan(bx) & ~np.isnan(by)
    if need.any():
        glon, glat = from_crs(bx[need], by[need], source_crs=bundle_crs)
        lon[need], lat[need] = glon, glat
    x, y = project(lon, lat, crs=crs)
    same = need & (bundle_crs.upper() == crs.upper())
    x[same], y[same] = bx[same], by[same]
    return frame.with_columns(
        pl.Series("lat", lat).fill_nan(None),
        pl.Series("lon", lon).fill_nan(None),
        pl.Series("x", x).fill_nan(None),
        pl.Series("y", y).fill_nan(None),
        pl.Series("has_location", ~np.isnan(lat)),
    )


def _extra_columns(header: list[str], table: str) -> list[str]:
    """The header's columns that the format does not name for ``table``."""
    known = {c for c, _, _ in BUNDLE_COLUMNS[table]}
    return [c for c in header if c and c not in known and c != LINE_COL]


def _misspelt_columns(header: list[str], table: str) -> dict[str, str]:
    """The header's columns the format does not name whose name, in lower case
    and without spaces around it, is a format column the header lacks
    (``Domestic`` for ``domestic``), each with that format column."""
    known = {c for c, _, _ in BUNDLE_COLUMNS[table]}
    present = set(header)
    out = {}
    for c in _extra_columns(header, table):
        want = c.strip().lower()
        if want in known and want not in present:
            out[c] = want
    return out


def _missing_message(
    name: str, missing: list[str], header: list[str], table: str
) -> str:
    """Why a file whose header lacks ``missing`` required columns is refused,
    naming a column of the header that is one of them in another case
    (:func:`_misspelt_columns`)."""
    msg = f"{name}: required column(s) {missing} missing from the header"
    near = _misspelt_columns(header, table)
    if near:
        msg += (
            " (the header has "
            + ", ".join(f"{c!r} for {want!r}" for c, want in near.items())
            + ": FORMATS.md column names are exact and lower case)"
        )
    return msg


def _misspelt_note(header: list[str], table: str) -> str | None:
    """What the report says of columns named as a format column in another case
    (:func:`_misspelt_columns`); None: none.

    FORMATS.md: column names are exact and lower case, and unknown columns are
    kept and ignored. ``Domestic`` is such a column: its values are kept in
    ``extra`` and no analysis reads them, so every row loaded as if no domestic
    flag was given. Nothing said so.
    """
    near = _misspelt_columns(header, table)
    if not near:
        return None
    names = ", ".join(f"{c!r} (not {want!r})" for c, want in near.items())
    return (
        f"column(s) {names} read as extra columns: FORMATS.md column names are "
        "exact and lower case, so their values are kept in extra and no analysis "
        "reads them"
    )


def _extra_json(columns: list[str]) -> pl.Expr:
    """The row's ``columns`` as one JSON object of their text values, ``extra``
    (FORMATS.md: unknown extra columns are kept as-is and ignored by analyses)."""
    return (
        pl.struct([pl.col(c).cast(pl.String) for c in columns])
        .struct.json_encode()
        .alias("extra")
    )


def _parquet_parts(
    src: SourceFile, table: str, target: _Target, *, limits: Limits, part_lines: int
) -> Iterator[Parsed]:
    """A Parquet table in slices of ``part_lines`` rows (line = the row number).

    Parquet compresses repeated values to almost nothing (16 M identical rows take
    a few hundred KB), so a small file can hold rows that would exhaust memory read
    at once: its rows are counted from its metadata and each slice is decoded,
    checked and mapped alone.
    """
    data = src.read_bytes(limits)
    digest = sha256_hex(data)
    try:
        scan = pl.scan_parquet(io.BytesIO(data))
        total = int(scan.select(pl.len()).collect().item())
    except Exception as err:  # polars raises several types for corrupt files
        msg = f"{src.name}: not a readable Parquet file: {err}"
        raise IngestError(msg) from err
    clock: _Clock = {}
    for start in range(0, max(total, 1), part_lines):
        try:
            frame = scan.slice(start, part_lines).collect()
        except Exception as err:
            msg = f"{src.name}: not a readable Parquet file: {err}"
            raise IngestError(msg) from err
        rows = _parquet_rows(frame, start)
        del frame
        yield _map_table(
            rows,
            table,
            name=src.name,
            digest=digest,
            target=target,
            parquet=True,
            clock=clock,
        )
        del rows
    yield from _clock_part(
        clock, table, name=src.name, digest=digest, zone=target.timezone
    )


def _read_parquet(data: bytes, name: str) -> pl.DataFrame:
    """Parquet bytes as a frame; an IngestError naming the file when unreadable."""
    try:
        return pl.read_parquet(io.BytesIO(data))
    except Exception as err:  # polars raises several types for corrupt files
        msg = f"{name}: not a readable Parquet file: {err}"
        raise IngestError(msg) from err


def _parquet_rows(frame: pl.DataFrame, start: int = 0) -> CsvTable:
    """Parquet rows as a read table: text, numbered from ``start + 1`` (``line``).

    Every row is well-formed (Parquet has no malformed lines; its text is UTF-8).
    """
    rows = (
        _to_text(frame)
        .with_row_index(LINE_COL, offset=start + 1)
        .with_columns(pl.col(LINE_COL).cast(pl.Int64))
    )
    header = [c for c in rows.columns if c != LINE_COL]
    no_bad = pl.DataFrame(
        schema={"line": pl.Int64, "raw": pl.String, "reason": pl.String}
    )
    return CsvTable(header, rows, no_bad, rows.height, "utf-8")


def parse_bundle_table(
    data: bytes,
    table: str,
    *,
    name: str,
    parquet: bool = False,
    bundle_crs: str = "EPSG:27700",
    source: str = "bundle",
    crs: str = "EPSG:27700",
    timezone: str = DEFAULT_TIMEZONE,
    limits: Limits = DEFAULT_LIMITS,
) -> Parsed:
    """Parse one bundle table file (CSV or Parquet bytes) into a canonical frame.

    Raises
    ------
    IngestError
        When a required column is missing or the file cannot be read at all.
    """
    return _parse_table(
        data,
        table,
        name=name,
        parquet=parquet,
        target=_Target(bundle_crs, source, crs, timezone),
        limits=limits,
    )


def _parse_table(
    data: bytes,
    table: str,
    *,
    name: str,
    parquet: bool,
    target: _Target,
    limits: Limits,
) -> Parsed:
    """:func:`parse_bundle_table` of a table mapped to ``target``."""
    digest = sha256_hex(data)
    if parquet:
        rows = _parquet_rows(_read_parquet(data, name))
    else:
        rows = read_csv(data, limits=limits)
        del data
    return _map_table(
        rows, table, name=name, digest=digest, target=target, parquet=parquet
    )


def _is_id(column: str) -> bool:
    """Whether ``column`` holds an id (``incident_id``, a relationship's
    ``person_a``), as given, never rewritten: :func:`_map_table` stores every
    other text column (a group's name, an outcome, a ward) in Unicode normal
    form C (accents composed: ``Zoe`` + U+0308 as ``Zoë``), as names are
    compared (:func:`avert.access.name_key`), so one name written either way is
    stored once alike. An id is a key other files and the store name exactly:
    rewritten, it would no longer be theirs (:func:`~avert.ingest.keys.is_id_column`).
    """
    return is_id_column(column)


def _has_non_ascii(values: pl.Series) -> bool:
    """Whether some text of ``values`` is not ASCII (ASCII text is in every
    normal form already): a length compare, 0.04 s a million values, where
    normalising them all took 0.66 s, for each text column of a table."""
    return bool((values.str.len_bytes() != values.str.len_chars()).any())


def _blank_as_missing(frame: pl.DataFrame) -> list[pl.Expr]:
    """Blank text cells as null: FORMATS.md "empty cell = missing".

    A CSV reader gives null for an empty cell, but a Parquet file holds empty
    strings as values, and a CSV cell may hold spaces only: both are missing too,
    so neither is stored as ``''`` nor looked up as a reference (a stop's empty
    ``person_id``).
    """
    return [
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c)).alias(c)
        for c, dtype in frame.schema.items()
        if c != LINE_COL and dtype == pl.String
    ]


def _prepared(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    """Read rows as the checks and mapping read them: blank cells missing
    (:func:`_blank_as_missing`), the hidden columns of dates and date-times in the
    extended form (:func:`_iso_texts`) and of an intelligence place's two numbers
    (:func:`_place_parts`)."""
    frame = frame.with_columns(_blank_as_missing(frame))
    frame = frame.with_columns(_iso_texts(frame, table))
    if table == "intelligence":
        frame = frame.with_columns(_place_parts())
    return frame


@functools.lru_cache(maxsize=64)
def _table_checks(
    table: str, columns: tuple[str, ...], nul_columns: tuple[str, ...], target: _Target
) -> _Checks:
    """The row checks of ``table`` read with ``columns`` (:func:`_checks`), after a
    check for a NUL byte in each of ``nul_columns`` (a Parquet file's).

    Built once per table, columns and target, and kept: the checks are Polars
    expressions, which any frame with those columns can run, and building them
    took longer than running them on a daily bundle's tens of rows (thousands of
    expression objects, ~30 ms a bundle). Never changed once built.
    """
    checks = _Checks()
    for c in nul_columns:
        checks.add(
            c,
            pl.col(c).str.contains("\x00", literal=True),
            pl.lit("NUL byte in the value (a database cannot store it)"),
        )
    return _checks(
        pl.DataFrame(schema=dict.fromkeys(columns, pl.String)),
        table,
        target.crs,
        target.bundle_crs,
        checks,
        timezone=target.timezone,
        bundle_crs_named=target.bundle_crs_named,
    )


def _map_table(
    read: CsvTable,
    table: str,
    *,
    name: str,
    digest: str,
    target: _Target,
    parquet: bool = False,
    clock: _Clock | None = None,
) -> Parsed:
    """Check and map read rows (a whole table file or one part of it).

    ``clock``: the file's times in the repeated hour so far, this part's added
    to them (:func:`_clock_part` reports them after its last part), not
    reported with this part: each part's count was the file's before.
    """
    frame, header, rows = read.frame, read.header, read.rows
    _check_header(read, table, name=name)
    bad = rejected_lines(read.bad, table)
    frame = _prepared(frame, table)
    # CSV lines with a NUL byte are quarantined by the CSV reader
    checks = _table_checks(
        table, tuple(frame.columns), tuple(header) if parquet else (), target
    )
    good, problems = split_rows(
        frame, header, checks.checks, target=table, failing=checks.failing
    )
    kind = f"bundle-{table}"
    if any(c in ("lat", "x") for c, _, _ in BUNDLE_COLUMNS[table]):
        good = _locate(good, bundle_crs=target.bundle_crs, crs=target.crs)
    out = good.select(_mapped_columns(good, header, table, name=name, target=target))
    problems = pl.concat([bad, problems]).sort("line")
    times = _repeated_hour_times(good, out, table, target.timezone)
    times.update(_date_only_times(good, table))
    misspelt = _misspelt_note(header, table)
    if clock is None:
        notes = [
            encoding_note(read.encoding),
            misspelt,
            _repeated_hour_note(times, table, target.timezone),
        ]
    else:
        _add_times(clock, times)
        notes = [encoding_note(read.encoding), misspelt]
    note = join_notes(*notes)
    return Parsed(name, digest, kind, rows, {table: out}, problems, note)


def _check_header(read: CsvTable, table: str, *, name: str) -> None:
    """Refuse a table file whose header names a column twice (which is meant is
    unknown), is empty (no header at all) or lacks a required column."""
    header = read.header
    twice = [c for c, _, _ in BUNDLE_COLUMNS[table] if c in read.duplicated]
    if twice:
        msg = (
            f"the header names {', '.join(twice)} more than once: which column is "
            "meant is unknown, so the file is not read"
        )
        raise Refused(msg)
    missing = [c for c, _, req in BUNDLE_COLUMNS[table] if req and c not in header]
    if not header and read.rows == 0:  # not "column(s) missing": there is no header
        msg = f"{name}: empty file (no header row): a table file holds at least its header"
        if table != "incidents":  # the one required table
            msg += "; leave the file out of the bundle when the table has no rows"
        raise IngestError(msg)
    if missing:
        raise IngestError(_missing_message(name, missing, header, table))


def _mapped_columns(
    good: pl.DataFrame, header: list[str], table: str, *, name: str, target: _Target
) -> list[pl.Expr]:
    """The columns of ``table``'s stored frame from a file's checked rows: each
    bundle column parsed to its type under its stored name (:func:`_column`),
    the located place, the source, the time precision, the file and line each
    row came from, and any extra columns as JSON."""
    exprs: list[pl.Expr] = []
    for col, ctype, _ in BUNDLE_COLUMNS[table]:
        if col in ("lat", "lon", "x", "y") or col not in good.columns:
            continue
        name_as = _RENAME.get(table, {}).get(col, col)
        exprs.append(_column(good, col, ctype, target=target).alias(name_as))
    if "lat" in good.columns:
        exprs += [pl.col(c) for c in ("lat", "lon", "x", "y", "has_location")]
    if table in _HAS_SOURCE:
        exprs.append(pl.lit(target.source).alias("source"))
    if table in _PRECISION_OF:
        date_only = pl.col(_PRECISION_OF[table]).str.strip_chars().str.len_chars() <= 10
        exprs.append(
            pl.when(date_only)
            .then(pl.lit("day"))
            .otherwise(pl.lit("exact"))
            .alias("time_precision")
        )
    if table == "incidents":
        exprs.append(pl.lit(True).alias("has_source_id"))
    if table == "people" and "birth_year" in good.columns:
        exprs = [
            e
            if e.meta.output_name() != "birth_year"
            else _parse("birth_year", "int").cast(pl.Int32).alias("birth_year")
            for e in exprs
        ]
    exprs += [pl.lit(name).alias("source_file"), pl.col(LINE_COL).alias("source_line")]
    extra = _extra_columns(header, table)
    if extra:
        exprs.append(_extra_json(extra))
    return exprs


def _column(
    good: pl.DataFrame, col: str, ctype: BundleColType, *, target: _Target
) -> pl.Expr:
    """One bundle column's text parsed to its type: hate flags trimmed one by
    one, a choice trimmed, a non-ASCII name or text in Unicode NFC (one spelling
    of an accented letter), anything else by :func:`_parse`."""
    if ctype == "hate":
        return (
            pl.col(col)
            .str.split(";")
            .list.eval(pl.element().str.strip_chars())
            .list.join(";")
        )
    if isinstance(ctype, tuple):
        return pl.col(col).str.strip_chars()
    if ctype == "str" and not _is_id(col) and _has_non_ascii(good[col]):
        return _parse(col, ctype).str.normalize("NFC")
    return _parse(col, ctype, target.timezone)


#: a date-time's text ending in a UTC offset or Z (its hidden extended column)
_OFFSET_AT_END: Final = (
    r"\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
)
#: a date alone, in the extended form (:func:`_iso_column`): no time of day given
_DATE_ALONE: Final = r"^\d{4}-\d{2}-\d{2}$"
#: the tables whose stored rows say whether a time column's time is known
#: (``time_precision``: ``day`` for a date alone, else ``exact``), and that column
_PRECISION_OF: Final = {
    "incidents": "occurred_at",
    "dash": "assessed_at",
    "asb": "occurred_at",
}


#: per date-time column (of the file's table) and clock change (``"repeated"``:
#: the hour that repeats when clocks go back; ``"skipped"``: the hour they skip
#: going forward), its times in that hour: how many, how many gave a UTC offset,
#: the hours; and (``"date"``) how many of its values are a date alone, stored
#: at midnight with nothing to mark them (:func:`_date_only_times`)
_Clock = dict[tuple[str, str], tuple[int, int, set[dt.datetime]]]


def _repeated_hour_times(
    good: pl.DataFrame, out: pl.DataFrame, table: str, zone: str
) -> _Clock:
    """The kept rows (``good``, mapped to ``out``) whose date-time falls in an
    hour that repeats when clocks go back (01:00-02:00 on the last Sunday of
    October in London) or that they skip going forward (01:00-02:00 on the last
    Sunday of March), per date-time column (:func:`_repeated_hour_note`).

    The store keeps local wall-clock time without an offset (docs/bundle.md):
    such a time may be either of the two hours, and one given with an offset
    (01:30+01:00, then 01:10+00:00 forty minutes later) loads as local time,
    the offset dropped, so two times of that hour may load in the wrong order.
    A local time in the skipped hour (01:30 on 29 March 2026 in London) names
    no instant at all: it is stored as given, and only a time without an offset
    can be one. Nothing said either. The mapped times are looked up among the
    zone's repeated and skipped half hours of their years (:func:`_clock_slots`),
    not each converted (a million conversions took 0.9 s).
    """
    times: _Clock = {}
    for col, kind, _ in BUNDLE_COLUMNS[table]:
        name_as = _RENAME.get(table, {}).get(col, col)
        if kind != "datetime" or name_as not in out.columns:
            continue
        at = out[name_as]
        years = tuple(sorted(at.dt.year().drop_nulls().unique().to_list()))
        for change, slots in zip(
            ("repeated", "skipped"), _clock_slots(years, zone), strict=True
        ):
            if not slots:
                continue
            # a date alone gave no time: its 00:00 is no time of the clock change
            # (where clocks change at midnight: Chile, Cuba, Lebanon)
            hit = at.dt.truncate("30m").is_in(pl.Series(slots).implode()).fill_null(
                False
            ) & ~good[_iso_column(col)].str.contains(_DATE_ALONE).fill_null(False)
            found = good.filter(hit).select(
                at.filter(hit).alias("at"),
                pl.col(_iso_column(col)).str.contains(_OFFSET_AT_END).alias("offset"),
            )
            if found.height:
                hours = set(found["at"].dt.truncate("1h").to_list())
                times[col, change] = (found.height, int(found["offset"].sum()), hours)
    return times


def _date_only_times(good: pl.DataFrame, table: str) -> _Clock:
    """Per date-time column, the kept rows whose value is a date alone
    (``2026-10-01`` or ``20261001``), other than an incident's or an ASB
    report's ``occurred_at`` and an assessment's ``assessed_at``
    (:data:`_PRECISION_OF`).

    An incident's, an ASB report's or a DASH assessment's date alone is stored
    at midnight with ``time_precision = 'day'``; the other tables (stops, attendances,
    intelligence) and an incident's ``occurred_to`` have no precision column, so
    the date is stored as 00:00 of that day, a time the source never gave, which
    a count by hour of day reads as midnight. Nothing said so
    (:func:`_repeated_hour_note` does now).
    """
    out: _Clock = {}
    for col, kind, _ in BUNDLE_COLUMNS[table]:
        if kind != "datetime" or col not in good.columns:
            continue
        if _PRECISION_OF.get(table) == col:
            continue
        n = int(
            good.select(pl.col(_iso_column(col)).str.contains(_DATE_ALONE).sum()).item()
        )
        if n:
            out[col, "date"] = (n, 0, set())
    return out


def _add_times(clock: _Clock, times: _Clock) -> None:
    """``times`` (of one more part of a file) added to ``clock``, in place."""
    for col, (n, given, hours) in times.items():
        was_n, was_given, was_hours = clock.get(col, (0, 0, set()))
        clock[col] = (was_n + n, was_given + given, was_hours | hours)


def _repeated_hour_note(times: _Clock, table: str, zone: str) -> str | None:
    """What the report says of a file's ``times`` in the hour that repeats or
    that is skipped when clocks change (:func:`_repeated_hour_times`), per
    date-time column; None: none."""
    sentences = []
    for col, _, _ in BUNDLE_COLUMNS[table]:
        for change in ("repeated", "skipped", "date"):
            if (col, change) not in times:
                continue
            n, given, hours = times[col, change]
            if change == "date":
                values = "values are a date" if n != 1 else "value is a date"
                sentences.append(
                    f"{n} {col} {values} alone: stored at 00:00 of that day, as this "
                    "table has no column to say the time is not known"
                )
                continue
            where = ", ".join(
                f"{h:%H:%M}-{h + dt.timedelta(hours=1):%H:%M} local on {h:%Y-%m-%d}"
                for h in sorted(hours)
            )
            falls = "times fall" if n != 1 else "time falls"
            if change == "skipped":
                sentences.append(
                    f"{n} {col} {falls} in the hour that clocks skip when they go "
                    f"forward ({where}, {zone}): no such local time exists (a time "
                    "kept in winter time all year, or mistyped?); stored as given"
                )
                continue
            sentence = (
                f"{n} {col} {falls} in the hour that repeats when clocks go back "
                f"({where}, {zone}): stored as local time, which cannot say which "
                "of the two hours"
            )
            if given:
                sentence += (
                    f"; {given} gave a UTC offset, which is not kept, so their order "
                    "within that hour may be lost"
                )
            sentences.append(sentence)
    return "; ".join(sentences) or None


def _clock_part(
    clock: _Clock, table: str, *, name: str, digest: str, zone: str
) -> Iterator[Parsed]:
    """After the last part of a file read in parts, a part of no rows whose
    note is the file's times in the repeated hour (:func:`_repeated_hour_note`
    of ``clock``, every part's), when it has some: the load adds a part's note
    to the file's report."""
    note = _repeated_hour_note(clock, table, zone)
    if note is not None:
        yield Parsed(name, digest, f"bundle-{table}", 0, note=note)


@functools.lru_cache(maxsize=64)
def _clock_slots(
    years: tuple[int, ...], zone: str
) -> tuple[list[dt.datetime], list[dt.datetime]]:
    """The local half hours of ``zone`` in ``years`` that happen twice (clocks
    going back: each read as no single instant, though the earlier of two), and
    those that never happen (clocks going forward: no instant at all)."""
    repeated: list[dt.datetime] = []
    skipped: list[dt.datetime] = []
    for year in years:
        slots = pl.datetime_range(
            dt.datetime(year, 1, 1),
            dt.datetime(year + 1, 1, 1),
            "30m",
            closed="left",
            eager=True,
        ).alias("at")
        at = pl.col("at")
        unique = at.dt.replace_time_zone(zone, ambiguous="null", non_existent="null")
        earliest = at.dt.replace_time_zone(
            zone, ambiguous="earliest", non_existent="null"
        )
        frame = slots.to_frame()
        repeated += frame.filter(unique.is_null() & earliest.is_not_null())[
            "at"
        ].to_list()
        skipped += frame.filter(earliest.is_null())["at"].to_list()
    return repeated, skipped
