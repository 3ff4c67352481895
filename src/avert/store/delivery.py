"""Delivery plan rows (plans, objectives, actions, taskings) and their change history.

Only this module writes those tables. A change replaces the changed rows and appends
their history rows in ONE transaction, so a row and its history never disagree.

Several users write at once (the meeting's chair, partners on their own devices, web
workers in several processes, the CLI). Each change says which version of each row it
was made from (its history's ``version`` less one; none for a new row), and the
transaction checks that against the stored row before it writes, with every other
delivery writer kept out until it commits (:meth:`Transaction.serialise`): a change
made from a row another writer changed meanwhile is refused
(:class:`~avert.errors.ConflictError`), never written over it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

import polars as pl

from avert.errors import ConflictError
from avert.schema import TABLES
from avert.store import audit
from avert.store.database import Store, Transaction

__all__ = ["DELIVERY_TABLES", "put_versioned", "put_versioned_all"]

#: Versioned tables of the delivery plan and their entity names in the history.
DELIVERY_TABLES: dict[str, str] = {
    "plan": "plans",
    "objective": "objectives",
    "action": "actions",
    "tasking": "taskings",
}
_CHUNK = 500
#: PostgreSQL advisory lock that delivery writes take in turn ("avert DL")
_PG_DELIVERY_LOCK: Final = 0x61766572_74_444C


def put_versioned(
    store: Store, entity: str, rows: pl.DataFrame, history: pl.DataFrame
) -> int:
    """Insert or replace ``rows`` of an entity's table and append ``history``.

    Parameters
    ----------
    entity
        ``plan``, ``objective``, ``action`` or ``tasking``.
    rows
        Whole rows (the table's columns) keyed by its primary key.
    history
        Rows of ``delivery_history`` describing the change.
    """
    return put_versioned_all(store, [(entity, rows, history)])


def put_versioned_all(
    store: Store,
    parts: list[tuple[str, pl.DataFrame, pl.DataFrame]],
    *,
    unless_tasked: tuple[str, Sequence[str]] | None = None,
    audit_entries: Sequence[Mapping[str, Any]] = (),
) -> int:
    """:func:`put_versioned` of several entities in one transaction (a plan import:
    its plan, objectives and actions are all stored or none). Returns the rows put.

    Parameters
    ----------
    unless_tasked
        ``(item_id, item_kinds)``: write nothing when a tasking of one of those
        kinds names ``item_id`` and is not cancelled (the look and the write in
        one transaction, no other delivery writer between them).
    audit_entries
        The audit rows of the changes (:func:`avert.store.audit.record_all`),
        appended in the same transaction: the changes and their audit rows are
        both stored or neither (an import whose audit append failed kept its
        actions, unaudited).

    Raises
    ------
    ConflictError
        When a row's stored version is not the one its change was made from (its
        history row's ``version`` less one; a new row: none stored), or when
        ``unless_tasked`` finds a tasking; ``ids`` names the rows (the
        taskings found). Nothing is written.
    """
    done = 0
    with audit.append_lock(), store.transaction() as tx:
        tx.serialise(_PG_DELIVERY_LOCK)
        if unless_tasked is not None:
            _refuse_tasked(tx, *unless_tasked)
        for entity, rows, history in parts:
            table = DELIVERY_TABLES[entity]
            key = TABLES[table].primary_key[0]
            ids = rows[key].to_list()
            if not ids:
                continue
            _check_versions(tx, entity, history)
            for start in range(0, len(ids), _CHUNK):
                part = ids[start : start + _CHUNK]
                marks = ", ".join("?" for _ in part)
                tx._execute(f'DELETE FROM "{table}" WHERE "{key}" IN ({marks})', part)
            tx.append(table, rows)
            tx.append("delivery_history", history)
            done += len(ids)
        if done:
            audit.append_in(tx, audit_entries, timezone=store.timezone)
    return done


def _refuse_tasked(tx: Transaction, item_id: str, item_kinds: Sequence[str]) -> None:
    kinds = list(item_kinds)
    marks = ", ".join("?" for _ in kinds)
    found = tx._query(
        "SELECT tasking_id FROM taskings WHERE item_id = ? "
        f"AND item_kind IN ({marks}) AND status <> 'cancelled' ORDER BY tasking_id",
        [item_id, *kinds],
        schema={"tasking_id": pl.String()},
    )
    if found.height:
        ids = tuple(found["tasking_id"].to_list())
        msg = f"already tasked: {', '.join(ids)}"
        raise ConflictError(msg, ids=ids)


def _check_versions(tx: Transaction, entity: str, history: pl.DataFrame) -> None:
    """Refuse the change unless each row is stored at the version it was made from."""
    table = DELIVERY_TABLES[entity]
    key = TABLES[table].primary_key[0]
    made_from = dict(
        zip(
            history["entity_id"].to_list(),
            [
                None if change == "create" else int(version) - 1
                for change, version in zip(
                    history["change"].to_list(),
                    history["version"].to_list(),
                    strict=True,
                )
            ],
            strict=True,
        )
    )
    ids = list(made_from)
    stored: dict[str, int] = {}
    for start in range(0, len(ids), _CHUNK):
        part = ids[start : start + _CHUNK]
        marks = ", ".join("?" for _ in part)
        found = tx._query(
            f'SELECT "{key}" AS id, COALESCE(version, 0) AS version FROM "{table}" '
            f'WHERE "{key}" IN ({marks})',
            part,
            schema={"id": pl.String(), "version": pl.Int64()},
        )
        stored.update(
            zip(found["id"].to_list(), found["version"].to_list(), strict=True)
        )
    stale = tuple(sorted(i for i, v in made_from.items() if stored.get(i) != v))
    if stale:
        msg = (
            f"{entity} {', '.join(stale)} changed by another user since it was read; "
            "nothing was saved"
        )
        raise ConflictError(msg, ids=stale)
