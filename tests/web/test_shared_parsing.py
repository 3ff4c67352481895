"""One incidents filter parser for pages and API; one fragment cache on the context."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from avert.web.app import WebContext
from avert.workflows.users import issue_token
from web.helpers import World, signed_in


def test_page_and_api_read_the_same_filters_the_same_way(world: World) -> None:
    query = "from=2000-01-01T00:00&to=2200-01-01T00:00&flag=weapon"
    token = issue_token(world.store, "analyst")
    api = TestClient(world.app).get(
        f"/api/v1/incidents?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert api.status_code == 200
    found = api.json()
    assert found["total"] > 0
    page = signed_in(world.app, "analyst").get(f"/incidents?{query}")
    assert page.status_code == 200
    shown = re.findall(r'<tr><td[^>]*><span class="rec">([^<]+)</span>', page.text)
    assert shown == [i["incident_id"] for i in found["incidents"]]
    # a bad date is refused the same way by both
    bad = "from=not-a-date"
    assert (
        TestClient(world.app)
        .get(f"/api/v1/incidents?{bad}", headers={"Authorization": f"Bearer {token}"})
        .status_code
        == 400
    )
    assert signed_in(world.app, "analyst").get(f"/incidents?{bad}").status_code == 400


def test_briefing_fragments_live_on_the_web_context(world: World) -> None:
    ctx: WebContext = world.app.state.avert
    client = signed_in(world.app, "chair")
    assert client.get("/today").status_code == 200
    views = list(ctx.fragments.keys())
    assert views, "the Today page keeps its rendered briefing on the context"
    calls: list[int] = []

    def make() -> str:
        calls.append(1)
        return "text"

    view = views[0]
    assert ctx.fragment(view, ("test",), make) == "text"
    assert ctx.fragment(view, ("test",), make) == "text"
    assert len(calls) == 1


def test_a_time_with_an_offset_is_the_forces_local_time(world: World) -> None:
    """05:00Z in July is 06:00 in London (BST): the same window, not 05:00 local."""
    token = issue_token(world.store, "analyst")
    client = TestClient(world.app)
    auth = {"Authorization": f"Bearer {token}"}

    def window(at: str) -> object:
        found = client.get(f"/api/v1/briefing?at={at}", headers=auth)
        assert found.status_code == 200
        return found.json()["window"]

    local = window("2026-07-01T06:00")
    assert window("2026-07-01T05:00Z") == local
    assert window("2026-07-01T06:00%2B01:00") == local
    assert window("2026-07-01T05:00") != local
