"""Taskings from the daily meeting: add, record a result, read for the briefing."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from avert.access import (
    Pseudonymiser,
    authors_json,
    authors_of,
    foreign_pieces,
    kept_withheld,
    restore_authored,
)
from avert.config.settings import Settings
from avert.config.timezone import local_now
from avert.delivery.model import (
    ITEM_KINDS,
    TASKING_STATUSES,
    TASKING_TEXTS,
    check_tasking_transition,
    item_key_words,
    parse_item,
    subject_type,
)
from avert.delivery.taskings import for_briefing, in_area
from avert.errors import ConfigError, ConflictError, NotFound
from avert.store import Store, audit, queries
from avert.workflows.delivery._common import (
    _last_change,
    _now,
    _read_rows,
    _save,
    _system_user,
    account_orgs,
    accounts_spelling,
    new_organisation_problem,
    one_word_shown,
    partner_pseudonymiser,
    people_written,
    stored_ids_shown,
    subject_people,
    with_accounts_spelling,
    with_subjects,
    withheld_after_save,
)
from avert.workflows.pseudonym_lookup import copied_pseudonyms
from avert.workflows.users import (
    User,
    audit_as,
    check_allowed,
    is_allowed,
    refuse_unseen,
)
from avert.written_identity import WITHHELD_MARKERS

# --- taskings ------------------------------------------------------------------------
#: Taskings in the order they were made. ``created_at`` is kept to the microsecond
#: (:func:`add_tasking`), so taskings made within one second (quick "Task this"
#: clicks, a script) keep the order they were made in; taskings given one time
#: (``now=``) are ordered by id, not by where the store keeps the rows (recording a
#: result moves a row; PostgreSQL also puts new rows in space freed by old ones).
_ORDER: Final = ("created_at", "tasking_id")


def read_taskings(
    store: Store, *, status: str | None = None, user: User | None = None
) -> pl.DataFrame:
    """Taskings, newest first (optionally of one status); audited: the row counts
    the people they name (:func:`_people_listed`).

    Raises
    ------
    ConfigError
        When ``status`` is not a tasking status.
    """
    user = user or _system_user()
    if status is not None and status not in TASKING_STATUSES:
        msg = (
            f"Unknown tasking status {status!r}; statuses are "
            f"{', '.join(TASKING_STATUSES)}"
        )
        raise ConfigError(msg)
    where = [("status", "=", status)] if status else []
    rows = store.read_frame("taskings", where=where, order_by=_ORDER).reverse()
    audit_as(
        store,
        user,
        action="view",
        obj="taskings",
        reason=f"tasking list ({status or 'all'}), {rows.height} listed",
        detail=audit.describe(people=_people_listed(store, rows), audience="police"),
    )
    return rows


def _people_listed(store: Store, rows: pl.DataFrame) -> list[str]:
    """The stored people ``rows`` (taskings, as ``avert task list`` prints them)
    name, as the police read them (:func:`people_written`): each item's subject
    (``repeat_victim:P…``; a detected group's ``net-`` and its member's id) and
    each person its what, who and result write by id or stored name, asked of
    the store at once."""
    items = (
        rows.select(pl.format("{}:{}", "item_kind", "item_id"))
        .to_series()
        .drop_nulls()
        .to_list()
    )
    texts = [v for c in TASKING_TEXTS if c in rows.columns for v in rows[c].to_list()]
    return people_written(store, [*items, *texts], police=True)


def taskings_for_item(store: Store, item: str) -> pl.DataFrame:
    """Open and done taskings about the same subject as briefing item ``item``.

    ``repeat_victim:P1`` and ``person:P1`` are the same person, ``cell:150m:E1:N2``
    and ``place:150m:E1:N2`` the same place: two agencies must not visit a family twice.
    """
    kind, ident = parse_item(item)
    kinds = [k for k, s in ITEM_KINDS.items() if s == ITEM_KINDS[kind]]
    rows = store.read_frame(
        "taskings",
        where=[("item_id", "=", ident), ("item_kind", "in", kinds)],
        order_by=_ORDER,
    )
    return rows.filter(pl.col("status") != "cancelled")


#: Longest item id a tasking takes (store ids and cell ids are far shorter).
MAX_ITEM_ID_CHARS = 100
#: A grid cell: ``150m:E530:N1200`` (avert's stable cell id) or, on a grid not
#: anchored to the projection, ``ROW:COL`` (:mod:`avert.briefing.places`).
_CELL_ID = re.compile(r"\d+(?:\.\d+)?m:E-?\d+:N-?\d+|\d+:\d+")
#: Where each subject's ids live: (table, column) pairs, any of which may hold it.
_ITEM_RECORDS: dict[str, tuple[tuple[str, str], ...]] = {
    "incident": (("incidents", "incident_id"),),
    "person": (("people", "person_id"),),
    "group": (("groups", "group_id"), ("detected_groups", "group_id")),
    # an area is a borough or an LSOA (avert.areas.AREA_COLUMNS)
    "area": (("incidents", "borough"), ("incidents", "lsoa")),
    "place": (("incidents", "location"),),
}


def check_item(store: Store, item: str) -> tuple[str, str]:
    """The ``(kind, id)`` of briefing item ``item`` if its subject is in the store.

    An incident (or retaliation alert) names an incident, a person (repeat victim,
    person of concern) a person, an ASB caller a person or an ASB report's caller, a
    group a recorded or detected group, an area an incident's borough or LSOA; a cell (or
    place) is a grid cell id (``150m:E530:N1200``) or, for a place, an incident's
    location.

    Raises
    ------
    ConfigError
        When ``item`` is not ``KIND:ID``, its id is too long or holds control
        characters, or nothing in the store has that id.
    """
    kind, ident = parse_item(item)
    if len(ident) > MAX_ITEM_ID_CHARS or not ident.isprintable():
        msg = (
            f"Not a briefing item: the id of {kind!r} has {len(ident)} characters "
            f"(at most {MAX_ITEM_ID_CHARS}, printable)"
        )
        raise ConfigError(msg)
    subject = ITEM_KINDS[kind]
    if subject == "place" and _CELL_ID.fullmatch(ident):
        return kind, ident
    places = list(_ITEM_RECORDS.get(subject, ()))
    if kind == "asb_caller":
        places.append(("asb", "caller_id"))
    for table, column in places:
        found = store.read_frame(table, columns=[column], where=[(column, "=", ident)])
        if found.height:
            return kind, ident
    what = "grid cell or incident location" if subject == "place" else subject
    msg = (
        f"No {what} {ident!r} in the store: a tasking names a briefing item that "
        f"exists ({kind}:ID)"
    )
    raise ConfigError(msg)


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

    The user's right to task is checked first (so a refused user learns nothing of
    the store), then the item (:func:`check_item`): nothing is written, and no
    audit row made, for an item whose subject is not in the store.

    Raises
    ------
    PermissionDenied
        When ``user`` may not create taskings.
    ConfigError
        When the item is malformed or names nothing in the store
        (:func:`check_item`), or when its subject already has an open or done
        tasking (it says which), unless ``anyway``. Of two requests for one
        subject at once (a double click on "Task this", two web workers, two CLI
        runs), the second is refused so (a :class:`~avert.errors.ConflictError`):
        the database looks for the subject's taskings and writes the new one in one
        transaction that no other delivery write enters
        (:func:`avert.store.delivery.put_versioned_all`).
    """
    user = user or _system_user()
    check_allowed(user, "create-tasking")
    kind, ident = check_item(store, item)
    if not what.strip():
        msg = "A tasking needs a 'what' (what is to be done)"
        raise ConfigError(msg)
    already = taskings_for_item(store, item)
    if already.height and not anyway:
        raise ConfigError(_already_tasked(item, already.row(0, named=True)))
    orgs = account_orgs(store)
    if problem := new_organisation_problem(orgs, organisation):
        raise ConfigError(problem)
    organisation = accounts_spelling(orgs, organisation)
    # to the microsecond, not the whole second of other delivery stamps: the
    # order taskings were made in (_ORDER) needs it; the meeting and the task list
    # show minutes
    now = now or local_now(store.timezone)
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
    kinds = [k for k, s in ITEM_KINDS.items() if s == ITEM_KINDS[kind]]
    try:
        _save(
            store,
            "tasking",
            [row],
            user=user,
            reason=f"tasking from {kind}",
            now=now,
            unless_tasked=None if anyway else (ident, kinds),
        )
    except ConflictError as err:
        # made by another request between the look above and this write
        made = taskings_for_item(store, item)
        msg = (
            _already_tasked(item, made.row(0, named=True))
            if made.height
            else f"{item} is already tasked: {', '.join(err.ids)}"
        )
        raise ConflictError(msg, ids=err.ids) from err
    return _read_rows(store, "tasking", [tasking_id])[tasking_id]


def _already_tasked(item: str, first: Mapping[str, Any]) -> str:
    return (
        f"{item_key_words(item)} is already tasked: {first['tasking_id']} to "
        f"{first['assignee'] or first['organisation'] or '?'} "
        f"({first['status']}, due {first['due']:%Y-%m-%d %H:%M}): {first['what']}"
    )


def _changed_since(store: Store, tasking: Mapping[str, Any]) -> ConflictError:
    """The refusal of a change made from an older version of ``tasking`` (stored)."""
    tasking_id = str(tasking["tasking_id"])
    last = _last_change(store, "tasking", tasking_id)
    by = last.get("user_name") or tasking.get("result_by") or "another user"
    at = last.get("at") or tasking.get("updated_at")
    when = f" at {at:%Y-%m-%d %H:%M}" if at else ""
    state = {
        "done": "already closed (done)",
        "cancelled": "already cancelled",
    }.get(str(tasking["status"]), "changed")
    result = f", result: {tasking['result']}" if tasking.get("result") else ""
    msg = (
        f"Tasking {tasking_id} was {state} by {by}{when}{result}. Nothing was changed."
    )
    return ConflictError(msg, ids=(tasking_id,))


def record_tasking_result(
    store: Store,
    tasking_id: str,
    *,
    result: str | None = None,
    status: str | None = "done",
    user: User | None = None,
    now: dt.datetime | None = None,
    version: int | None = None,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Record a tasking's result (and move it to ``status``: done by default).

    ``settings``: the deployment's (its pseudonym key), with which a partner's
    result is saved as the action form saves one: each pseudonym it read (the
    subject's, another stored id's or name's) put back as the police's words at
    its place (:func:`_result_authors`); without them, only the withheld
    markers are.

    ``version``: the tasking's version the user saw (the meeting page sends it);
    when it is no longer the stored one, another user changed the tasking since,
    and nothing is written. A tasking already done (or cancelled) is not marked so
    again: its result stays the one recorded (``status=None`` changes a result).

    The meeting's roles (``create-tasking``) may record any tasking's result; the
    tasked may record their own (``record-tasking-result``): an officer the
    taskings assigned to their user name, a partner those given to their
    organisation.

    Raises
    ------
    PermissionDenied
        When ``user`` may record no result, or not this tasking's; for a user who
        may record their own only, also when there is no tasking ``tasking_id``
        (the same answer and audit row: :func:`avert.workflows.users.refuse_unseen`).
    NotFound
        When there is no tasking ``tasking_id`` (a user who may record any).
    ConflictError
        When the tasking is no longer at ``version``, is already ``status``
        (done or cancelled), or another user changes it while this is written:
        the message says who and when; nothing is written.
    """
    user = user or _system_user()
    check_allowed(user, "record-tasking-result")
    old = _read_rows(store, "tasking", [tasking_id]).get(tasking_id)
    if not is_allowed(user, "create-tasking") and (
        old is None
        or not is_own_tasking(
            user,
            {
                **old,
                # as the accounts spell it now (an account made since the tasking)
                "organisation": accounts_spelling(
                    account_orgs(store), old["organisation"], keep_ambiguous=True
                ),
            },
        )
    ):
        # another's tasking is refused as one that does not exist: the answer
        # tells neither whether it exists nor whose it is
        refuse_unseen(
            store,
            user,
            obj=f"tasking:{tasking_id}",
            asked="record-tasking-result",
            reason=f"{user.role} {user.username!r} may record the results of "
            "taskings assigned to them or given to their organisation only",
        )
    if old is None:
        msg = "No such tasking (see the meeting for its taskings)"
        raise NotFound(msg)
    if (version is not None and int(old["version"] or 0) != version) or (
        status is not None and status != "open" and old["status"] == status
    ):
        raise _changed_since(store, old)
    now = now or _now(store)
    new = dict(old)
    if status is not None:
        check_tasking_transition(old["status"], status)
        new["status"] = status
    if result is not None:
        new["result"] = result.strip() or None
        new["result_at"] = now
        new["result_by"] = user.username
        if user.role == "partner" and user.org:
            new["result"], new["authors"] = _result_authors(
                store, old, new["result"], user, settings
            )
    try:
        _save(store, "tasking", [new], user=user, reason="tasking result", now=now)
    except ConflictError as err:
        # another user's change committed between the read above and this write
        raise _changed_since(
            store, _read_rows(store, "tasking", [tasking_id])[tasking_id]
        ) from err
    return _read_rows(store, "tasking", [tasking_id])[tasking_id]


def _result_authors(
    store: Store,
    old: Mapping[str, Any],
    result: str | None,
    writer: User,
    settings: Settings | None = None,
) -> tuple[str | None, str | None]:
    """The result to store, and the tasking's ``authors``, once ``writer``, a
    partner of organisation ``org``, writes ``result`` (read and typed in its
    pseudonyms, :func:`partner_pseudonymiser`): what it typed is its own (it reads
    it as written), the rest keeps its writers, and each pseudonym and withheld
    marker it read (the subject's pseudonym, another stored id's or name's, a
    date of birth, an address, a postcode) is put back as the police's words at
    its place (:func:`avert.access.restore_authored`, against the result as the
    partner read it in the meeting view: the action form's save,
    :func:`avert.workflows.delivery._actions._put_back_shown`); the police's
    words withheld from it before stay so (:func:`withheld_after_save`:
    deleting a name beside a date must not show the date). Without
    ``settings`` (no key to make the pseudonyms), the markers only."""
    org = str(writer.org)
    was = old.get("result")
    spans = authors_of(old.get("authors"), "result", was)
    what = old.get("what")
    pseudo = (
        partner_pseudonymiser(settings, reader=writer)
        if settings is not None
        else Pseudonymiser(None)  # only the markers are used, never a pseudonym
    )
    people: dict[str, tuple[list[str], list[str]]] = {}
    names = queries.StoredNames(store)
    shown = stored_ids_shown(
        store,
        pseudo,
        foreign_pieces([what, was], [[], spans], org),
        names=names,
        kept=kept_withheld(old.get("authors")),
        people=people,
    )
    subjects = subject_people(store, [(old.get("item_kind"), old.get("item_id"))])
    with_subjects(names, people, subjects)
    target: tuple[str | None, str | None] = (None, None)
    if settings is None:
        shown = {w: m for w, m in shown.items() if m in WITHHELD_MARKERS}
    else:
        target = _shown_subject(pseudo, old)
    # a word of a name near its person's clue, or of the subject's name, in
    # the result only (as read)
    shown = {**one_word_shown([was], [spans], org, people, subjects)[0], **shown}
    copied = copied_pseudonyms(
        store, settings, [result], role=writer.role, org=writer.org
    )
    text, now = restore_authored(result, was, spans, org, shown, target, copied)
    kept = withheld_after_save(
        store, shown, foreign_pieces([what, text], [[], now], org), [what, text]
    )
    return text, authors_json({"result": (text, now)}, kept)


def _shown_subject(
    pseudo: Pseudonymiser, tasking: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """``(id, pseudonym)`` of ``tasking``'s subject as a partner reads it in its
    free text (a person, incident or group by its pseudonym, as the meeting view
    shows it); ``(None, None)`` for a subject shown as it is (a cell, an area)."""
    kind, ident = tasking.get("item_kind"), tasking.get("item_id")
    if not kind or not ident:
        return None, None
    subject = subject_type(str(kind))
    if subject not in ("person", "incident", "group"):
        return None, None
    return str(ident), pseudo(subject, str(ident))


def is_own_tasking(user: User, tasking: Mapping[str, Any]) -> bool:
    """Whether ``tasking`` was given to ``user`` (assignee) or to their organisation."""
    if tasking.get("assignee") and tasking["assignee"] == user.username:
        return True
    return bool(user.org) and tasking.get("organisation") == user.org


def taskings_in_area(store: Store, taskings: pl.DataFrame, area: str) -> pl.Series:
    """For each of ``taskings``, whether its subject is in ``area``
    (:func:`avert.delivery.taskings.in_area`); reads only the incidents and
    involvements of the taskings' subjects (:func:`avert.store.queries.read_in`)."""
    ids = taskings["item_id"].drop_nulls().unique().to_list()
    columns = ["incident_id", "borough", "lsoa", "location"]
    involvements = queries.read_in(
        store, "involvements", "person_id", ids, columns=["incident_id", "person_id"]
    )
    linked = ids + involvements["incident_id"].unique().to_list()
    incidents = pl.concat(
        [
            queries.read_in(store, "incidents", "incident_id", linked, columns=columns),
            queries.read_in(store, "incidents", "location", ids, columns=columns),
        ]
    ).unique()
    return in_area(taskings, incidents, involvements, area)


def taskings_for_briefing(
    store: Store,
    *,
    at: dt.datetime,
    hours: int = 24,
    as_at: bool = True,
    area: str | None = None,
    assignee: str | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Taskings for the briefing of the window ending ``at``, as they stood at ``at``.

    ``due``: open, due within the next 24 hours (inclusive); ``overdue``: open, due
    before ``at``; ``done``: done in the window (``at - hours`` to ``at``), with their
    results (:func:`avert.delivery.taskings.for_briefing`). ``as_at=False``: as they
    stand now (the meeting view, where taskings made at the meeting count at once;
    overdue and due from now when the window ended before it).
    ``area`` (a user's scope): only the taskings whose subject is in it
    (:func:`taskings_in_area`) or given to ``assignee``. Organisations as the
    accounts spell them now (:func:`avert.workflows.delivery._common.with_accounts_spelling`).
    """
    where = [("created_at", "<=", at)] if as_at else []
    rows = with_accounts_spelling(store, store.read_frame("taskings", where=where))
    if area and rows.height:
        mine = pl.col("assignee") == assignee if assignee else pl.lit(value=False)
        placed = taskings_in_area(store, rows, area)
        rows = rows.filter(
            placed | rows.select(mine.fill_null(value=False)).to_series()
        )
    parts = for_briefing(
        rows,
        at=at,
        hours=hours,
        replay=as_at,
        now=None if as_at else local_now(store.timezone),
    )
    return {k: v.to_dicts() for k, v in parts.items()}
