"""The web app while its PostgreSQL database cannot be reached: one line, 503."""

from __future__ import annotations

import secrets
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from avert.config.settings import load_settings
from avert.store import Store
from avert.synth import tiny_city, write_bundle
from avert.web import create_app
from avert.workflows.load import load_files, refresh_after_load
from avert.workflows.users import add_user, issue_token
from web.helpers import PASSWORD, SECRET, signed_in

DOWN = "The database is not answering. Try again in a minute"


def _connections(store: Store, *, allowed: bool) -> None:
    """Let the store's database take connections or not; end those it has."""
    url = sa.make_url(store.url.sqlalchemy)
    name = url.database
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}'
        )
        if not allowed:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                (name,),
            )
    admin.dispose()


@pytest.mark.postgres
def test_pages_and_api_say_the_database_is_down(
    postgres_store: Store, tmp_path: Path
) -> None:
    city = tiny_city(seed=1)
    write_bundle(city, tmp_path / "city")
    report = load_files(postgres_store, [tmp_path / "city"], kind="bundle")
    refresh_after_load(postgres_store, report, definition="avb-2010")
    add_user(postgres_store, "chair", password=PASSWORD, role="chair")
    token = issue_token(postgres_store, "chair")
    settings = load_settings({}).with_overrides(
        database_url=postgres_store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    app = create_app(settings, postgres_store)
    client = signed_in(app, "chair")
    client_api = TestClient(app, raise_server_exceptions=False)
    client_page = TestClient(app, raise_server_exceptions=False)
    client_page.cookies = client.cookies
    bearer = {"Authorization": f"Bearer {token}"}
    at = f"{city.config.end_date:%Y-%m-%d}T06:00"
    assert client_page.get(f"/today?at={at}").status_code == 200
    _connections(postgres_store, allowed=False)
    try:
        # was 500 "Something went wrong; it has been logged." on every page
        page = client_page.get(f"/today?at={at}")
        assert page.status_code == 503
        assert DOWN in page.text
        assert "Traceback" not in page.text
        assert "libpq" not in page.text
        fragment = client_page.get(
            f"/today/briefing?at={at}", headers={"HX-Request": "true"}
        )
        assert fragment.status_code == 503
        assert DOWN in fragment.text
        api = client_api.get(f"/api/v1/briefing?at={at}", headers=bearer)
        assert api.status_code == 503
        assert api.json()["error"].startswith(DOWN)
    finally:
        _connections(postgres_store, allowed=True)
    # back without restarting the app: the pool makes new connections
    assert client_page.get(f"/today?at={at}").status_code == 200
    assert (
        client_api.get(f"/api/v1/briefing?at={at}", headers=bearer).status_code == 200
    )


@pytest.mark.postgres
def test_a_server_out_of_connections_is_said_so(postgres_store: Store) -> None:
    """PostgreSQL refusing a new connection (max_connections, a role's connection
    limit: SQLSTATE 53300) is the database not answering, not "something went
    wrong": avert's pool opens a connection per concurrent read (about 60 at 24
    concurrent briefings), beyond a small server's 100 with a busy web app."""
    url = sa.make_url(postgres_store.url.sqlalchemy)
    role = f"avert_lim_{secrets.token_hex(4)}"
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN CONNECTION LIMIT 0')
    try:
        limited = Store(url.set(username=role).render_as_string(hide_password=False))
        settings = load_settings({}).with_overrides(
            database_url=limited.url.sqlalchemy,
            secret_key=SECRET,
            pseudonym_key=secrets.token_urlsafe(32),
        )
        client = TestClient(
            create_app(settings, limited), raise_server_exceptions=False
        )
        answer = client.get(
            "/api/v1/briefing",
            # a well-formed token is looked up in the store (an unknown one: 401)
            headers={"Authorization": "Bearer avt_0123abcd_" + "x" * 43},
        )
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"].startswith(DOWN)
        limited.close()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


@pytest.mark.postgres
def test_a_served_app_with_its_database_down_serves_and_warms_once_it_answers(
    postgres_store: Store, tmp_path: Path
) -> None:
    """The warm-up (avert.web.warm) of an app started while its database does not
    answer neither stops the app nor keeps it from saying so; it looks again and
    warms once the database answers."""
    city = tiny_city(seed=1)
    write_bundle(city, tmp_path / "city")
    report = load_files(postgres_store, [tmp_path / "city"], kind="bundle")
    refresh_after_load(postgres_store, report, definition="avb-2010")
    add_user(postgres_store, "chair", password=PASSWORD, role="chair")
    settings = load_settings({}).with_overrides(
        database_url=postgres_store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    app = create_app(settings, postgres_store, warm_up=True)
    warming = app.state.warm_up
    warming.check_every_s = 0.2
    client = signed_in(app, "chair")
    page = TestClient(app, raise_server_exceptions=False)
    page.cookies = client.cookies
    at = f"{city.config.end_date:%Y-%m-%d}T06:00"
    _connections(postgres_store, allowed=False)
    try:
        with page:  # the app's start: the warm-up's thread
            time.sleep(1.0)  # several looks at a database that does not answer
            assert warming.warmed == []
            answer = page.get(f"/today?at={at}")
            assert answer.status_code == 503
            assert DOWN in answer.text
            _connections(postgres_store, allowed=True)
            deadline = time.monotonic() + 120
            while not warming.warmed and time.monotonic() < deadline:
                time.sleep(0.1)
            assert warming.warmed == [postgres_store.generation()]
            assert page.get(f"/today?at={at}").status_code == 200
    finally:
        _connections(postgres_store, allowed=True)
