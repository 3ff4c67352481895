"""The Plan page over City of London Police's June 2019 (data.police.uk, OGL v3.0)
with no plan imported: every table says why it is empty."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI

from web.helpers import city_month_app, signed_in


@pytest.fixture(scope="module")
def city_app(tmp_path_factory: pytest.TempPathFactory, city_month: Path) -> FastAPI:
    return city_month_app(tmp_path_factory.mktemp("city"), city_month)


def test_the_lead_organisation_table_of_an_empty_plan_says_so(
    city_app: FastAPI,
) -> None:
    page = signed_in(city_app, "analyst").get("/plan")
    assert page.status_code == 200
    table = re.search(r'<table id="by-org".*?</table>', page.text, re.S)
    assert table is not None
    assert "<td" in table.group(0), "an empty table with no reason"
    assert "No actions in the plan" in table.group(0)


def test_the_top_harm_check_names_the_data_s_end(city_app: FastAPI) -> None:
    page = signed_in(city_app, "analyst").get("/plan")
    assert "no incident recorded from" in page.text
    assert "latest is of June 2019" in page.text
