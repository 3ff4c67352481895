"""Change against a seasonal baseline (interrupted time series GLM) and verdicts."""

from __future__ import annotations

import datetime as dt
import math
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

import numpy as np

from avert.analyse.performance._base import (
    _Z95,
    DEFAULTS,
    F64,
    Bools,
    Family,
    Trend,
    Unit,
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
    #: the expectation the sustained check counts against: a fit with a step of its
    #: own for the last ``late_periods`` recent periods, both steps off (None: the
    #: recent period is no longer than that, and ``expected`` serves)
    expected_late: tuple[float, ...] | None = None
    #: the ``late_periods`` that ``expected_late`` was fitted with
    late_periods: int | None = None
    #: the baseline's own linear trend (season and trend fitted to it alone), as a
    #: change per year, and its p-value (whether or not the model kept it)
    baseline_trend_per_year: float | None = None
    baseline_trend_p: float | None = None

    def sustained_expected(self, sustained_of: int) -> tuple[float, ...]:
        """The expectation the sustained check counts against, per period:
        ``expected_late`` when it was fitted for ``sustained_of`` periods, else
        ``expected``. The chart's expected line is this one, so the months a reader
        sees under the line are the months the verdict counts."""
        if self.expected_late is not None and self.late_periods == sustained_of:
            return self.expected_late
        return self.expected


#: the largest x whose exp(x) a float holds (about 709.8)
_MAX_LOG: Final = math.log(sys.float_info.max)


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
    late_periods: int | None = None,
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
    baseline shows. A baseline the season model fits exactly (12 months) has no
    residual degree of freedom: the whole fit's χ²/df and degrees of freedom are
    used then. When the whole fit has none either (a 12-month baseline and one
    recent month: 13 counts, 13 coefficients) the scale is 0/0 and there is no
    quasi-Poisson interval: None (at least one residual degree of freedom is
    needed, :func:`residual_dof`; with one, the t quantile is 12.7). The method before (Poisson, quasi-Poisson only when a χ² test
    found over-dispersion, t with the whole fit's degrees of freedom) gave 5.5-11 %
    false ``significant_*`` on flat over-dispersed series; measured figures of this
    one are in ``benchmarks/performance_verdicts.py`` and ``docs/performance.md``.
    ``family="poisson"`` is the plain Poisson GLM (Wald, normal quantiles).
    ``family="negbin"`` fits a negative binomial (NB2, dispersion by maximum
    likelihood, statsmodels ``NegativeBinomial``): with 36 monthly points and 13
    seasonal parameters its dispersion is underestimated and its intervals too
    narrow (measured: 16-22 % false significance on flat over-dispersed series),
    so it is not the default. Returns None when the model cannot be fitted (no
    event in the baseline, or no convergence). A recent period with no event at
    all is judged by :func:`_fall_to_zero`.

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

    ``late_periods`` (the verdict's ``sustained_of``) adds ``expected_late``: the
    same model with the recent period's step split in two, one for its last
    ``late_periods`` periods and one for those before, predicted with both off
    (the step model's point estimates: Poisson's, or the negative binomial's with
    ``family="negbin"``). The joint fit's month effects also fit the recent
    year, so a fall that wore off mid-year lifts the expectation of the months after
    it and they still count as below it; with a step of their own the later months'
    level cannot lift their month effects. Measured with an independent simulation
    (36 months, 15 % season, Poisson): a -20 % fall in the first 6 of 12 recent
    months only, at 300 a month, counted as sustained in 62 % of the significant
    series against the joint fit's expectation and in 21 % against this one, while a
    steady -20 % at 30 a month was sustained in 73 % and 71 % of all series.
    """
    y_all = np.asarray(counts, dtype=np.float64)
    base = np.asarray(baseline, dtype=bool)
    rec = np.asarray(recent, dtype=bool) & ~base
    if not base.any() or not rec.any() or y_all[base].sum() <= 0:
        return None
    months_base = _baseline_months(periods, base, rec)
    if months_base is None:
        return None
    base_trend = _baseline_trend(y_all, periods, base, months_base)
    use_trend = _keeps_trend(base_trend, trend=trend, trend_p=trend_p)
    x_all, names = design_matrix(
        periods, rec, unit=unit, trend=use_trend, months_present=months_base
    )
    # a recent period with no event at all is judged by its fall to zero
    change = _no_recent_event if y_all[rec].sum() <= 0 else _step_change
    return change(
        y_all,
        x_all,
        names,
        base=base,
        rec=rec,
        family=family,
        base_trend=base_trend,
        trend_used=use_trend,
        late_periods=late_periods,
    )


def _no_recent_event(
    y_all: F64,
    x_all: F64,
    names: Sequence[str],
    *,
    base: Bools,
    rec: Bools,
    family: Family,
    base_trend: tuple[float, float] | None,
    trend_used: bool,
    late_periods: int | None,
) -> ChangeEstimate | None:
    """:func:`seasonal_change` of a recent period with no event at all
    (:func:`_fall_to_zero`), with the baseline's own trend beside it; its late
    step's expectation (``late_periods`` given) is the same baseline fit's, both
    steps off. None when the baseline cannot be fitted."""
    zero = _fall_to_zero(y_all, x_all, names, base=base, rec=rec, family=family)
    if zero is None:
        return None
    # the late step's expectation is the same baseline fit: both steps off
    return replace(
        _with_baseline_trend(zero, base_trend),
        trend_used=trend_used,
        expected_late=zero.expected if late_periods is not None else None,
        late_periods=late_periods,
    )


def _step_change(
    y_all: F64,
    x_all: F64,
    names: Sequence[str],
    *,
    base: Bools,
    rec: Bools,
    family: Family,
    base_trend: tuple[float, float] | None,
    trend_used: bool,
    late_periods: int | None,
) -> ChangeEstimate | None:
    """:func:`seasonal_change` of a recent period with events: the step (the last
    column of ``x_all``) fitted over the baseline and recent periods
    (:func:`_fit_step`) and estimated (:func:`_estimate`), with the baseline's own
    trend beside it and, ``late_periods`` given, :func:`_expected_late`. None when
    the fit fails."""
    use = base | rec
    k = len(names) - 1
    fit = _fit_step(y_all, x_all, use=use, base=base, step=k, family=family)
    if fit is None:
        return None
    estimate = _estimate(fit, x_all, names, step=k, trend_used=trend_used)
    if estimate is None:
        return None
    if base_trend is not None:
        estimate = _with_baseline_trend(estimate, base_trend)
    if late_periods is None:
        return estimate
    late = _expected_late(
        y_all,
        x_all,
        use=use,
        rec=rec,
        late_periods=late_periods,
        negbin=fit.family == "negbin",
    )
    return replace(estimate, expected_late=late, late_periods=late_periods)


def _baseline_months(
    periods: Sequence[dt.date], base: Bools, rec: Bools
) -> list[int] | None:
    """The months of year the baseline holds, in order; None when the recent
    period holds a month of year the baseline never saw (its season unknown)."""
    months_base = sorted({p.month for p, b in zip(periods, base, strict=True) if b})
    months_rec = {p.month for p, r in zip(periods, rec, strict=True) if r}
    if not months_rec <= set(months_base):
        return None
    return months_base


def _keeps_trend(
    base_trend: tuple[float, float] | None, *, trend: Trend, trend_p: float
) -> bool:
    """Whether the model keeps a trend term: with ``trend="auto"``, when the
    baseline's own trend (:func:`_baseline_trend`) is significant at ``trend_p``;
    otherwise as ``trend`` says."""
    if trend == "auto":
        return base_trend is not None and base_trend[1] < trend_p
    return bool(trend)


def _with_baseline_trend(
    estimate: ChangeEstimate, base_trend: tuple[float, float] | None
) -> ChangeEstimate:
    """``estimate`` with the baseline's own trend (per year, and its p) beside it,
    kept or not, for the caution on a change that continues it (none: both
    None)."""
    return replace(
        estimate,
        baseline_trend_per_year=(
            None if base_trend is None else math.expm1(base_trend[0])
        ),
        baseline_trend_p=None if base_trend is None else base_trend[1],
    )


def _fall_to_zero(
    y_all: F64,
    x_all: F64,
    names: Sequence[str],
    *,
    base: Bools,
    rec: Bools,
    family: Family,
) -> ChangeEstimate | None:
    """The change of a series with no event in its recent period.

    The step model has no finite estimate there (its step runs to minus infinity),
    so the recent period is judged by how likely none at all is where the baseline
    expects ``M`` (the season, and trend, fitted to the baseline alone: the step
    model's ``expected`` at a step of zero): under a scaled Poisson model with the
    baseline's Pearson dispersion ``phi`` (never below 1; 1 with
    ``family="poisson"``) the recent total over ``phi`` is Poisson with mean
    ``M / phi`` (McCullagh & Nelder 1989 §4.5), so ``P(0) = exp(-M / phi)``,
    doubled for a two-sided p-value. The rate ratio is 0 with the exact Poisson
    interval for no event, scaled: from 0 to ``phi * -ln(0.025) / M`` (Garwood
    1936). A baseline expecting under about 3.7 ``phi`` events is never significant.
    A one-year baseline leaves the seasonal fit no residual degree of freedom: ``M``
    is then the baseline's own count of the same months and ``phi`` the baseline's
    Pearson spread about its mean (season included), never below 1.
    None when the baseline fit fails.
    """
    y_base = y_all[base]
    fit = _poisson_fit(y_base, x_all[base][:, :-1], saturated=True)
    if fit is None:
        return None
    expected = np.exp(x_all[:, :-1] @ np.asarray(fit.params))
    total = float(expected[rec].sum())
    if not np.isfinite(expected).all() or total <= 0:
        return None
    if int(fit.df_resid) >= 1:
        dispersion = float(fit.pearson_chi2) / int(fit.df_resid)
    else:
        # a one-year baseline: the season takes every degree of freedom, so the
        # scale is the baseline's Pearson spread about its mean (season included:
        # on the safe side)
        mean = float(y_base.mean())
        dispersion = float(
            np.sum((y_base - mean) ** 2) / mean / max(y_base.size - 1, 1)
        )
    phi = 1.0 if family == "poisson" else max(1.0, dispersion)
    return ChangeEstimate(
        rate_ratio=0.0,
        ci_low=0.0,
        ci_high=phi * -math.log(0.025) / total,
        p_value=min(1.0, 2.0 * math.exp(-total / phi)),
        family="poisson" if family == "poisson" else "quasipoisson",
        dispersion=dispersion,
        expected=tuple(float(v) for v in expected),
        fitted=tuple(float(v) for v in np.where(rec, 0.0, expected)),
        trend_per_year=(
            float(math.expm1(fit.params[names.index("trend_per_year")]))
            if "trend_per_year" in names
            else None
        ),
        scale=phi,
        dispersion_baseline=dispersion,
    )


def _expected_late(
    y_all: F64,
    x_all: F64,
    *,
    use: Bools,
    rec: Bools,
    late_periods: int,
    negbin: bool = False,
) -> tuple[float, ...] | None:
    """The expectation with the recent step split into its last ``late_periods``
    periods and those before, both off (see :func:`seasonal_change`); None when
    the recent period is no longer than ``late_periods`` or the fit fails (or its
    design is not of full rank, :func:`full_rank`).

    The point estimates are the step model's: Poisson's, which quasi-Poisson
    shares (only its scale differs), or, ``negbin``, the negative binomial's (NB2)
    when the step model used it; a split NB2 fit that does not converge keeps
    Poisson's, as the step model does. Before, a ``family="negbin"`` verdict
    counted its sustained periods against a Poisson expectation.
    """
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    recent_at = np.flatnonzero(rec)
    if late_periods < 1 or recent_at.size <= late_periods:
        return None
    late = np.zeros(y_all.size)
    late[recent_at[-late_periods:]] = 1.0
    x_split = np.column_stack([x_all[:, :-1], x_all[:, -1] - late, late])
    if not full_rank(x_split[use]):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            params = np.asarray(
                GLM(y_all[use], x_split[use], family=Poisson()).fit().params
            )
        except Exception:
            return None
        if negbin:
            nb = _negbin_fit(y_all[use], x_split[use], params)
            if nb is not None:
                params = np.asarray(nb.params)[:-1]
    x_off = x_split.copy()
    x_off[:, -2:] = 0.0
    expected = np.exp(x_off @ params)
    if not np.isfinite(expected).all():
        return None
    return tuple(float(v) for v in expected)


@dataclass(frozen=True)
class _StepFit:
    """The fitted step model: coefficients, their covariance and how to read them."""

    params: F64
    cov: F64
    #: Pearson χ²/df of the whole Poisson fit
    dispersion: float
    family: Literal["poisson", "quasipoisson", "negbin"]
    alpha_nb: float | None
    base_disp: tuple[float, int] | None
    quantile: float
    scale: float
    #: degrees of freedom of the t distribution (None: normal)
    dist_df: float | None


def _fit_step(
    y_all: F64, x_all: F64, *, use: Bools, base: Bools, step: int, family: Family
) -> _StepFit | None:
    """Fit the step model to the baseline and recent periods (see
    :func:`seasonal_change`); None when the Poisson fit fails or the design is
    not of full rank (:func:`full_rank`)."""
    from scipy import stats
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    x, y = x_all[use], y_all[use]
    if not full_rank(x):
        return None
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
        base_disp = _baseline_dispersion(y_all, x_all, base, step)
        quantile, scale = _Z95, 1.0  # normal inference unless quasi-Poisson
        dist_df: float | None = None
        if family in ("auto", "quasipoisson"):
            if base_disp is None and int(pois.df_resid) < 1:
                # no residual degree of freedom anywhere (a 12-month baseline and
                # one recent month): the Pearson scale χ²/(n - p) is 0/0, so the
                # quasi-Poisson interval and p-value do not exist (see
                # :func:`residual_dof`); before, scale 1 and t with 1 df were
                # assumed and printed 1.43 (0.18 to 11.52)
                return None
            # the scale: the baseline's dispersion, never less than the whole fit's
            # (nor than 1 with "auto"); t with the baseline's residual degrees of
            # freedom (see the docstring)
            scale = max(dispersion, _phi(base_disp), 1.0 if family == "auto" else 0.0)
            dist_df = float(base_disp[1] if base_disp is not None else dof)
            cov = _quasi_cov(pois, scale)
            quantile = float(stats.t.ppf(0.975, dist_df))
            used = "quasipoisson"
        elif family == "negbin":
            nb = _negbin_fit(y, x, params)
            if nb is not None:
                params = np.asarray(nb.params)[:-1]
                cov = np.asarray(nb.cov_params())[:-1, :-1]
                alpha_nb = float(np.asarray(nb.params)[-1])
                used = "negbin"
    return _StepFit(
        params=params,
        cov=cov,
        dispersion=dispersion,
        family=used,
        alpha_nb=alpha_nb,
        base_disp=base_disp,
        quantile=quantile,
        scale=scale,
        dist_df=dist_df,
    )


def _quasi_cov(pois: Any, scale: float) -> F64:
    """The covariance of the Poisson fit ``pois`` refitted with the fixed ``scale``
    (statsmodels ``fit(scale=scale)``, the quasi-Poisson fit), bit for bit, without
    the refit when it would stop where ``pois`` did.

    The IRLS iterates do not depend on the scale (Poisson weights), but statsmodels
    stops when the deviance, divided by the scale, changes by less than 1e-8: the
    refit may stop an iteration earlier or later, and its covariance, from that
    iteration's weights, then differs in the 6th digit (5 of Toronto's 420 ward
    series). The scaled deviances of ``pois``'s own iterates say where the refit
    stops; where ``pois`` did, the refit's covariance is ``pois``'s normalized
    covariance times the scale, and the refit (a fifth of the fits of a series) is
    made only elsewhere.
    """
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    if _stops_where_fitted(pois, scale):
        return np.asarray(pois.normalized_cov_params) * scale
    quasi = GLM(pois.model.endog, pois.model.exog, family=Poisson()).fit(scale=scale)
    return np.asarray(quasi.cov_params())


def _stops_where_fitted(pois: Any, scale: float) -> bool:
    """Whether statsmodels' refit of ``pois`` with the fixed ``scale`` stops at the
    iteration ``pois`` stopped at (see :func:`_quasi_cov`); False whenever that
    cannot be told for sure, so the caller refits.

    It re-derives statsmodels' IRLS bookkeeping (0.14-0.15:
    ``GLM._fit_irls``, ``fit_history``'s ``params`` led by ``inf`` and the start,
    the deviance of ``family.starting_mu`` first). The re-derivation is checked
    on ``pois`` itself first: its deviances at ``pois``'s own scale (1) must be
    those statsmodels recorded, bit for bit, else (another statsmodels, a start
    or an offset) False. A scale that is not a positive number is False too:
    statsmodels reads ``fit(scale=0.0)`` as no fixed scale (1).
    """
    if not (isinstance(scale, float) and math.isfinite(scale) and scale > 0.0):
        return False
    try:
        model, history = pois.model, pois.fit_history
        iterations = int(history["iteration"])
        params, recorded = history["params"], history["deviance"]
        if not pois.converged or len(params) != iterations + 2:
            return False
        if len(recorded) != iterations + 2 or model.offset is not None:
            return False
        mus = [model.family.starting_mu(model.endog)]
        mus += [model.family.fitted(np.dot(model.exog, p)) for p in params[2:]]

        def deviance(mu: F64, at_scale: Any) -> float:
            return float(
                model.family.deviance(
                    model.endog, mu, model.var_weights, model.freq_weights, at_scale
                )
            )

        if [deviance(mu, 1.0) for mu in mus] != [float(d) for d in recorded[1:]]:
            return False
        fixed = np.array(scale)  # as statsmodels holds a fixed scale
        scaled = [np.inf] + [deviance(mu, fixed) for mu in mus]
    except (AttributeError, KeyError, IndexError, TypeError, ValueError):
        return False
    stop = next(
        (
            i
            for i in range(1, len(scaled) - 1)
            if np.allclose(scaled[i], scaled[i + 1], atol=1e-8, rtol=0.0)
        ),
        None,
    )
    return stop == iterations


def _estimate(
    fit: _StepFit, x_all: F64, names: Sequence[str], *, step: int, trend_used: bool
) -> ChangeEstimate | None:
    """The rate ratio of the step with its interval, p-value and expected counts;
    None when the step or its interval is not a finite number."""
    from scipy import stats

    params, k = fit.params, step
    gamma, se = float(params[k]), float(math.sqrt(max(fit.cov[k, k], 0.0)))
    if not math.isfinite(gamma) or not math.isfinite(se) or se == 0:
        return None
    if gamma + fit.quantile * se >= _MAX_LOG:
        # an interval past what a float holds (a standard error in the thousands:
        # the step not pinned down by the counts) is no estimate
        return None
    p_value = float(
        2 * stats.norm.sf(abs(gamma / se))
        if fit.dist_df is None
        else 2 * stats.t.sf(abs(gamma / se), fit.dist_df)
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
        ci_low=math.exp(gamma - fit.quantile * se),
        ci_high=math.exp(gamma + fit.quantile * se),
        p_value=p_value,
        family=fit.family,
        dispersion=fit.dispersion,
        expected=tuple(float(v) for v in expected),
        fitted=tuple(float(v) for v in fitted),
        trend_per_year=trend_coef,
        alpha_nb=fit.alpha_nb,
        trend_used=trend_used,
        scale=fit.scale,
        dispersion_baseline=_phi(fit.base_disp) if fit.base_disp is not None else None,
        dof=fit.dist_df,
    )


def residual_dof(
    periods: Sequence[dt.date], base: Bools, rec: Bools, *, unit: Unit
) -> int:
    """The residual degrees of freedom of the step model without a trend (the most
    a fit of these periods can have): the baseline and recent periods less the
    design's rank (intercept, one rate per month of year the baseline holds, the
    step). The quasi-Poisson scale is Pearson's χ² over these (McCullagh & Nelder
    1989 §4.5; statsmodels ``GLM.fit(scale="X2")`` divides by ``df_resid``): at 0
    it is 0/0, and :func:`seasonal_change` with ``family="auto"`` or
    ``"quasipoisson"`` returns None unless the baseline alone estimates it."""
    months = sorted({p.month for p, b in zip(periods, base, strict=True) if b})
    use = np.asarray(base, dtype=bool) | np.asarray(rec, dtype=bool)
    x, _ = design_matrix(periods, rec, unit=unit, trend=False, months_present=months)
    return int(use.sum()) - int(np.linalg.matrix_rank(x[use]))


def full_rank(x: F64) -> bool:
    """Whether the columns of the design ``x`` are linearly independent (numpy
    ``matrix_rank``, SVD with its default tolerance).

    A design that is not leaves a coefficient the counts do not determine: a trend
    kept over a one-year monthly baseline with a recent step beside it (each recent
    month is its baseline month a year on, so only trend + step is seen).
    statsmodels then fits through a pseudo-inverse and returns one of many equally
    good fits, with a finite interval for a step that could be anything: no
    estimate. statsmodels' negative binomial, on such a design, has a singular
    information matrix and no covariance.
    """
    return bool(np.linalg.matrix_rank(x) == x.shape[1])


def _negbin_fit(y: F64, x: F64, start: F64) -> Any:
    """The NB2 fit of ``y`` on ``x`` (statsmodels ``NegativeBinomial``, from the
    Poisson coefficients ``start``); None when it fails, does not converge or has
    no covariance (a singular information matrix). The caller silences
    statsmodels' warnings.

    The usual cause of the last two is a dispersion whose maximum likelihood is at
    its boundary, ``alpha`` → 0: no over-dispersion found, and the NB2 fit is then
    the Poisson fit, which the caller keeps (measured: the 10 of 11 monthly fits of
    the synthetic city, seed 3, 730 days, that fail, all with a profile likelihood
    falling from ``alpha`` = 1e-8 on; their Pearson χ²/df, 0.7-1.9, is beside the
    row as ``dispersion``)."""
    from statsmodels.discrete.discrete_model import NegativeBinomial

    try:
        nb = NegativeBinomial(y, x, loglike_method="nb2").fit(
            disp=0, maxiter=200, start_params=np.append(start, 0.1)
        )
        # stopped where the information matrix is singular (alpha at its
        # boundary, 0): no covariance (statsmodels raises), so no interval
        nb.cov_params()
    except Exception:
        return None
    return nb if nb.mle_retvals.get("converged", False) else None


def _phi(base_disp: tuple[float, int] | None) -> float:
    return base_disp[0] if base_disp is not None else 0.0


def _poisson_fit(y: F64, x: F64, *, saturated: bool = False) -> Any:
    """The Poisson GLM of ``y`` on ``x`` (warnings silenced); None when the fit
    fails or there is no residual degree of freedom (``saturated=True``: when there
    are fewer rows than coefficients)."""
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM

    if x.shape[0] < x.shape[1] + (0 if saturated else 1):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return GLM(y, x, family=Poisson()).fit()
        except Exception:
            return None


def _baseline_dispersion(
    y_all: F64, x_all: F64, base: Bools, step: int
) -> tuple[float, int] | None:
    """Pearson χ²/df and residual df of the model fitted to the baseline alone.

    The design is the full model's without the step column (season, and trend when
    it is used). None when the baseline has no residual degree of freedom or the
    fit fails.
    """
    fit = _poisson_fit(y_all[base], np.delete(x_all[base], step, axis=1))
    if fit is None:
        return None
    dof = int(fit.df_resid)
    chi2 = float(fit.pearson_chi2)
    if dof < 1 or not math.isfinite(chi2):
        return None
    return chi2 / dof, dof


def _baseline_trend(
    y_all: F64,
    periods: Sequence[dt.date],
    base: Bools,
    months_base: Sequence[int],
) -> tuple[float, float] | None:
    """The baseline's own trend: (log rate change per year, two-sided p), from a
    Poisson fit of season and trend to the baseline alone, the standard error
    inflated by the Pearson dispersion when above 1 and p from t with its residual
    degrees of freedom; None when it cannot be fitted."""
    from scipy import stats

    x_all, names = design_matrix(
        periods, base, unit="month", trend=True, months_present=months_base
    )
    # no step column: the baseline only
    fit = _poisson_fit(y_all[base], x_all[base][:, :-1])
    if fit is None:
        return None
    j = names.index("trend_per_year")
    phi = max(1.0, float(fit.pearson_chi2) / max(int(fit.df_resid), 1))
    se = math.sqrt(max(float(np.asarray(fit.cov_params())[j, j]) * phi, 0.0))
    slope = float(np.asarray(fit.params)[j])
    if se == 0 or not math.isfinite(se) or not math.isfinite(slope):
        return None
    dof = max(int(fit.df_resid), 1)
    return slope, float(2 * stats.t.sf(abs(slope / se), dof))


#: how close to its expectation a count is on the line, not below it (relative, and
#: absolute for an expectation of 0)
BELOW_RTOL = 1e-6


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

    A period is below expectation when its count is less than the expectation and
    not equal to it within :data:`BELOW_RTOL`. The periods below expectation are
    counted against ``change.expected_late`` when it was fitted for the same
    ``sustained_of`` (``seasonal_change(..., late_periods=sustained_of)``, as
    :func:`performance` does), else against ``change.expected``.

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
    expected = np.asarray(change.sustained_expected(sustained_of))[last]
    # a count on the line is not below it: a month of year with no event at all has
    # an expectation of 0 that the fit stops at about 1e-9, and a count equal to its
    # expectation differs from it by rounding
    below = int(
        np.sum(
            (obs[last] < expected)
            & ~np.isclose(obs[last], expected, rtol=BELOW_RTOL, atol=BELOW_RTOL)
        )
    )
    if change.p_value >= alpha:
        return "no_significant_change", below, int(last.size)
    if change.rate_ratio > 1:
        return "significant_increase", below, int(last.size)
    need = min(sustained_min, int(last.size))
    if last.size >= sustained_min and below >= need:
        return "significant_sustained_reduction", below, int(last.size)
    return "significant_reduction", below, int(last.size)
