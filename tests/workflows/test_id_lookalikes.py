"""A stored id written with invisible or look-alike characters in it, or joined
by one to more digits or letters, is never shown to partners or the board: it
reads as its pseudonym, or "[id withheld]" where its digits go on into more
(:func:`avert.access._id_fold`: NFKC, default ignorable code points removed,
every script's digits as ASCII; docs/delivery.md).

The oracle here is independent of that code: the text a reader is shown, read
as Unicode's NFKC with format characters (Cf), combining marks (Mn, Me) and
spaces other than U+0020 dropped and every decimal digit as its ASCII digit,
holds no stored id, and the form holds the pseudonym, or the marker when the
id's digits go on.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avert.access import (
    Pseudonymiser,
    authors_json,
    pseudonymise_text,
)
from avert.store import Store
from avert.workflows.delivery._common import (
    author_ids_shown,
    people_written,
    pseudonymise_stored_ids,
)
from avert.written_identity import ID_WITHHELD

PERSON, INCIDENT = "P0000123", "I0000042"
#: Characters no font draws, or draws as a thin gap, that pasted text holds.
INVISIBLE = [
    "\u200b",  # zero width space
    "\u200c",  # zero width non-joiner
    "\u200d",  # zero width joiner
    "\u2060",  # word joiner
    "\u00ad",  # soft hyphen
    "\ufeff",  # byte order mark (zero width no-break space)
    "\u200e",  # left-to-right mark
    "\u034f",  # combining grapheme joiner
    "\u0301",  # combining acute accent
    "\u0323",  # combining dot below
    "\u00a0",  # no-break space
    "\u202f",  # narrow no-break space
    "\u2009",  # thin space
    "\u2007",  # figure space
]
#: Each digit 0-9's first code point in scripts other than ASCII.
DIGIT_ZEROS = [
    0xFF10,  # fullwidth
    0x0660,  # Arabic-Indic
    0x06F0,  # extended Arabic-Indic
    0x0966,  # Devanagari
    0x09E6,  # Bengali
    0x1D7CE,  # mathematical bold
]
#: Letters drawn as the ASCII letters of the ids.
LETTERS = {"P": ["\uff30", "\u0420", "\u03a1"], "I": ["\uff29", "\u0406"]}


def _read(text: str) -> str:
    """``text`` as a reader reads it (the oracle): NFKC, no format character,
    combining mark or space but U+0020, each decimal digit in ASCII."""
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category in ("Cf", "Mn", "Me") or (category == "Zs" and ch != " "):
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    return "".join(out).upper().replace("\u0420", "P").replace("\u03a1", "P")


@st.composite
def written_ids(draw: st.DrawFn) -> tuple[str, str, str]:
    """``(real, written, after)``: a stored id written with look-alikes: some
    digits in another script, a letter as a look-alike, invisible characters
    between its characters; then maybe joined by one to more ``after``
    (digits, letters or nothing)."""
    real = draw(st.sampled_from([PERSON, INCIDENT]))
    chars = list(real)
    for i, ch in enumerate(chars):
        if ch.isdigit() and draw(st.booleans()):
            chars[i] = chr(draw(st.sampled_from(DIGIT_ZEROS)) + int(ch))
        elif ch.isalpha() and draw(st.booleans()):
            chars[i] = draw(st.sampled_from(LETTERS[ch]))
    for at in sorted(
        draw(st.lists(st.integers(1, len(chars) - 1), max_size=3)), reverse=True
    ):
        chars.insert(at, draw(st.sampled_from(INVISIBLE)))
    after = draw(st.sampled_from(["", "45", "7", "x", "visit"]))
    joiner = draw(st.sampled_from(INVISIBLE)) if after else ""
    return real, "".join(chars) + joiner + after, after


def _stored(store: Store) -> None:
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": [PERSON], "source": ["t"]}))
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [INCIDENT],
                    "source": ["t"],
                    "occurred_from": [dt.datetime(2025, 1, 1, 12)],
                    "time_precision": ["exact"],
                }
            ),
        )


PSEUDO = Pseudonymiser("a-test-key-of-enough-length-for-the-check-0123")


def _expect(shown: str, real: str, after: str) -> None:
    """The oracle: ``shown`` reads as no stored id; the id as its pseudonym,
    or withheld where its digits go on into more."""
    read = _read(shown)
    for stored in (PERSON, INCIDENT):
        assert stored not in read, (shown, read)
    kind = "person" if real == PERSON else "incident"
    if after[:1].isdigit():
        assert ID_WITHHELD in shown, shown
        assert PSEUDO(kind, real) not in shown, shown
    else:
        assert PSEUDO(kind, real) in shown, shown


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(form=written_ids(), prefix=st.sampled_from(["seen ", "met (", "ref: "]))
def test_free_text_never_shows_a_stored_id_written_with_look_alikes(
    sqlite_store: Store, form: tuple[str, str, str], prefix: str
) -> None:
    """The police's words as partners and the board read them (every free text
    they are shown goes through :func:`pseudonymise_stored_ids`: an action's
    title, evidence and RAG reason, a tasking's what, who and result, plan and
    objective titles, the briefing's lines): a stored id with a zero width
    space, a soft hyphen, an NBSP or a combining mark in it, in fullwidth,
    Arabic-Indic or Devanagari digits, or joined by one of those to more
    digits, was shown as written or as its pseudonym and the digits."""
    if not sqlite_store.count("people"):
        _stored(sqlite_store)
    real, written, after = form
    text = f"{prefix}{written} today"
    frame = pl.DataFrame({"what": [text]})
    for org in (None, "council"):
        shown = pseudonymise_stored_ids(sqlite_store, PSEUDO, frame, ["what"], org=org)
        _expect(str(shown["what"][0]), real, after)


@pytest.mark.parametrize(
    ("written", "after"),
    [
        ("P0000123\u200b45", "45"),
        ("P000\u20600123", ""),
        ("P\u00ad0000123", ""),
        ("P0000123\u202f45", "45"),
        ("P000\u20090123", ""),
        ("\uff30\uff10\uff10\uff10\uff10\uff11\uff12\uff13", ""),
        ("P\u0660\u0660\u0660\u0660\u0661\u0662\u0663", ""),
        ("P0000123\u0664", "4"),
        ("P000\u03010123", ""),
        ("\u0420\u20600000123", ""),
    ],
)
def test_each_form_found_reads_as_pseudonym_or_withheld(
    sqlite_store: Store, written: str, after: str
) -> None:
    """The forms the probe found shown (as written, or as the pseudonym and
    the digits the id runs on into), each in the police's words, a tasking's
    own subject's id (:func:`pseudonymise_text`), and a plan author's id."""
    _stored(sqlite_store)
    text = f"seen {written} today"
    frame = pl.DataFrame({"what": [text]})
    shown = pseudonymise_stored_ids(sqlite_store, PSEUDO, frame, ["what"])
    _expect(str(shown["what"][0]), PERSON, after)
    subject = pseudonymise_stored_ids(
        sqlite_store,
        PSEUDO,
        frame,
        ["what"],
        targets={"what": [(PERSON, PSEUDO("person", PERSON))]},
    )
    _expect(str(subject["what"][0]), PERSON, after)
    ids = author_ids_shown(
        sqlite_store, PSEUDO, pl.DataFrame({"id": [f"{written}-aim"]}), "id"
    )
    _expect(str(ids["id"][0]), PERSON, after)


def test_the_subjects_own_id_run_on_through_an_invisible_character() -> None:
    """:func:`pseudonymise_text` (a tasking's what names its subject) read
    "P0000123" + U+200B + "45" as the subject's pseudonym and "45"."""
    alias = PSEUDO("person", PERSON)
    assert pseudonymise_text("see P0000123\u200b45", PERSON, alias) == (
        "see P0000123\u200b45"
    )
    assert pseudonymise_text("see P\u200b0000123.", PERSON, alias) == f"see {alias}."
    assert (
        pseudonymise_text(
            "see \uff30\uff10\uff10\uff10\uff10\uff11\uff12\uff13", PERSON, alias
        )
        == f"see {alias}"
    )


def test_the_police_audit_row_counts_a_look_alike_id(sqlite_store: Store) -> None:
    """The police read the text as typed, and their row counts the person a
    stored id written in fullwidth digits or with a zero width space names."""
    _stored(sqlite_store)
    texts = ["seen \uff30\uff10\uff10\uff10\uff10\uff11\uff12\uff13", "P000\u200b0123"]
    for text in texts:
        assert people_written(sqlite_store, [text], police=True) == [PERSON], text


def test_a_partners_own_look_alike_id_reads_as_typed(sqlite_store: Store) -> None:
    """Words a partner typed read back as typed, a stored id in look-alikes
    too (as an unknown id would); the police's beside them do not."""
    _stored(sqlite_store)
    own = "P\u200b0000123"
    text = f"police P000\u20600123, ours {own}"
    start = text.index("ours")
    authors = authors_json({"what": (text, [(start, len(text), "council")])})
    frame = pl.DataFrame({"what": [text], "authors": [authors]})
    shown = pseudonymise_stored_ids(
        sqlite_store, PSEUDO, frame, ["what"], org="council"
    )
    alias = PSEUDO("person", PERSON)
    assert shown["what"][0] == f"police {alias}, ours {own}"


def test_an_id_with_an_accent_composed_on_its_letter(sqlite_store: Store) -> None:
    """ "Ṕ0000123" (U+1E54, P with its acute composed, as NFC writes P and a
    combining acute) read as another word, and was shown."""
    _stored(sqlite_store)
    frame = pl.DataFrame({"what": ["seen \u1e540000123 today"]})
    shown = pseudonymise_stored_ids(sqlite_store, PSEUDO, frame, ["what"])
    _expect(str(shown["what"][0]), PERSON, "")


def test_a_partners_own_typed_id_is_counted_as_shown(sqlite_store: Store) -> None:
    """A partner's own words read back as typed, a stored id in them too (no
    other rendering than an unknown id gets, so typing tells it nothing); the
    partner's audit row counted the pseudonyms it read only, so the stored id
    it was shown was in no row. It is counted now, as shown (the id); an
    unknown id, a pseudonym's hex digits and "[id withheld]" are not."""
    _stored(sqlite_store)
    text = "police P0000123\u200b45, ours P0000123 and P9999999"
    start = text.index("ours")
    authors = authors_json({"what": (text, [(start, len(text), "council")])})
    frame = pl.DataFrame({"what": [text], "authors": [authors]})
    shown = pseudonymise_stored_ids(
        sqlite_store, PSEUDO, frame, ["what"], org="council"
    )
    seen = str(shown["what"][0])
    assert seen == f"police {ID_WITHHELD}, ours P0000123 and P9999999"
    assert people_written(sqlite_store, [seen], police=False) == [PERSON]
    alias = PSEUDO("person", PERSON)
    assert people_written(sqlite_store, [f"saw {alias}"], police=False) == [alias]


def test_a_line_names_an_id_written_with_look_alikes() -> None:
    """Whether a line shown names a record (Today's action rows, the meeting's
    items: what the audit row counts) read "P000" + U+2060 + "0123" as no
    id, and "P0000123" + U+200B + "45" as the id."""
    from avert.access import names_id

    assert names_id("visit P000\u20600123", PERSON)
    assert names_id("visit \uff30\uff10\uff10\uff10\uff10\uff11\uff12\uff13", PERSON)
    assert not names_id("visit P0000123\u200b45", PERSON)
    assert names_id("visit P0000123 now", PERSON)
    assert not names_id("visit P00001234", PERSON)
