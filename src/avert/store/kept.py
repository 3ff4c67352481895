"""Reads kept for the store's data generation, over whole days.

A live store's briefing window ends at the present minute, so *Today* is built
afresh every minute although no record changed. Its costliest reads (the named
people's three years of co-offending, the window's people's year of history, their
kin) depend on the window only through its bounds. :func:`kept_between` reads such a
range widened to whole days (from the first day's 00:00 to the 00:00 after its last
instant) and keeps the rows under the store's data generation
(:meth:`avert.store.Store.generation`, raised by every write of analysed data); the
caller cuts them to the exact bounds, so the next minute's build of the same people
reads nothing and shows the same figures. :func:`kept` keeps a read that does not
depend on time at all; :func:`kept_answer` a small answer made of reads (one
person's, for their page shown again) in a memo of its own, so that people's pages
opened one after another never push the briefing's reads out.

Kept per :class:`~avert.store.Store` object (dropped with it), the last
:data:`KEPT_ENTRIES` reads each and no more than :data:`KEPT_BYTES` of them (each
of the two memos, by Polars' estimate: a month of London's street crimes read for
the briefing is 19 MB, so 32 such reads would hold 600 MB in each web worker); a
read is kept only when the generation was the same before and after it (a load
committed meanwhile is not kept as the older one).
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from typing import Any, Final, TypeVar

import polars as pl

from avert.store.database import Store

__all__ = [
    "KEPT_ANSWERS",
    "KEPT_BYTES",
    "KEPT_ENTRIES",
    "kept",
    "kept_answer",
    "kept_between",
    "kept_for_people",
    "whole_days",
]

#: Reads kept per store (each some thousands of rows: a briefing keeps about eight).
KEPT_ENTRIES: Final = 32
#: Bytes of reads kept per store and memo at most (the oldest are dropped first; a
#: read larger than this alone is not kept). A briefing of a day of London's
#: data.police.uk keeps about 34 MB, of the synthetic city about 14 MB.
KEPT_BYTES: Final = 256 * 2**20

#: Small answers kept per store (:func:`kept_answer`): each a person's, a few KB.
KEPT_ANSWERS: Final = 256

_Entry = TypeVar("_Entry")
_Answer = TypeVar("_Answer")

_LOCK = threading.Lock()
_KEPT: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, pl.DataFrame]] = (
    weakref.WeakKeyDictionary()
)
#: per store: the people read so far and their rows, by generation, key and days
_PEOPLE: weakref.WeakKeyDictionary[
    Store, OrderedDict[Hashable, tuple[frozenset[str], pl.DataFrame]]
] = weakref.WeakKeyDictionary()
#: per store: small answers (not frames) by generation and key
_ANSWERS: weakref.WeakKeyDictionary[Store, OrderedDict[Hashable, Any]] = (
    weakref.WeakKeyDictionary()
)


def _frame_of(entry: tuple[frozenset[str], pl.DataFrame]) -> pl.DataFrame:
    """The rows of a people memo's entry."""
    return entry[1]


def whole_days(
    since: dt.datetime, until: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """``[since, until)`` widened to whole days: ``since``'s day at 00:00 and the
    first 00:00 not before ``until``."""
    start = dt.datetime.combine(since.date(), dt.time(), tzinfo=since.tzinfo)
    end = dt.datetime.combine(until.date(), dt.time(), tzinfo=until.tzinfo)
    if end < until:
        end += dt.timedelta(days=1)
    return start, end


def kept(store: Store, key: Hashable, read: Callable[[], pl.DataFrame]) -> pl.DataFrame:
    """``read()``, or the frame it gave at the store's current data generation
    under ``key`` (which must name everything the read depends on)."""
    generation = store.generation()
    full = (generation, key)
    with _LOCK:
        memo = _KEPT.setdefault(store, OrderedDict())
        frame = memo.get(full)
        if frame is not None:
            memo.move_to_end(full)
            return frame.clone()  # (a cheap copy: a caller's change stays its own)
    frame = read()
    if store.generation() == generation:  # no write committed during the read
        with _LOCK:
            _put(memo, full, frame, lambda kept_frame: kept_frame)
    return frame


def kept_answer(store: Store, key: Hashable, make: Callable[[], _Answer]) -> _Answer:
    """``make()``, or a copy of what it gave under ``key`` (which must name
    everything it depends on besides the store's data) at the store's current data
    generation: for small answers made of reads (plain values, dicts, lists; not
    frames), the last :data:`KEPT_ANSWERS` of them per store, apart from the reads
    :func:`kept` keeps. Kept only when the generation was the same before and
    after it was made. Nothing here is audited: the caller's view is, each time."""
    generation = store.generation()
    full = (generation, key)
    with _LOCK:
        memo = _ANSWERS.setdefault(store, OrderedDict())
        if full in memo:
            memo.move_to_end(full)
            answer: _Answer = copy.deepcopy(memo[full])
            return answer  # (a copy: a caller's change stays its own)
    made = make()
    if store.generation() == generation:  # no write committed meanwhile
        with _LOCK:
            memo[full] = copy.deepcopy(made)
            memo.move_to_end(full)
            while len(memo) > KEPT_ANSWERS:
                memo.popitem(last=False)
    return made


def _put(
    memo: OrderedDict[Hashable, _Entry],
    key: Hashable,
    entry: _Entry,
    frame_of: Callable[[_Entry], pl.DataFrame],
) -> None:
    """Keep ``entry`` as the newest of ``memo``, then drop the oldest until it holds
    at most :data:`KEPT_ENTRIES` of at most :data:`KEPT_BYTES` in all; an entry
    larger than that alone is not kept (call under ``_LOCK``)."""
    if frame_of(entry).estimated_size() > KEPT_BYTES:
        memo.pop(key, None)
        return
    memo[key] = entry
    memo.move_to_end(key)
    while len(memo) > KEPT_ENTRIES:
        memo.popitem(last=False)
    held = sum(frame_of(kept_entry).estimated_size() for kept_entry in memo.values())
    while held > KEPT_BYTES:
        _, dropped = memo.popitem(last=False)
        held -= frame_of(dropped).estimated_size()


def kept_between(
    store: Store,
    key: Hashable,
    since: dt.datetime,
    until: dt.datetime,
    read: Callable[[dt.datetime, dt.datetime], pl.DataFrame],
) -> pl.DataFrame:
    """``read(start, end)`` of :func:`whole_days` of ``[since, until)``, kept as
    :func:`kept` keeps it: rows of whole days, which the caller cuts to
    ``[since, until)``."""
    start, end = whole_days(since, until)
    return kept(store, (key, start, end), lambda: read(start, end))


def kept_for_people(
    store: Store,
    key: Hashable,
    people: Sequence[str],
    since: dt.datetime,
    until: dt.datetime,
    read: Callable[[list[str], dt.datetime, dt.datetime], pl.DataFrame],
) -> pl.DataFrame:
    """The rows of ``people`` (column ``person_id``) of the :func:`whole_days` of
    ``[since, until)``, each person's read once per data generation:
    ``read(missing_people, start, end)`` reads only those not read yet (a live
    store's window gains or loses a person every few minutes; the others' rows are
    kept), and the rows of ``people`` are returned, which the caller cuts to
    ``[since, until)``."""
    start, end = whole_days(since, until)
    generation = store.generation()
    full = (generation, key, start, end)
    with _LOCK:
        memo = _PEOPLE.setdefault(store, OrderedDict())
        have = memo.get(full)
        if have is not None:
            memo.move_to_end(full)
    covered, frame = have if have is not None else (frozenset(), None)
    missing = sorted(set(people) - covered)
    if missing or frame is None:
        more = read(missing, start, end)
        if frame is None or frame.height == 0:
            frame = more
        elif more.height:
            frame = pl.concat([frame, more], how="vertical_relaxed")
        if store.generation() == generation:  # no write committed meanwhile
            with _LOCK:
                _put(memo, full, (covered | frozenset(missing), frame), _frame_of)
    asked = pl.Series(sorted(set(people)), dtype=frame.schema["person_id"])
    return frame.filter(pl.col("person_id").is_in(asked.implode()))
