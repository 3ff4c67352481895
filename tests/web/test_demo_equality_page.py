"""The demo's Equality page: its stops against the synthetic city's residents.

Before 2026-12 the demo loaded no denominators: the page said "Equality figures are
not available: No population with an ethnic-group breakdown: load census
denominators ... first" to every role.
"""

from __future__ import annotations

import re

import pytest

from web.helpers import World, signed_in


@pytest.mark.parametrize("role", ["chair", "board", "analyst"])
def test_demo_equality_page_shows_ratios_against_the_city_residents(
    world: World, role: str
) -> None:
    page = signed_in(world.app, role).get("/equality")
    assert page.status_code == 200
    html = page.text
    assert "Equality figures are not available" not in html
    rates = html[html.index('<table class="rates') :]
    rates = rates[: rates.index("</table>")]
    ratio = r"<td[^>]*>\d+\.\d\d \(\d+\.\d\d to \d+\.\d\d\)</td>"
    if role == "board":
        # the synthetic city's searches are a force's own records, published by
        # no one: its handful of searches of a group read [c] to the board, and
        # with them the ratios to White they would give back
        assert "[c]" in rates
        assert "The police read them whole." in html
    else:
        # a ratio to White with its interval, e.g. "2.51 (0.70 to 9.06)"
        assert re.search(ratio, rates), rates
        assert "[c]" not in rates
    assert "against the synthetic city" in html
    assert "against census" not in html
