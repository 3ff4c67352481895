"""My actions and the Plan agree on who holds the lead "police": the Plan counts
police-led actions held by the police roles' accounts (no "no account" mark),
and My actions of such an account lists them (it listed none to the chair or an
administrator, who own none by name)."""

from __future__ import annotations

import re

import polars as pl

from web.helpers import World, signed_in


def _police_led(world: World) -> set[str]:
    actions = world.store.read_frame(
        "actions", columns=["action_id", "lead_organisation", "status"]
    )
    led = actions.filter(
        pl.col("lead_organisation").str.strip_chars().str.to_lowercase() == "police"
    )
    return set(led["action_id"])


def test_a_police_roles_my_actions_lists_the_police_led_actions(world: World) -> None:
    led = _police_led(world)
    assert led, "the demo's plan has police-led actions"
    for role in ("chair", "admin"):
        client = signed_in(world.app, role)
        plan = client.get("/plan").text
        assert not re.search(r"police\s*<b class=\"unheld\">", plan, re.I)  # held
        mine = client.get("/plan/mine").text
        listed = set(re.findall(r'href="/plan/actions/([^"]+)"', mine))
        assert listed >= led, (role, sorted(led - listed))
        assert "led by the police" in mine


def test_a_partner_of_another_organisation_lists_no_police_led_action(
    world: World,
) -> None:
    mine = signed_in(world.app, "partner").get("/plan/mine").text
    listed = set(re.findall(r'href="/plan/actions/([^"]+)"', mine))
    assert not listed & _police_led(world)
