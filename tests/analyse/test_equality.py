"""Equality: rates, ratios and intervals recomputed by hand; synthetic city recovery."""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from avert.analyse.equality import (
    GROUPS,
    EqualityResult,
    equality_impact_summary,
    exact_ratio_low,
    legislation_group,
    list_make_up,
    place_stops,
    stop_search_equality,
    withhold_force_counts,
)

Z = 1.959963984540054


def _katz(a: float, n1: float, c: float, n2: float) -> tuple[float, float, float]:
    r = (a / n1) / (c / n2)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return r, r * math.exp(-Z * se), r * math.exp(Z * se)


def _stops(groups: list[str | None]) -> pl.DataFrame:
    n = len(groups)
    return pl.DataFrame(
        {
            "ethnicity": groups,
            "occurred_at": [dt.datetime(2024, 1 + i % 3, 1) for i in range(n)],
            "legislation": ["Misuse of Drugs Act 1971 (section 23)"] * n,
            "age_range": ["18-24"] * n,
            "outcome": [
                "Arrest" if i % 4 == 0 else "A no further action disposal"
                for i in range(n)
            ],
            "outcome_linked": [i % 2 == 0 for i in range(n)],
        },
        schema_overrides={"ethnicity": pl.String},
    )


def test_rates_ratio_and_interval_by_hand() -> None:
    groups = (
        ["White"] * 40 + ["Black"] * 30 + ["Asian"] * 10 + [None] * 5 + ["Unknown"] * 5
    )
    residents = pl.DataFrame(
        {
            "group": ["White", "Black", "Asian", "Mixed", "Other"],
            "population": [10_000, 1_500, 2_000, 500, 400],
        }
    )
    res = stop_search_equality(_stops(groups), residents)
    black = res.frame.filter(pl.col("group") == "Black").row(0, named=True)
    r, lo, hi = _katz(30, 1500, 40, 10_000)
    assert black["rate_per_1000"] == pytest.approx(20.0)
    assert black["ratio_to_white"] == pytest.approx(r)
    assert (black["ci_low"], black["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert black["significantly_above_1"]
    white = res.frame.filter(pl.col("group") == "White").row(0, named=True)
    assert white["ratio_to_white"] == pytest.approx(1.0)
    assert white["ci_low"] is None
    mixed = res.frame.filter(pl.col("group") == "Mixed").row(0, named=True)
    assert mixed["searches"] == 0
    assert mixed["ratio_to_white"] is None
    ns = res.not_stated.row(0, named=True)
    assert (ns["not_stated"], ns["searches"]) == (10, 90)
    assert "10 of 90" in res.notes[0]
    out = res.outcomes.filter(pl.col("group") == "White").row(0, named=True)
    # linked outcomes: 10 arrests and 10 no further action, which are no finds
    assert out["find_rate"] == pytest.approx(10 / 40)
    assert out["arrest_rate"] == pytest.approx(10 / 40)
    p, n = 0.25, 40
    centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
    assert out["find_ci_low"] == pytest.approx(centre - half)
    leg = res.by_legislation.filter(
        (pl.col("power") == "Misuse of Drugs Act s.23") & (pl.col("group") == "Black")
    )
    assert leg["ratio_to_white"][0] == pytest.approx(r)
    assert res.trend.filter(pl.col("group") == "Black")["searches"].sum() == 30
    eia = equality_impact_summary(res)
    assert any(f["group"] == "Black" for f in eia["significantly_above_1"])


def test_legislation_groups() -> None:
    frame = pl.DataFrame(
        {
            "legislation": [
                "Police and Criminal Evidence Act 1984 (section 1)",
                "Misuse of Drugs Act 1971 (section 23)",
                "Criminal Justice and Public Order Act 1994 (section 60)",
                "Firearms Act 1968 (section 47)",
                None,
            ]
        }
    )
    assert frame.select(legislation_group().alias("p"))["p"].to_list() == [
        "PACE s.1",
        "Misuse of Drugs Act s.23",
        "s.60",
        "other",
        "not recorded",
    ]


def test_place_stops_nearest_centroid() -> None:
    cents = pl.DataFrame(
        {"area": ["A", "B"], "lat": [53.38, 53.50], "lon": [-1.47, -1.10]}
    )
    stops = pl.DataFrame(
        {"lat": [53.381, 53.49, None, 10.0], "lon": [-1.471, -1.11, None, 10.0]}
    )
    assert place_stops(stops, cents).to_list() == ["A", "B", None, None]


def test_list_make_up_against_pool_and_residents() -> None:
    pool = pl.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(100)],
            "sex": ["M"] * 60 + ["F"] * 40,
            "birth_year": [2004] * 50 + [1980] * 50,
            "ethnicity": ["Black"] * 20 + ["White"] * 70 + [None] * 10,
        }
    )
    listed = [f"p{i}" for i in range(15)] + [
        "p50",
        "p51",
        "p52",
        "p53",
        "p54",
        "nobody",
    ]
    residents = pl.DataFrame(
        {
            "dimension": ["ethnicity"] * 2,
            "category": ["Black", "White"],
            "population": [1000, 9000],
        }
    )
    made = list_make_up(
        listed, pool, at_year=2024, residents=residents, list_name="rfgh"
    )
    eth = made.frame.filter(pl.col("dimension") == "ethnicity")
    black = eth.filter(pl.col("category") == "Black").row(0, named=True)
    r, lo, _hi = _katz(15, 20, 5, 70)
    assert (black["listed"], black["pool"]) == (15, 20)
    assert black["ratio"] == pytest.approx(r)
    assert black["ci_low"] == pytest.approx(lo)
    assert black["significantly_above_1"]
    r2, _, _ = _katz(15, 1000, 5, 9000)
    assert black["ratio_residents"] == pytest.approx(r2)
    assert "unknown" in eth["category"].to_list()
    # 50 and 50: the largest band tied, the first by name is the reference, every run
    assert made.references["age_band"] == "18-24"
    for _ in range(10):
        again = list_make_up(
            listed, pool.sample(fraction=1.0, shuffle=True), at_year=2024
        )
        assert again.references["age_band"] == "18-24"
    assert "1 listed" in made.notes[0]
    eia = equality_impact_summary(None, [made])
    assert any(f["category"] == "Black" for f in eia["significantly_above_1"])


def test_a_make_up_says_why_its_ratios_are_1_or_none() -> None:
    """A board pack review found make-ups reading "1.00 (1.00–1.00)" for
    a list holding its whole pool, and "–" for every ethnicity where no one in the
    pool was White (the reference), with no word why."""
    pool = pl.DataFrame(
        {
            "person_id": ["a", "b", "c"],
            "sex": ["M", "M", "F"],
            "birth_year": [2000, 2000, 1990],
            "ethnicity": ["Black", "Asian", "Black"],
        }
    )
    made = list_make_up(["a", "b", "c"], pool, at_year=2022)
    sex = made.frame.filter(pl.col("dimension") == "sex")
    male = sex.filter(pl.col("category") == "M").row(0, named=True)
    assert (male["ratio"], male["ci_low"], male["ci_high"]) == (1.0, 1.0, 1.0)
    assert any(
        "Every one of the 3 in the pool is listed" in n and "not a finding" in n
        for n in made.notes
    ), made.notes
    assert any(
        n.startswith("No one in the pool is of the reference ethnicity White")
        for n in made.notes
    ), made.notes
    # a list of part of a pool holding its reference says neither
    mixed = pool.with_columns(ethnicity=pl.lit("White"))
    part = list_make_up(["a"], mixed, at_year=2022)
    assert not any("Every one" in n or "No one" in n for n in part.notes), part.notes


def test_list_make_up_rows_run_from_the_youngest_age_band() -> None:
    """Rows were sorted by name: "under 10" came after "over 34" in every make-up
    table (and ``unknown`` is last, as everywhere)."""
    ages = [5, 15, 20, 30, 40, None]
    pool = pl.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(len(ages))],
            "sex": ["M", "F", None, "F", "M", "F"],
            "birth_year": [None if a is None else 2024 - a for a in ages],
            "ethnicity": ["White"] * len(ages),
        }
    )
    made = list_make_up(["p0", "p1"], pool, at_year=2024)
    bands = made.frame.filter(pl.col("dimension") == "age_band")["category"]
    assert bands.to_list() == [
        "under 10",
        "10-17",
        "18-24",
        "25-34",
        "over 34",
        "unknown",
    ]
    sexes = made.frame.filter(pl.col("dimension") == "sex")["category"]
    assert sexes.to_list() == ["F", "M", "unknown"]


@pytest.mark.slow
def test_synthetic_city_planted_ratio_recovered() -> None:
    from avert.synth import CityConfig, make_city

    city = make_city(CityConfig(people=50_000, days=730), seed=0)
    truth = city.truth.fields
    pop = truth["population"]["by_ethnicity"]
    residents = pl.DataFrame({"group": list(pop), "population": list(pop.values())})
    res = stop_search_equality(city.stops, residents)
    for row in res.frame.iter_rows(named=True):
        group = row["group"]
        assert row["ratio_to_white"] == pytest.approx(
            truth["stops"]["realised_ratios"][group]
        )
        if group != "White":
            planted = truth["stops"]["planted_ratios"][group]
            assert row["ci_low"] <= planted <= row["ci_high"], group


# --- South Yorkshire 2019-2021 against the 2011 census, recomputed from the raw CSVs ---
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SY = ("Barnsley", "Doncaster", "Rotherham", "Sheffield")
_TOP = {
    "White": ("WhiteBrit", "Irish", "GypsyTraveller", "OtherWhite"),
    "Black": ("BlkAfrican", "BlkCaribbean", "OtherBlk"),
    "Asian": ("Indian", "Pakistani", "Bangladeshi", "Chinese", "OtherAsian"),
    "Mixed": ("Mixed",),
    "Other": ("Arab", "Other"),
}


@pytest.mark.shared
@pytest.mark.slow
def test_south_yorkshire_against_census_by_hand() -> None:
    from avert.ingest.policeuk import parse_policeuk_parts  # the real ingest of stops
    from avert.ingest.sources import expand_paths

    stops_dir = SHARED / "police-uk-stop-and-search-south-yorkshire-2019-2021"
    census = (
        SHARED
        / "census-2011-ethnicity-lsoa-england-wales"
        / "census-2011-ethnic-group-lsoa.csv"
    )
    if not stops_dir.exists() or not census.exists():
        pytest.skip("../shared/data is absent")
    # independent: plain csv module, prefixes of the self-defined ethnicity text
    searches: Counter[str] = Counter()
    for path in sorted(stops_dir.glob("*.csv")):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                text = row["Self-defined ethnicity"]
                group = next(
                    (
                        g
                        for g in ("White", "Black", "Asian", "Mixed")
                        if text.startswith(g)
                    ),
                    None,
                )
                if (
                    group is None
                    and text.startswith("Other ethnic group")
                    and "Not stated" not in text
                ):
                    group = "Other"
                if group is None and row["Type"] == "Vehicle search":
                    group = "vehicle only"  # no person searched
                searches[group or "not stated"] += 1
    residents: Counter[str] = Counter()
    with census.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["lad_name"] in SY:
                for group, cols in _TOP.items():
                    residents[group] += sum(int(row[c]) for c in cols)
    # avert: the real parser and the analysis
    files, _ = expand_paths([stops_dir])
    frames = [
        p.frames["stops"]
        for f in files
        for p in parse_policeuk_parts(f, crs="EPSG:27700")
    ]
    stops = pl.concat(frames, how="diagonal_relaxed")
    res = stop_search_equality(
        stops,
        pl.DataFrame(
            {"group": list(residents), "population": list(residents.values())}
        ),
    )
    for row in res.frame.iter_rows(named=True):
        g = row["group"]
        assert row["searches"] == searches[g]
        assert row["residents"] == residents[g]
        assert row["rate_per_1000"] == pytest.approx(searches[g] / residents[g] * 1000)
        if g != "White":
            r, lo, hi = _katz(
                searches[g], residents[g], searches["White"], residents["White"]
            )
            assert row["ratio_to_white"] == pytest.approx(r)
            assert (row["ci_low"], row["ci_high"]) == (
                pytest.approx(lo),
                pytest.approx(hi),
            )
    assert res.not_stated["not_stated"][0] == searches["not stated"] == 8_600
    assert res.not_stated["vehicle_only"][0] == searches["vehicle only"] == 5_093


def test_police_age_residents_rebands_single_years_only() -> None:
    from avert.analyse.denominators import police_age_residents

    single = pl.DataFrame(
        {
            "area": ["K"] * 4,
            "area_name": ["E&W"] * 4,
            "parent_area": [""] * 4,
            "year": [2021] * 4,
            "sex": ["F", "M", "F", "M"],
            "age_band": ["17-17", "17-17", "18-18", "90+"],
            "ethnicity": ["all"] * 4,
            "population": [10, 12, 7, 3],
        }
    )
    got = police_age_residents(single, ["K"])
    assert dict(zip(got["age_range"], got["population"], strict=True)) == {
        "10-17": 22,
        "18-24": 7,
        "over 34": 3,
    }
    broad = single.with_columns(pl.lit("16-29").alias("age_band"))
    assert police_age_residents(broad, ["K"]).height == 0


def test_by_age_rates_with_age_residents() -> None:
    stops = _stops(["White"] * 10)
    ages = pl.DataFrame({"age_range": ["18-24"], "population": [2000]})
    res = stop_search_equality(
        stops,
        pl.DataFrame({"group": ["White"], "population": [10_000]}),
        age_residents=ages,
    )
    row = res.by_age.filter(pl.col("group") == "all").row(0, named=True)
    assert row["searches"] == 10
    assert row["rate_per_1000_of_band"] == pytest.approx(10 / 2000 * 1000)
    assert (
        res.by_age.filter(pl.col("group") == "White")["rate_per_1000_of_band"][0]
        is None
    )


def test_residents_by_dimension_feed_the_list_make_up() -> None:
    from avert.analyse.denominators import residents_by_dimension

    rows = [
        ("all", "all", "all", 1000),
        ("M", "all", "all", 480),
        ("F", "all", "all", 520),
        ("all", "18-24", "all", 100),
        ("all", "25-34", "all", 150),
        ("all", "all", "White", 800),
        ("all", "all", "Black", 200),
    ]
    pops = pl.DataFrame(
        {
            "area": ["E1"] * len(rows),
            "year": [2021] * len(rows),
            "sex": [r[0] for r in rows],
            "age_band": [r[1] for r in rows],
            "ethnicity": [r[2] for r in rows],
            "population": [r[3] for r in rows],
            "area_name": ["Town"] * len(rows),
            "area_type": ["la"] * len(rows),
            "parent_area": [""] * len(rows),
        }
    )
    got = residents_by_dimension(pops, ["Town"])
    assert {(d, c): p for d, c, p in got.iter_rows()} == {
        ("sex", "M"): 480,
        ("sex", "F"): 520,
        ("age_band", "18-24"): 100,
        ("age_band", "25-34"): 150,
        ("ethnicity", "White"): 800,
        ("ethnicity", "Black"): 200,
    }
    assert residents_by_dimension(pops, ["Elsewhere"]).height == 0
    pool = pl.DataFrame(
        {
            "person_id": ["a", "b", "c", "d"],
            "sex": ["M", "M", "F", "F"],
            "birth_year": [2000, 2000, 1995, 1995],
            "ethnicity": ["Black", "White", "White", "White"],
        }
    )
    made = list_make_up(["a", "b"], pool, at_year=2021, residents=got)
    black = made.frame.filter(pl.col("category") == "Black").row(0, named=True)
    assert black["per_1000_residents"] == pytest.approx(1 / 200 * 1000)


def test_interval_when_searches_outnumber_residents() -> None:
    """Katz's binomial variance turns negative when a group's searches exceed its
    residents (an LSOA of London, 2018 H1: 88 searches of 46 Black residents,
    116 of 863 White); the interval is then that of two Poisson rates, never of
    width zero."""
    residents = pl.DataFrame(
        {"group": ["White", "Black"], "population": [863, 46]},
    )
    res = stop_search_equality(_stops(["White"] * 116 + ["Black"] * 88), residents)
    black = res.frame.filter(pl.col("group") == "Black").row(0, named=True)
    r = (88 / 46) / (116 / 863)
    se = math.sqrt(1 / 88 + 1 / 116)
    assert black["ratio_to_white"] == pytest.approx(r)
    assert black["ci_low"] == pytest.approx(r * math.exp(-Z * se))
    assert black["ci_high"] == pytest.approx(r * math.exp(Z * se))
    assert black["ci_low"] < r < black["ci_high"]


def test_searches_with_no_recorded_power_stay_in_the_table_by_power() -> None:
    stops = _stops(["White"] * 10 + ["Black"] * 6).with_columns(
        pl.when(pl.int_range(pl.len()) % 4 == 0)
        .then(None)
        .otherwise(pl.col("legislation"))
        .alias("legislation")
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [900, 100]})
    res = stop_search_equality(stops, residents)
    by_power = res.by_legislation.group_by("group").agg(pl.col("searches").sum())
    assert dict(by_power.iter_rows()) == {
        "Asian": 0,
        "Black": 6,
        "Mixed": 0,
        "Other": 0,
        "White": 10,
    }
    unrecorded = res.by_legislation.filter(pl.col("power") == "not recorded")
    assert unrecorded["searches"].sum() == 4


def test_wilson_interval_stays_within_zero_and_one() -> None:
    """No find in 493 searches (the Met's Asian group, September 2024): the lower
    end is 0, not -4e-19 (shown "-0 %" on the equality page)."""
    from avert.analyse.equality import wilson

    frame = pl.DataFrame({"k": [0, 0, 7, 5], "n": [493, 1044, 7, 218]})
    _, low, high = wilson(pl.col("k"), pl.col("n"))
    got = frame.select(low.alias("low"), high.alias("high"))
    assert got["low"].min() == 0.0
    assert str(got["low"][0]) == "0.0"  # not -0.0 nor a negative hair
    assert got["high"].max() == 1.0
    assert got["low"][3] > 0


def test_officer_defined_result_says_so() -> None:
    """--officer-defined counted the officer's groups but the note said 6,012 had
    "no recorded self-defined ethnicity" (South Yorkshire has 13,693 of those) and
    the method named the self-defined measure."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White", None, "Black", None],
            "officer_ethnicity": ["White", "White", None, "Black"],
        }
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1_000, 100]})
    officer = stop_search_equality(stops, residents, ethnicity="officer_ethnicity")
    assert officer.notes[0].startswith("1 of 4 searches (25.0%) have no recorded ")
    assert "officer-defined ethnicity" in officer.notes[0]
    assert "by officer-defined ethnic group" in officer.method
    own = stop_search_equality(stops, residents)
    assert own.notes[0].startswith("2 of 4 searches (50.0%) have no recorded self-")
    assert "by self-defined ethnic group" in own.method


def test_officer_defined_eia_and_the_mixed_group_officers_never_record() -> None:
    """With --officer-defined the EIA still said "by self-defined ethnic group", and
    police.uk's officer-defined ethnicity has no Mixed group, so South Yorkshire's
    Mixed residents (20,791) showed 0 searches, 0.0 per 1,000, with no word (found
    by an independent recomputation from the police.uk files)."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White", "Mixed", "Black", None],
            "officer_ethnicity": ["White", "White", "Black", "Black"],
        }
    )
    residents = pl.DataFrame(
        {"group": ["White", "Black", "Mixed"], "population": [1_000, 100, 50]}
    )
    officer = stop_search_equality(stops, residents, ethnicity="officer_ethnicity")
    eia = equality_impact_summary(officer)
    assert "by officer-defined ethnic group" in eia["monitored"][0]
    assert any("no Mixed group" in n for n in officer.notes)
    own = stop_search_equality(stops, residents)
    assert (
        "by self-defined ethnic group" in equality_impact_summary(own)["monitored"][0]
    )
    assert not any("no Mixed group" in n for n in own.notes)


def test_unstated_ethnicity_note_counts_read_with_separators() -> None:
    """The Met's first half of 2018: the note read "10266 of 69568 searches", beside
    "None of the 69,568 searches" in the next note."""
    stops = pl.DataFrame({"ethnicity": ["White"] * 1_500 + [None] * 1_200})
    residents = pl.DataFrame({"group": ["White"], "population": [100_000]})
    result = stop_search_equality(stops, residents)
    assert result.notes[0].startswith("1,200 of 2,700 searches (44.4%) have no "), (
        result.notes[0]
    )


def test_a_no_further_action_outcome_is_never_a_find() -> None:
    """police.uk marks many no-further-action outcomes "linked to the object of
    the search" (West Yorkshire, January 2019: 591 of its 594; BTP 464 of 464),
    though nothing followed: counted as finds, West Yorkshire's find rate read
    72.8 % (737 of 1,012) where 146 searches found what was sought (14.4 %), and
    BTP's 96.3 % where it was 27.6 %. A find is a linked outcome beyond no further
    action."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 8,
            "outcome": [
                "Arrest",
                "Arrest",
                "Community resolution",
                "A no further action disposal",
                "A no further action disposal",
                "Nothing found - no further action",
                None,
                "Arrest",
            ],
            "outcome_linked": [True, False, True, True, True, True, True, None],
        },
        schema_overrides={"outcome_linked": pl.Boolean},
    )
    residents = pl.DataFrame({"group": ["White"], "population": [1_000]})
    out = stop_search_equality(stops, residents).outcomes.row(0, named=True)
    assert (out["searches"], out["finds"], out["arrests"]) == (8, 2, 3)
    assert out["find_rate"] == pytest.approx(2 / 8)
    # linked no-further-action outcomes alone are no finds: with arrests, the
    # source is said not to record the link, and no find rate is given
    only_nfa = stops.with_columns(
        outcome_linked=pl.col("outcome").str.contains("no further action")
    )
    got = stop_search_equality(only_nfa, residents)
    assert got.outcomes["find_rate"].is_null().all()
    said = next(n for n in got.notes if n.startswith("None of the 8 searches has"))
    assert "(true for 3, each of no further action, false for 4, blank for 1)" in said


def test_find_rates_without_any_linked_outcome_are_flagged() -> None:
    """The Met's API sample (September 2024) has 693 arrests and not one outcome
    linked to the object of the search: find rates of 0 % with tight intervals,
    read as "nothing is ever found", with no word that the link is not recorded."""
    n = 50
    stops = pl.DataFrame(
        {
            "ethnicity": ["White", "Black"] * (n // 2),
            "outcome": [
                "Arrest" if i % 5 == 0 else "A no further action disposal"
                for i in range(n)
            ],
            "outcome_linked": [False] * n,
        }
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1_000, 100]})
    got = stop_search_equality(stops, residents)
    assert any(
        "None of the 50 searches has an outcome linked to its object, though 10 "
        "ended in arrest" in note
        for note in got.notes
    )
    said = next(n for n in got.notes if "None of the 50" in n)
    assert "(false for all 50)" in said, said
    # the Met's 2018 CSVs leave it blank: the note says so, not "false"
    blank = stop_search_equality(
        stops.with_columns(outcome_linked=pl.lit(None, dtype=pl.Boolean)), residents
    )
    said = next(n for n in blank.notes if "None of the 50" in n)
    assert "(blank for all 50)" in said, said
    assert "API sample" not in said
    # the find rate is not known (was 0 % with an interval of 0 % to 0.x %)
    assert got.outcomes["find_rate"].is_null().all()
    assert got.outcomes["find_ci_high"].is_null().all()
    assert got.outcomes["arrest_rate"].is_not_null().all()
    found = stops.with_columns(outcome_linked=pl.Series([i == 0 for i in range(n)]))
    assert not any(
        "outcome linked" in note
        for note in stop_search_equality(found, residents).notes
    )
    assert (
        stop_search_equality(found, residents).outcomes["find_rate"].is_not_null().all()
    )


def test_officer_groups_the_source_does_not_record_are_flagged() -> None:
    """West Midlands, January 2019, records the officer's view as Asian or Other
    only: --officer-defined showed White and Black with 0 searches and rates of 0
    (no ratio at all) without a word, where 694 and 244 searched people described
    themselves so."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 30 + ["Black"] * 20 + ["Asian"] * 10,
            "officer_ethnicity": [None] * 50 + ["Asian"] * 8 + ["Other"] * 2,
        },
        schema_overrides={"officer_ethnicity": pl.String},
    )
    residents = pl.DataFrame(
        {"group": list(GROUPS), "population": [10_000, 1_000, 500, 300, 200]}
    )
    got = stop_search_equality(stops, residents, ethnicity="officer_ethnicity")
    assert any(
        "No search has the officer-defined group Black or White, though 20 searched "
        "people described themselves as Black, 30 searched people described "
        "themselves as White"
        in note
        and "no ratio to White" in note
        for note in got.notes
    ), got.notes
    # the self-defined measure has them: no such note
    own = stop_search_equality(stops, residents)
    assert not any("officer-defined group" in note for note in own.notes)


def test_find_rates_with_a_partly_blank_link_are_flagged() -> None:
    """West Midlands, January 2019: 67 of 1,634 searches linked to their object
    (find rate 4.1 %), the link blank for 288 of the 427 that led to an arrest,
    a warning or a fine; a blank counted as no find without a word."""
    outcomes = (
        ["Arrest"] * 20  # 15 with the link blank
        + ["Khat or Cannabis warning"] * 5
        + ["A no further action disposal"] * 25
    )
    linked: list[bool | None] = [None] * 15 + [False] * 5 + [True] * 5 + [None] * 25
    stops = pl.DataFrame(
        {
            "ethnicity": ["White", "Black"] * 25,
            "outcome": outcomes,
            "outcome_linked": linked,
        },
        schema_overrides={"outcome_linked": pl.Boolean},
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1_000, 100]})
    got = stop_search_equality(stops, residents)
    assert int(got.outcomes["finds"].sum()) == 5
    assert any(
        "blank for 15 of the 25 searches with an outcome other than no further "
        "action (60%): a blank counts as no find" in note
        for note in got.notes
    ), got.notes
    # recorded for every search that led to something: no note
    full = stops.with_columns(
        pl.when(pl.col("outcome").str.contains("no further action"))
        .then(None)
        .otherwise(pl.col("outcome_linked").fill_null(value=False))
        .alias("outcome_linked")
    )
    assert not any(
        "blank for" in n for n in stop_search_equality(full, residents).notes
    )


def _one_black_against_18_white() -> EqualityResult:
    """Mendip (Avon & Somerset), January 2019: 1 Black search of 210 Black residents
    (2011), 18 of 107,057 White: ratio 28.3 (``avert analyse equality`` on
    police.uk's file and the 2011 Census by LSOA)."""
    residents = pl.DataFrame(
        {"group": ["White", "Black"], "population": [107_057, 210]},
    )
    stops = _stops(["White"] * 18 + ["Black"]).with_columns(
        pl.lit(dt.datetime(2019, 1, 15)).alias("occurred_at")
    )
    return stop_search_equality(stops, residents)


def test_one_search_is_not_significant_though_katz_lies_above_1() -> None:
    """The Katz interval (3.80-211) lies above 1 on 1 search; the exact conditional
    interval (0.68-179) does not: not flagged, and a note says why."""
    res = _one_black_against_18_white()
    black = res.frame.filter(pl.col("group") == "Black").row(0, named=True)
    _, lo, hi = _katz(1, 210, 18, 107_057)
    assert black["ratio_to_white"] == pytest.approx(28.32, abs=0.01)
    # the documented Katz columns are unchanged
    assert (black["ci_low"], black["ci_high"]) == (pytest.approx(lo), pytest.approx(hi))
    assert black["ci_low"] == pytest.approx(3.80, abs=0.01)
    assert black["exact_ci_low"] == pytest.approx(0.680, abs=0.001)
    assert not black["significantly_above_1"]
    assert res.flagged().height == 0
    assert equality_impact_summary(res)["significantly_above_1"] == []
    # the frame, the power (all s.23) and the month (all January): 3 ratios
    note = next(n for n in res.notes if "Clopper-Pearson" in n)
    assert note.startswith(
        "3 ratios (1 of the rates by group, 1 by power, 1 of single months in the "
        "trend) whose Katz interval lies above 1"
    ), note
    assert res.frame.filter(pl.col("group") == "White")["exact_ci_low"][0] is None


def test_the_note_says_where_the_unflagged_ratios_are() -> None:
    """South Yorkshire's 2019-2021 searches said "5 ratios whose Katz interval lies
    above 1 rest on too few searches ... not flagged" beside a table of ratios all
    flagged: the five were single months of the trend (Other, 13 searches)."""
    from avert.analyse.equality._disproportionality import _withheld_note

    katz_only = pl.DataFrame(
        {"ci_low": [1.05, 1.2], "exact_ci_low": [0.9, 1.1]}
    ).with_columns(significantly_above_1=pl.Series([False, True]))
    none = katz_only.head(0)
    (note,) = _withheld_note(
        [none, none, pl.concat([katz_only] * 5).head(9)],
        "searches",
        ("a", "b", "in months"),
    )
    assert note.startswith("5 ratios (all in months) whose"), note
    (one,) = _withheld_note([katz_only], "people")
    assert one.startswith("1 ratio whose Katz"), one


def test_large_counts_katz_and_exact_agree() -> None:
    """South Yorkshire 2019-2021, Black against White (docs/equality.md): both
    lower ends far above 1, flagged, no note."""
    residents = pl.DataFrame(
        {"group": ["White", "Black"], "population": [1_217_653, 25_752]},
    )
    stops = _stops(["White"] * 27_521 + ["Black"] * 1_671)
    res = stop_search_equality(stops, residents)
    black = res.frame.filter(pl.col("group") == "Black").row(0, named=True)
    assert black["ci_low"] == pytest.approx(2.74, abs=0.01)
    assert black["exact_ci_low"] == pytest.approx(black["ci_low"], rel=0.01)
    assert black["significantly_above_1"]
    assert not any("Clopper-Pearson" in n for n in res.notes)


@pytest.mark.parametrize(
    ("a", "n1", "c", "n2"),
    [(1, 210, 18, 107_057), (7, 1_000, 3, 5_000), (1_671, 25_752, 27_521, 1_217_653)],
)
def test_exact_low_is_the_clopper_pearson_end_mapped_to_the_ratio(
    a: int, n1: int, c: int, n2: int
) -> None:
    """``exact_ci_low`` is scipy's exact binomial interval of a in a + c mapped to
    the ratio, and statsmodels' exact conditional test at it gives p = 0.025."""
    from scipy.stats import binomtest

    got = float(
        exact_ratio_low(np.array([a]), np.array([n1]), np.array([c]), np.array([n2]))[0]
    )
    pi = binomtest(a, a + c).proportion_ci(0.95, method="exact").low
    assert got == pytest.approx(pi / (1 - pi) * n2 / n1, rel=1e-9)
    rates = pytest.importorskip("statsmodels.stats.rates")
    p = rates.test_poisson_2indep(
        a, n1, c, n2, value=got, method="exact-cond", alternative="larger"
    ).pvalue
    assert p == pytest.approx(0.025, rel=1e-6)


def test_list_make_up_of_a_few_people_is_not_flagged_by_katz_alone() -> None:
    """1 of 2 Black people listed against 1 of 60 White: ratio 30, Katz lower end
    2.76, exact conditional lower end below 1."""
    pool = pl.DataFrame(
        {
            "person_id": [f"p{i}" for i in range(62)],
            "sex": ["M"] * 62,
            "birth_year": [1990] * 62,
            "ethnicity": ["Black"] * 2 + ["White"] * 60,
        }
    )
    made = list_make_up(["p0", "p2"], pool, at_year=2024)
    black = made.frame.filter(
        (pl.col("dimension") == "ethnicity") & (pl.col("category") == "Black")
    ).row(0, named=True)
    _, lo, _ = _katz(1, 2, 1, 60)
    assert black["ci_low"] == pytest.approx(lo)
    assert lo > 1
    assert black["exact_ci_low"] < 1
    assert not black["significantly_above_1"]
    assert any(n.startswith("1 ratio whose Katz") for n in made.notes)


def test_the_note_says_which_way_leaving_out_the_unstated_leans() -> None:
    """29 % of South Yorkshire's searches (2019-21) have no self-defined ethnicity,
    and officers saw 11.7 % of those as Black against 6.5 % of the stated: leaving
    them out (the GOV.UK measure) understates the Black rate, and nothing said so
    (found by an independent recomputation)."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 80 + ["Black"] * 10 + [None] * 30,
            "officer_ethnicity": ["White"] * 80 + ["Black"] * 20 + ["White"] * 20,
        }
    )
    residents = pl.DataFrame(
        {"group": ["White", "Black"], "population": [10_000, 1_000]}
    )
    notes = " ".join(stop_search_equality(stops, residents).notes)
    assert (
        "officers recorded as Black 33.3% (10 of 30; against 11.1%, 10 of 90, of "
        "those with one)" in notes
    )
    assert "understates that group's rate" in notes
    # no lean, no note; and none on the officer-defined measure itself
    even = stops.with_columns(
        officer_ethnicity=pl.Series(
            ["White"] * 80 + ["Black"] * 10 + ["White"] * 27 + ["Black"] * 3
        )
    )
    assert "officers recorded as" not in " ".join(
        stop_search_equality(even, residents).notes
    )
    officer = stop_search_equality(stops, residents, ethnicity="officer_ethnicity")
    assert "officers recorded as" not in " ".join(officer.notes)


def test_vehicle_only_searches_are_not_people_with_no_ethnicity() -> None:
    """A search of a vehicle only has no person to describe: South Yorkshire's
    2019-21 files hold 5,093 of them, every one with a blank ethnicity, and the
    note and the board said 13,693 of 46,655 searches (29.3 %) had no recorded
    ethnicity where 8,600 of the 41,562 searches of people (20.7 %) had none."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White", "White", None, None, None, "Black", None],
            "officer_ethnicity": [
                "White",
                "White",
                "Black",
                "White",
                "White",
                "Black",
                "White",
            ],
            "search_type": [
                "Person search",
                "Person and Vehicle search",
                "Person search",
                "Vehicle search",
                "Vehicle search",
                "Vehicle search",  # a driver described: counted in their group
                "Person search",
            ],
        }
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1_000, 100]})
    res = stop_search_equality(stops, residents)
    ns = res.not_stated.row(0, named=True)
    assert (ns["searches"], ns["vehicle_only"], ns["not_stated"]) == (7, 2, 2)
    assert ns["searches_of_people"] == 5
    assert ns["share_not_stated"] == pytest.approx(2 / 5)
    assert res.notes[0].startswith("2 of 5 searches of people (40.0%) have no ")
    assert res.notes[1].startswith("2 searches of a vehicle only")
    black = res.frame.filter(pl.col("group") == "Black").row(0, named=True)
    assert black["searches"] == 1
    # the officer's view of the unstated people, not of the vehicles' drivers:
    # Black 1 of 2 against 1 of 3 (with one)
    lean = next(n for n in res.notes if n.startswith("Of the searches with no"))
    assert "Black 50.0% (1 of 2; against 33.3%, 1 of 3," in lean
    # the note on unlinked outcomes counts every search, vehicles too
    linked = stop_search_equality(
        stops.with_columns(
            outcome=pl.lit("Arrest"), outcome_linked=pl.lit(value=False)
        ),
        residents,
    )
    assert any(n.startswith("None of the 7 searches has") for n in linked.notes)
    # without search_type every blank is a person's
    plain = stop_search_equality(stops.drop("search_type"), residents)
    assert plain.not_stated["not_stated"][0] == 4


def test_area_names_match_across_the_2011_and_2021_census() -> None:
    """The 2011 LSOAs name "The Vale of Glamorgan", "Bristol, City of" and "Kingston
    upon Hull, City of" the authorities the 2021 census names "Vale of Glamorgan",
    "Bristol" and "Kingston upon Hull": South Wales's inferred force area had no
    2021 residents for the Vale. "City of London" stays itself."""
    from avert.analyse.denominators import group_residents

    names = ["Vale of Glamorgan", "Bristol", "Kingston upon Hull", "City of London"]
    rows = pl.DataFrame(
        {
            "area": ["W06000014", "E06000023", "E06000010", "E09000001"],
            "area_name": names,
            "parent_area": [""] * 4,
            "year": [2021] * 4,
            "sex": ["all"] * 4,
            "age_band": ["all"] * 4,
            "ethnicity": ["Black"] * 4,
            "population": [1, 20, 300, 4000],
        }
    )
    asked = [
        "The Vale of Glamorgan",
        "Bristol, City of",
        "Kingston upon Hull, City of",
        "City of London",
    ]
    got = group_residents(rows, asked, year=2021)
    assert dict(zip(got["area"], got["population"], strict=True)) == dict(
        zip(asked, [1, 20, 300, 4000], strict=True)
    )
    assert group_residents(rows, ["London"], year=2021).height == 0


def test_age_bands_are_in_age_order() -> None:
    """The board pack's table by age band read 10-17, 18-24, 25-34, not recorded,
    over 34, under 10 (sorted by name)."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 6,
            "age_range": ["over 34", None, "under 10", "25-34", "10-17", "18-24"],
        }
    )
    residents = pl.DataFrame({"group": ["White"], "population": [1_000]})
    res = stop_search_equality(stops, residents)
    bands = res.by_age.filter(pl.col("group") == "all")["age_range"].to_list()
    assert bands == ["under 10", "10-17", "18-24", "25-34", "over 34", "not recorded"]


def test_an_area_of_vehicle_only_searches_has_no_share_not_stated() -> None:
    """An area whose searches are all of vehicles has no searches of people: its
    share with no recorded ethnicity is none (the board printed "nan %"), not 0/0."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White", None, None],
            "search_type": ["Person search", "Vehicle search", "Vehicle search"],
            "la": ["A", "B", "B"],
        }
    )
    residents = pl.DataFrame(
        {
            "group": ["White", "Black"] * 2,
            "population": [1_000, 100] * 2,
            "la": ["A", "A", "B", "B"],
        }
    )
    res = stop_search_equality(stops, residents, area="la")
    b = res.not_stated.filter(pl.col("area") == "B").row(0, named=True)
    assert (b["searches_of_people"], b["vehicle_only"]) == (0, 2)
    assert b["share_not_stated"] is None
    a = res.not_stated.filter(pl.col("area") == "A").row(0, named=True)
    assert a["share_not_stated"] == 0.0


def test_searches_with_no_recorded_outcome_are_noted() -> None:
    # West Yorkshire, January 2019: 153 of 1,012 searches have no outcome; they
    # counted as no find and no arrest (find rate 14.4 %, 17.0 % of those with
    # one) and nothing said so.
    stops = _stops(["White"] * 16 + ["Black"] * 4).with_columns(
        outcome=pl.when(pl.int_range(pl.len()) % 5 == 1)
        .then(None)
        .otherwise(pl.col("outcome"))
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1000, 200]})
    res = stop_search_equality(stops, residents)
    (note,) = [n for n in res.notes if "no recorded outcome" in n]
    assert note.startswith("4 of the 20 searches (20%) have no recorded outcome")
    finds = int(res.outcomes["finds"].sum())
    assert f"of the 16 searches with one, {finds} found" in note
    full = stop_search_equality(_stops(["White"] * 16 + ["Black"] * 4), residents)
    assert not [n for n in full.notes if "no recorded outcome" in n]


def test_one_search_without_a_linked_outcome_is_not_none_of_1() -> None:
    """One search ending in arrest, its outcome not linked, read "None of the 1
    searches has an outcome linked ... (blank for all 1)"."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"],
            "outcome": ["Arrest"],
            "outcome_linked": pl.Series([None], dtype=pl.Boolean),
        }
    )
    residents = pl.DataFrame({"group": ["White"], "population": [1_000]})
    notes = stop_search_equality(stops, residents).notes
    said = next(n for n in notes if "outcome linked to its object" in n)
    assert said.startswith(
        "The one search has no outcome linked to its object, though it ended in "
        "arrest: "
    ), said
    assert "(blank)" in said, said
    assert "of the 1 " not in said
    assert "all 1)" not in said


def test_one_vehicle_only_search_is_one_search() -> None:
    """Kent's January 2019 searches hold one search of a vehicle only, and the note
    read "1 searches of a vehicle only ... are in no group's rate either"."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White", "Black", None],
            "search_type": ["Person search", "Person search", "Vehicle search"],
        }
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1_000, 100]})
    res = stop_search_equality(stops, residents)
    assert res.notes[1].startswith(
        "1 search of a vehicle only (no person searched: no ethnicity or sex "
        "recorded) is in no group's rate either"
    ), res.notes[1]


def test_notes_name_what_the_pages_show_not_json_fields() -> None:
    """The notes read "shown in 'not_stated'", "('vehicle_only'; ...)" and "its
    lower end, 'exact_ci_low', is 1 or below": JSON field names the pages, the
    board pack and the command line never show. Every note of a result with
    unstated, vehicle-only and Katz-only ratios names none."""
    import re

    stops = _stops(["White"] * 18 + ["Black", None, None]).with_columns(
        pl.lit(dt.datetime(2019, 1, 15)).alias("occurred_at"),
        pl.Series(
            "search_type", ["Person search"] * 20 + ["Vehicle search"], dtype=pl.String
        ),
    )
    residents = pl.DataFrame(
        {"group": ["White", "Black"], "population": [107_057, 210]}
    )
    res = stop_search_equality(stops, residents)
    said = " ".join(res.notes)
    assert "Clopper-Pearson" in said, said
    assert "vehicle only" in said, said
    assert "(No ethnicity stated)" in said, said
    assert not re.findall(r"'[a-z]+_[a-z_]+'", said), said
    assert "not_stated" not in said, said
    assert "exact_ci_low" not in said, said


def _two_areas() -> EqualityResult:
    """Area A: 100 White, 40 Black, 3 Asian, 20 Other searches; area B: 2 White,
    30 Black; 10,000 residents of each group in each area."""
    counts = {
        "A": {"White": 100, "Black": 40, "Asian": 3, "Other": 20},
        "B": {"White": 2, "Black": 30},
    }
    stops = pl.concat(
        [
            _stops([g] * n).with_columns(pl.lit(a).alias("area"))
            for a, groups in counts.items()
            for g, n in groups.items()
        ]
    )
    residents = pl.DataFrame(
        {
            "area": [a for a in counts for _ in GROUPS],
            "group": [g for _ in counts for g in GROUPS],
            "population": [10_000] * (len(counts) * len(GROUPS)),
        }
    )
    return stop_search_equality(stops, residents, area="area")


def test_the_eia_lists_per_area_ratios_highest_first_under_the_small_cell_rule() -> (
    None
):
    """The EIA listed the force's ratios only: a board needs each area's, with its
    interval, highest first, marked where the interval excludes 1, and small
    counts withheld by the rule partner tables use (avert.access)."""
    from avert.analyse.equality import area_ratios
    from avert.analyse.result import jsonable

    areas = _two_areas()
    # no force's counts beside them: the rule within each area alone
    eia = equality_impact_summary(None, areas=areas)
    rows = eia["by_area"]
    assert rows == jsonable(area_ratios(areas))
    assert eia["disclosure"].startswith("[c]: withheld.")
    assert eia["monitored"][-1].startswith("Stop and search by area: each area's")
    key = [(r["area"], r["group"]) for r in rows]
    # A: Black 0.40 (ratio 0.40 to White's 1.00), Other 0.20: both intervals
    # below 1; Asian 3 searches withheld, and with it the next smallest, Other 20
    # (A's Mixed 0 stays); B: White 2 withheld, so every ratio of B is too (a
    # ratio beside its own counts gives the reference's back)
    assert key[0] == ("A", "Black")
    black = rows[0]
    assert black["ratio_to_white"] == pytest.approx(0.4)
    assert black["interval_excludes_1"] is True
    assert black["ci_high"] < 1
    held = dict(zip(key, rows, strict=True))
    assert held[("A", "Asian")]["searches"] is None
    assert held[("A", "Asian")]["ratio_to_white"] is None
    assert held[("A", "Other")]["searches_withheld"] is True
    assert held[("A", "Mixed")]["searches"] == 0
    # B's Black 30, its one other count, goes with White's 2 (else B's placed
    # searches minus 30 would give the 2 back)
    assert held[("B", "Black")]["searches"] is None
    assert held[("B", "Black")]["ratio_to_white"] is None
    assert held[("B", "Black")]["interval_excludes_1"] is None
    # no White row: the reference; withheld and undefined ratios last
    assert all(r["group"] != "White" for r in rows)
    assert all(r["ratio_to_white"] is None for r in rows[1:])
    assert equality_impact_summary(areas)["by_area"] == []


def test_per_area_ratios_sort_highest_first_and_mark_an_interval_above_1() -> None:
    """Two areas whose Black ratios are 3 and 1.5 (both on enough searches): the
    larger is listed first, both marked as excluding 1 (above it)."""
    from avert.analyse.equality import area_ratios

    stops = pl.concat(
        [
            _stops([g] * n).with_columns(pl.lit(a).alias("area"))
            for a, g, n in (
                ("A", "White", 100),
                ("A", "Black", 150),
                ("B", "White", 100),
                ("B", "Black", 300),
            )
        ]
    )
    residents = pl.DataFrame(
        {
            "area": ["A", "A", "B", "B"],
            "group": ["White", "Black"] * 2,
            "population": [10_000] * 4,
        }
    )
    rows = area_ratios(stop_search_equality(stops, residents, area="area")).filter(
        pl.col("group") == "Black"
    )
    assert rows["area"].to_list() == ["B", "A"]
    assert rows["ratio_to_white"].to_list() == pytest.approx([3.0, 1.5])
    assert rows["interval_excludes_1"].to_list() == [True, True]
    assert (rows["ci_low"] > 1).all()


def test_per_area_significance_says_what_the_shading_says() -> None:
    """The assessment's column read "yes, above 1" wherever the Katz interval lay
    above 1, though a row is shaded (flagged) only when the exact conditional
    test's lower end is above 1 too: 22 Black and 10 White searches of 10,000
    residents each, ratio 2.2 (1.04 to 4.6), exact lower end 0.9997, read "above
    1" unshaded. ``significance`` states the flag's rule."""
    from avert.analyse.equality import SIGNIFICANCE, area_ratios

    def black(white: int, black: int) -> dict[str, object]:
        stops = pl.concat(
            [
                _stops([g] * n).with_columns(pl.lit("A").alias("area"))
                for g, n in (("White", white), ("Black", black))
            ]
        )
        residents = pl.DataFrame(
            {
                "area": ["A", "A"],
                "group": ["White", "Black"],
                "population": [10_000] * 2,
            }
        )
        rows = area_ratios(stop_search_equality(stops, residents, area="area"))
        return rows.filter(pl.col("group") == "Black").row(0, named=True)

    row = black(10, 22)
    assert row["ci_low"] > 1
    assert row["exact_ci_low"] < 1
    assert row["significantly_above_1"] is False
    assert row["significance"] == "interval above 1, exact test not"
    assert black(100, 300)["significance"] == SIGNIFICANCE["significant"]
    assert black(100, 40)["significance"] == "interval below 1"
    assert black(100, 100)["significance"] == "interval includes 1"
    # every row: "significantly above 1" exactly where flagged
    rows = area_ratios(_two_areas())
    assert rows.filter(pl.col("significance") == SIGNIFICANCE["significant"]).equals(
        rows.filter(pl.col("significantly_above_1").fill_null(value=False))
    )
    assert rows.filter(pl.col("ci_low").is_null())["significance"].is_null().all()


def test_the_eia_counts_the_area_group_pairs_with_no_search() -> None:
    """Every zero-search row was listed (24 rows for Cambridgeshire, January 2019,
    14 of them with no search): the JSON keeps them all and counts them in
    ``by_area_no_search``, which the pages print as one line instead."""
    eia = equality_impact_summary(None, areas=_two_areas())
    zeros = [r for r in eia["by_area"] if r["searches"] == 0]
    # A's Mixed 0 (B's groups with no search are zeros too: B has White and Black)
    assert len(zeros) == eia["by_area_no_search"] > 0
    assert all(not r["searches_withheld"] for r in zeros)
    assert equality_impact_summary(None)["by_area_no_search"] == 0


def test_a_ratio_withheld_with_the_white_count_says_so() -> None:
    """The synthetic city's one area: 4 White and 2 Black searches (withheld) and 5 Asian,
    whose ratio went with the White count; the list read "–", which it explains
    as no ratio at all (no White search, no residents). ``ratio_withheld`` says the
    rule took it, and the pages print "[c]"."""
    from avert.analyse.equality import area_ratios

    stops = pl.concat(
        [
            _stops([g] * n).with_columns(pl.lit("A").alias("area"))
            for g, n in (("White", 4), ("Asian", 5), ("Black", 2), ("Mixed", 0))
        ]
    )
    residents = pl.DataFrame(
        {
            "area": ["A"] * 4,
            "group": ["White", "Asian", "Black", "Mixed"],
            "population": [1_373, 1_143, 190, 111],
        }
    )
    rows = area_ratios(stop_search_equality(stops, residents, area="area"))
    asian = rows.filter(pl.col("group") == "Asian").row(0, named=True)
    assert (asian["searches"], asian["searches_withheld"]) == (5, False)
    assert asian["ratio_to_white"] is None
    assert asian["ratio_withheld"] is True
    black = rows.filter(pl.col("group") == "Black").row(0, named=True)
    assert black["searches_withheld"] is black["ratio_withheld"] is True
    mixed = rows.filter(pl.col("group") == "Mixed").row(0, named=True)
    assert (mixed["searches"], mixed["ratio_to_white"]) == (0, None)
    assert mixed["ratio_withheld"] is True  # no search, but White's went too


def test_no_unstated_search_is_not_counted_apart() -> None:
    """The Met's API sample, September 2024, records every searched person's own
    ethnicity, and the note read "0 of 3,253 searches (0.0%) have no recorded
    self-defined ethnicity: they are in no group's rate and are counted apart"."""
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1_000, 100]})
    res = stop_search_equality(_stops(["White", "Black", "White"]), residents)
    assert res.notes[0] == (
        "All 3 searches have a recorded self-defined ethnicity: none is left out "
        "of the groups' rates for want of one."
    ), res.notes[0]
    one = stop_search_equality(_stops(["White"]), residents, ethnicity="ethnicity")
    assert one.notes[0].startswith("The one search has a recorded self-defined")
    assert not any("0 of " in n for n in (*res.notes, *one.notes))


def test_the_lean_note_names_the_command_that_shows_the_officers_view() -> None:
    """The note on which way the unstated lean, printed in the board pack and on
    the Equality page too, said "(--officer-defined shows the officers' view)": an
    option of no page; it names the command."""
    stops = _stops(["White"] * 10 + [None] * 4).with_columns(
        officer_ethnicity=pl.Series(["White"] * 10 + ["Black"] * 4, dtype=pl.String)
    )
    residents = pl.DataFrame({"group": ["White", "Black"], "population": [1_000, 100]})
    said = " ".join(stop_search_equality(stops, residents).notes)
    assert "('avert analyse equality --officer-defined' shows the officers' view)" in (
        said
    ), said


def test_per_area_counts_withheld_are_not_given_back_by_the_force_counts() -> None:
    """Cambridgeshire, January 2019: the force's 20 Black searches (the rates by
    group, on the same page) less Cambridge's 8 and Peterborough's 10, none in
    three areas, gave Huntingdonshire's withheld "[c]" back: 2. Down each group's
    areas the rule holds too: a second count of the group is withheld (and an
    area's then left alone, its next), unless the force holds 5 or more of the
    group's searches outside the areas."""
    from avert.analyse.equality import area_ratios

    counts = {
        "Cambridge": {"White": 60, "Black": 8},
        "Peterborough": {"White": 50, "Black": 10, "Other": 2, "Mixed": 5},
        "Huntingdonshire": {"White": 30, "Black": 2, "Other": 6},
        "Fenland": {"White": 20},
    }
    stops = pl.concat(
        [
            _stops([g] * n).with_columns(pl.lit(a).alias("area"))
            for a, groups in counts.items()
            for g, n in groups.items()
        ]
    )
    residents = pl.DataFrame(
        {
            "area": [a for a in counts for _ in GROUPS],
            "group": [g for _ in counts for g in GROUPS],
            "population": [10_000] * (len(counts) * len(GROUPS)),
        }
    )
    everyone = residents.group_by("group").agg(pl.col("population").sum())
    areas = stop_search_equality(stops, residents, area="area")
    force = stop_search_equality(stops.drop("area"), everyone)
    rows = equality_impact_summary(force, areas=areas)["by_area"]
    held = {(r["area"], r["group"]): r for r in rows}
    # Huntingdonshire's Black 2 takes Cambridge's 8, the column's next smallest,
    # with its ratio; Peterborough's 10 stays
    assert held[("Huntingdonshire", "Black")]["searches_withheld"] is True
    assert held[("Cambridge", "Black")]["searches_withheld"] is True
    assert held[("Cambridge", "Black")]["ratio_to_white"] is None
    assert held[("Peterborough", "Black")]["searches"] == 10
    # no group's areas, nor any area, hold one withheld count alone
    table = area_ratios(areas, with_reference=True, force=force)
    for line in ("group", "area"):
        lone = table.group_by(line).agg(pl.col("searches_withheld").sum() == 1)
        assert not lone["searches_withheld"].any(), (line, lone)
    # 5 searches of each group the force holds outside the areas hide them: the
    # rule within each area alone (Huntingdonshire's Black 2 and Other 6)
    force = stop_search_equality(
        pl.concat([stops.drop("area"), _stops(list(GROUPS) * 5)]), everyone
    )
    black = area_ratios(areas, force=force).filter(pl.col("group") == "Black")
    assert black.filter(pl.col("searches_withheld"))["area"].to_list() == [
        "Huntingdonshire"
    ]


def _force_of_own_records() -> EqualityResult:
    """40 searches: 30 White, 6 Black (5 under the drugs act, 1 under PACE), 2
    Other, 1 Asian, 1 with no ethnicity stated, over two months."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 30
            + ["Black"] * 6
            + ["Other"] * 2
            + [None, "Asian"],
            "occurred_at": [dt.datetime(2019, 1, 4)] * 20
            + [dt.datetime(2019, 2, 4)] * 20,
            "legislation": ["Misuse of Drugs Act 1971 (section 23)"] * 35
            + ["Police and Criminal Evidence Act 1984 (section 1)"] * 5,
            "age_range": ["18-24"] * 37 + ["over 34"] * 3,
            "sex": ["M"] * 37 + ["F"] * 3,
            "outcome": ["Arrest"] * 5 + ["A no further action disposal"] * 35,
            "outcome_linked": [True] * 3 + [None] * 37,
            "search_type": ["Person search"] * 40,
        }
    )
    residents = pl.DataFrame(
        {
            "group": ["White", "Black", "Asian", "Mixed", "Other"],
            "population": [100_000, 5_000, 5_000, 2_000, 1_000],
        }
    )
    return stop_search_equality(
        stops,
        residents,
        age_residents=pl.DataFrame(
            {"age_range": ["18-24", "over 34"], "population": [10_000, 50_000]}
        ),
        sex_residents=pl.DataFrame({"sex": ["M", "F"], "population": [50_000, 50_000]}),
    )


def _lone_withheld(frame: pl.DataFrame, by: str, count: str = "searches") -> list[Any]:
    """The ``by`` lines of ``frame`` holding exactly one withheld ``count``: the
    line's total (shown, or worked out) less the rest gives it back."""
    lone = frame.group_by(by).agg(pl.col(f"{count}_withheld").sum().alias("n"))
    return lone.filter(pl.col("n") == 1)[by].to_list()


def test_the_force_rule_gives_no_count_in_the_note_on_how_the_unstated_lean() -> None:
    """The note on the searches with no self-defined ethnicity read to a partner
    "officers recorded as Black 100.0% (2 of 2; against 5.9%, 3 of 51, of those
    with one)": counts of 1 to 4 by officer-defined group, and the withheld
    searches with no ethnicity stated (2) with them. Under the rule it names the
    group and gives no count or share; the police's note keeps them."""
    n = 40
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 30 + ["Asian"] * 8 + [None] * 2,
            "officer_ethnicity": ["White"] * 30 + ["Asian"] * 8 + ["Black"] * 2,
            "occurred_at": [dt.datetime(2019, 1, 4)] * n,
            "search_type": ["Person search"] * n,
        }
    )
    residents = pl.DataFrame(
        {
            "group": ["White", "Black", "Asian", "Mixed", "Other"],
            "population": [100_000, 5_000, 5_000, 2_000, 1_000],
        }
    )
    whole = stop_search_equality(stops, residents)
    (lean,) = [n for n in whole.notes if "officers recorded" in n]
    assert "(2 of 2;" in lean
    (held,) = [
        n for n in withhold_force_counts(whole).notes if "officers recorded" in n
    ]
    assert " as Black: leaving them out" in held, held
    assert not re.search(r"\d", held.split("('avert")[0]), held


def test_the_force_rule_withholds_small_counts_and_what_gives_them_back() -> None:
    """A force's own records: 2 Other searches, 1 Asian, 1 with no ethnicity
    stated, 3 women, 3 finds read whole at force level to every reader. Under the
    rule each reads null (``[c]``) with its rate and ratio, and no line of any
    table holds one withheld count alone, so no total less the rest gives one back:
    not the groups with those of no ethnicity (their total is shown), not a
    group's powers or months against its count, not the sexes or age bands."""
    whole = _force_of_own_records()
    held = withhold_force_counts(whole)
    rates = held.frame
    for group in ("Other", "Asian"):
        row = rates.filter(pl.col("group") == group).row(0, named=True)
        assert row["searches"] is None
        assert row["searches_withheld"]
        assert row["rate_per_1000"] is None
        assert row["ratio_to_white"] is None
    assert held.not_stated["not_stated"].to_list() == [None]
    assert held.not_stated["share_not_stated"].to_list() == [None]
    for table, line in ((held.by_legislation, "power"), (held.trend, "period")):
        assert _lone_withheld(table, line) == [], line
        shown = rates.filter(~pl.col("searches_withheld"))["group"].to_list()
        down = table.filter(pl.col("group").is_in(shown))
        assert _lone_withheld(down, "group") == [], line
    black = held.by_legislation.filter(pl.col("group") == "Black")
    assert black["searches"].to_list().count(None) == 2  # 1 under PACE, and its 5
    for table in (held.by_age, held.by_sex):
        assert set(table["group"]) == {"all"}
        assert _lone_withheld(table, "group") == []
    women = held.by_sex.filter(pl.col("sex") == "Female").row(0, named=True)
    assert women["searches"] is None
    assert women["share_of_group"] is None
    assert held.by_sex["ratio_to_other_sex"].is_null().all()
    out = held.outcomes
    assert (
        _lone_withheld(out.with_columns(pl.lit(1).alias("one")), "one", "finds") == []
    )
    white = out.filter(pl.col("group") == "White").row(0, named=True)
    assert white["finds"] is None
    assert white["find_rate"] is None
    assert white["arrests"] == 5
    assert white["arrest_rate"] == pytest.approx(5 / 30)
    other = out.filter(pl.col("group") == "Other").row(0, named=True)
    assert other["searches"] is None
    assert other["arrest_rate"] is None
    assert held.flagged().filter(pl.col("group").is_in(["Other", "Asian"])).height == 0
    assert not any(n.startswith("1 of 40 searches") for n in held.notes)
    assert any(n.startswith("[c] (1 to 4") for n in held.notes)
    # the whole result is unchanged: the police read it
    assert whole.frame.filter(pl.col("group") == "Other")["searches"].item() == 2


def test_the_force_rule_withholds_the_vehicles_by_sex_as_beside_the_groups() -> None:
    """The searches of a vehicle only are a cell beside the groups (the groups,
    they and the total add up) and the sex table's ``vehicle only`` row: 2 Other
    searches withheld take the 5 of a vehicle only with them (the smallest count
    left), so the sex table withholds its 5 too, else the total less the groups
    shown and those 5 gives the Other searches back."""
    n_vehicles = 5
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 30
            + ["Black"] * 6
            + ["Other"] * 2
            + [None] * n_vehicles,
            "occurred_at": [dt.datetime(2019, 1, 4)] * 43,
            "sex": ["M"] * 38 + [None] * n_vehicles,
            "search_type": ["Person search"] * 38 + ["Vehicle search"] * n_vehicles,
        }
    )
    residents = pl.DataFrame(
        {"group": list(GROUPS), "population": [100_000, 5_000, 5_000, 2_000, 1_000]}
    )
    whole = stop_search_equality(stops, residents)
    by_sex = whole.by_sex.filter(pl.col("group") == "all")
    assert by_sex.filter(pl.col("sex") == "vehicle only")["searches"].item() == 5
    held = withhold_force_counts(whole)
    assert held.not_stated["vehicle_only"].to_list() == [None]
    vehicles = held.by_sex.filter(pl.col("sex") == "vehicle only")
    assert vehicles["searches"].to_list() == [None]
    assert _lone_withheld(held.by_sex, "group") == []


def test_a_group_withheld_beside_another_is_withheld_in_its_one_power_and_month() -> (
    None
):
    """2 Other searches take the 6 Black searches with them in the rates (the
    smallest count left); the Black searches, all under the drugs act in
    February, read 6 there, which is the count withheld (the rule within each
    power and month, and down each group's, withheld other cells). Withheld
    there too now."""
    pace, drugs, s60 = (
        "Police and Criminal Evidence Act 1984 (section 1)",
        "Misuse of Drugs Act 1971 (section 23)",
        "Criminal Justice and Public Order Act 1994 (section 60)",
    )
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 51 + ["Other"] * 2 + ["Black"] * 6,
            "occurred_at": [dt.datetime(2019, 1, 4)] * 30
            + [dt.datetime(2019, 3, 4)] * 21
            + [dt.datetime(2019, 1, 4)] * 2
            + [dt.datetime(2019, 2, 4)] * 6,
            "legislation": [pace] * 30
            + [drugs] * 11
            + [s60] * 10
            + [pace] * 2
            + [drugs] * 6,
        }
    )
    residents = pl.DataFrame(
        {"group": list(GROUPS), "population": [100_000, 5_000, 5_000, 2_000, 1_000]}
    )
    held = withhold_force_counts(stop_search_equality(stops, residents))
    black = held.frame.filter(pl.col("group") == "Black")
    assert black["searches"].to_list() == [None]
    for table in (held.by_legislation, held.trend):
        assert 6 not in table.filter(pl.col("group") == "Black")["searches"].to_list()
    assert _lone_withheld(held.by_legislation, "power") == []
    assert _lone_withheld(held.trend, "period") == []


def test_the_notes_give_back_no_withheld_searches_of_a_vehicle_only() -> None:
    """3 searches of a vehicle only are withheld; the notes counted the searches
    of people (the total less them) and the share with no ethnicity stated among
    them: "None of the 40 searches of people records the sex"."""
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 30 + ["Black"] * 10 + [None] * 3,
            "occurred_at": [dt.datetime(2019, 1, 4)] * 43,
            "sex": [None] * 43,
            "search_type": ["Person search"] * 40 + ["Vehicle search"] * 3,
        }
    )
    residents = pl.DataFrame(
        {"group": list(GROUPS), "population": [100_000, 5_000, 5_000, 2_000, 1_000]}
    )
    whole = stop_search_equality(stops, residents)
    assert any("None of the 40 searches of people" in n for n in whole.notes)
    held = withhold_force_counts(whole)
    text = " ".join(held.notes)
    assert "40" not in text
    assert "None of the searches of people records the sex" in text
    assert "[c] (1 to 4" in text
    assert held.not_stated["searches_of_people"].to_list() == [None]


def _areas_of(counts: dict[str, dict[str, int]], residents: int) -> EqualityResult:
    stops = pl.concat(
        [
            _stops([g] * n).with_columns(pl.lit(a).alias("area"))
            for a, groups in counts.items()
            for g, n in groups.items()
        ]
    )
    people = pl.DataFrame(
        {
            "area": [a for a in counts for _ in GROUPS],
            "group": [g for _ in counts for g in GROUPS],
            "population": [residents] * (len(counts) * len(GROUPS)),
        }
    )
    return stop_search_equality(stops, people, area="area")


def test_per_area_p_value_is_below_005_exactly_where_both_lower_ends_are_above_1() -> (
    None
):
    """``p_above_1`` is the flag's rule as a p-value (twice the larger of the Katz
    and exact conditional one-sided p-values): below 0.05 exactly where the Katz
    and exact lower ends both lie above 1, on counts around the boundary."""
    from avert.analyse.equality import area_ratios

    rng = np.random.default_rng(7)
    counts = {
        f"A{i:02d}": {"White": int(w), "Black": int(b)}
        for i, (w, b) in enumerate(
            zip(rng.integers(5, 60, 40), rng.integers(5, 90, 40), strict=True)
        )
    }
    rows = area_ratios(_areas_of(counts, 10_000)).filter(
        pl.col("p_above_1").is_not_null()
    )
    assert rows.height == 40
    both = (rows["ci_low"] > 1) & (rows["exact_ci_low"] > 1)
    assert ((rows["p_above_1"] < 0.05) == both).all()
    assert (rows["significant_uncorrected"] == both).all()
    assert 0 < int(both.sum()) < 40


def test_per_area_flags_are_corrected_for_the_number_of_ratios_holm() -> None:
    """32 areas, each with 30 White and 50 Black searches of 10,000 residents:
    each ratio alone is significantly above 1 (1.67, 1.06 to 2.62, p 0.033), and each
    was shaded as such, 32 flags with no correction for the 32 comparisons. With
    Holm's correction (Holm 1979) none is flagged: the uncorrected flag and the
    interval stay, the words say which. One area alone is flagged as before; a
    strong ratio among the 32 still is."""
    from statsmodels.stats.multitest import multipletests

    from avert.analyse.equality import SIGNIFICANCE, area_ratios

    one = {"White": 30, "Black": 50}
    many = {f"Borough {i:02d}": dict(one) for i in range(32)}
    rows = area_ratios(_areas_of(many, 10_000)).filter(pl.col("group") == "Black")
    assert rows.height == 32
    assert rows["significant_uncorrected"].all()
    assert (rows["ci_low"] > 1).all()
    assert not rows["significantly_above_1"].any()
    assert set(rows["significance"]) == {SIGNIFICANCE["uncorrected"]}
    assert rows["p_holm"].to_list() == pytest.approx(
        multipletests(rows["p_above_1"].to_numpy(), method="holm")[1]
    )
    alone = area_ratios(_areas_of({"Borough 00": one}, 10_000)).filter(
        pl.col("group") == "Black"
    )
    assert alone["significantly_above_1"].to_list() == [True]
    assert alone["significance"].to_list() == [SIGNIFICANCE["significant"]]
    strong = dict(many, **{"Borough 00": {"White": 30, "Black": 150}})
    flagged = area_ratios(_areas_of(strong, 10_000)).filter(
        pl.col("significantly_above_1").fill_null(value=False)
    )
    assert flagged["area"].to_list() == ["Borough 00"]


def _force_of(counts: dict[str, int], residents: int) -> EqualityResult:
    """One force's searches (``counts`` by group), ``residents`` in each group."""
    stops = _stops([g for g, n in counts.items() for _ in range(n)])
    people = pl.DataFrame({"group": list(GROUPS), "population": [residents] * 5})
    return stop_search_equality(stops, people)


def _scipy_p_above_1(a: int, n1: int, c: int, n2: int) -> float:
    """The flag's p-value computed afresh with scipy: twice the larger of the
    Katz one-sided p-value and the exact conditional one (a binomial test of
    ``a`` of ``a + c`` at ``n1 / (n1 + n2)``), at most 1."""
    from scipy.stats import binomtest, norm

    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    katz = float(norm.sf(math.log((a / n1) / (c / n2)) / se))
    exact = binomtest(a, a + c, n1 / (n1 + n2), alternative="greater").pvalue
    return min(1.0, 2 * max(katz, exact))


def test_force_ratios_are_corrected_for_the_number_of_groups_holm() -> None:
    """The force's four ratios to White are one family: each of 30 White and 50
    Asian, Black, Mixed and Other searches of 10,000 residents is significantly
    above 1 alone (1.67, p 0.033) and was flagged; corrected by Holm's method
    over the four (the p-values and their correction checked with scipy and by
    hand) none is, the uncorrected flag kept and a note saying so. A strong
    ratio among them is still flagged, and by power and month each family is
    its own."""
    found = _force_of(
        {"White": 30, "Asian": 50, "Black": 50, "Mixed": 50, "Other": 50}, 10_000
    )
    rows = found.frame.filter(pl.col("group") != "White").sort("group")
    assert rows["significant_uncorrected"].all()
    assert not rows["significantly_above_1"].any()
    expected = [_scipy_p_above_1(50, 10_000, 30, 10_000)] * 4
    assert rows["p_above_1"].to_list() == pytest.approx(expected, rel=1e-6)
    assert expected[0] == pytest.approx(0.033, abs=0.001)
    # Holm by hand: four equal p-values are each multiplied by 4
    assert rows["p_holm"].to_list() == pytest.approx([4 * expected[0]] * 4, rel=1e-6)
    assert found.flagged().height == 0
    assert any(
        n.startswith("8 ratios to White (4 of the rates by group, 4 by power)")
        and "Holm" in n
        for n in found.notes
    ), found.notes
    white = found.frame.filter(pl.col("group") == "White")
    assert white["p_holm"].to_list() == [None]

    strong = _force_of(
        {"White": 30, "Asian": 50, "Black": 150, "Mixed": 50, "Other": 50}, 10_000
    )
    rates = strong.frame.filter(pl.col("group") != "White").sort("group")
    p = [_scipy_p_above_1(n, 10_000, 30, 10_000) for n in (50, 150, 50, 50)]
    order = np.argsort(p, kind="stable")
    by_hand = np.empty(4)
    by_hand[order] = np.maximum.accumulate(
        np.minimum(1.0, (4 - np.arange(4)) * np.asarray(p)[order])
    )
    assert rates["p_holm"].to_list() == pytest.approx(by_hand.tolist(), rel=1e-6)
    assert rates["significantly_above_1"].to_list() == [False, True, False, False]
    assert strong.flagged()["group"].to_list() == ["Black", "Black"]  # rates, power


def test_one_group_ratio_alone_is_flagged_as_before() -> None:
    """A family of one ratio (one group beside White) is not corrected: its flag
    is its own, as before."""
    found = _force_of({"White": 30, "Black": 50}, 10_000)
    black = found.frame.filter(pl.col("group") == "Black")
    assert black["significantly_above_1"].to_list() == [True]
    assert black["p_holm"].to_list() == pytest.approx(black["p_above_1"].to_list())
