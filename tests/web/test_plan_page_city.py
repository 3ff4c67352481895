"""The Plan page over City of London Police's June 2019 (data.police.uk, OGL v3.0)
with no plan imported: every table says why it is empty."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from avert.cli import app as cli_app
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, signed_in

DATA = Path(__file__).parents[1] / "data" / "policeuk" / "2019-06"


@pytest.fixture(scope="module")
def city_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    root = tmp_path_factory.mktemp("city")
    url = f"sqlite:///{root / 'city.db'}"
    Store(url).upgrade()
    res = CliRunner().invoke(cli_app, ["--db", url, "ingest", "policeuk", str(DATA)])
    assert res.exit_code == 0, res.output
    store = Store(url)
    add_user(store, "analyst", password=PASSWORD, role="analyst")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key="k" * 40
    )
    return create_app(settings, store)


def test_the_lead_organisation_table_of_an_empty_plan_says_so(
    city_app: FastAPI,
) -> None:
    page = signed_in(city_app, "analyst").get("/plan")
    assert page.status_code == 200
    table = re.search(r'<table id="by-org">.*?</table>', page.text, re.S)
    assert table is not None
    assert "<td" in table.group(0), "an empty table with no reason"
    assert "No actions in the plan" in table.group(0)


def test_the_top_harm_check_names_the_data_s_end(city_app: FastAPI) -> None:
    page = signed_in(city_app, "analyst").get("/plan")
    assert "no incident recorded from" in page.text
    assert "latest is of June 2019" in page.text
