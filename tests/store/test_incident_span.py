"""``incident_span``: where the store's incidents start and end, a month-only
month counting to its end."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store
from avert.store.summary import incident_span


def test_span_of_exact_and_month_only_incidents(any_store: Store) -> None:
    assert incident_span(any_store) is None
    exact = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "source": ["s", "s"],
            "occurred_from": [dt.datetime(2024, 1, 20, 9), dt.datetime(2024, 3, 5, 1)],
            "time_precision": ["exact", "exact"],
        }
    )
    with any_store.transaction() as tx:
        tx.append("incidents", exact)
    assert incident_span(any_store) == (
        dt.datetime(2024, 1, 20, 9),
        dt.datetime(2024, 3, 5, 1),
    )
    month = pl.DataFrame(
        {
            "incident_id": ["m"],
            "source": ["p"],
            "occurred_from": [dt.datetime(2024, 3, 1)],
            "occurred_to": [dt.datetime(2024, 3, 31, 23, 59, 59, 999999)],
            "time_precision": ["month"],
        }
    )
    with any_store.transaction() as tx:
        tx.append("incidents", month)
    assert incident_span(any_store) == (
        dt.datetime(2024, 1, 20, 9),
        dt.datetime(2024, 3, 31, 23, 59, 59, 999999),
    )


def test_a_month_only_row_without_occurred_to_covers_its_month(
    any_store: Store,
) -> None:
    """A table loaded with ``time_precision = 'month'`` stores no ``occurred_to``:
    its last month ended on its first day, so performance left out the store's
    last whole month as 'only partly covered'."""
    month = pl.DataFrame(
        {
            "incident_id": ["m1", "m2"],
            "source": ["t", "t"],
            "occurred_from": [dt.datetime(2023, 1, 1), dt.datetime(2024, 12, 1)],
            "time_precision": ["month", "month"],
        }
    )
    with any_store.transaction() as tx:
        tx.append("incidents", month)
    assert incident_span(any_store) == (
        dt.datetime(2023, 1, 1),
        dt.datetime(2024, 12, 31, 23, 59, 59, 999999),
    )
