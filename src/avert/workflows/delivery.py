"""The delivery plan in the store: import/export, actions, taskings, checks, the board.

Every change of a plan, objective, action or tasking goes through :func:`_save`: the
new row gets the next version, ``delivery_history`` keeps who, when, and the row
before and after (JSON), and the audit log gets a ``change`` row. Reads that show
person subjects to partners or the board pseudonymise them
(:class:`avert.pseudonymise.Pseudonymiser`, as :mod:`avert.workflows.views` does).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from avert.access import Pseudonymiser, audience_of, pseudonymiser_for
from avert.analyse.performance import PerformanceResult
from avert.config.definitions import load_profile
from avert.config.settings import Settings
from avert.delivery.checks import Checks, run_checks
from avert.delivery.measures import MeasureSpec, judge, parse_measure, path_value
from avert.delivery.model import (
    ACTION_TRANSITIONS,
    ITEM_KINDS,
    STATUSES,
    STRANDS,
    Action,
    Objective,
    Plan,
    check_tasking_transition,
    check_transition,
    parse_item,
    subject_key,
    with_overdue,
)
from avert.delivery.planfile import (
    PlanFileError,
    dump_plan,
    parse_plan,
    shift_plan,
)
from avert.delivery.taskings import for_briefing
from avert.errors import ConfigError, NotFound, PermissionDenied, SchemaError
from avert.policy import decide
from avert.schema import TABLES
from avert.store import Store, audit, queries
from avert.store.delivery import DELIVERY_TABLES, put_versioned
from avert.workflows.board import run_performance
from avert.workflows.users import User

__all__ = [
    "EXAMPLE_PLAN",
    "ImportResult",
    "action_page",
    "add_tasking",
    "board_checks",
    "checks_view",
    "example_plan_text",
    "export_plan",
    "import_plan",
    "my_actions",
    "objective_measures",
    "plan_board",
    "plan_status",
    "read_actions",
    "read_taskings",
    "record_tasking_result",
    "taskings_for_briefing",
    "taskings_for_item",
    "update_action",
]

#: The example plan shipped with avert (also ``docs/example-plan.yaml``).
EXAMPLE_PLAN = "example-plan.yaml"
#: The system user of CLI changes when no account is named.
_BOOKKEEPING = ("updated_at", "version")
#: Fields a partner may change on their own organisation's actions.
PARTNER_FIELDS = frozenset(
    {"status", "rag", "rag_reason", "evidence", "review_date", "owner"}
)
#: Fields anyone with edit-action may change from the web or CLI.
EDITABLE_FIELDS = PARTNER_FIELDS | frozenset(
    {"due", "lead_organisation", "approach", "supporting", "title", "area", "board"}
)


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _system_user() -> User:
    return User(username=audit.current_user(), role="analyst")


def _pseudonymiser(settings: Settings | None) -> Pseudonymiser:
    """The deployment's partner pseudonymiser (refused without a real key)."""
    return pseudonymiser_for(
        settings.pseudonym_key or None if settings else None,
        rotation=settings.pseudonym_rotation if settings else "none",
        at=dt.datetime.now(),
    )


def _json(row: dict[str, Any] | None) -> str | None:
    if row is None:
        return None
    clean = {k: v for k, v in row.items() if k not in _BOOKKEEPING}
    return json.dumps(clean, default=str, sort_keys=True)


def _read_rows(store: Store, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    table = DELIVERY_TABLES[entity]
    key = TABLES[table].primary_key[0]
    if not ids:
        return {}
    rows = store.read_frame(table, where=[(key, "in", ids)])
    return {str(r[key]): r for r in rows.to_dicts()}


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = (set(a) | set(b)) - set(_BOOKKEEPING)
    return all(a.get(k) == b.get(k) for k in keys)


def _save(
    store: Store,
    entity: str,
    rows: list[dict[str, Any]],
    *,
    user: User,
    reason: str,
    now: dt.datetime | None = None,
) -> tuple[int, int, int]:
    """Version, store, history and audit the rows that changed.

    Returns (created, updated, unchanged).
    """
    table = DELIVERY_TABLES[entity]
    spec = TABLES[table]
    key = spec.primary_key[0]
    before = _read_rows(store, entity, [str(r[key]) for r in rows])
    now = now or _now()
    out_rows: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    created = updated = 0
    for row in rows:
        full = {c: row.get(c) for c in spec.names}
        old = before.get(str(full[key]))
        if old is not None and _same(full, old):
            continue
        full["version"] = int(old["version"] or 0) + 1 if old else 1
        full["updated_at"] = now
        if old is None:
            created += 1
        else:
            updated += 1
        out_rows.append(full)
        history.append(
            {
                "change_id": uuid.uuid4().hex,
                "at": now,
                "user_name": user.username,
                "role": user.role,
                "entity": entity,
                "entity_id": str(full[key]),
                "version": full["version"],
                "change": "update" if old else "create",
                "before_json": _json(old),
                "after_json": _json(full),
            }
        )
    if out_rows:
        put_versioned(
            store,
            entity,
            pl.DataFrame(out_rows, schema=spec.schema),
            pl.DataFrame(history, schema=TABLES["delivery_history"].schema),
        )
        for h in history:
            audit.record(
                store,
                action="change",
                obj=f"{entity}:{h['entity_id']}",
                reason=f"{reason}: {h['change']} version {h['version']}",
                role=user.role,
                user=user.username,
            )
    return created, updated, len(rows) - created - updated


# --- plan files ----------------------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    """What a plan import did."""

    plan_id: str
    created: int
    updated: int
    unchanged: int

    def line(self) -> str:
        """One line for the CLI."""
        return (
            f"plan {self.plan_id}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )


def _plan_errors(path: str, errors: list[PlanFileError]) -> ConfigError:
    lines = "\n".join(f"  {path}:{e.line}: {e.message}" for e in errors)
    return ConfigError(f"{len(errors)} error(s) in plan file {path}:\n{lines}")


def import_plan(
    store: Store,
    path: str | Path,
    *,
    user: User | None = None,
    text: str | None = None,
    shift_days: int = 0,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Read a plan file and store it; an unchanged file changes nothing (idempotent).

    ``shift_days`` moves every date of the plan (the demo city replays the 2010
    example plan in its own period); ``now`` is the time its changes are recorded
    at (default: now; the demo records them at its own last day).

    Raises
    ------
    ConfigError
        Listing every error of the file with its line (nothing is stored then),
        including status changes the transition table forbids.
    """
    user = user or _system_user()
    src = str(path)
    if text is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            msg = f"Cannot read plan file {src}: {err}"
            raise ConfigError(msg) from err
    doc = parse_plan(text)
    if shift_days:
        doc = shift_plan(doc, shift_days)
    errors = list(doc.errors)
    stored = _read_rows(store, "action", [a.action_id for a in doc.actions])
    for action in doc.actions:
        old = stored.get(action.action_id)
        try:
            check_transition(old["status"] if old else None, action.status)
        except ConfigError as err:
            line = doc.lines.get(f"action:{action.action_id}", 1)
            errors.append(PlanFileError(line, f"action {action.action_id}: {err}"))
    if errors or doc.plan is None:
        raise _plan_errors(src, sorted(errors, key=lambda e: e.line))
    reason = f"plan import {Path(src).name}"
    totals = [0, 0, 0]
    for entity, rows in (
        ("plan", [doc.plan.row()]),
        ("objective", [o.row() for o in doc.objectives]),
        ("action", [a.row() for a in doc.actions]),
    ):
        saved = _save(store, entity, rows, user=user, reason=reason, now=now)
        for i, n in enumerate(saved):
            totals[i] += n
    return ImportResult(doc.plan.plan_id, *totals)


def _action_of(row: dict[str, Any]) -> Action:
    fields = {f.name for f in dataclasses.fields(Action)}
    values = {k: v for k, v in row.items() if k in fields}
    values["supporting"] = tuple(
        s for s in (row.get("supporting") or "").split(";") if s
    )
    return Action(**values)


def export_plan(
    store: Store, path: str | Path | None = None, *, plan_id: str | None = None
) -> str:
    """The stored plan as plan-file text (written to ``path`` when given)."""
    plans = store.read_frame("plans", order_by=["plan_id"])
    if plans.height == 0:
        msg = "No delivery plan stored: import one with 'avert plan import PATH'"
        raise NotFound(msg)
    if plan_id is not None:
        plans = plans.filter(pl.col("plan_id") == plan_id)
        if plans.height == 0:
            msg = f"No plan {plan_id!r}"
            raise NotFound(msg)
    p = plans.row(0, named=True)
    plan = Plan(
        p["plan_id"], p["title"], p["board"], p["period_start"], p["period_end"]
    )
    objectives = [
        Objective(**{k: v for k, v in r.items() if k not in _BOOKKEEPING})
        for r in store.read_frame(
            "objectives", where=[("plan_id", "=", plan.plan_id)]
        ).to_dicts()
    ]
    actions = [
        _action_of(r)
        for r in store.read_frame(
            "actions", where=[("plan_id", "=", plan.plan_id)]
        ).to_dicts()
    ]
    text = dump_plan(plan, objectives, actions)
    audit.record(
        store,
        action="export",
        obj=f"plan:{plan.plan_id}",
        reason=f"plan export, {len(actions)} actions"
        + (f" to {Path(path).name}" if path is not None else ""),
    )
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def example_plan_text() -> str:
    """The example plan shipped with avert (built from the 2010 seed report)."""
    return (
        resources.files("avert.delivery")
        .joinpath(EXAMPLE_PLAN)
        .read_text(encoding="utf-8")
    )


# --- actions -------------------------------------------------------------------------
def read_actions(store: Store, *, today: dt.date | None = None) -> pl.DataFrame:
    """Every action with ``overdue`` and ``overdue_days`` derived for ``today``."""
    rows = store.read_frame("actions", order_by=["action_id"])
    return with_overdue(rows, today or dt.date.today())


def _may_edit(user: User, row: dict[str, Any]) -> None:
    decision = decide(
        user.role,
        "edit-action",
        user_org=user.org,
        resource_org=row.get("lead_organisation") or "",
    )
    if not decision:
        raise PermissionDenied(decision.reason)


def update_action(
    store: Store, action_id: str, changes: dict[str, Any], *, user: User
) -> dict[str, Any]:
    """Change fields of one action (status moves along the transition table).

    Partners change only their own organisation's actions, and only
    :data:`PARTNER_FIELDS`. Returns the new row.
    """
    old = _read_rows(store, "action", [action_id]).get(action_id)
    if old is None:
        msg = f"No action {action_id!r}"
        raise NotFound(msg)
    _may_edit(user, old)
    allowed = PARTNER_FIELDS if user.role == "partner" else EDITABLE_FIELDS
    refused = sorted(set(changes) - allowed)
    if refused:
        msg = f"{user.role} may not change {', '.join(refused)} of an action"
        raise PermissionDenied(msg)
    clean = {k: (v if v != "" else None) for k, v in changes.items()}
    if "supporting" in clean and isinstance(clean["supporting"], (list, tuple)):
        clean["supporting"] = ";".join(clean["supporting"]) or None
    for key in ("due", "review_date"):
        value = clean.get(key)
        if isinstance(value, str):
            try:
                clean[key] = dt.date.fromisoformat(value)
            except ValueError as err:
                msg = f"{key} {value!r} is not a date (YYYY-MM-DD)"
                raise ConfigError(msg) from err
    new = {**old, **clean}
    if new.get("status") is None:
        new["status"] = old["status"]
    check_transition(old["status"], new["status"])
    problems = _action_of(new).problems()
    if problems:
        raise ConfigError("; ".join(problems))
    _save(store, "action", [new], user=user, reason="action update")
    return _read_rows(store, "action", [action_id])[action_id]


def _visible(frame: pl.DataFrame, user: User) -> pl.DataFrame:
    """Actions a user may see: partners only their own organisation's."""
    if user.role == "partner":
        return frame.filter(pl.col("lead_organisation") == (user.org or ""))
    return frame


#: Subject types a partner or board member sees as keyed pseudonyms (as the
#: briefing does); areas and cohorts are not identifiers of anyone.
_PSEUDONYMOUS = {
    "person": "person",
    "group": "group",
    "incident": "incident",
    "place": "place",
}


def _shown(frame: pl.DataFrame, user: User, settings: Settings | None) -> pl.DataFrame:
    """Person, group, incident and place subjects as pseudonyms for partners and the
    board."""
    if audience_of(user.role) == "police" or frame.height == 0:
        return frame
    pseudo = _pseudonymiser(settings)
    ids = frame["target_id"].to_list()
    kinds = frame["target_type"].to_list()
    return frame.with_columns(
        pl.Series(
            "target_id",
            [
                pseudo(_PSEUDONYMOUS[k], str(i))
                if k in _PSEUDONYMOUS and i is not None
                else i
                for k, i in zip(kinds, ids, strict=True)
            ],
            dtype=pl.String,
        )
    )


def plan_board(
    store: Store,
    settings: Settings | None,
    *,
    user: User,
    lead: str | None = None,
    area: str | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """The plan board: strand x status counts, RAG counts, and the actions listed."""
    decision = decide(user.role, "view-plan")
    if not decision:
        raise PermissionDenied(decision.reason)
    today = today or dt.date.today()
    actions = _visible(read_actions(store, today=today), user)
    if lead:
        actions = actions.filter(pl.col("lead_organisation") == lead)
    if area:
        actions = actions.filter(pl.col("area") == area)
    statuses = [*STATUSES, "overdue"]
    grid = {s: dict.fromkeys(statuses, 0) for s in STRANDS}
    for row in actions.group_by("strand", "status").len().iter_rows(named=True):
        if row["strand"] in grid:
            grid[row["strand"]][row["status"]] = int(row["len"])
    for row in (
        actions.filter(pl.col("overdue")).group_by("strand").len().iter_rows(named=True)
    ):
        if row["strand"] in grid:
            grid[row["strand"]]["overdue"] = int(row["len"])
    rag = {
        str(k or "unrated"): int(v)
        for k, v in actions.group_by("rag").len().sort("rag").iter_rows()
    }
    leads = sorted(
        x
        for x in _visible(store.read_frame("actions"), user)["lead_organisation"]
        .drop_nulls()
        .unique()
        .to_list()
    )
    areas = sorted(
        store.read_frame("actions", columns=["area"])["area"].drop_nulls().unique()
    )
    audit.record(
        store,
        action="view",
        obj="plan-board",
        reason=f"plan board, {actions.height} actions (lead={lead or 'all'}, "
        f"area={area or 'all'})",
        role=user.role,
        user=user.username,
    )
    return {
        "today": today,
        "grid": grid,
        "statuses": statuses,
        "rag": rag,
        "actions": _shown(actions, user, settings).to_dicts(),
        "leads": leads,
        "areas": list(areas),
        "lead": lead or "",
        "area": area or "",
    }


def my_actions(
    store: Store, settings: Settings | None, *, user: User, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Actions a user owns, and (for a user with an organisation) their org leads."""
    decision = decide(user.role, "view-plan")
    if not decision:
        raise PermissionDenied(decision.reason)
    actions = _visible(read_actions(store, today=today), user)
    mine = pl.col("owner") == user.username
    if user.org:
        mine = mine | (pl.col("lead_organisation") == user.org)
    rows = actions.filter(mine.fill_null(value=False)).sort(
        ["overdue", "due"], descending=[True, False], nulls_last=True
    )
    audit.record(
        store,
        action="view",
        obj="my-actions",
        reason=f"my actions, {rows.height} listed",
        role=user.role,
        user=user.username,
    )
    return _shown(rows, user, settings).to_dicts()


def action_page(
    store: Store,
    settings: Settings | None,
    *,
    user: User,
    action_id: str,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """One action with its history (newest first); partners: own organisation only."""
    decision = decide(user.role, "view-plan")
    if not decision:
        raise PermissionDenied(decision.reason)
    rows = read_actions(store, today=today).filter(pl.col("action_id") == action_id)
    if rows.height == 0:
        msg = f"No action {action_id!r}"
        raise NotFound(msg)
    row = rows.row(0, named=True)
    if user.role == "partner" and row["lead_organisation"] != (user.org or ""):
        msg = (
            f"partner of {user.org!r} may not see action {action_id!r} "
            f"(led by {row['lead_organisation']!r})"
        )
        raise PermissionDenied(msg)
    shown = _shown(rows, user, settings).row(0, named=True)
    history = store.read_frame(
        "delivery_history",
        where=[("entity", "=", "action"), ("entity_id", "=", action_id)],
        order_by=["version"],
    )
    changes: list[dict[str, Any]] = []
    for h in reversed(history.to_dicts()):
        before = json.loads(h["before_json"]) if h["before_json"] else {}
        after = json.loads(h["after_json"]) if h["after_json"] else {}
        diff = {
            k: (before.get(k), after.get(k))
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k)
        }
        if audience_of(user.role) != "police" and "target_id" in diff:
            diff["target_id"] = ("(pseudonymised)", "(pseudonymised)")
        changes.append(
            {
                "at": h["at"],
                "user_name": h["user_name"],
                "role": h["role"],
                "version": h["version"],
                "change": h["change"],
                "diff": diff,
            }
        )
    may_edit = bool(
        decide(
            user.role,
            "edit-action",
            user_org=user.org,
            resource_org=row["lead_organisation"] or "",
        )
    )
    audit.record(
        store,
        action="view",
        obj=f"action:{action_id}",
        reason="action page",
        role=user.role,
        user=user.username,
    )
    return {
        "action": shown,
        "history": changes,
        "may_edit": may_edit,
        "statuses": [row["status"], *sorted(ACTION_TRANSITIONS[row["status"]])],
    }


# --- taskings ------------------------------------------------------------------------
def read_taskings(
    store: Store, *, status: str | None = None, user: User | None = None
) -> pl.DataFrame:
    """Taskings, newest first (optionally of one status); audited (they name people)."""
    user = user or _system_user()
    where = [("status", "=", status)] if status else []
    rows = store.read_frame("taskings", where=where, order_by=["created_at"]).reverse()
    audit.record(
        store,
        action="view",
        obj="taskings",
        reason=f"tasking list ({status or 'all'}), {rows.height} listed",
        role=user.role,
        user=user.username,
    )
    return rows


def taskings_for_item(store: Store, item: str) -> pl.DataFrame:
    """Open and done taskings about the same subject as briefing item ``item``.

    ``repeat_victim:P1`` and ``person:P1`` are the same person, ``cell:c1`` and
    ``place:c1`` the same place: two agencies must not visit a family twice.
    """
    kind, ident = parse_item(item)
    kinds = [k for k, s in ITEM_KINDS.items() if s == ITEM_KINDS[kind]]
    rows = store.read_frame(
        "taskings",
        where=[("item_id", "=", ident), ("item_kind", "in", kinds)],
        order_by=["created_at"],
    )
    return rows.filter(pl.col("status") != "cancelled")


def add_tasking(
    store: Store,
    item: str,
    *,
    what: str,
    assignee: str | None = None,
    organisation: str | None = None,
    due: dt.datetime | None = None,
    user: User | None = None,
    anyway: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Create a tasking from a briefing item (``incident:I123``).

    Raises
    ------
    ConfigError
        When the item's subject already has an open or done tasking (it says which),
        unless ``anyway``.
    """
    user = user or _system_user()
    decision = decide(user.role, "create-tasking")
    if not decision:
        raise PermissionDenied(decision.reason)
    kind, ident = parse_item(item)
    if not what.strip():
        msg = "A tasking needs a 'what' (what is to be done)"
        raise ConfigError(msg)
    already = taskings_for_item(store, item)
    if already.height and not anyway:
        first = already.row(0, named=True)
        msg = (
            f"{item} is already tasked: {first['tasking_id']} to "
            f"{first['assignee'] or first['organisation'] or '?'} "
            f"({first['status']}, due {first['due']:%Y-%m-%d %H:%M}): {first['what']}"
        )
        raise ConfigError(msg)
    now = now or _now()
    tasking_id = f"T{now:%Y%m%d}-{uuid.uuid4().hex[:6]}"
    row: dict[str, Any] = {
        "tasking_id": tasking_id,
        "what": what.strip(),
        "assignee": assignee,
        "organisation": organisation,
        "due": due or now + dt.timedelta(days=1),
        "item_kind": kind,
        "item_id": ident,
        "status": "open",
        "created_at": now,
        "created_by": user.username,
    }
    _save(store, "tasking", [row], user=user, reason=f"tasking from {kind}")
    return _read_rows(store, "tasking", [tasking_id])[tasking_id]


def record_tasking_result(
    store: Store,
    tasking_id: str,
    *,
    result: str | None = None,
    status: str | None = "done",
    user: User | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Record a tasking's result (and move it to ``status``: done by default)."""
    user = user or _system_user()
    decision = decide(user.role, "create-tasking")
    if not decision:
        raise PermissionDenied(decision.reason)
    old = _read_rows(store, "tasking", [tasking_id]).get(tasking_id)
    if old is None:
        msg = f"No tasking {tasking_id!r}"
        raise NotFound(msg)
    new = dict(old)
    if status is not None:
        check_tasking_transition(old["status"], status)
        new["status"] = status
    if result is not None:
        new["result"] = result.strip() or None
        new["result_at"] = now or _now()
        new["result_by"] = user.username
    _save(store, "tasking", [new], user=user, reason="tasking result")
    return _read_rows(store, "tasking", [tasking_id])[tasking_id]


def taskings_for_briefing(
    store: Store, *, at: dt.datetime, hours: int = 24, as_at: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """Taskings for the briefing of the window ending ``at``, as they stood at ``at``.

    ``due``: open, due within the next 24 hours (inclusive); ``overdue``: open, due
    before ``at``; ``done``: done in the window (``at - hours`` to ``at``), with their
    results (:func:`avert.delivery.taskings.for_briefing`). ``as_at=False``: as they
    stand now (the meeting view, where taskings made at the meeting count at once).
    """
    where = [("created_at", "<=", at)] if as_at else []
    rows = store.read_frame("taskings", where=where)
    parts = for_briefing(rows, at=at, hours=hours, replay=as_at)
    return {k: v.to_dicts() for k, v in parts.items()}


# --- checks --------------------------------------------------------------------------
#: Top-harm subjects per kind the "no action" check looks at.
TOP_N = 20
#: Days of incidents behind the top-harm subjects and repeat victims.
CHECK_DAYS = 365


def _harm_frames(
    store: Store, profile: str, today: dt.date
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(top-harm subjects, repeat victims) over the last :data:`CHECK_DAYS` days."""
    start = dt.datetime.combine(today - dt.timedelta(days=CHECK_DAYS), dt.time())
    end = dt.datetime.combine(today, dt.time())
    incidents = store.read_frame(
        "incidents",
        columns=["incident_id", "occurred_from", "location", "borough"],
        where=[("occurred_from", ">=", start), ("occurred_from", "<", end)],
    )
    classes = store.read_frame(
        "classifications",
        columns=["incident_id", "in_definition", "harm_days"],
        where=[("profile", "=", profile), ("in_definition", "=", True)],
    )
    harm = incidents.join(classes, on="incident_id").select(
        "incident_id", "location", "borough", pl.col("harm_days").fill_null(0.0)
    )
    area = pl.col("borough").drop_nulls().mode().sort().first().alias("area")
    inv = store.read_frame(
        "involvements",
        columns=["incident_id", "person_id", "role"],
        where=[("incident_id", "in", harm["incident_id"].to_list())],
    ).join(harm, on="incident_id")
    people = (
        inv.group_by("person_id")
        .agg(pl.col("harm_days").sum().alias("harm"), area)
        .select(pl.lit("person").alias("subject_type"), "person_id", "harm", "area")
        .rename({"person_id": "subject_id"})
    )
    places = (
        harm.filter(pl.col("location").is_not_null())
        .group_by("location")
        .agg(pl.col("harm_days").sum().alias("harm"), area)
        .select(pl.lit("place").alias("subject_type"), "location", "harm", "area")
        .rename({"location": "subject_id"})
    )
    members = store.read_frame("group_members", columns=["group_id", "person_id"])
    groups = (
        members.join(people, left_on="person_id", right_on="subject_id")
        .group_by("group_id")
        .agg(pl.col("harm").sum(), pl.col("area").drop_nulls().mode().sort().first())
        .select(pl.lit("group").alias("subject_type"), "group_id", "harm", "area")
        .rename({"group_id": "subject_id"})
    )
    top = pl.concat(
        [
            f.sort(["harm", "subject_id"], descending=[True, False]).head(TOP_N)
            for f in (people, places, groups)
        ]
    )
    victims = (
        inv.filter(pl.col("role") == "victim")
        .group_by("person_id")
        .agg(pl.col("incident_id").n_unique().alias("n"))
        .filter(pl.col("n") >= 2)
        .select("person_id")
    )
    return top, victims


def board_checks(
    store: Store, settings: Settings, *, today: dt.date | None = None
) -> Checks:
    """The accountability and principle checks on the stored plan and data."""
    today = today or dt.date.today()
    top, victims = _harm_frames(store, settings.definition, today)
    return run_checks(
        read_actions(store, today=today),
        store.read_frame("objectives"),
        store.read_frame("taskings"),
        today=today,
        top=top,
        repeat_victims=victims,
    )


def checks_view(
    store: Store, settings: Settings, *, user: User, today: dt.date | None = None
) -> dict[str, Any]:
    """The checks as a user may see them (subjects pseudonymised for partners)."""
    decision = decide(user.role, "view-plan")
    if not decision:
        raise PermissionDenied(decision.reason)
    checks = board_checks(store, settings, today=today)
    dups = checks.duplicates
    if audience_of(user.role) != "police" and dups.height:
        pseudo = _pseudonymiser(settings)
        dups = dups.with_columns(
            pl.Series(
                "target_id",
                [
                    pseudo(_PSEUDONYMOUS[k], i) if k in _PSEUDONYMOUS else i
                    for k, i in zip(dups["target_type"], dups["target_id"], strict=True)
                ],
                dtype=pl.String,
            )
        )
    return {
        "summary": checks.summary,
        "by_org": checks.overdue_by_org.to_dicts(),
        "duplicates": dups.to_dicts(),
        "approaches": checks.approaches.to_dicts(),
    }


# --- objective measures --------------------------------------------------------------
#: Months of history before the recent period behind a measure's performance verdict.
VERDICT_BASELINE_MONTHS = 36


def _add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after (or before) ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _categories_of(profile: str) -> frozenset[str] | None:
    """The categories of a definition profile (None when it cannot be loaded)."""
    try:
        return frozenset(load_profile(profile).precedence)
    except (ConfigError, OSError):
        return None


def _measure_window_end(store: Store, today: dt.date) -> dt.date | None:
    """The last day of the last complete month with data, on or before ``today``.

    Month-precision data (police.uk) covers its whole latest month; exact data
    covers up to the day of its latest incident.
    """
    before = dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    ends = []
    month = queries.latest_time(store, before=before, precision="month")
    if month is not None:
        ends.append(_add_months(month.date(), 1) - dt.timedelta(days=1))
    exact = queries.latest_time(store, before=before, precision="exact")
    if exact is not None:
        ends.append(exact.date())
    if not ends:
        return None
    data_to = min(max(ends), today)
    if (data_to + dt.timedelta(days=1)).day == 1:
        return data_to
    return data_to.replace(day=1) - dt.timedelta(days=1)


def _monthly(result: PerformanceResult, spec: MeasureSpec) -> pl.DataFrame | None:
    """``period``, ``value`` of the measure's series in a performance result.

    None when the category is not a series of the result (no such category);
    zeros when the area or flag simply had no event.
    """
    column = "harm" if spec.measure == "harm" else "count"
    area = spec.area.lower() if spec.area_field else "all"
    totals = [s for s in result.series if s.category == "all" and s.flag == "all"]
    if not totals:
        return None
    for s in result.series:
        if (
            s.area.lower() == area
            and s.category == spec.category
            and s.flag == spec.flag
        ):
            return s.chart.select(
                "period", pl.col(column).fill_null(0).cast(pl.Float64).alias("value")
            )
    if spec.category != "all" and not any(
        s.category == spec.category for s in result.series
    ):
        return None
    return totals[0].chart.select("period", pl.lit(0.0).alias("value"))


def _first_full_month(store: Store, result: PerformanceResult) -> dt.date | None:
    """The first month the data cover whole: the first month with any incident when
    the data start on its first day, else the month after."""
    totals = [
        s.chart.select("period", "count")
        for s in result.series
        if s.category == "all" and s.flag == "all"
    ]
    if not totals:
        return None
    counts = pl.concat(totals).group_by("period").agg(pl.col("count").sum())
    first = counts.filter(pl.col("count") > 0)["period"].min()
    if not isinstance(first, dt.date):
        return None
    day_one = dt.datetime.combine(first, dt.time())
    on_day_one = store.read_frame(
        "incidents",
        columns=["incident_id"],
        where=[
            ("occurred_from", ">=", day_one),
            ("occurred_from", "<", day_one + dt.timedelta(days=1)),
        ],
    )
    return first if on_day_one.height else _add_months(first, 1)


def _measure_run(
    store: Store,
    spec: MeasureSpec,
    *,
    profile: str,
    recent_from: dt.date,
    to: dt.date,
) -> tuple[PerformanceResult, dt.date | None]:
    """The performance run behind a measure, and the first full month of data.

    Up to 36 months of baseline before ``recent_from``, from the first full month
    of data (no zero-filled months before the data start).
    """

    def run(baseline_from: dt.date) -> PerformanceResult:
        return run_performance(
            store,
            by=spec.area_field,
            baseline_from=baseline_from,
            baseline_to=recent_from - dt.timedelta(days=1),
            date_from=recent_from,
            date_to=to,
            profile=profile,
            peers=0,
            measure=spec.measure,
        )

    baseline_from = _add_months(recent_from, -VERDICT_BASELINE_MONTHS)
    try:
        result = run(baseline_from)
        first = _first_full_month(store, result)
        if first is not None and baseline_from < first < recent_from:
            result = run(first)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError):
        # the seasonal model failed on these counts: the values without a verdict
        # (one baseline month is too few to fit a model)
        result = run_performance(
            store,
            by=spec.area_field,
            baseline_from=_add_months(baseline_from, -1),
            baseline_to=baseline_from - dt.timedelta(days=1),
            date_from=baseline_from,
            date_to=to,
            profile=profile,
            peers=0,
            measure=spec.measure,
        )
        result = dataclasses.replace(
            result,
            series=tuple(dataclasses.replace(x, verdict="") for x in result.series),
        )
        first = _first_full_month(store, result)
    return result, first


def _sum_between(monthly: pl.DataFrame, start: dt.date, end: dt.date) -> float:
    return float(monthly.filter(pl.col("period").is_between(start, end))["value"].sum())


def _taskings_share(
    taskings: pl.DataFrame, start: dt.date, end: dt.date
) -> float | None:
    """Share of the taskings due in ``start``..``end`` that have a result."""
    due = taskings.filter(
        (pl.col("status") != "cancelled")
        & pl.col("due").dt.date().is_between(start, end)
    )
    if due.height == 0:
        return None
    return float(due["result"].is_not_null().sum()) / due.height


def objective_measures(
    store: Store, settings: Settings, *, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Every objective's measure against its baseline and target, as at ``today``.

    The measure (``avert.delivery.measures.parse_measure``) names a series of the
    performance engine (:func:`avert.workflows.board.run_performance`) or a store
    figure. Its *current value* is the last ``per`` (default 12) complete months of
    data up to ``today``; the *path* runs in a straight line from the baseline at
    the plan's start to the target at its end; the status is on or off track
    against the path (or insufficient data, or not measured: see
    ``MEASURE_STATUSES``). The performance *verdict* of the same series compares
    the months since the plan started (or the current months) with the seasonal
    expectation of the up to 36 months before. A plan without a baseline gets the
    measured value of the ``per`` before its start.
    """
    today = today or dt.date.today()
    objectives = store.read_frame("objectives", order_by=["plan_id", "objective_id"])
    if objectives.height == 0:
        return []
    plans = {p["plan_id"]: p for p in store.read_frame("plans").to_dicts()}
    window_end = _measure_window_end(store, today)
    runs: dict[tuple[Any, ...], tuple[PerformanceResult, dt.date | None]] = {}
    taskings: pl.DataFrame | None = None
    out: list[dict[str, Any]] = []
    for obj in objectives.to_dicts():
        spec = parse_measure(obj["indicator"], obj["indicator_filter"])
        plan = plans.get(obj["plan_id"]) or {}
        start, end = plan.get("period_start"), plan.get("period_end")
        row: dict[str, Any] = {
            "objective_id": obj["objective_id"],
            "plan_id": obj["plan_id"],
            "strand": obj["strand"],
            "title": obj["title"],
            "indicator": obj["indicator"],
            "filter": obj["indicator_filter"],
            "series": spec.label() if spec.kind != "unknown" else None,
            "per": spec.per,
            "baseline": obj["baseline"],
            "baseline_source": "plan" if obj["baseline"] is not None else None,
            "measured_baseline": None,
            "target": obj["target"],
            "current": None,
            "path": None,
            "window_from": None,
            "window_to": None,
            "status": "not_measured",
            "verdict": None,
            "rate_ratio": None,
            "p_value": None,
            "reason": spec.problem,
        }
        out.append(row)
        if spec.kind == "unknown":
            if spec.problem is None or spec.problem == "no indicator":
                row["reason"] = "no indicator" if not obj["indicator"] else None
            if row["reason"] is None:
                row["reason"] = f"avert does not compute {obj['indicator']!r}"
            continue
        profile = spec.definition or settings.definition
        if spec.kind == "series" and spec.category != "all":
            known = _categories_of(profile)
            if known is not None and spec.category not in known:
                row.update(
                    series=None,
                    reason=f"reported by hand (not a series of avert nor a "
                    f"category of {profile})",
                )
                continue
        if window_end is None:
            row.update(status="insufficient_data", reason="no incidents in the store")
            continue
        w_from = _add_months(window_end, 1 - spec.months)
        row.update(window_from=w_from, window_to=window_end)
        before_start = (
            (
                _add_months(start, -spec.months),
                _add_months(start, 0) - dt.timedelta(days=1),
            )
            if start is not None
            else None
        )
        first_full: dt.date | None
        if spec.kind == "store":
            if taskings is None:
                taskings = store.read_frame("taskings")
            current = _taskings_share(taskings, w_from, window_end)
            first_due = taskings["due"].min() if taskings.height else None
            first_full = (
                first_due.date() if isinstance(first_due, dt.datetime) else None
            )
            measured_base = (
                _taskings_share(taskings, *before_start) if before_start else None
            )
        else:
            recent_from = _add_months(start, 0) if start is not None else w_from
            if not (w_from <= recent_from <= window_end):
                recent_from = w_from
            key = (spec.area_field, profile, spec.measure, recent_from, window_end)
            if key not in runs:
                try:
                    runs[key] = _measure_run(
                        store,
                        spec,
                        profile=profile,
                        recent_from=recent_from,
                        to=window_end,
                    )
                except (SchemaError, NotFound) as err:  # e.g. harm without classify
                    row.update(status="insufficient_data", reason=str(err))
                    continue
            result, first_full = runs[key]
            monthly = _monthly(result, spec)
            if monthly is None:
                row["reason"] = (
                    f"{spec.category!r} is not a category of definition {profile!r}"
                )
                continue
            current = (
                _sum_between(monthly, w_from, window_end)
                if first_full is not None and first_full <= w_from
                else None
            )
            measured_base = (
                _sum_between(monthly, *before_start)
                if before_start
                and first_full is not None
                and first_full <= before_start[0]
                else None
            )
            series = next(
                (
                    s
                    for s in result.series
                    if s.area.lower()
                    == (spec.area.lower() if spec.area_field else "all")
                    and s.category == spec.category
                    and s.flag == spec.flag
                ),
                None,
            )
            if series is not None:
                row["verdict"] = series.verdict or None
                if series.change is not None:
                    row["rate_ratio"] = series.change.rate_ratio
                    row["p_value"] = series.change.p_value
        row["measured_baseline"] = measured_base
        if row["baseline"] is None and measured_base is not None:
            row.update(baseline=measured_base, baseline_source="measured")
        row["current"] = current
        if row["target"] is None:
            row["reason"] = "no target"
            continue
        if current is None or row["baseline"] is None:
            row.update(
                status="insufficient_data",
                reason=(
                    f"data cover {first_full:%b %Y} onwards, not the "
                    f"{spec.months} months to {window_end:%b %Y}"
                    if current is None and first_full is not None
                    else "no data for the current months"
                    if current is None
                    else "no baseline: the plan states none and the data do not "
                    "cover the months before its start"
                ),
            )
            continue
        path = path_value(
            row["baseline"], row["target"], start=start, end=end, at=window_end
        )
        row.update(
            path=path,
            status=judge(current, path, baseline=row["baseline"], target=row["target"]),
            reason=None,
        )
    return out


def plan_status(
    store: Store, settings: Settings, *, today: dt.date | None = None
) -> dict[str, Any]:
    """What ``avert plan status`` prints: the strand x status grid, the summary of
    the checks and each objective's measure against its target (audited view)."""
    user = _system_user()
    board = plan_board(store, settings, user=user, today=today)
    checks = board_checks(store, settings, today=board["today"])
    return {
        "today": board["today"],
        "grid": board["grid"],
        "statuses": board["statuses"],
        "rag": board["rag"],
        "checks": checks.summary,
        "measures": objective_measures(store, settings, today=board["today"]),
    }


# --- board pack ----------------------------------------------------------------------
def _month_bounds(month: str) -> tuple[dt.date, dt.date]:
    try:
        first = dt.date.fromisoformat(f"{month}-01")
    except ValueError as err:
        msg = f"--month {month!r} is not YYYY-MM"
        raise ConfigError(msg) from err
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return first, nxt


def board_pack_data(store: Store, settings: Settings, *, month: str) -> dict[str, Any]:
    """What the board pack of ``month`` shows (persons pseudonymised: board audience).

    Status is as at the end of the month (or today, if earlier): plan status by
    strand and by lead partner, overdue actions, actions completed in the month
    with their evidence, objectives with measure, baseline and target, and the
    principle checks.
    """
    first, nxt = _month_bounds(month)
    today = min(nxt - dt.timedelta(days=1), dt.date.today())
    board_user = User(username=audit.current_user(), role="board")
    actions = read_actions(store, today=today)
    shown = _shown(actions, board_user, settings)
    grid = plan_board(store, settings, user=board_user, today=today)["grid"]
    completed = store.read_frame(
        "delivery_history",
        where=[
            ("entity", "=", "action"),
            ("at", ">=", dt.datetime.combine(first, dt.time())),
            ("at", "<", dt.datetime.combine(nxt, dt.time())),
        ],
    )
    done_ids = {
        h["entity_id"]
        for h in completed.to_dicts()
        if json.loads(h["after_json"] or "{}").get("status") == "done"
        and json.loads(h["before_json"] or "{}").get("status") != "done"
    }
    checks = board_checks(store, settings, today=today)
    return {
        "month": month,
        "today": today,
        "plans": store.read_frame("plans").to_dicts(),
        "grid": grid,
        "statuses": [*STATUSES, "overdue"],
        "by_org": checks.overdue_by_org.to_dicts(),
        "overdue": shown.filter(pl.col("overdue"))
        .sort("overdue_days", descending=True)
        .to_dicts(),
        "completed": shown.filter(
            pl.col("action_id").is_in(sorted(done_ids)) & (pl.col("status") == "done")
        ).to_dicts(),
        "objectives": store.read_frame("objectives", order_by=["strand"]).to_dicts(),
        "measures": objective_measures(store, settings, today=today),
        "checks": checks.summary,
        "missing": checks.missing.to_dicts(),
        "duplicates": checks_view(store, settings, user=board_user, today=today)[
            "duplicates"
        ],
        "approaches": checks.approaches.to_dicts(),
    }


def board_pack(
    store: Store,
    settings: Settings,
    *,
    month: str,
    out_dir: str | Path,
    pdf: bool = True,
) -> list[Path]:
    """Write ``board-pack-YYYY-MM.html`` (and ``.pdf``) in ``out_dir``; audited."""
    from avert.report import render_html, render_pdf
    from avert.workflows.board import board_statistics

    data = board_pack_data(store, settings, month=month)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _first, nxt = _month_bounds(month)
    stats = board_statistics(store, end=nxt - dt.timedelta(days=1))
    html = render_html(
        "board_pack.html", d=data, stats=stats, title=f"Board pack {month}"
    )
    written = [out / f"board-pack-{month}.html"]
    written[0].write_text(html, encoding="utf-8")
    if pdf:
        written.append(render_pdf(html, out / f"board-pack-{month}.pdf"))
    audit.record(
        store,
        action="export",
        obj=f"board-pack:{month}",
        reason=f"board pack, {len(data['overdue'])} overdue, "
        f"{len(data['completed'])} completed",
        role="board",
    )
    return written


# --- the meeting view ----------------------------------------------------------------
#: Briefing sections whose items can be tasked: (section, item kind, id key, title).
MEETING_SECTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("retaliation", "retaliation", "incident_id", "Retaliation alerts"),
    ("incidents", "incident", "incident_id", "Violent incidents"),
    ("repeat_victims", "repeat_victim", "person_id", "Repeat victims"),
    ("asb_callers", "asb_caller", "person_id", "Vulnerable ASB callers"),
    ("people", "person", "person_id", "People of concern"),
    ("places", "cell", "cell_id", "Places"),
)


def meeting_view(
    store: Store,
    briefing: dict[str, Any],
    *,
    user: User,
    at: dt.datetime,
    hours: int = 24,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Today's briefing items with their taskings, and the taskings of the window.

    ``briefing`` is the briefing JSON the user may see (partners: pseudonyms). Each
    item says whether its subject is already tasked (no double visits), for
    partners too: their items and the taskings carry the same keyed pseudonyms.
    """
    decision = decide(user.role, "view-meeting")
    if not decision:
        raise PermissionDenied(decision.reason)
    police = audience_of(user.role) == "police"
    pseudo = None if police else _pseudonymiser(settings)

    def shown_id(kind: str, ident: str) -> str:
        subject = ITEM_KINDS.get(kind, kind)
        if pseudo is None or subject not in ("person", "incident", "group"):
            return ident
        return pseudo(subject, ident)

    live = store.read_frame("taskings").filter(pl.col("status") != "cancelled")
    by_subject: dict[str, dict[str, Any]] = {}
    for row in live.sort("created_at").to_dicts():
        row["item_id"] = shown_id(row["item_kind"], row["item_id"])
        by_subject[subject_key(row["item_kind"], row["item_id"])] = row
    sections = []
    for section, kind, key, title in MEETING_SECTIONS:
        items = []
        for row in briefing.get(section) or []:
            ident = row.get(key)
            if ident is None:
                continue
            reasons = row.get("reasons") or []
            items.append(
                {
                    "kind": kind,
                    "id": str(ident),
                    "item": f"{kind}:{ident}",
                    "reasons": reasons[:2],
                    "harm": row.get("harm_days"),
                    "tasked": by_subject.get(subject_key(kind, str(ident))),
                }
            )
        sections.append({"section": section, "title": title, "items": items[:15]})
    window = taskings_for_briefing(store, at=at, hours=hours, as_at=False)
    if user.role == "partner":  # their organisation's taskings, as in the briefing
        window = {
            k: [r for r in v if r["organisation"] == (user.org or "")]
            for k, v in window.items()
        }
    audit.record(
        store,
        action="view",
        obj=f"meeting:{at:%Y-%m-%dT%H:%M}",
        reason="meeting view, "
        + ", ".join(f"{len(v)} taskings {k}" for k, v in window.items()),
        role=user.role,
        user=user.username,
    )
    for rows in window.values():
        for row in rows:
            row["item_id"] = shown_id(row["item_kind"], row["item_id"])
    return {"sections": sections, "taskings": window}


# --- the demo city -------------------------------------------------------------------
#: The day of the 2010 example plan that the demo city's last day plays.
_DEMO_PLAN_DAY = dt.date(2010, 10, 15)
_DEMO_LEADS = ("police", "council", "probation", "police", "council")


def seed_demo_plan(
    store: Store, settings: Settings, *, at: dt.datetime, days: int = 30
) -> dict[str, int]:
    """Give the demo city a living board: the example plan, actions on its top-harm
    subjects, and ``days`` days of taskings from the meeting with their results.

    The example plan is moved so that its 15 October 2010 is the city's last day.
    Each day at 09:00 the chair tasks the two highest-harm violent incidents of the
    last 24 hours (and the victim of the first); the result is recorded the next
    morning, except for the last day's taskings (due) and one in seven (overdue).
    """
    chair = User("chair", "chair", org="police")
    shift = (at.date() - _DEMO_PLAN_DAY).days
    result = import_plan(
        store,
        EXAMPLE_PLAN,
        user=chair,
        text=example_plan_text(),
        shift_days=shift,
        now=at,
    )
    top, _ = _harm_frames(store, settings.definition, at.date())
    rows = []
    for i, subject in enumerate(
        top.filter(pl.col("subject_type").is_in(["person", "place"]))
        .sort("harm", descending=True)
        .head(len(_DEMO_LEADS))
        .to_dicts()
    ):
        person = subject["subject_type"] == "person"
        rows.append(
            Action(
                action_id=f"D{i + 1:02d}",
                title=(
                    "Offender management and safeguarding plan"
                    if person
                    else "Problem-solving plan for a top-harm place"
                ),
                strand="enforcement" if person and i % 2 == 0 else "prevention",
                plan_id=result.plan_id,
                objective_id="E1" if person and i % 2 == 0 else "P1",
                lead_organisation=_DEMO_LEADS[i],
                owner=None if i == 3 else f"{_DEMO_LEADS[i]} lead",
                approach="specialist" if person else "targeted",
                target_type=subject["subject_type"],
                target_id=str(subject["subject_id"]),
                area=subject["area"],
                due=at.date() + dt.timedelta(days=14 * (i - 1)),
                status=("open", "in_progress", "done", "open", "proposed")[i],
                rag=("amber", "green", "green", "red", None)[i],
                rag_reason=("started late", None, None, "no owner yet", None)[i],
                evidence="Plan agreed at the meeting." if i == 2 else None,
                review_date=at.date() + dt.timedelta(days=28),
            ).row()
        )
    _save(store, "action", rows, user=chair, reason="demo actions", now=at)
    _rescale_demo_measures(store, settings, chair=chair, at=at)
    n_taskings = _demo_taskings(store, settings, chair=chair, at=at, days=days)
    return {"plan_rows": result.created, "actions": len(rows), "taskings": n_taskings}


def _rescale_demo_measures(
    store: Store, settings: Settings, *, chair: User, at: dt.datetime
) -> None:
    """Baselines of the example plan's measured objectives from the city's own data
    (the year before the plan starts); targets keep the plan's relative change."""
    measured = {
        m["objective_id"]: m["measured_baseline"]
        for m in objective_measures(store, settings, today=at.date())
        if m["measured_baseline"]
    }
    rows = []
    for obj in store.read_frame("objectives").to_dicts():
        new = measured.get(obj["objective_id"])
        if new is None or not obj["baseline"] or obj["target"] is None:
            continue
        ratio = obj["target"] / obj["baseline"]
        rows.append({**obj, "baseline": round(new, 2), "target": round(new * ratio, 2)})
    _save(store, "objective", rows, user=chair, reason="demo measures rescaled", now=at)


def _demo_taskings(
    store: Store, settings: Settings, *, chair: User, at: dt.datetime, days: int
) -> int:
    start = at - dt.timedelta(days=days)
    incidents = store.read_frame(
        "incidents",
        columns=["incident_id", "occurred_from"],
        where=[("occurred_from", ">=", start), ("occurred_from", "<", at)],
    ).join(
        store.read_frame(
            "classifications",
            columns=["incident_id", "harm_days"],
            where=[("profile", "=", settings.definition), ("in_definition", "=", True)],
        ),
        on="incident_id",
    )
    victims = store.read_frame(
        "involvements",
        columns=["incident_id", "person_id"],
        where=[("role", "=", "victim")],
    ).unique("incident_id", keep="first")
    meeting_day = pl.col("occurred_from").dt.truncate("1d") + pl.duration(days=1)
    picks = (
        incidents.with_columns(meeting_day.alias("day"))
        .sort(["day", "harm_days", "incident_id"], descending=[False, True, False])
        .group_by("day", maintain_order=True)
        .head(2)
        .join(victims, on="incident_id", how="left")
    )
    orgs = ("police", "council", "probation", "nhs")
    created: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(picks.to_dicts()):
        when = row["day"] + dt.timedelta(hours=9)
        if when > at + dt.timedelta(hours=3):
            continue
        items = [
            ("incident", row["incident_id"], "Visit the victim; CCTV and witnesses")
        ]
        if row["person_id"] and i % 2 == 0:
            items.append(("repeat_victim", row["person_id"], "Safeguarding visit"))
        for kind, ident, what in items:
            subject = subject_key(kind, str(ident))
            if subject in seen:
                continue  # already tasked: no double visits
            seen.add(subject)
            org = orgs[len(created) % len(orgs)]
            tasking = {
                "tasking_id": f"T{when:%Y%m%d}-{uuid.uuid4().hex[:6]}",
                "what": what,
                "assignee": f"{org} duty officer",
                "organisation": org,
                "due": when + dt.timedelta(days=1),
                "item_kind": kind,
                "item_id": str(ident),
                "status": "open",
                "created_at": when,
                "created_by": chair.username,
            }
            created.append(tasking)
            next_day = when + dt.timedelta(days=1)
            if next_day <= at and len(created) % 7 != 0:
                done = "Done: victim seen, safety advice given"
                results.append(
                    {
                        **tasking,
                        "status": "done",
                        "result": done
                        if len(created) % 3
                        else "Done: no reply, card left, revisit booked",
                        "result_at": next_day,
                        "result_by": chair.username,
                    }
                )
    _save(store, "tasking", created, user=chair, reason="demo taskings")
    _save(store, "tasking", results, user=chair, reason="demo tasking results")
    n = len(created)
    return n
