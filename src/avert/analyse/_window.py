"""The trailing window ``(at - days, at]`` that the risk scores and VOLT count in.

One definition, so that a list and the profile beside it agree on which incidents
are "in the last ``window_days`` days": an incident exactly ``window_days`` before
``at`` is out, one at ``at`` is in.

And the rules for records whose time is not known: the default ``at`` over
month-only records (:func:`default_as_of`: the month's last instant), and a record
dated alone (``time_precision`` ``day``, stored at 00:00) in a window by its day
(:func:`started_by`: the briefing's window, retaliation alerts, near-repeat zones),
and what runs for days after such a record runs from its day's (or, recorded to the
hour, its hour's) end (:func:`period_length`).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

from avert.periods import period_length

__all__ = [
    "dated_alone",
    "day_start",
    "days_since_period_end",
    "default_as_of",
    "in_window",
    "incidents_in_window",
    "month_edge_notes",
    "period_length",
    "started_by",
    "window_start",
]


def window_start(at: dt.datetime, window_days: int) -> dt.datetime:
    """The open start of the window: ``at - window_days`` (itself outside it)."""
    return at - dt.timedelta(days=window_days)


def day_start(at: dt.datetime) -> dt.datetime:
    """00:00 of ``at``'s day."""
    return dt.datetime.combine(at.date(), dt.time(), tzinfo=at.tzinfo)


def dated_alone() -> pl.Expr:
    """True for a record whose source gave a date alone (``time_precision``
    ``day``): stored at 00:00 of its day, its time is not known."""
    return pl.col("time_precision").eq("day").fill_null(value=False)


def days_since_period_end(
    at: dt.datetime, time: str = "occurred_from", precision: str = "time_precision"
) -> pl.Expr:
    """In an aggregation: the days (fractional) from the latest end of the records'
    periods (``time`` plus :func:`period_length` of ``precision``) to ``at``, never
    below 0. A record dated alone (stored at 00:00) may have happened late in its
    day, so it is as recent as its day's end; one recorded to the hour, its hour's.
    The one rule of the risk lists' and VOLT's ``days_since_last``: from 00:00 they
    overstated it by up to a day."""
    end = (pl.col(time) + period_length(precision)).max()
    seconds = (pl.lit(at) - pl.min_horizontal(end, pl.lit(at))).dt.total_seconds()
    return seconds / 86_400.0


def started_by(column: str, start: dt.datetime, *, open_start: bool = False) -> pl.Expr:
    """The records at or after ``start`` by ``column`` (their time; after it when
    ``open_start``: a trailing window ``(start, at]``), or, for one dated alone
    (:func:`dated_alone`, stored at 00:00), whose day runs past ``start``: it may
    have happened after it. The start half of a window's rule for dates alone
    (:func:`avert.briefing.dated_alone.in_window`; retaliation's alerts of the
    ``window_days`` before a briefing; :func:`in_window` ``by_day``). The frame
    needs ``time_precision``."""
    at = pl.col(column)
    timed = (at > start) if open_start else (at >= start)
    return timed | (dated_alone() & (at >= day_start(start)))


def default_as_of(
    latest_month_only: dt.datetime | None,
    latest_timed: dt.datetime | None,
    *,
    timed_dated_alone: bool = False,
) -> dt.datetime | None:
    """The default end of a trailing window over the store: its latest incident; the
    last instant of that incident's month when it is month-only.

    ``latest_month_only``: the latest ``occurred_from`` of the month-precision
    incidents; ``latest_timed``: of the others (exact, hour or day). A month-only
    record (data.police.uk) is dated the first instant of its month but stands for
    all of it, so a window "as of" its month holds the whole month and ends at the
    month's last instant, as data.police.uk's ``occurred_to`` does. The one rule of
    the risk scores and VOLT (``avert analyse risk``/``volt``) and of the MARAC list
    and the person page's *Domestic abuse risk* (``avert analyse marac``): before,
    MARAC said "as of" the month's first instant and risk its last.
    When a timed incident is as late as the latest month start, the window ends
    there (its time is known). ``timed_dated_alone``: one of the incidents at
    ``latest_timed`` is dated alone (stored at 00:00 of its day): the window ends
    at its day's last instant, since one ending at its 00:00 leaves it out (its
    day is after the window, :func:`in_window` ``by_day``): the default window
    of ``avert analyse risk`` left out the latest incident when it was dated
    alone. None when there is no incident.

    Examples
    --------
    >>> import datetime as dt
    >>> default_as_of(dt.datetime(2022, 3, 1), None)
    datetime.datetime(2022, 3, 31, 23, 59, 59, 999999)
    >>> default_as_of(dt.datetime(2022, 3, 1), dt.datetime(2022, 3, 1))
    datetime.datetime(2022, 3, 1, 0, 0)
    >>> default_as_of(dt.datetime(2022, 2, 1), dt.datetime(2022, 1, 20, 9))
    datetime.datetime(2022, 2, 28, 23, 59, 59, 999999)
    >>> default_as_of(None, dt.datetime(2022, 1, 20), timed_dated_alone=True)
    datetime.datetime(2022, 1, 20, 23, 59, 59, 999999)
    """
    if latest_timed is not None and (
        latest_month_only is None or latest_timed >= latest_month_only
    ):
        if timed_dated_alone:
            return day_start(latest_timed) + dt.timedelta(days=1, microseconds=-1)
        return latest_timed
    if latest_month_only is None:
        return None
    first = latest_month_only.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    nxt = (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )
    return nxt - dt.timedelta(microseconds=1)


def in_window(
    col: str, at: dt.datetime, window_days: int, *, by_day: bool = False
) -> pl.Expr:
    """True where ``at - window_days < col <= at``; with ``by_day`` (the frame
    needs ``time_precision``), also for a record dated alone (stored at 00:00)
    whose day runs past the window's start (:func:`started_by`): one dated the
    window's first day, before a start at 06:00, may have happened after it (the
    risk lists and VOLT; the briefing's incidents list has it too). Such a record
    is then also in the window ending on its day (the one before). One dated alone
    on ``at``'s day when ``at`` is that day's 00:00 is out: its day is after the
    window (the next window's first day), not in both.

    Examples
    --------
    >>> import datetime as dt
    >>> import polars as pl
    >>> at = dt.datetime(2024, 5, 1)
    >>> days = [at - dt.timedelta(days=d) for d in (-1, 0, 1, 7)]
    >>> frame = pl.DataFrame({"t": days})
    >>> frame.select(in_window("t", at, 7))["t"].to_list()
    [False, True, True, False]
    """
    start = window_start(at, window_days)
    if not by_day:
        return (pl.col(col) > start) & (pl.col(col) <= at)
    # a date alone stored at exactly ``at`` (00:00) has its day after the window
    before_end = pl.col(col) <= at
    return started_by(col, start, open_start=True) & (
        pl.when(dated_alone()).then(pl.col(col) < at).otherwise(before_end)
    )


def incidents_in_window(
    incidents: pl.DataFrame, at: dt.datetime, window_days: int
) -> pl.Expr:
    """:func:`in_window` on ``occurred_from``, ``by_day`` when ``incidents`` have
    ``time_precision``: the one trailing window of the risk lists, VOLT and MARAC
    escalation (a record dated alone on the window's first day is in by its day)."""
    by_day = "time_precision" in incidents.columns
    return in_window("occurred_from", at, window_days, by_day=by_day)


def _after_start(closed: Literal["left", "right"]) -> str:
    """How a window's start leaves a month out: one open at its start holds no
    record of the start's instant (it read "starts after that, at 2019-06-01
    00:00" of June's records, dated 2019-06-01 00:00)."""
    if closed == "right":
        return "holds only what comes after its start,"
    return "starts after that, at"


def _reach_back(
    first: object, end: dt.datetime | None, *, closed: Literal["left", "right"]
) -> str:
    """What holds the months a window's start leaves out: the ``--days`` of a
    trailing window ``(end - days, end]`` reaching back past ``first`` (VOLT:
    ``--at 2018-08-01 --days 31`` held none of July 2018's 10,911 West Yorkshire
    records, and the note did not say what would), or a ``--from`` on ``first``."""
    assert isinstance(first, dt.datetime)
    if closed == "right" and end is not None:
        days = (end - first).days + 1  # the open start must lie before ``first``
        return f"A window of {days} days to the same end (--days {days}) holds them."
    return f"A window from {first:%Y-%m-%d} (--from {first:%Y-%m-%d}) holds them."


def month_edge_notes(
    incidents: pl.DataFrame,
    *,
    start: dt.datetime | None,
    end: dt.datetime | None,
    closed: Literal["left", "right"],
) -> list[str]:
    """Month-dated incidents whose month crosses an end of the window.

    The window is ``(start, end]`` (``closed="right"``: VOLT, the risk scores) or
    ``[start, end)`` (``"left"``: ``--from``/``--to``). A month-precision record
    (data.police.uk) is dated the first instant of its month, so a window starting
    after that instant leaves its month out, and one ending inside a month holds
    the whole of it (a month that runs less than a day past ``end`` is not named).
    ``incidents`` needs ``occurred_from`` and ``time_precision`` and must hold the
    records of the month before ``start`` for the first note. An open end
    (None) has no note.
    """
    if incidents.height == 0 or "time_precision" not in incidents.columns:
        return []
    t = pl.col("occurred_from")
    month = incidents.filter(pl.col("time_precision") == "month").select(
        "occurred_from", t.dt.truncate("1mo").dt.offset_by("1mo").alias("_end")
    )
    starts_in = (
        pl.lit(value=True)
        if start is None
        else (t > start)
        if closed == "right"
        else (t >= start)
    )
    ends_in = (
        pl.lit(value=True)
        if end is None
        else (t <= end)
        if closed == "right"
        else (t < end)
    )

    def months(frame: pl.DataFrame) -> str:
        names = frame["occurred_from"].dt.strftime("%Y-%m").unique().sort()
        return ", ".join(names.to_list())

    notes = []
    left = (
        month.filter(~starts_in & (pl.col("_end") > start))
        if start is not None
        else month.clear()
    )
    if left.height:
        notes.append(
            f"{left.height:,} month-dated incidents of {months(left)} are left out: "
            "a month-dated record (data.police.uk) is dated the first instant of its "
            f"month, and the window {_after_start(closed)} "
            f"{start:%Y-%m-%d %H:%M}. "
            + _reach_back(left["occurred_from"].min(), end, closed=closed)
        )
    past = (
        month.filter(
            starts_in & ends_in & (pl.col("_end") > end + dt.timedelta(days=1))
        )
        if end is not None
        else month.clear()
    )
    if past.height:
        notes.append(
            f"{past.height:,} month-dated incidents of {months(past)} are in the "
            f"window although their month runs past its end ({end:%Y-%m-%d %H:%M}): "
            "a month-dated record (data.police.uk) is dated the first instant of its "
            "month."
        )
    return notes
