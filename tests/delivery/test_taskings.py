"""The briefing's taskings come in one order, whatever their random ids."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.delivery.taskings import for_briefing
from avert.schema import TABLES


def _taskings(ids: list[str]) -> pl.DataFrame:
    due = dt.datetime(2026, 11, 23, 9)
    items = [("repeat_victim", "P2"), ("incident", "I9"), ("incident", "I1")]
    return pl.DataFrame(
        {
            "tasking_id": ids,
            "due": [due] * 3,
            "item_kind": [k for k, _ in items],
            "item_id": [i for _, i in items],
            "status": ["open"] * 3,
        }
    ).with_columns(
        pl.lit(None, dtype=TABLES["taskings"].schema["result_at"]).alias("result_at"),
        pl.lit(None, dtype=TABLES["taskings"].schema["updated_at"]).alias("updated_at"),
    )


def test_ties_on_due_are_ordered_by_item_not_by_random_id() -> None:
    at = dt.datetime(2026, 11, 23, 6)
    orders = {
        tuple(for_briefing(_taskings(ids), at=at, replay=False)["due"]["item_id"])
        for ids in (["T-c", "T-b", "T-a"], ["T-a", "T-c", "T-b"], ["T-b", "T-a", "T-c"])
    }
    assert orders == {("I1", "I9", "P2")}
