"""Coordinates: validity checks and projection from WGS84 to the settings CRS.

Projection uses a cached pyproj ``Transformer`` (``always_xy=True``) over whole numpy
arrays, never row by row.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from avert.errors import ConfigError

__all__ = [
    "UK_BOUNDS",
    "coordinate_failing",
    "coordinate_problem",
    "from_crs",
    "project",
]

#: Generous (lon_min, lon_max, lat_min, lat_max) box around the UK, Channel Islands,
#: Isle of Man, Shetland and St Kilda; checked when the CRS is British National Grid.
UK_BOUNDS: Final = (-14.0, 4.0, 48.5, 62.0)
_BNG: Final = {"EPSG:27700", "27700"}


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    try:
        return Transformer.from_crs(CRS(source), CRS(target), always_xy=True)
    except CRSError as err:
        msg = f"Unknown CRS {target!r} or {source!r}: {err}"
        raise ConfigError(msg) from err


def project(
    lon: npt.NDArray[np.float64],
    lat: npt.NDArray[np.float64],
    *,
    crs: str = "EPSG:27700",
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Project WGS84 lon/lat (degrees) to ``crs`` x/y metres; NaN stays NaN."""
    x, y = _transformer("EPSG:4326", crs).transform(lon, lat)
    return _finite(x), _finite(y)


def _finite(values: object) -> npt.NDArray[np.float64]:
    """As float64 with every non-finite value (pyproj gives inf for NaN) as NaN."""
    out = np.array(values, dtype=np.float64, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out


def from_crs(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    *,
    source_crs: str,
    target_crs: str = "EPSG:4326",
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Transform x/y from ``source_crs`` to ``target_crs`` (always x = lon order)."""
    a, b = _transformer(source_crs, target_crs).transform(x, y)
    return _finite(a), _finite(b)


def coordinate_problem(
    lon_raw: str, lat_raw: str, *, crs: str = "EPSG:27700"
) -> tuple[pl.Expr, pl.Expr]:
    """Expressions giving (column, reason) of a bad coordinate pair, else nulls.

    Blank pairs are not problems (the row is kept with ``has_location=false``).
    A pair is bad when only one is given, when one is not a number, when it lies
    outside [-90, 90] x [-180, 180], or, for British National Grid, outside
    :data:`UK_BOUNDS`.
    """
    column: pl.Expr = pl.lit(None, dtype=pl.String)
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for cond, name, why in reversed(_coordinate_cases(lon_raw, lat_raw, crs=crs)):
        column = pl.when(cond.fill_null(False)).then(pl.lit(name)).otherwise(column)
        reason = pl.when(cond.fill_null(False)).then(why).otherwise(reason)
    return column, reason


def coordinate_failing(
    lon_raw: str, lat_raw: str, *, crs: str = "EPSG:27700"
) -> pl.Expr:
    """Boolean expression: true exactly where :func:`coordinate_problem` gives a reason.

    It evaluates only the conditions (no reason text is built), so a caller can find
    the few bad rows cheaply and build reasons for those rows alone.
    """
    out: pl.Expr = pl.lit(False)
    for cond, _, _ in _coordinate_cases(lon_raw, lat_raw, crs=crs):
        out = out | cond.fill_null(False)
    return out


def _coordinate_cases(
    lon_raw: str, lat_raw: str, *, crs: str
) -> list[tuple[pl.Expr, str, pl.Expr]]:
    """(condition, column, reason) of each way a pair is bad, first match wins."""
    lon_s, lat_s = pl.col(lon_raw), pl.col(lat_raw)
    lon, lat = (
        lon_s.cast(pl.Float64, strict=False),
        lat_s.cast(pl.Float64, strict=False),
    )
    lon_blank, lat_blank = lon_s.is_null(), lat_s.is_null()
    lon_min, lon_max, lat_min, lat_max = UK_BOUNDS
    check_box = crs.upper() in _BNG
    cases: list[tuple[pl.Expr, str, pl.Expr]] = [
        (
            lat_blank & ~lon_blank,
            lat_raw,
            pl.lit("latitude missing but longitude given"),
        ),
        (
            lon_blank & ~lat_blank,
            lon_raw,
            pl.lit("longitude missing but latitude given"),
        ),
        (
            ~lat_blank & (lat.is_null() | lat.is_nan()),
            lat_raw,
            pl.lit("not a number: ") + lat_s,
        ),
        (
            ~lon_blank & (lon.is_null() | lon.is_nan()),
            lon_raw,
            pl.lit("not a number: ") + lon_s,
        ),
        (lat.abs() > 90, lat_raw, pl.lit("latitude out of range: ") + lat_s),
        (lon.abs() > 180, lon_raw, pl.lit("longitude out of range: ") + lon_s),
    ]
    if check_box:
        cases += [
            (
                (lat < lat_min) | (lat > lat_max),
                lat_raw,
                pl.lit("latitude outside the UK for EPSG:27700: ") + lat_s,
            ),
            (
                (lon < lon_min) | (lon > lon_max),
                lon_raw,
                pl.lit("longitude outside the UK for EPSG:27700: ") + lon_s,
            ),
        ]
    return cases
