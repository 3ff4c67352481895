"""The briefing's reasons in words a chair reads: one place per kind of code.

Each item's ``reasons`` keep the machine keys the JSON contract has always had (the
definition's rule ids, the harm table's ``cchi:``/``derived:`` sources, "RFGH",
group ids, the ASB bridge's rule ids); :meth:`ReasonWords.words` writes each of them
in words, and the briefing adds them to every item as ``reasons_words`` (the same
reasons, in the same order), which the HTML, PDF and web pages show.

The kinds, each worded here and nowhere else:

- the definition's rules (``msv.gbh_with_intent``): the rule's ``clause`` in the
  profile (``config/defaults/violence.toml``), e.g. "wounding / GBH with intent";
  a rule the definition no longer has, or every rule when the definition no longer
  loads (a profile file since moved, an old briefing's rules since renamed), is
  worded from its id ("GBH with intent") and the reason says so, never a bare id;
- a harm weight's source (``harm_source`` of :func:`avert.classify.attach_harm`):
  ``cchi:5D`` the Cambridge Crime Harm Index's published weight of offence code 5D,
  ``derived:5D`` a weight avert derived by the index's method (starting-point
  sentence of the offence's sentencing guideline, in days: ``harm.toml`` gives the
  guideline and the reasoning), ``expected:<category>`` the expected weight of a
  police.uk category under the national offence mix, ``unknown:<x>`` no weight;
- "RFGH", the offender risk score: recency, frequency, gravity (most serious
  offence) and harm (all offences) of the person's own violence (UK IOM,
  ``docs/analyses.md``);
- group ids: a network avert detected (``net-`` + its first member's id) says so;
  a declared group gets its name (police only: partners read pseudonyms alone);
- the ASB bridge's rules (``asb.repeat_caller``...): the definition's window in
  days and its threshold (``[asb_bridge]`` of the profile); when the definition did
  not load, the rule in words and that its window was not found.

Pure: the caller (:mod:`avert.workflows.briefing`) builds a :class:`ReasonWords`
from the definition it classified with (:meth:`ReasonWords.of_profile`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Final

from avert.config.definitions import Profile

__all__ = ["ReasonWords", "add_reason_words"]

#: "in definition avb-2010: most serious violence (msv.a; hate.b)": the rule ids.
_RULES: Final = re.compile(r"^(in definition .+?: )(.*)\(([^()]*)\)$")
#: A harm weight's source in a reason: "(Cambridge Crime Harm Index, derived:5D)".
_HARM_SOURCE: Final = re.compile(
    r"\(Cambridge Crime Harm Index, (cchi|derived|expected):([^()]+)\)"
)
#: "harm unknown (unknown:XX1): not in the harm total" and its kin.
_HARM_UNKNOWN: Final = re.compile(r"^harm unknown \((unknown|none):([^()]+)\)")
#: The offender risk score's code, and what its parts weigh.
_RFGH: Final = "offender risk (RFGH)"
_RFGH_PARTS: Final = (
    " (their own violence: gravity the most serious offence's harm, harm all of theirs)"
)
#: A clause's closing aside in brackets.
_ASIDE: Final = re.compile(r"\s*\([^()]*\)\s*$")
#: A detected network's id (``net-`` + its first member's person id, which may hold
#: hyphens, dots or slashes: "net-WYP-0012"), up to a space, comma, semicolon or
#: bracket.
_NETWORK: Final = re.compile(r"(?<![\w-])(net-[^\s,;()]+)( \()?")
#: The ASB bridge's reasons (:mod:`avert.briefing.asb_escalating`).
_ASB: Final = re.compile(
    r"^(?P<who>the caller's |a vulnerable caller's |)(?P<n>\d[\d,]*) ASB reports?"
    r"(?P<place> in the same place cell)? in the definition's ASB window "
    r"\((?P<rule>asb\.repeat_\w+)\)$"
)
#: Letters a rule id abbreviates that read as capitals ("msv.gbh_with_intent":
#: "GBH with intent").
_ID_ACRONYMS: Final = frozenset({"abh", "asb", "gbh", "dv", "da", "vawg", "fgm"})

_HARM_WORDS: Final = {
    "cchi": "Cambridge Crime Harm Index: the published weight of offence code {}",
    "derived": "Cambridge Crime Harm Index: offence code {}'s weight derived by "
    "avert from its sentencing guideline, not published",
    "expected": "Cambridge Crime Harm Index: the expected weight of a police.uk "
    '"{}" record under the national offence mix, not this record\'s own',
}


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st..."""
    teen = 10 <= n % 100 <= 20
    suffix = "th" if teen else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class ReasonWords:
    """What the reasons' codes mean, for one briefing.

    ``rule_clauses``: rule id -> its clause in the definition; ``category_names``:
    a category as reasons say it -> its name in the definition; ``group_names``:
    declared group id -> name (police only; empty for partners); ``asb_window_days``,
    ``asb_min_reports``, ``asb_min_reports_vulnerable``, ``asb_place_cell_m``: the
    definition's ASB bridge (None: not known, the reason keeps "the definition's
    ASB window" and says its window was not found). ``definition_not_found``: the
    definition asked for, when it did not load (:meth:`not_found`).
    """

    rule_clauses: Mapping[str, str] = field(default_factory=dict)
    #: the definition's categories by name (``Category.name``), keyed by their id
    #: with spaces ("violence weapon": "Violence with a weapon"), as reasons say them
    category_names: Mapping[str, str] = field(default_factory=dict)
    #: the definition whose words were asked for and did not load (None: it did)
    definition_not_found: str | None = None
    group_names: Mapping[str, str] = field(default_factory=dict)
    asb_window_days: int | None = None
    asb_min_reports: int | None = None
    asb_min_reports_vulnerable: int | None = None
    asb_place_cell_m: float | None = None

    @classmethod
    def of_profile(cls, profile: Profile) -> ReasonWords:
        """The words of a violence definition's rules and ASB bridge."""
        clauses = {
            profile.weapon.id: "a weapon involved",
            profile.group_offending.id: (
                f"{profile.group_offending.min_suspects} or more suspects/offenders"
            ),
            profile.repeat_victim.id: (
                f"a repeat victim within {profile.repeat_victim.window_days} days"
            ),
        }
        # the clause without its aside: "domestic abuse", not "domestic abuse (the
        # seed counts ...)"; the rules' reason lists them in one bracket
        clauses.update(
            {r.id: _ASIDE.sub("", r.clause) for r in profile.rules if r.clause}
        )
        bridge = profile.asb_bridge
        return cls(
            rule_clauses=clauses,
            # without its aside: "Most Serious Violence (wounding / GBH with
            # intent)", not "Most Serious Violence (MSV) (wounding / ...)"
            category_names={
                cid.replace("_", " "): _ASIDE.sub("", c.name)
                for cid, c in profile.categories.items()
            },
            asb_window_days=bridge.window_days,
            asb_min_reports=bridge.min_reports,
            asb_min_reports_vulnerable=bridge.min_reports_vulnerable,
            asb_place_cell_m=bridge.place_cell_m,
        )

    @classmethod
    def not_found(cls, profile: str) -> ReasonWords:
        """The words of a definition that no longer loads: its rules worded from
        their ids, each reason saying the definition ``profile`` was not found."""
        return cls(definition_not_found=profile)

    def with_group_names(self, names: Mapping[str, str | None]) -> ReasonWords:
        """These words, with declared groups' names (police briefings only)."""
        named = {g: n for g, n in names.items() if n}
        return dataclasses.replace(self, group_names=named)

    def words(self, reason: str) -> str:
        """One reason with its codes in words (a reason with none as it is)."""
        out = self._rules(reason)
        out = _HARM_SOURCE.sub(_harm_words, out)
        out = _HARM_UNKNOWN.sub(_unknown_words, out)
        if out.startswith(_RFGH):
            out = "offender risk score" + out.removeprefix(_RFGH) + _RFGH_PARTS
        out = self._asb(out)
        return self._groups(out)

    def _rules(self, reason: str) -> str:
        m = _RULES.match(reason)
        if m is None:
            return reason
        ids = [r.strip() for r in m.group(3).split(";")]
        clauses = [self.rule_clauses.get(r) or _id_words(r) for r in ids]
        category = m.group(2)
        named = self.category_names.get(category.strip())
        if named is not None:
            category = f"{named} "
        said = f"{m.group(1)}{category}({'; '.join(clauses)})"
        unknown = [r for r in ids if r not in self.rule_clauses]
        if not unknown:
            return said
        if self.definition_not_found is not None:
            return (
                f"{said}, worded from the rule ids: the definition "
                f"{self.definition_not_found} was not found"
            )
        if len(unknown) == 1:
            return f"{said}, one rule worded from its id: not found in the definition"
        return (
            f"{said}, {len(unknown)} rules worded from their ids: not found in the "
            "definition"
        )

    def _asb(self, reason: str) -> str:
        m = _ASB.match(reason)
        if m is None:
            return reason
        if self.asb_window_days is None:
            return (
                f"{reason[: m.start('rule') - 1]}({_id_words(m.group('rule'))} "
                "rule; the definition's window and threshold were not found)"
            )
        days = self.asb_window_days
        rule = m.group("rule")
        vulnerable = rule.endswith("_vulnerable")
        need = self.asb_min_reports_vulnerable if vulnerable else self.asb_min_reports
        n = int(m.group("n").replace(",", ""))
        reports = "ASB report" if n == 1 else "ASB reports"
        if m.group("place"):
            cell = f"{self.asb_place_cell_m:g} m" if self.asb_place_cell_m else ""
            return (
                f"{m.group('n')} {reports} in the same {cell} square in {days} days "
                f"(the definition flags a place's {_ordinal(need or 0)} report in "
                f"{days} days)"
            )
        whose = "a vulnerable caller's" if vulnerable else "a caller's"
        return (
            f"{m.group('who')}{m.group('n')} {reports} in {days} days (the "
            f"definition flags {whose} {_ordinal(need or 0)} report in {days} days)"
        )

    def _groups(self, reason: str) -> str:
        for gid, name in self.group_names.items():
            if gid in reason and not gid.startswith("net-"):
                pattern = rf"(?<![\w-]){re.escape(gid)}(?![\w-])( \()?"
                reason = re.sub(pattern, _aside(gid, name), reason)
        network = "a network found by co-offending"
        return _NETWORK.sub(lambda m: _aside(m.group(1), network)(m), reason)


def _id_words(rule_id: str) -> str:
    """A rule id in words, for a rule whose clause is not known: the name after its
    family ("msv."), underscores as spaces, abbreviations in capitals.

    >>> _id_words("msv.gbh_with_intent")
    'GBH with intent'
    >>> _id_words("asb.repeat_caller_vulnerable")
    'repeat caller vulnerable'
    """
    name = rule_id.rsplit(".", 1)[-1]
    words = [w.upper() if w in _ID_ACRONYMS else w for w in name.split("_") if w]
    return " ".join(words) or rule_id


def _aside(gid: str, said: str) -> Callable[[re.Match[str]], str]:
    """A group id matched with its following " (", if any, said with ``said``: in
    its own brackets, or first in the bracket that follows ("R1 (Hill Block; named
    by ...)", not "R1 (Hill Block) (named by ...)"). ``said`` as it is (a function
    replaces: a backslash in a name is no escape)."""

    def sub(m: re.Match[str]) -> str:
        return f"{gid} ({said}; " if m.group(m.re.groups) else f"{gid} ({said})"

    return sub


def _harm_words(m: re.Match[str]) -> str:
    return "(" + _HARM_WORDS[m.group(1)].format(m.group(2)) + ")"


def _unknown_words(m: re.Match[str]) -> str:
    what = m.group(2)
    if m.group(1) == "none":
        return f"harm unknown ({what}: no harm weight)"
    return f"harm unknown ({what} has no weight in the harm table)"


def add_reason_words(
    items: Iterable[MutableMapping[str, Any]], words: ReasonWords
) -> None:
    """Add ``reasons_words`` to each item: its ``reasons`` in words, in order.

    The briefing's reasons repeat (the same rules, sources and counts), so each
    distinct reason is worded once."""
    seen: dict[str, str] = {}
    for item in items:
        out = []
        for r in item.get("reasons") or []:
            w = seen.get(r)
            if w is None:
                w = seen[r] = words.words(r)
            out.append(w)
        item["reasons_words"] = out
