"""The briefing's taskings come in one order, whatever their random ids."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.delivery.taskings import for_briefing, in_area
from avert.schema import TABLES


def _taskings(ids: list[str]) -> pl.DataFrame:
    due = dt.datetime(2026, 11, 23, 9)
    items = [("repeat_victim", "P2"), ("incident", "I9"), ("incident", "I1")]
    return pl.DataFrame(
        {
            "tasking_id": ids,
            "due": [due] * 3,
            "item_kind": [k for k, _ in items],
            "item_id": [i for _, i in items],
            "status": ["open"] * 3,
        }
    ).with_columns(
        pl.lit(None, dtype=TABLES["taskings"].schema["result_at"]).alias("result_at"),
        pl.lit(None, dtype=TABLES["taskings"].schema["updated_at"]).alias("updated_at"),
    )


def test_ties_on_due_are_ordered_by_item_not_by_random_id() -> None:
    at = dt.datetime(2026, 11, 23, 6)
    orders = {
        tuple(for_briefing(_taskings(ids), at=at, replay=False)["due"]["item_id"])
        for ids in (["T-c", "T-b", "T-a"], ["T-a", "T-c", "T-b"], ["T-b", "T-a", "T-c"])
    }
    assert orders == {("I1", "I9", "P2")}


def test_a_tasking_is_in_the_area_of_its_subject() -> None:
    """Incidents by borough or LSOA (any case), people by the incidents they are
    involved in, places by an incident's location, areas by name; grid cells,
    groups and ASB callers (the area's briefing lists every one: ASB has no
    borough) are tied to no area."""
    items = [
        ("incident", "I1"),
        ("retaliation", "I2"),
        ("repeat_victim", "P1"),
        ("person", "P2"),
        ("asb_caller", "P3"),
        ("place", "1 High St"),
        ("place", "9 Low Rd"),
        ("area", "east"),
        ("area", "WEST"),
        ("cell", "150m:E1:N2"),
        ("group", "G1"),
    ]
    taskings = pl.DataFrame(
        {"item_kind": [k for k, _ in items], "item_id": [i for _, i in items]}
    )
    incidents = pl.DataFrame(
        {
            "incident_id": ["I1", "I2", "I3"],
            "borough": ["West", "East", "City"],
            "lsoa": ["W01", "E01", "C01"],
            "location": ["1 High St", "9 Low Rd", None],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["I1", "I2", "I3"], "person_id": ["P1", "P2", "P1"]}
    )
    west = in_area(taskings, incidents, involvements, "west").to_list()
    incidents_people_places = [True, False, True, False, True, True, False]
    assert west == [*incidents_people_places, False, True, True, True]
    by_lsoa = in_area(taskings, incidents, involvements, "e01").to_list()
    assert by_lsoa[:5] == [False, True, False, True, True]


def test_a_live_meeting_of_a_past_window_counts_overdue_and_due_from_now() -> None:
    """The meeting of a window ending days ago (a store whose records end then)
    showed a tasking due the next morning, still open twelve days later, as "due",
    not overdue; and a tasking made at it, due a day after now, was in neither
    list. Live, they are counted from now; a replayed briefing from its window."""
    at = dt.datetime(2026, 11, 24, 6)
    now = dt.datetime(2026, 12, 6, 12)
    taskings = _taskings(["T-a", "T-b", "T-c"]).with_columns(
        pl.Series(
            "due",
            [
                dt.datetime(2026, 11, 20, 9),  # overdue at the window's end too
                dt.datetime(2026, 11, 24, 9),  # due then, overdue now
                dt.datetime(2026, 12, 7, 12),  # made at the meeting now
            ],
        ),
        pl.lit(dt.datetime(2026, 11, 1)).alias("created_at"),
        pl.lit(None, pl.String).alias("result"),
    )
    live = for_briefing(taskings, at=at, replay=False, now=now)
    assert live["overdue"]["tasking_id"].to_list() == ["T-a", "T-b"]
    assert live["due"]["tasking_id"].to_list() == ["T-c"]
    replayed = for_briefing(taskings, at=at, now=now)
    assert replayed["overdue"]["tasking_id"].to_list() == ["T-a"]
    assert replayed["due"]["tasking_id"].to_list() == ["T-b"]
    # a window ending after now keeps its own reference
    ahead = for_briefing(
        taskings, at=dt.datetime(2026, 12, 7, 6), replay=False, now=now
    )
    assert ahead["overdue"]["tasking_id"].to_list() == ["T-a", "T-b"]
    assert ahead["due"]["tasking_id"].to_list() == ["T-c"]
