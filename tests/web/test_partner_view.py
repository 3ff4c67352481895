"""Partners see pseudonyms only: crawl every page and answer a partner can reach."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

from fastapi.testclient import TestClient

from avert.workflows.users import issue_token
from web.helpers import World, signed_in

#: Raw person ids of the synthetic city (pseudonyms look like "P-1a2b3c4d5e6f").
PERSON_ID = re.compile(r"\bP\d{7}\b")


#: A page as one crawl client fetched it: its status and text ("200\n<html>..."),
#: and each same-site link it holds as (path, path and query), in page order.
Fetched = tuple[str, list[tuple[str, str]]]


def _fetch(client: TestClient, url: str) -> Fetched:
    """``url`` as ``client`` reads it, and its same-site links (none unless HTML)."""
    response = client.get(url)
    links: list[tuple[str, str]] = []
    if "text/html" in response.headers.get("content-type", ""):
        for href in re.findall(r'href="([^"#]+)"', response.text):
            parsed = urlparse(urljoin(url, href.replace("&amp;", "&")))
            if parsed.netloc in ("", "testserver"):
                query = f"?{parsed.query}" if parsed.query else ""
                links.append((parsed.path, parsed.path + query))
    return f"{response.status_code}\n{response.text}", links


def _crawl(
    client: TestClient,
    start: str,
    limit: int = 60,
    fetched: dict[str, Fetched] | None = None,
) -> dict[str, str]:
    """Every same-site page reachable from ``start`` by links (GET only).

    ``fetched`` (filled in here) holds the pages this ``client`` already read:
    crawls of one reader from several starts fetch each page once (the same
    pages, each as first read, as fetching it again in every crawl)."""
    fetched = {} if fetched is None else fetched
    seen: dict[str, str] = {}
    queue = [start]
    while queue and len(seen) < limit:
        url = queue.pop(0)
        if url in seen:
            continue
        if url not in fetched:
            fetched[url] = _fetch(client, url)
        seen[url], links = fetched[url]
        queue.extend(full for path, full in links if path not in seen)
    return seen


def test_partner_crawl_from_today_shows_no_person_id(world: World) -> None:
    client = signed_in(world.app, "partner")
    pages = _crawl(client, "/today")
    assert "/today" in pages
    assert len(pages) >= 5, sorted(pages)
    for url, body in pages.items():
        found = set(PERSON_ID.findall(body)) & world.person_ids
        assert not found, f"{url} shows person ids {sorted(found)[:5]}"


def test_police_see_person_ids_where_partners_do_not(world: World) -> None:
    police = signed_in(world.app, "chair").get("/today").text
    partner = signed_in(world.app, "partner").get("/today").text
    assert set(PERSON_ID.findall(police)) & world.person_ids, (
        "the check needs a briefing that names people for the police"
    )
    assert not set(PERSON_ID.findall(partner)) & world.person_ids


def test_partner_api_answers_hold_no_person_id(world: World) -> None:
    token = issue_token(world.store, "partner")
    api = TestClient(world.app)
    headers = {"Authorization": f"Bearer {token}"}
    for url in ("/api/v1/briefing", "/api/v1/incidents", "/api/v1/briefing?hours=168"):
        response = api.get(url, headers=headers)
        assert response.status_code == 200, url
        assert not set(PERSON_ID.findall(response.text)) & world.person_ids, url
    assert api.get("/api/v1/audit", headers=headers).status_code == 403


def test_partner_pages_refused_without_a_real_pseudonym_key(world: World) -> None:
    from avert.web import create_app

    weak = world.settings.with_overrides(pseudonym_key="short")
    app = create_app(weak, world.store)
    client = signed_in(app, "partner")
    response = client.get("/today")
    assert response.status_code == 503
    assert "pseudonym" in response.text.lower()
    assert not set(PERSON_ID.findall(response.text)) & world.person_ids
    assert signed_in(app, "chair").get("/today").status_code == 200


def test_partner_incidents_hold_no_police_only_column(world: World) -> None:
    """Partners' incident rows carry none of POLICE_ONLY["incidents"]: the
    location text (and exact places, outcome, context) never reaches them."""
    from avert.access import POLICE_ONLY

    hidden = set(POLICE_ONLY["incidents"])
    for role in ("partner", "chair"):
        token = issue_token(world.store, role)
        response = TestClient(world.app).get(
            "/api/v1/incidents",
            params={"from": "2000-01-01T00:00"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200
        rows = response.json()["incidents"]
        assert rows, "the check needs incidents"
        shown = set(rows[0]) & hidden
        if role == "partner":
            assert not shown, f"partner rows hold {sorted(shown)}"
        else:
            assert "location" in shown  # the police keep the location


def test_incidents_area_matches_in_any_case_as_the_briefings(world: World) -> None:
    """``/api/v1/incidents?area=`` matched the exact case only (0 rows for
    "synthetic city", 259 for "Synthetic City") while the briefing's area ignores
    case."""
    client = signed_in(world.app, "chair")
    areas = world.store.read_frame("incidents", columns=["borough"])["borough"]
    area = areas.drop_nulls().mode()[0]
    exact = client.get("/api/v1/incidents", params={"area": area}).json()
    lower = client.get("/api/v1/incidents", params={"area": area.lower()}).json()
    assert exact["incidents"], "the area has incidents in the window"
    assert lower["incidents"] == exact["incidents"]
