"""A person's address (``/people/ID``) never puts a link's text on avert's page."""

from __future__ import annotations

from urllib.parse import quote

from web.helpers import World, csrf_of, signed_in

#: what a crafted link would make avert's own page say
SPOOF = "Your session is suspended: call 0800 123 456 to restore access"


def test_the_purpose_page_names_only_an_id_the_store_holds(world: World) -> None:
    """``/people/TEXT`` said "Open the record of TEXT" for any text of a link
    (content spoofing: docs/web.md, no page shows a message taken from its link);
    a person the store holds is still named."""
    client = signed_in(world.app, "officer")
    page = client.get(f"/people/{quote(SPOOF)}")
    assert page.status_code == 200
    assert "call 0800" not in page.text
    assert "Open a person's record" in page.text
    person = sorted(world.person_ids)[0]
    named = client.get(f"/people/{person}")
    assert f"Open the record of {person}" in named.text
    # a purpose too short: the form again, which does not repeat the link either
    short = client.post(
        f"/people/{quote(SPOOF)}",
        data={"csrf_token": csrf_of(page.text), "purpose": "x"},
    )
    assert short.status_code == 400
    assert "call 0800" not in short.text


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
