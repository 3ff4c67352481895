"""The briefing reads the DASH assessments a MARAC criterion can count, not every
assessment ever made (:func:`avert.store.queries.assessments_between`)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store
from briefing.factory import dash_answers

AT = dt.datetime(2025, 3, 10, 8)


def _assessment(aid: str, person: str, at: dt.datetime, n_yes: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "assessment_id": [aid],
            "person_id": [person],
            "assessed_at": [at],
            **dash_answers(n_yes),
        }
    )


def test_reads_the_window_and_the_escalation_window_before_it(
    sqlite_store: Store,
) -> None:
    """D-ancient (400 days before the window) is no one's current assessment: not
    read (it was: the whole table to ``at``); D-year (300 days before) still puts
    its victim on the MARAC list before the window, so their new high-risk
    assessment is not "new to the MARAC list"; D-later (after ``at``) is not read."""
    from avert.workflows.briefing import build_briefing
    from avert.workflows.briefing_reads import read_briefing_frames
    from briefing.factory import make_frames, write_store

    write_store(sqlite_store, make_frames(200, at=AT, seed=3))
    window_from = AT - dt.timedelta(hours=24)
    dash = pl.concat(
        [
            _assessment("D-ancient", "v-a", window_from - dt.timedelta(days=400), 20),
            _assessment("D-year", "v-b", window_from - dt.timedelta(days=300), 20),
            _assessment("D-new", "v-b", AT - dt.timedelta(hours=2), 16),
            _assessment("D-new-a", "v-a", AT - dt.timedelta(hours=3), 16),
            _assessment("D-later", "v-c", AT + dt.timedelta(hours=1), 16),
        ]
    )
    with sqlite_store.transaction() as tx:
        tx.append("dash", dash)
    frames, _ = read_briefing_frames(sqlite_store, at=AT)
    assert sorted(frames["dash"]["assessment_id"].to_list()) == [
        "D-new",
        "D-new-a",
        "D-year",
    ]
    section = build_briefing(sqlite_store, at=AT).dash_high_risk
    assert section is not None
    before = {d["person_id"]: d["on_marac_list_before"] for d in section["items"]}
    assert before == {"v-b": True, "v-a": False}
    # a shorter escalation window reads less
    frames, _ = read_briefing_frames(sqlite_store, at=AT, escalation_days=100)
    assert sorted(frames["dash"]["assessment_id"].to_list()) == ["D-new", "D-new-a"]
