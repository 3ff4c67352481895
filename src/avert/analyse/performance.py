"""Performance for the board: series, control charts, seasonal change and verdicts.

The seed's Board succeeds only by "significant and sustained reductions in violent
crime" (AVB delivery plan 2010, ¶4 and ¶39) measured by a performance framework (¶44,
Appendix 1 item 6). This module turns incidents into the evidence a board, an
inspectorate and the public would accept:

* **Series** (:func:`build_series`): counts and harm (CCHI days) per week or month,
  by area, category and flag (weapon, domestic), zero-filled, with rates per 1,000
  residents where the area's population is known.
* **Statistical process control** (:func:`c_chart`, :func:`u_chart`,
  :func:`run_rules`): Shewhart c-charts (counts, limits ``c̄ ± 3√c̄``) and u-charts
  (rates, limits ``ū ± 3√(ū/nᵢ)``), the centre and limits computed from a stated
  baseline period only, and the standard run rules: a point beyond 3 sigma, a run of
  8 on one side of the centre line, 2 of 3 consecutive points beyond 2 sigma on the
  same side, a trend of 6 (Montgomery, *Introduction to Statistical Quality Control*,
  7th ed., §6.3 and §7.3; Western Electric *Statistical Quality Control Handbook*,
  1956; NHS England "Making data count", 2019).
* **Change against a seasonal baseline** (:func:`seasonal_change`): an interrupted
  time series model (Bernal, Cummins & Gasparrini 2017, *Int J Epidemiol* 46:348):
  ``log μₜ = α + month-of-year(t) + β·t + γ·recentₜ``, a Poisson GLM, quasi-Poisson
  (scale = Pearson χ²/df, t inference) when the Poisson fit is over-dispersed
  (Pearson χ² test), or on request a negative binomial (NB2), fitted by statsmodels
  on the baseline and recent periods together. ``exp(γ)`` is the rate ratio of the
  recent period against what the baseline's season and trend lead one to expect,
  with its 95 % interval and p-value (Wald; t with the residual degrees of freedom
  for quasi-Poisson, McCullagh & Nelder 1989 §4.5).
* **Verdicts** (:func:`verdict`): one word per series from :data:`VERDICTS`, each with
  its written definition.
* **Targets** (:func:`trajectory`), **most similar areas** (:func:`most_similar_areas`,
  the idea of the Home Office iQuanta "most similar groups": standardised Euclidean
  distance over population and census make-up) and the **confidence measure**
  (:func:`confidence_beside_crime`).

Pure: frames in, typed results out (every chart's data is in the result).
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.result import Result, json_object, jsonable
from avert.errors import SchemaError

__all__ = [
    "DEFAULTS",
    "VERDICTS",
    "ChangeEstimate",
    "PerformanceResult",
    "SPCChart",
    "SeriesResult",
    "Unit",
    "build_series",
    "c_chart",
    "confidence_beside_crime",
    "most_similar_areas",
    "performance",
    "period_start",
    "run_rules",
    "seasonal_change",
    "trajectory",
    "u_chart",
    "verdict",
    "xmr_chart",
]

Unit = Literal["month", "week"]
Family = Literal["auto", "poisson", "quasipoisson", "negbin"]
Trend = bool | Literal["auto"]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: the fixed vocabulary of verdicts, each with its written definition
VERDICTS: Final[dict[str, str]] = {
    "significant_sustained_reduction": (
        "The recent period's rate ratio against the seasonal baseline expectation is "
        "below 1 with p < alpha (two-sided Wald test of the step term), AND the count "
        "was below the baseline expectation (season and trend, without the step) in "
        "at least sustained_min of the last sustained_of periods."
    ),
    "significant_reduction": (
        "The rate ratio is below 1 with p < alpha, but the reduction is not yet "
        "sustained (fewer than sustained_min of the last sustained_of periods below "
        "the expectation)."
    ),
    "no_significant_change": "The rate ratio's p-value is alpha or more.",
    "significant_increase": "The rate ratio is above 1 with p < alpha.",
    "insufficient_data": (
        "Fewer than min_baseline_periods baseline periods, fewer than "
        "min_baseline_events events in the baseline, no recent period, no event in "
        "the recent period, or the model could not be fitted."
    ),
}

#: stated defaults of the verdict and the model
DEFAULTS: Final[dict[str, Any]] = {
    "alpha": 0.05,
    "sustained_min": 5,
    "sustained_of": 6,
    "min_baseline_periods": {"month": 12, "week": 52},
    "min_baseline_events": 20,
    "family": "auto",
    "trend": "auto",
    "trend_p": 0.001,
}

_Z95: Final = 1.959963984540054


# --- series ------------------------------------------------------------------------
def _period_expr(column: str, unit: Unit) -> pl.Expr:
    every = "1mo" if unit == "month" else "1w"
    return pl.col(column).cast(pl.Datetime("us")).dt.truncate(every).cast(pl.Date)


def period_start(day: dt.date, unit: Unit) -> dt.date:
    """First day of the month (or the Monday of the week) holding ``day``."""
    if unit == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def periods_between(start: dt.date, end: dt.date, unit: Unit) -> list[dt.date]:
    """Every period start from the period holding ``start`` to the one holding ``end``."""
    first = pl.DataFrame({"d": [start, end]}).select(_period_expr("d", unit))
    a, b = first.to_series().to_list()
    interval = "1mo" if unit == "month" else "1w"
    out = pl.date_range(a, b, interval=interval, eager=True)
    return list(out.to_list())


def build_series(
    incidents: pl.DataFrame,
    *,
    unit: Unit = "month",
    area: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    by_category: bool = True,
    flags: Sequence[str] = ("weapon", "domestic"),
    time_column: str = "occurred_from",
) -> pl.DataFrame:
    """Counts and harm per period, area, category and flag, zero-filled.

    Parameters
    ----------
    incidents
        One row per incident: ``time_column``, optionally ``category`` (violence
        category or crime type), ``harm_days``, ``weapon`` (``none`` or a weapon),
        ``domestic`` and the ``area`` column.
    unit
        ``month`` or ``week`` (weeks start on Monday).
    area
        Column holding the area (e.g. ``borough``); None: one area ``all``.
    date_from, date_to
        First and last day to cover (default: the data's first and last).
    by_category
        Also one series per category (``category`` column), beside ``all``.
    flags
        Flag series of the area's total: ``weapon`` (weapon recorded and not
        ``none``) and ``domestic``.

    Returns
    -------
    pl.DataFrame
        ``area``, ``category`` (``all`` for the total), ``flag`` (``all``, ``weapon``,
        ``domestic``), ``period`` (first day), ``count`` and ``harm`` (CCHI days; null
        when incidents carry no harm); every period of the window is present.
    """
    if time_column not in incidents.columns:
        msg = f"incidents need a '{time_column}' column"
        raise SchemaError(msg)
    frame = incidents.with_columns(
        _period_expr(time_column, unit).alias("period"),
        (pl.col(area).cast(pl.String) if area else pl.lit("all"))
        .fill_null("unknown")
        .alias("area"),
    )
    has_harm = "harm_days" in frame.columns
    frame = frame.with_columns(
        (
            pl.col("harm_days").cast(pl.Float64)
            if has_harm
            else pl.lit(None, dtype=pl.Float64)
        ).alias("_harm")
    )
    marks: list[pl.DataFrame] = [
        frame.select("area", "period", "_harm").with_columns(
            pl.lit("all").alias("category"), pl.lit("all").alias("flag")
        )
    ]
    if by_category and "category" in frame.columns:
        marks.append(
            frame.filter(pl.col("category").is_not_null())
            .select("area", "period", "_harm", pl.col("category").cast(pl.String))
            .with_columns(pl.lit("all").alias("flag"))
        )
    for flag in flags:
        if flag not in frame.columns:
            continue
        if flag == "weapon":
            mask = pl.col("weapon").is_not_null() & (pl.col("weapon") != "none")
        else:
            mask = pl.col(flag).cast(pl.Boolean).fill_null(value=False)
        marks.append(
            frame.filter(mask)
            .select("area", "period", "_harm")
            .with_columns(pl.lit("all").alias("category"), pl.lit(flag).alias("flag"))
        )
    long = pl.concat(
        [m.select("area", "category", "flag", "period", "_harm") for m in marks]
    )
    counted = long.group_by("area", "category", "flag", "period").agg(
        pl.len().cast(pl.Int64).alias("count"),
        pl.col("_harm").sum().alias("harm"),
    )
    lo: Any = date_from or (frame["period"].min() if frame.height else None)
    hi: Any = date_to or (frame["period"].max() if frame.height else None)
    if not isinstance(lo, dt.date) or not isinstance(hi, dt.date):
        return pl.DataFrame(
            schema={
                "area": pl.String,
                "category": pl.String,
                "flag": pl.String,
                "period": pl.Date,
                "count": pl.Int64,
                "harm": pl.Float64,
            }
        )
    grid = pl.DataFrame(
        {"period": periods_between(lo, hi, unit)}, schema={"period": pl.Date}
    )
    keys = counted.select("area", "category", "flag").unique()
    if area is not None:
        # every area has its total series even with no event
        keys = pl.concat(
            [
                keys,
                frame.select("area")
                .unique()
                .with_columns(
                    pl.lit("all").alias("category"), pl.lit("all").alias("flag")
                ),
            ]
        ).unique()
    out = (
        keys.join(grid, how="cross")
        .join(counted, on=["area", "category", "flag", "period"], how="left")
        .with_columns(
            pl.col("count").fill_null(0),
            pl.col("harm").fill_null(0.0) if has_harm else pl.col("harm"),
        )
        .filter(pl.col("period").is_between(grid["period"].min(), grid["period"].max()))
        .sort("area", "category", "flag", "period")
    )
    return out.select("area", "category", "flag", "period", "count", "harm")


# --- statistical process control ----------------------------------------------------
@dataclass(frozen=True)
class SPCChart:
    """A Shewhart chart: values, centre line and limits per point, run-rule flags.

    ``sigma`` is per point (constant for a c-chart, ``√(ū/nᵢ)`` for a u-chart).
    Every flag array marks the points that belong to a pattern that breaks a rule.
    """

    kind: Literal["c", "u", "x"]
    values: tuple[float, ...]
    centre: float
    sigma: tuple[float, ...]
    baseline: tuple[bool, ...]
    rules: Mapping[str, tuple[bool, ...]]

    @property
    def ucl(self) -> tuple[float, ...]:
        """Upper control limit (centre + 3 sigma)."""
        return tuple(self.centre + 3 * s for s in self.sigma)

    @property
    def lcl(self) -> tuple[float, ...]:
        """Lower control limit (centre - 3 sigma, floored at 0)."""
        return tuple(max(0.0, self.centre - 3 * s) for s in self.sigma)

    @property
    def upper_2sigma(self) -> tuple[float, ...]:
        """Upper warning limit (centre + 2 sigma)."""
        return tuple(self.centre + 2 * s for s in self.sigma)

    @property
    def lower_2sigma(self) -> tuple[float, ...]:
        """Lower warning limit (centre - 2 sigma, floored at 0)."""
        return tuple(max(0.0, self.centre - 2 * s) for s in self.sigma)

    @property
    def signal(self) -> tuple[bool, ...]:
        """Points flagged by any rule."""
        arrays = list(self.rules.values())
        return tuple(any(a[i] for a in arrays) for i in range(len(self.values)))

    def frame(self) -> pl.DataFrame:
        """One row per point: value, centre, limits and the flag of each rule."""
        n = len(self.values)
        return pl.DataFrame(
            {
                "value": list(self.values),
                "centre": [self.centre] * n,
                "ucl": list(self.ucl),
                "lcl": list(self.lcl),
                "upper_2sigma": list(self.upper_2sigma),
                "lower_2sigma": list(self.lower_2sigma),
                "baseline": list(self.baseline),
                **{k: list(v) for k, v in self.rules.items()},
            },
            schema_overrides={"centre": pl.Float64, "value": pl.Float64},
        )


def _runs_on_side(side: npt.NDArray[np.int8], length: int) -> Bools:
    """Points in a run of at least ``length`` consecutive equal non-zero sides."""
    n = side.size
    out = np.zeros(n, dtype=bool)
    if n < length:
        return out
    windows = np.lib.stride_tricks.sliding_window_view(side, length)
    hit = (np.abs(windows.sum(axis=1)) == length) & (windows[:, 0] != 0)
    for offset in range(length):  # loop over the window length, not the rows
        out[offset : offset + hit.size] |= hit
    return out


def run_rules(
    values: Sequence[float] | F64,
    centre: float,
    sigma: Sequence[float] | F64 | float,
) -> dict[str, tuple[bool, ...]]:
    """The standard run rules on a control chart.

    Parameters
    ----------
    values
        The plotted values, in time order.
    centre
        Centre line (from the baseline).
    sigma
        One sigma per point (or one for all).

    Returns
    -------
    dict
        ``beyond_3sigma`` (a point above the upper or below the lower 3-sigma limit),
        ``run_8`` (8 or more consecutive points strictly on one side of the centre
        line; a point on the line breaks the run), ``two_of_three_2sigma`` (2 of 3
        consecutive points beyond 2 sigma on the same side: every point beyond 2
        sigma in such a window is marked), ``trend_6`` (6 or more consecutive points
        each strictly above, or each strictly below, the one before; a tie breaks
        the trend). Montgomery (2013) §6.3; Western Electric (1956); NHS England
        "Making data count" (2019).
    """
    x = np.asarray(values, dtype=np.float64)
    s = np.broadcast_to(np.asarray(sigma, dtype=np.float64), x.shape)
    n = x.size
    beyond3 = (x > centre + 3 * s) | (x < np.maximum(0.0, centre - 3 * s) - 1e-12)
    beyond3 &= s > 0
    side = np.sign(x - centre).astype(np.int8)
    run8 = _runs_on_side(side, 8)
    hi2 = (x > centre + 2 * s) & (s > 0)
    lo2 = (x < centre - 2 * s) & (s > 0)
    two3 = np.zeros(n, dtype=bool)
    if n >= 3:
        for flags in (hi2, lo2):
            win = np.lib.stride_tricks.sliding_window_view(flags, 3)
            hit = win.sum(axis=1) >= 2
            for offset in range(3):
                two3[offset : offset + hit.size] |= hit & win[:, offset]
    trend = np.zeros(n, dtype=bool)
    if n >= 6:
        step = np.sign(np.diff(x)).astype(np.int8)  # n - 1 steps
        steps5 = _runs_on_side(step, 5)  # 5 steps in one direction = 6 points
        trend[:-1] |= steps5
        trend[1:] |= steps5
    return {
        "beyond_3sigma": tuple(bool(v) for v in beyond3),
        "run_8": tuple(bool(v) for v in run8),
        "two_of_three_2sigma": tuple(bool(v) for v in two3),
        "trend_6": tuple(bool(v) for v in trend),
    }


def c_chart(
    counts: Sequence[float] | F64, baseline: Sequence[bool] | Bools
) -> SPCChart:
    """A c-chart of counts: centre ``c̄`` = mean baseline count, sigma ``√c̄``.

    Limits come from the ``baseline`` points only and apply to every point.
    """
    c = np.asarray(counts, dtype=np.float64)
    base = np.asarray(baseline, dtype=bool)
    if not base.any():
        msg = "a control chart needs at least one baseline point"
        raise ValueError(msg)
    centre = float(c[base].mean())
    sigma = np.full(c.size, math.sqrt(max(centre, 0.0)))
    return SPCChart(
        kind="c",
        values=tuple(float(v) for v in c),
        centre=centre,
        sigma=tuple(float(v) for v in sigma),
        baseline=tuple(bool(v) for v in base),
        rules=run_rules(c, centre, sigma),
    )


def u_chart(
    counts: Sequence[float] | F64,
    exposure: Sequence[float] | F64,
    baseline: Sequence[bool] | Bools,
) -> SPCChart:
    """A u-chart of rates ``uᵢ = cᵢ/nᵢ``: centre ``ū = Σc/Σn`` over the baseline.

    ``exposure`` is the area of opportunity per point (e.g. residents / 1,000, so
    the rate is per 1,000 residents); sigma of point ``i`` is ``√(ū/nᵢ)``.
    """
    c = np.asarray(counts, dtype=np.float64)
    n = np.asarray(exposure, dtype=np.float64)
    base = np.asarray(baseline, dtype=bool)
    if not base.any() or np.any(n <= 0):
        msg = "a u-chart needs baseline points and positive exposure"
        raise ValueError(msg)
    centre = float(c[base].sum() / n[base].sum())
    u = c / n
    sigma = np.sqrt(centre / n)
    return SPCChart(
        kind="u",
        values=tuple(float(v) for v in u),
        centre=centre,
        sigma=tuple(float(v) for v in sigma),
        baseline=tuple(bool(v) for v in base),
        rules=run_rules(u, centre, sigma),
    )


def xmr_chart(
    values: Sequence[float] | F64, baseline: Sequence[bool] | Bools
) -> SPCChart:
    """An XmR (individuals) chart: centre = baseline mean, sigma = mean moving range / 1.128.

    For measures that are not counts (harm in CCHI days): the moving ranges are
    those between consecutive baseline points (Wheeler & Chambers 1992,
    *Understanding Statistical Process Control*; NHS England "Making data count").
    """
    x = np.asarray(values, dtype=np.float64)
    base = np.asarray(baseline, dtype=bool)
    if not base.any():
        msg = "a control chart needs at least one baseline point"
        raise ValueError(msg)
    centre = float(x[base].mean())
    pairs = base[1:] & base[:-1]
    mr = np.abs(np.diff(x))[pairs]
    sigma = np.full(x.size, float(mr.mean() / 1.128) if mr.size else 0.0)
    return SPCChart(
        kind="x",
        values=tuple(float(v) for v in x),
        centre=centre,
        sigma=tuple(float(v) for v in sigma),
        baseline=tuple(bool(v) for v in base),
        rules=run_rules(x, centre, sigma),
    )


# --- seasonal change ----------------------------------------------------------------
@dataclass(frozen=True)
class ChangeEstimate:
    """The step of the recent period against the seasonal baseline (one series)."""

    rate_ratio: float
    ci_low: float
    ci_high: float
    p_value: float
    family: Literal["poisson", "quasipoisson", "negbin"]
    dispersion: float
    expected: tuple[float, ...]
    fitted: tuple[float, ...]
    trend_per_year: float | None
    alpha_nb: float | None = None
    trend_used: bool = False
    #: the scale the interval used (1 for Poisson and NB2)
    scale: float = 1.0
    #: Pearson χ²/df of the season (and trend) model fitted to the baseline alone
    dispersion_baseline: float | None = None
    #: degrees of freedom of the t quantile (None: normal)
    dof: float | None = None


def design_matrix(
    periods: Sequence[dt.date],
    recent: Sequence[bool] | Bools,
    *,
    unit: Unit,
    trend: bool = True,
    months_present: Sequence[int] | None = None,
) -> tuple[F64, list[str]]:
    """The model's design: intercept, month-of-year dummies, trend (years), recent step.

    Month-of-year effects (weekly data take the month of the week's first day) use
    the first month present in ``months_present`` (default: all months seen) as the
    reference. The trend is in years from the first period. The last column is the
    recent-period indicator whose coefficient is the log rate ratio.
    """
    months = np.array([p.month for p in periods], dtype=np.int64)
    present = sorted(
        set(months_present if months_present is not None else months.tolist())
    )
    cols: list[F64] = [np.ones(len(periods))]
    names = ["intercept"]
    for m in present[1:]:
        cols.append((months == m).astype(np.float64))
        names.append(f"month_{m:02d}")
    if trend:
        first = periods[0]
        cols.append(np.array([(p - first).days / 365.25 for p in periods]))
        names.append("trend_per_year")
    cols.append(np.asarray(recent, dtype=np.float64))
    names.append("recent")
    del unit
    return np.column_stack(cols), names


def seasonal_change(
    counts: Sequence[float] | F64,
    periods: Sequence[dt.date],
    baseline: Sequence[bool] | Bools,
    recent: Sequence[bool] | Bools,
    *,
    unit: Unit = "month",
    trend: Trend = "auto",
    family: Family = "auto",
    trend_p: float = 0.001,
) -> ChangeEstimate | None:
    """Fit ``log μₜ = α + month(t) + β·t + γ·recentₜ`` and return ``exp(γ)`` with its CI.

    Only baseline and recent periods enter the fit (a gap between them is left out).

    ``family="auto"`` (and ``"quasipoisson"``) fits the Poisson GLM and takes its
    covariance times a scale estimated **on the baseline**: the Pearson χ²/df of the
    season (and trend) model fitted to the baseline alone, never less than the
    whole fit's Pearson χ²/df (a recent period more variable than the baseline
    widens the interval too) and, with ``"auto"``, never less than 1 (the interval
    is never narrower than Poisson's); the interval and p-value use t quantiles with
    the baseline fit's residual degrees of freedom (McCullagh & Nelder 1989 §4.5;
    Wedderburn 1974). The interval so widens with the over-dispersion that the
    baseline shows. The method before (Poisson, quasi-Poisson only when a χ² test
    found over-dispersion, t with the whole fit's degrees of freedom) gave 5.5-11 %
    false ``significant_*`` on flat over-dispersed series; measured figures of this
    one are in ``benchmarks/performance_verdicts.py`` and ``docs/performance.md``.
    ``family="poisson"`` is the plain Poisson GLM (Wald, normal quantiles).
    ``family="negbin"`` fits a negative binomial (NB2, dispersion by maximum
    likelihood, statsmodels ``NegativeBinomial``): with 36 monthly points and 13
    seasonal parameters its dispersion is underestimated and its intervals too
    narrow (measured: 16-22 % false significance on flat over-dispersed series),
    so it is not the default. Returns None when the model cannot be fitted (no
    event in one of the periods, or no convergence).

    ``trend="auto"`` keeps the trend term only when it is significant in the
    baseline alone (Poisson fit of the baseline with season and trend, standard
    error inflated by the Pearson dispersion when above 1, p from t with the
    baseline's residual degrees of freedom < ``trend_p``, default 0.001): an
    insignificant trend extrapolated into the recent period costs most of the power
    to see a step, and a spurious trend that passes the pre-test is extrapolated
    into a false step (measured: with p < 0.01, 1-3.5 % of flat over-dispersed
    series took a trend and most of those were then judged significant).

    ``expected`` is the model's prediction with the step switched off, for every
    period given: what the baseline's season and trend lead one to expect.
    """
    from scipy import stats
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    y_all = np.asarray(counts, dtype=np.float64)
    base = np.asarray(baseline, dtype=bool)
    rec = np.asarray(recent, dtype=bool) & ~base
    use = base | rec
    if (
        not base.any()
        or not rec.any()
        or y_all[rec].sum() <= 0
        or y_all[base].sum() <= 0
    ):
        return None
    months_base = sorted({p.month for p, b in zip(periods, base, strict=True) if b})
    months_rec = {p.month for p, r in zip(periods, rec, strict=True) if r}
    if not months_rec <= set(months_base):
        return None  # a recent month of year the baseline never saw
    use_trend = (
        _baseline_trend_significant(y_all, periods, base, months_base, trend_p)
        if trend == "auto"
        else bool(trend)
    )
    x_all, names = design_matrix(
        periods, rec, unit=unit, trend=use_trend, months_present=months_base
    )
    x, y = x_all[use], y_all[use]
    k = len(names) - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            pois = GLM(y, x, family=Poisson()).fit()
        except Exception:
            return None
        params = np.asarray(pois.params)
        cov = np.asarray(pois.cov_params())
        dof = max(int(pois.df_resid), 1)
        dispersion = float(pois.pearson_chi2) / dof
        used: Literal["poisson", "quasipoisson", "negbin"] = "poisson"
        alpha_nb: float | None = None
        base_disp = _baseline_dispersion(y_all, x_all, base, k)
        quantile, scale = _Z95, 1.0  # normal inference unless quasi-Poisson
        dist_df: float | None = None
        if family in ("auto", "quasipoisson"):
            # the scale: the baseline's dispersion, never less than the whole fit's
            # (nor than 1 with "auto"); t with the baseline's residual degrees of
            # freedom (see the docstring)
            scale = max(dispersion, _phi(base_disp), 1.0 if family == "auto" else 0.0)
            dist_df = float(base_disp[1] if base_disp is not None else dof)
            quasi = GLM(y, x, family=Poisson()).fit(scale=scale)
            cov = np.asarray(quasi.cov_params())
            quantile = float(stats.t.ppf(0.975, dist_df))
            used = "quasipoisson"
        elif family == "negbin":
            try:
                nb = NegativeBinomial(y, x, loglike_method="nb2").fit(
                    disp=0, maxiter=200, start_params=np.append(params, 0.1)
                )
                if nb.mle_retvals.get("converged", False):
                    params = np.asarray(nb.params)[:-1]
                    cov = np.asarray(nb.cov_params())[:-1, :-1]
                    alpha_nb = float(np.asarray(nb.params)[-1])
                    used = "negbin"
            except Exception:
                pass
    gamma, se = float(params[k]), float(math.sqrt(max(cov[k, k], 0.0)))
    if not math.isfinite(gamma) or not math.isfinite(se) or se == 0:
        return None
    p_value = float(
        2 * stats.norm.sf(abs(gamma / se))
        if dist_df is None
        else 2 * stats.t.sf(abs(gamma / se), dist_df)
    )
    x_off = x_all.copy()
    x_off[:, k] = 0.0
    expected = np.exp(x_off @ params)
    fitted = np.exp(x_all @ params)
    trend_coef = (
        float(math.expm1(params[names.index("trend_per_year")]))
        if "trend_per_year" in names
        else None
    )
    return ChangeEstimate(
        rate_ratio=math.exp(gamma),
        ci_low=math.exp(gamma - quantile * se),
        ci_high=math.exp(gamma + quantile * se),
        p_value=p_value,
        family=used,
        dispersion=dispersion,
        expected=tuple(float(v) for v in expected),
        fitted=tuple(float(v) for v in fitted),
        trend_per_year=trend_coef,
        alpha_nb=alpha_nb,
        trend_used=use_trend,
        scale=scale,
        dispersion_baseline=_phi(base_disp) if base_disp is not None else None,
        dof=dist_df,
    )


def _phi(base_disp: tuple[float, int] | None) -> float:
    return base_disp[0] if base_disp is not None else 0.0


def _baseline_dispersion(
    y_all: F64, x_all: F64, base: Bools, step: int
) -> tuple[float, int] | None:
    """Pearson χ²/df and residual df of the model fitted to the baseline alone.

    The design is the full model's without the step column (season, and trend when
    it is used). None when the baseline has no residual degree of freedom or the
    fit fails.
    """
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    x = np.delete(x_all[base], step, axis=1)
    y = y_all[base]
    if x.shape[0] <= x.shape[1]:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = GLM(y, x, family=Poisson()).fit()
        except Exception:
            return None
    dof = int(fit.df_resid)
    chi2 = float(fit.pearson_chi2)
    if dof < 1 or not math.isfinite(chi2):
        return None
    return chi2 / dof, dof


def _baseline_trend_significant(
    y_all: F64,
    periods: Sequence[dt.date],
    base: Bools,
    months_base: Sequence[int],
    trend_p: float,
) -> bool:
    """Whether a linear trend is significant in the baseline alone (see above)."""
    from scipy import stats
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    x_all, names = design_matrix(
        periods, base, unit="month", trend=True, months_present=months_base
    )
    x = x_all[base][:, :-1]  # no step column: the baseline only
    y = y_all[base]
    if x.shape[0] <= x.shape[1]:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = GLM(y, x, family=Poisson()).fit()
        except Exception:
            return False
    j = names.index("trend_per_year")
    phi = max(1.0, float(fit.pearson_chi2) / max(int(fit.df_resid), 1))
    se = math.sqrt(max(float(np.asarray(fit.cov_params())[j, j]) * phi, 0.0))
    if se == 0 or not math.isfinite(se):
        return False
    z = abs(float(np.asarray(fit.params)[j]) / se)
    dof = max(int(fit.df_resid), 1)
    return bool(2 * stats.t.sf(z, dof) < trend_p)


def verdict(
    change: ChangeEstimate | None,
    observed: Sequence[float] | F64,
    recent: Sequence[bool] | Bools,
    *,
    alpha: float = DEFAULTS["alpha"],
    sustained_min: int = DEFAULTS["sustained_min"],
    sustained_of: int = DEFAULTS["sustained_of"],
) -> tuple[str, int, int]:
    """The verdict of one series (see :data:`VERDICTS`).

    Returns
    -------
    tuple
        (verdict, periods below expectation among the last ``sustained_of`` recent
        periods, how many recent periods were looked at).
    """
    if change is None:
        return "insufficient_data", 0, 0
    obs = np.asarray(observed, dtype=np.float64)
    rec = np.flatnonzero(np.asarray(recent, dtype=bool))
    last = rec[-sustained_of:]
    below = int(np.sum(obs[last] < np.asarray(change.expected)[last]))
    if change.p_value >= alpha:
        return "no_significant_change", below, int(last.size)
    if change.rate_ratio > 1:
        return "significant_increase", below, int(last.size)
    need = min(sustained_min, int(last.size))
    if last.size >= sustained_min and below >= need:
        return "significant_sustained_reduction", below, int(last.size)
    return "significant_reduction", below, int(last.size)


# --- targets -------------------------------------------------------------------------
def trajectory(
    periods: Sequence[dt.date],
    observed: Sequence[float] | F64,
    *,
    baseline_level: float,
    change: float,
    start: dt.date,
    by: dt.date,
    smooth: int = 3,
) -> pl.DataFrame:
    """A straight-line trajectory to a target, and where the series stands against it.

    The target path runs from ``baseline_level`` (counts per period, e.g. the
    baseline mean) at ``start`` to ``baseline_level * (1 + change)`` at ``by`` (e.g.
    ``change=-0.10``: 10 % fewer), flat afterwards and equal to the baseline before.
    A period is ``on_track`` when the mean of the last ``smooth`` observed periods
    is at or below the path.

    Returns
    -------
    pl.DataFrame
        ``period``, ``observed``, ``target``, ``observed_smoothed``, ``on_track``.
    """
    span = max((by - start).days, 1)
    share = np.clip(
        np.array([(p - start).days / span for p in periods], dtype=np.float64), 0, 1
    )
    target = baseline_level * (1 + change * share)
    obs = pl.Series("observed", np.asarray(observed, dtype=np.float64))
    smoothed = obs.rolling_mean(window_size=smooth, min_samples=1)
    return pl.DataFrame(
        {
            "period": list(periods),
            "observed": obs,
            "target": target,
            "observed_smoothed": smoothed,
            "on_track": (smoothed.to_numpy() <= target + 1e-12),
        },
        schema_overrides={"period": pl.Date},
    )


# --- most similar areas -----------------------------------------------------------------
def most_similar_areas(
    features: pl.DataFrame, *, area: str = "area", k: int = 5
) -> pl.DataFrame:
    """For every area, its ``k`` most similar areas (iQuanta's "most similar groups").

    Every numeric column of ``features`` (e.g. ``population`` and census shares
    such as ``share_black`` or ``share_16_29``) is standardised to mean 0 and
    standard deviation 1 over the areas (``population`` is taken as its log); the
    distance is Euclidean over the standardised columns (Home Office "Most similar
    groups" methodology, 2012 revision, uses standardised demographic and
    socio-economic variables the same way).

    Returns
    -------
    pl.DataFrame
        ``area``, ``peer``, ``rank`` (1 = most similar) and ``distance``.
    """
    numeric = [c for c, t in features.schema.items() if c != area and t.is_numeric()]
    if not numeric or features.height < 2:
        return pl.DataFrame(
            schema={
                "area": pl.String,
                "peer": pl.String,
                "rank": pl.Int64,
                "distance": pl.Float64,
            }
        )
    data = features.select(
        [
            (
                pl.col(c).cast(pl.Float64).log1p()
                if c == "population"
                else pl.col(c).cast(pl.Float64)
            )
            for c in numeric
        ]
    ).to_numpy()
    data = (
        np.nan_to_num(data, nan=np.nanmean(data, axis=0))
        if np.isnan(data).any()
        else data
    )
    sd = data.std(axis=0)
    z = (data - data.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    dist = np.sqrt(((z[:, None, :] - z[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(dist, np.inf)
    kk = min(k, features.height - 1)
    order = np.argsort(dist, axis=1, kind="stable")[:, :kk]
    names = np.asarray(features[area].cast(pl.String).to_list(), dtype=object)
    rows = np.repeat(np.arange(features.height), kk)
    return pl.DataFrame(
        {
            "area": names[rows].tolist(),
            "peer": names[order.ravel()].tolist(),
            "rank": np.tile(np.arange(1, kk + 1), features.height),
            "distance": dist[rows, order.ravel()],
        },
        schema={
            "area": pl.String,
            "peer": pl.String,
            "rank": pl.Int64,
            "distance": pl.Float64,
        },
    )


# --- confidence measure ------------------------------------------------------------------
def confidence_beside_crime(
    survey: pl.DataFrame, series: pl.DataFrame, *, unit: Unit = "month"
) -> pl.DataFrame:
    """Join a confidence survey series to the crime series of the same area and period.

    ``survey`` has ``area``, ``period`` (a date in the survey period) and
    ``pct_agree`` (% who agree the police and council deal with what matters);
    ``series`` is :func:`build_series` output (category ``all``, flag ``all`` is
    used). Survey periods are mapped to the crime series' unit (a quarter's survey
    sits on the quarter's first month).

    Returns
    -------
    pl.DataFrame
        ``area``, ``period``, ``pct_agree``, ``count`` (null where no crime series).
    """
    crime = series.filter((pl.col("category") == "all") & (pl.col("flag") == "all"))
    sv = survey.with_columns(
        pl.col("area").cast(pl.String), _period_expr("period", unit).alias("period")
    )
    return (
        sv.select("area", "period", "pct_agree")
        .join(
            crime.select("area", "period", "count"), on=["area", "period"], how="left"
        )
        .sort("area", "period")
    )


# --- the whole analysis ------------------------------------------------------------------
@dataclass(frozen=True)
class SeriesResult:
    """One series: its verdict, the change estimate, the control chart and chart data."""

    area: str
    category: str
    flag: str
    verdict: str
    change: ChangeEstimate | None
    below_expected: int
    looked_at: int
    population: float | None
    chart: pl.DataFrame
    spc: SPCChart | None
    u_spc: SPCChart | None = None
    target: pl.DataFrame | None = None
    peers: tuple[str, ...] = ()
    peer_rate_ratio: float | None = None
    confidence: pl.DataFrame | None = None
    measure: str = "count"

    def row(self) -> dict[str, Any]:
        """The verdict row: area, category, flag, verdict, rate ratio, CI, p-value."""
        c = self.change
        recent = self.chart.filter(pl.col("recent"))
        baseline = self.chart.filter(pl.col("baseline"))
        return {
            "area": self.area,
            "category": self.category,
            "flag": self.flag,
            "measure": self.measure,
            "verdict": self.verdict,
            "rate_ratio": c.rate_ratio if c else None,
            "ci_low": c.ci_low if c else None,
            "ci_high": c.ci_high if c else None,
            "p_value": c.p_value if c else None,
            "family": c.family if c else None,
            "dispersion": c.dispersion if c else None,
            "trend_used": c.trend_used if c else None,
            "below_expected": self.below_expected,
            "of_last": self.looked_at,
            "baseline_count": int(baseline["count"].sum()),
            "recent_count": int(recent["count"].sum()),
            "baseline_harm": float(baseline["harm"].sum())
            if baseline["harm"].null_count() < baseline.height
            else None,
            "recent_harm": float(recent["harm"].sum())
            if recent["harm"].null_count() < recent.height
            else None,
            "recent_expected": float(recent["expected"].sum()) if c else None,
            "population": self.population,
            "recent_rate_per_1000": (
                float(recent["count"].sum()) / self.population * 1000
                if self.population
                else None
            ),
            "peers": list(self.peers),
            "peer_rate_ratio": self.peer_rate_ratio,
            "spc_signals": (
                {k: int(sum(v)) for k, v in self.spc.rules.items()} if self.spc else {}
            ),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the verdict row and the chart data (one object per period)."""
        out = json_object(self.row())
        out["chart"] = jsonable(self.chart)
        out["target"] = jsonable(self.target) if self.target is not None else None
        out["confidence"] = (
            jsonable(self.confidence) if self.confidence is not None else None
        )
        return out


@dataclass(frozen=True, kw_only=True)
class PerformanceResult(Result):
    """Verdicts of every series (``frame``: one row per series) and their charts."""

    series: tuple[SeriesResult, ...] = ()
    similar: pl.DataFrame = field(default_factory=pl.DataFrame)

    def to_dict(self) -> dict[str, Any]:
        """``{"verdicts": [...], "definitions": ..., "params": ..., ...}``."""
        return {
            "verdicts": [s.to_dict() for s in self.series],
            "definitions": dict(VERDICTS),
            "params": json_object(self.params),
            "method": self.method,
            "source": self.source,
            "similar_areas": jsonable(self.similar),
            "notes": list(self.notes),
        }


def _series_result(
    key: tuple[str, str, str],
    part: pl.DataFrame,
    *,
    unit: Unit,
    baseline: tuple[dt.date, dt.date],
    recent: tuple[dt.date, dt.date],
    population: float | None,
    settings: Mapping[str, Any],
    target: tuple[float, dt.date] | None,
) -> SeriesResult:
    periods: list[dt.date] = part["period"].to_list()
    counts = part["count"].to_numpy().astype(np.float64)
    harm = settings["measure"] == "harm"
    values = (
        part["harm"].fill_null(0.0).to_numpy().astype(np.float64) if harm else counts
    )
    base = part["period"].is_between(baseline[0], baseline[1]).to_numpy()
    rec = part["period"].is_between(recent[0], recent[1]).to_numpy() & ~base
    n_base = int(base.sum())
    enough = (
        n_base >= settings["min_baseline_periods"][unit]
        and counts[base].sum() >= settings["min_baseline_events"]
        and rec.any()
    )
    change = (
        seasonal_change(
            values,
            periods,
            base,
            rec,
            unit=unit,
            trend=settings["trend"],
            # harm is a weighted sum, not a count: its variance is estimated
            family="quasipoisson" if harm else settings["family"],
            trend_p=settings["trend_p"],
        )
        if enough
        else None
    )
    word, below, looked = verdict(
        change,
        values,
        rec,
        alpha=settings["alpha"],
        sustained_min=settings["sustained_min"],
        sustained_of=settings["sustained_of"],
    )
    spc = (
        (xmr_chart(values, base) if harm else c_chart(counts, base)) if n_base else None
    )
    u_spc = (
        u_chart(counts, np.full(counts.size, population / 1000), base)
        if n_base and population and not harm
        else None
    )
    chart = part.select("period", "count", "harm").with_columns(
        pl.Series("baseline", base),
        pl.Series("recent", rec),
        (
            (pl.col("count") / population * 1000)
            if population
            else pl.lit(None, pl.Float64)
        ).alias("rate_per_1000"),
        pl.Series(
            "expected",
            list(change.expected) if change else [None] * counts.size,
            dtype=pl.Float64,
        ),
    )
    if spc is not None:
        chart = pl.concat(
            [chart, spc.frame().drop("value", "baseline")], how="horizontal"
        )
    target_frame = None
    if target is not None and n_base:
        target_frame = trajectory(
            periods,
            values,
            baseline_level=float(values[base].mean()),
            change=target[0],
            start=recent[0],
            by=target[1],
        ).filter(pl.col("period") >= recent[0])
    return SeriesResult(
        area=key[0],
        category=key[1],
        flag=key[2],
        verdict=word,
        change=change,
        below_expected=below,
        looked_at=looked,
        population=population,
        chart=chart,
        spc=spc,
        u_spc=u_spc,
        target=target_frame,
        measure=str(settings["measure"]),
    )


def performance(
    series: pl.DataFrame,
    *,
    unit: Unit = "month",
    baseline: tuple[dt.date, dt.date],
    recent: tuple[dt.date, dt.date],
    populations: Mapping[str, float] | None = None,
    target: tuple[float, dt.date] | None = None,
    similar: pl.DataFrame | None = None,
    survey: pl.DataFrame | None = None,
    alpha: float = DEFAULTS["alpha"],
    sustained_min: int = DEFAULTS["sustained_min"],
    sustained_of: int = DEFAULTS["sustained_of"],
    min_baseline_events: int = DEFAULTS["min_baseline_events"],
    family: Family = "auto",
    trend: Trend = "auto",
    measure: Literal["count", "harm"] = "count",
) -> PerformanceResult:
    """Verdicts, control charts and chart data for every series of :func:`build_series`.

    Parameters
    ----------
    series
        :func:`build_series` output (``area``, ``category``, ``flag``, ``period``,
        ``count``, ``harm``).
    unit
        The series' unit.
    baseline, recent
        First and last day of the baseline (limits, seasonal model) and of the
        recent period judged against it.
    populations
        Residents per area (rates per 1,000 and u-charts where known).
    target
        (change, date): a target trajectory, e.g. ``(-0.10, date(2027, 3, 31))``.
    similar
        :func:`most_similar_areas` output; each area's series of category ``all``
        is then compared with the mean rate ratio of its peers.
    survey
        Confidence survey (``area``, ``period``, ``pct_agree``) charted beside the
        area's total series.
    alpha, sustained_min, sustained_of, min_baseline_events, family, trend
        See :data:`VERDICTS` and :data:`DEFAULTS`.
    measure
        ``count`` (default) or ``harm``: the verdict and control chart on harm
        (CCHI days) per period, with a quasi-Poisson model (harm is a weighted sum
        whose variance is estimated) and an XmR chart; the event count still
        decides ``insufficient_data``.
    """
    check_cols = ("area", "category", "flag", "period", "count")
    missing = [c for c in check_cols if c not in series.columns]
    if missing:
        msg = f"series lacks {missing}; build it with build_series()"
        raise SchemaError(msg)
    if baseline[1] >= recent[0]:
        msg = "the baseline must end before the recent period starts"
        raise ValueError(msg)
    settings = {
        **DEFAULTS,
        "alpha": alpha,
        "sustained_min": sustained_min,
        "sustained_of": sustained_of,
        "min_baseline_events": min_baseline_events,
        "family": family,
        "trend": trend,
        "measure": measure,
    }
    pops = dict(populations or {})
    if "harm" not in series.columns:
        series = series.with_columns(pl.lit(None, pl.Float64).alias("harm"))
    window = series.filter(pl.col("period").is_between(baseline[0], recent[1]))
    results: list[SeriesResult] = []
    for key, part in window.sort("period").group_by(
        ["area", "category", "flag"], maintain_order=True
    ):
        k = (str(key[0]), str(key[1]), str(key[2]))
        results.append(
            _series_result(
                k,
                part,
                unit=unit,
                baseline=baseline,
                recent=recent,
                population=float(pops[k[0]]) if pops.get(k[0]) else None,
                settings=settings,
                target=target,
            )
        )
    results.sort(key=lambda r: (r.area, r.category != "all", r.category, r.flag))
    notes: list[str] = []
    if similar is not None and similar.height:
        results = _with_peers(results, similar)
    if survey is not None and survey.height:
        joined = confidence_beside_crime(survey, series, unit=unit)
        results = [
            _replace(r, confidence=joined.filter(pl.col("area") == r.area).drop("area"))
            if r.category == "all" and r.flag == "all"
            else r
            for r in results
        ]
    if not pops:
        notes.append(
            "No populations known for these areas: rates per 1,000 and u-charts are left out."
        )
    frame = (
        pl.DataFrame(
            [
                {k: v for k, v in r.row().items() if k not in ("peers", "spc_signals")}
                for r in results
            ],
            infer_schema_length=None,
        )
        if results
        else pl.DataFrame()
    )
    return PerformanceResult(
        frame=frame,
        series=tuple(results),
        similar=similar if similar is not None else pl.DataFrame(),
        params={
            "unit": unit,
            "baseline_from": baseline[0],
            "baseline_to": baseline[1],
            "from": recent[0],
            "to": recent[1],
            **{k: v for k, v in settings.items() if k != "min_baseline_periods"},
            "min_baseline_periods": settings["min_baseline_periods"][unit],
            "target": list(target) if target else None,
        },
        method=(
            "Interrupted time series (Poisson GLM, quasi-Poisson scale from the "
            "baseline, never below 1) with "
            "month-of-year effects and trend; rate ratio of the recent period with "
            "Wald 95 % CI; Shewhart c- and u-charts with baseline limits and run rules."
        ),
        source=(
            "Bernal, Cummins & Gasparrini (2017) Int J Epidemiol 46:348; Montgomery "
            "(2013) Introduction to Statistical Quality Control §6.3, §7.3; NHS England "
            "'Making data count' (2019); Home Office iQuanta most similar groups; AVB "
            "delivery plan 2010 ¶4, ¶39, ¶44."
        ),
        notes=tuple(notes),
    )


def _replace(result: SeriesResult, **changes: Any) -> SeriesResult:
    from dataclasses import replace

    return replace(result, **changes)


def _with_peers(
    results: list[SeriesResult], similar: pl.DataFrame
) -> list[SeriesResult]:
    totals = {
        r.area: r.change.rate_ratio
        for r in results
        if r.category == "all" and r.flag == "all" and r.change is not None
    }
    peers: dict[str, list[str]] = {}
    for area, peer in similar.sort("area", "rank").select("area", "peer").iter_rows():
        peers.setdefault(str(area), []).append(str(peer))
    out = []
    for r in results:
        if r.category == "all" and r.flag == "all" and r.area in peers:
            mine = peers[r.area]
            ratios = [totals[p] for p in mine if p in totals]
            mean = float(np.exp(np.mean(np.log(ratios)))) if ratios else None
            out.append(_replace(r, peers=tuple(mine), peer_rate_ratio=mean))
        else:
            out.append(r)
    return out
