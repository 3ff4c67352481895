"""Plans, objectives, actions and taskings as dataclasses; status transitions as tables.

An *action* belongs to a plan and (usually) an objective under one RIPE strand; its
*subject* is the VOLT target (a person, place, group, area or cohort). Its status
moves only along :data:`ACTION_TRANSITIONS`; *overdue* is never stored, it is derived
(:func:`with_overdue`). A *tasking* is the daily meeting's one-line order made from a
briefing item (``incident:I123``); its result is recorded the next day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

from avert.areas import area_words
from avert.errors import ConfigError
from avert.schema import ITEM_KINDS, RIPE_STRANDS

__all__ = [
    "ACTION_TRANSITIONS",
    "APPROACHES",
    "ITEM_KINDS",
    "OPEN_STATUSES",
    "RAGS",
    "STATUSES",
    "STRANDS",
    "SUBJECT_TYPES",
    "TASKING_STATUSES",
    "TASKING_TEXTS",
    "TASKING_TRANSITIONS",
    "Action",
    "Objective",
    "Plan",
    "Tasking",
    "cell_words",
    "check_tasking_transition",
    "check_transition",
    "follow_up_text",
    "item_key_words",
    "item_words",
    "organisation_words",
    "parse_item",
    "rag_problem",
    "shown_value",
    "subject_key",
    "subject_type",
    "subject_words",
    "with_overdue",
]

#: The RIPE strands of the seed's delivery plan (¶14).
STRANDS: Final = RIPE_STRANDS
#: Approach levels (¶22, Appendix 1).
APPROACHES: Final = ("universal", "targeted", "specialist")
#: What an action can target: the VOLT subjects, an area or a cohort.
SUBJECT_TYPES: Final = ("person", "place", "group", "area", "cohort", "incident")
#: Action statuses, in board order.
STATUSES: Final = ("proposed", "open", "in_progress", "done", "cancelled")
#: Statuses of work in hand (these can be overdue).
OPEN_STATUSES: Final = ("open", "in_progress")
RAGS: Final = ("red", "amber", "green")

#: Allowed status changes of an action: from -> the statuses it may move to.
#: A done action can be reopened (evidence found wanting); a cancelled one revived
#: as a proposal. Staying in the same status is always allowed (other fields change).
ACTION_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "proposed": frozenset({"open", "cancelled"}),
    "open": frozenset({"in_progress", "done", "cancelled"}),
    "in_progress": frozenset({"open", "done", "cancelled"}),
    "done": frozenset({"in_progress"}),
    "cancelled": frozenset({"proposed"}),
}

TASKING_STATUSES: Final = ("open", "done", "cancelled")
#: A tasking's free text: what is to be done, who does it (the "who" is typed
#: too, and named a stored person as "Amy Doe's keyworker") and its result;
#: partners and the board read each with the stored ids, names, dates of birth
#: and addresses in it withheld.
TASKING_TEXTS: Final = ("what", "assignee", "result")
#: Allowed status changes of a tasking.
TASKING_TRANSITIONS: Final[dict[str, frozenset[str]]] = {
    "open": frozenset({"done", "cancelled"}),
    "done": frozenset({"open"}),
    "cancelled": frozenset({"open"}),
}


#: the most characters of a value a message shows (a hand-edited web form sent
#: 20,000, and the page's error showed them all)
_SHOWN_CHARS = 30


def shown_value(value: object) -> str:
    """``value`` quoted for a message, its start only when long.

    A message saying why a value is refused names the allowed ones; what was sent
    is shown short, so that a typo can be seen but a pasted page is not sent back.

    >>> shown_value("opne")
    "'opne'"
    >>> shown_value("x" * 100)
    "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx…' (100 characters)"
    """
    text = str(value)
    if len(text) <= _SHOWN_CHARS:
        return repr(text)
    return f"{text[:_SHOWN_CHARS] + '…'!r} ({len(text):,} characters)"


def _check(
    table: dict[str, frozenset[str]], old: str | None, new: str, what: str
) -> None:
    if new not in table:
        msg = (
            f"unknown {what} status {shown_value(new)}; statuses are {', '.join(table)}"
        )
        raise ConfigError(msg)
    if old is None or old == new:
        return
    if old not in table:
        msg = f"unknown {what} status {old!r}"
        raise ConfigError(msg)
    if new not in table[old]:
        allowed = ", ".join(sorted(table[old])) or "nothing"
        msg = f"{what} status cannot move from {old!r} to {new!r} (from {old!r}: {allowed})"
        raise ConfigError(msg)


def rag_problem(rag: str | None, reason: str | None) -> str | None:
    """What is wrong with a RAG rating and its reason: a red or amber one needs a
    reason (the board asks why), else None."""
    if rag in ("red", "amber") and not (reason or "").strip():
        return f"RAG {rag} needs a reason"
    return None


def check_transition(old: str | None, new: str) -> None:
    """Raise :class:`ConfigError` unless an action may move from ``old`` to ``new``.

    ``old`` None is a new action (any status is a valid start).

    Examples
    --------
    >>> check_transition("open", "done")
    >>> check_transition("done", "open")
    Traceback (most recent call last):
    ...
    avert.errors.ConfigError: action status cannot move from 'done' to 'open' (from 'done': in_progress)
    """
    _check(ACTION_TRANSITIONS, old, new, "action")


def check_tasking_transition(old: str | None, new: str) -> None:
    """Raise :class:`ConfigError` unless a tasking may move from ``old`` to ``new``."""
    _check(TASKING_TRANSITIONS, old, new, "tasking")


def parse_item(text: str) -> tuple[str, str]:
    """Split a briefing item reference ``kind:id`` (e.g. ``incident:I123``).

    Examples
    --------
    >>> parse_item("place:cell-12")
    ('place', 'cell-12')
    """
    kind, sep, ident = text.strip().partition(":")
    kind = kind.strip().lower().replace("-", "_")
    if not sep or not ident.strip() or kind not in ITEM_KINDS:
        msg = (
            f"Not a briefing item: {text!r}; use KIND:ID with KIND one of "
            f"{', '.join(ITEM_KINDS)} (e.g. incident:I123, person:P1)"
        )
        raise ConfigError(msg)
    return kind, ident.strip()


def subject_type(kind: str) -> str:
    """The type of subject a briefing item of ``kind`` is about (``repeat_victim`` ->
    ``person``; a kind not in :data:`ITEM_KINDS` is its own type)."""
    return ITEM_KINDS.get(kind, kind)


def subject_key(kind: str, ident: str) -> str:
    """The subject a briefing item is about, as ``type:id`` (``repeat_victim:P1`` -> ``person:P1``)."""
    return f"{subject_type(kind)}:{ident}"


#: A briefing item's kind in words, as the meeting names an item: "Repeat victim
#: P1", not "repeat_victim:P1" (the key stays in the form and the page's data).
ITEM_KIND_WORDS: Final[dict[str, str]] = {
    "incident": "Violent incident",
    "retaliation": "Retaliation alert, incident",
    "repeat_victim": "Repeat victim",
    "person": "Person of concern",
    "asb_caller": "Vulnerable ASB caller",
    "place": "Place",
    "cell": "Place",
    "group": "Group",
    "area": "Area",
}
#: An action's subject type in words (SUBJECT_TYPES), as the plan names a subject.
SUBJECT_TYPE_WORDS: Final[dict[str, str]] = {
    "person": "Person",
    "place": "Place",
    "group": "Group",
    "area": "Area",
    "cohort": "Cohort",
    "incident": "Incident",
}


#: Organisation keys' words that are abbreviations, read in capitals ("nhs": "NHS").
_ORG_ACRONYMS: Final = frozenset(
    {"nhs", "lfb", "las", "mps", "cps", "yot", "nps", "crc", "icb", "ccg", "gp", "vcs"}
)


def organisation_words(organisation: str | None) -> str:
    """An organisation as a reader is shown it. A plan file and the accounts name
    one by a key (``nhs``, ``london-councils``), which the forms and the pages'
    data keep; a key typed in lower case is shown in words, each word capitalised
    and abbreviations in capitals ("NHS", "London Councils"); a name already spelt
    with capitals or spaces ("Leeds City Council") as given. The plan file names
    no organisation beyond its key, so this readable form is all there is.

    >>> organisation_words("nhs"), organisation_words("london-councils")
    ('NHS', 'London Councils')
    >>> organisation_words("youth_service"), organisation_words("Leeds City Council")
    ('Youth Service', 'Leeds City Council')
    """
    key = (organisation or "").strip()
    if not key or not all(c.islower() or c.isdigit() or c in "-_" for c in key):
        return key
    words = [w for w in re.split(r"[-_]+", key) if w]
    return " ".join(w.upper() if w in _ORG_ACRONYMS else w.capitalize() for w in words)


def cell_words(cell_id: str) -> str:
    """A grid cell's id (``150m:E2714:N1911``, avert.briefing.places) in words.

    The id's parts are the cell's size and its column and row on the British
    National Grid (metres east and north over the size); the words keep the
    parts, so that the cell can still be looked up, and say what they are. Any
    other id is returned as it is.

    >>> cell_words("150m:E2714:N1911")
    '150 m cell E2714 N1911'
    >>> cell_words("cell-12")
    'cell-12'
    """
    size, east, north = [*cell_id.split(":"), "", ""][:3]
    if (
        cell_id.count(":") == 2
        and size.endswith("m")
        and size[:-1].replace(".", "", 1).isdigit()
        and east[:1] == "E"
        and north[:1] == "N"
    ):
        return f"{size[:-1]} m cell {east} {north}"
    return cell_id


def _place_words(ident: str, facts: Mapping[str, Any]) -> str:
    """A place item in words: what it is near (avert.briefing.places ``near``,
    ``near_m``), then its cell."""
    cell = cell_words(ident)
    near, near_m = facts.get("near"), facts.get("near_m")
    if not near:
        return f"Place, {cell}"
    if near_m:
        return f"Place {near_m:,.0f} m from {near}, {cell}"
    return f"Place near {near}, {cell}"


def _item_detail(
    kind: str, facts: Mapping[str, Any], repeat_window_days: int | None
) -> str | None:
    """The words after an item's kind and id, from its briefing row (``facts``)."""
    if kind == "repeat_victim" and facts.get("n_victimisations") is not None:
        n = int(facts["n_victimisations"])
        within = f" in {repeat_window_days} days" if repeat_window_days else ""
        return f"victim {'once' if n == 1 else f'{n} times'}{within}"
    if kind == "person" and facts.get("roles_today"):
        return " and ".join(str(r) for r in facts["roles_today"]) + " in the window"
    if kind in ("incident", "retaliation"):
        parts = []
        category = facts.get("label") or facts.get("category")
        if category:
            parts.append(str(category).replace("_", " "))
        if kind == "retaliation" and facts.get("victim_id"):
            parts.append(f"victim {facts['victim_id']}")
        return ", ".join(parts) or None
    return None


def item_words(
    kind: str,
    ident: str,
    facts: Mapping[str, Any] | None = None,
    *,
    repeat_window_days: int | None = None,
) -> str:
    """A briefing item (:func:`parse_item`'s ``kind``, ``ident``) in words.

    ``facts``: the item's row of the briefing, when at hand: it adds what the
    item is (a victim's count of incidents, a person's roles, an incident's
    category, what a place is near). ``ident`` is shown as given: a partner's
    items carry pseudonyms, and so do their facts (the partner's briefing).

    >>> item_words("repeat_victim", "P1", {"n_victimisations": 3}, repeat_window_days=365)
    'Repeat victim P1 (victim 3 times in 365 days)'
    >>> item_words("cell", "150m:E1:N2", {"near": "High Street", "near_m": 0.0})
    'Place near High Street, 150 m cell E1 N2'
    >>> item_words("incident", "I9")
    'Violent incident I9'
    """
    facts = facts or {}
    if kind in ("cell", "place"):
        return _place_words(ident, facts)
    if kind == "area":  # "The whole force area", "Area: London" (not "Area london")
        return subject_words(kind, ident)
    words = ITEM_KIND_WORDS.get(kind) or kind.replace("_", " ").capitalize()
    detail = _item_detail(kind, facts, repeat_window_days)
    return f"{words} {ident}" + (f" ({detail})" if detail else "")


def item_key_words(item: str) -> str:
    """A briefing item's key (``repeat_victim:P7``) in words (:func:`item_words`);
    a text that is not an item's key (:func:`parse_item`) as given.

    >>> item_key_words("repeat_victim:P7")
    'Repeat victim P7'
    >>> item_key_words("nonsense")
    'nonsense'
    """
    try:
        kind, ident = parse_item(item)
    except ConfigError:
        return item
    return item_words(kind, ident)


def follow_up_text(item: str) -> str:
    """A tasking's "what" when none is typed: follow up the item, in words.

    It was "Follow up repeat_victim:P0002967", a key in the text every reader
    of the tasking reads. An item that is not one is named as given: the
    tasking is refused for it anyway.

    >>> follow_up_text("repeat_victim:P7")
    'Follow up repeat victim P7'
    """
    words = item_key_words(item)
    return f"Follow up {words[:1].lower()}{words[1:]}"


#: Shortenings a plan file's cohort ids use, as a page writes them.
_ACRONYMS: Final = {"asb": "ASB", "msv": "MSV", "nhs": "NHS", "dv": "DV", "vrp": "VRP"}


def subject_words(kind: str, ident: str, near: tuple[str, float] | None = None) -> str:
    """An action's subject (``target_type``, ``target_id``) in words; a place
    with ``near`` (what it is near and how far, in metres, the named cell is:
    :func:`avert.briefing.places.cell_names`) as the briefing and the meeting say
    their places.

    >>> subject_words("person", "P0033251")
    'Person P0033251'
    >>> subject_words("place", "150m:E2714:N1911")
    'Place, 150 m cell E2714 N1911'
    >>> subject_words("place", "150m:E2714:N1911", ("Station Road", 0.0))
    'Place near Station Road, 150 m cell E2714 N1911'
    >>> subject_words("cohort", "repeat-asb-callers")
    'Cohort: repeat ASB callers'
    >>> subject_words("area", "force")
    'The whole force area'
    >>> subject_words("area", "london")
    'Area: London'
    """
    if kind == "place":
        near_name, near_m = near or (None, None)
        return _place_words(ident, {"near": near_name, "near_m": near_m})
    if kind == "area" and ident == "force":
        return "The whole force area"
    words = SUBJECT_TYPE_WORDS.get(kind) or kind.replace("_", " ").capitalize()
    if kind == "area":  # a plan file's area key ("london"): its name, as pages say it
        return f"{words}: {area_words(ident)}"
    if kind == "cohort":
        # a plan file's id of a cohort ("repeat-asb-callers"): its words
        said = re.split(r"[-_ ]+", ident)
        return f"{words}: " + " ".join(_ACRONYMS.get(w.lower(), w) for w in said)
    return f"{words} {ident}"


@dataclass(frozen=True)
class Plan:
    """A delivery plan: its period and the board that owns it."""

    plan_id: str
    title: str
    board: str
    period_start: dt.date | None = None
    period_end: dt.date | None = None

    def row(self) -> dict[str, Any]:
        """The row of table ``plans`` (without version bookkeeping)."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Objective:
    """An objective under one RIPE strand, with its measure, baseline and target."""

    objective_id: str
    plan_id: str
    strand: str
    title: str
    indicator: str | None = None
    indicator_filter: str | None = None
    baseline: float | None = None
    target: float | None = None

    def row(self) -> dict[str, Any]:
        """The row of table ``objectives``."""
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Action:
    """One action of the plan (columns of table ``actions``)."""

    action_id: str
    title: str
    strand: str
    plan_id: str | None = None
    objective_id: str | None = None
    lead_organisation: str | None = None
    owner: str | None = None
    supporting: tuple[str, ...] = ()
    approach: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    area: str | None = None
    due: dt.date | None = None
    status: str = "proposed"
    rag: str | None = None
    rag_reason: str | None = None
    evidence: str | None = None
    review_date: dt.date | None = None
    board: str | None = None

    def problems(self) -> list[str]:
        """What is wrong with the action's values (empty when valid)."""
        return [message for _, message in self.field_problems()]

    def field_problems(self) -> list[tuple[str, str]]:
        """What is wrong with the action's values, each with the field it is about
        (a form shows it there): ``("rag_reason", "RAG red needs a reason")``."""
        out: list[tuple[str, str]] = []
        if self.strand not in STRANDS:
            out.append(
                (
                    "strand",
                    f"strand {shown_value(self.strand)} is not one of "
                    f"{', '.join(STRANDS)}",
                )
            )
        if self.status not in STATUSES:
            out.append(
                (
                    "status",
                    f"status {shown_value(self.status)} is not one of "
                    f"{', '.join(STATUSES)}",
                )
            )
        if self.approach is not None and self.approach not in APPROACHES:
            out.append(
                (
                    "approach",
                    f"approach {shown_value(self.approach)} is not one of "
                    f"{', '.join(APPROACHES)}",
                )
            )
        if self.rag is not None and self.rag not in RAGS:
            out.append(
                ("rag", f"RAG {shown_value(self.rag)} is not one of {', '.join(RAGS)}")
            )
        if problem := rag_problem(self.rag, self.rag_reason):
            out.append(("rag_reason", problem))
        if self.target_type is not None and self.target_type not in SUBJECT_TYPES:
            out.append(
                (
                    "target_type",
                    f"subject type {shown_value(self.target_type)} is not one of "
                    f"{', '.join(SUBJECT_TYPES)}",
                )
            )
        if (self.target_type is None) != (self.target_id is None):
            out.append(("target_id", "a subject needs both a type and an id"))
        if not self.title:
            out.append(("title", "an action needs a title"))
        return out

    def row(self) -> dict[str, Any]:
        """The row of table ``actions`` (supporting partners ';'-joined)."""
        out = dataclasses.asdict(self)
        out["supporting"] = ";".join(self.supporting) or None
        return out


@dataclass(frozen=True)
class Tasking:
    """A tasking from the daily meeting."""

    tasking_id: str
    what: str
    assignee: str | None
    organisation: str | None
    due: dt.datetime
    item_kind: str
    item_id: str
    status: str = "open"
    result: str | None = None
    created_by: str | None = None
    created_at: dt.datetime | None = None
    result_at: dt.datetime | None = None
    result_by: str | None = None
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def row(self) -> dict[str, Any]:
        """The row of table ``taskings``."""
        out = dataclasses.asdict(self)
        out.pop("extra")
        return out


def with_overdue(actions: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """``actions`` with a derived ``overdue`` column and its ``overdue_days``.

    Overdue: open or in progress, with a due date before ``today``.
    """
    late = pl.col("status").is_in(list(OPEN_STATUSES)) & (pl.col("due") < today)
    return actions.with_columns(
        late.fill_null(value=False).alias("overdue"),
        pl.when(late)
        .then((pl.lit(today) - pl.col("due")).dt.total_days())
        .otherwise(0)
        .alias("overdue_days"),
    )
