"""A store holding the synthetic city's residents (codes ``SYN...``) beside a
census of the same year: the equality figures name the residents they are
actually set against, and refuse to set searches against both at once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.errors import ConfigError
from avert.store import Store
from avert.workflows.equality import SYNTHETIC_RESIDENTS, run_equality

YEAR = 2021


def _invoke(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args])
    assert result.exit_code == 0, result.output
    return result.output


def _residents(area: str, parent: str, white: int, black: int) -> list[str]:
    rows = [("White", white), ("Black", black), ("all", white + black)]
    return [
        f"{area},{area},lsoa,{parent},{YEAR},all,all,{group},{n}" for group, n in rows
    ]


def _mixed_store(store: Store, tmp_path: Path) -> None:
    """Two synthetic LSOAs of "Synthetic City" and one census LSOA of Sheffield,
    all of 2021, with centroids; 30 stops in the synthetic city (no force named,
    as a bundle's), none in Sheffield."""
    pops = tmp_path / "residents.csv"
    pops.write_text(
        "area,area_name,area_type,parent_area,year,sex,age_band,ethnicity,population\n"
        + "\n".join(
            [
                *_residents("SYN0001", "Synthetic City", 900, 100),
                *_residents("SYN0002", "Synthetic City", 800, 200),
                *_residents("E01007900", "Sheffield", 1500, 150),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text(
        "area,latitude,longitude\nSYN0001,51.50,-0.10\nSYN0002,51.51,-0.11\n"
        "E01007900,53.38,-1.47\n",
        encoding="utf-8",
    )
    _invoke(store, "ingest", "population", str(pops), "--layout", "simple")
    _invoke(store, "ingest", "centroids", str(cents))
    n = 30
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["avert synthetic city"] * n,
            "occurred_at": [dt.datetime(2021, 6, 3)] * n,
            "lat": [51.50 if i % 2 else 51.51 for i in range(n)],
            "lon": [-0.10 if i % 2 else -0.11 for i in range(n)],
            "ethnicity": ["Black" if i % 3 == 0 else "White" for i in range(n)],
        }
    )
    with store.transaction() as tx:
        tx.append("stops", stops)


def test_synthetic_residents_beside_a_census_are_named_as_synthetic(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The census rows of the same year made the label "census 2021 residents",
    though every resident counted was one the generator made."""
    _mixed_store(sqlite_store, tmp_path)
    found = run_equality(sqlite_store)
    assert found.force_areas == ("Synthetic City",)
    assert found.residents_label == SYNTHETIC_RESIDENTS
    white = found.force.frame.filter(pl.col("group") == "White")
    assert white["residents"].item() == 1_700  # the city's, not Sheffield's
    output = _invoke(sqlite_store, "analyse", "equality")
    assert "census 2021" not in output
    assert "synthetic city" in " ".join(output.split())


def test_census_and_synthetic_residents_are_not_mixed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A force area of a synthetic and a census area was called "census 2021
    residents" with 1,700 of its 3,350 White residents made by the generator."""
    _mixed_store(sqlite_store, tmp_path)
    with pytest.raises(ConfigError, match="synthetic") as err:
        run_equality(sqlite_store, areas=["Synthetic City", "Sheffield"])
    assert "Sheffield" in str(err.value)
    assert "census" in str(err.value)


def test_the_eia_caveat_fits_synthetic_residents(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The Equality Impact Assessment said "the census is dated" of the demo,
    whose residents are the synthetic city's own (no census at all)."""
    _mixed_store(sqlite_store, tmp_path)
    reading = run_equality(sqlite_store).eia["reading"]
    assert "census is dated" not in reading
    assert "synthetic city's residents" in reading
    census = run_equality(sqlite_store, force=None, areas=["Sheffield"])
    assert census.residents_label == "census 2021 residents"
    assert census.eia["reading"].endswith("and the census is dated.")


def test_the_cli_prints_rates_and_ratios_as_the_page_does(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """To three significant figures the CLI printed "33.3" where the Equality page
    says 33.33, and intervals such as the Met's "2.56-3" and South Yorkshire's
    "0.888-1.1" beside ratios of two decimals."""
    _mixed_store(sqlite_store, tmp_path)
    output = " ".join(
        _invoke(sqlite_store, "analyse", "equality").replace("│", " ").split()
    )
    black = next(
        r
        for r in run_equality(sqlite_store).force.frame.iter_rows(named=True)
        if r["group"] == "Black"
    )
    assert f"{black['rate_per_1000']:.2f}" == "33.33"
    assert (
        f"33.33 {black['ratio_to_white']:.2f} "
        f"{black['ci_low']:.2f}-{black['ci_high']:.2f}" in output
    ), output
