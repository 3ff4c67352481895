"""The plan's checks read the year's violence joined to its classification."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from avert.store import Store
from avert.workflows.delivery import _checks


def _last_day(store: Store) -> dt.date:
    last = store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(last, dt.datetime)
    return last.date() + dt.timedelta(days=1)


def _whole_table_join(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    *,
    columns: Sequence[str],
    profile: str,
    class_columns: Sequence[str],
) -> pl.DataFrame:
    """The read before: the window's incidents joined in Polars to every
    classification of the profile (null where none, as the SQL join)."""
    incidents = store.read_frame(
        "incidents",
        columns=list(columns),
        where=[("occurred_from", ">=", start), ("occurred_from", "<", end)],
    )
    classes = store.read_frame(
        "classifications",
        columns=["incident_id", *class_columns],
        where=[("profile", "=", profile)],
    )
    return incidents.join(classes, on="incident_id", how="left")


def test_the_checks_find_what_the_whole_table_join_found(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same top-harm people, places and groups and the same repeat victims, over
    the year to the city's last day and to a month before it."""
    for today in (
        _last_day(city_store),
        _last_day(city_store) - dt.timedelta(days=30),
    ):
        top, victims = _checks._harm_frames(
            city_store, "avb-2010", today, cell_size_m=150.0
        )
        with monkeypatch.context() as patch:
            patch.setattr(_checks.queries, "classified_between", _whole_table_join)
            top_before, victims_before = _checks._harm_frames(
                city_store, "avb-2010", today, cell_size_m=150.0
            )
        assert top.height > 0
        assert victims.height > 0
        assert_frame_equal(top, top_before)
        assert_frame_equal(victims.sort("person_id"), victims_before.sort("person_id"))


def test_the_checks_read_only_the_years_classifications(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They read every in-definition classification of the profile (a force's
    hundreds of thousands of rows) to join a year's incidents."""
    tables: list[str] = []
    real = city_store.read_frame

    def recorded(table: str, *args: object, **kwargs: object) -> pl.DataFrame:
        tables.append(table)
        return real(table, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(city_store, "read_frame", recorded)
    _checks._harm_frames(
        city_store, "avb-2010", _last_day(city_store), cell_size_m=150.0
    )
    assert "classifications" not in tables
