"""Top shares of a small area: a "top 1 %" of fewer than one entity says so.

City of London Police, 2019 (data.police.uk, OGL v3.0): the avb-2010 violence of the
year falls in 35 of the 73 LSOAs with any record; one LSOA (City of London 001F,
E01032739) holds 1,038 of the 1,485 located incidents. "Top 1 %: 51.0 %" read as a
set of places holding half the violence; the top 1 % of 73 LSOAs is 0.73 of one.
"""

from __future__ import annotations

import polars as pl

from avert.analyse.concentration import concentration_from_values

# violent incidents per LSOA, City of London Police 2019 (avb-2010), 35 LSOAs
CITY_2019 = [1038, 161, 114, 46, 37, 12, 11, 9, 9, 8, 6, 4, 4] + [2] * 4 + [1] * 18


def _city() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "entity_id": [f"L{i:02d}" for i in range(len(CITY_2019))],
            "value": [float(v) for v in CITY_2019],
            "n_events": CITY_2019,
        }
    )


def test_a_top_fraction_of_less_than_one_entity_is_named() -> None:
    population = pl.Series([f"L{i:02d}" for i in range(73)])
    res = concentration_from_values(_city(), population=population, entity="place")
    assert res.n_entities == 73
    assert round(res.top_shares["0.01"], 3) == 0.51  # interpolated: 0.73 x 69.9 %
    notes = [n for n in res.notes if "less than one" in n]
    assert len(notes) == 1, res.notes
    note = notes[0]
    assert "73 places" in note
    assert "top 1 %" in note
    assert "0.73 of one place" in note
    assert "69.9 %" in note  # what the top place alone carries
    assert notes == [n for n in res.to_dict()["notes"] if "less than one" in n]


def test_no_note_when_every_top_fraction_is_at_least_one_entity() -> None:
    population = pl.Series([f"L{i:03d}" for i in range(100)])
    res = concentration_from_values(_city(), population=population, entity="place")
    assert not [n for n in res.notes if "less than one" in n], res.notes


def test_the_note_spells_the_default_entity_and_one_entity_in_english() -> None:
    """``concentration_from_values`` without ``entity`` wrote "With 3 entitys"; a
    population of one wrote "With 1 places"."""
    values = pl.DataFrame({"entity_id": ["a", "b", "c"], "value": [3.0, 1.0, 0.0]})
    (note,) = [n for n in concentration_from_values(values).notes if "less" in n]
    assert note.startswith("With 3 entities, the top ")
    assert note.endswith("not a set of entities.")
    assert "entitys" not in note
    one = pl.DataFrame({"entity_id": ["a"], "value": [2.0]})
    (note,) = [
        n for n in concentration_from_values(one, entity="place").notes if "less" in n
    ]
    assert note.startswith("With 1 place, the top ")
    assert note.endswith("not a set of places.")
