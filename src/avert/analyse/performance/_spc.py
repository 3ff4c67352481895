"""Statistical process control: c-, u- and XmR charts with the standard run rules."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, overload

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.performance._base import F64, Bools


# --- statistical process control ----------------------------------------------------
class _Limit:
    """A line of a chart, one value per point: centre + ``sigmas`` sigma.

    A lower line (``sigmas`` < 0) is floored at 0: counts and rates are never
    negative.
    """

    def __init__(self, sigmas: int, doc: str) -> None:
        self.sigmas = sigmas
        self.__doc__ = doc

    @overload
    def __get__(self, chart: None, owner: type[object]) -> _Limit: ...

    @overload
    def __get__(self, chart: SPCChart, owner: type[object]) -> tuple[float, ...]: ...

    def __get__(
        self, chart: SPCChart | None, owner: type[object]
    ) -> _Limit | tuple[float, ...]:
        if chart is None:
            return self
        if self.sigmas > 0:
            return tuple(chart.centre + self.sigmas * s for s in chart.sigma)
        return tuple(max(0.0, chart.centre + self.sigmas * s) for s in chart.sigma)


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
    #: Laney's sigma-z of a c- or u-chart (:func:`laney_sigma_z`); None for XmR
    sigma_z: float | None = None

    ucl = _Limit(3, "Upper control limit (centre + 3 sigma).")
    lcl = _Limit(-3, "Lower control limit (centre - 3 sigma, floored at 0).")
    upper_2sigma = _Limit(2, "Upper warning limit (centre + 2 sigma).")
    lower_2sigma = _Limit(-2, "Lower warning limit (centre - 2 sigma, floored at 0).")

    @property
    def widened_by(self) -> float:
        """The factor :meth:`adjusted` widens the limits by: ``max(1, sigma_z)``."""
        return max(1.0, self.sigma_z) if self.sigma_z is not None else 1.0

    def adjusted(self) -> SPCChart:
        """The chart with its sigma widened for over-dispersion (Laney 2002).

        A c- or u-chart assumes Poisson counts; police counts vary more (repeat
        locations, seasons, reporting), and then most flat series break a rule by
        chance (measured in docs/performance.md). Laney's c'/u' chart multiplies
        each point's sigma by ``sigma_z``, the spread of the baseline's z-scores
        estimated from their moving ranges. The factor is floored at 1 here, so the
        adjusted chart never signals where the plain one does not; an XmR chart,
        or a chart with no estimate, is returned as it is.
        """
        factor = self.widened_by
        if factor == 1.0:
            return self
        sigma = np.asarray(self.sigma, dtype=np.float64) * factor
        return SPCChart(
            kind=self.kind,
            values=self.values,
            centre=self.centre,
            sigma=tuple(float(v) for v in sigma),
            baseline=self.baseline,
            rules=run_rules(np.asarray(self.values), self.centre, sigma),
            sigma_z=self.sigma_z,
        )

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


def laney_sigma_z(values: F64, centre: float, sigma: F64, base: Bools) -> float | None:
    """Laney's sigma-z: the spread of the baseline's z-scores, from moving ranges.

    ``zᵢ = (xᵢ - centre) / sigmaᵢ``; ``sigma_z`` = mean moving range of consecutive
    baseline z-scores / 1.128, as an XmR chart estimates its sigma (Laney 2002,
    "Improved control charts for attributes", *Quality Engineering* 14(4)). About 1
    for Poisson counts, above 1 for over-dispersed ones; moving ranges follow slow
    seasons and trends less than the overall variance does. None with fewer than two
    consecutive baseline points or a zero sigma.

    >>> import numpy as np
    >>> b = np.ones(4, dtype=bool)
    >>> round(laney_sigma_z(np.array([10., 20., 10., 20.]), 15.0, np.full(4, 5.0), b), 3)
    1.773
    """
    pairs = base[1:] & base[:-1]
    if not pairs.any() or np.any(sigma[base] <= 0):
        return None
    z = (values - centre) / np.where(sigma > 0, sigma, 1.0)
    return float(np.abs(np.diff(z))[pairs].mean() / 1.128)


def _chart(
    kind: Literal["c", "u", "x"], values: F64, centre: float, sigma: F64, base: Bools
) -> SPCChart:
    """The chart of ``values`` with its limits and run-rule flags (and, for a c- or
    u-chart, Laney's sigma-z)."""
    return SPCChart(
        kind=kind,
        values=tuple(float(v) for v in values),
        centre=centre,
        sigma=tuple(float(v) for v in sigma),
        baseline=tuple(bool(v) for v in base),
        rules=run_rules(values, centre, sigma),
        sigma_z=None if kind == "x" else laney_sigma_z(values, centre, sigma, base),
    )


def _with_baseline(
    values: Sequence[float] | F64, baseline: Sequence[bool] | Bools
) -> tuple[F64, Bools]:
    """The values and baseline flags as arrays; ValueError without a baseline point."""
    x = np.asarray(values, dtype=np.float64)
    base = np.asarray(baseline, dtype=bool)
    if not base.any():
        msg = "a control chart needs at least one baseline point"
        raise ValueError(msg)
    return x, base


def c_chart(
    counts: Sequence[float] | F64, baseline: Sequence[bool] | Bools
) -> SPCChart:
    """A c-chart of counts: centre ``c̄`` = mean baseline count, sigma ``√c̄``.

    Limits come from the ``baseline`` points only and apply to every point.
    """
    c, base = _with_baseline(counts, baseline)
    centre = float(c[base].mean())
    sigma = np.full(c.size, math.sqrt(max(centre, 0.0)))
    return _chart("c", c, centre, sigma, base)


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
    return _chart("u", u, centre, sigma, base)


def xmr_chart(
    values: Sequence[float] | F64, baseline: Sequence[bool] | Bools
) -> SPCChart:
    """An XmR (individuals) chart: centre = baseline mean, sigma = mean moving range / 1.128.

    For measures that are not counts (harm in CCHI days): the moving ranges are
    those between consecutive baseline points (Wheeler & Chambers 1992,
    *Understanding Statistical Process Control*; NHS England "Making data count").
    """
    x, base = _with_baseline(values, baseline)
    centre = float(x[base].mean())
    pairs = base[1:] & base[:-1]
    mr = np.abs(np.diff(x))[pairs]
    sigma = np.full(x.size, float(mr.mean() / 1.128) if mr.size else 0.0)
    return _chart("x", x, centre, sigma, base)
