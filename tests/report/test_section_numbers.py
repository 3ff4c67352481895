"""Every section of the briefing is numbered, in order, in its HTML (the PDF's
and Today's: the same ``_briefing_sections.html``).

Probing Today found "3. Repeat victims hit again" followed by three sections
with no number (high-risk DASH assessments, vulnerable ASB callers, escalating
ASB) before "4. People of concern", and "Open actions due" unnumbered between
"6." and "7.".
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from avert.briefing import daily_briefing
from avert.report import render_briefing_html
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)
DASH = {"rule": "14+ yes", "line": "No high-risk assessment.", "items": [], "notes": []}


@pytest.fixture(scope="module")
def briefing_data() -> tuple[Any, dict[str, Any]]:
    f = make_frames(300, at=AT, seed=5)
    tables = {k: f[k] for k in ("people", "identities", "asb", "actions")}
    b = daily_briefing(f["incidents"], f["involvements"], at=AT, tables=tables)
    return b, b.to_json()


def _headings(html: str) -> list[str]:
    body = html[html.index('<section id="incidents">') :]
    return [
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(r"<h2[^>]*>(.*?)(?:<small>|</h2>)", body, re.S)
    ]


@pytest.mark.parametrize("dash", [None, DASH], ids=["no DASH data", "DASH data"])
def test_every_section_is_numbered_in_order(
    briefing_data: tuple[Any, dict[str, Any]], dash: dict[str, Any] | None
) -> None:
    b, data = briefing_data
    html = render_briefing_html(b, data=dict(data, dash_high_risk=dash))
    headings = _headings(html)
    assert len(headings) == (11 if dash else 10), headings
    numbers = [re.match(r"(\d+)\. \S", h) for h in headings]
    assert all(numbers), headings
    assert [int(n.group(1)) for n in numbers if n] == list(range(1, len(headings) + 1))
    assert headings[-1].endswith("Taskings from the meeting")
    assert any("High-risk domestic abuse" in h for h in headings) == bool(dash)
