"""A count per cell that loses its events day by day, read as density maps at a few
cells: what the default's one-day-ahead fit of the recent map's weight scores.

The fit (:meth:`avert.analyse.forecast.Stacked.fit_recent_weight`) scores each of
the last 28 days under the maps built from the events before that day. A decayed
count at ``day`` is the count at a fixed time ``t`` times ``2 ** ((t - day) / T)``,
the same factor for every cell, and a density map (the count, or its Gaussian
smoothing, over its sum) does not change when its count is scaled. So the counts
are kept as weighted at one time (the fit's start) and stepping a day back only
takes that day's events away, in the few cells they fell in:

- the count's sum loses what those cells lose;
- the sum of its smoothing by ``sigma`` is ``sum_c n_c m_c`` (``m_c`` the kernel's
  mass left inside the grid from cell ``c``: :func:`smoothed_mass_at`), so it
  loses ``sum_c d_c m_c`` over the cells losing ``d_c``;
- the values at the day's cells are read on the windows around them
  (:func:`smoothed_values_at`, SciPy's order).

No pass over the whole grid is made after the first: on a million cells the 28
days had cost about 0.35 s of CPU in whole-grid passes (rescaling each count,
dividing it by its sum, the smoothings' sums by row and column) to read a few
hundred cells a day. The maps agree with those built afresh each day to rounding
(the sums are summed in another order), not bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from avert.analyse.forecast._smooth import (
    smoothed_mass_at,
    smoothed_total,
    smoothed_values_at,
)

__all__ = ["RecedingCount", "sparse_density_at"]


class RecedingCount:
    """A weighted count per cell of a grid of ``shape`` (events' flat ``cell`` and
    ``weight``), read at cells as its density and the densities of its smoothings
    by ``sigmas`` cells, while :meth:`take` takes events away."""

    def __init__(
        self,
        shape: tuple[int, int],
        cell: npt.NDArray[np.int64],
        weight: npt.NDArray[np.float64],
        sigmas: Sequence[float] = (),
    ) -> None:
        self.shape = shape
        n_cells = shape[0] * shape[1]
        count = np.bincount(cell, weights=weight, minlength=n_cells)
        self.count = np.asarray(count, dtype=np.float64)
        self.total = float(self.count.sum())
        self.sigmas = tuple(float(s) for s in sigmas)
        image = self.count.reshape(shape)
        self.smoothed_totals = [smoothed_total(image, s) for s in self.sigmas]

    def take(self, cells: npt.NDArray[np.int64], amounts: npt.ArrayLike) -> None:
        """Take ``amounts`` from the count in the distinct ``cells`` (never below
        zero), and what they held from each sum."""
        before = self.count[cells]
        after = np.maximum(before - np.asarray(amounts, dtype=np.float64), 0.0)
        self.count[cells] = after
        lost = before - after
        self.total -= float(lost.sum())
        for k, sigma in enumerate(self.sigmas):
            self.smoothed_totals[k] -= float(
                lost @ smoothed_mass_at(sigma, self.shape, cells)
            )

    def density_at(self, cells: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """The count over its sum at ``cells``."""
        return np.asarray(self.count[cells] / max(self.total, 1e-12), np.float64)

    def smoothed_density_at(
        self, cells: npt.NDArray[np.int64]
    ) -> list[npt.NDArray[np.float64]]:
        """Each smoothing (one per sigma) over its sum, at ``cells``."""
        values = smoothed_values_at(self.count.reshape(self.shape), self.sigmas, cells)
        return [
            np.asarray(v / max(total, 1e-12), dtype=np.float64)
            for v, total in zip(values, self.smoothed_totals, strict=True)
        ]


def sparse_density_at(
    scratch: npt.NDArray[np.float64],
    cell: npt.NDArray[np.int64],
    weight: npt.NDArray[np.float64],
    sigma: float,
    cells: npt.NDArray[np.int64],
) -> npt.NDArray[np.float64]:
    """The count of a few events (flat ``cell``, ``weight``) smoothed by ``sigma``
    cells, over its sum, at ``cells``: the count is written into ``scratch`` (a
    grid of zeros, left as zeros) at its own cells only, summed per cell in the
    events' order as ``np.bincount`` sums it, and the smoothing's sum is taken
    from those cells (:func:`smoothed_mass_at`), not from the grid."""
    if cell.size == 0:
        return np.zeros(cells.size)
    flat = scratch.reshape(-1)
    held, inverse = np.unique(cell, return_inverse=True)
    count = np.bincount(inverse, weights=weight)
    flat[held] = count
    try:
        [values] = smoothed_values_at(scratch, [sigma], cells)
    finally:
        flat[held] = 0.0
    shape = (scratch.shape[0], scratch.shape[1])
    total = float(count @ smoothed_mass_at(sigma, shape, held))
    return np.asarray(values / max(total, 1e-12), dtype=np.float64)
