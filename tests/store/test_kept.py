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
