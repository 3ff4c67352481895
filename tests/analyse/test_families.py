"""Unit tests of avert.analyse.families on small literal frames."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.analyse import families as fam
from avert.errors import SchemaError

T = dt.datetime(2024, 6, 1, 22, 0)


def _relationships() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "person_a": ["mum", "mum", "k1", "dad", "x1", "y1", "q1"],
            "person_b": ["k1", "k2", "k2", "mum", "x2", "y2", "q2"],
            "kind": [
                "parent",
                "parent",
                "sibling",
                "ex_partner",
                "same_address",
                "associate",
                "sibling",
            ],
            "valid_from": [None, None, None, None, dt.date(2024, 1, 1), None, None],
            "valid_to": [None, None, None, None, None, None, dt.date(2020, 1, 1)],
        },
        schema_overrides={"valid_from": pl.Date, "valid_to": pl.Date},
    )


def test_family_edges_orders_pairs_and_drops_associates() -> None:
    edges = fam.family_edges(_relationships())
    assert ("y1", "y2") not in set(
        zip(edges["person_a"], edges["person_b"], strict=True)
    )
    assert (edges["person_a"] < edges["person_b"]).all()
    assert ("dad", "mum", "ex_partner", None) in set(edges.iter_rows())
    # the pair is ordered by id, and parent_id keeps who is the parent
    assert ("k1", "mum", "parent", "mum") in set(edges.iter_rows())


def test_family_edges_validity_date() -> None:
    on = fam.family_edges(_relationships(), as_of=dt.date(2023, 6, 1))
    pairs = set(zip(on["person_a"], on["person_b"], strict=True))
    assert ("x1", "x2") not in pairs  # valid only from 2024
    assert ("q1", "q2") not in pairs  # ended 2020
    assert ("k1", "k2") in pairs


def test_family_units_are_connected_components() -> None:
    units = fam.family_units(_relationships())
    by = dict(zip(units["person_id"], units["family_id"], strict=True))
    assert by["mum"] == by["k1"] == by["k2"] == by["dad"] == "fam-dad"
    assert by["x1"] == by["x2"] == "fam-x1"
    assert "y1" not in by
    assert units.filter(pl.col("family_id") == "fam-dad")[
        "family_size"
    ].unique().to_list() == [4]


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 15), st.integers(0, 15)), min_size=1, max_size=30)
)
def test_family_units_partition_people(pairs: list[tuple[int, int]]) -> None:
    rel = pl.DataFrame(
        {
            "person_a": [f"p{a}" for a, _ in pairs],
            "person_b": [f"p{b}" for _, b in pairs],
            "kind": ["sibling"] * len(pairs),
        }
    )
    units = fam.family_units(rel)
    # each person in exactly one unit; every link inside one unit
    assert units["person_id"].n_unique() == units.height
    by = dict(zip(units["person_id"], units["family_id"], strict=True))
    for a, b in pairs:
        if a != b:
            assert by[f"p{a}"] == by[f"p{b}"]
    sizes = units.group_by("family_id").agg(pl.len(), pl.col("family_size").first())
    assert (sizes["len"] == sizes["family_size"]).all()


def test_family_harm_across_crime_types() -> None:
    units = fam.family_units(_relationships())
    incidents = pl.DataFrame(
        {
            "incident_id": ["d1", "y1", "t1", "o1"],
            "occurred_from": [T, T, T, T],
            "harm_days": [100.0, 300.0, 5.0, 999.0],
            "in_definition": [True, True, False, True],
            "domestic": [True, False, False, False],
            "category": ["domestic_abuse", "assault_with_injury", None, "robbery"],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["d1", "d1", "y1", "y1", "t1", "o1"],
            "person_id": ["dad", "mum", "k1", "stranger", "k2", "nobody"],
            "role": ["offender", "victim", "victim", "suspect", "offender", "offender"],
        }
    )
    people = pl.DataFrame(
        {
            "person_id": ["k1", "k2", "mum", "dad"],
            "birth_year": [2008, 2010, 1985, 1980],
        }
    )
    out = fam.family_harm(units, incidents, involvements, people=people)
    row = out.filter(pl.col("family_id") == "fam-dad").row(0, named=True)
    assert row["n_incidents"] == 3
    assert row["harm_days_as_offender"] == pytest.approx(105.0)
    assert row["harm_days_as_victim"] == pytest.approx(400.0)
    assert row["n_domestic"] == 1
    assert row["n_youth_violence"] == 1  # k1 (16) victim of y1; t1 not violent
    assert row["both_domestic_and_youth_violence"]
    assert row["crime_types"] == ["assault_with_injury", "domestic_abuse"]
    assert row["n_offenders"] == 2
    assert row["n_victims"] == 2
    assert out["family_id"][0] == "fam-dad"  # most harm first
    other = out.filter(pl.col("family_id") == "fam-x1").row(0, named=True)
    assert other["n_incidents"] == 0
    assert not other["has_domestic_abuse"]


def _one_violent_victimisation_of_k1() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Incidents and involvements: k1 (of the family fam-dad) victim of y1."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["y1"],
            "occurred_from": [T],
            "harm_days": [300.0],
            "in_definition": [True],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["y1"], "person_id": ["k1"], "role": ["victim"]}
    )
    return incidents, involvements


def test_family_harm_without_people_has_no_youth_violence() -> None:
    units = fam.family_units(_relationships())
    incidents, involvements = _one_violent_victimisation_of_k1()
    out = fam.family_harm(units, incidents, involvements)
    assert out.filter(pl.col("family_id") == "fam-dad")["n_youth_violence"].item() == 0
    with pytest.raises(SchemaError, match="harm_days"):
        fam.family_harm(units, incidents.drop("harm_days"), involvements)


def test_family_harm_counts_members_whose_age_is_unknown() -> None:
    """A member with no birth year cannot count towards youth violence: each family
    says how many such members it has, so a 0 is not read as "none"."""
    units = fam.family_units(_relationships())
    incidents, involvements = _one_violent_victimisation_of_k1()
    sizes = dict(units.group_by("family_id").agg(pl.len()).rows())
    without = fam.family_harm(units, incidents, involvements)
    assert (
        dict(without.select("family_id", "n_members_without_birth_year").rows())
        == sizes
    )
    people = pl.DataFrame(
        {"person_id": ["k1", "mum"], "birth_year": [2008, None]},
        schema={"person_id": pl.String, "birth_year": pl.Int64},
    )
    out = fam.family_harm(units, incidents, involvements, people=people)
    row = out.filter(pl.col("family_id") == "fam-dad").row(0, named=True)
    assert row["n_youth_violence"] == 1
    assert row["n_members_without_birth_year"] == row["family_size"] - 1


def test_sibling_offending() -> None:
    rel = _relationships()
    involvements = pl.DataFrame(
        {
            "incident_id": ["a", "a", "b", "c", "c"],
            "person_id": ["k1", "k2", "k1", "q1", "mum"],
            "role": ["offender", "suspect", "offender", "offender", "victim"],
        }
    )
    out = fam.sibling_offending(rel, involvements)
    assert out.rows() == [("k1", "k2", 2, 1, 1)]


def test_family_crime_types_name_incidents_outside_the_definition() -> None:
    # the workflow's incidents carry the definition's category (null outside the
    # definition) and the recorded crime_type: a family's burglary is a crime type
    # it is involved in even though no violence category names it (seed ¶13:
    # links across crime types)
    units = fam.family_units(_relationships())
    incidents = pl.DataFrame(
        {
            "incident_id": ["y1", "b1", "n1"],
            "occurred_from": [T, T, T],
            "harm_days": [300.0, 20.0, 1.0],
            "in_definition": [True, False, False],
            "category": ["assault_with_injury", None, None],
            "crime_type": ["Violence and sexual offences", "Burglary", None],
            "offence_code": ["8N", "28E", "99"],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["y1", "b1", "n1"],
            "person_id": ["k1", "k2", "mum"],
            "role": ["victim", "offender", "offender"],
        }
    )
    row = (
        fam.family_harm(units, incidents, involvements)
        .filter(pl.col("family_id") == "fam-dad")
        .row(0, named=True)
    )
    assert row["n_incidents"] == 3
    assert row["crime_types"] == ["99", "Burglary", "assault_with_injury"]
    assert row["n_crime_types"] == 3


def test_family_harm_counts_an_incident_inside_the_family_once() -> None:
    # dad's assault on mum (100 days) is one harm, though dad offends and mum is the
    # victim; x1's family carries two incidents (60 + 60 days) and more harm in all
    units = fam.family_units(_relationships())
    incidents = pl.DataFrame(
        {
            "incident_id": ["d1", "x_a", "x_b"],
            "occurred_from": [T, T, T],
            "harm_days": [100.0, 60.0, 60.0],
            "in_definition": [True, True, True],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["d1", "d1", "x_a", "x_b"],
            "person_id": ["dad", "mum", "x1", "x2"],
            "role": ["offender", "victim", "offender", "victim"],
        }
    )
    out = fam.family_harm(units, incidents, involvements)
    rows = {r["family_id"]: r for r in out.to_dicts()}
    assert rows["fam-dad"]["harm_days"] == pytest.approx(100.0)
    assert rows["fam-dad"]["harm_days_as_offender"] == pytest.approx(100.0)
    assert rows["fam-dad"]["harm_days_as_victim"] == pytest.approx(100.0)
    assert rows["fam-x1"]["harm_days"] == pytest.approx(120.0)
    assert out["family_id"].to_list()[:2] == ["fam-x1", "fam-dad"]  # most harm first


def test_validity_dates_read_as_text_from_a_csv() -> None:
    # relationships.csv read with pl.read_csv has its dates as text: families as of
    # a date once stopped with polars' "casting from string to date is not supported"
    typed = _relationships()
    text = typed.with_columns(pl.col("valid_from", "valid_to").dt.to_string())
    on = dt.date(2023, 6, 1)
    assert fam.family_units(text, as_of=on).equals(fam.family_units(typed, as_of=on))
    assert fam.family_edges(text, as_of=on)["person_a"].to_list() == (
        fam.family_edges(typed, as_of=on)["person_a"].to_list()
    )
    bad = text.with_columns(pl.lit("2020-13-01").alias("valid_to"))
    with pytest.raises(SchemaError, match=r"valid_to .* not ISO dates.*2020-13-01"):
        fam.family_units(bad, as_of=on)


def test_a_birth_year_after_the_incident_is_no_youth() -> None:
    """A birth year after the incident (a typo, a placeholder 9999) gives a negative
    age: unknown, not "aged up to youth_max_age"."""
    units = fam.family_units(_relationships())
    incidents, involvements = _one_violent_victimisation_of_k1()
    for birth_year, youth in ((2030, 0), (9999, 0), (2024, 1), (2008, 1)):
        people = pl.DataFrame({"person_id": ["k1"], "birth_year": [birth_year]})
        out = fam.family_harm(units, incidents, involvements, people=people)
        row = out.filter(pl.col("family_id") == "fam-dad")
        assert row["n_youth_violence"].item() == youth, birth_year
