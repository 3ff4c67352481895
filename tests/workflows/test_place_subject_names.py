"""A plan's place subjects are named as the briefing names its places
(avert.workflows.delivery._place_names): police by location text and area, a
partner by area alone (the location text is police-only)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from avert.store import Store
from avert.workflows import place_names
from avert.workflows.delivery import _place_names
from avert.workflows.users import User

TODAY = dt.date(2025, 3, 10)


def _located() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "occurred_from": [dt.datetime(2025, 3, 1)] * 2,
            "x": [430_010.0, 430_020.0],
            "y": [433_510.0, 433_515.0],
            "location": ["On or near Station Road"] * 2,
            "lsoa_name": ["Leeds 111A"] * 2,
            "ward": [None, None],
            "borough": ["Leeds"] * 2,
        },
        schema_overrides={"ward": pl.String},
    )


@pytest.mark.parametrize("latest", [dt.datetime(2025, 3, 9, 23), None])
@pytest.mark.parametrize(
    ("role", "org", "said"),
    [
        ("chair", None, "Station Road · Leeds 111A"),
        ("partner", "council", "Leeds 111A"),
    ],
)
def test_a_place_subject_is_named_for_its_reader(
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    org: str | None,
    said: str,
    latest: dt.datetime | None,
) -> None:
    asked: dict[str, Any] = {}

    def read(store: Store, since: dt.datetime, until: dt.datetime, **kw: Any) -> Any:
        asked.update(kw, since=since, until=until)
        return _located().select(kw["columns"])

    monkeypatch.setattr(place_names.queries, "classified_between", read)
    monkeypatch.setattr(place_names.queries, "latest_time", lambda *a, **k: latest)
    cell = "150m:E2866:N2890"  # 430,010 / 150 and 433,510 / 150
    names = _place_names.place_subject_names(
        Store.__new__(Store),
        [cell, "hotspot-12-34"],
        user=User("u", role, org, None),
        profile="avb-2010",
        today=TODAY,
    )
    assert names == {cell: (said, 0.0)}
    assert asked["in_definition_only"]
    assert ("location" in asked["columns"]) == (role == "chair")
    # the checks' year up to the end of today
    assert asked["until"] == dt.datetime(2025, 3, 11)
    assert asked["since"] == dt.datetime(2025, 3, 11) - dt.timedelta(days=365)


def test_no_place_subject_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(place_names.queries, "classified_between", None)
    names = _place_names.place_subject_names(
        Store.__new__(Store),
        [],
        user=User("u", "chair", None, None),
        profile="avb-2010",
        today=TODAY,
    )
    assert names == {}


def test_a_store_of_past_months_names_its_places_by_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A store of 2022's police.uk months, read in 2025: the year read ends a month
    after its latest record (March 2022), not an empty year to today."""
    asked: dict[str, Any] = {}

    def read(store: Store, since: dt.datetime, until: dt.datetime, **kw: Any) -> Any:
        asked.update(since=since, until=until)
        return _located().select(kw["columns"]).clear()

    def latest_time(store: Store, *, before: dt.datetime, precision: str) -> Any:
        return dt.datetime(2022, 3, 1) if precision == "month" else None

    monkeypatch.setattr(place_names.queries, "classified_between", read)
    monkeypatch.setattr(place_names.queries, "latest_time", latest_time)
    _place_names.place_subject_names(
        Store.__new__(Store),
        ["150m:E1:N1"],
        user=User("u", "chair", None, None),
        profile="avb-2010",
        today=TODAY,
    )
    assert asked["until"] == dt.datetime(2022, 4, 2)
    assert asked["since"] <= dt.datetime(2022, 1, 1)
