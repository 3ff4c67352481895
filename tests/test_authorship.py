"""Who wrote which words of a free text, and what each reader reads of it
(:func:`avert.access.restore_authored`, :func:`avert.access.pseudonymise_authored`).

A partner who typed a stored id or name read it back as its pseudonym: the store
answered whatever they typed. A partner organisation now reads its own words as
written, the police's as pseudonyms; the board reads every stored id as one.
"""

from __future__ import annotations

import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from avert.access import (
    NAME_WITHHELD,
    ONE_WORD_WITHIN,
    AuthorSpan,
    authors_json,
    authors_of,
    one_word_names,
    pseudonymise_authored,
    restore_authored,
    text_digest,
)
from avert.written_identity import ADDRESS_WITHHELD, DATE_WITHHELD, POSTCODE_WITHHELD

#: Stored ids and a name, and the pseudonyms partners read them as.
SHOWN = {
    "P12": "P-AB",
    "I7": "I-CD",
    "P99": "P-XY",
    "I55": "I-ZZ",
    "john smith": "P-JS",
}
#: What the police write, and what the partner types (never the police's ids).
POLICE_WORDS = ("met", "at", "home", "P12", "I7", "John Smith")
PARTNER_WORDS = ("saw", "ok", "P99", "I55", "P-AB", "john smith")
POLICE_IDS = ("P12", "I7")
ORG = "council"


def _view(text: str, spans: list[AuthorSpan], org: str | None) -> str:
    (out,) = pseudonymise_authored([text], [spans], org, SHOWN)
    assert out is not None
    return out


def _whole(word: str, text: str) -> bool:
    return bool(
        re.search(rf"(?<![0-9A-Za-z]){re.escape(word)}(?![0-9A-Za-z])", text, re.I)
    )


def _apart(text: str) -> str:
    """``text`` without a space between a pseudonym of :data:`SHOWN` and a
    letter or digit: a save puts the id of one shown that a partner's edit ran
    into a letter or digit ("mP-AB") back a space apart ("m P12": ``xP12`` is
    no whole word, and every reader read the id), so the partner reads it
    back so; one it typed itself, as typed."""
    pseudonyms = "|".join(re.escape(v) for v in SHOWN.values() if " " not in v)
    return re.sub(
        rf"(?<=[0-9A-Za-z]) (?={pseudonyms})|(?<={pseudonyms}) (?=[0-9A-Za-z])",
        "",
        text,
    )


def _partner_save(
    stored: str, spans: list[AuthorSpan], typed: str
) -> tuple[str, list[AuthorSpan]]:
    new, out = restore_authored(typed, stored, spans, ORG, SHOWN)
    return new or "", out


def test_a_partner_who_types_a_stored_id_reads_it_as_typed() -> None:
    """Typed in place of the pseudonym of the police's id, beside it, or as a
    name: read back as typed; the police's id stays a pseudonym."""
    stored = "met P12 at home"
    seen = _view(stored, [], ORG)
    assert seen == "met P-AB at home"
    for typed in (
        "met P12 at home",  # the guess "P-AB is P12" typed over it
        "met P-AB at home, saw P99 and John Smith",
        "met P-AB at home; i55",
    ):
        new, spans = _partner_save(stored, [], typed)
        assert _view(new, spans, ORG) == typed
        assert _view(new, spans, None) == _view(new, [], None)  # the board: all
        assert not any(_whole(w, _view(new, spans, None)) for w in ("P99", "I55"))
    # the police read it all as written, their id put back at its place
    new, _ = _partner_save(stored, [], "met P-AB at home, saw P99")
    assert new == "met P12 at home, saw P99"


def test_a_partners_cut_joins_no_police_words_into_a_name() -> None:
    """Cutting the word between two of the police's words that make a stored name
    answered with the name's pseudonym; the cut is a seam now."""
    stored = "John met Smith"
    new, spans = _partner_save(stored, [], "John Smith")
    assert new == "John Smith"
    assert _view(new, spans, ORG) == "John Smith"
    assert _view(new, spans, None) == "P-JS"


def test_the_police_words_around_a_partners_stay_pseudonyms_after_a_police_edit() -> (
    None
):
    new, spans = _partner_save("met P12", [], "met P-AB; saw P99")
    police, spans = restore_authored("I7: " + new + " then P12", new, spans, None)
    assert police == "I7: met P12; saw P99 then P12"
    assert _view(police or "", spans, ORG) == "I-CD: met P-AB; saw P99 then P-AB"


def test_a_police_edit_beside_a_partners_words_shows_the_partner_no_stored_name() -> (
    None
):
    """The police complete a name or a spaced id beside words a partner typed
    (``Jo Smith`` made ``John Smith``, ``CAD 1234`` made ``CAD 1234 22``): each
    stretch was searched on its own, so the partner read the stored name and id
    the police wrote as written. A stored id or name with words of another writer
    in it is the partner's only where the partner joined them (its typing or its
    cut beside them); else it is read as a pseudonym."""
    shown = {**SHOWN, "cad 1234 22": "I-CAD"}

    def view(text: str, spans: list[AuthorSpan], org: str | None) -> str:
        (out,) = pseudonymise_authored([text], [spans], org, shown)
        return out or ""

    new, spans = restore_authored("note; met Jo and CAD 1234", "note", [], ORG, shown)
    assert view(new or "", spans, ORG) == "note; met Jo and CAD 1234"
    police = "note; met John Smith and CAD 1234 22"
    new, spans = restore_authored(police, new, spans, None)
    assert new == police
    assert view(police, spans, ORG) == "note; met P-JS and I-CAD"
    assert view(police, spans, None) == "note; met P-JS and I-CAD"
    # the partner saves what it read: the police's words are put back
    new, spans = restore_authored(view(police, spans, ORG), police, spans, ORG, shown)
    assert new == police
    assert view(police, spans, ORG) == "note; met P-JS and I-CAD"
    # a partner who types beside the police's words reads what it typed
    new, spans = restore_authored("John met Smith; CAD 1234 x", "John met", [], None)
    typed = "John Smith; CAD 1234 22"
    new, spans = restore_authored(typed, new, spans, ORG, shown)
    assert view(new or "", spans, ORG) == typed
    assert view(new or "", spans, None) == "P-JS; I-CAD"


def test_pseudonyms_glued_to_a_partners_word_are_put_back_apart() -> None:
    """``xP-AB`` typed was stored as ``xP12``, no whole word: every reader read
    the police's id."""
    new, spans = _partner_save("met P12 today", [], "met P-AB today, xP-AB")
    assert new == "met P12 today, x P12"
    assert _view(new, spans, None) == "met P-AB today, x P-AB"


def test_a_pseudonym_edited_inside_its_word_is_put_back_as_its_id() -> None:
    """A partner who cut a letter from "xP-AB" (the police's "xP12"), or typed
    one beside a pseudonym, or cut the words before it up to a letter, left the
    pseudonym in the police's text as its own words: the police read "P-AB",
    their id lost. Its id is put back (a space apart from a letter the edit
    ran it into); the partner reads back the pseudonym."""
    glued = {**SHOWN, "\x01p12": "P-AB"}  # "xP12": P12 run into a letter
    cases = [
        ("seen xP12 today", glued, "seen P-AB today", "seen P12 today"),
        ("seen xP12 today", glued, "seen xP-ABy today", "seen xP12 y today"),
        ("met P12 today", SHOWN, "met P-ABs today", "met P12 s today"),
        ("met P12 today", SHOWN, "met yP-AB today", "met y P12 today"),
        ("met P12 today", SHOWN, "mP-AB today", "m P12 today"),
    ]
    for stored, shown, typed, police in cases:
        new, spans = restore_authored(typed, stored, [], ORG, shown)
        assert new == police, (stored, typed)
        (read,) = pseudonymise_authored([new], [spans], ORG, shown)
        assert read is not None
        assert _apart(read) == _apart(typed)


def test_stale_spans_are_not_used() -> None:
    """Spans are kept with the digest of their text: another text (changed by a
    writer that did not carry them) is all the police's."""
    authors = authors_json({"evidence": ("saw P99", [(0, 7, ORG)])})
    assert authors_of(authors, "evidence", "saw P99") == [(0, 7, ORG)]
    assert authors_of(authors, "evidence", "saw P12") == []
    assert authors_of(authors, "rag_reason", "saw P99") == []
    # spans outside the text, or not spans, are none of the partner's
    for bad in ([[0, 99, ORG]], [["x"]], "P99"):
        digest = text_digest("saw P99")
        broken = json.dumps({"evidence": {"digest": digest, "spans": bad}})
        assert authors_of(broken, "evidence", "saw P99") == []


_EDIT = st.tuples(
    st.sampled_from(("police", "partner")),
    st.sampled_from(("insert", "cut")),
    st.integers(0, 10_000),
    st.integers(0, 10_000),
    st.integers(0, len(POLICE_WORDS) - 1),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_EDIT, min_size=1, max_size=12))
def test_random_edits_never_show_a_partner_the_police_ids(
    edits: list[tuple[str, str, int, int, int]],
) -> None:
    """Police and partner take turns to insert words and cut stretches (the police
    whole words: the police's own edit inside a word can split their id, or glue
    it to another word, into words that are no id, read as written by everyone,
    the partner too): the partner reads back exactly what it sent (but a
    pseudonym its cut ran into a letter or digit, "mP-AB", a space apart:
    :func:`_apart`), never reads an id of the police's
    as written, and the board reads no stored id as written; a partner's insert
    keeps every id of the police's in the stored text."""
    stored, spans = "met P12 at home", []
    for who, kind, at, length, word in edits:
        if who == "police":
            gaps = [0, *(m.start() for m in re.finditer(" ", stored)), len(stored)]
            if kind == "insert":
                cut = gaps[at % len(gaps)]
                text = f"{stored[:cut]} {POLICE_WORDS[word]} {stored[cut:]}"
            else:
                a = at % len(gaps)
                text = (
                    stored[: gaps[a]]
                    + stored[gaps[min(a + length % 3, len(gaps) - 1)] :]
                )
            new, spans = restore_authored(text, stored, spans, None)
            stored = new or ""
        else:
            seen = _view(stored, spans, ORG)
            if kind == "insert":  # between words (not inside a pseudonym)
                gaps = [0, len(seen), *(m.start() for m in re.finditer(" ", seen))]
                cut = gaps[at % len(gaps)]
                typed = PARTNER_WORDS[word % len(PARTNER_WORDS)]
                text = f"{seen[:cut]} {typed} {seen[cut:]}"
            else:
                a = at % (len(seen) + 1)
                text = seen[:a] + seen[a + length % 12 :]
            before = [len(re.findall(rf"\b{w}\b", stored)) for w in POLICE_IDS]
            stored, spans = _partner_save(stored, spans, text)
            assert _apart(_view(stored, spans, ORG)) == _apart(text)
            if kind == "insert" and PARTNER_WORDS[word % len(PARTNER_WORDS)] != "P-AB":
                after = [len(re.findall(rf"\b{w}\b", stored)) for w in POLICE_IDS]
                assert after == before, (stored, text)
        assert not any(_whole(w, _view(stored, spans, ORG)) for w in POLICE_IDS)
        board = _view(stored, spans, None)
        assert not any(_whole(w, board) for w in SHOWN if " " not in w), board


def test_a_partner_who_types_the_actions_target_id_reads_it_as_typed() -> None:
    """The target's id (replaced whether or not it is asked of the store) is the
    partner's as typed too; the police's mention of it stays the pseudonym."""
    target = ("P12", "P-AB")
    new, spans = restore_authored("see P-AB and P12", "see P12", [], ORG, {}, target)
    assert new == "see P12 and P12"
    assert pseudonymise_authored([new], [spans], ORG, {}, [target]) == [
        "see P-AB and P12"
    ]
    assert pseudonymise_authored([new], [spans], None, {}, [target]) == [
        "see P-AB and P-AB"
    ]


#: Dates of birth, an address and a postcode the police wrote, as the delivery
#: workflows give them to withhold (:func:`avert.workflows.delivery.stored_ids_shown`).
DETAILS = {
    **SHOWN,
    "03/04/2006": DATE_WITHHELD,
    "05/06/2008": DATE_WITHHELD,
    "14 acacia rd": ADDRESS_WITHHELD,
    "ls9 8ab": POSTCODE_WITHHELD,
}
DETAIL_WORDS = ("03/04/2006", "05/06/2008", "14 Acacia Rd", "LS9 8AB")


def _details_view(text: str, spans: list[AuthorSpan], org: str | None) -> str:
    (out,) = pseudonymise_authored([text], [spans], org, DETAILS)
    return out or ""


def test_a_withheld_marker_standing_for_different_dates_stays_as_typed() -> None:
    """Two dates of birth both read "[date withheld]": one typed anew is not
    known to stand for either, and stays as typed (as "[name withheld]")."""
    stored = "DOB 03/04/2006, sister DOB 05/06/2008"
    seen = _details_view(stored, [], ORG)
    assert seen == f"DOB {DATE_WITHHELD}, sister DOB {DATE_WITHHELD}"
    new, spans = restore_authored(f"{seen}; {DATE_WITHHELD}?", stored, [], ORG, DETAILS)
    assert new == f"{stored}; {DATE_WITHHELD}?"
    assert _details_view(new or "", spans, ORG) == f"{seen}; {DATE_WITHHELD}?"


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),
            st.integers(0, 10_000),
            st.integers(0, len(DETAIL_WORDS) - 1),
            st.booleans(),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_random_edits_never_show_the_police_details_nor_change_a_partners(
    edits: list[tuple[bool, int, int, bool]],
) -> None:
    """Police and partner insert dates of birth, an address and a postcode (the
    partner sometimes a marker it read): the partner reads back exactly what it
    sent, the details it typed as typed, never one the police wrote; the board
    reads none."""
    stored, spans = "met P12 at home", []
    for police, at, word, marker in edits:
        words = DETAIL_WORDS[word]
        if police:
            gaps = [0, *(m.start() for m in re.finditer(" ", stored)), len(stored)]
            cut = gaps[at % len(gaps)]
            new, spans = restore_authored(
                f"{stored[:cut]} {words} {stored[cut:]}", stored, spans, None
            )
            stored = new or ""
            continue
        seen = _details_view(stored, spans, ORG)
        gaps = [0, *(m.start() for m in re.finditer(" ", seen)), len(seen)]
        cut = gaps[at % len(gaps)]
        typed = DATE_WITHHELD if marker else words
        text = f"{seen[:cut]} {typed} {seen[cut:]}"
        new, spans = restore_authored(text, stored, spans, ORG, DETAILS)
        stored = new or ""
        assert _details_view(stored, spans, ORG) == text
    police_written = _details_view(stored, [], None)
    board = _details_view(stored, spans, None)
    assert board == police_written
    assert not any(w.lower() in board.lower() for w in DETAIL_WORDS), board


#: A stored person, as :func:`avert.access.one_word_names` is given one: their
#: clue keys (id, name forms) and their name's words.
YOUNG = {"P12": (["p12", "amy young", "young amy", "young, amy"], ["amy", "young"])}
_FILLER = st.lists(
    st.sampled_from(["seen", "at", "home", "the", "young", "green", "said", "Mr"]),
    max_size=30,
)


@given(before=_FILLER, after=_FILLER, far=st.integers(0, 40))
def test_a_capitalised_name_word_is_withheld_only_near_its_persons_clue(
    before: list[str], after: list[str], far: int
) -> None:
    """Property: "Young" is withheld exactly when P12's id is within
    :data:`ONE_WORD_WITHIN` words of it in the same text; "young" never; a
    text with no clue of P12 withholds nothing."""
    gap = ["x"] * far
    text = " ".join([*before, "P12", *gap, "Young", *after])
    found = one_word_names([text], YOUNG)
    near = far + 1 <= ONE_WORD_WITHIN
    assert found == ({"^young": NAME_WITHHELD} if near else {})
    assert not one_word_names([" ".join([*before, "Young", *after])], YOUNG)
    assert not one_word_names([text.replace("Young", "young")], YOUNG)
    # the clue in another text is no clue
    assert not one_word_names(["P12 seen", " ".join(["Young", *after])], YOUNG)


def test_a_partner_edits_police_text_with_invisible_characters_inside_words() -> None:
    """The police's name and id with a soft hyphen or zero width space inside
    a word are read as pseudonyms, and a partner's edit around them puts the
    police's words back as written, with the partner's words theirs; the same
    words typed by the partner are read as typed."""
    shown = {"quennith quxbyaah": "P-Q", "P0000032": "P-I"}
    stored = "met Quenn\u00adith Quxbyaah at P\u200b0000032"
    (seen,) = pseudonymise_authored([stored], [[]], ORG, shown)
    assert seen == "met P-Q at P-I"
    new, spans = restore_authored(seen + "; ok", stored, [], ORG, shown)
    assert new == stored + "; ok"
    assert [new[a:b] for a, b, o in spans if o == ORG and a < b] == ["; ok"]
    assert pseudonymise_authored([new], [spans], ORG, shown) == [seen + "; ok"]
    typed = stored + "; also Quenn\u00adith Quxbyaah"
    new, spans = restore_authored(
        seen + "; also Quenn\u00adith Quxbyaah", stored, [], ORG, shown
    )
    assert new == typed
    assert pseudonymise_authored([new], [spans], ORG, shown) == [
        "met P-Q at P-I; also Quenn\u00adith Quxbyaah"
    ]


#: Pseudonyms a partner copied from its briefing, to the stored ids they stand
#: for (:func:`avert.workflows.delivery.copied_pseudonyms`).
COPIED = {"P-B43176F1E42D": "P77", "P-00000000000A": "P12"}


def test_a_copied_pseudonym_is_put_back_as_the_police_s_id() -> None:
    """Not shown by the stored text: the id it stands for is stored, as the
    police's words, and each reader reads it as its pseudonym of the id."""
    text, spans = restore_authored(
        "visited P-B43176F1E42D, engaged", "", [], "council", {}, typed=COPIED
    )
    assert text == "visited P77, engaged"
    assert not [s for s in spans if s[0] <= 8 < s[1]]  # no span of the partner
    shown = {"P77": "P-B43176F1E42D"}
    assert pseudonymise_authored([text], [spans], "council", shown) == [
        "visited P-B43176F1E42D, engaged"
    ]


def test_a_copied_pseudonym_glued_to_a_word_stays_as_typed() -> None:
    text, _ = restore_authored(
        "xP-B43176F1E42D and P-B43176F1E42Dx", "", [], "council", {}, typed=COPIED
    )
    assert text == "xP-B43176F1E42D and P-B43176F1E42Dx"


def test_a_shown_pseudonym_keeps_the_words_it_replaced() -> None:
    """The stored text showed ``P-00000000000A`` for "P12"; typed again, it is
    put back as those words, whatever the lookup answers."""
    text, _ = restore_authored(
        "met P-00000000000A, then P-00000000000A",
        "met P12",
        [],
        "council",
        {"P12": "P-00000000000A"},
        typed={"P-00000000000A": "P12"},
    )
    assert text == "met P12, then P12"


def test_a_copied_pseudonym_the_writer_wrote_before_stays_its_words() -> None:
    """Stored as typed before pseudonyms were resolved, and read by its writer
    as written: left unchanged it stays so."""
    stored = "saw P-B43176F1E42D"
    mine = [(0, len(stored), "council")]
    text, spans = restore_authored(
        f"{stored}; ok", stored, mine, "council", {}, typed=COPIED
    )
    assert text == f"{stored}; ok"
    assert spans == [(0, len(text), "council")]
