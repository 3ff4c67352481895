"""Candidates for the default forecast model, on validation days only (never 2021).

Each candidate is scored against the counting grid over the same training (365 days,
or every event before the day with ``--train all``) on Toronto assault
days before the test period and on the synthetic city's validation days (90 days
ending 120 days before its benchmark days), with the protocol of
``benchmarks/forecast.py``. Printed: hit-rate difference to counting per basis and
coverage (bbox 1/2/5/10 %, active 1/2/5/10 %), Toronto | synthetic, and the median
CPU seconds per day; for Toronto also the difference to the default, to four
decimals. These are the rejected candidates of ``docs/places.md``.

Since 2026-12-07 the default (and the candidates that are ``Stacked`` with other
options) adds a flat and a 730-day count to its stack when the history spans more
than 1.5 years: with ``--train 365`` nothing changes, bit for bit; with ``--train
all`` their figures of before then are not reproduced unless ``long_maps=()`` is
given (``benchmarks/forecast_long_memory.py``). The candidates of their own class
(further maps, their own weights or one-day-ahead fit) are built on
``_FormerStack``, the stack without those maps, as they were measured: their code
knows the five maps only (with the long maps 27 of the 75 candidates raised a
ValueError on a synthetic history of 1.7 or 3 years: maps and weights of
different lengths).

    .venv/bin/python benchmarks/forecast_candidates.py [--days long|short]
        [--train all|365] [--gbm] [--only NAMES] [--headroom]
        [--categories 'Assault,Auto Theft,...' --only NAMES]

``--only A,B`` runs the named candidates only. ``--days long``: every day
2019-07-01 .. 2020-12-30 (549); ``short``: every 4th
day of 2020 (90). ``--gbm`` adds the gradient-boosted Poisson model (slow: about
1 s a day). ``--headroom`` prints how much better the 365-day count's top cells
would do with the rate known from the two years around each day (validation days of
2019, events before 2021 only): a rough ceiling for any model of the past year.
"""

from __future__ import annotations

from harness import single_threaded

single_threaded()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any, ClassVar  # noqa: E402

import numpy as np  # noqa: E402
from scipy import ndimage  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from forecast import synthetic  # noqa: E402

from avert.analyse.forecast import (  # noqa: E402
    Blend,
    Counting,
    Events,
    Forecaster,
    Grid,
    Stacked,
    evaluate_days,
    mixture_weights,
    summarise,
)
from avert.analyse.forecast._stack import smooth_near  # noqa: E402
from forecast_toronto import TORONTO_CSV, toronto_events  # noqa: E402

#: the stack as it was before its recent map (2026-12-03): the candidates built on it
#: were measured so, and are kept so
_NO_RECENT: dict[str, Any] = {"recent_half_life_days": None}


class _FormerStack(Stacked):
    """The stack without the long-memory maps (as before 2026-12-07): the base
    of the candidates below that build maps, weights or the one-day-ahead fit of
    their own on its five maps."""

    def __init__(self, grid: Grid, **kw: Any) -> None:
        super().__init__(grid, **{"long_maps": (), **kw})


class Shrink(Blend):
    """Poisson-gamma: the last ``short_days``' rate shrunk to the long-term rate.

    ``r = (alpha + n_s) / (alpha / mu + S)``: cells with a high long-term rate
    ``mu`` follow their recent count, sparse cells their long-term rate.
    """

    def __init__(
        self, grid: Grid, *, alpha: float = 3.0, short_days: float = 180.0
    ) -> None:
        super().__init__(grid)
        self.alpha = alpha
        self.short_days = short_days

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        base = super()._predict(past, t0, horizon_days)
        ev = past.before(t0, self.short_days)
        ns = np.bincount(ev.cell, minlength=self.grid.n_cells).astype(float)
        mu = base / max(base.sum(), 1e-12) * (ns.sum() / self.short_days)
        out = np.zeros(self.grid.n_cells)
        pos = mu > 0
        out[pos] = (self.alpha + ns[pos]) / (self.alpha / mu[pos] + self.short_days)
        return out


class Seasonal(Blend):
    """The default plus ``sw`` x a same-time-of-year (von Mises) weighted count,
    or times a per-cell weekday factor shrunk to 1 with strength ``wdk``."""

    def __init__(
        self, grid: Grid, *, kappa: float = 1.0, sw: float = 0.3, wdk: float = 0.0
    ) -> None:
        super().__init__(grid)
        self.kappa = kappa
        self.sw = sw
        self.wdk = wdk

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        out = super()._predict(past, t0, horizon_days).copy()
        n = self.grid.n_cells
        age = t0 - past.t
        w = np.exp(-np.log(2.0) * age / 365.0)
        if self.sw > 0:
            phase = np.cos(2 * np.pi * (age + 0.5 * horizon_days) / 365.25) - 1
            s = np.bincount(
                past.cell, weights=w * np.exp(self.kappa * phase), minlength=n
            )
            out += self.sw * s / max(s.sum(), 1e-12)
        if self.wdk > 0:
            same = np.floor(past.t - t0 + 0.5) % 7 == 0
            m = np.bincount(past.cell[same], weights=w[same], minlength=n)
            tot = np.bincount(past.cell, weights=w, minlength=n)
            p = m.sum() / max(tot.sum(), 1e-12)
            f = (m + self.wdk * p) / (tot * p + self.wdk * p)
            out *= np.where(tot > 0, f, 1.0)
        return out


class GBMPoisson(Forecaster):
    """Gradient-boosted Poisson regression over cell-days, refitted per forecast.

    Rows: the cells with any history x ``n_days`` training days (``step`` days
    apart before the forecast day); features: counts of the last 7/30/90/365 days,
    the decayed count, its Gaussian neighbourhood, the same-weekday decayed count.
    """

    def __init__(
        self, grid: Grid, *, n_days: int = 20, step: int = 7, iters: int = 60
    ) -> None:
        super().__init__(grid)
        self.n_days = n_days
        self.step = step
        self.iters = iters

    def _features(self, past: Events, t0: float, cells: np.ndarray) -> np.ndarray:
        n = self.grid.n_cells
        age = t0 - past.t
        cols = [
            np.bincount(past.cell[age < win], minlength=n)[cells] / win
            for win in (7, 30, 90, 365)
        ]
        w = np.exp(-np.log(2) * age / 365)
        dec = np.bincount(past.cell, weights=w, minlength=n)
        norm = 1000 / max(w.sum(), 1e-9)
        sm = ndimage.gaussian_filter(
            dec.reshape(self.grid.shape), 1.0, mode="constant", truncate=3.0
        ).ravel()
        same = np.floor(past.t - t0 + 0.5) % 7 == 0
        wd = np.bincount(past.cell[same], weights=w[same], minlength=n)
        cols += [dec[cells] * norm, sm[cells] * norm, wd[cells] * norm]
        return np.column_stack(cols)

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        from sklearn.ensemble import HistGradientBoostingRegressor

        n = self.grid.n_cells
        cells = np.unique(past.cell)
        xs, ys = [], []
        for j in range(1, self.n_days + 1):
            d = t0 - j * self.step
            p = past.before(d)
            if len(p) == 0:
                continue
            ys.append(np.bincount(past.between(d, d + 1).cell, minlength=n)[cells])
            xs.append(self._features(p, d, cells))
        base = Blend(self.grid)._predict(past, t0, horizon_days)
        if not xs:
            return base
        model = HistGradientBoostingRegressor(
            loss="poisson", max_iter=self.iters, max_leaf_nodes=15, early_stopping=False
        )
        model.fit(np.vstack(xs), np.concatenate(ys))
        out = base * 1e-6
        out[cells] += model.predict(self._features(past, t0, cells))
        return out


def _decayed_count(
    grid: Grid, events: Events, t0: float, half_life_days: float | None
) -> np.ndarray:
    """Events per cell at ``t0`` (days), each weighted ``2 ** (-age / half-life)``."""
    age = t0 - events.t
    w = np.ones_like(age) if half_life_days is None else np.exp2(-age / half_life_days)
    return np.bincount(events.cell, weights=w, minlength=grid.n_cells)


def _density(values: np.ndarray) -> np.ndarray:
    return values / max(float(values.sum()), 1e-12)


class StackedMore(_FormerStack):
    """The default stack with further count maps of other half-lives (``None``:
    the flat count), weighted with the rest by the same cross-validation in time."""

    def __init__(
        self, grid: Grid, *, extra_half_lives: tuple[float | None, ...], **kw: Any
    ) -> None:
        super().__init__(grid, **{**_NO_RECENT, **kw})
        self.extra_half_lives = extra_half_lives

    def maps(self, events: Events, t0: float, **_: Any) -> np.ndarray:
        rows = [super().maps(events, t0)]
        for h in self.extra_half_lives:
            rows.append(_density(_decayed_count(self.grid, events, t0, h))[None, :])
        return np.vstack(rows)

    def _held_out_blocks(
        self, ev: Events, t0: float, **_: Any
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The stack's time blocks, each scored under every map of the others
        (the stack's own scores its count maps only since its speed-up: with the
        further maps the weights were one short and the forecast failed)."""
        assert self.folds is not None
        if len(ev) == 0:
            return None
        edges = np.linspace(float(ev.t[0]), t0, self.folds + 1)
        block = np.clip(
            np.searchsorted(edges, ev.t, side="right") - 1, 0, self.folds - 1
        )
        maps, counts = [], []
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

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        w = super().fit_weights(events, t0)
        if w.size < len(self.sigmas_cells) + 2 + len(self.extra_half_lives):
            w = np.append(w, np.zeros(len(self.extra_half_lives)))  # the count alone
        return w


class StackPlus(StackedMore):
    """The default stack with further count maps of other half-lives (learnt weights),
    its weights fitted on ``folds`` rolling hold-outs (each fold's maps built at the
    fold's start) and/or on hold-out events weighted ``2 ** (-(t - start) /
    holdout_half_life_days)`` (the near future of each fold weighing more: the
    weights are used one day ahead, the hold-out spans 90)."""

    def __init__(
        self,
        grid: Grid,
        *,
        extra_half_lives: tuple[float | None, ...] = (),
        folds: int = 1,
        holdout_half_life_days: float | None = None,
    ) -> None:
        super().__init__(
            grid, extra_half_lives=extra_half_lives, folds=None, **_NO_RECENT
        )
        self.rolling_folds = folds
        self.holdout_half_life_days = holdout_half_life_days

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        ev = events
        k = len(self.sigmas_cells) + 2 + len(self.extra_half_lives)
        step = self.holdout_days / self.rolling_folds
        maps, counts = [], []
        for j in range(self.rolling_folds):
            start = t0 - self.holdout_days + j * step
            earlier = ev.before(start)
            held = ev.between(start, start + step)
            if not len(earlier) or not len(held):
                continue
            w = (
                np.ones(len(held))
                if self.holdout_half_life_days is None
                else np.exp2(-(held.t - start) / self.holdout_half_life_days)
            )
            maps.append(self.maps(earlier, start))
            counts.append(
                np.bincount(held.cell, weights=w, minlength=self.grid.n_cells)
            )
        if not maps:
            alone = np.zeros(k)
            alone[0] = 1.0
            return alone
        return mixture_weights(np.hstack(maps) / len(maps), np.concatenate(counts))


class SameWeekday(_FormerStack):
    """The default stack plus a further map: the decayed count of the events on the
    forecast day's weekday (the weekday of each scored event when the weights are
    cross-validated)."""

    def __init__(self, grid: Grid, **kw: Any) -> None:
        super().__init__(grid, **{**_NO_RECENT, **kw})

    def _weekday_maps(self, events: Events, t0: float) -> np.ndarray:
        weekday = np.floor(events.t).astype(np.int64) % 7
        return np.vstack(
            [
                _density(
                    _decayed_count(
                        self.grid,
                        Events(
                            events.cell[weekday == k],
                            events.t[weekday == k],
                            events.x[weekday == k],
                            events.y[weekday == k],
                        ),
                        t0,
                        self.half_life_days,
                    )
                )
                for k in range(7)
            ]
        )

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        ev = events
        edges = np.linspace(float(ev.t[0]) if len(ev) else t0, t0, 6)
        block = np.clip(np.searchsorted(edges, ev.t, side="right") - 1, 0, 4)
        weekday = np.floor(ev.t).astype(np.int64) % 7
        maps, counts = [], []
        for b in np.unique(block):
            inside = block == b
            if inside.all():
                break
            rest = Events(ev.cell[~inside], ev.t[~inside], ev.x[~inside], ev.y[~inside])
            base, by_day = self.maps(rest, t0), self._weekday_maps(rest, t0)
            for k in range(7):
                n = np.bincount(
                    ev.cell[inside & (weekday == k)], minlength=self.grid.n_cells
                )
                seen = n > 0
                maps.append(np.vstack([base[:, seen], by_day[k][seen]]))
                counts.append(n[seen].astype(float))
        if not maps:
            alone = np.zeros(len(self.sigmas_cells) + 3)
            alone[0] = 1.0
            return alone
        return mixture_weights(np.hstack(maps), np.concatenate(counts))

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        self.weights_ = self.fit_weights(past, t0)
        day = self._weekday_maps(past, t0)[int(np.floor(t0)) % 7]
        return np.asarray(self.weights_ @ np.vstack([self.maps(past, t0), day]))


class EmpiricalBayes(_FormerStack):
    """Poisson-gamma shrinkage of each cell's decayed count towards its neighbourhood.

    Prior: the cell's expected count is Gamma with mean ``N m_c`` (``N`` the
    decayed total, ``m`` the likelihood-weighted mixture of the leave-own-cell-out
    Gaussian smoothings and the uniform map) and shape ``a``; posterior mean
    ``r_c = N m_c (n_c + a) / (N m_c + a)`` (Clayton & Kaldor 1987): a cell in a
    busy neighbourhood keeps its own count, a lone count in a quiet one is pulled
    down. ``a`` by the hold-out's Poisson likelihood (``shape="holdout"``) or by the
    negative-binomial marginal likelihood of the counts (``shape="marginal"``).
    """

    def __init__(self, grid: Grid, *, shape: str = "holdout") -> None:
        super().__init__(grid, **_NO_RECENT)
        self.shape_by = shape
        self.prior_weights_: np.ndarray | None = None
        self.a_: float = 1.0

    def _parts(self, events: Events, t0: float) -> tuple[np.ndarray, np.ndarray]:
        """(decayed counts, leave-own-out neighbourhood densities + uniform)."""
        n = _decayed_count(self.grid, events, t0, self.half_life_days)
        base = n.reshape(self.grid.shape)
        rows = []
        for sigma in self.sigmas_cells:
            r = int(3.0 * sigma + 0.5) + 1  # the filter's radius and one more
            impulse = np.zeros((2 * r + 1, 2 * r + 1))
            impulse[r, r] = 1.0
            own = ndimage.gaussian_filter(impulse, sigma, mode="constant", truncate=3.0)
            sm = ndimage.gaussian_filter(base, sigma, mode="constant", truncate=3.0)
            rows.append(_density(np.clip(sm.ravel() - own[r, r] * n, 0.0, None)))
        rows.append(np.full(self.grid.n_cells, 1.0 / self.grid.n_cells))
        return n, np.vstack(rows)

    @staticmethod
    def _posterior(n: np.ndarray, prior: np.ndarray, a: float) -> np.ndarray:
        mean = n.sum() * prior
        return mean * (n + a) / (mean + a)

    def _learn(self, ev: Events, t0: float) -> None:
        from scipy import optimize as opt
        from scipy.special import gammaln, xlogy

        cut = t0 - self.holdout_days
        earlier, held = ev.before(cut), ev.between(cut, t0)
        if not len(earlier) or not len(held):
            self.prior_weights_ = np.eye(len(self.sigmas_cells) + 1)[-1]
            return
        y = np.bincount(held.cell, minlength=self.grid.n_cells).astype(float)
        n, nb = self._parts(earlier, cut)
        self.prior_weights_ = mixture_weights(nb, y)
        prior = self.prior_weights_ @ nb
        seen = y > 0

        if self.shape_by == "holdout":

            def loss(log_a: float) -> float:
                r = self._posterior(n, prior, float(np.exp(log_a)))
                return -float(y[seen] @ np.log(r[seen] / r.sum()))
        else:
            mean = n.sum() * prior

            def loss(log_a: float) -> float:
                a = float(np.exp(log_a))
                return -float(
                    np.sum(
                        gammaln(n + a)
                        - gammaln(a)
                        + a * np.log(a / (a + mean))
                        + xlogy(n, mean / (a + mean))
                    )
                )

        found = opt.minimize_scalar(loss, bounds=(-5.0, 7.0), method="bounded")
        self.a_ = float(np.exp(found.x))

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        self._learn(past, t0)
        n, nb = self._parts(past, t0)
        assert self.prior_weights_ is not None
        return self._posterior(n, self.prior_weights_ @ nb, self.a_)


class GeometricPool(StackPlus):
    """Log-linear pooling of the stack's count and smoothed maps (a product of
    experts): ``r_c ∝ prod_k (f_kc + 1 / n_cells) ** w_k``, ``w >= 0`` by the
    Poisson (multinomial) likelihood of the hold-out (concave: a log-linear model;
    Genest & Zidek 1986 on logarithmic opinion pools)."""

    def _log_maps(self, events: Events, t0: float) -> np.ndarray:
        m = np.delete(self.maps(events, t0), len(self.sigmas_cells) + 1, axis=0)
        return np.log(m + 1.0 / self.grid.n_cells)

    def _predict(self, past: Events, t0: float, horizon_days: float) -> np.ndarray:
        from scipy import optimize as opt

        cut = t0 - self.holdout_days
        earlier, held = past.before(cut), past.between(cut, t0)
        logs = self._log_maps(past, t0)
        if not len(earlier) or not len(held):
            return np.exp(logs[0])
        y = np.bincount(held.cell, minlength=self.grid.n_cells).astype(float)
        y /= y.sum()
        lm = self._log_maps(earlier, cut)

        def negative(w: np.ndarray) -> tuple[float, np.ndarray]:
            eta = w @ lm
            top = eta.max()
            p = np.exp(eta - top)
            z = p.sum()
            p /= z
            value = float(y @ eta) - (top + float(np.log(z)))
            return -value, -(lm @ y - lm @ p)

        k = lm.shape[0]
        w0 = np.zeros(k)
        w0[0] = 1.0
        found = opt.minimize(
            negative, w0, jac=True, method="L-BFGS-B", bounds=[(0.0, None)] * k
        )
        self.weights_ = np.asarray(found.x)
        eta = self.weights_ @ logs
        return np.exp(eta - eta.max())


class TowardCount(_FormerStack):
    """The stack with its learnt weights moved ``lam`` of the way towards the count
    map alone: ``(1 - lam) w + lam e0`` (more weight on each cell's own record)."""

    def __init__(self, grid: Grid, lam: float = 0.25, **kw: Any) -> None:
        super().__init__(grid, **{**_NO_RECENT, **kw})
        self.lam = lam

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        w = super().fit_weights(events, t0)
        own = np.zeros_like(w)
        own[0] = 1.0
        return (1.0 - self.lam) * w + self.lam * own


def _ash_spread(fx: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray]:
    """One axis of an average shifted histogram (Scott 1985, *Ann. Statist.* 13):
    the share of each event (at ``fx`` cells from the grid's edge) that falls in its
    own cell's column and the ones either side, offsets ``-1, 0, 1``.

    The histograms of bin one cell shifted by ``0, 1/m, ..., (m-1)/m`` of a cell,
    averaged, give the counts of the ``1/m`` fine bins smoothed by the triangle
    weights ``1 - |i|/m`` (``|i| < m``; Scott's form); summed over the ``m`` fine
    bins of each evaluation cell, an event in fine bin ``u`` of its cell adds
    ``sum_{i} (1 - |i|/m) / m`` over the fine bins ``u + i`` in each cell."""
    u = np.clip(np.floor((fx - np.floor(fx)) * m).astype(np.int64), 0, m - 1)
    table = np.zeros((m, 3))
    for uu in range(m):
        for i in range(-(m - 1), m):
            table[uu, (uu + i) // m + 1] += (1.0 - abs(i) / m) / m
    return np.tile(np.arange(-1, 2), (fx.size, 1)), table[u]


def _gauss_spread(fx: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """One axis of a Gaussian kernel of ``sigma`` cells at the event's exact place
    (``fx`` cells from the grid's edge), integrated over its own cell and two
    either side: ``Phi((k + 1 - fx) / sigma) - Phi((k - fx) / sigma)``."""
    from scipy.special import ndtr

    offsets = np.arange(-2, 3)
    edges = np.floor(fx)[:, None] + np.arange(-2, 4)[None, :]
    cdf = ndtr((edges - fx[:, None]) / sigma)
    return np.tile(offsets, (fx.size, 1)), np.diff(cdf, axis=1)


class StackedSubCell(_FormerStack):
    """The default stack plus one further map read from the events' exact places,
    not their cells: an average shifted histogram (``kind="ash"``, ``m`` shifts per
    axis) or a Gaussian kernel of ``sigma`` cells integrated over each cell
    (``kind="gauss"``), decayed as the count; weighted with the other maps by the
    same cross-validation and one-day-ahead recent weight (issue 16: events 2 m
    from a border counted wholly in one cell)."""

    def __init__(self, grid: Grid, *, kind: str, param: float, **kw: Any) -> None:
        super().__init__(grid, **kw)
        self.kind = kind
        self.param = param

    def _spread(self, events: Events) -> tuple[np.ndarray, np.ndarray]:
        """Each event's cells (n x k flat indices) and its share of weight in each
        (outside the grid: cell 0, share 0)."""
        ny, nx = self.grid.shape
        s = self.grid.cell_size_m
        fx = (events.x - self.grid.origin_xy[0]) / s
        fy = (events.y - self.grid.origin_xy[1]) / s
        if self.kind == "ash":
            (ox, wx), (oy, wy) = (
                _ash_spread(fx, int(self.param)),
                _ash_spread(fy, int(self.param)),
            )
        else:
            (ox, wx), (oy, wy) = (
                _gauss_spread(fx, self.param),
                _gauss_spread(fy, self.param),
            )
        col = events.cell % nx
        row = events.cell // nx
        cx = col[:, None] + ox
        cy = row[:, None] + oy
        cells = cy[:, :, None] * nx + cx[:, None, :]
        share = wy[:, :, None] * wx[:, None, :]
        inside = ((cx >= 0) & (cx < nx))[:, None, :] & ((cy >= 0) & (cy < ny))[
            :, :, None
        ]
        shape = (events.cell.size, cells.shape[1] * cells.shape[2])
        return (
            np.where(inside, cells, 0).reshape(shape),
            np.where(inside, share, 0.0).reshape(shape),
        )

    def _extra(self, cells: np.ndarray, share: np.ndarray, w: np.ndarray) -> np.ndarray:
        """The decayed sub-cell count of the events given (rows of ``_spread``)."""
        return np.bincount(
            cells.ravel(),
            weights=(share * w[:, None]).ravel(),
            minlength=self.grid.n_cells,
        )

    def maps(self, events: Events, t0: float, **_: Any) -> np.ndarray:
        cells, share = self._spread(events)
        extra = self._extra(cells, share, self._event_weights(events, t0))
        return np.vstack([super().maps(events, t0), _density(extra)[None, :]])

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        scored = self._held_out_blocks(events, t0)
        if scored is None:
            alone = np.zeros(len(self.sigmas_cells) + 3)
            alone[0] = 1.0
            return alone
        return mixture_weights(*scored)

    def _held_out_blocks(
        self, ev: Events, t0: float, **_: Any
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """As the stack's, with the sub-cell map of every other block."""
        assert self.folds is not None
        if len(ev) == 0:
            return None
        edges = np.linspace(float(ev.t[0]), t0, self.folds + 1)
        block = np.clip(
            np.searchsorted(edges, ev.t, side="right") - 1, 0, self.folds - 1
        )
        cells, share = self._spread(ev)
        weight = self._event_weights(ev, t0)
        maps, counts = [], []
        for b in np.unique(block):
            inside = block == b
            if inside.all():
                return None
            rest = ~inside
            n = np.bincount(ev.cell[inside], minlength=self.grid.n_cells)
            seen = n > 0
            base = self._maps_of(self._count_of(ev.cell[rest], weight[rest]))
            extra = _density(self._extra(cells[rest], share[rest], weight[rest]))
            maps.append(np.vstack([base, extra[None, :]])[:, seen])
            counts.append(n[seen].astype(np.float64))
        return np.hstack(maps), np.concatenate(counts)

    def fit_recent_weight(
        self, events: Events, t0: float, weights: np.ndarray
    ) -> float:
        """As the stack's, the stack of each of the last days holding its sub-cell
        map too (events weighted from ``t0``: the map is a density, so the common
        factor to the day's own ages cancels)."""
        if self.recent_half_life_days is None:
            return 0.0
        start = float(np.floor(t0))
        younger = (
            1.0 if self.half_life_days is None else 2.0 ** (1 / self.half_life_days)
        )
        before = events.before(start)
        count = self._decayed_count(before, start)
        cells, share = self._spread(before)
        w0 = self._event_weights(before, t0)
        extra = self._extra(cells, share, w0)
        stack_cols, recent_cols, counts = [], [], []
        maps = np.zeros((len(self.sigmas_cells) + 2, self.grid.n_cells))
        for back in range(1, self.ahead_days + 1):
            day = start - back
            held = events.between(day, day + 1.0)
            count = np.maximum(count - self._decayed_count(held, day + 1.0), 0.0)
            count *= younger
            hc, hs = self._spread(held)
            extra = np.maximum(
                extra - self._extra(hc, hs, self._event_weights(held, t0)), 0.0
            )
            if not (len(held) and np.searchsorted(events.t, day) > 0):
                continue
            n = np.bincount(held.cell, minlength=self.grid.n_cells)
            seen = n > 0
            mix = weights[:-1] @ self._maps_of(count, weights[:-1], maps)
            mix += weights[-1] * _density(extra)
            stack_cols.append(mix[seen])
            recent_cols.append(self.recent_map(events.before(day), day)[seen])
            counts.append(n[seen].astype(np.float64))
        if not counts:
            return 0.0
        both = np.vstack([np.concatenate(stack_cols), np.concatenate(recent_cols)])
        return float(mixture_weights(both, np.concatenate(counts))[1])


def _weights_to_optimum(
    maps: np.ndarray, counts: np.ndarray, *, tolerance: float = 1e-10
) -> np.ndarray:
    """:func:`mixture_weights` searched again where L-BFGS-B stops short: its line
    search can step to weights whose mixture is 0 at a scored cell (no weight on
    the uniform map), the gradient there is ~1e291 and it ends "ABNORMAL" far from
    the maximum (2019-09-01: log-likelihood -8.696 a held-out event against EM's
    -8.598). Restarted from halfway between its stop and the uniform weights, up
    to ten times, it reaches EM's optimum."""
    from scipy import optimize as opt

    k = maps.shape[0]
    seen = counts > 0
    total = float(counts[seen].sum())
    if total <= 0:
        return np.full(k, 1.0 / k)
    f = np.ascontiguousarray(maps[:, seen], dtype=np.float64)
    y = counts[seen] / total

    def negative(w: np.ndarray) -> tuple[float, np.ndarray]:
        mix = np.maximum(w @ f, 1e-300)
        return -(float(y @ np.log(mix)) - float(w.sum())), -(f @ (y / mix) - 1.0)

    start = np.full(k, 1.0 / k)
    for _ in range(11):
        found = opt.minimize(
            negative,
            start,
            jac=True,
            method="L-BFGS-B",
            bounds=[(0.0, None)] * k,
            options={"ftol": tolerance, "gtol": tolerance, "maxiter": 500},
        )
        w = np.clip(np.asarray(found.x, dtype=np.float64), 0.0, None)
        w /= max(float(w.sum()), 1e-300)
        if found.success:
            break
        start = 0.5 * w + 0.5 / k
    return w


class StackedToOptimum(_FormerStack):
    """The default with its weights (and the recent map's) at the likelihood's
    maximum where L-BFGS-B stops short (:func:`_weights_to_optimum`)."""

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        with _optimum_weights():
            return super().fit_weights(events, t0)

    def fit_recent_weight(
        self, events: Events, t0: float, weights: np.ndarray
    ) -> float:
        with _optimum_weights():
            return super().fit_recent_weight(events, t0, weights)


class _optimum_weights:  # noqa: N801 (a context manager used as a statement)
    """The stack's module reads :func:`_weights_to_optimum` for its weights inside."""

    def __enter__(self) -> None:
        from avert.analyse.forecast import _stack

        self.kept = _stack.mixture_weights
        _stack.mixture_weights = _weights_to_optimum  # type: ignore[assignment]

    def __exit__(self, *exc: object) -> None:
        from avert.analyse.forecast import _stack

        _stack.mixture_weights = self.kept


def _fold_maps(
    model: Stacked, ev: Events, t0: float
) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """The stack's time blocks (as :meth:`Stacked._held_out_blocks` cuts them): for
    each, the maps at ``t0`` of every other block over the whole grid and the
    block's own events per cell; None without two blocks."""
    assert model.folds is not None
    if len(ev) == 0:
        return None
    edges = np.linspace(float(ev.t[0]), t0, model.folds + 1)
    block = np.clip(np.searchsorted(edges, ev.t, side="right") - 1, 0, model.folds - 1)
    weight = model._event_weights(ev, t0)
    out = []
    for b in np.unique(block):
        inside = block == b
        if inside.all():
            return None
        rest = ~inside
        held = np.bincount(ev.cell[inside], minlength=model.grid.n_cells)
        maps = model._maps_of(model._count_of(ev.cell[rest], weight[rest]))
        out.append((maps, held.astype(np.float64)))
    return out


def _likelihood_weights(folds: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The stack's own weights from the blocks (:func:`mixture_weights`)."""
    seen = [held > 0 for _, held in folds]
    return mixture_weights(
        np.hstack([m[:, s] for (m, _), s in zip(folds, seen, strict=True)]),
        np.concatenate([h[s] for (_, h), s in zip(folds, seen, strict=True)]),
    )


class StackedCaptureTowardCount(_FormerStack):
    """The default stack with its likelihood weights ``w`` moved along one line,
    ``lam`` of the way towards the count map alone (``lam > 0``) or away from it,
    towards ``w``'s smoothings and floor (``lam < 0``), ``lam`` chosen per forecast
    by the held-out *capture* the ranking is judged on, not by the likelihood: in the
    stack's own five time blocks, the events of each block that fall in the top 1 %
    and top 5 % (``tops``) of the cells with any event in the history, ranked by the
    other blocks' maps; ties go to the smallest ``|lam|``. (issue 16: the stack's
    likelihood scores every cell, the plan only the top ones; ``TowardCount``'s
    fixed ``lam`` traded 1 % against 5 %, here the trade is measured per forecast.)
    """

    LAMS: ClassVar[tuple[float, ...]] = (-0.4, -0.2, 0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)

    def __init__(
        self, grid: Grid, *, tops: tuple[float, ...] = (0.01, 0.05), **kw: Any
    ) -> None:
        super().__init__(grid, **kw)
        self.tops = tops
        self.lam_: float = 0.0

    @staticmethod
    def _along(w: np.ndarray, lam: float) -> np.ndarray:
        own = np.zeros_like(w)
        own[0] = 1.0
        if lam >= 0:
            return (1.0 - lam) * w + lam * own
        rest = w * (1.0 - own)
        if rest.sum() <= 0:
            return w
        return (1.0 + lam) * w - lam * rest / rest.sum()

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        from avert.analyse.forecast import select_top

        ev = events if self.window_days is None else events.before(t0, self.window_days)
        folds = _fold_maps(self, ev, t0)
        if folds is None:
            return super().fit_weights(events, t0)
        w = _likelihood_weights(folds)
        history = np.unique(ev.cell)
        ks = [int(np.floor(history.size * c + 1e-9)) for c in self.tops]
        order = sorted(self.LAMS, key=abs)  # ties: the smallest move wins
        best, best_hits = 0.0, -1.0
        for lam in order:
            wl = self._along(w, lam)
            hits = 0.0
            for maps, held in folds:
                risk = wl @ maps + 1e-9 * maps[0]  # the stack's tie-break
                hits += sum(float(held[select_top(risk, k, history)].sum()) for k in ks)
            if hits > best_hits:
                best, best_hits = lam, hits
        self.lam_ = best
        return self._along(w, best)


class StackedTopConditional(_FormerStack):
    """The default stack with its weights by a likelihood of the top cells only: in
    each of the stack's time blocks, the cells ``S`` of the top ``top`` (10 %) of
    the other blocks' cells with any event, ranked by their decayed count, and the
    block's events there scored by the conditional multinomial ``w . f_c / w . F_S``
    (``F_S`` each map's mass in ``S``), summed over blocks and maximised over the
    simplex (softmax weights, L-BFGS from the stack's own weights). Cells outside
    ``S`` never enter the fit, so the weights answer "which of the likely cells"
    (the plan's question), not "how much mass where nothing happens". The
    conditional (partial) likelihood of the events given their set is Cox's (1975,
    *Biometrika* 62) device for scoring an ordering without modelling the rest; the
    weights learnt are applied to the whole map."""

    def __init__(self, grid: Grid, *, top: float = 0.10, **kw: Any) -> None:
        super().__init__(grid, **kw)
        self.top = top

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        from scipy import optimize as opt

        from avert.analyse.forecast import select_top

        ev = events if self.window_days is None else events.before(t0, self.window_days)
        folds = _fold_maps(self, ev, t0)
        if folds is None:
            return super().fit_weights(events, t0)
        w0 = _likelihood_weights(folds)
        parts = []
        for maps, held in folds:
            had = np.flatnonzero(maps[0] > 0)
            top = select_top(maps[0], int(np.ceil(had.size * self.top)), had)
            y = held[top]
            seen = y > 0
            parts.append((maps[:, top][:, seen], y[seen], maps[:, top].sum(axis=1)))
        total = sum(float(y.sum()) for _, y, _ in parts)
        if total <= 0:
            return w0

        def negative(theta: np.ndarray) -> tuple[float, np.ndarray]:
            e = np.exp(theta - theta.max())
            w = e / e.sum()
            value = 0.0
            grad = np.zeros_like(w)
            for f, y, mass in parts:
                mix = np.maximum(w @ f, 1e-300)
                inside = float(w @ mass)
                value += float(y @ np.log(mix)) - float(y.sum()) * np.log(inside)
                grad += f @ (y / mix) - float(y.sum()) * mass / inside
            value /= total
            grad /= total
            return -value, -(w * (grad - float(w @ grad)))

        found = opt.minimize(
            negative,
            np.log(w0 + 1e-3),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 200},
        )
        e = np.exp(found.x - found.x.max())
        return np.asarray(e / e.sum(), dtype=np.float64)


def _soft_capture(
    theta: np.ndarray, parts: list[tuple[np.ndarray, np.ndarray, int]], temp: float
) -> tuple[float, np.ndarray]:
    """Minus the smoothed top-``k`` capture of ``parts`` (maps over the basis,
    events per cell, ``k``) under the weights ``softmax(theta)``, and its gradient:
    a cell counts ``sigma((log r_c - tau) / temp)``, ``tau`` solved so that the
    cells' shares sum to ``k`` (a soft top-``k``), its change with the weights by
    implicit differentiation."""
    e = np.exp(theta - theta.max())
    w = e / e.sum()
    value, grad = 0.0, np.zeros_like(w)
    for f, y, k in parts:
        mix = np.maximum(w @ f, 1e-300)
        score = np.log(mix)
        tau = float(np.partition(score, score.size - k)[score.size - k])
        for _ in range(30):  # Newton on sum sigma((score - tau) / temp) = k
            sig = 0.5 * (1.0 + np.tanh(0.5 * (score - tau) / temp))
            slope = float((sig * (1.0 - sig)).sum()) / temp
            step = (float(sig.sum()) - k) / max(slope, 1e-12)
            tau += step
            if abs(step) < 1e-9:
                break
        sig = 0.5 * (1.0 + np.tanh(0.5 * (score - tau) / temp))
        d = sig * (1.0 - sig) / temp
        ds = f / mix  # d score_c / d w_k, one row per map
        dtau = (ds @ d) / max(float(d.sum()), 1e-300)
        value += float(y @ sig)
        grad += ds @ (y * d) - float(y @ d) * dtau
    return -value, -(w * (grad - float(w @ grad)))


class StackedSoftCapture(_FormerStack):
    """The default stack with all its weights chosen for the top: they maximise a
    smooth surrogate of how many of each time block's events the other blocks'
    maps put in the top 1 % and 5 % (``tops``) of the history's cells (a cell in
    the top counts ``sigma((log r_c - tau) / temp)``, the threshold ``tau`` such
    that the shares sum to the cells kept: a sigmoid relaxation of top-``k``
    selection, as in smoothed precision-at-``k`` learning to rank, Qin, Liu & Li
    2010, *Information Retrieval* 13), from the likelihood's weights (L-BFGS over
    softmax weights)."""

    def __init__(
        self,
        grid: Grid,
        *,
        tops: tuple[float, ...] = (0.01, 0.05),
        temp: float = 0.1,
        **kw: Any,
    ) -> None:
        super().__init__(grid, **kw)
        self.tops = tops
        self.temp = temp

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        from scipy import optimize as opt

        ev = events if self.window_days is None else events.before(t0, self.window_days)
        folds = _fold_maps(self, ev, t0)
        if folds is None:
            return super().fit_weights(events, t0)
        w0 = _likelihood_weights(folds)
        history = np.unique(ev.cell)
        total = sum(float(held[history].sum()) for _, held in folds)
        parts = [
            (maps[:, history], held[history] / max(total, 1.0), k)
            for maps, held in folds
            for k in (int(np.floor(history.size * c + 1e-9)) for c in self.tops)
            if 0 < k < history.size
        ]
        if not parts:
            return w0
        found = opt.minimize(
            _soft_capture,
            np.log(w0 + 1e-3),
            args=(parts, self.temp),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 50},
        )
        e = np.exp(found.x - found.x.max())
        return np.asarray(e / e.sum(), dtype=np.float64)


def _group_firsts(events: Events, unit_days: float) -> np.ndarray:
    """The index of the first event of each distinct (cell, ``unit_days`` period)
    among ``events`` (time-sorted): one per cell-day (``1.0``) or cell-hour
    (``1 / 24``), however many offences the period holds in the cell."""
    period = np.floor(events.t / unit_days + 1e-6).astype(np.int64)
    key = events.cell * (int(period.max(initial=0)) + 1) + period
    return np.unique(key, return_index=True)[1]


class StackedDistinct(_FormerStack):
    """The default stack whose long-memory count (and so its smoothings) counts each
    distinct (cell, day) or (cell, hour) once, at the age of its first event: an
    incident of several offences (Toronto's rows are offences, several victims of
    one assault each a row) or several events in one place and hour add one to
    the cell, not one each (issue 16: a cell inflated by one burst repeats less
    than one with events on many days). The events scored by the cross-validation
    and one day ahead are every event, as the hit rate counts them; the recent map
    is the default's. Only ``x``, ``y`` and the time are used, as ``forecast_grid``
    has no incident id."""

    def __init__(self, grid: Grid, *, unit_days: float = 1.0, **kw: Any) -> None:
        super().__init__(grid, **kw)
        self.unit_days = unit_days

    def _event_weights(self, events: Events, t0: float) -> np.ndarray:
        weights = super()._event_weights(events, t0)
        first = np.zeros(weights.size, dtype=bool)
        first[_group_firsts(events, self.unit_days)] = True
        return np.where(first, weights, 0.0)


def _distinct_map(
    events: Events, t0: float, grid: Grid, unit_days: float
) -> np.ndarray:
    """The one-year half-life count of distinct (cell, ``unit_days`` period)s, each
    at the age of its first event, as a density."""
    first = _group_firsts(events, unit_days)
    return _density(
        _decayed_count(
            grid,
            Events(
                events.cell[first], events.t[first], events.x[first], events.y[first]
            ),
            t0,
            365.0,
        )
    )


def _adaptive_map(
    count: np.ndarray, grid: Grid, h0_cells: float, alpha: float = 0.5
) -> np.ndarray:
    """An adaptive-bandwidth kernel estimate of a count per cell, as a density:
    each cell's count smoothed by a Gaussian of ``h0 (pilot_c / g) ** -alpha``
    cells, ``pilot`` the count smoothed by ``h0`` and ``g`` the geometric mean of
    the pilot over the events (Abramson 1982, *Annals of Statistics* 10, the
    square-root law ``alpha = 1/2``; Silverman 1986, 5.3): narrow where events are
    dense, so a hotspot's peak stays sharp, wide where they are sparse. Binned:
    each cell's count is split between the two bandwidths of the ladder 0.25 x 2**k
    cells (k = 0..5) around its own, linearly in log bandwidth, and each rung
    smoothed once."""
    levels = 0.25 * 2.0 ** np.arange(6)
    has = np.flatnonzero(count > 0)
    if has.size == 0:
        return np.zeros(grid.n_cells)
    pilot = smooth_near(count.reshape(grid.shape), h0_cells).ravel()[has]
    pilot = np.maximum(pilot, 1e-300)
    log_g = float(count[has] @ np.log(pilot)) / float(count[has].sum())
    sigma = h0_cells * np.exp(-alpha * (np.log(pilot) - log_g))
    pos = np.clip(np.log2(sigma / levels[0]), 0.0, levels.size - 1.0)
    lo = np.minimum(np.floor(pos).astype(np.int64), levels.size - 2)
    frac = pos - lo
    out = np.zeros(grid.n_cells)
    for k, level in enumerate(levels):
        part = np.zeros(grid.n_cells)
        part[has] = count[has] * (
            np.where(lo == k, 1.0 - frac, 0.0) + np.where(lo + 1 == k, frac, 0.0)
        )
        if part.any():
            out += smooth_near(part.reshape(grid.shape), float(level)).ravel()
    return _density(out)


class StackedExtra(_FormerStack):
    """The default stack (its recent map included) plus further maps, each built
    from the events given at the forecast time, weighted with the others by the
    same cross-validation in time, and inside the stack whose recent weight is
    learnt one day ahead. ``extras``: ``("distinct", unit_days)``, the one-year
    count of distinct cell-days or cell-hours (:func:`_distinct_map`),
    ``("adaptive", h0_cells)``, an adaptive-bandwidth kernel of the one-year count
    (:func:`_adaptive_map`), or ``("count", half_life_days)``, the count of the
    events given with another half-life (``inf``: flat, every event alike)."""

    def __init__(
        self, grid: Grid, *, extras: tuple[tuple[str, float], ...], **kw: Any
    ) -> None:
        super().__init__(grid, **kw)
        self.extras = extras

    def extra_maps(self, events: Events, t0: float) -> np.ndarray:
        """The further maps at ``t0`` (days) of ``events``, one density per row."""
        rows = []
        for kind, param in self.extras:
            if kind == "distinct":
                rows.append(_distinct_map(events, t0, self.grid, param))
            elif kind == "count":
                half_life = None if np.isinf(param) else param
                count = _decayed_count(self.grid, events, t0, half_life)
                rows.append(_density(count))
            else:
                count = self._decayed_count(events, t0)
                rows.append(_adaptive_map(count, self.grid, param))
        return np.vstack(rows)

    def maps(self, events: Events, t0: float, **_: Any) -> np.ndarray:
        return np.vstack([super().maps(events, t0), self.extra_maps(events, t0)])

    def fit_weights(self, events: Events, t0: float) -> np.ndarray:
        ev = events if self.window_days is None else events.before(t0, self.window_days)
        scored = self._held_out_blocks(ev, t0)
        if scored is None:
            alone = np.zeros(len(self.sigmas_cells) + 2 + len(self.extras))
            alone[0] = 1.0
            return alone
        return mixture_weights(*scored)

    def _held_out_blocks(
        self, ev: Events, t0: float, **_: Any
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """As the stack's, with the further maps of every other block."""
        assert self.folds is not None
        if len(ev) == 0:
            return None
        edges = np.linspace(float(ev.t[0]), t0, self.folds + 1)
        block = np.clip(
            np.searchsorted(edges, ev.t, side="right") - 1, 0, self.folds - 1
        )
        maps, counts = [], []
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

    def fit_recent_weight(
        self, events: Events, t0: float, weights: np.ndarray
    ) -> float:
        """As the stack's, the stack of each of the last days holding its further
        maps too (built from the events before that day)."""
        if self.recent_half_life_days is None:
            return 0.0
        k0 = len(self.sigmas_cells) + 2
        start = float(np.floor(t0))
        younger = (
            1.0 if self.half_life_days is None else 2.0 ** (1 / self.half_life_days)
        )
        count = self._decayed_count(events.before(start), start)
        stack_cols, recent_cols, counts = [], [], []
        maps = np.zeros((k0, self.grid.n_cells))
        for back in range(1, self.ahead_days + 1):
            day = start - back
            held = events.between(day, day + 1.0)
            count = np.maximum(count - self._decayed_count(held, day + 1.0), 0.0)
            count *= younger
            if not (len(held) and np.searchsorted(events.t, day) > 0):
                continue
            n = np.bincount(held.cell, minlength=self.grid.n_cells)
            seen = n > 0
            before = events.before(day)
            mix = weights[:k0] @ self._maps_of(count, weights[:k0], maps)
            if np.any(weights[k0:] > 0):
                mix = mix + weights[k0:] @ self.extra_maps(before, day)
            stack_cols.append(mix[seen])
            recent_cols.append(self.recent_map(before, day)[seen])
            counts.append(n[seen].astype(np.float64))
        if not counts:
            return 0.0
        both = np.vstack([np.concatenate(stack_cols), np.concatenate(recent_cols)])
        return float(mixture_weights(both, np.concatenate(counts))[1])


CANDIDATES: dict[str, Callable[[Grid], Forecaster]] = {
    "default (stacked)": lambda g: Stacked(g),
    "stacked 10 folds": lambda g: Stacked(g, folds=10, **_NO_RECENT),
    "stacked + flat": lambda g: StackedMore(g, extra_half_lives=(None,)),
    "stacked + hl 730": lambda g: StackedMore(g, extra_half_lives=(730.0,)),
    "stacked + hl 180": lambda g: StackedMore(g, extra_half_lives=(180.0,)),
    "stacked half-life 730": lambda g: Stacked(g, half_life_days=730.0, **_NO_RECENT),
    "stacked flat": lambda g: Stacked(g, half_life_days=None, **_NO_RECENT),
    "stacked towards count 0.25": lambda g: TowardCount(g, lam=0.25),
    "stacked towards count 0.5": lambda g: TowardCount(g, lam=0.5),
    "stacked + same weekday": lambda g: SameWeekday(g),
    "stacked hold-out 90 days (the default until 2026-12)": lambda g: Stacked(
        g, folds=None, **_NO_RECENT
    ),
    "stacked hold-out 60 days": lambda g: Stacked(
        g, folds=None, holdout_days=60.0, **_NO_RECENT
    ),
    "stacked hold-out 120 days": lambda g: Stacked(
        g, folds=None, holdout_days=120.0, **_NO_RECENT
    ),
    "blend (the former default)": lambda g: Blend(g),
    "half-life 90": lambda g: Blend(g, half_life_days=90.0),
    "half-life 180": lambda g: Blend(g, half_life_days=180.0),
    "half-life 730": lambda g: Blend(g, half_life_days=730.0),
    "smoothing 0.05": lambda g: Blend(g, smooth_weight=0.05),
    "smoothing 0.25": lambda g: Blend(g, smooth_weight=0.25),
    "smoothing sigma 2": lambda g: Blend(g, smooth_sigma_cells=2.0),
    **{
        f"recent {w} x hl {h}": (
            lambda g, w=w, h=h: Blend(
                g, recent_weight=w, recent_half_life_days=float(h)
            )
        )
        for w in (0.1, 0.3, 1.0)
        for h in (7, 30, 90)
    },
    **{
        f"shrink alpha {a} last {s}": (
            lambda g, a=a, s=s: Shrink(g, alpha=a, short_days=float(s))
        )
        for a in (1.0, 3.0, 10.0)
        for s in (90, 180, 365)
    },
    "seasonal 0.3": lambda g: Seasonal(g, sw=0.3, kappa=1.0),
    "seasonal 1.0": lambda g: Seasonal(g, sw=1.0, kappa=1.0),
    "weekday factor 10": lambda g: Seasonal(g, sw=0.0, wdk=10.0),
    "weekday factor 30": lambda g: Seasonal(g, sw=0.0, wdk=30.0),
    "stack + hl 30": lambda g: StackPlus(g, extra_half_lives=(30.0,)),
    "stack + hl 90": lambda g: StackPlus(g, extra_half_lives=(90.0,)),
    "stack + hl 30+90": lambda g: StackPlus(g, extra_half_lives=(30.0, 90.0)),
    "stack + hl 30+90+flat": lambda g: StackPlus(
        g, extra_half_lives=(30.0, 90.0, None)
    ),
    "stack + hl 730": lambda g: StackPlus(g, extra_half_lives=(730.0,)),
    "stack 3 folds": lambda g: StackPlus(g, folds=3),
    "stack 6 folds": lambda g: StackPlus(g, folds=6),
    "stack hold-out hl 30": lambda g: StackPlus(g, holdout_half_life_days=30.0),
    "stack + hl 30+90 3 folds": lambda g: StackPlus(
        g, extra_half_lives=(30.0, 90.0), folds=3
    ),
    "stack + hl 30+90 6 folds": lambda g: StackPlus(
        g, extra_half_lives=(30.0, 90.0), folds=6
    ),
    "stack + hl 30+90 hold-out hl 30": lambda g: StackPlus(
        g, extra_half_lives=(30.0, 90.0), holdout_half_life_days=30.0
    ),
    "stacked without the recent map (the default until 2026-12-03)": lambda g: Stacked(
        g, **_NO_RECENT
    ),
    "stack + recent hl 7 (one day ahead)": lambda g: Stacked(
        g, recent_half_life_days=7.0
    ),
    "eb shrink (hold-out)": lambda g: EmpiricalBayes(g),
    "eb shrink (marginal)": lambda g: EmpiricalBayes(g, shape="marginal"),
    "geometric pool": lambda g: GeometricPool(g),
    "geometric pool + hl 30+90": lambda g: GeometricPool(
        g, extra_half_lives=(30.0, 90.0)
    ),
    "stack + ash m 2": lambda g: StackedSubCell(g, kind="ash", param=2),
    "stack + ash m 3": lambda g: StackedSubCell(g, kind="ash", param=3),
    "stack + sub-cell kde 0.25": lambda g: StackedSubCell(g, kind="gauss", param=0.25),
    "stack + sub-cell kde 0.5": lambda g: StackedSubCell(g, kind="gauss", param=0.5),
    "stacked weights to the optimum": lambda g: StackedToOptimum(g),
    "stack towards count by capture": lambda g: StackedCaptureTowardCount(g),
    "stack top-10 % conditional likelihood": lambda g: StackedTopConditional(g),
    "stack weights by soft top capture": lambda g: StackedSoftCapture(g),
    "stack on distinct cell-days": lambda g: StackedDistinct(g, unit_days=1.0),
    "stack on distinct cell-hours": lambda g: StackedDistinct(g, unit_days=1 / 24),
    "stack + distinct cell-days": lambda g: StackedExtra(
        g, extras=(("distinct", 1.0),)
    ),
    "stack + distinct cell-hours": lambda g: StackedExtra(
        g, extras=(("distinct", 1 / 24),)
    ),
    "stack + adaptive kernel h0 1": lambda g: StackedExtra(
        g, extras=(("adaptive", 1.0),)
    ),
    "stack + adaptive kernel h0 2": lambda g: StackedExtra(
        g, extras=(("adaptive", 2.0),)
    ),
    # 2026-12-07: the flat count and the 730-day count had been tried beside the
    # stack before its recent map ("stacked + flat", "stacked + hl 730"); here the
    # default as it is, recent map kept, with one of them as a further map
    "default + flat count": lambda g: StackedExtra(g, extras=(("count", np.inf),)),
    "default + hl 730 count": lambda g: StackedExtra(g, extras=(("count", 730.0),)),
}


def _score(
    factory: Callable[[Grid], Forecaster],
    data: tuple[Events, Grid, np.ndarray],
    days: list[dt.date],
    train: float | None,
) -> tuple[list[float], float]:
    ev, grid, active = data
    per_day = evaluate_days(factory, ev, grid, days, active=active, train_days=train)
    s = summarise(per_day).sort(["basis", "coverage"], descending=[True, False])
    return [float(v) for v in s["hit_rate"]], float(
        per_day["fit_predict_cpu_s"].median()
    )


def headroom(data: tuple[Events, Grid, np.ndarray]) -> None:
    """Print how much an exact rate could gain at the top of the ranking: on the
    days 2019-07-01 .. 2019-12-31, the 365-day count against the count of the two
    years centred on the day (the day itself left out; it sees the future, so no
    model can reach it, but every event it reads is before 2021)."""
    from avert.analyse.forecast import select_top, to_days

    ev, grid, active = data
    basis = np.flatnonzero(active)
    tops = [int(np.floor(basis.size * c + 1e-9)) for c in (0.01, 0.02, 0.05, 0.10)]
    hits = {"count (365 d)": np.zeros(4), "centred 2 years": np.zeros(4)}
    n_events = 0
    for i in range(184):
        t0 = to_days(dt.date(2019, 7, 1) + dt.timedelta(days=i))
        test = np.bincount(ev.between(t0, t0 + 1).cell, minlength=grid.n_cells)
        n_events += int(test.sum())
        past = np.bincount(ev.before(t0, 365.0).cell, minlength=grid.n_cells)
        centred = np.bincount(
            ev.between(t0 - 365, t0 + 365).cell, minlength=grid.n_cells
        )
        for name, score in (
            ("count (365 d)", past),
            ("centred 2 years", centred - test),
        ):
            for j, k in enumerate(tops):
                hits[name][j] += test[select_top(score.astype(float), k, basis)].sum()
    for name, h in hits.items():
        print(
            f"{name}, active 1/2/5/10 %: " + " ".join(f"{v:.4f}" for v in h / n_events)
        )


def by_category(categories: list[str], only: list[str]) -> None:
    """Each candidate minus counting, per Toronto category, on validation days."""
    days = [dt.date(2019, 7, 1) + dt.timedelta(days=3 * i) for i in range(183)]
    names = ["default (stacked)", *(n for n in only if n != "default (stacked)")]
    print("columns: bbox 1/2/5/10 %, active 1/2/5/10 %; minus counting (365 d)")
    for category in categories:
        data = toronto_events(category)
        base, _ = _score(lambda g: Counting(g), data, days, 365.0)
        print(f"== {category}")
        for name in names:
            got, _ = _score(CANDIDATES[name], data, days, 365.0)
            diff = [a - b for a, b in zip(got, base, strict=True)]
            print(
                f"  {name}: " + " ".join(f"{v:+.4f}" for v in diff),
                f"(mean {np.mean(diff):+.4f})",
                flush=True,
            )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", choices=("long", "short"), default="long")
    ap.add_argument("--train", choices=("all", "365"), default="all")
    ap.add_argument("--gbm", action="store_true")
    ap.add_argument(
        "--headroom", action="store_true", help="the exact-rate check only (Toronto)"
    )
    ap.add_argument(
        "--only", default="", help="comma-separated candidate names (default: all)"
    )
    ap.add_argument(
        "--categories",
        default="",
        help="Toronto MCI categories (e.g. 'Assault,Auto Theft'): each candidate "
        "against counting and the default on every 3rd validation day from "
        "2019-07-01 (183 days, 365-day training), no synthetic city",
    )
    args = ap.parse_args()
    if not TORONTO_CSV.exists():
        print(f"skipped: {TORONTO_CSV} is absent")
        return
    if args.categories:
        by_category(
            args.categories.split(","), args.only.split(",") if args.only else []
        )
        return
    train = None if args.train == "all" else 365.0
    tor = toronto_events()
    if args.headroom:
        headroom(tor)
        return
    sev, sgrid, sactive, sdays = synthetic()
    syn = (sev, sgrid, sactive)
    if args.days == "long":
        tdays = [dt.date(2019, 7, 1) + dt.timedelta(days=i) for i in range(549)]
    else:
        tdays = [dt.date(2020, 1, 2) + dt.timedelta(days=4 * i) for i in range(90)]
    vdays = [d - dt.timedelta(days=120) for d in sdays]
    # the count over the same training as the candidates (every event: --train all)
    base_t, _ = _score(lambda g: Counting(g, window_days=train), tor, tdays, train)
    base_s, _ = _score(lambda g: Counting(g, window_days=train), syn, vdays, train)
    print(
        f"validation: Toronto {len(tdays)} days ({tdays[0]} .. {tdays[-1]}), synthetic "
        f"{len(vdays)} days; training {args.train}; columns bbox 1/2/5/10 %, "
        "active 1/2/5/10 %"
    )
    print(f"counting ({args.train}): " + " ".join(f"{v:.3f}" for v in base_t))
    cands: dict[str, Any] = dict(CANDIDATES)
    if args.only:
        cands = {k: v for k, v in cands.items() if k in args.only.split(",")}
    if args.gbm:
        cands["gbm poisson"] = lambda g: GBMPoisson(g)
    print(
        "| candidate | Toronto minus counting | Toronto minus default "
        "| synthetic minus counting | CPU s/day |"
    )
    print("|---|---|---|---|---|")
    default_t, _ = _score(CANDIDATES["default (stacked)"], tor, tdays, train)
    for name, factory in cands.items():
        t, cpu = _score(factory, tor, tdays, train)
        s, _ = _score(factory, syn, vdays, train)
        dt_ = " ".join(f"{a - b:+.3f}" for a, b in zip(t, base_t, strict=True))
        dd = " ".join(f"{a - b:+.4f}" for a, b in zip(t, default_t, strict=True))
        ds = " ".join(f"{a - b:+.3f}" for a, b in zip(s, base_s, strict=True))
        print(f"| {name} | {dt_} | {dd} | {ds} | {cpu:.4f} |", flush=True)


if __name__ == "__main__":
    main()
