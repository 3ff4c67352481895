"""Make-up by sex, age band and ethnicity beside every list of people in the web app."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.access import SMALL_CELL
from avert.analyse.equality import age_band_expr
from avert.workflows.users import issue_token
from web.helpers import World, signed_in

PERSON_ID = re.compile(r"\bP\d{7}\b")


def _api(world: World, username: str, url: str) -> Any:
    token = issue_token(world.store, username)
    response = TestClient(world.app).get(
        url, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _independent_counts(
    world: World, ids: list[str], at_year: int
) -> dict[str, Counter[str]]:
    """Counts of the listed people by dimension, computed here from the people table."""
    people = world.store.read_frame(
        "people", columns=["person_id", "sex", "birth_year", "ethnicity"]
    ).filter(pl.col("person_id").is_in(ids))
    groups = {"White", "Asian", "Black", "Mixed", "Other"}
    out: dict[str, Counter[str]] = {
        "sex": Counter(),
        "age_band": Counter(),
        "ethnicity": Counter(),
    }
    bands = people.select(
        age_band_expr(pl.lit(at_year) - pl.col("birth_year")).alias("b")
    )["b"]
    for row, band in zip(people.iter_rows(named=True), bands, strict=True):
        out["sex"][row["sex"] or "unknown"] += 1
        out["age_band"][band or "unknown"] += 1
        eth = row["ethnicity"]
        out["ethnicity"][eth if eth in groups else "unknown"] += 1
    assert people.height == len(set(ids)), "every listed person is in the people table"
    return out


def _listed(made: dict[str, Any]) -> dict[str, Counter[str]]:
    out: dict[str, Counter[str]] = {}
    for row in made["rows"]:
        if row["listed"]:
            out.setdefault(row["dimension"], Counter())[row["category"]] = row["listed"]
    return out


def test_police_briefing_json_has_the_make_up_of_each_list(world: World) -> None:
    data = _api(world, "chair", "/api/v1/briefing?hours=72")
    made = data["make_up"]
    assert data["people"], "the check needs a briefing that lists people"
    sections = {
        "people": [p["person_id"] for p in data["people"]],
        "repeat_victims": [p["person_id"] for p in data["repeat_victims"]],
        "asb_callers": [p["person_id"] for p in data["asb_callers"]],
    }
    at_year = int(data["window"]["to"][:4])
    checked = 0
    for key, ids in sections.items():
        if not ids:
            assert key not in made
            continue
        assert made[key]["n"] == len(set(ids))
        assert made[key]["disclosure"] is None  # police: whole counts
        assert _listed(made[key]) == _independent_counts(world, ids, at_year)
        checked += 1
    assert checked >= 1
    # a ratio with its interval for every non-reference category with people
    people = made["people"]
    for row in people["rows"]:
        if row["category"] == people["references"][row["dimension"]]:
            assert row["ci_low"] is None
        assert {"ratio", "ci_low", "ci_high", "pool", "share_pool"} <= set(row)


def test_today_shows_a_make_up_beside_each_list(world: World) -> None:
    client = signed_in(world.app, "chair")
    data = _api(world, "chair", "/api/v1/briefing?hours=72")
    html = client.get("/today?hours=72").text
    for key in data["make_up"]:
        assert f'id="makeup-{key.replace("_", "-")}"' in html, key
    # beside the list: the people's make-up follows their table, before places
    people_at = html.index('id="people"')
    assert people_at < html.index('id="makeup-people"') < html.index('id="places"')


def test_partner_make_up_withholds_small_cells_and_names_nobody(world: World) -> None:
    data = _api(world, "partner", "/api/v1/briefing?hours=72")
    made = data["make_up"]
    assert made, "partners see the make-up too (counts only)"
    seen_withheld = False
    for block in made.values():
        assert block["disclosure"]
        assert "[c]" in block["disclosure"]
        for row in block["rows"]:
            for col in ("listed", "pool"):
                value = row[col]
                assert value is None or value == 0 or value >= SMALL_CELL, row
                if row[f"{col}_withheld"]:
                    seen_withheld = True
                    assert value is None
                    assert row["ratio"] is None
                    assert row[f"share_{col}"] is None
        dims = Counter(r["dimension"] for r in block["rows"] if r["listed_withheld"])
        assert all(n != 1 for n in dims.values()), "secondary suppression"
    assert seen_withheld, "a ten-person list has small cells to withhold"
    html = signed_in(world.app, "partner").get("/today?hours=72").text
    assert "[c]" in html
    assert not set(PERSON_ID.findall(html)) & world.person_ids


@pytest.mark.parametrize("username", ["chair", "partner"])
def test_groups_page_shows_the_members_make_up(world: World, username: str) -> None:
    html = signed_in(world.app, username).get("/groups").text
    assert 'id="makeup-group-members"' in html
    if username != "chair":
        assert not set(PERSON_ID.findall(html)) & world.person_ids


def test_meeting_shows_the_make_up_of_people_tasked(world: World) -> None:
    html = signed_in(world.app, "chair").get("/meeting").text
    taskings = world.store.read_frame("taskings")
    people = taskings.filter(
        pl.col("item_kind").is_in(["person", "repeat_victim", "asb_caller"])
    )
    if people.height == 0:
        pytest.skip("the demo city tasked no person")
    assert 'id="makeup-taskings"' in html


@pytest.mark.parametrize("username", ["chair", "partner", "board"])
def test_plan_shows_the_make_up_of_people_it_targets(
    world: World, username: str
) -> None:
    """Of the actions the plan board shows the user: a partner its organisation's,
    the board every one (its make-up once kept only the board's own organisation's)."""
    actions = world.store.read_frame("actions").filter(
        (pl.col("target_type") == "person")
        & ~pl.col("status").is_in(["done", "cancelled"])
    )
    if username == "partner":
        org = world.store.read_frame("users").filter(pl.col("username") == username)
        actions = actions.filter(pl.col("lead_organisation") == org["org"][0])
    html = signed_in(world.app, username).get("/plan").text
    if actions.height == 0:
        assert 'id="makeup-plan-people"' not in html
        return
    assert 'id="makeup-plan-people"' in html
    n = actions["target_id"].n_unique()
    assert f"Make-up of the {n} {'person' if n == 1 else 'people'} targeted" in html
    if username != "chair":
        assert not set(PERSON_ID.findall(html)) & world.person_ids


@pytest.mark.parametrize("username", ["chair", "partner"])
def test_make_up_age_bands_run_from_the_youngest(world: World, username: str) -> None:
    """Every make-up listed "under 10" after "over 34" (rows sorted by name); the
    bands now run youngest first, ``unknown`` last, on every page and the API."""
    order = ["under 10", "10-17", "18-24", "25-34", "over 34", "unknown"]
    client = signed_in(world.app, username)
    seen = 0
    for path in ("/today", "/groups"):
        page = client.get(path, params={"hours": 24 * 31} if path == "/today" else {})
        for table in re.findall(r"<th>age band</th>.*?</tbody>", page.text, re.S):
            bands = re.findall(r"<tr[^>]*><td>([^<]+)</td>", table)
            assert bands == sorted(bands, key=order.index), (path, bands)
            seen += "under 10" in bands
    data = client.get("/api/v1/briefing", params={"hours": 24 * 31}).json()
    for made in data["make_up"].values() if isinstance(data["make_up"], dict) else []:
        bands = [r["category"] for r in made["rows"] if r["dimension"] == "age_band"]
        assert bands == sorted(bands, key=order.index), bands
    assert seen, "needs a make-up with children in it"


@pytest.mark.parametrize("username", ["chair", "partner"])
def test_groups_page_says_which_rows_are_one_group(world: World, username: str) -> None:
    """A declared group and the community detected holding most of its members are
    two views of one group (``match_groups``), but the page listed them as two
    groups with the same harm and size and no word of it. Each row now names its
    other view; partners see it under the group's pseudonym only."""
    page = signed_in(world.app, username).get("/groups").text
    table = page[page.index('id="group-list"') : page.index("</table>")]
    rows = re.findall(  # a group's words, its id, then what it is the same as
        r'<tr><td[^>]*><span class="group-words">[^<]*</span> '
        r'<small>\(<span class="rec">([^<]+)</span>\)</small>(.*?)</td>',
        table,
    )
    same = {
        gid: re.findall(r'<span class="rec">([^<]+)</span>', rest) for gid, rest in rows
    }
    pairs = {(a, b) for a, others in same.items() for b in others}
    assert pairs, "needs a declared group and its detected view"
    assert all((b, a) in pairs for a, b in pairs), pairs  # both rows say so
    if username == "partner":
        shown = " ".join(gid for pair in pairs for gid in pair)
        assert not re.search(r"\bG\d{3}\b|net-P\d", shown), shown
