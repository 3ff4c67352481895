"""Gaussian smoothing of the forecast grid, whole or read at a few cells.

The smoothing is SciPy's ``ndimage.gaussian_filter(image, sigma, mode="constant",
truncate=3.0)``: a separable kernel of ``2 r + 1`` weights on each axis,
``r = int(3 sigma + 0.5)``, ``k_a = exp(-a^2 / (2 sigma^2))`` over their sum, zeros
beyond the grid, applied along the rows' axis (0) and then the columns' (1)
(scipy/ndimage/_filters.py, ``_gaussian_kernel1d``; ``NI_Correlate1D`` in
ni_filters.c). :func:`smooth_near` smooths the whole grid (around its non-zero
cells only). The stack's fits read its maps at the cells holding held-out events
only (a few hundred of a large city's 250,000 a day), so :func:`smoothed_at`
gives the smoothing's values at given cells and the smoothed grid's sum without
smoothing the grid:

- the value at cell ``(i, j)`` is ``sum_b k_b v(i, j + b)``, where
  ``v(i, j) = sum_a k_a x(i + a, j)`` is the first pass, both summed in SciPy's
  order (the centre first, then the pairs ``k_a (x_{-a} + x_{+a})`` from the
  outermost in): the same floating-point operations as ``NI_Correlate1D``'s
  symmetric loop, so the very same bits where the compiled filter fuses no
  multiply-add (the x86-64 wheels; elsewhere equal to rounding);
- the sum of the smoothed grid is ``sum_{p,q} x(p, q) m_p m'_q``, ``m_p`` the
  kernel's mass inside the grid at row ``p`` (``m'_q`` at column ``q``): the
  kernel is separable and nothing leaves the grid but what falls past its edge.
  It is summed in another order than ``smooth.sum()``, so it agrees to rounding
  (a few units in the last place), not bit for bit.

The windows read ``(2 r + 1)^2`` values a cell; while they number at most the
grid's cells they cost less than smoothing the grid (:data:`_WINDOW_SHARE`).
When the cells read are more the whole grid is smoothed and read, exactly as
before. The stack uses the windows in its 28-day fit of the recent map's weight
only (:func:`smoothed_values_at`, its sums kept by ``_receding.py``): its
cross-validation smooths whole grids however few the cells
(``Stacked._held_out_blocks``; each fold holds tens of thousands of cells on a
large city), reads them at its cells with :func:`whole_smoothings_at`, one
buffer for them all, and takes their sums from the masses
(:func:`smoothed_totals`, equal to rounding: since 2026-12-07 the forecasts may
move by rounding, about 1e-11 relative through the weights' search).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = [
    "gaussian_kernel",
    "nonempty_lines",
    "smooth_near",
    "smoothed_at",
    "smoothed_mass_at",
    "smoothed_total",
    "smoothed_totals",
    "smoothed_values_at",
    "smoothings_read_at",
    "whole_smoothings_at",
]

#: the windows are used while their values number at most this share of the grid's
#: cells: on 500 x 500 cells (2026-12-06, one thread, best of 7), at sigma 1 they
#: cost about what smoothing the whole grid costs at this share (2.7 ms against
#: 2.4 ms) and less below it (0.96 against 2.2 ms at 0.5); at sigma 4 less up to
#: about four times it (1.2 against 4.2 ms at 1.0, 4.1 against 4.4 ms at 4.0)
_WINDOW_SHARE = 1.0


def gaussian_kernel(sigma: float) -> npt.NDArray[np.float64]:
    """SciPy's weights of the Gaussian of ``sigma`` cells for ``truncate=3.0``,
    computed as ``scipy.ndimage._filters._gaussian_kernel1d`` computes them (the
    same bits): ``2 r + 1`` of them, ``r = int(3 sigma + 0.5)``.

    >>> gaussian_kernel(1.0).round(4).tolist()
    [0.0044, 0.054, 0.242, 0.3991, 0.242, 0.054, 0.0044]
    """
    return _kernel(float(sigma)).copy()


@functools.lru_cache(maxsize=64)
def _kernel(sigma: float) -> npt.NDArray[np.float64]:
    """:func:`gaussian_kernel`, made once per sigma (read-only): the one-day-ahead
    fit asks for the same few kernels 28 times a forecast."""
    sd = float(sigma)
    radius = int(3.0 * sd + 0.5)
    x = np.arange(-radius, radius + 1)
    phi = np.exp(-0.5 / (sd * sd) * x**2)
    weights = np.asarray(phi / phi.sum(), dtype=np.float64)
    weights.setflags(write=False)
    return weights


def nonempty_lines(
    image: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """The indices of the rows and of the columns of the 2-D ``image`` holding a
    non-zero value: what :func:`smooth_near` reads of it to find its patches, the
    same for every sigma (so found once for several smoothings of one map)."""
    return np.flatnonzero(image.any(axis=1)), np.flatnonzero(image.any(axis=0))


def smooth_near(
    image: npt.ArrayLike,
    sigma: float,
    *,
    out: npt.NDArray[np.float64] | None = None,
    lines: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]] | None = None,
) -> npt.NDArray[np.float64]:
    """Return ``ndimage.gaussian_filter(image, sigma, mode="constant",
    truncate=3.0)``, computed only around the non-zero cells: on the rectangles
    where runs of non-empty rows meet runs of non-empty columns (runs apart by more
    than twice the kernel's radius), each grown by that radius. Beyond them the
    result is exactly zero; inside them the filter reads the same values (zeros
    past a rectangle are zeros in the grid) and no other rectangle reaches them.
    So a grid far larger than its events (a padded or regional extent, a few
    points far out) costs what the events' own patches cost, with the very same
    result.

    ``out`` (a float array of the image's shape, not the image) receives the
    result in place of a new array, and ``lines`` are the image's
    :func:`nonempty_lines` when already found: the same bits either way (SciPy's
    filter computes the same values into an output given as into its own).

    >>> from scipy import ndimage
    >>> im = np.zeros((50, 60)); im[10, 20] = 1.0; im[45, 2] = 2.0
    >>> bool(np.array_equal(smooth_near(im, 2.0), ndimage.gaussian_filter(
    ...     im, 2.0, mode="constant", truncate=3.0)))
    True
    """
    from scipy import ndimage  # 0.1-0.3 s: imported where it is used

    image = np.asarray(image, dtype=np.float64)  # no copy of a float map
    if image.size == 0:
        return image.copy()
    if out is None:
        out = np.empty(image.shape, dtype=np.float64)
    reach = int(3.0 * float(sigma) + 0.5)  # scipy's radius for truncate=3.0
    used_rows, used_cols = nonempty_lines(image) if lines is None else lines

    def runs(used: npt.NDArray[np.int64], size: int) -> list[tuple[int, int]]:
        """(start, stop) of each run of the non-empty lines ``used`` of an axis of
        ``size`` lines, grown by ``reach``."""
        if used.size == 0:
            return []
        cut = np.flatnonzero(np.diff(used) > 2 * reach)
        first = np.maximum(np.append(used[0], used[cut + 1]) - reach, 0)
        stop = np.minimum(np.append(used[cut], used[-1]) + reach + 1, size)
        return list(zip(first.tolist(), stop.tolist(), strict=True))

    rows, cols = runs(used_rows, image.shape[0]), runs(used_cols, image.shape[1])
    patches = [
        (r0, r1, c0, c1)
        for r0, r1 in rows
        for c0, c1 in cols
        if len(rows) == 1 or len(cols) == 1 or image[r0:r1, c0:c1].any()
    ]
    area = sum((r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in patches)
    if 2 * area > image.size:  # the events spread over the grid: all of it at once
        ndimage.gaussian_filter(image, sigma, output=out, mode="constant", truncate=3.0)
        return out
    out.fill(0.0)
    for r0, r1, c0, c1 in patches:
        out[r0:r1, c0:c1] = ndimage.gaussian_filter(
            image[r0:r1, c0:c1], sigma, mode="constant", truncate=3.0
        )
    return out


def smoothings_read_at(
    image: npt.ArrayLike,
    sigmas: Sequence[float],
    cells: npt.NDArray[np.int64],
    *,
    buffer: npt.NDArray[np.float64] | None = None,
) -> list[tuple[npt.NDArray[np.float64], float]]:
    """For each of ``sigmas``, :func:`smooth_near` ``(image, sigma)`` read at the
    flat ``cells`` and its sum, ``smooth.ravel().sum()``: the very same bits as
    those of the whole map, which is made (its sum's bits need every value, unlike
    :func:`smoothed_at`'s), but into one ``buffer`` (made when not given) reused
    by each sigma, and the image's non-empty lines found once.

    >>> im = np.random.default_rng(1).random((30, 40))
    >>> [(v, total)] = smoothings_read_at(im, [2.0], np.array([0, 5, 1199]))
    >>> whole = smooth_near(im, 2.0).ravel()
    >>> bool(np.array_equal(v, whole[[0, 5, 1199]])), total == float(whole.sum())
    (True, True)
    """
    image = np.asarray(image, dtype=np.float64)
    if image.size == 0:
        return [(np.zeros(0), 0.0) for _ in sigmas]
    if buffer is None:
        buffer = np.empty(image.shape, dtype=np.float64)
    lines = nonempty_lines(image)
    out: list[tuple[npt.NDArray[np.float64], float]] = []
    for sigma in sigmas:
        smooth = smooth_near(image, sigma, out=buffer, lines=lines).ravel()
        out.append((smooth[cells], float(smooth.sum())))
    return out


def whole_smoothings_at(
    image: npt.NDArray[np.float64],
    sigmas: Sequence[float],
    cells: npt.NDArray[np.int64],
    *,
    buffer: npt.NDArray[np.float64],
    lines: tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]],
    accumulate: Sequence[npt.NDArray[np.float64]],
) -> list[npt.NDArray[np.float64]]:
    """For each of ``sigmas``, the whole :func:`smooth_near` ``(image, sigma)``
    made into ``buffer`` (reused by each) and read at the flat ``cells``, its
    grid added into that sigma's grid of ``accumulate``. ``lines`` hold every
    non-empty row and column of ``image`` (more are harmless: the smoothing
    reads zeros there, the same bits). The sums are not taken here:
    :func:`smoothed_totals` gives them in one pass for every sigma. The
    cross-validation of ``Stacked`` reads its folds' maps so, and sums their
    smoothings (smoothing is linear: the sum is the smoothing of the folds'
    counts' sum) for its final maps."""
    out: list[npt.NDArray[np.float64]] = []
    for sigma, total in zip(sigmas, accumulate, strict=True):
        smooth = smooth_near(image, sigma, out=buffer, lines=lines).ravel()
        out.append(smooth[cells])
        into = total.reshape(-1)
        np.add(into, smooth, out=into)
    return out


def smoothed_totals(image: npt.ArrayLike, sigmas: Sequence[float]) -> list[float]:
    """:func:`smoothed_total` for each of ``sigmas``, reading ``image`` once."""
    return _totals(np.asarray(image, dtype=np.float64), sigmas)


def smoothed_total(image: npt.ArrayLike, sigma: float) -> float:
    """The sum of :func:`smooth_near` of the 2-D ``image`` over the grid, without
    smoothing it: ``m_rows @ image @ m_cols``, each ``m`` the kernel's mass
    inside the grid at that row (column). Equal to rounding.

    >>> from scipy import ndimage
    >>> im = np.zeros((40, 30)); im[0, 0] = 1.0  # a corner: (1/2 + k_0 / 2) ** 2 stays in
    >>> round(smoothed_total(im, 2.0), 3)
    0.36
    >>> round(float(ndimage.gaussian_filter(im, 2.0, mode="constant",
    ...     truncate=3.0).sum()), 3)
    0.36
    """
    image = np.asarray(image, dtype=np.float64)
    return _totals(image, [sigma])[0]


def _totals(image: npt.NDArray[np.float64], sigmas: Sequence[float]) -> list[float]:
    """:func:`smoothed_total` for each of the ``sigmas``, reading ``image`` once."""
    if not sigmas:
        return []
    ny, nx = image.shape
    by_row = image @ _masses_inside(tuple(float(s) for s in sigmas), nx)
    return [
        float(_mass_inside(float(s), ny) @ by_row[:, i]) for i, s in enumerate(sigmas)
    ]


@functools.lru_cache(maxsize=64)
def _masses_inside(sigmas: tuple[float, ...], n: int) -> npt.NDArray[np.float64]:
    """:func:`_mass_inside` of each of ``sigmas`` side by side, one column each
    (read-only; made once per grid)."""
    masses = np.column_stack([_mass_inside(s, n) for s in sigmas])
    masses.setflags(write=False)
    return masses


@functools.lru_cache(maxsize=256)
def _mass_inside(sigma: float, n: int) -> npt.NDArray[np.float64]:
    """For each of ``n`` positions on an axis, the sum of the kernel's weights
    (:func:`gaussian_kernel` of ``sigma``) whose offsets stay on it
    (``0 <= p + a < n``); read-only, made once per sigma and axis."""
    weights = _kernel(sigma)
    radius = (weights.size - 1) // 2
    cumulative = np.concatenate(([0.0], np.cumsum(weights)))
    p = np.arange(n)
    first = np.maximum(-radius, -p) + radius  # index of the first offset inside
    stop = np.minimum(radius, n - 1 - p) + radius + 1
    mass = np.asarray(cumulative[stop] - cumulative[first], dtype=np.float64)
    mass.setflags(write=False)
    return mass


def smoothed_at(
    image: npt.ArrayLike,
    sigmas: Sequence[float],
    cells: npt.NDArray[np.int64],
) -> list[tuple[npt.NDArray[np.float64], float]]:
    """For each of ``sigmas``, the values of :func:`smooth_near` ``(image, sigma)``
    at the flat ``cells`` of the 2-D ``image`` and its sum over the grid.

    A sigma whose window over the cells is small against the grid is computed on
    the windows (values bit for bit, sum to rounding: see the module docstring);
    any other smooths the whole grid, read at ``cells`` and summed as before.

    >>> from scipy import ndimage
    >>> im = np.random.default_rng(1).random((60, 70))
    >>> cells = np.array([0, 69, 1234, 4199])
    >>> [(v, total)] = smoothed_at(im, [2.0], cells)
    >>> whole = ndimage.gaussian_filter(im, 2.0, mode="constant", truncate=3.0)
    >>> bool(np.array_equal(v, whole.ravel()[cells]))
    True
    >>> bool(np.isclose(total, whole.sum(), rtol=1e-13, atol=0))
    True
    """
    image = np.asarray(image, dtype=np.float64)
    cells = np.asarray(cells, dtype=np.int64)
    window = _on_windows(image, sigmas, cells)
    totals = iter(_totals(image, [s for s, w in zip(sigmas, window, strict=True) if w]))
    out: list[tuple[npt.NDArray[np.float64], float]] = []
    for sigma, values in zip(
        sigmas, _values_at(image, sigmas, cells, window), strict=True
    ):
        if values is None:
            whole = smooth_near(image, sigma)
            out.append((whole.ravel()[cells], float(whole.sum())))
        else:
            out.append((values, next(totals)))
    return out


def smoothed_values_at(
    image: npt.ArrayLike,
    sigmas: Sequence[float],
    cells: npt.NDArray[np.int64],
) -> list[npt.NDArray[np.float64]]:
    """For each of ``sigmas``, the values of :func:`smooth_near` ``(image, sigma)``
    at the flat ``cells``, as :func:`smoothed_at` gives them (the same bits), but
    without the smoothed grid's sum: a caller that keeps the sums itself, as
    counts lose a few events (:func:`smoothed_mass_at`), reads no more of the
    grid than the windows around the cells.

    >>> im = np.random.default_rng(1).random((60, 70))
    >>> cells = np.array([0, 69, 1234, 4199])
    >>> [v] = smoothed_values_at(im, [2.0], cells)
    >>> bool(np.array_equal(v, smooth_near(im, 2.0).ravel()[cells]))
    True
    """
    image = np.asarray(image, dtype=np.float64)
    cells = np.asarray(cells, dtype=np.int64)
    window = _on_windows(image, sigmas, cells)
    return [
        smooth_near(image, sigma).ravel()[cells] if values is None else values
        for sigma, values in zip(
            sigmas, _values_at(image, sigmas, cells, window), strict=True
        )
    ]


def smoothed_mass_at(
    sigma: float, shape: tuple[int, int], cells: npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """For each of the flat ``cells`` of a grid of ``shape``, the share of a unit
    there that the Gaussian of ``sigma`` cells keeps inside the grid: ``m_p m'_q``
    (:func:`smoothed_total`'s masses by row and column). So the sum of the
    smoothing of an image is ``image.ravel() @ smoothed_mass_at(sigma, shape,
    all cells)``, and taking values ``d`` away from ``cells`` takes
    ``d @ smoothed_mass_at(sigma, shape, cells)`` from that sum (equal to
    rounding).

    >>> im = np.random.default_rng(2).random((40, 30))
    >>> cells = np.arange(im.size)
    >>> total = float(im.ravel() @ smoothed_mass_at(2.0, im.shape, cells))
    >>> bool(np.isclose(total, smoothed_total(im, 2.0), rtol=1e-13, atol=0))
    True
    """
    ny, nx = shape
    row, col = np.divmod(np.asarray(cells, dtype=np.int64), nx)
    mass = _mass_inside(float(sigma), ny)[row] * _mass_inside(float(sigma), nx)[col]
    return np.asarray(mass, dtype=np.float64)


def _on_windows(
    image: npt.NDArray[np.float64],
    sigmas: Sequence[float],
    cells: npt.NDArray[np.int64],
) -> list[bool]:
    """Whether each of ``sigmas`` is read on the windows around ``cells`` (their
    values at most :data:`_WINDOW_SHARE` of the grid's cells) rather than by
    smoothing the whole grid."""
    return [
        cells.size * _kernel(float(s)).size ** 2 <= _WINDOW_SHARE * image.size
        for s in sigmas
    ]


def _values_at(
    image: npt.NDArray[np.float64],
    sigmas: Sequence[float],
    cells: npt.NDArray[np.int64],
    window: Sequence[bool],
) -> list[npt.NDArray[np.float64] | None]:
    """The smoothings' values at ``cells`` computed on the windows for the sigmas
    ``window`` marks (SciPy's order: the same bits), None for the others."""
    kernels = [_kernel(float(s)) for s in sigmas]
    small = [k for k, w in zip(kernels, window, strict=True) if w]
    reach = max(((k.size - 1) // 2 for k in small), default=0)
    block = _windows(image, cells, reach) if small else None
    out: list[npt.NDArray[np.float64] | None] = []
    for weights, inside in zip(kernels, window, strict=True):
        if block is None or not inside:
            out.append(None)
            continue
        r = (weights.size - 1) // 2
        part = block[:, reach - r : reach + r + 1, reach - r : reach + r + 1]
        first = _correlate_pairs(part, weights, axis=1)  # along SciPy's axis 0
        out.append(_correlate_pairs(first, weights, axis=1))
    return out


def _windows(
    image: npt.NDArray[np.float64], cells: npt.NDArray[np.int64], reach: int
) -> npt.NDArray[np.float64]:
    """The ``(2 reach + 1)``-square window of ``image`` around each of ``cells``,
    zeros beyond the grid: shape ``(cells, row offset, column offset)``. Windows
    inside the grid are taken from the flat grid at each cell plus the window's
    flat offsets (a third of the time of indexing a strided view of windows);
    those over its edge (all of them on a grid smaller than the window) are
    gathered cell by cell of the window, with zeros where it leaves the grid."""
    ny, nx = image.shape
    side = 2 * reach + 1
    row, col = np.divmod(cells, nx)
    out = np.empty((cells.size, side, side))
    inside = (row >= reach) & (row < ny - reach) & (col >= reach) & (col < nx - reach)
    if inside.any():
        span = np.arange(-reach, reach + 1)
        offsets = (span[:, None] * nx + span[None, :]).ravel()
        flat = np.ascontiguousarray(image).reshape(-1)
        taken = flat.take(cells[inside][:, None] + offsets)
        out[inside] = taken.reshape(-1, side, side)
    edge = ~inside
    if edge.any():
        span = np.arange(-reach, reach + 1)
        rows = row[edge, None] + span  # (edge cells, offsets)
        cols = col[edge, None] + span
        on_grid = ((rows >= 0) & (rows < ny))[:, :, None] & ((cols >= 0) & (cols < nx))[
            :, None, :
        ]
        flat = (np.clip(rows, 0, ny - 1) * nx)[:, :, None] + np.clip(cols, 0, nx - 1)[
            :, None, :
        ]
        out[edge] = np.where(on_grid, image.ravel()[flat], 0.0)
    return out


def _correlate_pairs(
    values: npt.NDArray[np.float64], weights: npt.NDArray[np.float64], *, axis: int
) -> npt.NDArray[np.float64]:
    """The symmetric ``weights`` applied along ``axis`` (of length ``2 r + 1``,
    centred) of ``values``, dropping that axis, in ``NI_Correlate1D``'s order:
    ``x_0 k_0``, then ``+= (x_{-a} + x_{+a}) k_a`` for ``a = r, r - 1, ..., 1``."""
    r = (weights.size - 1) // 2
    line = np.moveaxis(values, axis, 0)
    acc = line[r] * weights[r]
    for a in range(r, 0, -1):
        acc += (line[r - a] + line[r + a]) * weights[r - a]
    return np.asarray(acc, dtype=np.float64)
