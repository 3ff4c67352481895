"""Fixed-form forecasters: the counting grid and kernel density surfaces.

* :class:`Counting` — events per cell over a trailing window, optionally decayed. The
  "naive" baseline of the forecasting literature and the bar every model must beat
  (Chainey, Tompson & Uhlig 2008; Mohler et al. 2015 compare against it).
* :class:`RetrospectiveKDE` — a kernel density (quartic or Gaussian, bandwidth in
  metres) of the events of a trailing window, evaluated at cell centres, with an
  optional time decay (exponential half-life or Bowers' ``1 / (1 + age / tau)``).
* :class:`ProspectiveKDE` — Bowers, Johnson & Pease (2004), "Prospective
  hot-spotting", *Br. J. Criminol.* 44(5): an event ``w`` whole weeks old and ``d`` cells
  away adds ``1 / (1 + d) * 1 / (1 + w)`` within a space and a time bandwidth.
"""

from __future__ import annotations

from typing import ClassVar, Final, Literal

import numpy as np
import numpy.typing as npt

from avert.analyse.forecast._base import Forecaster, Risk
from avert.analyse.forecast._grid import Events, Grid
from avert.errors import ConfigError

__all__ = ["Counting", "Decay", "ProspectiveKDE", "RetrospectiveKDE", "decay_weights"]

Decay = Literal["none", "exponential", "hyperbolic"]
_LN2: Final = float(np.log(2.0))


def decay_weights(age_days: Risk, decay: Decay, scale_days: float) -> Risk:
    """Return the weight of events ``age_days`` old.

    ``none``: 1; ``exponential``: ``2 ** (-age / scale)`` (``scale`` is the half-life);
    ``hyperbolic``: ``1 / (1 + age / scale)`` (Bowers et al. 2004 with weeks).
    """
    if decay == "none":
        return np.ones_like(age_days)
    if scale_days <= 0:
        msg = f"decay scale must be positive; got {scale_days!r}."
        raise ConfigError(msg)
    if decay == "exponential":
        return np.exp(-_LN2 * age_days / scale_days)
    if decay == "hyperbolic":
        return 1.0 / (1.0 + age_days / scale_days)
    msg = f"decay must be none, exponential or hyperbolic; got {decay!r}."
    raise ConfigError(msg)


class _Trailing(Forecaster):
    """A surface of the events of the last ``window_days`` (all history if ``None``),
    each weighted by its age (:func:`decay_weights` with ``decay``, ``decay_days``)."""

    def __init__(
        self,
        grid: Grid,
        *,
        window_days: float | None = 365.0,
        decay: Decay = "none",
        decay_days: float = 30.0,
    ) -> None:
        super().__init__(grid)
        self.window_days = window_days
        self.decay: Decay = decay
        self.decay_days = decay_days

    def _recent(self, past: Events, t0: float) -> Events:
        """The events of the window that ends at ``t0``."""
        window = self.window_days
        return past if window is None else past.before(t0, window)

    def _weights(self, ev: Events, t0: float) -> Risk:
        """Each event's weight by its age at ``t0``."""
        return decay_weights(t0 - ev.t, self.decay, self.decay_days)


class Counting(_Trailing):
    """Events per cell over the last ``window_days`` (all history if ``None``)."""

    name: ClassVar[str] = "counting"
    method: ClassVar[str] = "events per cell over a trailing window (counting grid)"
    source: ClassVar[str] = (
        "Chainey, Tompson & Uhlig (2008) Security Journal 21; open_cp NaiveCounting"
    )

    def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
        ev = self._recent(past, t0)
        if self.decay == "none":  # integer counts: no weight array to build
            return np.bincount(ev.cell, minlength=self.grid.n_cells).astype(np.float64)
        w = self._weights(ev, t0)
        return np.bincount(ev.cell, weights=w, minlength=self.grid.n_cells).astype(
            np.float64
        )


def _splat(
    grid: Grid, ev: Events, weights: Risk, reach_m: float, kernel: object
) -> Risk:
    """Add ``weights[i] * kernel(distance)`` from each event to every cell centre in reach.

    Vectorised over events; the loop runs over the ``(2r + 1)^2`` cell offsets only.
    """
    ny, nx = grid.shape
    s = grid.cell_size_m
    r = int(np.ceil(reach_m / s)) + 1
    col = ev.cell % nx
    row = ev.cell // nx
    fx = ev.x - (grid.origin_xy[0] + (col + 0.5) * s)  # offset from own cell centre
    fy = ev.y - (grid.origin_xy[1] + (row + 0.5) * s)
    idx: list[npt.NDArray[np.int64]] = []
    val: list[Risk] = []
    for dr in range(-r, r + 1):
        rr = row + dr
        for dc in range(-r, r + 1):
            cc = col + dc
            ok = (rr >= 0) & (rr < ny) & (cc >= 0) & (cc < nx)
            d2 = (dc * s - fx) ** 2 + (dr * s - fy) ** 2
            k = kernel(d2)  # type: ignore[operator]
            ok &= k > 0
            if ok.any():
                idx.append(rr[ok] * nx + cc[ok])
                val.append(weights[ok] * k[ok])
    if not idx:
        return np.zeros(grid.n_cells)
    # one bincount over every (cell, contribution) pair, not one per offset
    return np.bincount(
        np.concatenate(idx), weights=np.concatenate(val), minlength=grid.n_cells
    ).astype(np.float64)


class RetrospectiveKDE(_Trailing):
    """Kernel density of a trailing window's events at cell centres (events / km²)."""

    name: ClassVar[str] = "retro"
    method: ClassVar[str] = (
        "retrospective kernel density estimate at cell centres, optional time decay"
    )
    source: ClassVar[str] = (
        "Chainey, Tompson & Uhlig (2008) Security Journal 21; open_cp RetroHotSpot"
    )

    def __init__(
        self,
        grid: Grid,
        *,
        bandwidth_m: float = 200.0,
        kernel: Literal["quartic", "gaussian"] = "quartic",
        window_days: float | None = 365.0,
        decay: Decay = "none",
        decay_days: float = 30.0,
    ) -> None:
        super().__init__(
            grid, window_days=window_days, decay=decay, decay_days=decay_days
        )
        if bandwidth_m <= 0:
            msg = f"bandwidth_m must be positive; got {bandwidth_m!r}."
            raise ConfigError(msg)
        if kernel not in ("quartic", "gaussian"):
            msg = f"kernel must be quartic or gaussian; got {kernel!r}."
            raise ConfigError(msg)
        self.bandwidth_m = float(bandwidth_m)
        self.kernel = kernel

    def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
        ev = self._recent(past, t0)
        w = self._weights(ev, t0)
        h = self.bandwidth_m
        if self.kernel == "quartic":

            def k(d2: Risk) -> Risk:
                u = np.clip(1.0 - d2 / (h * h), 0.0, None)
                return 3.0 / (np.pi * h * h) * u * u * 1e6

            reach = h
        else:

            def k(d2: Risk) -> Risk:
                v = np.exp(-0.5 * d2 / (h * h)) / (2 * np.pi * h * h) * 1e6
                return np.where(d2 <= 9 * h * h, v, 0.0)

            reach = 3 * h
        return _splat(self.grid, ev, w, reach, k)


class ProspectiveKDE(Forecaster):
    """Bowers, Johnson & Pease (2004) prospective hotspots on the grid."""

    name: ClassVar[str] = "pro"
    method: ClassVar[str] = (
        "prospective hotspot: sum of 1/(1 + cells away) x 1/(1 + whole weeks old) "
        "within a space and time bandwidth"
    )
    source: ClassVar[str] = (
        "Bowers, Johnson & Pease (2004) Br. J. Criminol. 44(5); "
        "open_cp ProspectiveHotSpot"
    )

    def __init__(
        self, grid: Grid, *, space_cells: int = 8, time_weeks: int = 8
    ) -> None:
        super().__init__(grid)
        if space_cells < 0 or time_weeks < 1:
            msg = "space_cells must be >= 0 and time_weeks >= 1."
            raise ConfigError(msg)
        self.space_cells = int(space_cells)
        self.time_weeks = int(time_weeks)

    def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
        ev = past.before(t0, 7.0 * self.time_weeks)
        weeks = np.floor((t0 - ev.t) / 7.0)
        w = 1.0 / (1.0 + weeks)
        s = self.grid.cell_size_m
        b = self.space_cells * s

        def k(d2: Risk) -> Risk:
            d = np.sqrt(d2) / s
            return np.where(d <= self.space_cells, 1.0 / (1.0 + d), 0.0)

        # distance is measured between cell centres: snap events to their centres
        nx = self.grid.shape[1]
        cx = (self.grid.origin_xy[0] + (ev.cell % nx + 0.5) * s).astype(np.float64)
        cy = (self.grid.origin_xy[1] + (ev.cell // nx + 0.5) * s).astype(np.float64)
        return _splat(self.grid, Events(ev.cell, ev.t, cx, cy), w, b, k)
