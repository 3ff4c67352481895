"""The web app over PostgreSQL: every role's pages and the API answer as on SQLite."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from avert.config.settings import load_settings
from avert.policy import ROLES
from avert.store import Store
from avert.synth import tiny_city, write_bundle
from avert.web import create_app
from avert.workflows.load import load_files, refresh_after_load
from avert.workflows.users import add_user, issue_token
from web.helpers import PASSWORD, SECRET, signed_in

PERSON_ID = re.compile(r"\bP\d{7}\b")


@pytest.mark.postgres
def test_pages_and_api_on_postgresql(postgres_store: Store, tmp_path: Path) -> None:
    city = tiny_city(seed=1)
    write_bundle(city, tmp_path / "city")
    report = load_files(postgres_store, [tmp_path / "city"], kind="bundle")
    refresh_after_load(postgres_store, report, definition="avb-2010")
    for role in ROLES:
        add_user(postgres_store, role, password=PASSWORD, role=role, org="org")
    settings = load_settings({}).with_overrides(
        database_url=postgres_store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    app = create_app(settings, postgres_store)
    at = f"{city.config.end_date:%Y-%m-%d}T06:00"
    people = set(
        postgres_store.read_frame("people", columns=["person_id"])["person_id"]
    )
    for role in ROLES:
        client = signed_in(app, role)
        for url in (f"/today?at={at}&hours=168", "/incidents", "/places", "/plan"):
            response = client.get(url)
            assert response.status_code in (200, 403), (role, url, response.text[:300])
            if role in ("partner", "board"):
                assert not set(PERSON_ID.findall(response.text)) & people, (role, url)
    token = issue_token(postgres_store, "chair")
    api = TestClient(app).get(
        f"/api/v1/briefing?at={at}&hours=168",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 200
    assert api.json()["audience"] == "police"
