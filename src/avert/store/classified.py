"""Stored classifications of a definition profile, written with what produced them.

``avert classify`` and ``avert ingest`` replace a profile's rows of
``classifications`` and its one row of ``classification_runs`` (the digests of the
definition and harm table classified under, and when) in one transaction, so a
reader never sees classifications of one definition beside the digest of another.
The profile's ASB bridge verdicts (``asb_escalations``, seed paragraph 8) are
replaced in the same transaction, so the run row dates and digests them too.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from avert.store.database import Store

__all__ = ["classification_runs", "replace_classifications"]

_TABLES = ("classifications", "classification_runs", "asb_escalations")
#: PostgreSQL advisory lock that replacements of classifications take in turn
#: ("avert CL"): two at once (two ``avert classify``, or a classify beside a load's)
#: each deleted the profile's rows before the other committed, and the second to
#: write stopped on the primary key of the rows the first had added
_PG_CLASSIFY_LOCK: Final = 0x61766572_74_434C


def replace_classifications(
    store: Store,
    profile: str,
    classes: pl.DataFrame,
    run: pl.DataFrame,
    asb: pl.DataFrame | None = None,
) -> int:
    """Replace ``profile``'s classifications, its run row and its ASB bridge
    verdicts; return the classification rows written.

    ``classes`` follows :data:`avert.schema.CLASSIFICATIONS`, ``run`` (one row)
    :data:`avert.schema.CLASSIFICATION_RUNS`, ``asb`` (None or empty: no ASB
    report stored) :data:`avert.schema.ASB_ESCALATIONS`, all of ``profile``.
    """
    with store.transaction() as tx:
        # wait for a replacement under way (PostgreSQL), so that this one's deletes
        # see its rows; SQLite's write transactions already run one at a time
        tx.serialise(_PG_CLASSIFY_LOCK)
        for table in _TABLES:
            tx._execute(f'DELETE FROM "{table}" WHERE "profile" = ?', [profile])
        tx.append("classification_runs", run)
        if asb is not None and asb.height:
            tx.append("asb_escalations", asb)
        return tx.append("classifications", classes)


def classification_runs(store: Store, profile: str | None = None) -> pl.DataFrame:
    """The stored run rows (:data:`avert.schema.CLASSIFICATION_RUNS`): of ``profile``
    (none or one row), or of every profile when None. One read of a table of one
    row per classified profile."""
    where: list[tuple[str, str, object]] = (
        [] if profile is None else [("profile", "=", profile)]
    )
    return store.read_frame("classification_runs", where=where)
