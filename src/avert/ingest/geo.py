"""Coordinates: validity checks and projection from WGS84 to the settings CRS.

Projection uses a cached pyproj ``Transformer`` (``always_xy=True``) over whole numpy
arrays, never row by row.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache, partial
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
from pyproj import CRS, Proj, Transformer
from pyproj.exceptions import CRSError, ProjError

from avert.errors import ConfigError

__all__ = [
    "AREA_MARGIN_DEG",
    "UK_BOUNDS",
    "XY_TOLERANCE_M",
    "CrsArea",
    "check_crs",
    "check_store_crs",
    "coordinate_failing",
    "coordinate_problem",
    "crs_area",
    "from_crs",
    "project",
    "xy_disagreement",
    "xy_failing",
    "xy_problem",
]

#: Generous (lon_min, lon_max, lat_min, lat_max) box around the UK, Channel Islands,
#: Isle of Man, Shetland and St Kilda: the area checked when the CRS is British
#: National Grid (its EPSG area of use, lon -9.01..2.01, lat 49.75..61.01, leaves out
#: the Channel Islands and St Kilda's waters).
UK_BOUNDS: Final = (-14.0, 4.0, 48.5, 62.0)
#: Metres by which a row's x/y may lie from its lat/lon (both in the store's CRS)
#: before the two pairs are said to disagree, on top of the rounding their own
#: digits allow (:func:`_rounding_m`): a few metres of rounding (x/y to the metre,
#: lat/lon to 4 decimals, ~11 m) and datum shifts (~5 m) are not a second place;
#: 50 m is about a street's width.
XY_TOLERANCE_M: Final = 50.0
#: Metres of ground per degree of latitude (the largest, at the poles: an
#: allowance errs wide)
_M_PER_DEG_LAT: Final = 111_700.0

#: Degrees added on each side of a CRS's EPSG area of use before a place is called
#: outside it: a UTM zone is 6 degrees wide but projects well a degree beyond its
#: edges, so a city beside a zone edge keeps its suburbs; a place in another city
#: (Vancouver or New York for Toronto's zone 17N) is still tens of degrees out.
AREA_MARGIN_DEG: Final = 1.0

#: Areas named instead of the EPSG area of use, by EPSG code.
_NAMED_AREAS: Final = {27700: ("the UK", UK_BOUNDS)}


@dataclass(frozen=True, slots=True)
class CrsArea:
    """The lon/lat box (WGS84 degrees) a projected CRS is used in.

    ``label`` names it in quarantine reasons (``"the UK"``, or ``"the area of use"``
    with ``detail`` giving the EPSG area's name and the box). ``west > east`` when
    the box crosses the antimeridian.
    """

    label: str
    detail: str
    west: float
    east: float
    south: float
    north: float

    def lon_outside(self, lon: pl.Expr) -> pl.Expr:
        """True where ``lon`` is outside [west, east] (across 180 when west > east)."""
        if self.west <= self.east:
            return (lon < self.west) | (lon > self.east)
        return (lon < self.west) & (lon > self.east)

    def lat_outside(self, lat: pl.Expr) -> pl.Expr:
        return (lat < self.south) | (lat > self.north)


@lru_cache(maxsize=16)
def check_crs(crs: str) -> None:
    """Raise ConfigError when pyproj does not know ``crs`` (e.g. ``EPSG:99999``)."""
    try:
        CRS(crs)
    except CRSError as err:
        msg = f"Unknown CRS {crs!r}: {err}"
        raise ConfigError(msg) from err


@lru_cache(maxsize=16)
def crs_area(crs: str) -> CrsArea | None:
    """The area checked at ingest for places projected to ``crs``, None for none.

    One rule for every CRS: pyproj's ``CRS.area_of_use`` (the EPSG "area of use"
    bounds, in lon/lat) widened by :data:`AREA_MARGIN_DEG` on each side, except
    British National Grid, which keeps its generous UK box :data:`UK_BOUNDS`. A CRS
    without an area of use (a bare PROJ string) or one that covers the world (e.g.
    EPSG:4326) gives None: only the range, (0, 0) and projection checks apply.
    """
    try:
        parsed = CRS(crs)
    except CRSError as err:
        msg = f"Unknown CRS {crs!r}: {err}"
        raise ConfigError(msg) from err
    named = _NAMED_AREAS.get(parsed.to_epsg() or 0)
    if named is not None:
        label, (west, east, south, north) = named
        return CrsArea(label, "", west, east, south, north)
    area = parsed.area_of_use
    if area is None:
        return None
    m = AREA_MARGIN_DEG
    south, north = max(area.south - m, -90.0), min(area.north + m, 90.0)
    if area.west <= area.east and area.east - area.west + 2 * m >= 360.0:
        if south <= -90.0 and north >= 90.0:
            return None
        west, east = -180.0, 180.0
    else:
        west = _wrap(area.west - m)
        east = _wrap(area.east + m)
    name = (area.name or "unnamed").split(". ")[0].split(", ")[0].rstrip(".")
    detail = (
        f" ({name}: lon {_deg(area.west)}..{_deg(area.east)}, lat "
        f"{_deg(area.south)}..{_deg(area.north)}, {_deg(m)} degree margin)"
    )
    return CrsArea("the area of use", detail, west, east, south, north)


@lru_cache(maxsize=16)
def check_store_crs(crs: str) -> None:
    """A :class:`ConfigError` unless ``crs`` is a projected CRS measured in metres.

    The store's x/y are metres: cell sizes (``places_cell_m``), bandwidths,
    near-repeat distances and ``cell_id`` all assume it. A CRS in degrees (EPSG:4326)
    or in feet (a US State Plane CRS such as EPSG:3435, Illinois East (ftUS), the
    CRS of Chicago's own x/y columns) would load, and every distance would then be
    wrong by its unit (a "150 m" cell 150 feet, or 150 degrees, wide).
    """
    check_crs(crs)
    parsed = CRS(crs)
    units = {a.unit_name for a in parsed.axis_info}
    if parsed.is_projected and units == {"metre"}:
        _check_true_metres(crs, parsed)
        return
    what = (
        "is geographic (degrees)"
        if parsed.is_geographic
        else f"measures x/y in {', '.join(sorted(units)) or 'no known unit'}"
    )
    msg = (
        f"The store's CRS {crs} ({parsed.name}) {what}; avert's x/y, cells and "
        "distances are metres: set the crs setting (AVERT_CRS, or --crs) to a "
        "projection in metres of the data's area, e.g. its UTM zone (EPSG:326NN: "
        "EPSG:32616 for Chicago, EPSG:32617 for Toronto). A file's own CRS (feet or "
        "degrees) is fine: a mapping's [table].crs or a bundle's crs says it. "
        f"{_STORED_STAY}"
    )
    raise ConfigError(msg)


#: The end of a refused store CRS's message: a store loaded before the check (earlier
#: versions accepted Web Mercator) holds x/y in that CRS, which no setting
#: moves; a new crs alone would put later loads in another projection beside them
#: (the store does not record its CRS), and every cell and distance across the two
#: would be wrong by kilometres.
_STORED_STAY: Final = (
    "If this store already holds incidents, they keep their x/y in the CRS they "
    "were loaded in (changing the setting does not move them): do not load into "
    "it with the new crs, load the files again into a new store "
    "(AVERT_DATABASE_URL, or --db) with it."
)

#: Largest scale error (|scale - 1|) over a CRS's area of use that a store CRS may
#: have: local projections stay under 0.5 % (UTM 0.1 %, British National Grid
#: 0.3 %), continental ones under 5 % (LAEA Europe 4 %); world Mercators reach 900 %.
MAX_SCALE_ERROR: Final = 0.1


def _check_true_metres(crs: str, parsed: CRS) -> None:
    """A :class:`ConfigError` when ``crs``'s metres are not ground metres over its
    area of use: the scale error (pyproj ``get_factors``, on a 7 x 7 grid of the
    area) exceeds :data:`MAX_SCALE_ERROR`. Web Mercator (EPSG:3857), the web maps'
    CRS, is "in metres" but a metre of it is cos(latitude) ground metres: a 150 m
    cell 105 m wide at 45 degrees, a km² budget half the ground it names, and
    near-repeat bands 30 % short. A CRS without an area of use is not checked."""
    area = parsed.area_of_use
    if area is None:
        return
    east = area.east if area.west <= area.east else area.east + 360.0
    lons = (np.linspace(area.west, east, 7) + 180.0) % 360.0 - 180.0
    lats = np.linspace(max(area.south, -85.0), min(area.north, 85.0), 7)
    lon, lat = (g.ravel() for g in np.meshgrid(lons, lats))
    try:
        factors = Proj(parsed).get_factors(lon, lat)
    except (CRSError, ProjError):  # no factors to be had: not checked
        return
    scales = np.concatenate([factors.meridional_scale, factors.parallel_scale])
    scales = scales[np.isfinite(scales)]
    if scales.size == 0 or float(np.abs(scales - 1.0).max()) <= MAX_SCALE_ERROR:
        return
    worst = float(np.abs(scales - 1.0).max())
    msg = (
        f"The store's CRS {crs} ({parsed.name}) measures x/y in metres that are not "
        f"ground metres over its area (scale off by up to {worst:.0%}; Web Mercator's "
        "metre is cos(latitude) ground metres: a 150 m cell is 105 m wide at 45 "
        "degrees). avert's cells, budgets in km² and distances need ground metres: "
        "set the crs setting (AVERT_CRS, or --crs) to a local projection, e.g. the "
        "data's UTM zone (EPSG:326NN) or national grid. A file's own CRS may be Web "
        "Mercator: a mapping's [table].crs or a bundle's crs says it. "
        f"{_STORED_STAY}"
    )
    raise ConfigError(msg)


def _wrap(lon: float) -> float:
    """Longitude in [-180, 180]."""
    return lon - 360.0 if lon > 180.0 else lon + 360.0 if lon < -180.0 else lon


def _deg(value: float) -> str:
    return f"{value:g}"


@lru_cache(maxsize=16)
def _transformer(source: str, target: str) -> Transformer:
    try:
        return Transformer.from_crs(CRS(source), CRS(target), always_xy=True)
    except CRSError as err:
        msg = f"Unknown CRS {target!r} or {source!r}: {err}"
        raise ConfigError(msg) from err


#: The one thread that projects for polars expressions: PROJ segfaults when entered
#: from polars' worker threads (their small stacks), so ``map_batches`` functions
#: hand the work to this ordinary thread and wait for it.
_PROJ_THREAD: Final = ThreadPoolExecutor(max_workers=1, thread_name_prefix="avert-proj")


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
    outside [-90, 90] x [-180, 180], when it is (0, 0) ("null island": a missing
    place coded as zeros), when it lies outside the area of ``crs``
    (:func:`crs_area`: the EPSG area of use widened by :data:`AREA_MARGIN_DEG`, or
    :data:`UK_BOUNDS` for British National Grid), or when it does not project to
    finite x/y in ``crs``.
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
    # a number with spaces around it is that number, as x/y and every other
    # float column are read (" 51.5 " was "not a number" here alone)
    lon, lat = (
        lon_s.str.strip_chars().cast(pl.Float64, strict=False),
        lat_s.str.strip_chars().cast(pl.Float64, strict=False),
    )
    lon_blank, lat_blank = lon_s.is_null(), lat_s.is_null()
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
        (
            (lat == 0) & (lon == 0),
            lat_raw,
            pl.lit("null island (0, 0): a missing place coded as zeros"),
        ),
    ]
    area = crs_area(crs)
    if area is not None:
        where = f"{area.label} for {crs}{area.detail}: "
        cases += [
            (
                area.lat_outside(lat),
                lat_raw,
                pl.lit(f"latitude outside {where}") + lat_s,
            ),
            (
                area.lon_outside(lon),
                lon_raw,
                pl.lit(f"longitude outside {where}") + lon_s,
            ),
        ]
    unprojectable = pl.struct(lon.alias("lon"), lat.alias("lat")).map_batches(
        partial(_unprojectable, crs=crs), return_dtype=pl.Boolean
    )
    cases.append(
        (
            unprojectable,
            lat_raw,
            pl.lit(f"does not project to finite x/y in {crs}: lat, lon ")
            + lat_s
            + pl.lit(", ")
            + lon_s,
        )
    )
    return cases


def xy_problem(
    x_raw: str, y_raw: str, *, source_crs: str, crs: str, used: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """Expressions giving (column, reason) of a bad x/y pair in ``source_crs``.

    The same area rule as :func:`coordinate_problem` for places given as x/y (a
    bundle's or a mapped table's x/y columns), on the lon/lat they convert to:
    exactly (0, 0) (a missing place coded as zeros, as lat/lon (0, 0) are),
    outside the area of ``crs`` (:func:`crs_area`), or not converting to finite
    lon/lat. Only rows where ``used`` is true are checked (where the row gives no
    lat/lon, which win); a blank or non-numeric x/y is left to the other checks.
    """
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    for cond, why in reversed(
        _xy_cases(x_raw, y_raw, source_crs=source_crs, crs=crs, used=used)
    ):
        reason = pl.when(cond.fill_null(False)).then(why).otherwise(reason)
    column = pl.when(reason.is_not_null()).then(pl.lit(x_raw))
    return column, reason


def xy_failing(
    x_raw: str, y_raw: str, *, source_crs: str, crs: str, used: pl.Expr
) -> pl.Expr:
    """Boolean expression: true exactly where :func:`xy_problem` gives a reason.

    The conditions alone (no reason text), as :func:`coordinate_failing`, so
    :func:`~avert.ingest._rows.split_rows` builds reasons for the bad rows only.
    It converts the x/y of the rows checked (``used``): a test without the
    conversion would flag every row placed by x/y, and a million such rows would
    then have every check's reason text built (twice the load time).
    """
    out: pl.Expr = pl.lit(False)
    for cond, _ in _xy_cases(x_raw, y_raw, source_crs=source_crs, crs=crs, used=used):
        out = out | cond.fill_null(False)
    return out


def _xy_cases(
    x_raw: str, y_raw: str, *, source_crs: str, crs: str, used: pl.Expr
) -> list[tuple[pl.Expr, pl.Expr]]:
    """(condition, reason) of each way an x/y pair is bad, first match wins."""
    x = pl.col(x_raw).str.strip_chars().cast(pl.Float64, strict=False)
    y = pl.col(y_raw).str.strip_chars().cast(pl.Float64, strict=False)
    # only the rows checked are converted (every use of lon/lat below is under
    # ``given``, so within ``used``): Polars runs the conversion once per use, and
    # a table whose rows all give lat/lon converts none (:func:`_to_lonlat`)
    lonlat = pl.struct(
        pl.when(used).then(x).alias("x"), pl.when(used).then(y).alias("y")
    ).map_batches(
        partial(_to_lonlat, source_crs=source_crs),
        return_dtype=pl.Struct({"lon": pl.Float64, "lat": pl.Float64}),
    )
    lon, lat = lonlat.struct.field("lon"), lonlat.struct.field("lat")
    given = used & x.is_finite() & y.is_finite()
    cases: list[tuple[pl.Expr, pl.Expr]] = [
        (
            # (0, 0) is a blank place written as zeros, as lat/lon (0, 0) are: no
            # force's ground is at a projection's origin, and British National
            # Grid's (off the Scilly Isles) is inside the UK box the area rule uses
            given & (x == 0) & (y == 0),
            pl.concat_str(
                [
                    pl.lit("x/y (0, 0): a missing place coded as zeros: "),
                    pl.col(x_raw),
                    pl.lit(", "),
                    pl.col(y_raw),
                ]
            ),
        ),
        (
            given & ~(lon.is_finite() & lat.is_finite()),
            pl.concat_str(
                [
                    pl.lit(f"x/y do not convert from {source_crs} to lon/lat: "),
                    pl.col(x_raw),
                    pl.lit(", "),
                    pl.col(y_raw),
                ]
            ),
        ),
    ]
    area = crs_area(crs)
    if area is not None:
        cases.append(
            (
                given & (area.lat_outside(lat) | area.lon_outside(lon)),
                pl.concat_str(
                    [
                        pl.lit(f"x/y outside {area.label} for {crs}{area.detail}: "),
                        pl.col(x_raw),
                        pl.lit(", "),
                        pl.col(y_raw),
                        pl.lit(" (lon "),
                        lon.round(4).cast(pl.String),
                        pl.lit(", lat "),
                        lat.round(4).cast(pl.String),
                        pl.lit(")"),
                    ]
                ),
            )
        )
    return cases


def xy_disagreement(
    lon_raw: str,
    lat_raw: str,
    x_raw: str,
    y_raw: str,
    *,
    source_crs: str,
    crs: str,
    tolerance_m: float = XY_TOLERANCE_M,
) -> tuple[tuple[pl.Expr, pl.Expr], pl.Expr]:
    """A row giving both a lat/lon and an x/y pair that are two places.

    Returns ((column, reason), failing). Both pairs are taken to the store's
    ``crs`` (metres): lat/lon projected from WGS84, x/y from ``source_crs`` (the
    manifest's), over whole columns; the pairs disagree when they lie more than
    ``tolerance_m`` apart plus the rounding their digits allow (:func:`_rounding_m`:
    x/y to 100 m or lat/lon to 3 decimals name one place up to ~70 m away, and
    FORMATS.md sets no precision). A row missing a value of either pair, or with one that
    is not a number or does not convert, is left to the other checks (``failing``
    false). ``failing`` builds no text, so reasons are built for the flagged rows
    alone.
    """
    distance = pl.struct(
        *(
            pl.col(c).str.strip_chars().cast(pl.Float64, strict=False).alias(a)
            for c, a in ((lon_raw, "lon"), (lat_raw, "lat"), (x_raw, "x"), (y_raw, "y"))
        )
    ).map_batches(
        partial(_pair_distance, source_crs=source_crs, crs=crs),
        return_dtype=pl.Float64,
    )
    allowed = tolerance_m + _rounding_m(lon_raw, lat_raw, x_raw, y_raw)
    failing = (distance > allowed).fill_null(False)
    reason = pl.concat_str(
        [
            pl.lit("x/y "),
            pl.col(x_raw).str.strip_chars(),
            pl.lit(", "),
            pl.col(y_raw).str.strip_chars(),
            pl.lit(" lie "),
            distance.round(0).cast(pl.Int64).cast(pl.String),
            pl.lit(" m from lat/lon "),
            pl.col(lat_raw).str.strip_chars(),
            pl.lit(", "),
            pl.col(lon_raw).str.strip_chars(),
            pl.lit(" (more than "),
            allowed.round(0).cast(pl.Int64).cast(pl.String),
            pl.lit(
                f" m: {tolerance_m:g} m and the rounding of the digits given; x/y in "
                f"the manifest's crs {source_crs}): which place is meant is unknown"
            ),
        ]
    )
    column = pl.when(failing).then(pl.lit(x_raw))
    return (column, pl.when(failing).then(reason)), failing


def _half_step(raw: str) -> pl.Expr:
    """Half a unit in the last place the text of number ``raw`` gives: 0.005 for
    ``51.51`` or ``51.50``, 0.5 for ``533247``; a whole number ending in zeros may
    be rounded to them, 50 for ``533200`` (a six-figure grid reference)."""
    text = pl.col(raw).str.strip_chars()
    decimals = text.str.extract(r"\.(\d*)$").str.len_chars().cast(pl.Int32)
    zeros = text.str.extract(r"^[+-]?\d*[1-9](0+)$").str.len_chars().cast(pl.Int32)
    places = pl.coalesce(decimals, -zeros, pl.lit(0, dtype=pl.Int32))
    return 0.5 * pl.lit(10.0).pow(-places)


def _rounding_m(lon_raw: str, lat_raw: str, x_raw: str, y_raw: str) -> pl.Expr:
    """Metres a row's lat/lon and x/y may lie apart by rounding alone: the
    half-steps of their digits (:func:`_half_step`) as ground distances, a degree of
    longitude cos(latitude) of one of latitude, x/y in metres as FORMATS.md says."""
    lat = pl.col(lat_raw).str.strip_chars().cast(pl.Float64, strict=False)
    lat_m = _half_step(lat_raw) * _M_PER_DEG_LAT
    lon_m = _half_step(lon_raw) * _M_PER_DEG_LAT * lat.radians().cos().abs()
    xy_m = (_half_step(x_raw).pow(2) + _half_step(y_raw).pow(2)).sqrt()
    return (lat_m.pow(2) + lon_m.pow(2)).sqrt() + xy_m


def _pair_distance(pairs: pl.Series, *, source_crs: str, crs: str) -> pl.Series:
    """Metres in ``crs`` between each row's lon/lat and x/y (in ``source_crs``);
    null where a value is missing or either pair does not convert."""
    frame = pairs.struct.unnest()
    lon, lat, x, y = (
        frame[c].fill_null(np.nan).to_numpy().astype(np.float64)
        for c in ("lon", "lat", "x", "y")
    )
    given = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(x) & np.isfinite(y)
    out = np.full(len(frame), np.nan)
    if given.any():
        px, py = _PROJ_THREAD.submit(project, lon[given], lat[given], crs=crs).result()
        qx, qy = _PROJ_THREAD.submit(
            from_crs, x[given], y[given], source_crs=source_crs, target_crs=crs
        ).result()
        out[given] = np.hypot(px - qx, py - qy)
    return pl.Series(pairs.name, out).fill_nan(None)


def _to_lonlat(pairs: pl.Series, *, source_crs: str) -> pl.Series:
    """lon/lat of each x/y pair in ``source_crs`` (NaN where it does not convert).

    Without a pair of finite numbers nothing converts: all NaN, without handing
    PROJ an array to the projection thread (a hand-over costs about a millisecond,
    once per use of the result in an expression).
    """
    frame = pairs.struct.unnest()
    x = frame["x"].fill_null(np.nan).to_numpy().astype(np.float64)
    y = frame["y"].fill_null(np.nan).to_numpy().astype(np.float64)
    if not (np.isfinite(x) & np.isfinite(y)).any():
        lon, lat = np.full(len(x), np.nan), np.full(len(x), np.nan)
    else:
        lon, lat = _PROJ_THREAD.submit(from_crs, x, y, source_crs=source_crs).result()
    return pl.DataFrame({"lon": lon, "lat": lat}).to_struct(pairs.name)


def _unprojectable(pairs: pl.Series, *, crs: str) -> pl.Series:
    """True where a finite lon/lat pair projects to a non-finite x or y in ``crs``.

    Each distinct pair is projected once (police.uk files repeat snap points), over
    whole arrays; blank and non-numeric pairs are false (other checks name them).
    """
    frame = pairs.struct.unnest()
    distinct = frame.filter(
        pl.col("lon").is_finite() & pl.col("lat").is_finite()
    ).unique()
    if not distinct.height:
        return pl.Series(pairs.name, np.zeros(len(pairs), dtype=np.bool_))
    lon, lat = distinct["lon"].to_numpy(), distinct["lat"].to_numpy()
    x, y = _PROJ_THREAD.submit(project, lon, lat, crs=crs).result()
    bad = np.isnan(x) | np.isnan(y)  # project() makes every non-finite NaN
    distinct = distinct.with_columns(pl.Series("_bad", bad))
    joined = frame.join(
        distinct,
        on=["lon", "lat"],
        how="left",
        maintain_order="left",
        nulls_equal=False,
    )
    return joined["_bad"].fill_null(False).alias(pairs.name)
