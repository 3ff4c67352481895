"""Breaks in what was loaded: a source whose records start partway through a
7/28-day period, or leave a gap inside it, is named beside the counts it makes
short, in the trend line, the periods, the notes, the HTML and briefing.json.

Before, an area whose records were missing a week of the last 28 days was counted
with no note: "last 28 days 63 (a year earlier 84, -25 %)" read as a fall.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl

from avert.analyse.coverage import CHANCE_BELOW, coverage_breaks
from avert.analyse.trend import year_on_year

AT = dt.datetime(2025, 3, 10, 6)


def _records(
    per_day: int, days: int, *, skip: range = range(0), source: str = "bundle"
) -> pl.DataFrame:
    """``per_day`` records a day over the ``days`` before AT (days back: 0 is the
    last), none on the days back in ``skip``; every other one violent."""
    times = [
        AT - dt.timedelta(days=d + 1) + dt.timedelta(hours=h * 24 / per_day)
        for d in range(days)
        if d not in skip
        for h in range(per_day)
    ]
    return pl.DataFrame(
        {
            "occurred_from": times,
            "source": source,
            "force": "xf",
            "in_definition": [i % 2 == 0 for i in range(len(times))],
        }
    )


def test_a_missing_week_inside_the_28_days_is_named_beside_the_count() -> None:
    t = year_on_year(
        _records(6, 400, skip=range(10, 17)),
        at=AT,
        precision="exact",
        window_from=AT - dt.timedelta(days=1),
        window_to=AT,
    )
    p7, p28 = t["periods"]
    assert p7["coverage"] == []  # the last 7 days hold every day
    (gap,) = p28["coverage"]
    assert gap["kind"] == "gap"
    assert gap["source"] == "bundle/xf"
    assert gap["empty_days"] == 7
    assert gap["per_day"] == 6
    assert gap["chance"] < CHANCE_BELOW
    assert gap["after"] is not None
    assert gap["before"] is not None
    assert gap["after"] < AT - dt.timedelta(days=17) < gap["before"]
    assert "no records of bundle/xf between" in t["line"]
    assert "records missing, not a fall" in t["line"]
    # beside the 28 days' count, not the 7 days'
    assert t["line"].index("last 28 days") < t["line"].index("no records of")
    assert p28["year_earlier_coverage"] == []


def test_records_that_start_partway_through_are_named() -> None:
    """A source loaded from 12 days before AT: the 28 days hold 12 of them."""
    t = year_on_year(
        pl.concat([_records(6, 400, source="old"), _records(8, 12, source="new")]),
        at=AT,
        precision="exact",
        window_from=AT - dt.timedelta(days=1),
        window_to=AT,
    )
    p28 = t["periods"][1]
    (start,) = p28["coverage"]
    assert start["kind"] == "start"
    assert start["source"] == "new/xf"
    assert start["empty_days"] == 16
    assert "no records of new/xf in its first 16 days" in t["line"]
    assert t["periods"][0]["coverage"] == []


def test_a_gap_a_year_earlier_is_named_as_such() -> None:
    t = year_on_year(
        _records(6, 400, skip=range(364 + 3, 364 + 6)),
        at=AT,
        precision="exact",
        window_from=AT - dt.timedelta(days=1),
        window_to=AT,
    )
    p7 = t["periods"][0]
    assert p7["coverage"] == []
    assert [b["kind"] for b in p7["year_earlier_coverage"]] == ["gap"]
    assert "a year earlier no records of bundle/xf between" in t["line"]


def test_a_quiet_poisson_source_raises_no_break() -> None:
    """Days of a Poisson count of mean 3 over 400 days: its empty days (about 1
    in 20, runs of two about 1 in 400) are no break; nor are the days of a source
    of too few records to judge (fewer than MIN_RECORDS)."""
    rng = np.random.default_rng(7)
    counts = rng.poisson(3.0, 400)
    times = [
        AT - dt.timedelta(days=d + 1) + dt.timedelta(minutes=10 * i)
        for d, n in enumerate(counts)
        for i in range(n)
    ]
    rare = [AT - dt.timedelta(days=d) for d in (1, 2, 3)]
    frame = pl.DataFrame(
        {
            "occurred_from": [*times, *rare],
            "source": ["busy"] * len(times) + ["rare"] * len(rare),
            "force": "xf",
        }
    )
    for days in (7, 28, 90):
        assert (
            coverage_breaks(
                frame,
                start=AT - dt.timedelta(days=days),
                end=AT,
                keys=["source", "force"],
            )
            == []
        )


def test_the_briefing_says_so_in_its_notes_html_and_json() -> None:
    """A source that stops 3 days before the window's end (another runs on: no
    feed-lag note): a note on the window's counts, the period's `coverage` and
    `summary.window_coverage` in briefing.json, and the HTML."""
    from avert.briefing import daily_briefing
    from avert.report.render import render_briefing_html

    rec = pl.concat([_records(6, 400, skip=range(3)), _records(4, 400, source="other")])
    n = rec.height
    inc = rec.with_columns(
        pl.Series("incident_id", [f"I{i}" for i in range(n)]),
        pl.lit("assault").alias("category"),
        pl.lit(10.0).alias("harm_days"),
        pl.lit("exact").alias("time_precision"),
    )
    b = daily_briefing(inc, at=AT)
    j = json.loads(json.dumps(b.to_json()))
    (gap,) = j["summary"]["window_coverage"]
    assert gap["kind"] == "stop"
    assert gap["source"] == "bundle/xf"
    assert [p["coverage"][0]["kind"] for p in j["trend"]["periods"]] == [
        "stop",
        "stop",
    ]
    note = next(x for x in j["notes"] if x.startswith("The window's counts are short"))
    assert "no records of bundle/xf in its last 3 days" in note
    html = render_briefing_html(b)
    assert "The window&#39;s counts are short" in html or (
        "The window's counts are short" in html
    )


def test_a_break_both_periods_find_is_one_note() -> None:
    """The 7- and 28-day periods find the same stop (same source, last record),
    each with its own usual count (the 28 days hold a busier day): the window
    names it once. Before: the two differed in ``per_day`` and ``empty_days``, so
    both were kept, two notes and two ``window_coverage`` entries for one break."""
    from avert.briefing import daily_briefing

    busy = _records(6, 1, source="bundle").with_columns(
        pl.col("occurred_from") - dt.timedelta(days=20)
    )
    rec = pl.concat(
        [
            _records(6, 400, skip=range(3)),
            busy,
            _records(4, 400, source="other"),
        ]
    )
    inc = rec.with_columns(
        pl.Series("incident_id", [f"I{i}" for i in range(rec.height)]),
        pl.lit("assault").alias("category"),
        pl.lit(10.0).alias("harm_days"),
        pl.lit("exact").alias("time_precision"),
    )
    b = daily_briefing(inc, at=AT)
    found = [p["coverage"] for p in b.trend["periods"]]
    assert [len(f) for f in found] == [1, 1]
    assert found[0][0]["per_day"] != found[1][0]["per_day"]
    (stop,) = b.to_json()["summary"]["window_coverage"]
    assert stop["kind"] == "stop"
    notes = [n for n in b.notes if n.startswith("The window's counts are short")]
    assert len(notes) == 1, notes


def test_a_small_area_s_burst_then_quiet_days_is_no_break() -> None:
    """12 records in 4 days, then 24 days without one: measured over the 4 days
    alone the usual rate (3 a day) would call the quiet days a feed that stopped
    (chance e^-72); over the whole period (0.43 a day) their chance is 3e-5, no
    break. A feed of 8 a day starting 12 days into the 28 is still named."""
    burst = [AT - dt.timedelta(days=28) + dt.timedelta(hours=8 * i) for i in range(12)]
    frame = pl.DataFrame({"occurred_from": burst, "source": "small", "force": "xf"})
    start = AT - dt.timedelta(days=28)
    assert coverage_breaks(frame, start=start, end=AT, keys=["source", "force"]) == []
    late = _records(8, 12, source="new")
    (b,) = coverage_breaks(late, start=start, end=AT, keys=["source", "force"])
    assert b["kind"] == "start"
    assert b["chance"] < CHANCE_BELOW
