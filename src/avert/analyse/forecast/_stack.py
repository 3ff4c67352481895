"""The default forecaster: a stack of count maps, weighted by how well each foretells
held-out stretches of the history (cross-validation in time).

.. math:: r_c = \\sum_k \\beta_k f_{k,c}, \\qquad \\beta \\ge 0, \\; \\sum_k \\beta_k = 1

The components ``f_k`` are density maps over the grid, each summing to one:

1. the decayed count per cell, ``n_c = \\sum_{i \\in c} 2^{-a_i / T}`` (``a_i`` the
   age of event ``i`` in days, ``T`` the half-life, one year by default);
2. Gaussian smoothings of that count with standard deviations of 1, 2 and 4 cells
   (``sigmas_cells``): the neighbourhood at three scales;
3. the uniform map (every cell alike), so that no cell has zero risk;
4. when the events given span more than ``long_after_days`` (548, 1.5 years)
   before the forecast time, the long-memory maps (``long_maps``): the flat count
   (every event alike) and the count with a 730-day half-life;
5. mixed in after them, the recent map: the count with a three-day half-life
   (``recent_half_life_days``) smoothed by one cell, for near repeats (Johnson &
   Bowers 2004; Townsley, Homel & Chaseling 2003): ``(1 - a) r + a f_recent``.

The weights ``beta`` are learnt per forecast from the history given, never from the
days forecast, by v-fold cross-validation in time, the scheme of stacked density
estimation (Smyth & Wolpert 1999, *Machine Learning* 36: 59-83): the span of the
events before ``at`` is cut into ``folds`` blocks of equal length; each block's events
are scored under maps built from every other block (ages still counted from ``at``),
and the weights that maximise the Poisson likelihood of all blocks together are found
(the likelihood is concave in ``beta``; :func:`mixture_weights`). The maps are then
built from every event before ``at`` and combined with those weights. The
cross-validation cannot reward recency (its maps are aged from ``at``, not from the
block scored), so the recent map's weight ``a`` is learnt one day ahead instead: each
of the last 28 days' events is scored under the stack and the recent map built from
the events before that day (:meth:`Stacked.fit_recent_weight`). Each map used
for the weights holds nearly as many events as the final one (four fifths with five
folds), so the weights do not over-smooth where history is short. ``folds=None``
gives the former scheme: maps from the events before ``at - holdout_days``, weights
from the last ``holdout_days``. A city whose hotspots are single stable cells gets
nearly all the weight on the count; one whose violence spreads along streets gets
more on the neighbourhood. The counting grid is the baseline that kernel methods
rarely beat at next-day horizons (Mohler et al. 2015; open_cp's reference run).

How it was chosen (``benchmarks/forecast_candidates.py``, validation days only, each
model seeing only the 365 days before the day, as in the protocol): on 549 Toronto
days before 2021 and on 90 days of a synthetic city the stack beat the counting grid
in all 16 columns (bbox and active, 1/2/5/10 %), the former fixed blend (count plus
0.1 x its one-cell smoothing, kept as ``blend``) in 13 of 16, every gain within a
few thousandths: with one year of events, the count holds nearly all there is to
know about where the next day's violence falls. Cross-validated weights replaced the
90-day hold-out (``folds=None``) in 2026-12: level or ahead on the 549 days in every
column, and no longer behind the count where the history is short (docs/places.md).
The long-memory maps joined in 2026-12-07, for histories of more than 1.5 years
only (under 365 days of the protocol, or the briefing's 455, the forecast is the
stack's as before, bit for bit): given every event before each day, a flat
multi-year count had led the default on sparse crimes and stable places. By a rule
fixed before the runs (validation days only, every event given: five Toronto
categories, 110 days of 2019-07..2020-12, and five synthetic cities) they were
adopted: +0.0010 a column on average over the 80 columns, no category behind by
more than 0.002 on average (break and enter -0.0017; robbery +0.0061, auto theft
+0.0038). The recent map joined in 2026-12-03, after an independent check found the stack far
behind ``sepp`` on a city with strong near repeats; by a rule fixed before the runs
it was adopted because, on the validation days, it was within 0.001 of the stack in
every Toronto assault column (−0.0003 to +0.0001), level with or ahead of counting on
the synthetic city, and level or ahead on average on the other four Toronto
categories, while on cities with planted contagion it caught far more
(``benchmarks/forecast_contagion.py``, 1 % bbox: 0.528 against 0.126 with strong
contagion, 0.316 against 0.254 with moderate; ``sepp`` 0.523 and 0.297).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Final

import numpy as np
import numpy.typing as npt

from avert.analyse.forecast._base import Forecaster, Risk, one_blas_thread
from avert.analyse.forecast._grid import Events, Grid
from avert.analyse.forecast._receding import RecedingCount, sparse_density_at
from avert.analyse.forecast._smooth import (
    nonempty_lines,
    smooth_near,
    smoothed_totals,
    smoothings_read_at,
    whole_smoothings_at,
)
from avert.errors import ConfigError

__all__ = ["Stacked", "mixture_weights", "smooth_near"]

_LN2 = float(np.log(2.0))

#: the default's maps and how they are weighed, in the words of its method
#: (:attr:`Stacked.method`, :meth:`Stacked.method_used`)
_MAPS_WORDS: Final = (
    "one-year half-life count per cell, its Gaussian smoothings (1, 2, 4 cells)"
)
_WEIGHING_WORDS: Final = (
    "weighted by likelihood on held-out fifths of the history (stacking), mixed "
    "with the last days' events (three-day half-life) by a weight learnt one day "
    "ahead"
)
#: the cross-validation's blocks in words ("held-out fifths of the history")
_FOLD_WORDS: Final = {
    2: "halves",
    3: "thirds",
    4: "quarters",
    5: "fifths",
    6: "sixths",
    7: "sevenths",
    8: "eighths",
    9: "ninths",
    10: "tenths",
}


def _days_words(days: float) -> str:
    """``3.0`` as "three-day", ``365.0`` as "one-year", else "14-day"."""
    return {3.0: "three-day", 365.0: "one-year"}.get(days, f"{days:g}-day")


def _maps_words(
    half_life_days: float | None,
    window_days: float | None,
    sigmas_cells: tuple[float, ...],
) -> str:
    """The stack's own maps in words, as configured (:data:`_MAPS_WORDS` for the
    default's)."""
    count = (
        "flat count per cell"
        if half_life_days is None
        else f"{_days_words(half_life_days)} half-life count per cell"
    )
    if window_days is not None:
        count += f" over the last {window_days:g} days"
    if not sigmas_cells:
        return count
    plural = "s" if len(sigmas_cells) > 1 else ""
    sigmas = ", ".join(f"{s:g}" for s in sigmas_cells)
    return f"{count}, its Gaussian smoothing{plural} ({sigmas} cells)"


def _weighing_words(
    *,
    weights_given: bool,
    folds: int | None,
    holdout_days: float,
    recent_half_life_days: float | None,
    recent_weight_given: float | None,
) -> str:
    """How the stack's maps are weighed and mixed, in words, as configured and
    as fitted (:data:`_WEIGHING_WORDS` for the default's): weights given by the
    caller are said to be given, not "weighted by likelihood"."""
    if weights_given:
        weighed = "weighted by the weights given"
    elif folds is None:
        weighed = (
            f"weighted by likelihood on the last {holdout_days:g} days held out "
            "(stacking)"
        )
    else:
        blocks = _FOLD_WORDS.get(folds, f"{folds} blocks")
        weighed = (
            f"weighted by likelihood on held-out {blocks} of the history (stacking)"
        )
    if recent_half_life_days is None:
        return weighed
    how = (
        "by a weight learnt one day ahead"
        if recent_weight_given is None
        else f"by the weight given ({recent_weight_given:g})"
    )
    return (
        f"{weighed}, mixed with the last days' events "
        f"({_days_words(recent_half_life_days)} half-life) {how}"
    )


#: weight of the decayed count added to the mixture so that exact ties (all the
#: weight on the uniform map) rank by the count, not by array order; far below any
#: difference the mixture itself makes between cells
_TIE_BREAK = 1e-9


def mixture_weights(
    maps: npt.NDArray[np.float64],
    counts: npt.NDArray[np.float64],
    *,
    tolerance: float = 1e-10,
) -> npt.NDArray[np.float64]:
    """Return the weights of the density ``maps`` that best explain ``counts``.

    ``maps`` has one row per component (a density over the cells, or the values of
    several densities side by side, as the cross-validation folds of
    :class:`Stacked` give), ``counts`` the events per column to explain. The
    weights are non-negative, sum to one and maximise the Poisson (multinomial)
    log-likelihood ``L(w) = sum_c counts_c log(sum_k w_k maps_kc)``. Scaling ``w``
    by ``s`` adds ``n log s`` to ``L`` (``n`` the events), so the maximum of the
    unconstrained concave function ``L(w) - n sum_k w_k`` over ``w >= 0`` has
    ``sum_k w_k = 1``: it is the maximum on the simplex (Dempster, Laird & Rubin
    1977 give the EM step for the same optimum), and a bounded quasi-Newton search
    (L-BFGS-B) finds it in a few tens of evaluations, where EM needs hundreds.

    The search can stop short of the maximum: on 10 of 79 weekly Toronto validation
    days its line search stepped to weights whose mixture is 0 in a cell holding an
    event and ended there ("ABNORMAL"; on 2019-09-01 at -8.696 a held-out event
    against -8.598 at the maximum, which EM confirms). The default's measured
    figures are of this search as it is; searched to the maximum the stack did no
    better on the validation days (docs/places.md, "Candidates tried"), so the
    forecasts were kept as they were chosen and measured.

    Examples
    --------
    >>> maps = np.array([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]])
    >>> mixture_weights(maps, np.array([1.0, 1.0, 2.0])).round(3).tolist()
    [0.5, 0.5]
    """
    k = maps.shape[0]
    seen = counts > 0
    total = float(counts[seen].sum())
    if total <= 0:
        return np.full(k, 1.0 / k)
    # (the cross-validation's columns are all of cells seen: no copy of them)
    f = np.ascontiguousarray(maps if seen.all() else maps[:, seen], dtype=np.float64)
    y = counts[seen] / total  # scaled: the optimum is the same

    # each evaluation's arrays, one per held-out column, made once: the same
    # operations into them as into new arrays (the same bits), without a fresh
    # allocation of each per evaluation (page faults on a large city's columns)
    mix, log_mix, ratio = (np.empty(f.shape[1]) for _ in range(3))

    def negative(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        np.maximum(np.matmul(w, f, out=mix), 1e-300, out=mix)
        value = float(y @ np.log(mix, out=log_mix)) - float(w.sum())
        grad = f @ np.divide(y, mix, out=ratio) - 1.0
        return -value, -grad

    from scipy import optimize  # 0.1-0.3 s: imported where it is used

    found = optimize.minimize(
        negative,
        np.full(k, 1.0 / k),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * k,
        options={"ftol": tolerance, "gtol": tolerance, "maxiter": 500},
    )
    weights = np.clip(np.asarray(found.x, dtype=np.float64), 0.0, None)
    return weights / max(float(weights.sum()), 1e-300)


def _count_name(half_life_days: float | None, sigma_cells: float = 0.0) -> str:
    """A count map's name in :meth:`Stacked.maps_used`: ``count (flat)`` or
    ``count (730-day half-life)``, with `` smoothed by 2 cells`` when smoothed."""
    decay = "flat" if half_life_days is None else f"{half_life_days:g}-day half-life"
    smoothed = f" smoothed by {_cells(sigma_cells)}" if sigma_cells > 0 else ""
    return f"count ({decay}){smoothed}"


def _count_words(half_life_days: float | None, sigma_cells: float) -> str:
    """A long-memory map in the words of :meth:`Stacked.method_used`: ``the flat
    count``, ``the 730-day half-life count smoothed by 2 cells``."""
    decay = "flat" if half_life_days is None else f"{half_life_days:g}-day half-life"
    smoothed = f" smoothed by {_cells(sigma_cells)}" if sigma_cells > 0 else ""
    return f"the {decay} count{smoothed}"


def _cells(n: float) -> str:
    """``1 cell``, ``2 cells``, ``0.5 cells``."""
    return f"{n:g} cell" if n == 1 else f"{n:g} cells"


def _centre_weight(sigma: float) -> float:
    """The weight :func:`smooth_near` gives a cell's own value: the centre of its
    two-dimensional kernel (the square of the one-dimensional centre)."""
    reach = int(3.0 * float(sigma) + 0.5)  # scipy's radius for truncate=3.0
    impulse = np.zeros((2 * reach + 1, 2 * reach + 1))
    impulse[reach, reach] = 1.0
    return float(smooth_near(impulse, sigma)[reach, reach])


class Stacked(Forecaster):
    """Count and smoothed-count maps, weighted per forecast by cross-validation."""

    name: ClassVar[str] = "default"
    # the method without the long-memory maps, which join only past 1.5 years of
    # history (never in the briefing's 455 days, whose text it keeps): a
    # forecast's own words are :meth:`method_used`'s, naming them when it used them
    method: ClassVar[str] = f"{_MAPS_WORDS} and a uniform map, {_WEIGHING_WORDS}"
    source: ClassVar[str] = (
        "Smyth & Wolpert (1999) Machine Learning 36; Clayton & Kaldor (1987) "
        "Biometrics 43; Bowers, Johnson & Pease (2004); Johnson & Bowers (2004)"
    )

    def __init__(
        self,
        grid: Grid,
        *,
        window_days: float | None = None,
        half_life_days: float | None = 365.0,
        sigmas_cells: tuple[float, ...] = (1.0, 2.0, 4.0),
        folds: int | None = 5,
        holdout_days: float = 90.0,
        weights: Sequence[float] | None = None,
        recent_half_life_days: float | None = 3.0,
        recent_sigma_cells: float = 1.0,
        ahead_days: int = 28,
        recent_weight: float | None = None,
        long_maps: Sequence[tuple[float | None, float]] = ((None, 0.0), (730.0, 0.0)),
        long_after_days: float = 548.0,
    ) -> None:
        super().__init__(grid)
        if (
            holdout_days <= 0
            or any(s <= 0 for s in sigmas_cells)
            or (half_life_days is not None and not half_life_days > 0)
        ):
            msg = "half_life_days, holdout_days and sigmas_cells must be > 0."
            raise ConfigError(msg)
        if (
            (recent_half_life_days is not None and recent_half_life_days <= 0)
            or recent_sigma_cells <= 0
            or ahead_days < 1
            or (recent_weight is not None and not 0.0 <= recent_weight <= 1.0)
        ):
            msg = (
                "recent_half_life_days and recent_sigma_cells must be > 0, "
                "ahead_days at least 1 and recent_weight between 0 and 1."
            )
            raise ConfigError(msg)
        if (
            any(
                (h is not None and not h > 0) or not sigma >= 0
                for h, sigma in long_maps
            )
            or not long_after_days > 0
        ):
            msg = (
                "long_maps holds (half_life_days > 0 or None, sigma_cells >= 0) "
                "pairs and long_after_days must be > 0."
            )
            raise ConfigError(msg)
        if folds is not None and folds < 2:
            msg = f"folds must be at least 2 (or None for the hold-out); got {folds}."
            raise ConfigError(msg)
        self.folds = folds
        self.window_days = window_days
        self.half_life_days = half_life_days
        self.sigmas_cells = tuple(sigmas_cells)
        self.holdout_days = holdout_days
        self.long_maps = tuple((h, float(sigma)) for h, sigma in long_maps)
        self.long_after_days = float(long_after_days)
        self.fixed_weights = None if weights is None else np.asarray(weights, float)
        k0 = len(self.sigmas_cells) + 2
        if self.fixed_weights is not None and self.fixed_weights.size not in {
            k0,
            k0 + len(self.long_maps),
        }:
            msg = f"weights needs {k0} values (one per map)" + (
                f", or {k0 + len(self.long_maps)} with the long-memory maps."
                if self.long_maps
                else "."
            )
            raise ConfigError(msg)
        self.weights_: npt.NDArray[np.float64] | None = self.fixed_weights
        self._maps: npt.NDArray[np.float64] | None = None  # of the last prediction
        self.recent_half_life_days = recent_half_life_days
        self.recent_sigma_cells = recent_sigma_cells
        self.ahead_days = ahead_days
        self.fixed_recent_weight = recent_weight
        self.recent_weight_: float = 0.0 if recent_weight is None else recent_weight
        self._recent: npt.NDArray[np.float64] | None = None  # of the last prediction
        # set by :meth:`frozen` when its weights were learnt without the long maps:
        # they hold only while the history spans at most long_after_days
        self._frozen_short = False
        self._recent_learnt = False  # the frozen recent weight was learnt, not given
        # the fixed weights were learnt (by :meth:`frozen`), not given by the caller
        self._weights_learnt = False
        # the last cross-validation's count of every event and its smoothings
        # summed over the blocks (:meth:`_held_out_blocks`), for the final maps
        # of the same count (:meth:`maps`), which drop them
        self._fold_smoothings: (
            tuple[npt.NDArray[np.float64], list[npt.NDArray[np.float64]]] | None
        ) = None

    def maps(
        self,
        events: Events,
        t0: float,
        *,
        long: bool | None = None,
        weights: npt.NDArray[np.float64] | None = None,
    ) -> npt.NDArray[np.float64]:
        """Return the component maps at ``t0`` (days), one flat density per row:
        the long-memory maps after the others when ``long`` (by default when
        :meth:`uses_long` says so for these events), each written in place into
        one array (stacking them afterwards copied every map once more: on a
        million cells, 56 MB a forecast). Given the ``weights`` they will be
        mixed with, a smoothing or long-memory map of weight zero is left as
        zeros (``weights @ maps`` is the same, bit for bit: see
        :meth:`_maps_of`); the count and the uniform map are always made.
        ``weights`` of another length than the maps' number are refused (they
        were an IndexError, or read the long maps' weights as the stack's)."""
        if long is None:
            long = self.uses_long(events, t0)
        k0 = len(self.sigmas_cells) + 2
        n_maps = k0 + (len(self.long_maps) if long else 0)
        if weights is not None and np.shape(weights) != (n_maps,):
            msg = (
                f"weights needs one value per map: {n_maps} "
                f"({'with' if long else 'without'} the long-memory maps); "
                f"got {np.size(weights)}."
            )
            raise ConfigError(msg)
        rows = np.zeros((n_maps, self.grid.n_cells))
        count = self._decayed_count(events, t0)
        # the cross-validation's smoothings summed, when they were of this very
        # count (the weights just learnt from these events): the count's own
        # smoothings, times the blocks less one (:meth:`_held_out_blocks`)
        folds, self._fold_smoothings = self._fold_smoothings, None
        self._maps_of(
            count,
            None if weights is None else weights[:k0],
            out=rows[:k0],
            smoothed=(
                folds[1]
                if folds is not None and np.array_equal(folds[0], count)
                else None
            ),
        )
        if long:
            self._long_rows(
                events,
                t0,
                out=rows[k0:],
                weights=None if weights is None else weights[k0:],
            )
        return rows

    def uses_long(self, events: Events, t0: float) -> bool:
        """Whether the long-memory maps join the stack at ``t0``: when the
        model has them and the events given span more than ``long_after_days``
        before ``t0`` (with weights given, when there is one for each; with
        weights :meth:`frozen` learnt without them, by the span)."""
        if not self.long_maps:
            return False
        if self.fixed_weights is not None and not self._frozen_short:
            return bool(self.fixed_weights.size > len(self.sigmas_cells) + 2)
        return len(events) > 0 and t0 - float(events.t[0]) > self.long_after_days

    def _long_count(
        self,
        cell: npt.NDArray[np.int64],
        t: npt.NDArray[np.float64],
        t0: float,
        half_life: float | None,
    ) -> npt.NDArray[np.float64]:
        """Events per cell at ``t0`` weighted ``2 ** (-age / half_life)`` (1: flat;
        counted as integers, the same values as a sum of ones: exact below 2**53)."""
        if half_life is None:
            flat = np.bincount(cell, minlength=self.grid.n_cells)
            return flat.astype(np.float64)
        return self._count_of(cell, np.exp(-_LN2 * (t0 - t) / half_life))

    def _long_rows(
        self,
        events: Events,
        t0: float,
        out: npt.NDArray[np.float64] | None = None,
        weights: npt.NDArray[np.float64] | None = None,
    ) -> npt.NDArray[np.float64]:
        """The long-memory maps at ``t0``, one flat density per row: the count with
        each half-life (``None``: flat), smoothed by its sigma (0: not); written
        into ``out`` (zeros) when given; a map of zero ``weights`` left as zeros."""
        counts: dict[float | None, npt.NDArray[np.float64]] = {}
        rows = (
            np.zeros((len(self.long_maps), self.grid.n_cells)) if out is None else out
        )
        for k, (half_life, sigma) in enumerate(self.long_maps):
            if weights is not None and weights[k] == 0.0:
                continue
            if half_life not in counts:
                counts[half_life] = self._long_count(
                    events.cell, events.t, t0, half_life
                )
            self._density_into(counts[half_life], sigma, rows[k])
        return rows

    def _density_into(
        self,
        count: npt.NDArray[np.float64],
        sigma: float,
        out: npt.NDArray[np.float64],
    ) -> None:
        """Write ``count`` as a density, smoothed by ``sigma`` cells (0: not)."""
        base = count / max(float(count.sum()), 1e-12)
        if sigma > 0:
            smooth = smooth_near(base.reshape(self.grid.shape), sigma).ravel()
            np.divide(smooth, max(float(smooth.sum()), 1e-12), out=out)
        else:
            out[:] = base

    def _decayed_count(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
        """Events per cell at ``t0``, each weighted ``2 ** (-age / half_life_days)``."""
        return self._count_of(events.cell, self._event_weights(events, t0))

    def _event_weights(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
        """Each event's weight at ``t0``: ``2 ** (-age / half_life_days)`` (1 without
        a half-life); element by element, so a subset's are the subset of these."""
        age = t0 - events.t
        if self.half_life_days is None:
            return np.ones_like(age)
        return np.asarray(np.exp(-_LN2 * age / self.half_life_days), dtype=np.float64)

    def _count_of(
        self, cell: npt.NDArray[np.int64], weight: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        """The sum of ``weight`` per cell (in the events' order)."""
        count = np.bincount(cell, weights=weight, minlength=self.grid.n_cells)
        return count.astype(np.float64, copy=False)

    def _maps_of(
        self,
        count: npt.NDArray[np.float64],
        weights: npt.NDArray[np.float64] | None = None,
        out: npt.NDArray[np.float64] | None = None,
        smoothed: Sequence[npt.NDArray[np.float64]] | None = None,
    ) -> npt.NDArray[np.float64]:
        """The component maps of a decayed count per cell.

        Given the ``weights`` the maps will be mixed with, a smoothing whose weight
        is exactly zero is left as zeros instead of computed: ``weights @ maps``
        is then the same, bit for bit (each of its terms is ``0 * v = 0``, finite
        ``v``), at the cost of the smoothings that count only (the weights learnt
        often put none on one or two of them). ``out``, an array of the maps'
        shape whose rows of zero weight hold zeros, is written in place of a new
        one (a loop over days reuses it). ``smoothed`` (a grid per sigma, each a
        multiple of the count's smoothing: the cross-validation's sums) are
        divided by their sums in place of smoothing the count again (the same
        maps to rounding).
        """
        base = (count / max(float(count.sum()), 1e-12)).reshape(self.grid.shape)
        rows = (
            np.zeros((len(self.sigmas_cells) + 2, self.grid.n_cells))
            if out is None
            else out
        )
        rows[0] = base.ravel()
        for k, sigma in enumerate(self.sigmas_cells, start=1):
            if weights is None or weights[k] != 0.0:
                smooth = (
                    smooth_near(base, sigma) if smoothed is None else smoothed[k - 1]
                ).ravel()
                np.divide(smooth, max(float(smooth.sum()), 1e-12), out=rows[k])
        rows[-1] = 1.0 / self.grid.n_cells
        return rows

    def _recent_count(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
        """The events of the last ten ``recent_half_life_days`` at ``t0``, each
        weighted ``2 ** (-age / recent_half_life_days)``, per cell, as a grid."""
        assert self.recent_half_life_days is not None
        half_life = self.recent_half_life_days
        ev = events.before(t0, 10.0 * half_life)
        w = np.exp(-_LN2 * (t0 - ev.t) / half_life)
        count = np.bincount(ev.cell, weights=w, minlength=self.grid.n_cells)
        return np.asarray(count, dtype=np.float64).reshape(self.grid.shape)

    def recent_map(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
        """Return the last days' events at ``t0`` as a flat density: the count with
        a ``recent_half_life_days`` half-life (events of the last ten half-lives),
        smoothed by ``recent_sigma_cells`` (zero everywhere without such events)."""
        count = self._recent_count(events, t0)
        smooth = smooth_near(count, self.recent_sigma_cells).ravel()
        return np.asarray(smooth / max(float(smooth.sum()), 1e-12), dtype=np.float64)

    def fit_recent_weight(
        self, events: Events, t0: float, weights: npt.NDArray[np.float64]
    ) -> float:
        """Return the weight ``a`` of the recent map in ``(1 - a) stack + a recent``,
        learnt one day ahead: each of the ``ahead_days`` whole days before ``t0``
        has its events scored under the stack (``weights``) and the recent map,
        both built from the ``events`` before that day (the forecast's own window,
        not one sliding with the day), and ``a`` maximises the Poisson
        likelihood of them all (:func:`mixture_weights`). Unlike the time blocks
        of :meth:`fit_weights`, whose maps are aged from ``t0``, this lets recency
        earn weight where events follow events within days (near repeats); ``0``
        without such days. ``events`` are those the forecast uses."""
        if self.recent_half_life_days is None:
            return 0.0
        start = float(np.floor(t0))
        k0 = len(self.sigmas_cells) + 2
        long = weights.size > k0
        # the counts the stack reads (only the maps of non-zero weight), kept as
        # weighted at ``start``: a day back only takes that day's events away
        # (a density is the same whatever its count's scale; :mod:`._receding`)
        earlier = events.before(start)
        own_sigmas = [
            (k, s) for k, s in enumerate(self.sigmas_cells, 1) if weights[k] != 0.0
        ]
        own = RecedingCount(
            self.grid.shape,
            earlier.cell,
            self._event_weights(earlier, start),
            [s for _, s in own_sigmas],
        )
        longs: dict[float | None, RecedingCount] = {}
        for k, (h, _) in enumerate(self.long_maps if long else ()):
            if weights[k0 + k] == 0.0 or h in longs:
                continue
            sigmas = [s for hh, s in self.long_maps if hh == h and s > 0]
            longs[h] = RecedingCount(
                self.grid.shape,
                earlier.cell,
                self._long_event_weights(earlier.t, start, h),
                sigmas,
            )
        scratch = np.zeros(self.grid.shape)  # the recent count's, zeros between days
        assert self.recent_half_life_days is not None
        recent_days = 10.0 * self.recent_half_life_days
        stack_cols, recent_cols, counts = [], [], []
        for back in range(1, self.ahead_days + 1):
            day = start - back
            held = events.between(day, day + 1.0)
            # the day's cells (sorted), and its events' weights there summed in
            # the events' order: only they change
            seen, inverse, n = np.unique(
                held.cell, return_inverse=True, return_counts=True
            )
            own.take(seen, np.bincount(inverse, self._event_weights(held, start)))
            for h, count in longs.items():
                count.take(
                    seen,
                    np.bincount(inverse, self._long_event_weights(held.t, start, h)),
                )
            if not (len(held) and np.searchsorted(events.t, day) > 0):
                continue
            # the maps are read at the day's cells only
            col = (
                weights[0] * own.density_at(seen) + weights[k0 - 1] / self.grid.n_cells
            )
            for (k, _), smooth in zip(
                own_sigmas, own.smoothed_density_at(seen), strict=True
            ):
                col += weights[k] * smooth
            if long:
                col += weights[k0:] @ self._long_maps_at(longs, seen, weights[k0:])
            stack_cols.append(col)
            recent = events.between(day - recent_days, day)
            recent_cols.append(
                sparse_density_at(
                    scratch,
                    recent.cell,
                    np.exp(-_LN2 * (day - recent.t) / self.recent_half_life_days),
                    self.recent_sigma_cells,
                    seen,
                )
            )
            counts.append(n.astype(np.float64))
        if not counts:
            return 0.0
        both = np.vstack([np.concatenate(stack_cols), np.concatenate(recent_cols)])
        return float(mixture_weights(both, np.concatenate(counts))[1])

    def _long_event_weights(
        self, t: npt.NDArray[np.float64], t0: float, half_life: float | None
    ) -> npt.NDArray[np.float64]:
        """Each event's weight at ``t0`` in a long-memory count: 1 (flat) or
        ``2 ** (-age / half_life)``."""
        if half_life is None:
            return np.ones_like(t)
        return np.asarray(np.exp(-_LN2 * (t0 - t) / half_life), dtype=np.float64)

    def _long_maps_at(
        self,
        longs: dict[float | None, RecedingCount],
        cells: npt.NDArray[np.int64],
        weights: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """The long-memory maps of the receding counts ``longs`` at ``cells``
        (zeros where their weight is zero)."""
        rows = np.zeros((len(self.long_maps), cells.size))
        smoothed = {
            h: dict(zip(count.sigmas, count.smoothed_density_at(cells), strict=True))
            for h, count in longs.items()
        }
        for k, (h, sigma) in enumerate(self.long_maps):
            if weights[k] == 0.0:
                continue
            rows[k] = longs[h].density_at(cells) if sigma == 0 else smoothed[h][sigma]
        return rows

    def fit_weights(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
        """Return the weights learnt at ``t0`` (days) from the events before it:
        by ``folds``-fold cross-validation in time, or (``folds=None``) maps from
        the events before ``t0 - holdout_days`` scored on the last ``holdout_days``."""
        ev = events if self.window_days is None else events.before(t0, self.window_days)
        long = self.uses_long(ev, t0)
        scored = (
            self._held_out_blocks(ev, t0, long=long)
            if self.folds is not None
            else self._last_stretch(ev, t0, long=long)
        )
        if scored is None:  # too little history: the count alone
            alone = np.zeros(
                len(self.sigmas_cells) + 2 + (len(self.long_maps) if long else 0)
            )
            alone[0] = 1.0
            return alone
        return mixture_weights(*scored)

    def _held_out_blocks(
        self, ev: Events, t0: float, *, long: bool = False
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
        """Each time block's events (counts per cell seen) next to the maps at
        ``t0`` of every other block (the long-memory maps too when ``long``),
        side by side; None without two blocks.

        Each smoothing is of the whole grid, read at the block's cells
        (:meth:`_whole_maps_at`), its sum from the kernel's mass inside the
        grid; each block's others' count is every event's less the block's.
        The maps equal the former ones (each block's others counted afresh,
        every map written whole) to rounding, not bit for bit: the weights'
        search carries their last bits to about 1e-11 of the forecast, which
        the project allows since 2026-12-07 (the Toronto protocol's hits the
        same on each day). The blocks' smoothings, summed per sigma, are kept
        for the final maps of the same count (:meth:`maps`)."""
        assert self.folds is not None
        if len(ev) == 0:
            return None
        edges = np.linspace(float(ev.t[0]), t0, self.folds + 1)
        block = np.clip(
            np.searchsorted(edges, ev.t, side="right") - 1, 0, self.folds - 1
        )
        present = np.flatnonzero(np.bincount(block))  # the blocks holding events
        if present.size < 2:
            return None
        # every event's counts, once; a block's others' are these less the
        # block's own, taken away in the block's cells only (and put back
        # after): the four fifths of the history left are not counted again,
        # nor a whole grid written per block (2026-12-07; the maps equal to
        # rounding, not bit for bit: sums in another order)
        n_cells = self.grid.n_cells
        weight = self._event_weights(ev, t0)
        every = np.bincount(ev.cell, minlength=n_cells)
        whole = self._count_of(ev.cell, weight)
        # every block's others' non-empty lines are among every event's
        lines = nonempty_lines(whole.reshape(self.grid.shape))
        long_weights = {
            h: self._long_event_weights(ev.t, t0, h)
            for h, _ in (self.long_maps if long else ())
            if h is not None
        }
        whole_long = {h: self._count_of(ev.cell, w) for h, w in long_weights.items()}
        long_totals = {h: float(count.sum()) for h, count in whole_long.items()}
        # the blocks are runs of the events (sorted by time)
        starts = np.searchsorted(block, present, side="left")
        stops = np.searchsorted(block, present, side="right")
        index = np.empty(n_cells, dtype=np.int64)  # a block's cells' columns
        blocks = []
        for first, stop in zip(starts.tolist(), stops.tolist(), strict=True):
            n = np.bincount(ev.cell[first:stop], minlength=n_cells)
            seen = np.flatnonzero(n)
            index[seen] = np.arange(seen.size)
            blocks.append((slice(first, stop), seen, index[ev.cell[first:stop]]))
        k0 = len(self.sigmas_cells) + 2
        maps = np.empty(
            (
                k0 + (len(self.long_maps) if long else 0),
                sum(s.size for _, s, _ in blocks),
            )
        )
        counts = np.empty(maps.shape[1])
        buffer = np.empty(self.grid.shape)  # each whole smoothing's, in turn
        # each sigma's smoothings of the blocks' others summed: the smoothing
        # of (blocks - 1) times every event's count, the final maps' own
        summed = [np.zeros(self.grid.shape) for _ in self.sigmas_cells]
        at = 0
        for inside, seen, inverse in blocks:
            cols = slice(at, at + seen.size)
            at += seen.size
            n_seen = np.bincount(inverse, minlength=seen.size)
            # the block's cells that no other block's event fell in: the
            # others' count there is exactly zero (not a difference's rounding)
            alone = every[seen] == n_seen
            kept = whole[seen]
            whole[seen] = self._less(kept, inverse, weight[inside], alone)
            try:
                self._whole_maps_at(
                    whole,
                    seen,
                    maps[:k0, cols],
                    buffer=buffer,
                    summed=summed,
                    lines=lines,
                )
            finally:
                whole[seen] = kept
            counts[cols] = n_seen
            if not long:
                continue
            n_rest = len(ev) - (inside.stop - inside.start)
            for k, (h, sigma) in enumerate(self.long_maps):
                row = maps[k0 + k, cols]
                if h is None and sigma == 0:
                    # the flat count (every event's less the block's) at the
                    # cells: integers, so its whole sum is the number of events
                    # the other blocks hold, exactly
                    flat_seen = (every[seen] - n_seen).astype(np.float64)
                    np.divide(flat_seen, max(float(n_rest), 1e-12), out=row)
                    continue
                if h is not None and sigma == 0:
                    # at the block's cells only; the sum is every event's less
                    # the block's (to rounding): no pass over the grid
                    rest = self._less(
                        whole_long[h][seen], inverse, long_weights[h][inside], alone
                    )
                    rest_total = long_totals[h] - float(long_weights[h][inside].sum())
                    np.divide(rest, max(rest_total, 1e-12), out=row)
                    continue
                if h is None:  # the flat count smoothed: made whole
                    count = every.astype(np.float64)
                    count[seen] -= n_seen
                else:
                    count = whole_long[h].copy()
                    count[seen] = self._less(
                        count[seen], inverse, long_weights[h][inside], alone
                    )
                total = max(float(count.sum()), 1e-12)
                if sigma == 0:
                    np.divide(count[seen], total, out=row)
                    continue
                [(smooth, smooth_total)] = smoothings_read_at(
                    (count / total).reshape(self.grid.shape),
                    [sigma],
                    seen,
                    buffer=buffer,
                )
                np.divide(smooth, max(smooth_total, 1e-12), out=row)
        self._fold_smoothings = (whole, summed)
        return maps, counts

    @staticmethod
    def _less(
        count: npt.NDArray[np.float64],
        inverse: npt.NDArray[np.int64],
        weight: npt.NDArray[np.float64],
        alone: npt.NDArray[np.bool_],
    ) -> npt.NDArray[np.float64]:
        """A count at a block's cells less the block's events' ``weight`` (each
        event's cell's column ``inverse``; summed per cell in the events'
        order, as a count of them alone would be): never below zero, and zero
        where the block's events were ``alone``."""
        own = np.bincount(inverse, weights=weight, minlength=count.size)
        return np.where(alone, 0.0, np.maximum(count - own, 0.0))

    def _whole_maps_at(
        self,
        count: npt.NDArray[np.float64],
        cells: npt.NDArray[np.int64],
        out: npt.NDArray[np.float64],
        *,
        buffer: npt.NDArray[np.float64],
        summed: Sequence[npt.NDArray[np.float64]],
        lines: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    ) -> None:
        """Write ``self._maps_of(count)[:, cells]`` into ``out`` (equal to
        rounding): each smoothing is of the whole grid, made into ``buffer``
        (:func:`whole_smoothings_at`), divided by its sum over the grid
        (:func:`smoothed_totals`) and read at ``cells`` only, so no whole map
        is written or copied; each is of the count itself, not of its density
        (the same map, without a pass to divide the count), and added into its
        sigma's grid of ``summed``."""
        image = count.reshape(self.grid.shape)
        totals = smoothed_totals(image, self.sigmas_cells)
        out[0] = count[cells] / max(float(count.sum()), 1e-12)
        read = whole_smoothings_at(
            image,
            self.sigmas_cells,
            cells,
            buffer=buffer,
            lines=lines,
            accumulate=summed,
        )
        for k, (smooth, total) in enumerate(zip(read, totals, strict=True), start=1):
            np.divide(smooth, max(total, 1e-12), out=out[k])
        out[-1] = 1.0 / self.grid.n_cells

    def _last_stretch(
        self, ev: Events, t0: float, *, long: bool = False
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
        """The last ``holdout_days``' counts and the maps of the events before
        them; None if either is empty."""
        cut = t0 - self.holdout_days
        earlier = ev.before(cut)
        held = ev.between(cut, t0)
        if not (len(earlier) and len(held)):
            return None
        counts = np.bincount(held.cell, minlength=self.grid.n_cells)
        return self.maps(earlier, cut, long=long), counts.astype(np.float64)

    def frozen(self, events: Events, t0: float) -> Stacked:
        """This model with its weights (and the recent map's) learnt at ``t0`` and
        held fixed; weights given to this model stay as given.

        Weights learnt without the long-memory maps (a history of at most
        ``long_after_days`` at ``t0``) are held only while the history stays that
        short: on a later day past it the model learns its weights (and the
        recent map's) that day, as the model not frozen does, so that a backtest
        whose days cross 1.5 years of history measures the stack its forecast
        uses (``avert forecast --history-days 500``: the forecast at ``at`` had
        the long maps, its backtest, frozen 90 days before, never)."""
        past = events.before(t0)
        with one_blas_thread():  # as fit and predict
            weights = (
                self.fit_weights(past, t0)
                if self.fixed_weights is None
                else self.fixed_weights
            )
            used = (
                past if self.window_days is None else past.before(t0, self.window_days)
            )
            recent = (
                self.fit_recent_weight(used, t0, weights)
                if self.fixed_recent_weight is None
                else self.fixed_recent_weight
            )
        self._fold_smoothings = None  # no final maps follow here
        model = Stacked(
            self.grid,
            window_days=self.window_days,
            half_life_days=self.half_life_days,
            sigmas_cells=self.sigmas_cells,
            folds=self.folds,
            holdout_days=self.holdout_days,
            weights=weights.tolist(),
            recent_half_life_days=self.recent_half_life_days,
            recent_sigma_cells=self.recent_sigma_cells,
            ahead_days=self.ahead_days,
            recent_weight=recent,
            long_maps=self.long_maps,
            long_after_days=self.long_after_days,
        )
        model._frozen_short = bool(self.long_maps) and (
            self._frozen_short
            or (
                self.fixed_weights is None
                and weights.size == len(self.sigmas_cells) + 2
            )
        )
        model._recent_learnt = self.fixed_recent_weight is None or self._recent_learnt
        model._weights_learnt = self.fixed_weights is None or self._weights_learnt
        return model

    def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
        ev = past if self.window_days is None else past.before(t0, self.window_days)
        # a frozen model past the history its weights were learnt for learns
        # them as the model not frozen does (:meth:`frozen`)
        relearn = self._frozen_short and self.uses_long(ev, t0)
        self.weights_ = (
            self.fit_weights(ev, t0)
            if self.fixed_weights is None or relearn
            else self.fixed_weights
        )
        self._maps = self.maps(
            ev,
            t0,
            long=self.weights_.size > len(self.sigmas_cells) + 2,
            weights=self.weights_,
        )
        # A history of a few events can put every weight on the uniform map (no
        # held-out event fell where the others did): each cell would tie and the
        # top cells would be the first in array order. Ties go to the count.
        # (added after the recent map too: a weight of 1 on a map of no recent
        # events would tie every cell again)
        tie_break = _TIE_BREAK * self._maps[0]
        mix = self.weights_ @ self._maps
        if self.recent_half_life_days is None:
            self._recent = None
            return np.asarray(mix + tie_break, dtype=np.float64)
        self.recent_weight_ = (
            self.fit_recent_weight(ev, t0, self.weights_)
            if self.fixed_recent_weight is None or (relearn and self._recent_learnt)
            else self.fixed_recent_weight
        )
        self._recent = self.recent_map(ev, t0)
        a = self.recent_weight_
        return np.asarray(
            (1.0 - a) * mix + a * self._recent + tie_break, dtype=np.float64
        )

    def _used_long(self) -> bool:
        """Whether the last prediction's stack held the long-memory maps."""
        return self._maps is not None and self._maps.shape[0] > (
            len(self.sigmas_cells) + 2
        )

    def maps_used(self) -> tuple[tuple[str, float], ...]:
        """The maps of the last prediction, each ``(name, weight)``: the stack's,
        the long-memory maps among them when the history given brought them in
        (:meth:`uses_long`), and the recent map; each stack map's weight is its
        stacking weight times ``1 - a`` (``a`` the recent map's), so the weights
        sum to one. Empty before a prediction."""
        if self._maps is None or self.weights_ is None:
            return ()
        names = [
            _count_name(self.half_life_days),
            *(_count_name(self.half_life_days, s) for s in self.sigmas_cells),
            "uniform",
        ]
        if self._used_long():
            names += [_count_name(h, sigma) for h, sigma in self.long_maps]
        a = 0.0 if self._recent is None else self.recent_weight_
        used = [
            (name, float((1.0 - a) * w))
            for name, w in zip(names, self.weights_, strict=True)
        ]
        if self._recent is not None:
            used.append(
                (
                    "recent: "
                    + _count_name(self.recent_half_life_days, self.recent_sigma_cells),
                    float(a),
                )
            )
        return tuple(used)

    def method_used(self) -> str:
        """The method of the last prediction: :attr:`method`, or with the
        long-memory maps named when they were used, and why: the history given
        (more than ``long_after_days`` of it), or the weights given, which held
        one for each (whatever the history: the words had said "for a history of
        more than 548 days" of a forecast on 300). The method text said five
        maps where the forecast had seven. The maps, blocks and weighing are
        named as configured: weights given by the caller are said to be given
        (the words had said "weighted by likelihood" of weights never learnt)."""
        given = (
            self.fixed_weights is not None
            and not self._weights_learnt
            and self.weights_ is self.fixed_weights
        )
        recent_given = (
            self.fixed_recent_weight is not None
            and not self._recent_learnt
            and self.recent_weight_ == self.fixed_recent_weight
        )
        maps = _maps_words(self.half_life_days, self.window_days, self.sigmas_cells)
        weighing = _weighing_words(
            weights_given=given,
            folds=self.folds,
            holdout_days=self.holdout_days,
            recent_half_life_days=self.recent_half_life_days,
            recent_weight_given=self.fixed_recent_weight if recent_given else None,
        )
        if not self._used_long():
            return f"{maps} and a uniform map, {weighing}"
        longs = " and ".join(_count_words(h, sigma) for h, sigma in self.long_maps)
        span = (
            f"{self.long_after_days:g} days ({self.long_after_days / 365.25:.1f} years)"
        )
        why = (
            "as the weights given include them"
            if given
            else f"for a history of more than {span}"
        )
        return f"{maps}, a uniform map and, {why}, {longs}, {weighing}"

    def parts(
        self, cells: npt.NDArray[np.int64]
    ) -> list[tuple[str, str, npt.NDArray[np.float64]]]:
        """Shares of the risk in ``cells`` from the cell's own count, from its
        neighbours' (the smoothings, less their term for the cell's own count,
        which is its own record), from the uniform floor and from the last days'
        events (the recent map, when the model has one): weight x map over the
        sum; empty before a prediction."""
        if self._maps is None or self.weights_ is None:
            return []
        a = 0.0 if self._recent is None else self.recent_weight_
        weighted = (1.0 - a) * self.weights_[:, None] * self._maps[:, cells]
        recent = (
            np.zeros(cells.size) if self._recent is None else a * self._recent[cells]
        )
        total = np.maximum(weighted.sum(axis=0) + recent, 1e-300)
        k0 = len(self.sigmas_cells) + 2
        own = weighted[0] + (1.0 - a) * self._own_in_smoothings(cells)
        near = np.maximum(weighted[1 : k0 - 1].sum(axis=0) - (own - weighted[0]), 0.0)
        # the long-memory maps (when used): a count is the cell's own record, a
        # smoothed one its neighbourhood's (its centre's share not taken out);
        # without them the shares are the former stack's, bit for bit
        for k, (_, sigma) in enumerate(self.long_maps[: weighted.shape[0] - k0]):
            if sigma > 0:
                near = near + weighted[k0 + k]
            else:
                own = own + weighted[k0 + k]
        s = self.grid.cell_size_m
        near_m = (min(self.sigmas_cells) * s, max(self.sigmas_cells) * s)
        last = (
            []
            if self._recent is None
            else [
                (
                    "recent",
                    "events of the last few days within about "
                    f"{self.recent_sigma_cells * s:.0f} m",
                    recent / total,
                )
            ]
        )
        return [
            (
                "own",
                "the cell's own record"
                + (" (recent years weighing more)" if self.half_life_days else ""),
                own / total,
            ),
            (
                "near",
                f"its neighbours' within about {near_m[0]:.0f}-{near_m[1]:.0f} m",
                near / total,
            ),
            ("floor", "a floor every cell has", weighted[k0 - 1] / total),
            *last,
        ]

    def _own_in_smoothings(
        self, cells: npt.NDArray[np.int64]
    ) -> npt.NDArray[np.float64]:
        """The part of the weighted smoothings in ``cells`` that is each cell's own
        count: the kernel's centre weight times the count, over the map's sum.

        A Gaussian smoothing of the count sums a cell's own events too (with the
        kernel's largest weight, 0.16 at one cell's sigma), so "its neighbours'"
        alone told a cell of many events, where the stack put its weight on the
        smoothings, that none of its risk came from its own record (a synthetic
        city of Gaussian hotspots: "0 % own" for every top cell)."""
        assert self._maps is not None
        assert self.weights_ is not None
        base = self._maps[0].reshape(self.grid.shape)
        out = np.zeros(cells.size)
        for k, sigma in enumerate(self.sigmas_cells, start=1):
            if self.weights_[k] == 0.0:
                continue
            total = max(float(smooth_near(base, sigma).sum()), 1e-12)  # as _maps_of
            out += (
                self.weights_[k] * _centre_weight(sigma) * base.ravel()[cells] / total
            )
        return out
