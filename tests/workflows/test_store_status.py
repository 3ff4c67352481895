"""``avert status``'s figures read from a store (SQLite and PostgreSQL): the
incidents with no classification under each classified definition, and the
command that classifies them."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.config.settings import Settings
from avert.workflows.admin import classify_commands, store_status
from avert.workflows.definitions import classify_store


def _incidents(ids: range) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in ids],
            "occurred_from": [dt.datetime(2019, 6, 1)] * len(ids),
            "time_precision": ["month"] * len(ids),
            "source": ["policeuk"] * len(ids),
            "crime_type": ["Violence and sexual offences"] * len(ids),
        }
    )


@pytest.mark.parametrize("kind", ["sqlite_store", "postgres_store"])
def test_incidents_loaded_since_are_counted_under_each_definition(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """Five incidents classified under both built-in definitions, then three more
    appended unclassified: each definition counts the three, and only the one in
    force is classified by a plain 'avert classify'."""
    store = request.getfixturevalue(kind)
    with store.transaction() as tx:
        tx.append("incidents", _incidents(range(5)))
    for profile in ("avb-2010", "who-broad"):
        classify_store(store, profile=profile)
    with store.transaction() as tx:
        tx.append("incidents", _incidents(range(5, 8)))
    settings = Settings(definition="avb-2010", harm_table="")
    status = store_status(store, settings=settings)
    assert {p: c["unclassified"] for p, c in status["classifications"].items()} == {
        "avb-2010": 3,
        "who-broad": 3,
    }
    assert classify_commands(store, ["avb-2010", "who-broad"], settings=settings) == {
        "avb-2010": "avert classify",
        "who-broad": "avert classify --definition who-broad",
    }
    classify_store(store, profile="avb-2010")
    status = store_status(store, settings=settings)
    assert status["classifications"]["avb-2010"]["unclassified"] == 0
    assert status["classifications"]["who-broad"]["unclassified"] == 3
