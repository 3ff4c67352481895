"""Year-on-year trend: violence in recent periods against the same periods a year earlier.

Method: counts of incidents whose ``occurred_from`` falls in each period, against the
same period 52 weeks earlier (364 days, so weekdays align; NPCC and ONS practice
for short-period comparisons) for exact-time data, or the same calendar month a
year earlier for month-precision data (data.police.uk publishes months only).
A change is ``(now - before) / before``; with no incident a year earlier there is no
baseline and the change is None. A year-earlier period is a baseline only for the
sources that were already supplying records before it (``established``): a store
loaded with exactly a year of data holds only the last days of the year-earlier
28 days, and comparing with them would print +7,000 %. Month-only rows never count
in a 7- or 28-day period (their day is unknown: a month's records are all dated its
first day); the line says how many whose month overlaps the last 28 days
were left out, and of which months. Beside each count of exact data the line names
the breaks in its sources' records (records that start or stop partway through the
period, or a gap inside it: :mod:`avert.analyse.coverage`), which make a count
read as a fall; the periods carry them (``coverage``, ``year_earlier_coverage``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final, Literal, TypedDict

import polars as pl

from avert.analyse.coverage import CoverageBreak, break_text, coverage_breaks

__all__ = [
    "COVERAGE_KEYS",
    "YEAR_DAYS",
    "Trend",
    "TrendPeriod",
    "month_window",
    "year_on_year",
]

YEAR_DAYS: Final = 364  # 52 weeks: the same weekdays a year earlier


#: One period and the same period a year earlier (``change`` None: no baseline).
TrendPeriod = TypedDict(
    "TrendPeriod",
    {
        "period": str,
        "from": dt.datetime,
        "to": dt.datetime,
        "count": int | None,
        "year_earlier_from": dt.datetime,
        "year_earlier_to": dt.datetime,
        "year_earlier": int | None,
        "change": float | None,
        # the breaks in the sources' records of the period and of its year-earlier
        # period (avert.analyse.coverage): the counts they distort, not falls
        "coverage": list[CoverageBreak],
        "year_earlier_coverage": list[CoverageBreak],
    },
)


class Trend(TypedDict):
    """The trend line, its periods and (month data) the previous month's count.

    ``previous_month`` is None for exact data and when the store holds no record of
    any kind in the previous month (the line says so), never 0 for a missing month.
    """

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


#: Columns that say where a record came from: periods are compared on the same ones.
COVERAGE_KEYS: Final = ("source", "force")


def _source_keys(frame: pl.DataFrame, keys: Sequence[str]) -> set[tuple[object, ...]]:
    """The distinct ``keys`` of ``frame``'s rows; ``{()}`` for rows without keys."""
    if not keys:
        return {()} if frame.height else set()
    return set(frame.select(keys).unique().iter_rows())


def _label(key: tuple[object, ...]) -> str:
    return "/".join(str(k) for k in key if k is not None) or "(unnamed source)"


def year_on_year(
    incidents: pl.DataFrame,
    *,
    at: dt.datetime,
    precision: Literal["exact", "month"],
    window_from: dt.datetime,
    window_to: dt.datetime,
    established: pl.DataFrame | None = None,
    area: str | None = None,
) -> Trend:
    """Counts of violence now and a year earlier, on like-for-like sources.

    Parameters
    ----------
    incidents
        Incidents with ``occurred_from`` and ``in_definition`` (only in-definition
        rows are counted; all rows say which sources supplied each period), and
        optionally ``source`` and ``force`` (:data:`COVERAGE_KEYS`).
    at
        End of the recent periods (exact data: the last 7 and 28 days before ``at``).
    precision
        ``month``: compare the month ``[window_from, window_to)`` with the same
        month a year earlier, and report the previous month's count.
    window_from, window_to
        The briefing window (used for month data).
    established
        Exact data: the sources (:data:`COVERAGE_KEYS` columns) that supplied
        exact-time records in the 28 days before the year-earlier 28-day period.
        Any other source's records may start inside the year-earlier periods, so it
        is no baseline there (the line names it). None: not checked. (Month data
        needs no check: a month is loaded whole or not at all.)
    area
        The area ``incidents`` were filtered to (None: the whole store): a period
        with no record of any kind is said to be of that area's records, not the
        store's (a store of two forces holds the other's).

    Like with like: a period and its year-earlier period are compared only on the
    sources (``source`` and ``force``) that supplied records to both; when they share
    none, the change is None and the line says that no comparable baseline exists.
    """
    keys = [k for k in COVERAGE_KEYS if k in incidents.columns]
    violent = (
        incidents.filter(pl.col("in_definition").fill_null(value=False))
        if "in_definition" in incidents.columns
        else incidents
    )
    month_only_left_out = 0
    left_out_months = ""
    undated = violent.clear()
    if precision == "exact" and "time_precision" in incidents.columns:
        # a month-only row is dated the 1st of its month: it cannot be placed in a
        # 7- or 28-day period (all of a month would count on its first day)
        month_only = pl.col("time_precision").fill_null("exact") == "month"
        undated = violent.filter(month_only)
        # every month-only record whose month overlaps the last 28 days (on 3 March
        # February's as well as March's), not only those dated in them
        left_out = undated.filter(
            (pl.col("occurred_from") < at)
            & (pl.col("occurred_from").dt.offset_by("1mo") > at - dt.timedelta(days=28))
        )
        month_only_left_out = left_out.height
        left_out_months = _month_names(left_out["occurred_from"])
        incidents = incidents.filter(~month_only)
        violent = violent.filter(~month_only)
    started = (
        None
        if established is None or precision != "exact"
        else _source_keys(established, keys)
    )
    periods: list[TrendPeriod] = []
    parts: list[tuple[str, str]] = []
    for span in _spans(at, precision, window_from, window_to):
        period, part = _compare_period(
            span,
            incidents,
            violent,
            undated,
            started=started,
            keys=keys,
            area=area,
            days=precision == "exact",
        )
        periods.append(period)
        parts.append(part)
    line = "Violence: " + _joined(parts)
    if month_only_left_out:
        line += _left_out_part(month_only_left_out, left_out_months)
    prev: int | None = None
    if precision == "month":
        prev_from, _ = month_window(window_from - dt.timedelta(days=1))
        if incidents.filter(_between(prev_from, window_from)).height:
            prev = _count(violent, prev_from, window_from, None, keys)
            line += f"; previous month ({prev_from:%B %Y}) {prev:,}"
            per_day = _per_day_part((prev, prev_from, window_from), periods[0])
            line += f" ({per_day})" if per_day else ""
        else:  # not a month without violence: a month the store holds nothing of
            of = "" if area is None else f" of {area}"
            line += f"; previous month ({prev_from:%B %Y}): no records{of} of any kind"
    return {"line": line + ".", "periods": periods, "previous_month": prev}


def _per_day_part(
    before: tuple[int, dt.datetime, dt.datetime], now: TrendPeriod
) -> str:
    """What a month's count adds when ``before`` (its count, from, to) is of a
    month of another length than ``now``'s: the counts per day, "per day 728
    against 784, +8 %: a month of 31 days against one of 28". London's February
    2022 read "21,961; previous month (January 2022) 22,571", a fall, though it
    was 8 % more a day. "" when the lengths are equal or a count is missing."""
    n_before, a, b = before
    count = now["count"]
    days_before = (b - a) / dt.timedelta(days=1)
    days_now = (now["to"] - now["from"]) / dt.timedelta(days=1)
    if count is None or days_before == days_now or not days_before or not days_now:
        return ""
    rate_before, rate_now = n_before / days_before, count / days_now
    change = _change_rate(rate_now, rate_before)
    pct = "" if change is None else f", {_percent(change)}"
    return (
        f"per day {_per_day(rate_before)} against {_per_day(rate_now)}{pct}: a month of "
        f"{days_before:.0f} days against one of {days_now:.0f}"
    )


def _per_day(rate: float) -> str:
    """A count per day, to a tenth under 10 (whole, a small force's months read
    alike: the City of London's October and November 2019, 155 and 158 violent
    crimes, read "per day 5 against 5, +5 %").

    >>> _per_day(155 / 31), _per_day(158 / 30), _per_day(22_571 / 31)
    ('5.0', '5.3', '728')
    """
    return f"{rate:,.1f}" if rate < 10 else f"{rate:,.0f}"


def _change_rate(now: float, before: float) -> float | None:
    return None if before == 0 else (now - before) / before


def _left_out_part(n_records: int, months: str) -> str:
    """The line's part on the ``n_records`` month-only records of ``months`` (named
    by :func:`_month_names`) left out: "1 month-only record ... of March 2022, a
    month overlapping ...: its day is unknown" for one ("1 ... records ..., months
    overlapping" read as several)."""
    one = n_records == 1
    several_months = " and " in months
    return (
        f"; {n_records:,} month-only record{'' if one else 's'} (data.police.uk) of "
        f"{months}, {'months' if several_months else 'a month'} overlapping the last "
        f"28 days, not counted: {'its' if one else 'their'} day is unknown"
    )


def _compare_period(
    span: tuple[str, dt.datetime, dt.datetime, dt.datetime, dt.datetime],
    incidents: pl.DataFrame,
    violent: pl.DataFrame,
    undated: pl.DataFrame,
    *,
    started: set[tuple[object, ...]] | None,
    keys: Sequence[str],
    area: str | None = None,
    days: bool = False,
) -> tuple[TrendPeriod, tuple[str, str]]:
    """One period of :func:`year_on_year` against its year-earlier period, like with
    like: its row and its ``(label, what it says)`` part of the line. ``days``:
    the records have days (exact data), whose breaks the part names
    (:func:`avert.analyse.coverage.coverage_breaks`)."""
    label, a, b, ya, yb = span
    breaks = coverage_breaks(incidents, start=a, end=b, keys=keys) if days else []
    year_breaks = (
        coverage_breaks(incidents, start=ya, end=yb, keys=keys) if days else []
    )
    now_src = _source_keys(incidents.filter(_between(a, b)), keys)
    month_end = pl.col("occurred_from").dt.offset_by("1mo")
    overlap = (pl.col("occurred_from") < b) & (month_end > a)

    def row(now: int | None, before: int | None, change: float | None) -> TrendPeriod:
        return {
            "period": label,
            "from": a,
            "to": b,
            "count": now,
            "year_earlier_from": ya,
            "year_earlier_to": yb,
            "year_earlier": before,
            "change": change,
            "coverage": breaks,
            "year_earlier_coverage": year_breaks,
        }

    if not now_src and undated.filter(overlap).height:
        # only month-only records whose month overlaps these days (a police.uk
        # store briefed mid-month): 0 would read as no violence
        return row(None, None, None), (
            f"{label} not counted",
            "only month-only records, without a day",
        )
    before_src = _source_keys(incidents.filter(_between(ya, yb)), keys)
    late = set() if started is None else before_src - started
    before_src -= late
    common = now_src & before_src
    like = not late and (now_src == before_src or not before_src)
    comparable = bool(before_src) and (like or bool(common))
    only = None if like or not common else common
    now = _count(violent, a, b, only, keys)
    before = _count(violent, ya, yb, only, keys)
    change = _change(now, before) if comparable else None
    period = row(now, before if comparable else None, change)
    if late and not common:
        whose = "the store" if not keys else _labels(late)
        why = (
            f"no comparable baseline: {whose} supplied no records in the 28 days "
            "before the year-earlier period, so its records may start inside it"
        )
    elif not before_src:  # not a year without violence: one the store lacks
        of = "" if area is None else f" of {area}"
        why = (
            f"no comparable baseline: the store holds no records{of} of any kind "
            "for that period a year earlier"
        )
    elif not comparable:
        why = (
            f"no comparable baseline: a year earlier only {_labels(before_src)} "
            "supplied records"
        )
    else:
        pct = "no baseline" if change is None else _percent(change)
        same = "" if like else f", on {_labels(common)} only"
        why = f"a year earlier {before:,}, {pct}{same}"
        if (b - a) != (yb - ya):  # a leap February against a plain one
            per_day = _per_day_part((before, ya, yb), period)
            why += f"; {per_day}" if per_day else ""
    return period, (f"{label} {now:,}", why + _breaks_part(breaks, year_breaks))


def _breaks_part(breaks: list[CoverageBreak], year_breaks: list[CoverageBreak]) -> str:
    """What the period's part adds on the breaks of its records and of its
    year-earlier period's: "; but no records of ... (a gap ...)"."""
    said = [break_text(b) for b in breaks]
    said += [f"a year earlier {break_text(b)}" for b in year_breaks]
    return "".join(f"; but {s}" for s in said)


def _percent(change: float) -> str:
    """ "+12 %", "-31 %", and "0 %" for a change that rounds to none ("-0 %" read
    as a fall)."""
    whole = round(change * 100)
    return f"{whole:+d} %" if whole else "0 %"


def _month_names(dates: pl.Series) -> str:
    """ "February and March 2022", "December 2021 and January 2022"."""
    months = sorted({(d.year, d.month) for d in dates if d is not None})
    names = [
        dt.date(y, m, 1).strftime("%B")
        if i + 1 < len(months) and months[i + 1][0] == y
        else dt.date(y, m, 1).strftime("%B %Y")
        for i, (y, m) in enumerate(months)
    ]
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _between(a: dt.datetime, b: dt.datetime) -> pl.Expr:
    return (pl.col("occurred_from") >= a) & (pl.col("occurred_from") < b)


def _spans(
    at: dt.datetime,
    precision: Literal["exact", "month"],
    window_from: dt.datetime,
    window_to: dt.datetime,
) -> list[tuple[str, dt.datetime, dt.datetime, dt.datetime, dt.datetime]]:
    """(label, from, to, year-earlier from, year-earlier to) of each period."""
    if precision == "month":
        ly_from, ly_to = month_window(
            dt.datetime(window_from.year - 1, window_from.month, 1)
        )
        # named, not "this month": briefed on 15 March, the month is February
        return [(f"{window_from:%B %Y}", window_from, window_to, ly_from, ly_to)]
    year = dt.timedelta(days=YEAR_DAYS)
    return [
        (
            f"last {d} days",
            at - dt.timedelta(days=d),
            at,
            at - dt.timedelta(days=d) - year,
            at - year,
        )
        for d in (7, 28)
    ]


def _count(
    violent: pl.DataFrame,
    a: dt.datetime,
    b: dt.datetime,
    only: set[tuple[object, ...]] | None,
    keys: Sequence[str],
) -> int:
    """Violent rows in ``[a, b)``, of the sources ``only`` when given."""
    rows = violent.filter(_between(a, b))
    if only is not None and keys:
        allowed = pl.DataFrame(
            list(only), schema=[(k, violent.schema[k]) for k in keys], orient="row"
        )
        rows = rows.join(allowed, on=keys, how="semi", nulls_equal=True)
    return rows.height


def _joined(parts: list[tuple[str, str]]) -> str:
    """``count (why)`` per period; periods with the same ``why`` share it.

    >>> _joined([("last 7 days 4", "x"), ("last 28 days 9", "x")])
    'last 7 days 4; last 28 days 9 (for both, x)'
    >>> _joined([("last 7 days 4", "x"), ("last 28 days 9", "y")])
    'last 7 days 4 (x); last 28 days 9 (y)'
    """
    if len(parts) == 2 and parts[0][1] == parts[1][1]:
        return f"{parts[0][0]}; {parts[1][0]} (for both, {parts[0][1]})"
    return "; ".join(f"{head} ({why})" for head, why in parts)


def _labels(sources: set[tuple[object, ...]]) -> str:
    return ", ".join(sorted(_label(k) for k in sources))
