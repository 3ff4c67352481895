"""Today's audit row counts an action's target only when the page shows it.

The crawl of the default demo found Today (police) auditing 89 people when its
HTML named 87 (partners 78 vs 76): the two extra were the targets of plan
actions Today lists, whose row shows the action's title and id, not its target.
"""

from __future__ import annotations

from typing import Any

from avert.workflows.briefing import people_shown
from avert.workflows.views import today_lists


def _action(action_id: str, title: str, target: str) -> dict[str, Any]:
    return {
        "action_id": action_id,
        "title": title,
        "target_type": "person",
        "target_id": target,
        "links": {"person_id": [target], "action_id": [action_id]},
    }


def test_an_actions_target_is_counted_only_when_its_row_names_it() -> None:
    data = {
        "actions": [
            _action("D01", "Offender management and safeguarding plan", "P0033251"),
            _action("D02", "Safeguarding plan for P0017363", "P0017363"),
            _action("ACT-P0000042", "Plan", "P0000042"),
            _action("D04", "[title withheld]", "P-3795858ABA11"),
            _action("D05", "Visit P-DFB500616FAB", "P-DFB500616FAB"),
        ]
    }
    assert people_shown(today_lists(data)) == [
        "P-DFB500616FAB",
        "P0000042",
        "P0017363",
    ]
    # the briefing itself (shared by every caller) keeps its links
    assert data["actions"][0]["links"]["person_id"] == ["P0033251"]


def test_a_target_inside_a_longer_id_is_not_named() -> None:
    data = {"actions": [_action("D01", "Plan for P00172", "P0017")]}
    assert people_shown(today_lists(data)) == []


def test_a_target_its_title_names_by_stored_name_is_counted() -> None:
    """The police read a title as written: one that writes its target's stored
    name ("SMITH, John" as "John Smith", any case) shows that person as surely
    as their id (a review's crawl: Today named its target and counted no one)."""
    data = {
        "actions": [
            _action("D01", "Safeguarding plan for jonah  Whitcombe", "P0000363"),
            _action("D02", "Offender management plan", "P0000380"),
            _action("D03", "Visit Whitcombe's family", "P0000382"),
        ]
    }
    names = {
        "P0000363": "WHITCOMBE, Jonah",
        "P0000380": "Marla Quenby",
        "P0000382": "Jonah Whitcombe",
    }
    assert people_shown(today_lists(data, target_names=names)) == ["P0000363"]
