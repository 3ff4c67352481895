"""Why no find rate is given, in plain words: a record bundle's stops cannot carry
the link of an outcome to the object of the search (the bundle format has no
column for it), while police.uk's files can and sometimes leave it blank."""

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
    assert "no column" in note


def test_police_uk_leaves_it_blank() -> None:
    note = _finds_note(_stops("policeuk-api", linked=False))
    assert "does not seem to record the link (false for all 20)" in note
