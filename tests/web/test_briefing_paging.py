"""``GET /api/v1/briefing`` gives its long lists a page at a time.

A London month is 21,961 incidents, 24 MB of JSON: the answer listed them all (and
every map point). It gives a page of each now (500 by default), says under
``pages`` how many there are in all and the offset of the next page, and the pages
together are the whole list, for the police and for partners (pseudonyms only).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.store import audit
from avert.workflows import views
from avert.workflows.users import issue_token
from avert.workflows.views import (
    BRIEFING_PAGE_DEFAULT,
    BRIEFING_PAGE_MAX,
    BRIEFING_PAGED,
)
from web.helpers import World
from web.test_partner_view import PERSON_ID

WEEK = {"hours": 168}


def _client(world: World, username: str) -> tuple[TestClient, dict[str, str]]:
    token = issue_token(world.store, username)
    return TestClient(world.app), {"Authorization": f"Bearer {token}"}


def _get(world: World, username: str, **params: Any) -> dict[str, Any]:
    client, headers = _client(world, username)
    response = client.get("/api/v1/briefing", params=params, headers=headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def _items(data: dict[str, Any], name: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        data["map"]["points"] if name == "map_points" else data[name]
    )
    return items


def _all_pages(
    world: World, username: str, *, limit: int, lists: str = "incidents"
) -> list[dict[str, Any]]:
    """Every page of one list, following ``next_offset`` to the end."""
    items: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = _get(
            world,
            username,
            **WEEK,
            **{f"{lists}_offset": offset, f"{lists}_limit": limit},
        )
        got = _items(page, lists)
        assert len(got) == page["pages"][lists]["returned"] <= limit
        items += got
        offset = page["pages"][lists]["next_offset"]
    return items


def test_the_first_page_says_the_total_and_the_next(world: World) -> None:
    data = _get(world, "chair", **WEEK, incidents_limit=3)
    total = data["summary"]["n_incidents"]
    assert total > 3, "the check needs a week of more than three incidents"
    assert [i["rank"] for i in data["incidents"]] == [1, 2, 3]
    assert data["pages"]["incidents"] == {
        "offset": 0,
        "limit": 3,
        "returned": 3,
        "total": total,
        "next_offset": 3,
        "next": f"the same query with at={data['at']}&incidents_offset=3",
    }


def test_the_pages_together_are_the_whole_list(world: World) -> None:
    whole = _get(world, "chair", **WEEK, incidents_limit=BRIEFING_PAGE_MAX)
    assert whole["pages"]["incidents"]["next_offset"] is None
    paged = _all_pages(world, "chair", limit=4)
    assert paged == whole["incidents"]
    assert len(paged) == whole["summary"]["n_incidents"]
    points = _all_pages(world, "chair", limit=7, lists="map_points")
    assert len(points) == whole["pages"]["map_points"]["total"] > 7


def test_every_long_list_is_paged(world: World) -> None:
    biggest = {f"{name}_limit": BRIEFING_PAGE_MAX for name in BRIEFING_PAGED}
    whole = _get(world, "chair", **WEEK, **biggest)
    for name in BRIEFING_PAGED:
        total = whole["pages"][name]["total"]
        assert len(_items(whole, name)) == total, name
        page = _get(world, "chair", **WEEK, **{f"{name}_offset": 1, f"{name}_limit": 2})
        assert _items(page, name) == _items(whole, name)[1:3], name
        assert page["pages"][name]["total"] == total, name
    assert whole["pages"]["repeat_victims"]["total"] > 2, "the check needs victims"


def test_the_default_page_is_capped(world: World) -> None:
    data = _get(world, "chair", hours=720)
    page = data["pages"]["incidents"]
    assert page["limit"] == BRIEFING_PAGE_DEFAULT
    assert len(data["incidents"]) == page["returned"] == min(page["total"], 500)
    for name in BRIEFING_PAGED:
        assert len(_items(data, name)) <= BRIEFING_PAGE_DEFAULT, name


def test_a_page_past_the_end_is_empty_and_last(world: World) -> None:
    data = _get(world, "chair", **WEEK, incidents_offset=100_000)
    assert data["incidents"] == []
    assert data["pages"]["incidents"]["returned"] == 0
    assert data["pages"]["incidents"]["next_offset"] is None


def test_a_limit_out_of_bounds_is_refused(world: World) -> None:
    client, headers = _client(world, "chair")
    for params in (
        {"incidents_limit": 0},
        {"incidents_limit": BRIEFING_PAGE_MAX + 1},
        {"incidents_offset": -1},
        {"map_points_limit": "abc"},
    ):
        response = client.get("/api/v1/briefing", params=params, headers=headers)
        assert response.status_code == 422, params


def test_partner_pages_hold_pseudonyms_only(world: World) -> None:
    police = _all_pages(world, "chair", limit=5)
    partner = _all_pages(world, "partner", limit=5)
    assert len(partner) == len(police)
    police_ids = {p["person_id"] for i in police for p in i["people"]}
    assert police_ids & world.person_ids, "the check needs incidents naming people"
    client, headers = _client(world, "partner")
    for offset in range(0, len(partner), 5):
        text = client.get(
            "/api/v1/briefing",
            params={**WEEK, "incidents_offset": offset, "incidents_limit": 5},
            headers=headers,
        ).text
        assert not set(PERSON_ID.findall(text)) & world.person_ids
    assert not any("name" in p for i in partner for p in i["people"])


def test_a_page_is_audited_with_the_people_it_holds(world: World) -> None:
    """The audit row counts and digests the people the caller receives
    (docs/audit.md): a page's, not the whole briefing's, so a client paging
    through a month is not recorded as shown everyone on every page."""
    client, headers = _client(world, "chair")
    one_each = {f"{name}_limit": 1 for name in BRIEFING_PAGED}
    seen = world.store.read_frame("audit").height
    answer = client.get(
        "/api/v1/briefing", params={**WEEK, **one_each}, headers=headers
    )
    assert answer.status_code == 200
    rows = world.store.read_frame("audit").slice(seen)
    row = rows.filter(pl.col("action") == "view").row(0, named=True)
    shown = set(re.findall(r"\bP\d{7}\b", answer.text)) & world.person_ids
    whole = _get(world, "chair", **WEEK)
    held = set(re.findall(r"\bP\d{7}\b", str(whole))) & world.person_ids
    assert shown < held, "the check needs a page holding fewer people"
    n, digest = audit.people_digest(sorted(shown))
    assert f"people={n}; people_sha256={digest}" in row["detail"]


def test_the_next_page_is_of_the_same_window(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query without ``at`` has a window ending now, which moves between
    requests: following ``next`` keeps the first page's window, so the pages
    neither skip nor repeat items."""
    end, _ = views.default_window_end(world.store)
    calls: list[int] = []

    def moving(store: object, **_: object) -> tuple[dt.datetime, None]:
        calls.append(1)  # the first request's end, then 30 hours earlier
        return end - dt.timedelta(hours=30 if len(calls) > 1 else 0), None

    monkeypatch.setattr(views, "default_window_end", moving)
    client, headers = _client(world, "chair")
    first = client.get(
        "/api/v1/briefing", params={**WEEK, "incidents_limit": 3}, headers=headers
    ).json()
    following = first["pages"]["incidents"]["next"].removeprefix("the same query with ")
    params = dict(part.split("=", 1) for part in following.split("&"))
    second = client.get(
        "/api/v1/briefing",
        params={**WEEK, "incidents_limit": 3, **params},
        headers=headers,
    ).json()
    assert second["window"] == first["window"]
    whole = _get(world, "chair", **WEEK, at=first["at"], incidents_limit=6)
    assert first["incidents"] + second["incidents"] == whole["incidents"]


@pytest.mark.parametrize("path", ["/today", "/today/briefing"])
def test_the_today_page_is_audited_with_the_people_it_shows(
    world: World, path: str
) -> None:
    """The *Today* page lists the first 40 incidents (and the first 20 or 30
    of its other long lists), but its audit row counted and digested every
    person of the whole briefing, not "everyone the caller received"
    (docs/audit.md). It holds exactly the people the page shows now, the
    page and its htmx fragment alike."""
    from web.helpers import signed_in

    client = signed_in(world.app, "chair")
    month = {"hours": 24 * 31}
    seen = world.store.read_frame("audit").height
    answer = client.get(path, params=month)
    assert answer.status_code == 200
    rows = world.store.read_frame("audit").slice(seen)
    row = rows.filter(
        (pl.col("action") == "view") & pl.col("object").str.starts_with("briefing:")
    ).row(0, named=True)
    # a person's id, also inside a detected group's id (net-P...: it names the
    # group's smallest member, as analyse groups audits it)
    person = r"\bP\d{7}\b"
    shown = set(re.findall(person, answer.text)) & world.person_ids
    whole = _get(world, "chair", **month)
    held = set(re.findall(person, str(whole))) & world.person_ids
    assert shown < held, "the check needs a page showing fewer people"
    n, digest = audit.people_digest(sorted(shown))
    assert f"people={n}; people_sha256={digest}" in row["detail"]


def test_the_escalating_asb_list_is_paged(world: World) -> None:
    """The escalating ASB reports (``asb_escalating``) were sent whole, however
    many a window held: they come a page at a time as the other long lists, with
    their total, and the pages together are the whole list."""
    month = {"hours": 24 * 31}
    whole = _get(world, "chair", **month, asb_escalating_limit=BRIEFING_PAGE_MAX)
    total = whole["pages"]["asb_escalating"]["total"]
    assert total == len(whole["asb_escalating"]) > 2, "the check needs reports"
    first = _get(world, "chair", **month, asb_escalating_limit=2)
    assert first["asb_escalating"] == whole["asb_escalating"][:2]
    assert first["pages"]["asb_escalating"]["next_offset"] == 2
    assert first["pages"]["asb_escalating"]["total"] == total
    rest = _get(
        world, "chair", **month, asb_escalating_offset=2, asb_escalating_limit=total
    )
    assert first["asb_escalating"] + rest["asb_escalating"] == whole["asb_escalating"]
    assert rest["pages"]["asb_escalating"]["next_offset"] is None
