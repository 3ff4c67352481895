"""The MARAC list of a store whose records name no one (data.police.uk): its
notes count the window's incidents and their domestic flags, which read every
incident of the escalation year (London's 2022 Q1: 203,519 rows) for them; they
are now counted on the time index, and the notes are the same, edges included
(one dated alone on the window's first day is in by its day; one at ``at`` is in
unless dated alone at 00:00)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from avert.analyse.dash import marac_referrals
from avert.config.risk import load_risk_config
from avert.store import Store
from avert.workflows import marac

_AT = dt.datetime(2024, 6, 1)


def _incidents(flags: list[bool | None]) -> pl.DataFrame:
    """Incidents over the year before ``_AT`` and its edges, of every precision."""
    days = load_risk_config(None).marac.escalation_window_days
    start = _AT - dt.timedelta(days=days)
    times = [
        start - dt.timedelta(days=1),  # before the window's first day
        start.replace(hour=0),  # dated alone on the first day: in by its day
        start - dt.timedelta(hours=1),  # timed before the start: out
        start,  # at the open start: out
        start + dt.timedelta(minutes=1),
        _AT - dt.timedelta(days=30),
        _AT - dt.timedelta(days=200),
        _AT,  # at the end: in unless dated alone
        _AT + dt.timedelta(days=1),  # after: out
    ]
    precisions = ["exact", "day", "month", "hour"]
    rows = [
        (t, p, f)
        for i, t in enumerate(times)
        for j, p in enumerate(precisions)
        for f in flags[(i + j) % len(flags) :][:1]
    ]
    return pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(len(rows))],
            "occurred_from": [r[0] for r in rows],
            "time_precision": [r[1] for r in rows],
            "domestic": pl.Series([r[2] for r in rows], dtype=pl.Boolean),
            "source": ["test"] * len(rows),
        }
    )


def _old_notes(store: Store, at: dt.datetime = _AT) -> tuple[Any, ...]:
    """The notes as the list made them from the year's incidents, read whole."""
    config = load_risk_config(None)
    incidents = marac._escalation_incidents(
        store,
        at=at,
        days=config.marac.escalation_window_days,
        columns=["incident_id", "occurred_from", "domestic"],
    )
    empty = store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    result = marac_referrals(
        incidents, empty, store.read_frame("dash"), at=at, config=config
    )
    return marac._missing_records_notes(
        result.notes, incidents, empty, store.read_frame("dash")
    )


@pytest.mark.parametrize(
    "flags", [[None], [True], [False, None], [None, True, None], [True, False]]
)
def test_the_notes_of_a_list_naming_no_one_are_counted_not_read(
    any_store: Store, flags: list[bool | None], monkeypatch: pytest.MonkeyPatch
) -> None:
    with any_store.transaction() as tx:
        tx.append("incidents", _incidents(flags))
    expected = _old_notes(any_store)
    reads: list[str] = []
    real = type(any_store).read_frame

    def counted(store: Store, table: str, *args: Any, **kwargs: Any) -> Any:
        reads.append(table)
        return real(store, table, *args, **kwargs)

    monkeypatch.setattr(type(any_store), "read_frame", counted)
    got = marac.run_marac(any_store, at=_AT)
    assert got.notes == expected
    assert got.frame.height == 0
    assert "incidents" not in reads  # counted, not read


def test_the_counts_stand_for_the_window_s_incidents(sqlite_store: Store) -> None:
    """The counted frame holds as many incidents of each flag as the year read."""
    with sqlite_store.transaction() as tx:
        tx.append("incidents", _incidents([None, True, False]))
    days = load_risk_config(None).marac.escalation_window_days
    old = marac._escalation_incidents(
        sqlite_store,
        at=_AT,
        days=days,
        columns=["incident_id", "occurred_from", "domestic"],
    )
    new = marac._flag_counted(sqlite_store, at=_AT, days=days)
    assert new.columns == old.columns
    assert new.schema == old.schema

    def tally(frame: pl.DataFrame) -> pl.DataFrame:
        return frame["domestic"].value_counts().sort("domestic", nulls_last=True)

    assert tally(new).equals(tally(old))
    assert new.height == old.height
    assert 0 < new.height < _incidents([None]).height


def test_a_record_dated_alone_before_a_start_in_the_day_is_counted(
    any_store: Store,
) -> None:
    """A window ending at 10:00 starts at 10:00 of its first day: a record dated
    alone that day (stored at 00:00) is in by its day, one timed at 05:00 is out,
    as the year read whole counted them (the tests above end at 00:00, where the
    first day's 00:00 is the start itself)."""
    at = _AT.replace(hour=10)
    start = at - dt.timedelta(days=load_risk_config(None).marac.escalation_window_days)
    first = start.replace(hour=0)
    rows = {
        "dated-alone": (first, "day", True),  # in by its day
        "timed-before": (first.replace(hour=5), "exact", True),  # out
        "timed-after": (start + dt.timedelta(hours=1), "exact", None),  # in
    }
    with any_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": list(rows),
                    "occurred_from": [r[0] for r in rows.values()],
                    "time_precision": [r[1] for r in rows.values()],
                    "domestic": pl.Series(
                        [r[2] for r in rows.values()], dtype=pl.Boolean
                    ),
                    "source": ["test"] * len(rows),
                }
            ),
        )
    expected = _old_notes(any_store, at)
    assert any("1 incident of the window has no domestic flag" in n for n in expected)
    assert marac.run_marac(any_store, at=at).notes == expected
