"""Place forecasts for the next hours: one contract, several models, honest evaluation.

Every model is a :class:`Forecaster`: built on a :class:`Grid`, ``fit(events)`` with
a Polars frame of ``x``, ``y`` (metres) and ``occurred_at``, then
``predict(at, horizon)`` gives a risk per cell, an array of shape ``(ny, nx)`` with
row 0 the southernmost row and column 0 the westernmost. The models:

========== ============================================================ ==============
name       method                                                       source
========== ============================================================ ==============
counting   events per cell over a trailing window                       open_cp naive
retro      retrospective KDE (quartic/Gaussian), any window and decay   Chainey 2008
pro        prospective hotspot, 1/(1+cells) x 1/(1+weeks)               Bowers 2004
sepp       grid self-exciting point process, EM, tie-robust             Mohler 2011/15
default    count maps at several scales and the last days' events,      see ``_stack``
           weighted per forecast by likelihood
blend      decayed count + 0.1 x its one-cell smoothing (the former     see ``_blend``
           default)
========== ============================================================ ==============

:func:`forecast_grid` is the functional form the evaluation uses;
:func:`evaluate_days` and :func:`summarise` implement the rolling-origin protocol
(hit rate and PAI, bbox and active bases, open_cp's tie rule).
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Callable
from typing import Any, Final

import numpy as np
import polars as pl

from avert.analyse.forecast._base import Forecaster, Risk
from avert.analyse.forecast._blend import Blend
from avert.analyse.forecast._evaluate import (
    cells_for_coverage,
    evaluate_days,
    select_top,
    summarise,
)
from avert.analyse.forecast._grid import (
    BULK_NOTE_START,
    Events,
    Grid,
    bulk_bounds,
    bulk_events,
    bulk_notes,
    to_days,
)
from avert.analyse.forecast._plan import (
    Backtest,
    ForecastPlan,
    backtest_share,
    backtest_starts,
    budget_cells,
    measure_backtest,
    plan_patrols,
)
from avert.analyse.forecast._sepp import GridSEPP
from avert.analyse.forecast._simple import (
    Counting,
    Decay,
    ProspectiveKDE,
    RetrospectiveKDE,
    decay_weights,
)
from avert.analyse.forecast._stack import Stacked, mixture_weights
from avert.errors import ConfigError

__all__ = [
    "ALIASES",
    "BULK_NOTE_START",
    "MODELS",
    "Backtest",
    "Blend",
    "Counting",
    "Decay",
    "Events",
    "ForecastPlan",
    "Forecaster",
    "Grid",
    "GridSEPP",
    "ProspectiveKDE",
    "RetrospectiveKDE",
    "Risk",
    "Stacked",
    "backtest_share",
    "backtest_starts",
    "budget_cells",
    "bulk_bounds",
    "bulk_events",
    "bulk_notes",
    "cells_for_coverage",
    "decay_weights",
    "evaluate_days",
    "forecast_grid",
    "make_model",
    "measure_backtest",
    "mixture_weights",
    "model_name",
    "plan_patrols",
    "select_top",
    "summarise",
    "to_days",
]

MODELS: Final[dict[str, Callable[..., Forecaster]]] = {
    "default": Stacked,
    "blend": Blend,
    "counting": Counting,
    "retro": RetrospectiveKDE,
    "pro": ProspectiveKDE,
    "sepp": GridSEPP,
}


#: Other names users write for the models (the methods' names in open_cp and the
#: literature), read in any case.
ALIASES: Final[dict[str, str]] = {
    "count": "counting",
    "naive": "counting",
    "retrospective": "retro",
    "prospective": "pro",
    "self-exciting": "sepp",
}


def model_name(name: str) -> str:
    """The key of :data:`MODELS` that ``name`` means: any case, or an :data:`ALIASES` name.

    >>> model_name(" Retrospective ")
    'retro'

    Raises
    ------
    ConfigError
        When ``name`` is no model's name.
    """
    if not isinstance(name, str):  # None, a class: was an AttributeError on strip
        msg = f"The forecast model is named by text, one of {sorted(MODELS)}; got {name!r}."
        raise ConfigError(msg)
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in MODELS:
        msg = f"Unknown forecast model {name!r}; choose one of {sorted(MODELS)}."
        raise ConfigError(msg)
    return key


def make_model(name: str, grid: Grid, **params: Any) -> Forecaster:
    """Return the model called ``name`` (see :func:`model_name`) on ``grid``.

    Raises
    ------
    ConfigError
        When ``params`` holds an option the model does not take, naming the ones
        it does (it was Python's TypeError naming an internal class, e.g.
        ``_Trailing.__init__()`` for ``counting``).
    """
    key = model_name(name)
    factory = MODELS[key]
    options = inspect.signature(factory).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in options.values())
    unknown = sorted(set(params) - set(options) - {"grid"})
    if unknown and not takes_any:
        known = sorted(n for n in options if n != "grid")
        msg = f"The {key} model takes no option {', '.join(unknown)}; its options: {', '.join(known)}."
        raise ConfigError(msg)
    return factory(grid, **params)


def forecast_grid(
    events: pl.DataFrame,
    *,
    origin_xy: tuple[float, float],
    cell_size_m: float,
    shape: tuple[int, int],
    at: dt.datetime | dt.date | np.datetime64 | str,
    model: str = "default",
    horizon: dt.timedelta | np.timedelta64 = dt.timedelta(days=1),
    **params: Any,
) -> Risk:
    """Return the risk of every cell for ``[at, at + horizon)``, shape ``(ny, nx)``.

    Parameters
    ----------
    events
        Polars frame with ``x``, ``y`` (metres, any projected CRS) and
        ``occurred_at`` (naive local datetimes; aware ones are read as their
        wall-clock time; dates and ISO 8601 texts are read too, a text with an
        offset as the clock it writes; other texts, ``01/02/2023``, are refused:
        day or month first cannot be told; so are epoch numbers, whose unit
        cannot be told); only events before ``at`` are used (with zoned times,
        before its instant too: the hour the clocks go back repeats wall-clock
        times). A pandas frame (its index levels named ``x``, ``y`` or
        ``occurred_at`` read as columns) or a dict of columns is converted, a
        LazyFrame collected. docs/places.md, *The contract*, lists every form.
    origin_xy
        South-west corner of cell ``(0, 0)``.
    cell_size_m
        Side of a cell in metres.
    shape
        ``(ny, nx)``: rows from the south, columns from the west.
    at
        Start of the forecast period: a datetime (when aware and the events'
        times are too, converted to their zone first; with texts of one UTC
        offset, to that offset; with texts of several, a ConfigError), a date
        (midnight) or a
        naive ``np.datetime64``, an ISO 8601 text (``"2021-01-01"``) or a pandas
        Period (its start); None, NaT or a number is a ConfigError.
    model
        A key of :data:`MODELS`; ``"default"`` is the best model measured.
    horizon
        Length of the forecast period (one day by default): a timedelta or a
        ``np.timedelta64``.
    params
        Options of the model (e.g. ``window_days=365`` for ``counting``).

    Examples
    --------
    >>> import datetime as dt, polars as pl
    >>> ev = pl.DataFrame({"x": [5.0, 5.0, 25.0], "y": [5.0, 6.0, 5.0],
    ...     "occurred_at": [dt.datetime(2024, 1, d) for d in (1, 2, 3)]})
    >>> r = forecast_grid(ev, origin_xy=(0, 0), cell_size_m=10, shape=(2, 3),
    ...     at=dt.datetime(2024, 1, 10), model="counting")
    >>> r.tolist()
    [[2.0, 0.0, 1.0], [0.0, 0.0, 0.0]]
    """
    grid = Grid(origin_xy, cell_size_m, shape)  # Grid checks each of them
    return make_model(model, grid, **params).fit(events).predict(at, horizon)
