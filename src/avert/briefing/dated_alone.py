"""Records dated alone (``time_precision`` ``day``) and a briefing's window.

A record whose source gave a date alone (a bundle's ``2026-10-24``) is stored at
00:00 of that day with ``time_precision`` ``day``: its time is not known. Compared
by that 00:00, one dated the day a morning window starts (06:00) fell before the
window, and the day before's briefing ran before it was made: no briefing had it.
Such a record is in a window when its day overlaps the window (:func:`in_window`):
the one rule of the high-risk DASH section's assessments (:mod:`avert.briefing.dash`)
and of the window's violent incidents (:attr:`avert.briefing.context.
BriefingContext.window`, and so the map and the repeat victims hit again).

So a record dated alone can be in the windows of two briefings, the day's and the
next day's (a 24-hour window from 06:00 shares a day with each neighbour):
:func:`shares_day` marks those of a window's records that a neighbouring window has
too, and :func:`shared_day_reason` words it, so that each briefing says so and no
one adds the two briefings' counts up unawares. docs/briefing.md.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.analyse._window import dated_alone, day_start, started_by

__all__ = ["day_start", "in_window", "shared_day_reason", "shares_day"]

_DAY = dt.timedelta(days=1)


def in_window(column: str, start: dt.datetime, end: dt.datetime) -> pl.Expr:
    """The records in the window ``[start, end)``: by ``column`` (their time), or,
    for one dated alone (``time_precision`` ``day``, stored at 00:00), by their day
    overlapping the window (:func:`avert.analyse._window.started_by`)."""
    return started_by(column, start) & (pl.col(column) < end)


def shares_day(column: str, start: dt.datetime, end: dt.datetime) -> pl.Expr:
    """Of the records in the window ``[start, end)`` (:func:`in_window`), those
    dated alone whose day began before the window or runs past its end: the
    briefing of the window before or after has them too."""
    at = pl.col(column)
    return dated_alone() & ((at < start) | (at + _DAY > end))


def shared_day_reason(
    at: dt.datetime, start: dt.datetime, end: dt.datetime, *, one: str
) -> str | None:
    """Why a record dated alone at ``at`` (00:00 of its day) is in the window
    ``[start, end)`` and in a neighbouring briefing's too, or None when its day is
    the window's alone (or its time is known: the caller asks of those dated
    alone). ``one``: what the record is one of ("one assessment, one MARAC
    referral"). The briefing before lists it only if it was on record when that
    briefing ran, which the store does not say: the reason says "if"."""
    before, after = at < start, at + _DAY > end
    if not (before or after):
        return None
    # the briefing before had it only if it was on record when that briefing ran
    # (one made after that morning's briefing is why a date alone is in two):
    # told "listed it too", a meeting would take it as handled there
    earlier = (
        "the briefing before this one lists it too if it was on record when that "
        "briefing ran: check whether it was acted on then"
    )
    if before and after:
        told = (
            "began before this window and runs past its end, so the next briefing "
            f"lists it again, and {earlier}"
        )
    elif before:
        told = f"began before this window, so {earlier}"
    else:
        told = "runs past this window's end, so the next briefing lists it again"
    return f"dated {at:%d %b} alone (no time recorded): its day {told}; {one}"
