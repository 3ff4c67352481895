"""The Incidents page's "Where" column says why it is empty (data.police.uk's reduced
London copy gives a map point only: no street, ward, borough or LSOA)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
from fastapi import FastAPI

from avert.config.settings import load_settings
from avert.web import create_app
from avert.workflows.users import add_user
from avert.workflows.views import _where_missing
from web.helpers import PASSWORD, SECRET, migrated_store, signed_in

T0 = dt.datetime(2022, 3, 10, 12)


@pytest.fixture(scope="module")
def where_app(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> FastAPI:
    """Three violent incidents: one with a borough, one with a point only (as the
    reduced London copy), one with neither."""
    path = tmp_path_factory.mktemp("where") / "where.db"
    store = migrated_store(path, template_db)
    incidents = pl.DataFrame(
        {
            "incident_id": ["i-borough", "i-point", "i-none"],
            "source": ["test"] * 3,
            "occurred_from": [
                T0,
                T0 + dt.timedelta(hours=1),
                T0 + dt.timedelta(hours=2),
            ],
            "time_precision": ["exact"] * 3,
            "x": [530000.0, 531000.0, None],
            "y": [180000.0, 181000.0, None],
            "has_location": [True, True, False],
            "borough": ["Camden", None, None],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": incidents["incident_id"],
                    "profile": ["avb-2010"] * 3,
                    "in_definition": [True] * 3,
                    "harm_days": [1.0, 2.0, 3.0],
                }
            ),
        )
    add_user(store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=f"sqlite:///{path}", secret_key=SECRET, pseudonym_key="k" * 40
    )
    return create_app(settings, store)


def _where(page: str, incident_id: str) -> str:
    row = re.search(
        rf'{incident_id}</span>.*?<td data-label="Where" class="where">(.*?)</td>',
        page,
        re.S,
    )
    assert row is not None, page[-3000:]
    return " ".join(re.sub(r"<[^>]+>", " ", row.group(1)).split())


def test_an_empty_where_says_why(where_app: FastAPI) -> None:
    """On the London data the column was empty for most rows, with no reason."""
    page = signed_in(where_app, "analyst").get(
        "/incidents?from=2022-03-10T00:00&to=2022-03-11T00:00"
    )
    assert page.status_code == 200
    assert _where(page.text, "i-borough") == "Camden"
    assert _where(page.text, "i-point") == "map point only"
    assert _where(page.text, "i-none") == "not recorded"
    text = " ".join(page.text.split())
    assert "1 of the 3 listed incidents name no street, ward, borough or LSOA" in text
    assert "1 of the 3 listed incidents have no place at all" in text


def test_partners_read_a_withheld_location_as_withheld() -> None:
    """A location text alone is police-only: a partner's row says it is withheld,
    not that the record gives a point only."""
    rows = pl.DataFrame(
        {
            "location": ["On or near High St", None],
            "borough": [None, "Leeds"],
            "lsoa": [None, None],
            "ward": [None, None],
            "has_location": [True, True],
        }
    )
    police = _where_missing(rows, partner=False)["where_missing"].to_list()
    partner = _where_missing(rows, partner=True)["where_missing"].to_list()
    assert police == [None, None]
    assert partner == ["withheld", None]
