"""Idle PostgreSQL connections kept for reuse, one pool for reads, one for writes.

Every read of the store runs on a connection of its own, so that reads can run on
threads beside each other (the briefing's) and a failed read cannot spoil another;
every write transaction likewise. On PostgreSQL a new connection costs about 0.1 s
(a server process, authentication, the ADBC driver's look-up of the type
catalogue): ``Store.counts()`` took 3.3 s for its 30 tables, a briefing's twenty
reads two seconds, and each web page that writes an audit row paid it again. A pool
keeps up to ``size`` idle connections and hands them out one user at a time, as a
standard connection pool does (SQLAlchemy's ``QueuePool``): at most ``size +
overflow`` are open at once, idle or in use; a user who finds them all in use waits
up to ``timeout_s`` for one to come back, then gets :class:`~avert.errors.StoreBusy`
(the web app's 503). Without that bound, 24 concurrent web requests opened 63
PostgreSQL connections (each briefing reads on four threads), and two web workers
and a command-line job could use up a server's ``max_connections`` (100 by
default). Read connections are autocommit, so none holds a
transaction while idle; a write connection goes back only after its transaction
ended cleanly (committed or rolled back by its user without an error escaping).

A pooled connection may have died while idle (the server restarted, an idle
timeout). A read that fails on one is run once more on a new connection (reads have
no effects, so running one twice is safe); a write is never run twice: its
connection is first checked with a cheap ``ping`` (SQLAlchemy's ``pool_pre_ping``)
and replaced if that fails. After a ``fork`` (a web server's worker) the parent's
connections are left alone, never used nor closed by the child, and the child opens
its own. SQLite does not use the pools: its connections are cheap, and two SQLite
libraries in one process must not keep files open (see ``Store``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from avert.errors import StoreBusy

__all__ = ["ConnectionPool"]

T = TypeVar("T")


class ConnectionPool:
    """Up to ``size`` idle connections made by ``connect``, reused by :meth:`run`
    (reads) and :meth:`lease` (transactions); at most ``size + overflow`` open at
    once, a user waiting up to ``timeout_s`` for one (``what`` names the pool in
    the :class:`~avert.errors.StoreBusy` raised after that)."""

    def __init__(
        self,
        connect: Callable[[], Any],
        *,
        size: int = 4,
        overflow: int = 4,
        timeout_s: float = 30.0,
        what: str = "connections",
    ) -> None:
        self._connect = connect
        self._size = size
        self._limit = size + overflow
        self._timeout_s = timeout_s
        self._what = what
        self._idle: list[Any] = []
        #: connections of this process open now, idle or in use (<= ``_limit``)
        self._open = 0
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._pid = os.getpid()
        #: a forked child's view of its parent's connections: kept, never touched
        self._parents: list[Any] = []

    def run(self, work: Callable[[Any], T]) -> T:
        """``work(connection)`` on an idle connection (or a new one), then keep it.

        A failure on a reused connection is retried once on a new one; a failure on a
        new connection is raised. A connection that failed is closed, never kept.
        """
        conn, reused = self._take()
        try:
            out = work(conn)
        except Exception:
            _close_quietly(conn)
            if not reused:
                self._release()
                raise
            conn = self._replace()
            try:
                out = work(conn)
            except Exception:
                self._discard(conn)
                raise
        self._give(conn)
        return out

    @contextlib.contextmanager
    def lease(self, ping: Callable[[Any], object]) -> Iterator[Any]:
        """A connection for one transaction: an idle one that answers ``ping``, else
        a new one. Kept when the block ends cleanly; closed when an exception leaves
        it (whatever the connection's state then, it is not handed out again).
        """
        conn, reused = self._take()
        if reused:
            try:
                ping(conn)
            except Exception:  # died while idle: a new one, the work not yet begun
                _close_quietly(conn)
                conn = self._replace()
        try:
            yield conn
        except BaseException:
            self._discard(conn)
            raise
        self._give(conn)

    def close(self) -> None:
        """Close the idle connections (those of this process)."""
        with self._lock:
            idle, self._idle = self._idle, []
            mine = os.getpid() == self._pid
            if mine:
                self._open -= len(idle)
                self._freed.notify_all()
        if mine:
            for conn in idle:
                _close_quietly(conn)

    def _take(self) -> tuple[Any, bool]:
        """An idle connection (True), else a new one (False) while fewer than the
        limit are open, else the first one given back within the timeout."""
        with self._lock:
            if os.getpid() != self._pid:  # forked: the parent's sockets are not ours
                self._parents.extend(self._idle)
                self._idle = []
                self._open = 0
                self._pid = os.getpid()
            if not self._freed.wait_for(
                lambda: self._idle or self._open < self._limit, self._timeout_s
            ):
                msg = (
                    f"All {self._limit} database {self._what} of this process stayed "
                    f"in use for {self._timeout_s:g} s (settings db_pool_size + "
                    "db_max_overflow, db_pool_timeout_s)"
                )
                raise StoreBusy(msg)
            if self._idle:
                return self._idle.pop(), True
            self._open += 1
        try:
            return self._connect(), False
        except BaseException:
            self._release()
            raise

    def _replace(self) -> Any:
        """A new connection in the place (the slot) of one that was closed."""
        try:
            return self._connect()
        except BaseException:
            self._release()
            raise

    def _give(self, conn: Any) -> None:
        with self._lock:
            if os.getpid() == self._pid and len(self._idle) < self._size:
                self._idle.append(conn)
                self._freed.notify()
                return
        self._discard(conn)

    def _discard(self, conn: Any) -> None:
        """Close ``conn`` (in use, never kept) and free its slot."""
        _close_quietly(conn)
        self._release()

    def _release(self) -> None:
        """One connection fewer open (closed, or never made): a waiter may make one."""
        with self._lock:
            self._open = max(0, self._open - 1)
            self._freed.notify()


def _close_quietly(conn: Any) -> None:
    """Close ``conn``; one already broken has nothing left to release."""
    with contextlib.suppress(Exception):
        conn.close()
