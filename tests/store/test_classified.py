"""Replacing a profile's classifications: two replacements at once on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import polars as pl
import pytest

from avert.config.definitions import load_harm, load_profile
from avert.schema import CLASSIFICATIONS, empty_frame
from avert.store import Store
from avert.store.classified import replace_classifications
from avert.store.database import Transaction
from avert.workflows.staleness import run_row


def _classes(ids: list[str]) -> pl.DataFrame:
    rows = pl.DataFrame(
        {
            "incident_id": ids,
            "profile": ["avb-2010"] * len(ids),
            "in_definition": [True] * len(ids),
            "harm_days": [1.0] * len(ids),
        }
    )
    return pl.concat([empty_frame(CLASSIFICATIONS), rows], how="diagonal_relaxed")


def test_two_replacements_at_once_run_one_after_the_other(
    postgres_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two ``avert classify`` at once on PostgreSQL (the London quarter and the
    synthetic city): the second stopped with a traceback, "duplicate key value
    violates unique constraint pk_classifications": its DELETE ran before the
    first committed, so it removed none of the first's rows, and its COPY then met
    them. Replacements now wait for each other (an advisory lock), as loads do;
    the second's rows are the ones kept."""
    prof, harm = load_profile("avb-2010"), load_harm()
    run = run_row(prof, harm, at=dt.datetime(2026, 12, 7, 0, 0))
    appended = threading.Event()
    release = threading.Event()
    original = Transaction.append

    def slow_first(self: Transaction, table: str, frame: pl.DataFrame) -> int:
        written = original(self, table, frame)
        if table == "classifications" and threading.current_thread().name == "first":
            appended.set()
            release.wait(timeout=30)
        return written

    monkeypatch.setattr(Transaction, "append", slow_first)
    errors: list[BaseException] = []

    def first() -> None:
        other = Store(postgres_store.url.sqlalchemy)
        try:
            replace_classifications(other, "avb-2010", _classes(["a", "b"]), run)
        except BaseException as err:  # reported below
            errors.append(err)
        finally:
            other.close()

    thread = threading.Thread(target=first, name="first")
    thread.start()
    try:
        assert appended.wait(timeout=30)
        # the second starts while the first holds its rows uncommitted; it is let
        # go after a moment, when the second is waiting on the first
        threading.Timer(1.0, release.set).start()
        written = replace_classifications(
            postgres_store, "avb-2010", _classes(["a", "c"]), run
        )
    finally:
        release.set()
        thread.join(timeout=60)
    assert not errors, errors
    assert written == 2
    kept: Any = postgres_store.read_frame("classifications", columns=["incident_id"])
    assert sorted(kept["incident_id"].to_list()) == ["a", "c"]
