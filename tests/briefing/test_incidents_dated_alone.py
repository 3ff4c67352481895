"""An incident dated alone (``time_precision`` ``day``, stored at 00:00) is in a
briefing's window when its day overlaps it, as a DASH assessment dated alone
(:mod:`avert.briefing.dated_alone`)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.briefing import daily_briefing

AT = dt.datetime(2026, 10, 25, 6)


def _incidents() -> tuple[pl.DataFrame, pl.DataFrame]:
    """I-dated: dated 24 Oct alone (00:00, before the window's 24 Oct 06:00);
    I-timed: 24 Oct 00:00 with its time known (before the window); I-now: 25 Oct
    01:00 (in it)."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["I-dated", "I-timed", "I-now"],
            "occurred_from": [
                dt.datetime(2026, 10, 24),
                dt.datetime(2026, 10, 24),
                dt.datetime(2026, 10, 25, 1),
            ],
            "time_precision": ["day", "exact", "exact"],
            "in_definition": [True, True, True],
            "category": ["assault_with_injury"] * 3,
            "harm_days": [10.0, 10.0, 5.0],
            "borough": ["Northfield"] * 3,
            "x": [400_000.0, 400_100.0, 400_200.0],
            "y": [300_000.0, 300_100.0, 300_200.0],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["I-dated", "I-timed", "I-now"],
            "person_id": ["v-dated", "v-timed", "v-now"],
            "role": ["victim"] * 3,
        }
    )
    return incidents, involvements


def test_an_incident_dated_the_window_s_first_day_is_in_the_window() -> None:
    """At 00:00 I-dated fell before the window (24 Oct 06:00 to 25 Oct 06:00),
    and the briefing of 24 Oct 06:00 ran before it may have occurred: no briefing
    listed it. It is listed now, on the map too, and a note says the briefing
    before had it as well; I-timed (its time known) stays out."""
    incidents, involvements = _incidents()
    b = daily_briefing(incidents, involvements, at=AT)
    assert sorted(i["incident_id"] for i in b.incidents) == ["I-dated", "I-now"]
    assert b.summary["n_incidents"] == 2
    assert len(b.map_points) == 2
    assert (
        "1 violent incident of the window is dated alone (no time recorded) on a "
        "day this window shares with the briefing before or after, which lists it "
        "too (the one before if on record when it ran): adding briefings' counts "
        "up can count it twice."
    ) in b.notes


def test_an_incident_dated_the_window_s_last_day_is_in_the_next_one_too() -> None:
    """I-dated is also in the briefing of 24 Oct 06:00 (00:00 is in its window),
    and its note says the next briefing has it as well."""
    incidents, involvements = _incidents()
    b = daily_briefing(incidents, involvements, at=AT - dt.timedelta(days=1))
    assert "I-dated" in {i["incident_id"] for i in b.incidents}
    assert "I-timed" in {i["incident_id"] for i in b.incidents}
    assert [n for n in b.notes if "dated alone" in n]


def test_the_page_shows_an_incident_dated_alone_by_its_date() -> None:
    """Shown "24 Oct 00:00", I-dated read as an incident before the window it is
    listed in, at a time no one recorded."""
    from avert.report.render import render_briefing_html

    incidents, involvements = _incidents()
    b = daily_briefing(incidents, involvements, at=AT)
    html = render_briefing_html(b, data=b.to_json())
    row = html[html.index('id="incident-I-dated"') :]
    row = row[: row.index("</tr>")]
    assert "24 Oct <small>(date only)</small>" in row
    assert "00:00" not in row


def test_workflow_reads_an_incident_dated_the_first_day_whole(sqlite_store) -> None:
    """Through the store: an in-definition incident with a victim, dated 9 Mar
    alone (00:00, before the window of 9 Mar 08:00 to 10 Mar 08:00), is listed
    with its location, weapon and named people, as an incident of the window: the
    reads took every column and the people from the window's start only."""
    from avert.workflows.briefing import build_briefing
    from briefing.factory import make_frames, write_store

    at = dt.datetime(2025, 3, 10, 8)
    frames = make_frames(300, at=at, seed=5)
    victims = frames["involvements"].filter(pl.col("role") == "victim")
    named = victims.join(frames["identities"], on="person_id")
    chosen = (
        frames["incidents"]
        .filter(
            pl.col("in_definition")
            & (pl.col("occurred_from") < at - dt.timedelta(days=40))
            & pl.col("incident_id").is_in(named["incident_id"].implode())
        )
        .row(0, named=True)
    )
    frames["incidents"] = frames["incidents"].with_columns(
        pl.when(pl.col("incident_id") == chosen["incident_id"])
        .then(pl.lit(dt.datetime(2025, 3, 9)))
        .otherwise(pl.col("occurred_from"))
        .alias("occurred_from"),
        pl.when(pl.col("incident_id") == chosen["incident_id"])
        .then(pl.lit("day"))
        .otherwise(pl.col("time_precision"))
        .alias("time_precision"),
    )
    store = sqlite_store
    write_store(store, frames)
    b = build_briefing(store, at=at)
    (item,) = [i for i in b.incidents if i["incident_id"] == chosen["incident_id"]]
    assert item["time_precision"] == "day"
    assert item.get("location") == chosen["location"]
    assert item.get("weapon") == chosen["weapon"]
    assert item.get("injury") == chosen["injury"]
    assert item.get("crime_type") == chosen["crime_type"]
    want = named.filter(pl.col("incident_id") == chosen["incident_id"])
    got = {(p["person_id"], p.get("name")) for p in item["people"]}
    assert set(zip(want["person_id"], want["name"], strict=True)) <= got


def test_a_date_alone_before_the_window_is_not_said_to_be_listed_before() -> None:
    """The briefing before lists a record dated its window's last day only if the
    record was on record when it ran; made after it (why a date alone is in two
    windows at all), it was not. A 12-hour window inside the day (both sides)
    says "if", as a 24-hour one from 06:00 (before) does; the next briefing lists
    it again (after) as a fact."""
    from avert.briefing.dated_alone import shared_day_reason

    day = dt.datetime(2026, 10, 24)
    both = shared_day_reason(
        day, day + dt.timedelta(hours=6), day + dt.timedelta(hours=18), one="one"
    )
    before = shared_day_reason(
        day, day + dt.timedelta(hours=6), day + dt.timedelta(hours=30), one="one"
    )
    after = shared_day_reason(
        day, day - dt.timedelta(hours=18), day + dt.timedelta(hours=6), one="one"
    )
    for told in (both, before):
        assert told is not None
        assert "listed it too" not in told
        assert "if it was on record when that briefing ran" in told
    assert both is not None
    assert "the next briefing lists it again" in both
    assert after == (
        "dated 24 Oct alone (no time recorded): its day runs past this window's "
        "end, so the next briefing lists it again; one"
    )
