"""The web Places page of police.uk months heads its scores in their own unit.

A probe of West Yorkshire's July 2018 (data.police.uk) read "Score (times the
average cell's risk)" over kernel-density values per km² (1,796.4): that header is
the forecast's, whose scores are ratios; a month's hotspot map scores densities.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI

from avert.briefing.places import SCORE_UNITS
from web.helpers import city_month_app, signed_in


@pytest.fixture(scope="module")
def month_app(tmp_path_factory: pytest.TempPathFactory, city_month: Path) -> FastAPI:
    return city_month_app(tmp_path_factory.mktemp("month"), city_month)


def test_month_places_head_their_scores_as_densities(month_app: FastAPI) -> None:
    page = signed_in(month_app, "analyst").get("/places")
    assert page.status_code == 200
    assert "a hotspot map, not a forecast" in page.text
    unit = SCORE_UNITS["recent_hotspots"]
    assert f"<th>Score <small>({unit})</small></th>" in page.text
    assert "average cell" not in page.text
