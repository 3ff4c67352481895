"""Random stored ids written with random characters of Unicode's General
Categories Cf (format), Zs (spaces), Mn (combining marks) inside them, digits
of any script (Nd) and letters drawn as theirs, in every partner surface
:func:`avert.access._id_fold` serves: none shows the id, each shows its
pseudonym where the id was, and the text around it is kept as written (emoji,
combining sequences and flags included).

Written apart from ``test_id_lookalikes.py``: ids and inserted characters are
drawn from the whole categories, not from lists of the forms known; the oracle
reads the shown text as NFKC with Cf, Mn, Me and spaces other than U+0020
dropped and every decimal digit as ASCII.
"""

from __future__ import annotations

import unicodedata

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from avert.access import Pseudonymiser, names_id, pseudonymise_text
from avert.store import Store, queries
from avert.workflows.delivery._common import (
    author_ids_shown,
    people_written,
    pseudonymise_stored_ids,
)

PSEUDO = Pseudonymiser("a-test-key-of-enough-length-for-the-check-0123")
#: Letters drawn as the ASCII id prefixes (fullwidth, Cyrillic, Greek).
LETTERS = {"P": "P\uff30\u0420\u03a1", "K": "K\uff2b\u041a\u039a"}
#: Text around an id: an emoji ZWJ sequence, a flag, "e" + a combining acute.
PREFIX = "\U0001f468\u200d\U0001f469 e\u0301 seen "
SUFFIX = " today \U0001f1ec\U0001f1e7 \u00e9."


def _read(text: str) -> str:
    """The oracle: ``text`` as a reader reads it."""
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        category = unicodedata.category(ch)
        if category in ("Cf", "Mn", "Me") or (category == "Zs" and ch != " "):
            continue
        digit = unicodedata.decimal(ch, None)
        out.append(str(digit) if digit is not None else ch)
    return "".join(out).upper().replace("\u0420", "P").replace("\u03a1", "P")


@st.composite
def written_ids(draw: st.DrawFn) -> tuple[str, str]:
    """``(real, written)``: a random id (P or K and 5 to 8 digits) with some
    digits in a random script, its letter maybe a look-alike, and random Cf,
    Zs (not U+0020) or Mn characters between its characters."""
    letter = draw(st.sampled_from(sorted(LETTERS)))
    digits = draw(st.text("0123456789", min_size=5, max_size=8))
    real = letter + digits
    chars = [draw(st.sampled_from(LETTERS[letter]))]
    for d in digits:
        other = draw(st.one_of(st.none(), st.characters(categories=["Nd"])))
        if other is None:
            chars.append(d)
        else:
            zero = ord(other) - unicodedata.decimal(other)
            chars.append(chr(zero + int(d)))
    inserted = st.characters(categories=["Cf", "Zs", "Mn"], exclude_characters=" ")
    for at in sorted(
        draw(st.lists(st.integers(1, len(chars) - 1), max_size=3)), reverse=True
    ):
        chars.insert(at, draw(inserted))
    return real, "".join(chars)


def _store(store: Store, real: str) -> None:
    if not queries.stored_ids(store, [real]):
        with store.transaction() as tx:
            tx.append("people", pl.DataFrame({"person_id": [real], "source": ["t"]}))


def _kept_around(shown: str, alias: str) -> None:
    """``shown`` is the text around the id as written, the pseudonym between."""
    assert shown == f"{PREFIX}{alias}{SUFFIX}", ascii(shown)


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(form=written_ids())
def test_random_ids_with_random_insertions_are_never_shown(
    sqlite_store: Store, form: tuple[str, str]
) -> None:
    real, written = form
    _store(sqlite_store, real)
    alias = PSEUDO("person", real)
    text = f"{PREFIX}{written}{SUFFIX}"
    frame = pl.DataFrame({"what": [text]})
    # the police's words as the board and a partner read them
    for org in (None, "council"):
        shown = pseudonymise_stored_ids(sqlite_store, PSEUDO, frame, ["what"], org=org)
        _kept_around(str(shown["what"][0]), alias)
    # a tasking's own subject's id
    subject = pseudonymise_stored_ids(
        sqlite_store, PSEUDO, frame, ["what"], targets={"what": [(real, alias)]}
    )
    _kept_around(str(subject["what"][0]), alias)
    _kept_around(pseudonymise_text(text, real, alias), alias)
    # a plan author's id
    ids = author_ids_shown(
        sqlite_store, PSEUDO, pl.DataFrame({"id": [f"{written}-aim"]}), "id"
    )
    assert real not in _read(str(ids["id"][0])), ascii(ids["id"][0])
    assert alias in str(ids["id"][0])
    # what the audit counts: the line names the id; the police's row counts it
    assert names_id(text, real)
    assert people_written(sqlite_store, [text], police=True) == [real]


def test_format_characters_outside_the_default_ignorables(sqlite_store: Store) -> None:
    """Format characters (Cf) that are not default ignorable code points (the
    interlinear annotation anchor U+FFF9, an Egyptian hieroglyph joiner
    U+13430, the Arabic number sign U+0600, drawn as nothing or beside the
    digits) inside a stored id left it read as written, and it was shown."""
    real = "P0000123"
    _store(sqlite_store, real)
    alias = PSEUDO("person", real)
    for ch in ("\ufff9", "\U00013430", "\u0600", "\u070f", "\U000110bd"):
        text = f"{PREFIX}P000{ch}0123{SUFFIX}"
        frame = pl.DataFrame({"what": [text]})
        for org in (None, "council"):
            shown = pseudonymise_stored_ids(
                sqlite_store, PSEUDO, frame, ["what"], org=org
            )
            _kept_around(str(shown["what"][0]), alias)
        _kept_around(pseudonymise_text(text, real, alias), alias)
        assert names_id(text, real)
        assert people_written(sqlite_store, [text], police=True) == [real]


def test_a_line_names_an_id_in_any_case_ascii_or_not() -> None:
    """:func:`names_id` (what Today's action rows and the meeting's items
    count in the audit) read "p0000123" as the id in a text with a non-ASCII
    character in it (:func:`avert.access.id_spans`, any case) but not in an
    ASCII one (case-sensitive), while both show it as the id (the police) and
    replace it (:func:`pseudonymise_text`, any case) for partners."""
    for text in ("visit p0000123 now", "visit p0000123 caf\u00e9"):
        assert names_id(text, "P0000123"), text
        assert pseudonymise_text(text, "P0000123", "P-X") != text
    assert not names_id("visit p00001234", "P0000123")
