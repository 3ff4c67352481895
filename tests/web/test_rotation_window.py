"""Under a rotating pseudonym key the partner API's briefing starts no earlier than
the key period, so two windows straddling the month's start share no incident
(the same incident under two keys linked October's pseudonyms to November's)."""

from __future__ import annotations

import re
from typing import Any

from avert.access import Pseudonymiser
from avert.delivery.model import subject_type
from avert.web import create_app
from web.helpers import World, signed_in


def _keys(data: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (i["occurred_from"], i["offence_code"], i["lsoa"]) for i in data["incidents"]
    }


def test_partner_api_briefings_across_the_month_share_no_incident(
    world: World,
) -> None:
    settings = world.settings.with_overrides(pseudonym_rotation="monthly")
    client = signed_in(create_app(settings, world.store), "partner")
    october = client.get(
        "/api/v1/briefing", params={"at": "2026-10-31T23:00", "hours": 168}
    ).json()
    november = client.get(
        "/api/v1/briefing", params={"at": "2026-11-01T05:00", "hours": 168}
    ).json()
    assert october["incidents"], "the check needs incidents at the end of October"
    assert not _keys(october) & _keys(november)
    assert november["window"]["from"] == "2026-11-01T00:00:00"
    assert all(i["occurred_from"] >= "2026-11-01" for i in november["incidents"])
    assert all(r["occurred_from"] >= "2026-11-01" for r in november["retaliation"])
    assert any("key period" in n for n in november["notes"])


def test_partner_incidents_page_shows_an_incident_under_its_own_periods_key(
    world: World,
) -> None:
    """The Incidents page (and API) pseudonymised every incident with the key of
    the current period, so October's incidents, shown on October's briefing under
    October's key, showed again under December's: each incident under two keys,
    linking the periods. Each incident now has the key of the period it occurred
    in, the one its period's briefings use."""
    settings = world.settings.with_overrides(pseudonym_rotation="monthly")
    client = signed_in(create_app(settings, world.store), "partner")
    october = client.get(
        "/api/v1/briefing", params={"at": "2026-10-31T23:00", "hours": 72}
    ).json()
    listed = client.get(
        "/api/v1/incidents",
        params={"from": "2026-10-29T00:00", "to": "2026-11-02T00:00"},
    ).json()["incidents"]
    assert october["incidents"], "the check needs incidents at the end of October"
    briefed = {
        (i["occurred_from"], i["offence_code"], i["lsoa"]): i["incident_id"]
        for i in october["incidents"]
    }
    both = [
        (briefed[key], row["incident_id"])
        for row in listed
        if (key := (row["occurred_from"], row["offence_code"], row["lsoa"])) in briefed
    ]
    assert both, "the briefing's incidents are on the Incidents page"
    assert all(a == b for a, b in both)
    ids = [row["incident_id"] for row in listed]
    assert len(set(ids)) == len(ids)


def test_partner_meeting_at_a_past_time_uses_that_periods_key(world: World) -> None:
    """The meeting page pseudonymised its taskings with the key of the current
    period while its briefing items had the key of the period viewed: at a time in
    October a partner saw a tasking's person under December's pseudonym beside the
    October briefing's, and no item was marked as tasked. The page now uses the key
    of the period viewed for both, as the briefing of that time does."""
    settings = world.settings.with_overrides(pseudonym_rotation="monthly")
    client = signed_in(create_app(settings, world.store), "partner")
    at = "2026-10-31T12:00"
    page = client.get("/meeting", params={"at": at, "hours": 72})
    assert page.status_code == 200, page.text
    # the demo partner account is of the council: the council's key of October
    october = Pseudonymiser(
        settings.pseudonym_key, period="2026-10", scope="organisation:council"
    )
    taskings = {
        row["tasking_id"]: row for row in world.store.read_frame("taskings").to_dicts()
    }
    listed = re.findall(
        r"(T\d{8}-[0-9a-f]+)</span></td><td[^>]*data-item=\"(\w+):([A-Z]-[0-9A-F]{12})\"",
        page.text,
    )
    assert listed, "the check needs taskings in the window"
    for tasking_id, kind, shown in listed:
        real = taskings[tasking_id]
        subject = subject_type(kind)
        assert shown == october(subject, real["item_id"]), tasking_id
    # the items the briefing of that time marks as tasked are marked on the page
    briefing = client.get("/api/v1/briefing", params={"at": at, "hours": 72}).json()
    marked = [
        item["tasked"]["tasking_id"]
        for section in ("retaliation", "incidents", "repeat_victims", "people")
        for item in briefing[section][:15]
        if item.get("tasked")
    ]
    assert marked, "the check needs tasked items in the briefing"
    for tasking_id in marked:
        assert f'TASKED</span> <span class="rec">{tasking_id}</span>' in page.text, (
            tasking_id
        )


def test_partner_today_in_a_key_periods_first_hour_says_why_not_misconfigured(
    world: World,
) -> None:
    """Less than an hour into a key period a partner briefing is refused (no whole
    hour to show); the page said "avert is not configured for this", sending the
    partner to an administrator for what passes by itself within the hour."""
    settings = world.settings.with_overrides(pseudonym_rotation="monthly")
    client = signed_in(create_app(settings, world.store), "partner")
    for path in ("/today", "/api/v1/briefing", "/meeting"):
        answer = client.get(path, params={"at": "2026-11-01T00:30"})
        assert answer.status_code == 503, path
        assert "not configured" not in answer.text, path
        assert "an hour after it or later" in answer.text, path
