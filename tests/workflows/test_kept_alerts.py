"""The memo of the briefing's retaliation alerts (:mod:`avert.workflows._kept_alerts`):
a kept answer only for the same key and the same rows, made once for two
requests at once, and bounded in bytes."""

from __future__ import annotations

import threading

import polars as pl
import pytest

from avert.store import Store
from avert.workflows import _kept_alerts
from avert.workflows._kept_alerts import canonical, kept_alerts
from avert.workflows._key_locks import KeyLocks

_ROWS = pl.DataFrame({"incident_id": ["a", "b", "c"], "n": [1, 2, None]})


def _maker(answer: pl.DataFrame, calls: list[int]) -> pl.DataFrame:
    calls.append(1)
    return answer


def test_kept_only_for_the_same_key_and_rows(sqlite_store: Store) -> None:
    calls: list[int] = []
    answer = pl.DataFrame({"alert": ["x"]})
    shuffled = _ROWS.sample(fraction=1.0, shuffle=True, seed=3)
    for frame in (_ROWS, shuffled, _ROWS):  # the rows' order is not the content
        got = kept_alerts(
            sqlite_store, "k", (canonical(frame),), lambda: _maker(answer, calls)
        )
        assert got.equals(answer)
    assert len(calls) == 1
    changed = _ROWS.with_columns(n=pl.Series([1, 2, 3]))  # a null filled in
    kept_alerts(sqlite_store, "k", (canonical(changed),), lambda: _maker(answer, calls))
    assert len(calls) == 2
    kept_alerts(
        sqlite_store, "other", (canonical(changed),), lambda: _maker(answer, calls)
    )
    assert len(calls) == 3
    with sqlite_store.transaction() as tx:  # a write: a new data generation
        tx.append("people", pl.DataFrame({"person_id": ["P1"]}))
    kept_alerts(
        sqlite_store, "other", (canonical(changed),), lambda: _maker(answer, calls)
    )
    assert len(calls) == 4


def test_two_requests_at_once_make_them_once(sqlite_store: Store) -> None:
    calls: list[int] = []
    inside, release = threading.Event(), threading.Event()
    answers: list[pl.DataFrame] = []

    def slow() -> pl.DataFrame:
        calls.append(1)
        inside.set()
        release.wait(timeout=1.0)  # the second asks meanwhile
        return pl.DataFrame({"alert": ["x"]})

    def ask() -> None:
        answers.append(kept_alerts(sqlite_store, "k", (canonical(_ROWS),), slow))

    one = threading.Thread(target=ask)
    one.start()
    assert inside.wait(timeout=30)
    two = threading.Thread(target=ask)
    two.start()
    two.join(timeout=0.5)  # waits for the first (the old way: made it beside)
    release.set()
    one.join(timeout=30)
    two.join(timeout=30)
    assert len(calls) == 1
    assert len(answers) == 2
    assert answers[0].equals(answers[1])


def test_key_locks_are_dropped_when_done() -> None:
    locks = KeyLocks()
    with locks.held("a"), locks.held("b"):
        assert len(locks) == 2
    assert len(locks) == 0


def test_the_bytes_kept_are_bounded(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []
    answer = pl.DataFrame({"alert": ["x"]})
    one = canonical(_ROWS)
    # three keys' frames and the keys themselves (data generation, name)
    key_bytes = _kept_alerts._key_bytes((sqlite_store.generation(), "k1"))
    bound = 3 * (one.estimated_size() + answer.estimated_size() + key_bytes)
    monkeypatch.setattr(_kept_alerts, "KEPT_ALERTS_BYTES", bound)
    for key in ("k1", "k2", "k3", "k4"):
        kept_alerts(sqlite_store, key, (one,), lambda: _maker(answer, calls))
    kept_alerts(sqlite_store, "k4", (one,), lambda: _maker(answer, calls))
    assert len(calls) == 4  # the newest is kept
    kept_alerts(sqlite_store, "k1", (one,), lambda: _maker(answer, calls))
    assert len(calls) == 5  # the oldest was dropped
    big = canonical(pl.DataFrame({"n": list(range(10_000))}))
    kept_alerts(sqlite_store, "big", (big,), lambda: _maker(answer, calls))
    kept_alerts(sqlite_store, "big", (big,), lambda: _maker(answer, calls))
    assert len(calls) == 7  # larger than the bound alone: not kept


def test_the_bound_counts_the_ids_of_the_key(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A key naming a window's ids holds bytes too: it was counted as nothing, so
    thousands of ids per key were kept past the bound."""
    calls: list[int] = []
    answer = pl.DataFrame({"alert": ["x"]})
    one = canonical(_ROWS)
    ids = tuple(f"incident-{n:032d}" for n in range(2_000))  # some 150 KB
    small = _kept_alerts._key_bytes((sqlite_store.generation(), ("k", ids[:2])))
    frames_bytes = one.estimated_size() + answer.estimated_size()
    monkeypatch.setattr(_kept_alerts, "KEPT_ALERTS_BYTES", 2 * (frames_bytes + small))
    for _ in range(2):
        kept_alerts(sqlite_store, ("k", ids), (one,), lambda: _maker(answer, calls))
    assert len(calls) == 2  # the key alone is larger than the bound: not kept
    for _ in range(2):  # a small key of the same frames is kept
        kept_alerts(sqlite_store, ("k", ids[:2]), (one,), lambda: _maker(answer, calls))
    assert len(calls) == 3
