"""The Incidents page names a category as the definition does, as the Places
page's map and the briefing do: "Violence with a weapon", not its key in words."""

from __future__ import annotations

import html
import re

from avert.config.definitions import load_profile
from web.helpers import World, signed_in

#: One incident row's Category cell: the name, then the crime type and code.
CATEGORY_CELL = re.compile(r'<td data-label="Category">([^<]*)<br>')


def test_incidents_name_their_categories_as_the_definition_does(
    world: World,
) -> None:
    """Walked in a browser on the demo: the Incidents page's rows and counts read
    "most serious violence" and "violence weapon" (the category keys with spaces)
    where the Places page's map, beside it, read "Most Serious Violence (MSV)"
    and "Violence with a weapon" (the definition's names)."""
    names = {
        c.name for c in load_profile(world.settings.definition_id()).categories.values()
    }
    keys = {
        cid.replace("_", " ")
        for cid in load_profile(world.settings.definition_id()).categories
    }
    page = signed_in(world.app, "chair").get(
        "/incidents", params={"from": "2000-01-01", "to": "2100-01-01"}
    )
    assert page.status_code == 200, page.text[:500]
    cells = [html.unescape(c).strip() for c in CATEGORY_CELL.findall(page.text)]
    assert cells, page.text[:3000]
    in_categories = [c for c in cells if c != "no single category"]
    assert in_categories, cells
    assert set(in_categories) <= names, set(in_categories) - names
    assert not set(in_categories) & keys
    counts = re.search(r'<p class="meta">[^<]*? found[^.]*\.\n([^<]*)</p>', page.text)
    assert counts, page.text[:3000]
    counted = {
        re.sub(r" [\d,]+$", "", part.strip())
        for part in html.unescape(counts.group(1)).split(" · ")
    }
    assert set(in_categories) <= counted, counted
    assert counted - {"no single category"} <= names, counted - names
