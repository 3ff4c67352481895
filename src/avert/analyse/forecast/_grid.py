"""The forecast grid and the event arrays every forecaster reads.

A grid is ``shape = (ny, nx)`` square cells of side ``cell_size_m`` whose south-west
corner is ``origin_xy``; cell ``(row, col)`` covers
``[x0 + col * s, x0 + (col + 1) * s) x [y0 + row * s, y0 + (row + 1) * s)``, so row 0
is the southernmost row and column 0 the westernmost. The flat index of a cell is
``row * nx + col`` (row-major), the order the evaluation's tie rule uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.errors import ConfigError, SchemaError

__all__ = [
    "BULK_FENCE",
    "BULK_MIN_FENCE_M",
    "BULK_NOTE_START",
    "BULK_TAIL",
    "DAY_US",
    "EVENT_COLUMNS",
    "Events",
    "Grid",
    "bulk_bounds",
    "bulk_events",
    "bulk_notes",
    "text_offsets",
    "to_days",
]

DAY_US: Final = 86_400_000_000
_MAX_CELLS: Final = 25_000_000


def _finite_points(
    x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
) -> npt.NDArray[np.bool_]:
    """Mask of the points with finite x and y; a ConfigError if there is none."""
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        msg = "No finite coordinates to build a grid from."
        raise ConfigError(msg)
    return ok


def _check_cell_size(cell_size_m: float) -> float:
    """``cell_size_m`` as a float; a ConfigError unless it is a positive finite
    number (None or a text that is no number was a TypeError or ValueError not
    naming it, and True, Python's or NumPy's, a silent grid of 1 m cells)."""
    try:
        boolean = isinstance(cell_size_m, (bool, np.bool_))
        size = np.nan if boolean else float(cell_size_m)
    except (TypeError, ValueError):
        size = np.nan
    if not (size > 0 and np.isfinite(size)):
        msg = f"cell_size_m must be a positive number; got {cell_size_m!r}."
        raise ConfigError(msg)
    return size


@dataclass(frozen=True)
class Grid:
    """A rectangle of square cells (see the module docstring for the layout)."""

    origin_xy: tuple[float, float]
    cell_size_m: float
    shape: tuple[int, int]

    def __post_init__(self) -> None:
        try:  # whole floats (numpy's floor(extent / s) + 1) are cell counts too
            whole = all(float(n).is_integer() for n in self.shape)
            ny, nx = (int(n) for n in self.shape) if whole else (0, 0)
        except (TypeError, ValueError):
            whole = False
        if not whole or len(self.shape) != 2:
            msg = f"shape must be two whole numbers (ny, nx); got {self.shape!r}."
            raise ConfigError(msg)
        object.__setattr__(self, "shape", (ny, nx))
        try:
            x0, y0 = (float(v) for v in self.origin_xy)
            finite = bool(np.isfinite(x0) and np.isfinite(y0))
        except (TypeError, ValueError):
            finite = False
        if not finite:  # a NaN corner put every event outside: a grid of zeros
            msg = (
                f"origin_xy must be two finite numbers (x, y); got {self.origin_xy!r}."
            )
            raise ConfigError(msg)
        object.__setattr__(self, "origin_xy", (x0, y0))
        object.__setattr__(self, "cell_size_m", _check_cell_size(self.cell_size_m))
        if ny < 1 or nx < 1 or ny * nx > _MAX_CELLS:
            msg = f"shape must be (ny, nx) with 1 <= ny * nx <= {_MAX_CELLS}; got {self.shape!r}."
            raise ConfigError(msg)

    @property
    def n_cells(self) -> int:
        """Number of cells, ``ny * nx``."""
        return int(self.shape[0] * self.shape[1])

    @property
    def cell_area_km2(self) -> float:
        """Area of one cell in square kilometres."""
        return float(self.cell_size_m) ** 2 / 1e6

    def cell_index(
        self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.int64]:
        """Return the flat cell index of each point, -1 outside the grid or non-finite."""
        ny, nx = self.shape
        with np.errstate(invalid="ignore"):
            col = np.floor((x - self.origin_xy[0]) / self.cell_size_m)
            row = np.floor((y - self.origin_xy[1]) / self.cell_size_m)
        ok = np.isfinite(col) & np.isfinite(row)
        ok &= (col >= 0) & (col < nx) & (row >= 0) & (row < ny)
        out = np.full(x.shape, -1, dtype=np.int64)
        out[ok] = row[ok].astype(np.int64) * nx + col[ok].astype(np.int64)
        return out

    def centres(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Return the x and y of every cell centre, each of shape ``(ny, nx)``."""
        ny, nx = self.shape
        xs = self.origin_xy[0] + (np.arange(nx) + 0.5) * self.cell_size_m
        ys = self.origin_xy[1] + (np.arange(ny) + 0.5) * self.cell_size_m
        gx, gy = np.meshgrid(xs, ys)
        return gx, gy

    @classmethod
    def covering(
        cls, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], cell_size_m: float
    ) -> Grid:
        """Return the grid of the evaluation protocol over the given points.

        ``origin = (floor(min x), floor(min y))`` and
        ``n = floor((max - origin) / cell_size_m) + 1`` along each axis.
        """
        _check_cell_size(cell_size_m)  # before dividing by it
        ok = _finite_points(x, y)
        x0 = float(np.floor(x[ok].min()))
        y0 = float(np.floor(y[ok].min()))
        nx = int(np.floor((x[ok].max() - x0) / cell_size_m)) + 1
        ny = int(np.floor((y[ok].max() - y0) / cell_size_m)) + 1
        return cls((x0, y0), float(cell_size_m), (ny, nx))

    @classmethod
    def anchored(
        cls, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], cell_size_m: float
    ) -> Grid:
        """Return the grid over the points whose cells are avert's stable cells.

        The origin is a multiple of ``cell_size_m`` (cells anchored at the CRS origin,
        as :mod:`avert.analyse.places`), so cell ``(row, col)`` is the place cell
        ``E{col + x0 / s}:N{row + y0 / s}``.
        """
        _check_cell_size(cell_size_m)  # before dividing by it
        ok = _finite_points(x, y)
        s = float(cell_size_m)
        i0 = np.floor(x[ok].min() / s)
        j0 = np.floor(y[ok].min() / s)
        nx = int(np.floor(x[ok].max() / s) - i0) + 1
        ny = int(np.floor(y[ok].max() / s) - j0) + 1
        return cls((float(i0 * s), float(j0 * s)), s, (ny, nx))


#: Share of the points in each tail left out of the core range of :func:`bulk_bounds`
BULK_TAIL: Final = 0.01
#: Fence of :func:`bulk_bounds`: this many core ranges beyond each end of the core
BULK_FENCE: Final = 3.0
#: The least fence of :func:`bulk_bounds` in metres (a small or new store's few events)
BULK_MIN_FENCE_M: Final = 25_000.0


def bulk_bounds(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    *,
    tail: float = BULK_TAIL,
    fence: float = BULK_FENCE,
    min_fence_m: float = BULK_MIN_FENCE_M,
) -> tuple[float, float, float, float]:
    """Return ``(x_lo, x_hi, y_lo, y_hi)``: the fences of the bulk of the points.

    A place forecast's grid spans its events, so one mis-geocoded point hundreds of
    km away (inside the CRS's area, so ingest kept it) would make the grid millions
    of cells. The points inside these fences are the bulk a patrol grid should
    cover; a caller leaves the others out and says how many.

    The rule, on each axis: the *core* is the range from the ``tail`` to the
    ``1 - tail`` quantile (1 %..99 %, rounded inward to a point's value, and always
    holding the median), and the fences stand ``fence`` core ranges beyond each
    end of it (at least ``min_fence_m``). It is Tukey's "far out" fence (3
    interquartile ranges beyond the quartiles; Tukey 1977, *Exploratory Data
    Analysis*) with the 1 %..99 % range in place of the quartiles, because events
    cluster in town centres: a force's quartiles span a few km while its legitimate
    outskirts lie tens of km out. Up to 1 % of the points (and, rounding inward,
    always the single most extreme on each side) can lie anywhere without moving
    the core, and every point within 3 cores' width of it is kept: a city, a
    force's towns or a long county never lose a place; a point 300 km from a 40 km
    city does. Non-finite points are outside; the bounds are infinite when no
    point is finite.
    """
    ok = np.isfinite(x) & np.isfinite(y)
    if not ok.any():
        return (-np.inf, np.inf, -np.inf, np.inf)
    out: list[float] = []
    for v in (x[ok], y[ok]):  # the two axes
        median = float(np.quantile(v, 0.5, method="lower"))
        lo = min(float(np.quantile(v, tail, method="higher")), median)
        hi = max(float(np.quantile(v, 1 - tail, method="lower")), median)
        width = max(fence * (hi - lo), min_fence_m)
        out += [lo - width, hi + width]
    return (out[0], out[1], out[2], out[3])


#: How every note of :func:`bulk_events` starts ("Left out of the patrol grid: ...")
BULK_NOTE_START: Final = "Left out of the"


def bulk_events(
    events: pl.DataFrame, *, grid: str, x: str = "x", y: str = "y"
) -> tuple[pl.DataFrame, str | None]:
    """The rows of ``events`` inside the fences of :func:`bulk_bounds` and a note on
    the located rows left out (None, and ``events`` itself, when none is).

    Every grid spanned by the events (a patrol plan's, Gi*'s, the emerging
    hotspots', a kernel density map's) covers their bulk, not a few strays far
    from it: one place mis-geocoded 300 km away inside the CRS's area (which
    ingest keeps) would stretch a city's grid to millions of cells. ``grid`` names
    the grid in the note ("Left out of the {grid}: 1 of 739 located events lies
    far from the bulk ..."). Rows without finite ``x`` and ``y`` are kept (each
    caller already leaves them out, as before) and not counted. Without a stray
    the events, and so the grid, are exactly those given.
    """
    xs = events[x].cast(pl.Float64).to_numpy()
    ys = events[y].cast(pl.Float64).to_numpy()
    located = np.isfinite(xs) & np.isfinite(ys)
    x_lo, x_hi, y_lo, y_hi = bulk_bounds(xs, ys)
    with np.errstate(invalid="ignore"):
        out = located & ~((xs >= x_lo) & (xs <= x_hi) & (ys >= y_lo) & (ys <= y_hi))
    n_out = int(out.sum())
    if n_out == 0:
        return events, None
    first = int(np.argmax(out))
    note = (
        f"{BULK_NOTE_START} {grid}: {n_out:,} of {int(located.sum()):,} located events "
        f"{'lies' if n_out == 1 else 'lie'} far from the bulk of the others (outside "
        f"x {x_lo:.0f}..{x_hi:.0f}, y {y_lo:.0f}..{y_hi:.0f} m; first at x "
        f"{xs[first]:.0f}, y {ys[first]:.0f}): a mis-geocoded place? The grid "
        "covers the rest (docs/places.md)."
    )
    return events.filter(pl.Series(~out)), note


def bulk_notes(notes: Sequence[str]) -> tuple[str, ...]:
    """The notes of :func:`bulk_events` among ``notes`` (:data:`BULK_NOTE_START`)."""
    return tuple(n for n in notes if n.startswith(BULK_NOTE_START))


def read_at(
    value: dt.datetime | dt.date | np.datetime64 | str,
) -> dt.datetime | dt.date | np.datetime64:
    """Return ``value`` with an ISO 8601 text (``"2021-01-01"``,
    ``"2021-01-01T06:00"``, ``"2021-01-01T06:00Z"``) read as a date or datetime;
    any other date, datetime (pandas' Timestamp is one) or ``np.datetime64``
    unchanged; pandas' Period is read as its start (a daily loop over
    ``pd.period_range`` passes them). A text that is not ISO 8601 is a
    ConfigError, and so is anything else: a missing time (None, NaT) or a number,
    whose unit cannot be told (``None`` was an AttributeError; a NaT read every
    event, later ones too, or none)."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value.strip())
        except ValueError:
            msg = f"at must be an ISO 8601 date or datetime; got {value!r}."
            raise ConfigError(msg) from None
    start = getattr(value, "start_time", None)  # pandas' Period (no import here)
    if isinstance(start, dt.datetime):
        value = start
    if isinstance(value, np.datetime64):
        missing = bool(np.isnat(value))
    elif isinstance(value, dt.date):
        missing = value != value  # pandas' NaT is a datetime unequal to itself
    else:
        msg = (
            "at must be a datetime, a date, a np.datetime64 or an ISO 8601 text "
            f"(e.g. '2021-01-01'); got {value!r} ({type(value).__name__})."
        )
        raise ConfigError(msg)
    if missing:
        msg = f"at is a missing time ({value!r}); give the start of the forecast."
        raise ConfigError(msg)
    return value


def to_days(value: dt.datetime | dt.date | np.datetime64 | str) -> float:
    """Return a naive datetime (or date, at midnight; or ``np.datetime64``, naive;
    or an ISO 8601 text, see :func:`read_at`) as days since 1970-01-01."""
    value = read_at(value)
    if isinstance(value, np.datetime64):
        return float(value.astype("datetime64[us]").astype(np.int64)) / DAY_US
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    delta = value - dt.datetime(1970, 1, 1)
    return delta.days + (delta.seconds + delta.microseconds / 1e6) / 86_400.0


#: The UTC offset (or ``Z``) ending an ISO 8601 text
_OFFSET_END: Final = r"(?:[Zz]|[+-]\d{2}(?::?\d{2})?)$"
#: A time of day then its UTC offset, ending a text (the offset captured; a date
#: alone, ``2024-01-01``, ends with no offset though ``-01`` looks like one)
_TIME_OFFSET_END: Final = (
    r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)$"
)
#: How a text whose day and month cannot be mixed up starts: a year-first date
#: (ISO 8601's ``2024-07-01``, or ``2024/7/1`` as some exports write it), then a
#: time (``T`` or a space) or nothing
_YEAR_FIRST_DATE_START: Final = r"^\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:[Tt ]|$)"


def text_offsets(text: pl.Series) -> tuple[dt.timedelta, ...]:
    """The distinct UTC offsets ending the ISO 8601 texts of ``text`` (``Z`` is
    zero), sorted; empty for texts without one (or a column of another type).

    Such texts are read as the clock they write (:func:`_parse_times`), so an aware
    ``at`` must be put on the same clock before it is compared with them: on their
    offset when there is one (:meth:`Forecaster.predict`)."""
    if text.dtype != pl.String:
        return ()
    found = text.str.strip_chars().str.extract(_TIME_OFFSET_END).drop_nulls()
    offsets = set()
    for value in found.unique().to_list():
        if value in ("Z", "z"):
            offsets.add(dt.timedelta(0))
            continue
        digits = value[1:].replace(":", "")
        minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
        offsets.add(dt.timedelta(minutes=-minutes if value[0] == "-" else minutes))
    return tuple(sorted(offsets))


def _parse_times(text: pl.Series) -> pl.Series:
    """Read ISO 8601 texts (one format for the column, as a CSV read without
    date parsing gives them) as datetimes; a text that does not parse is a
    ConfigError naming it, never a silently dropped event.

    A text with an offset is read as the wall-clock time it writes, as an aware
    datetime is (``2024-07-01T23:30:00-04:00`` is 23:30): parsed as an instant it
    became UTC's clock (03:30 the next day), so a naive ``at`` of local midnight
    left out the last four or five hours of local events and an aware one was not
    converted (a text column has no zone to convert it to).

    Only year-first texts are read (ISO 8601, or ``2023/02/01`` with slashes):
    Polars would also guess ``01/02/2023`` as day-first (1 February), so a
    month-first city's texts (an American extract) were read as other days,
    silently whenever no day in them passed 12 (a short history); a text that
    does not start with a year-first date is a ConfigError."""
    text = text.str.strip_chars()  # padded values (a fixed-width export) read too
    not_iso = text.is_not_null() & ~text.str.contains(_YEAR_FIRST_DATE_START)
    if not_iso.any():
        first = text.filter(not_iso)[0]
        msg = (
            f"events.occurred_at holds text that is not ISO 8601 nor year-first "
            f"({first!r}; "
            "whether a day or a month comes first cannot be told); parse it "
            "first, e.g. pl.col('occurred_at').str.to_datetime('%m/%d/%Y %H:%M')."
        )
        raise ConfigError(msg)
    try:
        parsed = text.str.to_datetime(time_unit="us", strict=True)
        if isinstance(parsed.dtype, pl.Datetime) and parsed.dtype.time_zone:
            parsed = text.str.replace(_OFFSET_END, "")
            parsed = parsed.str.to_datetime(time_unit="us", strict=True)
        return parsed
    except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError) as err:
        msg = (
            "events.occurred_at holds text that is not one ISO 8601 datetime "
            f"format ({str(err).splitlines()[0]}); parse it first, e.g. "
            "pl.col('occurred_at').str.to_datetime(FORMAT)."
        )
        raise ConfigError(msg) from None


#: The columns every forecaster reads from an events frame
EVENT_COLUMNS: Final = ("x", "y", "occurred_at")


def _check_columns(events: pl.DataFrame) -> None:
    """A SchemaError naming the columns of :data:`EVENT_COLUMNS` that ``events``
    lacks, the ones it has, and any it has in another case (``X``, ``Occurred_At``:
    names are read exactly). It pointed to ``avert.schema.EVENTS``, which does not
    exist, and named none of the columns given."""
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if not missing:
        return
    shown = ", ".join(events.columns[:12]) + (", ..." if events.width > 12 else "")
    msg = (
        "events must have the columns x, y (metres, projected CRS) and "
        f"occurred_at; missing {', '.join(missing)} (it has: {shown or 'none'})"
    )
    folded = {c.strip().lower(): c for c in events.columns}
    renames = [f"{folded[c]!r} to {c!r}" for c in missing if c in folded]
    if renames:
        msg += f"; names are read exactly: rename {', '.join(renames)}"
    raise SchemaError(msg + ".")


def _metres(events: pl.DataFrame, axis: str) -> npt.NDArray[np.float64]:
    """Column ``axis`` of ``events`` as float metres (nulls NaN); a ConfigError
    naming it when it holds something else (a text that is no number was Polars'
    InvalidOperationError; booleans were read as 0 and 1 metres, so every event
    fell outside a grid: a forecast of zeros)."""
    if events.schema[axis] == pl.Boolean:
        msg = f"events.{axis} must be numbers (metres in a projected CRS); got Boolean."
        raise ConfigError(msg)
    try:
        values = events.get_column(axis).cast(pl.Float64)
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as err:
        msg = (
            f"events.{axis} must be numbers (metres in a projected CRS); "
            f"{str(err).splitlines()[0]}"
        )
        raise ConfigError(msg) from None
    return values.to_numpy()


@dataclass(frozen=True)
class Events:
    """Events inside a grid as arrays: flat cell index and time in days, time-sorted.

    ``t`` is the wall-clock time (the models' clock); ``utc_us``, for times read
    from a zoned column, is each event's instant in microseconds since 1970 UTC,
    which :meth:`Forecaster.predict` uses to leave out events after ``at`` in the
    hour a zone's clocks go back (their wall-clock times repeat there); ``zone``
    is that column's zone, so a model fitted on these arrays reads ``at`` as one
    fitted on the frame does."""

    cell: npt.NDArray[np.int64]
    t: npt.NDArray[np.float64]
    x: npt.NDArray[np.float64]
    y: npt.NDArray[np.float64]
    utc_us: npt.NDArray[np.float64] | None = None
    zone: str | None = None

    @classmethod
    def from_frame(cls, events: pl.DataFrame, grid: Grid) -> Events:
        """Read ``x``, ``y`` (metres) and ``occurred_at`` from ``events``.

        Rows outside the grid, without coordinates or without a time are dropped
        (a column holding no time at all, of any type, is an empty history).
        Time-zone aware times are read as their wall-clock time.
        """
        _check_columns(events)
        when = events.get_column("occurred_at")
        if when.null_count() == when.len():  # no time at all: no type to read
            when = pl.repeat(None, when.len(), dtype=pl.Datetime("us"), eager=True)
        if when.dtype == pl.String:
            when = _parse_times(when)
        if when.dtype == pl.Date:
            when = when.cast(pl.Datetime("us"))
        if not isinstance(when.dtype, pl.Datetime):
            msg = f"events.occurred_at must be a datetime; got {when.dtype}."
            if when.dtype.is_numeric():  # epoch numbers: their unit cannot be told
                msg += (
                    " Numbers since 1970 have no unit to read them by; convert "
                    "them first, e.g. pl.from_epoch('occurred_at', time_unit='s')."
                )
            raise ConfigError(msg)
        utc_us = None
        zone = when.dtype.time_zone  # type: ignore[union-attr, unused-ignore]
        if zone is not None:
            utc_us = when.dt.epoch("us").cast(pl.Float64).to_numpy()
            when = when.dt.replace_time_zone(None)
        t = when.dt.epoch("us").cast(pl.Float64).to_numpy() / DAY_US
        x, y = (_metres(events, axis) for axis in ("x", "y"))
        cell = grid.cell_index(x, y)
        ok = (cell >= 0) & np.isfinite(t)
        cell, t, x, y = cell[ok], t[ok], x[ok], y[ok]
        utc_us = None if utc_us is None else utc_us[ok]
        if t.size > 1 and not bool(np.all(t[1:] >= t[:-1])):  # sorted: kept as is
            order = np.argsort(t, kind="stable")
            cell, t, x, y = cell[order], t[order], x[order], y[order]
            utc_us = None if utc_us is None else utc_us[order]
        return cls(cell, t, x, y, utc_us, zone)

    def take(self, rows: slice | npt.NDArray[np.bool_]) -> Events:
        """Return the events of ``rows`` (a slice or a mask), in order."""
        utc_us = None if self.utc_us is None else self.utc_us[rows]
        return Events(
            self.cell[rows], self.t[rows], self.x[rows], self.y[rows], utc_us, self.zone
        )

    def before(self, t_days: float, window_days: float | None = None) -> Events:
        """Return the events with ``t_days - window_days <= t < t_days``."""
        hi = int(np.searchsorted(self.t, t_days, side="left"))
        lo = (
            0
            if window_days is None
            else int(np.searchsorted(self.t, t_days - window_days, side="left"))
        )
        return self.take(slice(lo, hi))

    def between(self, start: float, end: float) -> Events:
        """Return the events with ``start <= t < end``."""
        lo = int(np.searchsorted(self.t, start, side="left"))
        hi = int(np.searchsorted(self.t, end, side="left"))
        return self.take(slice(lo, hi))

    def __len__(self) -> int:
        return int(self.t.size)
