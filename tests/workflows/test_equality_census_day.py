"""The default census of an equality run is the latest *taken* by the first day
counted, compared by the census day, not by its year."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.workflows.equality import (
    CENSUS_DAYS,
    _census_year,
    _later_census,
    _newer_census,
)


def _populations(*years: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "year": [y for y in years for _ in range(2)],
            "ethnicity": ["White", "Black"] * len(years),
            "area_type": ["la"] * 2 * len(years),
            "sex": ["all"] * 2 * len(years),
            "age_band": ["all"] * 2 * len(years),
        }
    )


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (dt.date(2021, 1, 1), 2011),  # the 2021 census was not taken yet
        (dt.date(2021, 3, 20), 2011),
        (dt.date(2021, 3, 21), 2021),  # census day
        (dt.date(2011, 3, 26), 2011),  # none taken before: the earliest held
        (dt.date(2024, 9, 1), 2021),
    ],
)
def test_the_census_counts_from_its_census_day(start: dt.date, expected: int) -> None:
    """A window from 1 January 2021 was set against the 2021 census, taken on 21
    March: the census year was compared with the window's year only."""
    pops = _populations(2011, 2021)
    assert _census_year(pops, pops.clear(), None, start=start) == expected


def test_the_newer_census_note_gives_the_census_day() -> None:
    pops = _populations(2011, 2021)
    (note,) = _newer_census(pops, 2011, dt.date(2021, 1, 1), lsoa_first=None)
    assert "the 2011 census (taken 27 March 2011, 9 years before the first day " in (
        note
    )
    assert set(CENSUS_DAYS) >= {2011, 2021}


def test_a_census_taken_after_the_searches_is_said() -> None:
    """South Yorkshire's 2019-2021 searches against the 2021 census alone gave
    Black/White 2.15 (2.87 against the 2011 census, eight years before) with no word that
    the residents were counted after the first search."""
    pops = _populations(2021)
    start = dt.date(2019, 1, 1)
    year = _census_year(pops, pops.clear(), None, start=start)
    assert year == 2021
    (note,) = _later_census(pops, year, start, lsoa_first=None)
    assert note.startswith(
        "The denominators are the 2021 census (taken 21 March 2021), after the first "
        "day counted (2019-01-01): the store holds no census with ethnic groups "
        "taken by then."
    ), note
    assert _later_census(pops, 2021, dt.date(2021, 3, 21), lsoa_first=None) == []
    assert _later_census(_populations(2011), 2011, start, lsoa_first=None) == []


def test_a_later_census_chosen_for_its_lsoas_names_the_earlier_one_held() -> None:
    """Per-LSOA rates take the latest census with LSOA rows: 2019 searches with
    the 2011 and 2021 censuses by LSOA loaded were set against 2021's, and the
    note said the store held no census taken by the first day counted, and to
    load the 2011 Census by LSOA, which it held."""
    pops = _populations(2011, 2021).with_columns(area_type=pl.lit("lsoa"))
    start = dt.date(2019, 1, 1)
    why = "per-LSOA rates"
    year = _census_year(pops, pops, None, start=start, lsoa_first=why)
    assert year == 2021
    (note,) = _later_census(pops, year, start, lsoa_first=why)
    assert "holds no census" not in note, note
    assert note.startswith(
        "The denominators are the 2021 census (taken 21 March 2021), after the first "
        "day counted (2019-01-01), the latest with ethnic groups by LSOA (per-LSOA "
        "rates); the store also holds ethnic groups of 2011, taken by then: "
        "--population-year 2011 (the Equality page's Census year) gives the force's "
        "rates against them."
    ), note
