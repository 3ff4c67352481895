"""Stored detected groups: written whole by one refresh, read by the briefing.

Groups detected from recorded co-offending (:mod:`avert.analyse.networks`) are costly
to find on a force's history and cheap to read, so one refresh replaces the tables
``detected_groups`` and ``detected_group_members`` together, in one transaction: a
reader sees the previous run or the new one, never a mix. The same transaction adds
the run's row to ``detection_runs`` (when, on which profile, how many groups, the
stored rows it read), so a run that found no group is on record too.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from avert.schema import DETECTION_RUNS
from avert.store.database import Store

__all__ = [
    "DETECTION_INPUTS",
    "detection_inputs",
    "groups_detected_at",
    "groups_detected_under",
    "replace_detected_groups",
]

_TABLES = ("detected_group_members", "detected_groups")

#: the tables a load adds to that the groups are detected from (the ``loads`` too:
#: a replaced month may keep the others' counts)
DETECTION_INPUTS: Final = ("incidents", "involvements", "loads")


def replace_detected_groups(
    store: Store, groups: pl.DataFrame, members: pl.DataFrame, run: pl.DataFrame
) -> int:
    """Replace every stored detected group and member, and record the run; return
    the groups written.

    ``groups``, ``members`` and ``run`` (one row) follow
    :data:`avert.schema.DETECTED_GROUPS`, :data:`avert.schema.DETECTED_GROUP_MEMBERS`
    and :data:`avert.schema.DETECTION_RUNS`.
    """
    with store.transaction() as tx:
        for table in _TABLES:
            tx._execute(f'DELETE FROM "{table}"')
        tx.append("detected_groups", groups)
        tx.append("detected_group_members", members)
        tx.append("detection_runs", run)
    return groups.height


def detection_inputs(store: Store) -> dict[str, int]:
    """Rows stored in each of :data:`DETECTION_INPUTS` (one count each)."""
    return {table: store.count(table) for table in DETECTION_INPUTS}


def groups_detected_at(store: Store) -> dt.datetime | None:
    """When groups were last detected (the latest ``detection_runs`` row, whether it
    found groups or none); None when they never were (or only before the table
    existed, migration 0027)."""
    frame = store._query(
        'SELECT MAX("detected_at") AS "detected_at" FROM "detection_runs"',
        schema=DETECTION_RUNS.schema_of("detected_at"),
    )
    value = None if frame.height == 0 else frame["detected_at"][0]
    return value if isinstance(value, dt.datetime) else None


def groups_detected_under(store: Store) -> str | None:
    """The definition profile of the latest ``detection_runs`` row (by
    ``detected_at``, then ``run_id``); None when groups were never detected."""
    frame = store._query(
        'SELECT "profile" FROM "detection_runs" '
        'ORDER BY "detected_at" DESC, "run_id" DESC LIMIT 1',
        schema=DETECTION_RUNS.schema_of("profile"),
    )
    return None if frame.height == 0 else frame["profile"][0]
