"""A small demo city in a store, one account per role, and an app around it."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.demo import run_demo
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, World


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    root: Path = tmp_path_factory.mktemp("web")
    run_demo(
        out_dir=root / "demo",
        database=root / "web.db",
        seed=2,
        people=3_000,
        days=120,
        pdf=False,
    )
    url = f"sqlite:///{root / 'web.db'}"
    store = Store(url)
    add_user(store, "officer-e", password=PASSWORD, role="officer", area="AREA-E")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    people = store.read_frame("people", columns=["person_id"])
    return World(
        store, settings, create_app(settings, store), frozenset(people["person_id"])
    )
