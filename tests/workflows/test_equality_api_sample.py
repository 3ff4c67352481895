"""The Met's police.uk API sample (September 2024) against the 2021 census, every
figure recomputed from the raw files with polars and statsmodels (marked by the
shared data it needs: skipped with a reason without ../shared/data).

Also a revised download of a real month: the Met's 2018-03 file with three outcomes
revised and one search added loads four new stops and says three may count twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import math
import shutil
from pathlib import Path

import polars as pl
import pytest
from scipy import stats

from avert.store import Store
from avert.workflows.board import board_statistics, load_population, run_equality
from avert.workflows.load import load_files

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_data(*parts: str) -> Path:
    """A path under ../shared/data; the test is skipped, saying why, without it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/data is absent ({path} not found): real-data test")
    return path


_GROUPS = {  # the 2021 census's 8 categories by code
    1: "Asian",
    2: "Black",
    3: "Mixed",
    4: "White",
    5: "White",
    6: "White",
    7: "Other",
}


def _prefix_group(value: str | None) -> str | None:
    if not value or value.startswith("Other ethnic group - Not stated"):
        return None
    for prefix in ("White", "Black", "Asian", "Mixed", "Other"):
        if value.startswith(prefix):
            return prefix
    return None


def test_api_sample_figures_agree_with_an_independent_reading(
    sqlite_store: Store,
) -> None:
    api = shared_data("police-uk-api-stop-and-search-metropolitan-2024-09")
    census = shared_data(
        "census-2021-ethnicity-upper-tier-la-england-wales",
        "census-2021-ethnic-group-8cat-utla.csv",
    )
    from statsmodels.stats.proportion import (
        confint_proportions_2indep,
        proportion_confint,
    )

    load_files(sqlite_store, [api])
    load_population(sqlite_store, [census])
    got = run_equality(sqlite_store)
    records = json.loads(
        (api / "2024-09-metropolitan-stops-force.json").read_text(encoding="utf-8")
    )
    searches: dict[str | None, int] = {}
    for r in records:
        g = _prefix_group(r["self_defined_ethnicity"])
        searches[g] = searches.get(g, 0) + 1
    people = pl.read_csv(census)
    people.columns = ["code", "name", "group_code", "group", "n"]
    assert len(got.force_areas) == 32  # the Met's area: the 32 boroughs
    # the London boroughs by code (the file spells Wandsworth "W&sworth"), not the
    # City of London (E09000001), which has its own force
    boroughs = [f"E09{n:06d}" for n in range(2, 34)]
    residents = (
        people.filter(pl.col("code").is_in(boroughs) & (pl.col("group_code") > 0))
        .with_columns(pl.col("group_code").replace_strict(_GROUPS).alias("g"))
        .group_by("g")
        .agg(pl.col("n").sum())
    )
    pop = dict(residents.iter_rows())
    rows = {r["group"]: r for r in got.force.frame.to_dicts()}
    c, n2 = searches["White"], pop["White"]
    for group in ("Asian", "Black", "Mixed"):
        a, n1 = searches[group], pop[group]
        row = rows[group]
        assert (row["searches"], row["residents"]) == (a, n1)
        assert row["rate_per_1000"] == pytest.approx(1000 * a / n1, rel=1e-12)
        assert row["ratio_to_white"] == pytest.approx((a / n1) / (c / n2), rel=1e-12)
        low, high = confint_proportions_2indep(
            a, n1, c, n2, method="log", compare="ratio"
        )
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high), rel=1e-9)
        p = stats.beta.ppf(0.025, a, c + 1)
        assert row["exact_ci_low"] == pytest.approx(p / (1 - p) * n2 / n1, rel=1e-9)
    black = rows["Black"]
    assert (round(black["ratio_to_white"], 2), round(black["ci_low"], 2)) == (
        2.77,
        2.56,
    )
    assert math.isclose(black["ci_high"], 3.00, abs_tol=0.005)
    # arrests and their Wilson intervals; no outcome linked to its object
    for out in got.force.outcomes.to_dicts():
        mine = [
            r
            for r in records
            if _prefix_group(r["self_defined_ethnicity"]) == out["group"]
        ]
        arrests = sum("arrest" in (r["outcome"] or "").lower() for r in mine)
        assert (out["searches"], out["arrests"], out["finds"]) == (
            len(mine),
            arrests,
            0,
        )
        assert (out["arrest_ci_low"], out["arrest_ci_high"]) == pytest.approx(
            proportion_confint(arrests, len(mine), method="wilson"), rel=1e-9
        )
    # every stop is of September in London time (6 are of 31 August in UTC)
    assert got.months_with_stops == 1
    assert sum(r["datetime"].startswith("2024-08-31T23") for r in records) == 6
    assert int(got.force.frame["searches"].sum()) == len(records)
    # the board pack does not give find rates the source does not record
    eq = board_statistics(sqlite_store, end=dt.date(2024, 9, 30))["equality"]
    assert eq["finds_recorded"] is False


def test_a_revised_real_month_says_its_revised_stops(
    sqlite_store: Store, tmp_path: Path
) -> None:
    month = shared_data(
        "police-uk-stop-and-search-london-2018-h1",
        "2018-03-metropolitan-stop-and-search.csv",
    )
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(month, first / month.name)
    with month.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    changed = 0
    for row in rows[1:]:
        if row[12] == "A no further action disposal" and changed < 3:
            row[12], changed = "Arrest", changed + 1
    rows.append([*rows[5][:1], "2018-03-31T22:00:00+00:00", *rows[5][2:]])
    later = tmp_path / "later"
    later.mkdir()
    with (later / month.name).open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    assert load_files(sqlite_store, [first / month.name]).loaded == 10_866
    again = load_files(sqlite_store, [later / month.name])
    assert (again.loaded, again.duplicates) == (4, 10_863)
    note = again.files[0].note or ""
    assert note.startswith("3 stops stored from an earlier file named "), note
    assert "up to 3 searches may now count twice" in note
