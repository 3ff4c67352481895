"""Parse area boundary polygons (WKT in a CSV) into the ``area_boundaries`` frame.

A file has an area code column (``LSOA11CD``, ``LSOA21CD``, ``LAD22CD``, ``area``,
``code`` ...) and a WKT geometry column (``geometry``, ``geometry_wkt_epsg27700``,
``wkt`` ...), in ``crs`` (EPSG:27700 unless told otherwise), e.g. the ONS London LSOA
and borough boundaries. A row with no code, WKT that does not parse, an empty
geometry or one that is not a (multi)polygon is rejected with its line and reason.

Geometries are parsed and, when the file's CRS is not the store's, transformed with
shapely over whole arrays (pyproj transformer, ``always_xy``), never row by row;
the WGS84 bounding box of each polygon is kept beside its WKT.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import numpy as np
import polars as pl
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from avert.errors import IngestError
from avert.ingest._rows import split_rows
from avert.ingest.population import (
    _blank,
    _canonical,
    _check,
    _col_named,
    _nul_checks,
    _read,
)
from avert.ingest.result import Parsed
from avert.schema import AREA_BOUNDARIES

__all__ = ["parse_boundaries"]

_CODE_NAMES: Final = (
    "area",
    "LSOA21CD",
    "LSOA11CD",
    "LSOACD",
    "MSOA21CD",
    "MSOA11CD",
    "LAD22CD",
    "LAD21CD",
    "LAD11CD",
    "code",
)
_GEOMETRY_NAMES: Final = ("geometry", "geometry_wkt_epsg27700", "wkt", "geom")
_POLYGONAL: Final = ("Polygon", "MultiPolygon")


def _known_crs(crs: str, what: str) -> CRS:
    try:
        return CRS.from_user_input(crs)
    except CRSError as err:
        msg = f"{what} {crs!r} is not a CRS pyproj knows: {err}"
        raise IngestError(msg) from err


def _geometry_problems(wkt: pl.Series) -> tuple[np.ndarray, pl.Series]:
    """Parsed geometries and, per row, why one is unusable (null: usable)."""
    text = wkt.fill_null("").to_numpy().astype(object)
    geoms = shapely.from_wkt(text, on_invalid="ignore")
    missing = shapely.is_missing(geoms)
    blank = np.array([not str(t).strip() for t in text], dtype=bool)
    empty = ~missing & shapely.is_empty(geoms)
    kinds = shapely.get_type_id(geoms)
    # 3: Polygon, 6: MultiPolygon (shapely.GeometryType)
    polygonal = np.isin(kinds, (3, 6))
    reason = np.full(len(text), None, dtype=object)
    reason[~missing & ~empty & ~polygonal] = "geometry is not a POLYGON or MULTIPOLYGON"
    reason[empty] = "empty geometry"
    reason[missing] = "WKT does not parse"
    reason[blank] = "no geometry"
    return geoms, pl.Series("_geom_problem", reason.tolist(), dtype=pl.String)


def parse_boundaries(
    path: str | Path,
    *,
    crs: str = "EPSG:27700",
    store_crs: str = "EPSG:27700",
    code_column: str | None = None,
    geometry_column: str | None = None,
) -> Parsed:
    """Parse a CSV of area codes and WKT polygons in ``crs``, stored in ``store_crs``.

    ``code_column``/``geometry_column`` name the columns when the usual names
    (module docstring) are absent.
    """
    p = Path(path)
    source = _known_crs(crs, "The file's CRS")
    target = _known_crs(store_crs, "The store's CRS")
    frame, digest, encoding_read = _read(p)
    cols = [c for c in frame.columns if c != "_line"]
    area = (
        _col_named(cols, code_column) if code_column else _col_named(cols, *_CODE_NAMES)
    )
    geom = (
        _col_named(cols, geometry_column)
        if geometry_column
        else _col_named(cols, *_GEOMETRY_NAMES)
    )
    if area is None or geom is None:
        msg = (
            f"boundaries need an area code column ({', '.join(_CODE_NAMES)}) and a WKT "
            f"geometry column ({', '.join(_GEOMETRY_NAMES)}), not {cols}"
        )
        raise IngestError(msg)
    geoms, problem = _geometry_problems(frame[geom])
    frame = frame.with_columns(problem, pl.Series("_geom_index", range(frame.height)))
    good, problems = split_rows(
        frame,
        cols,
        [
            *_nul_checks([area]),
            _check(area, _blank(area), "no area code"),
            (pl.lit(geom), pl.col("_geom_problem")),
        ],
        target="area_boundaries",
    )
    kept = geoms[good["_geom_index"].to_numpy()]
    if not source.equals(target):
        to_store = Transformer.from_crs(source, target, always_xy=True)
        kept = shapely.transform(
            kept, lambda xy: np.column_stack(to_store.transform(xy[:, 0], xy[:, 1]))
        )
        wkt = shapely.to_wkt(kept, rounding_precision=3)
    else:
        wkt = good[geom].str.strip_chars().to_numpy()
    bounds = shapely.bounds(kept)
    to_wgs84 = Transformer.from_crs(target, "EPSG:4326", always_xy=True)
    west, south = to_wgs84.transform(bounds[:, 0], bounds[:, 1])
    east, north = to_wgs84.transform(bounds[:, 2], bounds[:, 3])
    out = good.select(
        pl.col(area).str.strip_chars().alias("area"),
        pl.lit(store_crs).alias("crs"),
        pl.Series("geometry_wkt", list(wkt), dtype=pl.String),
        pl.Series("lon_min", np.minimum(west, east), dtype=pl.Float64),
        pl.Series("lat_min", np.minimum(south, north), dtype=pl.Float64),
        pl.Series("lon_max", np.maximum(west, east), dtype=pl.Float64),
        pl.Series("lat_max", np.maximum(south, north), dtype=pl.Float64),
        pl.col("_line").alias("source_line"),
    )
    frames = {"area_boundaries": _canonical(out, AREA_BOUNDARIES)}
    return Parsed(
        str(path),
        digest,
        "area-boundaries",
        frame.height,
        frames,
        problems,
        encoding_read,
    )
