"""What partners and the board must not read on the delivery pages: the free text
of actions about a person, group or incident, and other organisations' taskings.

Found by a review of every page a partner reaches (the crawl of
``test_partner_view.py`` searches for person ids only).
"""

from __future__ import annotations

import polars as pl

from avert.config.timezone import local_today
from avert.workflows import delivery
from avert.workflows.users import User
from web.helpers import World, signed_in

#: A title that names its subject, as free text of a real plan may.
NAMED_TITLE = "Safeguarding plan for Jane Example of 12 Acacia Avenue"


def _person_action(world: World, org: str) -> str:
    actions = world.store.read_frame("actions")
    found = actions.filter(
        (pl.col("target_type") == "person") & (pl.col("lead_organisation") == org)
    )
    assert found.height, f"the demo plan has an action on a person led by {org}"
    return str(found["action_id"][0])


def test_partners_and_board_never_read_the_title_of_an_action_on_a_person(
    world: World,
) -> None:
    """The plan board, my actions and the action page (with its history) showed
    such titles to partners and the board, while the briefing withholds them
    (``avert.access.POLICE_ONLY["actions"]``)."""
    action_id = _person_action(world, "council")
    chair = User("chair", "chair")
    delivery.update_action(world.store, action_id, {"title": NAMED_TITLE}, user=chair)
    police = signed_in(world.app, "chair").get(f"/plan/actions/{action_id}")
    assert NAMED_TITLE in police.text  # the police read it
    for role in ("partner", "board"):
        client = signed_in(world.app, role)
        for url in ("/plan", "/plan/mine", f"/plan/actions/{action_id}"):
            page = client.get(url)
            assert page.status_code == 200, (role, url)
            assert "Jane Example" not in page.text, (role, url)
        page = client.get(f"/plan/actions/{action_id}")
        assert "title withheld" in page.text, role


def test_board_pack_withholds_the_title_of_an_action_on_a_person(
    world: World,
) -> None:
    """The board pack is the board's audience: the same rule as its pages."""
    action_id = _person_action(world, "police")
    chair = User("chair", "chair")
    delivery.update_action(world.store, action_id, {"title": NAMED_TITLE}, user=chair)
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    data = delivery.board_pack_data(world.store, world.settings, month=month)
    assert "Jane Example" not in repr(data)
