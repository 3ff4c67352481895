"""What partners and the board must not read on the delivery pages: the free text
of actions about a person, group or incident, and other organisations' taskings.

Found by a review of every page a partner reaches (the crawl of
``test_partner_view.py`` searches for person ids only).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from avert.config.timezone import local_now, local_today
from avert.web.dates import parse_datetime_words
from avert.workflows import delivery
from avert.workflows.users import User
from web.helpers import World, csrf_of, ids_unwrapped, signed_in, version_of

#: A title that names its subject, as free text of a real plan may.
#: The demo's partner account (of the council) and board account, as readers.
COUNCIL = User("partner", "partner", org="council")
BOARD = User("board", "board", org="violence reduction board")
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


def test_partner_meeting_hides_who_another_organisation_tasked(world: World) -> None:
    """The meeting page said of every tasked item "T... to ASSIGNEE", another
    organisation's assignee (a named officer) included, while the briefing gives a
    partner only its own organisation's what, assignee and result."""
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting")
    items = re.findall(r'name="item" value="([^"]+)"', page.text)
    assert items, "the meeting view offers an item to task"
    made = chair.post(
        "/meeting/task",
        data={
            "csrf_token": csrf_of(page.text),
            "item": items[-1],
            "what": "Visit Jane Example at home",
            "assignee": "PC Named Officer 4711",
            "organisation": "police",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    assert "PC Named Officer 4711" in chair.get("/meeting").text
    partner = signed_in(world.app, "partner").get("/meeting").text
    assert "TASKED" in partner
    assert "Named Officer" not in partner
    assert "Jane Example" not in partner


def test_unknown_action_page_does_not_repeat_its_link(world: World) -> None:
    """``/plan/actions/TEXT`` answered "No action 'TEXT'": any link made avert's own
    page say what its sender wrote (content spoofing; docs/web.md: an error says
    what a value should be, never the value sent)."""
    client = signed_in(world.app, "chair")
    page = client.get("/plan/actions/Call 0800 000 to reset your password")
    assert page.status_code == 404
    assert "0800" not in page.text
    assert "No such action" in page.text


def test_an_area_officer_briefing_has_no_other_areas_retaliation_alerts(
    world: World,
) -> None:
    """An officer scoped to an area read every area's retaliation alerts (victims,
    who may retaliate, possible targets) on Today, while incidents, places and the
    trend were their area's only (the briefing's area note says so)."""
    chair = signed_in(world.app, "chair").get("/api/v1/briefing").json()
    assert chair["retaliation"], "the check needs retaliation alerts"
    boroughs = set(
        world.store.read_frame("incidents", columns=["borough"])["borough"].to_list()
    )
    assert "AREA-E" not in boroughs  # officer-e's area holds no incident
    officer = signed_in(world.app, "officer-e").get("/api/v1/briefing").json()
    assert officer["area"] == "AREA-E"
    assert officer["incidents"] == []
    assert officer["retaliation"] == []
    assert officer["summary"]["n_retaliation"] == 0


def test_evidence_and_rag_reason_on_a_person_reach_only_the_leading_partner(
    world: World,
) -> None:
    """The title was withheld, but ``evidence`` and ``rag_reason`` (free text as
    likely to name the subject) still reached the board on the action page and in
    the board pack (found by review). A partner still reads and edits its own."""
    chair = User("chair", "chair")
    police_led = _person_action(world, "police")
    council_led = _person_action(world, "council")
    for action_id in (police_led, council_led):
        delivery.update_action(
            world.store,
            action_id,
            {
                "evidence": "Visited Jane Example at home",
                "rag": "red",
                "rag_reason": "Jane Example refused the referral",
            },
            user=chair,
        )
    board = signed_in(world.app, "board")
    for url in ("/plan", f"/plan/actions/{police_led}", f"/plan/actions/{council_led}"):
        page = board.get(url)
        assert page.status_code == 200, url
        assert "Jane Example" not in page.text, url
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    data = delivery.board_pack_data(world.store, world.settings, month=month)
    assert "Jane Example" not in repr(data)
    partner = signed_in(world.app, "partner")  # of the council
    own = partner.get(f"/plan/actions/{council_led}")
    assert "Visited Jane Example at home" in own.text
    assert "Jane Example refused the referral" in own.text


def test_a_partners_tasking_text_never_names_its_subject_by_real_id(
    world: World,
) -> None:
    """ "Task this" without a what wrote "Follow up repeat_victim:P0002967", and the
    partner's meeting page showed that text beside the subject's pseudonym: the
    real id, and the key from pseudonym to id. A tasking's what and result name its
    subject by the pseudonym the partner sees."""
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting", params={"hours": 168}).text
    at = re.findall(r'name="at" value="([^"]+)"', page)[0]
    items = re.findall(r'name="item" value="([^"]+)"', page)
    due = f"{parse_datetime_words(at) + dt.timedelta(hours=12):%Y-%m-%dT%H:%M}"
    tasked = set(world.store.read_frame("taskings")["item_id"].to_list())
    people = [
        i for i in items if i.split(":")[0] in ("repeat_victim", "person", "asb_caller")
    ]
    person = next((i for i in people if i.split(":", 1)[1] not in tasked), None)
    if person is not None:  # "Task this" with nothing typed
        made = chair.post(
            "/meeting/task",
            data={
                "csrf_token": csrf_of(page),
                "item": person,
                "what": "",  # the default what: "Follow up" the item in words
                "organisation": "council",
                "at": at,
                "due": due,
            },
            follow_redirects=False,
        )
        assert made.status_code == 303
    else:  # other tests tasked them all: the same text, a second tasking
        listed = chair.get("/api/v1/briefing", params={"hours": 168, "at": at})
        person = f"person:{listed.json()['people'][0]['person_id']}"
        delivery.add_tasking(
            world.store,
            person,
            what=delivery.follow_up_text(person),
            organisation="council",
            due=dt.datetime.fromisoformat(due),
            user=User("chair", "chair"),
            anyway=True,
        )
    # an incident too (other tests may have tasked the page's: a second tasking)
    briefed = chair.get("/api/v1/briefing", params={"hours": 168, "at": at}).json()
    incident = f"incident:{briefed['incidents'][0]['incident_id']}"
    delivery.add_tasking(
        world.store,
        incident,
        what=f"Follow up {incident}",
        organisation="council",
        due=dt.datetime.fromisoformat(due),
        user=User("chair", "chair"),
        anyway=True,
    )
    chosen = {"person": person.split(":", 1)[1], "incident": incident.split(":", 1)[1]}
    rows = world.store.read_frame("taskings").filter(
        # the default what names the person in words ("Follow up repeat victim
        # P0002967"); the incident's, typed, by its key
        pl.col("what").is_in([delivery.follow_up_text(person), f"Follow up {incident}"])
    )
    assert rows.height == 2
    partner = signed_in(world.app, "partner")
    meeting = partner.get("/meeting", params={"hours": 168, "at": at}).text
    done = partner.post(
        f"/meeting/taskings/{rows['tasking_id'][0]}",
        data={
            "csrf_token": csrf_of(meeting),
            # (a stored id the partner types reads as typed for them:
            # test_partner_oracle.py, with an organisation no other test reads as)
            "result": "Visited, all well",
            "at": at,
            "version": version_of(
                meeting, f"/meeting/taskings/{rows['tasking_id'][0]}"
            ),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    # the briefing lists taskings as they stood at its end: one ending after now
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    answers = {
        "meeting": partner.get("/meeting", params={"hours": 168, "at": at}).text,
        "today": partner.get("/today", params={"at": later}).text,
        "api": partner.get("/api/v1/briefing", params={"at": later}).text,
    }
    for name, text in answers.items():
        assert "Follow up" in text, name
        assert "Visited, all well" in text, name
        for ident in chosen.values():
            assert ident not in text, (name, ident)


def test_a_partners_own_action_text_names_its_target_by_pseudonym(
    world: World,
) -> None:
    """The police wrote an action's evidence and RAG reason naming its target by
    id ("Home visit to P0017368"), and the partner leading the action read the real
    id on the plan board and the action page (text and history), beside the
    target's pseudonym. The text names the target by the pseudonym."""
    action_id = _person_action(world, "council")
    target = str(
        world.store.read_frame("actions").filter(pl.col("action_id") == action_id)[
            "target_id"
        ][0]
    )
    delivery.update_action(
        world.store,
        action_id,
        {
            "evidence": f"Home visit to {target}",
            "rag": "amber",
            "rag_reason": f"{target} missed two appointments",
        },
        user=User("chair", "chair"),
    )
    partner = signed_in(world.app, "partner")  # of the council
    page = partner.get(f"/plan/actions/{action_id}").text
    assert "Home visit to P-" in page
    assert "missed two appointments" in page
    for url in ("/plan", "/plan/mine", f"/plan/actions/{action_id}"):
        answer = partner.get(url)
        assert answer.status_code == 200, url
        assert target not in answer.text, url


def test_police_free_text_names_every_stored_record_by_pseudonym_for_partners(
    world: World,
) -> None:
    """A chair's evidence "met P0003235 ..." on a council action, or a tasking's
    what naming another person or an incident, showed those ids to the partner
    and the board: only the record's own subject was replaced. Every stored
    person, incident and group id (in any case) is now its pseudonym for them; a
    word that only looks like an id, and the police's view, are as typed."""
    store = world.store
    action_id = _person_action(world, "council")
    target = str(
        store.read_frame("actions").filter(pl.col("action_id") == action_id)[
            "target_id"
        ][0]
    )
    other = next(
        str(p) for p in store.read_frame("people")["person_id"] if str(p) != target
    )
    incident = str(store.read_frame("incidents")["incident_id"][0])
    pseudo = delivery.partner_pseudonymiser(world.settings, reader=COUNCIL)
    shown = {other: pseudo("person", other), incident: pseudo("incident", incident)}
    chair = User("chair", "chair")
    evidence = f"met {other.lower()} about {incident}; ref ZZ12345"
    delivery.update_action(
        store,
        action_id,
        {"evidence": evidence, "rag": "amber", "rag_reason": f"see {other}"},
        user=chair,
    )
    police = signed_in(world.app, "chair").get(f"/plan/actions/{action_id}").text
    assert f"met {other.lower()} about {incident}" in police
    partner = signed_in(world.app, "partner")  # of the council
    board = signed_in(world.app, "board")
    page = partner.get(f"/plan/actions/{action_id}").text
    assert f"met {shown[other]} about {shown[incident]}; ref ZZ12345" in page
    assert f"see {shown[other]}" in page
    for client, url in (
        (partner, "/plan"),
        (partner, "/plan/mine"),
        (partner, f"/plan/actions/{action_id}"),
        (board, "/plan"),
        (board, f"/plan/actions/{action_id}"),
    ):
        text = client.get(url).text
        for ident in shown:
            assert ident.lower() not in text.lower(), (url, ident)
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    data = repr(delivery.board_pack_data(store, world.settings, month=month))
    assert other not in data
    # the partner saves the evidence as shown: the police's record keeps the ids
    # as the chair wrote them
    delivery.update_action(
        store,
        action_id,
        {"evidence": f"met {shown[other]} about {shown[incident]}; ref ZZ12345"},
        user=User("council-user", "partner", org="council"),
        settings=world.settings,
    )
    saved = store.read_frame("actions").filter(pl.col("action_id") == action_id)
    assert saved["evidence"][0] == evidence
    # a tasking's what names another person and an incident
    tasked = store.read_frame("taskings")["item_id"].to_list()
    subject = next(
        str(p)
        for p in store.read_frame("people")["person_id"]
        if str(p) not in (other, target) and str(p) not in tasked
    )
    now = local_now(world.settings.timezone).replace(tzinfo=None)
    delivery.add_tasking(
        store,
        f"person:{subject}",
        what=f"Check {other} and {incident.lower()} with ZZ12345",
        organisation="council",
        due=now + dt.timedelta(hours=12),
        user=chair,
        anyway=True,
    )
    at = f"{now + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"
    police_meeting = signed_in(world.app, "chair").get(
        "/meeting", params={"hours": 168, "at": at}
    )
    assert f"Check {other} and {incident.lower()}" in ids_unwrapped(police_meeting.text)
    answers = {
        "meeting": partner.get("/meeting", params={"hours": 168, "at": at}).text,
        "today": partner.get("/today", params={"at": at}).text,
        "api": partner.get("/api/v1/briefing", params={"at": at}).text,
    }
    for name, text in answers.items():
        said = f"Check {shown[other]} and {shown[incident]} with ZZ12345"
        assert said in ids_unwrapped(text), name
        for ident in (*shown, subject):
            assert ident.lower() not in text.lower(), (name, ident)


def test_partners_read_a_stored_persons_name_as_the_persons_pseudonym(
    world: World,
) -> None:
    """A person's name the store holds (``person_identity``), written in a
    tasking's what ("Call SMITH, Zedekiah ...") or an objective's title, reached the
    partner's meeting, Today, the briefing API and the plan page as written. It is
    the person's pseudonym there, in full or surname-first order; the police read
    it as written."""
    store = world.store
    # the highest person without a stored identity: the session's other tests
    # (test_partner_oracle.py) name the highest unnamed ones too, in any order
    held = set(store.read_frame("person_identity")["person_id"].to_list())
    person = next(
        p
        for p in sorted(
            (str(p) for p in store.read_frame("people")["person_id"]), reverse=True
        )
        if p not in held
    )
    name = "Zedekiah Quarrington-Smith"
    with store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": [person], "name": [name]}),
        )
    shown = delivery.partner_pseudonymiser(world.settings, reader=COUNCIL)(
        "person", person
    )
    of_board = delivery.partner_pseudonymiser(world.settings, reader=BOARD)(
        "person", person
    )
    chair = User("chair", "chair")
    now = local_now(world.settings.timezone).replace(tzinfo=None)
    subject = str(store.read_frame("incidents")["incident_id"][-1])
    delivery.add_tasking(
        store,
        f"incident:{subject}",
        what="Call QUARRINGTON-SMITH, Zedekiah, then zedekiah quarrington-smith again",
        organisation="council",
        due=now + dt.timedelta(hours=12),
        user=chair,
        anyway=True,
    )
    objectives = delivery._asof.read_delivery(store, "objective")
    old = objectives.row(0, named=True)
    delivery._common._save(
        store,
        "objective",
        [{**old, "title": f"{old['title']} (as for {name})", "version": None}],
        user=chair,
        reason="test",
    )
    at = f"{now + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"
    police = signed_in(world.app, "chair")
    assert (
        "Call QUARRINGTON-SMITH, Zedekiah"
        in police.get("/meeting", params={"hours": 168, "at": at}).text
    )
    assert f"as for {name}" in police.get("/plan").text
    partner = signed_in(world.app, "partner")
    board = signed_in(world.app, "board")
    answers = {
        "meeting": partner.get("/meeting", params={"hours": 168, "at": at}).text,
        "today": partner.get("/today", params={"at": at}).text,
        "api": partner.get("/api/v1/briefing", params={"at": at}).text,
        "plan": partner.get("/plan").text,
        "board plan": board.get("/plan").text,
    }
    for where, text in answers.items():
        assert "zedekiah" not in text.lower(), where
        if where == "board plan":
            assert f"as for {of_board}" in text, where
        elif where.endswith("plan"):
            assert f"as for {shown}" in text, where
        else:
            assert f"Call {shown}, then {shown} again" in ids_unwrapped(text), where
