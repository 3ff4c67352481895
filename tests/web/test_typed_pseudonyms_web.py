"""The meeting page: a partner who copies a person's pseudonym into its
tasking's result saves the person's id (the police read it), and reads its
pseudonym back; no partner page shows the id (docs/briefing.md, "Partner
audience")."""

from __future__ import annotations

import html
import re

import polars as pl

from avert.workflows import delivery
from avert.workflows.users import User
from web.helpers import World, csrf_of, signed_in, version_of

#: The demo's partner account (of the council), as a reader.
COUNCIL = User("partner", "partner", org="council")


def test_a_pseudonym_typed_in_a_result_reaches_the_police_as_the_person(
    world: World,
) -> None:
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting").text
    item = re.findall(r'name="item" value="([^"]+)"', page)[-1]
    at = re.findall(r'name="at" value="([^"]+)"', page)[0]
    what = f"Typed pseudonym check {item}"
    chair.post(
        "/meeting/task",
        data={
            "csrf_token": csrf_of(page),
            "item": item,
            "what": what,
            "at": at,
            "organisation": "council",
        },
    )
    rows = world.store.read_frame("taskings").filter(pl.col("what") == what)
    tasking_id = str(rows["tasking_id"][0])
    person = sorted(world.person_ids)[7]
    pseudonym = delivery.partner_pseudonymiser(world.settings, reader=COUNCIL)(
        "person", person
    )
    partner = signed_in(world.app, "partner")
    partner_page = partner.get("/meeting").text
    done = partner.post(
        f"/meeting/taskings/{tasking_id}",
        data={
            "csrf_token": csrf_of(partner_page),
            "result": f"visited {pseudonym}, engaged",
            "version": version_of(partner_page, f"/meeting/taskings/{tasking_id}"),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    row = world.store.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["result"][0] == f"visited {person}, engaged"
    assert f"visited {person}, engaged" in html.unescape(chair.get("/meeting").text)
    read = html.unescape(partner.get("/meeting").text)
    assert f"visited {pseudonym}, engaged" in read
    assert person not in read
