"""Status transitions (every pair), briefing items, overdue."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from avert.delivery import (
    ACTION_TRANSITIONS,
    STATUSES,
    TASKING_STATUSES,
    TASKING_TRANSITIONS,
    Action,
    check_tasking_transition,
    check_transition,
    parse_item,
    subject_key,
    with_overdue,
)
from avert.errors import ConfigError

ALLOWED = {
    ("proposed", "open"),
    ("proposed", "cancelled"),
    ("open", "in_progress"),
    ("open", "done"),
    ("open", "cancelled"),
    ("in_progress", "open"),
    ("in_progress", "done"),
    ("in_progress", "cancelled"),
    ("done", "in_progress"),
    ("cancelled", "proposed"),
}


@pytest.mark.parametrize(("old", "new"), list(itertools.product(STATUSES, STATUSES)))
def test_every_action_status_transition(old: str, new: str) -> None:
    if old == new or (old, new) in ALLOWED:
        check_transition(old, new)
    else:
        with pytest.raises(ConfigError, match="cannot move"):
            check_transition(old, new)


def test_transition_table_is_the_documented_one() -> None:
    table = {(a, b) for a, targets in ACTION_TRANSITIONS.items() for b in targets}
    assert table == ALLOWED


@pytest.mark.parametrize(
    ("old", "new"), list(itertools.product(TASKING_STATUSES, TASKING_STATUSES))
)
def test_every_tasking_status_transition(old: str, new: str) -> None:
    if old == new or new in TASKING_TRANSITIONS[old]:
        check_tasking_transition(old, new)
    else:
        with pytest.raises(ConfigError):
            check_tasking_transition(old, new)
    assert ("done", "cancelled") not in {
        (a, b) for a, t in TASKING_TRANSITIONS.items() for b in t
    }


def test_new_action_may_start_anywhere_but_unknown_status_is_refused() -> None:
    for status in STATUSES:
        check_transition(None, status)
    with pytest.raises(ConfigError, match="unknown"):
        check_transition("open", "finished")


def test_items_parse_and_map_to_subjects() -> None:
    assert parse_item("incident:I123") == ("incident", "I123")
    assert parse_item("repeat-victim:P1") == ("repeat_victim", "P1")
    assert subject_key("repeat_victim", "P1") == subject_key("person", "P1")
    assert subject_key("cell", "c-1") == "place:c-1"
    for bad in ("incident", "weather:1", "person:", ""):
        with pytest.raises(ConfigError):
            parse_item(bad)


def test_action_problems() -> None:
    ok = Action("A1", "Do it", "prevention", rag="green")
    assert ok.problems() == []
    bad = Action(
        "A2", "", "protection", status="late", approach="all", rag="red",
        target_type="person",
    )  # fmt: skip
    text = "; ".join(bad.problems())
    for word in (
        "strand",
        "status",
        "approach",
        "RAG red needs a reason",
        "subject",
        "title",
    ):
        assert word in text


def test_overdue_is_derived_for_work_in_hand_only() -> None:
    frame = pl.DataFrame(
        {
            "status": ["open", "in_progress", "done", "open", "proposed", "open"],
            "due": [dt.date(2026, 1, 1)] * 5 + [dt.date(2026, 2, 1)],
        }
    )
    out = with_overdue(frame, dt.date(2026, 1, 11))
    assert out["overdue"].to_list() == [True, True, False, True, False, False]
    assert out["overdue_days"].to_list()[:2] == [10, 10]
