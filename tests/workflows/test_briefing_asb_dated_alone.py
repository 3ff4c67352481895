"""The daily briefing's vulnerable ASB callers take a report dated alone
(``asb.time_precision`` ``day``, stored at 00:00) by its day overlapping the
window, as its incidents and DASH assessments (avert.briefing.dated_alone)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.store import Store
from briefing.factory import append_assaults

AT = dt.datetime(2025, 3, 10, 8)


def _one_assault(
    occurred_from: dt.datetime, precision: str, person_id: str, role: str
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One assault (8N) in Northfield and the one person involved in it."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1"],
            "occurred_from": [occurred_from],
            "time_precision": [precision],
            "offence_code": ["8N"],
            "borough": ["Northfield"],
            "x": [400_000.0],
            "y": [300_000.0],
            "source": ["test"],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["i1"], "person_id": [person_id], "role": [role]}
    )
    return incidents, involvements


@pytest.mark.parametrize(("precision", "listed"), [("day", True), ("exact", False)])
def test_a_report_dated_alone_on_the_first_day_lists_its_caller(
    sqlite_store: Store, precision: str, listed: bool
) -> None:
    """The window runs from 9 Mar 2025 08:00. A vulnerable caller's report dated
    9 Mar alone may be after 08:00: the caller is listed, with the report linked
    (they were not: read and compared by its 00:00); a report recorded at 00:00
    that day is before the window."""
    incidents, involvements = _one_assault(
        AT - dt.timedelta(hours=3), "exact", "p1", "offender"
    )
    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2"],
            "source": ["test"] * 2,
            "occurred_at": [dt.datetime(2025, 3, 9), dt.datetime(2025, 2, 1, 14)],
            "time_precision": [precision, "exact"],
            "category": ["personal"] * 2,
            "caller_id": ["c1"] * 2,
            "vulnerable_caller": [True] * 2,
        }
    )
    with sqlite_store.transaction() as tx:
        append_assaults(tx, incidents, involvements)
        tx.append("asb", asb)
    from avert.workflows.briefing import build_briefing

    callers = build_briefing(sqlite_store, at=AT).asb_callers
    got = [(c["person_id"], c["links"]["asb_id"]) for c in callers]
    assert got == ([("c1", ["a1"])] if listed else [])


def test_an_asb_window_over_182_days_reads_its_reports(sqlite_store: Store) -> None:
    """With the risk configuration's ``[asb] window_days`` 365, a vulnerable
    caller of the window with reports 250 and 300 days before it has 3 reports
    in 365 days, the case review threshold: the briefing read 182 days of the
    callers' reports whatever the configuration said, and counted 1."""
    from dataclasses import replace

    from avert.config.risk import default_risk_config
    from avert.workflows.briefing import build_briefing

    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2", "a3"],
            "source": ["test"] * 3,
            "occurred_at": [AT - dt.timedelta(days=d) for d in (0.5, 250, 300)],
            "time_precision": ["exact"] * 3,
            "category": ["personal"] * 3,
            "caller_id": ["c1"] * 3,
            "vulnerable_caller": [True] * 3,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("asb", asb)
    cfg = default_risk_config()
    cfg = replace(cfg, asb=replace(cfg.asb, window_days=365))
    (caller,) = build_briefing(sqlite_store, at=AT, risk_config=cfg).asb_callers
    assert (caller["n_reports"], caller["meets_case_review"]) == (3, True)


def test_violence_dated_alone_on_the_first_report_s_day_is_after_it(
    sqlite_store: Store,
) -> None:
    """A vulnerable caller reported ASB on 9 Mar 2025 at 10:00 and was assaulted
    that day, dated alone (stored at 00:00): the assault may be after the report
    (their order is unknown). The briefing gave the ASB list the incidents'
    times alone, so it read 00:00, before the report, and said nothing of it."""
    from avert.workflows.briefing import build_briefing

    incidents, involvements = _one_assault(
        dt.datetime(2025, 3, 9), "day", "c1", "victim"
    )
    asb = pl.DataFrame(
        {
            "asb_id": ["a1"],
            "source": ["test"],
            "occurred_at": [dt.datetime(2025, 3, 9, 10)],
            "time_precision": ["exact"],
            "category": ["personal"],
            "caller_id": ["c1"],
            "vulnerable_caller": [True],
        }
    )
    with sqlite_store.transaction() as tx:
        append_assaults(tx, incidents, involvements)
        tx.append("asb", asb)
    (caller,) = build_briefing(sqlite_store, at=AT).asb_callers
    assert caller["n_violence_after"] == 1
    assert (
        "1 violent incident against the caller after the first report"
        in caller["reasons"]
    )


def test_a_caller_listed_for_a_report_dated_alone_says_the_day_is_shared(
    sqlite_store: Store,
) -> None:
    """A vulnerable caller listed for a report dated 9 Mar alone, a day the
    window from 9 Mar 08:00 shares with the briefing before (which lists the
    caller too if the report was on record then): the item says so, as the
    incidents' and the DASH assessments' do, or the meeting reads a second report;
    a report of a time in the window says nothing of it."""
    from avert.workflows.briefing import build_briefing

    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2"],
            "source": ["test"] * 2,
            "occurred_at": [dt.datetime(2025, 3, 9), dt.datetime(2025, 3, 9, 12)],
            "time_precision": ["day", "exact"],
            "category": ["personal"] * 2,
            "caller_id": ["c1", "c2"],
            "vulnerable_caller": [True] * 2,
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("asb", asb)
    callers = build_briefing(sqlite_store, at=AT).asb_callers
    shared = {
        c["person_id"]: [r for r in c["reasons"] if "alone" in r] for c in callers
    }
    assert shared == {
        "c1": [
            "report dated 09 Mar alone (no time recorded): its day began before "
            "this window, so the briefing before this one lists it too if it was "
            "on record when that briefing ran: check whether it was acted on "
            "then; one ASB report"
        ],
        "c2": [],
    }
