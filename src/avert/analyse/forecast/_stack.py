"""The default forecaster: a stack of count maps, weighted by how well each foretells
held-out stretches of the history (cross-validation in time).

.. math:: r_c = \\sum_k \\beta_k f_{k,c}, \\qquad \\beta \\ge 0, \\; \\sum_k \\beta_k = 1

The components ``f_k`` are density maps over the grid, each summing to one:

1. the decayed count per cell, ``n_c = \\sum_{i \\in c} 2^{-a_i / T}`` (``a_i`` the
   age of event ``i`` in days, ``T`` the half-life, one year by default);
2. Gaussian smoothings of that count with standard deviations of 1, 2 and 4 cells
   (``sigmas_cells``): the neighbourhood at three scales;
3. the uniform map (every cell alike), so that no cell has zero risk.

The weights ``beta`` are learnt per forecast from the history given, never from the
days forecast, by v-fold cross-validation in time, the scheme of stacked density
estimation (Smyth & Wolpert 1999, *Machine Learning* 36: 59-83): the span of the
events before ``at`` is cut into ``folds`` blocks of equal length; each block's events
are scored under maps built from every other block (ages still counted from ``at``),
and the weights that maximise the Poisson likelihood of all blocks together are found
(the likelihood is concave in ``beta``; :func:`mixture_weights`). The maps are then
built from every event before ``at`` and combined with those weights. Each map used
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
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import numpy as np
import numpy.typing as npt
from scipy import ndimage, optimize

from avert.analyse.forecast._base import Forecaster, Risk
from avert.analyse.forecast._grid import Events, Grid
from avert.errors import ConfigError

__all__ = ["Stacked", "mixture_weights"]

_LN2 = float(np.log(2.0))

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
    f = np.ascontiguousarray(maps[:, seen], dtype=np.float64)
    y = counts[seen] / total  # scaled: the optimum is the same

    def negative(w: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
        mix = np.maximum(w @ f, 1e-300)
        value = float(y @ np.log(mix)) - float(w.sum())
        grad = f @ (y / mix) - 1.0
        return -value, -grad

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


class Stacked(Forecaster):
    """Count and smoothed-count maps, weighted per forecast by cross-validation."""

    name: ClassVar[str] = "default"
    method: ClassVar[str] = (
        "one-year half-life count per cell, its Gaussian smoothings (1, 2, 4 cells) "
        "and a uniform map, weighted by likelihood on held-out fifths of the "
        "history (stacking)"
    )
    source: ClassVar[str] = (
        "Smyth & Wolpert (1999) Machine Learning 36; Clayton & Kaldor (1987) "
        "Biometrics 43; Bowers, Johnson & Pease (2004)"
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
    ) -> None:
        super().__init__(grid)
        if holdout_days <= 0 or any(s <= 0 for s in sigmas_cells):
            msg = "holdout_days and sigmas_cells must be > 0."
            raise ConfigError(msg)
        if folds is not None and folds < 2:
            msg = f"folds must be at least 2 (or None for the hold-out); got {folds}."
            raise ConfigError(msg)
        self.folds = folds
        self.window_days = window_days
        self.half_life_days = half_life_days
        self.sigmas_cells = tuple(sigmas_cells)
        self.holdout_days = holdout_days
        self.fixed_weights = None if weights is None else np.asarray(weights, float)
        if (
            self.fixed_weights is not None
            and self.fixed_weights.size != len(self.sigmas_cells) + 2
        ):
            msg = f"weights needs {len(self.sigmas_cells) + 2} values (one per map)."
            raise ConfigError(msg)
        self.weights_: npt.NDArray[np.float64] | None = self.fixed_weights
        self._maps: npt.NDArray[np.float64] | None = None  # of the last prediction

    def maps(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
        """Return the component maps at ``t0`` (days), one flat density per row."""
        age = t0 - events.t
        w = (
            np.ones_like(age)
            if self.half_life_days is None
            else np.exp(-_LN2 * age / self.half_life_days)
        )
        count = np.bincount(events.cell, weights=w, minlength=self.grid.n_cells)
        base = (count / max(float(count.sum()), 1e-12)).reshape(self.grid.shape)
        rows = [base.ravel()]
        for sigma in self.sigmas_cells:
            smooth = ndimage.gaussian_filter(
                base, sigma, mode="constant", truncate=3.0
            ).ravel()
            rows.append(smooth / max(float(smooth.sum()), 1e-12))
        rows.append(np.full(self.grid.n_cells, 1.0 / self.grid.n_cells))
        return np.vstack(rows)

    def fit_weights(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
        """Return the weights learnt at ``t0`` (days) from the events before it:
        by ``folds``-fold cross-validation in time, or (``folds=None``) maps from
        the events before ``t0 - holdout_days`` scored on the last ``holdout_days``."""
        ev = events if self.window_days is None else events.before(t0, self.window_days)
        scored = (
            self._held_out_blocks(ev, t0)
            if self.folds is not None
            else self._last_stretch(ev, t0)
        )
        if scored is None:  # too little history: the count alone
            alone = np.zeros(len(self.sigmas_cells) + 2)
            alone[0] = 1.0
            return alone
        return mixture_weights(*scored)

    def _held_out_blocks(
        self, ev: Events, t0: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
        """Each time block's events (counts per cell seen) next to the maps at
        ``t0`` of every other block, side by side; None without two blocks."""
        assert self.folds is not None
        if len(ev) == 0:
            return None
        edges = np.linspace(float(ev.t[0]), t0, self.folds + 1)
        block = np.clip(
            np.searchsorted(edges, ev.t, side="right") - 1, 0, self.folds - 1
        )
        maps: list[npt.NDArray[np.float64]] = []
        counts: list[npt.NDArray[np.float64]] = []
        for b in np.unique(block):
            inside = block == b
            if inside.all():
                return None
            rest = Events(ev.cell[~inside], ev.t[~inside], ev.x[~inside], ev.y[~inside])
            n = np.bincount(ev.cell[inside], minlength=self.grid.n_cells)
            seen = n > 0
            maps.append(self.maps(rest, t0)[:, seen])
            counts.append(n[seen].astype(np.float64))
        return np.hstack(maps), np.concatenate(counts)

    def _last_stretch(
        self, ev: Events, t0: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None:
        """The last ``holdout_days``' counts and the maps of the events before
        them; None if either is empty."""
        cut = t0 - self.holdout_days
        earlier = ev.before(cut)
        held = ev.between(cut, t0)
        if not (len(earlier) and len(held)):
            return None
        counts = np.bincount(held.cell, minlength=self.grid.n_cells)
        return self.maps(earlier, cut), counts.astype(np.float64)

    def frozen(self, events: Events, t0: float) -> Stacked:
        """This model with its weights learnt at ``t0`` and held fixed."""
        return Stacked(
            self.grid,
            window_days=self.window_days,
            half_life_days=self.half_life_days,
            sigmas_cells=self.sigmas_cells,
            folds=self.folds,
            holdout_days=self.holdout_days,
            weights=self.fit_weights(events.before(t0), t0).tolist(),
        )

    def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
        ev = past if self.window_days is None else past.before(t0, self.window_days)
        self.weights_ = (
            self.fit_weights(ev, t0)
            if self.fixed_weights is None
            else self.fixed_weights
        )
        self._maps = self.maps(ev, t0)
        # A history of a few events can put every weight on the uniform map (no
        # held-out event fell where the others did): each cell would tie and the
        # top cells would be the first in array order. Ties go to the count.
        mix = self.weights_ @ self._maps + _TIE_BREAK * self._maps[0]
        return np.asarray(mix, dtype=np.float64)

    def parts(
        self, cells: npt.NDArray[np.int64]
    ) -> list[tuple[str, str, npt.NDArray[np.float64]]]:
        """Shares of the risk in ``cells`` from the cell's own count, from its
        neighbours' (the smoothings) and from the uniform floor (weight x map over
        the sum); empty before a prediction."""
        if self._maps is None or self.weights_ is None:
            return []
        weighted = self.weights_[:, None] * self._maps[:, cells]
        total = np.maximum(weighted.sum(axis=0), 1e-300)
        s = self.grid.cell_size_m
        near_m = (min(self.sigmas_cells) * s, max(self.sigmas_cells) * s)
        return [
            (
                "own",
                "the cell's own record"
                + (" (recent years weighing more)" if self.half_life_days else ""),
                weighted[0] / total,
            ),
            (
                "near",
                f"its neighbours' within about {near_m[0]:.0f}-{near_m[1]:.0f} m",
                weighted[1:-1].sum(axis=0) / total,
            ),
            ("floor", "a floor every cell has", weighted[-1] / total),
        ]
