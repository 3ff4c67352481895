"""Every date a page shows reads the same to every reader: in the app's words
("31 Mar 2026"), never in a format the browser chooses by its locale.

The Performance page's *Target reached by* was an ``<input type="date">``, which
Chromium in an American English browser shows as "03/31/2027" (month first), and
the other date and time fields (Today's *Window ends*, the Meeting's window and
*Due*, Incidents' *From* and *To*, the Audit's *Since* and *Until*, MARAC's *As
of*, an action's *Review date*) were ``datetime-local`` or ``date`` fields read
the same way ("11/24/2026, 06:00 AM"). They are text fields in the app's words
(:mod:`avert.web.dates`), which the server reads back.
"""

from __future__ import annotations

import re

import pytest

from web.helpers import World, sign_in_page

#: a date the browser formats by its locale: 03/31/2027, 31/03/2027, 3/31/27
_SLASHED = re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b")
#: input types whose shown value the browser localises (``month`` reads
#: "March 2026" in every English locale and is kept)
_LOCALISED = ("date", "datetime-local", "time", "week")
#: the app's words: "31 Mar 2027", "24 Nov 2026 06:00"
_WORDS = re.compile(r"^\d{2} [A-Z][a-z]{2} \d{4}( \d{2}:\d{2})?$")


def _fields(page: object) -> list[dict[str, str]]:
    """Every input of the page's main part: its name, type and value."""
    found: list[dict[str, str]] = page.eval_on_selector_all(  # type: ignore[attr-defined]
        "main input",
        "els => els.map(e => ({name: e.name, type: e.type, value: e.value}))",
    )
    return found


@pytest.mark.browser
def test_no_page_shows_a_date_the_browser_formats(
    world: World, base_url: str, browser: object
) -> None:
    """In an en-US browser, every page with a date field: no field the browser
    localises, each date field holds the app's words, and no date in the page's
    text is written with slashes."""
    page, errors = sign_in_page(browser, base_url, "admin", locale="en-US")
    assert page.evaluate("navigator.language") == "en-US"  # type: ignore[attr-defined]
    page.goto(f"{base_url}/plan")  # type: ignore[attr-defined]
    action = page.get_attribute("main a[href^='/plan/actions/']", "href")  # type: ignore[attr-defined]
    assert action, "the demo plan has no action"
    pages = {
        "/performance?target=-0.10&target_by=2027-03-31": ["target_by"],
        "/today": ["at"],
        "/meeting": ["at", "due"],
        "/incidents": ["from", "to"],
        "/audit?since=2026-11-01T00:00&until=2026-12-01T00:00": ["since", "until"],
        "/marac": ["at"],
        action: [],  # its review date, when it has one
    }
    for path, dated in pages.items():
        answer = page.goto(f"{base_url}{path}")  # type: ignore[attr-defined]
        assert answer.status == 200, path
        fields = _fields(page)
        localised = [f for f in fields if f["type"] in _LOCALISED]
        assert localised == [], (path, localised)
        shown = {f["name"]: f["value"] for f in fields if f["type"] == "text"}
        for name in dated:
            assert _WORDS.match(shown[name]), (path, name, shown[name])
        if shown.get("review_date"):
            assert _WORDS.match(shown["review_date"]), (path, shown["review_date"])
        text = page.inner_text("main")  # type: ignore[attr-defined]
        assert not _SLASHED.search(text), (path, _SLASHED.findall(text))
    page.goto(f"{base_url}/performance?target=-0.10&target_by=2027-03-31")  # type: ignore[attr-defined]
    assert page.input_value("input[name=target_by]") == "31 Mar 2027"  # type: ignore[attr-defined]
    assert errors == []
    page.close()  # type: ignore[attr-defined]


@pytest.mark.browser
def test_a_date_typed_in_the_apps_words_is_read(
    world: World, base_url: str, browser: object
) -> None:
    """The Performance form sent from the browser with the target's date typed
    as the field shows it ("31 Mar 2027") shows the page with that target."""
    page, _ = sign_in_page(browser, base_url, "board", locale="en-US")
    page.goto(f"{base_url}/performance")  # type: ignore[attr-defined]
    page.fill("input[name=target]", "-0.10")  # type: ignore[attr-defined]
    page.fill("input[name=target_by]", "31 Mar 2027")  # type: ignore[attr-defined]
    with page.expect_navigation() as sent:  # type: ignore[attr-defined]
        page.click("main form button[type=submit]")  # type: ignore[attr-defined]
    assert sent.value.status == 200  # type: ignore[attr-defined]
    assert "target_by=31+Mar+2027" in page.url  # type: ignore[attr-defined]
    assert page.input_value("input[name=target_by]") == "31 Mar 2027"  # type: ignore[attr-defined]
    page.close()  # type: ignore[attr-defined]
