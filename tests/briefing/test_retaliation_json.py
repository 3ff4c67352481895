"""briefing.json tells a briefing that cannot raise retaliation alerts (the store
records no groups) from one whose groups raised none.

Before, both gave ``summary.n_retaliation`` 0 and ``retaliation`` []: only the
text of a note ("No groups recorded: ...") told them apart, while the other
counts these data cannot tell are null with a reason in
``summary.not_computable``. The HTML tile read "0 retaliation alerts" and the
section "No live retaliation alerts." for a store with no groups at all.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from avert.briefing import daily_briefing
from avert.report import render_briefing_html
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return make_frames(1500, at=AT, seed=3)


def _brief(frames: dict[str, pl.DataFrame], *, groups: bool):
    f = frames
    members = f["group_members"] if groups else f["group_members"].clear()
    return daily_briefing(
        f["incidents"],
        f["involvements"],
        at=AT,
        tables={
            "people": f["people"],
            "groups": f["groups"] if groups else f["groups"].clear(),
            "group_members": members,
            # alerts looked for, none live: the groups raised none
            "retaliation": None,
        },
    )


def test_no_groups_is_not_computable_and_none_found_is_zero(frames) -> None:
    none_found = json.loads(json.dumps(_brief(frames, groups=True).to_json()))
    no_groups = json.loads(json.dumps(_brief(frames, groups=False).to_json()))
    assert none_found["retaliation"] == no_groups["retaliation"] == []
    assert none_found["summary"]["n_retaliation"] == 0
    assert none_found["summary"]["n_retaliation_strong"] == 0
    assert "n_retaliation" not in none_found["summary"]["not_computable"]
    assert no_groups["summary"]["n_retaliation"] is None
    assert no_groups["summary"]["n_retaliation_strong"] is None
    why = no_groups["summary"]["not_computable"]
    assert why["n_retaliation"] == why["n_retaliation_strong"] == "no groups recorded"


def test_the_page_says_no_alert_can_be_raised(frames) -> None:
    html = render_briefing_html(_brief(frames, groups=False))
    assert "<b>–</b>retaliation alerts <small>(no groups recorded)" in html
    assert "No live retaliation alerts." not in html
    assert "so no retaliation alert can be raised (not none found)" in html
    found = render_briefing_html(_brief(frames, groups=True))
    assert "No live retaliation alerts." in found
