"""Street crimes, their outcomes and the reduced teaching copy, as canonical rows."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from avert.ingest._csv import (
    LINE_COL,
)
from avert.ingest._rows import split_rows
from avert.ingest.geo import coordinate_failing
from avert.ingest.keys import ContentKeyer
from avert.ingest.policeuk._common import (
    _col,
    _coord_check,
    _month_check,
    _month_failing,
    _month_span,
    _with_xy,
)
from avert.ingest.policeuk._kinds import (
    REDUCED_CRIME_TYPES,
)


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
