"""Accessibility: every page, by role, passes axe-core's WCAG 2.2 A/AA rules.

Public bodies in the UK must meet WCAG 2.2 AA (the Public Sector Bodies
Accessibility Regulations 2018); the people in the daily meeting include officers
and partners who use a screen reader, zoom or high contrast. axe-core (Deque,
MPL-2.0, bundled by the ``axe-playwright-python`` test dependency) runs in the
page in headless Chromium; its WCAG 2.0/2.1/2.2 A and AA rules and its best
practices (one ``h1``, landmarks) must report nothing. What it found when first
run: a partner badge and a group flag with white text below 4.5:1 contrast (3.32
and 3.46), no page heading (``h1``) on every page but Today, and the printed
briefing and board pack without a main landmark.

axe checks what a machine can (about a third of WCAG's criteria); keyboard use
and reading order are checked by hand (docs/web.md).
"""

from __future__ import annotations

from typing import Any

import pytest

from web.helpers import World, open_record, sign_in_page

#: axe-core's rule tags: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and its best
#: practices (one main landmark, one h1, every content inside a landmark)
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": [
            "wcag2a",
            "wcag2aa",
            "wcag21a",
            "wcag21aa",
            "wcag22aa",
            "best-practice",
        ],
    },
    "resultTypes": ["violations"],
}

#: The pages each role opens (chair stands for officer and analyst, whose pages
#: are the same templates with fewer rows)
PAGES = {
    "chair": [
        "/today",
        "/incidents",
        "/places",
        "/groups",
        "/plan",
        "/plan/mine",
        "/meeting",
        "/marac",
        "/performance",
        "/equality",
        "/no-such-page",
    ],
    "admin": ["/data", "/audit"],
    "partner": ["/today", "/incidents", "/plan", "/meeting", "/marac"],
    "board": ["/today", "/plan", "/performance", "/equality"],
}


def _violations(page: Any) -> list[str]:
    """axe's violations on ``page``, one line each: rule, impact, first element."""
    from axe_playwright_python.sync_playwright import Axe

    found = Axe().run(page, options=AXE_OPTIONS).response["violations"]
    return [
        f"{v['id']} ({v['impact']}, {len(v['nodes'])} elements, first "
        f"{v['nodes'][0]['target']}): {v['help']}"
        for v in found
    ]


@pytest.mark.browser
@pytest.mark.parametrize("role", sorted(PAGES))
def test_every_page_passes_axe(
    world: World, base_url: str, browser: object, role: str
) -> None:
    page, _ = sign_in_page(browser, base_url, role)
    page.wait_for_selector("#briefing h1")  # type: ignore[attr-defined]
    found: dict[str, list[str]] = {}
    for path in PAGES[role]:
        page.goto(f"{base_url}{path}")  # type: ignore[attr-defined]
        page.wait_for_load_state("load")  # type: ignore[attr-defined]
        found[path] = _violations(page)
    if role == "chair":  # a person's record (through its purpose form) and an action
        page.goto(f"{base_url}/today")  # type: ignore[attr-defined]
        page.locator("#briefing a[href^='/people/']").first.click()  # type: ignore[attr-defined]
        found["purpose form"] = _violations(page)
        open_record(page, "daily meeting check")
        page.wait_for_selector("#history")  # type: ignore[attr-defined]
        page.locator("#domestic-abuse").wait_for(state="attached")  # type: ignore[attr-defined]
        found["person"] = _violations(page)
        page.goto(f"{base_url}/plan")  # type: ignore[attr-defined]
        page.locator("a[href^='/plan/actions/']").first.click()  # type: ignore[attr-defined]
        page.wait_for_load_state("load")  # type: ignore[attr-defined]
        found["action"] = _violations(page)
    page.close()  # type: ignore[attr-defined]
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.browser
def test_the_sign_in_page_and_the_printed_reports_pass_axe(
    world: World, base_url: str, browser: object
) -> None:
    """The sign-in page, and the demo's self-contained briefing, board pack and index
    opened from disk (as a partner opens a briefing sent to them)."""
    page = browser.new_page()  # type: ignore[attr-defined]
    found: dict[str, list[str]] = {}
    page.goto(f"{base_url}/login")
    found["/login"] = _violations(page)
    reports = sorted(world.demo_dir.rglob("*.html"))
    assert {p.parent.name for p in reports} >= {"briefing", "board"}, reports
    for path in reports:
        page.goto(path.as_uri())
        found[path.name] = _violations(page)
    page.close()
    assert {k: v for k, v in found.items() if v} == {}
