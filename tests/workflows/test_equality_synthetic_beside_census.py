"""Equality in a store holding real forces' searches beside the synthetic city's.

With the all-forces January 2019 searches, the 2011 census and the synthetic city
(`avert synth`, `ingest bundle`, `ingest population` of its residents) in one store,
`avert analyse equality --force city-of-london` advised "the store also holds ethnic
groups of 2024: --population-year 2024 ... gives the force's rates against them":
2024 is the synthetic city's residents, no census and not of the City (the command
then stopped). Without --force, the error called the synthetic city's 373 searches
"stops [that] name no force (a police.uk file whose name names none)".
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.errors import ConfigError
from avert.workflows.equality import _newer_census, _one_force


def _rows(area: str, year: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": [area] * 2,
            "year": [year] * 2,
            "ethnicity": ["White", "Black"],
            "area_type": ["lsoa"] * 2,
            "sex": ["all"] * 2,
            "age_band": ["all"] * 2,
        }
    )


def test_the_synthetic_city_is_no_newer_census_to_choose() -> None:
    pops = pl.concat([_rows("E01000001", 2011), _rows("SYN0000", 2024)])
    assert _newer_census(pops, 2011, dt.date(2019, 1, 1), lsoa_first=None) == []


def test_a_newer_census_beside_the_synthetic_city_is_still_named() -> None:
    pops = pl.concat(
        [_rows("E01000001", 2011), _rows("E06000001", 2021), _rows("SYN0000", 2024)]
    )
    (note,) = _newer_census(pops, 2011, dt.date(2022, 1, 1), lsoa_first=None)
    assert "the store also holds ethnic groups of 2021: --population-year 2021" in note


def test_stops_naming_no_force_are_named_by_their_source() -> None:
    stops = pl.DataFrame(
        {
            "force": ["city-of-london"] * 3 + [None] * 2,
            "source": ["policeuk"] * 3
            + ["avert synthetic city (seed 1, 20000 residents, 730 days)"] * 2,
        },
        schema_overrides={"force": pl.String},
    )
    with pytest.raises(ConfigError) as err:
        _one_force(stops, None)
    said = str(err.value)
    assert (
        "and 2 stops name no force (avert synthetic city (seed 1, 20000 "
        "residents, 730 days) 2)" in said
    ), said
    assert "police.uk file" not in said
