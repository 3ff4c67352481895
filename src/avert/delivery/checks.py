"""Accountability and the operating principles (¶16, ¶23-24) as checks on the data.

Every function here is pure: frames in, a frame or a figure out. The plan board and
the board pack show them; ``docs/delivery.md`` says what each one counts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import polars as pl

from avert.delivery.model import APPROACHES, OPEN_STATUSES, STRANDS, with_overdue

__all__ = [
    "NO_LEAD",
    "Checks",
    "approach_by_strand",
    "duplicated_subjects",
    "missing_accountability",
    "overdue_by_organisation",
    "repeat_victims_without_response",
    "run_checks",
    "top_subject_kinds",
    "top_subjects_without_action",
]

#: How an action without a lead organisation is named where actions are grouped or
#: filtered by their lead (overdue by lead partner, the plan board's lead filter).
NO_LEAD = "(no lead)"
#: Statuses of actions that count as "an action exists" (a cancelled one does not).
LIVE: tuple[str, ...] = ("proposed", "open", "in_progress", "done")
#: Approaches that count as an enhanced response to a repeat victim (¶16).
ENHANCED: tuple[str, ...] = ("targeted", "specialist")


def _live(actions: pl.DataFrame) -> pl.DataFrame:
    return actions.filter(pl.col("status").is_in(list(LIVE)))


def missing_accountability(
    actions: pl.DataFrame, objectives: pl.DataFrame
) -> pl.DataFrame:
    """Live, unfinished actions without an owner, a measure or a review date.

    An action has a measure when its objective names an indicator. Columns:
    ``action_id``, ``lead_organisation``, ``no_owner``, ``no_measure``,
    ``no_review_date``.
    """
    measured = objectives.filter(pl.col("indicator").is_not_null()).select(
        "objective_id", pl.lit(value=True).alias("_measured")
    )
    rows = (
        actions.filter(pl.col("status").is_in(["proposed", *OPEN_STATUSES]))
        .join(measured, on="objective_id", how="left")
        .select(
            "action_id",
            "lead_organisation",
            (pl.col("owner").is_null() | (pl.col("owner") == "")).alias("no_owner"),
            pl.col("_measured").is_null().alias("no_measure"),
            pl.col("review_date").is_null().alias("no_review_date"),
        )
    )
    return rows.filter(
        pl.col("no_owner") | pl.col("no_measure") | pl.col("no_review_date")
    ).sort("action_id")


def overdue_by_organisation(actions: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """Per lead organisation: actions in hand, overdue, done; most overdue first."""
    rows = with_overdue(actions, today).with_columns(
        pl.col("lead_organisation").fill_null(NO_LEAD)
    )
    return (
        rows.group_by("lead_organisation")
        .agg(
            pl.col("status").is_in(list(OPEN_STATUSES)).sum().alias("in_hand"),
            pl.col("overdue").sum().alias("overdue"),
            (pl.col("status") == "done").sum().alias("done"),
            pl.len().alias("actions"),
        )
        .sort(["overdue", "lead_organisation"], descending=[True, False])
    )


def top_subjects_without_action(
    top: pl.DataFrame, actions: pl.DataFrame
) -> pl.DataFrame:
    """The top-harm VOLT subjects (``subject_type``, ``subject_id``, ``harm``) with
    a flag ``has_action`` (a live action targets them)."""
    targeted = (
        _live(actions)
        .filter(pl.col("target_id").is_not_null())
        .select(
            pl.col("target_type").alias("subject_type"),
            pl.col("target_id").alias("subject_id"),
        )
        .unique()
        .with_columns(pl.lit(value=True).alias("has_action"))
    )
    return top.join(
        targeted, on=["subject_type", "subject_id"], how="left"
    ).with_columns(pl.col("has_action").fill_null(value=False))


#: The words for a kind of top-harm subject (``subject_type``): one, several.
_SUBJECT_WORDS: dict[str, tuple[str, str]] = {
    "person": ("person", "people"),
    "place": ("place", "places"),
    "group": ("group", "groups"),
}


def top_subject_kinds(top: pl.DataFrame) -> str:
    """The kinds of subject ``top`` holds, in words ("places"; "people, places and
    groups"; "place" for one): what its count counts. Data that name no one
    (data.police.uk's street crimes) have places alone, and "20 top-harm people,
    places and groups" told the board of people and groups that are not there.

    >>> top_subject_kinds(pl.DataFrame({"subject_type": ["place", "place"]}))
    'places'
    >>> top_subject_kinds(pl.DataFrame({"subject_type": ["group", "person"]}))
    'people and groups'
    """
    present = set(top.get_column("subject_type").to_list())
    words = [
        one if top.height == 1 else several
        for kind, (one, several) in _SUBJECT_WORDS.items()
        if kind in present
    ]
    if len(words) < 2:
        return words[0] if words else "subjects"
    return ", ".join(words[:-1]) + " and " + words[-1]


def repeat_victims_without_response(
    victims: pl.DataFrame, actions: pl.DataFrame, taskings: pl.DataFrame
) -> pl.DataFrame:
    """Repeat victims (``person_id``) with no enhanced response.

    An enhanced response is a live targeted or specialist action on the person, or
    a tasking (not cancelled) from a briefing item about them.
    """
    by_action = (
        _live(actions)
        .filter(
            (pl.col("target_type") == "person")
            & pl.col("approach").is_in(list(ENHANCED))
        )
        .select(pl.col("target_id").alias("person_id"))
    )
    by_tasking = taskings.filter(
        pl.col("item_kind").is_in(["person", "repeat_victim", "asb_caller"])
        & (pl.col("status") != "cancelled")
    ).select(pl.col("item_id").alias("person_id"))
    responded = pl.concat([by_action, by_tasking]).unique()
    return victims.join(responded, on="person_id", how="anti")


def duplicated_subjects(actions: pl.DataFrame) -> pl.DataFrame:
    """Subjects targeted by live actions under two or more boards (¶23 duplication)."""
    live = _live(actions).filter(
        pl.col("target_id").is_not_null() & pl.col("board").is_not_null()
    )
    return (
        live.group_by("target_type", "target_id")
        .agg(
            pl.col("board").n_unique().alias("boards"),
            pl.col("board").unique().sort().str.join("; ").alias("board_names"),
            pl.col("action_id").sort().str.join("; ").alias("action_ids"),
        )
        .filter(pl.col("boards") > 1)
        .sort(["target_type", "target_id"])
    )


def approach_by_strand(actions: pl.DataFrame) -> pl.DataFrame:
    """Live actions per strand and approach level (every strand and level shown)."""
    grid = pl.DataFrame({"strand": list(STRANDS)}).join(
        pl.DataFrame({"approach": [*APPROACHES, "unstated"]}), how="cross"
    )
    counts = (
        _live(actions)
        .with_columns(pl.col("approach").fill_null("unstated"))
        .group_by("strand", "approach")
        .len()
    )
    long = grid.join(counts, on=["strand", "approach"], how="left").with_columns(
        pl.col("len").fill_null(0)
    )
    return long.pivot(on="approach", index="strand", values="len").select(
        "strand", *APPROACHES, "unstated"
    )


@dataclass(frozen=True)
class Checks:
    """Every check, and a summary of figures for the board."""

    missing: pl.DataFrame
    overdue_by_org: pl.DataFrame
    top_subjects: pl.DataFrame
    repeat_victims: pl.DataFrame
    duplicates: pl.DataFrame
    approaches: pl.DataFrame
    summary: dict[str, Any]


def run_checks(
    actions: pl.DataFrame,
    objectives: pl.DataFrame,
    taskings: pl.DataFrame,
    *,
    today: dt.date,
    top: pl.DataFrame,
    repeat_victims: pl.DataFrame,
) -> Checks:
    """All the checks at once, with the summary figures the board reads first."""
    missing = missing_accountability(actions, objectives)
    by_org = overdue_by_organisation(actions, today)
    tops = top_subjects_without_action(top, actions)
    unresponded = repeat_victims_without_response(repeat_victims, actions, taskings)
    dups = duplicated_subjects(actions)
    n_top = tops.height
    summary = {
        "actions": actions.height,
        "no_owner": int(missing["no_owner"].sum()),
        "no_measure": int(missing["no_measure"].sum()),
        "no_review_date": int(missing["no_review_date"].sum()),
        "overdue": int(by_org["overdue"].sum()) if by_org.height else 0,
        "top_subjects": n_top,
        "top_subjects_without_action": int((~tops["has_action"]).sum()),
        "top_subject_kinds": top_subject_kinds(tops),
        "top_subjects_without_action_share": (
            float((~tops["has_action"]).sum()) / n_top if n_top else None
        ),
        "repeat_victims": repeat_victims.height,
        "repeat_victims_without_response": unresponded.height,
        "duplicated_subjects": dups.height,
    }
    return Checks(
        missing, by_org, tops, unresponded, dups, approach_by_strand(actions), summary
    )
