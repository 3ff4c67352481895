"""Street crimes, their outcomes and the reduced teaching copy, as canonical rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import polars as pl

from avert.areas import lsoa_authority
from avert.ingest._rows import split_rows
from avert.ingest.geo import coordinate_failing
from avert.ingest.policeuk._common import (
    _XY,
    _col,
    _coord_check,
    _File,
    _month_check,
    _month_failing,
    _month_span,
    _texts,
    _with_xy,
)
from avert.ingest.policeuk._kinds import (
    REDUCED_CRIME_TYPES,
)

#: street file column -> incidents column, taken as given
_STREET_TEXT: Final = {
    "Location": "location",
    "LSOA code": "lsoa",
    "LSOA name": "lsoa_name",
    "Last outcome category": "outcome",
    "Context": "context",
}


def _street(
    frame: pl.DataFrame, header: Sequence[str], file: _File
) -> tuple[pl.DataFrame, pl.DataFrame]:
    crs = file.crs
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
        keys = keys.scatter(where, file.keyer.keys(good.filter(missing)))
    good = _with_xy(good.with_columns(keys), "Longitude", "Latitude", crs=crs)
    crime_id = _col(good, "Crime ID")
    span = _month_span(good, "Month")
    out = (
        good.lazy()
        .select(
            pl.coalesce(crime_id, pl.col("_key")).alias("incident_id"),
            pl.lit("policeuk").alias("source"),
            *_texts(good, {"Falls within": "force", "Crime type": "crime_type"}),
            *span,
            *_XY,
            *_texts(good, _STREET_TEXT),
            # police.uk names no borough; its LSOA name holds the local authority,
            # so an area (`brief --area Leeds`, an officer's area) is found by it
            lsoa_authority(_col(good, "LSOA name")).alias("borough"),
            crime_id.is_not_null().alias("has_source_id"),
            "has_location",
            *file.provenance(),
        )
        .collect()
    )
    return out, problems


def _outcomes(
    frame: pl.DataFrame, header: Sequence[str], file: _File
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
        *_texts(good, {"Outcome type": "outcome", "Falls within": "force"}),
        *file.provenance(),
    )
    return out, problems


def _reduced(
    frame: pl.DataFrame, header: Sequence[str], file: _File
) -> tuple[pl.DataFrame, pl.DataFrame]:
    crs = file.crs
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
    keys = file.keyer.keys(good)
    good = _with_xy(good, "longitude", "latitude", crs=crs)
    out = good.select(
        pl.lit(keys).alias("incident_id"),
        pl.lit("policeuk-reduced").alias("source"),
        kind.replace_strict(REDUCED_CRIME_TYPES, return_dtype=pl.String).alias(
            "crime_type"
        ),
        *_month_span(good, "month"),
        *_XY,
        _col(good, "location_type").alias("location"),
        pl.lit(False).alias("has_source_id"),
        "has_location",
        *file.provenance(),
    )
    return out, problems
