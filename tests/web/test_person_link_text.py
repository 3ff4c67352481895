"""A person's address (``/people/ID``) never puts a link's text on avert's page."""

from __future__ import annotations

from urllib.parse import quote

from web.helpers import World, csrf_of, signed_in

#: what a crafted link would make avert's own page say
SPOOF = "Your session is suspended: call 0800 123 456 to restore access"


def _outside_fields(html: str, text: str) -> str:
    """``html`` less the fields that hold ``text`` as sent (escaped as Jinja does)."""
    escaped = text.replace("&", "&amp;").replace("'", "&#39;").replace('"', "&#34;")
    return html.replace(f'value="{escaped}"', "")


def test_the_purpose_page_does_not_repeat_the_link(world: World) -> None:
    """``/people/TEXT`` said "Open the record of TEXT" for any text of a link
    (content spoofing: docs/web.md, no page shows a message taken from its link);
    the id is in a read-only field, as a browser's own field would show it."""
    client = signed_in(world.app, "officer")
    page = client.get(f"/people/{quote(SPOOF)}")
    assert page.status_code == 200
    assert "call 0800" not in _outside_fields(page.text, SPOOF)
    assert "Open a person's record" in page.text
    # a purpose too short: the form again, which does not repeat the link either
    short = client.post(
        f"/people/{quote(SPOOF)}",
        data={"csrf_token": csrf_of(page.text), "purpose": "x"},
    )
    assert short.status_code == 400
    assert "call 0800" not in _outside_fields(short.text, SPOOF)


def test_the_purpose_page_does_not_tell_whether_an_id_exists(world: World) -> None:
    """The page asking for the purpose named an id the store holds and said of any
    other "The store holds no person with the id of this link": whether a person
    exists, told with no audit row (an officer could try ids unrecorded). It is
    now the same page for both, but for the id in its field; the store says
    whether the person exists only once the purpose is stated (audited)."""
    client = signed_in(world.app, "officer")
    person = sorted(world.person_ids)[0]
    unknown = "P9999999"
    assert unknown not in world.person_ids
    n_audit = world.store.read_frame("audit").height
    held = client.get(f"/people/{person}")
    absent = client.get(f"/people/{unknown}")
    assert held.status_code == absent.status_code == 200

    def form_of(html: str, person_id: str) -> str:
        body = html.split("<main", 1)[-1]
        body = body.replace(person_id, "ID")
        return body.replace(csrf_of(html), "TOKEN")

    assert form_of(held.text, person) == form_of(absent.text, unknown)
    assert world.store.read_frame("audit").height == n_audit


def test_an_unknown_person_is_refused_without_repeating_the_link(
    world: World,
) -> None:
    """Opened with a purpose, an id the store does not hold answered "No person
    'TEXT'" on the page and in the API's JSON; the look is still audited."""
    client = signed_in(world.app, "officer")
    form = client.get(f"/people/{quote(SPOOF)}")
    n_audit = world.store.read_frame("audit").height
    page = client.post(
        f"/people/{quote(SPOOF)}",
        data={"csrf_token": csrf_of(form.text), "purpose": "checking a link"},
    )
    assert page.status_code == 404
    assert "call 0800" not in page.text
    assert "No such person" in page.text
    audit = world.store.read_frame("audit")
    added = audit.tail(audit.height - n_audit)
    assert f"person:{SPOOF}" in added["object"].to_list()
    from avert.workflows.users import issue_token

    token = issue_token(world.store, "officer", by="admin")
    api = client.get(
        f"/api/v1/people/{quote(SPOOF)}",
        params={"purpose": "checking a link"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert api.status_code == 404
    assert "call 0800" not in api.text
    assert "No such person" in api.json()["error"]


def test_the_equality_page_does_not_repeat_an_unknown_force(world: World) -> None:
    """``/equality?force=TEXT`` said "No stops of the force 'TEXT' in the store"
    under the page's heading: a link's text as avert's words. The Force field
    still holds what was typed, as a browser's own field would."""
    client = signed_in(world.app, "board")
    page = client.get("/equality", params={"force": SPOOF})
    assert page.status_code == 200
    assert "No stops of the force asked for in the store" in page.text
    text_outside_the_field = page.text.replace(f'value="{SPOOF}"', "")
    assert "call 0800" not in text_outside_the_field


def test_the_briefing_heading_names_only_an_area_an_incident_names(
    world: World,
) -> None:
    """``/today?area=TEXT`` was headed "Daily risk briefing: TEXT" for any text of
    a link (content spoofing), on the page and on the fragment htmx swaps in. An
    area no incident names is no longer in the heading (the Area field keeps it
    as typed, and the briefing says no incident names it); a real one still is."""
    client = signed_in(world.app, "analyst")
    page = client.get("/today", params={"area": SPOOF})
    assert page.status_code == 200
    assert "call 0800" not in _outside_fields(page.text, SPOOF)
    assert "Daily risk briefing</h1>" in page.text
    fragment = client.get(
        "/today/briefing", params={"area": SPOOF}, headers={"HX-Request": "true"}
    )
    assert fragment.status_code == 200
    assert "call 0800" not in fragment.text
    from avert.workflows.briefing import known_areas

    area = known_areas(world.store)[0]
    named = client.get("/today", params={"area": area})
    assert f"Daily risk briefing: {area}</h1>" in named.text
