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


#: The Incidents page's category filter, and its options (value, name).
CATEGORY_SELECT = re.compile(r'<select name="category">(.*?)</select>', re.S)
CATEGORY_OPTION = re.compile(r'<option value="([^"]*)"( selected)?>([^<]*)</option>')
EVERYTHING = {"from": "2000-01-01", "to": "2100-01-01"}


def _category_options(text: str) -> list[tuple[str, bool, str]]:
    select = CATEGORY_SELECT.search(text)
    assert select, text[:3000]
    return [
        (html.unescape(v), bool(s), html.unescape(n).strip())
        for v, s, n in CATEGORY_OPTION.findall(select.group(1))
    ]


def test_the_category_filter_offers_the_categories_present(world: World) -> None:
    """The filter was free text: a meeting had to type a key ("violence_weapon")
    or the exact name the page shows. It is a choice of the window's categories
    by name, and a chosen one filters the list and stays chosen."""
    client = signed_in(world.app, "chair")
    page = client.get("/incidents", params=EVERYTHING)
    assert page.status_code == 200, page.text[:500]
    options = _category_options(page.text)
    assert options[0] == ("", True, "all"), options
    names = {
        c.name for c in load_profile(world.settings.definition_id()).categories.values()
    }
    cells = {html.unescape(c).strip() for c in CATEGORY_CELL.findall(page.text)}
    offered = {n for _, _, n in options[1:]}
    assert cells - {"no single category"} <= offered, (cells, offered)
    assert offered <= names | cells, offered - names
    value, _, name = options[1]
    chosen = client.get("/incidents", params={**EVERYTHING, "category": value})
    assert chosen.status_code == 200
    listed = {html.unescape(c).strip() for c in CATEGORY_CELL.findall(chosen.text)}
    assert listed == {name}, listed
    assert (value, True, name) in _category_options(chosen.text)
    assert "not one of the definition" not in chosen.text


def test_an_unknown_category_says_so_not_an_empty_list(world: World) -> None:
    """A category no incident or definition has ("knfie") listed "0 found" and
    nothing else, as if none had happened: the page and the API say why."""
    client = signed_in(world.app, "chair")
    page = client.get("/incidents", params={**EVERYTHING, "category": "knfie"})
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "the category 'knfie' is not one of the definition's" in text, text[:3000]
    assert "the window's categories are " in text
    assert ("knfie", True, "knfie (none in this window)") in _category_options(
        page.text
    )
    api = client.get("/api/v1/incidents", params={**EVERYTHING, "category": "knfie"})
    assert api.status_code == 200, api.text[:500]
    assert api.json()["total"] == 0
    assert "'knfie' is not one of the definition's" in api.json()["records_missing"]


#: One incident row's "Why it is in" cell: the rule ids (on hover), the words.
WHY_CELL = re.compile(
    r'<td data-label="Why it is in" title="([^"]*)"><small class="rules">([^<]*)</small>'
)


def test_why_an_incident_is_in_reads_as_the_definitions_rules(world: World) -> None:
    """Walked in a browser on the demo: "Why it is in" read the rule ids alone
    ("msv.gbh_with_intent; hate.domestic_abuse; ext.repeat_victim"), codes a
    meeting does not read; it says the rules in the definition's words ("wounding
    / GBH with intent; domestic abuse; a repeat victim within 365 days"), the
    ids kept on hover."""
    page = signed_in(world.app, "chair").get("/incidents", params=EVERYTHING)
    assert page.status_code == 200
    cells = [
        (html.unescape(i), html.unescape(w)) for i, w in WHY_CELL.findall(page.text)
    ]
    assert cells, page.text[:3000]
    for ids, words in cells:
        assert ids, words
        assert len(ids.split("; ")) == len(words.split("; ")), (ids, words)
        for rule in ids.split("; "):
            assert rule not in words, (ids, words)
    said = {w for _, words in cells for w in words.split("; ")}
    assert "a repeat victim within 365 days" in said or "assault with injury" in said


def test_a_weapon_other_than_named_reads_as_a_weapon(world: World) -> None:
    """Walked in a browser: an incident's flags read "other" beside "domestic"
    (the weapon column's value, "other": a weapon that is no knife or firearm),
    which names nothing: it reads "other weapon"."""
    page = signed_in(world.app, "chair").get("/incidents", params=EVERYTHING)
    flags = re.findall(r'<span class="flag weapon">([^<]*)</span>', page.text)
    assert flags, page.text[:3000]
    assert "other" not in flags
    assert "other weapon" in flags, flags
