"""One rule for times at the edges: aware times convert to the force's zone, naive are local.

avert stores wall-clock times of the force's own zone (setting ``timezone``, default
``Europe/London``) without an offset, because that is what police records and the
daily meeting use. Every time that comes in at an edge goes through this module:

* a time with an offset or ``Z`` (``2024-07-01T06:00+00:00``, ``...Z``,
  ``...+01:00``) is converted to the zone's local time (07:00 in a London summer) and
  the offset dropped;
* a time without one is already local and kept as it is.

:func:`parse_local` does it for one command-line value, :func:`local_datetime_expr`
for a text column (the bundle reader).

"Now" and "today" compared with stored times are the zone's too: :func:`local_now`
and :func:`local_today`, never ``datetime.now()`` or ``date.today()``, which give the
machine's zone (UTC on a usual server, an hour behind London in summer). Timings
(durations) and ids may use any clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl

from avert.errors import ConfigError

__all__ = [
    "DEFAULT_TIMEZONE",
    "ISO_DATETIME_FORMATS",
    "check_timezone",
    "elapsed_hours",
    "local_datetime_expr",
    "local_now",
    "local_today",
    "parse_local",
    "to_local",
    "window_hours",
]

#: The zone of stored times unless the ``timezone`` setting says otherwise.
DEFAULT_TIMEZONE: Final = "Europe/London"
#: The ISO 8601 forms of a date-time in text (``T`` or a space between date and time)
ISO_DATETIME_FORMATS: Final = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%d %H:%M", "%Y-%m-%d")

# a time of day, then an offset: Z, +01, +0100 or +01:00
_WITH_OFFSET: Final = (
    r"^(.*\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([Zz]|[+-]\d{2}(?::?\d{2})?)$"
)


@lru_cache(maxsize=16)
def check_timezone(name: str) -> ZoneInfo:
    """The zone called ``name`` (IANA, e.g. ``Europe/London``); ConfigError if unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as err:
        msg = (
            f"Unknown time zone {name!r} (setting 'timezone', AVERT_TIMEZONE): "
            "give an IANA name such as Europe/London"
        )
        raise ConfigError(msg) from err


def _utc_now() -> dt.datetime:
    """The current instant, aware (the one clock read; tests freeze it here)."""
    return dt.datetime.now(dt.UTC)


def local_now(timezone: str = DEFAULT_TIMEZONE) -> dt.datetime:
    """Now as a naive wall-clock time of ``timezone``, whatever the machine's zone.

    Stored times are wall-clock times of the force's zone (setting ``timezone``), so
    every "now" compared with them, or stored beside them, comes from here.
    ``datetime.now()`` would give the machine's zone: UTC on a usual server, an hour
    behind London in summer.
    """
    return _utc_now().astimezone(check_timezone(timezone)).replace(tzinfo=None)


def local_today(timezone: str = DEFAULT_TIMEZONE) -> dt.date:
    """Today's date in ``timezone`` (the date of :func:`local_now`)."""
    return local_now(timezone).date()


def elapsed_hours(
    start: dt.datetime, end: dt.datetime, timezone: str = DEFAULT_TIMEZONE
) -> float:
    """Hours that pass between two naive local wall-clock times of ``timezone``.

    Stored times are wall-clock times (docs/bundle.md): across the morning the
    clocks change, 08:00 to 08:00 is 23 or 25 elapsed hours. A time in the hour
    that repeats is read as its first occurrence (``fold=0``, PEP 495).

    Examples
    --------
    >>> import datetime as dt
    >>> elapsed_hours(dt.datetime(2026, 10, 24, 8), dt.datetime(2026, 10, 25, 8))
    25.0
    >>> elapsed_hours(dt.datetime(2026, 3, 28, 8), dt.datetime(2026, 3, 29, 8))
    23.0
    """
    zone = check_timezone(timezone)
    passed = end.replace(tzinfo=zone).astimezone(dt.UTC) - start.replace(
        tzinfo=zone
    ).astimezone(dt.UTC)
    return passed.total_seconds() / 3600


def _changes(
    start: dt.datetime, end: dt.datetime, zone: ZoneInfo
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The wall-clock spans the clocks of ``zone`` skip (first < second) or repeat
    (second < first) near ``[start, end]``: each change as (wall time just before
    it, wall time just after it). Found by the UTC offset hour by hour, then the
    change's instant by halving to the second."""
    utc0 = start.replace(tzinfo=zone).astimezone(dt.UTC) - dt.timedelta(days=1)
    utc1 = end.replace(tzinfo=zone).astimezone(dt.UTC) + dt.timedelta(days=1)
    out = []
    hour = dt.timedelta(hours=1)
    t = utc0
    while t < utc1:
        before, after = (
            t.astimezone(zone).utcoffset(),
            (t + hour).astimezone(zone).utcoffset(),
        )
        if before != after and before is not None and after is not None:
            lo, hi = t, t + hour  # offset(lo) == before, offset(hi) == after
            while hi - lo > dt.timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                if mid.astimezone(zone).utcoffset() == before:
                    lo = mid
                else:
                    hi = mid
            naive = hi.replace(tzinfo=None)
            out.append((naive + before, naive + after))
        t += hour
    return out


def window_hours(
    start: dt.datetime, end: dt.datetime, timezone: str = DEFAULT_TIMEZONE
) -> float:
    """Hours of time the wall-clock window ``[start, end)`` of ``timezone`` holds.

    Stored times are wall-clock times (docs/bundle.md), so a window of them holds
    every instant whose wall-clock time is in it: a wall-clock time in the hour
    that repeats when the clocks go back happens twice and is held twice, one in
    the hour skipped when they go forward never happens. So the window holds its
    clock hours, plus the part of a repeated span it covers, less the part of a
    skipped span. Unlike :func:`elapsed_hours`, a window starting or ending inside
    the repeated hour is counted right: 01:30 to 01:30 the next day across the
    change at 02:00 holds 24.5 hours (01:30-02:00 twice, 01:00-01:30 once).

    Examples
    --------
    >>> import datetime as dt
    >>> window_hours(dt.datetime(2026, 10, 24, 8), dt.datetime(2026, 10, 25, 8))
    25.0
    >>> window_hours(dt.datetime(2026, 10, 25, 1, 30), dt.datetime(2026, 10, 26, 1, 30))
    24.5
    >>> window_hours(dt.datetime(2026, 3, 28, 8), dt.datetime(2026, 3, 29, 8))
    23.0
    """
    zone = check_timezone(timezone)
    held = end - start
    for before, after in _changes(start, end, zone):
        lo, hi = min(before, after), max(before, after)
        overlap = min(end, hi) - max(start, lo)
        if overlap > dt.timedelta(0):
            # repeated (the clocks went back: after < before): held twice
            held += overlap if after < before else -overlap
    return held.total_seconds() / 3600


def to_local(value: dt.datetime, timezone: str = DEFAULT_TIMEZONE) -> dt.datetime:
    """Naive local time of ``value``: aware times are converted, naive ones kept.

    Examples
    --------
    >>> import datetime as dt
    >>> to_local(dt.datetime(2024, 7, 1, 6, tzinfo=dt.UTC))
    datetime.datetime(2024, 7, 1, 7, 0)
    >>> to_local(dt.datetime(2024, 7, 1, 6))
    datetime.datetime(2024, 7, 1, 6, 0)
    """
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=None)
    return value.astimezone(check_timezone(timezone)).replace(tzinfo=None)


def parse_local(
    text: str, timezone: str = DEFAULT_TIMEZONE, *, option: str = "time"
) -> dt.datetime:
    """Parse an ISO date or date-time given at an edge into a naive local time.

    ``2024-07-01`` is midnight; ``2024-07-01T06:00`` is 06:00 local;
    ``2024-07-01T06:00+00:00`` and ``2024-07-01T06:00Z`` are 07:00 local in a London
    summer. ``option`` names the option in the error message.

    Raises
    ------
    ConfigError
        When ``text`` is not an ISO date or date-time, or the zone is unknown.
    """
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError as err:
        msg = (
            f"{option} must be an ISO date or date-time such as 2024-05-01T06:00 "
            f"(local time) or 2024-05-01T05:00Z; got {text!r}"
        )
        raise ConfigError(msg) from err
    return to_local(value, timezone)


def local_datetime_expr(
    text: pl.Expr, timezone: str, formats: Sequence[str]
) -> pl.Expr:
    """Naive local datetimes of a text column; values with an offset are converted.

    ``text`` is stripped text with ``T`` or a space between date and time. Values
    without an offset are parsed with the first matching of ``formats`` and kept;
    values ending in ``Z`` or ``+HH``, ``+HHMM``, ``+HH:MM`` are parsed without it,
    moved to UTC and converted to ``timezone``. Null where nothing parses.
    """
    check_timezone(timezone)
    v = text.str.replace("T", " ", literal=True)
    base = v.str.extract(_WITH_OFFSET, 1)
    offset = v.str.extract(_WITH_OFFSET, 2)
    naive = pl.coalesce(
        [
            pl.coalesce(base, v).str.to_datetime(f, strict=False, time_unit="us")
            for f in formats
        ]
    )
    digits = offset.str.replace_all(":", "", literal=True)
    off_h = digits.str.slice(1, 2).cast(pl.Int64, strict=False)
    off_m = digits.str.slice(3, 2).cast(pl.Int64, strict=False).fill_null(0)
    minutes = (
        pl.when(offset.str.to_uppercase() == "Z")
        .then(pl.lit(0))
        # an offset of 24 hours or more, or 60 minutes or more, is no offset
        # (+25:00 moved the time a day; Python's fromisoformat refuses it too)
        .when((off_h <= 23) & (off_m <= 59))
        .then(
            pl.when(digits.str.starts_with("-")).then(pl.lit(-1)).otherwise(pl.lit(1))
            * (off_h * 60 + off_m)
        )
    )
    utc = naive - pl.duration(minutes=minutes)
    local = (
        utc.dt.replace_time_zone("UTC")
        .dt.convert_time_zone(timezone)
        .dt.replace_time_zone(None)
    )
    return pl.when(offset.is_null()).then(naive).otherwise(local)
