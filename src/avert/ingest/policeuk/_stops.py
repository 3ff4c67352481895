"""Stop and search: the archive CSV and the API's ``stops-force`` JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Final

import polars as pl

from avert.ingest._csv import (
    LINE_COL,
)
from avert.ingest._rows import split_rows
from avert.ingest.geo import coordinate_failing
from avert.ingest.policeuk._common import (
    _XY,
    _col,
    _coord_check,
    _File,
    _not_policeuk,
    _texts,
    _with_xy,
)
from avert.ingest.policeuk._kinds import API_STOPS, STOPS
from avert.ingest.result import PROBLEM_SCHEMA, Parsed
from avert.schema import AGE_RANGES

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


def _parse_stop_time(column: str) -> pl.Expr:
    """ISO 8601 with offset (fractional seconds optional) -> naive Europe/London."""
    value = pl.col(column).str.strip_chars()
    with_tz = value.str.to_datetime(
        "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False, time_unit="us"
    )
    return with_tz.dt.convert_time_zone("Europe/London").dt.replace_time_zone(None)


def _bool_bad(frame: pl.DataFrame, column: str) -> pl.Expr:
    """True where ``column`` holds a value that is not true/false (any case)."""
    if column not in frame.columns:
        return pl.lit(False)
    value = pl.col(column).str.strip_chars().str.to_lowercase()
    return value.is_not_null() & ~value.is_in(list(_BOOL))


def _bool_check(frame: pl.DataFrame, column: str) -> tuple[pl.Expr, pl.Expr]:
    if column not in frame.columns:
        return pl.lit(column), pl.lit(None, dtype=pl.String)
    return pl.lit(column), pl.when(_bool_bad(frame, column)).then(
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
    frame: pl.DataFrame, header: Sequence[str], file: _File
) -> tuple[pl.DataFrame, pl.DataFrame]:
    crs = file.crs
    occurred = _parse_stop_time("Date")
    gender = _col(frame, "Gender")
    age = _col(frame, "Age range")
    bad_gender = gender.is_not_null() & ~gender.str.to_lowercase().is_in(list(_SEX))
    bad_age = age.is_not_null() & ~age.is_in(list(AGE_RANGES))
    flags = (
        "Part of a policing operation",
        "Outcome linked to object of search",
        "Removal of more than just outer clothing",
    )
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
            pl.when(bad_gender).then(pl.lit("unknown gender: ") + gender),
        ),
        (
            pl.lit("Age range"),
            pl.when(bad_age).then(pl.lit("unknown age range: ") + age),
        ),
        *(_bool_check(frame, c) for c in flags),
    ]
    # the conditions alone: reasons (text) are built for the rows they flag only
    failing = pl.any_horizontal(
        c.fill_null(False)
        for c in (
            occurred.is_null(),
            coordinate_failing("Longitude", "Latitude", crs=crs),
            bad_gender,
            bad_age,
            *(_bool_bad(frame, c) for c in flags),
        )
    )
    good, problems = split_rows(frame, header, checks, target="stops", failing=failing)
    keys = file.keyer.keys(good)
    good = _with_xy(good, "Longitude", "Latitude", crs=crs)
    self_defined = _col(good, "Self-defined ethnicity")
    out = good.select(
        pl.lit(keys).alias("stop_id"),
        pl.lit("policeuk").alias("source"),
        pl.lit(file.force, dtype=pl.String).alias("force"),
        _parse_stop_time("Date").alias("occurred_at"),
        _col(good, "Type").alias("search_type"),
        *_XY,
        "has_location",
        _as_bool(good, "Part of a policing operation").alias("part_of_operation"),
        *_texts(
            good,
            {
                "Policing operation": "operation_name",
                "Legislation": "legislation",
                "Object of search": "object_of_search",
                "Outcome": "outcome",
            },
        ),
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
        *file.provenance(),
    )
    return out, problems


def _json_error(err: json.JSONDecodeError, text: str) -> str:
    """Why a JSON file does not parse; a file whose text ends where the parser
    stopped (or inside a string, which only the end of the text leaves open: a
    line break in one is another error) is said to end inside the JSON: a
    download or copy cut short."""
    cut = err.pos >= len(text.rstrip()) or err.msg.startswith("Unterminated string")
    where = "the file ends inside it (cut short?): " if cut else ""
    return f"not valid JSON: {where}{err}"


def _parse_api_stops(
    data: bytes, *, name: str, basename: str, digest: str, crs: str
) -> Parsed:
    """police.uk API ``stops-force`` JSON: an array of objects; "line" = record number."""
    try:
        body = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return _not_policeuk(name, digest, f"not valid JSON: {err}")
    if not body.strip():
        return _not_policeuk(name, digest, "empty file")  # as an empty CSV file
    try:
        records = json.loads(body)
    except json.JSONDecodeError as err:
        return _not_policeuk(name, digest, _json_error(err, body))
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        why = "not a police.uk API stop-and-search array of objects"
        return _not_policeuk(name, digest, why)
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
    header = list(_STOP_CSV_COLUMNS)
    file = _File.of(STOPS, header, name=name, basename=basename, crs=crs)
    out, problems = _stops(frame, header, file)
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


#: text fields the API gives as ``false`` when there is none: ``"outcome": false``
#: for a search with no outcome recorded (its documentation's examples, 2017; ""
#: since), which the CSV leaves blank
_API_FALSE_IS_NONE: Final = frozenset({"outcome"})


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
                if f in _API_FALSE_IS_NONE and value is False:
                    value = None
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
