"""The whole-area performance rate is per resident of the boroughs that make up
the area, not of every borough an incident is recorded in.

data.police.uk places a crime at an anonymised map point near where it happened:
a force's file holds a few crimes just over its boundary, recorded in a
neighbouring borough. The force total's rate per 1,000 added that borough's
residents: three crimes in Craven brought its 57,000 residents into a rate of
Leeds and Bradford.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store
from avert.workflows.board import run_performance

BOROUGHS = {"Leeds": (600, 800_000), "Bradford": (400, 540_000), "Craven": (3, 57_000)}


def _store(store: Store) -> None:
    boroughs = [b for b, (n, _) in BOROUGHS.items() for _ in range(n)]
    n = len(boroughs)
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["test"] * n,
            "occurred_from": [
                dt.datetime(2024, 1, 1, 12) + dt.timedelta(days=i % 366)
                for i in range(n)
            ],
            "time_precision": ["exact"] * n,
            "crime_type": ["Robbery"] * n,
            "borough": boroughs,
        }
    )
    populations = pl.DataFrame(
        {
            "area": list(BOROUGHS),
            "area_name": list(BOROUGHS),
            "area_type": ["la"] * 3,
            "year": [2021] * 3,
            "sex": ["all"] * 3,
            "age_band": ["all"] * 3,
            "ethnicity": ["all"] * 3,
            "population": [r for _, r in BOROUGHS.values()],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("populations", populations)


def test_a_stray_borough_adds_no_residents(sqlite_store: Store) -> None:
    _store(sqlite_store)
    found = run_performance(
        sqlite_store,
        baseline_from=dt.date(2024, 1, 1),
        baseline_to=dt.date(2024, 9, 30),
        date_from=dt.date(2024, 10, 1),
        date_to=dt.date(2024, 12, 31),
        violence_only=False,
        by_category=False,
        flags=(),
    )
    (total,) = found.series
    assert total.population == 800_000 + 540_000
    text = " ".join(found.notes)
    # the output says which boroughs the denominator holds, and which it leaves out
    assert "per resident of Bradford; Leeds (" in text, found.notes
    assert "Craven (3 incidents)" in text, found.notes
