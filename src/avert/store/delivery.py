"""Delivery plan rows (plans, objectives, actions, taskings) and their change history.

Only this module writes those tables. A change replaces the changed rows and appends
their history rows in ONE transaction, so a row and its history never disagree.
"""

from __future__ import annotations

import polars as pl

from avert.schema import TABLES
from avert.store.database import Store

__all__ = ["DELIVERY_TABLES", "put_versioned", "put_versioned_all"]

#: Versioned tables of the delivery plan and their entity names in the history.
DELIVERY_TABLES: dict[str, str] = {
    "plan": "plans",
    "objective": "objectives",
    "action": "actions",
    "tasking": "taskings",
}
_CHUNK = 500


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
    store: Store, parts: list[tuple[str, pl.DataFrame, pl.DataFrame]]
) -> int:
    """:func:`put_versioned` of several entities in one transaction (a plan import:
    its plan, objectives and actions are all stored or none). Returns the rows put."""
    done = 0
    with store.transaction() as tx:
        for entity, rows, history in parts:
            table = DELIVERY_TABLES[entity]
            key = TABLES[table].primary_key[0]
            ids = rows[key].to_list()
            if not ids:
                continue
            for start in range(0, len(ids), _CHUNK):
                part = ids[start : start + _CHUNK]
                marks = ", ".join("?" for _ in part)
                tx._execute(f'DELETE FROM "{table}" WHERE "{key}" IN ({marks})', part)
            tx.append(table, rows)
            tx.append("delivery_history", history)
            done += len(ids)
    return done
