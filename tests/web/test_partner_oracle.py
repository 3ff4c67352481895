"""A partner types a stored person's id, an incident's id, a person's name or a
group's name in a text they may write (an action's evidence or RAG reason, a
tasking's result), saves, and reads it back on every page that shows it.

They read it as a pseudonym, and so learnt that the police hold that person or
record, and which pseudonym in the briefings is theirs: the store answered
whatever they typed. The words a partner organisation wrote now read back to it as
written (the police's words in the same text are still replaced), while the board
reads every stored id and name of the text as a pseudonym, and the police read all
of it as written.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import polars as pl
from fastapi.testclient import TestClient

from avert.config.timezone import local_now, local_today
from avert.schema import TABLES
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.users import User, add_user
from web.helpers import (
    PASSWORD,
    World,
    csrf_of,
    ids_unwrapped,
    signed_in,
    version_of,
)

#: The partner organisation (and its user) that types in these tests.
ORG = "youth-service"
USER = "youth-partner"
#: The partner account of :data:`ORG` and the demo's board account, as readers.
YOUTH = User(USER, "partner", org=ORG)
BOARD = User("board", "board", org="violence reduction board")
#: A name given to a stored person and a group by these tests.
PERSON_NAME = "Philippa Oraclewood"
GROUP_NAME = "Oracle Lane Crew"


def _partner(world: World) -> TestClient:
    """Signed in as a partner of :data:`ORG` (made here: the other tests of the
    world read as the council's partner, who is never shown these words)."""
    if not world.store.read_frame("users", where=[("username", "=", USER)]).height:
        add_user(world.store, USER, password=PASSWORD, role="partner", org=ORG)
    return signed_in(world.app, USER)


def _action(world: World) -> str:
    """An action of :data:`ORG` the board reads the evidence of (its target is no
    one)."""
    actions = world.store.read_frame("actions")
    found = actions.filter(
        (pl.col("lead_organisation") == ORG)
        & ~pl.col("target_type").is_in(["person", "group", "incident"])
    ).sort("action_id")
    assert found.height, f"the demo plan has an action of {ORG} on no one"
    return str(found["action_id"][-1])


def _stored(world: World) -> dict[str, str]:
    """A person the police write about, one the partner types, an incident, and a
    person's and a group's name (stored here)."""
    store = world.store
    people = sorted(str(p) for p in store.read_frame("people")["person_id"])
    incident = str(store.read_frame("incidents")["incident_id"].sort()[5])
    named = people[-3]
    with store.transaction() as tx:
        if not store.read_frame(
            "person_identity", where=[("person_id", "=", named)]
        ).height:
            tx.append(
                "person_identity",
                pl.DataFrame({"person_id": [named], "name": [PERSON_NAME]}),
            )
        if not store.read_frame("groups", where=[("name", "=", GROUP_NAME)]).height:
            schema = TABLES["groups"].schema
            row = dict.fromkeys(schema) | {
                "group_id": "GORACLE1",
                "name": GROUP_NAME,
            }
            tx.append("groups", pl.DataFrame([row], schema=schema))
    return {
        "police": people[-5],
        "typed": people[-4],
        "named": named,
        "incident": incident,
    }


def _form(page: str, field_name: str) -> str:
    """The text of a textarea of the action form, as the page gives it."""
    found = re.search(
        rf'<textarea name="{field_name}"[^>]*>(.*?)</textarea>', page, flags=re.DOTALL
    )
    assert found, field_name
    return html.unescape(found.group(1))


def _save_action(
    partner: TestClient, action_id: str, page: str, *, rag_reason: str, evidence: str
) -> None:
    """Save the action form of ``page`` as the partner, amber, with these texts."""
    saved = partner.post(
        f"/plan/actions/{action_id}",
        data={
            "csrf_token": csrf_of(page),
            "status": "",
            "rag": "amber",
            "rag_reason": rag_reason,
            "evidence": evidence,
            "version": re.findall(r'name="version" value="(\d+)"', page)[0],
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text[:2000]


def _task_to_partner(
    store: Store, subject: str, *, what: str, now: dt.datetime
) -> dict[str, Any]:
    """A tasking on person ``subject`` the chair gives the partner's organisation,
    due in 12 hours."""
    return delivery.add_tasking(
        store,
        f"person:{subject}",
        what=what,
        organisation=ORG,
        due=now + dt.timedelta(hours=12),
        user=User("chair", "chair"),
        anyway=True,
    )


def test_a_partner_reads_the_ids_and_names_it_typed_in_an_action_as_typed(
    world: World,
) -> None:
    store = world.store
    action_id = _action(world)
    ids = _stored(world)
    pseudo = delivery.partner_pseudonymiser(world.settings, reader=YOUTH)
    chair = User("chair", "chair")
    delivery.update_action(
        store,
        action_id,
        {
            "evidence": f"Police note: saw {ids['police']}",
            "rag": "amber",
            "rag_reason": f"waiting on {ids['police']}",
        },
        user=chair,
    )
    partner = _partner(world)
    page = partner.get(f"/plan/actions/{action_id}").text
    shown = pseudo("person", ids["police"])
    assert _form(page, "evidence") == f"Police note: saw {shown}"
    typed = (
        f"met {ids['typed']} and {PERSON_NAME.upper()} about {ids['incident'].lower()},"
        f" of {GROUP_NAME}"
    )
    _save_action(
        partner,
        action_id,
        page,
        rag_reason=f"{_form(page, 'rag_reason')}; {typed}",
        evidence=f"{_form(page, 'evidence')}. {typed}",
    )
    stored = store.read_frame("actions").filter(pl.col("action_id") == action_id)
    # the police's words put back, the partner's kept as typed
    assert stored["evidence"][0] == f"Police note: saw {ids['police']}. {typed}"
    assert stored["rag_reason"][0] == f"waiting on {ids['police']}; {typed}"
    police = signed_in(world.app, "chair").get(f"/plan/actions/{action_id}").text
    assert html.escape(f"saw {ids['police']}. {typed}") in police
    # the partner reads their own words as typed on every page that shows them,
    # and the police's id as its pseudonym
    mine = delivery.my_actions(store, world.settings, user=YOUTH)
    answers = {
        "/plan": partner.get("/plan").text,
        "/plan/mine": html.escape(repr(mine)),  # the page lists no free text
        "action": partner.get(f"/plan/actions/{action_id}").text,
    }
    for where, text in answers.items():
        assert html.escape(typed) in text, where
        assert ids["police"] not in text, where
        assert f"waiting on {shown}" in text, where
    page = partner.get(f"/plan/actions/{action_id}").text
    assert f"saw {shown}. {html.escape(typed)}" in page
    assert html.escape(typed) in page.split("<h2>History")[1]
    # the board reads every stored id and name of the text as a pseudonym
    board = signed_in(world.app, "board")
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    pack = repr(delivery.board_pack_data(store, world.settings, month=month))
    for text in (
        board.get("/plan").text,
        board.get(f"/plan/actions/{action_id}").text,
        pack,
    ):
        for word in (*ids.values(), PERSON_NAME, GROUP_NAME):
            assert word.lower() not in text.lower(), word
    of_board = delivery.partner_pseudonymiser(world.settings, reader=BOARD)
    assert of_board("person", ids["typed"]) in board.get("/plan").text


def test_a_partner_reads_the_ids_and_names_it_typed_in_a_result_as_typed(
    world: World,
) -> None:
    store = world.store
    ids = _stored(world)
    pseudo = delivery.partner_pseudonymiser(world.settings, reader=YOUTH)
    now = local_now(world.settings.timezone).replace(tzinfo=None)
    tasked = set(store.read_frame("taskings")["item_id"].to_list())
    subject = next(
        str(p)
        for p in sorted(store.read_frame("people")["person_id"])
        if str(p) not in tasked and str(p) not in ids.values()
    )
    made = _task_to_partner(
        store, subject, what=f"Check {ids['police']} with {subject}", now=now
    )
    at = f"{now + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"
    partner = _partner(world)
    meeting = partner.get("/meeting", params={"hours": 168, "at": at}).text
    typed = (
        f"Saw {subject} with {ids['typed']}, {PERSON_NAME} and {ids['incident']}"
        f" of {GROUP_NAME}"
    )
    done = partner.post(
        f"/meeting/taskings/{made['tasking_id']}",
        data={
            "csrf_token": csrf_of(meeting),
            "result": typed,
            "at": at,
            "version": version_of(meeting, f"/meeting/taskings/{made['tasking_id']}"),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    answers = {
        "meeting": partner.get("/meeting", params={"hours": 168, "at": at}).text,
        "today": partner.get("/today", params={"at": later}).text,
        "api": partner.get("/api/v1/briefing", params={"at": later}).text,
    }
    check = f"Check {pseudo('person', ids['police'])} with {pseudo('person', subject)}"
    for where, text in answers.items():
        assert html.escape(typed) in text or typed in text, where
        assert check in ids_unwrapped(text), where
        assert ids["police"] not in text, where
    police = signed_in(world.app, "chair").get(
        "/meeting", params={"hours": 168, "at": at}
    )
    assert html.escape(typed) in police.text


def test_a_board_member_of_the_partners_organisation_reads_its_typed_ids_as_pseudonyms(
    world: World,
) -> None:
    """A board member may belong to a partner organisation (``org``): Today and the
    briefing API then list that organisation's taskings, and the results its
    partners typed read back to the board member as typed, stored ids and all
    (the partner's own words were kept for every reader of the partner audience
    and organisation). The board reads no stored id, whoever typed it."""
    store = world.store
    ids = _stored(world)
    pseudo = delivery.partner_pseudonymiser(world.settings, reader=YOUTH)
    now = local_now(world.settings.timezone).replace(tzinfo=None)
    tasked = set(store.read_frame("taskings")["item_id"].to_list())
    subject = next(
        str(p)
        for p in sorted(store.read_frame("people")["person_id"], reverse=True)
        if str(p) not in tasked and str(p) not in ids.values()
    )
    made = _task_to_partner(store, subject, what="Check the family", now=now)
    typed = f"Saw {ids['typed']} at home"
    delivery.record_tasking_result(
        store,
        made["tasking_id"],
        result=typed,
        status="done",
        user=YOUTH,
        version=int(made["version"]),
    )
    member = "board-of-youth"
    if not store.read_frame("users", where=[("username", "=", member)]).height:
        add_user(store, member, password=PASSWORD, role="board", org=ORG)
    board = signed_in(world.app, member)
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    for where in ("/today", "/api/v1/briefing"):
        text = board.get(where, params={"at": later, "hours": 168}).text
        assert ids["typed"] not in text, where
    # the partner still reads its own words as typed (the two share no answer)
    partner = _partner(world)
    text = partner.get("/api/v1/briefing", params={"at": later, "hours": 168}).text
    assert typed in text
    assert pseudo("person", ids["typed"]) not in text


#: A stored person's date of birth and address, as these tests store them and
#: an officer types them (the address abbreviated, the postcode in lower case).
BORN = dt.date(2006, 4, 3)
ADDRESS = "14 Oracle Acacia Road, Leeds, LS9 8AB"
TYPED_DETAILS = "DOB 03/04/2006, lives 14 Oracle Acacia Rd ls9 8ab"


def _stored_details(world: World) -> None:
    """A person without a stored identity given :data:`BORN` and
    :data:`ADDRESS` (once)."""
    store = world.store
    held = store.read_frame("person_identity")
    if held.filter(pl.col("address") == ADDRESS).height:
        return
    known = set(held["person_id"].to_list())
    person = next(
        str(p)
        for p in sorted(store.read_frame("people")["person_id"])
        if str(p) not in known
    )
    with store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame(
                {"person_id": [person], "date_of_birth": [BORN], "address": [ADDRESS]}
            ),
        )


def test_a_partner_reads_no_date_of_birth_or_address_the_police_typed_but_its_own(
    world: World,
) -> None:
    """The police typed a stored person's date of birth, address and postcode in
    an action's evidence: the leading partner and the board read them as
    written. They read withheld markers now; the partner's own typing of the
    same words reads back to it as typed (so it learns nothing of what the store
    holds), and the board reads that as markers too."""
    from avert.written_identity import (
        ADDRESS_WITHHELD,
        DATE_WITHHELD,
        POSTCODE_WITHHELD,
    )

    store = world.store
    action_id = _action(world)
    _stored_details(world)
    delivery.update_action(
        store, action_id, {"evidence": TYPED_DETAILS}, user=User("chair", "chair")
    )
    withheld = f"{DATE_WITHHELD}, lives {ADDRESS_WITHHELD} {POSTCODE_WITHHELD}"
    partner = _partner(world)
    page = partner.get(f"/plan/actions/{action_id}").text
    assert _form(page, "evidence") == withheld
    typed = "; met at 14 oracle acacia road, LS9 8AB (d.o.b. 3 April 2006)"
    _save_action(
        partner,
        action_id,
        page,
        rag_reason=_form(page, "rag_reason") or "on track",
        evidence=f"{_form(page, 'evidence')}{typed}",
    )
    stored = store.read_frame("actions").filter(pl.col("action_id") == action_id)
    assert stored["evidence"][0] == f"{TYPED_DETAILS}{typed}"
    # the plan board shows no evidence; the action page and its history do
    text = html.unescape(partner.get(f"/plan/actions/{action_id}").text)
    assert f"{withheld}{typed}" in text
    assert f"{withheld}{typed}" in text.split("<h2>History")[1]
    assert "03/04/2006" not in text
    board = signed_in(world.app, "board")
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    pack = repr(delivery.board_pack_data(store, world.settings, month=month))
    for text in (
        board.get("/plan").text,
        board.get(f"/plan/actions/{action_id}").text,
        pack,
    ):
        for word in ("acacia", "03/04/2006", "3 april 2006", "ls9 8ab"):
            assert word not in html.unescape(text).lower(), word
    police = signed_in(world.app, "chair").get(f"/plan/actions/{action_id}").text
    assert f"{TYPED_DETAILS}{typed}" in html.unescape(police)


#: A child the police name beside her date of birth (born two years ago: the
#: date is withheld only as the date of birth of a person the text names).
CHILD_NAME = "Tilly Oraclechild"


def test_a_partner_cannot_show_a_date_of_birth_by_deleting_the_name_beside_it(
    world: World,
) -> None:
    """The police wrote "<child's name>, the child, <her date of birth>"; the
    partner read "P-..., the child, [date withheld]" in the action form,
    deleted the pseudonym and saved: the date was then no named person's date
    of birth, and the partner and the board read it. It stays withheld."""
    from avert.written_identity import DATE_WITHHELD

    store = world.store
    action_id = _action(world)
    born = local_today(world.settings.timezone) - dt.timedelta(days=700)
    held = store.read_frame("person_identity")
    child = next(
        str(p)
        for p in sorted(store.read_frame("people")["person_id"], reverse=True)
        if str(p) not in set(held["person_id"].to_list())
    )
    if not held.filter(pl.col("name") == CHILD_NAME).height:
        with store.transaction() as tx:
            tx.append(
                "person_identity",
                pl.DataFrame(
                    {
                        "person_id": [child],
                        "name": [CHILD_NAME],
                        "date_of_birth": [born],
                    }
                ),
            )
    else:
        born = held.filter(pl.col("name") == CHILD_NAME)["date_of_birth"][0]
    written = f"{born:%d/%m/%Y}"
    delivery.update_action(
        store,
        action_id,
        {"evidence": f"{CHILD_NAME}, the child, {written}"},
        user=User("chair", "chair"),
    )
    partner = _partner(world)
    page = partner.get(f"/plan/actions/{action_id}").text
    evidence = _form(page, "evidence")
    assert evidence.endswith(f", the child, {DATE_WITHHELD}"), evidence
    _save_action(
        partner,
        action_id,
        page,
        rag_reason=_form(page, "rag_reason") or "on track",
        evidence=evidence.split(", ", 1)[1],
    )
    stored = store.read_frame("actions").filter(pl.col("action_id") == action_id)
    assert stored["evidence"][0] == f"the child, {written}"
    board = signed_in(world.app, "board")
    month = f"{local_today(world.settings.timezone):%Y-%m}"
    pack = repr(delivery.board_pack_data(store, world.settings, month=month))
    for text in (
        partner.get(f"/plan/actions/{action_id}").text,
        partner.get("/plan").text,
        board.get("/plan").text,
        board.get(f"/plan/actions/{action_id}").text,
        pack,
    ):
        assert written not in html.unescape(text)
    page = html.unescape(partner.get(f"/plan/actions/{action_id}").text)
    assert f"the child, {DATE_WITHHELD}" in page
    police = signed_in(world.app, "chair").get(f"/plan/actions/{action_id}").text
    assert f"the child, {written}" in html.unescape(police)


def test_a_surname_alone_near_its_person_is_withheld_but_not_the_partners(
    world: World,
) -> None:
    """The police wrote "<child's name> seen; <her surname> said so": the partner
    and the board read the surname alone as written. It reads "[name withheld]"
    now; the surname the partner types beside the police's words reads back to
    it as typed (it learns nothing of whose name the word is), and the board,
    which reads the partner's words as the police's, reads neither."""
    from avert.access import NAME_WITHHELD

    store = world.store
    action_id = _action(world)
    held = store.read_frame("person_identity")
    if not held.filter(pl.col("name") == CHILD_NAME).height:
        child = next(
            str(p)
            for p in sorted(store.read_frame("people")["person_id"], reverse=True)
            if str(p) not in set(held["person_id"].to_list())
        )
        with store.transaction() as tx:
            tx.append(
                "person_identity",
                pl.DataFrame({"person_id": [child], "name": [CHILD_NAME]}),
            )
    surname = CHILD_NAME.split()[-1]
    delivery.update_action(
        store,
        action_id,
        {"evidence": f"{CHILD_NAME} seen; {surname} said so"},
        user=User("chair", "chair"),
    )
    partner = _partner(world)
    page = partner.get(f"/plan/actions/{action_id}").text
    evidence = _form(page, "evidence")
    assert evidence.endswith(f" seen; {NAME_WITHHELD} said so"), evidence
    typed = f" {surname} agreed"
    _save_action(
        partner,
        action_id,
        page,
        rag_reason=_form(page, "rag_reason") or "on track",
        evidence=f"{evidence};{typed}",
    )
    stored = store.read_frame("actions").filter(pl.col("action_id") == action_id)
    assert stored["evidence"][0] == f"{CHILD_NAME} seen; {surname} said so;{typed}"
    page = partner.get(f"/plan/actions/{action_id}").text
    assert _form(page, "evidence") == f"{evidence};{typed}"
    board = signed_in(world.app, "board")
    text = html.unescape(board.get(f"/plan/actions/{action_id}").text)
    assert surname not in text


#: The stored name of the subject of a tasking these tests give.
SUBJECT_NAME = "Orla Oraclesubject"


def test_a_word_of_a_taskings_subjects_name_is_withheld_but_not_the_partners(
    world: World,
) -> None:
    """A tasking on a person given to the partner, whose police result reads
    "Mum says <her first name> is fine": the partner read the first name on
    the meeting, *Today* and the API's briefing, beside a tasking it reads as
    about her pseudonym. It reads "[name withheld]" now; its edit puts the
    police's word back, and the first name it types reads back as typed."""
    from avert.access import NAME_WITHHELD

    store = world.store
    now = local_now(world.settings.timezone).replace(tzinfo=None)
    tasked = set(store.read_frame("taskings")["item_id"].to_list())
    held = set(store.read_frame("person_identity")["person_id"].to_list())
    people = sorted(str(p) for p in store.read_frame("people")["person_id"])
    # the lowest unnamed one: the other tests name the highest
    subject = next(p for p in people[:-5] if p not in tasked and p not in held)
    with store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": [subject], "name": [SUBJECT_NAME]}),
        )
    first = SUBJECT_NAME.split()[0]
    made = _task_to_partner(store, subject, what="Visit the family", now=now)
    police = f"Mum says {first} is fine"
    delivery.record_tasking_result(
        store,
        made["tasking_id"],
        result=police,
        status=None,
        user=User("chair", "chair"),
    )
    at = f"{now + dt.timedelta(minutes=1):%Y-%m-%dT%H:%M}"
    later = (
        f"{local_now(world.settings.timezone) + dt.timedelta(hours=1):%Y-%m-%dT%H:%M}"
    )
    partner = _partner(world)

    def answers() -> dict[str, str]:
        return {
            "meeting": partner.get("/meeting", params={"hours": 168, "at": at}).text,
            "today": partner.get("/today", params={"at": later}).text,
            "api": partner.get("/api/v1/briefing", params={"at": later}).text,
        }

    shown = f"Mum says {NAME_WITHHELD} is fine"
    for where, text in answers().items():
        assert html.escape(shown) in text or shown in text, where
        assert first not in text, where
    # the meeting's form records a first result only: the partner's edit of
    # one, as the workflow saves it
    delivery.record_tasking_result(
        store,
        made["tasking_id"],
        result=f"{shown}; {first} called",
        status=None,
        user=YOUTH,
        settings=world.settings,
    )
    row = store.read_frame("taskings").filter(
        pl.col("tasking_id") == made["tasking_id"]
    )
    assert row["result"][0] == f"{police}; {first} called"
    typed = f"{shown}; {first} called"
    for where, text in answers().items():
        assert html.escape(typed) in text or typed in text, where
