"""The Incidents page writes its counts as every other page does: 24,333, not 24333."""

from __future__ import annotations

from types import SimpleNamespace

from avert.web.app import _templates


def test_incident_counts_have_thousands_separators() -> None:
    """A London month listed "24333 found, the 500 of highest harm listed. no
    single category 21813" beside the briefing's "24,333"."""
    env = _templates().env
    html = env.get_template("incidents.html").render(
        request=SimpleNamespace(url=SimpleNamespace(path="/incidents")),
        nav=[],
        user=None,
        csrf="",
        audience=None,
        filters={"from": "", "to": "", "area": "", "category": "", "flag": ""},
        note=None,
        found={
            "total": 24333,
            "shown": 500,
            "by_category": [
                {"category": None, "len": 21813},
                {"category": "personal_robbery", "len": 2057},
            ],
            "incidents": [],
        },
    )
    assert "24,333 found, the 500 of highest harm listed." in html
    assert "no single category 21,813" in html
    assert "2,057" in html
