"""The plan board's actions as a user sees them: one rule for the board page and the
make-up of the people its open actions target."""

from __future__ import annotations

import polars as pl

from avert.delivery.checks import NO_LEAD
from avert.workflows.delivery import board_actions
from avert.workflows.users import User

ACTIONS = pl.DataFrame(
    {
        "action_id": ["A1", "A2", "A3", "A4"],
        "lead_organisation": ["police", "council", "council", None],
        "area": ["E1", "E1", "E2", "E2"],
    }
)


def _ids(frame: pl.DataFrame) -> list[str]:
    return frame["action_id"].to_list()


def test_police_and_board_see_every_action_until_filtered() -> None:
    chair = User("chair1", "chair")
    assert _ids(board_actions(ACTIONS, chair)) == ["A1", "A2", "A3", "A4"]
    assert _ids(board_actions(ACTIONS, chair, lead="council")) == ["A2", "A3"]
    assert _ids(board_actions(ACTIONS, chair, area="E2")) == ["A3", "A4"]
    assert _ids(board_actions(ACTIONS, chair, lead="council", area="E1")) == ["A2"]
    # an empty filter (a form's blank field) filters nothing
    assert _ids(board_actions(ACTIONS, chair, lead="", area="")) == _ids(ACTIONS)


def test_a_partner_sees_only_their_organisations_actions() -> None:
    council = User("cc", "partner", org="council")
    assert _ids(board_actions(ACTIONS, council)) == ["A2", "A3"]
    assert _ids(board_actions(ACTIONS, council, lead="police")) == []
    assert _ids(board_actions(ACTIONS, council, area="E2")) == ["A3"]
    assert _ids(board_actions(ACTIONS, User("x", "partner"))) == []


def test_the_no_lead_group_of_overdue_by_lead_can_be_picked() -> None:
    # overdue by lead partner groups actions without a lead as "(no lead)"; the
    # board's lead filter could not pick them (it matched the name literally)
    chair = User("chair1", "chair")
    assert _ids(board_actions(ACTIONS, chair, lead=NO_LEAD)) == ["A4"]
    council = User("cc", "partner", org="council")
    assert _ids(board_actions(ACTIONS, council, lead=NO_LEAD)) == []
