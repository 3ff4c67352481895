"""Actions: reading, editing under the policy, the plan board and an action's page."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, NoReturn

import polars as pl

from avert.access import (
    TITLE_WITHHELD_TARGETS,
    AuthorSpan,
    Pseudonymiser,
    audience_of,
    authors_json,
    authors_of,
    foreign_pieces,
    kept_withheld,
    pseudonymise_authored,
    restore_authored,
    withhold_action_titles,
)
from avert.config.settings import Settings
from avert.config.timezone import local_today
from avert.delivery.checks import NO_LEAD
from avert.delivery.model import (
    ACTION_TRANSITIONS,
    STATUSES,
    STRANDS,
    check_transition,
    with_overdue,
)
from avert.errors import (
    ConfigError,
    ConflictError,
    FieldError,
    NotFound,
    PermissionDenied,
)
from avert.policy import POLICE_ROLES
from avert.store import Store, audit, queries
from avert.workflows.delivery._asof import read_delivery
from avert.workflows.delivery._common import (
    AUTHORED_FIELDS,
    EDITABLE_FIELDS,
    PARTNER_FIELDS,
    POLICE_LEAD,
    _last_change,
    _read_rows,
    _save,
    account_orgs,
    accounts_spelling,
    author_ids_shown,
    new_organisation_problem,
    one_word_shown,
    partner_pseudonymiser,
    people_written,
    pseudonymise_stored_ids,
    stored_ids_shown,
    with_accounts_spelling,
    withheld_after_save,
)
from avert.workflows.delivery._place_names import place_subject_names
from avert.workflows.delivery._planfile import _action_of
from avert.workflows.pseudonym_lookup import copied_pseudonyms
from avert.workflows.users import (
    User,
    audit_as,
    check_allowed,
    is_allowed,
    refuse_unseen,
)


# --- actions -------------------------------------------------------------------------
def read_actions(store: Store, *, today: dt.date | None = None) -> pl.DataFrame:
    """Every action, as it stood at the end of ``today``, with ``overdue`` and
    ``overdue_days`` derived for that day, each lead organisation as the accounts
    spell it now (:func:`with_accounts_spelling`: an account made after the plan
    was imported sees and changes the actions its organisation leads).

    ``today`` defaults to today in the force's zone (the store's), not the machine's;
    a past day reads each action's state then (:func:`read_delivery`).
    """
    today = today or local_today(store.timezone)
    actions = read_delivery(store, "action", today=today)
    return with_overdue(
        with_accounts_spelling(store, actions, "lead_organisation"), today
    )


def _refuse_partner(
    store: Store, user: User, action_id: str, *, asked: str
) -> NoReturn:
    """Refuse a partner an action their organisation does not lead, in the words and
    with the audit row of one that does not exist (neither says which it is, nor who
    leads it: :func:`avert.workflows.users.refuse_unseen`)."""
    refuse_unseen(
        store,
        user,
        obj=f"action:{action_id}",
        asked=asked,
        reason=f"partner of {user.org!r} may see and change the actions their "
        "organisation leads only (see the plan for them)",
    )


def _lead_as_accounts_spell(store: Store, row: dict[str, Any]) -> str | None:
    """The lead organisation of one action ``row`` as the accounts spell it now
    (:func:`accounts_spelling`): whose action it is, for the partner permission,
    while the row is saved as stored."""
    return accounts_spelling(
        account_orgs(store), row.get("lead_organisation"), keep_ambiguous=True
    )


def _may_edit(user: User, lead_organisation: str | None) -> None:
    check_allowed(user, "edit-action", org=lead_organisation or "")


def update_action(
    store: Store,
    action_id: str,
    changes: dict[str, Any],
    *,
    user: User,
    settings: Settings | None = None,
    version: int | None = None,
) -> dict[str, Any]:
    """Change fields of one action (status moves along the transition table).

    ``version``: the action's version the change was made from (the web form sends
    the one it was opened at). When another user saved the action since, nothing is
    written (:class:`~avert.errors.ConflictError`, saying who and when): a form
    opened earlier sends every field, and would put back what they changed.
    Without it (the CLI), the change is of the fields in ``changes`` only: when
    another change is written between this one's read and its write, it is made
    again on the row as it now stands (a few times, then refused so too).

    Partners change only their own organisation's actions, and only
    :data:`PARTNER_FIELDS`. Returns the new row.

    A partner reads the evidence and RAG reason of an action on a person, group,
    incident or place with its target named by its pseudonym (:func:`_shown`), and
    the action form sends that text back: with ``settings`` (the deployment's key),
    the pseudonym in it is stored as the target's id again, so the police's record
    keeps the id. A partner or the board names the action by the id it reads
    (:func:`with_action_ids_shown`), with ``settings``.
    """
    if settings is not None:
        action_id = _asked_action_id(
            store, settings, user, action_id, asked_for="edit-action"
        )
    for _ in range(_ATTEMPTS - 1):
        try:
            return _update_action(
                store, action_id, changes, user=user, settings=settings, version=version
            )
        except ConflictError:
            if version is not None:
                raise
    return _update_action(
        store, action_id, changes, user=user, settings=settings, version=version
    )


#: Times a change without a version is tried while other changes are written between
#: its read and its write
_ATTEMPTS = 3


def _update_action(
    store: Store,
    action_id: str,
    changes: dict[str, Any],
    *,
    user: User,
    settings: Settings | None,
    version: int | None,
) -> dict[str, Any]:
    old = _read_rows(store, "action", [action_id]).get(action_id)
    lead = None if old is None else _lead_as_accounts_spell(store, old)
    if user.role == "partner" and (old is None or not _visible(user, lead)):
        _refuse_partner(store, user, action_id, asked="edit-action")
    if old is None:
        msg = "No such action (see the plan for its actions)"
        raise NotFound(msg)
    _may_edit(user, lead)
    if version is not None and int(old["version"] or 0) != version:
        raise _changed_since(store, old, version)
    allowed = PARTNER_FIELDS if user.role == "partner" else EDITABLE_FIELDS
    refused = sorted(set(changes) - allowed)
    if refused:
        msg = f"{user.role} may not change {', '.join(refused)} of an action"
        raise PermissionDenied(msg)
    # text as a plan file reads it (stripped; blank is none), so that an amber RAG's
    # reason of spaces is no reason and the export of the plan imports unchanged
    # (a browser's text box sends its line breaks as CRLF: stored as LF)
    clean = {
        k: (v.replace("\r\n", "\n").strip() or None) if isinstance(v, str) else v
        for k, v in changes.items()
    }
    if settings is not None and audience_of(user.role) != "police":
        _put_back_shown(store, settings, old, clean, reader=user)
    lead_typed = clean.get("lead_organisation")
    if lead_typed != old.get("lead_organisation") and (
        problem := new_organisation_problem(account_orgs(store), lead_typed)
    ):
        raise FieldError(problem, field="lead_organisation")
    if "supporting" in clean and isinstance(clean["supporting"], (list, tuple)):
        clean["supporting"] = ";".join(clean["supporting"]) or None
    for key in ("due", "review_date"):
        value = clean.get(key)
        if isinstance(value, str):
            try:
                clean[key] = dt.date.fromisoformat(value)
            except ValueError as err:
                msg = f"{key} {value!r} is not a date (YYYY-MM-DD)"
                raise FieldError(msg, field=key) from err
    new = {**old, **clean}
    if new.get("status") is None:
        new["status"] = old["status"]
    try:
        check_transition(old["status"], new["status"])
    except ConfigError as err:  # the form shows it beside the status
        raise FieldError(str(err), field="status") from err
    problems = _action_of(new).field_problems()
    if problems:  # beside the field of the first (a form sends one at a time)
        message = "; ".join(message for _, message in problems)
        raise FieldError(message, field=problems[0][0])
    try:
        _save(store, "action", [new], user=user, reason="action update")
    except ConflictError as err:
        # another user's save committed between the read above and this write
        now = _read_rows(store, "action", [action_id])[action_id]
        raise _changed_since(store, now, int(old["version"] or 0)) from err
    return _read_rows(store, "action", [action_id])[action_id]


def _put_back_shown(
    store: Store,
    settings: Settings,
    old: dict[str, Any],
    clean: dict[str, Any],
    *,
    reader: User,
) -> None:
    """A partner's evidence and RAG reason with the ids and names they read as
    pseudonyms put back, in place, and who wrote which words of them: each
    field's text is shown again as the partner read it (their organisation's own
    words as written, the target's and every other stored id and name of the
    others' as pseudonyms: :func:`_shown`), each pseudonym put back as the words
    it replaced at its place there, and what the partner typed counted as their
    organisation's (:func:`avert.access.restore_authored`), so the police's
    record keeps what they wrote and the partner reads their own words as typed.
    ``reader``: the partner (of the action's lead organisation), whose
    pseudonyms it read and typed."""
    org = reader.org
    pseudo = partner_pseudonymiser(settings, reader=reader)
    kind = _PSEUDONYMOUS.get(str(old.get("target_type")))
    real = None if old.get("target_id") is None else str(old["target_id"])
    target = (
        (real, pseudo(kind, real))
        if kind is not None and real is not None
        else (None, None)
    )
    fields = AUTHORED_FIELDS["action"]
    spans = {f: authors_of(old.get("authors"), f, old.get(f)) for f in fields}
    people: dict[str, tuple[list[str], list[str]]] = {}
    shown = stored_ids_shown(
        store,
        pseudo,
        foreign_pieces([old.get(f) for f in fields], [spans[f] for f in fields], org),
        kept=kept_withheld(old.get("authors")),
        people=people,
    )
    # a word of a name near its person's clue, in its own field only (as read)
    alone = dict(
        zip(
            fields,
            one_word_shown(
                [old.get(f) for f in fields], [spans[f] for f in fields], org, people
            ),
            strict=True,
        )
    )
    copied = copied_pseudonyms(
        store, settings, [clean.get(f) for f in fields], role=reader.role, org=org
    )
    written: dict[str, tuple[str | None, list[AuthorSpan]]] = {}
    for f in fields:
        if isinstance(clean.get(f), str):
            written[f] = restore_authored(
                clean[f],
                old.get(f),
                spans[f],
                org,
                {**alone[f], **shown},
                target,
                copied,
            )
            clean[f] = written[f][0]
        elif f in clean:  # emptied
            written[f] = (None, [])
        else:
            written[f] = (old.get(f), spans[f])
    texts = [written[f][0] for f in fields]
    kept = withheld_after_save(
        store,
        {k: v for f in fields for k, v in alone[f].items()} | shown,
        foreign_pieces(texts, [written[f][1] for f in fields], org),
        [old.get("title"), *texts],
    )
    clean["authors"] = authors_json(written, kept)


def _changed_since(store: Store, action: dict[str, Any], version: int) -> ConflictError:
    """The refusal of a change made from ``version`` of ``action`` (as stored now)."""
    action_id = str(action["action_id"])
    last = _last_change(store, "action", action_id)
    by = last.get("user_name") or "another user"
    at = last.get("at")
    when = f" at {at:%Y-%m-%d %H:%M}" if at else ""
    msg = (
        f"Action {action_id} was changed by {by}{when} (now version "
        f"{action['version']}; this change was made from version {version}): "
        "nothing was saved; make the change again on the action as it now stands."
    )
    return ConflictError(msg, ids=(action_id,))


def visible_actions(frame: pl.DataFrame, user: User) -> pl.DataFrame:
    """Actions a user may see: partners only their own organisation's; the board,
    like the police roles, every one."""
    if user.role == "partner":
        return frame.filter(pl.col("lead_organisation") == (user.org or ""))
    return frame


def _visible(user: User, lead_organisation: str | None) -> bool:
    """Whether ``user`` may see an action with this lead: :func:`visible_actions`'
    rule, for one action."""
    one = pl.DataFrame(
        {"lead_organisation": [lead_organisation]},
        schema={"lead_organisation": pl.String},
    )
    return visible_actions(one, user).height == 1


def board_actions(
    frame: pl.DataFrame,
    user: User,
    *,
    lead: str | None = None,
    area: str | None = None,
) -> pl.DataFrame:
    """The actions of the plan board as ``user`` sees it (:func:`visible_actions`),
    only those led by ``lead`` and in ``area`` when given; ``lead`` :data:`NO_LEAD`
    picks the actions without a lead organisation (so named in overdue by lead)."""
    actions = visible_actions(frame, user)
    if lead == NO_LEAD:
        actions = actions.filter(pl.col("lead_organisation").is_null())
    elif lead:
        actions = actions.filter(pl.col("lead_organisation") == lead)
    if area:
        actions = actions.filter(pl.col("area") == area)
    return actions


#: An action's free text a partner or the board may read.
_FREE_TEXT = ("title", "evidence", "rag_reason")

#: Subject types a partner or board member sees as keyed pseudonyms (as the
#: briefing does); areas and cohorts are not identifiers of anyone.
_PSEUDONYMOUS = {
    "person": "person",
    "group": "group",
    "incident": "incident",
    "place": "place",
}


def _shown(
    store: Store,
    frame: pl.DataFrame,
    user: User,
    settings: Settings | None,
    *,
    names: queries.StoredNames | None = None,
) -> pl.DataFrame:
    """Person, group, incident and place subjects as pseudonyms for partners and the
    board, and no free text of an action on a person, group or incident (as the
    briefing: :func:`avert.access.withhold_action_titles`; evidence and RAG reason
    stay for the partner whose organisation leads the action). The free text they
    read names the target and every stored person, incident and group by its
    pseudonym too (:func:`pseudonymise_stored_ids`, with ``names`` if an output of
    several lists keeps them), except the words the reader's own organisation
    wrote, which it reads as written; so do the ids the plan's author wrote, the
    action's (:func:`with_action_ids_shown`) and its objective's."""
    if audience_of(user.role) == "police" or frame.height == 0:
        return frame
    pseudo = partner_pseudonymiser(settings, reader=user)
    ids = frame["target_id"].to_list()
    kinds = frame["target_type"].to_list()
    own = user.org if user.role == "partner" else None
    shown_ids = [
        pseudo(_PSEUDONYMOUS[k], str(i)) if k in _PSEUDONYMOUS and i is not None else i
        for k, i in zip(kinds, ids, strict=True)
    ]
    kept = withhold_action_titles(frame, own_organisation=own)
    # the free text the leading partner keeps names the target by its pseudonym
    targets = list(zip(ids, shown_ids, strict=True))
    names = names or queries.StoredNames(store)
    kept = pseudonymise_stored_ids(
        store,
        pseudo,
        kept,
        _FREE_TEXT,
        names=names,
        org=own,
        targets=dict.fromkeys(AUTHORED_FIELDS["action"], targets),
    )
    kept = author_ids_shown(store, pseudo, kept, "objective_id", names=names)
    kept = with_action_ids_shown(store, pseudo, kept, targets, names=names)
    kept = kept.with_columns(pl.Series("target_id", shown_ids, dtype=pl.String))
    return kept.drop("authors", strict=False)


def _subject_pairs(
    pseudo: Pseudonymiser, frame: pl.DataFrame
) -> list[tuple[str | None, str | None]]:
    """Each action's ``(target id, pseudonym)`` of a person, group, incident or
    place subject (``(id, id)`` of an area or cohort, as it is shown)."""
    return [
        (str(i), pseudo(_PSEUDONYMOUS[k], str(i)))
        if k in _PSEUDONYMOUS and i is not None
        else (i, i)
        for k, i in zip(
            frame["target_type"].to_list(), frame["target_id"].to_list(), strict=True
        )
    ]


def with_action_ids_shown(
    store: Store,
    pseudo: Pseudonymiser,
    frame: pl.DataFrame,
    targets: list[tuple[str | None, str | None]] | None = None,
    *,
    names: queries.StoredNames | None = None,
) -> pl.DataFrame:
    """``frame`` with each action's id as a partner or the board reads it: each
    stored record id and name it writes, whole or run into other letters or
    digits ("P000123visit"), and its own subject's id (``targets``, else
    :func:`_subject_pairs`), as its pseudonym, as an objective's id
    (:func:`author_ids_shown`: a stored id of one or two characters reads as
    written). Plan authors write ids ("P000123-visit"): shown as written, the
    id beside the subject's pseudonym named the person. One action reads one
    id on every page (:func:`_asked_action_id`). The police read, and the plan
    file keeps, the id as written."""
    if frame.height == 0:
        return frame
    pairs = _subject_pairs(pseudo, frame) if targets is None else targets
    return author_ids_shown(
        store, pseudo, frame, "action_id", targets=pairs, names=names
    )


def _asked_action_id(
    store: Store,
    settings: Settings | None,
    user: User,
    asked: str,
    *,
    asked_for: str,
    today: dt.date | None = None,
) -> str:
    """The stored id of the action ``user`` asks for by the id it reads
    (:func:`with_action_ids_shown`: a partner's or the board's links name the
    action so); ``asked`` itself for the police, or when no action it may see
    reads so (refused or not found as before). The id as written of an action
    the reader reads under another id is answered as an id that names nothing
    (a partner: refused, with the audit row of ``asked_for``,
    :func:`_refuse_partner`; the board: not found): any other answer would say
    which action (and so which subject's pseudonym) a guessed person id has."""
    if audience_of(user.role) == "police":
        return asked
    frame = visible_actions(read_actions(store, today=today), user)
    if frame.height == 0:
        return asked
    pseudo = partner_pseudonymiser(settings, reader=user)
    real = frame["action_id"].to_list()
    shown = with_action_ids_shown(store, pseudo, frame)["action_id"].to_list()
    by_shown = dict(zip(shown, real, strict=True))
    if asked in by_shown:
        return str(by_shown[asked])
    if asked in real:
        if user.role == "partner":  # as an action of another organisation's
            _refuse_partner(store, user, asked, asked=asked_for)
        msg = "No such action (see the plan for its actions)"
        raise NotFound(msg)
    return asked


#: The free text of an action each list of actions shows (plan.html,
#: my_actions.html, action.html): the people they write are counted in its row.
_BOARD_TEXT: Final = ("action_id", "title", "rag_reason")
_MINE_TEXT: Final = ("action_id", "title")
_PAGE_TEXT: Final = ("action_id", "title", "objective_id", "evidence", "rag_reason")


def _people_detail(
    store: Store,
    shown: pl.DataFrame,
    user: User,
    fields: Sequence[str],
    texts: Sequence[str | None] = (),
    *,
    targets: bool = True,
) -> str:
    """The audit ``detail`` of a list of actions: with ``targets``, the people
    they target, as shown (pseudonyms for partners and the board; a page that
    shows no subject, My actions, counts none), and each person the page's free
    text writes (its ``fields`` of each action, and ``texts``: an objective's
    title), counted and digested as Today counts them
    (:func:`people_written`: by stored id or name for the police, by pseudonym
    for a partner or the board: an action's id "check-P-...", a title)."""
    people = (
        set(
            shown.filter(pl.col("target_type") == "person")["target_id"]
            .drop_nulls()
            .to_list()
        )
        if targets
        else set()
    )
    written = [
        str(v)
        for c in fields
        if c in shown.columns
        for v in shown[c].to_list()
        if isinstance(v, str)
    ]
    police = audience_of(user.role) == "police"
    people.update(people_written(store, [*written, *texts], police=police))
    return audit.describe(people=sorted(people), audience=audience_of(user.role))


def _shown_audited(
    store: Store,
    rows: pl.DataFrame,
    user: User,
    settings: Settings | None,
    *,
    obj: str,
    reason: str,
    names: queries.StoredNames | None = None,
    fields: Sequence[str] = _BOARD_TEXT,
    texts: Sequence[str | None] = (),
    targets: bool = True,
) -> pl.DataFrame:
    """``rows`` as ``user`` may see them (:func:`_shown`, with ``names``); the view
    is audited under ``obj`` and ``reason``, its detail the people the rows target
    as shown (with ``targets``: the page shows each action's subject) and those
    its ``fields`` and ``texts`` write (:func:`_people_detail`)."""
    shown = _shown(store, rows, user, settings, names=names)
    audit_as(
        store,
        user,
        action="view",
        obj=obj,
        reason=reason,
        detail=_people_detail(store, shown, user, fields, texts, targets=targets),
    )
    return shown


def _place_names(
    store: Store,
    settings: Settings | None,
    actions: pl.DataFrame,
    *,
    user: User,
    today: dt.date | None,
) -> dict[str, tuple[str, float]]:
    """What the place subjects of ``actions`` are near (:func:`place_subject_names`);
    none for a partner or the board, whose places are pseudonyms (a name would say
    where the place is)."""
    if audience_of(user.role) != "police":
        return {}
    places = actions.filter(pl.col("target_type") == "place")["target_id"]
    return place_subject_names(
        store,
        places.drop_nulls().to_list(),
        user=user,
        profile=(settings or Settings()).definition_id(),
        today=today or local_today(store.timezone),
    )


def plan_grid(actions: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Strand x status counts of ``actions`` (and the overdue of each strand): the
    plan board's grid, which names no one (the board pack shows it alone)."""
    grid = {s: dict.fromkeys([*STATUSES, "overdue"], 0) for s in STRANDS}
    for row in actions.group_by("strand", "status").len().iter_rows(named=True):
        if row["strand"] in grid:
            grid[row["strand"]][row["status"]] = int(row["len"])
    for row in (
        actions.filter(pl.col("overdue")).group_by("strand").len().iter_rows(named=True)
    ):
        if row["strand"] in grid:
            grid[row["strand"]]["overdue"] = int(row["len"])
    return grid


def plan_rag(actions: pl.DataFrame) -> dict[str, int]:
    """How many of ``actions`` are of each RAG rating ("unrated": none), which
    names no one."""
    return {
        str(k or "unrated"): int(v)
        for k, v in actions.group_by("rag").len().sort("rag").iter_rows()
    }


def plan_board(
    store: Store,
    settings: Settings | None,
    *,
    user: User,
    lead: str | None = None,
    area: str | None = None,
    today: dt.date | None = None,
    names: queries.StoredNames | None = None,
    texts: Sequence[str | None] = (),
) -> dict[str, Any]:
    """The plan board: strand x status counts, RAG counts, and the actions listed
    (as ``user`` may see them: :func:`_shown`, with ``names`` if given); its audit
    row counts too the people ``texts`` write, the page's other free text as
    ``user`` reads it (the objectives' ids and titles of its measures)."""
    made = plan_board_made(
        store,
        settings,
        user=user,
        lead=lead,
        area=area,
        today=today,
        names=names,
        texts=texts,
    )
    audit_plan_board(store, user, made)
    return made.board


@dataclass(frozen=True)
class PlanBoardMade:
    """A plan board as :func:`plan_board` gives it, with what its audit row says:
    made once, it can be shown (and audited, :func:`audit_plan_board`) again."""

    board: dict[str, Any]
    #: the audit row's reason and detail (the people the board shows)
    reason: str
    detail: str


def audit_plan_board(store: Store, user: User, made: PlanBoardMade) -> None:
    """The audit row of one showing of ``made`` to ``user``."""
    audit_as(
        store,
        user,
        action="view",
        obj="plan-board",
        reason=made.reason,
        detail=made.detail,
    )


def plan_board_made(
    store: Store,
    settings: Settings | None,
    *,
    user: User,
    lead: str | None = None,
    area: str | None = None,
    today: dt.date | None = None,
    names: queries.StoredNames | None = None,
    texts: Sequence[str | None] = (),
) -> PlanBoardMade:
    """:func:`plan_board` before its audit row is written (nothing written)."""
    check_allowed(user, "view-plan")
    today = today or local_today(store.timezone)
    actions = board_actions(
        read_actions(store, today=today), user, lead=lead, area=area
    )
    statuses = [*STATUSES, "overdue"]
    grid = plan_grid(actions)
    rag = plan_rag(actions)
    visible = visible_actions(
        with_accounts_spelling(
            store,
            store.read_frame("actions", columns=["lead_organisation", "area"]),
            "lead_organisation",
        ),
        user,
    )
    leads = sorted(visible["lead_organisation"].drop_nulls().unique().to_list())
    if visible["lead_organisation"].null_count():
        # the "(no lead)" row of overdue by lead can be picked too
        leads.append(NO_LEAD)
    areas = sorted(visible["area"].drop_nulls().unique().to_list())
    shown = _shown(store, actions, user, settings, names=names)
    board = {
        "today": today,
        # what each place subject is near, as the briefing names its places
        "place_names": _place_names(store, settings, shown, user=user, today=today),
        "grid": grid,
        "statuses": statuses,
        "rag": rag,
        "actions": shown.to_dicts(),
        "leads": leads,
        "areas": list(areas),
        "lead": lead or "",
        "area": area or "",
    }
    return PlanBoardMade(
        board=board,
        reason=f"plan board, {actions.height} actions (lead={lead or 'all'}, "
        f"area={area or 'all'})",
        detail=_people_detail(store, shown, user, _BOARD_TEXT, texts),
    )


def my_actions(
    store: Store, settings: Settings | None, *, user: User, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Actions a user owns, and those their organisation leads: for a user with
    an organisation, its leads; for an account of a police role (no
    organisation), the lead "police" (:data:`POLICE_LEAD`, matched ignoring case
    and surrounding spaces), which the Plan says such accounts hold
    (:func:`unheld_leads`): My actions listed none of them to the chair or an
    administrator, while the Plan flagged no police-led action "no account"."""
    check_allowed(user, "view-plan")
    actions = visible_actions(read_actions(store, today=today), user)
    mine = pl.col("owner") == user.username
    if user.org:
        mine = mine | (pl.col("lead_organisation") == user.org)
    if user.role in POLICE_ROLES:
        lead = pl.col("lead_organisation").str.strip_chars().str.to_lowercase()
        mine = mine | (lead == POLICE_LEAD)
    rows = actions.filter(mine.fill_null(value=False)).sort(
        ["overdue", "due"], descending=[True, False], nulls_last=True
    )
    shown = _shown_audited(
        store,
        rows,
        user,
        settings,
        obj="my-actions",
        reason=f"my actions, {rows.height} listed",
        fields=_MINE_TEXT,
        targets=False,  # the page lists ids and titles, no action's subject
    )
    return shown.to_dicts()


def _pseudonymised_pair(
    named: tuple[dict[str, str], dict[str, tuple[list[str], list[str]]]],
    pair: tuple[Any, Any],
    authors: tuple[str | None, str | None],
    field_name: str,
    row: dict[str, Any],
    before: dict[str, Any],
    org: str | None,
    pseudo: Pseudonymiser,
) -> tuple[Any, Any]:
    """A version's (before, after) free text with the action's target, as it is
    and as it was, and every other stored person, incident and group named by its
    pseudonym (``named``: what :func:`stored_ids_shown` shows, and the people
    it found, :func:`_shown`), and a word of a name near its person's clue
    withheld in its own text (:func:`one_word_shown`, as the action page reads
    it), except the words ``org`` wrote (each version's ``authors``);
    ``pseudo``: the reader's (:func:`partner_pseudonymiser`)."""
    others, people = named
    shown = dict(others)
    for target in (before, row):
        kind = _PSEUDONYMOUS.get(str(target.get("target_type")))
        real = target.get("target_id")
        if kind is not None and real is not None:
            shown[str(real)] = pseudo(kind, str(real))
    texts = [t if isinstance(t, str) else None for t in pair]
    spans = _own_spans(texts, authors, field_name, org)
    alone = one_word_shown(texts, spans, org, people)
    replaced = [
        pseudonymise_authored([t], [s], org, {**a, **shown})[0]
        for t, s, a in zip(texts, spans, alone, strict=True)
    ]
    out = [r if isinstance(t, str) else t for t, r in zip(pair, replaced, strict=True)]
    return out[0], out[1]


def _own_spans(
    texts: list[str | None],
    authors: tuple[str | None, str | None],
    field_name: str,
    org: str | None,
) -> list[list[AuthorSpan]]:
    """The spans ``org`` wrote of each of a version pair's texts."""
    if org is None:
        return [[], []]
    return [
        [s for s in authors_of(a, field_name, t) if s[2] == org]
        for a, t in zip(authors, texts, strict=True)
    ]


def _history_ids_shown(
    store: Store,
    pseudo: Pseudonymiser,
    history: pl.DataFrame,
    *,
    own: str | None,
    people: dict[str, tuple[list[str], list[str]]],
) -> dict[str, str]:
    """The stored ids the history's free text names, as a non-police reader sees
    them (but the reader's own organisation's words), asked of the store once."""
    versions = [
        json.loads(j) if j else {}
        for j in [*history["before_json"], *history["after_json"]]
    ]
    texts = [
        (t if isinstance(t := v.get(k), str) else None, v.get("authors"), k)
        for v in versions
        for k in _FREE_TEXT
    ]
    return stored_ids_shown(
        store,
        pseudo,
        foreign_pieces(
            [t for t, _, _ in texts],
            [
                [s for s in authors_of(a, k, t) if s[2] == own] if own else []
                for t, a, k in texts
            ],
            own,
        ),
        kept={
            w: m for v in versions for w, m in kept_withheld(v.get("authors")).items()
        },
        people=people,
    )


def _history_objective_ids_shown(
    store: Store, pseudo: Pseudonymiser, changes: list[dict[str, Any]]
) -> None:
    """In place, each objective id an action page's history shows changed, as
    a partner or the board reads it (:func:`author_ids_shown`, as the page's
    own objective id): it read the ids as written ("P0000123-aim" -> "A2")."""
    pairs = [c["diff"]["objective_id"] for c in changes if "objective_id" in c["diff"]]
    written = sorted({v for pair in pairs for v in pair if isinstance(v, str)})
    if not written:
        return
    ids = pl.DataFrame({"objective_id": written}, schema={"objective_id": pl.String})
    shown = dict(
        zip(
            written,
            author_ids_shown(store, pseudo, ids, "objective_id")["objective_id"],
            strict=True,
        )
    )
    for change in changes:
        if "objective_id" in change["diff"]:
            before, after = change["diff"]["objective_id"]
            change["diff"]["objective_id"] = (
                shown.get(before, before),
                shown.get(after, after),
            )


def _withhold_in_diff(
    diff: dict[str, tuple[Any, Any]],
    row: dict[str, Any],
    before: dict[str, Any],
    user: User,
) -> None:
    """In place, for a non-police reader: the target id pseudonymised; for a
    person, group or incident target, the title (and, but for the lead partner,
    the evidence and RAG reason) withheld."""
    if "target_id" in diff:
        diff["target_id"] = ("(pseudonymised)", "(pseudonymised)")
    subjects = {row["target_type"], before.get("target_type")}
    theirs = user.role == "partner" and row["lead_organisation"] == user.org
    withheld = ("title",) if theirs else ("title", "evidence", "rag_reason")
    for field_name in withheld:
        if field_name in diff and subjects & set(TITLE_WITHHELD_TARGETS):
            diff[field_name] = ("(withheld)", "(withheld)")


def _objective_title(
    store: Store,
    settings: Settings | None,
    user: User,
    objective_id: str | None,
    *,
    today: dt.date | None = None,
) -> str | None:
    """The title of an action's objective, as the plan's objectives show it (a
    stored id or name in it: its pseudonym for a partner or the board); the
    action page gave the objective's id alone ("prevention / P1")."""
    if not objective_id:
        return None
    found = read_delivery(store, "objective", today=today).filter(
        pl.col("objective_id") == objective_id
    )
    if found.height == 0:
        return None
    if audience_of(user.role) != "police":
        found = pseudonymise_stored_ids(
            store, partner_pseudonymiser(settings, reader=user), found, ("title",)
        )
    title = found["title"][0]
    return str(title) if title else None


def _history_texts(changes: list[dict[str, Any]]) -> list[str]:
    """The words an action page's history shows (each change's before and
    after, as ``user`` reads them; a creation shows "created" alone): the
    people they name are counted in the page's audit row."""
    return [
        v
        for change in changes
        if change["change"] != "create"
        for pair in change["diff"].values()
        for v in pair
        if isinstance(v, str)
    ]


def action_page(
    store: Store,
    settings: Settings | None,
    *,
    user: User,
    action_id: str,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """One action with its history (newest first); partners: own organisation only."""
    check_allowed(user, "view-plan")
    action_id = _asked_action_id(
        store, settings, user, action_id, today=today, asked_for="view-plan"
    )
    rows = read_actions(store, today=today).filter(pl.col("action_id") == action_id)
    if user.role == "partner" and visible_actions(rows, user).height == 0:
        _refuse_partner(store, user, action_id, asked="view-plan")
    if rows.height == 0:
        # the id is not repeated: it comes from the link (content spoofing)
        msg = "No such action (see the plan for its actions)"
        raise NotFound(msg)
    row = rows.row(0, named=True)
    history = store.read_frame(
        "delivery_history",
        where=[("entity", "=", "action"), ("entity_id", "=", action_id)],
        order_by=["version"],
    )
    changes: list[dict[str, Any]] = []
    others: dict[str, str] = {}
    people: dict[str, tuple[list[str], list[str]]] = {}
    own = user.org if user.role == "partner" else None
    pseudo = None
    if audience_of(user.role) != "police":
        pseudo = partner_pseudonymiser(settings, reader=user)
        others = _history_ids_shown(store, pseudo, history, own=own, people=people)
    for h in reversed(history.to_dicts()):
        before = json.loads(h["before_json"]) if h["before_json"] else {}
        after = json.loads(h["after_json"]) if h["after_json"] else {}
        diff = {
            k: (before.get(k), after.get(k))
            for k in sorted(set(before) | set(after))
            if before.get(k) != after.get(k) and k != "authors"
        }
        if pseudo is not None:
            _withhold_in_diff(diff, row, before, user)
            for field_name in _FREE_TEXT:
                if field_name in diff:
                    diff[field_name] = _pseudonymised_pair(
                        (others, people),
                        diff[field_name],
                        (before.get("authors"), after.get("authors")),
                        field_name,
                        row,
                        before,
                        own,
                        pseudo,
                    )
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
    if pseudo is not None:
        _history_objective_ids_shown(store, pseudo, changes)
    may_edit = is_allowed(user, "edit-action", org=row["lead_organisation"] or "")
    objective_title = _objective_title(
        store, settings, user, row["objective_id"], today=today
    )
    shown = _shown_audited(
        store,
        rows,
        user,
        settings,
        obj=f"action:{action_id}",
        reason="action page",
        fields=_PAGE_TEXT,
        texts=[objective_title, *_history_texts(changes)],
    )
    return {
        "action": shown.row(0, named=True),
        "place_names": _place_names(store, settings, shown, user=user, today=today),
        "objective_title": objective_title,
        "history": changes,
        "may_edit": may_edit,
        # the statuses it may take, in the order of their life (proposed to
        # cancelled), its own among them: not its own first, then A to Z
        "statuses": [
            s
            for s in STATUSES
            if s == row["status"] or s in ACTION_TRANSITIONS[row["status"]]
        ],
    }
