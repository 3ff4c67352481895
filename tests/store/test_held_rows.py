"""The rows each load's file holds now, over every table that names its load."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store
from avert.store.loads import delete_keys
from avert.store.summary import held_rows_by_load


def test_held_rows_count_each_loads_file_over_its_tables(any_store: Store) -> None:
    """A file's rows in two tables (a bundle's incidents and people), another
    load's, and rows deleted since: counted per load and file as they are now."""
    day = dt.datetime(2026, 1, 1)
    incidents = pl.DataFrame(
        {
            "incident_id": ["e1", "e2", "e3", "e4"],
            "occurred_from": [day] * 4,
            "load_id": ["L1", "L1", "L1", "L2"],
            "source_file": ["a.csv", "a.csv", "a.csv", "a.csv"],
            "source_line": [2, 3, 4, 2],
        }
    )
    people = pl.DataFrame(
        {
            "person_id": ["P1", "P2"],
            "load_id": ["L1", None],
            "source_file": ["p.csv", None],
            "source_line": [2, 3],
        }
    )
    with any_store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("people", people)
        delete_keys(tx, "incidents", pl.Series(["e2"]))
    held = held_rows_by_load(any_store).sort("load_id", "source_file", nulls_last=True)
    assert held.rows() == [
        ("L1", "a.csv", 2),
        ("L1", "p.csv", 1),
        ("L2", "a.csv", 1),
        (None, None, 1),
    ]
