"""Why no find rate is given, in plain words: a record bundle's stops carry the
link of an outcome to the object of the search only in an optional column (an avert
extension, outcome_linked), while police.uk's files can and sometimes leave it
blank."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.analyse.equality import stop_search_equality

RESIDENTS = pl.DataFrame({"group": ["White", "Black"], "population": [1000, 200]})


def _stops(source: str, *, linked: bool | None) -> pl.DataFrame:
    n = 20
    return pl.DataFrame(
        {
            "occurred_at": [dt.datetime(2024, 1, 3)] * n,
            "ethnicity": ["White", "Black"] * (n // 2),
            "outcome": ["Arrest"] * 5 + ["A no further action disposal"] * (n - 5),
            "outcome_linked": [linked] * n,
            "source": [source] * n,
        },
        schema_overrides={"outcome_linked": pl.Boolean},
    )


def _finds_note(stops: pl.DataFrame) -> str:
    found = stop_search_equality(stops, RESIDENTS)
    (note,) = [n for n in found.notes if "no find rate" in n]
    return note


def test_a_bundle_has_no_column_for_the_link() -> None:
    note = _finds_note(_stops("avert synthetic city (seed 0)", linked=None))
    assert "does not seem" not in note
    assert "record bundle ('avert synthetic city (seed 0)')" in note
    assert "links none in its optional column outcome_linked (blank for all 20" in note


def test_police_uk_leaves_it_blank() -> None:
    note = _finds_note(_stops("policeuk-api", linked=False))
    assert "does not seem to record the link (false for all 20)" in note


def test_a_group_no_search_records_is_named() -> None:
    """The police.uk API sample of the Met, September 2024, has no self-defined
    Other value at all: Other read 0 searches of 556,287 residents with no word,
    where about 206 would be expected at the rate of all residents."""
    residents = pl.DataFrame(
        {
            "group": ["White", "Black", "Asian", "Mixed", "Other"],
            "population": [4_725_217, 1_188_141, 1_816_197, 505_304, 556_287],
        }
    )
    groups = ["White"] * 1498 + ["Black"] * 1044 + ["Asian"] * 493 + ["Mixed"] * 218
    stops = pl.DataFrame(
        {"occurred_at": [dt.datetime(2024, 9, 3)] * len(groups), "ethnicity": groups}
    )
    found = stop_search_equality(stops, residents)
    (note,) = [n for n in found.notes if n.startswith("No search has")]
    assert "self-defined group Other" in note
    assert "556,287 residents would have about 206 of the 3,253" in note
    # a small group with few expected searches is no sign of anything
    few = stop_search_equality(stops.head(40), residents)
    assert not [n for n in few.notes if n.startswith("No search has")]
