"""Plan files: import and export of the YAML plan (idempotent, errors with lines)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import polars as pl

from avert.delivery.model import (
    Action,
    Objective,
    Plan,
    check_transition,
)
from avert.delivery.planfile import (
    PlanDocument,
    PlanFileError,
    dump_plan,
    parse_plan,
    shift_plan,
)
from avert.errors import ConfigError, ConflictError, NotFound
from avert.files import private_write_text
from avert.schema import TABLES
from avert.store import Store, audit
from avert.store.delivery import DELIVERY_TABLES
from avert.workflows.delivery._common import (
    _BOOKKEEPING,
    EXAMPLE_PLAN,
    _changes,
    _now,
    _Pending,
    _read_rows,
    _system_user,
    _write,
    account_orgs,
    accounts_spelling,
    as_json_values,
    last_imported,
    new_organisation_problem,
    people_written,
)
from avert.workflows.users import User


# --- plan files ----------------------------------------------------------------------
@dataclass(frozen=True)
class ImportResult:
    """What a plan import did."""

    plan_id: str
    created: int
    updated: int
    unchanged: int
    #: changes made in avert since the last import that the file left alone and the
    #: import kept ("action A04 status")
    kept: tuple[str, ...] = ()
    #: the file's lead organisations no account's organisation matches, each with
    #: its actions ("Councl (A03, A07)"), when the store has partner accounts
    unmatched_leads: tuple[str, ...] = ()

    def line(self) -> str:
        """One line for the CLI (and one more naming the changes kept, and one the
        leads no account holds)."""
        line = (
            f"plan {self.plan_id}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged"
        )
        if self.kept:
            line += (
                f"\nkept {len(self.kept)} change(s) made in avert since the last "
                f"import: {', '.join(self.kept)}"
            )
        if self.unmatched_leads:
            line += (
                f"\nlead organisations no account holds: "
                f"{', '.join(self.unmatched_leads)}; no partner sees or changes "
                "those actions until an account of the organisation is made (a "
                "misspelling? stored as written)"
            )
        return line


def _unmatched_leads(store: Store, doc: PlanDocument) -> tuple[str, ...]:
    """The leads of ``doc``'s actions (as the accounts spell them) that no account's
    organisation is, with their actions, when some partner account exists.

    A lead is matched to the accounts' organisations as it is read
    (:func:`accounts_spelling`), so a lead misspelt in the file ("Councl")
    was stored and seen by no partner, and nobody was told; a store without
    partner accounts (the command line alone) is not told of every lead.
    """
    users = store.read_frame("users", columns=["role", "org"])
    partners = users.filter(pl.col("role") == "partner")["org"].drop_nulls()
    if partners.is_empty():
        return ()
    orgs = account_orgs(store)
    found: dict[str, list[str]] = {}
    for action in doc.actions:
        lead = action.lead_organisation
        # as it is read (a stored "COUNCIL" is kept, and read as "council")
        if lead and accounts_spelling(orgs, lead, keep_ambiguous=True) not in orgs:
            found.setdefault(lead, []).append(action.action_id)
    return tuple(f"{lead!r} ({_some(ids)})" for lead, ids in sorted(found.items()))


def _some(ids: list[str], shown: int = 3) -> str:
    """The first ``shown`` of ``ids``, and how many more: a plan of 1,000 actions
    named hundreds of one lead's."""
    more = len(ids) - shown
    return ", ".join(ids[:shown]) + (f" and {more} more" if more > 0 else "")


def _plan_errors(path: str, errors: list[PlanFileError]) -> ConfigError:
    lines = "\n".join(f"  {path}:{e.line}: {e.message}" for e in errors)
    return ConfigError(f"{len(errors)} error(s) in plan file {path}:\n{lines}")


def _read_plan_text(path: str | Path) -> str:
    """The text of the plan file at ``path``; :class:`ConfigError` if unreadable."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        msg = f"Cannot read plan file {path}: {err}"
        raise ConfigError(msg) from err


def _transition_errors(
    doc: PlanDocument,
    actions: list[dict[str, Any]],
    stored: dict[str, dict[str, Any]],
    *,
    conflicted: set[int],
) -> list[PlanFileError]:
    """The status changes the transition table forbids, on lines not in conflict."""
    errors: list[PlanFileError] = []
    for row in actions:
        old = stored.get(row["action_id"])
        if doc.lines.get(f"action:{row['action_id']}", 1) in conflicted:
            continue  # its conflict is reported already
        try:
            check_transition(old["status"] if old else None, row["status"])
        except ConfigError as err:
            line = doc.lines.get(f"action:{row['action_id']}", 1)
            errors.append(PlanFileError(line, f"action {row['action_id']}: {err}"))
    return errors


def _import_changes(
    store: Store,
    doc: PlanDocument,
    merged: dict[str, list[dict[str, Any]]],
    given: dict[str, dict[str, dict[str, Any]]],
    *,
    user: User,
    now: dt.datetime,
) -> list[_Pending]:
    """The versioned changes of an import: the file's rows, then the actions that
    follow their objective's strand (not in the file: source ``app``)."""
    pending = [
        _changes(
            store,
            entity,
            rows,
            user=user,
            now=now,
            source="plan-file",
            file_rows=given[entity],
        )
        for entity, rows in merged.items()
    ]
    followers = _strand_followers(store, doc)
    if followers:  # not in the file, so not the file's row: source app
        pending.append(
            _changes(store, "action", followers, user=user, now=now, source="app")
        )
    return pending


def import_plan(
    store: Store,
    path: str | Path,
    *,
    user: User | None = None,
    text: str | None = None,
    shift_days: int = 0,
    now: dt.datetime | None = None,
    overwrite: bool = False,
) -> ImportResult:
    """Read a plan file and store it; an unchanged file changes nothing (idempotent).

    A re-import merges, field by field, the file with the changes made in avert
    (the web, the CLI) since the last import, as a three-way merge in version
    control does (base: the row as the last import wrote it): a field the file
    leaves as it was imported keeps avert's value; a field only the file changed
    takes the file's; a field both changed to different values is a conflict,
    refused with its line unless ``overwrite`` (the file wins). Rows no import
    wrote (or written before avert kept the source of changes) take the file's
    values, as before.

    ``shift_days`` moves every date of the plan (the demo city replays the 2010
    example plan in its own period); ``now`` is the time its changes are recorded
    at (default: now; the demo records them at its own last day).

    Raises
    ------
    ConfigError
        Listing every error of the file with its line (nothing is stored then),
        including conflicts and status changes the transition table forbids.
    ConflictError
        When another user changed a row of the plan after the import read it:
        nothing is stored; the message names the rows and says to run the import
        again (it then merges that change).
    """
    user = user or _system_user()
    src = str(path)
    if text is None:
        text = _read_plan_text(path)
    doc = parse_plan(text)
    if shift_days:
        doc = shift_plan(doc, shift_days)
    stored = _read_rows(store, "action", [a.action_id for a in doc.actions])
    lead_errors = _lead_name_errors(store, doc, stored)
    doc = _leads_as_accounts_spell(store, doc, stored)
    errors = list(doc.errors) + lead_errors
    if doc.plan is None:
        raise _plan_errors(src, sorted(errors, key=lambda e: e.line))
    elsewhere = _other_plans_ids(store, doc, stored)
    errors += elsewhere.values()
    # the entries read without an error are checked against the store even when
    # others have one (conflicts, forbidden status changes), so that every error
    # of the file is listed at once; one whose id is another plan's is not (its
    # stored row is that plan's: a "conflict" with it is no error of the file)
    unchecked = doc.flawed | elsewhere.keys()
    merged: dict[str, list[dict[str, Any]]] = {}
    given: dict[str, dict[str, dict[str, Any]]] = {}
    kept: list[str] = []
    for entity, rows in (
        ("plan", [doc.plan.row()]),
        ("objective", [o.row() for o in doc.objectives]),
        ("action", [a.row() for a in doc.actions]),
    ):
        key = TABLES[DELIVERY_TABLES[entity]].primary_key[0]
        rows = [r for r in rows if f"{entity}:{r[key]}" not in unchecked]
        merge = _merge(store, entity, rows, doc=doc, overwrite=overwrite)
        merged[entity] = merge.rows
        given[entity] = {str(r[key]): r for r in rows}
        errors += merge.conflicts
        kept += merge.kept
    errors += _transition_errors(
        doc, merged["action"], stored, conflicted={e.line for e in errors}
    )
    if errors:
        raise _plan_errors(src, sorted(errors, key=lambda e: e.line))
    reason = f"plan import {Path(src).name}"
    pending = _import_changes(
        store, doc, merged, given, user=user, now=now or _now(store)
    )
    try:
        _write(store, pending, user=user, reason=reason)  # one transaction: all or none
    except ConflictError as err:
        raise _changed_while_importing(store, src, pending, err) from err
    totals = [sum(p.counts[i] for p in pending) for i in range(3)]
    created, updated, unchanged = totals
    return ImportResult(
        doc.plan.plan_id,
        created,
        updated,
        unchanged,
        kept=tuple(kept),
        unmatched_leads=_unmatched_leads(store, doc),
    )


def _lead_name_errors(
    store: Store, doc: PlanDocument, stored: dict[str, dict[str, Any]]
) -> list[PlanFileError]:
    """An error at its action's line for each lead of ``doc`` that would be a
    new organisation with a name that reads as another (an invisible character,
    letters of two scripts: :func:`new_organisation_problem`). A lead an
    account's organisation reads as is that account's; a lead as stored
    (``stored``) is kept, its key unchanged."""
    orgs = account_orgs(store)
    errors: list[PlanFileError] = []
    for action in doc.actions:
        lead = action.lead_organisation
        if (
            not lead
            or stored.get(action.action_id, {}).get("lead_organisation") == lead
        ):
            continue
        if problem := new_organisation_problem(orgs, lead):
            line = doc.lines.get(f"action:{action.action_id}", 0)
            errors.append(
                PlanFileError(line, f"action {action.action_id}: lead: {problem}")
            )
    return errors


def _leads_as_accounts_spell(
    store: Store, doc: PlanDocument, stored: dict[str, dict[str, Any]]
) -> PlanDocument:
    """``doc`` with each action's lead organisation as the accounts spell it
    (:func:`accounts_spelling`): partners see and change the actions their
    organisation leads, matched exactly, so an action led by "Council" in the file
    was never seen by the accounts of "council".

    A stored lead (``stored``: the actions as they are, by id) that names the same
    organisation, read as the accounts spell it now (:func:`with_accounts_spelling`),
    is kept as stored: a plan exported and imported again after an account was made
    of "leeds city council" recorded a lead change, from "Leeds City Council", that
    nobody made.
    """
    orgs = account_orgs(store)

    def lead(action: Action) -> str | None:
        # two stored spellings, neither typed: refused by _lead_name_errors
        spelt = accounts_spelling(orgs, action.lead_organisation, keep_ambiguous=True)
        old = stored.get(action.action_id, {}).get("lead_organisation")
        same = (
            old is not None
            and accounts_spelling(orgs, old, keep_ambiguous=True) == spelt
        )
        return old if same else spelt

    actions = [dataclasses.replace(a, lead_organisation=lead(a)) for a in doc.actions]
    return dataclasses.replace(doc, actions=actions)


def _changed_while_importing(
    store: Store, src: str, pending: list[_Pending], err: ConflictError
) -> ConflictError:
    """The refusal of an import when rows it read were changed before it wrote.

    Names each such row, and who changed it when (its last history row), and says
    what to do: the import is one transaction, so nothing of it was written, and a
    second run reads the rows as they now stand and merges the change with the file.
    """
    changed: dict[str, str] = {}
    for part in pending:
        ids = [h["entity_id"] for h in part.history if h["entity_id"] in err.ids]
        if not ids:
            continue
        history = store.read_frame(
            "delivery_history",
            columns=["entity_id", "user_name", "at", "version"],
            where=[("entity", "=", part.entity), ("entity_id", "in", ids)],
            order_by=["entity_id", "version", "at"],
        )
        last = {row["entity_id"]: row for row in history.iter_rows(named=True)}
        for entity_id in ids:
            row = last.get(entity_id, {})
            who = row.get("user_name") or "another user"
            when = f" at {row['at']:%Y-%m-%d %H:%M}" if row.get("at") else ""
            changed[f"{part.entity} {entity_id}"] = f"{who}{when}"
    rows = "; ".join(f"{name} was changed by {by}" for name, by in changed.items())
    msg = (
        f"Plan import of {Path(src).name} refused: "
        f"{rows or ', '.join(err.ids) + ' changed'} after the import read the plan. "
        "The import is all or nothing, so nothing of the file was written. Run the "
        "same import again ('avert plan import'): it reads the plan as it now "
        "stands and merges that change with the file."
    )
    return ConflictError(msg, ids=err.ids)


def _strand_followers(store: Store, doc: PlanDocument) -> list[dict[str, Any]]:
    """Stored actions of the plan that the file leaves out, under an objective
    whose strand the file changes: their strand follows the objective's (an
    objective gives its actions' strand; else the plan board counts them under the
    old strand and the plan's export contradicts itself)."""
    strands = {o.objective_id: o.strand for o in doc.objectives}
    in_file = {a.action_id for a in doc.actions}
    if doc.plan is None or not strands:
        return []
    stored = store.read_frame("actions", where=[("plan_id", "=", doc.plan.plan_id)])
    return [
        {**row, "strand": strands[row["objective_id"]]}
        for row in stored.to_dicts()
        if row["action_id"] not in in_file
        and row["objective_id"] in strands
        and row["strand"] != strands[row["objective_id"]]
    ]


@dataclass(frozen=True)
class _Merged:
    rows: list[dict[str, Any]]
    conflicts: list[PlanFileError]
    kept: list[str]


def _merge(
    store: Store,
    entity: str,
    rows: list[dict[str, Any]],
    *,
    doc: PlanDocument,
    overwrite: bool,
) -> _Merged:
    """The file's rows merged with avert's changes since the last import (three-way).

    Per field: file == stored, or stored == base: the file's value; file == base
    (only avert changed it): avert's value, kept; all three differ: a conflict
    (``overwrite``: the file's value). No base (never imported): the file's row.
    """
    key = TABLES[DELIVERY_TABLES[entity]].primary_key[0]
    ids = [str(r[key]) for r in rows]
    stored = _read_rows(store, entity, ids)
    base = last_imported(store, entity, ids)
    out = _Merged([], [], [])
    for row, ident in zip(rows, ids, strict=True):
        old, was = stored.get(ident), base.get(ident)
        if old is None or was is None:
            out.rows.append(row)
            continue
        mine, theirs = as_json_values(row), as_json_values(old)
        merged = dict(row)
        for field, value in mine.items():
            now_value, base_value = theirs.get(field), was.get(field)
            if value == now_value or now_value == base_value:
                continue
            if value == base_value:
                merged[field] = old[field]
                out.kept.append(f"{entity} {ident} {field}")
            elif not overwrite:
                out.conflicts.append(
                    PlanFileError(
                        doc.lines.get(f"{entity}:{ident}", 1),
                        f"{entity} {ident}: {field} was changed in avert to "
                        f"{now_value!r} since the last import and the file says "
                        f"{value!r} (imported as {base_value!r}); export the plan "
                        "('avert plan export') and edit that, or import with "
                        "--overwrite",
                    )
                )
        out.rows.append(merged)
    return out


def _other_plans_ids(
    store: Store, doc: PlanDocument, actions: dict[str, dict[str, Any]]
) -> dict[str, PlanFileError]:
    """Objectives and actions of the file whose id is stored under another plan,
    by entry (``"action:A1"``, as :attr:`PlanDocument.lines`).

    Ids are keys across plans: importing one would move it (and leave the other
    plan's actions pointing at an objective that is no longer theirs).
    """
    plan_id = doc.plan.plan_id if doc.plan else None
    objectives = _read_rows(
        store, "objective", [o.objective_id for o in doc.objectives]
    )
    found = [
        ("objective", ident, objectives.get(ident))
        for ident in (o.objective_id for o in doc.objectives)
    ] + [
        ("action", ident, actions.get(ident))
        for ident in (a.action_id for a in doc.actions)
    ]
    return {
        f"{kind}:{ident}": PlanFileError(
            doc.lines.get(f"{kind}:{ident}", 1),
            f"{kind} {ident}: id {ident!r} is an {kind} of plan {old['plan_id']!r} "
            "(ids are unique across plans)",
        )
        for kind, ident, old in found
        if old is not None and old["plan_id"] not in (None, plan_id)
    }


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
        # it counted no one: the file names its actions' subjects and the ids
        # their titles write
        detail=audit.describe(
            people=_people_named(store, text),
            location=None if path is None else str(Path(path).resolve()),
        ),
    )
    if path is not None:  # the actions' targets are person ids: owner-only
        private_write_text(path, text)
    return text


def _people_named(store: Store, text: str) -> list[str]:
    """The stored people a plan file's ``text`` names, as the police read it
    (:func:`people_written`): its actions' subjects, the ids their free text
    writes (as words of their own or run into letters), a detected group's
    (``net-`` and a member's id), each stored name it writes (a title's "Visit
    Jonah Whitcombe"); the ids asked of the store at once."""
    return people_written(store, [text], police=True)


def example_plan_text() -> str:
    """The example plan shipped with avert (built from the 2010 seed report)."""
    return (
        resources.files("avert.delivery")
        .joinpath(EXAMPLE_PLAN)
        .read_text(encoding="utf-8")
    )
