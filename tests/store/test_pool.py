"""PostgreSQL reads and transactions reuse idle connections: counted, bounded,
retried (reads) or checked (transactions) when stale, never shared with a forked
child."""

from __future__ import annotations

import os
import threading
import time

import pytest
import sqlalchemy as sa

from avert.errors import StoreBusy
from avert.store import Store
from avert.store._pool import ConnectionPool


class _Conn:
    def __init__(self, number: int) -> None:
        self.number = number
        self.closed = False
        self.broken = False

    def close(self) -> None:
        self.closed = True


class _Maker:
    def __init__(self) -> None:
        self.made: list[_Conn] = []

    def __call__(self) -> _Conn:
        self.made.append(_Conn(len(self.made)))
        return self.made[-1]


def _end_other_connections(store: Store) -> int:
    """End, server-side, every other connection to ``store``'s database (as a
    server restart or an idle timeout would); the number ended."""
    engine = sa.create_engine(store.url.sqlalchemy)
    with engine.connect() as conn:
        ended = conn.execute(
            sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
    engine.dispose()
    return int(ended)


def _use(conn: _Conn) -> int:
    if conn.broken:
        raise ConnectionError("server closed the connection")
    return conn.number


def test_an_idle_connection_is_reused_and_the_idle_ones_are_bounded() -> None:
    maker = _Maker()
    pool = ConnectionPool(maker, size=1)
    assert pool.run(_use) == 0
    assert pool.run(_use) == 0  # the same connection again
    assert len(maker.made) == 1
    # two readers at once: two connections; only one is kept idle
    assert pool.run(lambda outer: (outer.number, pool.run(_use))) == (0, 1)
    # the inner reader gave its connection back first; the outer's found no room
    assert [c.closed for c in maker.made] == [True, False]
    pool.close()
    assert maker.made[1].closed


def test_a_stale_connection_is_replaced_once_a_failing_new_one_raises() -> None:
    maker = _Maker()
    pool = ConnectionPool(maker)
    pool.run(_use)
    maker.made[0].broken = True  # died while idle
    assert pool.run(_use) == 1
    assert maker.made[0].closed
    with pytest.raises(ValueError, match="bad query"):
        pool.run(lambda conn: (_ for _ in ()).throw(ValueError("bad query")))
    # tried on the idle connection and once more on a new one: both closed
    assert [c.closed for c in maker.made] == [True, True, True]


def test_a_forked_child_leaves_its_parents_connections_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    maker = _Maker()
    pool = ConnectionPool(maker)
    pool.run(_use)
    monkeypatch.setattr(os, "getpid", lambda: -1)  # as in a forked worker
    assert pool.run(_use) == 1
    pool.close()
    assert not maker.made[0].closed  # the parent's socket: never closed by the child
    assert maker.made[1].closed


@pytest.mark.postgres
def test_postgresql_reads_survive_a_terminated_connection(
    postgres_store: Store,
) -> None:
    assert postgres_store.count("incidents") == 0  # a connection now idle in the pool
    assert _end_other_connections(postgres_store) >= 1
    assert postgres_store.counts()["incidents"] == 0


def test_a_transaction_connection_is_checked_kept_when_clean_closed_on_error() -> None:
    maker = _Maker()
    pool = ConnectionPool(maker)
    pings: list[int] = []

    def ping(conn: _Conn) -> None:
        pings.append(conn.number)
        _use(conn)

    with pool.lease(ping) as conn:
        assert conn.number == 0
    assert pings == []  # a new connection is not pinged
    with pool.lease(ping) as conn:
        assert conn.number == 0  # the idle one again, after a ping
    assert pings == [0]
    maker.made[0].broken = True  # died while idle: replaced before any work
    with pool.lease(ping) as conn:
        assert conn.number == 1
    assert maker.made[0].closed
    with pytest.raises(ValueError, match="failed write"), pool.lease(ping) as conn:
        raise ValueError("failed write")
    assert maker.made[1].closed  # an error's connection is never handed out again
    with pool.lease(ping) as conn:
        assert conn.number == 2
    pool.close()
    assert maker.made[2].closed


@pytest.mark.postgres
def test_postgresql_writes_survive_a_terminated_connection(
    postgres_store: Store,
) -> None:
    from avert.store import audit

    audit.record(postgres_store, action="view", obj="person:P1", reason="first")
    # its connection is now idle in the pool: the server ends it
    assert _end_other_connections(postgres_store) >= 1
    audit.record(postgres_store, action="view", obj="person:P2", reason="second")
    assert postgres_store.count("audit") == 2


def test_no_more_than_size_plus_overflow_are_open_and_a_waiter_gets_one_back() -> None:
    """Past the limit a user waits for a connection given back (not a new one)."""
    maker = _Maker()
    pool = ConnectionPool(maker, size=1, overflow=1, timeout_s=5.0)
    holding = threading.Event()
    release = threading.Event()

    def hold(conn: _Conn) -> int:
        holding.set()
        release.wait(5)
        return conn.number

    outer = threading.Thread(target=pool.run, args=(hold,))
    outer.start()
    holding.wait(5)
    # the second of two allowed is in use here; a third user must wait
    waited: list[int] = []
    third = threading.Thread(target=lambda: waited.append(pool.run(_use)))
    assert pool.run(lambda conn: (third.start(), time.sleep(0.2), conn.number)[2]) == 1
    third.join(5)
    release.set()
    outer.join(5)
    assert waited == [1]  # the connection given back, not a third one
    assert len(maker.made) == 2


def test_a_user_who_waits_past_the_timeout_is_told_the_store_is_busy() -> None:
    maker = _Maker()
    pool = ConnectionPool(maker, size=1, overflow=0, timeout_s=0.1)
    start = time.monotonic()
    with pool.lease(_use), pytest.raises(StoreBusy, match="All 1 database"):
        pool.run(_use)
    assert time.monotonic() - start < 2
    assert pool.run(_use) == 0  # given back: usable again
    # a failed connection frees its place
    with pytest.raises(ValueError, match="failed"), pool.lease(_use):
        raise ValueError("failed")
    assert pool.run(_use) == 1
    broken = ConnectionPool(_refuse, size=1, overflow=0, timeout_s=0.1)
    for _ in range(3):  # a connection that could not be made holds no place
        with pytest.raises(ConnectionError):
            broken.run(_use)


def _refuse() -> _Conn:
    raise ConnectionError("connection refused")
