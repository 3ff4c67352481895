"""The briefing's store read of a store mixing exact-time records with month-only
ones (data.police.uk, dated on their month's first day), on SQLite and PostgreSQL:
every month-only record whose month overlaps the 28 days read once, no exact-time
record before them read, none twice, and the trend line the same as from the whole
table, at month and year boundaries (times are naive local times)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.briefing import daily_briefing
from avert.store import Store
from avert.workflows.briefing_reads import read_briefing_frames

D = dt.datetime
_RECORDS = [
    ("m-2021-11", D(2021, 11, 1), "month"),
    ("m-2021-12", D(2021, 12, 1), "month"),
    ("m-2022-01", D(2022, 1, 1), "month"),
    ("m-2022-02", D(2022, 2, 1), "month"),
    ("m-2022-03", D(2022, 3, 1), "month"),
    ("e-feb1-12", D(2022, 2, 1, 12), "exact"),
    ("d-feb2", D(2022, 2, 2), "day"),
    ("e-feb3-0559", D(2022, 2, 3, 5, 59), "exact"),
    ("e-feb3-0600", D(2022, 2, 3, 6), "exact"),
    ("e-mar3-05", D(2022, 3, 3, 5), "exact"),
    ("e-dec31-23", D(2021, 12, 31, 23), "exact"),
    ("e-jan1-00", D(2022, 1, 1), "exact"),
    ("e-mar31-23", D(2022, 3, 31, 23), "exact"),
]
_ATS = [
    D(2022, 3, 3, 6),  # February's records and March's
    D(2022, 3, 1),  # the 28 days start on 1 February at 00:00
    D(2022, 3, 1, 0, 30),
    D(2022, 2, 28, 12),
    D(2022, 1, 20),  # December 2021's and January 2022's
    D(2022, 1, 29, 0, 1),  # January's only
    D(2022, 3, 31, 23, 30),
    D(2022, 4, 1),
]


def _fill(store: Store) -> pl.DataFrame:
    """The records, classified violent, in ``store``; returned joined."""
    inc = pl.DataFrame(
        {
            "incident_id": [i for i, _, _ in _RECORDS],
            "source": ["policeuk" if p == "month" else "own" for *_, p in _RECORDS],
            "force": "F",
            "crime_type": "Violence and sexual offences",
            "occurred_from": [t for _, t, _ in _RECORDS],
            "time_precision": [p for *_, p in _RECORDS],
        }
    )
    cls = inc.select(
        "incident_id",
        profile=pl.lit("avb-2010"),
        in_definition=pl.lit(True),
        category=pl.lit("assault_with_injury"),
        rule_ids=pl.lit("r"),
        harm_days=pl.lit(1.0),
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
        tx.append("classifications", cls)
    return inc.join(cls.drop("profile"), on="incident_id")


def _expected(at: dt.datetime) -> set[str]:
    """Independently: the records from the 28 days' start on, and the month-only
    records dated before it whose month runs past it."""
    start = min(
        D(*(at - dt.timedelta(hours=24)).timetuple()[:3]), at - dt.timedelta(days=28)
    )
    out = set()
    for i, t, p in _RECORDS:
        month_end = D(t.year + t.month // 12, t.month % 12 + 1, 1)
        if start <= t < at or (p == "month" and t < start < month_end):
            out.add(i)
    return out


def test_each_overlapping_month_only_record_is_read_once(any_store: Store) -> None:
    _fill(any_store)
    for at in _ATS:
        frames, _ = read_briefing_frames(any_store, at=at)
        ids = frames["incidents"]["incident_id"].to_list()
        assert len(ids) == len(set(ids)), (at, ids)
        assert set(ids) == _expected(at), (at, sorted(ids))


def test_the_store_read_briefs_as_the_whole_table(any_store: Store) -> None:
    whole = _fill(any_store)
    for at in _ATS:
        frames, _ = read_briefing_frames(any_store, at=at)
        from_store = daily_briefing(frames["incidents"], at=at)
        from_table = daily_briefing(whole, at=at)
        assert from_store.trend["line"] == from_table.trend["line"], at
        assert from_store.trend["periods"] == from_table.trend["periods"], at
        assert from_store.window_from == from_table.window_from, at
