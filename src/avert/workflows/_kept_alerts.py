"""The briefing's retaliation alerts kept while what they are made of is the same.

A live store's *Today* ends its window at the present minute and the page is
refreshed every minute: its retaliation alerts were made again each minute
though no record had changed. :func:`kept_alerts` keeps them per
:class:`~avert.store.Store` object under a key that names every value they are
made of besides frames (the data generation, the profile, the configuration,
the ids the sliding windows select, the day of the kin's as-of) and beside it
the frames themselves, in a canonical row order (:func:`canonical`); a kept
answer is used only when the key is equal and every frame holds the same rows
(``DataFrame.equals`` of the canonical frames: no hash, no sum that two
different reads could share). So an answer from the memo is the answer made
afresh, by construction; a frame that differs at all makes them again.

Kept only when the data generation was the same before and after they were
made (a write committed meanwhile is not kept under the older one); the last
:data:`KEPT_ALERTS_ENTRIES` keys per store, of no more than
:data:`KEPT_ALERTS_BYTES` of frames and keys. Two requests of one key at once
make them once (:class:`~avert.workflows._key_locks.KeyLocks`).
"""

from __future__ import annotations

import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from avert.store import Store
from avert.workflows._key_locks import KeyLocks

__all__ = ["KEPT_ALERTS_BYTES", "KEPT_ALERTS_ENTRIES", "canonical", "kept_alerts"]

#: Keys kept per store: each audience's and area's briefing has its own frames
#: (two per briefing: the alerts without ties and with them).
KEPT_ALERTS_ENTRIES: Final = 16
#: Bytes of frames (by Polars' estimate) and keys kept per store at most (the oldest
#: keys are dropped first; a key and its frames larger than this alone are not
#: kept). A day's
#: briefing of the synthetic city of 77,679 incidents keeps 1.2-1.5 MiB a key.
KEPT_ALERTS_BYTES: Final = 64 * 2**20


@dataclass(frozen=True)
class _Kept:
    """Frames (canonical) and the alerts made of them, and the bytes of the key
    they are kept under (:func:`_key_bytes`)."""

    frames: tuple[pl.DataFrame, ...]
    alerts: pl.DataFrame
    key_bytes: int = 0

    def size(self) -> int:
        """Bytes held: the frames' by Polars' estimate, and the key's."""
        frames = sum(int(f.estimated_size()) for f in (*self.frames, self.alerts))
        return frames + self.key_bytes


def _key_bytes(key: object) -> int:
    """The bytes a key holds (Python's ``sys.getsizeof`` of it and of every item
    of its tuples, lists and sets): the briefing's keys hold the ids its sliding
    windows select (a week of a force's incidents: thousands of ids, about 85
    bytes each), which the bound counted as nothing before."""
    size = sys.getsizeof(key)
    if isinstance(key, tuple | list | set | frozenset):
        size += sum(_key_bytes(item) for item in key)
    return size


_LOCK = threading.Lock()
_LOCKS: Final = KeyLocks()
_KEPT: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, _Kept]] = (
    weakref.WeakKeyDictionary()
)


def canonical(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame``'s rows sorted by all its columns (nested ones left out of the
    order): the reads' row order, which no alert depends on, differs from one
    minute to the next."""
    order = [name for name, dtype in frame.schema.items() if not dtype.is_nested()]
    return frame.sort(order, nulls_last=False, maintain_order=True) if order else frame


def _same(a: Sequence[pl.DataFrame], b: Sequence[pl.DataFrame]) -> bool:
    """Whether the frames ``a`` and ``b`` hold the same rows in the same order
    and the same columns and types."""
    return len(a) == len(b) and all(
        x.schema == y.schema and x.equals(y, null_equal=True)
        for x, y in zip(a, b, strict=True)
    )


def kept_alerts(
    store: Store,
    key: Hashable,
    frames: Sequence[pl.DataFrame],
    make: Callable[[], pl.DataFrame],
) -> pl.DataFrame:
    """``make()``, or what it gave for ``key`` and the same ``frames`` (each
    canonical, :func:`canonical`) at the store's current data generation.
    ``key`` names every other value ``make`` depends on."""
    generation = store.generation()
    full = (generation, key)
    held = tuple(frames)
    with _LOCKS.held((id(store), full)):
        with _LOCK:
            memo = _KEPT.setdefault(store, OrderedDict())
            hit = memo.get(full)
            if hit is not None:
                memo.move_to_end(full)
        if hit is not None and _same(hit.frames, held):
            return hit.alerts.clone()  # (a caller's change stays its own)
        alerts = make()
        if store.generation() == generation:  # no write committed meanwhile
            with _LOCK:
                _put(memo, full, _Kept(held, alerts.clone(), _key_bytes(full)))
    return alerts


def _put(memo: OrderedDict[Hashable, _Kept], key: Hashable, entry: _Kept) -> None:
    """Keep ``entry`` as the newest of ``memo``, then drop the oldest until it
    holds at most :data:`KEPT_ALERTS_ENTRIES` of at most :data:`KEPT_ALERTS_BYTES`
    in all; an entry larger than that alone is not kept (call under ``_LOCK``)."""
    if entry.size() > KEPT_ALERTS_BYTES:
        memo.pop(key, None)
        return
    memo[key] = entry
    memo.move_to_end(key)
    while len(memo) > KEPT_ALERTS_ENTRIES:
        memo.popitem(last=False)
    held = sum(kept.size() for kept in memo.values())
    while held > KEPT_ALERTS_BYTES:
        _, dropped = memo.popitem(last=False)
        held -= dropped.size()
