"""The briefing built from reads kept per data generation is the one read afresh.

A live store's *Today* is built again every minute; its incidents, their
involvements, the people's histories and kin, the DASH assessments and the places'
year are read over whole days and kept for the store's data generation
(:mod:`avert.store.kept`), then cut to the window's exact bounds. The reference
here reads with the old exact bounds and keeps nothing; the full JSON must be the
same, minute after minute and on the day before.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Hashable, Sequence

import polars as pl
import pytest

from avert.store import Store, kept
from avert.workflows.briefing import build_briefing
from avert.workflows.views import default_window_end


def _json(store: Store, at: dt.datetime) -> str:
    briefing = build_briefing(store, at=at, pseudonym_key="k" * 40)
    return json.dumps(briefing.to_json(), sort_keys=True, default=str)


def _exact_and_unkept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Reads as before: exact bounds in SQL, nothing kept."""

    def unkept(
        store: Store, key: Hashable, read: Callable[[], pl.DataFrame]
    ) -> pl.DataFrame:
        return read()

    def exact(
        store: Store,
        key: Hashable,
        since: dt.datetime,
        until: dt.datetime,
        read: Callable[[dt.datetime, dt.datetime], pl.DataFrame],
    ) -> pl.DataFrame:
        return read(since, until)

    def exact_people(
        store: Store,
        key: Hashable,
        people: Sequence[str],
        since: dt.datetime,
        until: dt.datetime,
        read: Callable[[list[str], dt.datetime, dt.datetime], pl.DataFrame],
    ) -> pl.DataFrame:
        return read(sorted(set(people)), since, until)

    monkeypatch.setattr("avert.store.queries.kept", unkept)
    monkeypatch.setattr("avert.store.queries.kept_between", exact)
    monkeypatch.setattr("avert.store.queries.kept_for_people", exact_people)


def test_kept_reads_brief_as_fresh_ones(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    end, _ = default_window_end(city_store)
    # times of one day (their reads' whole days are the same: kept reads are used
    # for other people's), a minute later, and the day before
    ats = [
        end - dt.timedelta(hours=20, minutes=7),
        end - dt.timedelta(hours=14),
        end - dt.timedelta(hours=8),
        end - dt.timedelta(hours=8, minutes=-1),
        end - dt.timedelta(days=1, hours=8),
    ]
    kept_json = [_json(city_store, at) for at in ats]
    with monkeypatch.context() as patched:
        _exact_and_unkept(patched)
        fresh = Store(city_store.url.sqlalchemy)
        try:
            fresh_json = [_json(fresh, at) for at in ats]
        finally:
            fresh.close()
    assert '"retaliation": [{' in fresh_json[0]  # the kept reads are used
    for at, got, want in zip(ats, kept_json, fresh_json, strict=True):
        assert got == want, at
    # a write (a new data generation): what was kept is not used
    _involve_someone_new(city_store, ats[2])
    after = _json(city_store, ats[2])
    assert after != kept_json[2]
    with monkeypatch.context() as patched:
        _exact_and_unkept(patched)
        fresh = Store(city_store.url.sqlalchemy)
        try:
            assert after == _json(fresh, ats[2])
        finally:
            fresh.close()


def _involve_someone_new(store: Store, at: dt.datetime) -> None:
    """A copy of the window's latest violent incident, half an hour before ``at``,
    with a person not yet involved as its victim."""
    counted = store.read_frame("classifications").filter(pl.col("in_definition"))
    incidents = store.read_frame("incidents").join(
        counted.select("incident_id"), on="incident_id", how="semi"
    )
    latest = incidents.filter(pl.col("occurred_from") < at).sort("occurred_from")[-1]
    copy = {"incident_id": pl.lit("kept-reads-new")}
    involved = store.read_frame("involvements", columns=["person_id"])
    people = store.read_frame("people", columns=["person_id"])
    new = people.join(involved, on="person_id", how="anti")["person_id"].min()
    with store.transaction() as tx:
        tx.append(
            "incidents",
            latest.with_columns(
                **copy, occurred_from=pl.lit(at - dt.timedelta(minutes=30))
            ),
        )
        tx.append(
            "classifications",
            counted.join(latest.select("incident_id"), on="incident_id").with_columns(
                **copy
            ),
        )
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ["kept-reads-new"],
                    "person_id": [new],
                    "role": ["victim"],
                }
            ),
        )


def test_whole_days() -> None:
    assert kept.whole_days(
        dt.datetime(2026, 3, 1, 6, 1), dt.datetime(2026, 3, 4, 6, 1)
    ) == (dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 5))
    assert kept.whole_days(dt.datetime(2026, 3, 1), dt.datetime(2026, 3, 4)) == (
        dt.datetime(2026, 3, 1),
        dt.datetime(2026, 3, 4),
    )
