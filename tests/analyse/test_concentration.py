"""Concentration: textbook numbers, Bernasco & Steenbeek's G', properties, entities."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.analyse.concentration import (
    FALLBACK_CELL_M,
    concentration_from_values,
    entity_values,
    generalised_gini,
    gini,
    lorenz_curve,
    measure_concentration,
    smallest_share_for,
    stability,
    top_count,
    top_share,
)
from avert.analyse.places import assign_cells, grid_cells
from avert.errors import ConfigError, SchemaError

counts = st.lists(
    st.integers(min_value=0, max_value=1000), min_size=1, max_size=60
).filter(lambda v: sum(v) > 0)


def test_gini_hand_worked() -> None:
    # sorted 1,2,3,4: sum (2i-n-1) x_i = -3*1 -1*2 +1*3 +3*4 = 10; G = 10/(4*10) = 0.25
    assert gini([4, 1, 3, 2]) == pytest.approx(0.25)
    assert gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n-1)/n: one has all
    assert math.isnan(gini([0, 0]))


def test_generalised_gini_bernasco_steenbeek_examples() -> None:
    # R package lorenzgini (Bernasco & Steenbeek), gini() examples, unbiased = FALSE
    sparse = [5, 2, 1] + [0] * 7  # 8 crimes, 10 places
    assert gini(sparse) == pytest.approx(0.8)
    assert generalised_gini(sparse) == pytest.approx(0.75)
    dense = [10, 8, 2] + [0] * 7  # 20 crimes >= 10 places: G' = G
    assert gini(dense) == pytest.approx(0.78)
    assert generalised_gini(dense) == pytest.approx(0.78)
    # maximal equality given the data: N events one per place gives G' = 0, G = 1 - N/n
    spread = [1] * 5 + [0] * 95
    assert gini(spread) == pytest.approx(0.95)
    assert generalised_gini(spread) == pytest.approx(0.0, abs=1e-12)


def test_generalised_gini_harm_uses_event_count() -> None:
    harm = [365.0, 10.0, 0.0, 0.0]  # two events, four places
    g = gini(harm)
    assert generalised_gini(harm, n_events=2) == pytest.approx(2 * (g - 1) + 1)


def test_lorenz_and_shares() -> None:
    lor = lorenz_curve([1, 1, 2])
    assert lor["share_of_measure"].to_list() == pytest.approx([0, 0.25, 0.5, 1.0])
    big = lorenz_curve(np.arange(1000))
    assert big.height == 101
    assert top_share([0, 0, 0, 0, 10], top=0.2) == pytest.approx(1.0)
    assert top_share([1, 1, 1, 1, 1], top=0.2) == pytest.approx(0.2)
    frac, k = smallest_share_for([8, 1, 1], share=0.8)
    assert k == 1
    assert frac == pytest.approx(1 / 3)
    frac, k = smallest_share_for([5, 5, 0, 0], share=0.8)
    assert k == 2
    assert frac == pytest.approx(0.4)


def test_bad_input_raises() -> None:
    with pytest.raises(SchemaError):
        gini([1, -1])
    with pytest.raises(ConfigError):
        top_share([1, 2], top=1.5)


@settings(max_examples=150, deadline=None)
@given(counts)
def test_gini_in_unit_interval(values: list[int]) -> None:
    assert 0.0 <= gini(values) <= 1.0
    assert 0.0 <= generalised_gini(values) <= 1.0
    assert generalised_gini(values) <= gini(values) + 1e-12


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=200))
def test_gini_of_equal_counts_is_zero(value: int, n: int) -> None:
    assert gini([value] * n) == pytest.approx(0.0, abs=1e-12)
    assert top_share([value] * n, top=0.2) == pytest.approx(0.2)


@settings(max_examples=150, deadline=None)
@given(counts)
def test_share_of_everyone_is_one(values: list[int]) -> None:
    assert top_share(values, top=1.0) == pytest.approx(1.0)
    assert top_share(values, top=0.0) == pytest.approx(0.0)
    shares = [top_share(values, top=q) for q in (0.01, 0.05, 0.1, 0.2, 0.5)]
    assert shares == sorted(shares)
    for s in (0.5, 0.8):
        frac, _ = smallest_share_for(values, share=s)
        assert top_share(values, top=frac) == pytest.approx(s, abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(counts, st.randoms(use_true_random=False))
def test_invariant_to_entity_order(values: list[int], rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert gini(shuffled) == pytest.approx(gini(values))
    assert generalised_gini(shuffled) == pytest.approx(generalised_gini(values))
    assert top_share(shuffled, top=0.2) == pytest.approx(top_share(values, top=0.2))


@pytest.fixture
def tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4", "i5"],
            "lsoa": ["A", "A", "A", "B", None],
            "x": [100.0, 120.0, 130.0, 900.0, None],
            "y": [100.0, 110.0, 140.0, 900.0, None],
            "harm_days": [10.0, 20.0, 30.0, 365.0, None],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4", "i4", "i1"],
            "person_id": ["p1", "p1", "p1", "p2", "p3", "v1"],
            "role": [
                "offender",
                "offender",
                "offender",
                "offender",
                "offender",
                "victim",
            ],
        }
    )
    return incidents, involvements


def test_offender_harm_concentration(tables: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    incidents, involvements = tables
    res = measure_concentration(
        incidents, involvements, entity="offender", measure="harm"
    )
    assert res.n_entities == 3  # only people with an offence: p1, p2, p3
    assert res.frame["entity_id"].to_list() == ["p2", "p3", "p1"]  # 365, 365, 60
    assert res.total == pytest.approx(790.0)
    out = res.to_dict()
    assert set(out["top_shares"]) == {"0.01", "0.05", "0.1", "0.2"}
    assert "at least one incident as offender" in out["population"]


def test_people_shares_say_which_incidents_no_one_carries(
    tables: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """Most violence has no recorded offender: the shares over offenders (victims,
    groups) are of the rest, and the notes say how much is outside them, as they do
    for incidents without a place."""
    incidents, involvements = tables
    offenders = measure_concentration(
        incidents, involvements, entity="offender", measure="count"
    )
    assert "1 of 5 incidents (20.0%) have no offender recorded" in " ".join(
        offenders.notes
    )
    victims = measure_concentration(
        incidents, involvements, entity="victim", measure="harm"
    )
    # only i1 (10 of 425 harm days) has a victim
    assert (
        "4 of 5 incidents (80.0%) have no victim recorded, 97.6% of the harm days"
        in " ".join(victims.notes)
    )
    members = pl.DataFrame({"group_id": ["g1"], "person_id": ["p1"]})
    groups = measure_concentration(
        incidents, involvements, entity="group", group_members=members
    )
    assert "2 of 5 incidents (40.0%) have no offender who is a member of a group" in (
        " ".join(groups.notes)
    )
    everyone = measure_concentration(
        incidents.head(4), involvements, entity="offender", measure="count"
    )
    assert not any("recorded" in n for n in everyone.notes)


def test_notes_in_full_and_in_order(tables: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    """The notes of a harm measure, pinned whole: the population's note first (no
    offender recorded; no place), then the incidents without a harm weight (a count
    measure has none), then the note of fractional tops."""
    incidents, involvements = tables
    unweighted = "1 incidents had no harm weight and count as 0 days."
    offenders = measure_concentration(
        incidents, involvements, entity="offender", measure="harm"
    )
    assert offenders.notes[:2] == (
        "1 of 5 incidents (20.0%) have no offender recorded, 0.0% of the harm days: "
        "they are outside these shares, which are of the rest.",
        unweighted,
    )
    assert len(offenders.notes) == 3
    assert offenders.notes[2].startswith("With 3 offenders, the top 1 %")
    places = measure_concentration(incidents, entity="place", measure="harm")
    assert places.notes[:2] == (
        "1 incidents without an LSOA were left out.",
        unweighted,
    )
    assert len(places.notes) == 3
    counted = measure_concentration(incidents, entity="place", measure="count")
    assert counted.notes[0] == "1 incidents without an LSOA were left out."
    assert len(counted.notes) == 2
    weighed = measure_concentration(
        incidents.head(4), involvements, entity="offender", measure="harm"
    )
    assert unweighted not in weighed.notes


def test_place_population_includes_zero_cells(
    tables: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    incidents, _ = tables
    res = measure_concentration(
        incidents,
        entity="place",
        measure="count",
        cell_size_m=250,
        cell_population="box",
    )
    # box from cell (0,0) to (3,3): 16 cells, 2 with events
    assert res.n_entities == 16
    assert res.n_entities_with_events == 2
    # top 1.6 cells: the 3-event cell (0.75) and 0.6 of the 1-event cell (0.15)
    assert res.top_shares["0.1"] == pytest.approx(0.9)
    assert any("without a 250 m grid cell" in n for n in res.notes)
    area = incidents.vstack(
        incidents.head(1).with_columns(
            pl.lit("i9").alias("incident_id"), pl.lit(2000.0).alias("x")
        )
    )
    active = measure_concentration(
        incidents, entity="place", measure="count", cell_size_m=250, area=area
    )
    assert active.n_entities == 3  # two cells with violence + one with other activity
    assert "any kind" in active.population
    lsoa = measure_concentration(
        incidents, entity="place", measure="count", places=pl.Series(["A", "B", "C"])
    )
    assert lsoa.n_entities == 3
    assert lsoa.frame.filter(pl.col("entity_id") == "C")["value"].item() == 0


def test_group_entity_counts_incident_once(
    tables: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    incidents, involvements = tables
    members = pl.DataFrame({"group_id": ["g1", "g1"], "person_id": ["p2", "p3"]})
    values = entity_values(
        incidents, involvements, entity="group", group_members=members
    )
    assert values.to_dicts() == [{"entity_id": "g1", "value": 1.0, "n_events": 1}]


def test_harm_needs_harm_days(tables: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    incidents, involvements = tables
    with pytest.raises(SchemaError, match="avert classify"):
        measure_concentration(
            incidents.drop("harm_days"), involvements, entity="offender", measure="harm"
        )


def test_cells_are_stable_and_cover_box() -> None:
    f = pl.DataFrame({"x": [430010.0, 430260.0, -10.0], "y": [433990.0, 433990.0, 5.0]})
    ids = assign_cells(f, cell_size_m=250)["cell_id"].to_list()
    assert ids == ["250m:E1720:N1735", "250m:E1721:N1735", "250m:E-1:N0"]
    cells = grid_cells(f.head(2), cell_size_m=250)
    assert sorted(cells.to_list()) == ["250m:E1720:N1735", "250m:E1721:N1735"]


def test_stability_of_top_set() -> None:
    first = pl.DataFrame(
        {"entity_id": list("abcde"), "value": [10.0, 8.0, 1.0, 0.0, 0.0]}
    )
    second = pl.DataFrame(
        {"entity_id": list("abcde"), "value": [9.0, 0.0, 7.0, 1.0, 0.0]}
    )
    res = stability(first, second, top=0.4)
    assert res.n_top == 2
    assert res.overlap_share == pytest.approx(0.5)  # {a, b} vs {a, c}
    assert res.jaccard == pytest.approx(1 / 3)
    same = stability(first, first, top=0.4)
    assert same.overlap_share == 1.0
    assert same.spearman == pytest.approx(1.0)


def test_top_sets_are_the_ceiling_of_the_exact_share() -> None:
    """ceil(top * n) of the float product made the top 7 % of 100 entities eight
    (0.07 * 100 == 7.000000000000001), the top 14 % of 50 eight, 28 % of 25 eight."""
    from fractions import Fraction

    for percent in range(1, 100):
        for n in (0, 1, 25, 50, 75, 100, 300, 900, 1_500):
            exact = math.ceil(Fraction(percent, 100) * n)
            assert top_count(percent / 100, n) == exact, (percent, n)
    values = pl.DataFrame({"entity_id": [f"e{k:03d}" for k in range(100)]})
    values = values.with_columns(value=pl.Series([float(100 - k) for k in range(100)]))
    assert stability(values, values, top=0.07).n_top == 7


def test_top_entities_say_when_they_cut_a_run_of_equal_values() -> None:
    """Ranks follow id order among equal values: a list of 3 that ends inside a run
    of four entities with 5 says that the other two with 5 are left out by id."""
    values = pl.DataFrame(
        {"entity_id": ["a", "b", "c", "d", "e", "f"], "value": [9, 5, 5, 5, 5, 1]}
    )
    result = concentration_from_values(values)
    cut = result.to_dict(n_top_entities=3)
    assert [e["entity_id"] for e in cut["top_entities"]] == ["a", "b", "c"]
    assert any("lists 2 of the 4 entities with 5" in n for n in cut["notes"])
    assert any("other 2 are left out by id order" in n for n in cut["notes"])
    clean = result.to_dict(n_top_entities=5)
    assert not any("left out by id order" in n for n in clean["notes"])


def test_places_without_any_lsoa_are_grid_cells_as_in_volt(
    tables: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """A police.uk copy without the LSOA column (the reduced London teaching copy):
    by LSOA every figure was n/a with advice to give --cell 250, while VOLT used
    250 m cells by itself; places are now the same 250 m cells, with a note."""
    incidents, _ = tables
    no_lsoa = incidents.with_columns(pl.lit(None, dtype=pl.String).alias("lsoa"))
    res = measure_concentration(no_lsoa, entity="place", measure="count")
    cells = measure_concentration(
        no_lsoa, entity="place", measure="count", cell_size_m=250
    )
    assert res.n_entities == cells.n_entities > 0
    assert res.gini == cells.gini
    assert res.params["cell_size_m"] == FALLBACK_CELL_M == 250
    assert res.params["place_unit"] == "cell"
    assert any("places are grid cells of 250 m" in n for n in res.notes)
    assert not any("grid cells of 250 m" in n for n in cells.notes)
    # with LSOAs the places stay LSOAs
    by_lsoa = measure_concentration(incidents, entity="place", measure="count")
    assert by_lsoa.params["place_unit"] == "lsoa"
    # neither LSOA nor coordinates: nothing to measure, and the note says why
    nowhere = no_lsoa.with_columns(pl.lit(None, dtype=pl.Float64).alias("x"))
    none = measure_concentration(nowhere, entity="place", measure="count")
    assert none.n_entities == 0
    assert any("nor coordinates (x, y)" in n for n in none.notes)


def test_json_contract_id_is_concentration() -> None:
    """docs/analyses.md: `analysis` is "concentration" (version 1); the JSON said
    "concentration_from_values", the name of a Python function."""
    values = pl.DataFrame({"entity_id": ["a", "b"], "value": [3, 1]})
    payload = concentration_from_values(values).to_dict()
    assert (payload["analysis"], payload["version"]) == ("concentration", 1)
