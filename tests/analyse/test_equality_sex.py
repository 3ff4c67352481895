"""Stop and search by sex: counts, shares, rates per 1,000 residents of each sex and
the ratio to the other sex, by hand; residents by sex from the populations table."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import polars as pl
import pytest

from avert.analyse.denominators import sex_residents
from avert.analyse.equality import exact_ratio_low, stop_search_equality

Z = 1.959963984540054


def _stops() -> pl.DataFrame:
    """20 searches: White 9 Male, 2 Female, 1 not recorded; Black 6 Male, 1
    Female, 1 Other."""
    ethnicity = ["White"] * 12 + ["Black"] * 8
    sex = ["M"] * 9 + ["F"] * 2 + [None] + ["M"] * 6 + ["X"] + ["F"]
    return pl.DataFrame(
        {
            "ethnicity": ethnicity,
            "sex": sex,
            "occurred_at": [dt.datetime(2024, 1, 1)] * 20,
        },
        schema_overrides={"sex": pl.String},
    )


_RESIDENTS = pl.DataFrame({"group": ["White", "Black"], "population": [1000, 200]})
_SEXES = pl.DataFrame({"sex": ["M", "F"], "population": [500, 520]})


def _row(frame: pl.DataFrame, sex: str, group: str = "all") -> dict[str, object]:
    return frame.filter((pl.col("sex") == sex) & (pl.col("group") == group)).row(
        0, named=True
    )


def test_by_sex_counts_shares_rates_and_ratios_by_hand() -> None:
    res = stop_search_equality(_stops(), _RESIDENTS, sex_residents=_SEXES)
    by_sex = res.by_sex
    # every sex of the searches, in this order, "all" beside each group
    assert by_sex.filter(pl.col("group") == "all")["sex"].to_list() == [
        "Male",
        "Female",
        "Other",
        "not recorded",
    ]
    male = _row(by_sex, "Male")
    female = _row(by_sex, "Female")
    assert (male["searches"], female["searches"]) == (15, 3)
    assert male["share_of_group"] == pytest.approx(15 / 20)
    assert female["share_of_group"] == pytest.approx(3 / 20)
    assert _row(by_sex, "Male", "White")["share_of_group"] == pytest.approx(9 / 12)
    assert _row(by_sex, "Female", "Black")["share_of_group"] == pytest.approx(1 / 8)
    # rates: 15 of 500 men, 3 of 520 women
    assert male["residents_of_sex"] == 500
    assert male["rate_per_1000_of_sex"] == pytest.approx(30.0)
    assert female["rate_per_1000_of_sex"] == pytest.approx(3 / 520 * 1000)
    # ratio 30 / 5.769... = 5.2; Katz: se = sqrt(1/15 - 1/500 + 1/3 - 1/520)
    assert male["ratio_to_other_sex"] == pytest.approx(5.2)
    se = math.sqrt(1 / 15 - 1 / 500 + 1 / 3 - 1 / 520)
    assert se == pytest.approx(0.629347, abs=1e-6)
    assert male["ci_low"] == pytest.approx(5.2 * math.exp(-Z * se))
    assert male["ci_high"] == pytest.approx(5.2 * math.exp(Z * se))
    assert (male["ci_low"], male["ci_high"]) == (
        pytest.approx(1.5146, abs=1e-4),
        pytest.approx(17.8527, abs=1e-4),
    )
    # the exact lower end: Clopper-Pearson of 15 in 18, mapped to the ratio
    exact = exact_ratio_low(
        np.array([15]), np.array([500]), np.array([3]), np.array([520])
    )[0]
    assert male["exact_ci_low"] == pytest.approx(exact)
    assert male["exact_ci_low"] > 1
    assert male["significantly_above_1"] is True
    # the other way round: the reciprocal, its interval the reciprocal's
    assert female["ratio_to_other_sex"] == pytest.approx(1 / 5.2)
    assert female["ci_low"] == pytest.approx(1 / male["ci_high"])
    assert female["significantly_above_1"] is False
    # Other and not recorded: counts and shares, no residents, no ratio
    other = _row(by_sex, "Other")
    assert (other["searches"], other["share_of_group"]) == (1, pytest.approx(0.05))
    assert other["rate_per_1000_of_sex"] is None
    assert other["ratio_to_other_sex"] is None
    assert other["significantly_above_1"] is None
    assert _row(by_sex, "not recorded")["searches"] == 1
    # per ethnic group: counts and shares only, as by age band
    assert _row(by_sex, "Male", "White")["ratio_to_other_sex"] is None
    assert res.to_dict()["by_sex"][0]["sex"] == "Male"


def test_the_sex_ratio_interval_agrees_with_statsmodels_risk_ratio() -> None:
    """Independent check: statsmodels' 2x2 table gives the same risk ratio and
    log interval (searched / not searched among men and women)."""
    tables = pytest.importorskip("statsmodels.stats.contingency_tables")
    res = stop_search_equality(_stops(), _RESIDENTS, sex_residents=_SEXES)
    male = _row(res.by_sex, "Male")
    table = tables.Table2x2(np.array([[15, 500 - 15], [3, 520 - 3]]))
    low, high = table.riskratio_confint(alpha=0.05)
    assert male["ratio_to_other_sex"] == pytest.approx(table.riskratio, rel=1e-12)
    assert male["ci_low"] == pytest.approx(low, rel=1e-9)
    assert male["ci_high"] == pytest.approx(high, rel=1e-9)


def test_without_residents_by_sex_counts_and_shares_only() -> None:
    res = stop_search_equality(_stops(), _RESIDENTS)
    assert "rate_per_1000_of_sex" not in res.by_sex.columns
    assert "ratio_to_other_sex" not in res.by_sex.columns
    assert _row(res.by_sex, "Male")["share_of_group"] == pytest.approx(0.75)
    # and a source with no sex column has no breakdown by sex
    no_sex = stop_search_equality(_stops().drop("sex"), _RESIDENTS)
    assert no_sex.by_sex.height == 0


def test_a_sex_ratio_on_a_handful_is_not_flagged_by_katz_alone() -> None:
    """1 search of 210 men against 18 of 107,057 women (the Mendip figures of
    docs/equality.md): Katz 3.80 to 211 lies above 1, the exact lower end 0.68
    does not, so not flagged, and the note counts it."""
    stops = pl.DataFrame({"ethnicity": ["White"] * 19, "sex": ["M"] + ["F"] * 18})
    sexes = pl.DataFrame({"sex": ["M", "F"], "population": [210, 107_057]})
    res = stop_search_equality(stops, _RESIDENTS, sex_residents=sexes)
    male = _row(res.by_sex, "Male")
    assert male["ratio_to_other_sex"] == pytest.approx(28.32, abs=0.01)
    assert male["ci_low"] == pytest.approx(3.80, abs=0.01)
    assert male["exact_ci_low"] == pytest.approx(0.680, abs=0.001)
    assert male["significantly_above_1"] is False
    assert any(n.startswith("1 ratio (by sex) whose Katz interval") for n in res.notes)


def _pops(rows: list[tuple[str, str, str, str, int]]) -> pl.DataFrame:
    """(area, parent_area, sex, age_band, population) rows of 2021, no ethnicity."""
    return pl.DataFrame(
        rows,
        schema=["area", "parent_area", "sex", "age_band", "population"],
        orient="row",
    ).with_columns(
        pl.col("area").alias("area_name"),
        pl.lit(2021, dtype=pl.Int32).alias("year"),
        pl.lit("all").alias("ethnicity"),
    )


def test_sex_residents_from_all_ages_rows_summed_over_the_force_area() -> None:
    pops = _pops(
        [
            ("E1", "Alpha", "M", "all", 490),
            ("E1", "Alpha", "F", "all", 510),
            ("E1", "Alpha", "all", "all", 1000),
            ("E1", "Alpha", "M", "0-15", 100),  # a broad band: not added again
            ("E2", "Beta", "M", "all", 1000),
            ("E2", "Beta", "F", "all", 990),
        ]
    )
    got = sex_residents(pops, ["Alpha", "Beta"])
    assert dict(zip(got["sex"], got["population"], strict=True)) == {
        "F": 1500,
        "M": 1490,
    }
    assert set(got["year"]) == {2021}
    # an area the table does not hold: no denominator rather than a partial one
    assert sex_residents(pops, ["Alpha", "Gamma"]).height == 0


def test_sex_residents_from_single_years_only_when_they_cover_every_age() -> None:
    """The census by single year of age and sex (avert's age rates come from it):
    summed over ages when each sex's bands run from 0 to an open top."""
    full = _pops(
        [
            ("K", "", "F", "0-0", 10),
            ("K", "", "F", "1-89", 70),
            ("K", "", "F", "90+", 2),
            ("K", "", "M", "0-0", 11),
            ("K", "", "M", "1-89", 66),
            ("K", "", "M", "90+", 1),
            ("K", "", "all", "all", 160),
        ]
    )
    got = sex_residents(full, ["K"])
    assert dict(zip(got["sex"], got["population"], strict=True)) == {
        "F": 82,
        "M": 78,
    }
    gap = full.filter(pl.col("age_band") != "1-89")
    assert sex_residents(gap, ["K"]).height == 0
    no_top = full.filter(pl.col("age_band") != "90+")
    assert sex_residents(no_top, ["K"]).height == 0
    one_sex = full.filter(pl.col("sex") != "F")
    assert sex_residents(one_sex, ["K"]).height == 0


def test_a_vehicle_only_search_has_no_sex_to_record() -> None:
    """police.uk leaves Gender blank for a search of a vehicle only (the Met,
    January-June 2018: 768 of its 771 blanks): "vehicle only", not "not recorded",
    as for ethnicity."""
    stops = pl.DataFrame(
        {
            "ethnicity": [None, None, "White", "White"],
            "sex": [None, None, "M", "F"],
            "search_type": [
                "Vehicle search",
                "Person search",
                "Person search",
                "Vehicle search",
            ],
        },
        schema_overrides={"ethnicity": pl.String, "sex": pl.String},
    )
    res = stop_search_equality(stops, _RESIDENTS)
    got = dict(
        res.by_sex.filter(pl.col("group") == "all").select("sex", "searches").rows()
    )
    assert got == {"Male": 1, "Female": 1, "not recorded": 1, "vehicle only": 1}


def test_sex_and_ethnicity_tables_count_the_same_searches_of_no_person() -> None:
    """A search of a vehicle only is of no person when it records neither a sex nor
    an ethnicity. West Yorkshire, January 2019: the sex table said "vehicle only 38"
    beside the note's "36 searches of a vehicle only (no person searched)", on one
    page of the board pack: 2 vehicle searches with a self-defined ethnicity and no
    Gender were people for ethnicity and no one for sex (and vehicle searches with a
    Gender but no ethnicity the other way round: 77 of 776 in January 2019)."""
    stops = pl.DataFrame(
        {
            "ethnicity": [None, None, "Black", "White"],
            "sex": [None, "M", None, "F"],
            "search_type": ["Vehicle search"] * 4,
        },
        schema_overrides={"ethnicity": pl.String, "sex": pl.String},
    )
    res = stop_search_equality(stops, _RESIDENTS)
    by_sex = dict(
        res.by_sex.filter(pl.col("group") == "all").select("sex", "searches").rows()
    )
    assert by_sex == {"Male": 1, "Female": 1, "not recorded": 1, "vehicle only": 1}
    ns = res.not_stated.row(0, named=True)
    assert (ns["vehicle_only"], ns["not_stated"], ns["searches_of_people"]) == (1, 1, 3)
    # the searched man with no recorded ethnicity is among the people not stated
    men = res.by_sex.filter(pl.col("sex") == "Male").select("group", "searches")
    assert dict(men.rows()) == {"all": 1, "not stated": 1}


def test_the_age_table_counts_searches_of_no_person_apart() -> None:
    """West Yorkshire's January 2019 board pack read "not recorded 59" in its age
    table beside "vehicle only 36" in its sex table: 36 of the 59 were searches of
    no person. They are "vehicle only" in the age table too (a search of no person
    with an age recorded keeps it)."""
    stops = pl.DataFrame(
        {
            "ethnicity": [None, None, None, "White"],
            "sex": [None, None, "M", "F"],
            "age_range": [None, "over 34", None, None],
            "search_type": ["Vehicle search"] * 2 + ["Person search"] * 2,
        },
        schema_overrides={"ethnicity": pl.String, "sex": pl.String},
    )
    res = stop_search_equality(stops, _RESIDENTS)
    ages = dict(
        res.by_age.filter(pl.col("group") == "all")
        .select("age_range", "searches")
        .rows()
    )
    assert ages == {"over 34": 1, "not recorded": 2, "vehicle only": 1}
    assert list(ages) == ["over 34", "not recorded", "vehicle only"]


def test_age_residents_of_an_area_with_only_male_and_female_rows_beside_others() -> (
    None
):
    """A store holding the census by single year of age and sex (England and Wales,
    M and F rows only) beside an ONS mid-year file (LSOAs, with both-sex rows):
    the national age bands summed both sexes, where before the other areas'
    both-sex rows hid them and no age rate was given."""
    from avert.analyse.denominators import police_age_residents

    pops = _pops(
        [
            ("K", "", "F", "17-17", 10),
            ("K", "", "M", "17-17", 12),
            ("K", "", "F", "18-18", 7),
            ("K", "", "M", "90+", 3),
            ("E1", "Alpha", "all", "0-15", 300),
            ("E1", "Alpha", "all", "16-29", 200),
        ]
    )
    got = police_age_residents(pops, ["K"])
    assert dict(zip(got["age_range"], got["population"], strict=True)) == {
        "10-17": 22,
        "18-24": 7,
        "over 34": 3,
    }
    # the area with both-sex rows still gives nothing for its broad bands
    assert police_age_residents(pops, ["Alpha"]).height == 0
    # an area of the force area with no residents by age: no partial denominator
    # (the searches of every area against one area's residents: rates too high)
    assert police_age_residents(pops, ["K", "Nowhere"]).height == 0


def test_a_source_that_records_no_sex_is_said_to() -> None:
    """West Midlands, January 2019, leaves Gender blank for all 1,634 searches: the
    table by sex read "not recorded 1,549 (95 %)" with no note that the force
    records no sex at all. A note says so now; one recorded sex is enough to say
    nothing (a blank is then a search's own gap)."""
    n = 12
    stops = pl.DataFrame(
        {
            "ethnicity": ["White"] * 8 + ["Black"] * 4,
            "sex": [None] * n,
            "search_type": ["Person search"] * (n - 2) + ["Vehicle search"] * 2,
            "occurred_at": [dt.datetime(2019, 1, 1)] * n,
        },
        schema_overrides={"sex": pl.String},
    )
    said = "None of the 12 searches of people records the sex of the person searched"
    res = stop_search_equality(stops, _RESIDENTS)
    assert any(n.startswith(said) for n in res.notes), res.notes
    one = stops.with_columns(
        sex=pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("M")).otherwise("sex")
    )
    res = stop_search_equality(one, _RESIDENTS)
    assert not any("records the sex of the person" in n for n in res.notes), res.notes
