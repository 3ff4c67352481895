"""Retention groups and review dates (avert.analyse.retention)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.analyse.retention import retention_groups, review_due


def test_force_periods_override_the_defaults() -> None:
    people = pl.DataFrame(
        {
            "person_id": ["a"],
            "retention_group": pl.Series([3], dtype=pl.Int8),
            "basis": ["x"],
            "last_record_at": [dt.datetime(2020, 1, 1)],
        }
    )
    as_of = dt.datetime(2023, 1, 1)
    assert not review_due(people, as_of=as_of)["due"][0]
    assert review_due(people, as_of=as_of, clear_years={1: 10, 2: 10, 3: 3})["due"][0]
    with pytest.raises(ValueError, match="groups 1, 2 and 3"):
        review_due(people, as_of=as_of, clear_years={1: 10, 3: 3})


def test_an_incident_outside_the_definition_is_not_violent_offending() -> None:
    records = pl.DataFrame(
        {
            "person_id": ["a"],
            "source": ["offender"],
            "category": pl.Series([None], dtype=pl.String),
            "last_at": [dt.datetime(2020, 1, 1)],
        }
    )
    assert retention_groups(records)["retention_group"].to_list() == [3]


def test_an_undated_group_membership_is_a_linked_record() -> None:
    """``since`` is optional (FORMATS.md): a declared member with no date is due at
    once, but not as someone with no linked record."""
    records = pl.DataFrame(
        {
            "person_id": ["m", "m", "n"],
            "source": ["group_member", "person", "person"],
            "category": pl.Series([None, None, None], dtype=pl.String),
            "last_at": pl.Series([None, None, None], dtype=pl.Datetime("us")),
        }
    )
    basis = dict(retention_groups(records).select("person_id", "basis").iter_rows())
    assert basis == {"m": "undated records only", "n": "no linked record"}
