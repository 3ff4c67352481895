"""The store's ``in`` filter with many string keys (one JSON parameter) used by briefings."""

from __future__ import annotations

import polars as pl

from avert.store import Store


def test_in_filter_with_many_keys_matches_the_small_path(any_store: Store) -> None:
    people = pl.DataFrame({"person_id": [f"P{i}" for i in range(300)]})
    with any_store.transaction() as tx:
        tx.append("people", people)
    wanted = [f"P{i}" for i in range(0, 300, 3)] + ["missing", "P1'; --"]
    got = any_store.read_frame(
        "people", columns=["person_id"], where=[("person_id", "in", wanted)]
    )
    assert sorted(got["person_id"].to_list()) == sorted(wanted[:-2])
    few = any_store.read_frame(
        "people", columns=["person_id"], where=[("person_id", "in", wanted[:5])]
    )
    assert sorted(few["person_id"].to_list()) == sorted(wanted[:5])
