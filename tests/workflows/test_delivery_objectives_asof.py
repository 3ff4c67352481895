"""A past month's board pack reads each objective as it stood at the month's end;
one avert first recorded later is read as first recorded, and a replacement saved in
the same second as that first record (the demo rescales the example plan's
baselines as it imports it) is part of it: versions are ordered by their number,
not only by their time."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import polars as pl

from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.users import User

SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})
EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
CHAIR = User("chair1", "chair")


def _rebaseline(store: Store, baseline: float, *, now: dt.datetime) -> None:
    """Give objective P1 ``baseline`` (its target kept), saved at ``now``."""
    p1 = store.read_frame("objectives").filter(pl.col("objective_id") == "P1")
    row = {**p1.to_dicts()[0], "baseline": baseline}
    delivery._save(store, "objective", [row], user=CHAIR, reason="test", now=now)


def _p1_in(store: Store, month: str) -> tuple[float, float]:
    """P1's baseline in the pack's objectives and in its measures."""
    data = delivery.board_pack_data(store, SETTINGS, month=month)
    listed = {o["objective_id"]: o["baseline"] for o in data["objectives"]}
    measured = {m["objective_id"]: m["baseline"] for m in data["measures"]}
    return listed["P1"], measured["P1"]


def test_a_same_second_replacement_of_a_first_record_is_read_as_first_recorded(
    sqlite_store: Store,
) -> None:
    imported = dt.datetime(2025, 11, 20, 6)
    delivery.import_plan(sqlite_store, EXAMPLE, user=CHAIR, now=imported)
    first = sqlite_store.read_frame("objectives").filter(pl.col("objective_id") == "P1")
    assert first["baseline"].item() != 206.0
    _rebaseline(sqlite_store, 206.0, now=imported)
    # October ended before avert recorded the plan: as first recorded, which is
    # the baseline saved in that same second (the plan file's was read: 1,200)
    assert _p1_in(sqlite_store, "2025-10") == (206.0, 206.0)
    assert _p1_in(sqlite_store, "2025-11") == (206.0, 206.0)


def test_a_later_replacement_is_not_read_before_it_was_saved(
    sqlite_store: Store,
) -> None:
    imported = dt.datetime(2025, 10, 20, 6)
    delivery.import_plan(sqlite_store, EXAMPLE, user=CHAIR, now=imported)
    filed = sqlite_store.read_frame("objectives").filter(pl.col("objective_id") == "P1")
    baseline = float(filed["baseline"].item())
    # the same second as another replacement of that second, then a month later
    _rebaseline(sqlite_store, 500.0, now=imported + dt.timedelta(days=1))
    _rebaseline(sqlite_store, 400.0, now=imported + dt.timedelta(days=1))
    _rebaseline(sqlite_store, 206.0, now=dt.datetime(2025, 11, 10, 9))
    assert _p1_in(sqlite_store, "2025-09") == (baseline, baseline)
    assert _p1_in(sqlite_store, "2025-10") == (400.0, 400.0)
    assert _p1_in(sqlite_store, "2025-11") == (206.0, 206.0)
