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
from dataclasses import dataclass, field
from typing import Any, Final

import polars as pl

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
    "check_tasking_transition",
    "check_transition",
    "parse_item",
    "rag_problem",
    "shown_value",
    "subject_key",
    "subject_type",
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
