"""Helpers of the web tests: the shared world, sign-in, CSRF tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.testclient import TestClient

from avert.config.settings import Settings
from avert.store import Store
from avert.workflows.demo import DEMO_PASSWORD

PASSWORD = DEMO_PASSWORD  # the demo makes one account per role with it
SECRET = "test-secret-key-0123456789-abcdefghijklmnop"


@dataclass(frozen=True)
class World:
    """The store, settings and app the web tests share (read-mostly)."""

    store: Store
    settings: Settings
    app: FastAPI
    person_ids: frozenset[str]


def csrf_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def signed_in(app: FastAPI, username: str) -> TestClient:
    """A client with a session for ``username``."""
    client = TestClient(app)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client
