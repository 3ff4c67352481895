"""Status transitions (every pair), briefing items, overdue."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from avert.delivery import (
    ACTION_TRANSITIONS,
    ITEM_KINDS,
    STATUSES,
    SUBJECT_TYPES,
    TASKING_STATUSES,
    TASKING_TRANSITIONS,
    Action,
    check_tasking_transition,
    check_transition,
    follow_up_text,
    item_key_words,
    item_words,
    parse_item,
    subject_key,
    subject_words,
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


@pytest.mark.parametrize(
    ("item", "facts", "words"),
    [
        (
            "incident:I12",
            {"label": "most_serious_violence"},
            "Violent incident I12 (most serious violence)",
        ),
        (
            "retaliation:I12",
            {"category": "personal_robbery", "victim_id": "P-AB12"},
            "Retaliation alert, incident I12 (personal robbery, victim P-AB12)",
        ),
        (
            "repeat_victim:P3",
            {"n_victimisations": 3},
            "Repeat victim P3 (victim 3 times in 365 days)",
        ),
        (
            "person:P4",
            {"roles_today": ["suspect", "victim"]},
            "Person of concern P4 (suspect and victim in the window)",
        ),
        ("asb_caller:P5", {}, "Vulnerable ASB caller P5"),
        (
            "cell:150m:E1:N2",
            {"near": "High Street", "near_m": 0.0},
            "Place near High Street, 150 m cell E1 N2",
        ),
        (
            "cell:150m:E1:N2",
            {"near": "Mill Lane", "near_m": 212.4},
            "Place 212 m from Mill Lane, 150 m cell E1 N2",
        ),
        ("cell:150m:E1:N2", {"near": None}, "Place, 150 m cell E1 N2"),
        ("place:L-1C95AB", {}, "Place, L-1C95AB"),
        ("group:G020", {}, "Group G020"),
        ("area:force", {}, "The whole force area"),
        ("area:E02000001", {}, "Area: E02000001"),
    ],
)
def test_an_item_reads_in_words(
    item: str, facts: dict[str, object], words: str
) -> None:
    """The meeting named its items by key ("repeat_victim:P0002967", "cell:150m:
    E1:N2"); each kind reads in words, with its id kept to look it up."""
    kind, ident = parse_item(item)
    assert item_words(kind, ident, facts, repeat_window_days=365) == words
    assert item not in words


def test_every_item_kind_and_subject_type_has_words() -> None:
    for kind in ITEM_KINDS:
        words = item_words(kind, "X1")
        assert "_" not in words, kind
        assert f"{kind}:" not in words, kind
        assert item_key_words(f"{kind}:X1") == words
    for kind in SUBJECT_TYPES:
        words = subject_words(kind, "X1")
        assert "_" not in words, kind
        assert f"{kind}:" not in words, kind
    assert subject_words("cohort", "repeat-asb-callers") == "Cohort: repeat ASB callers"
    assert subject_words("person", "P1") == "Person P1"
    assert subject_words("place", "150m:E2714:N1911") == "Place, 150 m cell E2714 N1911"
    # not an item: as given (the tasking is refused for it)
    assert item_key_words("weather:1") == "weather:1"


def test_an_area_subject_reads_by_its_name_not_its_key() -> None:
    """The example plan's ``{type: area, id: london}`` read "Area: london" on the
    plan, the action page and the meeting: an area is named as pages name it."""
    assert subject_words("area", "london") == "Area: London"
    assert item_words("area", "london") == "Area: London"
    assert subject_words("area", "city-of-london") == "Area: City of London Police"
    assert subject_words("area", "Synthetic City") == "Area: Synthetic City"
    assert subject_words("area", "force") == "The whole force area"
    assert item_words("area", "force") == "The whole force area"


def test_the_default_tasking_text_names_its_item_in_words() -> None:
    """ "Task this" with no what wrote "Follow up repeat_victim:P0002967"."""
    assert (
        follow_up_text("repeat_victim:P0002967") == "Follow up repeat victim P0002967"
    )
    assert follow_up_text("cell:150m:E1:N2") == "Follow up place, 150 m cell E1 N2"


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


def test_an_organisation_key_reads_as_a_name() -> None:
    """The plan and the meeting read "nhs", "london-councils": a key typed in lower
    case reads in words, abbreviations in capitals; a name as it is spelt."""
    from avert.delivery.model import organisation_words

    assert organisation_words("nhs") == "NHS"
    assert organisation_words("london-councils") == "London Councils"
    assert organisation_words("youth_service") == "Youth Service"
    assert organisation_words("Leeds City Council") == "Leeds City Council"
    assert organisation_words(None) == ""
