"""A keyboard user skips the bar of links at the top of every page.

Found by walking the demo city with the keyboard (2026-12): every page opened with
the brand, up to ten links of the bar and "Sign out" before its first own field
(Today's window: the 13th Tab; a Meeting item's "Task this": the 67th), with no way
past them (WCAG 2.2, 2.4.1 Bypass Blocks). The first Tab now reaches "Skip to the
page's content", shown while it has the focus; Enter puts the focus on the page's
``main``, so the next Tab reaches the page's own first field.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from web.helpers import World, sign_in_page, signed_in

_ACTIVE = """() => { const e = document.activeElement;
  const r = e.getBoundingClientRect();
  return {tag: e.tagName.toLowerCase(), id: e.id, href: e.getAttribute('href'),
          name: e.getAttribute('name'), text: (e.innerText || '').trim(),
          inMain: !!e.closest('main'), left: r.left, width: r.width}; }"""


def _tab(page: Any) -> dict[str, Any]:
    page.keyboard.press("Tab")
    active: dict[str, Any] = page.evaluate(_ACTIVE)
    return active


@pytest.mark.browser
@pytest.mark.parametrize("path", ["/today", "/meeting", "/no-such-page"])
def test_the_first_tab_skips_to_the_page(
    world: World, base_url: str, browser: object, path: str
) -> None:
    page, errors = sign_in_page(browser, base_url, "chair")
    page.goto(f"{base_url}{path}")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    skip = _tab(page)
    assert skip["href"] == "#main", skip
    assert skip["text"] == "Skip to the page's content"
    assert skip["left"] >= 0  # on the screen while focused
    assert skip["width"] > 0
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    assert page.evaluate(_ACTIVE)["id"] == "main"  # type: ignore[attr-defined]
    after = _tab(page)
    assert after["inMain"], after  # the page's own first link or field, not the bar
    if path == "/today":
        assert after["name"] == "at"  # the window's first field
    if path != "/no-such-page":  # (the 404 is a console error of its own)
        assert not errors
    page.close()  # type: ignore[attr-defined]


@pytest.mark.browser
def test_the_skip_link_is_off_the_screen_until_focused(
    world: World, base_url: str, browser: object
) -> None:
    page, _ = sign_in_page(browser, base_url, "partner")
    box = page.locator("a.skip").bounding_box()  # type: ignore[attr-defined]
    assert box is not None
    assert box["x"] + box["width"] < 0
    page.close()  # type: ignore[attr-defined]


def test_the_skip_links_rule_is_in_the_stylesheet_the_page_links(world: World) -> None:
    """The rule was an inline ``<style>`` of base.html, sent with every page; it is
    in avert.css, which the page links under its content's hash (a new rule, a
    new URL: a browser does not keep the old stylesheet without it)."""
    client = signed_in(world.app, "partner")
    page = client.get("/today").text
    assert "a.skip" not in page  # no inline rule
    link = re.search(r'href="(/static/avert\.css\?v=[0-9a-f]+)"', page)
    assert link is not None
    css = client.get(link.group(1))
    assert css.status_code == 200
    assert "a.skip { position: absolute; left: -10000px" in css.text
    assert "a.skip:focus { left: 8px; }" in css.text
