"""Places for today: a recency- and harm-weighted kernel density of recent violence.

The daily risk meeting (seed footnote 2, Operation Verano) needs the few places where
violence is most likely in the next 24 hours. Until a fitted forecast replaces it,
avert uses a *prospective* kernel density surface over the last ``lookback_days``:

.. math::

    \\hat f(c) = \\sum_i w_i \\, K_h(\\lVert c - s_i \\rVert), \\qquad
    w_i = \\underbrace{\\frac{1}{1 + a_i / \\tau}}_{\\text{recency}}
          \\; \\underbrace{(1 + H_i)^{\\gamma}}_{\\text{harm}}

evaluated at the centre ``c`` of every square grid cell, where ``s_i`` is the place of
event ``i``, ``a_i`` its age in days at ``at``, ``tau`` the recency unit
(``recency_unit_days``, a week by default), ``H_i`` its Cambridge Crime Harm Index
weight in days and ``gamma`` the harm exponent (``harm_power``; 0 counts events, 1
weighs them by raw harm; the default 0.5 keeps one homicide from flattening a month
of assaults). ``K_h`` is the quartic (biweight) kernel of bandwidth ``h``,

.. math::  K_h(d) = \\frac{3}{\\pi h^2} \\left(1 - \\frac{d^2}{h^2}\\right)^2, \\; d < h,

or a Gaussian kernel with standard deviation ``h`` truncated at ``3h``. Scores are
weighted events per square kilometre.

Sources
-------
* Chainey, Tompson & Uhlig (2008), "The utility of hotspot mapping for predicting
  spatial patterns of crime", *Security Journal* 21: quartic KDE on a grid, cell size
  and bandwidth documented, gave the highest predictive accuracy index (PAI) of the
  common hotspot methods; hit rate = share of crime inside the hotspots.
* Bowers, Johnson & Pease (2004), "Prospective hot-spotting: the future of crime
  mapping?", *British Journal of Criminology* 44(5): recent nearby events weigh more;
  their weights fall as ``1 / (1 + elapsed weeks)``, the recency term above.
* Sherman, Neyroud & Neyroud (2016), the Cambridge Crime Harm Index (harm weights).

The grid is anchored at the CRS origin (as :mod:`avert.analyse.places`), so cell ids
match every other avert grid of the same size. It covers the bulk of the events: a
few far from it (a place mis-geocoded hundreds of km away) are left out with a note
(:func:`avert.analyse.forecast.bulk_events`), as the patrol grid's. Computation is vectorised: each event
adds its kernel to the ``(2r + 1)^2`` cells within the kernel's reach with one
``numpy.bincount`` over all events; there is no loop over events or cells.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.forecast import bulk_events
from avert.analyse.places import cell_expr
from avert.analyse.result import Result
from avert.errors import ConfigError
from avert.schema import check_frame

__all__ = ["HotspotResult", "Kernel", "recent_hotspots"]

Kernel = Literal["quartic", "gaussian"]
_MAX_GRID_CELLS: Final = 25_000_000
_METHOD: Final = (
    "recency- and harm-weighted kernel density on a grid (prospective hotspot map)"
)
#: the columns of a hotspot frame, in order
_COLUMNS: Final[dict[str, pl.DataType]] = {
    "rank": pl.Int64(),
    "cell_id": pl.String(),
    "x": pl.Float64(),
    "y": pl.Float64(),
    "score": pl.Float64(),
    "n_events": pl.Int64(),
    "harm_days": pl.Float64(),
}
_SOURCE: Final = (
    "Chainey, Tompson & Uhlig (2008) Security Journal 21 (quartic KDE, hit rate, PAI); "
    "Bowers, Johnson & Pease (2004) Br. J. Criminol. 44(5) (prospective, "
    "recency-weighted hotspots); Sherman, Neyroud & Neyroud (2016) (harm weights)"
)


@dataclass(frozen=True, kw_only=True)
class HotspotResult(Result):
    """The top cells of a prospective kernel density surface.

    ``frame`` has one row per top cell, best first: ``rank``, ``cell_id``, ``x`` and
    ``y`` (cell centre, metres), ``score`` (weighted events per km²),
    ``n_events`` and ``harm_days`` (recent events inside the cell).

    Attributes
    ----------
    n_events
        Recent events with a usable place (the events the surface is built from).
    share_events
        Share of those events inside the top cells (the hit rate of Chainey et al.
        2008, measured on the training window).
    share_harm
        Share of their harm (CCHI days) inside the top cells.
    area_km2
        Area of the top cells.
    cell_size_m, bandwidth_m
        Grid cell side and kernel bandwidth, in metres.
    """

    n_events: int
    share_events: float
    share_harm: float
    area_km2: float
    cell_size_m: float
    bandwidth_m: float


def _check_positive(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        msg = (
            f"The {name!r} parameter of recent_hotspots must be a number in "
            f"(0, inf). Got {value!r} instead."
        )
        raise ConfigError(msg)


def _kernel_values(
    d2: npt.NDArray[np.float64], *, bandwidth_m: float, kernel: Kernel
) -> npt.NDArray[np.float64]:
    """Kernel density (per m²) at squared distances ``d2`` (m²)."""
    h2 = bandwidth_m * bandwidth_m
    if kernel == "quartic":
        u = 1.0 - d2 / h2
        return np.where(u > 0.0, 3.0 / (math.pi * h2) * u * u, 0.0)
    inside = d2 <= 9.0 * h2
    return np.where(inside, np.exp(-0.5 * d2 / h2) / (2.0 * math.pi * h2), 0.0)


def recent_hotspots(
    incidents: pl.DataFrame,
    *,
    at: dt.datetime,
    lookback_days: int = 28,
    cell_size_m: float = 100.0,
    bandwidth_m: float = 250.0,
    kernel: Kernel = "quartic",
    recency_unit_days: float = 7.0,
    harm_power: float = 0.5,
    n_cells: int = 10,
) -> HotspotResult:
    """Return the top cells of a recency- and harm-weighted KDE of recent events.

    Parameters
    ----------
    incidents
        Events to map (pass only the violent ones): ``occurred_from``, ``x``, ``y``
        (metres); optional ``harm_days`` (null or absent counts 0 days, so the
        event weighs 1). Events outside ``[at - lookback_days, at)`` or without a
        place are left out, and so are those far from the bulk of the others
        (:func:`avert.analyse.forecast.bulk_events`, said in a note).
    at
        The moment the map is made for (the start of the next 24 hours).
    lookback_days
        Days of history in the surface (28 by default, as the issue asks).
    cell_size_m
        Side of the square grid cells, in metres.
    bandwidth_m
        Kernel bandwidth in metres: the quartic kernel's radius, or the Gaussian
        kernel's standard deviation.
    kernel
        ``"quartic"`` (Chainey et al. 2008) or ``"gaussian"``.
    recency_unit_days
        ``tau`` of the recency weight ``1 / (1 + age_days / tau)``: 7 gives the
        per-week decay of Bowers, Johnson & Pease (2004).
    harm_power
        ``gamma`` of the harm weight ``(1 + harm_days) ** gamma``; 0 ignores harm.
    n_cells
        How many top cells to return.

    Returns
    -------
    HotspotResult
        The top cells and the share of recent violence (events and harm) they hold.

    Raises
    ------
    ConfigError
        A parameter is out of range, or the grid over the events is too large.
    SchemaError
        ``incidents`` lacks ``occurred_from``, ``x`` or ``y``.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> at = dt.datetime(2024, 5, 1)
    >>> ev = pl.DataFrame(
    ...     {
    ...         "occurred_from": [at - dt.timedelta(days=d) for d in (1, 2, 3)],
    ...         "x": [530050.0, 530060.0, 531550.0],
    ...         "y": [180050.0, 180040.0, 181550.0],
    ...     }
    ... )
    >>> res = recent_hotspots(ev, at=at, n_cells=1)
    >>> res.frame["cell_id"].to_list(), round(res.share_events, 3)
    (['100m:E5300:N1800'], 0.667)
    """
    check_frame(incidents, ["occurred_from", "x", "y"], name="incidents")
    params = _hotspot_params(
        at=at,
        lookback_days=lookback_days,
        cell_size_m=cell_size_m,
        bandwidth_m=bandwidth_m,
        kernel=kernel,
        recency_unit_days=recency_unit_days,
        harm_power=harm_power,
        n_cells=n_cells,
    )
    events, stray = bulk_events(
        _recent_events(incidents, at=at, lookback_days=lookback_days),
        grid="hotspot map",
    )
    if events.height == 0:
        return _no_hotspots(params, at=at, lookback_days=lookback_days)
    grid = _weighted_kde(
        events,
        cell_size_m=cell_size_m,
        bandwidth_m=bandwidth_m,
        kernel=kernel,
        recency_unit_days=recency_unit_days,
        harm_power=harm_power,
    )
    return _hotspots(events, grid, params, stray=stray)


def _no_hotspots(
    params: dict[str, Any], *, at: dt.datetime, lookback_days: int
) -> HotspotResult:
    """The result of a window without an event with a place: no cells, shares 0."""
    return HotspotResult(
        frame=pl.DataFrame(schema=_COLUMNS),
        params=params,
        method=_METHOD,
        source=_SOURCE,
        notes=(f"No events with a place in the {lookback_days} days before {at}.",),
        n_events=0,
        share_events=0.0,
        share_harm=0.0,
        area_km2=0.0,
        cell_size_m=float(params["cell_size_m"]),
        bandwidth_m=float(params["bandwidth_m"]),
    )


def _hotspots(
    events: pl.DataFrame, grid: _Grid, params: dict[str, Any], *, stray: str | None
) -> HotspotResult:
    """The top cells of the surface ``grid`` over ``events`` (:func:`_top_cells`)
    and the shares of the events and of their harm inside them; ``stray``: the
    note on the events left out far from the bulk, if any."""
    cell_size_m = params["cell_size_m"]
    frame, in_top = _top_cells(
        events, grid, n_cells=params["n_cells"], cell_size_m=cell_size_m
    )
    harm_days = events["harm_days"].to_numpy()
    total_harm = float(harm_days.sum())
    return HotspotResult(
        frame=frame,
        params=params,
        method=_METHOD,
        source=_SOURCE,
        notes=(
            "A descriptive prospective map, not a fitted forecast: hit rate and PAI on "
            "held-out days belong to the forecasting analyses.",
            *([stray] if stray else []),
        ),
        n_events=events.height,
        share_events=float(in_top.sum()) / events.height,
        share_harm=float(harm_days[in_top].sum()) / total_harm if total_harm else 0.0,
        area_km2=frame.height * cell_size_m * cell_size_m / 1e6,
        cell_size_m=float(cell_size_m),
        bandwidth_m=float(params["bandwidth_m"]),
    )


def _top_cells(
    events: pl.DataFrame, grid: _Grid, *, n_cells: int, cell_size_m: float
) -> tuple[pl.DataFrame, npt.NDArray[np.bool_]]:
    """The best ``n_cells`` cells of the surface (best first, ties by cell index),
    with the recent events and harm inside each; and which events fall in them."""
    surface, ix, iy, ix0, iy0, nx, ny = grid
    harm_days = events["harm_days"].to_numpy()
    k = min(n_cells, int(np.count_nonzero(surface > 0)))
    top = np.argpartition(-surface, k - 1)[:k] if k > 0 else np.array([], np.int64)
    top = top[np.lexsort((top, -surface[top]))]
    top_ix, top_iy = top // ny + ix0, top % ny + iy0

    # recent events inside each top cell: the hit rate on the training window
    own = (ix - ix0) * ny + (iy - iy0)
    in_top = np.isin(own, top)
    counts = np.bincount(own[in_top], minlength=nx * ny)[top] if k else np.array([])
    harms = (
        np.bincount(own[in_top], weights=harm_days[in_top], minlength=nx * ny)[top]
        if k
        else np.array([])
    )
    frame = pl.DataFrame(
        {
            "rank": np.arange(1, k + 1, dtype=np.int64),
            "x": (top_ix + 0.5) * cell_size_m,
            "y": (top_iy + 0.5) * cell_size_m,
            "score": surface[top] * 1e6,
            "n_events": counts.astype(np.int64),
            "harm_days": harms.astype(np.float64),
        },
        schema={name: dtype for name, dtype in _COLUMNS.items() if name != "cell_id"},
    )
    return frame.with_columns(cell_expr(cell_size_m)).select(list(_COLUMNS)), in_top


def _hotspot_params(
    *,
    at: dt.datetime,
    lookback_days: int,
    cell_size_m: float,
    bandwidth_m: float,
    kernel: str,
    recency_unit_days: float,
    harm_power: float,
    n_cells: int,
) -> dict[str, Any]:
    """The options of recent_hotspots, echoed in its result's ``params``; a
    ConfigError naming the first out of range."""
    for name, value in (
        ("cell_size_m", cell_size_m),
        ("bandwidth_m", bandwidth_m),
        ("recency_unit_days", recency_unit_days),
    ):
        _check_positive(name, value)
    if not (isinstance(lookback_days, int) and lookback_days > 0):
        msg = (
            "The 'lookback_days' parameter of recent_hotspots must be a positive int. "
            f"Got {lookback_days!r} instead."
        )
        raise ConfigError(msg)
    if not (isinstance(n_cells, int) and n_cells > 0):
        msg = f"The 'n_cells' parameter of recent_hotspots must be a positive int. Got {n_cells!r} instead."
        raise ConfigError(msg)
    if not (isinstance(harm_power, int | float) and 0 <= harm_power <= 2):
        msg = f"The 'harm_power' parameter of recent_hotspots must be a number in [0, 2]. Got {harm_power!r} instead."
        raise ConfigError(msg)
    if kernel not in ("quartic", "gaussian"):
        msg = f"The 'kernel' parameter of recent_hotspots must be 'quartic' or 'gaussian'. Got {kernel!r} instead."
        raise ConfigError(msg)
    return {
        "at": at,
        "lookback_days": lookback_days,
        "cell_size_m": cell_size_m,
        "bandwidth_m": bandwidth_m,
        "kernel": kernel,
        "recency_unit_days": recency_unit_days,
        "harm_power": harm_power,
        "n_cells": n_cells,
    }


def _recent_events(
    incidents: pl.DataFrame, *, at: dt.datetime, lookback_days: int
) -> pl.DataFrame:
    """Events in ``[at - lookback_days, at)`` with a place: x, y, harm_days, age_days."""
    start = at - dt.timedelta(days=lookback_days)
    harm = (
        pl.col("harm_days").cast(pl.Float64).fill_null(0.0).clip(lower_bound=0.0)
        if "harm_days" in incidents.columns
        else pl.lit(0.0)
    )
    return incidents.filter(
        (pl.col("occurred_from") >= start)
        & (pl.col("occurred_from") < at)
        & pl.col("x").is_finite()
        & pl.col("y").is_finite()
    ).select(
        pl.col("x").cast(pl.Float64),
        pl.col("y").cast(pl.Float64),
        harm.alias("harm_days"),
        ((pl.lit(at) - pl.col("occurred_from")).dt.total_seconds() / 86_400.0).alias(
            "age_days"
        ),
    )


_Grid = tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    int,
    int,
    int,
    int,
]


def _weighted_kde(
    events: pl.DataFrame,
    *,
    cell_size_m: float,
    bandwidth_m: float,
    kernel: Kernel,
    recency_unit_days: float,
    harm_power: float,
) -> _Grid:
    """Recency- and harm-weighted KDE on a grid around the events.

    Returns the flat surface (``nx * ny`` cells, index ``(ix - ix0) * ny + (iy - iy0)``),
    each event's cell indices ``ix``, ``iy``, and the grid origin and shape.
    """
    x = events["x"].to_numpy()
    y = events["y"].to_numpy()
    harm_days = events["harm_days"].to_numpy()
    weight = (1.0 / (1.0 + events["age_days"].to_numpy() / recency_unit_days)) * (
        (1.0 + harm_days) ** harm_power
    )
    reach_m = bandwidth_m if kernel == "quartic" else 3.0 * bandwidth_m
    r = math.ceil(reach_m / cell_size_m)
    ix = np.floor(x / cell_size_m).astype(np.int64)
    iy = np.floor(y / cell_size_m).astype(np.int64)
    ix0, iy0 = int(ix.min()) - r, int(iy.min()) - r
    nx, ny = int(ix.max()) + r - ix0 + 1, int(iy.max()) + r - iy0 + 1
    if nx * ny > _MAX_GRID_CELLS:
        msg = (
            f"A {cell_size_m} m grid over these events has {nx * ny} cells; choose a "
            "larger cell_size_m or map one area at a time (--area)."
        )
        raise ConfigError(msg)
    offsets = np.arange(-r, r + 1, dtype=np.int64)
    grid_x, grid_y = np.meshgrid(offsets, offsets, indexing="ij")
    dx_cells, dy_cells = grid_x.ravel(), grid_y.ravel()
    # cells (events x stencil) and the distance of each event to each cell centre
    cx = ix[:, None] + dx_cells[None, :]
    cy = iy[:, None] + dy_cells[None, :]
    ddx = (cx + 0.5) * cell_size_m - x[:, None]
    ddy = (cy + 0.5) * cell_size_m - y[:, None]
    dens = _kernel_values(ddx * ddx + ddy * ddy, bandwidth_m=bandwidth_m, kernel=kernel)
    flat = ((cx - ix0) * ny + (cy - iy0)).ravel()
    surface = np.bincount(
        flat, weights=(dens * weight[:, None]).ravel(), minlength=nx * ny
    )
    return np.asarray(surface, dtype=np.float64), ix, iy, ix0, iy0, nx, ny
