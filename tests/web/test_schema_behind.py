"""The web app over a store behind this avert's schema (made by the previous
release, before its last migration): one line saying what to run, never a crash.

The store is a new one taken down one migration (or to 0035, before
``asb_escalations``, which the Today page reads) with Alembic, as an older avert's
backup restored under a running ``avert serve`` would be.
"""

from __future__ import annotations

import html
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from avert.config.settings import Settings, load_settings
from avert.errors import StoreError
from avert.store import Store
from avert.store.migrate import downgrade, head_revision
from avert.web import create_app
from avert.workflows import views
from avert.workflows.users import add_user, issue_token
from web.helpers import PASSWORD, SECRET, signed_in


def _settings(store: Store) -> Settings:
    return load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )


def test_the_app_is_not_built_over_a_store_one_migration_behind(
    sqlite_store: Store,
) -> None:
    downgrade(sqlite_store.engine, "-1")
    behind = sqlite_store.revision()
    assert behind is not None
    assert behind != head_revision()
    # was built, and its first Today page crashed ("Something went wrong")
    with pytest.raises(StoreError) as refused:
        create_app(_settings(sqlite_store), sqlite_store)
    said = str(refused.value)
    assert f"at schema revision {behind!r}" in said
    assert f"this avert needs {head_revision()!r}" in said
    assert "Run 'avert db upgrade'" in said


@pytest.mark.parametrize(
    "path",
    [
        "/today?at=2019-06-30T06:00",
        "/today/briefing?at=2019-06-30T06:00",
        "/meeting?at=2019-06-30T06:00",
        "/places",
        "/data",
    ],
)
def test_pages_say_the_store_is_behind_when_an_older_one_replaces_it(
    sqlite_store: Store, tmp_path: Path, path: str
) -> None:
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    app = create_app(_settings(sqlite_store), sqlite_store)
    client = signed_in(app, "analyst")
    page = TestClient(app, raise_server_exceptions=False)
    page.cookies = client.cookies
    # a backup of the previous release (0035, before asb_escalations) restored
    # under the running app
    downgrade(sqlite_store.engine, "0035")
    headers = {"HX-Request": "true"} if "/briefing" in path else {}
    answer = page.get(path, headers=headers)
    # was 500 "Something went wrong; it has been logged." (no such table:
    # asb_escalations) on Today, the meeting, places and the data page
    assert answer.status_code == 503, answer.text[:300]
    said = " ".join(html.unescape(answer.text).split())
    assert (
        f"The database is at schema revision '0035', this avert needs "
        f"'{head_revision()}'. Run 'avert db upgrade'."
    ) in said
    assert "Traceback" not in said
    assert "Something went wrong" not in said


def test_the_api_says_the_store_is_behind(sqlite_store: Store) -> None:
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    token = issue_token(sqlite_store, "analyst")
    app = create_app(_settings(sqlite_store), sqlite_store)
    client = TestClient(app, raise_server_exceptions=False)
    bearer = {"Authorization": f"Bearer {token}"}
    downgrade(sqlite_store.engine, "0035")
    answer = client.get("/api/v1/briefing?at=2019-06-30T06:00", headers=bearer)
    assert answer.status_code == 503
    assert "this avert needs" in answer.json()["error"]
    assert "Run 'avert db upgrade'" in answer.json()["error"]


def test_an_error_of_a_store_at_head_is_still_a_500(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check says nothing of a store at head: a defect stays "Something went
    wrong", logged."""
    add_user(sqlite_store, "analyst", password=PASSWORD, role="analyst")
    app = create_app(_settings(sqlite_store), sqlite_store)
    client = signed_in(app, "analyst")
    page = TestClient(app, raise_server_exceptions=False)
    page.cookies = client.cookies

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a defect")

    monkeypatch.setattr(views, "data_view", broken)
    answer = page.get("/data")
    assert answer.status_code == 500
    assert "Something went wrong; it has been logged." in answer.text
    assert "avert db upgrade" not in answer.text
