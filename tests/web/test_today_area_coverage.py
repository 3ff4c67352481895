"""*Today* of an area none of whose records is loaded for the window says so in its
tiles and trend, not "0" (tests/workflows/test_briefing_area_coverage.py: the
City of London's 2019 beside West Yorkshire's July 2018)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from fastapi import FastAPI

from avert.config.settings import load_settings
from avert.web import create_app
from avert.workflows.users import add_user
from briefing.factory import append_assaults
from web.helpers import PASSWORD, SECRET, migrated_store, signed_in

AT = dt.datetime(2018, 8, 1, 6)


def _app(tmp_path: Path, template_db: Path) -> FastAPI:
    path = tmp_path / "two.db"
    store = migrated_store(path, template_db)
    times = [AT - dt.timedelta(hours=2), dt.datetime(2019, 1, 1, 3)]
    incidents = pl.DataFrame(
        {
            "incident_id": ["leeds", "city"],
            "occurred_from": times,
            "time_precision": ["exact", "exact"],
            "offence_code": ["8N", "8N"],
            "borough": ["Leeds", "City of London"],
            "x": [400_000.0] * 2,
            "y": [300_000.0] * 2,
            "source": ["test"] * 2,
            "force": ["West Yorkshire Police", "City of London Police"],
        }
    )
    with store.transaction() as tx:
        append_assaults(tx, incidents, pl.DataFrame())
    add_user(store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=f"sqlite:///{path}", secret_key=SECRET, pseudonym_key="k" * 40
    )
    return create_app(settings, store)


def test_today_of_an_area_with_no_records_loaded_says_so(
    tmp_path: Path, template_db: Path
) -> None:
    client = signed_in(_app(tmp_path, template_db), "analyst")
    page = client.get(f"/today?at={AT:%Y-%m-%dT%H:%M}&area=City+of+London")
    assert page.status_code == 200, page.text
    why = "no records of City of London are loaded before 2019-01-01"
    assert f"Violence: not counted ({why})." in page.text
    assert "<b>0</b>violent incidents" not in page.text
    assert "last 28 days 0" not in page.text
    leeds = client.get(f"/today?at={AT:%Y-%m-%dT%H:%M}&area=Leeds")
    # one incident in the singular (the crawl read "1 incidents" on Today)
    assert "<b>1</b>violent incident</div>" in leeds.text
