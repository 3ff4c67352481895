"""Where a group offends: the area of most of its window's incidents."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.analyse.networks import group_areas

DAY = dt.datetime(2026, 6, 1)


def _frames(borough: list[str | None]) -> tuple[pl.DataFrame, ...]:
    n = len(borough)
    membership = pl.DataFrame(
        {"group_id": ["g", "g", "h"], "person_id": ["a", "b", "c"]}
    )
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "occurred_from": [DAY - dt.timedelta(days=k) for k in range(n)],
            "borough": borough,
            "ward": ["W1"] * n,
            "lsoa": [f"L{k}" for k in range(n)],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "person_id": ["a", "b"] * (n // 2) + ["c"] * (n % 2),
            "role": ["offender"] * n,
        }
    )
    return membership, incidents, involvements


def test_a_group_is_placed_in_the_borough_of_most_of_its_incidents() -> None:
    mem, inc, inv = _frames(["Brent", "Camden", "Camden", "Camden", None])
    # h's one incident names no borough: h is not placed (no guess)
    [g] = group_areas(mem, inc, inv).to_dicts()
    assert (g["group_id"], g["area_level"]) == ("g", "borough")
    assert (g["main_area"], g["main_area_share"], g["n_areas"]) == ("Camden", 0.75, 2)


def test_incidents_before_the_window_do_not_place_a_group() -> None:
    mem, inc, inv = _frames(["Brent", "Camden", "Camden", "Camden"])
    inc = inc.with_columns(
        pl.when(pl.col("borough") == "Camden")
        .then(pl.lit(DAY - dt.timedelta(days=4000)))
        .otherwise(pl.col("occurred_from"))
        .alias("occurred_from")
    )
    [g] = group_areas(mem, inc, inv).to_dicts()
    assert (g["main_area"], g["main_area_share"]) == ("Brent", 1.0)


def test_a_force_of_one_borough_and_ward_places_its_groups_by_lsoa() -> None:
    mem, inc, inv = _frames(["City"] * 4)
    [g] = group_areas(mem, inc, inv).to_dicts()
    assert g["area_level"] == "lsoa"
    assert g["n_areas"] == 4
