"""Stores prepared once per session and copied for each test (see the class)."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from avert.store import Store


class StoreTemplates:
    """Stores prepared once per session (a plan imported, people stored) and
    copied for each test that asks, so that a test's writes reach no other test.

    SQLite: the prepared file is copied. PostgreSQL: the prepared database is the
    ``TEMPLATE`` of a new database (a file-level copy made by the server). The
    preparation ran on a store at the newest revision, as a test's own would.
    """

    def __init__(self, request: pytest.FixtureRequest, root: Path) -> None:
        self._request = request
        self._root = root
        self._made: dict[tuple[str, str], str] = {}  # (backend, name) -> path/db

    def _admin(self) -> sa.Engine:
        server_url: str = self._request.getfixturevalue("postgres_server_url")
        admin = Store(server_url)
        engine = sa.create_engine(admin.url.sqlalchemy, isolation_level="AUTOCOMMIT")
        admin.close()
        return engine

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
            made = f"avert_tpl_{name}_{uuid.uuid4().hex[:8]}"
            store = self._new_postgres(made, template=None)
            # dropped before the server stops: a finalizer of the session itself,
            # added after the server's (they run last-in first-out); one of this
            # fixture would run after the server (set up later) has stopped
            self._request.node.addfinalizer(lambda: self._drop(made))
        store.upgrade()
        prepare(store)
        store.close()
        self._made[key] = made
        return made

    def _new_postgres(self, db: str, *, template: str | None) -> Store:
        server_url: str = self._request.getfixturevalue("postgres_server_url")
        engine = self._admin()
        with engine.connect() as conn:
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.exec_driver_sql(f'CREATE DATABASE "{db}"{copy}')
        engine.dispose()
        head, _, query = server_url.partition("?")
        url = f"{head.rsplit('/', 1)[0]}/{db}" + (f"?{query}" if query else "")
        return Store(url)

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
            store.upgrade()
            return store, store.close

        db = f"avert_test_{uuid.uuid4().hex[:10]}"
        store = self._new_postgres(db, template=made)
        store.upgrade()

        def close() -> None:
            store.close()
            self._drop(db)

        return store, close

    def _drop(self, db: str) -> None:
        engine = self._admin()
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
        engine.dispose()
