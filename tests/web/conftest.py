"""A small demo city in a store, one account per role, an app around it, and (for
the browser tests) that app served on a free port and a headless Chromium."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.demo import run_demo
from avert.workflows.users import add_user
from built_once import built_once, copy_built
from web.helpers import CHROMIUM_ARGS, PASSWORD, SECRET, World, city_month_db


def _build_world(root: Path) -> None:
    """The demo city (3,000 people over 120 days, seed 2) in ``root/web.db``, its
    reports in ``root/demo``, and an officer of area E."""
    run_demo(
        out_dir=root / "demo",
        database=root / "web.db",
        seed=2,
        people=3_000,
        days=120,
        pdf=False,
    )
    store = Store(f"sqlite:///{root / 'web.db'}")
    add_user(store, "officer-e", password=PASSWORD, role="officer", area="AREA-E")
    store.close()  # the write-ahead log checkpointed into the file copied


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """The demo city, its store and an app around it, for a test process.

    The demo is run once per test run (about 12 s of CPU), not once per
    pytest-xdist worker (:func:`built_once.built_once`): each worker takes a copy
    of its store and reports, and makes its own pseudonym key.
    """
    root = copy_built(
        built_once(tmp_path_factory, "web-world", _build_world),
        tmp_path_factory.mktemp("web"),
    )
    url = f"sqlite:///{root / 'web.db'}"
    store = Store(url)
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    people = store.read_frame("people", columns=["person_id"])
    return World(
        store,
        settings,
        create_app(settings, store),
        frozenset(people["person_id"]),
        root / "demo",
    )


@pytest.fixture(scope="session")
def city_month(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Path:
    """The store of City of London's June 2019 only, loaded once per test run
    (:func:`built_once.built_once`; copy it: :func:`web.helpers.city_month_app`
    does)."""

    def build(root: Path) -> None:
        city_month_db(root, template_db)
        assert not list(root.glob("*-wal")), "the store is copied without its log"

    return built_once(tmp_path_factory, "city-month", build) / "month.db"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def base_url(world: World) -> Iterator[str]:
    """The world's app served by uvicorn in a thread, for a module's browser tests."""
    import uvicorn

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[object]:
    """Headless Chromium (Debian's), for a module's browser tests."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
