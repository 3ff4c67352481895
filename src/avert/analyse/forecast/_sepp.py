"""A grid self-exciting point process (Mohler et al. 2011; the grid form of 2015).

Each cell ``c`` has its own background rate ``mu_c`` (events per day) and every event
raises the rate of its own cell by ``theta * omega * exp(-omega * dt)`` afterwards:

.. math:: \\lambda_c(t) = \\mu_c + \\sum_{i: c_i = c,\\, t_i < t}
          \\theta\\,\\omega\\,e^{-\\omega (t - t_i)}.

Parameters are fitted by expectation-maximisation (Mohler et al. 2011, *JASA* 106:
"Self-exciting point process modeling of crime"; Mohler et al. 2015, *JASA* 110:
"Randomized controlled field trials of predictive policing", the grid model used in
the field trials). The forecast for ``[t0, t0 + h)`` is the expected number of events,
``mu_c h + sum_i theta (exp(-omega (t0 - t_i)) - exp(-omega (t0 + h - t_i)))``.

**Tied times.** Recorded times are often rounded to the hour or the day, so many events
share a cell and an instant. An event only triggers events *strictly* later (a tie is
two background events, or siblings, never parent and child), so ``dt > 0`` in every
pair and the update of ``omega`` stays finite; ``omega`` is also kept within
``[1 / max_lag_days, 24]`` per day. open_cp's implementation, which lets tied events
trigger each other, diverges on hour-resolution data.

The model is fitted on the events before the forecast time (at the first ``predict``
for that time), never on later events. The pairs (parent, child) are built once per fit by offsets in the (cell, time) order,
vectorised over events; only pairs within ``max_lag_days`` are kept.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import numpy.typing as npt

from avert.analyse.forecast._base import Forecaster, Risk
from avert.analyse.forecast._grid import Events, Grid
from avert.errors import ConfigError

__all__ = ["GridSEPP", "sepp_pairs"]


def sepp_pairs(
    cell: npt.NDArray[np.int64], t: npt.NDArray[np.float64], max_lag_days: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Return (parent, child) index pairs: same cell, ``0 < t_child - t_parent <= lag``."""
    order = np.lexsort((t, cell))
    c = cell[order]
    tt = t[order]
    parents: list[npt.NDArray[np.int64]] = []
    children: list[npt.NDArray[np.int64]] = []
    n = c.size
    k = 1
    while k < n:
        i = np.arange(n - k)
        j = i + k
        near = (c[i] == c[j]) & (tt[j] - tt[i] <= max_lag_days)
        if not near.any():
            break
        keep = near & (tt[j] > tt[i])
        parents.append(order[i[keep]])
        children.append(order[j[keep]])
        k += 1
    if not parents:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    return np.concatenate(parents), np.concatenate(children)


class GridSEPP(Forecaster):
    """Grid self-exciting point process fitted by EM (see the module docstring)."""

    name: ClassVar[str] = "sepp"
    method: ClassVar[str] = (
        "grid self-exciting point process (cell background + exponential "
        "self-excitation), EM; tied times never trigger each other"
    )
    source: ClassVar[str] = (
        "Mohler et al. (2011) JASA 106; Mohler et al. (2015) JASA 110 (grid model)"
    )

    def __init__(
        self,
        grid: Grid,
        *,
        iterations: int = 20,
        max_lag_days: float = 60.0,
        theta0: float = 0.1,
        omega0_per_day: float = 0.2,
        tol: float = 1e-6,
    ) -> None:
        super().__init__(grid)
        if iterations < 1 or max_lag_days <= 0 or not 0 < theta0 < 1:
            msg = "iterations >= 1, max_lag_days > 0 and 0 < theta0 < 1 are required."
            raise ConfigError(msg)
        self.iterations = int(iterations)
        self.max_lag_days = float(max_lag_days)
        self.theta = float(theta0)
        self.omega = float(omega0_per_day)
        self.tol = float(tol)
        self.mu: Risk = np.zeros(grid.n_cells)
        self.iterations_run = 0
        self._fitted_upto: float | None = None

    def _em(self, events: Events) -> None:
        """Fit ``mu``, ``theta`` and ``omega`` by EM on ``events`` (those before t0)."""
        n = len(events)
        self.mu = np.zeros(self.grid.n_cells)
        if n == 0:
            return
        t_end = float(events.t.max()) + 1e-9
        span = max(t_end - float(events.t.min()), 1.0)
        par, chi = sepp_pairs(events.cell, events.t, self.max_lag_days)
        dt = events.t[chi] - events.t[par]
        counts = np.bincount(events.cell, minlength=self.grid.n_cells).astype(float)
        mu = counts / span
        theta, omega = self.theta, self.omega
        lo, hi = 1.0 / self.max_lag_days, 24.0
        for it in range(self.iterations):
            trig = theta * omega * np.exp(-omega * dt)
            lam = mu[events.cell] + np.bincount(chi, weights=trig, minlength=n)
            p_bg = mu[events.cell] / lam
            p_tr = trig / lam[chi]
            new_mu = np.bincount(events.cell, weights=p_bg, minlength=mu.size) / span
            s_tr = float(p_tr.sum())
            # expected children of each event within the fitted period (edge-corrected)
            exposure = float(
                (
                    1.0
                    - np.exp(-omega * np.minimum(t_end - events.t, self.max_lag_days))
                ).sum()
            )
            new_theta = min(s_tr / max(exposure, 1e-12), 0.99)
            new_omega = (
                float(np.clip(s_tr / float((p_tr * dt).sum()), lo, hi))
                if s_tr > 0
                else omega
            )
            change = abs(new_theta - theta) + abs(new_omega - omega) / max(omega, 1e-12)
            mu, theta, omega = new_mu, new_theta, new_omega
            self.iterations_run = it + 1
            if change < self.tol:
                break
        self.mu, self.theta, self.omega = mu, theta, omega

    def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
        # EM runs on the events before t0 only (never on later events given to fit)
        if self._fitted_upto != t0:
            self._em(past)
            self._fitted_upto = t0
        recent = past.before(t0, self.max_lag_days)
        age = t0 - recent.t
        add = self.theta * (
            np.exp(-self.omega * age) - np.exp(-self.omega * (age + horizon_days))
        )
        return self.mu * horizon_days + np.bincount(
            recent.cell, weights=add, minlength=self.grid.n_cells
        )
