"""``avert analyse risk --kind asb`` on a store whose ASB reports carry
``time_precision`` (migration 0034), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store
from avert.workflows.analysis import run_risk
from briefing.factory import append_assaults


def test_the_default_window_holds_a_latest_report_dated_alone(
    any_store: Store,
) -> None:
    """The default as-of was the latest report's time: for one dated 20 Oct 2026
    alone, that day's 00:00, though the report may be of any time that day;
    with its precision read, a window ending at its 00:00 leaves it out (its day
    is after the window, the incidents' rule), and the caller would read 2
    reports, short of the case review threshold of 3. The default window now
    ends at that day's last instant and holds it: 3 reports."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1"],
            "occurred_from": [dt.datetime(2026, 9, 1, 10)],
            "time_precision": ["exact"],
            "offence_code": ["8N"],
            "source": ["test"],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["i1"], "person_id": ["p1"], "role": ["offender"]}
    )
    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2", "a3"],
            "source": ["test"] * 3,
            "occurred_at": [
                dt.datetime(2026, 9, 1, 9),
                dt.datetime(2026, 10, 1, 9),
                dt.datetime(2026, 10, 20),
            ],
            "time_precision": ["exact", "exact", "day"],
            "caller_id": ["c1"] * 3,
            "x": [1.0] * 3,
            "y": [1.0] * 3,
        }
    )
    with any_store.transaction() as tx:
        append_assaults(tx, incidents, involvements)
        tx.append("asb", asb)
    callers, _ = run_risk(any_store, kind="asb")
    assert callers.at == dt.datetime(2026, 10, 20, 23, 59, 59, 999999)
    assert callers.frame.select(
        "person_id", "n_reports", "meets_case_review"
    ).rows() == [("c1", 3, True)]


def test_the_default_window_holds_a_latest_incident_dated_alone(
    any_store: Store,
) -> None:
    """The latest incident dated 20 Oct 2026 alone: ``avert analyse risk`` ended
    its default window at that day's 00:00, which leaves it out (its day is after
    the window): its offender p2 was not listed. The offender list and the MARAC
    list now end at the day's last instant."""
    from avert.workflows.marac import latest_as_of

    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2"],
            "occurred_from": [dt.datetime(2026, 9, 1, 10), dt.datetime(2026, 10, 20)],
            "time_precision": ["exact", "day"],
            "offence_code": ["8N"] * 2,
            "source": ["test"] * 2,
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1", "i2"],
            "person_id": ["p1", "p2"],
            "role": ["offender"] * 2,
        }
    )
    with any_store.transaction() as tx:
        append_assaults(tx, incidents, involvements)
    (offenders,) = run_risk(any_store, kind="offender")
    end = dt.datetime(2026, 10, 20, 23, 59, 59, 999999)
    assert offenders.at == end
    assert sorted(offenders.frame["person_id"].to_list()) == ["p1", "p2"]
    assert latest_as_of(any_store) == end
