"""Accountability and principle checks on small hand-made frames."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.delivery.checks import (
    approach_by_strand,
    duplicated_subjects,
    missing_accountability,
    overdue_by_organisation,
    repeat_victims_without_response,
    run_checks,
    top_subjects_without_action,
)
from avert.schema import ACTIONS, OBJECTIVES, TASKINGS

TODAY = dt.date(2026, 11, 24)


def _actions(rows: list[dict[str, object]]) -> pl.DataFrame:
    base = dict.fromkeys(ACTIONS.names)
    return pl.DataFrame([{**base, **r} for r in rows], schema=ACTIONS.schema)


ACTS = _actions(
    [
        # owner, measured objective, review date: nothing missing; overdue
        {"action_id": "A1", "strand": "prevention", "status": "open", "owner": "x",
         "objective_id": "O1", "review_date": TODAY, "lead_organisation": "police",
         "due": TODAY - dt.timedelta(days=3), "approach": "targeted",
         "target_type": "person", "target_id": "P1", "board": "B1"},
        # no owner, objective without indicator, no review
        {"action_id": "A2", "strand": "prevention", "status": "in_progress",
         "objective_id": "O2", "lead_organisation": "council",
         "due": TODAY + dt.timedelta(days=3), "approach": "universal",
         "target_type": "person", "target_id": "P1", "board": "B2"},
        # done: not checked for missing fields, not overdue
        {"action_id": "A3", "strand": "enforcement", "status": "done",
         "lead_organisation": "police", "due": TODAY - dt.timedelta(days=30),
         "approach": "specialist", "target_type": "place", "target_id": "L1",
         "board": "B1"},
        # cancelled: not live, so not a duplicate and no action for P2
        {"action_id": "A4", "strand": "enforcement", "status": "cancelled",
         "lead_organisation": "police", "target_type": "person", "target_id": "P2",
         "approach": "specialist", "board": "B3"},
        # proposed, no lead
        {"action_id": "A5", "strand": "reassurance", "status": "proposed",
         "owner": "y", "review_date": TODAY, "target_type": "place",
         "target_id": "L1", "board": "B1"},
    ]
)  # fmt: skip
OBJS = pl.DataFrame(
    [
        {"objective_id": "O1", "indicator": "msv"},
        {"objective_id": "O2", "indicator": None},
    ],
    schema={"objective_id": pl.String, "indicator": pl.String},
).with_columns(
    *(pl.lit(None, dtype=t).alias(c) for c, t in OBJECTIVES.schema.items()
      if c not in ("objective_id", "indicator"))
)  # fmt: skip


def test_missing_owner_measure_review() -> None:
    out = missing_accountability(ACTS, OBJS)
    rows = {r["action_id"]: r for r in out.to_dicts()}
    assert set(rows) == {"A2", "A5"}
    assert rows["A2"]["no_owner"]
    assert rows["A2"]["no_measure"]
    assert rows["A2"]["no_review_date"]
    assert rows["A5"]["no_measure"]  # no objective at all
    assert not rows["A5"]["no_owner"]


def test_overdue_by_organisation() -> None:
    out = {
        r["lead_organisation"]: r
        for r in overdue_by_organisation(ACTS, TODAY).to_dicts()
    }
    assert out["police"]["overdue"] == 1
    assert out["police"]["done"] == 1
    assert out["council"]["overdue"] == 0
    assert out["(no lead)"]["actions"] == 1


def test_top_subjects_share_without_action() -> None:
    top = pl.DataFrame(
        {
            "subject_type": ["person", "person", "place", "group"],
            "subject_id": ["P1", "P2", "L1", "G1"],
            "harm": [9.0, 8.0, 7.0, 6.0],
        }
    )
    out = top_subjects_without_action(top, ACTS)
    assert dict(zip(out["subject_id"], out["has_action"], strict=True)) == {
        "P1": True,
        "P2": False,  # only a cancelled action
        "L1": True,
        "G1": False,
    }


def test_repeat_victims_need_targeted_action_or_tasking() -> None:
    victims = pl.DataFrame({"person_id": ["P1", "P2", "P3"]})
    taskings = pl.DataFrame(
        [{"item_kind": "repeat_victim", "item_id": "P3", "status": "done"}],
        schema={"item_kind": pl.String, "item_id": pl.String, "status": pl.String},
    )
    out = repeat_victims_without_response(victims, ACTS, taskings)
    assert out["person_id"].to_list() == ["P2"]


def test_duplication_counts_live_actions_under_two_boards() -> None:
    out = duplicated_subjects(ACTS)
    assert out.select("target_type", "target_id").rows() == [("person", "P1")]
    assert out["board_names"][0] == "B1; B2"


def test_approaches_per_strand() -> None:
    out = {r["strand"]: r for r in approach_by_strand(ACTS).to_dicts()}
    assert out["prevention"]["targeted"] == 1
    assert out["prevention"]["universal"] == 1
    assert out["enforcement"]["specialist"] == 1  # A4 cancelled is not counted
    assert out["reassurance"]["unstated"] == 1
    assert out["intelligence"]["universal"] == 0


def test_run_checks_summary() -> None:
    empty_tasks = pl.DataFrame(schema=TASKINGS.schema)
    checks = run_checks(
        ACTS,
        OBJS,
        empty_tasks,
        today=TODAY,
        top=pl.DataFrame(
            {"subject_type": ["person"], "subject_id": ["P9"], "harm": [1.0]}
        ),
        repeat_victims=pl.DataFrame({"person_id": ["P1"]}),
    )
    assert checks.summary["overdue"] == 1
    assert checks.summary["no_owner"] == 1
    assert checks.summary["top_subjects_without_action_share"] == 1.0
    assert checks.summary["repeat_victims_without_response"] == 0
    assert checks.summary["duplicated_subjects"] == 1
