"""Idle PostgreSQL connections kept for reuse, one pool for reads, one for writes.

Every read of the store runs on a connection of its own, so that reads can run on
threads beside each other (the briefing's) and a failed read cannot spoil another;
every write transaction likewise. On PostgreSQL a new connection costs about 0.1 s
(a server process, authentication, the ADBC driver's look-up of the type
catalogue): ``Store.counts()`` took 3.3 s for its 30 tables, a briefing's twenty
reads two seconds, and each web page that writes an audit row paid it again. A pool
keeps up to ``size`` idle connections and hands them out one user at a time, as a
standard connection pool does (SQLAlchemy's ``QueuePool`` without overflow limits:
no one waits for a connection). Read connections are autocommit, so none holds a
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

__all__ = ["ConnectionPool"]

T = TypeVar("T")


class ConnectionPool:
    """Up to ``size`` idle connections made by ``connect``, reused by :meth:`run`
    (reads) and :meth:`lease` (transactions)."""

    def __init__(self, connect: Callable[[], Any], *, size: int = 4) -> None:
        self._connect = connect
        self._size = size
        self._idle: list[Any] = []
        self._lock = threading.Lock()
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
                raise
            conn = self._connect()
            try:
                out = work(conn)
            except Exception:
                _close_quietly(conn)
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
                conn = self._connect()
        try:
            yield conn
        except BaseException:
            _close_quietly(conn)
            raise
        self._give(conn)

    def close(self) -> None:
        """Close the idle connections (those of this process)."""
        with self._lock:
            idle, self._idle = self._idle, []
            mine = os.getpid() == self._pid
        if mine:
            for conn in idle:
                _close_quietly(conn)

    def _take(self) -> tuple[Any, bool]:
        with self._lock:
            if os.getpid() != self._pid:  # forked: the parent's sockets are not ours
                self._parents.extend(self._idle)
                self._idle = []
                self._pid = os.getpid()
            if self._idle:
                return self._idle.pop(), True
        return self._connect(), False

    def _give(self, conn: Any) -> None:
        with self._lock:
            if os.getpid() == self._pid and len(self._idle) < self._size:
                self._idle.append(conn)
                return
        _close_quietly(conn)


def _close_quietly(conn: Any) -> None:
    """Close ``conn``; one already broken has nothing left to release."""
    with contextlib.suppress(Exception):
        conn.close()
