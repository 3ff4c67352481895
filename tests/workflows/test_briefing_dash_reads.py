"""The briefing reads the DASH assessments a MARAC criterion can count, not every
assessment ever made (:func:`avert.store.queries.assessments_between`)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.store import Store
from briefing.factory import append_assaults, dash_answers

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


def _domestic_history(store: Store, first: dt.datetime, precision: str) -> None:
    """v-x's three domestic incidents before the window: 10 and 100 days before
    it, and ``first`` (with ``precision``)."""
    window_from = AT - dt.timedelta(hours=24)
    ids = ["h1", "h2", "h3"]
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "occurred_from": [
                window_from - dt.timedelta(days=10),
                window_from - dt.timedelta(days=100),
                first,
            ],
            "time_precision": ["exact", "exact", precision],
            "domestic": [True] * 3,
            "offence_code": ["8N"] * 3,
            "borough": ["Northfield"] * 3,
            "x": [400_000.0] * 3,
            "y": [300_000.0] * 3,
            "source": ["test"] * 3,
        }
    )
    with store.transaction() as tx:
        append_assaults(
            tx,
            incidents,
            pl.DataFrame(
                {"incident_id": ids, "person_id": ["v-x"] * 3, "role": ["victim"] * 3}
            ),
        )
        tx.append("dash", _assessment("D-x", "v-x", AT - dt.timedelta(hours=2), 16))


@pytest.mark.parametrize(
    ("precision", "hour", "before"), [("day", 0, True), ("exact", 7, False)]
)
def test_a_date_alone_on_the_first_day_puts_a_victim_on_the_list_before(
    sqlite_store: Store, precision: str, hour: int, before: bool
) -> None:
    """The MARAC list just before the window (9 Mar 2025 08:00) counts the
    domestic incidents of the 365 days to it, from 9 Mar 2024 08:00: one dated 9
    Mar 2024 alone (stored at 00:00) may be after that, so with two more v-x was
    on the list by potential escalation, and the new high-risk assessment is not
    "new to the MARAC list"; recorded at 07:00 that day it is out, and v-x new."""
    from avert.workflows.briefing import build_briefing

    _domestic_history(sqlite_store, dt.datetime(2024, 3, 9, hour), precision)
    section = build_briefing(sqlite_store, at=AT).dash_high_risk
    assert section is not None
    marks = {d["person_id"]: d["on_marac_list_before"] for d in section["items"]}
    assert marks == {"v-x": before}


def test_a_marac_escalation_window_over_a_year_reads_its_history(
    sqlite_store: Store,
) -> None:
    """With ``escalation_window_days`` 730, a victim of the window with domestic
    incidents 100, 400 and 500 days before it meets potential escalation (4 in
    730 days): the briefing read the window's people's year alone, so it counted
    2 and named no MARAC criterion."""
    from dataclasses import replace

    from avert.config.risk import default_risk_config
    from avert.workflows.briefing import build_briefing

    days_before = [0.1, 100, 400, 500]
    ids = [f"m{i}" for i in range(len(days_before))]
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "occurred_from": [AT - dt.timedelta(days=d) for d in days_before],
            "time_precision": ["exact"] * len(ids),
            "domestic": [True] * len(ids),
            "offence_code": ["8N"] * len(ids),
            "borough": ["Northfield"] * len(ids),
            "x": [400_000.0] * len(ids),
            "y": [300_000.0] * len(ids),
            "source": ["test"] * len(ids),
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ids, "person_id": ["v-m"] * len(ids), "role": ["victim"] * 4}
    )
    with sqlite_store.transaction() as tx:
        append_assaults(tx, incidents, involvements)
    cfg = default_risk_config()
    cfg = replace(cfg, marac=replace(cfg.marac, escalation_window_days=730))
    victims = build_briefing(sqlite_store, at=AT, risk_config=cfg).repeat_victims
    reasons = [r for v in victims if v["person_id"] == "v-m" for r in v["reasons"]]
    assert any(
        "potential escalation (4 domestic incidents in 730 days)" in r for r in reasons
    )
