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
    if role == "board":
        # the synthetic city's searches are a force's own records: the board
        # reads them by years ending 31 March, and the world's 120 days to
        # November 2026 fall in none that has ended (the page says so)
        assert "Equality figures are not available" in html
        assert "fixed years ending 31 March" in html
        assert '<table class="rates' not in html
        return
    assert "Equality figures are not available" not in html
    rates = html[html.index('<table class="rates') :]
    rates = rates[: rates.index("</table>")]
    ratio = r"<td[^>]*>\d+\.\d\d \(\d+\.\d\d to \d+\.\d\d\)</td>"
    # a ratio to White with its interval, e.g. "2.51 (0.70 to 9.06)"
    assert re.search(ratio, rates), rates
    assert "[c]" not in rates
    assert "against the synthetic city" in html
    assert "against census" not in html
    # the city's stops say whether each outcome was linked to the object of the
    # search (the bundle's outcome_linked): before 2026-12 no bundle could, and
    # the page read "Find rate not known" under a column of dashes
    assert "Find rate not known" not in html
    assert "no find rate is given" not in html
