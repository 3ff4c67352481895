"""The Incidents page writes its counts as every other page does: 24,333, not 24333."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from avert.web.app import _templates
from avert.web.static_files import StaticVersions


def _page(found: dict[str, Any]) -> str:
    """The Incidents page rendered for ``found`` (the view's answer), no filter."""
    return (
        _templates()
        .env.get_template("incidents.html")
        .render(
            request=SimpleNamespace(url=SimpleNamespace(path="/incidents")),
            nav=[],
            user=None,
            csrf="",
            audience=None,
            filters={"from": "", "to": "", "area": "", "category": "", "flag": ""},
            note=None,
            found=found,
            static_url=StaticVersions().url,  # create_app's template helper
        )
    )


def test_incident_counts_have_thousands_separators() -> None:
    """A London month listed "24333 found, the 500 of highest harm listed. no
    single category 21813" beside the briefing's "24,333"."""
    html = _page(
        {
            "total": 24333,
            "shown": 500,
            "by_category": [
                {"category": None, "len": 21813},
                {"category": "personal_robbery", "len": 2057},
            ],
            "incidents": [],
        }
    )
    assert "24,333 found, the 500 of highest harm listed." in html
    assert "no single category 21,813" in html
    assert "2,057" in html


#: one listed row, every field the template reads
_INCIDENT = {
    "incident_id": "I1",
    "occurred_from": None,
    "time_precision": "month",
    "label": "Personal robbery",
    "category": "personal_robbery",
    "crime_type": "Robbery",
    "offence_code": None,
    "harm_days": 365,
    "location": None,
    "ward": None,
    "borough": None,
    "lsoa": None,
    "weapon": None,
    "domestic": False,
    "hate": None,
    "gang_related": False,
    "rule_ids": "",
}


def test_the_page_says_how_ties_are_ordered() -> None:
    """London's 500 tied "Personal robbery 365 d" rows were listed without a
    word on their order; the page says it (the view's ``order``)."""
    from avert.workflows.views import INCIDENTS_ORDER

    html = _page(
        {
            "total": 24333,
            "shown": 500,
            "order": INCIDENTS_ORDER,
            "by_category": [],
            "incidents": [_INCIDENT],
        }
    )
    assert "Listed highest harm first; equal harm: the latest first, then by" in html
