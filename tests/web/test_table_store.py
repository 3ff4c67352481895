"""The web app over a store of a mapped incident table (Toronto's MCI layout,
``ingest table --mapping toronto-mci``): no LSOA, borough or location text."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, migrated_store, signed_in

ROWS = (
    "occurrence_date,occurrence_hour,mci_category,premises_type,neighbourhood,"
    "latitude,longitude\n"
    "2021-12-30,21,Assault,House,West Humber-Clairville,43.72167242,-79.58751912\n"
    "2021-12-30,22,Robbery,Outside,Annex (95),43.6700,-79.4000\n"
)


@pytest.fixture(scope="module")
def table_app(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> FastAPI:
    root = tmp_path_factory.mktemp("table")
    url = f"sqlite:///{root / 'table.db'}"
    migrated_store(root / "table.db", template_db).close()
    csv = root / "toronto.csv"
    csv.write_text(ROWS, encoding="utf-8")
    env = {"AVERT_CRS": "EPSG:32617", "AVERT_TIMEZONE": "America/Toronto"}
    res = CliRunner(env=env).invoke(
        cli_app,
        ["--db", url, "ingest", "table", str(csv), "--mapping", "toronto-mci"],
    )
    assert res.exit_code == 0, res.output
    store = Store(url)
    add_user(store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=url,
        secret_key=SECRET,
        pseudonym_key="k" * 40,
        crs="EPSG:32617",
        timezone="America/Toronto",
    )
    return create_app(settings, store)


def test_incidents_page_says_where_from_the_neighbourhood(table_app: FastAPI) -> None:
    """Toronto's rows name a neighbourhood (the mapping's ``ward``) and no LSOA,
    borough or location text: the Where column of every incident was blank."""
    page = signed_in(table_app, "analyst").get(
        "/incidents?from=2021-12-30T00:00&to=2021-12-31T00:00"
    )
    assert page.status_code == 200
    assert "2 found" in page.text, page.text[:2000]
    assert "West Humber-Clairville" in page.text
    assert "Annex (95)" in page.text


def test_performance_offers_only_the_areas_the_store_records(
    table_app: FastAPI,
) -> None:
    """The mapping gives a neighbourhood (ward) and no LSOA, borough or force: the
    By area field offered all five, and each but ward judged one area, "unknown"."""
    client = signed_in(table_app, "analyst")
    page = client.get("/performance?month=2021-12")
    assert page.status_code == 200, page.text[:2000]
    assert '<option value="ward"' in page.text
    for absent in ("lsoa", "lsoa_name", "borough", "force"):
        assert f'<option value="{absent}"' not in page.text
    refused = client.get("/performance?month=2021-12&by=lsoa")
    assert refused.status_code == 400
    assert "recorded: ward" in refused.text
