"""Year-on-year trend: like with like, and no baseline from a store that starts
inside the year-earlier period."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.analyse.trend import Trend, year_on_year

AT = dt.datetime(2026, 11, 24, 6)


def _daily(
    start: dt.datetime, end: dt.datetime, *, source: str, every: str = "12h"
) -> pl.DataFrame:
    """Violent incidents from one source, ``every`` (two a day) from ``start`` to
    ``end``."""
    times = pl.datetime_range(start, end, every, closed="left", eager=True)
    return pl.DataFrame(
        {
            "incident_id": [f"{source}{i}" for i in range(times.len())],
            "occurred_from": times,
            "in_definition": [True] * times.len(),
            "source": [source] * times.len(),
            "force": ["F"] * times.len(),
        }
    )


def _trend(incidents: pl.DataFrame, established: pl.DataFrame | None) -> Trend:
    return year_on_year(
        incidents,
        at=AT,
        precision="exact",
        window_from=AT - dt.timedelta(hours=24),
        window_to=AT,
        established=established,
    )


def test_a_store_starting_inside_the_year_earlier_period_is_no_baseline() -> None:
    # exactly a year of data: the year-earlier 28 days hold only their last day
    inc = _daily(AT - dt.timedelta(days=365), AT, source="synth")
    unchecked = _trend(inc, None)
    assert unchecked["periods"][1]["change"] is not None  # the old, misleading figure
    assert unchecked["periods"][1]["change"] > 10
    t = _trend(inc, inc.clear().select("source", "force"))
    assert [p["change"] for p in t["periods"]] == [None, None]
    assert [p["count"] for p in t["periods"]] == [14, 56]  # the counts stay
    assert [p["year_earlier"] for p in t["periods"]] == [None, None]
    assert "records may start inside it" in t["line"]
    assert "synth/F" in t["line"]
    assert "%" not in t["line"]


def test_an_established_source_is_compared_and_a_late_one_left_out() -> None:
    old = _daily(AT - dt.timedelta(days=800), AT, source="rms")
    late = _daily(AT - dt.timedelta(days=370), AT, source="partner")
    inc = pl.concat([old, late])
    before = AT - dt.timedelta(days=364 + 28)
    est = inc.filter(
        (pl.col("occurred_from") >= before - dt.timedelta(days=28))
        & (pl.col("occurred_from") < before)
    ).select("source", "force")
    t = _trend(inc, est)
    p7, p28 = t["periods"]
    assert (p7["count"], p7["year_earlier"], p7["change"]) == (14, 14, 0.0)
    assert (p28["count"], p28["year_earlier"]) == (56, 56)
    assert "on rms/F only" in t["line"]
    # everything established: both sources, no caveat
    both = _trend(inc, inc.select("source", "force"))
    assert both["periods"][1]["count"] == 112
    assert "only" not in both["line"]


def test_no_common_source_still_reports_the_recent_count() -> None:
    now = _daily(AT - dt.timedelta(days=28), AT, source="new")
    then = _daily(
        AT - dt.timedelta(days=400), AT - dt.timedelta(days=330), source="old"
    )
    t = _trend(pl.concat([now, then]), None)
    assert [p["count"] for p in t["periods"]] == [14, 56]
    assert (
        "last 7 days 14; last 28 days 56 (for both, no comparable baseline"
        in (t["line"])
    )


def _february(incidents: pl.DataFrame) -> Trend:
    """The month trend of February 2022 (police.uk precision), briefed mid-March."""
    return year_on_year(
        incidents,
        at=dt.datetime(2022, 3, 15, 6),
        precision="month",
        window_from=dt.datetime(2022, 2, 1),
        window_to=dt.datetime(2022, 3, 1),
    )


def test_a_year_the_store_does_not_hold_is_no_baseline_not_zero() -> None:
    """police.uk months without the same month a year earlier: "a year earlier 0"
    would read as a year without violence."""
    feb = _daily(dt.datetime(2022, 2, 1), dt.datetime(2022, 3, 1), source="policeuk")
    trend = _february(feb)
    period = trend["periods"][0]
    assert period["count"] == 56
    assert period["year_earlier"] is None
    assert period["change"] is None
    assert "a year earlier 0" not in trend["line"]
    assert "no records of any kind for that period a year earlier" in trend["line"], (
        trend["line"]
    )
    # the same month a year earlier, with other records but no violence: a real 0
    quiet = _daily(
        dt.datetime(2021, 2, 1), dt.datetime(2021, 3, 1), source="policeuk"
    ).with_columns(pl.lit(value=False).alias("in_definition"))
    trend = _february(pl.concat([quiet, feb]))
    assert trend["periods"][0]["year_earlier"] == 0
    assert "a year earlier 0, no baseline" in trend["line"], trend["line"]


def test_counts_of_thousands_read_with_separators() -> None:
    """A force's month: "February 2022 2,016", as every other count avert prints."""
    feb = _daily(
        dt.datetime(2022, 2, 1), dt.datetime(2022, 3, 1), source="policeuk", every="20m"
    )
    trend = _february(feb)
    assert trend["periods"][0]["count"] == 2_016
    assert "February 2022 2,016" in trend["line"]
    # the previous month's count too (it read "previous month 2232")
    jan = _daily(
        dt.datetime(2022, 1, 1), dt.datetime(2022, 2, 1), source="policeuk", every="20m"
    )
    trend = _february(pl.concat([jan, feb]))
    assert trend["previous_month"] == 2_232
    assert "previous month (January 2022) 2,232" in trend["line"], trend["line"]


def test_a_change_that_rounds_to_none_is_no_fall() -> None:
    """Toronto's last 28 days to 1 January 2022 (1,214 against 1,219) read
    "-0 %", a fall at a glance; a change under half a percent is "0 %"."""
    feb = _daily(
        dt.datetime(2022, 2, 1), dt.datetime(2022, 3, 1), source="policeuk", every="20m"
    )
    before = _daily(
        dt.datetime(2021, 2, 1), dt.datetime(2021, 3, 1), source="policeuk", every="20m"
    )
    extra = _daily(
        dt.datetime(2021, 2, 1), dt.datetime(2021, 2, 1, 2), source="extra", every="20m"
    ).with_columns(pl.lit("policeuk").alias("source"))
    trend = _february(pl.concat([before, extra, feb]))
    assert trend["periods"][0]["change"] is not None
    assert -0.005 < trend["periods"][0]["change"] < 0
    assert "-0 %" not in trend["line"]
    assert "a year earlier 2,022, 0 %" in trend["line"], trend["line"]


def _month_only(*months: dt.datetime) -> pl.DataFrame:
    """One violent month-only record (data.police.uk) dated on each of ``months``."""
    return pl.DataFrame(
        {
            "incident_id": [f"m{i}" for i in range(len(months))],
            "occurred_from": list(months),
            "in_definition": [True] * len(months),
            "source": ["policeuk"] * len(months),
            "force": ["F"] * len(months),
            "time_precision": ["month"] * len(months),
        }
    )


def test_one_month_only_record_left_out_reads_in_the_singular() -> None:
    """The line said "1 month-only records (data.police.uk) of November 2026,
    months overlapping the last 28 days, not counted: their day is unknown"."""
    exact = _daily(AT - dt.timedelta(days=400), AT, source="own").with_columns(
        time_precision=pl.lit("exact")
    )
    nov = dt.datetime(2026, 11, 1)
    one = _trend(pl.concat([exact, _month_only(nov)]), None)["line"]
    assert (
        "; 1 month-only record (data.police.uk) of November 2026, a month "
        "overlapping the last 28 days, not counted: its day is unknown." in one
    ), one
    two = _trend(pl.concat([exact, _month_only(nov, nov)]), None)["line"]
    assert "2 month-only records (data.police.uk) of November 2026, a month " in two
    assert "not counted: their day is unknown." in two
    both = _trend(pl.concat([exact, _month_only(dt.datetime(2026, 10, 1), nov)]), None)
    assert "of October and November 2026, months overlapping" in both["line"]
