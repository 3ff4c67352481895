"""The stored ids and names found in free text (:func:`avert.access.pseudonymise_ids`,
:func:`avert.access.written_keys`, :func:`avert.access.pseudonymise_authored`)
are asked of each text by the keys it may hold only: what they find is what the
one pattern of every key found before (the old search kept here as the oracle)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.access import (
    CAPITALISED,
    _key_of,
    _pseudonym_of,
    _shown_pattern,
    name_key,
    pseudonymise_authored,
    pseudonymise_ids,
    written_keys,
)


def old_pseudonymise_ids(
    texts: Sequence[str | None], shown: Mapping[str, str]
) -> list[str | None]:
    """:func:`pseudonymise_ids` before, word for word (the test's oracle)."""
    lowered = {name_key(k): v for k, v in shown.items() if k.strip() and v is not None}
    if not lowered:
        return list(texts)
    pattern = _shown_pattern(lowered)
    return [
        pattern.sub(lambda m: _pseudonym_of(lowered, m.group(0)), t) if t else t
        for t in texts
    ]


def old_written_keys(texts: Sequence[str | None], keys: Sequence[str]) -> set[str]:
    """:func:`written_keys` before, word for word (the test's oracle)."""
    wanted = {k for k in keys if k.strip()}
    if not wanted:
        return set()
    pattern = _shown_pattern(wanted)
    found = (
        _key_of(dict.fromkeys(wanted, ""), m.group(0))
        for t in texts
        if t
        for m in pattern.finditer(t)
    )
    return {k for k in found if k is not None}


WORDS = [
    "john", "smith", "SMITH", "Smith", "o'neil", "O’Neil", "łukasz", "ŁUKASZ",
    "straße", "STRASSE", "ssmith", "ſmith", "İpek", "ipek", "\u212aate", "kate",
    "p12", "P12", "person:p12", "cad/12/22", "CAD 12", "#77", "77", "young",
    "Young", "smith-jones", "jones", "amy", "12", "ß", "x",
    "zoë", "zoe\u0308", "Zoe\u0308", "ZOË", "rene", "rene\u0301", "René",
    "hồng", "ho\u0302\u0300ng", "h\u00f4\u0300ng", "e\u0301",
]  # fmt: skip
SEPARATORS = [" ", "  ", ", ", ",", ". ", "; ", "\n", "-", ":", "/", "'", "_", "é"]
SEPARATORS += ["\u0301", "\u0308", "e\u0301", "’"]

texts = st.lists(
    st.lists(
        st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=12
    ).map(lambda ws: "".join(w + s for w, s in ws)),
    max_size=4,
)
keys = st.lists(
    st.tuples(
        st.booleans(),
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=3),
        st.sampled_from([" ", ", ", "  "]),
    ).map(lambda k: (CAPITALISED if k[0] else "") + k[2].join(k[1])),
    max_size=12,
)


@settings(max_examples=400, deadline=None)
@given(texts=texts, keys=keys)
def test_the_search_by_each_texts_keys_finds_what_the_whole_pattern_found(
    texts: list[str], keys: list[str]
) -> None:
    """Property: the same words replaced, by the same pseudonyms, and the same
    keys found, as by the one pattern of every key."""
    shown = {k: f"<{i}>" for i, k in enumerate(keys)}
    assert pseudonymise_ids(texts, shown) == old_pseudonymise_ids(texts, shown)
    assert written_keys(texts, keys) == old_written_keys(texts, keys)
    authored = pseudonymise_authored(texts, [[] for _ in texts], None, shown)
    assert authored == old_pseudonymise_ids(texts, shown)


def test_keys_the_engine_matches_in_ascii_by_other_letters_are_found() -> None:
    """A key with a letter the regular expression engine matches in any case
    by an ASCII letter (``ſ`` by ``s``, the Kelvin sign by ``k``, a capital
    ``ß`` by ``SS``) is found in a text of ASCII characters, as before."""
    shown = {"ſmith": "<s>", "\u212aate": "<k>", f"{CAPITALISED}ß": "<ss>", "ł": "<l>"}
    texts = ["Smith and KATE, SS ss; l"]
    assert pseudonymise_ids(texts, shown) == ["<s> and <k>, <ss> ss; l"]
    assert pseudonymise_ids(texts, shown) == old_pseudonymise_ids(texts, shown)


@pytest.mark.parametrize("key", ["zoë rene", f"{CAPITALISED}zoë rene", "xé jose"])
def test_a_key_written_decomposed_before_an_accent_on_its_last_word_is_found(
    key: str,
) -> None:
    """A stored "Zoë Rene" in a text pasted from a Mac as "Zoe" + U+0308 "Rene"
    + U+0301: the one pattern found it, but its words were a run of neither
    the text as written ("zoe") nor composed ("ren"), and it was shown."""
    texts = ["Zoe\u0308 Rene\u0301 seen", "xe\u0301 jose\u0301"]
    shown = {key: "<P>"}
    assert pseudonymise_ids(texts, shown) == old_pseudonymise_ids(texts, shown)
    assert "<P>" in "".join(str(t) for t in pseudonymise_ids(texts, shown))
    assert written_keys(texts, [key]) == old_written_keys(texts, [key]) == {key}
