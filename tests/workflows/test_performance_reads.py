"""The performance verdicts read the window's incidents once.

``avert analyse performance --by ward`` on Toronto (and the web Performance page)
read the window's incidents a second time for its coverage, and checked the area
field with a query per area column (an empty one reads the table through). The
verdicts are the same as before, whatever is classified outside the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.board import run_performance
from avert.workflows.definitions import classify_store

_TYPES = ("Violence and sexual offences", "Shoplifting", "Robbery")


def _append(store: Store, prefix: str, first: dt.date, n: int) -> None:
    """``n`` incidents, one every 3 days from ``first``, in two wards."""
    frame = pl.DataFrame(
        {
            "incident_id": [f"{prefix}{i:04d}" for i in range(n)],
            "source": ["test"] * n,
            "force": ["Testshire"] * n,
            "occurred_from": [
                dt.datetime.combine(first, dt.time(12)) + dt.timedelta(days=3 * i)
                for i in range(n)
            ],
            "time_precision": ["exact"] * n,
            "crime_type": [_TYPES[i % 3] for i in range(n)],
            "ward": [("North", "South")[i % 2] for i in range(n)],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)


def _judge(store: Store) -> dict[str, Any]:
    result = run_performance(
        store,
        by="ward",
        baseline_from=dt.date(2023, 1, 1),
        baseline_to=dt.date(2023, 12, 31),
        date_from=dt.date(2024, 1, 1),
        date_to=dt.date(2024, 6, 30),
    )
    out: dict[str, Any] = result.to_dict()
    return out


@pytest.fixture(params=["sqlite_store", "postgres_store"])
def store(request: pytest.FixtureRequest) -> Store:
    chosen: Store = request.getfixturevalue(request.param)
    return chosen


def test_verdicts_ignore_classifications_outside_the_window(store: Store) -> None:
    _append(store, "new", dt.date(2023, 1, 1), 180)
    classify_store(store, profile="avb-2010")
    _append(store, "old", dt.date(2020, 1, 1), 200)  # outside the window
    _append(store, "after", dt.date(2024, 8, 1), 50)
    before = _judge(store)
    assert before["verdicts"]
    classify_store(store, profile="avb-2010")  # classifies those outside it only
    assert _judge(store) == before


def _spied(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    sqls: list[str] = []
    read = store._read

    def spy(sql: str, params: Sequence[object], schema: Any) -> pl.DataFrame:
        sqls.append(sql)
        return read(sql, params, schema)

    monkeypatch.setattr(store, "_read", spy)
    return sqls


def test_performance_reads_the_window_once(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One read of the window's incidents (the coverage judged from the same
    rows) and one area-column check."""
    _append(sqlite_store, "old", dt.date(2020, 1, 1), 200)
    _append(sqlite_store, "new", dt.date(2023, 1, 1), 180)
    classify_store(sqlite_store, profile="avb-2010")
    sqls = _spied(sqlite_store, monkeypatch)
    _judge(sqlite_store)
    window = [s for s in sqls if '"occurred_from" >= ' in s and "incidents" in s]
    assert len(window) == 1, window
    assert len([s for s in sqls if "IS NOT NULL LIMIT 1" in s]) == 1


def test_coverage_records_are_those_of_a_read_of_their_own(store: Store) -> None:
    """The window's records taken from the incidents' read are the rows a read of
    their own gave: every kind (classified outside the definition too), month-only
    police.uk rows, a minor supplier, a force with padding; undated rows in neither."""
    from avert.workflows.performance import _judged_incidents, _window_records

    _append(store, "new", dt.date(2023, 1, 1), 180)
    month_only = pl.DataFrame(
        {
            "incident_id": [f"uk{i:03d}" for i in range(24)] + ["undated"],
            "source": ["police.uk"] * 24 + ["test"],
            "force": [" Testshire "] * 24 + ["Testshire"],
            "occurred_from": [
                dt.datetime(2023 + i // 12, i % 12 + 1, 1) for i in range(24)
            ]
            + [None],
            "time_precision": ["month"] * 24 + ["exact"],
            "crime_type": ["Robbery"] * 25,
        },
        schema_overrides={"occurred_from": pl.Datetime("us")},
    )
    with store.transaction() as tx:
        tx.append("incidents", month_only)
    classify_store(store, profile="avb-2010")
    first, last = dt.date(2023, 1, 1), dt.date(2024, 6, 30)
    for unit in ("month", "week"):
        _, records, _ = _judged_incidents(
            store,
            unit=unit,  # type: ignore[arg-type]
            by="ward",
            date_from=first,
            date_to=last,
            profile="avb-2010",
            violence_only=True,
            measure="count",
        )
        own = _window_records(store, first, last)
        assert records.height == own.height == 180 + 18
        assert records.sort(pl.all()).equals(own.sort(pl.all()))
