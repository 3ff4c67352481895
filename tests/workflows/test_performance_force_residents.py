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

from avert.analyse.performance import PerformanceResult
from avert.store import Store
from avert.workflows.board import run_performance

BOROUGHS = {"Leeds": (600, 800_000), "Bradford": (400, 540_000), "Craven": (3, 57_000)}


def _store(
    store: Store,
    boroughs_of: dict[str, tuple[int, int]] | None = None,
    *,
    unplaced: int = 0,
) -> None:
    """``boroughs_of``: each borough's incidents over 2024 and its residents;
    ``unplaced`` incidents more record no borough (police.uk's "No location")."""
    boroughs_of = boroughs_of or BOROUGHS
    boroughs: list[str | None] = [
        b for b, (n, _) in boroughs_of.items() for _ in range(n)
    ]
    boroughs += [None] * unplaced
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
            "area": list(boroughs_of),
            "area_name": list(boroughs_of),
            "area_type": ["la"] * len(boroughs_of),
            "year": [2021] * len(boroughs_of),
            "sex": ["all"] * len(boroughs_of),
            "age_band": ["all"] * len(boroughs_of),
            "ethnicity": ["all"] * len(boroughs_of),
            "population": [r for _, r in boroughs_of.values()],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("populations", populations)


def _judged(store: Store) -> PerformanceResult:
    return run_performance(
        store,
        baseline_from=dt.date(2024, 1, 1),
        baseline_to=dt.date(2024, 9, 30),
        date_from=dt.date(2024, 10, 1),
        date_to=dt.date(2024, 12, 31),
        violence_only=False,
        by_category=False,
        flags=(),
    )


def test_a_stray_borough_adds_no_residents(sqlite_store: Store) -> None:
    _store(sqlite_store)
    found = _judged(sqlite_store)
    (total,) = found.series
    assert total.population == 800_000 + 540_000
    text = " ".join(found.notes)
    # the output says which boroughs the denominator holds, and which it leaves out
    assert "per resident of Bradford; Leeds (" in text, found.notes
    assert "Craven (3 incidents)" in text, found.notes


def test_the_city_of_london_is_rated_per_its_own_residents(
    sqlite_store: Store,
) -> None:
    """The City of London Police's 2019 file places 501 of its 9,356 located
    crimes in 16 neighbouring boroughs: their 3,545,429 residents went into a
    rate over the City's 7,375, and the caveat on its few residents was not
    given (the total was not the City's alone)."""
    _store(
        sqlite_store,
        {"City of London": (900, 7_375), "Tower Hamlets": (25, 254_096)},
    )
    found = _judged(sqlite_store)
    (total,) = found.series
    assert total.population == 7_375
    assert any(
        n.startswith("The City of London has 7,375 residents") for n in found.notes
    ), found.notes


def test_crimes_with_no_location_leave_the_rate_in_place(sqlite_store: Store) -> None:
    """Every police.uk street file has crimes with no location, hence no borough
    (West Yorkshire, July 2018: 883 of 31,635; the City of London's 2019 file 649
    of 9,932): the whole area had no rate per 1,000 at all ("No populations known
    for these areas"), so the rule choosing its boroughs never ran on a real file.
    The boroughs are now chosen from the incidents that record one."""
    _store(sqlite_store, unplaced=30)
    found = _judged(sqlite_store)
    (total,) = found.series
    assert total.population == 800_000 + 540_000
    text = " ".join(found.notes)
    assert "30 incidents (3% of them) record no borough" in text, found.notes


def test_a_total_mostly_of_no_borough_has_no_rate(sqlite_store: Store) -> None:
    """With more than a tenth of the incidents of no known borough, the boroughs
    recorded may not be the force's: no rate rather than one over part of it."""
    _store(sqlite_store, unplaced=200)
    (total,) = _judged(sqlite_store).series
    assert total.population is None
