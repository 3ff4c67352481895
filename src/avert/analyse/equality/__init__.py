"""Equality monitoring: stop and search and priority lists against residents.

Section C of the AVB delivery plan (2010) warns that enforcement may "adversely impact
upon young people"; the Gangs Violence Matrix was later found to list young Black men
out of all proportion (Amnesty International, *Trapped in the Matrix*, 2018; ICO
enforcement notice to the MPS, 2018). Every list and power avert supports is therefore
shown beside who it falls on.

Method
------
* **Rates**: searches (or listed people) per 1,000 residents of each self-defined
  ethnic group, residents from the census (``populations`` table).
* **Disproportionality**: the ratio of a group's rate to the White rate (the
  GOV.UK *Ethnicity facts and figures* "stop and search" measure and the Home Office
  *Police powers and procedures* statistics) with a 95 % log-normal interval
  ``exp(log RR ± 1.96·√(1/a − 1/n₁ + 1/c − 1/n₂))`` (Katz, Baptista, Azen & Pike
  1978, *Biometrics* 34:469), where ``a``/``n₁`` are the group's searches/residents
  and ``c``/``n₂`` the White group's; where searches exceed residents (``a > n₁`` or
  ``c > n₂``) the binomial variance fails and the interval is that of two Poisson
  rates, ``√(1/a + 1/c)``.
* **Exact check of small counts**: the Katz interval is a large-sample one and, on
  a handful of searches, lies above 1 where the data do not show it (Mendip, Avon &
  Somerset, January 2019: 1 Black search against 18 White, ratio 28.3, Katz
  3.80-211). Beside it, ``exact_ci_low`` is the lower end of the exact conditional
  95 % interval of the ratio of two Poisson rates: given ``a + c``, ``a`` is
  Binomial(``a + c``, π) with π = R·n₁ / (R·n₁ + n₂); the Clopper-Pearson lower
  end of π, ``Beta⁻¹(0.025; a, c + 1)`` (Clopper & Pearson 1934, *Biometrika*
  26:404), is mapped to R = π/(1 − π) · n₂/n₁ (the conditional approach of
  Breslow & Day 1987, *Statistical methods in cancer research* II §2.2;
  statsmodels' ``test_poisson_2indep(method="exact-cond")``); for the same case
  0.68. A ratio is *significantly above 1* when BOTH the Katz interval's lower end
  and ``exact_ci_low`` are above 1; a note counts the ratios whose Katz interval
  alone lies above 1.
* **Many areas**: the ratios by area (:func:`area_ratios`; London: 32 boroughs by
  4 groups) are many tests at once, so their flag is corrected for their number
  by Holm's step-down method (Holm 1979, *Scand. J. Statist.* 6:65-70): each
  ratio's p-value of the rule above (``p_above_1``: twice the larger of the Katz
  and exact one-sided p-values, below 0.05 exactly where both lower ends are
  above 1) is adjusted over every ratio shown (``p_holm``), and a ratio is
  flagged where that is below 0.05: the chance that any flag among them is
  chance alone is at most 5 %. Holm rather than Benjamini-Hochberg's false
  discovery rate because each flag names one area as a finding of its own, and
  Holm holds whatever the dependence between ratios that share an area's White
  count. The uncorrected flag (``significant_uncorrected``) and the 95 %
  interval stay beside it.
* **Sex**: searches by police.uk's ``Gender`` (Male, Female, Other, not
  recorded), their share, and where residents by sex are known the rate per 1,000
  residents of each sex and its ratio to the other sex's rate, with the same Katz
  interval and exact lower end as the ratios to White (the other sex is the
  reference of each).
* **Find and arrest rates**: the share of searches whose outcome was linked to the
  object of the search, and the share ending in arrest, with Wilson 95 % intervals
  (Wilson 1927).
* **No recorded ethnicity**: searches whose self-defined ethnicity is missing or
  "Not stated" are counted and shown as a share, never dropped silently.
* **Placing stops**: with area boundaries loaded (``avert ingest boundaries``) a
  stop with coordinates goes to the polygon that contains it (shapely 2 ``STRtree``,
  point within polygon); a stop in no polygon, or every stop without boundaries,
  goes to the area of the nearest area centroid (ONS LSOA centroids) within
  ``max_km``. The nearest centroid is often the neighbouring area near a border.
  Coordinates of data.police.uk are already snapped to an anonymised map point, so
  an LSOA is approximate.

Sections: stop and search and the Equality Impact Assessment summary here; the
ratio to a reference group both share in ``_disproportionality``; the result in
``_result``; the small-cell rule for readers outside the police (:func:`area_ratios`,
:func:`withhold_force_counts`) in ``_small_cells``; the make-up of a priority list
(:func:`list_make_up`) in ``_makeup``. Every public name is imported
from here.

Pure: frames in, typed results out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Final, Literal

import numpy as np
import polars as pl

from avert.access import SMALL_CELL
from avert.analyse.equality._disproportionality import (
    _SIGNIFICANT,
    _Z,
    GROUPS,
    REFERENCE,
    _group_expr,
    _holm_within,
    _katz_to_columns,
    _no_interval_where,
    _not_across_note,
    _with_exact_low,
    _withheld_note,
    exact_ratio_low,
    katz_ratio,
)
from avert.analyse.equality._makeup import (
    AGE_BANDS,
    ListMakeUp,
    _age_rank,
    age_band_expr,
    list_make_up,
    make_up_order,
)
from avert.analyse.equality._result import _NO_PERSON, EqualityResult
from avert.analyse.equality._search_notes import (
    _UNRECORDED_SEX,
    _stated_note,
    _vehicle_only_note,
)
from avert.analyse.equality._small_cells import (
    SIGNIFICANCE,
    area_ratios,
    withhold_force_counts,
)
from avert.analyse.result import json_object, jsonable
from avert.errors import SchemaError

__all__ = [
    "AGE_BANDS",
    "GROUPS",
    "LEGISLATION",
    "SEX_LABELS",
    "SIGNIFICANCE",
    "EqualityResult",
    "ListMakeUp",
    "age_band_expr",
    "area_ratios",
    "equality_impact_summary",
    "exact_ratio_low",
    "katz_ratio",
    "legislation_group",
    "list_make_up",
    "make_up_order",
    "place_stops",
    "place_stops_by",
    "stop_search_equality",
    "wilson",
    "withhold_force_counts",
]

#: police.uk's ``Type`` of a search of a vehicle only (no person searched)
_VEHICLE_ONLY: Final = "Vehicle search"
#: the powers reported separately (data.police.uk "Legislation" text, by prefix)
LEGISLATION: Final[dict[str, str]] = {
    "PACE s.1": "Police and Criminal Evidence Act 1984 (section 1)",
    "Misuse of Drugs Act s.23": "Misuse of Drugs Act 1971 (section 23)",
    "s.60": "Criminal Justice and Public Order Act 1994 (section 60)",
}
_KM_PER_DEG: Final = 111.195


def wilson(k: pl.Expr, n: pl.Expr) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Share ``k/n`` and its Wilson 95 % interval, as expressions (null when n = 0)."""
    p = k / n
    denom = 1 + _Z**2 / n
    centre = (p + _Z**2 / (2 * n)) / denom
    half = _Z * (p * (1 - p) / n + _Z**2 / (4 * n**2)).sqrt() / denom
    none = pl.lit(None, dtype=pl.Float64)
    ok = n > 0
    # at k = 0 (or k = n) the end is 0 (or 1) exactly, but rounding can put it a
    # hair outside ("-0 %" on the page): a share's interval stays within [0, 1]
    return (
        pl.when(ok).then(p).otherwise(none),
        pl.when(ok).then((centre - half).clip(0.0, 1.0)).otherwise(none),
        pl.when(ok).then((centre + half).clip(0.0, 1.0)).otherwise(none),
    )


def legislation_group(column: str = "legislation") -> pl.Expr:
    """``PACE s.1``, ``Misuse of Drugs Act s.23``, ``s.60`` or ``other`` (null: not recorded)."""
    text = pl.col(column).cast(pl.String)
    out: pl.Expr = (
        pl.when(text.is_null()).then(pl.lit("not recorded")).otherwise(pl.lit("other"))
    )
    for name, prefix in LEGISLATION.items():
        out = pl.when(text.str.starts_with(prefix)).then(pl.lit(name)).otherwise(out)
    return out


def place_stops(
    stops: pl.DataFrame,
    centroids: pl.DataFrame,
    *,
    max_km: float = 5.0,
    boundaries: pl.DataFrame | None = None,
) -> pl.Series:
    """The area of each stop (null without coordinates): :func:`place_stops_by`'s ``area``."""
    return place_stops_by(stops, centroids, max_km=max_km, boundaries=boundaries)[
        "area"
    ]


def place_stops_by(
    stops: pl.DataFrame,
    centroids: pl.DataFrame,
    *,
    max_km: float = 5.0,
    boundaries: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Each stop's ``area`` and ``placed_by`` (``boundary``, ``centroid`` or null).

    ``stops`` has ``lat``/``lon``; ``centroids`` has ``area``, ``lat``, ``lon``;
    ``boundaries`` (optional) has ``area``, ``crs`` and ``geometry_wkt``.

    With boundaries, a stop goes to the polygon that contains it: its lon/lat are
    projected to the polygons' CRS with pyproj over the whole array, and a shapely 2
    ``STRtree`` answers ``within`` for every point at once (on a shared edge the first
    polygon found wins). A stop in no polygon (gaps of simplified boundaries, or
    outside the areas loaded) falls back to the nearest centroid.

    Centroids: distances use an equirectangular projection at the centroids' mean
    latitude (error well under 1 % at LSOA distances); a stop farther than
    ``max_km`` from every centroid gets null.
    """
    area = np.full(stops.height, None, dtype=object)
    by = np.full(stops.height, None, dtype=object)
    lonlat = stops.select(
        pl.col("lon").cast(pl.Float64), pl.col("lat").cast(pl.Float64)
    ).to_numpy()
    if stops.height and boundaries is not None and boundaries.height:
        inside = _within_polygons(lonlat, boundaries)
        area[inside != None] = inside[inside != None]  # noqa: E711
        by[inside != None] = "boundary"  # noqa: E711
    rest = np.flatnonzero(area == None)  # noqa: E711
    if rest.size and centroids.height:
        nearest = _nearest_centroid(lonlat[rest], centroids, max_km=max_km)
        area[rest] = nearest
        found = rest[nearest != None]  # noqa: E711
        by[found] = "centroid"
    return pl.DataFrame(
        {
            "area": pl.Series(area.tolist(), dtype=pl.String),
            "placed_by": pl.Series(by.tolist(), dtype=pl.String),
        }
    )


def _within_polygons(lonlat: np.ndarray, boundaries: pl.DataFrame) -> np.ndarray:
    """The area of the polygon holding each lon/lat point (None: in none)."""
    import shapely
    from pyproj import Transformer

    out = np.full(len(lonlat), None, dtype=object)
    has = ~np.isnan(lonlat).any(axis=1)
    for (crs,), part in boundaries.group_by(["crs"], maintain_order=True):
        polygons = shapely.from_wkt(
            part["geometry_wkt"].to_numpy(), on_invalid="ignore"
        )
        names = np.asarray(part["area"].to_list(), dtype=object)
        to_crs = Transformer.from_crs("EPSG:4326", str(crs), always_xy=True)
        todo = np.flatnonzero(has & (out == None))  # noqa: E711
        if todo.size == 0:
            break
        x, y = to_crs.transform(lonlat[todo, 0], lonlat[todo, 1])
        tree = shapely.STRtree(polygons)
        point_i, poly_i = tree.query(shapely.points(x, y), predicate="within")
        first = np.unique(point_i, return_index=True)[1]
        out[todo[point_i[first]]] = names[poly_i[first]]
    return out


def _nearest_centroid(
    lonlat: np.ndarray, centroids: pl.DataFrame, *, max_km: float
) -> np.ndarray:
    """The area of the nearest centroid within ``max_km`` of each point (else None)."""
    from scipy.spatial import cKDTree

    lat0 = math.radians(float(centroids["lat"].mean()))  # type: ignore[arg-type]
    scale = np.array([math.cos(lat0), 1.0]) * _KM_PER_DEG
    tree = cKDTree(centroids.select("lon", "lat").to_numpy() * scale)
    has = ~np.isnan(lonlat).any(axis=1)
    out = np.full(len(lonlat), None, dtype=object)
    if has.any():
        dist, idx = tree.query(lonlat[has] * scale, k=1)
        names = np.asarray(centroids["area"].to_list(), dtype=object)
        out[has] = np.where(dist <= max_km, names[idx], None)
    return out


def _ratios(
    counts: pl.DataFrame, keys: Sequence[str], *, count: str, residents: str
) -> pl.DataFrame:
    """Add rate per 1,000, ratio to the White rate and its interval within ``keys``,
    the flag corrected for the number of group ratios of each value of ``keys``
    (one force or area, and power or period: :func:`_holm_within`)."""
    ref = counts.filter(pl.col("group") == REFERENCE).select(
        *keys, pl.col(count).alias("_c"), pl.col(residents).alias("_n2")
    )
    joined = (
        counts.join(ref, on=list(keys), how="left")
        if keys
        else counts.join(ref, how="cross")
    )
    ratio, lo, hi = _katz_to_columns(count, residents)
    # the White row is the reference: ratio 1 by definition, no interval
    is_ref = pl.col("group") == REFERENCE
    ci_low, ci_high = _no_interval_where(is_ref, lo, hi)
    return (
        _with_exact_low(
            joined.with_columns(
                (pl.col(count) / pl.col(residents) * 1000).alias("rate_per_1000"),
                ratio.alias("ratio_to_white"),
                ci_low.alias("ci_low"),
                ci_high.alias("ci_high"),
            ),
            count,
            residents,
            is_ref,
        )
        .with_columns(_SIGNIFICANT)
        .pipe(_holm_within, count, residents, keys)
        .drop("_c", "_n2")
    )


def stop_search_equality(
    stops: pl.DataFrame,
    residents: pl.DataFrame,
    *,
    area: str | None = None,
    ethnicity: str = "ethnicity",
    age_residents: pl.DataFrame | None = None,
    sex_residents: pl.DataFrame | None = None,
    trend_unit: str = "1mo",
) -> EqualityResult:
    """Searches per 1,000 residents by self-defined ethnic group, ratios to White.

    Parameters
    ----------
    stops
        One row per search: ``ethnicity`` (top-level group; null or ``Unknown`` =
        not stated), ``occurred_at``, ``legislation``, ``age_range``,
        ``outcome``, ``outcome_linked`` and, with ``area``, the area column.
    residents
        ``group`` and ``population`` (and the ``area`` column when ``area`` is
        given): residents of each self-defined group.
    area
        Column of ``stops`` and ``residents`` naming the area (None: one area,
        ``all``, e.g. the force).
    ethnicity
        Column of ``stops`` with the self-defined group (``officer_ethnicity`` for
        the officer's view).
    age_residents
        ``age_range`` (police bands) and ``population``: all residents by age band,
        for search rates by age (ethnicity by age is rarely published small-area).
    sex_residents
        ``sex`` (``M``, ``F``) and ``population``: all residents by sex, for search
        rates by sex and the ratio of each to the other's.
    trend_unit
        Polars truncation unit of the trend (``1mo``, ``1q``, ``1y``).

    Returns
    -------
    EqualityResult
        ``frame``: area, group, searches, residents, rate_per_1000,
        ratio_to_white, ci_low, ci_high (Katz), exact_ci_low (exact conditional),
        significantly_above_1 (both lower ends above 1); ``by_legislation``
        the same per power; ``by_age`` searches per age band and group (and group
        ``all``; its rate per 1,000 residents of the band when ``age_residents``
        is given); ``by_sex`` searches per sex and group (and group ``all``;
        with ``sex_residents`` its rate per 1,000 residents of the sex and ratio to
        the other sex's rate with ci_low, ci_high, exact_ci_low and
        significantly_above_1 as above);
        ``outcomes`` find and arrest rates per group with Wilson intervals;
        ``trend`` searches and ratio per period; ``not_stated`` searches with no
        recorded ethnicity per area.
    """
    if ethnicity not in stops.columns:
        msg = f"stops need a '{ethnicity}' column"
        raise SchemaError(msg)
    s = _searches(stops, area=area, ethnicity=ethnicity)
    res = _residents_by_group(residents, area=area)
    # every (area, group), so a group without searches shows 0
    grid = (
        res.select("area")
        .unique()
        .join(pl.DataFrame({"group": list(GROUPS)}), how="cross")
    )
    rates = _search_ratios(s, grid, res)
    by_leg = _by_legislation(s, grid, res)
    by_age = _by_age(s, age_residents) if "age_range" in s.columns else pl.DataFrame()
    by_sex = _by_sex(s, sex_residents) if "sex" in s.columns else pl.DataFrame()
    trend = _trend(s, grid, res, unit=trend_unit)
    officer_defined = ethnicity == "officer_ethnicity"
    return EqualityResult(
        frame=rates,
        by_legislation=by_leg,
        by_age=by_age,
        by_sex=by_sex,
        outcomes=_outcomes(s),
        trend=trend,
        not_stated=_not_stated(s),
        params={"area": area, "ethnicity": ethnicity, "reference": REFERENCE},
        method=_stop_search_method(officer_defined=officer_defined),
        source=_STOP_SEARCH_SOURCE,
        notes=(
            *_stop_notes(
                s, placed=bool(area), defined="officer" if officer_defined else "self"
            ),
            *([] if officer_defined else _unsearched_groups(rates)),
            *_withheld_note(
                [rates, by_leg, trend, by_sex],
                "searches",
                (
                    "of the rates by group",
                    "by power",
                    "of single months in the trend",
                    "by sex",
                ),
            ),
            *_not_across_note(
                [rates, by_leg, trend],
                ("of the rates by group", "by power", "of single months in the trend"),
            ),
        ),
    )


_STOP_SEARCH_SOURCE: Final = (
    "GOV.UK Ethnicity facts and figures, 'Stop and search'; Home Office 'Police "
    "powers and procedures'; Katz et al. (1978) Biometrics 34:469; Clopper & "
    "Pearson (1934) Biometrika 26:404; Wilson "
    "(1927) JASA 22:209; AVB delivery plan 2010, Section C."
)


def _stop_search_method(*, officer_defined: bool) -> str:
    """The method of :func:`stop_search_equality`, naming whose view of the
    person's ethnic group the rates count (officer-defined is not the GOV.UK
    measure)."""
    whose = (
        "Searches per 1,000 residents by officer-defined ethnic group "
        "(the officer's view of the person searched, against residents' own "
        "census groups: not the GOV.UK measure); "
        if officer_defined
        else "Searches per 1,000 residents by self-defined ethnic group; "
    )
    return (
        whose
        + "ratio to the White rate with a 95 % log (Katz) interval, significantly "
        "above 1 when its lower end and that of the exact conditional interval "
        "(Clopper-Pearson) are; find and "
        "arrest rates with Wilson intervals."
    )


def _area_expr(area: str | None) -> pl.Expr:
    """The area of a row: the ``area`` column as text, or ``all`` (one area)."""
    return pl.col(area).cast(pl.String) if area else pl.lit("all")


def _is_vehicle_only() -> pl.Expr:
    """Whether a search is of a vehicle only (police.uk ``Type``)."""
    return pl.col("search_type").cast(pl.String) == _VEHICLE_ONLY


def _of_no_person(columns: list[str]) -> pl.Expr:
    """Whether a search (its ``group`` computed) is of no person: a search of a
    vehicle only that records no ethnicity and, where the stops have a ``sex``,
    no sex either. One rule for the ethnicity and the sex tables, so that both
    count the same searches of no person (police.uk also describes some vehicle
    searches' drivers: 77 of 776 in January 2019 record one of the two)."""
    none = (pl.col("group") == "not stated") & _is_vehicle_only()
    if "sex" in columns:
        none = none & pl.col("sex").is_null()
    return none.fill_null(False)


def _searches(stops: pl.DataFrame, *, area: str | None, ethnicity: str) -> pl.DataFrame:
    """The stops with their ``area`` (``not placed`` when null) and ``group``.

    ``group`` is the top-level group of the ``ethnicity`` column (``not stated``
    when missing), or ``vehicle only`` for a search of no person
    (:func:`_of_no_person`: a vehicle only, no ethnicity and no sex recorded): it
    has no person to describe, so it is not "not stated" (police.uk leaves its
    ethnicity blank; 5,093 of South Yorkshire's 13,693 blanks in 2019-21), and the
    share of people with no recorded ethnicity is of the searches of people.
    """
    s = stops.with_columns(
        _area_expr(area).fill_null("not placed").alias("area"),
        _group_expr(ethnicity).alias("group"),
    )
    if "search_type" not in s.columns:
        return s
    return s.with_columns(
        pl.when(_of_no_person(s.columns))
        .then(pl.lit(_NO_PERSON))
        .otherwise(pl.col("group"))
        .alias("group")
    )


def _residents_by_group(residents: pl.DataFrame, *, area: str | None) -> pl.DataFrame:
    """``residents`` of each area and group (``area`` is ``all`` without one)."""
    return (
        residents.with_columns(_area_expr(area).alias("area"))
        .group_by("area", "group")
        .agg(pl.col("population").sum().alias("residents"))
    )


def _by_legislation(
    s: pl.DataFrame, grid: pl.DataFrame, res: pl.DataFrame
) -> pl.DataFrame:
    """:func:`_search_ratios` per power (:func:`legislation_group`), every power
    listed (``other``, ``not recorded`` too); empty without ``legislation``."""
    if "legislation" not in s.columns:
        return pl.DataFrame()
    return _search_ratios(
        s.with_columns(legislation_group().alias("power")),
        grid,
        res,
        by=pl.DataFrame({"power": [*LEGISLATION, "other", "not recorded"]}),
    )


def _trend(
    s: pl.DataFrame, grid: pl.DataFrame, res: pl.DataFrame, *, unit: str
) -> pl.DataFrame:
    """:func:`_search_ratios` per period (``occurred_at`` truncated to ``unit``) of
    the dated searches; empty without ``occurred_at``."""
    if "occurred_at" not in s.columns:
        return pl.DataFrame()
    dated = s.filter(pl.col("occurred_at").is_not_null()).with_columns(
        pl.col("occurred_at").dt.truncate(unit).cast(pl.Date).alias("period")
    )
    return _search_ratios(dated, grid, res, by=dated.select("period").unique())


def _search_ratios(
    s: pl.DataFrame,
    grid: pl.DataFrame,
    res: pl.DataFrame,
    *,
    by: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Searches, rates and ratios per area and group (and per value of ``by``).

    ``grid`` holds every (area, group); ``by`` (one column, e.g. ``power`` or
    ``period``) every value to report, so a cell without searches shows 0.
    """
    keys = ["area"] if by is None else ["area", by.columns[0]]
    cells = grid if by is None else grid.join(by, how="cross")
    counts = s.group_by(*keys, "group").agg(pl.len().cast(pl.Int64).alias("searches"))
    frame = (
        cells.join(counts, on=[*keys, "group"], how="left")
        .join(res, on=["area", "group"], how="left")
        .with_columns(pl.col("searches").fill_null(0))
    )
    return _ratios(frame, keys, count="searches", residents="residents").sort(
        *keys, "group"
    )


def _searches_per(s: pl.DataFrame, column: str) -> pl.DataFrame:
    """Searches per area, value of ``column`` and group, plus group ``all`` (every
    search with that value), and ``share_of_group``: each value's share of the
    group's searches in the area."""
    rows = s.select("area", column, "group")
    return (
        pl.concat([rows, rows.with_columns(pl.lit("all").alias("group"))])
        .group_by("area", column, "group")
        .agg(pl.len().cast(pl.Int64).alias("searches"))
        .with_columns(
            (pl.col("searches") / pl.col("searches").sum().over("area", "group")).alias(
                "share_of_group"
            )
        )
    )


def _by_age(s: pl.DataFrame, age_residents: pl.DataFrame | None) -> pl.DataFrame:
    """Searches per age band and group (and group ``all``), with band rates; a
    search of no person with no age recorded is ``vehicle only``, as in the sex
    table, not ``not recorded``."""
    unrecorded = (
        pl.when(pl.col("group") == _NO_PERSON)
        .then(pl.lit(_NO_PERSON))
        .otherwise(pl.lit("not recorded"))
    )
    by_age = _searches_per(
        s.with_columns(pl.col("age_range").fill_null(unrecorded)), "age_range"
    )
    if age_residents is not None and age_residents.height:
        ages = age_residents.group_by("age_range").agg(
            pl.col("population").sum().alias("residents_of_band")
        )
        # residents by age and ethnicity are rarely published small-area: the
        # rate is given for group "all" only
        by_age = by_age.join(ages, on="age_range", how="left").with_columns(
            pl.when(pl.col("group") == "all")
            .then(pl.col("searches") / pl.col("residents_of_band") * 1000)
            .otherwise(pl.lit(None, dtype=pl.Float64))
            .alias("rate_per_1000_of_band")
        )
    # youngest first, "not recorded" last (by name, "under 10" came last and
    # "not recorded" between 25-34 and over 34)
    return by_age.sort("area", _age_rank(pl.col("age_range")), "age_range", "group")


#: police.uk's Gender as stored (``stops.sex``) -> as shown, in this order
SEX_LABELS: Final = {"M": "Male", "F": "Female", "X": "Other"}
_NOT_RECORDED: Final = "not recorded"


def _by_sex(s: pl.DataFrame, sex_residents: pl.DataFrame | None) -> pl.DataFrame:
    """Searches per sex and group (and group ``all``), with rates and the ratio of
    each sex's rate to the other's where residents by sex are given.

    As :func:`_by_age`: counts and the share of the group's searches for every
    group; the rate is given for group ``all`` only (residents by sex and ethnic
    group are rarely published for the areas of a force). The ratio is Male to
    Female and Female to Male, with the Katz interval and the exact lower end of
    the ratios to White (the other sex as the reference); Other, not recorded and
    vehicle only (a search of no person) have no residents: counts and shares only.
    """
    label = (
        pl.col("sex")
        .cast(pl.String)
        .replace_strict(SEX_LABELS, default=None, return_dtype=pl.String)
        .fill_null(_NOT_RECORDED)
    )
    # a search of no person has no sex (police.uk leaves Gender blank for most
    # searches of a vehicle only): the searches ``_searches`` put in no group
    label = (
        pl.when(pl.col("group") == _NO_PERSON).then(pl.lit(_NO_PERSON)).otherwise(label)
    )
    by_sex = _searches_per(s.with_columns(label.alias("sex")), "sex")
    if sex_residents is not None and sex_residents.height:
        by_sex = _sex_ratios(by_sex, sex_residents)
    order = [*SEX_LABELS.values(), _NOT_RECORDED, _NO_PERSON]
    rank = pl.col("sex").replace_strict(
        order, list(range(len(order))), default=len(order), return_dtype=pl.Int64
    )
    return by_sex.sort("area", rank, "sex", "group")


def _sex_ratios(by_sex: pl.DataFrame, sex_residents: pl.DataFrame) -> pl.DataFrame:
    """Group ``all``'s rate per 1,000 residents of each sex and its ratio to the
    other sex's rate (Katz interval, exact lower end, the flag)."""
    residents = (
        sex_residents.with_columns(
            pl.col("sex")
            .cast(pl.String)
            .replace_strict(SEX_LABELS, default=None, return_dtype=pl.String)
        )
        .filter(pl.col("sex").is_in(["Male", "Female"]))
        .group_by("sex")
        .agg(pl.col("population").sum().cast(pl.Int64).alias("residents_of_sex"))
    )
    rated = (pl.col("group") == "all") & pl.col("sex").is_in(["Male", "Female"])
    frame = by_sex.join(residents, on="sex", how="left").with_columns(
        pl.when(rated).then(pl.col("residents_of_sex")).alias("residents_of_sex")
    )
    other = frame.filter(rated).select(
        "area",
        pl.col("sex").replace_strict({"Male": "Female", "Female": "Male"}),
        pl.col("searches").alias("_c"),
        pl.col("residents_of_sex").alias("_n2"),
    )
    frame = frame.join(other, on=["area", "sex"], how="left").with_columns(
        pl.when(rated).then(pl.col("_c")).alias("_c"),
        pl.when(rated).then(pl.col("_n2")).alias("_n2"),
    )
    ratio, lo, hi = _katz_to_columns("searches", "residents_of_sex")
    frame = frame.with_columns(
        (pl.col("searches") / pl.col("residents_of_sex") * 1000).alias(
            "rate_per_1000_of_sex"
        ),
        ratio.alias("ratio_to_other_sex"),
        lo.alias("ci_low"),
        hi.alias("ci_high"),
    )
    # rows of no ratio (Other, not recorded, the ethnic groups): the flag is null
    return (
        _with_exact_low(frame, "searches", "residents_of_sex", ~rated)
        .with_columns(_SIGNIFICANT)
        .with_columns(pl.when(rated).then(pl.col("significantly_above_1")))
        .drop("_c", "_n2")
    )


def _not_stated(s: pl.DataFrame) -> pl.DataFrame:
    """Searches with no recorded self-defined ethnicity, per area: ``not_stated``
    of the ``searches_of_people`` (every search but those of a vehicle only with
    no ethnicity, ``vehicle_only``: no person to describe)."""
    return (
        s.group_by("area")
        .agg(
            pl.len().cast(pl.Int64).alias("searches"),
            (pl.col("group") == _NO_PERSON).sum().cast(pl.Int64).alias("vehicle_only"),
            (pl.col("group") == "not stated").sum().alias("not_stated"),
        )
        .with_columns(
            (pl.col("searches") - pl.col("vehicle_only")).alias("searches_of_people")
        )
        .with_columns(  # none where no person was searched (0/0 was NaN)
            pl.when(pl.col("searches_of_people") > 0)
            .then(pl.col("not_stated") / pl.col("searches_of_people"))
            .alias("share_not_stated")
        )
        .sort("area")
    )


def _stop_notes(
    s: pl.DataFrame, *, placed: bool, defined: Literal["self", "officer"] = "self"
) -> tuple[str, ...]:
    """Notes on searches with no recorded ethnicity (self- or officer-defined, as
    counted) and (by area) not placed."""
    vehicles = int((s["group"] == _NO_PERSON).sum())
    people = s.height - vehicles
    missing = int((s["group"] == "not stated").sum())
    notes = [
        _stated_note(missing=missing, people=people, vehicles=vehicles, defined=defined)
    ]
    notes.extend(_vehicle_only_note(vehicles))
    notes.extend(_unrecorded_sex_note(s, people=people))
    notes.extend(_defined_notes(s, defined=defined))
    if "outcome" in s.columns:
        notes.extend(_outcome_notes(s))
    unplaced = int((s["area"] == "not placed").sum()) if placed else 0
    if unplaced:
        notes.append(
            f"{unplaced} searches could not be placed in an area (no coordinates): "
            "they count in force totals only."
        )
    return tuple(notes)


def _defined_notes(
    s: pl.DataFrame, *, defined: Literal["self", "officer"]
) -> list[str]:
    """Notes that depend on whose view of ethnicity is counted: how the unstated
    lean (self-defined), groups the source does not record (officer-defined)."""
    notes: list[str] = []
    missing = bool((s["group"] == "not stated").any())
    if defined == "self" and missing and "officer_ethnicity" in s.columns:
        notes.extend(_unstated_lean(s))
    if defined == "officer" and "ethnicity" in s.columns:
        notes.extend(_unrecorded_officer_groups(s))
    if defined == "officer" and not (s["group"] == "Mixed").any():
        notes.append(
            "No search has the officer-defined group Mixed (most forces record "
            "the officer's view in four groups, White, Black, Asian, Other, with "
            "no Mixed group): the Mixed rate of 0 is no finding, and officers count people "
            "who describe themselves as Mixed in other groups, whose rates against "
            "the census groups they raise."
        )
    return notes


def _outcome_notes(s: pl.DataFrame) -> list[str]:
    """Notes on outcomes: no link recorded though searches ended in arrest, some
    unlinked, none with an outcome."""
    arrests = int(s.select(_ended_in_arrest().sum()).item())
    linked = int(s.select(_found(s.columns).sum()).item())
    notes: list[str] = []
    if linked == 0 and arrests:
        notes.append(_no_link_note(s, arrests=arrests))
    elif linked:
        notes.extend(_unlinked_note(s))
    notes.extend(_no_outcome_note(s, finds_known=bool(linked or not arrests)))
    return notes


def _no_link_note(s: pl.DataFrame, *, arrests: int) -> str:
    """Why no find rate is given when no search links its outcome to its object
    though some ended in arrest: a record bundle's stops gave none in their
    optional ``outcome_linked`` column (an avert extension of the format), or the
    source does not seem to record it (what the link column holds)."""
    total = s.height
    bundles = _bundle_sources(s)
    return (
        "The one search has no outcome linked to its object, though it "
        "ended in arrest: "
        if total == 1
        else f"None of the {total:,} searches has an outcome linked to "
        f"its object, though {arrests:,} ended in arrest: "
    ) + (
        ("it was" if total == 1 else "they were")
        + " loaded from a record bundle ("
        + ", ".join(f"'{b}'" for b in bundles)
        + "), whose stops file links none in its optional column "
        f"outcome_linked ({_link_held(s)}; docs/bundle.md: the format's own "
        "columns say nothing of the link), so no find rate is given; the "
        "arrest rate is given."
        if bundles
        else f"the source does not seem to record the link ({_link_held(s)}), "
        "so no find rate is given."
    )


def _link_held(s: pl.DataFrame) -> str:
    """What the link column holds when no search is linked: "blank for all 12",
    "false for 3, blank for 9", ... (one search: "blank", "false" or "true")."""
    total = s.height
    link = (
        s["outcome_linked"]
        if "outcome_linked" in s.columns
        else pl.Series([None] * total, dtype=pl.Boolean)
    )
    blank = int(link.is_null().sum())
    nfa = int(link.fill_null(value=False).sum())  # linked: no further action
    false = total - blank - nfa
    if total == 1:  # "none of the 1 searches ... blank for all 1"
        return "blank" if blank else "false" if false else "true"
    if blank == total:
        return f"blank for all {total:,}"
    if false == total:
        return f"false for all {total:,}"
    return ", ".join(
        part
        for n, part in (
            (nfa, f"true for {nfa:,}, each of no further action"),
            (false, f"false for {false:,}"),
            (blank, f"blank for {blank:,}"),
        )
        if n
    )


#: the ``source`` of the stops avert reads from data.police.uk (its archive's CSV
#: files, its API); any other is a record bundle's (its manifest's source)
_POLICE_UK_SOURCES: Final = frozenset({"policeuk", "policeuk-api"})


def _bundle_sources(s: pl.DataFrame) -> list[str]:
    """The sources of ``s`` when every search is from a record bundle, whose
    format (FORMATS.md, v1) has no column for the link of an outcome to the object
    of the search: the demo's synthetic stops carry outcomes but never the link,
    and "the source does not seem to record the link" guessed at what is known.
    Empty when any search is police.uk's, or no source is known."""
    if "source" not in s.columns:
        return []
    sources = s["source"].cast(pl.String).drop_nulls().unique().sort().to_list()
    if not sources or set(sources) & _POLICE_UK_SOURCES:
        return []
    return sources[:3]


#: the searches a group's residents would have at the rate of all residents, from
#: which none at all says the source does not record the group
UNSEARCHED_EXPECTED_MIN: Final = 10


def _unsearched_groups(rates: pl.DataFrame) -> list[str]:
    """A note on the self-defined groups (over every area) with no search at all, though at
    the rate of all residents they would have :data:`UNSEARCHED_EXPECTED_MIN` or
    more (none has a chance under 1 in 20,000 then): the source does not seem to
    record them, so their rate of 0 and missing ratio say nothing. The police.uk
    API sample of the Met, September 2024 (3,253 searches), has no self-defined
    value of the Other group at all (nor "Not stated", nor any "any other"
    background): Other read 0 searches of 556,287 residents, no word said, where
    about 206 would be expected. The officer-defined groups have notes of their
    own (:func:`_unrecorded_officer_groups`, and Mixed in :func:`_stop_notes`)."""
    per_group = rates.group_by("group").agg(
        pl.col("searches").sum(), pl.col("residents").sum()
    )
    searched, residents = per_group["searches"].sum(), per_group["residents"].sum()
    if not searched or not residents:
        return []
    lost = per_group.filter(
        (pl.col("searches") == 0)
        & (pl.col("residents") * searched / residents >= UNSEARCHED_EXPECTED_MIN)
    ).sort("group")
    return [
        f"No search has the self-defined group {r['group']}, though at the rate "
        f"of all residents its {r['residents']:,} residents would have about "
        f"{r['residents'] * searched / residents:,.0f} of the {searched:,}: the "
        "source does not seem to record that group (or holds only part of the "
        "searches), so its rate of 0 and its missing ratio say nothing."
        for r in lost.to_dicts()
    ]


#: self-defined searches of a group from which its absence among the
#: officer-defined groups says the source does not record that group
UNRECORDED_GROUP_MIN: Final = 10


def _unrecorded_officer_groups(s: pl.DataFrame) -> list[str]:
    """A note on officer-defined groups (but Mixed, noted apart) that no search
    has, though :data:`UNRECORDED_GROUP_MIN` or more searches are of people who
    describe themselves so: the source does not record them, and their rates of 0
    say nothing. West Midlands, January 2019, records the officer's view as Asian
    or Other only (1,148 of 1,549 blank): White and Black had 0 searches each, so
    no ratio, where 694 and 244 searched people described themselves so."""
    held = set(s["group"].drop_nulls().to_list())
    stated = (
        s.filter(pl.col("group") != _NO_PERSON)
        .group_by(_group_expr("ethnicity").alias("self_group"))
        .len()
    )
    lost = [
        (group, n)
        for group, n in stated.sort("self_group").iter_rows()
        if group in GROUPS
        and group != "Mixed"
        and group not in held
        and n >= UNRECORDED_GROUP_MIN
    ]
    if not lost:
        return []
    return [
        f"No search has the officer-defined group {' or '.join(g for g, _ in lost)}, "
        "though "
        + ", ".join(
            f"{n:,} searched people described themselves as {g}" for g, n in lost
        )
        + ": the source does not seem to record "
        + ("that group" if len(lost) == 1 else "those groups")
        + " in the officer's view, so "
        + ("its rate" if len(lost) == 1 else "their rates")
        + " of 0 say nothing"
        + (
            ", and with no White searches there is no ratio to White."
            if any(g == REFERENCE for g, _ in lost)
            else "."
        )
    ]


#: a share of the searches with an outcome beyond no further action whose link to
#: the object of the search is blank, from which the find rates are said to be low
UNLINKED_SHARE_NOTED: Final = 0.1


def _unrecorded_sex_note(s: pl.DataFrame, *, people: int) -> list[str]:
    """A note when no search of a person records a sex: the source does not seem
    to record it. West Midlands, January 2019, leaves police.uk's ``Gender`` blank
    for all 1,634 of its searches: its table by sex read "not recorded 1,549
    (95 %)" beside "vehicle only 85", with no word that the force records no sex
    at all, so that the split by sex says nothing of who it searches."""
    if "sex" not in s.columns or people < 10:
        return []
    of_people = s.filter(pl.col("group") != _NO_PERSON)
    if of_people["sex"].is_not_null().any():
        return []
    return [_UNRECORDED_SEX.format(people=f"{people:,} ")]


def _unlinked_note(s: pl.DataFrame) -> list[str]:
    """A note when the link of the outcome to the object of the search is blank
    for many searches that led to something (an arrest, a warning): a blank counts
    as no find, so the find rates are understated. West Midlands, January 2019:
    blank for 288 of the 427 searches with an outcome other than no further action
    (257 arrests), 67 linked of 1,634: a find rate of 4.1 % that counts none of
    them."""
    acted = s.filter(_beyond_no_further_action())
    blank = int(acted["outcome_linked"].is_null().sum())
    if not acted.height or blank < UNLINKED_SHARE_NOTED * acted.height:
        return []
    return [
        "Whether the outcome was linked to the object of the search is blank for "
        f"{blank:,} of the {acted.height:,} searches with an outcome other than no "
        f"further action ({blank / acted.height:.0%}): a blank counts as no find, "
        "so the find rates are understated (lower bounds)."
    ]


#: a share of the searches with no recorded outcome from which the find and
#: arrest rates are said to be low
NO_OUTCOME_SHARE_NOTED: Final = 0.1


def _no_outcome_note(s: pl.DataFrame, *, finds_known: bool) -> list[str]:
    """A note when the outcome is blank for many searches: they count as no find
    and no arrest, so both rates are understated. West Yorkshire, January 2019:
    153 of its 1,012 searches have no outcome (and no link); its find rate of 14.4 %
    (146) is 17.0 % of the 859 searches with one. Where no find rate is given
    (``finds_known`` false: the source records no link) only the arrest rate is
    said to be low."""
    blank = int(s["outcome"].is_null().sum())
    if not s.height or blank < NO_OUTCOME_SHARE_NOTED * s.height:
        return []
    told = s.height - blank
    if not finds_known:
        return [
            f"{blank:,} of the {s.height:,} searches ({blank / s.height:.0%}) have "
            "no recorded outcome: they count as no arrest, so the arrest rates are "
            "understated (lower bounds)."
        ]
    finds = int(s.select(_found(s.columns)).to_series().fill_null(value=False).sum())
    among = (
        f"; of the {told:,} searches with one, {finds:,} found what was sought "
        f"({finds / told:.1%})"
        if told
        else ""
    )
    return [
        f"{blank:,} of the {s.height:,} searches ({blank / s.height:.0%}) have no "
        "recorded outcome: they count as no find and no arrest, so the find and "
        f"arrest rates are understated (lower bounds){among}."
    ]


def _unstated_lean(s: pl.DataFrame) -> list[str]:
    """A note on which way leaving out the searches with no self-defined ethnicity
    leans the rates: the officer-defined groups of those searches against those of
    the searches with one (the officer's view is the only one recorded for them).
    A group that officers record more often among the unstated has its
    self-defined rate, and its ratio to White, understated by their exclusion."""
    officer = _group_expr("officer_ethnicity")
    shares = (
        s.filter(pl.col("group") != _NO_PERSON)
        .with_columns(
            (pl.col("group") == "not stated").alias("unstated"),
            officer.alias("officer_group"),
        )
        .filter(pl.col("officer_group") != "not stated")
        .group_by("unstated", "officer_group")
        .len()
        .with_columns(
            pl.col("len").sum().over("unstated").alias("of"),
            (pl.col("len") / pl.col("len").sum().over("unstated")).alias("share"),
        )
    )
    if shares["unstated"].n_unique() < 2:
        return []
    totals = dict(shares.select("unstated", "of").unique().iter_rows())
    wide = shares.pivot(
        on="unstated", index="officer_group", values=["share", "len"]
    ).fill_null(0)
    # the counts beside the shares: a share of the few unstated searches whose
    # officer-defined group is recorded can rest on a handful (West Midlands,
    # January 2019: Other 40.0 % was 6 of 15)
    leans = [
        f"{row['officer_group']} {row['share_true']:.1%} ({row['len_true']:,} of "
        f"{totals[True]:,}; against {row['share_false']:.1%}, {row['len_false']:,} "
        f"of {totals[False]:,}, of those with one)"
        for row in wide.sort("officer_group").iter_rows(named=True)
        if row["share_true"] > 1.1 * row["share_false"]
        and row["share_true"] - row["share_false"] >= 0.01
    ]
    if not leans:
        return []
    return [
        "Of the searches with no self-defined ethnicity, officers recorded as "
        f"{'; '.join(leans)}: leaving them out, as the GOV.UK measure does, "
        + (
            "understates that group's rate and its ratio to White"
            if len(leans) == 1
            else "understates those groups' rates and their ratios to White"
        )
        + " ('avert analyse equality --officer-defined' shows the officers' view)."
    ]


def _link_unrecorded(outcomes: pl.DataFrame) -> bool:
    """Whether no search has an outcome linked to its object though some ended in
    arrest (``finds`` and ``arrests`` per group): the source does not seem to record
    the link, so no find rate is known."""
    return (
        outcomes.height > 0
        and int(outcomes["finds"].sum()) == 0
        and int(outcomes["arrests"].sum()) > 0
    )


def _beyond_no_further_action() -> pl.Expr:
    """Whether a search's ``outcome`` is one other than no further action (null:
    no outcome, so false)."""
    outcome = pl.col("outcome").cast(pl.String)
    return (
        outcome.is_not_null()
        & ~outcome.str.to_lowercase().str.contains("no further action")
    ).fill_null(value=False)


def _found(columns: list[str]) -> pl.Expr:
    """Whether a search found what it was for: an outcome beyond no further action
    linked to the object of the search (a blank link is no find). police.uk marks
    many no-further-action outcomes linked too (West Yorkshire, January 2019: 591
    of its 594; BTP all 464), though nothing followed: a link is read only on an
    outcome other than no further action (counted, West Yorkshire's find rate
    read 72.8 % where it is 14.4 %)."""
    if "outcome_linked" not in columns:
        return pl.lit(value=False)
    return pl.col("outcome_linked").fill_null(value=False) & _beyond_no_further_action()


def _ended_in_arrest() -> pl.Expr:
    """Whether a search's ``outcome`` names an arrest (null: no outcome)."""
    return pl.col("outcome").cast(pl.String).str.to_lowercase().str.contains("arrest")


def _outcomes(s: pl.DataFrame) -> pl.DataFrame:
    """Searches, finds and arrests per area and group, with Wilson intervals."""
    if "outcome" not in s.columns:
        return pl.DataFrame()
    arrest = _ended_in_arrest()
    agg = s.group_by("area", "group").agg(
        pl.len().cast(pl.Int64).alias("searches"),
        _found(s.columns).sum().alias("finds"),
        arrest.fill_null(value=False).sum().alias("arrests"),
    )
    f, flo, fhi = wilson(pl.col("finds"), pl.col("searches"))
    a, alo, ahi = wilson(pl.col("arrests"), pl.col("searches"))
    # no search linked to its object though some ended in arrest: the source does
    # not record the link (police.uk outcomes of many forces), so the find rate is
    # not known; a rate of 0 % (0 % to 0 %) read as "nothing is ever found"
    known = pl.lit(not _link_unrecorded(agg))
    return agg.with_columns(
        pl.when(known).then(f).alias("find_rate"),
        pl.when(known).then(flo).alias("find_ci_low"),
        pl.when(known).then(fhi).alias("find_ci_high"),
        a.alias("arrest_rate"),
        alo.alias("arrest_ci_low"),
        ahi.alias("arrest_ci_high"),
    ).sort("area", "group")


# --- Equality Impact Assessment --------------------------------------------------------
def equality_impact_summary(
    stops: EqualityResult | None,
    lists: Sequence[ListMakeUp] = (),
    *,
    synthetic: bool = False,
    areas: EqualityResult | None = None,
    whole: EqualityResult | None = None,
) -> dict[str, Any]:
    """An Equality Impact Assessment summary generated from the data.

    Returns a JSON-ready dict: ``monitored`` (what is monitored and how),
    ``figures`` (headline rates and ratios), ``significantly_above_1`` (every ratio
    whose 95 % Katz interval and exact conditional lower end lie above 1, with
    where it was found), ``not_stated`` and ``reading``, whose caveat on the
    residents fits their source: a census is dated; ``synthetic`` residents (the
    synthetic city's, :mod:`avert.synth.residents`) are every resident the
    generator made, the same on every day of the city: no census, none dated.
    With ``areas`` (the per-area result), ``by_area``: every area's ratios to its
    White rate, highest first, with their intervals and whether the interval
    excludes 1 (``significance``: the flag's rule in words), under the small-cell
    rule (:func:`area_ratios`; its flag corrected for the number of ratios by
    Holm's method, ``by_area_tested`` of them), ``by_area_no_search`` (how many of its rows have
    no search of the group: every row stays in ``by_area``, the pages list the
    others and count these in one line) and ``disclosure`` (the rule's words);
    without, ``by_area`` is empty and ``by_area_no_search`` 0. ``whole``: the
    force's result before :func:`withhold_force_counts` when ``stops`` is after it
    (the areas' rule holds against the force's whole counts); None: ``stops``.
    """
    monitored: list[str] = []
    figures: list[dict[str, Any]] = []
    flags: list[dict[str, Any]] = []
    not_stated: list[dict[str, Any]] = []
    if stops is not None:
        monitored.append(_stops_monitored(stops))
        figures += _stops_figures(stops)
        flags += [
            {"what": f"stop and search ({row['table']})", **json_object(row)}
            for row in stops.flagged().to_dicts()
        ]
        not_stated += jsonable(stops.not_stated)
    for made in lists:
        monitored.append(
            f"Priority list '{made.list_name}': make-up by sex, age band and ethnicity "
            "against the pool it was drawn from (and residents where known)."
        )
        figures += _list_figures(made)
        flags += _list_flags(made)
    force = whole if whole is not None else stops
    by_area = area_ratios(areas, force=force) if areas is not None else pl.DataFrame()
    if by_area.height:
        monitored.append(
            "Stop and search by area: each area's ratio of a group's rate to the "
            "area's White rate (95 % log interval), highest first, small counts "
            "withheld."
        )
    return {
        "title": "Equality Impact Assessment (generated from the data)",
        "source": "AVB delivery plan 2010, Section C; Equality Act 2010 s.149 (public sector equality duty)",
        "monitored": monitored,
        "figures": figures,
        "significantly_above_1": flags,
        "not_stated": not_stated,
        "by_area": jsonable(by_area) if by_area.height else [],
        "by_area_no_search": _no_search(by_area),
        "by_area_tested": _tested(by_area),
        "disclosure": _area_disclosure() if by_area.height else None,
        "reading": _impact_reading(synthetic=synthetic),
    }


def _stops_monitored(stops: EqualityResult) -> str:
    """What the summary monitors of stop and search, naming whose view of
    ethnicity is counted."""
    defined = (
        "officer-defined ethnic group (the officer's view, not the GOV.UK measure)"
        if stops.params.get("ethnicity") == "officer_ethnicity"
        else "self-defined ethnic group"
    )
    return (
        f"Stop and search: searches per 1,000 residents by {defined}, "
        "ratio to the White rate (95 % log interval), by power, age band, sex, find and "
        "arrest rate, and trend; searches with no recorded ethnicity."
    )


def _stops_figures(stops: EqualityResult) -> list[dict[str, Any]]:
    """The headline rates and ratios of stop and search, one dict per row."""
    figures: list[dict[str, Any]] = jsonable(
        stops.frame.select(
            "area",
            "group",
            "searches",
            "residents",
            "rate_per_1000",
            "ratio_to_white",
            "ci_low",
            "ci_high",
        )
    )
    return figures


def _list_figures(made: ListMakeUp) -> list[dict[str, Any]]:
    """A priority list's make-up against its pool, one dict per row."""
    return [
        {"list": made.list_name, **row}
        for row in jsonable(
            made.frame.select(
                "dimension",
                "category",
                "listed",
                "pool",
                "ratio",
                "ci_low",
                "ci_high",
            )
        )
    ]


def _list_flags(made: ListMakeUp) -> list[dict[str, Any]]:
    """A priority list's categories whose ratio is significantly above 1."""
    return [
        {
            "what": f"list {made.list_name}",
            "dimension": row["dimension"],
            "category": row["category"],
            "ratio": jsonable(row["ratio"]),
            "ci_low": jsonable(row["ci_low"]),
            "ci_high": jsonable(row["ci_high"]),
            "reference": made.references.get(row["dimension"]),
        }
        for row in made.frame.filter(pl.col("significantly_above_1")).to_dicts()
    ]


def _impact_reading(*, synthetic: bool) -> str:
    """How to read a ratio, with the caveat that fits the residents' source."""
    return (
        "A ratio is significantly above 1 when the lower end of its 95 % interval "
        "is above 1 and the exact conditional test (Clopper-Pearson) agrees, "
        "so a ratio resting on a handful of searches or people is not flagged "
        "by the large-sample interval alone. A ratio is a measure of difference, not of its cause: "
        "residents are not the population available to be searched"
        + (
            " (here the synthetic city's residents, every one avert's generator "
            "made: no census, so none that is dated)."
            if synthetic
            else ", and the census is dated."
        )
    )


def _no_search(by_area: pl.DataFrame) -> int:
    """The rows of :func:`area_ratios` whose area has no search of the group (0
    shown, not withheld): complete in the JSON, counted in one line on the pages,
    where a board reads the rows that say something."""
    if by_area.height == 0:
        return 0
    return by_area.filter(
        (pl.col("searches") == 0) & ~pl.col("searches_withheld")
    ).height


def _tested(by_area: pl.DataFrame) -> int:
    """How many of the per-area ratios were tested together (shown with a p-value):
    the m of the flags' Holm correction (:func:`area_ratios`)."""
    if by_area.height == 0:
        return 0
    return int(by_area["p_above_1"].is_not_null().sum())


def _area_disclosure() -> str:
    """The small-cell rule (:data:`avert.access.SMALL_CELL_RULE`) as the per-area
    ratios apply it: to counts of searches, not of people."""
    return (
        f"[c]: withheld. An area's searches of a group numbering 1 to "
        f"{SMALL_CELL - 1} are withheld, and so is the next smallest count of the "
        "area when one alone would be, with their rates, ratios and intervals; a "
        "withheld White count withholds every ratio of its area; so too down each "
        "group's areas, against the force's count above. (GSS/ONS "
        "disclosure control: threshold rule with secondary suppression; '[c]' is "
        "the GOV.UK symbol for confidential.)"
    )
