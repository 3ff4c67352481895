"""Workflows of place forecasting: read events (store or CSV), evaluate, forecast.

The only place where the store and files meet :mod:`avert.analyse.forecast`.
:func:`places_forecast` gives the top cells for a patrol budget and the share such a
plan caught on the user's own last 90 days; :func:`briefing_places` is what the
daily briefing calls: the same backtested forecast plus the near-repeat zones
(:func:`avert.workflows.places.near_repeat_zones`), read by time window from the
store, its backtest and Knox test made once a day and the whole memoised per as-of
time (the web app and repeated briefings reuse them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import inspect
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from avert.analyse.forecast import (
    BULK_NOTE_START,
    MODELS,
    Backtest,
    Events,
    Forecaster,
    ForecastPlan,
    Grid,
    budget_cells,
    bulk_events,
    cells_for_coverage,
    evaluate_days,
    make_model,
    measure_backtest,
    model_name,
    plan_patrols,
    summarise,
)
from avert.analyse.nearrepeat import MONTH_ONLY_MIN_EVENTS
from avert.analyse.result import json_object
from avert.analyse.trend import COVERAGE_KEYS
from avert.areas import AREA_COLUMNS, in_area
from avert.briefing import PlacesForecast
from avert.config.places import (
    DomesticZones,
    NearRepeatConfig,
    default_places_config,
)
from avert.config.settings import DEFAULT_PLACES_CELL_M
from avert.config.timezone import (
    DEFAULT_TIMEZONE,
    ISO_DATETIME_FORMATS,
    local_datetime_expr,
)
from avert.errors import ConfigError, IngestError, MonthStartsError
from avert.store import Store, queries
from avert.workflows._forces import (
    FarForces,
    ForcesNote,
    TooFewEvents,
    each_force,
    far_forces,
    forces_note,
    mixed_forces_note,
    of_force,
    refuse_far_forces,
    too_few,
)
from avert.workflows._key_locks import KeyLocks
from avert.workflows.analysis import (
    INCIDENT_COLUMNS,
    classify_advice,
    load_analysis_incidents,
)
from avert.workflows.month_only import all_month_only_message, refuse_all_month_only
from avert.workflows.places import (
    NearRepeatTest,
    NearRepeatZones,
    near_repeat_test,
    zones_of_window,
)

__all__ = [
    "HISTORY_DAYS",
    "MONTH_ONLY_NOTE",
    "STRAY_NOTE_START",
    "Evaluation",
    "backtest_as_of",
    "briefing_places",
    "budget_note",
    "events_from_csv",
    "events_from_store",
    "grid_notes",
    "model_factory",
    "model_name",
    "parse_horizon",
    "places_forecast",
    "plan_to_dict",
    "refuse_month_starts",
    "run_forecast",
    "run_forecast_evaluation",
    "write_forecast",
]

#: Days of events a place forecast learns from before its backtest: the protocol's
#: 365-day training (docs/places.md, Evaluation); the briefing reads 365 + 90 days.
HISTORY_DAYS: Final = 365.0

#: How the note on events left out of a patrol grid starts (:func:`grid_notes`)
STRAY_NOTE_START: Final = f"{BULK_NOTE_START} patrol grid"
#: The start of the note on incidents dated by the day that a backtest of periods
#: shorter than a day does not score (:func:`run_forecast`).
BY_DAY_NOTE_START: Final = "Not scored in the backtest"


def parse_horizon(text: str) -> dt.timedelta:
    """Return a horizon such as ``24h``, ``1d``, ``7d`` or ``90m`` as a timedelta."""
    t = text.strip().lower()
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if len(t) < 2 or t[-1] not in units:
        msg = f"A horizon is a number and a unit (m, h, d, w), e.g. 24h; got {text!r}."
        raise ConfigError(msg)
    try:
        value = float(t[:-1])
    except ValueError:
        msg = f"A horizon is a number and a unit (m, h, d, w), e.g. 24h; got {text!r}."
        raise ConfigError(msg) from None
    if value <= 0:
        msg = f"The horizon must be positive; got {text!r}."
        raise ConfigError(msg)
    return dt.timedelta(**{units[t[-1]]: value})


#: The start of the note that says month-only rows were left out of day-level work.
MONTH_ONLY_NOTE: Final = "month-only incidents (data.police.uk) left out"


def events_from_store(
    store: Store,
    *,
    profile: str,
    violence_only: bool = True,
    day_resolution: bool = False,
    forces: bool = False,
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """Return incidents with coordinates as ``x``, ``y``, ``occurred_at`` and notes.

    ``forces``: the events also carry the incidents' ``source`` and ``force``
    (:data:`avert.analyse.trend.COVERAGE_KEYS`), for an analysis that names the
    forces it counts together (Gi*, emerging hot spots:
    :func:`avert.workflows._forces.mixed_forces_note`).

    Violence of the definition profile when classified, else every incident (the
    notes say which). ``day_resolution`` (forecasts, near repeat, emerging hot
    spots: methods that need the day) leaves month-only rows out, with a note:
    data.police.uk dates a whole month's records on its first day, so they would
    all count on that day, and a forecast from mid-month would learn from the rest
    of the month, which had not happened yet.
    """
    if day_resolution:
        refuse_all_month_only(store)
    frames = load_analysis_incidents(
        store,
        profile=profile,
        violence_only=violence_only,
        columns=(*INCIDENT_COLUMNS, *COVERAGE_KEYS) if forces else INCIDENT_COLUMNS,
    )
    incidents, notes = frames.incidents, tuple(frames.notes)
    n_month_only = 0
    if day_resolution and "time_precision" in incidents.columns:
        month_only = pl.col("time_precision").fill_null("exact") == "month"
        n_month_only = incidents.filter(month_only).height
        if n_month_only:
            incidents = incidents.filter(~month_only)
            notes = (
                *notes,
                f"{n_month_only:,} {MONTH_ONLY_NOTE}: dated the first of their month, "
                "they cannot say which day (docs/places.md).",
            )
    events = _located_events(incidents)
    if day_resolution and events.height == 0 and n_month_only:
        raise ConfigError(all_month_only_message(n_month_only))
    return events, notes


def refuse_month_starts(events: pl.DataFrame) -> None:
    """A :class:`~avert.errors.MonthStartsError` (a ConfigError) when every dated event (10 or more, over two months or more)
    is at 00:00 on the first of its month: data.police.uk's month-only dates,
    stored without ``time_precision = "month"`` (an ``ingest table`` mapping with
    ``time_format = "%Y-%m"`` stores them as days), which the store's precision
    cannot tell. A forecast would learn each month's events on its first day and
    the evaluation score them there: City of London's 2019 so loaded gave a
    counting hit rate of 0.987 at 1 % of the grid. The rule of the near-repeat
    test (:data:`~avert.analyse.nearrepeat.MONTH_ONLY_MIN_EVENTS`), less events at
    one midnight, whose places a forecast can still use."""
    when = events.get_column("occurred_at").drop_nulls()
    if when.len() < MONTH_ONLY_MIN_EVENTS:
        return
    if when.dtype == pl.Date:
        when = when.cast(pl.Datetime("us"))
    month = when.dt.truncate("1mo")
    if not bool((month == when).all()) or month.n_unique() < 2:
        return
    msg = (
        f"Every one of the {when.len():,} events is dated 00:00 on the first of a "
        "month, as data.police.uk dates a month's records: a forecast would learn "
        "each month's events on its first day and its evaluation score them there. "
        "Forecasts need the day: load records with it, or give month-only files "
        'time_precision = "month" in their mapping (left out of forecasts; '
        "docs/formats.md)."
    )
    raise MonthStartsError(msg)


def _located_events(incidents: pl.DataFrame) -> pl.DataFrame:
    """The events of a forecast: ``x``, ``y``, ``occurred_at`` of the incidents with
    a time and finite coordinates (the rest cannot be placed in a cell), and their
    ``time_precision`` when the incidents have one (a patrol plan for a shift
    scores only incidents that say their hour: :func:`run_forecast`) and their
    ``domestic`` flag when they have one."""
    precision = (
        [pl.col("time_precision").fill_null("exact")]
        if "time_precision" in incidents.columns
        else []
    )
    # the flag that keeps domestic incidents out of the near-repeat zones
    # (avert.workflows.places.near_repeat_zones), null kept: a store whose data
    # carries no flag (police.uk, a table mapped without one) is told apart
    flag = ["domestic"] if "domestic" in incidents.columns else []
    # who recorded them, when asked for (events_from_store's ``forces``)
    keys = [k for k in COVERAGE_KEYS if k in incidents.columns]
    return (
        incidents.select(
            "x",
            "y",
            pl.col("occurred_from").alias("occurred_at"),
            *precision,
            *flag,
            *keys,
        )
        .drop_nulls(["x", "y", "occurred_at"])
        .filter(pl.col("x").is_finite() & pl.col("y").is_finite())
    )


def _unscored_by_the_hour(
    events: pl.DataFrame, horizon: dt.timedelta
) -> tuple[pl.DataFrame | None, str | None]:
    """The events a backtest of periods shorter than a day can score, and a note.

    Incidents dated by the day alone (``time_precision`` ``day``, or ``month``)
    sit at midnight: scored on 8-hour shifts they all fell in the shift holding
    00:00 (a 22:00-06:00 plan was measured on every incident of the 90 days) and
    in no other. They still teach the model where incidents happen, but the
    share is measured on the incidents with an hour. None: score every event.
    """
    if horizon >= dt.timedelta(days=1) or "time_precision" not in events.columns:
        return None, None
    by_day = pl.col("time_precision").is_in(["day", "month"])
    n_day = events.filter(by_day).height
    if n_day == 0:
        return None, None
    hours = horizon.total_seconds() / 3600
    note = (
        f"{BY_DAY_NOTE_START}: {n_day:,} of {events.height:,} incidents are dated "
        "by the day only: "
        f"they teach the model where incidents happen but are not scored in the "
        f"backtest of {hours:g}-hour periods (their hour is unknown)."
    )
    return events.filter(~by_day), note


def events_from_csv(
    path: Path,
    *,
    x: str = "x",
    y: str = "y",
    time: str = "occurred_at",
    timezone: str = DEFAULT_TIMEZONE,
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """Read a CSV or Parquet file of events with projected ``x``, ``y`` and a time.

    Times with an offset (or a zone) become naive local times of ``timezone``, as
    every time entering avert (:mod:`avert.config.timezone`); times without one are
    local already.

    Times in text are read as ISO 8601 only (``01/02/2024``, day or month first,
    is not guessed: a file of such times stops with advice).

    Returns the events and notes: rows without a readable time or a finite ``x``,
    ``y`` are left out and counted (the first named by its line, or its row in a
    Parquet file), never dropped silently. A file that cannot be read, none of whose
    given times reads, or with latitude/longitude but no ``x``, ``y``, is an
    :class:`IngestError` that says what to do.
    """
    if not path.exists():
        msg = f"{path}: no such file."
        raise IngestError(msg)
    parquet = path.suffix.lower() == ".parquet"
    try:
        frame = (
            pl.read_parquet(path)
            if parquet
            # times stay text, read as ISO 8601 below: Polars' date guessing read
            # 01/02/2024 as day-first, a month-first file's days as other days
            else pl.read_csv(path, infer_schema_length=10_000)
        )
    except pl.exceptions.PolarsError as err:  # empty, ragged or not the format
        why = str(err).splitlines()[0] if str(err) else type(err).__name__
        msg = f"{path}: cannot be read as {'Parquet' if parquet else 'CSV'}: {why}"
        raise IngestError(msg) from err
    _check_event_columns(path, frame, (x, y, time))
    raw_time = frame.get_column(time)
    if raw_time.dtype.is_numeric():  # epoch numbers: seconds? days? never guessed
        msg = (
            f"{path}: column {time!r} holds numbers ({raw_time.dtype}), not "
            "date-times: give ISO 8601 text (2024-05-01T21:30) or a datetime column."
        )
        raise IngestError(msg)
    when = _local_times(raw_time, timezone)
    events = pl.DataFrame(
        {
            "x": frame.get_column(x).cast(pl.Float64, strict=False),
            "y": frame.get_column(y).cast(pl.Float64, strict=False),
            "occurred_at": when,
        }
    )
    unread_time = when.is_null() & raw_time.is_not_null()
    if unread_time.any() and when.is_null().all():  # blank times aside, none reads
        first = int(unread_time.arg_max() or 0)
        msg = (
            f"{path}: no value of column {time!r} reads as a date-time "
            f"({_row_name(first, parquet=parquet)}: {raw_time[first]!r}); give ISO "
            "8601 times (2024-05-01T21:30), or load "
            "the file with 'avert ingest table FILE --mapping MAP.toml' and its "
            "time_format (docs/formats.md)."
        )
        raise IngestError(msg)
    usable = (
        when.is_not_null()
        & events["x"].is_finite().fill_null(value=False)
        & events["y"].is_finite().fill_null(value=False)
    )
    notes = _left_out_notes(path, usable, unread_time, parquet=parquet)
    events = events.filter(usable)
    _refuse_degrees(path, events)
    return events, notes


#: Events from which x, y in a 10 x 10 box of lon/lat ranges are read as degrees
#: (no real set of this many incidents lies within 10 m; a unit test's few may).
_DEGREES_MIN_EVENTS: Final = 20


def _refuse_degrees(path: Path, events: pl.DataFrame) -> None:
    """An :class:`IngestError` when ``x``, ``y`` look like longitude and latitude
    in degrees (in either order): many events, every x in [-180, 180] and y in
    [-90, 90] (or x in [-90, 90] and y in [-180, 180]: latitude first, as Sydney's
    -33.9, 151.2), spread over at most 10 units on each axis. Read as metres, a
    whole city fits in one cell, and the evaluation scored every coverage 0 with
    only a note about cell size."""
    if events.height < _DEGREES_MIN_EVENTS:
        return
    x, y = events["x"], events["y"]
    x_lo, x_hi, y_lo, y_hi = (
        float(v)  # type: ignore[arg-type]
        for v in (x.min(), x.max(), y.min(), y.max())
    )

    def within(lo: float, hi: float, limit: float) -> bool:
        return lo >= -limit and hi <= limit

    in_ranges = (within(x_lo, x_hi, 180) and within(y_lo, y_hi, 90)) or (
        within(x_lo, x_hi, 90) and within(y_lo, y_hi, 180)
    )
    spread = max(x_hi - x_lo, y_hi - y_lo)
    if in_ranges and 0 < spread <= 10:
        msg = (
            f"{path}: x and y look like longitude and latitude in degrees (x "
            f"{x_lo:g}..{x_hi:g}, y {y_lo:g}..{y_hi:g}), not metres: project them to "
            "a CRS in metres first (e.g. the city's UTM zone), or load the file "
            "with 'avert ingest table FILE --mapping MAP.toml' (lat/lon columns are "
            "projected to the store's CRS) and analyse the store."
        )
        raise IngestError(msg)


def _row_name(index: int, *, parquet: bool) -> str:
    """Row ``index`` (0-based) as the file numbers it: a CSV's line (the header is
    line 1), a Parquet file's row (from 1)."""
    return f"row {index + 1}" if parquet else f"line {index + 2}"


def _local_times(raw: pl.Series, timezone: str) -> pl.Series:
    """``raw`` as naive local date-times by avert's one rule for times at the edges
    (:mod:`avert.config.timezone`): ISO 8601 text, with an offset converted to
    ``timezone`` (null where a value does not read); an aware datetime column
    converted likewise; a naive one kept."""
    if raw.dtype == pl.String:
        return (
            raw.to_frame("t")
            .select(
                local_datetime_expr(
                    pl.col("t").str.strip_chars(), timezone, ISO_DATETIME_FORMATS
                )
            )
            .to_series()
        )
    if isinstance(raw.dtype, pl.Datetime) and raw.dtype.time_zone is not None:
        raw = raw.dt.convert_time_zone(timezone).dt.replace_time_zone(None)
    return raw.cast(pl.Datetime("us"), strict=False)


def _check_event_columns(
    path: Path, frame: pl.DataFrame, needed: Sequence[str]
) -> None:
    """An :class:`IngestError` naming the columns ``frame`` lacks, with a hint when
    it holds latitude and longitude instead of projected metres."""
    missing = [c for c in needed if c not in frame.columns]
    if not missing:
        return
    msg = f"{path}: missing columns {missing} (need x, y in metres and a time)."
    lower = {c.lower() for c in frame.columns}
    if lower & {"lat", "latitude"} and lower & {"lon", "lng", "long", "longitude"}:
        msg += (
            " It has latitude and longitude: project them to metres first, or load "
            "the file with 'avert ingest table FILE --mapping MAP.toml' (projected "
            "to the store's CRS) and analyse the store."
        )
    raise IngestError(msg)


def _left_out_notes(
    path: Path, usable: pl.Series, unread_time: pl.Series, *, parquet: bool
) -> tuple[str, ...]:
    """Say how many rows were left out and why, naming the first (line or row)."""
    n_out = usable.len() - int(usable.sum())
    if n_out == 0:
        return ()
    first = _row_name(int(usable.arg_min() or 0), parquet=parquet)
    n_time = int(unread_time.sum())
    return (
        f"{path.name}: {n_out} of {usable.len()} rows left out ({n_time} without a "
        f"readable time, {n_out - n_time} without finite x, y or a time; first on "
        f"{first}).",
    )


def _grid(events: pl.DataFrame, cell_size_m: float, *, anchored: bool) -> Grid:
    if events.height == 0:
        msg = "No events with coordinates and a time to forecast from."
        raise ConfigError(msg)
    x = events["x"].to_numpy().astype(np.float64)
    y = events["y"].to_numpy().astype(np.float64)
    return (
        Grid.anchored(x, y, cell_size_m)
        if anchored
        else Grid.covering(x, y, cell_size_m)
    )


def _bulk_events(events: pl.DataFrame) -> tuple[pl.DataFrame, str | None]:
    """The events inside the fences of :func:`~avert.analyse.forecast.bulk_bounds`
    and a note on those left out (None, and the events unchanged, when none is).

    A patrol grid covers the bulk of the events, not a few strays far from it (a
    place mis-geocoded inside the CRS's area, which ingest keeps): one point 300 km
    away would stretch a city's grid to millions of cells. Without such a point the
    events, and so the grid, are exactly those given. The evaluation
    (:func:`run_forecast_evaluation`, open_cp's protocol) never leaves one out.
    """
    return bulk_events(events, grid="patrol grid")


def grid_notes(plan: ForecastPlan) -> tuple[str, ...]:
    """The notes of ``plan`` on events its grid left out (:data:`STRAY_NOTE_START`)
    or its backtest did not score (:data:`BY_DAY_NOTE_START`)."""
    return tuple(
        n for n in plan.notes if n.startswith((STRAY_NOTE_START, BY_DAY_NOTE_START))
    )


@dataclass(frozen=True)
class Evaluation:
    """Per-day hits and summaries of a rolling-origin evaluation, per model."""

    per_day: dict[str, pl.DataFrame]
    summary: pl.DataFrame
    grid: Grid
    days: tuple[dt.date, ...]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (summary rows and per-day rows per model)."""
        return json_object(
            {
                "grid": {
                    "origin_xy": self.grid.origin_xy,
                    "cell_size_m": self.grid.cell_size_m,
                    "shape": self.grid.shape,
                },
                "days": [self.days[0], self.days[-1]] if self.days else [],
                "summary": self.summary,
                "per_day": dict(self.per_day),
                "notes": list(self.notes),
            }
        )


#: Models with a trailing window of their own (counting and the retrospective KDE
#: keep open_cp's 365 days unless told otherwise)
_OWN_WINDOW: Final = frozenset(
    name
    for name, factory in MODELS.items()
    if (p := inspect.signature(factory).parameters.get("window_days")) is not None
    and p.default is not None
)


def model_factory(name: str, window_days: float | None) -> Callable[[Grid], Forecaster]:
    """The model ``name`` learning from ``window_days`` of history (None: all).

    A model with a trailing window of its own (:data:`_OWN_WINDOW`) is given this
    one instead, so "all history" (``--train-days 0``, ``--history-days 0``) means
    all for the counting grid too, not its default 365 days; the other models learn
    from every event they are given, which the caller has already cut.
    """
    name = model_name(name)
    if name in _OWN_WINDOW:
        return partial(make_model, name, window_days=window_days)
    return partial(make_model, name)


def run_forecast_evaluation(
    events: pl.DataFrame,
    *,
    models: Sequence[str] = ("counting", "default"),
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    start: dt.date | None = None,
    days: int = 90,
    train_days: float | None = 365.0,
    coverages: Sequence[float] = (0.01, 0.02, 0.05, 0.10),
    force_option: str = "--police-force",
) -> Evaluation:
    """Rolling-origin evaluation (the protocol of ``docs/places.md``) of each model.

    The grid covers every event (``origin = floor(min)``); the active basis is the
    cells with at least one event. Test days run from ``start`` (default: ``days``
    before the last event's day) for ``days`` days. Events carrying their force
    (``force`` and ``source``) of several forces are named in a note, and of
    far-apart forces refused (one grid between them;
    :func:`avert.workflows._forces.refuse_far_forces`, whose advice names
    ``force_option``).
    """
    if not days >= 1:
        msg = f"days (the number of test days) must be 1 or more; got {days}."
        raise ConfigError(msg)
    if train_days is not None and not train_days >= 0:
        msg = f"train_days must be 0 or more (None: all history); got {train_days}."
        raise ConfigError(msg)
    models = [model_name(m) for m in models]
    refuse_month_starts(events)
    refuse_far_forces(events, cell_size_m, what="evaluation grid", option=force_option)
    grid = _grid(events, cell_size_m, anchored=False)
    ev = Events.from_frame(events, grid)
    active = np.zeros(grid.n_cells, dtype=bool)
    active[ev.cell] = True
    last = dt.date(1970, 1, 1) + dt.timedelta(days=int(np.floor(ev.t.max())))
    first = start if start is not None else last - dt.timedelta(days=days - 1)
    test_days = tuple(first + dt.timedelta(days=i) for i in range(days))
    per_day: dict[str, pl.DataFrame] = {}
    summaries = []
    for m in models:
        pd = evaluate_days(
            model_factory(m, train_days),
            ev,
            grid,
            test_days,
            coverages=coverages,
            train_days=train_days,
            active=active,
        )
        per_day[m] = pd
        summaries.append(summarise(pd).with_columns(model=pl.lit(m)))
    summary = pl.concat(summaries).select("model", pl.exclude("model"))
    first_event = dt.date(1970, 1, 1) + dt.timedelta(days=int(np.floor(ev.t.min())))
    notes = _evaluation_notes(
        test_days,
        (first_event, last),
        {"bbox": grid.n_cells, "active": int(active.sum())},
        coverages,
    )
    notes = (*mixed_forces_note(events, advice="police_force"), *notes)
    return Evaluation(per_day, summary, grid, test_days, notes)


def _evaluation_notes(
    test_days: Sequence[dt.date],
    event_days: tuple[dt.date, dt.date],
    basis_cells: dict[str, int],
    coverages: Sequence[float],
) -> tuple[str, ...]:
    """Why some hit rates say nothing of a model: test days with no history before
    them, test days after the data (no event to hit), and coverages under one cell
    (``floor(cells x coverage)`` cells are chosen, open_cp's rule, so such a
    coverage chooses none and hits nothing). ``event_days``: the first and last
    event's days."""
    first_event, last_event = event_days
    notes = []
    blind = sum(day <= first_event for day in test_days)
    if blind:
        notes.append(
            f"{blind} of the {len(test_days)} test days are on or before the first "
            f"event's day ({first_event}): their forecasts learn from nothing "
            "(--from sets a later first test day)."
        )
    after = sum(day > last_event for day in test_days)
    if after:
        notes.append(
            f"{after} of the {len(test_days)} test days are after the last event's "
            f"day ({last_event}): they hold no event to hit (--from sets an "
            "earlier first test day)."
        )
    for basis, n_cells in basis_cells.items():
        empty = [c for c in coverages if cells_for_coverage(n_cells, c) == 0]
        if empty:
            shares = ", ".join(f"{100 * c:g} %" for c in empty)
            notes.append(
                f"{shares} of the {n_cells:,} {basis} cells "
                f"{'is' if len(empty) == 1 else 'are'} under one cell: no cell is "
                "chosen, so the hit rate is 0 (smaller cells, --cell, make more)."
            )
    return tuple(notes)


def run_forecast(
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    horizon: dt.timedelta = dt.timedelta(days=1),
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    model: str = "default",
    cells: int | None = None,
    km2: float | None = None,
    backtest_days: int = 90,
    history_days: float | None = HISTORY_DAYS,
    backtest: Backtest | None = None,
) -> ForecastPlan:
    """Forecast ``[at, at + horizon)`` and plan the top cells for a patrol budget.

    The grid is anchored at the CRS origin so the cells are avert's stable place
    cells; the expected share is backtested on the ``backtest_days`` before ``at``.
    The model learns from the events of the ``history_days`` before the backtest
    (``history_days + backtest_days`` days before ``at``; None: every event
    given), so ``avert forecast``, the briefing and the web Places page rank the
    same cells from the same store. The grid covers the bulk of those
    events: a few far from it (a mis-geocoded place) are left out, with a note
    (:func:`_bulk_events`, :func:`grid_notes`). ``backtest``: the share measured
    before on the same options (:func:`backtest_as_of`), used instead of
    measuring it again (:func:`avert.analyse.forecast.plan_patrols`).
    """
    got = _inputs(
        events,
        at=at,
        horizon=horizon,
        cell_size_m=cell_size_m,
        model=model,
        cells=cells,
        km2=km2,
        backtest_days=backtest_days,
        history_days=history_days,
    )
    plan = plan_patrols(
        model_factory(got.model, history_days),
        got.ev,
        got.grid,
        at=at,
        horizon=horizon,
        k=got.k,
        backtest_days=backtest_days,
        model_name=got.model,
        scored=got.scored,
        backtest=backtest,
    )
    budget = budget_note(plan, cells=cells, km2=km2)
    notes = [*got.forces, *(n for n in (got.stray, got.by_day, budget) if n)]
    return replace(plan, notes=(*plan.notes, *notes)) if notes else plan


def backtest_as_of(
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    horizon: dt.timedelta = dt.timedelta(days=1),
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    model: str = "default",
    cells: int | None = None,
    km2: float | None = None,
    backtest_days: int = 90,
    history_days: float | None = HISTORY_DAYS,
) -> Backtest:
    """The backtest :func:`run_forecast` would measure as of ``at`` (the same
    events, grid, budget and model), without the forecast itself: given to
    :func:`run_forecast` of a later time (``backtest``) it is not measured again
    (the briefing measures it once a day, :func:`briefing_places`)."""
    got = _inputs(
        events,
        at=at,
        horizon=horizon,
        cell_size_m=cell_size_m,
        model=model,
        cells=cells,
        km2=km2,
        backtest_days=backtest_days,
        history_days=history_days,
    )
    return measure_backtest(
        model_factory(got.model, history_days),
        got.ev,
        got.grid,
        at,
        got.k,
        days=backtest_days,
        horizon=horizon,
        scored=got.scored,
    )


@dataclass(frozen=True)
class _Inputs:
    """What a forecast as of a time is made from (:func:`_inputs`)."""

    model: str
    ev: Events
    grid: Grid
    k: int
    scored: Events | None
    stray: str | None
    by_day: str | None
    #: the forces or sources of the grid's events, when several
    #: (:func:`avert.workflows._forces.mixed_forces_note`)
    forces: tuple[str, ...] = ()


def _inputs(
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    horizon: dt.timedelta,
    cell_size_m: float,
    model: str,
    cells: int | None,
    km2: float | None,
    backtest_days: int,
    history_days: float | None,
) -> _Inputs:
    """The events of the ``history_days + backtest_days`` before ``at``, on the
    grid of their bulk, with the budget in cells and the events a backtest scores
    (:func:`run_forecast`); a ConfigError when there are none."""
    if not backtest_days >= 0:
        msg = f"backtest_days must be 0 or more (0: no backtest); got {backtest_days}."
        raise ConfigError(msg)
    given = events
    events = events.filter(pl.col("occurred_at") < at)  # the grid too: only the past
    window = "before"
    if history_days is not None:
        if not history_days >= 0:
            msg = f"history_days must be 0 or more (None: every event); got {history_days}"
            raise ConfigError(msg)
        span = history_days + backtest_days
        events = events.filter(pl.col("occurred_at") >= at - dt.timedelta(days=span))
        window = f"in the {span:g} days (history and backtest) before"
    model = model_name(model)  # checked before any work
    if (
        events.height == 0
        and _located_events(given.rename({"occurred_at": "occurred_from"})).height
    ):
        times = given.get_column("occurred_at").drop_nulls()
        first, last = str(times.min())[:10], str(times.max())[:10]
        msg = (
            f"No events with coordinates {window} {at:%Y-%m-%d %H:%M}; the events "
            f"given run from {first} to {last}: forecast from a time during or "
            "soon after them (a history of 0 days learns from every event)."
        )
        raise ConfigError(msg)
    events, stray = _bulk_events(events)
    # events carrying their force (avert forecast) far apart: one grid between them
    refuse_far_forces(events, cell_size_m, what="patrol grid")
    grid = _grid(events, cell_size_m, anchored=True)
    hourly, by_day = _unscored_by_the_hour(events, horizon)
    return _Inputs(
        model=model,
        ev=Events.from_frame(events, grid),
        grid=grid,
        k=budget_cells(grid, cells=cells, km2=km2, at_most_grid=True),
        scored=None if hourly is None else Events.from_frame(hourly, grid),
        stray=stray,
        by_day=by_day,
        forces=tuple(mixed_forces_note(events, advice="police_force")),
    )


def budget_note(
    plan: ForecastPlan, *, cells: int | None = None, km2: float | None = None
) -> str | None:
    """What to say when the patrol budget asked for is larger than the grid of the
    plan (the grid spans the events: a small or new store), else None."""
    asked = budget_cells(
        plan.grid, cells=cells, km2=km2, at_most_grid=False, check=False
    )
    if asked <= plan.k:
        return None
    budget = f"{cells} cells" if cells is not None else f"{km2:g} km²"
    return (
        f"The patrol budget ({budget}) is larger than the {plan.k} "
        f"cell{'' if plan.k == 1 else 's'} the events span: every one is listed, "
        "so the expected share says little."
    )


def places_forecast(
    store: Store,
    *,
    at: dt.datetime,
    profile: str,
    cells: int | None = 20,
    km2: float | None = None,
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    horizon: dt.timedelta = dt.timedelta(days=1),
    history_days: float | None = HISTORY_DAYS,
    force: str | None = None,
) -> ForecastPlan:
    """Top cells for the next ``horizon`` and their measured share (``avert forecast``).

    Reads the violence of ``profile`` (every incident when unclassified) before
    ``at`` from the store; ``plan.backtest_share`` is the share the same budget caught
    over the user's last 90 days, the figure to print (never an in-sample share).
    As ``avert forecast``: ``force`` keeps one force's events
    (:func:`avert.workflows._forces.of_force`); without it, events of several
    forces or sources are named in a note and of forces far apart refused (a
    ConfigError: one grid between them).
    """
    events, notes = events_from_store(
        store, profile=profile, day_resolution=True, forces=True
    )
    events = of_force(events.filter(pl.col("occurred_at") < at), force)
    refuse_month_starts(events)  # as avert forecast does
    plan = run_forecast(
        events,
        at=at,
        horizon=horizon,
        cell_size_m=cell_size_m,
        cells=cells if km2 is None else None,
        km2=km2,
        history_days=history_days,
    )
    return replace(plan, notes=(*notes, *plan.notes))


#: Briefing places by (store, as-of, options, data fingerprint): the backtest and
#: the Knox test are computed once per as-of time and reused (web app, re-runs).
_BRIEFING_CACHE: Final[OrderedDict[Hashable, PlacesForecast]] = OrderedDict()
_BRIEFING_CACHE_SIZE: Final = 32
_CACHE_LOCK: Final = threading.Lock()


def recent_violence(
    store: Store,
    *,
    at: dt.datetime,
    days: float,
    profile: str,
    area: str | None = None,
) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """Located violence of ``[at - days, at)`` with an exact or day time, by time window.

    ``x``, ``y``, ``occurred_at``, ``time_precision``, ``domestic``, ``source``,
    ``force``: the incidents in the definition ``profile`` (every incident when
    none is classified), month-precision rows left out (they cannot say which day),
    ``area`` matched to the borough or LSOA case-insensitively
    (:func:`avert.areas.in_area`).
    """
    start = at - dt.timedelta(days=days)
    if area is None:
        # kept per data generation: a live store's next minute reads none again
        frame = queries.located_between(store, start, at, profile=profile, keep=True)
    else:
        frame = queries.classified_between(
            store,
            start,
            at,
            columns=(
                "occurred_from",
                "time_precision",
                "x",
                "y",
                "domestic",
                *COVERAGE_KEYS,
                *AREA_COLUMNS,
            ),
            profile=profile,
            class_columns=("in_definition",),
            keep=True,
        ).filter(
            in_area(area, AREA_COLUMNS)
            & (pl.col("time_precision").fill_null("exact") != "month")
        )
    notes: tuple[str, ...] = ()
    if frame.height and frame["in_definition"].null_count() == frame.height:
        notes = (
            f"Places forecast: no classifications for '{profile}': every incident "
            f"is forecast ({classify_advice(profile)}).",
        )
    else:
        frame = frame.filter(pl.col("in_definition").fill_null(value=False))
    return _located_events(frame), notes


def briefing_places(
    store: Store,
    *,
    at: dt.datetime,
    profile: str,
    area: str | None = None,
    audience: str = "police",
    cells: int = 10,
    cell_size_m: float = DEFAULT_PLACES_CELL_M,
    horizon: dt.timedelta = dt.timedelta(days=1),
    model: str = "default",
    history_days: float = HISTORY_DAYS,
    backtest_days: int = 90,
    knox_history_days: float = 365.0,
    knox_sims: int = 99,
    space_bands_m: Sequence[float] = (0, 100, 200),
    time_bands_days: Sequence[float] = (0, 7, 14),
    zone_hours: float = 24.0,
    knox_max_pairs: int = 300_000,
    near_repeat: NearRepeatConfig | None = None,
) -> PlacesForecast | None:
    """The briefing's places: the backtested forecast and the near-repeat zones.

    Reads the located violence of the ``history_days + backtest_days`` before
    ``at`` (one indexed range read, from the start of ``at``'s day), forecasts
    ``[at, at + horizon)`` with ``model`` from every event before ``at``, and
    says the share ``cells`` cells caught on each of the ``backtest_days`` days
    before ``at``'s day (from 00:00 to 00:00), each forecast only from the days
    before it (never in-sample; a ``horizon`` shorter than a day: its own shift
    of each of the days before ``at``, measured with each forecast). Near-repeat
    zones mark the incidents of the
    last ``zone_hours`` when a Knox test (``knox_sims`` permutations, seeded) on
    the ``knox_history_days`` before ``at``'s day finds contagion in the first
    band (on dense data a seeded sample of the events, so that about
    ``knox_max_pairs`` pairs are tested). ``near_repeat`` (default: the packaged
    ``places.toml``) says whether domestic incidents are left out of the Knox
    test and the zones (:func:`avert.workflows.places.near_repeat_zones`).

    The backtest and the Knox test (nine tenths of the work) are of whole days,
    so they are made once a day (:func:`_day_evidence`) for the store's data
    generation, ``profile``, ``area``, ``audience`` (whose briefing: a partner's
    never reuses one made for the police) and options, and a live store's next
    minute only forecasts and marks its window's zones; the whole result is
    memoised (:func:`_memoised_places`), so a second briefing for the same as-of
    time costs one read. Events of several forces or sources side by side are
    named (``forces``, ``forces_note``: :func:`avert.workflows._forces.
    forces_note`, its advice as data); of forces far apart each force's places
    are planned on its own grid (``plan`` None, ``by_force``:
    :func:`_each_forces_places`), the patrol budget per force. None when no
    located violence precedes ``at``; a :class:`~avert.errors.MonthStartsError` when every event is dated 00:00 on
    the first of its month (:func:`refuse_month_starts`: it forecast each month's
    events on its first day, without a word).
    """
    span = history_days + backtest_days
    day = dt.datetime.combine(at.date(), dt.time(), tzinfo=at.tzinfo)
    events, notes = recent_violence(
        store,
        at=at,
        days=max(span, knox_history_days) + (at - day) / dt.timedelta(days=1),
        profile=profile,
        area=area,
    )
    if events.height == 0:
        return None
    refuse_month_starts(events)
    domestic = (near_repeat or default_places_config().near_repeat).domestic
    forecast: dict[str, Any] = {
        "horizon": horizon,
        "cell_size_m": cell_size_m,
        "model": model,
        "cells": cells,
        "backtest_days": backtest_days,
        "history_days": history_days,
    }
    knox: dict[str, Any] = {
        "history_days": knox_history_days,
        "space_bands_m": tuple(space_bands_m),
        "time_bands_days": tuple(time_bands_days),
        "n_sims": knox_sims,
        "max_pairs": knox_max_pairs,
        "domestic": domestic,
    }
    return _memoised_places(
        store,
        events,
        at=at,
        day=day,
        scope=(str(store.url), profile, area, audience),
        zone_hours=zone_hours,
        forecast=forecast,
        knox=knox,
        notes=notes,
    )


def _memoised_places(
    store: Store,
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    day: dt.datetime,
    scope: tuple[object, ...],
    zone_hours: float,
    forecast: dict[str, Any],
    knox: dict[str, Any],
    notes: tuple[str, ...],
) -> PlacesForecast:
    """:func:`briefing_places` of the located ``events`` read (``notes``: what the
    read said), for ``scope`` (store, profile, area, audience), ``at`` and the
    ``forecast`` and ``knox`` options: the memoised result when the same events
    were read for the same as-of time, scope, data generation and options (keyed
    by a digest of every row of the events, :func:`_fingerprint`), else the day's backtest and Knox test
    (:func:`_day_evidence`, once a day), the forecast of ``[at, at + horizon)``
    and the zones of the last ``zone_hours`` (:func:`_places_with_zones`),
    memoised."""
    key: Hashable = (*scope, store.generation(), at, zone_hours)
    key = (key, *_options(forecast, knox), *_fingerprint(events))
    hit = _cached_places(key)
    if hit is not None:
        return hit
    window = _forecast_window(
        events, at=at, days=forecast["history_days"] + forecast["backtest_days"]
    )
    # forces of no more events than the cells listed per force: strays, unnamed
    far = far_forces(window, forecast["cell_size_m"], min_events=forecast["cells"] + 1)
    how: dict[str, Any] = {
        "at": at,
        "day": day,
        "zone_hours": zone_hours,
        "forecast": forecast,
        "knox": knox,
    }
    if far is not None:  # each force's own grid, backtest and Knox test
        result = _each_forces_places(
            store, events, far, scope=scope, notes=notes, **how
        )
    else:
        result = _planned(store, events, window, scope=scope, notes=notes, **how)
    _remember_places(key, result)
    return result


def _planned(
    store: Store,
    events: pl.DataFrame,
    window: pl.DataFrame,
    *,
    at: dt.datetime,
    day: dt.datetime,
    scope: tuple[object, ...],
    zone_hours: float,
    forecast: dict[str, Any],
    knox: dict[str, Any],
    notes: tuple[str, ...],
) -> PlacesForecast:
    """The places of one grid over ``events`` (``window``: those it is planned
    over, :func:`_forecast_window`): the day's backtest and Knox test
    (:func:`_day_evidence`), the forecast of ``[at, at + horizon)`` and the
    zones of the last ``zone_hours``, the forces side by side named
    (``forces_note``, its advice the briefing's ``brief_area``)."""
    evidence = _day_evidence(
        store, events, day=day, scope=scope, forecast=forecast, knox=knox
    )
    plan = run_forecast(events, at=at, **forecast, backtest=evidence.backtest)
    # the note of avert forecast, its advice as data: the briefing words it
    # (avert brief --area), the web's pages with no command
    forces = forces_note(window, advice="brief_area")
    said = () if forces is None else (forces.said(),)
    notes = (*notes, *said, *grid_notes(plan), *_budget(plan, forecast["cells"]))
    result = _places_with_zones(
        plan,
        events,
        evidence,
        at=at,
        zone_hours=zone_hours,
        domestic=knox["domestic"],
        knox_history_days=knox["history_days"],
        knox_sims=knox["n_sims"],
        notes=notes,
    )
    if forces is not None:
        result = replace(result, forces=forces.forces, forces_note=forces)
    return result


#: What the briefing's places say they did over forces far apart
EACH_FORCE_PLANNED: Final = (
    "Each one's places are planned on a grid of its own: its own extent, the "
    "same cell size and model, the share backtested on its own last days, its "
    "own near-repeat test, and the patrol budget per force"
)


def _each_forces_places(
    store: Store,
    events: pl.DataFrame,
    far: FarForces,
    *,
    at: dt.datetime,
    day: dt.datetime,
    scope: tuple[object, ...],
    zone_hours: float,
    forecast: dict[str, Any],
    knox: dict[str, Any],
    notes: tuple[str, ...],
) -> PlacesForecast:
    """The briefing's places over forces far apart (``far``): each force's own
    (:func:`_planned` of its events alone), as a store of its own
    would give them, in ``by_force``; none of one grid over them all (mostly
    the ground between them, :func:`avert.workflows._forces.far_forces`).

    The patrol budget (``cells``) is per force: each force deploys its own
    patrols, and a budget split by share would make one force's cells depend on
    the other's records (docs/places.md, "Patrol plans"). A force with no
    located violence in the forecast's days, or whose plan fails (a
    ConfigError), has no places and a note saying why. Two clusters 250 km
    apart (Leeds, London) planned one grid of 1,174,248 cells of 150 m and
    ranked its top cells over both; then none at all, a dead end for a meeting
    with two forces loaded."""
    by_force: list[tuple[str, PlacesForecast]] = []
    too_few_forces: list[TooFewEvents] = []
    said: list[str] = []
    days = forecast["history_days"] + forecast["backtest_days"]
    for name, own in each_force(events):
        window = _forecast_window(own, at=at, days=days)
        if window.height == 0:
            said.append(
                f"{name}: no located violence in the forecast's days before "
                f"{at:%d %b %Y}: no places."
            )
            continue
        few = too_few(name, window.height, forecast["cells"], "the forecast's days")
        if few is not None:
            too_few_forces.append(few)
            said.append(few.said())
            continue
        try:
            got = _planned(
                store,
                own,
                window,
                at=at,
                day=day,
                scope=(*scope, name),
                zone_hours=zone_hours,
                forecast=forecast,
                knox=knox,
                notes=(),
            )
        except ConfigError as exc:
            said.append(f"{name}: no places: {exc}")
            continue
        by_force.append((name, got))
        said.extend(f"{name}: {n}" for n in got.notes)
    note = ForcesNote(
        f"{far.said('patrol grid')} {EACH_FORCE_PLANNED}.", None, far.names
    )
    return PlacesForecast(
        plan=None,
        zones=events.head(0),
        zone_radius_m=0.0,
        zone_days=0.0,
        first_band_ratio=None,
        first_band_p=None,
        knox_history_days=knox["history_days"],
        knox_sims=knox["n_sims"],
        zones_note="Near-repeat tests per force.",
        notes=(*notes, note.said(), *said),
        forces=far.names,
        forces_note=note,
        by_force=tuple(by_force),
        too_few=tuple(too_few_forces),
    )


def _forecast_window(
    events: pl.DataFrame, *, at: dt.datetime, days: float
) -> pl.DataFrame:
    """The events a forecast as of ``at`` plans its grid over, as :func:`_inputs`
    cuts them: those of the ``days`` (history and backtest) before ``at``, in the
    bulk (:func:`_bulk_events`)."""
    start = at - dt.timedelta(days=days)
    return _bulk_events(
        events.filter(pl.col("occurred_at").is_between(start, at, closed="left"))
    )[0]


def _options(forecast: dict[str, Any], knox: dict[str, Any]) -> tuple[object, ...]:
    """The options of :func:`briefing_places` as a part of its memos' keys."""
    return (tuple(sorted(forecast.items())), tuple(sorted(knox.items())))


@dataclass(frozen=True)
class _DayEvidence:
    """What the briefing's places measure once a day (:func:`_day_evidence`): the
    forecast's backtest (None: measured with each forecast, there being no event
    to measure it on before the day, or the horizon being shorter than a day,
    whose backtest is of the forecast's own shift of each day) and the Knox test (None: ``no_test`` says
    why it could not run). Counts and shares only: no incident's place or time."""

    backtest: Backtest | None
    test: NearRepeatTest | None
    no_test: str | None


#: The days' evidence by store, data generation, scope, day, options and data
#: (a few KiB each: shares, counts and the Knox bands' table).
_DAY_EVIDENCE: Final[OrderedDict[Hashable, _DayEvidence]] = OrderedDict()
_DAY_EVIDENCE_SIZE: Final = 32
#: One lock per day's key: two requests at once measure the day once.
_DAY_EVIDENCE_LOCKS: Final = KeyLocks()


def _day_evidence(
    store: Store,
    events: pl.DataFrame,
    *,
    day: dt.datetime,
    scope: tuple[object, ...],
    forecast: dict[str, Any],
    knox: dict[str, Any],
) -> _DayEvidence:
    """The backtest (:func:`backtest_as_of`) and the Knox test
    (:func:`~avert.workflows.places.near_repeat_test`) as of ``day`` (00:00),
    of the ``events`` before it: made once per store, data generation
    (:meth:`avert.store.Store.generation`: a load, a classification), ``scope``
    (store, profile, area, audience), ``day``, options and a digest of every row of
    those events (:func:`_fingerprint`: a write from outside avert), and kept only when the generation was
    the same before and after (a load committed meanwhile is not kept as the
    older one). Each of a live store's minutes would otherwise measure them
    again: 0.8 of 0.9 s of CPU a minute on a synthetic city of 77,679 incidents
    (docs/web.md). Two requests of the same key at once measure them once: the
    second waits for the first's (:class:`~avert.workflows._key_locks.KeyLocks`)."""
    before = events.filter(pl.col("occurred_at") < day)
    generation = store.generation()
    key = (*scope, generation, day, *_options(forecast, knox), *_fingerprint(before))
    # a second request of the same key waits for the first's, then finds it
    with _DAY_EVIDENCE_LOCKS.held(key):
        with _CACHE_LOCK:
            hit = _DAY_EVIDENCE.get(key)
            if hit is not None:
                _DAY_EVIDENCE.move_to_end(key)
                return hit
        evidence = _measure_day(before, day=day, forecast=forecast, knox=knox)
        if store.generation() == generation:
            with _CACHE_LOCK:
                _DAY_EVIDENCE[key] = evidence
                while len(_DAY_EVIDENCE) > _DAY_EVIDENCE_SIZE:
                    _DAY_EVIDENCE.popitem(last=False)
    return evidence


def _measure_day(
    before: pl.DataFrame,
    *,
    day: dt.datetime,
    forecast: dict[str, Any],
    knox: dict[str, Any],
) -> _DayEvidence:
    """The backtest and the Knox test of :func:`_day_evidence`, of the events
    ``before`` the ``day``."""
    backtest: Backtest | None = None  # else measured with the forecast
    try:
        if forecast["horizon"] >= dt.timedelta(days=1):  # not a shift of the day
            backtest = backtest_as_of(before, at=day, **forecast)
    except ConfigError:  # no event in the days before
        pass
    try:
        test: NearRepeatTest | None = near_repeat_test(before, at=day, **knox)
        no_test = None
    except ConfigError as exc:  # e.g. no event in the Knox test's year
        test, no_test = None, str(exc)
    return _DayEvidence(backtest, test, no_test)


def _cached_places(key: Hashable) -> PlacesForecast | None:
    """The memoised briefing places of ``key``, marked as just used; None if absent."""
    with _CACHE_LOCK:
        hit = _BRIEFING_CACHE.get(key)
        if hit is not None:
            _BRIEFING_CACHE.move_to_end(key)
        return hit


def _remember_places(key: Hashable, result: PlacesForecast) -> None:
    """Memoise ``result`` under ``key``, dropping the least recently used beyond
    ``_BRIEFING_CACHE_SIZE`` entries."""
    with _CACHE_LOCK:
        _BRIEFING_CACHE[key] = result
        while len(_BRIEFING_CACHE) > _BRIEFING_CACHE_SIZE:
            _BRIEFING_CACHE.popitem(last=False)


def _places_with_zones(
    plan: ForecastPlan,
    events: pl.DataFrame,
    evidence: _DayEvidence,
    *,
    at: dt.datetime,
    zone_hours: float,
    domestic: DomesticZones,
    knox_history_days: float,
    knox_sims: int,
    notes: tuple[str, ...],
) -> PlacesForecast:
    """The briefing's places: ``plan`` with the zones of the window of
    ``zone_hours`` ending ``at`` that the day's Knox test gives, or with none and
    the reason when the test could not run (a ConfigError, e.g. no event in the
    test's year)."""
    test = evidence.test
    if test is None:
        return PlacesForecast(
            plan=plan,
            zones=events.head(0),
            zone_radius_m=0.0,
            zone_days=0.0,
            first_band_ratio=None,
            first_band_p=None,
            knox_history_days=knox_history_days,
            knox_sims=knox_sims,
            zones_note=f"No near-repeat test: {evidence.no_test}",
            notes=notes,
        )
    nr = zones_of_window(events, test, at=at, hours=zone_hours, domestic=domestic)
    return _with_zones(plan, nr, knox_history_days, knox_sims, notes)


def _fingerprint(events: pl.DataFrame) -> tuple[object, ...]:
    """What tells the events read apart in :func:`briefing_places`' memo keys:
    their number, their columns and a content digest of every row
    (:func:`_content_digest`).

    Sums (of times and eastings, before) told apart neither a northing corrected,
    nor two incidents swapping their times, nor one moved east as another moved
    west: each returned the memoised forecast and zones of the other data."""
    return (events.height, tuple(events.schema.items()), _content_digest(events))


def _content_digest(frame: pl.DataFrame) -> bytes:
    """A 128-bit BLAKE2b digest of ``frame``'s rows, whatever their order.

    Each row (every column, nulls included: ``x``, ``y``, ``occurred_at``,
    ``time_precision``, ``domestic`` of a places read) is hashed to 64 bits by
    Polars (:meth:`polars.DataFrame.hash_rows`, vectorised), the hashes are
    sorted (the canonical order: the same rows read in another order give the
    same digest) and their bytes hashed with :func:`hashlib.blake2b`. Two
    different sets of rows share it only if a changed row's 64-bit hash equals
    the one it replaced (about 2**-64 a row). On 500,000 events it costs about
    19 ms of CPU (hashing 10, sorting 4, BLAKE2b 4; the sums before: 0.5 ms);
    sorting the columns themselves instead, 0.2 to 0.3 s."""
    hashes = np.sort(frame.hash_rows(seed=0).to_numpy())
    return hashlib.blake2b(hashes.tobytes(), digest_size=16).digest()


def _with_zones(
    plan: ForecastPlan,
    nr: NearRepeatZones,
    knox_history_days: float,
    knox_sims: int,
    notes: tuple[str, ...],
) -> PlacesForecast:
    """The briefing's places from the forecast ``plan`` and the zones ``nr``."""
    first = nr.knox.frame.row(0, named=True)
    sampled = [n for n in nr.knox.notes if "seeded random" in n]
    return PlacesForecast(
        plan=plan,
        zones=nr.zones,
        zone_radius_m=nr.radius_m,
        zone_days=nr.days,
        first_band_ratio=_finite(first["ratio"]),
        first_band_p=_finite(first["p_value"]),
        knox_history_days=knox_history_days,
        knox_sims=knox_sims,
        zones_note=" ".join([nr.note, *sampled]),
        notes=notes,
    )


def _budget(plan: ForecastPlan, cells: int) -> tuple[str, ...]:
    note = budget_note(plan, cells=cells)
    return () if note is None else (note,)


def _finite(value: object) -> float | None:
    v = float(value)  # type: ignore[arg-type]
    return v if np.isfinite(v) else None


def write_forecast(plan: ForecastPlan, out_dir: Path) -> dict[str, Path]:
    """Write ``grid.csv`` (every cell with risk > 0), ``top_cells.csv`` and
    ``forecast.json`` (parameters, budget, backtested share) into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    g = plan.grid
    flat = plan.risk.ravel()
    nz = np.flatnonzero(flat > 0)
    nx = g.shape[1]
    grid_frame = pl.DataFrame(
        {
            "row": nz // nx,
            "col": nz % nx,
            "x": g.origin_xy[0] + (nz % nx + 0.5) * g.cell_size_m,
            "y": g.origin_xy[1] + (nz // nx + 0.5) * g.cell_size_m,
            "risk": flat[nz],
        }
    )
    paths = {
        "grid": out_dir / "grid.csv",
        "top_cells": out_dir / "top_cells.csv",
        "json": out_dir / "forecast.json",
    }
    grid_frame.write_csv(paths["grid"])
    plan.frame.write_csv(paths["top_cells"])
    paths["json"].write_text(
        json.dumps(plan_to_dict(plan), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return paths


def plan_to_dict(plan: ForecastPlan) -> dict[str, object]:
    """JSON-ready form of a forecast plan."""
    return json_object(
        {
            "params": dict(plan.params),
            "grid": {
                "origin_xy": plan.grid.origin_xy,
                "cell_size_m": plan.grid.cell_size_m,
                "shape": plan.grid.shape,
            },
            "cells": plan.k,
            "area_km2": plan.area_km2,
            "expected_share_backtested": plan.backtest_share,
            "backtest_events": plan.backtest_events,
            "backtest_days": plan.backtest_days,
            "method": plan.method,
            "maps": [{"map": name, "weight": w} for name, w in plan.maps],
            "source": plan.source,
            "notes": list(plan.notes),
            "top_cells": plan.frame,
        }
    )
