"""Breaks in what was loaded: records of a source that start or stop partway through
a period, or leave a gap inside it, so that the period's count reads as a fall.

Method. A period ``[start, end)`` is cut into days counted from ``start`` (the last
one possibly shorter). For each source (the ``source`` and ``force`` columns,
:data:`avert.analyse.trend.COVERAGE_KEYS`) with at least :data:`MIN_RECORDS`
records of any kind in the period, each run of days holding none of its records is
tested: at the start of the period (its records *start* partway through), between
two days holding records (a *gap*) or at the end (they *stop* partway through).
The source's usual daily count is its mean over the period's other days,
``lambda = n / (days - run_days)``, or ``n / days`` when the other days are fewer
than the run's (a rate measured over fewer days than the run it judges is itself
uncertain, and a small area's burst of records followed by quiet days, 12 records in
4 days and none in the next 24, is the clustering crime counts show, not a feed
that stopped: with ``n / days`` that run's chance is 3e-5, no break, while a feed of 8
a day that starts 12 days into 28 still is one, 1e-24); under a Poisson count of that
mean the chance
of a run of ``run_days`` without a record is ``exp(-lambda * run_days)`` (the
Poisson probability of 0). A run whose chance is below :data:`CHANCE_BELOW` is a
break. The bar is far below the usual 0.001 because crime counts vary more from day
to day than a Poisson count does (over-dispersion: weekends, events) and every run
of every source is tested; at 1e-6 a source of 2 records a day needs 7 empty days
(a missing week), one of 40 a day a single empty day.

Records are of any kind, not only violence: a loaded feed supplies them all, and
their volume shows a missing day that a small count of violence would not.
Month-only records (data.police.uk) are dated their month's first day and have no
days to test: the caller leaves them out (a month is loaded whole or not at all).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from typing import Final, Literal, TypedDict

import polars as pl

__all__ = [
    "CHANCE_BELOW",
    "MIN_RECORDS",
    "CoverageBreak",
    "break_text",
    "coverage_breaks",
]

#: A run of empty days is a break when a Poisson count of the source's usual daily
#: mean would be empty so long less often than this (module docstring: why so low)
CHANCE_BELOW: Final = 1e-6
#: Sources with fewer records in the period are not tested: their usual daily count
#: is too uncertain to call an empty run unlikely, and they move the count little
MIN_RECORDS: Final = 10

_DAY: Final = dt.timedelta(days=1)


class CoverageBreak(TypedDict):
    """One break: whose records (``source``: "policeuk/metropolitan"), ``kind``
    (``start``, ``gap`` or ``stop``), the last record before it (``after``; None at
    the period's start) and the first after it (``before``; None at its end), the
    ``empty_days`` (whole days of the period without a record), the source's usual
    ``per_day`` and the Poisson ``chance`` of so long a run without one."""

    source: str
    kind: Literal["start", "gap", "stop"]
    after: dt.datetime | None
    before: dt.datetime | None
    empty_days: float
    per_day: float
    chance: float


def coverage_breaks(
    records: pl.DataFrame,
    *,
    start: dt.datetime,
    end: dt.datetime,
    keys: Sequence[str],
) -> list[CoverageBreak]:
    """The breaks (module docstring) of ``records`` (``occurred_from`` and the
    ``keys`` columns; rows outside ``[start, end)`` are ignored) in that period,
    by source then time."""
    if end <= start:
        return []
    n_days = math.ceil((end - start) / _DAY)
    # the last day is shorter when the period does not end on a whole day
    exposure = [1.0] * n_days
    exposure[-1] = (end - (start + (n_days - 1) * _DAY)) / _DAY
    days = (
        records.filter(
            (pl.col("occurred_from") >= start) & (pl.col("occurred_from") < end)
        )
        .with_columns(
            (
                (pl.col("occurred_from") - start).dt.total_microseconds()
                // 86_400_000_000
            )
            .cast(pl.Int64)
            .alias("_day")
        )
        .group_by([*keys, "_day"])
        .agg(
            pl.len().alias("_n"),
            pl.col("occurred_from").min().alias("_first"),
            pl.col("occurred_from").max().alias("_last"),
        )
        .sort([*keys, "_day"], nulls_last=True)
    )
    out: list[CoverageBreak] = []
    # one pass per source (a few), over its days holding records (at most the
    # period's days), never over the records
    for key_days in (
        days.partition_by(list(keys), maintain_order=True) if keys else [days]
    ):
        label = _label(key_days, keys)
        out.extend(_source_breaks(key_days, label, exposure))
    return out


def _label(frame: pl.DataFrame, keys: Sequence[str]) -> str:
    if not keys or not frame.height:
        return "the store"
    row = frame.row(0, named=True)
    return "/".join(str(row[k]) for k in keys if row[k] is not None) or (
        "(unnamed source)"
    )


def _source_breaks(
    key_days: pl.DataFrame, label: str, exposure: list[float]
) -> list[CoverageBreak]:
    """The breaks of one source's days (``_day``, ``_n``, ``_first``, ``_last``)."""
    n = int(key_days["_n"].sum())
    if n < MIN_RECORDS:
        return []
    held: list[int] = key_days["_day"].to_list()
    firsts: list[dt.datetime] = key_days["_first"].to_list()
    lasts: list[dt.datetime] = key_days["_last"].to_list()
    total = sum(exposure)
    # (kind, first empty day, last empty day + 1, last record before, first after)
    runs: list[tuple[Literal["start", "gap", "stop"], int, int, int | None, int | None]]
    runs = [("start", 0, held[0], None, 0)]
    runs += [
        ("gap", d + 1, e, i, i + 1) for i, (d, e) in enumerate(itertools.pairwise(held))
    ]
    runs.append(("stop", held[-1] + 1, len(exposure), len(held) - 1, None))
    out: list[CoverageBreak] = []
    for kind, lo, hi, before_i, after_i in runs:
        empty = sum(exposure[lo:hi])
        if empty <= 0 or total - empty <= 0:
            continue
        # the usual rate from the days outside the run; from the whole period
        # when those are fewer than the run (module docstring: a burst)
        held_days = total - empty
        per_day = n / (held_days if held_days >= empty else total)
        chance = math.exp(-per_day * empty)
        if chance >= CHANCE_BELOW:
            continue
        out.append(
            {
                "source": label,
                "kind": kind,
                "after": None if before_i is None else lasts[before_i],
                "before": None if after_i is None else firsts[after_i],
                "empty_days": empty,
                "per_day": per_day,
                "chance": chance,
            }
        )
    return out


def break_text(b: CoverageBreak) -> str:
    """The break in words, as the trend line gives it beside the count it distorts:
    "no records of policeuk/metropolitan between 02 Mar 2022 23:10 and 10 Mar 2022
    01:40 (7 days, where 41 a day are usual): records missing, not a fall"; at the
    period's start "... in its first 4 days, until 07 Mar 2025 06:00 (...)", at its
    end "... in its last 2 days, after ...". Records that start or stop partway
    through and a gap read alike here: from the period alone they cannot be told
    apart, and each makes the count short."""
    days = b["empty_days"]
    if b["kind"] == "gap" and b["after"] is not None and b["before"] is not None:
        # the time between the records, not the whole empty days counted
        days = (b["before"] - b["after"]) / _DAY
    run = _days(days)
    usual = (
        f"{b['per_day']:,.0f} a day"
        if b["per_day"] >= 1.5
        else f"{b['per_day']:.1f} a day"
    )
    fmt = "%d %b %Y %H:%M"
    if b["kind"] == "start" and b["before"] is not None:
        first = "first day" if run == "1 day" else f"first {run}"
        when = f"in its {first}, until {b['before']:{fmt}} (where {usual} are usual)"
    elif b["kind"] == "stop" and b["after"] is not None:
        last = "last day" if run == "1 day" else f"last {run}"
        when = f"in its {last}, after {b['after']:{fmt}} (where {usual} are usual)"
    else:
        when = (
            f"between {b['after']:{fmt}} and {b['before']:{fmt}} "
            f"({run}, where {usual} are usual)"
        )
    return f"no records of {b['source']} {when}: records missing, not a fall"


def _days(days: float) -> str:
    """ "7 days", "1 day", "18 hours"."""
    if days < 1:
        return f"{days * 24:.0f} hours"
    whole = round(days)
    return f"{whole} day{'s' if whole != 1 else ''}"
