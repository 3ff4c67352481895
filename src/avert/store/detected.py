"""Stored detected groups: written whole by one refresh, read by the briefing.

Groups detected from recorded co-offending (:mod:`avert.analyse.networks`) are costly
to find on a force's history and cheap to read, so one refresh replaces the tables
``detected_groups`` and ``detected_group_members`` together, in one transaction: a
reader sees the previous run or the new one, never a mix.
"""

from __future__ import annotations

import polars as pl

from avert.store.database import Store

__all__ = ["replace_detected_groups"]

_TABLES = ("detected_group_members", "detected_groups")


def replace_detected_groups(
    store: Store, groups: pl.DataFrame, members: pl.DataFrame
) -> int:
    """Replace every stored detected group and member; return the groups written.

    ``groups`` and ``members`` follow :data:`avert.schema.DETECTED_GROUPS` and
    :data:`avert.schema.DETECTED_GROUP_MEMBERS`.
    """
    with store.transaction() as tx:
        for table in _TABLES:
            tx._execute(f'DELETE FROM "{table}"')
        tx.append("detected_groups", groups)
        tx.append("detected_group_members", members)
    return groups.height
