"""VOLT's trend coverage per source, read from a store (SQLite and PostgreSQL):
the ``source`` and ``force`` columns reach the analysis."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.workflows.analysis import run_volt


def _months(force: str, months: range, lsoa: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"{force[:2]}{m}" for m in months],
            "occurred_from": [dt.datetime(2019, m, 1) for m in months],
            "time_precision": ["month"] * len(months),
            "lsoa": [lsoa] * len(months),
            "source": ["policeuk"] * len(months),
            "force": [force] * len(months),
        }
    )


@pytest.mark.parametrize("kind", ["sqlite_store", "postgres_store"])
def test_a_force_whose_months_stop_inside_the_window_is_left_out_of_the_trend(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """City of London's whole 2019 beside West Yorkshire's January to June: the
    second force's places would read as falling; the trend is City of London's
    alone, the second force's place is n/a (its count whole), and the note names
    the force left out and its last day."""
    store = request.getfixturevalue(kind)
    frame = pl.concat(
        [
            _months("City of London Police", range(1, 13), "A"),
            _months("West Yorkshire Police", range(1, 7), "B"),
        ]
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)
    res = run_volt(
        store, at=dt.datetime(2019, 12, 31, 23, 59), violence_only=False, user="test"
    )
    assert res.places.select(
        "place_id", "n_incidents", "trend", "n_left_out_of_trend"
    ).rows() == [("A", 12, 0, 0), ("B", 6, None, 6)]
    assert any(
        n.startswith(
            "Trend from the records of policeuk/City of London Police only: the "
            "incidents of policeuk/West Yorkshire Police end 2019-06-30"
        )
        for n in res.notes
    ), res.notes
