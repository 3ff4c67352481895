"""A patrol plan: the top cells of a forecast for a budget, with the share of events
such a plan caught when backtested on the user's own recent days (never in-sample)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.forecast._base import Forecaster, Risk
from avert.analyse.forecast._evaluate import select_top
from avert.analyse.forecast._grid import Events, Grid, to_days
from avert.analyse.result import Result
from avert.errors import ConfigError

__all__ = [
    "Backtest",
    "ForecastPlan",
    "backtest_share",
    "backtest_starts",
    "budget_cells",
    "measure_backtest",
    "plan_patrols",
]

_SOURCE: Final = (
    "Chainey, Tompson & Uhlig (2008) (hit rate, PAI); rolling-origin backtest on the "
    "user's own last days (Tashman 2000, Int. J. Forecasting 16)"
)


def budget_cells(
    grid: Grid,
    *,
    cells: int | None = None,
    km2: float | None = None,
    at_most_grid: bool = False,
    check: bool = True,
) -> int:
    """Return the number of cells of a patrol budget given in cells or in km²
    (whole cells: the km² rounded down).

    ``at_most_grid``: a budget larger than the grid is the whole grid (the grid
    spans the events, so a small or new store may hold fewer cells than a list's
    length); otherwise it is an error. ``check=False`` returns the number asked for
    without checking it against the grid.
    """
    if (cells is None) == (km2 is None):
        msg = "Give the patrol budget either in cells or in km², not both."
        raise ConfigError(msg)
    k = int(cells) if cells is not None else int(np.floor(km2 / grid.cell_area_km2))  # type: ignore[operator]
    if check and k < 1:
        cell = f"{grid.cell_size_m:g} m cell ({grid.cell_area_km2:g} km²)"
        msg = (
            f"The patrol budget must be positive; got {cells} cells."
            if cells is not None
            else f"The patrol budget must be positive; got {km2:g} km²."
            if not km2 > 0  # type: ignore[operator]
            else f"A patrol budget of {km2:g} km² is less than one {cell}; give "
            f"at least {grid.cell_area_km2:g} km² (or a smaller --cell)."
        )
        raise ConfigError(msg)
    if at_most_grid:
        k = min(k, grid.n_cells)
    if check and not 1 <= k <= grid.n_cells:
        msg = f"The patrol budget must cover 1 to {grid.n_cells} cells; got {k}."
        raise ConfigError(msg)
    return k


def backtest_share(
    make_model: Callable[[Grid], Forecaster],
    events: Events,
    grid: Grid,
    at: dt.datetime,
    k: int,
    *,
    days: int = 90,
    horizon: dt.timedelta = dt.timedelta(days=1),
    scored: Events | None = None,
) -> tuple[float | None, int, int]:
    """Return (share of events caught, events, periods) by the top ``k`` cells, backtested.

    The periods are those of :func:`backtest_starts`: over the ``days`` days before
    ``at``, one a day at ``at``'s time of day (a horizon of a day or less: an 8-hour
    shift is scored on the same shift of each day), or one every horizon when it is
    longer than a day; each ends by ``at``. For each, the model is fitted on the
    events before the period's start and its top ``k`` cells are scored on the
    period's events. Settings a model learns by search are learnt once, from the
    events before the first period (:meth:`Forecaster.frozen`: no look-ahead). The
    share is event-weighted (None without events). ``scored``: the events a
    period's top cells are scored on, when not all the model learns from (those
    that say their hour, for periods shorter than a day); default ``events``.
    """
    step = horizon.total_seconds() / 86_400.0
    starts = backtest_starts(to_days(at), days, horizon)
    hits = 0
    total = 0
    used = 0
    if starts.size == 0:
        return None, 0, 0
    t_first = float(starts[0])
    model = make_model(grid).frozen(events.before(t_first), t_first)
    for t0 in starts.tolist():
        past = events.before(t0)
        if len(past) == 0:
            continue
        test = (events if scored is None else scored).between(t0, t0 + step)
        start = dt.datetime(1970, 1, 1) + dt.timedelta(days=t0)
        risk = model.fit(past).predict(start, horizon)
        chosen = np.zeros(grid.n_cells, dtype=bool)
        chosen[select_top(risk, k)] = True
        hits += int(chosen[test.cell].sum())
        total += len(test)
        used += 1
    return (hits / total if total else None), total, used


def backtest_starts(
    t_at: float, days: int, horizon: dt.timedelta = dt.timedelta(days=1)
) -> npt.NDArray[np.float64]:
    """Return the starts (days since 1970) of the backtest periods before ``t_at``.

    Periods start every ``max(1 day, horizon)`` back from ``t_at`` and stay within
    the ``days`` days before it: 90 daily periods for 24 hours or an 8-hour shift
    (at ``t_at``'s time of day), 12 weekly ones for 7 days. Oldest first.
    """
    stride = max(1.0, horizon.total_seconds() / 86_400.0)
    n = int(np.floor(days / stride + 1e-9))
    return t_at - stride * np.arange(n, 0, -1, dtype=np.float64)


@dataclass(frozen=True, kw_only=True)
class ForecastPlan(Result):
    """The top cells of a forecast for a patrol budget.

    ``frame``: ``rank``, ``row``, ``col``, ``x``, ``y`` (cell centre, metres),
    ``risk`` and ``cell_id`` (avert's stable cell id when the grid is CRS-anchored);
    for a model made of parts (:meth:`Forecaster.parts`) also ``part_<name>``, each
    part's share of the cell's risk, with the parts' labels in ``params["parts"]``.

    Attributes
    ----------
    risk
        The whole forecast grid, shape ``(ny, nx)``.
    grid
        The grid.
    k
        Cells in the plan.
    area_km2
        Area of the plan.
    backtest_share
        Share of events the same plan caught over the backtest days (None if none).
    backtest_events, backtest_days
        Events and days that share is measured on (the days the scored periods
        span: :func:`backtest_starts`).
    maps
        The maps the forecast combined, each ``(name, weight)``
        (:meth:`Forecaster.maps_used`; empty for a model of one map): for the
        default, the long-memory maps among them when the history given spans
        more than 1.5 years. ``method`` names the same maps
        (:meth:`Forecaster.method_used`).
    """

    risk: Risk
    grid: Grid
    k: int
    area_km2: float
    backtest_share: float | None
    backtest_events: int
    backtest_days: int
    maps: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class Backtest:
    """A plan's backtest (:func:`backtest_share`), measured once and given to
    :func:`plan_patrols` of a later time: the share ``share`` of ``events`` the top
    ``k`` cells caught over ``periods`` periods of ``horizon`` in the ``days`` days
    before ``at``.
    """

    share: float | None
    events: int
    periods: int
    at: dt.datetime
    k: int
    days: int
    horizon: dt.timedelta


def measure_backtest(
    model: Callable[[Grid], Forecaster],
    events: Events,
    grid: Grid,
    at: dt.datetime,
    k: int,
    *,
    days: int = 90,
    horizon: dt.timedelta = dt.timedelta(days=1),
    scored: Events | None = None,
) -> Backtest:
    """:func:`backtest_share` of the top ``k`` cells over the ``days`` days before
    ``at``, kept with what it was measured on."""
    share, n_ev, n_periods = backtest_share(
        model, events, grid, at, k, days=days, horizon=horizon, scored=scored
    )
    return Backtest(share, n_ev, n_periods, at, k, days, horizon)


def plan_patrols(
    model: Callable[[Grid], Forecaster],
    events: Events,
    grid: Grid,
    *,
    at: dt.datetime,
    horizon: dt.timedelta = dt.timedelta(days=1),
    k: int,
    backtest_days: int = 90,
    model_name: str = "default",
    scored: Events | None = None,
    backtest: Backtest | None = None,
) -> ForecastPlan:
    """Forecast ``[at, at + horizon)`` and return its top ``k`` cells with the
    backtested share they can be expected to cover (scored on ``scored``, default
    ``events``: :func:`backtest_share`).

    ``backtest``: one measured before (:func:`measure_backtest`, e.g. as of the
    start of ``at``'s day, on the same options), used when it is of ``k`` cells,
    ``backtest_days`` days and ``horizon``, ends by ``at`` and, for a horizon
    shorter than a day, at ``at``'s time of day (its periods are that shift of
    each day: one of 00:00 scored the night's shift for an 08:00-16:00 forecast),
    instead of measuring again; ``params["backtest_to"]`` says the time it ends
    at (``at`` when measured here)."""
    fitted = model(grid)
    risk = fitted.fit(events.before(to_days(at))).predict(at, horizon)
    top = select_top(risk, k)
    top = top[np.lexsort((-top, -risk.ravel()[top]))]
    nx = grid.shape[1]
    s = grid.cell_size_m
    rows = top // nx
    cols = top % nx
    x0, y0 = grid.origin_xy
    frame = pl.DataFrame(
        {
            "rank": np.arange(1, top.size + 1),
            "row": rows,
            "col": cols,
            "x": x0 + (cols + 0.5) * s,
            "y": y0 + (rows + 0.5) * s,
            "risk": risk.ravel()[top],
        }
    )
    parts = fitted.parts(top)
    if parts:
        frame = frame.with_columns(
            pl.Series(f"part_{name}", share) for name, _, share in parts
        )
    label = f"{int(s)}m" if float(s).is_integer() else f"{s}m"
    anchored = float(x0 / s).is_integer() and float(y0 / s).is_integer()
    if anchored:
        frame = frame.with_columns(
            cell_id=pl.format(
                "{}:E{}:N{}",
                pl.lit(label),
                (pl.col("col") + int(x0 / s)),
                (pl.col("row") + int(y0 / s)),
            )
        )
    if backtest is None or not _fits(backtest, at, k, backtest_days, horizon):
        backtest = measure_backtest(
            model,
            events,
            grid,
            at,
            k,
            days=backtest_days,
            horizon=horizon,
            scored=scored,
        )
    share, n_ev, n_days = backtest.share, backtest.events, backtest.periods
    hours = horizon.total_seconds() / 3600
    notes = [
        f"Expected share = share of events the same budget caught, backtested on the "
        f"{n_days} periods of {hours:g} hours in the {backtest_days} days before "
        f"{backtest.at:%Y-%m-%d %H:%M} ({n_ev} events); never in-sample."
    ]
    return ForecastPlan(
        frame=frame,
        params={
            "model": model_name,
            "at": at,
            "horizon_hours": horizon.total_seconds() / 3600,
            "cell_size_m": s,
            "cells": k,
            "backtest_days": backtest_days,
            "backtest_to": backtest.at,
            "parts": {name: text for name, text, _ in parts},
        },
        method=fitted.method_used(),
        source=f"{getattr(fitted, 'source', '')}; {_SOURCE}",
        notes=tuple(notes),
        risk=risk,
        grid=grid,
        k=k,
        area_km2=k * grid.cell_area_km2,
        backtest_share=share,
        backtest_events=n_ev,
        backtest_days=round(n_days * max(1.0, hours / 24)),
        maps=fitted.maps_used(),
    )


def _fits(
    backtest: Backtest, at: dt.datetime, k: int, days: int, horizon: dt.timedelta
) -> bool:
    """Whether ``backtest`` is the one :func:`plan_patrols` would measure as of
    ``at`` but for its end: of ``k`` cells, ``days`` days and ``horizon``, ending
    by ``at`` (no look-ahead) and, for a horizon shorter than a day, at ``at``'s
    time of day (its periods are that shift of each day)."""
    return (
        (backtest.k, backtest.days, backtest.horizon) == (k, days, horizon)
        and backtest.at <= at
        and (horizon >= dt.timedelta(days=1) or backtest.at.time() == at.time())
    )
