"""The web Today page shows the briefing's high-risk DASH assessments of the
window (:mod:`avert.briefing.dash`); the audit row's people are
:func:`avert.workflows.briefing.people_shown`'s, checked in
tests/briefing/test_dash_high_risk.py."""

from __future__ import annotations

import datetime as dt

import polars as pl

from web.helpers import World, signed_in


def test_today_lists_a_high_risk_assessment_of_the_window(
    world: World,
) -> None:
    dash = world.store.read_frame("dash")
    yes = pl.sum_horizontal(
        (pl.col(f"q{n}") == "yes").fill_null(value=False).cast(pl.Int64)
        for n in range(1, 28)
    )
    high = dash.filter(yes >= 14).sort("assessed_at")
    assert high.height, "the demo city has no high-risk DASH assessment"
    row = high.row(-1, named=True)
    at = (row["assessed_at"] + dt.timedelta(hours=1)).replace(minute=0, second=0)
    page = signed_in(world.app, "chair").get(f"/today?at={at:%Y-%m-%dT%H:%M}")
    assert page.status_code == 200, page.text
    start = page.text.index('id="dash-high-risk"')
    section = page.text[start : page.text.index("</h2>", start) + 2000]
    assert "High-risk domestic abuse assessments, last 24 hours" in section
    assert row["person_id"] in section


def test_today_shows_partners_and_other_areas_no_assessment_victim(
    world: World,
) -> None:
    """The same window as a partner (pseudonyms, no assessment id) and as an
    officer of an area the assessment's incident is not in (not listed)."""
    dash = world.store.read_frame("dash")
    yes = pl.sum_horizontal(
        (pl.col(f"q{n}") == "yes").fill_null(value=False).cast(pl.Int64)
        for n in range(1, 28)
    )
    row = dash.filter(yes >= 14).sort("assessed_at").row(-1, named=True)
    at = (row["assessed_at"] + dt.timedelta(hours=1)).replace(minute=0, second=0)
    for user in ("partner", "officer-e"):
        page = signed_in(world.app, user).get(f"/today?at={at:%Y-%m-%dT%H:%M}")
        assert page.status_code == 200, page.text
        assert row["person_id"] not in page.text, user
        assert row["assessment_id"] not in page.text, user
