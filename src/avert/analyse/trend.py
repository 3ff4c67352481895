"""Year-on-year trend: violence in recent periods against the same periods a year earlier.

Method: counts of incidents whose ``occurred_from`` falls in each period, against the
same period 52 weeks earlier (364 days, so weekdays align; NPCC and ONS practice
for short-period comparisons) for exact-time data, or the same calendar month a
year earlier for month-precision data (data.police.uk publishes months only).
A change is ``(now - before) / before``; with no incident a year earlier there is no
baseline and the change is None.
"""

from __future__ import annotations

import datetime as dt
from typing import Final, Literal, TypedDict

import polars as pl

__all__ = ["YEAR_DAYS", "Trend", "TrendPeriod", "month_window", "year_on_year"]

YEAR_DAYS: Final = 364  # 52 weeks: the same weekdays a year earlier


#: One period and the same period a year earlier (``change`` None: no baseline).
TrendPeriod = TypedDict(
    "TrendPeriod",
    {
        "period": str,
        "from": dt.datetime,
        "to": dt.datetime,
        "count": int,
        "year_earlier_from": dt.datetime,
        "year_earlier_to": dt.datetime,
        "year_earlier": int,
        "change": float | None,
    },
)


class Trend(TypedDict):
    """The trend line, its periods and (month data) the previous month's count."""

    line: str
    periods: list[TrendPeriod]
    previous_month: int | None


def month_window(month_start: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Return ``[first instant of the month, first instant of the next month)``.

    >>> month_window(dt.datetime(2024, 12, 9))
    (datetime.datetime(2024, 12, 1, 0, 0), datetime.datetime(2025, 1, 1, 0, 0))
    """
    start = dt.datetime(month_start.year, month_start.month, 1)
    nxt = (
        dt.datetime(start.year + 1, 1, 1)
        if start.month == 12
        else dt.datetime(start.year, start.month + 1, 1)
    )
    return start, nxt


def _change(now: int, before: int) -> float | None:
    return None if before == 0 else (now - before) / before


def year_on_year(
    events: pl.DataFrame,
    *,
    at: dt.datetime,
    precision: Literal["exact", "month"],
    window_from: dt.datetime,
    window_to: dt.datetime,
) -> Trend:
    """Counts of ``events`` (``occurred_from``) now and a year earlier.

    Parameters
    ----------
    events
        The events to count (e.g. in-definition violence), with ``occurred_from``.
    at
        End of the recent periods (exact data: the last 7 and 28 days before ``at``).
    precision
        ``month``: compare the month ``[window_from, window_to)`` with the same
        month a year earlier, and report the previous month's count.
    window_from, window_to
        The briefing window (used for month data).
    """

    def count(a: dt.datetime, b: dt.datetime) -> int:
        return events.filter(
            (pl.col("occurred_from") >= a) & (pl.col("occurred_from") < b)
        ).height

    periods: list[TrendPeriod] = []
    prev: int | None
    if precision == "month":
        prev_from, _ = month_window(window_from - dt.timedelta(days=1))
        ly_from, ly_to = month_window(
            dt.datetime(window_from.year - 1, window_from.month, 1)
        )
        spans = [("this month", window_from, window_to, ly_from, ly_to)]
        prev = count(prev_from, window_from)
    else:
        year = dt.timedelta(days=YEAR_DAYS)
        spans = [
            (
                f"last {d} days",
                at - dt.timedelta(days=d),
                at,
                at - dt.timedelta(days=d) - year,
                at - year,
            )
            for d in (7, 28)
        ]
        prev = None
    parts = []
    for label, a, b, ya, yb in spans:
        now, before = count(a, b), count(ya, yb)
        ch = _change(now, before)
        periods.append(
            {
                "period": label,
                "from": a,
                "to": b,
                "count": now,
                "year_earlier_from": ya,
                "year_earlier_to": yb,
                "year_earlier": before,
                "change": ch,
            }
        )
        pct = "no baseline" if ch is None else f"{ch * 100:+.0f} %"
        parts.append(f"{label} {now} (a year earlier {before}, {pct})")
    line = "Violence: " + "; ".join(parts)
    if prev is not None:
        line += f"; previous month {prev}"
    return {"line": line + ".", "periods": periods, "previous_month": prev}
