"""Reads are typed from avert.schema, never inferred from the first rows.

The ADBC SQLite driver infers a column's type from the first 1,024 rows: a column
NULL in all of them became INT64 and text further down raised "Type mismatch in
column N" (issue 12.1: police.uk City of London, then a bundle, then classify).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.errors import StoreError
from avert.schema import INCIDENTS, QUARANTINE
from avert.store import Store

#: more than one batch of the driver's type inference (1,024 rows)
_EARLY = 2_500


def _late_values() -> pl.DataFrame:
    """Incidents whose text, real, boolean and time columns are NULL early on."""
    ids = [f"i{n:05d}" for n in range(_EARLY + 3)]
    late = [None] * _EARLY
    return pl.DataFrame(
        {
            "incident_id": ids,
            "crime_type": [*late, "Robbery", "Other theft", None],
            "x": [*late, 530000.5, 1.0, None],
            "domestic": [*late, True, False, None],
            "occurred_from": [
                *late,
                dt.datetime(2024, 2, 1, 3, 0, 0, 123456),
                None,
                None,
            ],
            "source_line": [*late, 7, 8, 9],
        }
    )


def test_read_frame_types_late_values(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _late_values())
    back = any_store.read_frame("incidents", order_by=["incident_id"])
    assert back.schema == INCIDENTS.schema
    tail = back.tail(3)
    assert tail["crime_type"].to_list() == ["Robbery", "Other theft", None]
    assert tail["x"].to_list() == [530000.5, 1.0, None]
    assert tail["domestic"].to_list() == [True, False, None]
    assert tail["occurred_from"].to_list()[0] == dt.datetime(
        2024, 2, 1, 3, 0, 0, 123456
    )
    # filtered and in another order: the same typed values
    few = any_store.read_frame(
        "incidents",
        columns=["crime_type", "incident_id"],
        where=[("incident_id", ">=", "i02490")],
        order_by=["crime_type", "incident_id"],
    )
    assert few.columns == ["crime_type", "incident_id"]
    # (NULLs sort first on SQLite, last on PostgreSQL)
    assert few["crime_type"].drop_nulls().to_list() == ["Other theft", "Robbery"]


def test_existing_types_late_values(any_store: Store) -> None:
    frame = _late_values()
    with any_store.transaction() as tx:
        tx.append("incidents", frame)
        found = tx.existing("incidents", frame.select("incident_id"))
    assert found.schema == INCIDENTS.schema
    assert found.height == frame.height
    assert sorted(found["crime_type"].drop_nulls().to_list()) == [
        "Other theft",
        "Robbery",
    ]


def test_query_is_typed_by_its_schema(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _late_values())
    sql = (
        'SELECT "incident_id", "crime_type", "x", "domestic", "occurred_from" '
        'FROM "incidents" ORDER BY "incident_id"'
    )
    schema = INCIDENTS.schema_of(
        "incident_id", "crime_type", "x", "domestic", "occurred_from"
    )
    got = any_store._query(sql, schema=schema)
    assert got.schema == pl.Schema(schema)
    assert got["crime_type"].drop_nulls().to_list() == ["Robbery", "Other theft"]
    with any_store.transaction() as tx:
        again = tx._query(sql, schema=schema)
    assert again.equals(got)
    # an aggregate over a late column, and an empty result, keep the schema
    top = any_store._query(
        'SELECT MAX("occurred_from") AS m, COUNT("crime_type") AS n FROM "incidents"',
        schema={"m": pl.Datetime("us"), "n": pl.Int64()},
    )
    assert top.row(0) == (dt.datetime(2024, 2, 1, 3, 0, 0, 123456), 2)
    none = any_store._query(
        'SELECT "crime_type" FROM "incidents" WHERE 1 = 0',
        schema={"crime_type": pl.String()},
    )
    assert none.schema == pl.Schema({"crime_type": pl.String()})
    assert none.height == 0


def test_query_order_and_limit_are_kept(any_store: Store) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _late_values())
    got = any_store._query(
        'SELECT "incident_id" FROM "incidents" ORDER BY "incident_id" DESC LIMIT 3',
        schema={"incident_id": pl.String()},
    )
    assert got["incident_id"].to_list() == ["i02502", "i02501", "i02500"]


def test_query_columns_must_match_the_schema(any_store: Store) -> None:
    with pytest.raises(StoreError, match="returns columns"):
        any_store._query(
            'SELECT "incident_id" AS a FROM "incidents"',
            schema={"incident_id": pl.String()},
        )


def test_quarantine_reads_after_empty_columns(any_store: Store) -> None:
    # quarantine rows whose optional text (column, target table) is empty at first
    n = _EARLY + 2
    rows = pl.DataFrame(
        {
            "quarantine_id": [f"q{i:05d}" for i in range(n)],
            "load_id": ["l"] * n,
            "source_file": ["f.csv"] * n,
            "line": list(range(n)),
            "column": [None] * _EARLY + ["Month", "Crime ID"],
            "reason": ["r"] * n,
            "raw": [None] * _EARLY + ["1,2", "3,4"],
            "kind": ["rejected"] * n,
            "target_table": [None] * _EARLY + ["incidents", "stops"],
        }
    )
    with any_store.transaction() as tx:
        tx.append("quarantine", rows)
    back = any_store.read_frame("quarantine", order_by=["source_file", "line"])
    assert back.schema == QUARANTINE.schema
    assert back["target_table"].drop_nulls().to_list() == ["incidents", "stops"]
