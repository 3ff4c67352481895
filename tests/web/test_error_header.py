"""Error pages (403, 404, 500, 503) keep the header of every page: the product name
and a link home always, the signed-in user's navigation and name where known."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from avert.errors import StoreUnavailable
from avert.workflows import views
from web.helpers import World, signed_in


def _header(html: str) -> str:
    found = re.search(r'<nav class="bar">(.*?)</nav>', html, re.S)
    assert found, html[:500]
    return found.group(1)


def _failing(world: World, username: str) -> TestClient:
    """A signed-in client that gets the app's own error answers, not exceptions."""
    client = TestClient(world.app, raise_server_exceptions=False)
    client.cookies = signed_in(world.app, username).cookies
    return client


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/audit", 403),  # the analyst may not see the audit log
        ("/no-such-page", 404),  # no route: the user is found from the session
        ("/plan/actions/NO-SUCH-ACTION", 404),  # raised by the page
    ],
)
def test_an_error_page_shows_the_users_navigation(
    world: World, path: str, status: int
) -> None:
    page = _failing(world, "analyst").get(path)
    assert page.status_code == status
    header = _header(page.text)
    assert 'class="brand" href="/today"' in header
    assert '<a href="/data"' in header  # the analyst's own navigation
    assert '<a href="/audit"' not in header  # as on every page: what they may open
    assert "analyst" in header
    assert "Sign out" in header


def test_a_500_page_shows_the_users_navigation(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(views, "data_view", broken)
    page = _failing(world, "analyst").get("/data")
    assert page.status_code == 500
    header = _header(page.text)
    assert '<a href="/data" class="here"' in header
    assert "analyst" in header
    assert "a bug" not in page.text


def test_a_503_page_has_the_product_name_and_a_link_home(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def down(*args: object, **kwargs: object) -> None:
        raise StoreUnavailable("no server")

    monkeypatch.setattr(views, "data_view", down)
    page = _failing(world, "analyst").get("/data")
    assert page.status_code == 503
    header = _header(page.text)
    assert 'class="brand" href="/today">avert</a>' in header
    assert '<a href="/data" class="here"' in header  # known before the store failed
    assert "analyst" in header
