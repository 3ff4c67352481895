"""Hotspot statistics on a grid: Getis-Ord Gi*, FDR, change between periods,
emerging hotspots, and dual KDE (risk per population).

**Gi\\*** (Getis & Ord 1992, *Geographical Analysis* 24; Ord & Getis 1995, 27): for
cell ``i`` with weights ``w_ij`` that include the cell itself,

.. math:: G^*_i = \\frac{\\sum_j w_{ij} y_j}{\\sum_j y_j}, \\quad
          E[G^*_i] = \\frac{W_i}{n}, \\quad
          V[G^*_i] = \\frac{W_i (n - W_i)}{(n - 1) n^2} \\frac{s^2}{\\bar y^2},

with ``W_i = sum_j w_ij``, ``ybar`` and ``s^2`` the mean and (population) variance of
``y`` over all ``n`` cells, and ``z_i = (G*_i - E) / sqrt(V)``: exactly PySAL esda's
``G_Local(y, w, transform, star=True)`` (a test checks agreement to 1e-9). This
variance is Ord & Getis's for binary weights; with row-standardised weights
(``"R"``, ``w_ij = 1/k_i``) the variance of ``sum_j w_ij y_j`` is
``s^2 (n sum_j w_ij^2 - W_i^2) / (n - 1)``, about ``1/k_i`` of the one used here, so
esda's and avert's ``"R"`` z-scores spread about ``1/sqrt(k)`` as wide as a normal z
under the null (a note on the result says so). Weights:
the cells within ``radius`` cells (``queen``: a (2r+1) square; ``rook``: the cross of
cells sharing an edge, r = 1; ``disc``: centre distance <= r cells), binary
(``transform="B"``) or row-standardised (``"R"``). Vectorised by 2-D convolution.

**Multiple testing.** Thousands of cells are tested at once, so p-values (two-sided,
normal) are corrected by the Benjamini-Hochberg false discovery rate (q-values), as
Caldas de Castro & Singer (2006, *Geographical Analysis* 38) recommend for local
statistics; a cell is a hot (cold) spot when ``q <= alpha`` and ``z > 0`` (``< 0``).

**Change and emergence.** :func:`hotspot_change` crosses the classes of two periods.
:func:`emerging_hotspots` follows the ArcGIS "Emerging Hot Spot Analysis" rules
(also in R ``sfdep::emerging_hotspot_analysis``): Gi* per time slice, a Mann-Kendall
trend test on each cell's z-scores, and the classes *new* (hot only in the last
slice), *consecutive* (an unbroken run of hot slices ending in the last, never hot
before, < 90 % of slices), *intensifying* / *persistent* / *diminishing* (hot in >= 90 %
of slices including the last, with a significant upward / no / downward trend),
*sporadic* (hot in the last slice, on and off before, never cold), *oscillating* (hot
in the last slice, cold in some earlier one), *historical* (not hot in the last slice
but hot in >= 90 % of the others), else *none*. (Mann 1945; Kendall 1975.)

**Dual KDE** (Levine, CrimeStat IV ch. 10): the kernel-smoothed count of events
divided by the kernel-smoothed population, i.e. a risk per head rather than a density
of events; cells whose smoothed population is below ``min_population`` get NaN.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.result import Result
from avert.errors import ConfigError

if TYPE_CHECKING:
    from scipy import sparse

__all__ = [
    "EMERGING_PATTERNS",
    "INSUFFICIENT_DATA",
    "NO_COLD_SPOT",
    "GiStarResult",
    "Neighbourhood",
    "benjamini_hochberg",
    "dual_kde",
    "emerging_hotspots",
    "gi_star",
    "gi_star_weights",
    "hotspot_change",
    "mann_kendall",
]

Neighbourhood = Literal["queen", "rook", "disc"]
F64 = npt.NDArray[np.float64]

#: The emerging hot spot patterns of :func:`emerging_hotspots` ("none" aside), from
#: the one a patrol plan would look at first to the one it would look at last.
EMERGING_PATTERNS: Final = (
    "new",
    "intensifying",
    "consecutive",
    "persistent",
    "sporadic",
    "oscillating",
    "diminishing",
    "historical",
)
#: The class of :func:`emerging_hotspots` for a cell with no value (NaN or
#: masked) in some slices only.
INSUFFICIENT_DATA: Final = "insufficient data"
_SOURCE: Final = (
    "Getis & Ord (1992) Geogr. Anal. 24; Ord & Getis (1995) Geogr. Anal. 27; "
    "Benjamini & Hochberg (1995) JRSS B 57; Caldas de Castro & Singer (2006) Geogr. "
    "Anal. 38; PySAL esda G_Local(star=True)"
)


#: Said with every row-standardised result: its z-scores are esda's, not unit normal.
_ROW_STANDARDISED: Final = (
    "Row-standardised weights: z-scores as esda's G_Local, whose variance treats "
    "the weights as binary; under no clustering they spread about 1/sqrt(k) as "
    "wide as a normal z (k neighbours, 1/3 for the 3 x 3 queen), so few cells "
    "reach significance. Binary weights (transform B) give unit-normal z-scores."
)


def _kernel(radius: int, shape: Neighbourhood) -> F64:
    if radius < 1:
        msg = f"radius must be >= 1 cell; got {radius}."
        raise ConfigError(msg)
    r = int(radius)
    di, dj = np.mgrid[-r : r + 1, -r : r + 1]
    if shape == "queen":
        k = np.ones_like(di, dtype=np.float64)
    elif shape == "rook":
        k = ((np.abs(di) + np.abs(dj)) <= r).astype(np.float64)
    elif shape == "disc":
        k = ((di * di + dj * dj) <= r * r).astype(np.float64)
    else:
        msg = f"neighbourhood must be queen, rook or disc; got {shape!r}."
        raise ConfigError(msg)
    return k


def benjamini_hochberg(p: F64) -> F64:
    """Return Benjamini-Hochberg q-values (FDR-adjusted p-values), same shape as ``p``."""
    flat = np.asarray(p, dtype=np.float64).ravel()
    n = flat.size
    if n == 0:
        return flat.reshape(np.shape(p))
    order = np.argsort(flat)
    ranked = flat[order] * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(q, 1.0)
    return out.reshape(np.shape(p))


@dataclass(frozen=True, kw_only=True)
class GiStarResult(Result):
    """Gi* per cell. ``frame``: ``row``, ``col`` (``index`` for areas given as a 1-D
    array), ``value``, ``g``, ``z``, ``p_value`` (two-sided normal), ``q_value``
    (Benjamini-Hochberg) and ``spot`` (``hot``, ``cold`` or ``none`` at ``alpha``).
    The arrays have the shape of the values."""

    g: F64
    z: F64
    p: F64
    q: F64
    spot: npt.NDArray[np.str_]
    alpha: float


def gi_star(
    values: F64,
    *,
    radius: int = 1,
    neighbourhood: Neighbourhood = "queen",
    transform: Literal["B", "R"] = "B",
    alpha: float = 0.05,
) -> GiStarResult:
    """Return Getis-Ord Gi* of a grid of values (e.g. counts per cell), FDR-corrected.

    Parameters
    ----------
    values
        Array ``(ny, nx)``; row 0 is the south. Cells outside the study area (water,
        another force's ground) are NaN or masked (a numpy masked array): they are
        left out of ``n``, the mean and the variance and are no cell's neighbour,
        as if the grid held only the others (esda on the same weights restricted
        to them); their ``g``, ``z``, ``p`` and ``q`` are NaN, ``spot`` ``none``,
        and the FDR counts only the cells tested.
    radius, neighbourhood
        Which cells are neighbours (the cell itself always is).
    transform
        ``"B"`` binary weights, ``"R"`` row-standardised.
    alpha
        False discovery rate for the hot/cold classes.
    """
    y = np.ma.filled(np.ma.asarray(values, dtype=np.float64), np.nan)
    if y.ndim != 2 or y.size < 3:
        msg = "values must be a 2-D grid with at least 3 cells."
        raise ConfigError(msg)
    _check_transform(transform)
    _check_alpha(alpha, "gi_star")
    k = _kernel(radius, neighbourhood)
    inside = np.isfinite(y)
    if inside.sum() < 3:
        msg = "values must hold at least 3 cells that are not NaN or masked."
        raise ConfigError(msg)
    y = np.where(inside, y, np.nan)  # +-inf are outside too
    filled = np.where(inside, y, 0.0)
    from scipy import ndimage  # imported where it is used

    card = ndimage.convolve(inside.astype(np.float64), k, mode="constant", cval=0.0)
    wy = ndimage.convolve(filled, k, mode="constant", cval=0.0)
    if transform == "R":
        with np.errstate(divide="ignore", invalid="ignore"):
            wy = wy / card
        card = np.ones_like(y)
    params = {"radius": radius, "neighbourhood": neighbourhood}
    return _gi_result(y, wy, card, transform=transform, alpha=alpha, params=params)


def gi_star_weights(
    values: F64,
    weights: npt.ArrayLike | sparse.sparray | sparse.spmatrix,
    *,
    transform: Literal["B", "R"] = "B",
    alpha: float = 0.05,
) -> GiStarResult:
    """Return Gi* with any spatial weights (areas, distance bands, kernels).

    ``weights`` is an ``(n, n)`` matrix, dense or scipy sparse, whose entry ``(i, j)``
    is the weight of cell or area ``j`` for ``i`` (libpysal's ``W.sparse``), over the
    values of ``values`` in row-major order (a grid ``(ny, nx)`` or ``n`` areas).
    ``"B"`` counts every non-zero weight as 1; ``"R"`` divides each row by its sum.
    Gi* includes each cell itself: where the whole diagonal is empty it is filled
    with 1 (``"B"``) or with the row's largest weight (``"R"``), and a diagonal
    that is given is kept: the rule of esda's ``G_Local(y, w, transform,
    star=True)``, which this agrees with to 1e-9 (a test). :func:`gi_star` is the
    same statistic for neighbourhoods of grid cells, by convolution.
    """
    y = np.asarray(values, dtype=np.float64)
    n = y.size
    if y.ndim not in (1, 2) or n < 3:
        msg = "values must be a 1-D or 2-D array with at least 3 cells."
        raise ConfigError(msg)
    _check_transform(transform)
    _check_alpha(alpha, "gi_star_weights")
    if not np.isfinite(y).all():
        msg = (
            "values hold NaN or infinite entries: leave those areas out of the values "
            "and of the weights' rows and columns (or give a grid to gi_star, which "
            "reads NaN cells as outside the study area)."
        )
        raise ConfigError(msg)
    from scipy import sparse  # imported where it is used

    w = sparse.csr_array(weights, dtype=np.float64)
    if w.shape != (n, n):
        msg = (
            f"weights must be {n} x {n} (one row and column per value); got {w.shape}."
        )
        raise ConfigError(msg)
    if not np.isfinite(w.data).all() or (w.data < 0).any():
        msg = "weights must be finite and non-negative."
        raise ConfigError(msg)
    w.sum_duplicates()
    w.eliminate_zeros()
    if not w.diagonal().any():
        own = np.ones(n) if transform == "B" else w.max(axis=1).toarray().ravel()
        w = sparse.csr_array(w + sparse.diags_array(own))
        w.eliminate_zeros()
    if transform == "B":
        w.data[:] = 1.0
    row_sum = np.asarray(w.sum(axis=1)).ravel()
    if transform == "R":
        with np.errstate(divide="ignore", invalid="ignore"):
            w = sparse.csr_array(sparse.diags_array(1.0 / row_sum) @ w)
        row_sum = np.asarray(w.sum(axis=1)).ravel()
    wy = (w @ y.ravel()).reshape(y.shape)
    card = row_sum.reshape(y.shape)
    params = {"weights": f"{w.nnz} non-zero of {n} x {n}"}
    return _gi_result(y, wy, card, transform=transform, alpha=alpha, params=params)


def _check_alpha(alpha: float, name: str) -> None:
    """A rate, not a percentage: ``alpha=5`` classed every cell hot or cold."""
    if not (isinstance(alpha, numbers.Real) and 0 < alpha < 1):  # numpy's too
        msg = (
            f"The 'alpha' parameter of {name} must be a float in (0, 1), e.g. 0.05 "
            f"for 5 %. Got {alpha!r} instead."
        )
        raise ConfigError(msg)


def _check_transform(transform: str) -> None:
    if transform not in ("B", "R"):
        msg = f"transform must be B or R; got {transform!r}."
        raise ConfigError(msg)


#: The opening of the note of a Gi* result on which no cell can be cold
NO_COLD_SPOT: Final = "No cell can be a cold spot"


def _no_cold_note(
    values: F64, z: F64, card: F64, inside: npt.NDArray[np.bool_], alpha: float
) -> str | None:
    """Say when no cell can be a cold spot, and why.

    The lowest z a cell can reach is that of a neighbourhood with no events,
    ``-E/sqrt(V)`` (``G* = 0``), which is ``-sqrt(W(n-1)/(n-W)) * ybar/s``: it needs a
    mean large beside the spread. A count grid over the events' bounding box is
    mostly empty cells (mean far below its s.d.), so even an empty neighbourhood lies
    too little below the mean to be significant. When that floor's two-sided p
    exceeds ``alpha`` no cell can be cold at any FDR (a q-value is never below its
    p), and the note says so rather than let "0 cold" read as a finding. With
    cells outside the study area (NaN or masked: ``inside`` not all true) the
    empty ground is already out, so the note blames the window's few events, not
    the box, and does not advise the study area the caller gave.
    """
    n = values.size
    if n < 2 or not np.isfinite(z).any():
        return None  # no spread: no z at all, said by the z being NaN
    mean = float(values.mean())
    sd = float(values.std())
    w = float(np.nanmax(np.where(inside, card, np.nan)))
    floor = -np.sqrt(w * (n - 1) / (n - w)) * mean / sd if w < n else -np.inf
    from scipy import stats  # imported where it is used

    p_floor = 2.0 * float(stats.norm.sf(abs(floor)))
    if p_floor <= alpha:
        return None
    empty = float((values == 0).mean())
    why = (
        "A grid over the events' bounding box holds mostly zeros, so nothing lies "
        "far enough below the mean: '0 cold' is no finding. Cold spots need a study "
        "area of cells where events can happen (cells outside it NaN or masked: the "
        "force area, or cells with an event in a longer history)."
        if inside.all()
        else "Even over the study area the window's events are too few for an "
        "empty neighbourhood to lie far enough below the mean: '0 cold' is no "
        "finding. A longer window gives each cell more events."
    )
    return (
        f"{NO_COLD_SPOT} here: even a cell whose whole neighbourhood is "
        f"empty has z {floor:.2f} (p {p_floor:.2g}, above {alpha:g}), since the "
        f"cells average {mean:.3g} events against a standard deviation of {sd:.3g} "
        f"({empty:.0%} of the {n:,} cells are empty). {why}"
    )


def _gi_result(
    y: F64,
    wy: F64,
    card: F64,
    *,
    transform: str,
    alpha: float,
    params: Mapping[str, object],
) -> GiStarResult:
    """Gi*, its z, p and FDR q-values and the hot/cold classes from the weighted
    sums ``wy`` and the weight totals ``card`` (the formulas of the module). NaN
    values are cells outside the study area (:func:`gi_star`): left out of ``n``,
    the moments and the FDR, with NaN statistics."""
    inside = ~np.isnan(y)
    n = int(inside.sum())
    total = float(y[inside].sum())
    mean = total / n
    var = float((y[inside] ** 2).sum()) / n - mean * mean
    # a grid without events (a week with none, data ending before the last
    # slice) has no spread to test against: z is NaN, p 1, no spot
    spread = var / (mean * mean) if mean != 0 else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        g = wy / total
        expected = card / n
        v = card * (n - card) / (n - 1) / (n * n) * spread
        z = (g - expected) / np.sqrt(v)
    g = np.where(inside, g, np.nan)
    z = np.where(inside, z, np.nan)
    from scipy import stats  # imported where it is used

    p = 2.0 * stats.norm.sf(np.abs(z))
    p = np.where(np.isfinite(p), p, 1.0)
    q = np.full(y.shape, np.nan)
    q[inside] = benjamini_hochberg(p[inside])
    p = np.where(inside, p, np.nan)
    spot = np.where(
        (q <= alpha) & (z > 0), "hot", np.where((q <= alpha) & (z < 0), "cold", "none")
    )
    if y.ndim == 2:
        ny, nx = y.shape
        where = {"row": np.repeat(np.arange(ny), nx), "col": np.tile(np.arange(nx), ny)}
    else:
        where = {"index": np.arange(n)}
    frame = pl.DataFrame(
        {
            **where,
            "value": y.ravel(),
            "g": g.ravel(),
            "z": z.ravel(),
            "p_value": p.ravel(),
            "q_value": q.ravel(),
            "spot": spot.ravel(),
        }
    )
    return GiStarResult(
        frame=frame,
        params={**params, "transform": transform, "alpha": alpha},
        method="Getis-Ord Gi* (self included), normal z, Benjamini-Hochberg FDR",
        source=_SOURCE,
        notes=(
            f"{int((spot == 'hot').sum()):,} hot and {int((spot == 'cold').sum()):,} "
            f"cold cells of {n:,} at FDR {alpha}.",
            *(
                (
                    f"{y.size - n:,} cells outside the study area (NaN or masked) left out.",
                )
                if n < y.size
                else ()
            ),
            *((_ROW_STANDARDISED,) if transform == "R" else ()),
            *(
                n
                for n in (_no_cold_note(y[inside], z[inside], card, inside, alpha),)
                if n
            ),
        ),
        g=g,
        z=z,
        p=p,
        q=q,
        spot=spot,
        alpha=alpha,
    )


def hotspot_change(before: F64, after: F64, **options: object) -> pl.DataFrame:
    """Cross the Gi* classes of two periods' grids: one row per cell with
    ``before``, ``after`` (hot/cold/none) and ``change`` (``new hot``, ``still hot``,
    ``no longer hot``, ``new cold``, ``still cold``, ``no longer cold``, ``hot to
    cold``, ``cold to hot`` or ``none``).

    Both grids are the counts of the same cells (one grid over both periods, e.g.
    ``Grid.anchored`` over the events of both); their shapes must agree.
    """
    if np.shape(before) != np.shape(after):
        msg = (
            f"before {np.shape(before)} and after {np.shape(after)} grids differ in "
            "shape: count both periods on one grid covering both."
        )
        raise ConfigError(msg)
    a = gi_star(before, **options)  # type: ignore[arg-type]
    b = gi_star(after, **options)  # type: ignore[arg-type]
    sa = a.spot.ravel()
    sb = b.spot.ravel()
    change = np.full(sa.shape, "none", dtype=object)
    rules = [
        ((sa != "hot") & (sa != "cold") & (sb == "hot"), "new hot"),
        ((sa == "hot") & (sb == "hot"), "still hot"),
        ((sa == "hot") & (sb == "none"), "no longer hot"),
        ((sa != "hot") & (sa != "cold") & (sb == "cold"), "new cold"),
        ((sa == "cold") & (sb == "cold"), "still cold"),
        ((sa == "cold") & (sb == "none"), "no longer cold"),
        ((sa == "hot") & (sb == "cold"), "hot to cold"),
        ((sa == "cold") & (sb == "hot"), "cold to hot"),
    ]
    for mask, label in rules:
        change[mask] = label
    return a.frame.select("row", "col").with_columns(
        before=pl.Series(sa),
        after=pl.Series(sb),
        z_before=pl.Series(a.z.ravel()),
        z_after=pl.Series(b.z.ravel()),
        change=pl.Series(change.astype(str)),
    )


def mann_kendall(series: F64) -> tuple[F64, F64]:
    """Return the Mann-Kendall trend z and two-sided p along the first axis.

    ``series`` has shape ``(T, ...)``; no tie correction (z-scores rarely tie).
    """
    s_arr = np.asarray(series, dtype=np.float64)
    t = s_arr.shape[0]
    s = np.zeros(s_arr.shape[1:])
    for i in range(t - 1):  # loop over time slices only (tens), vectorised over cells
        s += np.sign(s_arr[i + 1 :] - s_arr[i]).sum(axis=0)
    var = t * (t - 1) * (2 * t + 5) / 18.0
    z = np.where(
        s > 0, (s - 1) / np.sqrt(var), np.where(s < 0, (s + 1) / np.sqrt(var), 0.0)
    )
    from scipy import stats  # imported where it is used

    return z, 2.0 * stats.norm.sf(np.abs(z))


def emerging_hotspots(
    slices: F64, *, alpha: float = 0.05, **options: object
) -> pl.DataFrame:
    """Classify each cell by the ArcGIS / sfdep emerging hot spot rules.

    ``slices`` has shape ``(T, ny, nx)`` (e.g. counts per week), oldest first, with
    ``T >= 3``; NaN or masked cells are outside the study area (:func:`gi_star`).
    A cell outside in every slice gets no pattern (``none``) and a NaN ``trend_z``
    and ``trend_p`` (never tested). A cell outside in some slices only (NaN in
    some periods, not others) is :data:`INSUFFICIENT_DATA`, with a NaN trend:
    the rules read each slice's class (hot in the last slice, never hot before,
    hot in 90 % of the slices), and a slice with no value is neither hot nor not
    hot, so no pattern can be told (read as "not hot", and its z as 0 in the
    trend test, a cell missing its first half and hot since read
    *consecutive*). ``hot_slices`` counts the slices it was hot in. Returns
    ``row``, ``col``, ``hot_slices``, ``trend_z``, ``trend_p`` and ``pattern``
    (new, consecutive, intensifying, persistent, diminishing, sporadic,
    oscillating, historical, none, insufficient data).
    """
    # masked cells (outside the study area) as NaN, which gi_star leaves out
    arr = np.ma.filled(np.ma.asarray(slices, dtype=np.float64), np.nan)
    if arr.ndim != 3 or arr.shape[0] < 3:
        msg = "slices must have shape (T, ny, nx) with T >= 3."
        raise ConfigError(msg)
    _check_alpha(alpha, "emerging_hotspots")
    t = arr.shape[0]
    res = [gi_star(arr[k], alpha=alpha, **options) for k in range(t)]  # type: ignore[arg-type]
    z = np.stack([r.z for r in res])
    hot = np.stack([r.spot == "hot" for r in res])
    cold = np.stack([r.spot == "cold" for r in res])
    trend_z, trend_p = mann_kendall(np.nan_to_num(z))
    # a cell outside the study area in every slice was never tested: no trend
    # (NaN, as its Gi* statistics), not "no trend found" (z 0, p 1)
    never = np.isnan(z).all(axis=0)
    trend_z, trend_p = (
        np.where(never, np.nan, trend_z),
        np.where(never, np.nan, trend_p),
    )
    n_hot = hot.sum(axis=0)
    last = hot[-1]
    before_hot = hot[:-1].sum(axis=0)
    ever_cold = cold.any(axis=0)
    share = n_hot / t
    # length of the run of hot slices ending at the last slice
    run = np.zeros(last.shape, dtype=np.int64)
    alive = np.ones(last.shape, dtype=bool)
    for k in range(t - 1, -1, -1):
        alive &= hot[k]
        run += alive
    up = (trend_p <= alpha) & (trend_z > 0)
    down = (trend_p <= alpha) & (trend_z < 0)
    pattern = np.full(last.shape, "none", dtype=object)
    ninety = share >= 0.9
    pattern[(~last) & (hot[:-1].sum(axis=0) / max(t - 1, 1) >= 0.9)] = "historical"
    pattern[last & ever_cold] = "oscillating"
    pattern[last & ~ever_cold & (before_hot > 0) & (run < n_hot) & ~ninety] = "sporadic"
    pattern[last & ~ever_cold & (run == n_hot) & (n_hot >= 2) & ~ninety] = "consecutive"
    pattern[last & (n_hot == 1) & ~ever_cold] = "new"
    pattern[last & ninety & ~up & ~down] = "persistent"
    pattern[last & ninety & up] = "intensifying"
    pattern[last & ninety & down] = "diminishing"
    # outside the study area in some slices only: no pattern can be told
    gaps = np.isnan(arr)
    partial = gaps.any(axis=0) & ~gaps.all(axis=0)
    pattern[partial] = INSUFFICIENT_DATA
    trend_z, trend_p = (
        np.where(partial, np.nan, trend_z),
        np.where(partial, np.nan, trend_p),
    )
    ny, nx = last.shape
    return pl.DataFrame(
        {
            "row": np.repeat(np.arange(ny), nx),
            "col": np.tile(np.arange(nx), ny),
            "hot_slices": n_hot.ravel().astype(np.int64),
            "trend_z": trend_z.ravel(),
            "trend_p": trend_p.ravel(),
            "pattern": pattern.ravel().astype(str),
        }
    )


def dual_kde(
    events: F64,
    population: F64,
    *,
    sigma_cells: float = 1.0,
    min_population: float = 1.0,
) -> F64:
    """Return the risk per head: Gaussian-smoothed events / smoothed population.

    Both grids have the same shape; cells whose smoothed population is below
    ``min_population`` are NaN (a rate over almost nobody is noise). Cells outside
    the study area (NaN or masked in either grid, as for :func:`gi_star`) hold no
    events and no people in both smoothings, so they lower neither side of a
    neighbour's ratio; their own rate is NaN. (Smoothed as given, one NaN cell
    turned every cell within three sigmas NaN, and a masked array's hidden values
    were counted.) ``sigma_cells`` and ``min_population`` must be positive finite
    numbers, a ConfigError otherwise (a ``min_population`` of 0 gave infinite rates
    in cells of no people, a NaN sigma an all-NaN grid and an infinite one
    Python's OverflowError).
    """
    e = np.ma.filled(np.ma.asarray(events, dtype=np.float64), np.nan)
    pop = np.ma.filled(np.ma.asarray(population, dtype=np.float64), np.nan)
    if e.shape != pop.shape:
        msg = f"events {e.shape} and population {pop.shape} grids differ in shape."
        raise ConfigError(msg)
    for name, value in (
        ("sigma_cells", sigma_cells),
        ("min_population", min_population),
    ):
        if not (value > 0 and np.isfinite(value)):
            msg = f"{name} must be a positive finite number; got {value}."
            raise ConfigError(msg)
    inside = np.isfinite(e) & np.isfinite(pop)
    e, pop = np.where(inside, e, 0.0), np.where(inside, pop, 0.0)
    from scipy import ndimage  # imported where it is used

    se = ndimage.gaussian_filter(e, sigma_cells, mode="constant", truncate=3.0)
    sp = ndimage.gaussian_filter(pop, sigma_cells, mode="constant", truncate=3.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        rate = se / sp
    # a tiny min_population (1e-310) can still leave a rate past the largest float
    return np.where(inside & (sp >= min_population) & np.isfinite(rate), rate, np.nan)
