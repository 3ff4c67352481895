"""Two commands at once (issue 13.4): writers wait for each other, then fail clearly.

Each test runs a second avert process beside this one, really overlapping: a load
that holds its transaction open (from its progress callback, which runs inside it),
or a reader that keeps reading. On SQLite a second load used to die at once with
"database is locked" (its deferred transaction read first, and SQLite never waits
to turn a reader into a writer); loads now begin with ``BEGIN IMMEDIATE`` and wait up
to the lock timeout. On PostgreSQL two loads of the same rows wait for each other on
an advisory lock instead of failing on the primary key.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from avert.errors import StoreError
from avert.store import Store
from avert.workflows.load import load_files

DATA = Path(__file__).resolve().parents[1] / "data" / "policeuk"
STREET = DATA / "2019-06" / "2019-06-city-of-london-street.csv"

#: a load that holds its transaction open for HOLD seconds once it has written
_HOLDING_LOAD = textwrap.dedent(
    """
    import sys, time
    from avert.store import Store
    from avert.workflows.load import load_files

    url, path, hold = sys.argv[1], sys.argv[2], float(sys.argv[3])
    held = []

    def progress(what, done, total):
        # called inside the load's transaction; after the file is written: hold
        if what.endswith("rows read)") and not held:
            held.append(1)
            print("ready", flush=True)
            time.sleep(hold)

    report = load_files(Store(url), [path], progress=progress)
    print("loaded", report.loaded, flush=True)
    """
)

#: short reads in a loop (like brief, analyse, status) for HOLD seconds
_READER = textwrap.dedent(
    """
    import sys, time
    from avert.store import Store

    store = Store(sys.argv[1])
    end = time.monotonic() + float(sys.argv[2])
    reads = 0
    print("ready", flush=True)
    while time.monotonic() < end:
        store.read_frame("incidents", columns=["incident_id", "crime_type"])
        store.counts()
        reads += 1
    print("reads", reads, flush=True)
    """
)


#: one long read (a read transaction held open HOLD seconds, like a slow report)
_LONG_READER = textwrap.dedent(
    """
    import sys, time
    import adbc_driver_sqlite.dbapi as dbapi

    conn = dbapi.connect(sys.argv[1])  # a transaction begins with the first read
    with conn.cursor() as cur:
        cur.execute("SELECT COUNT(*) FROM incidents")
        cur.fetchall()
        print("ready", flush=True)
        time.sleep(float(sys.argv[2]))
    conn.close()
    print("done", flush=True)
    """
)
#: the fixed SQLite busy timeout avert had before lock_timeout_s
_OLD_BUSY_TIMEOUT_S = 30
#: how long the long read holds its transaction open (longer than a 1 s timeout)
_LONG_READ_S = 4


@contextmanager
def _child(code: str, *args: str) -> Iterator[subprocess.Popen[str]]:
    """Start an avert process and wait until it says it is ready."""
    child = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        assert child.stdout is not None
        line = child.stdout.readline()
        assert line.strip() == "ready", child.stderr.read() if child.stderr else line
        yield child
    finally:
        child.wait(timeout=300)


def _finish(child: subprocess.Popen[str]) -> str:
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    return out


@contextmanager
def _long_read_during_load(
    store: Store, hold_s: float
) -> Iterator[Callable[[str, int, int], None]]:
    """A progress callback for a load that, on its first call (inside the load's
    transaction), starts one reader holding a read open ``hold_s`` seconds. The
    reader must succeed; it is waited for when the block ends, even after a load
    that failed."""
    readers: list[subprocess.Popen[str]] = []

    def progress(what: str, done: int, total: int) -> None:
        if not readers:
            child = subprocess.Popen(
                [sys.executable, "-c", _LONG_READER, store.url.adbc, str(hold_s)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            readers.append(child)
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"

    try:
        yield progress
    finally:
        assert len(readers) == 1, "the load never reported progress"
        _finish(readers[0])


def test_a_second_load_waits_for_the_first(any_store: Store) -> None:
    url = any_store.url.sqlalchemy
    with _child(_HOLDING_LOAD, url, str(STREET), "3") as first:
        t0 = time.monotonic()
        second = load_files(any_store, [STREET])  # the same rows, at the same time
        waited = time.monotonic() - t0
        out = _finish(first)
    loaded_first = int(out.split()[-1])
    assert loaded_first > 0
    # the second load waited for the first to commit, then found every row stored
    assert waited > 1.0
    assert second.loaded == 0
    assert second.duplicates == second.rows
    assert any_store.count("incidents") == loaded_first
    if any_store.dialect == "sqlite":
        assert any_store.pragma("journal_mode") == "wal"


def test_a_load_that_waits_too_long_fails_clearly(any_store: Store) -> None:
    url = any_store.url.sqlalchemy
    impatient = Store(url, lock_timeout_s=1)
    with _child(_HOLDING_LOAD, url, str(STREET), "6") as first:
        with pytest.raises(StoreError, match=r"for more than 1 s .*lock_timeout_s"):
            load_files(impatient, [STREET])
        _finish(first)
    # the first load committed; the refused one wrote nothing; WAL mode is back
    assert any_store.count("loads") == 1
    if any_store.dialect == "sqlite":
        assert any_store.pragma("journal_mode") == "wal"


def test_a_load_while_commands_read(sqlite_store: Store) -> None:
    url = sqlite_store.url.sqlalchemy
    load_files(sqlite_store, [DATA / "2018-07"])  # something to read
    readers: list[subprocess.Popen[str]] = []

    def progress(what: str, done: int, total: int) -> None:
        # inside the load's transaction, once it has left WAL for the rollback
        # journal: commands start reading, and go on after the load has committed
        if not readers:
            child = subprocess.Popen(
                [sys.executable, "-c", _READER, url, "6"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
            )
            readers.append(child)
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "ready"
            time.sleep(0.5)

    report = load_files(sqlite_store, [STREET], progress=progress)
    # back in WAL although readers were reading when the load ended
    assert sqlite_store.pragma("journal_mode") == "wal"
    out = _finish(readers[0])
    assert report.loaded > 0
    assert int(out.split()[-1]) > 0  # every read succeeded (waited, never failed)
    assert sqlite_store.pragma("journal_mode") == "wal"


def test_the_lock_timeout_setting_is_checked() -> None:
    from avert.config.settings import load_settings
    from avert.errors import ConfigError

    assert load_settings({}).lock_timeout() == 600.0
    assert load_settings({"AVERT_LOCK_TIMEOUT_S": "2.5"}).lock_timeout() == 2.5
    for bad in ("soon", "-1", "nan"):
        with pytest.raises(ConfigError, match="lock_timeout_s"):
            load_settings({"AVERT_LOCK_TIMEOUT_S": bad}).lock_timeout()


@pytest.mark.slow
def test_a_load_outwaits_a_long_read(sqlite_store: Store) -> None:
    # a report reading from inside the load (rollback journal): the load's commit
    # waits for it as long as lock_timeout_s says, then succeeds. avert once waited
    # a fixed 30 s whatever the setting, so a report reading 35 s failed every load.
    # The claim is that lock_timeout_s, not a fixed time, bounds the wait: a load
    # allowed 1 s gives up on a 4 s read, one allowed the default outwaits it (a
    # fixed 30 s would let the first load succeed too). The default is far above 30 s.
    url = sqlite_store.url.sqlalchemy
    assert Store(url).lock_timeout_s > _OLD_BUSY_TIMEOUT_S
    load_files(sqlite_store, [DATA / "2018-07"])
    before = sqlite_store.counts()

    impatient = Store(url, lock_timeout_s=1)
    refused = pytest.raises(StoreError, match=r"for more than 1 s .*lock_timeout_s")
    with refused, _long_read_during_load(sqlite_store, _LONG_READ_S) as progress:
        load_files(impatient, [STREET], progress=progress)
    assert sqlite_store.counts() == before  # the refused load wrote nothing

    with _long_read_during_load(sqlite_store, _LONG_READ_S) as progress:
        t0 = time.monotonic()
        report = load_files(sqlite_store, [STREET], progress=progress)
        waited = time.monotonic() - t0
    assert report.loaded > 0
    assert waited > _LONG_READ_S - 1  # it waited for the reader
    assert sqlite_store.pragma("journal_mode") == "wal"


def test_the_return_to_wal_waits_for_a_writer_that_began_as_the_load_ended(
    sqlite_store: Store,
) -> None:
    """A second load that waited for the first begins its write the moment the first
    commits; the first's return to WAL then met a write transaction, and SQLite
    answered ``PRAGMA journal_mode = wal`` with the old mode at once, without its
    busy timeout: the load failed ("stays in rollback-journal mode: other commands
    held it for more than 600 s") though it had waited no time at all (seen in CI on
    tests/ingest/test_bundle_concurrent.py). The change now waits for the writer."""
    import threading

    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    assert sqlite_store._journal_mode("delete", wait=False)  # as inside a load
    writer = sqlite_dbapi.connect(sqlite_store.url.adbc, autocommit=True)
    cur = writer.cursor()
    cur.execute("BEGIN IMMEDIATE")
    cur.execute("CREATE TABLE held (x INTEGER)")
    release = threading.Timer(1.0, lambda: cur.execute("COMMIT"))
    release.start()
    try:
        t0 = time.monotonic()
        back = sqlite_store._journal_mode("wal", wait=True)
        waited = time.monotonic() - t0
    finally:
        release.join()
        cur.close()
        writer.close()
    assert back, "the return to WAL gave up while a writer held the database"
    assert waited > 0.5  # it waited for the writer's commit
    assert sqlite_store.pragma("journal_mode") == "wal"
