"""Any incident table (a force's or a city's CSV/Parquet extract) through a mapping.

A mapping (TOML, documented in ``docs/formats.md``) names which of the file's columns
hold the incident id, the time (and optionally a separate hour), the offence code or
the category, and the place (lat/lon in WGS84, or x/y in a stated CRS). The file's
rows are mapped into the columns of the avert bundle's ``incidents`` table and go
through the bundle's own row checks (:func:`avert.ingest.bundle.parse_bundle_table`),
so quarantine, one transaction and idempotent re-loads are the same as for every other
source; line numbers in the quarantine are the file's.

Harm: an incident's harm is known to ``avert classify`` through its offence code, or
as the expected weight of its data.police.uk category. A mapping may translate each
of the file's categories (``[categories]``) to a Home Office offence code or to a
police.uk category; a category it does not translate is stored as the file gives it,
and its harm is unknown (unless it is spelled as a police.uk category is).

Without an id column, each row is keyed by a digest of its mapped content and its
ordinal among identical rows (:class:`avert.ingest.keys.ContentKeyer`), so loading the
same file again adds nothing.
"""

from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
import re
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import polars as pl
from pyproj import CRS
from pyproj.exceptions import CRSError

from avert.config._toml import Constraint, check, fail, read_file
from avert.config.timezone import DEFAULT_TIMEZONE
from avert.errors import ConfigError, IngestError
from avert.ingest._csv import LINE_COL, encoding_note, read_csv
from avert.ingest._rows import join_text, rejected_lines
from avert.ingest.bundle import _read_parquet, parse_bundle_table
from avert.ingest.keys import ContentKeyer
from avert.ingest.limits import DEFAULT_LIMITS, Limits
from avert.ingest.policeuk import POLICEUK_CRIME_TYPES
from avert.ingest.result import Parsed, join_notes
from avert.schema import TIME_PRECISIONS

__all__ = [
    "TableMapping",
    "mapping_path",
    "packaged_mappings",
    "parse_table",
    "read_mapping",
]

_ANY: Final = Constraint()
_TABLE_KEYS: Final = ("source", "crs", "time_format", "time_precision", "delimiter")
#: field separators a mapping's ``[table].delimiter`` may name, by their names
_DELIMITERS: Final = {
    ",": "commas",
    ";": "semicolons",
    "\t": "tabs",
    "|": "pipes",
    "\x1f": "unit separators (0x1F)",
}
#: how TOML's literal strings ('\t') spell a separator that is not printable
_SPELLED: Final = {"\\t": "\t", "\\x1f": "\x1f", "\\u001f": "\x1f"}
_SECTIONS: Final = ("table", "columns", "categories")
#: how ``occurred_from`` is cut to the start of its period, by stated precision
_TRUNCATE: Final = {"hour": "1h", "day": "1d", "month": "1mo"}
_COLUMN_KEYS: Final = (
    "incident_id",
    "occurred_at",
    "occurred_hour",
    "occurred_time",
    "occurred_to",
    "offence_code",
    "crime_type",
    "lat",
    "lon",
    "x",
    "y",
    "lsoa",
    "ward",
    "borough",
    "outcome",
)

#: mapped columns taken as the file gives them (the bundle's row checks follow);
#: the id, the time and the offence code are mapped on their own
_AS_GIVEN: Final = tuple(
    k
    for k in _COLUMN_KEYS
    if k
    not in {
        "incident_id",
        "occurred_at",
        "occurred_hour",
        "occurred_time",
        "offence_code",
    }
)
#: binary files a CSV path may hold, by their first bytes, and what to say
_NOT_TEXT: Final = (
    (
        b"\x1f\x8b",
        "gzip-compressed data (a .csv.gz download): decompress it, or zip it",
    ),
    (
        b"PK\x03\x04",
        "a zip container, as an Excel .xlsx workbook is: save the sheet as CSV (a "
        "zip of CSV files loads when its name ends in .zip)",
    ),
    (b"PAR1", "a Parquet file: give it a .parquet name"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook: save the sheet as CSV"),
)
#: a strptime directive that reads an instant: a UTC offset (%z, %:z) or seconds
#: since the Unix epoch (%s, which count from 1970-01-01 00:00 UTC)
_INSTANT_DIRECTIVE: Final = re.compile(r"%[-_0^#]?(?::?z|s)")
#: a ``time_format`` of epoch seconds alone: a whole number written as a float
#: (``1672552393.0``) is read as that number
_EPOCH_ONLY: Final = re.compile(r"\s*%[-_0^#]?s\s*")
#: columns that add a time of day to the date of ``occurred_at``
_CLOCK_KEYS: Final = ("occurred_hour", "occurred_time")
#: a strptime directive that reads a time of day (hour, minute, second or more)
_TIME_OF_DAY_DIRECTIVE: Final = re.compile(r"%[-_0^#]?[HIMSTRXcrkls]")
#: a time of day in text: 21:30, 21:30:05, 21:30:05.250 (a fraction of a second is
#: dropped), 9:05, 9:05 PM, 21.30 (British usage; the hour, minute, second and AM/PM
#: as groups); digits alone are HHMM (below)
_CLOCK_TEXT: Final = r"^(\d{1,2})[:.](\d{2})(?::(\d{2})(?:\.\d+)?)?\s*([AaPp][Mm])?$"


@dataclass(frozen=True)
class TableMapping:
    """How a table's columns map onto canonical incidents (see the module docstring).

    Attributes
    ----------
    source
        Source tag stored on every incident (e.g. ``toronto-mci``).
    columns
        Canonical column -> the file's column (keys of ``_COLUMN_KEYS``).
    time_format
        strptime format of the time column when it is not ISO (e.g. ``%d/%m/%Y %H:%M``).
    crs
        CRS of the x/y columns (lat/lon are always WGS84).
    categories
        Category (the ``crime_type`` column's value) -> Home Office offence code,
        or -> data.police.uk category (one of ``POLICEUK_CRIME_TYPES``, any case).
    time_precision
        How precise the file's times are (one of ``avert.schema.TIME_PRECISIONS``):
        ``exact`` (the default), or ``hour``, ``day``, ``month`` when the source
        records no finer; a row's own precision wins when coarser (a date alone
        is ``day``), and ``occurred_from`` is cut to the start of its period.
    delimiter
        The field separator of a CSV file: ``,`` (the default), ``;`` (a
        spreadsheet saved where the comma is the decimal mark), a tab, ``|`` or
        the unit separator 0x1F; the reader reads the file with it, in place.
    """

    source: str
    columns: dict[str, str]
    time_format: str | None = None
    crs: str = "EPSG:4326"
    categories: dict[str, str] = field(default_factory=dict)
    time_precision: str = "exact"
    delimiter: str = ","

    def digest(self) -> str:
        """A digest of the mapping (a changed mapping makes a new load).

        The default ``time_precision`` and ``delimiter`` are left out, so a mapping
        that does not state them keeps the digest it had before the keys existed.
        """
        fields = asdict(self)
        if fields["time_precision"] == "exact":
            del fields["time_precision"]
        if fields["delimiter"] == ",":
            del fields["delimiter"]
        text = json.dumps(fields, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()


def _refuse_unknown(
    where: str,
    key: str,
    given: dict[str, object],
    known: tuple[str, ...],
    *,
    what: str = "keys",
) -> None:
    """A ConfigError naming the keys of ``given`` (a TOML table) not in ``known``."""
    unknown = sorted(set(given) - set(known))
    if unknown:
        raise fail(where, key, f"unknown {what} {unknown}; known: {list(known)}")


def packaged_mappings() -> list[str]:
    """Names of the mappings shipped with avert (``avert/config/mappings/NAME.toml``)."""
    folder = resources.files("avert.config") / "mappings"
    return sorted(
        f.name.removesuffix(".toml")
        for f in folder.iterdir()
        if f.name.endswith(".toml")
    )


def mapping_path(path: str | Path) -> Path:
    """``path``, or the shipped mapping of that name when ``path`` is a bare name
    (no folder, not even ``./``, no suffix) and no file of that name is here:
    ``toronto-mci``."""
    text = str(path)
    p = Path(text)
    bare = not any(sep and sep in text for sep in (os.sep, os.altsep))
    if p.is_file() or p.suffix or not bare:
        return p
    if p.name not in packaged_mappings():
        msg = (
            f"{p}: no such mapping file, nor a mapping shipped with avert "
            f"({', '.join(packaged_mappings())})"
        )
        raise ConfigError(msg)
    return Path(str(resources.files("avert.config") / "mappings" / f"{p.name}.toml"))


def read_mapping(path: str | Path) -> TableMapping:
    """Read and check a mapping TOML file, or a shipped one by name
    (:func:`mapping_path`); errors name the file and the key."""
    p = mapping_path(path)
    where = str(path)  # as the user gave it
    raw = read_file(p, "mapping", where)
    table = raw.get("table", {})
    cols = raw.get("columns", {})
    cats = raw.get("categories", {})
    _refuse_unknown(where, "", raw, _SECTIONS, what="tables")
    for key, given, known in (
        ("table", table, _TABLE_KEYS),
        ("columns", cols, _COLUMN_KEYS),
    ):
        if not isinstance(given, dict):
            raise fail(where, key, "must be a table")
        _refuse_unknown(where, key, given, known)
    if not all(isinstance(v, str) and v for v in cols.values()):
        raise fail(where, "columns", "every value must be a column name (text)")
    if "occurred_at" not in cols:
        msg = "needs occurred_at (the column holding the time)"
        raise fail(where, "columns", msg)
    if set(_CLOCK_KEYS) <= cols.keys():
        msg = "give occurred_hour (an hour 0-23) or occurred_time, not both"
        raise fail(where, "columns", msg)
    if ("lat" in cols) != ("lon" in cols) or ("x" in cols) != ("y" in cols):
        raise fail(where, "columns", "give lat with lon, and x with y")
    if {"lat", "lon"} <= cols.keys() and {"x", "y"} <= cols.keys():
        raise fail(where, "columns", "give either lat/lon or x/y, not both")
    if not isinstance(cats, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in cats.items()
    ):
        msg = "maps category text to an offence code or a police.uk category (text)"
        raise fail(where, "categories", msg)
    if cats and "crime_type" not in cols:
        raise fail(where, "categories", "needs a crime_type column in [columns]")
    _refuse_misspelled_types(where, cats)
    # without them every row would be quarantined (the bundle's row checks)
    if not {"offence_code", "crime_type"} & cols.keys():
        msg = (
            "needs offence_code or crime_type (the column holding the offence code "
            "or the category): an incident without either cannot be classified"
        )
        raise fail(where, "columns", msg)
    if not ({"lat", "lon"} <= cols.keys() or {"x", "y"} <= cols.keys()):
        msg = "needs the place: lat and lon (WGS84), or x and y (in [table].crs)"
        raise fail(where, "columns", msg)
    source = check(where, "table.source", table.get("source", p.stem), str, _ANY)
    crs = check(where, "table.crs", table.get("crs", "EPSG:4326"), str, _ANY)
    try:
        CRS(crs)
    except CRSError as err:
        msg = f"unknown CRS {crs!r} (the CRS of the x/y columns, e.g. EPSG:3435): {err}"
        raise fail(where, "table.crs", msg) from err
    fmt = table.get("time_format")
    if fmt is not None:
        fmt = check(where, "table.time_format", fmt, str, _ANY)
    precision = check(
        where,
        "table.time_precision",
        table.get("time_precision", "exact"),
        str,
        Constraint(choices=TIME_PRECISIONS),
    )
    given_delimiter = table.get("delimiter", ",")
    if isinstance(given_delimiter, str):  # TOML's '\t' (a literal string) too
        given_delimiter = _SPELLED.get(given_delimiter.lower(), given_delimiter)
    delimiter = check(
        where,
        "table.delimiter",
        given_delimiter,
        str,
        Constraint(choices=tuple(_DELIMITERS)),
    )
    return TableMapping(source, dict(cols), fmt, crs, dict(cats), precision, delimiter)


def _refuse_misspelled_types(where: str, categories: dict[str, str]) -> None:
    """A ConfigError for a ``[categories]`` value that is no police.uk crime type but
    nearly spells one (``"Violence and sexual offence"``, difflib ratio 0.8 or
    more): any other value is read as an offence code, so the typo loaded its
    category as an unknown code, with no harm and outside the definition of
    violence, and a re-load with the value corrected added every row again (an
    offence code is part of a keyless row's key). Offence codes are short
    (``8N``, ``34B``, ``CIFAS``) and never that close to a crime type's name."""
    names = {name.lower(): name for name in POLICEUK_CRIME_TYPES}
    for category, value in categories.items():
        text = value.strip().lower()
        near = difflib.get_close_matches(text, list(names), n=1, cutoff=0.8)
        if text not in names and near:
            msg = (
                f"{category!r} = {value!r} is not a data.police.uk crime type, and "
                f"would be read as an offence code: did you mean {names[near[0]]!r}?"
            )
            raise fail(where, "categories", msg)


def _misspelled_categories_note(
    frame: pl.DataFrame, mapping: TableMapping
) -> str | None:
    """A note naming each ``[categories]`` key that no row of the file holds while
    the file holds, untranslated, a category spelled nearly so (``"Asault"`` beside
    the file's ``"Assault"``, difflib ratio 0.8 or more); None when there is none.

    The rows of the category meant stay as the file spells them, so their harm is
    unknown and they are outside the definition of violence: Toronto's 80,197
    assaults left violence without a word but the harm line's "assault (80,197)".
    A key matching nothing with nothing near it (a category of another year's
    file) is no note."""
    if not mapping.categories:
        return None
    column = mapping.columns["crime_type"]
    values = frame.get_column(column).str.strip_chars().drop_nulls().unique()
    held = set(values.to_list())
    keys = {key.strip() for key in mapping.categories}
    untranslated = sorted(held - keys)
    parts = []
    for key in sorted(keys - held):
        near = difflib.get_close_matches(key, untranslated, n=1, cutoff=0.8)
        if near:
            parts.append(f"{key!r} (the file has {near[0]!r})")
    if not parts:
        return None
    return (
        f"[categories] {', '.join(parts)} matches no row's {column}: the file's "
        "category is stored untranslated, its harm unknown and outside the "
        "definition of violence. Correct the mapping and load the file again with "
        "--replace-file, which replaces what this load stored from it (loaded "
        "again without it, its rows are duplicates that keep the category stored, "
        "or new rows beside them)"
    )


def _stated_precision(table: pl.DataFrame, stated: str) -> pl.DataFrame:
    """Incidents at the mapping's stated precision: a row's own precision when
    coarser (a date alone is ``day``), else the stated one; ``occurred_from`` cut
    to the start of its hour, day or month (as a date alone is at midnight)."""
    if stated == "exact":
        return table
    rank = {name: i for i, name in enumerate(TIME_PRECISIONS)}
    own = pl.col("time_precision").replace_strict(rank, return_dtype=pl.Int32)
    return table.with_columns(
        pl.when(own > rank[stated])
        .then(pl.col("time_precision"))
        .otherwise(pl.lit(stated))
        .alias("time_precision"),
        pl.col("occurred_from").dt.truncate(_TRUNCATE[stated]),
    )


def _date_only_format(mapping: TableMapping) -> bool:
    """True when the mapping's ``time_format`` reads a date and no time of day (and
    no clock column adds one): its rows are dates alone (precision ``day``), not
    events at midnight."""
    fmt = mapping.time_format
    return (
        fmt is not None
        and not _TIME_OF_DAY_DIRECTIVE.search(fmt)
        and not set(_CLOCK_KEYS) & mapping.columns.keys()
    )


def _when(mapping: TableMapping, *, timezone: str | None = None) -> pl.Expr:
    """The mapped time as text: ``occurred_at`` read with the mapping's
    ``time_format`` (ISO 8601 text is left to the bundle's reader), with the time
    of day of its clock column added.

    A ``time_format`` with an offset (``%z``) or of epoch seconds (``%s``) reads an
    instant: with ``timezone``
    it is given as the wall-clock time there (the store's zone, as every time with
    an offset); without, as UTC's, the text rows without an id have always been
    keyed by. Epoch seconds written as a float (``1672552393.0``: pandas writes an
    integer column that has blanks as floats, in CSV and Parquet alike) are read
    as the whole number they are.
    """
    when = pl.col(mapping.columns["occurred_at"]).str.strip_chars()
    fmt = mapping.time_format
    if fmt and _EPOCH_ONLY.fullmatch(fmt):
        when = _whole(when)
    if fmt:
        aware = timezone is not None and _INSTANT_DIRECTIVE.search(fmt) is not None
        read = when.str.strptime(
            pl.Datetime("us", "UTC" if aware else None), fmt, strict=False
        )
        if aware:
            read = read.dt.convert_time_zone(str(timezone)).dt.replace_time_zone(None)
        when = read.dt.strftime("%Y-%m-%d %H:%M:%S")
    clock = _clock(mapping)
    if clock is not None:
        day = when.str.slice(0, 10)
        when = pl.when(clock.is_not_null()).then(join_text(day, " ", clock))
    return when


def _whole(text: pl.Expr) -> pl.Expr:
    """Stripped text, with a whole number written as a float (``2130.0``, as pandas
    writes an integer column that has blanks) read as the whole number."""
    return text.str.strip_chars().str.replace(r"^(\d+)\.0$", "${1}")


def _time_of_day(text: pl.Expr) -> pl.Expr:
    """``HH:MM:SS`` of a time-of-day column, null where it is not one.

    Read: ``21:30``, ``21:30:05``, ``21:30:05.250`` (to the second), ``9:05``,
    ``9:05 PM`` (hours 1-12 with AM/PM), ``21.30`` (British usage), and digits
    alone as HHMM, as the Los Angeles Police Department's ``TIME OCC`` gives it
    without leading zeros (``2130`` is 21:30, ``905`` 09:05 and ``5`` 00:05;
    ``2130.0``, as pandas writes an integer column with blanks, too).
    """
    t = _whole(text)
    digits = t.str.contains(r"^\d{1,4}$")
    hhmm = t.str.zfill(4)
    part = [t.str.extract(_CLOCK_TEXT, i) for i in (1, 2, 3, 4)]
    hour = pl.when(digits).then(hhmm.str.slice(0, 2)).otherwise(part[0]).cast(pl.Int32)
    minute = (
        pl.when(digits).then(hhmm.str.slice(2, 2)).otherwise(part[1]).cast(pl.Int32)
    )
    second = pl.when(digits).then(0).otherwise(part[2].fill_null("0").cast(pl.Int32))
    meridiem = part[3].str.to_uppercase()
    twelve = meridiem.is_not_null()
    hour24 = (
        pl.when(~twelve)
        .then(hour)
        .when(hour.is_between(1, 12))
        .then(hour % 12 + pl.when(meridiem == "PM").then(12).otherwise(0))
    )
    valid = (
        hour24.is_between(0, 23) & minute.is_between(0, 59) & second.is_between(0, 59)
    )
    return pl.when(valid).then(
        join_text(
            *(
                v.cast(pl.String).str.zfill(2) + pl.lit(sep)
                for v, sep in ((hour24, ":"), (minute, ":"), (second, ""))
            )
        )
    )


def _clock(mapping: TableMapping) -> pl.Expr | None:
    """The time of day from the mapping's ``occurred_hour`` (a whole hour 0-23, as
    ``HH:00``: rows keyed by their content keep their keys) or ``occurred_time``
    column (``HH:MM:SS``, :func:`_time_of_day`), null where it does not read;
    ``None`` when the mapping has neither."""
    c = mapping.columns
    if "occurred_hour" in c:
        hour = _whole(pl.col(c["occurred_hour"])).cast(pl.Int32, strict=False)
        return pl.when(hour.is_between(0, 23)).then(  # HH:00, as content keys had it
            join_text(hour.cast(pl.String).str.zfill(2), ":00")
        )
    if "occurred_time" in c:
        return _time_of_day(pl.col(c["occurred_time"]))
    return None


def _check_hours_are_hours(
    frame: pl.DataFrame, mapping: TableMapping, *, name: str
) -> None:
    """Stop the load (nothing written) when most of an ``occurred_hour`` column's
    values are whole numbers over 23: a time of day written HHMM (``2130``), which
    belongs in ``occurred_time``. Read as hours, the few under 24 (``5``, 00:05)
    would load at the wrong hour and the rest be quarantined."""
    column = mapping.columns.get("occurred_hour")
    if column is None or not frame.height:
        return
    text = frame.select(_whole(pl.col(column))).to_series()
    number = text.cast(pl.Int32, strict=False)
    given = int((text.fill_null("") != "").sum())
    over = number.filter(number > 23)
    if not over.len() or 2 * over.len() <= given:
        return
    msg = (
        f"{name}: column {column!r} (occurred_hour) holds numbers over 23 in "
        f"{over.len():,} of {given:,} rows (first: {over[0]}): a time of day such as "
        "2130 or 21:30 is mapped as occurred_time, not occurred_hour; nothing was "
        "loaded (docs/formats.md)."
    )
    raise IngestError(msg)


def _other_separator(field: str, mapping: TableMapping) -> str | None:
    """The name of a separator other than the mapping's ``delimiter`` that ``field``
    (a header read as one field) holds: a semicolon (a spreadsheet saved in a
    locale whose decimal mark is the comma), a tab, a pipe or a comma; None when it
    holds none."""
    for sep, label in _DELIMITERS.items():
        if sep != mapping.delimiter and sep in field:
            return label
    return None


def _split_categories(
    categories: dict[str, str],
) -> tuple[dict[str, str], dict[str, str]]:
    """``[categories]`` as (category -> offence code, category -> police.uk category
    spelled as police.uk spells it): a value naming a police.uk crime type (any
    case) is one; any other value is an offence code."""
    policeuk = {name.lower(): name for name in POLICEUK_CRIME_TYPES}
    codes: dict[str, str] = {}
    types: dict[str, str] = {}
    for raw, value in categories.items():
        name = policeuk.get(value.strip().lower())
        if name is None:
            codes[raw] = value.strip()
        else:
            types[raw] = name
    return codes, types


def _read(
    data: bytes,
    name: str,
    *,
    parquet: bool,
    limits: Limits,
    columns: set[str],
    time: tuple[str, str | None] = ("", None),
    timezone: str | None = None,
    delimiter: str = ",",
) -> tuple[pl.DataFrame, list[str], int, pl.DataFrame, str]:
    """Rows as text with the file's line numbers, header, row count, malformed
    lines, and the encoding read (``utf-8`` for Parquet).

    Of a Parquet file only the mapped ``columns`` are read as text: the others
    may hold what has no text form (GeoParquet's binary ``geometry``, lists,
    structs) and are never used. ``time`` is the time column and the mapping's
    ``time_format``: a typed date or datetime there is written in that format, so
    the format reads it back (as ISO text, ``2019-12-31``, ``%m/%d/%Y`` read none).
    A typed time with a zone is first given as the wall clock of ``timezone`` (the
    store's) when the format reads no offset: written in its own zone (UTC, as
    most Parquet writers store instants), it was read as the store's local time.
    """
    if parquet:
        frame = _read_parquet(data, name)
        header = list(frame.columns)
        frame = frame.select(c for c in header if c in columns)
        for column, dtype in frame.schema.items():
            if dtype == pl.Binary or isinstance(dtype, pl.List | pl.Array | pl.Struct):
                msg = (
                    f"{name}: mapped column {column!r} holds {dtype} values, not text, "
                    "numbers or times; map a column of single values (docs/formats.md)."
                )
                raise IngestError(msg)
        column, fmt = time
        if fmt and isinstance(frame.schema.get(column), pl.Date | pl.Datetime):
            typed = pl.col(column)
            dtype = frame.schema[column]
            if dtype == pl.Date:
                typed = typed.cast(pl.Datetime("us"))
            elif (
                isinstance(dtype, pl.Datetime)
                and dtype.time_zone is not None
                and timezone is not None
                and not _INSTANT_DIRECTIVE.search(fmt)
            ):
                typed = typed.dt.convert_time_zone(timezone).dt.replace_time_zone(None)
            frame = frame.with_columns(typed.dt.strftime(fmt))
        frame = frame.with_columns(pl.all().cast(pl.String)).with_row_index(
            LINE_COL, offset=1
        )
        frame = frame.with_columns(pl.col(LINE_COL).cast(pl.Int64))
        return frame, header, frame.height, pl.DataFrame(), "utf-8"
    for magic, what in _NOT_TEXT:
        if data.startswith(magic):
            msg = f"{name}: not a CSV text file but {what}. Nothing was loaded."
            raise IngestError(msg)
    csv = read_csv(data, limits=limits, separator=delimiter)
    return csv.frame, list(csv.header), csv.rows, csv.bad, csv.encoding


def _time_columns(mapping: TableMapping) -> list[str]:
    """The line number and the file's columns the mapped time is read from (its
    ``occurred_at`` and clock column), each once."""
    keys = ("occurred_at", *_CLOCK_KEYS)
    return list(
        dict.fromkeys(
            [LINE_COL, *(mapping.columns[k] for k in keys if k in mapping.columns)]
        )
    )


def _check_some_time_reads(
    parsed: Parsed, frame: pl.DataFrame, mapping: TableMapping, *, name: str
) -> None:
    """Stop the load (nothing written) when no row's time reads: the mapping's
    ``time_format`` is missing or wrong (or its time column is empty, or its
    ``occurred_hour`` column holds no hour), which is a mapping error like a missing
    column, not thousands of bad rows to quarantine. A file of no rows passes."""
    rejected_on_time = parsed.problems.filter(pl.col("column") == "occurred_at")
    if (
        not frame.height
        or parsed.frames["incidents"].height
        or rejected_on_time.height < frame.height
    ):
        return
    column = mapping.columns["occurred_at"]
    times = frame.get_column(column)
    given_time = times.str.strip_chars().fill_null("") != ""
    if not given_time.any():
        msg = (
            f"{name}: column {column!r} (occurred_at) is empty in every row; nothing "
            "was loaded (docs/formats.md)."
        )
        raise IngestError(msg)
    clock = _clock(mapping)
    if clock is not None and frame.select(clock.is_null().all()).item():
        key = next(k for k in _CLOCK_KEYS if k in mapping.columns)
        column = mapping.columns[key]
        what, needs = (
            (
                "hour",
                "occurred_hour needs a whole number 0-23; a time of day such as "
                "21:30 or 2130 is mapped as occurred_time",
            )
            if key == "occurred_hour"
            else (
                "time of day",
                "occurred_time needs a time of day: 21:30, "
                "21:30:05, 9:30 PM or HHMM digits such as 2130",
            )
        )
        first = frame.get_column(column)[0]
        msg = (
            f"{name}: no row's {what} reads (column {column!r}, first: {first!r}; "
            f"{needs}); nothing was loaded (docs/formats.md)."
        )
        raise IngestError(msg)
    first = times.filter(given_time)[0]
    given = (
        f"time_format {mapping.time_format!r} does not read it"
        if mapping.time_format
        else "set [table].time_format (strptime, e.g. '%m/%d/%Y %I:%M:%S %p') "
        "unless the times are ISO 8601"
    )
    msg = (
        f"{name}: no row's time reads (first: {first!r}): {given}; nothing was "
        "loaded (docs/formats.md)."
    )
    raise IngestError(msg)


def _name_unread_times(
    problems: pl.DataFrame, frame: pl.DataFrame, mapping: TableMapping
) -> pl.DataFrame:
    """Say why a row's time was rejected when the file gave one: the bundle's check
    sees only the mapped (unread, so empty) time and says "required value missing";
    the reason now quotes the file's value (and hour) and what it was read with."""
    c = mapping.columns
    text = pl.col(c["occurred_at"]).cast(pl.String).str.strip_chars()
    given = [text.alias("_time")]
    clock_key = next((k for k in _CLOCK_KEYS if k in c), None)
    if clock_key is not None:
        given.append(
            pl.col(c[clock_key]).cast(pl.String).str.strip_chars().alias("_clock")
        )
    lines = pl.col(LINE_COL).cast(pl.Int64)
    # the problem rows' times only (a few rows, not a copy of a whole column)
    values = frame.filter(lines.is_in(problems["line"].implode())).select(
        lines.alias("line"), *given
    )
    how = (
        f"with time_format {mapping.time_format!r}"
        if mapping.time_format
        else "as ISO 8601 (or set [table].time_format)"
    )
    parts: list[pl.Expr] = [pl.lit("time '"), pl.col("_time"), pl.lit("'")]
    if clock_key == "occurred_hour":
        parts += [pl.lit(" with hour '"), pl.col("_clock").fill_null(""), pl.lit("'")]
        how += " (occurred_hour: a whole number 0-23)"
    elif clock_key == "occurred_time":
        parts += [pl.lit(" with time of day '"), pl.col("_clock").fill_null("")]
        parts.append(pl.lit("'"))
        how += " (occurred_time: 21:30, 21:30:05, 9:30 PM or HHMM)"
    parts.append(pl.lit(f" does not read {how}"))
    unread = (
        (pl.col("column") == "occurred_at")
        & (pl.col("reason") == "required value missing")
        & (pl.col("_time").fill_null("") != "")
    )
    return (
        problems.join(values, on="line", how="left", maintain_order="left")
        .with_columns(
            pl.when(unread)
            .then(pl.concat_str(parts))
            .otherwise(pl.col("reason"))
            .alias("reason")
        )
        .select(problems.columns)
    )


def _check_some_place_fits(
    parsed: Parsed, frame: pl.DataFrame, mapping: TableMapping, *, crs: str, name: str
) -> None:
    """Stop the load (nothing written) when no row loads and most rows' places are
    outside the area of the store's CRS (its EPSG area of use; British National
    Grid takes the UK only, :func:`avert.ingest.geo.crs_area`):
    the store's CRS is wrong for the data (e.g. a Toronto extract into a store left
    at EPSG:27700), which is a setting to change, not every row to quarantine (a
    later load with the right CRS would leave them all there). With x/y columns
    the mapping's own ``[table].crs`` may be the wrong one instead (lon/lat in x/y
    read as Illinois feet): the error names both. A file of no rows passes."""
    outside = parsed.problems.filter(
        pl.col("column").is_in(["lat", "lon", "x", "y"])
        & pl.col("reason").str.contains(" outside ")
    )
    if (
        not frame.height
        or parsed.frames["incidents"].height
        or 2 * outside["line"].n_unique() <= frame.height
    ):
        return
    c = mapping.columns
    xy = (
        f"; or the mapping's [table].crs "
        f"({mapping.crs}) is not the CRS of the file's x/y columns ({c['x']!r}, "
        f"{c['y']!r}; lon/lat there is crs = 'EPSG:4326')"
        if "x" in c
        else ""
    )
    msg = (
        f"{name}: no row's place is inside the area of the store's CRS {crs} (first: "
        f"{outside['reason'][0]}); set the CRS to a projection of the data's area "
        "(setting crs, AVERT_CRS, or --crs; e.g. EPSG:32617 for Toronto)"
        f"{xy}. Nothing was loaded (docs/formats.md)."
    )
    raise IngestError(msg)


def _check_mapped_columns(
    header: list[str], mapping: TableMapping, *, name: str
) -> None:
    """Stop the load when a mapped column is not in the file's header (an empty
    file, or one read as a single field: another separator, says so)."""
    missing = sorted({c for c in mapping.columns.values() if c not in header})
    if missing:
        msg = f"{name}: mapped column(s) {missing} not in the file's header {header}"
        if not header:
            msg = f"{name}: empty file (no header, no rows); nothing was loaded."
        elif len(header) == 1 and (sep := _other_separator(header[0], mapping)):
            said = _DELIMITERS[mapping.delimiter]
            msg += (
                f": its header is one field holding {sep}, and the mapping reads "
                f"fields separated by {said}: set [table].delimiter to the file's "
                'separator (";" for semicolons, "\\t" for tabs, "|" for pipes; '
                "commas when not given), docs/formats.md"
            )
        raise IngestError(msg)


def _mapped_incidents(
    frame: pl.DataFrame, mapping: TableMapping, *, encoding: str, timezone: str
) -> pl.DataFrame:
    """The file's rows as bundle incident columns (with their line numbers): keyed
    by the source's id or a content digest, categories translated by the mapping."""
    c = mapping.columns
    exprs: list[pl.Expr] = [_when(mapping).alias("occurred_at")]
    for key in _AS_GIVEN:
        if key in c:
            exprs.append(pl.col(c[key]).alias(key))
    codes, types = _split_categories(mapping.categories)
    category = pl.col(c["crime_type"]).str.strip_chars() if codes or types else None
    if "offence_code" in c:
        exprs.append(pl.col(c["offence_code"]).alias("offence_code"))
    elif codes and category is not None:
        exprs.append(
            category.replace_strict(codes, default=None, return_dtype=pl.String).alias(
                "offence_code"
            )
        )
    mapped = frame.select(pl.col(LINE_COL), *exprs)
    # keyed by the file's own category, so translating one to a police.uk
    # category keeps the keys (a re-load with that mapping adds nothing)
    if "incident_id" in c:
        ids = frame.get_column(c["incident_id"]).alias("incident_id")
    else:
        content = [k for k in mapped.columns if k != LINE_COL]
        keyer = ContentKeyer(
            content, prefix="tbl-", salt=mapping.source, read_as=encoding
        )
        ids = keyer.keys(mapped).alias("incident_id")
    mapped = mapped.with_columns(ids)
    if _date_only_format(mapping):  # a date alone, as the bundle reads one (day)
        mapped = mapped.with_columns(pl.col("occurred_at").str.slice(0, 10))
    elif mapping.time_format and _INSTANT_DIRECTIVE.search(mapping.time_format):
        # keyed above by the text earlier versions read (UTC), stored as local time
        local = frame.select(_when(mapping, timezone=timezone).alias("occurred_at"))
        mapped = mapped.with_columns(local.get_column("occurred_at"))
    if types:  # the others as the file gives them
        mapped = mapped.with_columns(
            pl.col("crime_type").str.strip_chars().replace(types).alias("crime_type")
        )
    return mapped


def _file_problems(
    problems: pl.DataFrame,
    lines: npt.NDArray[Any],
    bad: pl.DataFrame,
    frame: pl.DataFrame,
    mapping: TableMapping,
) -> pl.DataFrame:
    """The problems by the file's own line numbers, with the lines that could not be
    read at all, in line order."""
    if problems.height:
        problems = problems.with_columns(
            pl.Series("line", lines[problems["line"].to_numpy() - 1].astype(np.int64))
        )
        problems = _name_unread_times(problems, frame, mapping)
    if bad.height:
        problems = pl.concat(
            [
                rejected_lines(bad, "incidents").cast(problems.schema),
                problems,
            ]
        ).sort("line")
    return problems


def parse_table(
    data: bytes,
    mapping: TableMapping,
    *,
    name: str,
    crs: str = "EPSG:27700",
    parquet: bool | None = None,
    timezone: str = DEFAULT_TIMEZONE,
    limits: Limits = DEFAULT_LIMITS,
) -> Parsed:
    """Parse one incident table (CSV or Parquet bytes) through ``mapping``.

    ``timezone`` is the store's (settings ``timezone``): a time with an offset or Z
    is converted to it, as in a bundle; ``limits`` are the ingest limits (the line
    length).

    Raises
    ------
    IngestError
        When a mapped column is not in the file, no row's time reads (a missing or
        wrong ``time_format``), no row's place is inside the area of the store's
        CRS, or the file cannot be read (:class:`~avert.ingest.limits.Refused`
        when a line is longer than ``limits`` allow).
    """
    # the file's digest and the mapping's, as of the two joined (not copied)
    digest = hashlib.sha256(data)
    digest.update(mapping.digest().encode())
    is_parquet = name.lower().endswith(".parquet") if parquet is None else parquet
    frame, header, rows, bad, encoding = _read(
        data,
        name,
        parquet=is_parquet,
        limits=limits,
        columns=set(mapping.columns.values()),
        time=(mapping.columns.get("occurred_at", ""), mapping.time_format),
        timezone=timezone,
        delimiter=mapping.delimiter,
    )
    del data  # the rows are read: the file's bytes need not stay while they are checked
    _check_mapped_columns(header, mapping, name=name)
    _check_hours_are_hours(frame, mapping, name=name)
    c = mapping.columns
    mapped = _mapped_incidents(frame, mapping, encoding=encoding, timezone=timezone)
    misspelled = _misspelled_categories_note(frame, mapping)
    lines = mapped.get_column(LINE_COL).to_numpy()
    buf = io.BytesIO()
    mapped.drop(LINE_COL).write_parquet(buf)
    del mapped
    payload = buf.getvalue()
    del buf
    # only the times are looked at again (to say why a time did not read): the
    # other columns need not stay while the bundle's row checks run
    frame = frame.select(_time_columns(mapping))
    parsed = parse_bundle_table(
        payload,
        "incidents",
        name=name,
        parquet=True,
        bundle_crs=mapping.crs,
        source=mapping.source,
        crs=crs,
        timezone=timezone,
        limits=limits,
    )
    _check_some_time_reads(parsed, frame, mapping, name=name)
    _check_some_place_fits(parsed, frame, mapping, crs=crs, name=name)
    # back to the file's own line numbers (the Parquet copy numbers rows 1..n)
    table = parsed.frames["incidents"]
    table = table.with_columns(
        pl.Series("source_line", lines[table["source_line"].to_numpy() - 1])
    )
    if "incident_id" not in c:  # keys are content digests, not the source's ids
        table = table.with_columns(pl.lit(False).alias("has_source_id"))
    table = _stated_precision(table, mapping.time_precision)
    parsed.frames["incidents"] = table
    return Parsed(
        name,
        digest.hexdigest(),
        "table-incidents",
        rows,
        parsed.frames,
        _file_problems(parsed.problems, lines, bad, frame, mapping),
        note=join_notes(encoding_note(encoding), parsed.note, misspelled),
    )
