"""The board's equality section says, beside its figures, when residents are not
the people searched.

City of London Police, January 2019 (data.police.uk): the board pack's page 2 showed
"Black 93.3 per 1,000, ratio 11.04" under the heading and charts; that the City has
7,375 residents and many times more people by day, so its rates per resident are not
comparable, came two pages later, the fifth of the EIA's notes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.report.render import render_html
from avert.store import Store
from avert.workflows.board import board_statistics


def _city(store: Store, tmp_path: Path) -> None:
    utla = tmp_path / "utla-2021.csv"
    utla.write_text(
        "area,area_name,ethnicity,population\n"
        "E09000001,City of London,White,5955\nE09000001,City of London,Black,233\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        [
            "--db",
            store.url.sqlalchemy,
            "ingest",
            "population",
            str(utla),
            "--area-type",
            "utla",
        ],
    )
    assert res.exit_code == 0, res.output
    n = 40
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["t"] * n,
            "force": ["city-of-london"] * n,
            "occurred_at": [dt.datetime(2019, 1, 3)] * n,
            "lat": [51.515] * n,
            "lon": [-0.09] * n,
            "ethnicity": ["White" if i % 4 else "Black" for i in range(n)],
        }
    )
    with store.transaction() as tx:
        tx.append("stops", stops)


def test_the_few_residents_caveat_stands_beside_the_rates(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _city(sqlite_store, tmp_path)
    stats = board_statistics(sqlite_store, end=dt.date(2019, 1, 31), performance=False)
    eq = stats["equality"]
    assert eq["available"], eq["note"]
    assert [c for c in eq["caveats"] if "6,188 residents (2021 census)" in c]
    assert not [n for n in eq["notes"] if "6,188 residents" in n]  # said once
    html = render_html("_board_equality.html", stats=stats)
    caveat = html.index("6,188 residents")
    assert caveat < html.index('<table class="rates')
    assert caveat < html.index("<figure")


def test_the_board_names_the_force_not_its_police_uk_id(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The pack and the Equality page read "Searches by city-of-london" (the id of
    data.police.uk's files): they name City of London Police; the JSON keeps the id."""
    _city(sqlite_store, tmp_path)
    stats = board_statistics(sqlite_store, end=dt.date(2019, 1, 31), performance=False)
    eq = stats["equality"]
    assert eq["forces"] == ["city-of-london"]
    assert eq["force_names"] == ["City of London Police"]
    html = render_html("_board_equality.html", stats=stats)
    assert "Searches by City of London Police" in html
    assert "city-of-london" not in html
    assert any("of City of London Police's police force" in n for n in eq["notes"])


def test_a_force_not_listed_is_named_from_its_id() -> None:
    from avert.workflows.equality import force_name

    assert force_name("metropolitan") == "Metropolitan Police Service"
    assert force_name("south-yorkshire") == "South Yorkshire Police"
    assert force_name("btp") == "British Transport Police"
    assert force_name("isle-of-man") == "Isle Of Man"
    assert force_name("Toronto Police Service") == "Toronto Police Service"


def test_every_force_area_has_its_force_name() -> None:
    """The force areas and the names are two shipped lists: the same forces."""
    from avert.areas import _force_names
    from avert.workflows.equality import _police_force_areas

    areas = set(_police_force_areas()["force"].to_list())
    assert len(areas) == 43
    assert areas <= set(_force_names())


def test_performance_rates_per_resident_carry_the_caveat(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Performance by borough gave the City of London's crimes per 1,000 residents
    (8,600 of them) with no word that many times more people are there by day."""
    _city(sqlite_store, tmp_path)
    totals = tmp_path / "utla-totals.csv"
    totals.write_text(
        "area,area_name,population\nE09000001,City of London,8600\n", encoding="utf-8"
    )
    res = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "ingest",
            "population",
            str(totals),
            "--area-type",
            "utla",
            "--year",
            "2021",
        ],
    )
    assert res.exit_code == 0, res.output
    months = [dt.datetime(2023 + m // 12, 1 + m % 12, 5) for m in range(24)]
    n = len(months) * 3
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n)],
            "source": ["t"] * n,
            "occurred_from": [months[i // 3] for i in range(n)],
            "time_precision": ["exact"] * n,
            "crime_type": ["Robbery"] * n,
            "borough": ["City of London"] * n,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    stats = board_statistics(
        sqlite_store, end=dt.date(2024, 12, 31), by="borough", equality=False
    )
    perf = stats["performance"]
    assert perf["available"], perf["note"]
    assert any(r["recent_rate_per_1000"] for r in perf["series"])
    (caveat,) = perf["caveats"]
    assert caveat.startswith("The City of London has 8,600 residents")
    assert caveat not in perf["notes"]  # said once, beside the rates
    html = render_html("_board_performance.html", stats=stats)
    assert html.index("8,600 residents") < html.index('<table class="verdicts')


def test_the_rates_say_they_are_per_resident_of_all_ages(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The pack read "a group's rate per 1,000 residents": residents of all ages,
    as GOV.UK's measure, not of the ages searched; a reader could not tell, nor that
    the groups' age profiles are not allowed for."""
    _city(sqlite_store, tmp_path)
    stats = board_statistics(sqlite_store, end=dt.date(2019, 1, 31), performance=False)
    html = " ".join(render_html("_board_equality.html", stats=stats).split())
    assert "per 1,000 residents of all ages" in html
    assert "not standardised for age" in html
