"""One person's domestic abuse risk (:func:`avert.analyse.dash.person_domestic_risk`):
the same criteria as the MARAC list, and the notes a person page shows."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.analyse.dash import marac_referrals, person_domestic_risk

AT = dt.datetime(2026, 11, 30, 12, 0)


def _incidents(days: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"i{n}" for n in range(len(days))],
            "occurred_from": [AT - dt.timedelta(days=d) for d in days],
            "domestic": [True] * len(days),
        }
    )


def _victim(person: str, n: int) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "person_id": [person] * n,
            "role": ["victim"] * n,
        }
    )


def _dash(person: str, yes: int, days_ago: int, **extra: object) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "assessment_id": f"D-{person}-{days_ago}",
                "person_id": person,
                "assessed_at": AT - dt.timedelta(days=days_ago),
                **{f"q{n}": "yes" if n <= yes else "no" for n in range(1, 28)},
                "professional_judgement": False,
                "risk_level": extra.get("risk_level", "medium"),
                "agency": "police",
            }
        ]
    )


def _criteria(found: dict[str, object]) -> dict[str, bool]:
    return {c["criterion"]: c["met"] for c in found["criteria"]}  # type: ignore[attr-defined]


def test_a_person_meets_what_the_list_says_they_meet() -> None:
    incidents = _incidents([5, 40, 200])
    involvements = _victim("P", 3)
    dash = pl.concat([_dash("P", 15, 3), _dash("Q", 2, 3)])
    found = person_domestic_risk(incidents, involvements, dash, person_id="P", at=AT)
    assert found is not None
    listed = marac_referrals(incidents, involvements, dash, at=AT).frame.row(
        0, named=True
    )
    assert listed["person_id"] == "P"
    assert _criteria(found) == {
        c: listed[c]
        for c in ("visible_high_risk", "professional_judgement", "potential_escalation")
    }
    assert found["assessment"]["n_yes"] == 15  # type: ignore[index]
    assert found["criteria_met"] == 2
    assert [a["answer"] for a in found["answers"]][:16] == ["yes"] * 15 + ["no"]  # type: ignore[index]
    assert found["notes"] == []


def test_an_old_assessment_meets_nothing_and_says_reassess() -> None:
    found = person_domestic_risk(
        _incidents([]), _victim("P", 0), _dash("P", 20, 400), person_id="P", at=AT
    )
    assert found is not None
    assert not any(_criteria(found).values())
    (note,) = found["notes"]  # type: ignore[misc]
    assert "older than 365 days" in note
    assert "reassess" in note


def test_a_domestic_incident_after_the_assessment_says_reassess() -> None:
    found = person_domestic_risk(
        _incidents([1]), _victim("P", 1), _dash("P", 5, 10), person_id="P", at=AT
    )
    assert found is not None
    (note,) = found["notes"]  # type: ignore[misc]
    assert f"{AT - dt.timedelta(days=1):%Y-%m-%d} came after" in note
    assert "reassess" in note


def test_a_recorded_high_level_is_professional_judgement() -> None:
    found = person_domestic_risk(
        _incidents([]),
        _victim("P", 0),
        _dash("P", 4, 10, risk_level="high"),
        person_id="P",
        at=AT,
    )
    assert found is not None
    assert _criteria(found)["professional_judgement"]


def test_a_person_with_neither_is_none() -> None:
    assert (
        person_domestic_risk(
            _incidents([1]), _victim("Q", 1), _dash("Q", 5, 10), person_id="P", at=AT
        )
        is None
    )
