"""Idle PostgreSQL read connections kept for reuse.

Every read of the store runs on a connection of its own, so that reads can run on
threads beside each other (the briefing's) and a failed read cannot spoil another.
On PostgreSQL a new connection costs about 0.1 s (a server process, authentication,
the ADBC driver's look-up of the type catalogue): ``Store.counts()`` took 3.3 s for
its 30 tables, a briefing's twenty reads two seconds. The pool keeps up to ``size``
idle connections (autocommit, so none holds a transaction while idle) and hands
them out one reader at a time, as a standard connection pool does (SQLAlchemy's
``QueuePool`` without overflow limits: a reader never waits for a connection).

A pooled connection may have died while idle (the server restarted, an idle
timeout): a read that fails on one is run once more on a new connection (reads have
no effects, so running one twice is safe). After a ``fork`` (a web server's worker)
the parent's connections are left alone, never used nor closed by the child, and
the child opens its own. SQLite does not use the pool: its connections are cheap,
and two SQLite libraries in one process must not keep files open (see ``Store``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["ReadPool"]

T = TypeVar("T")


class ReadPool:
    """Up to ``size`` idle connections made by ``connect``, reused by :meth:`run`."""

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
