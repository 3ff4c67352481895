"""The policy table: every action known, every decision explained."""

from __future__ import annotations

import pytest

from avert.access import audience_of
from avert.policy import ACTIONS, GRANTS, ROLES, decide


def test_every_action_has_grants_and_every_grant_an_action() -> None:
    assert set(ACTIONS) == set(GRANTS)
    for roles in GRANTS.values():
        assert roles <= set(ROLES)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_decide_follows_the_table_and_gives_a_reason(role: str, action: str) -> None:
    decision = decide(role, action)
    assert decision.allowed == (role in GRANTS[action])
    assert role in decision.reason
    assert action in decision.reason


def test_unknown_actions_and_roles_are_refused() -> None:
    assert not decide("admin", "drop-tables")
    assert not decide("superuser", "view-today")


def test_area_scope_limits_a_scoped_user_only() -> None:
    assert decide("officer", "view-today", user_area="E1", resource_area="E1")
    assert not decide("officer", "view-today", user_area="E1", resource_area="E2")
    assert decide("officer", "view-today", user_area=None, resource_area="E2")
    # one area in any case, as the briefing and the incidents match it
    assert decide("officer", "view-today", user_area="Camden", resource_area="camden")
    # and without surrounding spaces, as the pages match it (avert.areas.in_area):
    # an officer scoped to " E01" was refused their own area asked as "e01 "
    assert decide("officer", "view-today", user_area=" E01", resource_area="e01 ")
    # casefold made "Straße" the area "Strasse", whose incidents the pages, matching
    # by lower case, do not show: the user would read another area's
    assert not decide(
        "officer", "view-incidents", user_area="Strasse", resource_area="Straße"
    )
    # not area-scoped: a scoped user may still open a person's record
    assert decide("officer", "view-person", user_area="E1", resource_area="E2")


def test_partners_and_board_see_pseudonyms() -> None:
    assert audience_of("partner") == "partner"
    assert audience_of("board") == "partner"
    assert {audience_of(r) for r in ("admin", "analyst", "chair", "officer")} == {
        "police"
    }
