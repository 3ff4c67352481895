"""``avert analyse performance|equality`` and ``avert ingest population`` end to end."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.errors import ConfigError
from avert.store import Store


def _incidents(seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    months = pl.date_range(dt.date(2022, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True)
    for borough, level, step in (
        ("North", 40, 0.6),
        ("South", 40, 1.0),
        ("East", 35, 1.0),
    ):
        for i, m in enumerate(months.to_list()):
            n = rng.poisson(level * (step if i >= 24 else 1.0))
            for k in range(n):
                rows.append(
                    {
                        "occurred_from": dt.datetime(m.year, m.month, 1 + k % 27, 12),
                        "borough": borough,
                        "crime_type": "Violence and sexual offences"
                        if k % 3
                        else "Robbery",
                        "weapon": "knife" if k % 10 == 0 else "none",
                        "domestic": k % 4 == 0,
                    }
                )
    frame = pl.DataFrame(rows)
    return frame.with_columns(
        pl.format("i{}", pl.int_range(pl.len())).alias("incident_id"),
        pl.lit("test").alias("source"),
        pl.lit("exact").alias("time_precision"),
    )


def _invoke(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _performance(store: Store, *args: str) -> str:
    """``avert analyse performance --by borough ARGS``."""
    return _invoke(store, "analyse", "performance", "--by", "borough", *args)


#: the performance command's windows: two baseline years, one recent year
WINDOWS = (
    "--baseline-from",
    "2022-01-01",
    "--baseline-to",
    "2023-12-31",
    "--from",
    "2024-01-01",
    "--to",
    "2024-12-31",
)


def _census_and_stops(
    store: Store,
    tmp_path: Path,
    *,
    outcomes: bool,
    force: str = "test-force",
    linked: bool = True,
) -> None:
    """Census 2011 for three LSOAs in two areas, their centroids and 60 stops.

    With ``outcomes`` the stops carry outcomes (every fifth an arrest) and whether
    each outcome was linked to the search (every fourth; blank throughout without
    ``linked``, as in the Met's police.uk files).
    """
    census = tmp_path / "census-2011.csv"
    census.write_text(
        "lsoa11cd,lad_name,persons,WhiteBrit,Mixed,Indian,BlkAfrican,Other\n"
        "E1,Alpha,1000,800,50,50,50,50\nE2,Alpha,1000,900,25,25,25,25\n"
        "E3,Beta,2000,1500,100,100,200,100\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text(
        "LSOACD,latitude,longitude\nE1,53.0,-1.0\nE2,53.05,-1.0\nE3,53.5,-1.5\n",
        encoding="utf-8",
    )
    _invoke(store, "ingest", "population", str(census))
    _invoke(store, "ingest", "centroids", str(cents))
    n = 60
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["t"] * n,
            "force": [force] * n,
            "occurred_at": [dt.datetime(2024, 1 + i % 6, 3) for i in range(n)],
            "lat": [53.001 if i % 3 else 53.499 for i in range(n)],
            "lon": [-1.0 if i % 3 else -1.5 for i in range(n)],
            "ethnicity": ["Black" if i % 2 else "White" for i in range(n)],
            "legislation": ["Police and Criminal Evidence Act 1984 (section 1)"] * n,
        }
    )
    if outcomes:
        stops = stops.with_columns(
            outcome=pl.Series(
                ["Arrest" if i % 5 == 0 else "A no further action" for i in range(n)]
            ),
            outcome_linked=pl.Series(
                [i % 4 == 0 if linked else None for i in range(n)], dtype=pl.Boolean
            ),
        )
    with store.transaction() as tx:
        tx.append("stops", stops)


def test_performance_cli_json(sqlite_store: Store, tmp_path: Path) -> None:
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    pops = tmp_path / "boroughs-2021.csv"
    pops.write_text(
        "area,population\nNorth,100000\nSouth,90000\nEast,80000\n", encoding="utf-8"
    )
    _invoke(sqlite_store, "ingest", "population", str(pops), "--json")
    survey = tmp_path / "survey.csv"
    survey.write_text(
        "area,period,pct_agree\nNorth,2024 Q1,52\nNorth,2024 Q3,58\n", encoding="utf-8"
    )
    _invoke(sqlite_store, "ingest", "confidence", str(survey))
    out = json.loads(
        _performance(
            sqlite_store,
            "--unit",
            "month",
            *WINDOWS,
            "--target",
            "-0.10",
            "--target-by",
            "2024-12-31",
            "--json",
        )
    )
    rows = {(v["area"], v["category"], v["flag"]): v for v in out["verdicts"]}
    north = rows[("North", "all", "all")]
    assert north["verdict"] == "significant_sustained_reduction"
    assert north["ci_high"] < 1
    assert north["population"] == 100000
    assert north["recent_rate_per_1000"] is not None
    assert len(north["chart"]) == 36
    assert {"period", "count", "expected", "ucl", "lcl", "run_8"} <= set(
        north["chart"][0]
    )
    assert north["confidence"][0]["pct_agree"] == 52
    assert set(north["peers"]) == {"South", "East"}
    assert north["peer_rate_ratio"] is not None
    assert out["similar_areas"][0]["rank"] == 1
    assert north["target"][-1]["target"] is not None
    assert rows[("South", "all", "all")]["verdict"] in (
        "no_significant_change",
        "significant_increase",
        "significant_reduction",
    )
    assert ("North", "Robbery", "all") in rows
    assert ("North", "all", "weapon") in rows
    assert set(out["definitions"]) >= {
        "insufficient_data",
        "significant_sustained_reduction",
    }
    text = _performance(sqlite_store, "--no-categories", *WINDOWS)
    assert "North" in text


def test_equality_cli_places_stops(sqlite_store: Store, tmp_path: Path) -> None:
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    out = json.loads(
        _invoke(sqlite_store, "analyse", "equality", "--force", "test-force", "--json")
    )
    assert out["force_areas"] == ["Alpha", "Beta"]
    force = {r["group"]: r for r in out["force"]["rates"]}
    assert force["Black"]["searches"] == 30
    assert force["Black"]["residents"] == 275
    assert force["White"]["residents"] == 3200
    areas = {(r["area"], r["group"]): r for r in out["areas"]["rates"]}
    assert areas[("Alpha", "Black")]["residents"] == 75
    assert areas[("Alpha", "Black")]["searches"] == 20
    assert out["equality_impact_assessment"]["significantly_above_1"]
    per_lsoa = json.loads(
        _invoke(
            sqlite_store,
            "analyse",
            "equality",
            "--force",
            "test-force",
            "--area-level",
            "lsoa",
            "--json",
        )
    )
    lsoa = {(r["area"], r["group"]): r for r in per_lsoa["areas"]["rates"]}
    assert lsoa[("E1", "Black")]["searches"] == 20
    assert lsoa[("E1", "Black")]["residents"] == 50
    assert lsoa[("E3", "White")]["searches"] == 10


def test_equality_cli_list_make_up(sqlite_store: Store, tmp_path: Path) -> None:
    pops = tmp_path / "pops-2021.csv"
    pops.write_text(
        "area,ethnicity,population\nX,White,9000\nX,Black,1000\nX,all,10000\n",
        encoding="utf-8",
    )
    _invoke(sqlite_store, "ingest", "population", str(pops))
    n = 40
    people = pl.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(n)],
            "sex": ["M"] * n,
            "birth_year": [2000] * n,
            "ethnicity": ["Black" if i < 10 else "White" for i in range(n)],
        }
    )
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["t"] * n,
            "occurred_from": [dt.datetime(2024, 3, 1)] * n,
        }
    )
    inv = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "person_id": [f"p{i}" for i in range(n)],
            "role": ["offender"] * n,
        }
    )
    stops = pl.DataFrame(
        {
            "stop_id": ["s1", "s2"],
            "source": ["t", "t"],
            "occurred_at": [dt.datetime(2024, 3, 1)] * 2,
            "ethnicity": ["Black", "White"],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("people", people)
        tx.append("incidents", incidents)
        tx.append("involvements", inv)
        tx.append("stops", stops)
    listed = tmp_path / "top.txt"
    listed.write_text("person_id\np0\np1\np2\np3\np4\np5\np20\n", encoding="utf-8")
    out = json.loads(
        _invoke(
            sqlite_store,
            "analyse",
            "equality",
            "--areas",
            "X",
            "--list",
            str(listed),
            "--json",
        )
    )
    made = out["lists"][0]
    assert made["list"] == "top"
    # the make-up's table says which ratios are flagged, as the rates' does
    table = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "equality",
            "--areas",
            "X",
            "--list",
            str(listed),
        ],
        env={"COLUMNS": "200"},
    )
    assert table.exit_code == 0, table.output
    make_up = table.output[table.output.index("Make-up of list 'top'") :]
    assert "significantly above 1" in make_up, make_up
    black = next(
        r
        for r in made["make_up"]
        if r["dimension"] == "ethnicity" and r["category"] == "Black"
    )
    assert (black["listed"], black["pool"]) == (6, 10)
    assert black["ratio"] == pytest.approx((6 / 10) / (1 / 30))


def test_performance_leaves_out_a_cut_last_period(sqlite_store: Store) -> None:
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    out = json.loads(
        _performance(
            sqlite_store,
            "--no-categories",
            "--baseline-from",
            "2022-01-15",
            "--baseline-to",
            "2023-12-31",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-15",
            "--json",
        )
    )
    north = next(
        v for v in out["verdicts"] if v["area"] == "North" and v["flag"] == "all"
    )
    assert north["chart"][0]["period"] == "2022-01-01"
    assert north["chart"][-1]["period"] == "2024-11-01"
    assert any("incomplete" in n for n in out["notes"])


def test_weekly_baseline_ends_before_the_week_of_from(sqlite_store: Store) -> None:
    # 2024-01-03 is a Wednesday: its week starts on Monday 2024-01-01, the day after
    # the baseline's last day, so the baseline needs no cut; from a Tuesday baseline
    # end it does.
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    args = ("--unit", "week", "--no-categories", "--baseline-from", "2022-01-03")
    out = json.loads(
        _performance(
            sqlite_store,
            *args,
            "--baseline-to",
            "2024-01-01",
            "--from",
            "2024-01-02",
            "--to",
            "2024-06-30",
            "--json",
        )
    )
    assert any(
        "the baseline ends the day before, 2023-12-31" in n for n in out["notes"]
    )
    north = next(
        v for v in out["verdicts"] if v["area"] == "North" and v["flag"] == "all"
    )
    assert north["chart"][0]["period"] == "2022-01-03"


def test_periods_out_of_order_are_a_clear_error(sqlite_store: Store) -> None:
    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "performance",
            "--baseline-from",
            "2022-01-01",
            "--baseline-to",
            "2024-02-01",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
        ],
    )
    # a usage error naming the options, before the store is read
    assert result.exit_code == 2, result.output
    assert "must come in order" in " ".join(result.output.replace("│", " ").split())


def test_force_area_from_stops_per_resident_not_share_alone() -> None:
    """A large force's quiet borough (under 1 % of the stops) is in; a small force's
    stray stops over the border (over 1 %) are not: stops per resident decide."""
    from avert.workflows.equality import _force_areas

    stops = {"Big": 600, "Busy": 380, "Quiet": 9, "Stray": 11, "Single": 1}
    residents = {"Big": 300_000, "Busy": 200_000, "Quiet": 60_000, "Stray": 400_000}
    placed = pl.DataFrame({"parent": [a for a, n in stops.items() for _ in range(n)]})
    per_parent = pl.DataFrame(
        {"parent": list(residents), "residents": [float(v) for v in residents.values()]}
    )
    notes: list[str] = []
    areas = _force_areas(placed, per_parent, min_share=0.01, notes=notes)
    # reference: (600 + 380 + 11) / 900,000 = 1.1e-3 per resident; Quiet 1.5e-4
    # (14 % of it), Stray 2.75e-5 (2.5 %), Single: one stop and no census row
    assert areas == ("Big", "Busy", "Quiet")
    assert notes[0].endswith(
        ": Big; Busy; Quiet (set it with --areas, or the Equality page's Areas "
        "field). Areas left out, with their "
        "stops: Stray (11); Single (1)."
    ), notes[0]


def test_performance_categories_add_up_to_the_total_on_police_uk_rows(
    sqlite_store: Store,
) -> None:
    """A police.uk row in the definition on its category alone ("violence and sexual
    offences": no profile category) is a series of its own, as 'avert classify' lists
    it, not in the total but in no category."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    _invoke(sqlite_store, "classify")
    out = json.loads(_performance(sqlite_store, *WINDOWS, "--json"))
    north = [v for v in out["verdicts"] if v["area"] == "North" and v["flag"] == "all"]
    total = next(v for v in north if v["category"] == "all")
    parts = [v for v in north if v["category"] != "all"]
    assert {v["category"] for v in parts} >= {"police.uk: violence and sexual offences"}
    assert sum(v["baseline_count"] for v in parts) == total["baseline_count"]
    assert sum(v["recent_count"] for v in parts) == total["recent_count"]


def test_performance_cli_says_why_data_are_insufficient(sqlite_store: Store) -> None:
    """A 9-month baseline: the table's note and the JSON say 9 of the 12 months."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    window = [
        "--baseline-from",
        "2024-01-01",
        "--baseline-to",
        "2024-09-30",
        "--from",
        "2024-10-01",
        "--to",
        "2024-12-31",
        "--no-categories",
    ]
    out = " ".join(_performance(sqlite_store, *window).split())
    assert (
        "insufficient_data (every series): the baseline has 9 months; the seasonal "
        "model needs at least 12 months." in out
    )
    rows = json.loads(_performance(sqlite_store, *window, "--json"))["verdicts"]
    assert {r["reason"] for r in rows} == {
        "the baseline has 9 months; the seasonal model needs at least 12 months"
    }


def test_equality_names_its_force_and_asks_for_one_among_several(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """One force's stops: named. Two forces' stops: not mixed, a choice asked for."""
    from avert.errors import ConfigError
    from avert.workflows.board import run_equality

    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    found = run_equality(sqlite_store)
    assert found.forces == ("test-force",)
    assert found.to_dict()["forces"] == ["test-force"]
    # the force's row is named as pages name a force (an id not listed: its words)
    assert found.force.frame["area"].unique().to_list() == ["Test Force"]
    other = pl.DataFrame(
        {
            "stop_id": ["o1", "o2", "o3"],
            "source": ["t"] * 3,
            "force": ["other-force"] * 3,
            "occurred_at": [dt.datetime(2024, 2, 3)] * 3,
            "lat": [53.001] * 3,
            "lon": [-1.0] * 3,
            "ethnicity": ["White"] * 3,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("stops", other)
    with pytest.raises(
        ConfigError,
        match=r"of 2 forces \(test-force \(60\), "
        r"other-force \(3\)\): choose one with --police-force",
    ):
        run_equality(sqlite_store)
    chosen = run_equality(sqlite_store, force="other-force", areas=["Alpha"])
    assert chosen.forces == ("other-force",)
    assert int(chosen.force.frame["searches"].sum()) == 3
    out = " ".join(_cli_error(sqlite_store, "analyse", "equality").split())
    assert "choose one with --police-force" in out


def test_equality_infers_no_force_area_for_british_transport_police(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """BTP searches travellers on the railways: its January 2019 stops fell in 70
    local authorities, and avert set them against those areas' residents (Black/White
    3.28). No force area is inferred for it; --areas still sets one."""
    from avert.errors import NotFound
    from avert.workflows.board import run_equality

    _census_and_stops(sqlite_store, tmp_path, outcomes=False, force="btp")
    # named as the board pack and pages name a force, not by its id alone: the
    # pack read "btp polices the railways" (January 2019, every force loaded)
    with pytest.raises(
        NotFound, match=r"^British Transport Police \(btp\) polices the railways"
    ):
        run_equality(sqlite_store)
    chosen = run_equality(sqlite_store, areas=["Alpha"])
    assert chosen.forces == ("btp",)
    assert chosen.force_areas == ("Alpha",)


def test_equality_areas_named_as_the_2011_census_names_bristol(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The 2011 census names Bristol "Bristol, City of" (and Kingston upon Hull,
    Herefordshire so); --areas split it at its comma into "Bristol" and "City of",
    neither of which has residents, and the error suggested the very name that
    could not be given."""
    census = tmp_path / "census-2011.csv"
    census.write_text(
        "lsoa11cd,lad_name,persons,WhiteBrit,Mixed,Indian,BlkAfrican,Other\n"
        'E1,"Bristol, City of",1000,800,50,50,50,50\n'
        "E2,Mendip,1000,900,25,25,25,25\n"
        "E3,City of London,500,400,25,25,25,25\n",
        encoding="utf-8",
    )
    _invoke(sqlite_store, "ingest", "population", str(census))
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(6)],
            "source": ["t"] * 6,
            "force": ["avon-and-somerset"] * 6,
            "occurred_at": [dt.datetime(2024, 1, 3)] * 6,
            "ethnicity": ["Black", "White"] * 3,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("stops", stops)
    out = json.loads(
        _invoke(
            sqlite_store,
            "analyse",
            "equality",
            "--areas",
            "Bristol, City of,Mendip,City of London",
            "--json",
        )
    )
    assert out["force_areas"] == ["Bristol, City of", "Mendip", "City of London"]
    black = next(r for r in out["force"]["rates"] if r["group"] == "Black")
    assert black["residents"] == 50 + 25 + 25


def test_equality_inferred_against_a_census_that_names_counties_not_districts(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The stops are placed in the 2011 LSOAs and named by their districts; the 2021
    ethnic groups are by upper-tier authority. With --population-year 2021 Kent's
    twelve districts had no residents and were left out by the rule, and its 534
    searches were set against Medway's residents alone (Black/White 2.05): the
    districts missing from the 2021 rows are now an error saying so."""
    from avert.errors import ConfigError
    from avert.workflows.board import run_equality

    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    utla = tmp_path / "utla-2021.csv"
    utla.write_text(
        "area,area_name,ethnicity,population\n"
        "E10,Shire,White,1800\nE10,Shire,Black,200\n"
        "E06,Beta,White,1500\nE06,Beta,Black,200\n",
        encoding="utf-8",
    )
    _invoke(sqlite_store, "ingest", "population", str(utla))
    assert run_equality(sqlite_store).force_areas == ("Alpha", "Beta")
    with pytest.raises(ConfigError, match=r"as the 2011 census does.*Alpha"):
        run_equality(sqlite_store, population_year=2021)
    told = run_equality(sqlite_store, population_year=2021, areas=["Shire", "Beta"])
    assert told.force_areas == ("Shire", "Beta")
    # per area: Shire's stops are placed in its district Alpha, never in Shire
    # (before: a Shire row of 0 searches over all its residents, its stops
    # counted "outside the force area")
    assert told.areas is not None
    assert set(told.areas.frame["area"].to_list()) == {"Beta"}
    assert int(told.areas.frame["searches"].sum()) == 20
    assert any(n.startswith("No per-area rate for Shire: no LSOA") for n in told.notes)
    # an area given by its code is found by its census name ("E06" is "Beta"):
    # before, "none of the 60 searches could be placed in an area of the force area"
    coded = run_equality(sqlite_store, population_year=2021, areas=["E10", "E06"])
    assert coded.areas is not None
    beta = coded.areas.frame.filter(pl.col("area") == "E06")
    assert int(beta["searches"].sum()) == 20
    assert not any("No per-area rates" in n for n in coded.notes)


def _cli_error(store: Store, *args: str) -> str:
    """The error of a command that fails (its exception: the entry point prints it)."""
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args])
    assert result.exit_code != 0, result.output
    return f"{result.output}{result.exception}"


def test_equality_without_lsoa_rows_says_they_are_missing(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Only local-authority census rows: the error names the LSOA rows it lacks
    (for a force not in avert's list of police force areas: a listed one, such
    as city-of-london, needs no stop placed)."""
    from avert.errors import NotFound
    from avert.workflows.board import run_equality

    utla = tmp_path / "utla-2021.csv"
    utla.write_text(
        "area,area_name,ethnicity,population\n"
        "E09000001,City of London,White,5955\nE09000001,City of London,Black,233\n",
        encoding="utf-8",
    )
    _invoke(sqlite_store, "ingest", "population", str(utla), "--area-type", "utla")
    stops = pl.DataFrame(
        {
            "stop_id": ["s1", "s2"],
            "source": ["t"] * 2,
            "force": ["test-force"] * 2,
            "occurred_at": [dt.datetime(2019, 1, 3)] * 2,
            "lat": [51.515] * 2,
            "lon": [-0.09] * 2,
            "ethnicity": ["White", "Black"],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("stops", stops)
    with pytest.raises(NotFound) as err:
        run_equality(sqlite_store)
    text = str(err.value)
    assert "no LSOA census rows with their parent area (only utla rows" in text
    assert "--areas" in text
    found = run_equality(sqlite_store, areas=["City of London"])
    assert found.forces == ("test-force",)
    with sqlite_store.transaction() as tx:
        tx.append(
            "stops",
            stops.with_columns(
                pl.lit("city-of-london").alias("force"), pl.col("stop_id") + "c"
            ),
        )
    listed = run_equality(sqlite_store, force="city-of-london")
    assert listed.force_areas == ("City of London",)
    # the note gives the residents of the census the rates are against (here
    # 5,955 + 233 of 2021), not the 2011 census's 7,375
    few = [n for n in listed.notes if "City of London has" in n]
    assert few, listed.notes
    assert "6,188 residents (2021 census)" in few[0], few


def test_equality_table_prints_one_na_for_no_interval(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The White row (the reference) has no interval: one 'n/a', not 'n/a-n/a'."""
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    result = CliRunner().invoke(
        app,
        ["--db", sqlite_store.url.sqlalchemy, "analyse", "equality"],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    white = next(line for line in result.stdout.splitlines() if "│ White" in line)
    assert white.rstrip(" │").endswith("n/a")
    assert "n/a-n/a" not in result.stdout
    # the heading names the force as people know it, not its police.uk id
    heading = " ".join(result.stdout.split())
    assert "Stop and search by self-defined ethnic group — Test Force;" in heading, (
        heading
    )


def test_the_equality_heading_says_whose_view_of_ethnicity_it_counts(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """`avert analyse equality --officer-defined` headed its table "Stop and
    search by ethnic group", as the self-defined one (South Yorkshire 2019: Black
    ratio 4.46 officer-defined, 2.70 self-defined): the heading says which."""
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    db = ["--db", sqlite_store.url.sqlalchemy, "analyse", "equality"]
    result = CliRunner().invoke(app, [*db, "--officer-defined"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    heading = " ".join(result.stdout.split())
    assert (
        "Stop and search by officer-defined ethnic group (the officer's view, not "
        "the GOV.UK measure) — Test Force;"
    ) in heading, heading


def _two_censuses(store: Store, tmp_path: Path) -> None:
    """Census 2011 by LSOA (parents spelt "and", "upon"), census 2021 by local
    authority as an ONS download spells them ("&", "Upon"), centroids, 40 stops."""
    census = tmp_path / "census-2011.csv"
    census.write_text(
        "lsoa11cd,lad_name,persons,WhiteBrit,Mixed,Indian,BlkAfrican,Other\n"
        "E1,Barking and Dagenham,1000,900,0,0,100,0\n"
        "E2,Richmond upon Thames,1000,950,0,0,50,0\n",
        encoding="utf-8",
    )
    utla = tmp_path / "utla.csv"
    utla.write_text(
        "area,area_name,ethnicity,population\n"
        "E09000002,Barking & Dagenham,White,800\nE09000002,Barking & Dagenham,Black,200\n"
        "E09000027,Richmond Upon Thames,White,900\n"
        "E09000027,Richmond Upon Thames,Black,100\n",
        encoding="utf-8",
    )
    cents = tmp_path / "cents.csv"
    cents.write_text(
        "LSOACD,latitude,longitude\nE1,51.54,0.13\nE2,51.44,-0.30\n", encoding="utf-8"
    )
    _invoke(store, "ingest", "population", str(census))
    _invoke(
        store,
        "ingest",
        "population",
        str(utla),
        "--area-type",
        "utla",
        "--year",
        "2021",
    )
    _invoke(store, "ingest", "centroids", str(cents))
    n = 40
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["t"] * n,
            # not a listed force: its area is inferred from where its stops fall
            "force": ["test-force"] * n,
            "occurred_at": [dt.datetime(2024, 9, 3)] * n,
            # three in four in Barking and Dagenham, one in four in Richmond
            "lat": [51.54 if i % 4 else 51.44 for i in range(n)],
            "lon": [0.13 if i % 4 else -0.30 for i in range(n)],
            "ethnicity": ["Black" if i % 2 else "White" for i in range(n)],
        }
    )
    with store.transaction() as tx:
        tx.append("stops", stops)


def test_equality_matches_area_names_as_ons_spells_them(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The 2021 census's "Barking & Dagenham" and "Richmond Upon Thames" are the
    LSOAs' "Barking and Dagenham" and "Richmond upon Thames": every placed stop
    and every resident is counted (before, both areas had no residents and every
    search was set against none: a note, and rates over a wrong base)."""
    from avert.workflows.board import run_equality

    _two_censuses(sqlite_store, tmp_path)
    found = run_equality(sqlite_store, population_year=2021)
    assert found.force_areas == ("Barking and Dagenham", "Richmond upon Thames")
    force = {r["group"]: r for r in found.force.frame.to_dicts()}
    assert force["Black"]["residents"] == 300
    assert force["White"]["residents"] == 1700
    assert force["Black"]["searches"] == 20
    assert found.areas is not None
    areas = {(r["area"], r["group"]): r for r in found.areas.frame.to_dicts()}
    assert areas[("Barking and Dagenham", "Black")]["residents"] == 200
    assert areas[("Richmond upon Thames", "White")]["searches"] == 10
    # named as the 2021 rows name them, the areas' own stops are found too
    named = run_equality(
        sqlite_store,
        population_year=2021,
        areas=["Barking & Dagenham", "Richmond Upon Thames"],
    )
    assert named.areas is not None
    assert int(named.areas.frame["searches"].sum()) == 40


def test_equality_names_the_census_that_has_an_area(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """An area the chosen census lacks but another held census has (Cleveland's
    2021 codes, E06000001..., against the 2011 census) was asked "did you mean
    E01000001 or W01000001" (LSOAs); the error names the census that has it."""
    from avert.workflows.board import run_equality

    _two_censuses(sqlite_store, tmp_path)
    with pytest.raises(ConfigError) as err:
        run_equality(
            sqlite_store,
            population_year=2011,
            areas=["E09000002", "Richmond upon Thames"],
        )
    text = str(err.value)
    assert (
        "No 2011 census ethnic-group residents for E09000002 (in the 2021 census: "
        "--population-year 2021)" in text
    ), text
    assert "did you mean" not in text


def test_equality_refuses_an_area_without_residents(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A misspelt area has no residents: its searches would be set against none
    (every rate too high), so no figures, and the error names the area meant."""
    from avert.workflows.board import run_equality

    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    with pytest.raises(ConfigError) as err:
        run_equality(sqlite_store, areas=["Alpha", "Betta"])
    text = str(err.value)
    assert (
        "No 2011 census ethnic-group residents for Betta (did you mean Beta?)" in text
    )
    assert "--areas" in text
    out = " ".join(
        _cli_error(
            sqlite_store, "analyse", "equality", "--areas", "Alpha,Betta"
        ).split()
    )
    assert "did you mean Beta?" in out
    # empty items of the list are dropped (not an area named "")
    listed = json.loads(
        _invoke(
            sqlite_store, "analyse", "equality", "--areas", "Alpha, ,Beta,", "--json"
        )
    )
    assert listed["force_areas"] == ["Alpha", "Beta"]
    # a list of nothing is a usage error, not "no --areas" (the force area guessed)
    assert "names no area" in _cli_error(
        sqlite_store, "analyse", "equality", "--areas", " , "
    )


def test_performance_on_an_empty_store_says_there_are_no_incidents(
    sqlite_store: Store,
) -> None:
    """An empty store printed an empty table and "run 'avert classify' first", as
    if classifying were what was missing; it now says the store holds no incidents."""
    from avert.errors import NotFound

    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "performance",
            "--baseline-from",
            "2023-01-01",
            "--baseline-to",
            "2023-12-31",
            "--from",
            "2024-01-01",
            "--to",
            "2024-06-30",
        ],
    )
    assert isinstance(result.exception, NotFound), result.output
    assert "There are no incidents in the store" in str(result.exception)


def test_performance_before_the_data_says_the_window_holds_none(
    sqlite_store: Store,
) -> None:
    """A window before any data printed an empty table and a note on the
    definition; it now says the window holds no incident and when the data run,
    with no table."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents())
    out = " ".join(
        _invoke(
            sqlite_store,
            "analyse",
            "performance",
            "--baseline-from",
            "2019-01-01",
            "--baseline-to",
            "2019-12-31",
            "--from",
            "2020-01-01",
            "--to",
            "2020-06-30",
        ).split()
    )
    assert (
        "The store holds no incident from 2019-01-01 to 2020-06-30; its incidents "
        "run from 2022-01-01 to 2024-12-27: no data in this window" in out
    ), out
    assert "verdict" not in out


def test_equality_names_its_window_and_the_months_without_stops(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A rate per 1,000 residents depends on the period: the result names it, and
    says when the store holds the force's searches for only some of its months (a
    board's 12 months over a store of one month read as a year's rate)."""
    from avert.workflows.board import run_equality

    _census_and_stops(sqlite_store, tmp_path, outcomes=False)  # January-June 2024
    whole = run_equality(sqlite_store)
    assert whole.window == (dt.date(2024, 1, 3), dt.date(2024, 6, 3))
    assert whole.months_with_stops == 6
    assert not [n for n in whole.notes if "holds this force's searches" in n]
    year = run_equality(
        sqlite_store, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31)
    )
    assert year.to_dict()["window"] == {"from": "2024-01-01", "to": "2024-12-31"}
    assert year.to_dict()["months_with_stops"] == 6
    note = next(n for n in year.notes if "holds this force's searches" in n)
    assert "for 6 of the 12 months from 2024-01 to 2024-12" in note
    out = " ".join(
        _invoke(sqlite_store, "analyse", "equality", "--from", "2024-01-01").split()
    )
    assert "searches 2024-01-01 to 2024-06-03 (6 months with stops" in out
    # a month missing among many: named, not hidden behind "2024-01 to 2024-09"
    later = pl.DataFrame(
        {
            "stop_id": ["aug", "sep"],
            "source": ["t"] * 2,
            "force": ["test-force"] * 2,
            "occurred_at": [dt.datetime(2024, 8, 3), dt.datetime(2024, 9, 3)],
            "ethnicity": ["White"] * 2,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("stops", later)
    gap = run_equality(
        sqlite_store, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 9, 30)
    )
    note = next(n for n in gap.notes if "holds this force's searches" in n)
    assert "for 8 of the 9 months from 2024-01 to 2024-09 (none in 2024-07)" in note


def test_equality_without_stops_names_the_forces_and_days_there_are(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A force named as police.uk's 'Falls within' says it ('South Yorkshire
    Police') while the stops' force comes from the file name ('south-yorkshire'):
    the error named neither the forces there are nor the days they cover."""
    from avert.errors import NotFound
    from avert.workflows.board import run_equality

    with pytest.raises(NotFound, match="No stops in the store") as none:
        run_equality(sqlite_store)
    # a force's own stops come in a bundle too: the error named police.uk only
    assert "a record bundle's stops.csv with 'avert ingest bundle'" in str(none.value)
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    with pytest.raises(NotFound) as err:
        run_equality(sqlite_store, force="Test Force Police")
    assert "Forces with stops (as --police-force names them" in str(err.value)
    assert "test-force (60)" in str(err.value)
    with pytest.raises(NotFound) as err:
        run_equality(sqlite_store, force="test-force", date_from=dt.date(2025, 1, 1))
    assert "the store holds them from 2024-01-03 to 2024-06-03" in str(err.value)


def test_equality_without_stops_says_who_loads_them(sqlite_store: Store) -> None:
    """A City of London store (police.uk street crime, no stop and search) gave the
    board pack, for the board, "Equality figures are not available: No stops in
    the store: 'avert ingest policeuk' loads data.police.uk stop and search", and a
    partner's Equality page the same: a command to readers who run none. The
    note says who loads them, as the empty Today page does."""
    from avert.workflows.board import board_statistics

    stats = board_statistics(
        sqlite_store, end=dt.date(2019, 12, 31), performance=False, audience="board"
    )
    assert stats["equality"]["available"] is False
    note = stats["equality"]["note"]
    assert note.startswith("No stops in the store: none are loaded yet.")
    assert "An administrator or analyst loads them on avert's server" in note


def test_equality_says_which_searches_the_per_area_rates_leave_out(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The Met's API sample: 117 searches without a location and 13 placed outside
    the force area are in the force's figures but not the areas'; docs/equality.md
    promised a note and none was given."""
    from avert.workflows.board import run_equality

    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    extra = pl.DataFrame(
        {
            "stop_id": ["u1", "u2", "u3"],
            "source": ["t"] * 3,
            "force": ["test-force"] * 3,
            "occurred_at": [dt.datetime(2024, 2, 3)] * 3,
            "lat": [None, None, 53.5],
            "lon": [None, None, -1.5],
            "ethnicity": ["White"] * 3,
        },
        schema_overrides={"lat": pl.Float64, "lon": pl.Float64},
    )
    with sqlite_store.transaction() as tx:
        tx.append("stops", extra)
    found = run_equality(sqlite_store, areas=["Alpha"])
    assert int(found.force.frame["searches"].sum()) == 63
    assert found.areas is not None
    assert int(found.areas.frame["searches"].sum()) == 40
    note = next(n for n in found.notes if n.startswith("Per-area rates count"))
    assert "the 40 searches placed in the force area; 2 without a place" in note
    assert "and 21 placed outside the force area count in the force's figures" in note


def test_periods_without_a_whole_month_name_the_period_and_the_way_out() -> None:
    """A recent period inside one month, and a baseline that the recent period's
    first month swallows, each say which one holds no whole month (the message once
    printed an emptied range, "2026-11-01 to 2026-10-31")."""
    from avert.workflows.performance import _whole_periods

    day = dt.date
    with pytest.raises(ConfigError) as err:
        _whole_periods(
            "month",
            day(2026, 9, 1),
            day(2026, 10, 31),
            day(2026, 11, 11),
            day(2026, 11, 24),
        )
    assert str(err.value) == (
        "The recent period (--from 2026-11-11 --to 2026-11-24) holds no whole "
        "month: the month starting 2026-11-01 ends after --to. Give a --to at the "
        "end of a month, or --unit week."
    )
    with pytest.raises(
        ConfigError,
        match=r"^The baseline \(--baseline-from "
        r"2026-11-02 --baseline-to 2026-11-05\) holds no whole month",
    ):
        _whole_periods(
            "month",
            day(2026, 11, 2),
            day(2026, 11, 5),
            day(2026, 11, 11),
            day(2026, 12, 31),
        )


def test_performance_leaves_out_months_the_store_holds_no_incident_of(
    sqlite_store: Store,
) -> None:
    """A recent period reaching past the data (its last 6 months not loaded yet) was
    zero-filled: South, with no step, read a significant sustained fall (rate ratio
    about 0.5); months with no incident at all in the store are no data, not zero
    (found by an independent check on Toronto's counts with --to past their end)."""
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            _incidents().filter(pl.col("occurred_from") < dt.datetime(2024, 7, 1)),
        )
    out = json.loads(_performance(sqlite_store, "--no-categories", *WINDOWS, "--json"))
    south = next(
        v for v in out["verdicts"] if v["area"] == "South" and v["flag"] == "all"
    )
    recent = [c["period"] for c in south["chart"] if c["recent"]]
    assert recent == [f"2024-0{m}-01" for m in range(1, 7)]
    assert not south["verdict"].startswith("significant")
    assert any("2024-07-01 to 2024-12-01" in n for n in out["notes"])


def _load_census_2021_by_area(store: Store, tmp_path: Path) -> None:
    """Load a 2021 census by local authority (no LSOA rows) for areas Alpha, Beta."""
    newer = tmp_path / "census-2021-by-la.csv"
    newer.write_text(
        "area,population,year,ethnicity\n"
        "Alpha,1800,2021,White\nAlpha,150,2021,Black\n"
        "Beta,1600,2021,White\nBeta,250,2021,Black\n",
        encoding="utf-8",
    )
    _invoke(store, "ingest", "population", str(newer))


def test_equality_says_a_newer_census_is_loaded_than_the_one_it_used(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The default census is the latest taken by the first day counted; per-LSOA
    rates need the latest with LSOA rows (2011 here), beside the 2021 census by
    local authority: South Yorkshire's 2019-2021 searches gave Black/White 2.87
    against 2011 and 2.15 against 2021 with no word of it (found by an independent
    recomputation); a note says so and how to choose."""
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    _load_census_2021_by_area(sqlite_store, tmp_path)
    args = ["analyse", "equality", "--force", "test-force", "--json"]
    lsoa = ["--areas", "Alpha,Beta", "--area-level", "lsoa"]
    out = json.loads(_invoke(sqlite_store, *args, *lsoa))
    assert out["population_year"] == 2011
    (note,) = [n for n in out["notes"] if "--population-year 2021" in n]
    assert "the latest with ethnic groups by LSOA (per-LSOA rates)" in note
    chosen = json.loads(
        _invoke(sqlite_store, *args, *lsoa, "--population-year", "2021")
    )
    assert chosen["population_year"] == 2021
    assert not any("--population-year 2021" in n for n in chosen["notes"])


def test_equality_sets_recent_searches_against_the_census_of_their_time(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Searches of 2024 against the 2021 census when it is loaded, not the 2011
    one because it has LSOA rows: the Met's September 2024 searches (police.uk
    API) gave Black/White 3.13 and Asian/White 1.06 against the 2011 census, 13
    years old, where 2021's gives 2.77 and 0.86; the board pack, which has no
    --population-year, could not choose."""
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    _load_census_2021_by_area(sqlite_store, tmp_path)
    args = ["analyse", "equality", "--force", "test-force", "--json"]
    out = json.loads(_invoke(sqlite_store, *args, "--areas", "Alpha,Beta"))
    assert out["population_year"] == 2021  # the stops are of 2024
    assert not any("--population-year" in n for n in out["notes"])
    older = json.loads(
        _invoke(
            sqlite_store, *args, "--areas", "Alpha,Beta", "--population-year", "2011"
        )
    )
    assert older["population_year"] == 2011
    assert older["force"]["rates"] != out["force"]["rates"]


def test_performance_all_incidents_categories_add_up_to_the_total(
    sqlite_store: Store,
) -> None:
    """With --all-incidents on a classified store, the incidents outside the
    definition were in the total but in no category series (Toronto's burglaries,
    vehicle and other thefts: the total's 'significant_increase' with no category
    showing where); they count under their police.uk crime type, as unclassified."""
    frame = _incidents()
    other = frame.filter(pl.col("crime_type") == "Robbery").with_columns(
        pl.lit("Burglary").alias("crime_type"),
        pl.format("b{}", pl.int_range(pl.len())).alias("incident_id"),
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", pl.concat([frame, other]))
    _invoke(sqlite_store, "classify")
    out = json.loads(_performance(sqlite_store, *WINDOWS, "--all-incidents", "--json"))
    north = [v for v in out["verdicts"] if v["area"] == "North" and v["flag"] == "all"]
    total = next(v for v in north if v["category"] == "all")
    parts = [v for v in north if v["category"] != "all"]
    assert "Burglary" in {v["category"] for v in parts}
    assert sum(v["baseline_count"] for v in parts) == total["baseline_count"]
    assert sum(v["recent_count"] for v in parts) == total["recent_count"]


@pytest.mark.parametrize(
    ("keep", "left_out", "said"),
    [
        (pl.col("occurred_from") < dt.datetime(2024, 12, 15), "2024-12-01", "end on"),
        (pl.col("occurred_from") >= dt.datetime(2022, 1, 20), "2022-01-01", "start on"),
    ],
)
def test_performance_leaves_out_a_month_the_data_cover_in_part(
    sqlite_store: Store, keep: pl.Expr, left_out: str, said: str
) -> None:
    """Data ending on 14 December (a store loaded mid-month) or starting on
    20 January counted that part month as a whole one: Toronto's violence in 2019
    against 2017-18 went from a significant increase (rate ratio 1.04, p 0.0499)
    to no significant change (0.998, p 0.96) with its data cut at 15 December, and
    to 1.06 (p 0.31) with them starting on 20 January 2017, with no note. The
    month is now left out of every series, with a note naming it."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents().filter(keep))
    out = json.loads(_performance(sqlite_store, "--no-categories", *WINDOWS, "--json"))
    for v in out["verdicts"]:
        assert left_out not in [c["period"] for c in v["chart"]], v["area"]
    note = next(n for n in out["notes"] if said in n)
    assert left_out in note


def test_weekly_performance_leaves_out_month_only_records(
    sqlite_store: Store,
) -> None:
    """data.police.uk records say only their month (occurred_from = the 1st): weekly
    series put a whole month in the week of the 1st and called the other weeks
    "no data". They are left out of weekly series with a note, and a store of
    month-only records is refused with the way out (``--unit month``)."""
    months = _incidents().with_columns(pl.lit("month").alias("time_precision"))
    with sqlite_store.transaction() as tx:
        tx.append("incidents", months)
    args = ("--unit", "week", "--no-categories", "--baseline-from", "2022-01-03")
    windows = ("--baseline-to", "2023-12-31", "--from", "2024-01-01")
    out = _cli_error(
        sqlite_store, "analyse", "performance", *args, *windows, "--to", "2024-06-30"
    )
    assert "--unit month" in out
    exact = _incidents(seed=1).with_columns(
        pl.format("e{}", pl.int_range(pl.len())).alias("incident_id")
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", exact)
    out_json = json.loads(
        _performance(sqlite_store, *args, *windows, "--to", "2024-06-30", "--json")
    )
    assert any("month-only" in n for n in out_json["notes"])
    total = sum(
        c["count"]
        for v in out_json["verdicts"]
        if v["flag"] == "all"
        for c in v["chart"]
    )
    in_window = exact.filter(
        (pl.col("occurred_from") >= dt.datetime(2022, 1, 3))
        & (pl.col("occurred_from") < dt.datetime(2024, 7, 1))
    ).height
    assert total == in_window


def test_performance_keeps_the_last_month_of_month_only_table_data(
    sqlite_store: Store,
) -> None:
    """Incidents of a table loaded with ``time_precision = 'month'`` (dated the
    first of their month, no ``occurred_to``): their last month, December 2024,
    was left out as 'only partly covered' (the data 'end on 2024-12-01')."""
    monthly = _incidents().with_columns(
        pl.col("occurred_from").dt.truncate("1mo"),
        pl.lit("month").alias("time_precision"),
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", monthly)
    out = json.loads(_performance(sqlite_store, "--no-categories", *WINDOWS, "--json"))
    assert not [n for n in out["notes"] if "partly covered" in n]
    for v in out["verdicts"]:
        assert "2024-12-01" in [c["period"] for c in v["chart"]], v["area"]


def test_weekly_performance_does_not_read_month_only_weeks_as_a_fall(
    sqlite_store: Store,
) -> None:
    """Records with times to the end of 2023, then data.police.uk's month-only
    records: weekly series leave the month-only records out, but the weeks of their
    1sts still counted as covered by data, at 0, and a fall to zero read as a
    "significant sustained reduction". A week covered only by month-only records
    is no data in a weekly series."""
    every = _incidents()
    exact = every.filter(pl.col("occurred_from") < dt.datetime(2024, 1, 1))
    months = every.filter(pl.col("occurred_from") >= dt.datetime(2024, 1, 1))
    months = months.with_columns(
        pl.col("occurred_from").dt.truncate("1mo"),
        pl.lit("month").alias("time_precision"),
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", exact)
        tx.append("incidents", months)
    args = ("--unit", "week", "--no-categories", "--baseline-from", "2022-01-03")
    windows = ("--baseline-to", "2023-12-31", "--from", "2024-01-01")
    out = json.loads(
        _performance(sqlite_store, *args, *windows, "--to", "2024-06-30", "--json")
    )
    for v in out["verdicts"]:
        assert not v["verdict"].startswith("significant"), v
        recent = [c for c in v["chart"] if c["recent"]]
        assert not recent, v["area"]


def test_equality_says_the_residents_by_age_straddle_the_police_ranges(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The London mid-2020 LSOA populations give ONS broad bands (0-15, 16-29,
    30-44, 45-64, 65+): the Met's searches by age had no rates and the note said
    "No residents by single year of age (or police age range)", as if none were
    loaded; it now names the bands that straddle the police ranges."""
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    bands = tmp_path / "mid-2020-bands.csv"
    rows = ["area,year,sex,age_band,ethnicity,population"]
    for area in ("Alpha", "Beta"):
        for band, n in (("0-15", 300), ("16-29", 400), ("30-44", 500), ("45+", 800)):
            rows.append(f"{area},2020,all,{band},all,{n}")
    bands.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _invoke(sqlite_store, "ingest", "population", str(bands))
    args = ["analyse", "equality", "--force", "test-force", "--json"]
    out = json.loads(_invoke(sqlite_store, *args, "--areas", "Alpha,Beta"))
    (note,) = [n for n in out["notes"] if "straddle the police age ranges" in n]
    assert "(0-15, 16-29, 30-44;" in note
    assert not any(
        n.startswith("No residents by single year of age") for n in out["notes"]
    )


@pytest.mark.parametrize("areas", [(), ("--areas", "Alpha,Beta")])
def test_equality_says_a_population_year_has_no_ethnic_groups(
    sqlite_store: Store, tmp_path: Path, areas: tuple[str, ...]
) -> None:
    """The Met against the London mid-2020 populations (by sex and age only): the
    error said "No 2020 census ethnic-group residents for" 30 of London's 33 areas,
    those of the force area inferred from where the stops fall, as if the other
    three had them. It now says the year has no ethnic groups at all, and which
    years have them."""
    _census_and_stops(sqlite_store, tmp_path, outcomes=False)
    bands = tmp_path / "mid-2020-bands.csv"
    rows = ["area,year,sex,age_band,ethnicity,population"]
    for area in ("Alpha", "Beta"):
        rows.append(f"{area},2020,all,all,all,2000")
    bands.write_text("\n".join(rows) + "\n", encoding="utf-8")
    _invoke(sqlite_store, "ingest", "population", str(bands))
    res = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "equality",
            "--force",
            "test-force",
            "--population-year",
            "2020",
            *areas,
        ],
    )
    assert res.exit_code == 1
    text = " ".join(str(res.exception).split())
    assert text.startswith("The 2020 populations loaded give no ethnic groups"), text
    assert "--population-year (the Equality page's Census year: 2011)" in text
    assert "ethnic-group residents for" not in text
    # a year not loaded at all says so
    res = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "equality",
            "--population-year",
            "2019",
        ],
    )
    assert "No 2019 populations are loaded" in " ".join(str(res.exception).split())


def test_equality_window_ends_with_the_last_search_in_its_last_month(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Stops that end part way through the month chosen printed the window to its
    last day (the demo: "searches 2025-12-01 to 2026-11-30" of stops ending on 24
    November), as if the whole month were counted; the window ends with the last
    search now, with a note. A month without searches is not cut (its note says)."""
    from avert.report.render import render_html
    from avert.workflows.board import board_statistics, run_equality

    _census_and_stops(sqlite_store, tmp_path, outcomes=False)  # 3 Jan - 3 Jun 2024
    half = run_equality(
        sqlite_store, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 6, 30)
    )
    assert half.window == (dt.date(2024, 1, 1), dt.date(2024, 6, 3))
    assert any(
        "end on 2024-06-03, 27 days before the end of June 2024" in n
        for n in half.notes
    ), half.notes
    stats = board_statistics(sqlite_store, end=dt.date(2024, 6, 30), performance=False)
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert "Test Force 2023-07-01 to 2024-06-03 (the store" in html, html[:600]
    assert "to 2024-06-30" not in html
    year = run_equality(
        sqlite_store, date_from=dt.date(2024, 1, 1), date_to=dt.date(2024, 12, 31)
    )
    assert year.window == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
