"""The synthetic city's own residents as denominators: a population file and its
LSOAs' centroids, loaded as a census would be (``avert ingest population`` and
``avert ingest centroids``), so that rates per resident (stop and search by ethnic
group, sex and age) can be shown for the synthetic city.

The rows are the city's residents, every one counted (not a sample, not a census):
per synthetic LSOA (a 250 m cell, ``SYN0000`` ...) by self-defined ethnic group, by
sex and by police age range, with its total; each LSOA's local authority is the
city, :data:`CITY_NAME` (the incidents' borough). Their codes begin with
:data:`~avert.analyse.denominators.SYNTHETIC_AREA_PREFIX`, by which the equality
pages name them the synthetic city's residents rather than a census.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import polars as pl
from pyproj import Transformer

from avert.analyse.denominators import POLICE_AGE_RANGES
from avert.synth.city import City

__all__ = [
    "CENTROIDS_FILE",
    "CITY_NAME",
    "RESIDENTS_FILE",
    "residents_year",
    "write_residents",
]

#: the local authority of every synthetic LSOA (the incidents' ``borough``)
CITY_NAME: Final = "Synthetic City"
#: the file names :func:`write_residents` writes
RESIDENTS_FILE: Final = "synthetic-city-residents.csv"
CENTROIDS_FILE: Final = "synthetic-city-lsoa-centroids.csv"


def residents_year(city: City) -> int:
    """The year the residents are given for: the latest whose reference day (30
    June, as for an estimate with no census) is by the city's first day.

    The city's residents do not change over its days; a later year would be read
    by the equality figures as counted after the first search (a note that a
    group's growth since then understates its ratio), which is untrue here.
    """
    first = city.config.end_date - dt.timedelta(days=city.config.days)
    return first.year if dt.date(first.year, 6, 30) <= first else first.year - 1


def _age_band(age: pl.Expr) -> pl.Expr:
    """The police age range of ``age`` as a population band (``0-9`` ... ``35+``)."""
    band: pl.Expr = pl.lit(None, pl.String)
    for _name, lo, hi in POLICE_AGE_RANGES:
        label = f"{lo}+" if hi >= 999 else f"{lo}-{hi}"
        band = pl.when(age.is_between(lo, hi)).then(pl.lit(label)).otherwise(band)
    return band


def residents_rows(city: City) -> pl.DataFrame:
    """The city's residents per synthetic LSOA, in the ``simple`` population layout:
    ``area``, ``area_name``, ``area_type`` (``lsoa``), ``parent_area``, ``year``,
    ``sex``, ``age_band``, ``ethnicity``, ``population``: by ethnic group, by sex
    and by police age range (each over the others' ``all``), and the total."""
    people = city.residents.with_columns(_age_band(pl.col("age")).alias("age_band"))
    splits = [
        people.group_by("lsoa", "ethnicity").len(),
        people.group_by("lsoa", "sex").len(),
        people.group_by("lsoa", "age_band").len(),
        people.group_by("lsoa").len(),
    ]
    rows = pl.concat(
        [
            part.with_columns(
                pl.lit("all").alias(c)
                for c in ("sex", "age_band", "ethnicity")
                if c not in part.columns
            ).select("lsoa", "sex", "age_band", "ethnicity", "len")
            for part in splits
        ]
    )
    return rows.sort("lsoa", "sex", "age_band", "ethnicity").select(
        pl.col("lsoa").alias("area"),
        pl.col("lsoa").alias("area_name"),
        pl.lit("lsoa").alias("area_type"),
        pl.lit(CITY_NAME).alias("parent_area"),
        pl.lit(residents_year(city)).alias("year"),
        "sex",
        "age_band",
        "ethnicity",
        pl.col("len").cast(pl.Int64).alias("population"),
    )


def centroid_rows(city: City) -> pl.DataFrame:
    """``area``, ``latitude``, ``longitude``: the centre of each synthetic LSOA (its
    250 m cell) in WGS84, so that stops are placed in the cells they fall in."""
    areas = pl.DataFrame(city.truth.fields["population"]["areas"]).select(
        "lsoa", "x", "y"
    )
    to_wgs84 = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(areas["x"].to_numpy(), areas["y"].to_numpy())
    return pl.DataFrame(
        {
            "area": areas["lsoa"],
            "latitude": pl.Series(lat).round(6),
            "longitude": pl.Series(lon).round(6),
        }
    )


def write_residents(city: City, folder: str | Path) -> tuple[Path, Path]:
    """Write the city's residents (:func:`residents_rows`) and its LSOAs' centroids
    (:func:`centroid_rows`) as CSV files in ``folder``; return their paths."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    residents, centroids = out / RESIDENTS_FILE, out / CENTROIDS_FILE
    residents_rows(city).write_csv(residents)
    centroid_rows(city).write_csv(centroids)
    return residents, centroids
