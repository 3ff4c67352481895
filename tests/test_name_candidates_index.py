"""The stored names' word index that :func:`avert.access.name_candidates` asks
by: the runs it leaves out are exactly those no stored name can be, so what the
store finds is what it found before (the old search kept here as the oracle)."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from avert.access import _CURLY, _NAME_WORD, MAX_NAME_WORDS, name_candidates


def _lower_ascii(word: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in word)


def old_name_candidates(texts: list[str | None], *, min_words: int = 2) -> list[str]:
    """The search before the index, word for word (the test's oracle)."""
    out: set[str] = set()
    for text in texts:
        if not text:
            continue
        words = [
            (m.group(0), m.start(), m.end()) for m in re.finditer(_NAME_WORD, text)
        ]
        for i in range(len(words)):
            for n in range(max(min_words, 1), MAX_NAME_WORDS + 1):
                run = words[i : i + n]
                if len(run) < n:
                    break
                gaps = [text[a[2] : b[1]] for a, b in itertools.pairwise(run)]
                if any(g.strip() for g in gaps[1:]):
                    break
                for lower in (str.lower, _lower_ascii):
                    parts = [lower(w).replace(_CURLY, "'") for w, _, _ in run]
                    if not gaps or not gaps[0].strip():
                        out.add(" ".join(parts))
                    if gaps and gaps[0].strip() in ("", ","):
                        out.add(" ".join([*parts[1:], parts[0]]))
    return sorted(out)


WORDS = [
    "John", "SMITH", "smith", "Mary", "O'Neil", "O’NEIL", "o’neil", "Łukasz",
    "ŁUKASZ", "nowak", "NOWAK", "İpek", "Straße", "da", "Silva", "Santos",
    "P12", "the", "park", "Young", "Amy's", "Jean-Luc", "J.", "x",
]  # fmt: skip
SEPARATORS = [" ", "  ", ", ", ",", ". ", "; ", "\n", " - ", "!", " 7 "]

texts = st.lists(
    st.lists(
        st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=14
    ).map(lambda ws: "".join(w + s for w, s in ws)),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(texts=texts, min_words=st.integers(1, 3))
def test_the_search_without_an_index_is_the_search_before(
    texts: list[str], min_words: int
) -> None:
    """The search of every run (no index) is unchanged, word for word."""
    assert name_candidates(texts, min_words=min_words) == old_name_candidates(
        texts, min_words=min_words
    )


@settings(max_examples=300, deadline=None)
@given(
    texts=texts,
    min_words=st.integers(1, 3),
    stored=st.lists(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=4), max_size=6
    ),
)
def test_the_index_leaves_out_only_runs_no_stored_name_is(
    texts: list[str], min_words: int, stored: list[list[str]]
) -> None:
    """A force's texts were slow to pseudonymise: every run of up to six words
    of every text was formed, in two cases, and asked. With the index of the
    stored names' words, a run holding a word no name has is not formed: the
    runs left are the old ones whose words are all indexed, and every stored
    name the old search asked for is still asked."""
    keys = {" ".join(w.lower().replace(_CURLY, "'") for w in name) for name in stored}
    known = {w for k in keys for w in k.split(" ")}
    before = old_name_candidates(texts, min_words=min_words)
    after = name_candidates(texts, min_words=min_words, known=known)
    assert after == [c for c in before if all(w in known for w in c.split(" "))]
    assert keys & set(after) == keys & set(before)
