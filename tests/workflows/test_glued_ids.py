"""A stored id, or an action's own subject's id, run into other letters of an id
a plan author wrote is read by partners and the board as its pseudonym
(:func:`avert.workflows.delivery._common.glued_ids_shown`); ids that hold none
are read as written."""

from __future__ import annotations

import polars as pl

from avert.store import Store
from avert.workflows.delivery._common import glued_ids_shown


def _pseudo(kind: str, real: str) -> str:
    return f"<{kind}:{real}>"


def test_a_glued_stored_id_and_the_subjects_id_are_pseudonymised(
    sqlite_store: Store,
) -> None:
    with sqlite_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P100"], "source": ["t"]}))
    written = ["xp100visit", "Q77visit", "A01", "VRU2025-01", None]
    shown = glued_ids_shown(
        sqlite_store,
        _pseudo,
        written,
        written,
        [(None, None), ("Q77", "P-SUBJECT"), (None, None), (None, None), (None, None)],
    )
    assert shown == [
        "x<person:P100>visit",  # stored, in another case
        "P-SUBJECTvisit",  # the subject's, stored or not
        "A01",
        "VRU2025-01",
        None,
    ]
