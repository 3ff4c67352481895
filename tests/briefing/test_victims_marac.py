"""The briefing's repeat victims are marked when they meet a MARAC referral
criterion (:mod:`avert.analyse.dash`), for police and partners alike."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.briefing import daily_briefing
from briefing.factory import dash_answers, partner_briefing

AT = dt.datetime(2025, 3, 10, 8)


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """v-esc: hit today, 3 domestic incidents in the year; v-dash: hit today, 2
    incidents and a DASH of 16 yes; v-none: hit today, 2 incidents, no DASH."""
    days = {"v-esc": [0, 20, 90], "v-dash": [0, 30], "v-none": [0, 40]}
    rows = [
        (f"{v}-{d}", v, AT - dt.timedelta(days=d, hours=2))
        for v, ds in days.items()
        for d in ds
    ]
    incidents = pl.DataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "occurred_from": [r[2] for r in rows],
            "in_definition": [True] * len(rows),
            "category": ["assault_with_injury"] * len(rows),
            "harm_days": [10.0] * len(rows),
            "domestic": [True] * len(rows),
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "person_id": [r[1] for r in rows],
            "role": ["victim"] * len(rows),
        }
    )
    dash = pl.DataFrame(
        {
            "assessment_id": ["D-1"],
            "person_id": ["v-dash"],
            "assessed_at": [AT - dt.timedelta(days=30)],
            **dash_answers(16),
            "professional_judgement": [False],
        }
    )
    return incidents, involvements, dash


def _marac_reasons(briefing: object) -> dict[str, list[str]]:
    return {
        v["person_id"]: [r for r in v["reasons"] if "MARAC" in r]
        for v in briefing.repeat_victims  # type: ignore[attr-defined]
    }


def test_repeat_victims_meeting_a_marac_criterion_are_marked() -> None:
    incidents, involvements, dash = _frames()
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert _marac_reasons(b) == {
        "v-esc": [
            "meets MARAC referral criteria: potential escalation (3 domestic "
            "incidents in 365 days)"
        ],
        "v-dash": [
            "meets MARAC referral criteria: visible high risk (16 DASH yes answers)"
        ],
        "v-none": [],
    }


def test_partners_see_the_same_marks_under_pseudonyms() -> None:
    incidents, involvements, dash = _frames()
    b, p = partner_briefing(incidents, involvements, at=AT, dash=dash)
    marks = _marac_reasons(b)
    assert len(marks[p("person", "v-dash")]) == 1
    assert len(marks[p("person", "v-esc")]) == 1
    assert marks[p("person", "v-none")] == []


def test_without_dash_only_escalation_marks() -> None:
    incidents, involvements, _ = _frames()
    b = daily_briefing(incidents, involvements, at=AT)
    marks = _marac_reasons(b)
    assert len(marks["v-esc"]) == 1
    assert marks["v-dash"] == []
