"""Residents of an area read as the pages match areas (any case, no spaces)."""

from __future__ import annotations

import polars as pl

from avert.store import Store
from avert.workflows.briefing import read_residents


def test_an_area_in_another_case_finds_its_residents(any_store: Store) -> None:
    """An officer scoped as "e01000001" (or " Camden") saw "Residents not known"
    beside their lists, though the pages match areas in any case."""
    rows = [
        ("E01000001", "Camden 001A", "Camden", "M", 600),
        ("E01000001", "Camden 001A", "Camden", "F", 650),
    ]
    with any_store.transaction() as tx:
        tx.append(
            "populations",
            pl.DataFrame(
                {
                    "area": [r[0] for r in rows],
                    "area_name": [r[1] for r in rows],
                    "parent_area": [r[2] for r in rows],
                    "year": [2021, 2021],
                    "sex": [r[3] for r in rows],
                    "age_band": ["all", "all"],
                    "ethnicity": ["all", "all"],
                    "population": [r[4] for r in rows],
                    "area_type": ["lsoa", "lsoa"],
                },
                schema_overrides={"year": pl.Int32},
            ),
        )
    exact = read_residents(any_store, ["E01000001"])
    assert exact.filter(pl.col("dimension") == "sex")["population"].sum() == 1250
    for asked in ("e01000001", " E01000001 ", " camden"):
        got = read_residents(any_store, [asked])
        assert got.sort(pl.all()).equals(exact.sort(pl.all())), asked
    assert read_residents(any_store, ["nowhere"]).height == 0
