"""Stored detected groups and the record of each detection run (``detection_runs``)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.schema import DETECTED_GROUP_MEMBERS, DETECTED_GROUPS
from avert.store import Store
from avert.store.detected import (
    detection_inputs,
    groups_detected_at,
    replace_detected_groups,
)
from avert.workflows.networks import detection_run_row


def _run(at: dt.datetime, groups: pl.DataFrame, store: Store) -> pl.DataFrame:
    members = pl.DataFrame(schema=DETECTED_GROUP_MEMBERS.schema)
    return detection_run_row(
        groups,
        members,
        profile="avb-2010",
        as_of=at,
        detected_at=at,
        inputs=detection_inputs(store),
    )


def test_a_run_that_found_no_group_is_recorded(any_store: Store) -> None:
    """Groups replaced whole; every run recorded, one with no group too: the latest
    run's time is when groups were last detected, none stored or not."""
    assert groups_detected_at(any_store) is None
    first = dt.datetime(2026, 11, 24, 6, 0, 5)
    one = (
        pl.DataFrame(
            {"group_id": ["net-P1"], "size": [3]}, schema_overrides={"size": pl.Int64}
        )
        .with_columns(
            *(
                pl.lit(None, dtype=t).alias(c)
                for c, t in DETECTED_GROUPS.schema.items()
                if c not in ("group_id", "size")
            )
        )
        .select(DETECTED_GROUPS.names)
    )
    members = pl.DataFrame(schema=DETECTED_GROUP_MEMBERS.schema)
    assert (
        replace_detected_groups(any_store, one, members, _run(first, one, any_store))
        == 1
    )
    assert groups_detected_at(any_store) == first
    none = pl.DataFrame(schema=DETECTED_GROUPS.schema)
    later = first + dt.timedelta(hours=1)
    replace_detected_groups(any_store, none, members, _run(later, none, any_store))
    assert any_store.count("detected_groups") == 0
    assert groups_detected_at(any_store) == later
    runs = any_store.read_frame("detection_runs", order_by=["detected_at"])
    assert runs["groups"].to_list() == [1, 0]
    assert runs["incidents"].to_list() == [0, 0]
    assert runs["detected_at"].to_list() == [first, later]
