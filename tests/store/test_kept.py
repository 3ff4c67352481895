"""Reads kept per data generation (avert.store.kept) hold bounded memory."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from avert.store import Store, kept

#: a frame of 8 MB (a million 8-byte floats)
_MB8 = pl.DataFrame({"x": np.zeros(1_000_000)})


def test_kept_reads_hold_at_most_their_bytes(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten reads of 8 MB under a bound of 20 MB: the newest two are kept (the
    oldest dropped first), not all ten (a count bound alone held 32 reads of
    any size: a London month of street crimes is 19 MB a read)."""
    monkeypatch.setattr(kept, "KEPT_BYTES", 20_000_000, raising=False)
    for n in range(10):
        kept.kept(sqlite_store, ("big", n), lambda: _MB8)
    held = kept._KEPT[sqlite_store]
    assert sum(frame.estimated_size() for frame in held.values()) <= 20_000_000
    assert [key for _, key in held] == [("big", 8), ("big", 9)]

    def unread() -> pl.DataFrame:
        raise AssertionError("read again")

    assert kept.kept(sqlite_store, ("big", 9), unread).height == 1_000_000
    # one read larger than the bound alone is not kept, and drops nothing
    kept.kept(sqlite_store, "huge", lambda: pl.concat([_MB8] * 3))
    assert [key for _, key in held] == [("big", 8), ("big", 9)]


def test_kept_people_hold_at_most_their_bytes(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = _MB8.with_columns(person_id=pl.lit("P1"))
    bound = rows.estimated_size() * 5 // 2  # two such reads, not three
    monkeypatch.setattr(kept, "KEPT_BYTES", bound, raising=False)
    day = dt.datetime(2026, 1, 1)
    for n in range(6):
        kept.kept_for_people(
            sqlite_store,
            ("people", n),
            ["P1"],
            day,
            day + dt.timedelta(hours=1),
            lambda people, start, end: rows,
        )
    held = kept._PEOPLE[sqlite_store]
    assert sum(frame.estimated_size() for _, frame in held.values()) <= bound
    assert [key[1] for key in held] == [("people", 4), ("people", 5)]


def test_kept_answers_are_copies_few_and_apart_from_the_reads(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person's answer (:func:`kept.kept_answer`) is made once per data
    generation, given as a copy (a caller's change stays its own), the last
    ``KEPT_ANSWERS`` of them kept in a memo of their own: people's pages opened
    one after another push no read of the briefing out."""
    monkeypatch.setattr(kept, "KEPT_ANSWERS", 3, raising=False)
    made: list[str] = []

    def answer(who: str) -> dict[str, list[str]]:
        made.append(who)
        return {"who": [who]}

    kept.kept(sqlite_store, "briefing read", lambda: pl.DataFrame({"x": [1]}))
    first = kept.kept_answer(sqlite_store, "P0", lambda: answer("P0"))
    first["who"].append("changed by the caller")
    assert kept.kept_answer(sqlite_store, "P0", lambda: answer("P0")) == {"who": ["P0"]}
    assert made == ["P0"]
    for n in range(1, 6):
        kept.kept_answer(sqlite_store, f"P{n}", lambda n=n: answer(f"P{n}"))
    assert [key for _, key in kept._ANSWERS[sqlite_store]] == ["P3", "P4", "P5"]
    assert [key for _, key in kept._KEPT[sqlite_store]] == ["briefing read"]
    with sqlite_store.transaction() as tx:  # a write: a new data generation
        tx.append("people", pl.DataFrame({"person_id": ["P1"]}))
    kept.kept_answer(sqlite_store, "P5", lambda: answer("P5"))
    assert made.count("P5") == 2
