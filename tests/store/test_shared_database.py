"""A process initialises one ADBC database per PostgreSQL URL, shared by every
connection of every store on that URL (avert.store._shared_database): counted
for a command, for stores opened and closed in turn, and for threads reading at
once; a failed transaction's connection is still never reused."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import adbc_driver_postgresql
import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store
from avert.store._shared_database import SharedDatabase

pytestmark = pytest.mark.postgres


@pytest.fixture
def database_inits(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each ADBC PostgreSQL database initialised from here on (the driver's
    ``connect``, which ``dbapi.connect`` calls too), counted by its thread's name."""
    made: list[str] = []
    real: Callable[..., Any] = adbc_driver_postgresql.connect

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(adbc_driver_postgresql, "connect", counted)
    return made


def test_a_command_initialises_one_adbc_database(
    postgres_store: Store, database_inits: list[str]
) -> None:
    """``avert users add`` reads (is the name taken?) and writes (the account, its
    audit row): one database for its read and write connections (two before,
    0.1-0.27 s each)."""
    command = ["users", "add", "ana", "--role", "analyst"]
    result = CliRunner().invoke(
        app,
        ["--db", postgres_store.url.sqlalchemy, *command],
        env={"AVERT_PASSWORD": "a long passphrase"},
    )
    assert result.exit_code == 0, result.output
    assert len(database_inits) == 1
    assert postgres_store.count("users") == 1


def test_stores_of_one_url_share_a_database_until_the_last_one_closes(
    postgres_store: Store, database_inits: list[str]
) -> None:
    url = postgres_store.url.sqlalchemy
    first, second = Store(url), Store(url)
    assert first.count("users") == second.count("users") == 0
    with second.transaction() as tx:  # a write connection: the same database
        tx.append("users", _user("ana"))
    assert len(database_inits) == 1
    first.close()
    third = Store(url)  # the second still holds it
    assert third.count("users") == 1
    assert len(database_inits) == 1
    second.close()
    third.close()
    fourth = Store(url)  # every store let go: a new one is initialised
    try:
        assert fourth.count("users") == 1
        assert len(database_inits) == 2
    finally:
        fourth.close()


def test_threads_reading_at_once_initialise_one_database(
    postgres_store: Store, database_inits: list[str]
) -> None:
    """Four threads' first reads, at once (as a briefing reads), each on a
    connection of its own, all on one database."""
    start = threading.Barrier(4)

    def read(_: int) -> int:
        start.wait()
        return postgres_store.count("incidents")

    with ThreadPoolExecutor(4) as threads:
        assert list(threads.map(read, range(4))) == [0, 0, 0, 0]
    assert len(database_inits) == 1


def test_a_failed_transaction_leaves_no_connection_and_the_next_one_works(
    postgres_store: Store, database_inits: list[str]
) -> None:
    def fail() -> None:
        with postgres_store.transaction() as tx:
            tx.append("users", _user("ana"))
            raise ValueError("stop")

    with pytest.raises(ValueError, match="stop"):
        fail()
    with postgres_store.transaction() as tx:
        tx.append("users", _user("bob"))
    assert postgres_store.read_frame("users")["username"].to_list() == ["bob"]
    assert len(database_inits) == 1


def test_a_connection_is_closed_under_its_databases_lock(
    postgres_store: Store,
) -> None:
    """The driver counts its database's open connections in a plain integer (added
    to when one is made, taken from when one closes): a connection closed on one
    thread while another thread makes one could lose a count, and the database
    then refuse to close. Connections are made under the database's lock; they
    are closed under it too."""
    database = SharedDatabase(postgres_store.url.adbc)
    try:
        conn = database.connect(autocommit=True)
        entry = database._entry
        assert entry is not None
        closed = threading.Event()

        def close() -> None:
            conn.close()
            closed.set()

        with entry.made:  # as while another thread makes a connection
            closing = threading.Thread(target=close)
            closing.start()
            assert not closed.wait(0.3)
        closing.join(10)
        assert closed.is_set()
    finally:
        database.close()


def test_without_the_driver_managers_shared_holder_each_connection_has_its_own(
    postgres_store: Store,
    database_inits: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The holder is private to the driver manager: without it (``_take`` finds
    none: this driver manager's own ``Connection`` refers to it, so it cannot be
    taken away here) a store still works, one database per connection as before
    the sharing."""
    monkeypatch.setattr(SharedDatabase, "_take", lambda self: None)
    store = Store(postgres_store.url.sqlalchemy)
    try:
        with store.transaction() as tx:
            tx.append("users", _user("ana"))
        assert store.count("users") == 1
        assert len(database_inits) == 2  # a write connection, a read connection
    finally:
        store.close()


def _user(name: str) -> pl.DataFrame:
    from avert.schema import TABLES

    columns = TABLES["users"].schema
    row: dict[str, object] = dict.fromkeys(columns)
    row.update(username=name, role="analyst", password_hash="x", disabled=False)
    return pl.DataFrame([row], schema=columns)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork")
def test_a_child_forked_while_a_database_was_being_initialised_does_not_hang() -> None:
    """A web server's worker forked while another thread of its parent held the
    registry's lock (initialising a database: 0.1-0.27 s, longer on a slow
    server) inherited the lock held, with no thread to release it: its first
    connection, its store's close and its exit waited for ever."""
    from avert.store import _shared_database as shared

    held, release = threading.Event(), threading.Event()

    def initialising() -> None:
        with shared._LOCK:
            held.set()
            release.wait(10)

    parent = threading.Thread(target=initialising)
    parent.start()
    held.wait(10)
    try:
        pid = os.fork()
        if pid == 0:  # the child: give back a store's database, then exit
            code = 1
            try:
                done = threading.Thread(
                    target=SharedDatabase("postgresql://x@127.0.0.1:1/x").close,
                    daemon=True,
                )
                done.start()
                done.join(5)
                code = 1 if done.is_alive() else 0
            finally:
                os._exit(code)
        _, status = os.waitpid(pid, 0)
    finally:
        release.set()
        parent.join(10)
    assert os.waitstatus_to_exitcode(status) == 0
