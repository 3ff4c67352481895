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


def test_a_date_alone_on_the_years_first_day_counts_toward_escalation() -> None:
    """v-none's two incidents and a third dated alone on the 365-day window's
    first day (10 March 2024, stored at 00:00, before the start at 08:00): it may
    have happened after the start, so it counts (the risk lists' rule) and moves
    v-none over the 3-incident threshold; recorded at 07:00 that day, it does
    not."""
    incidents, involvements, dash = _frames()
    first = dt.datetime(2024, 3, 10)
    for when, precision, marked in (
        (first, "day", 1),
        (first.replace(hour=7), "exact", 0),
    ):
        more = pl.DataFrame(
            {
                "incident_id": ["v-none-first"],
                "occurred_from": [when],
                "in_definition": [True],
                "category": ["assault_with_injury"],
                "harm_days": [10.0],
                "domestic": [True],
            }
        )
        inc = pl.concat([incidents, more]).with_columns(
            pl.when(pl.col("incident_id") == "v-none-first")
            .then(pl.lit(precision))
            .otherwise(pl.lit("exact"))
            .alias("time_precision")
        )
        inv = pl.concat(
            [
                involvements,
                pl.DataFrame(
                    {
                        "incident_id": ["v-none-first"],
                        "person_id": ["v-none"],
                        "role": ["victim"],
                    }
                ),
            ]
        )
        b = daily_briefing(inc, inv, at=AT, tables={"dash": dash})
        assert len(_marac_reasons(b)["v-none"]) == marked, precision
