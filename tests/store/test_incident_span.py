"""``incident_span``: where the store's incidents start and end, a month-only
month counting to its end."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store
from avert.store.summary import (
    incident_extent,
    incident_span,
    incident_spans,
    stop_span,
)


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


def test_extent_of_a_window_is_its_first_and_last_incident(any_store: Store) -> None:
    """``incident_extent``: MIN and MAX of ``occurred_from`` in ``[start, end)``, in
    the store (the board's windows read every time of 36 months to take a min)."""
    start, end = dt.datetime(2024, 1, 1), dt.datetime(2024, 4, 1)
    assert incident_extent(any_store, start, end) is None
    rows = pl.DataFrame(
        {
            "incident_id": ["before", "a", "m", "b", "at-end"],
            "source": "s",
            "occurred_from": [
                dt.datetime(2023, 12, 31, 23, 59),
                dt.datetime(2024, 1, 1),
                dt.datetime(2024, 2, 1),
                dt.datetime(2024, 3, 31, 23, 59, 59, 999999),
                end,
            ],
            "time_precision": ["exact", "exact", "month", "exact", "exact"],
        }
    )
    with any_store.transaction() as tx:
        tx.append("incidents", rows)
    assert incident_extent(any_store, start, end) == (
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 3, 31, 23, 59, 59, 999999),
    )
    later = dt.datetime(2024, 1, 2)
    assert incident_extent(any_store, later, end) == (
        dt.datetime(2024, 2, 1),
        dt.datetime(2024, 3, 31, 23, 59, 59, 999999),
    )
    # timed: the month-only row is left out
    assert (
        incident_extent(any_store, later, dt.datetime(2024, 3, 1), timed=True) is None
    )


def test_spans_per_force_and_source(any_store: Store) -> None:
    """``incident_spans``: each force and source pair's own span, a month-only
    month to its end (a force's records can end mid-month while another's run on)."""
    frame = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "source": ["own", "own", "policeuk"],
            "force": ["A", "A", "B"],
            "occurred_from": [
                dt.datetime(2024, 1, 20, 9),
                dt.datetime(2024, 3, 14, 1),
                dt.datetime(2024, 3, 1),
            ],
            "time_precision": ["exact", "exact", "month"],
        }
    )
    with any_store.transaction() as tx:
        tx.append("incidents", frame)
    spans = incident_spans(any_store).sort("force")
    assert spans.rows() == [
        ("A", "own", dt.datetime(2024, 1, 20, 9), dt.datetime(2024, 3, 14, 1)),
        (
            "B",
            "policeuk",
            dt.datetime(2024, 3, 1),
            dt.datetime(2024, 3, 31, 23, 59, 59, 999999),
        ),
    ]
    assert incident_spans(any_store, timed=True)["force"].to_list() == ["A"]


def test_stop_span_is_the_first_and_latest_stop(any_store: Store) -> None:
    """The Data page's Records gave the latest stop only (its *First* blank)."""
    assert stop_span(any_store) is None
    stops = pl.DataFrame(
        {
            "stop_id": ["s1", "s2", "s3"],
            "source": ["p", "p", "p"],
            "occurred_at": [
                dt.datetime(2024, 2, 3, 4),
                dt.datetime(2023, 11, 30, 23, 5),
                dt.datetime(2024, 1, 1),
            ],
        }
    )
    with any_store.transaction() as tx:
        tx.append("stops", stops)
    assert stop_span(any_store) == (
        dt.datetime(2023, 11, 30, 23, 5),
        dt.datetime(2024, 2, 3, 4),
    )
