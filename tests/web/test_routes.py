"""Every route of the app declares an action, and every role gets what the policy says."""

from __future__ import annotations

import html
import re

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient

from avert.policy import ACTIONS, ROLES, decide
from avert.web import create_app
from avert.web.app import routes_with_actions
from avert.web.auth import authorize
from avert.web.dates import parse_datetime_words
from web.helpers import World, csrf_of, signed_in

#: Routes FastAPI or Starlette add themselves (no avert endpoint behind them).
BUILT_IN = {"/openapi.json", "/static"}


def test_every_route_declares_a_known_action(world: World) -> None:
    routes = routes_with_actions(world.app)
    assert len(routes) >= 15
    for method, path, action in routes:
        if path in BUILT_IN:
            continue
        assert action in ACTIONS, f"{method} {path} declares no known action"


def test_a_route_without_an_action_is_refused(world: World) -> None:
    app = create_app(world.settings, world.store)
    extra = APIRouter(dependencies=[Depends(authorize)])

    @extra.get("/undeclared")
    def undeclared() -> dict[str, str]:  # pragma: no cover - must never run
        return {"leak": "yes"}

    app.include_router(extra)
    client = signed_in(app, "admin")
    response = client.get("/undeclared")
    assert response.status_code == 403
    assert "declares no action" in response.text


def _person(world: World) -> str:
    return sorted(world.person_ids)[0]


def _get_cases(world: World) -> list[tuple[str, str]]:
    """(path, action) for every GET route, with its path parameters filled in."""
    cases = []
    for method, path, action in routes_with_actions(world.app):
        if method != "GET" or path in BUILT_IN or action is None:
            continue
        # A05 is led by the council, the demo partner's organisation
        url = (
            path.replace("{person_id}", _person(world))
            .replace("{action_id:path}", "A05")
            .replace("{action_id}", "A05")
            .replace("{username}", "officer")
        )
        if path == "/api/v1/people/{person_id}":
            url += "?purpose=route+matrix+test"
        cases.append((url, action))
    return cases


@pytest.mark.parametrize("role", ROLES)
def test_route_by_role_matrix(world: World, role: str) -> None:
    client = signed_in(world.app, role)
    for url, action in _get_cases(world):
        response = client.get(url, follow_redirects=False)
        allowed = decide(role, action).allowed
        if not allowed:
            assert response.status_code == 403, (role, url, response.status_code)
        else:
            assert response.status_code in (200, 303), (role, url, response.text[:300])


def test_anonymous_pages_redirect_and_api_answers_401(world: World) -> None:
    client = TestClient(world.app)
    for url, action in _get_cases(world):
        response = client.get(url, follow_redirects=False)
        if action == "public":
            assert response.status_code == 200, url
        elif url.startswith("/api/"):
            assert response.status_code == 401, url
            assert response.json()["status"] == 401
        else:
            assert response.status_code == 303, url
            assert response.headers["location"] == "/login"


def test_person_page_asks_for_a_purpose_then_audits_it(world: World) -> None:
    client = signed_in(world.app, "chair")
    person = _person(world)
    form = client.get(f"/people/{person}")
    assert "purpose" in form.text.lower()
    token = csrf_of(form.text)
    refused = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": ""}
    )
    assert refused.status_code == 400
    page = client.post(
        f"/people/{person}",
        data={"csrf_token": token, "purpose": "daily meeting: retaliation risk"},
    )
    assert page.status_code == 200
    assert person in page.text
    audit = world.store.read_frame("audit")
    rows = audit.filter(
        (audit["object"] == f"person:{person}") & (audit["user_name"] == "chair")
    )
    assert "daily meeting: retaliation risk" in rows["reason"].to_list()


def test_api_person_is_police_only_and_audited(world: World) -> None:
    from avert.workflows.users import issue_token

    person = _person(world)
    for role, expected in (("partner", 403), ("board", 403), ("officer", 200)):
        token = issue_token(world.store, role)
        response = TestClient(world.app).get(
            f"/api/v1/people/{person}",
            params={"purpose": f"api check {role}"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == expected, (role, response.text[:200])
    audit = world.store.read_frame("audit")
    assert "api check officer" in audit["reason"].to_list()
    assert "api check partner" not in audit["reason"].to_list()


@pytest.mark.parametrize("role", ["chair", "partner"])
def test_today_points_to_the_api_not_a_file_for_the_full_lists(
    world: World, role: str
) -> None:
    """The page lists the first items of each section and said the rest "are in
    briefing.json", a file the web app has none of; then "GET /api/v1/briefing,
    same window", a request a partner has no way to send (the demo walk). It links
    the briefing's JSON answer of the window shown, which the signed-in user opens.
    """
    client = signed_in(world.app, role)
    page = client.get("/today", params={"hours": 168})
    assert page.status_code == 200
    assert "briefing.json" not in page.text
    assert "GET /api/v1/briefing" not in page.text
    links = set(
        re.findall(r'<a href="(/api/v1/briefing\?[^"]+)">this briefing', page.text)
    )
    assert len(links) == 1, links
    link = html.unescape(links.pop())
    answer = client.get(link)
    assert answer.status_code == 200
    shown = re.search(r'name="at"[^>]*value="([^"]+)"', page.text)
    assert shown is not None
    assert answer.json()["hours"] == 168
    # the field shows the window's end in the app's words ("24 Nov 2026 06:00")
    shown_at = parse_datetime_words(shown.group(1))
    assert answer.json()["at"].startswith(f"{shown_at:%Y-%m-%dT%H:%M}")
