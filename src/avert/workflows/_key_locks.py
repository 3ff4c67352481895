"""One lock per key: a memo's value is made once when two requests ask at once.

Two web requests of the same minute (the chair's page and its htmx refresh, two
workers' threads) that miss a memo at the same moment both made its value: the
same result, twice the CPU. Held around a memo's look-up and its making, the
key's lock makes the second wait for the first and then find its value. A key's
lock lives only while a caller holds or waits for it, so the locks held are as
many as the requests in flight, not as many as the keys ever asked.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterator
from contextlib import contextmanager

__all__ = ["KeyLocks"]


class KeyLocks:
    """Locks by key, each made when first asked and dropped when its last holder
    or waiter is done (:meth:`held`)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        #: per key: its lock and how many callers hold it or wait for it
        self._locks: dict[Hashable, tuple[threading.Lock, int]] = {}

    @contextmanager
    def held(self, key: Hashable) -> Iterator[None]:
        """Hold ``key``'s lock for the ``with`` block (waiting for its holder)."""
        with self._guard:
            lock, users = self._locks.get(key, (threading.Lock(), 0))
            self._locks[key] = (lock, users + 1)
        try:
            with lock:
                yield
        finally:
            with self._guard:
                lock, users = self._locks[key]
                if users == 1:
                    del self._locks[key]
                else:
                    self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        """The keys whose lock is held or waited for now."""
        with self._guard:
            return len(self._locks)
