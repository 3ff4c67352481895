"""The web app on PostgreSQL opens a bounded number of connections, and says it is
busy (503) when they all stay in use, rather than using up the server's."""

from __future__ import annotations

import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.testclient import TestClient

from avert.config.settings import Settings, load_settings
from avert.store import Store
from avert.synth import tiny_city, write_bundle
from avert.web import create_app
from avert.workflows.admin import open_store
from avert.workflows.load import load_files, refresh_after_load
from avert.workflows.users import add_user, issue_token
from web.helpers import PASSWORD, SECRET, signed_in

BUSY = "avert is busy: every database connection stayed in use"


@pytest.fixture
def city_on_postgres(postgres_store: Store, tmp_path: Path) -> tuple[Store, str, str]:
    """The tiny city in ``postgres_store``; a chair's API token; the window's end."""
    city = tiny_city(seed=1)
    write_bundle(city, tmp_path / "city")
    report = load_files(postgres_store, [tmp_path / "city"], kind="bundle")
    refresh_after_load(postgres_store, report, definition="avb-2010")
    add_user(postgres_store, "chair", password=PASSWORD, role="chair")
    token = issue_token(postgres_store, "chair")
    return postgres_store, token, f"{city.config.end_date:%Y-%m-%d}T06:00"


def _app(store: Store, **pool: str) -> tuple[FastAPI, Store]:
    """The app as 'avert serve' builds it: its store opened from the settings."""
    settings: Settings = load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
        **pool,
    )
    served = open_store(settings)
    return create_app(settings, served), served


class _PeakConnections:
    """The most connections to ``store``'s database seen while the block runs."""

    def __init__(self, store: Store) -> None:
        self._engine = sa.create_engine(
            store.url.sqlalchemy, poolclass=sa.pool.NullPool
        )
        self._stop = threading.Event()
        self.peak = 0

    def _watch(self) -> None:
        sql = sa.text(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        with self._engine.connect() as conn:
            while not self._stop.is_set():
                self.peak = max(self.peak, int(conn.execute(sql).scalar_one()))
                time.sleep(0.005)

    def __enter__(self) -> _PeakConnections:
        self._thread = threading.Thread(target=self._watch)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        self._engine.dispose()


@pytest.mark.postgres
def test_24_concurrent_requests_open_a_bounded_number_of_connections(
    city_on_postgres: tuple[Store, str, str],
) -> None:
    """Was 63 connections for 24 concurrent briefings (reads on four threads each,
    a new connection whenever none was idle)."""
    store, _, at = city_on_postgres
    store.close()  # the fixture's own idle connections: not the app's
    # a long wait: 24 briefings share two read connections on a busy test machine
    app, served = _app(
        store, db_pool_size="1", db_max_overflow="1", db_pool_timeout_s="300"
    )
    cookies = signed_in(app, "chair").cookies
    # 24 windows: 24 briefings computed at once (none from the cache)
    urls = [f"/today/briefing?at={at}&hours={24 + k}" for k in range(24)]

    def get(url: str) -> int:
        client = TestClient(app)
        client.cookies = cookies
        return client.get(url, headers={"HX-Request": "true"}).status_code

    with _PeakConnections(store) as seen, ThreadPoolExecutor(24) as pool:
        statuses = list(pool.map(get, urls))
    served.close()
    assert statuses == [200] * 24
    # reads and writes: 1 + 1 each; the engine's one (the schema check). Without
    # the bound: 9 here, 63 with a bigger city (a briefing reads on four threads)
    assert 0 < seen.peak <= 2 * (1 + 1) + 1, seen.peak


@pytest.mark.postgres
def test_connections_all_in_use_past_the_timeout_is_a_503_not_a_hang(
    city_on_postgres: tuple[Store, str, str],
) -> None:
    store, token, at = city_on_postgres
    app, served = _app(
        store, db_pool_size="1", db_max_overflow="0", db_pool_timeout_s="0.5"
    )
    client = TestClient(app, raise_server_exceptions=False)
    bearer = {"Authorization": f"Bearer {token}"}
    holding, release = threading.Event(), threading.Event()

    def hold_the_write_connection() -> None:
        with served.transaction():
            holding.set()
            release.wait(30)

    holder = threading.Thread(target=hold_the_write_connection)
    holder.start()
    try:
        assert holding.wait(10)
        start = time.monotonic()
        # the briefing reads, then writes its audit row: no write connection
        answer = client.get(f"/api/v1/briefing?at={at}", headers=bearer)
        assert time.monotonic() - start < 20
        assert answer.status_code == 503, answer.text
        assert answer.json()["error"].startswith(BUSY)
    finally:
        release.set()
        holder.join(10)
    assert client.get(f"/api/v1/briefing?at={at}", headers=bearer).status_code == 200
    served.close()


def test_pool_settings_are_checked() -> None:
    from avert.errors import ConfigError

    assert load_settings({}).pool_limits() == (4, 4, 30.0)
    for name, value in (
        ("AVERT_DB_POOL_SIZE", "0"),
        ("AVERT_DB_MAX_OVERFLOW", "-1"),
        ("AVERT_DB_POOL_TIMEOUT_S", "soon"),
    ):
        with pytest.raises(ConfigError, match=name):
            load_settings({name: value}).pool_limits()
