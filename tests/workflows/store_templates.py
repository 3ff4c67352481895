"""Stores prepared once per session and copied for each test (see the class)."""

from __future__ import annotations

import contextlib
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from avert.store import Store
from postgres_databases import postgres_database


class StoreTemplates:
    """Stores prepared once per session (a plan imported, people stored) and
    copied for each test that asks, so that a test's writes reach no other test.

    SQLite: the prepared file is copied. PostgreSQL: the prepared database is the
    ``TEMPLATE`` of a new database (a file-level copy made by the server). The
    preparation runs on a copy of the session's migrated store (``template_db``,
    ``postgres_template``), at the newest revision as a test's own would be.
    """

    def __init__(self, request: pytest.FixtureRequest, root: Path) -> None:
        self._request = request
        self._root = root
        self._made: dict[tuple[str, str], str] = {}  # (backend, name) -> path/db

    def _server_url(self) -> str:
        url: str = self._request.getfixturevalue("postgres_server_url")
        return url

    def _template(
        self, backend: str, name: str, prepare: Callable[[Store], None]
    ) -> str:
        key = (backend, name)
        if key in self._made:
            return self._made[key]
        if backend == "sqlite":
            template_db: Path = self._request.getfixturevalue("template_db")
            path = self._root / f"{name}.db"
            shutil.copyfile(template_db, path)
            store = Store(f"sqlite:///{path}")
            made = str(path)
        else:
            migrated: str = self._request.getfixturevalue("postgres_template")
            made = f"avert_tpl_{name}_{uuid.uuid4().hex[:8]}"
            database = contextlib.ExitStack()
            url = database.enter_context(
                postgres_database(self._server_url(), made, migrated)
            )
            # dropped before the server stops: a finalizer of the session itself,
            # added after the server's (they run last-in first-out); one of this
            # fixture would run after the server (set up later) has stopped
            self._request.node.addfinalizer(database.close)
            store = Store(url)
        store.check()  # at the newest revision, as a test's own store
        prepare(store)
        store.close()  # PostgreSQL copies a template only while no one is connected
        self._made[key] = made
        return made

    def copy(
        self,
        backend: str,
        name: str,
        prepare: Callable[[Store], None],
        folder: Path,
    ) -> tuple[Store, Callable[[], None]]:
        """A fresh store holding what ``prepare`` wrote, and its clean-up."""
        made = self._template(backend, name, prepare)
        if backend == "sqlite":
            path = folder / "avert.db"
            shutil.copyfile(made, path)
            store = Store(f"sqlite:///{path}")
            store.check()
            return store, store.close

        database = contextlib.ExitStack()
        db = f"avert_test_{uuid.uuid4().hex[:10]}"
        store = Store(
            database.enter_context(postgres_database(self._server_url(), db, made))
        )
        database.callback(store.close)  # run first: closed, then dropped
        store.check()
        return store, database.close
