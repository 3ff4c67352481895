"""Searches by sex end to end: the store's stops and residents by sex in, the
equality result, the CLI (table and JSON), the board pack's and the Equality page's
section out, with figures worked by hand."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store
from avert.workflows.board import board_statistics
from avert.workflows.equality import run_equality

Z = 1.959963984540054
#: 60 searches: 40 of men, 15 of women, 3 Other, 2 with no sex recorded
SEXES = ["M"] * 40 + ["F"] * 15 + ["X"] * 3 + [None] * 2


def _invoke(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _stocked(store: Store, tmp_path: Path, *, by_sex: bool = True) -> None:
    """Census 2011 of three LSOAs in two areas, residents by sex (2,000 men and
    2,000 women), centroids and the 60 searches of 2024."""
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
    if by_sex:
        sexes = tmp_path / "sex-2011.csv"
        sexes.write_text(
            "area,area_type,parent_area,sex,population\n"
            "E1,lsoa,Alpha,M,490\nE1,lsoa,Alpha,F,510\n"
            "E2,lsoa,Alpha,M,510\nE2,lsoa,Alpha,F,490\n"
            "E3,lsoa,Beta,M,1000\nE3,lsoa,Beta,F,1000\n",
            encoding="utf-8",
        )
        _invoke(store, "ingest", "population", str(sexes))
    n = len(SEXES)
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["t"] * n,
            "force": ["test-force"] * n,
            "occurred_at": [dt.datetime(2024, 1 + i % 6, 3) for i in range(n)],
            "lat": [53.001 if i % 3 else 53.499 for i in range(n)],
            "lon": [-1.0 if i % 3 else -1.5 for i in range(n)],
            "ethnicity": ["Black" if i % 2 else "White" for i in range(n)],
            "sex": pl.Series(SEXES, dtype=pl.String),
        }
    )
    with store.transaction() as tx:
        tx.append("stops", stops)


def _male_by_hand() -> tuple[float, float, float]:
    """40 of 2,000 men (20 per 1,000) against 15 of 2,000 women (7.5): ratio
    2.667, Katz se = sqrt(1/40 - 1/2000 + 1/15 - 1/2000) = 0.30111."""
    ratio = (40 / 2000) / (15 / 2000)
    se = math.sqrt(1 / 40 - 1 / 2000 + 1 / 15 - 1 / 2000)
    return ratio, ratio * math.exp(-Z * se), ratio * math.exp(Z * se)


def test_run_equality_gives_searches_by_sex_against_residents(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _stocked(sqlite_store, tmp_path)
    result = run_equality(sqlite_store, areas=["Alpha", "Beta"])
    rows = {
        r["sex"]: r
        for r in result.force.by_sex.filter(pl.col("group") == "all").to_dicts()
    }
    assert list(rows) == ["Male", "Female", "Other", "not recorded"]
    male, female = rows["Male"], rows["Female"]
    assert (male["searches"], female["searches"]) == (40, 15)
    assert (rows["Other"]["searches"], rows["not recorded"]["searches"]) == (3, 2)
    assert male["share_of_group"] == pytest.approx(40 / 60)
    assert male["residents_of_sex"] == female["residents_of_sex"] == 2000
    assert male["rate_per_1000_of_sex"] == pytest.approx(20.0)
    assert female["rate_per_1000_of_sex"] == pytest.approx(7.5)
    ratio, low, high = _male_by_hand()
    assert male["ratio_to_other_sex"] == pytest.approx(ratio)
    assert (male["ci_low"], male["ci_high"]) == (
        pytest.approx(low),
        pytest.approx(high),
    )
    assert (low, high) == (
        pytest.approx(1.4780, abs=1e-4),
        pytest.approx(4.8114, abs=1e-4),
    )
    assert male["significantly_above_1"]
    assert not any("No residents by sex" in n for n in result.notes)
    as_json = result.to_dict()["force"]["by_sex"]
    assert {r["sex"] for r in as_json} == set(rows)


def test_without_residents_by_sex_the_result_says_so(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _stocked(sqlite_store, tmp_path, by_sex=False)
    result = run_equality(sqlite_store, areas=["Alpha", "Beta"])
    assert "rate_per_1000_of_sex" not in result.force.by_sex.columns
    assert any(
        n.startswith("No residents by sex for the force area") for n in result.notes
    )


def test_cli_prints_and_writes_searches_by_sex(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _stocked(sqlite_store, tmp_path)
    table = _invoke(sqlite_store, "analyse", "equality", "--areas", "Alpha,Beta")
    assert "Searches by sex" in table
    line = next(x for x in table.splitlines() if "Male" in x and "2,000" in x)
    assert "2.67" in line
    assert "1.48-4.81" in line
    # its flag beside the interval, as the rates by group's (it had none), where
    # the terminal has room (left out before the interval where it has not)
    wide = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "equality",
            "--areas",
            "Alpha,Beta",
        ],
        env={"COLUMNS": "200"},
    )
    male = next(x for x in wide.output.splitlines() if "Male" in x and "2,000" in x)
    assert male.rstrip(" │").endswith("1.48-4.81 │ yes"), male
    data = json.loads(
        _invoke(sqlite_store, "analyse", "equality", "--areas", "Alpha,Beta", "--json")
    )
    male = next(
        r for r in data["force"]["by_sex"] if r["sex"] == "Male" and r["group"] == "all"
    )
    assert male["ratio_to_other_sex"] == pytest.approx(_male_by_hand()[0])


def test_board_section_shows_searches_by_sex(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The board pack's and the Equality page's section (one template)."""
    from avert.report.render import render_html

    _stocked(sqlite_store, tmp_path)
    stats = board_statistics(
        sqlite_store, end=dt.date(2024, 12, 31), areas=["Alpha", "Beta"]
    )
    html = render_html("_board_equality.html", stats=stats)
    table = html[html.index('<table class="by-sex') :]
    # each cell's column, for a phone (``data-label``), left out
    table = re.sub(r' data-label="[^"]*"', "", table[: table.index("</table>")])
    assert "<th>Ratio to the other sex (95 % CI)</th>" in table
    male = table[table.index("<td>Male</td>") :]
    male = male[: male.index("</tr>")]
    assert "<td>40</td>" in male
    assert "<td>2,000</td>" in male
    assert "2.67 (1.48 to 4.81)" in male
    assert "67 %" in male
    other = table[table.index("<td>Other</td>") :]
    assert "<td>–</td>" in other[: other.index("</tr>")]


def test_equality_page_shows_searches_by_sex(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from avert.config.settings import load_settings
    from avert.web import create_app
    from avert.workflows.users import add_user
    from web.helpers import PASSWORD, SECRET, signed_in

    _stocked(sqlite_store, tmp_path)
    # an analyst: the store's searches are a force's own records, which the
    # board reads by years ending 31 March (tests/workflows/test_equality_differencing.py),
    # and these six months of 2024 fall in two of them
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy, secret_key=SECRET
    )
    client = signed_in(create_app(settings, sqlite_store), "analyst")
    page = client.get("/equality?month=2024-12&areas=Alpha,+Beta")
    assert page.status_code == 200, page.text[:500]
    table = page.text[page.text.index('<table class="by-sex') :]
    assert "2.67 (1.48 to 4.81)" in table[: table.index("</table>")]
