"""The force area of a police.uk force comes from avert's list of police force
areas, not from where its stops fall (docs/equality.md, *Force area*)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.errors import ConfigError
from avert.store import Store
from avert.workflows.equality import (
    _police_force_areas,
    join_area_names,
    run_equality,
    split_area_names,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"

HUMBERSIDE = (
    "East Riding of Yorkshire",
    "Kingston upon Hull, City of",
    "North East Lincolnshire",
    "North Lincolnshire",
)


def _invoke(store: Store, *args: str) -> None:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args])
    assert result.exit_code == 0, result.output


def _humberside_and_london(
    store: Store, tmp_path: Path, *, districts: tuple[str, ...] = HUMBERSIDE
) -> None:
    """One LSOA per Humberside district and one in the City of London (2011
    census), their centroids, and Humberside's stops: 40 in Hull and 2 misplaced
    in the City, as police.uk's January 2019 file has them."""
    rows = [
        f"E0{i},{name if ',' not in name else chr(34) + name + chr(34)},"
        "100000,95000,1000,2000,1000,1000"
        for i, name in enumerate(districts)
    ]
    census = tmp_path / "census-2011.csv"
    census.write_text(
        "lsoa11cd,lad_name,persons,WhiteBrit,Mixed,Indian,BlkAfrican,Other\n"
        + "\n".join(rows)
        + "\nE09,City of London,1500,1200,50,100,100,50\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text(
        "LSOACD,latitude,longitude\n"
        + "".join(f"E0{i},{53.5 + i},{-0.3 - i}\n" for i in range(len(districts)))
        + "E09,51.515,-0.09\n",
        encoding="utf-8",
    )
    _invoke(store, "ingest", "population", str(census))
    _invoke(store, "ingest", "centroids", str(cents))
    n = 42
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["t"] * n,
            "force": ["humberside"] * n,
            "occurred_at": [dt.datetime(2019, 1, 3)] * n,
            "lat": [51.515 if i >= 40 else 53.5 for i in range(n)],
            "lon": [-0.09 if i >= 40 else -0.3 for i in range(n)],
            "ethnicity": ["Black" if i % 2 else "White" for i in range(n)],
        }
    )
    with store.transaction() as tx:
        tx.append("stops", stops)


def test_a_listed_force_is_set_against_its_own_area(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Two of Humberside's stops fall in the City of London (7,375 residents): by
    stops per resident the City was taken into Humberside's area (on January 2019,
    with Westminster and Croydon: Black/White 0.40 where its own four areas give
    5.0); the listed area is its four districts, and a note says where it is from."""
    _humberside_and_london(sqlite_store, tmp_path)
    found = run_equality(sqlite_store, force="humberside")
    assert found.force_areas == HUMBERSIDE
    residents = {r["group"]: r["residents"] for r in found.force.frame.to_dicts()}
    assert residents["White"] == 4 * 95000
    assert any("list of police force areas" in n for n in found.notes)
    # --areas still sets the area
    named = run_equality(sqlite_store, force="humberside", areas=["City of London"])
    assert named.force_areas == ("City of London",)


def test_a_force_area_note_lists_names_holding_commas_unambiguously(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The note listed Humberside's districts joined with ", ": "East Riding of
    Yorkshire, Kingston upon Hull, City of, North East Lincolnshire, ..." reads as
    five areas or more, and could not be given back as --areas. They are joined
    with "; ", which --areas (and the Equality page's Areas field) read back."""
    _humberside_and_london(sqlite_store, tmp_path)
    found = run_equality(sqlite_store, force="humberside")
    note = next(n for n in found.notes if "list of police force areas" in n)
    listed = "; ".join(HUMBERSIDE)
    assert (
        f"Schedule 1): {listed} (set another with --areas, or the Equality page's Areas field)"
        in note
    ), note
    assert split_area_names(listed) == HUMBERSIDE
    again = run_equality(sqlite_store, force="humberside", areas=list(HUMBERSIDE))
    assert again.force_areas == HUMBERSIDE
    # the CLI's --areas takes the list as the note shows it
    args = ["analyse", "equality", "--force", "humberside", "--areas", listed]
    result = CliRunner().invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, *args], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0, result.output
    assert f"force area: {listed} (against census 2011 residents)" in " ".join(
        result.output.split()
    )


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Bristol, City of; Mendip", ("Bristol, City of", "Mendip")),
        (" Bristol, City of ;;Mendip; ", ("Bristol, City of", "Mendip")),
        ("Bristol, City of,Mendip", ("Bristol, City of", "Mendip")),
        ("Barnsley, Doncaster,,Sheffield", ("Barnsley", "Doncaster", "Sheffield")),
        ("City of London, Westminster", ("City of London", "Westminster")),
        (" , ; ", ()),
    ],
)
def test_area_names_split_at_semicolons_else_commas(
    text: str, names: tuple[str, ...]
) -> None:
    assert split_area_names(text) == names
    assert split_area_names(join_area_names(names)) == names


def test_a_listed_force_missing_from_the_census_is_an_error(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A census holding only part of a listed force's area would set all its
    searches against part of its residents: an error naming what is missing."""
    _humberside_and_london(sqlite_store, tmp_path, districts=HUMBERSIDE[:2])
    with pytest.raises(ConfigError, match="North East Lincolnshire"):
        run_equality(sqlite_store, force="humberside")


def test_the_list_of_force_areas_holds_each_area_once() -> None:
    """43 territorial forces (not British Transport Police), each in both
    geographies, no district or authority in two force areas."""
    areas = _police_force_areas()
    assert areas["force"].n_unique() == 43
    assert "btp" not in areas["force"].to_list()
    per_force = areas.group_by("force").agg(pl.col("geography").n_unique())
    assert per_force["geography"].to_list() == [2] * 43
    for geography, n in (("lad2011", 348), ("utla2021", 174)):
        named = areas.filter(pl.col("geography") == geography)["area"]
        assert named.len() == n
        assert named.n_unique() == n


@pytest.mark.shared
def test_the_list_matches_the_census_areas() -> None:
    """Every district of the 2011 census by LSOA and every upper-tier authority of
    the 2021 census is in the list, by the name or code those files give it."""
    lsoa = SHARED.joinpath(
        "census-2011-ethnicity-lsoa-england-wales", "census-2011-ethnic-group-lsoa.csv"
    )
    utla = SHARED.joinpath(
        "census-2021-ethnicity-upper-tier-la-england-wales",
        "census-2021-ethnic-group-8cat-utla.csv",
    )
    if not (lsoa.exists() and utla.exists()):
        pytest.skip("../shared/data is absent")
    areas = _police_force_areas()
    lad = set(areas.filter(pl.col("geography") == "lad2011")["area"].to_list())
    assert lad == set(pl.read_csv(lsoa)["lad_name"].to_list())
    codes = set(areas.filter(pl.col("geography") == "utla2021")["area"].to_list())
    assert codes == set(pl.read_csv(utla)["Upper tier local authorities Code"])


def test_stops_naming_no_force_are_said_and_not_mixed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Three forces' files joined into one whose name names no force gave one area
    of 15 local authorities from Hartlepool to Swindon without a word; stops
    naming no force beside a named force's were counted as that force's."""
    _humberside_and_london(sqlite_store, tmp_path)
    unnamed = pl.DataFrame(
        {
            "stop_id": ["u1", "u2"],
            "source": ["policeuk"] * 2,
            "force": pl.Series([None, None], dtype=pl.String),
            "occurred_at": [dt.datetime(2019, 1, 4)] * 2,
            "lat": [53.5] * 2,
            "lon": [-0.3] * 2,
            "ethnicity": ["White"] * 2,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("stops", unnamed)
    # one named force beside them: the message does not say "of 1 force (...; and"
    with pytest.raises(
        ConfigError,
        match=r"are of 1 force \(humberside \(42\)\), and 2 stops name no force "
        r"\(a police.uk file whose name names none\): choose one with --police-force",
    ):
        run_equality(sqlite_store)
    # --police-force chooses the named force's stops alone
    assert (
        run_equality(sqlite_store, force="humberside").force.frame["searches"].sum()
        == 42
    )
    # only stops naming no force: figures, with a note
    only = run_equality(sqlite_store, date_from=dt.date(2019, 1, 4))
    assert only.forces == ()
    assert any(n.startswith("No stop names its force") for n in only.notes)
    # a bundle's stops name no force as a rule: no note
    with sqlite_store.transaction() as tx:
        tx.append(
            "stops",
            unnamed.with_columns(
                pl.lit("bundle").alias("source"),
                pl.col("stop_id") + "b",
                pl.lit(dt.datetime(2019, 1, 5)).alias("occurred_at"),
            ),
        )
    bundle = run_equality(sqlite_store, date_from=dt.date(2019, 1, 5))
    assert not any(n.startswith("No stop names its force") for n in bundle.notes)
