"""One ADBC database handle per PostgreSQL URL and process, shared by its connections.

ADBC separates a *database* (the driver, the URL, what the driver learned about
the server) from a *connection* (one server session). The PostgreSQL driver's
``dbapi.connect`` makes a new database for every connection, and initialising one
connects to the server to read its type catalogue (``pg_type``, for the driver's
type resolver) and disconnects: 0.1-0.27 s, against 10-30 ms for a connection on a
database already initialised (measured on the tests' embedded PostgreSQL 18 under
a load of 5). A command opened one database for its reads' pool, one for its
writes' and one again for each store it opened (``avert forecast``: three); a
process now initialises one per URL, opened lazily by the first connection any
store makes and closed when the last store using it is closed (``Store.close``,
with its SQLAlchemy engine) or the process exits.

Safety: the shared database holds no server session (its initialisation closes
the one it reads the catalogue on), only the driver's settings and type resolver,
which connections read; new connections are made, and closed, one at a time
under a lock, since the ADBC specification does not promise that a database
serves several threads at once (the PostgreSQL driver counts its database's open
connections in a plain integer, added to by each connection made and taken from
by each one closed: unlocked, two threads could lose a count and the database
then refuse to close, "Database released with N open connections"). Each connection is still used by one thread at a time (the
pools, :mod:`avert.store._pool`) and closed after a failed transaction. After a
``fork`` a child initialises its own database and leaves its parent's alone, as
the pools do. The URL (which may hold a password) is only a key here, never shown.
The driver manager shares a database between connections with its reference-
counted holder (``adbc_driver_manager.dbapi._SharedDatabase``, what its
``Connection.adbc_clone`` uses): the database closes when the registry and every
connection made on it have let go. A driver manager without that holder makes
a database per connection, as before.
"""

from __future__ import annotations

import atexit
import functools
import os
import threading
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SharedDatabase"]


@dataclass
class _Entry:
    """An initialised database, the number of :class:`SharedDatabase` using it, and
    the lock its connections are made under."""

    holder: Any
    users: int = 0
    #: held while a connection on the database is made or closed (re-entrant: a
    #: connection the garbage collector closes may be closed on a thread making one)
    made: threading.RLock = field(default_factory=threading.RLock)


_LOCK = threading.Lock()
#: URL -> the database of this process for it
_OPEN: dict[str, _Entry] = {}
_PID = [os.getpid()]
#: a forked child's view of its parent's databases: kept, never used nor closed
_PARENTS: list[_Entry] = []


class SharedDatabase:
    """A store's use of the process's one ADBC database for the PostgreSQL URL
    ``uri``: taken at the first :meth:`connect`, given back by :meth:`close` (and
    taken again by a later :meth:`connect`)."""

    def __init__(self, uri: str) -> None:
        self._uri = uri
        self._entry: _Entry | None = None

    def connect(self, *, autocommit: bool) -> Any:
        """A new DB-API connection (``adbc_driver_manager.dbapi.Connection``) on the
        shared database, initialising it first when no store of this process holds
        it."""
        import adbc_driver_manager

        entry = self._take()
        if entry is None:  # no shared holder in this driver manager
            import adbc_driver_postgresql.dbapi as pg_dbapi

            return pg_dbapi.connect(self._uri, autocommit=autocommit)
        # _take's reference keeps the database open while the connection is made,
        # were the store closed meanwhile on another thread; the connection takes
        # its own
        try:
            with entry.made:
                conn = adbc_driver_manager.AdbcConnection(entry.holder._db)
            try:
                made = _connection_class()(entry.holder, conn, autocommit=autocommit)
            except BaseException:
                with entry.made:
                    conn.close()
                raise
            made.entry = entry
            return made
        finally:
            entry.holder.close()

    def close(self) -> None:
        """Give the database back; the last store to do so closes it (connections
        still open on it keep it until they close)."""
        with _LOCK:
            _forget_parents()
            entry, self._entry = self._entry, None
            if entry is None or _OPEN.get(self._uri) is not entry:
                return
            entry.users -= 1
            if entry.users > 0:
                return
            del _OPEN[self._uri]
        entry.holder.close()

    def _take(self) -> _Entry | None:
        """This store's entry, taking one (and initialising the database) when it
        holds none, with a reference to its database for the caller to give back;
        None when the driver manager cannot share a database."""
        import adbc_driver_manager.dbapi as dbapi

        shared = getattr(dbapi, "_SharedDatabase", None)
        if shared is None:
            return None
        with _LOCK:
            _forget_parents()
            if self._entry is not None and _OPEN.get(self._uri) is self._entry:
                self._entry.holder.clone()  # the caller's, given back by connect
                return self._entry
            entry = _OPEN.get(self._uri)
            if entry is None:
                # under the lock: a second thread waits for this one rather than
                # initialising a database of its own (the 0.1-0.27 s saved)
                import adbc_driver_postgresql

                entry = _Entry(shared(adbc_driver_postgresql.connect(self._uri)))
                _OPEN[self._uri] = entry
            entry.users += 1
            self._entry = entry
            entry.holder.clone()  # the caller's reference, given back by connect
            return entry


@functools.cache
def _connection_class() -> type[Any]:
    """``adbc_driver_manager.dbapi.Connection`` closing its server session under its
    database's lock (:class:`_Entry`), as it was made (defined here: the driver
    manager is imported when first used)."""
    import adbc_driver_manager.dbapi as dbapi

    class SharedConnection(dbapi.Connection):  # type: ignore[misc]
        entry: _Entry | None = None

        def close(self) -> None:
            if self.entry is None:
                super().close()
                return
            with self.entry.made:
                super().close()

    return SharedConnection


def _forget_parents() -> None:
    """In a forked child (first call after the fork; ``_LOCK`` held): set the
    parent's databases aside, untouched."""
    if _PID[0] != os.getpid():
        _PARENTS.extend(_OPEN.values())
        _OPEN.clear()
        _PID[0] = os.getpid()


def _after_fork_in_child() -> None:
    """In a forked child, at once: set the parent's databases aside and make new
    locks, ``_LOCK`` and each database's. A lock is copied held when another
    thread of the parent held it at the fork (a database being initialised, 0.1-
    0.27 s; a connection being made or closed), and no thread of the child would
    ever release it: the child's first connection, :meth:`SharedDatabase.close`
    or its exit would wait for ever."""
    global _LOCK  # the parent's lock object is unusable here
    _LOCK = threading.Lock()
    _PARENTS.extend(_OPEN.values())
    _OPEN.clear()
    _PID[0] = os.getpid()
    for entry in _PARENTS:
        entry.made = threading.RLock()


os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _close_all() -> None:
    """At exit: let go of every database of this process (each closes when its
    last connection does)."""
    with _LOCK:
        _forget_parents()
        entries = list(_OPEN.values())
        _OPEN.clear()
    for entry in entries:
        entry.holder.close()
