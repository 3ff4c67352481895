"""The Equality page's charts on a phone: drawn for it, readable, within the screen.

At 390 px the power, trend and find charts (620-640 px drawings) kept their drawn
size and scrolled sideways in their boxes, their text 10 px, the powers' ratios
and the trend's latest months off the screen; shrunk to the screen's width (a
reverted try) their labels were about 6 px. They are drawn again 300 px wide for a
phone (the powers' labels above their intervals, 4 months on the trend's axis) and
shown at the screen's width: every label at least 11 px as rendered, every chart
within the screen, no two labels over each other. A wide screen keeps the wide
drawings (as the PDF). Screenshots: ``benchmarks/out/web-equality-charts-*.png``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from web.helpers import sign_in_page

OUT = Path(__file__).resolve().parents[2] / "benchmarks" / "out"

# each shown chart of the Equality page: which drawing (phone or wide), how far it
# runs past its box or the screen, its smallest text on the screen (font size in
# SVG units times the drawing's scale), its labels that overlap another and
# those cut by the drawing's edge
_SHOWN_CHARTS = """() => [...document.querySelectorAll('main .board-equality figure.chart')]
    .filter(f => getComputedStyle(f).display !== 'none').map(f => {
        const svg = f.querySelector('svg');
        const box = svg.getBoundingClientRect();
        const scale = box.width / svg.viewBox.baseVal.width;
        const texts = [...svg.querySelectorAll('text')];
        const rects = texts.map(t => t.getBoundingClientRect());
        const overlaps = [];
        rects.forEach((a, i) => rects.slice(i + 1).forEach((b, j) => {
            const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
            const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
            if (w > 1 && h > 1) overlaps.push([texts[i].textContent,
                                               texts[i + 1 + j].textContent]);
        }));
        return {
            phone: f.classList.contains('chart-phone'),
            title: svg.querySelector('title').textContent,
            hidden: Math.max(f.scrollWidth - f.clientWidth,
                             box.right - window.innerWidth, -box.left),
            text_px: Math.min(...texts.map(
                t => parseFloat(t.getAttribute('font-size')) * scale)),
            overlaps: overlaps,
            clipped: texts.filter(t => {
                const r = t.getBoundingClientRect();
                return r.left < box.left - 0.5 || r.right > box.right + 0.5;
            }).map(t => t.textContent),
        };
    })"""


def _shown(browser: object, base_url: str, width: int, height: int) -> Any:
    page, errors = sign_in_page(browser, base_url, "admin")
    page.set_viewport_size({"width": width, "height": height})  # type: ignore[attr-defined]
    page.goto(f"{base_url}/equality")  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    charts = page.evaluate(_SHOWN_CHARTS)  # type: ignore[attr-defined]
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth - window.innerWidth"
    )
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(  # type: ignore[attr-defined]
        path=str(OUT / f"web-equality-charts-{width}.png"), full_page=True
    )
    page.close()  # type: ignore[attr-defined]
    assert errors == [], errors
    return charts, overflow


@pytest.mark.browser
def test_on_a_phone_the_equality_charts_are_drawn_for_it(
    base_url: str, browser: object
) -> None:
    charts, overflow = _shown(browser, base_url, 390, 844)
    assert overflow <= 1, overflow
    # the rates and ratios (drawn 300 px for both) and the phone's power, trend
    # and find charts, no wide one
    assert len(charts) == 5, [c["title"] for c in charts]
    assert sum(c["phone"] for c in charts) == 3, charts
    for c in charts:
        assert c["hidden"] <= 1, c
        assert c["text_px"] >= 11, c
        assert c["overlaps"] == [], c
        assert c["clipped"] == [], c


@pytest.mark.browser
def test_on_a_small_phone_every_equality_label_is_12_px(
    base_url: str, browser: object
) -> None:
    """At 320 px (304 px inside the page's margins) the charts drawn 300 px wide
    showed their 10 px labels at 10.1 px; drawn 250 px, 12.2 px. No label is cut
    by its drawing's edge (the ratio axis's name, centred under the plot, ran off
    a narrow drawing) nor over another (the trend's first month under its "0")."""
    charts, overflow = _shown(browser, base_url, 320, 640)
    assert overflow <= 1, overflow
    assert len(charts) == 5, [c["title"] for c in charts]
    assert sum(c["phone"] for c in charts) == 3, charts
    for c in charts:
        assert c["hidden"] <= 1, c
        assert c["text_px"] >= 12, c
        assert c["overlaps"] == [], c
        assert c["clipped"] == [], c


@pytest.mark.browser
def test_on_a_wide_screen_the_equality_charts_keep_their_wide_drawings(
    base_url: str, browser: object
) -> None:
    charts, overflow = _shown(browser, base_url, 1280, 800)
    assert overflow <= 1, overflow
    assert len(charts) == 5, [c["title"] for c in charts]
    assert not any(c["phone"] for c in charts), charts
    for c in charts:
        assert c["hidden"] <= 1, c
        assert c["text_px"] >= 10, c  # the drawn size, as in the PDF
