"""The Plan's performance runs, kept per store and data generation under a byte bound.

A Plan page's measures each need a performance run (:func:`avert.workflows.board.
run_performance`: a seasonal model per series), the same for every reader of the
same day and data: they were kept in the store's small-answer memo
(:func:`avert.store.kept.kept_answer`), bounded by 256 entries and no size, though a
run split by a fine area (London's 600-odd wards, each series with its months,
fitted values and chart frames) holds megabytes where a person's answer holds a
few kilobytes: 256 such runs could hold gigabytes. Here at most
:data:`RUNS_KEPT` runs of at most :data:`RUNS_KEPT_BYTES` in all are kept per
store (the least recently used dropped first; a run larger than the bound alone is
not kept), each sized by :func:`approximate_bytes`.

Kept only when the store's data generation was the same before and after the run
(no write committed meanwhile), as the store's memos are; a hit is a deep copy, so
a caller's change stays its own. Nothing here is audited: the Plan page is, each
time it is shown.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any, Final, TypeVar

import numpy as np
import polars as pl

from avert.store import Store

__all__ = ["RUNS_KEPT", "RUNS_KEPT_BYTES", "approximate_bytes", "kept_run"]

#: performance runs kept per store (a Plan page of a few measures needs one to a
#: handful; a board month's several readers share them)
RUNS_KEPT: Final = 32
#: bytes of performance runs kept per store at most (:func:`approximate_bytes`)
RUNS_KEPT_BYTES: Final = 128 * 2**20

_Run = TypeVar("_Run")

_LOCK = threading.Lock()
#: per store: (generation, key) -> (bytes, run), least recently used first
_RUNS: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, tuple[int, Any]]] = (
    weakref.WeakKeyDictionary()
)


def approximate_bytes(value: object, _seen: set[int] | None = None) -> int:
    """About the memory ``value`` holds: a polars frame's estimated size, a numpy
    array's bytes, the sum over a dataclass's fields and a container's items, else
    :func:`sys.getsizeof`. Each object is counted once (a frame shared by two
    fields is not counted twice)."""
    seen = set() if _seen is None else _seen
    if id(value) in seen:
        return 0
    seen.add(id(value))
    if isinstance(value, pl.DataFrame):
        return int(value.estimated_size())
    if isinstance(value, pl.Series):
        return int(value.estimated_size())
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return sys.getsizeof(value) + sum(
            approximate_bytes(getattr(value, f.name), seen)
            for f in dataclasses.fields(value)
        )
    if isinstance(value, Mapping):
        return sys.getsizeof(value) + sum(
            approximate_bytes(k, seen) + approximate_bytes(v, seen)
            for k, v in value.items()
        )
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(approximate_bytes(v, seen) for v in value)
    return sys.getsizeof(value)


def kept_run(store: Store, key: Hashable, make: Callable[[], _Run]) -> _Run:
    """``make()``, or a copy of what it gave under ``key`` (which must name
    everything it depends on besides the store's data) at the store's current
    data generation; kept under :data:`RUNS_KEPT` and :data:`RUNS_KEPT_BYTES`."""
    generation = store.generation()
    full = (generation, key)
    with _LOCK:
        memo = _RUNS.setdefault(store, OrderedDict())
        hit = memo.get(full)
        if hit is not None:
            memo.move_to_end(full)
            kept: _Run = copy.deepcopy(hit[1])
            return kept  # (a copy: a caller's change stays its own)
    made = make()
    if store.generation() == generation:  # no write committed meanwhile
        size = approximate_bytes(made)
        with _LOCK:
            _keep(memo, full, size, copy.deepcopy(made))
    return made


def _keep(
    memo: OrderedDict[Hashable, tuple[int, Any]], key: Hashable, size: int, run: Any
) -> None:
    """Keep ``run`` (``size`` bytes) as the newest of ``memo``, dropping the runs
    of older data generations, then the least recently used until at most :data:`RUNS_KEPT` of at most
    :data:`RUNS_KEPT_BYTES` in all are left; a run larger than that alone is not
    kept (call under ``_LOCK``)."""
    memo.pop(key, None)
    # a run of an older data generation is never read again (the generation
    # only rises): dropped now, not when the bound pushes it out
    generation = key[0] if isinstance(key, tuple) else None
    for old in [k for k in memo if isinstance(k, tuple) and k[0] != generation]:
        del memo[old]
    if size > RUNS_KEPT_BYTES:
        return
    memo[key] = (size, run)
    held = sum(entry[0] for entry in memo.values())
    while len(memo) > RUNS_KEPT or held > RUNS_KEPT_BYTES:
        _, (dropped, _run) = memo.popitem(last=False)
        held -= dropped
