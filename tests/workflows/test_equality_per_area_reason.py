"""The note saying why an equality run has no per-area rates names what is missing.

West Yorkshire, January 2019, against the 2021 census by upper-tier authority with
the ONS LSOA centroids loaded: 783 of its 1,012 stops have coordinates, all within
the force area, yet the note blamed "no coordinates, or none within 5 km of a
loaded LSOA centroid". The stops could not be placed because the census held no
LSOA rows naming their local authority (only the upper-tier authorities' rows).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store
from avert.workflows.equality import run_equality


def _ingest(store: Store, *args: str) -> None:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, "ingest", *args])
    assert result.exit_code == 0, result.output


def _stops(store: Store, *, located: bool) -> None:
    n = 40
    with store.transaction() as tx:
        tx.append(
            "stops",
            pl.DataFrame(
                {
                    "stop_id": [f"s{i}" for i in range(n)],
                    "source": ["t"] * n,
                    "force": ["test-force"] * n,
                    "occurred_at": [dt.datetime(2024, 1, 3)] * n,
                    "lat": [53.001 if located else None] * n,
                    "lon": [-1.0 if located else None] * n,
                    "ethnicity": ["Black" if i % 2 else "White" for i in range(n)],
                },
                schema_overrides={"lat": pl.Float64, "lon": pl.Float64},
            ),
        )


def _utla_census_and_centroids(store: Store, tmp_path: Path) -> None:
    """Ethnic groups by upper-tier authority only, and centroids of two LSOAs."""
    utla = tmp_path / "utla-2021.csv"
    utla.write_text(
        "area,area_name,ethnicity,population\n"
        "E08000001,Alpha,White,1800\nE08000001,Alpha,Black,200\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text(
        "LSOACD,latitude,longitude\nE1,53.0,-1.0\nE2,53.05,-1.0\n", encoding="utf-8"
    )
    _ingest(store, "population", str(utla))
    _ingest(store, "centroids", str(cents))


def _per_area_note(store: Store) -> str:
    result = run_equality(store, areas=["Alpha"])
    (note,) = (n for n in result.notes if n.startswith("No per-area rates"))
    return note


def test_no_lsoa_rows_is_named_not_missing_coordinates(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _utla_census_and_centroids(sqlite_store, tmp_path)
    _stops(sqlite_store, located=True)
    note = _per_area_note(sqlite_store)
    assert "none of the 40 searches could be placed" in note
    assert "no LSOA census rows with their parent area (only " in note
    assert "no coordinates" not in note
    assert "(the force's figures count them all): no LSOA" in note


def test_stops_without_coordinates_are_named(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """With LSOA rows naming their authority and centroids, the reason is the stops'."""
    census = tmp_path / "census-2011.csv"
    census.write_text(
        "lsoa11cd,lad_name,persons,WhiteBrit,Mixed,Indian,BlkAfrican,Other\n"
        "E1,Alpha,1000,800,50,50,50,50\nE2,Alpha,1000,900,25,25,25,25\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text(
        "LSOACD,latitude,longitude\nE1,53.0,-1.0\nE2,53.05,-1.0\n", encoding="utf-8"
    )
    _ingest(sqlite_store, "population", str(census))
    _ingest(sqlite_store, "centroids", str(cents))
    _stops(sqlite_store, located=False)
    assert "no stop has a latitude and longitude" in _per_area_note(sqlite_store)


def test_stops_without_coordinates_come_before_missing_lsoa_rows(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """South Yorkshire publishes no coordinates: against the 2021 census by
    upper-tier authority the note asked for LSOA census rows and centroids, which
    would have placed none of its 46,655 searches either."""
    _utla_census_and_centroids(sqlite_store, tmp_path)
    _stops(sqlite_store, located=False)
    note = _per_area_note(sqlite_store)
    assert note.endswith("them all): no stop has a latitude and longitude.")


def test_one_search_outside_the_force_area_is_not_none_of_1() -> None:
    """One search placed outside the force area read "none of the 1 searches could
    be placed ... all 1 placed fall outside the force area"."""
    from avert.workflows.equality import _per_area_notes

    placed = pl.DataFrame({"parent": ["E08000001"]})
    notes = _per_area_notes(
        placed, placed.clear(), max_km=2.0, why_unplaced=lambda: "no coordinates"
    )
    assert notes == [
        "No per-area rates: the one search could not be placed in an area of the "
        "force area (the force's figures count it): it falls outside the force area."
    ], notes
