"""The plan file: a delivery plan as YAML, read with every error's line, and written.

A board keeps its plan under version control as one YAML file (format in
``docs/delivery.md``)::

    plan: {id: ..., title: ..., board: ..., period: {start: ..., end: ...}}
    objectives:
      - {id: ..., strand: prevention, title: ..., measure: {indicator: ...,
         filter: ..., baseline: 120, target: 100}}
    actions:
      - {id: ..., objective: ..., title: ..., lead: ..., owner: ..., ...}

:func:`parse_plan` never stops at the first problem: it returns every error with the
line it is on (YAML node marks), so a board secretary fixes the file in one pass.
:func:`dump_plan` writes the same format back (``parse_plan(dump_plan(p))`` is ``p``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import yaml

from avert.delivery.model import (
    APPROACHES,
    RAGS,
    STATUSES,
    STRANDS,
    SUBJECT_TYPES,
    Action,
    Objective,
    Plan,
    rag_problem,
)

__all__ = [
    "MAX_ID_CHARS",
    "PlanDocument",
    "PlanFileError",
    "dump_plan",
    "parse_plan",
    "shift_plan",
]


@dataclass(frozen=True)
class PlanFileError:
    """One problem in a plan file, at a 1-based line."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass
class PlanDocument:
    """A parsed plan file: the plan, its objectives and actions, each with its line."""

    plan: Plan | None = None
    objectives: list[Objective] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)  # "action:A1" -> line
    errors: list[PlanFileError] = field(default_factory=list)
    #: the entries read with an error of their own ("action:A1"): an import checks
    #: the others against the store too, to list every error at once
    flawed: set[str] = field(default_factory=set)


class _Map(dict[str, Any]):
    """A YAML mapping that remembers the line of itself and of each key, and the
    keys given twice (YAML would keep the last value without a word)."""

    line: int = 0
    key_lines: dict[str, int]
    repeated: list[tuple[str, int, int]]  # (key, line, line of the first)
    #: each scalar value as written (``1.10``, ``007``, ``no``), for text fields
    raw: dict[str, str]


class _Seq(list[Any]):
    """A YAML sequence that remembers the line of each item (and scalars as written)."""

    item_lines: list[int]
    raw: list[str | None]


#: a number in exponent form without a dot, which YAML 1.1 reads as text
_EXPONENT = re.compile(r"[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+")

#: a NUL character cannot be stored (PostgreSQL refuses it)
_NUL = "holds a NUL character (U+0000), which avert refuses"
#: Longest plan, objective or action id: an id is a short code (A04, avb-2010).
#: Without a bound a plan file with an id of a few thousand characters imported on
#: SQLite and ended in a traceback on PostgreSQL (a B-tree index entry holds at
#: most 2,704 bytes).
MAX_ID_CHARS = 100


def _raws(items: list[Any]) -> list[str | None]:
    """The items of a YAML sequence as written (None where not known)."""
    return items.raw if isinstance(items, _Seq) else [None] * len(items)


def _as_text(value: Any, raw: str | None) -> Any:
    """A text field's value: a plain scalar YAML would read as a number or a boolean
    (``id: 1.10``, ``owner: 007``, ``lead: no``) as it is written, not as
    ``1.1``, ``7`` or ``False``."""
    if isinstance(value, (bool, int, float)) and raw is not None:
        return raw
    return value


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings are :class:`_Map` (line numbers kept).

    Dates stay text (no implicit timestamps), so a bad date is reported with its
    line instead of failing the whole file.
    """


_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    out.repeated = []
    out.raw = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        line = key_node.start_mark.line + 1
        if key in out.key_lines:
            out.repeated.append((key, line, out.key_lines[key]))
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = line
        if isinstance(value_node, yaml.ScalarNode):
            out.raw[key] = value_node.value
        else:
            out.raw.pop(key, None)
    return out


def _construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> _Seq:
    out = _Seq(loader.construct_object(item, deep=True) for item in node.value)
    out.item_lines = [item.start_mark.line + 1 for item in node.value]
    out.raw = [
        item.value if isinstance(item, yaml.ScalarNode) else None for item in node.value
    ]
    return out


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_map,  # type: ignore[arg-type, unused-ignore]
)
_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
    _construct_seq,  # type: ignore[arg-type, unused-ignore]
)


def _repeated_errors(node: _Map, what: str) -> list[PlanFileError]:
    """One error per key given twice in ``node``, on the line of the second."""
    return [
        PlanFileError(line, f"{what}: field {key!r} repeats line {first}")
        for key, line, first in node.repeated
    ]


_PLAN_KEYS = {"id", "title", "board", "period"}
_OBJECTIVE_KEYS = {"id", "strand", "title", "measure"}
_MEASURE_KEYS = {"indicator", "filter", "baseline", "target"}
_ACTION_KEYS = {
    "id",
    "objective",
    "strand",
    "title",
    "lead",
    "owner",
    "supporting",
    "approach",
    "subject",
    "area",
    "due",
    "status",
    "rag",
    "evidence",
    "review",
    "board",
}


class _Reader:
    """Typed field reads from one mapping; problems go to the document's errors."""

    def __init__(self, doc: PlanDocument, node: _Map, what: str) -> None:
        self.doc = doc
        self.node = node
        self.what = what
        doc.errors.extend(_repeated_errors(node, what))

    def line(self, key: str | None = None) -> int:
        if key is not None and key in self.node.key_lines:
            return self.node.key_lines[key]
        return self.node.line

    def error(self, key: str | None, message: str) -> None:
        self.doc.errors.append(PlanFileError(self.line(key), f"{self.what}: {message}"))

    def unknown(self, allowed: set[str]) -> None:
        for key in self.node:
            if key not in allowed:
                self.error(
                    key, f"unknown field {key!r} (fields: {', '.join(sorted(allowed))})"
                )

    def text(self, key: str, *, required: bool = False) -> str | None:
        value = _as_text(self.node.get(key), self.node.raw.get(key))
        if value is None:
            if required:
                self.error(None, f"missing {key!r}")
            return None
        if isinstance(value, (dict, list)):
            self.error(key, f"{key!r} must be text")
            return None
        text = str(value).strip()
        if required and not text:
            self.error(key, f"{key!r} is empty")
        if "\x00" in text:
            self.error(key, f"{key!r} {_NUL}")
            return None
        return text or None

    def ident(self) -> str | None:
        """The required ``id``, refused when longer than :data:`MAX_ID_CHARS`."""
        value = self.text("id", required=True)
        if value is not None and len(value) > MAX_ID_CHARS:
            self.error(
                "id",
                f"'id' is {len(value):,} characters; an id is at most {MAX_ID_CHARS}",
            )
            return None
        return value

    def choice(
        self, key: str, choices: tuple[str, ...], *, required: bool = False
    ) -> str | None:
        value = self.text(key, required=required)
        if value is not None:
            value = value.lower().replace(" ", "_")
            if value not in choices:
                self.error(key, f"{key} {value!r} is not one of {', '.join(choices)}")
                return None
        return value

    def date(self, key: str) -> dt.date | None:
        value = self.node.get(key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.error(key, f"{key} {value!r} is not a date (YYYY-MM-DD)")
            return None

    def number(self, key: str) -> float | None:
        value = self.node.get(key)
        if value is None:
            return None
        raw = self.node.raw.get(key)
        if isinstance(value, str) and raw == value and _EXPONENT.fullmatch(value):
            value = float(value)  # YAML 1.1 reads 1e3 (no dot) as text
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(key, f"{key} {value!r} is not a number")
            return None
        if not math.isfinite(value):
            self.error(key, f"{key} {raw or value!r} is not a finite number")
            return None
        return float(value)

    def child(self, key: str) -> _Reader | None:
        value = self.node.get(key)
        if value is None:
            return None
        if not isinstance(value, _Map):
            self.error(key, f"{key!r} must be a mapping")
            return None
        return _Reader(self.doc, value, f"{self.what} {key}")


def _items(doc: PlanDocument, top: _Map, key: str) -> list[_Map]:
    value = top.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        doc.errors.append(PlanFileError(top.key_lines[key], f"{key!r} must be a list"))
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, _Map):
            out.append(item)
        else:
            line = (
                value.item_lines[i]
                if isinstance(value, _Seq)
                else top.key_lines[key] + i + 1
            )
            doc.errors.append(
                PlanFileError(line, f"{key}[{i}] must be a mapping of fields")
            )
    return out


def _parse_plan(doc: PlanDocument, top: _Map) -> None:
    node = top.get("plan")
    if not isinstance(node, _Map):
        doc.errors.append(PlanFileError(top.line, "missing 'plan' mapping at the top"))
        return
    before = len(doc.errors)
    r = _Reader(doc, node, "plan")
    r.unknown(_PLAN_KEYS)
    plan_id = r.ident()
    title = r.text("title", required=True)
    board = r.text("board", required=True)
    start = end = None
    period = r.child("period")
    if period is not None:
        period.unknown({"start", "end"})
        start, end = period.date("start"), period.date("end")
        if start and end and end < start:
            period.error("end", f"period ends ({end}) before it starts ({start})")
    if plan_id and title and board:
        doc.plan = Plan(plan_id, title, board, start, end)
        doc.lines[f"plan:{plan_id}"] = node.line
        if len(doc.errors) > before:
            doc.flawed.add(f"plan:{plan_id}")


def _seen(doc: PlanDocument, r: _Reader, kind: str, ident: str | None) -> bool:
    if ident is None:
        return False
    key = f"{kind}:{ident}"
    if key in doc.lines:
        r.error("id", f"{kind} id {ident!r} repeats line {doc.lines[key]}")
        return False
    doc.lines[key] = r.node.line
    return True


def _parse_objectives(doc: PlanDocument, top: _Map, plan_id: str) -> None:
    for node in _items(doc, top, "objectives"):
        before = len(doc.errors)
        r = _Reader(doc, node, f"objective {node.raw.get('id', '?')}")
        r.unknown(_OBJECTIVE_KEYS)
        oid = r.ident()
        strand = r.choice("strand", STRANDS, required=True)
        title = r.text("title", required=True)
        measure = r.child("measure")
        values: dict[str, Any] = {}
        if measure is not None:
            measure.unknown(_MEASURE_KEYS)
            values = {
                "indicator": measure.text("indicator", required=True),
                "indicator_filter": measure.text("filter"),
                "baseline": measure.number("baseline"),
                "target": measure.number("target"),
            }
        fresh = _seen(doc, r, "objective", oid)
        if fresh and oid and strand and title:
            doc.objectives.append(Objective(oid, plan_id, strand, title, **values))
            if len(doc.errors) > before:
                doc.flawed.add(f"objective:{oid}")


def _action_strand(
    r: _Reader, node: _Map, strands: dict[str, str]
) -> tuple[str | None, str | None]:
    """An action's objective and strand (the objective's when not given); errors
    when the objective is unknown, the strands differ, or neither is given."""
    objective = r.text("objective")
    if objective is not None and objective not in strands:
        r.error("objective", f"no objective {objective!r} in this plan")
    strand = r.choice("strand", STRANDS)
    if strand is None and objective in strands:
        strand = strands[objective]
    elif strand and objective in strands and strands[objective] != strand:
        r.error(
            "strand",
            f"strand {strand!r} differs from objective {objective!r}'s "
            f"{strands[objective]!r}",
        )
    if strand is None and "strand" not in node:
        r.error(None, "needs a 'strand' or an 'objective'")
    return objective, strand


def _action_supporting(r: _Reader, node: _Map) -> list[str]:
    """An action's supporting organisations: a list or one text, ';' separating."""
    supporting = node.get("supporting") or []
    if isinstance(supporting, (bool, int, float)):
        supporting = str(_as_text(supporting, node.raw.get("supporting")))
    if isinstance(supporting, str):
        supporting = [supporting]
    if not isinstance(supporting, list) or not all(
        isinstance(s, (str, bool, int, float)) for s in supporting
    ):
        r.error("supporting", "'supporting' must be a list of organisations")
        supporting = []
    # ';' separates partners in the store: "council; nhs" is two, in a list too
    supporting = [
        part.strip()
        for s, raw in zip(supporting, _raws(supporting), strict=True)
        for part in str(_as_text(s, raw)).split(";")
        if part.strip()
    ]
    if any("\x00" in s for s in supporting):
        r.error("supporting", f"'supporting' {_NUL}")
        supporting = []
    return supporting


def _action_subject(r: _Reader, node: _Map) -> tuple[str | None, str | None]:
    """An action's subject type and id: ``TYPE:ID`` in short, or a mapping."""
    subject_type = subject_id = None
    raw_subject = node.get("subject")
    subject = None
    if isinstance(raw_subject, str):  # "person:P1" in short
        kind, _, ident = raw_subject.partition(":")
        subject_type, subject_id = kind.strip().lower(), ident.strip() or None
        if subject_type not in SUBJECT_TYPES or subject_id is None:
            r.error(
                "subject",
                f"subject {raw_subject!r} is not TYPE:ID with TYPE one of "
                f"{', '.join(SUBJECT_TYPES)}",
            )
            subject_type = subject_id = None
    else:
        subject = r.child("subject")
    if subject is not None:
        subject.unknown({"type", "id"})
        subject_type = subject.choice("type", SUBJECT_TYPES, required=True)
        subject_id = subject.text("id", required=True)
    return subject_type, subject_id


def _action_rag(
    doc: PlanDocument, r: _Reader, node: _Map, aid: str | None
) -> tuple[str | None, str | None]:
    """An action's RAG rating and reason: a rating alone, or a mapping of both."""
    rag = rag_reason = None
    rag_node = node.get("rag")
    if isinstance(rag_node, _Map):
        rr = _Reader(doc, rag_node, f"action {aid} rag")
        rr.unknown({"rating", "reason"})
        # a reason alone is an unrated action's note (the web allows it)
        rag = rr.choice("rating", RAGS, required="reason" not in rag_node)
        rag_reason = rr.text("reason")
    elif rag_node is not None:
        rag = r.choice("rag", RAGS)
    return rag, rag_reason


def _parse_actions(doc: PlanDocument, top: _Map, plan: Plan | None) -> None:
    strands = {o.objective_id: o.strand for o in doc.objectives}
    for node in _items(doc, top, "actions"):
        before = len(doc.errors)
        r = _Reader(doc, node, f"action {node.raw.get('id', '?')}")
        r.unknown(_ACTION_KEYS)
        aid = r.ident()
        objective, strand = _action_strand(r, node, strands)
        supporting = _action_supporting(r, node)
        subject_type, subject_id = _action_subject(r, node)
        rag, rag_reason = _action_rag(doc, r, node, aid)
        status = r.choice("status", STATUSES) or "proposed"
        fields: dict[str, Any] = {
            "title": r.text("title", required=True),
            "lead_organisation": r.text("lead"),
            "owner": r.text("owner"),
            "approach": r.choice("approach", APPROACHES),
            "area": r.text("area"),
            "due": r.date("due"),
            "review_date": r.date("review"),
            "evidence": r.text("evidence"),
            "board": r.text("board") or (plan.board if plan else None),
        }
        fresh = _seen(doc, r, "action", aid)
        if not (fresh and aid and strand and fields["title"]):
            # the action is not built, so its problems() are not asked: a red
            # RAG without reason beside a bad strand was listed only once the
            # strand was mended ("every error" is listed at once)
            if problem := rag_problem(rag, rag_reason):
                r.error("rag", problem)
            continue
        action = Action(
            action_id=aid,
            strand=strand,
            plan_id=plan.plan_id if plan else None,
            objective_id=objective if objective in strands else None,
            supporting=tuple(str(s).strip() for s in supporting if str(s).strip()),
            target_type=subject_type,
            target_id=subject_id if subject_type else None,
            status=status,
            rag=rag,
            rag_reason=rag_reason,
            **fields,
        )
        for problem in action.problems():
            r.error("rag" if "RAG" in problem else None, problem)
        doc.actions.append(action)
        if len(doc.errors) > before:
            doc.flawed.add(f"action:{aid}")


def parse_plan(text: str) -> PlanDocument:
    """Read a plan file's text; every error is in ``errors`` with its line."""
    doc = PlanDocument()
    try:
        top = yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 1
        doc.errors.append(PlanFileError(line, f"not valid YAML: {err.problem}"))
        return doc
    if not isinstance(top, _Map):
        doc.errors.append(PlanFileError(1, "a plan file is a mapping with 'plan:'"))
        return doc
    doc.errors.extend(_repeated_errors(top, "plan file"))
    for key in top:
        if key not in {"plan", "objectives", "actions"}:
            doc.errors.append(
                PlanFileError(
                    top.key_lines[key],
                    f"unknown section {key!r} (sections: plan, objectives, actions)",
                )
            )
    _parse_plan(doc, top)
    _parse_objectives(doc, top, doc.plan.plan_id if doc.plan else "")
    _parse_actions(doc, top, doc.plan)
    doc.errors.sort(key=lambda e: e.line)
    return doc


def shift_plan(doc: PlanDocument, days: int) -> PlanDocument:
    """``doc`` with every date (period, due, review) moved by ``days``."""
    delta = dt.timedelta(days=days)

    def move(value: dt.date | None) -> dt.date | None:
        return value + delta if value is not None else None

    plan = doc.plan
    if plan is not None:
        plan = replace(
            plan, period_start=move(plan.period_start), period_end=move(plan.period_end)
        )
    actions = [
        replace(a, due=move(a.due), review_date=move(a.review_date))
        for a in doc.actions
    ]
    return replace(doc, plan=plan, actions=actions)


def _clean(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in mapping.items() if v not in (None, "", [], {})}


class _Dumper(yaml.SafeDumper):
    """SafeDumper that writes text holding U+0085 (NEL) double-quoted: PyYAML's
    single-quoted style folds it to a space on reading, so an export changed it."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if "\x85" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_text)


def dump_plan(plan: Plan, objectives: list[Objective], actions: list[Action]) -> str:
    """The plan file text of a plan (objectives and actions in id order)."""
    doc: dict[str, Any] = {
        "plan": _clean(
            {
                "id": plan.plan_id,
                "title": plan.title,
                "board": plan.board,
                "period": _clean({"start": plan.period_start, "end": plan.period_end}),
            }
        ),
        "objectives": [
            _clean(
                {
                    "id": o.objective_id,
                    "strand": o.strand,
                    "title": o.title,
                    "measure": _clean(
                        {
                            "indicator": o.indicator,
                            "filter": o.indicator_filter,
                            "baseline": o.baseline,
                            "target": o.target,
                        }
                    ),
                }
            )
            for o in sorted(objectives, key=lambda o: o.objective_id)
        ],
        "actions": [
            _clean(
                {
                    "id": a.action_id,
                    "objective": a.objective_id,
                    "strand": a.strand,
                    "title": a.title,
                    "lead": a.lead_organisation,
                    "owner": a.owner,
                    "supporting": list(a.supporting),
                    "approach": a.approach,
                    "subject": _clean({"type": a.target_type, "id": a.target_id}),
                    "area": a.area,
                    "due": a.due,
                    "status": a.status,
                    "rag": _clean({"rating": a.rag, "reason": a.rag_reason}),
                    "evidence": a.evidence,
                    "review": a.review_date,
                    "board": a.board if a.board != plan.board else None,
                }
            )
            for a in sorted(actions, key=lambda a: a.action_id)
        ],
    }
    header = (
        "# avert delivery plan (format: docs/delivery.md).\n"
        "# Import with: avert plan import PATH\n"
    )
    return header + yaml.dump(
        doc,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=88,
        default_flow_style=False,
    )
