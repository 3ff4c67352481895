"""One "as of" for month-only records: the MARAC list (and the person page's
*Domestic abuse risk*) defaulted to the first instant of the latest month-only
record's month, while the risk scores and VOLT took its last instant; both now take
the month's last instant (:func:`avert.analyse._window.default_as_of`)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.analysis import run_risk
from avert.workflows.marac import latest_as_of, run_marac

_MARCH_END = dt.datetime(2022, 3, 31, 23, 59, 59, 999999)


def _store(store: Store, precisions: list[str], times: list[dt.datetime]) -> None:
    n = len(times)
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "occurred_from": times,
            "time_precision": precisions,
            "crime_type": ["Violence and sexual offences"] * n,
            "domestic": pl.Series([True] * n, dtype=pl.Boolean),
        }
    ).with_columns(pl.lit("test").alias("source"))
    involvements = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "person_id": ["P1"] * n,
            "role": ["victim"] * n,
            "source": ["t"] * n,
        }
    )
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1"], "source": "t"}))
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)


def test_marac_and_risk_take_the_month_s_last_instant(any_store: Store) -> None:
    months = [dt.datetime(2022, m, 1) for m in (1, 2, 3)]
    _store(any_store, ["month"] * 3, months)
    assert latest_as_of(any_store) == _MARCH_END
    assert run_marac(any_store).at == _MARCH_END
    risk = run_risk(any_store, kind="victim")
    assert [r.at for r in risk] == [_MARCH_END]


@pytest.mark.parametrize(
    ("precisions", "latest", "expected"),
    [
        # a timed record at the month's first instant: its time is known
        (["month", "exact"], dt.datetime(2022, 3, 1), dt.datetime(2022, 3, 1)),
        # one dated alone later in the month: the latest record is timed, and
        # the list holds its day (at its 00:00 it would leave the record out)
        (
            ["month", "day"],
            dt.datetime(2022, 3, 15),
            dt.datetime(2022, 3, 15, 23, 59, 59, 999999),
        ),
    ],
)
def test_a_timed_latest_record_is_the_as_of(
    sqlite_store: Store,
    precisions: list[str],
    latest: dt.datetime,
    expected: dt.datetime,
) -> None:
    times = [dt.datetime(2022, 3, 1), latest]
    _store(sqlite_store, precisions, times)
    assert latest_as_of(sqlite_store) == expected
