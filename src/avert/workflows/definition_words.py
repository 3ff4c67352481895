"""What a violence definition's keys read as on a page: its categories' names and
its reasons' codes in words, from the definition (``config/defaults/violence.toml``
or the profile a briefing names).

One place for the briefing (:mod:`avert.workflows.briefing`), which words what it
makes, and the meeting (:mod:`avert.workflows.delivery._meeting`), which words a
stored briefing made before the briefing had ``reasons_words``. Both import this
module; neither imports the other for it (the meeting importing the briefing's
workflow made an import cycle).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

from avert.briefing import ReasonWords
from avert.briefing.reason_words import add_reason_words
from avert.config.definitions import load_profile
from avert.errors import ConfigError

__all__ = ["category_titles", "reason_words_of", "rule_words", "word_stored_reasons"]


def reason_words_of(profile: str) -> ReasonWords:
    """What the reasons' codes mean under the definition ``profile`` (its rules'
    clauses and its ASB bridge's window and thresholds); a definition that no
    longer loads (a file since moved) has its rules worded from their ids, and the
    reasons say it was not found (:meth:`ReasonWords.not_found`)."""
    try:
        return ReasonWords.of_profile(load_profile(profile))
    except ConfigError:
        return ReasonWords.not_found(profile)


def rule_words(profile: str) -> dict[str, str]:
    """The definition ``profile``'s rules in words, keyed by rule id: each rule's
    clause up to its first colon ("wounding / GBH with intent" for
    ``msv.gbh_with_intent``; "sexual assault by penetration", not its note on the
    codes it is recorded under), as :func:`reason_words_of` words the briefing's
    reasons. The Incidents page's "Why it is in" read the ids alone
    ("msv.gbh_with_intent; hate.domestic_abuse; ext.repeat_victim")."""
    return {
        rule: clause.split(": ", 1)[0]
        for rule, clause in reason_words_of(profile).rule_clauses.items()
    }


def category_titles(profile: str) -> dict[str, str]:
    """The definition's categories by the name a page shows, keyed by id
    (:attr:`avert.config.definitions.Category.name`: "Violence with a weapon" for
    ``violence_weapon``); empty when the definition no longer loads (the page
    then names a category by its id in words)."""
    try:
        loaded = load_profile(profile)
    except ConfigError:
        return {}
    return {cid: c.name for cid, c in loaded.categories.items()}


def word_stored_reasons(
    rows: Iterable[MutableMapping[str, Any]],
    profile: str,
    group_names: Mapping[str, str | None] | None = None,
) -> None:
    """Give each row of a stored briefing without ``reasons_words`` its reasons in
    words, as the briefing would have (:func:`add_reason_words` under the
    definition ``profile``; ``group_names``: declared groups' names, police only).
    Rows that have them are left as they are."""
    bare = [r for r in rows if r.get("reasons") and not r.get("reasons_words")]
    if not bare:
        return
    words = reason_words_of(profile)
    if group_names:
        words = words.with_group_names(group_names)
    add_reason_words(bare, words)
