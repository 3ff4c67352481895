"""The performance verdicts read what they judge, once.

``avert analyse performance --by ward`` on Toronto's 36 months (and the web
Performance page) read every classification of the definition, not only those of
the window's incidents, read the window's incidents a second time for its
coverage, and checked the area field with a query per area column. The reads are
now the window's incidents joined in SQL to their classifications, once; the
verdicts are the same as before, whatever is classified outside the window.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.analysis import (
    _read_all_classified,
    _read_window_classified,
    load_analysis_incidents,
)
from avert.workflows.board import run_performance
from avert.workflows.definitions import classify_store

_TYPES = ("Violence and sexual offences", "Shoplifting", "Robbery")
_COLUMNS = ("incident_id", "occurred_from", "crime_type", "ward", "source", "force")
_FROM = dt.datetime(2023, 1, 1)
_TO = dt.datetime(2025, 1, 1)


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


def _stores(request: pytest.FixtureRequest) -> Store:
    store: Store = request.getfixturevalue(request.param)
    return store


@pytest.fixture(params=["sqlite_store", "postgres_store"])
def store(request: pytest.FixtureRequest) -> Store:
    return _stores(request)


def _reads(store: Store) -> list[tuple[pl.DataFrame, pl.DataFrame, bool]]:
    args = (store, "avb-2010", _FROM, _TO, _COLUMNS)
    return [_read_window_classified(*args), _read_all_classified(*args)]


def _same(
    window: tuple[pl.DataFrame, pl.DataFrame, bool],
    whole: tuple[pl.DataFrame, pl.DataFrame, bool],
) -> None:
    assert window[2] == whole[2]
    for a, b in zip(window[:2], whole[:2], strict=True):
        assert a.schema == b.schema
        assert a.equals(b)


def test_window_read_gives_the_frames_of_the_whole_read(store: Store) -> None:
    """Unclassified store, classified outside the window only, classified, one
    incident of the window left unclassified: the same frames and policy."""
    _append(store, "old", dt.date(2021, 1, 1), 100)  # before the window
    _append(store, "new", dt.date(2023, 1, 1), 200)
    _same(*_reads(store))  # no classification at all
    window = _reads(store)[0]
    assert window[2] is False
    assert "in_definition" not in window[0].columns
    classify_store(store, profile="avb-2010")
    _same(*_reads(store))
    _append(store, "late", dt.date(2024, 12, 1), 5)  # not classified
    window = _reads(store)[0]
    assert window[0]["in_definition"].null_count() == 5
    _same(window, _reads(store)[1])


def test_classified_outside_the_window_only_is_stored(sqlite_store: Store) -> None:
    """The definition has classifications, none of the window's incidents: as
    before, those incidents are unclassified (a note), not 'run avert classify'."""
    _append(sqlite_store, "old", dt.date(2021, 1, 1), 30)
    classify_store(sqlite_store, profile="avb-2010")
    _append(sqlite_store, "new", dt.date(2023, 1, 1), 30)
    window, whole = _reads(sqlite_store)
    assert window[2] is True
    _same(window, whole)
    frames = load_analysis_incidents(
        sqlite_store, profile="avb-2010", date_from=_FROM, date_to=_TO
    )
    assert frames.classified
    assert any("30 incidents have no classification" in n for n in frames.notes)


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
    """One read of the window's incidents, joined to their classifications; no
    read of the definition's classifications whole; one area-column check."""
    _append(sqlite_store, "old", dt.date(2020, 1, 1), 200)
    _append(sqlite_store, "new", dt.date(2023, 1, 1), 180)
    classify_store(sqlite_store, profile="avb-2010")
    sqls = _spied(sqlite_store, monkeypatch)
    _judge(sqlite_store)
    window = [s for s in sqls if '"occurred_from" >= ' in s and "incidents" in s]
    assert len(window) == 1, window
    assert "JOIN" in window[0]
    whole = [s for s in sqls if 'FROM "classifications"' in s and "LIMIT 1" not in s]
    assert whole == []
    assert len([s for s in sqls if "IS NOT NULL LIMIT 1" in s]) == 1
