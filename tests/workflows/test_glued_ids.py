"""A stored id, or an action's own subject's id, run into other letters of an id
a plan author wrote is read by partners and the board as its pseudonym
(:func:`avert.workflows.delivery._common.glued_ids_shown`); ids that hold none
are read as written; a run in which a stored id's digits go on into more is
withheld whole."""

from __future__ import annotations

import random

import polars as pl

from avert.access import (
    Pseudonymiser,
    authors_json,
    pseudonymise_authored,
    restore_authored,
)
from avert.store import Store
from avert.workflows.delivery._common import (
    author_ids_shown,
    glued_asked,
    glued_ids_shown,
    people_written,
    pseudonymise_stored_ids,
    stored_ids_shown,
)
from avert.written_identity import ID_WITHHELD


def _pseudo(kind: str, real: str) -> str:
    return f"<{kind}:{real}>"


def test_a_glued_stored_id_and_the_subjects_id_are_pseudonymised(
    sqlite_store: Store,
) -> None:
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P100"], "source": ["t"]}))
    written = ["xp100visit", "Q77visit", "A01", "VRU2025-01", None]
    shown = glued_ids_shown(
        sqlite_store,
        _pseudo,
        written,
        written,
        [(None, None), ("Q77", "P-SUBJECT"), (None, None), (None, None), (None, None)],
    )
    assert shown == [
        "x<person:P100>visit",  # stored, in another case
        "P-SUBJECTvisit",  # the subject's, stored or not
        "A01",
        "VRU2025-01",
        None,
    ]


def _with_person(store: Store) -> None:
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P100"], "source": ["t"]}))


def test_free_text_shows_a_glued_stored_id_as_its_pseudonym(
    sqlite_store: Store,
) -> None:
    """A final crawl read "(xP0000016)" raw in a tasking's what on Today: free
    text matched ids as whole words only."""
    _with_person(sqlite_store)
    frame = pl.DataFrame(
        {"what": ["visit (xP100) at home", "call p100visit", "A01 and M25x", None]}
    )
    shown = pseudonymise_stored_ids(sqlite_store, _pseudo, frame, ["what"])
    assert shown["what"].to_list() == [
        "visit (x<person:P100>) at home",
        "call <person:P100>visit",
        "A01 and M25x",  # not stored: as written
        None,
    ]


def test_a_partner_reads_a_glued_id_it_typed_as_typed(sqlite_store: Store) -> None:
    _with_person(sqlite_store)
    text = "police xP100, ours yP100"
    authors = authors_json({"result": (text, [(14, 24, "council")])})
    frame = pl.DataFrame({"result": [text], "authors": [authors]})
    shown = pseudonymise_stored_ids(
        sqlite_store, _pseudo, frame, ["result"], org="council"
    )
    assert shown["result"].to_list() == ["police x<person:P100>, ours yP100"]


def test_a_partners_save_puts_a_glued_id_back(sqlite_store: Store) -> None:
    _with_person(sqlite_store)
    shown = stored_ids_shown(sqlite_store, _pseudo, ["seen xP100"])
    assert pseudonymise_authored(["seen xP100"], [[]], "council", shown) == [
        "seen x<person:P100>"
    ]
    text, _ = restore_authored(
        "seen x<person:P100> today", "seen xP100", [], "council", shown
    )
    assert text == "seen xP100 today"


def test_audit_counts_the_person_of_a_glued_id_as_shown(sqlite_store: Store) -> None:
    """A partner's or the board's audit row counts the pseudonym shown for an id
    run into letters; the police read the text as typed, the id run into letters
    too, and their row counts that person (it counted ids written as words of
    their own only: "xP100" was shown to the police and not counted)."""
    _with_person(sqlite_store)
    frame = pl.DataFrame({"what": ["seen xP100", "seen A01x"]})
    shown = pseudonymise_stored_ids(sqlite_store, Pseudonymiser(None), frame, ["what"])
    alias = Pseudonymiser(None)("person", "P100")
    assert people_written(sqlite_store, shown["what"].to_list(), police=False) == [
        alias
    ]
    assert people_written(sqlite_store, ["seen xP100"], police=True) == ["P100"]
    assert people_written(sqlite_store, ["seen p100visit"], police=True) == ["P100"]
    assert people_written(sqlite_store, ["seen A01x"], police=True) == []


def test_a_long_token_asks_the_store_words_in_proportion_to_its_length() -> None:
    """A pasted 1,000-character token (a signed link) in a tasking's what asked
    the store 3 million words: a partner's Today took 22 s and 5.7 GB."""
    rng = random.Random(7)
    token = "".join(
        rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(600)
    )
    assert len(glued_asked([token])) <= 3 * 64 * len(token)


def test_an_id_glued_into_a_long_token_is_still_shown_as_its_pseudonym(
    sqlite_store: Store,
) -> None:
    _with_person(sqlite_store)
    text = "link a1" + "b2" * 400 + "xP100y end"
    frame = pl.DataFrame({"what": [text]})
    shown = pseudonymise_stored_ids(sqlite_store, _pseudo, frame, ["what"])
    assert shown["what"][0].endswith("x<person:P100>y end")


def test_a_run_in_which_a_stored_ids_digits_go_on_is_withheld_whole(
    sqlite_store: Store,
) -> None:
    """ "P1001" (no stored id) was read by partners as the stored P100's
    pseudonym and a "1" (a link suggested), then as written (the stored id's
    characters raw); a stored id run straight into a phone number likewise.
    Now the whole run is "[id withheld]", and no audit row counts a person
    for it (it names no stored person for sure). Letters either side are
    still glue: "xP100y", "9P100"."""
    _with_person(sqlite_store)
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["7AB"], "source": ["t"]}))
    texts = [
        "ref P1001 today",
        "ref xP100y and 9P100",
        "P100P1001",
        "P100-1",
        "call P10007700900123 now",
        "ref 67ab x",
    ]
    frame = pl.DataFrame({"what": texts})
    shown = pseudonymise_stored_ids(sqlite_store, _pseudo, frame, ["what"])
    assert shown["what"].to_list() == [
        f"ref {ID_WITHHELD} today",
        "ref x<person:P100>y and 9<person:P100>",
        ID_WITHHELD,
        "<person:P100>-1",
        f"call {ID_WITHHELD} now",
        f"ref {ID_WITHHELD} x",
    ]
    assert people_written(sqlite_store, texts[4:], police=True) == []
    assert people_written(sqlite_store, shown["what"].to_list()[4:], police=False) == []
    written = pl.DataFrame({"id": ["P1001-aim", "aimP100", "Q771visit", "Q77visit"]})
    subject = ("Q77", "P-SUBJECT")
    ids = author_ids_shown(
        sqlite_store,
        lambda kind, real: f"<{kind}:{len(real)}>",  # no id in it, as a real one
        written,
        "id",
        targets=[(None, None)] * 2 + [subject] * 2,
    )
    assert ids["id"].to_list() == [
        f"{ID_WITHHELD}-aim",
        "aim<person:4>",
        ID_WITHHELD,
        "P-SUBJECTvisit",
    ]


def test_an_id_glued_anywhere_in_a_1000_character_token_is_found(
    sqlite_store: Store,
) -> None:
    """Parts are asked of each run in windows of 64 characters from each of its
    characters: a stored id at the start, the middle or the end of a pasted
    1,000-character token is its pseudonym (measured: 0.44 s of CPU for one
    such token, docs/delivery.md)."""
    _with_person(sqlite_store)
    rng = random.Random(11)
    token = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(1000))
    for at in (0, 500, 990):
        text = f"link {token[:at]}P100{token[at:]} end"
        frame = pl.DataFrame({"what": [text]})
        shown = pseudonymise_stored_ids(sqlite_store, _pseudo, frame, ["what"])
        assert shown["what"][0] == text.replace("P100", "<person:P100>"), at


def test_a_partners_save_puts_a_withheld_run_back(sqlite_store: Store) -> None:
    """The police's run shown as "[id withheld]" is theirs again after a
    partner's save around it; the marker typed anew stands for no words
    known (as a date's), so it stays as typed."""
    _with_person(sqlite_store)
    stored = "call P10007700900123 now"
    shown = stored_ids_shown(sqlite_store, _pseudo, [stored])
    seen = pseudonymise_authored([stored], [[]], "council", shown)[0]
    assert seen == f"call {ID_WITHHELD} now"
    text, _ = restore_authored(f"{seen}, done", stored, [], "council", shown)
    assert text == f"{stored}, done"
