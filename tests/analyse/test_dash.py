"""MARAC referral criteria from DASH answers and domestic incidents, each alone,
at its boundaries (13/14 yes, 2/3 incidents) and at the window's edges."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.analyse.dash import (
    CRITERIA,
    DASH_QUESTION_LABELS,
    dash_answers,
    marac_referrals,
)
from avert.config.risk import default_risk_config

AT = dt.datetime(2026, 11, 30, 23, 59)
WINDOW = dt.timedelta(days=365)


def _assessment(
    person: str,
    *,
    yes: int = 0,
    at: dt.datetime = AT - dt.timedelta(days=10),
    judged: bool = False,
    aid: str | None = None,
) -> dict[str, object]:
    answers = {f"q{n}": ("yes" if n <= yes else "no") for n in range(1, 28)}
    return {
        "assessment_id": aid or f"D-{person}",
        "person_id": person,
        "assessed_at": at,
        **answers,
        "professional_judgement": judged,
        "risk_level": "high" if judged or yes >= 14 else "standard",
        "agency": "police",
    }


def _assessments(*rows: dict[str, object]) -> pl.DataFrame:
    if not rows:
        return pl.DataFrame(
            schema={
                "assessment_id": pl.String,
                "person_id": pl.String,
                "assessed_at": pl.Datetime("us"),
            }
        )
    return pl.DataFrame(list(rows))


def _incidents(
    victim_times: dict[str, list[dt.datetime]], *, domestic: bool = True
) -> tuple[pl.DataFrame, pl.DataFrame]:
    ids, times, people = [], [], []
    for person, when in victim_times.items():
        for i, t in enumerate(when):
            ids.append(f"I-{person}-{i}")
            times.append(t)
            people.append(person)
    incidents = pl.DataFrame(
        {"incident_id": ids, "occurred_from": times, "domestic": [domestic] * len(ids)},
        schema={
            "incident_id": pl.String,
            "occurred_from": pl.Datetime("us"),
            "domestic": pl.Boolean,
        },
    )
    involvements = pl.DataFrame(
        {"incident_id": ids, "person_id": people, "role": ["victim"] * len(ids)},
        schema={"incident_id": pl.String, "person_id": pl.String, "role": pl.String},
    )
    return incidents, involvements


def _run(
    assessments: pl.DataFrame,
    victim_times: dict[str, list[dt.datetime]] | None = None,
) -> pl.DataFrame:
    incidents, involvements = _incidents(victim_times or {})
    return marac_referrals(incidents, involvements, assessments, at=AT).frame


def _met(frame: pl.DataFrame, person: str) -> dict[str, bool]:
    row = frame.filter(pl.col("person_id") == person)
    if row.height == 0:
        return dict.fromkeys(CRITERIA, False)
    return {c: bool(row[c][0]) for c in CRITERIA}


@pytest.mark.parametrize(("yes", "met"), [(13, False), (14, True), (27, True)])
def test_visible_high_risk_from_14_yes_answers(yes: int, met: bool) -> None:
    frame = _run(_assessments(_assessment("P-1", yes=yes)))
    assert _met(frame, "P-1") == {
        "visible_high_risk": met,
        "professional_judgement": False,
        "potential_escalation": False,
    }
    if met:
        assert frame["n_yes"][0] == yes
        assert frame["criteria_met"][0] == 1


def test_professional_judgement_alone_meets_a_criterion() -> None:
    frame = _run(_assessments(_assessment("P-1", yes=2, judged=True)))
    assert _met(frame, "P-1") == {
        "visible_high_risk": False,
        "professional_judgement": True,
        "potential_escalation": False,
    }


@pytest.mark.parametrize(("n", "met"), [(2, False), (3, True)])
def test_potential_escalation_from_3_domestic_incidents_without_any_dash(
    n: int, met: bool
) -> None:
    times = [AT - dt.timedelta(days=30 * i + 1) for i in range(n)]
    frame = _run(_assessments(), {"P-1": times})
    assert _met(frame, "P-1") == {
        "visible_high_risk": False,
        "professional_judgement": False,
        "potential_escalation": met,
    }
    if met:
        assert frame["n_domestic"][0] == 3
        assert frame["assessment_id"][0] is None


def test_an_incident_exactly_a_window_before_is_out_one_just_after_is_in() -> None:
    recent = [AT - dt.timedelta(days=1), AT]  # an incident at the as-of time is in
    out = _run(_assessments(), {"P-1": [*recent, AT - WINDOW]})
    inside = _run(_assessments(), {"P-1": [*recent, AT - WINDOW + dt.timedelta(1e-3)]})
    assert not _met(out, "P-1")["potential_escalation"]
    assert _met(inside, "P-1")["potential_escalation"]


def test_not_domestic_incidents_do_not_count() -> None:
    times = [AT - dt.timedelta(days=i + 1) for i in range(5)]
    incidents, involvements = _incidents({"P-1": times}, domestic=False)
    result = marac_referrals(incidents, involvements, _assessments(), at=AT)
    assert result.frame.height == 0


def test_an_assessment_older_than_the_window_is_not_current_and_noted() -> None:
    old = AT - WINDOW
    result = marac_referrals(
        *_incidents({}),
        _assessments(_assessment("P-1", yes=20, judged=True, at=old)),
        at=AT,
    )
    assert result.frame.height == 0
    assert any("older than 365 days" in n and "not current" in n for n in result.notes)
    fresh = marac_referrals(
        *_incidents({}),
        _assessments(_assessment("P-1", yes=20, at=old + dt.timedelta(seconds=1))),
        at=AT,
    )
    assert fresh.frame["assessment_current"].to_list() == [True]


def test_the_latest_assessment_counts_and_later_ones_are_ignored() -> None:
    """A newer assessment of 3 yes replaces an older one of 20; one made after the
    as-of time is not known yet."""
    frame = _run(
        _assessments(
            _assessment("P-1", yes=20, at=AT - dt.timedelta(days=100), aid="D-a"),
            _assessment("P-1", yes=3, at=AT - dt.timedelta(days=5), aid="D-b"),
            _assessment("P-2", yes=20, at=AT + dt.timedelta(days=1), aid="D-c"),
        )
    )
    assert frame.height == 0


def test_ranked_by_criteria_met_then_yes_answers() -> None:
    near = [AT - dt.timedelta(days=i + 1) for i in range(3)]
    frame = _run(
        _assessments(
            _assessment("P-a", yes=14),
            _assessment("P-b", yes=20),
            _assessment("P-c", yes=16, judged=True),
        ),
        {"P-c": near, "P-d": near},
    )
    assert frame["person_id"].to_list() == ["P-c", "P-b", "P-a", "P-d"]
    assert frame["rank"].to_list() == [1, 2, 3, 4]
    assert frame["criteria_met"].to_list() == [3, 1, 1, 1]


def test_thresholds_come_from_the_configuration() -> None:
    cfg = default_risk_config().marac
    assert (cfg.visible_high_risk_yes, cfg.escalation_incidents) == (14, 3)
    assert cfg.escalation_window_days == 365
    assert "SafeLives" in cfg.source
    from dataclasses import replace

    lower = replace(cfg, visible_high_risk_yes=10, escalation_incidents=2)
    incidents, involvements = _incidents(
        {"P-2": [AT - dt.timedelta(days=1), AT - dt.timedelta(days=2)]}
    )
    result = marac_referrals(
        incidents,
        involvements,
        _assessments(_assessment("P-1", yes=10)),
        at=AT,
        config=lower,
    )
    assert sorted(result.frame["person_id"]) == ["P-1", "P-2"]


def test_answers_are_counted_and_named() -> None:
    row = _assessment("P-1", yes=2) | {"q3": "not_known", "q27": None}
    counted = dash_answers(pl.DataFrame([row]))
    assert counted["n_yes"][0] == 2
    assert counted["n_not_known"][0] == 1
    assert counted["n_asked"][0] == 26
    assert counted["yes_questions"][0] == (
        f"q1 {DASH_QUESTION_LABELS[0]}; q2 {DASH_QUESTION_LABELS[1]}"
    )
    assert len(DASH_QUESTION_LABELS) == 27


def test_without_a_domestic_flag_escalation_is_not_counted_and_said() -> None:
    incidents, involvements = _incidents({"P-1": [AT] * 4})
    result = marac_referrals(
        incidents.drop("domestic"), involvements, _assessments(), at=AT
    )
    assert result.frame.height == 0
    assert any("no 'domestic' flag" in n for n in result.notes)


def test_the_yes_answers_of_an_old_assessment_do_not_rank() -> None:
    """Two victims escalating alike: the one whose 20 yes answers are a year old
    is not ranked above one whose current assessment has 5."""
    near = [AT - dt.timedelta(days=i + 1) for i in range(3)]
    frame = _run(
        _assessments(
            _assessment("P-a", yes=20, at=AT - WINDOW - dt.timedelta(days=1)),
            _assessment("P-b", yes=5),
        ),
        {"P-a": near, "P-b": near},
    )
    assert frame["person_id"].to_list() == ["P-b", "P-a"]


def test_an_assessment_graded_high_below_14_yes_is_professional_judgement() -> None:
    """Many force systems record the assessor's grade, not a judgement flag: a
    current DASH graded high with 6 yes answers met no criterion, so a victim
    the officer graded high risk was missing from the list. A grade of high the
    count does not give is the assessor's judgement; one the count gives (16
    yes) adds no second criterion."""
    graded = _assessment("P-1", yes=6) | {"risk_level": "high"}
    counted = _assessment("P-2", yes=16) | {"risk_level": "high"}
    medium = _assessment("P-3", yes=6) | {"risk_level": "medium"}
    frame = _run(pl.DataFrame([graded, counted, medium]))
    assert _met(frame, "P-1") == {
        "visible_high_risk": False,
        "professional_judgement": True,
        "potential_escalation": False,
    }
    assert _met(frame, "P-2")["professional_judgement"] is False
    assert frame.filter(pl.col("person_id") == "P-2")["criteria_met"][0] == 1
    assert "P-3" not in frame["person_id"].to_list()


def test_an_incident_after_the_current_assessment_is_noted() -> None:
    """A current DASH of 5 yes and two domestic incidents after it: the list
    showed the old answers as current and said nothing; a note now counts the
    victims to reassess."""
    result = marac_referrals(
        *_incidents({"P-1": [AT - dt.timedelta(days=3), AT - dt.timedelta(days=1)]}),
        _assessments(_assessment("P-1", yes=5, at=AT - dt.timedelta(days=60))),
        at=AT,
    )
    assert any(
        n.startswith("1 victim(s) had a domestic incident after") for n in result.notes
    )
    before = marac_referrals(
        *_incidents({"P-1": [AT - dt.timedelta(days=90)]}),
        _assessments(_assessment("P-1", yes=5, at=AT - dt.timedelta(days=60))),
        at=AT,
    )
    assert not any("after their latest" in n for n in before.notes)


def test_a_store_whose_records_never_carry_the_flag_is_said_to_meet_no_escalation() -> (
    None
):
    # a bundle without the 'domestic' column stores a null flag on every incident:
    # "N incidents have no flag: they count as not domestic" read as if no victim
    # were escalating; the note now says escalation cannot be counted at all
    incidents, involvements = _incidents({"P-1": [AT - dt.timedelta(days=1)] * 4})
    unflagged = incidents.with_columns(pl.lit(None, pl.Boolean).alias("domestic"))
    result = marac_referrals(unflagged, involvements, _assessments(), at=AT)
    assert result.frame.height == 0
    (note,) = [n for n in result.notes if "domestic flag" in n]
    assert note.startswith("None of the window's 4 incidents has a domestic flag")
    assert "met by no one" in note
    # some flagged, some not: the unflagged count as not domestic, as before
    mixed = pl.concat([incidents.head(3), unflagged.tail(1)], how="vertical_relaxed")
    result = marac_referrals(mixed, involvements, _assessments(), at=AT)
    assert any(n.startswith("1 incident of the window has no") for n in result.notes)


def test_a_window_of_one_unflagged_incident_reads_in_the_singular() -> None:
    # "None of the window's 1 incidents has a domestic flag" read as a slip
    incidents, involvements = _incidents({"P-1": [AT - dt.timedelta(days=1)]})
    unflagged = incidents.with_columns(pl.lit(None, pl.Boolean).alias("domestic"))
    result = marac_referrals(unflagged, involvements, _assessments(), at=AT)
    (note,) = [n for n in result.notes if "domestic flag" in n]
    assert note.startswith("The window's one incident has no domestic flag (the ")
    assert "cannot be counted" in note


def test_the_result_says_whether_the_windows_incidents_carry_the_flag() -> None:
    # the MARAC page read a victim's "0" domestic incidents and "none" as known
    incidents, involvements = _incidents({"P-1": [AT - dt.timedelta(days=1)] * 2})
    judged = _assessments(_assessment("P-1", yes=14))
    assert marac_referrals(incidents, involvements, judged, at=AT).domestic_recorded
    unflagged = incidents.with_columns(pl.lit(None, pl.Boolean).alias("domestic"))
    for frame in (unflagged, incidents.drop("domestic")):
        result = marac_referrals(frame, involvements, judged, at=AT)
        assert result.frame.height == 1
        assert not result.domestic_recorded
    # one flagged incident in the window: the flag is carried
    mixed = pl.concat([incidents.head(1), unflagged.tail(1)], how="vertical_relaxed")
    assert marac_referrals(mixed, involvements, judged, at=AT).domestic_recorded
    # no incident in the window at all: none to miss
    empty = incidents.clear()
    assert marac_referrals(empty, involvements.clear(), judged, at=AT).domestic_recorded


def test_a_date_alone_on_the_windows_first_day_can_make_escalation() -> None:
    """The 365 days to 30 Nov 2026 23:59 start at 23:59 on 30 Nov 2025: a
    domestic incident dated 30 Nov 2025 alone (stored at 00:00) may have happened
    after that, so it counts (the risk lists' rule), and with two more it moves
    the victim over the 3-incident threshold. One recorded at 23:00 that day
    stays out, and so does the same date alone without ``time_precision``."""
    first = (AT - WINDOW).replace(hour=0, minute=0)
    recent = [AT - dt.timedelta(days=1), AT - dt.timedelta(days=2)]
    incidents, involvements = _incidents({"P-1": [*recent, first]})
    dated = incidents.with_columns(
        pl.Series("time_precision", ["exact", "exact", "day"])
    )
    met = marac_referrals(dated, involvements, _assessments(), at=AT).frame
    assert _met(met, "P-1")["potential_escalation"]
    assert met["n_domestic"][0] == 3
    timed = dated.with_columns(
        pl.Series("occurred_from", [*recent, first.replace(hour=23)]),
        pl.lit("exact").alias("time_precision"),
    )
    for frame in (timed, incidents):
        out = marac_referrals(frame, involvements, _assessments(), at=AT).frame
        assert not _met(out, "P-1")["potential_escalation"]
