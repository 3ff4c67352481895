"""The trailing window ``(at - days, at]`` that the risk scores and VOLT count in.

One definition, so that a list and the profile beside it agree on which incidents
are "in the last ``window_days`` days": an incident exactly ``window_days`` before
``at`` is out, one at ``at`` is in.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

import polars as pl

__all__ = ["in_window", "month_edge_notes", "window_start"]


def window_start(at: dt.datetime, window_days: int) -> dt.datetime:
    """The open start of the window: ``at - window_days`` (itself outside it)."""
    return at - dt.timedelta(days=window_days)


def in_window(col: str, at: dt.datetime, window_days: int) -> pl.Expr:
    """True where ``at - window_days < col <= at``.

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
    return (pl.col(col) > window_start(at, window_days)) & (pl.col(col) <= at)


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
            f"month, and the window starts after that, at {start:%Y-%m-%d %H:%M}. "
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
