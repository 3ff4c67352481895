"""A stored person's date of birth, address or postcode written in police free
text (an action's evidence, a plan's title) reached partners and the board as
written: only ids and names were replaced. Each is now a withheld marker for
them (:mod:`avert.written_identity`), the partner's own words still read back
as typed, and the police read everything as written."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from store_templates import StoreTemplates

from avert.access import NAME_WITHHELD
from avert.config.settings import load_settings
from avert.schema import TABLES
from avert.store import Store, audit
from avert.workflows import delivery
from avert.workflows.briefing import build_briefing
from avert.workflows.delivery._common import stored_ids_shown
from avert.workflows.load import load_files
from avert.workflows.users import User
from avert.written_identity import ADDRESS_WITHHELD, DATE_WITHHELD, POSTCODE_WITHHELD

SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})
EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
CHAIR = User("chair1", "chair")
COUNCIL = User("cc", "partner", org="council")
BOARD = User("b", "board")
#: a child the police name, born recently (a date of the work may fall on it)
CHILD_BORN = dt.date.today() - dt.timedelta(days=700)
#: a person the police do not name, born recently too
OTHER_BORN = dt.date.today() - dt.timedelta(days=400)


def _store_people(store: Store) -> None:
    """Three stored people with dates of birth and addresses."""
    people = ["P1", "P2", "P3"]
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": people, "source": "test"}))
        tx.append(
            "person_identity",
            pl.DataFrame(
                {
                    "person_id": people,
                    "name": ["Jo Bloggs", "Amy Doe", None],
                    "date_of_birth": [dt.date(2006, 4, 3), CHILD_BORN, OTHER_BORN],
                    "address": [
                        "14 Acacia Road, Leeds, LS9 8AB",
                        "Flat 2, 7 Mill Lane Leeds LS6 1AA",
                        None,
                    ],
                }
            ),
        )


def _import_example(store: Store) -> None:
    delivery.import_plan(store, EXAMPLE, user=CHAIR)


def _import_example_and_people(store: Store) -> None:
    _import_example(store)
    _store_people(store)


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def plan_store(
    request: pytest.FixtureRequest, store_templates: StoreTemplates, tmp_path: Path
) -> Iterator[Store]:
    """The example plan imported, on SQLite and on PostgreSQL: a copy of a store
    prepared once a session (the import takes about a second; no test here is
    about it, ``test_delivery.py`` is)."""
    store, close = store_templates.copy(
        request.param, "withheld_plan", _import_example, tmp_path
    )
    yield store
    close()


@pytest.fixture(params=BACKENDS)
def planned(
    request: pytest.FixtureRequest, store_templates: StoreTemplates, tmp_path: Path
) -> Iterator[Store]:
    """The example plan, and three stored people with dates of birth and
    addresses (a copy of a store prepared once a session, as ``plan_store``)."""
    store, close = store_templates.copy(
        request.param, "withheld_planned", _import_example_and_people, tmp_path
    )
    yield store
    close()


def _of(reader: User, kind: str, real: str) -> str:
    """``reader``'s pseudonym of the record ``real`` of ``kind`` (its own
    organisation's key, or the board's: ``pseudonym_scope`` organisation)."""
    return delivery.partner_pseudonymiser(SETTINGS, reader=reader)(kind, real)


def _police_text() -> tuple[str, str]:
    """What an officer typed, and what partners and the board read of it."""
    child = f"{CHILD_BORN.day} {CHILD_BORN:%B %Y}"
    other = f"{OTHER_BORN:%d/%m/%Y}"
    typed = (
        f"DOB 03/04/2006, lives 14 Acacia Rd LS9 8AB. Amy Doe seen {child} "
        f"at 7, Mill Ln. Meeting {other} at Y7 2nd, 3/4/06 again; ls6 1aa"
    )
    return typed, (
        f"{DATE_WITHHELD}, lives {ADDRESS_WITHHELD} {POSTCODE_WITHHELD}. "
        "{amy} seen "
        f"{DATE_WITHHELD} at {ADDRESS_WITHHELD}. Meeting {other} at Y7 2nd, "
        f"{DATE_WITHHELD} again; {POSTCODE_WITHHELD}"
    )


def test_partners_and_the_board_read_no_stored_date_of_birth_or_address(
    planned: Store,
) -> None:
    typed, as_read = _police_text()
    delivery.update_action(planned, "A04", {"status": "in_progress"}, user=CHAIR)
    delivery.update_action(
        planned, "A04", {"status": "done", "evidence": typed}, user=CHAIR
    )
    delivery.update_action(planned, "A05", {"evidence": typed}, user=CHAIR)
    month = f"{dt.date.today():%Y-%m}"
    pack = delivery.board_pack_data(planned, SETTINGS, month=month)
    completed = {a["action_id"]: a["evidence"] for a in pack["completed"]}
    assert completed["A04"] == as_read.replace("{amy}", _of(BOARD, "person", "P2"))
    # the plan's Prevention objectives P1 and P2 are the plan's names, not the
    # stored people P1 and P2: the board read a person's pseudonym for them
    assert {"P1", "P2"} <= {o["objective_id"] for o in pack["objectives"]}
    # read from Python, audited: one board view row naming Amy (her pseudonym)
    [row] = planned.read_frame(
        "audit", where=[("object", "=", f"board-pack:{month}")]
    ).to_dicts()
    n, digest = audit.people_digest([_of(BOARD, "person", "P2")])
    assert (row["action"], row["role"]) == ("view", "board")
    assert f"people={n}; people_sha256={digest}; audience=board" == row["detail"]
    for user, action_id in ((BOARD, "A04"), (COUNCIL, "A05")):
        shown = as_read.replace("{amy}", _of(user, "person", "P2"))
        listed = delivery.plan_board(planned, SETTINGS, user=user)["actions"]
        assert {a["action_id"]: a["evidence"] for a in listed}[action_id] == shown
        page = delivery.action_page(planned, SETTINGS, user=user, action_id=action_id)
        assert page["action"]["evidence"] == shown
        assert [h["diff"]["evidence"][1] for h in page["history"][:1]] == [shown]
    police = delivery.action_page(planned, SETTINGS, user=CHAIR, action_id="A05")
    assert police["action"]["evidence"] == typed


def test_a_partners_save_puts_the_withheld_words_back(planned: Store) -> None:
    """The partner saves the evidence as read, around the markers (cutting a
    sentence): the police's dates and addresses are put back where they were."""
    typed, _ = _police_text()
    delivery.update_action(planned, "A05", {"evidence": typed}, user=CHAIR)
    seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    evidence = str(seen["action"]["evidence"])
    assert evidence.count(DATE_WITHHELD) == 3
    cut = evidence.split(". ", 1)[1]
    delivery.update_action(
        planned, "A05", {"evidence": f"{cut} Closed."}, user=COUNCIL, settings=SETTINGS
    )
    row = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert row["evidence"][0] == typed.split(". ", 1)[1] + " Closed."


def test_a_partners_edit_inside_a_pseudonyms_word_puts_the_id_back(
    planned: Store,
) -> None:
    """The council read "met {Amy's pseudonym} today" and typed an "s" on to
    the pseudonym: the pseudonym was stored as its own words, the police read
    it for Amy's id. Her id is put back (a space apart from the "s"), and
    the council reads back the pseudonym."""
    delivery.update_action(planned, "A05", {"evidence": "met P2 today"}, user=CHAIR)
    alias = _of(COUNCIL, "person", "P2")
    seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert seen["action"]["evidence"] == f"met {alias} today"
    delivery.update_action(
        planned,
        "A05",
        {"evidence": f"met {alias}s today"},
        user=COUNCIL,
        settings=SETTINGS,
    )
    row = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert row["evidence"][0] == "met P2 s today"
    seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert seen["action"]["evidence"] == f"met {alias} s today"


def test_a_partner_reads_a_date_of_birth_or_address_it_typed_as_typed(
    planned: Store,
) -> None:
    """Typing a stored person's date of birth and address, or another's, reads
    back the same: the partner learns nothing of what the police hold."""
    read_by_the_board = {
        "DOB 03/04/2006, lives 14 Acacia Rd LS9 8AB": (
            f"{DATE_WITHHELD}, lives {ADDRESS_WITHHELD} {POSTCODE_WITHHELD}"
        ),
        "DOB 04/04/2006, lives 15 Acacia Rd LS9 8AZ": (
            f"{DATE_WITHHELD}, lives 15 Acacia Rd {POSTCODE_WITHHELD}"
        ),
    }
    for typed, expected in read_by_the_board.items():
        delivery.update_action(
            planned, "A05", {"evidence": typed}, user=COUNCIL, settings=SETTINGS
        )
        seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
        assert seen["action"]["evidence"] == typed
        board = delivery.action_page(planned, SETTINGS, user=BOARD, action_id="A05")
        assert board["action"]["evidence"] == expected


def test_a_taskings_what_reads_no_date_of_birth_or_postcode_to_its_partner(
    planned: Store,
) -> None:
    """A tasking given to the council, "Visit P1, DOB 3 April 2006, LS9 8AB",
    was read by the council's partner on the meeting page as written."""
    now = dt.datetime.now().replace(microsecond=0)
    made = delivery.add_tasking(
        planned,
        "person:P1",
        what="Visit P1, DOB 3 April 2006, at 14 acacia road ls9 8ab",
        organisation="council",
        due=now + dt.timedelta(hours=12),
        user=CHAIR,
        anyway=True,
    )
    view = delivery.meeting_view(
        planned, {}, user=COUNCIL, at=now + dt.timedelta(minutes=1), settings=SETTINGS
    )
    listed = [
        t
        for group in view["taskings"].values()
        for t in group
        if t["tasking_id"] == made["tasking_id"]
    ]
    assert listed, view["taskings"].keys()
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    assert listed[0]["what"] == (
        f"Visit {pseudo('person', 'P1')}, {DATE_WITHHELD}, at "
        f"{ADDRESS_WITHHELD} {POSTCODE_WITHHELD}"
    )


def _shown_beside_addresses(
    store: Store, stored: list[str], typed: str
) -> dict[str, str]:
    """What a partner reads for each span of ``typed`` it is not shown as
    written, with ``stored`` the addresses of people P0, P1 ... in ``store``."""
    people = [f"P{i}" for i in range(len(stored))]
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": people, "source": "test"}))
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": people, "address": stored}),
        )
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    return stored_ids_shown(store, pseudo, [typed])


def test_a_street_named_by_common_words_or_an_apostrophe_is_withheld(
    any_store: Store,
) -> None:
    """ "7 Green Lane" (a street of words that are all kinds of street: Park
    Road, Hill Street), "14 O'Neill Close" and "22 D’Arcy Road" were shown as
    written: the stored addresses were looked for by a word the street line
    holds that is no kind of street, without its apostrophe, which they lack or
    write with one. "5 St Anne's Road" was cut at its first kind of street ("5
    street"), so only "5 St" was withheld, and "5 street drinkers" too."""
    stored = [
        "7 Green Lane, Leeds",
        "14 O'Neill Close",
        "22 D’Arcy Road",
        "5 St Anne's Road",
        "9 Pk Rd",
        "1 Elm Grove, Y7 2ND",
    ]
    typed = (
        "Seen at 7 green lane, 14 O'Neill Close, 22 D'Arcy Road, 5 St Anne's Rd "
        "and 9 Park Road; 5 street drinkers moved on; Y7 2nd and Y8 2nd"
    )
    shown = _shown_beside_addresses(any_store, stored, typed)
    assert {k for k, v in shown.items() if v == ADDRESS_WITHHELD} == {
        "7 green lane",
        "14 o'neill close",
        "22 d'arcy road",
        "5 st anne's rd",
        "9 park road",
    }
    # a lower-case ordinal inward code, withheld as a stored address holds it
    assert shown.get("y7 2nd") == POSTCODE_WITHHELD
    assert "y8 2nd" not in shown


@pytest.mark.parametrize("typed", ["", "(as told) "])
def test_a_partner_cannot_show_a_date_of_birth_by_cutting_its_clue(
    planned: Store, typed: str
) -> None:
    """A date of birth the police wrote after "DOB", for someone the store does
    not hold, was withheld only for the clue before it. The partner deleted
    "DOB " (or typed words between) before the marker and saved: the police's
    date was put back without its clue, and the partner and the board then
    read it. The clue is now withheld with the date, as one."""
    police = "Mother gave DOB 05/06/2007 for the lad"
    delivery.update_action(planned, "A05", {"evidence": police}, user=CHAIR)
    seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    evidence = str(seen["action"]["evidence"])
    assert "05/06/2007" not in evidence
    edited = "Mother gave " + typed + evidence[evidence.index(DATE_WITHHELD) :]
    delivery.update_action(
        planned, "A05", {"evidence": edited}, user=COUNCIL, settings=SETTINGS
    )
    row = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert "05/06/2007" in row["evidence"][0]
    for user in (COUNCIL, BOARD):
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        assert "05/06/2007" not in str(page["action"]["evidence"])


@pytest.mark.parametrize("field", ["evidence", "rag_reason"])
def test_a_partner_cannot_show_a_date_of_birth_by_deleting_the_name_beside_it(
    planned: Store, field: str
) -> None:
    """The police wrote "Amy Doe, the child, <her date of birth>" (born two
    years ago: withheld only as the date of birth of a person the text names).
    The partner read "P-..., the child, [date withheld]", deleted the pseudonym
    and saved: the date was then no named person's date of birth, and the
    partner and the board read it. What was withheld from the partner before
    its save stays withheld after it (the RAG reason too, named in the
    evidence)."""
    born = f"{CHILD_BORN:%d/%m/%Y}"
    police = {"evidence": "Amy Doe, the child, " + born, "rag_reason": "late"}
    if field == "rag_reason":
        police = {"evidence": "Amy Doe seen", "rag_reason": f"the child, {born}"}
    delivery.update_action(planned, "A05", {"rag": "amber", **police}, user=CHAIR)
    seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    amy = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P2")
    shown = {k: seen["action"][k] for k in ("evidence", "rag_reason")}
    assert born not in str(shown)
    assert DATE_WITHHELD in str(shown[field])
    edited = {
        k: v.replace(f"{amy}, ", "").replace(amy, "") for k, v in shown.items() if v
    }
    delivery.update_action(planned, "A05", edited, user=COUNCIL, settings=SETTINGS)
    row = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert born in str(row[field][0])
    for user in (COUNCIL, BOARD):
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        assert born not in str(page["action"][field]), user
        assert DATE_WITHHELD in str(page["action"][field])
        assert born not in str(page["history"][0]["diff"]), user
        listed = delivery.plan_board(planned, SETTINGS, user=user)["actions"]
        assert born not in str({a["action_id"]: a[field] for a in listed}["A05"])
    # a later save of the text as read keeps the date, still withheld
    again = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    delivery.update_action(
        planned,
        "A05",
        {field: f"{again['action'][field]} (checked)"},
        user=COUNCIL,
        settings=SETTINGS,
    )
    row = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert born in str(row[field][0])
    page = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert born not in str(page["action"][field])
    police_page = delivery.action_page(planned, SETTINGS, user=CHAIR, action_id="A05")
    assert born in str(police_page["action"][field])


def _council_tasking(
    store: Store, item: str, *, what: str, police_result: str
) -> tuple[str, dt.datetime]:
    """A tasking on ``item`` given to the council, whose result the police (the
    chair) wrote as ``police_result``: its id, and a time just after to read it at."""
    now = dt.datetime.now().replace(microsecond=0)
    made = delivery.add_tasking(
        store,
        item,
        what=what,
        organisation="council",
        due=now + dt.timedelta(hours=12),
        user=CHAIR,
        anyway=True,
    )
    delivery.record_tasking_result(
        store, made["tasking_id"], result=police_result, status=None, user=CHAIR
    )
    return str(made["tasking_id"]), now + dt.timedelta(minutes=1)


def _council_saves(store: Store, tasking_id: str, result: str) -> None:
    """The council's partner saves ``result`` (what it read, edited) as the
    tasking's result, with the key to put the police's words back."""
    delivery.record_tasking_result(
        store, tasking_id, result=result, status=None, user=COUNCIL, settings=SETTINGS
    )


def _tasking_result(store: Store, tasking_id: str, user: User, at: dt.datetime) -> str:
    """The result of tasking ``tasking_id`` as ``user`` reads it in the meeting."""
    view = delivery.meeting_view(store, {}, user=user, at=at, settings=SETTINGS)
    return next(
        str(t["result"])
        for group in view["taskings"].values()
        for t in group
        if t["tasking_id"] == tasking_id
    )


def test_a_partner_cannot_show_a_date_of_birth_in_a_result_by_deleting_the_name(
    planned: Store,
) -> None:
    """A tasking's result the police wrote, "Amy Doe, the child, <her date of
    birth>", read by the tasked council as "P-..., the child, [date
    withheld]". The council saves it without the pseudonym: the marker was
    stored as typed, the police's date lost; it is now put back, and stays
    withheld from the council."""
    born = f"{CHILD_BORN:%d/%m/%Y}"
    tasking_id, at = _council_tasking(
        planned,
        "person:P3",
        what="Visit P3",
        police_result=f"Amy Doe, the child, {born}",
    )

    def result(user: User) -> str:
        return _tasking_result(planned, tasking_id, user, at)

    amy = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P2")
    seen = result(COUNCIL)
    assert seen == f"{amy}, the child, {DATE_WITHHELD}"
    delivery.record_tasking_result(
        planned,
        tasking_id,
        result=seen.replace(f"{amy}, ", ""),
        status=None,
        user=COUNCIL,
    )
    row = planned.read_frame("taskings").filter(pl.col("tasking_id") == tasking_id)
    assert row["result"][0] == f"the child, {born}"
    assert result(COUNCIL) == f"the child, {DATE_WITHHELD}"
    assert result(CHAIR) == f"the child, {born}"


def test_a_partners_tasking_result_save_puts_the_pseudonyms_back(
    planned: Store,
) -> None:
    """The police's result named the subject by id and another person by name;
    the tasked council read both as pseudonyms in the meeting, added a word and
    saved: the pseudonyms were stored as typed (the police's ids and names lost,
    and shown to the police as pseudonyms). Each is now put back at its place,
    as the action form's save puts them back."""
    police = "P3 seen with Amy Doe at school"
    tasking_id, at = _council_tasking(
        planned, "person:P3", what="Visit P3", police_result=police
    )

    def result(user: User) -> str:
        return _tasking_result(planned, tasking_id, user, at)

    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    p3, amy = pseudo("person", "P3"), pseudo("person", "P2")
    seen = result(COUNCIL)
    assert seen == f"{p3} seen with {amy} at school"
    _council_saves(planned, tasking_id, f"{seen}; both fine")
    assert result(CHAIR) == f"{police}; both fine"
    assert result(COUNCIL) == f"{seen}; both fine"


def test_an_address_without_commas_in_lower_case_or_a_house_name_is_withheld(
    any_store: Store,
) -> None:
    """A stored "Flat 2 14 Acacia Road Leeds" (no commas) had the street line
    "flat 2 14 acacia road", so "14 Acacia Road" the police wrote was shown;
    "Rose Cottage Mill Lane Leeds" had "rose cottage mill lane", so "Rose
    Cottage" was shown; and a house's or street's name written in lower case
    ("rose cottage", "the old barn", "elm grove") was never looked for. Each is
    withheld now; words that only end in a kind of street ("down the road",
    "RAG green") stay."""
    stored = [
        "Flat 2 14 Acacia Road Leeds LS9 8AB",
        "Rose Cottage Mill Lane Leeds",
        "The Old Barn, Lane End",
        "Elm Grove, Leeds",
    ]
    typed = (
        "Seen at 14 Acacia Road Leeds, then rose cottage, the old barn and elm "
        "grove; went down the road, RAG green"
    )
    shown = _shown_beside_addresses(any_store, stored, typed)
    assert {k for k, v in shown.items() if v == ADDRESS_WITHHELD} == {
        "14 acacia road",
        "rose cottage",
        "the old barn",
        "elm grove",
    }


def test_a_surname_or_first_name_alone_near_its_person_is_withheld(
    planned: Store,
) -> None:
    """ "Amy Doe seen; Doe said Amy is fine" read "P-... seen; Doe said Amy is
    fine": a stored surname or first name written alone was shown. One written
    with a capital within a few words of another clue of the same person (her
    id or full name) is now withheld in that text; the same word elsewhere, in
    lower case or far from her clue, stays (a surname is often an ordinary
    word)."""
    police = {
        "evidence": "Amy Doe seen; Doe said Amy is fine",
        "rag_reason": "Doe a deer; doe",
    }
    delivery.update_action(planned, "A05", {"rag": "amber", **police}, user=CHAIR)

    def withheld_to(user: User) -> str:
        """The evidence as ``user`` reads it (its own key's pseudonym)."""
        amy = _of(user, "person", "P2")
        return f"{amy} seen; {NAME_WITHHELD} said {NAME_WITHHELD} is fine"

    for user in (COUNCIL, BOARD):
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == withheld_to(user), user
        assert page["action"]["rag_reason"] == police["rag_reason"], user
    withheld, amy = withheld_to(COUNCIL), _of(COUNCIL, "person", "P2")
    # a save around the markers puts the police's words back where they were
    delivery.update_action(
        planned,
        "A05",
        {"evidence": f"{withheld}. Closed."},
        user=COUNCIL,
        settings=SETTINGS,
    )
    row = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert row["evidence"][0] == f"{police['evidence']}. Closed."
    # cutting the clue shows the words no more (kept withheld, as a date is)
    cut = withheld.replace(f"{amy} seen; ", "")
    delivery.update_action(
        planned, "A05", {"evidence": cut}, user=COUNCIL, settings=SETTINGS
    )
    row = planned.read_frame("actions").filter(pl.col("action_id") == "A05")
    assert row["evidence"][0] == "Doe said Amy is fine"
    for user in (COUNCIL, BOARD):
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == cut, user
    police_page = delivery.action_page(planned, SETTINGS, user=CHAIR, action_id="A05")
    assert police_page["action"]["evidence"] == "Doe said Amy is fine"


def test_a_partner_typing_a_name_beside_its_person_reads_it_as_typed(
    planned: Store,
) -> None:
    """The partner's own words are neither searched nor a clue: typing "Doe"
    beside the police's "Amy Doe", or "Amy Doe" beside the police's "Doe",
    reads back as typed (it learns nothing of whose name the word is)."""
    delivery.update_action(planned, "A05", {"evidence": "Doe was seen"}, user=CHAIR)
    seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert seen["action"]["evidence"] == "Doe was seen"
    delivery.update_action(
        planned,
        "A05",
        {"evidence": "Amy Doe: Doe was seen"},
        user=COUNCIL,
        settings=SETTINGS,
    )
    seen = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert seen["action"]["evidence"] == "Amy Doe: Doe was seen"


def test_a_partners_tasking_result_save_puts_a_withheld_surname_back(
    planned: Store,
) -> None:
    """The tasked council read the police's "Amy Doe seen; Doe fine" as "P-...
    seen; [name withheld] fine" and saved it with a word added: the police's
    words are put back, and the council still reads the marker."""
    police = "Amy Doe seen; Doe fine"
    tasking_id, at = _council_tasking(
        planned, "person:P3", what="Visit P3", police_result=police
    )

    def result(user: User) -> str:
        return _tasking_result(planned, tasking_id, user, at)

    amy = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P2")
    seen = result(COUNCIL)
    assert seen == f"{amy} seen; {NAME_WITHHELD} fine"
    _council_saves(planned, tasking_id, f"{seen}, ok")
    assert result(CHAIR) == f"{police}, ok"
    assert result(COUNCIL) == f"{seen}, ok"


def test_a_name_word_beside_its_persons_date_of_birth_or_address_is_withheld(
    planned: Store,
) -> None:
    """ "DOB 03/04/2006, Bloggs said so" and "lives 14 Acacia Rd; Jo at home"
    (Jo Bloggs's date of birth and address, no id or full name) showed the
    surname and first name beside the markers. A withheld date of birth or
    address is a clue of the people it is the date of birth or address of."""
    police = "DOB 03/04/2006, Bloggs said so; lives 14 Acacia Rd; Jo at home"
    delivery.update_action(planned, "A05", {"evidence": police}, user=CHAIR)
    page = delivery.action_page(planned, SETTINGS, user=COUNCIL, action_id="A05")
    assert page["action"]["evidence"] == (
        f"{DATE_WITHHELD}, {NAME_WITHHELD} said so; lives {ADDRESS_WITHHELD}; "
        f"{NAME_WITHHELD} at home"
    )


@pytest.mark.parametrize(
    ("police", "shown"),
    [
        ("Amy Doe's mum seen", "{amy}'s mum seen"),
        ("DOE, Amy’s mum seen", "{amy}’s mum seen"),
        (
            "Amy Doe seen; Doe's mum said so",
            "{amy} seen; [name withheld]'s mum said so",
        ),
        ("P2 seen; DOE’S mum said so", "{amy} seen; [name withheld]’S mum said so"),
    ],
)
def test_a_stored_name_written_with_a_possessive_is_withheld(
    planned: Store, police: str, shown: str
) -> None:
    """ "Amy Doe's mum" was read as the name "Amy Doe's", no stored name, and
    shown to partners and the board as written; "Doe's" beside her id as the
    word "doe's", no word of her name. A name's last word is read without its
    "'s" now."""
    delivery.update_action(planned, "A05", {"evidence": police}, user=CHAIR)
    for user in (COUNCIL, BOARD):
        amy = _of(user, "person", "P2")  # each reader its own key's
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == shown.format(amy=amy), user


def test_a_surname_alone_near_its_person_is_withheld_in_the_actions_history(
    planned: Store,
) -> None:
    """The action page withheld "Doe" beside Amy Doe's name in the evidence,
    but its history, the same words as changed, showed them: "P-... seen; Doe
    said so". The history withholds it as the page does."""
    police = "Amy Doe seen; Doe said so"
    delivery.update_action(planned, "A05", {"evidence": police}, user=CHAIR)
    for user in (COUNCIL, BOARD):
        amy = _of(user, "person", "P2")  # each reader its own key's
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        [change] = [c for c in page["history"] if "evidence" in c["diff"]]
        assert change["diff"]["evidence"] == (
            None,
            f"{amy} seen; {NAME_WITHHELD} said so",
        ), user
    page = delivery.action_page(planned, SETTINGS, user=CHAIR, action_id="A05")
    [change] = [c for c in page["history"] if "evidence" in c["diff"]]
    assert change["diff"]["evidence"] == (None, police)


@pytest.mark.parametrize(
    ("stored", "police"),
    [
        ("Sean O'Neil", "Sean O’Neil seen; O’Neil said so"),
        ("Sean O’Neil", "Sean O'Neil seen; O'Neil said so"),
    ],
)
def test_a_name_written_with_a_curly_apostrophe_is_withheld(
    plan_store: Store, stored: str, police: str
) -> None:
    """A stored "Sean O'Neil" written "Sean O’Neil" (the apostrophe a word
    processor or phone types) was no stored name, and shown to partners and
    the board, with "O’Neil" beside it; and so the other way round. An
    apostrophe is compared as either now."""
    with plan_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P9"], "source": "test"}))
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["P9"], "name": [stored]}),
        )
    delivery.update_action(plan_store, "A05", {"evidence": police}, user=CHAIR)
    for user in (COUNCIL, BOARD):
        sean = _of(user, "person", "P9")  # each reader its own key's
        page = delivery.action_page(plan_store, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == f"{sean} seen; {NAME_WITHHELD} said so"


def _involve_amy(store: Store) -> None:
    """Incident I1, with Amy Doe (P2) involved in it."""
    schema = TABLES["incidents"].schema
    row = dict.fromkeys(schema) | {
        "incident_id": "I1",
        "source": "test",
        "occurred_from": dt.datetime.now().replace(microsecond=0),
    }
    with store.transaction() as tx:
        tx.append("incidents", pl.DataFrame([row], schema=schema))
        tx.append(
            "involvements",
            pl.DataFrame(
                {"incident_id": ["I1"], "person_id": ["P2"], "role": ["victim"]}
            ),
        )


@pytest.mark.parametrize("item", ["person:P2", "repeat_victim:P2", "incident:I1"])
def test_a_word_of_the_taskings_subjects_name_is_withheld_from_its_partner(
    planned: Store, item: str
) -> None:
    """A tasking on Amy Doe (P2), or on an incident she is involved in, whose
    police result reads "Mum says Amy is fine": the tasked council read "Amy",
    her first name, beside the tasking it reads as about her pseudonym (or the
    incident's). The subject is a clue all through the tasking's texts now;
    the council's save puts the police's word back, and the first name it
    types itself reads back as typed."""
    _involve_amy(planned)
    police = "Mum says Amy is fine"
    tasking_id, at = _council_tasking(
        planned, item, what="Visit the family", police_result=police
    )
    seen = _tasking_result(planned, tasking_id, COUNCIL, at)
    assert seen == f"Mum says {NAME_WITHHELD} is fine"
    assert _tasking_result(planned, tasking_id, CHAIR, at) == police
    _council_saves(planned, tasking_id, f"{seen}; Amy called")
    assert _tasking_result(planned, tasking_id, CHAIR, at) == (f"{police}; Amy called")
    assert _tasking_result(planned, tasking_id, COUNCIL, at) == (f"{seen}; Amy called")


def test_a_word_of_another_name_in_a_tasking_is_shown(planned: Store) -> None:
    """Only the subject's name is a clue all through its tasking: in one on
    Amy Doe, "Jo" (of Jo Bloggs, no subject, and no clue of hers near) reads
    as written, "Doe" is withheld."""
    tasking_id, at = _council_tasking(
        planned,
        "person:P2",
        what="Visit the family",
        police_result="Jo says Doe is fine",
    )
    seen = _tasking_result(planned, tasking_id, COUNCIL, at)
    assert seen == f"Jo says {NAME_WITHHELD} is fine"


@pytest.mark.parametrize(
    ("stored", "police"),
    [
        ("Zo\u00eb Kr\u00fcger", "Zoe\u0308 Kru\u0308ger seen; Kru\u0308ger said so"),
        ("Zoe\u0308 Kru\u0308ger", "Zo\u00eb Kr\u00fcger seen; Kr\u00fcger said so"),
    ],
)
def test_a_name_written_in_other_unicode_form_is_withheld(
    plan_store: Store, stored: str, police: str
) -> None:
    """A stored "Zoë Krüger" (composed, NFC, as most keyboards type it) written
    with its accents as separate marks (NFD, as text pasted from a Mac may be:
    "Zoe" + U+0308) was no stored name, and shown to partners and the board; and
    so the other way round. The two read alike and are one name now."""
    with plan_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P9"], "source": "test"}))
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["P9"], "name": [stored]}),
        )
    delivery.update_action(plan_store, "A05", {"evidence": police}, user=CHAIR)
    for user in (COUNCIL, BOARD):
        zoe = _of(user, "person", "P9")  # each reader its own key's
        page = delivery.action_page(plan_store, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == f"{zoe} seen; {NAME_WITHHELD} said so"


def test_a_group_name_loaded_from_a_bundle_is_withheld_in_either_unicode_form(
    plan_store: Store, tmp_path: Path
) -> None:
    """End to end: a bundle's groups file names "Zoë Crew" composed (NFC); the
    police write it decomposed ("Zoe" + U+0308) in an action's evidence, and the
    other way round. Each is the group to a partner (its pseudonym), and the
    name is stored composed, as read from the file either way."""
    bundle = tmp_path / "b"
    bundle.mkdir()
    (bundle / "manifest.json").write_text(
        '{"format": "avert-bundle", "version": 1, "crs": "EPSG:27700"}'
    )
    (bundle / "incidents.csv").write_text(
        "incident_id,crime_type,occurred_at,lat,lon\n"
        "I1,Robbery,2026-10-01T22:00,51.5,-0.1\n"
    )
    (bundle / "groups.csv").write_text(
        "group_id,name\nG1,Zo\u00eb Crew\nG2,Bj\u00f6rn Lot\n".replace(
            "Bj\u00f6rn", "Bjo\u0308rn"
        ),
        encoding="utf-8",
    )
    report = load_files(plan_store, [bundle], kind="bundle")
    assert all(f.loaded == f.rows for f in report.files)
    stored = plan_store.read_frame("groups", order_by=("group_id",))["name"].to_list()
    assert stored == ["Zo\u00eb Crew", "Bj\u00f6rn Lot"]  # NFC, as typed mostly
    police = "Zoe\u0308 Crew met Bj\u00f6rn Lot"
    delivery.update_action(plan_store, "A05", {"evidence": police}, user=CHAIR)
    shown = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    page = delivery.action_page(plan_store, SETTINGS, user=COUNCIL, action_id="A05")
    assert page["action"]["evidence"] == (
        f"{shown('group', 'G1')} met {shown('group', 'G2')}"
    )


def test_a_taskings_who_reads_no_stored_name_or_date_of_birth_to_its_partner(
    planned: Store,
) -> None:
    """A tasking's "who" is free text the police type, as its "what" is: given
    to the council as "Amy Doe's keyworker, DOB 3/4/06", the council's partner
    read the stored name and date of birth as typed, on the meeting page and on
    Today. It is now withheld as the what is; the police read it as typed."""
    now = dt.datetime.now().replace(microsecond=0)
    who = "Amy Doe's keyworker, DOB 3/4/06"
    made = delivery.add_tasking(
        planned,
        "person:P1",
        what="Visit",
        assignee=who,
        organisation="council",
        due=now + dt.timedelta(hours=12),
        user=CHAIR,
        anyway=True,
    )
    at = now + dt.timedelta(minutes=1)
    amy = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)("person", "P2")
    shown = f"{amy}'s keyworker, {DATE_WITHHELD}"

    def meeting_who(user: User) -> set[str | None]:
        view = delivery.meeting_view(planned, {}, user=user, at=at, settings=SETTINGS)
        return {
            t["assignee"]
            for group in view["taskings"].values()
            for t in group
            if t["tasking_id"] == made["tasking_id"]
        }

    assert meeting_who(COUNCIL) == {shown}
    assert meeting_who(CHAIR) == {who}
    briefing = build_briefing(
        planned,
        at=at,
        audience="partner",
        organisation="council",
        pseudonym_key=SETTINGS.pseudonym_key,
        pseudonym_scope="organisation:council",  # the council's key, as COUNCIL's
    )
    listed = [t for group in briefing.taskings.values() for t in group]
    assert [t["assignee"] for t in listed] == [shown]


def test_a_detected_groups_id_in_any_case_reads_as_the_groups_pseudonym(
    planned: Store,
) -> None:
    """A detected group's id holds its smallest member's person id (``net-P1``).
    Written in another case ("NET-P1"), or once the group was no longer detected,
    it is no stored id: the partner read "NET-" beside the member's pseudonym,
    which named the group's member. Every spelling now reads as the group's
    pseudonym, on the meeting and on Today; the police read it as typed."""
    now = dt.datetime.now().replace(microsecond=0)
    what = "Disrupt NET-P1 (and net-p2, seen with net-P3)"
    made = delivery.add_tasking(
        planned,
        "cell:150m:E1:N2",
        what=what,
        organisation="council",
        due=now + dt.timedelta(hours=12),
        user=CHAIR,
        anyway=True,
    )
    at = now + dt.timedelta(minutes=1)
    pseudo = delivery.partner_pseudonymiser(SETTINGS, reader=COUNCIL)
    group = {p: pseudo("group", f"net-{p}") for p in ("P1", "P2", "P3")}
    shown = f"Disrupt {group['P1']} (and {group['P2']}, seen with {group['P3']})"

    def meeting_what(user: User) -> str:
        view = delivery.meeting_view(planned, {}, user=user, at=at, settings=SETTINGS)
        return next(
            str(t["what"])
            for v in view["taskings"].values()
            for t in v
            if t["tasking_id"] == made["tasking_id"]
        )

    assert meeting_what(COUNCIL) == shown
    assert meeting_what(CHAIR) == what
    briefing = build_briefing(
        planned,
        at=at,
        audience="partner",
        organisation="council",
        pseudonym_key=SETTINGS.pseudonym_key,
        pseudonym_scope="organisation:council",  # the council's key, as COUNCIL's
    )
    assert [t["what"] for v in briefing.taskings.values() for t in v] == [shown]


@pytest.mark.parametrize(
    ("police", "shown"),
    [
        ("P9 seen; Amy Smith said so", "{amy} seen; {w} {w} said so"),
        ("P9 seen; Smith-Jones said so", "{amy} seen; {w} said so"),
        ("P9 seen; Amy Jones said so", "{amy} seen; {w} {w} said so"),
        ("Amy Smith-Jones seen; Mrs Jones said so", "{amy} seen; Mrs {w} said so"),
        ("P9 seen; Smith and Jones", "{amy} seen; {w} and {w}"),
        ("Smith and Jones, no one named", "Smith and Jones, no one named"),
    ],
)
def test_a_part_of_a_double_barrelled_surname_near_its_person_is_withheld(
    plan_store: Store, police: str, shown: str
) -> None:
    """A stored "Amy Smith-Jones" written "Amy Smith" or "Mrs Jones" beside
    her id or full name was shown to partners and the board: "Smith" and
    "Jones" were no word of her name (only "smith-jones" was). Each part of a
    double-barrelled name is a word of it now; far from a clue of hers, each
    stays an ordinary word."""
    with plan_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P9"], "source": "test"}))
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["P9"], "name": ["Amy Smith-Jones"]}),
        )
    delivery.update_action(plan_store, "A05", {"evidence": police}, user=CHAIR)
    for user in (COUNCIL, BOARD):
        amy = _of(user, "person", "P9")  # each reader its own key's
        expected = shown.format(amy=amy, w=NAME_WITHHELD)
        page = delivery.action_page(plan_store, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == expected, user


@pytest.mark.parametrize(
    ("police", "shown"),
    [
        ("DOB 3 4 06 seen", "{d} seen"),
        ("DOB 3.4.06 seen", "{d} seen"),
        ("seen 3rd April 2006", "seen {d}"),
        ("seen April 3 06", "seen {d}"),
        ("DOB: April 3rd, 98", "{d}"),
        ("seen 3 Apr 2006", "seen {d}"),
        ("born 3/4/06 ok", "{d} ok"),
        # no stored date of birth, no clue: kept
        ("seen April 4 06; 3 4 06", "seen April 4 06; 3 4 06"),
        ("on April 3 06:30, 3 4 06", "on April 3 06:30, 3 4 06"),
    ],
)
def test_a_date_of_birth_month_first_or_spaced_with_a_short_year_is_withheld(
    planned: Store, police: str, shown: str
) -> None:
    """Jo Bloggs' stored date of birth (3 April 2006) written "DOB 3 4 06"
    (numbers apart by spaces, a two-digit year) or "April 3 06" (month first,
    a two-digit year) was read as no date, and shown to partners and the board.
    Each is read now: spaced numbers after a date-of-birth clue only, month
    first anywhere (a stored date of birth, or after a clue); a clock time
    after a date ("April 3 06:30") stays."""
    delivery.update_action(planned, "A05", {"evidence": police}, user=CHAIR)
    expected = shown.format(d=DATE_WITHHELD)
    for user in (COUNCIL, BOARD):
        page = delivery.action_page(planned, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == expected, user


def test_a_house_named_by_one_word_before_its_street_is_withheld(
    any_store: Store,
) -> None:
    """A stored "Bramleys, Church Lane, Leeds" (a house's name of one word, no
    kind of house) had no street line: its first part was one word, so
    "Bramleys, Church Lane" the police wrote was shown to partners and the
    board. The name with its street is withheld now; the street alone, the
    name alone, and a town before an area ("Leeds, Hyde Park") stay."""
    stored = ["Bramleys, Church Lane, Leeds", "Leeds, Hyde Park"]
    typed = (
        "Seen at Bramleys, Church Lane and at bramleys church ln; Bramleys "
        "again; Church Lane shops; Leeds, Hyde Park"
    )
    shown = _shown_beside_addresses(any_store, stored, typed)
    assert {k for k, v in shown.items() if v == ADDRESS_WITHHELD} == {
        "bramleys, church lane",
        "bramleys church ln",
    }


@pytest.mark.parametrize(
    "police",
    [
        "L\u00ea Th\u1ecb H\u00f4\u0300ng seen",  # ô + grave, as typed in Windows
        "Le\u0302 Thi\u0323 Ho\u0302\u0300ng seen",  # decomposed (NFD)
        "L\u00ea Th\u1ecb H\u1ed3ng seen",  # composed (NFC)
    ],
)
def test_a_name_with_two_marks_on_a_letter_is_withheld_however_composed(
    plan_store: Store, police: str
) -> None:
    """A letter with two accents (Vietnamese "ồ": o, circumflex and grave) may be
    written composed, decomposed, or half composed ("ô" + a combining grave, as
    the Windows Vietnamese keyboard types a tone mark): the name was found as
    the stored person's, but half composed it was not replaced, and partners
    and the board read it."""
    with plan_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P9"], "source": "test"}))
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["P9"], "name": ["L\u00ea Th\u1ecb H\u1ed3ng"]}),
        )
    delivery.update_action(plan_store, "A05", {"evidence": police}, user=CHAIR)
    for user in (COUNCIL, BOARD):
        who = _of(user, "person", "P9")  # each reader its own key's
        page = delivery.action_page(plan_store, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == f"{who} seen"


@pytest.mark.parametrize(
    "police",
    [
        "Saw Ad\u00e9\u1ecd\u0300l\u00e1 Bello today",  # composed (NFC)
        "Saw Ade\u0301o\u0323\u0300la\u0301 Bello today",  # decomposed (NFD)
    ],
)
def test_a_name_with_a_letter_no_single_character_writes_is_withheld(
    plan_store: Store, police: str
) -> None:
    """Yoruba "ọ̀" (o, dot below, grave) has no composed character: even in NFC
    it is "ọ" and a combining grave, and a word was cut at the mark, so a
    stored "Adéọ̀lá Bello" was never found in free text and was shown to
    partners and the board."""
    with plan_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P9"], "source": "test"}))
        tx.append(
            "person_identity",
            pl.DataFrame(
                {"person_id": ["P9"], "name": ["Ad\u00e9\u1ecd\u0300l\u00e1 Bello"]}
            ),
        )
    delivery.update_action(plan_store, "A05", {"evidence": police}, user=CHAIR)
    for user in (COUNCIL, BOARD):
        who = _of(user, "person", "P9")  # each reader its own key's
        page = delivery.action_page(plan_store, SETTINGS, user=user, action_id="A05")
        assert page["action"]["evidence"] == f"Saw {who} today"
