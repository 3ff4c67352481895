"""The one contract of every forecaster: ``fit(events)`` then ``predict(at, horizon)``."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, Final, Self
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.forecast._grid import (
    EVENT_COLUMNS,
    Events,
    Grid,
    read_at,
    text_offsets,
    to_days,
)
from avert.errors import ConfigError, NotFittedError

__all__ = ["Forecaster", "Risk", "one_blas_thread"]

Risk = npt.NDArray[np.float64]

_EPOCH: Final = dt.datetime(1970, 1, 1)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Keep BLAS (OpenBLAS under NumPy and SciPy) to one thread inside a fit or a
    prediction. Left to itself OpenBLAS splits the stack's many small matrix
    products over every core and its threads spin between them: 100,000 events on
    a 200 x 200 grid cost 0.47-0.75 s of the process's CPU a day against 0.09-0.12 s
    on one thread (docs/places.md, *Threads*), on the shared server of the web app
    and the briefing.

    The libraries are those :func:`_blas_controller` found: threadpoolctl reads the
    process's memory map to find them, a millisecond or more a call in the web
    app's process (the briefing's backtest made 183 calls: 0.20 s of CPU of its
    0.85 s), so they are found again only when a module was imported since (SciPy's
    own BLAS loads with a SciPy module: it is held too).

    The limit is the process's, so calls of several threads share it: the first
    in sets it, the last out gives back what was there before (else, two calls
    overlapping, the first out gave BLAS its threads back under the second, and the
    second out kept one thread for the process ever after, as it found it). Given
    back on an exception too. OpenBLAS 0.3.30-0.3.31 ignore a count raised from
    one thread while the thread that lowered it lives on (measured, 2026-12-06),
    so after overlapping calls the process may keep one thread."""
    with _BLAS_LIMIT_LOCK:
        if not _BLAS_LIMIT:
            limit = _blas_controller().limit(limits=1, user_api="blas")
            _BLAS_LIMIT.append(limit.__enter__())
        _BLAS_LIMIT_HELD[0] += 1
    try:
        yield
    finally:
        with _BLAS_LIMIT_LOCK:
            _BLAS_LIMIT_HELD[0] -= 1
            if not _BLAS_LIMIT_HELD[0]:
                _BLAS_LIMIT.pop().__exit__(None, None, None)


#: the one-thread limit while any call is inside :func:`one_blas_thread`, and how
#: many are
_BLAS_LIMIT: list[Any] = []
_BLAS_LIMIT_HELD = [0]
_BLAS_LIMIT_LOCK = threading.Lock()


#: the threadpoolctl controller and the count of imported modules it was made at
_BLAS_CONTROLLER: list[tuple[int, Any]] = []
_BLAS_CONTROLLER_LOCK = threading.Lock()


def _blas_controller() -> Any:
    """threadpoolctl's ``ThreadpoolController`` of the loaded libraries, made again
    when ``sys.modules`` has grown or shrunk since (a BLAS library is loaded by an
    extension module's import)."""
    from threadpoolctl import ThreadpoolController

    with _BLAS_CONTROLLER_LOCK:
        modules = len(sys.modules)
        if not _BLAS_CONTROLLER or _BLAS_CONTROLLER[0][0] != modules:
            _BLAS_CONTROLLER[:] = [(modules, ThreadpoolController())]
        return _BLAS_CONTROLLER[0][1]


class Forecaster(ABC):
    """A model of where events will happen next, on a fixed grid.

    ``fit(events)`` stores (and, for fitted models, learns from) the history;
    ``predict(at, horizon)`` returns an array of shape ``grid.shape`` (row = y index
    from the south, column = x index from the west) whose larger values mark cells
    more likely to hold events in ``[at, at + horizon)``. Only events before ``at``
    are ever used. Subclasses document their method and source.
    """

    name: ClassVar[str] = ""
    method: ClassVar[str] = ""
    source: ClassVar[str] = ""

    def __init__(self, grid: Grid) -> None:
        self.grid = grid
        self._events: Events | None = None
        self._zone: str | None = None
        self._offsets: tuple[dt.timedelta, ...] = ()  # of texts with UTC offsets

    def fit(self, events: pl.DataFrame | Events) -> Self:
        """Store the history (``x``, ``y`` in metres, ``occurred_at``) and fit the model.

        Aware times are read as their wall-clock time, and an aware ``at`` given to
        :meth:`predict` is then first converted to their zone (the same instant);
        so are texts with a UTC offset, and an aware ``at`` is put on their offset
        (texts of several offsets, a zone's summer and winter, and an aware ``at``
        are a ConfigError: which clock ``at`` means cannot be told).
        """
        self._zone = None
        self._offsets = ()
        if isinstance(events, pl.LazyFrame):  # a query the caller built: run it
            events = events.collect()
        if not isinstance(events, (Events, pl.DataFrame)):  # pandas, dict of columns
            events = _as_frame(events)
        if isinstance(events, Events):  # their zone kept (backtests, plans)
            self._events = events
            self._zone = events.zone
        else:
            self._events = Events.from_frame(events, self.grid)
            when = events.schema.get("occurred_at")
            if isinstance(when, pl.Datetime):
                self._zone = when.time_zone
            self._offsets = text_offsets(events.get_column("occurred_at"))
        with one_blas_thread():
            self._fit(self._events)
        return self

    def _fit(self, events: Events) -> None:  # noqa: B027 - optional hook
        """Learn parameters from the history (nothing for fixed-form models)."""

    @property
    def events(self) -> Events:
        """The fitted history; raises :class:`NotFittedError` before ``fit``."""
        if self._events is None:
            msg = f"{type(self).__name__} is not fitted; call fit(events) first."
            raise NotFittedError(msg)
        return self._events

    def predict(
        self,
        at: dt.datetime | dt.date | np.datetime64 | str,
        horizon: dt.timedelta | np.timedelta64 = dt.timedelta(days=1),
    ) -> Risk:
        """Return the risk of each cell for ``[at, at + horizon)``, shape ``grid.shape``.

        ``at`` may also be an ISO 8601 text (``"2021-01-01"``); ``horizon`` a
        ``datetime.timedelta`` (pandas' too) or a ``np.timedelta64``.
        """
        at = read_at(at)
        hours = _horizon(horizon).total_seconds() / 3600.0
        if hours <= 0:
            msg = f"horizon must be positive; got {horizon!r}."
            raise ConfigError(msg)
        if isinstance(at, dt.datetime) and at.tzinfo:
            at = self._on_events_clock(at)
        t0 = to_days(at)
        past = self._before_instant(self.events.before(t0), at)
        with one_blas_thread():
            risk = self._predict(past, t0, hours / 24.0)
        return np.asarray(risk, dtype=np.float64).reshape(self.grid.shape)

    def _before_instant(
        self, past: Events, at: dt.datetime | dt.date | np.datetime64
    ) -> Events:
        """``past`` (the events before ``at`` on the wall clock) without those at or
        after ``at``'s instant, for events read from a zoned column.

        Where a zone's clocks go back, an hour's wall-clock times repeat, so an
        event of the second 01:10 came before an ``at`` of the first 01:30 on the
        wall clock though it happened 40 minutes after it: read into the forecast
        (Europe/London, 2023-10-29). A naive ``at`` there is read as the first of
        its two instants. Elsewhere the wall clock and the instants agree and
        ``past`` is returned as it is."""
        if self._zone is None or past.utc_us is None or not len(past):
            return past
        if isinstance(at, np.datetime64):
            micros = int(at.astype("datetime64[us]").astype(np.int64))
            at = _EPOCH + dt.timedelta(microseconds=micros)
        elif not isinstance(at, dt.datetime):
            at = dt.datetime(at.year, at.month, at.day)
        if at.tzinfo is None:
            at = at.replace(tzinfo=ZoneInfo(self._zone))
        at_us = (at - _EPOCH.replace(tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
        keep = past.utc_us < at_us
        return past if bool(keep.all()) else past.take(keep)

    def _on_events_clock(self, at: dt.datetime) -> dt.datetime:
        """An aware ``at`` as the same instant on the clock of the fitted events:
        their zone, or the one UTC offset their texts write; unchanged for naive
        events (read as the wall-clock time it writes, as documented).

        Texts with an offset are read as the clock they write, so an aware ``at``
        on another clock was compared with them as its own wall-clock time: with
        events written ``...T05:00:00-05:00`` an ``at`` of 09:00 UTC (04:00 on their
        clock) read the 05:00 event, an event after ``at``, into the forecast."""
        if self._zone is not None:
            return at.astimezone(ZoneInfo(self._zone))
        if len(self._offsets) == 1:
            return at.astimezone(dt.timezone(self._offsets[0]))
        if self._offsets:
            shown = ", ".join(_offset_text(o) for o in self._offsets)
            msg = (
                f"at is an aware time ({at.isoformat()}) but the events' times are "
                f"texts on several UTC offsets ({shown}), read as the clock each "
                "writes: give at as a naive local time, or the events as a datetime "
                "column with their zone, e.g. pl.col('occurred_at').str.to_datetime("
                "time_zone='UTC').dt.convert_time_zone('America/Toronto')."
            )
            raise ConfigError(msg)
        return at

    def frozen(self, events: Events, t0: float) -> Forecaster:
        """Return a model whose learnt settings are fitted on ``events`` before ``t0``
        (days) and then held fixed, for backtests on the days after ``t0``.

        Each backtest day still refits the data (``fit(past)``); only settings the
        model learns by search (e.g. the stacking weights of the default) are
        learnt once, before the first day, instead of every day: the same model,
        without look-ahead, at a fraction of the cost. Models without such settings
        return themselves.
        """
        return self

    def parts(
        self, cells: npt.NDArray[np.int64]
    ) -> list[tuple[str, str, npt.NDArray[np.float64]]]:
        """Where the last prediction's risk in ``cells`` (flat indices) comes from.

        One ``(name, label, share)`` per part of the model, the shares of each cell
        summing to one, for the reasons a patrol plan gives; empty for models whose
        risk is not a sum of named parts.
        """
        return []

    def maps_used(self) -> tuple[tuple[str, float], ...]:
        """The maps the last prediction combined, each ``(name, weight)`` (the
        weights summing to one); empty for a model that is not a mixture of maps,
        or before a prediction."""
        return ()

    def method_used(self) -> str:
        """The method of the last prediction in words: :attr:`method`, for a model
        whose method does not change with the events it is given."""
        return self.method

    @abstractmethod
    def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
        """Return a flat risk per cell from the events before ``t0`` (days)."""


def _offset_text(offset: dt.timedelta) -> str:
    """A UTC offset as ISO 8601 writes it: ``-05:00``."""
    minutes = int(offset.total_seconds() // 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _as_frame(events: object) -> pl.DataFrame:
    """``events`` (a pandas frame, a dict of columns) as a Polars frame; anything
    Polars cannot read is a ConfigError saying what to pass (it was Polars' own
    TypeError or ValueError from deep inside the constructor, and None an empty
    frame "missing columns"). A pandas frame's index levels named ``x``, ``y`` or
    ``occurred_at`` are read as those columns (a frame indexed by time, as pandas'
    resampling wants, was refused as having no ``occurred_at``)."""
    if events is None:
        msg = (
            "events must be a Polars DataFrame (or a pandas one, or a dict of "
            "columns) with x, y and occurred_at; got None."
        )
        raise ConfigError(msg)
    events = _index_as_columns(events)
    try:
        return pl.DataFrame(events)  # type: ignore[arg-type]
    except (TypeError, ValueError, pl.exceptions.PolarsError) as err:
        msg = (
            "events must be a Polars DataFrame (or a pandas one, or a dict of "
            "columns) with x, y and occurred_at; got "
            f"{type(events).__name__} ({str(err).splitlines()[0]})."
        )
        raise ConfigError(msg) from None


def _index_as_columns(events: object) -> object:
    """A pandas frame with its index levels named as a missing column of
    :data:`EVENT_COLUMNS` made columns (a copy; the caller's frame is unchanged);
    anything else unchanged. Duck-typed: pandas is not imported here."""
    names = getattr(getattr(events, "index", None), "names", None)
    columns = getattr(events, "columns", None)
    if names is None or columns is None or not hasattr(events, "reset_index"):
        return events
    have = set(columns)
    levels = [n for n in names if n in EVENT_COLUMNS and n not in have]
    return events.reset_index(level=levels) if levels else events


def _horizon(value: object) -> dt.timedelta:
    """``value`` as a timedelta: a ``datetime.timedelta`` (pandas' Timedelta is
    one) or a ``np.timedelta64``; anything else (a number of unknown unit, a text)
    is a ConfigError, where it was an AttributeError on ``total_seconds``."""
    if isinstance(value, np.timedelta64) and not np.isnat(value):
        return dt.timedelta(microseconds=float(value / np.timedelta64(1, "us")))
    if isinstance(value, dt.timedelta):
        return value
    msg = (
        f"horizon must be a datetime.timedelta, e.g. timedelta(days=1); got {value!r}."
    )
    raise ConfigError(msg)
