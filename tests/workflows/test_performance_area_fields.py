"""Performance is split only by an area the store's incidents record.

City of London Police, 2019 (data.police.uk street files: LSOA, borough, force, no
ward): ``avert analyse performance --by ward`` judged one area, "unknown", for every
series; a Toronto store (``ingest table --mapping toronto-mci``: a neighbourhood as
its ward and nothing else) did the same for ``--by lsoa``.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.errors import NotFound
from avert.store import Store
from avert.workflows.board import area_fields_with_data, run_performance


def _store(store: Store, **areas: str) -> Store:
    n = 30
    frame = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["test"] * n,
            "occurred_from": [dt.datetime(2024, 1 + i % 12, 2) for i in range(n)],
            "time_precision": ["exact"] * n,
            "crime_type": ["Robbery"] * n,
            **{column: [value] * n for column, value in areas.items()},
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)
    return store


def _judge(store: Store, by: str) -> None:
    run_performance(
        store,
        by=by,
        baseline_from=dt.date(2024, 1, 1),
        baseline_to=dt.date(2024, 9, 30),
        date_from=dt.date(2024, 10, 1),
        date_to=dt.date(2024, 12, 31),
        violence_only=False,
    )


def test_area_fields_are_those_some_incident_records(sqlite_store: Store) -> None:
    _store(sqlite_store, lsoa="E01000001", borough="City of London")
    assert area_fields_with_data(sqlite_store) == ("lsoa", "borough")


def test_a_missing_area_is_refused_naming_the_ones_recorded(
    sqlite_store: Store,
) -> None:
    _store(sqlite_store, lsoa="E01000001", force="City of London Police")
    with pytest.raises(NotFound, match="records a 'ward'") as err:
        _judge(sqlite_store, "ward")
    assert "split by lsoa, force" in str(err.value)
    _judge(sqlite_store, "lsoa")  # a recorded one is judged


def test_a_store_with_no_area_says_there_is_none(sqlite_store: Store) -> None:
    _store(sqlite_store)
    assert area_fields_with_data(sqlite_store) == ()
    with pytest.raises(NotFound, match="or any other area"):
        _judge(sqlite_store, "borough")
