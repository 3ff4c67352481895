"""The demo city's example plan, measures and month of taskings."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import polars as pl

from avert.config.settings import Settings
from avert.delivery.model import (
    Action,
    subject_key,
)
from avert.store import Store
from avert.workflows.delivery._checks import _harm_frames
from avert.workflows.delivery._common import EXAMPLE_PLAN, _save
from avert.workflows.delivery._measures import objective_measures
from avert.workflows.delivery._planfile import example_plan_text, import_plan
from avert.workflows.users import User

# --- the demo city -------------------------------------------------------------------
#: The day of the 2010 example plan that the demo city's last day plays.
_DEMO_PLAN_DAY = dt.date(2010, 10, 15)
_DEMO_LEADS = ("police", "council", "probation", "police", "council")


def seed_demo_plan(
    store: Store, settings: Settings, *, at: dt.datetime, days: int = 30
) -> dict[str, int]:
    """Give the demo city a living board: the example plan, actions on its top-harm
    subjects, and ``days`` days of taskings from the meeting with their results.

    The example plan is moved so that its 15 October 2010 is the city's last day.
    Each day at 09:00 the chair tasks the two highest-harm violent incidents of the
    last 24 hours (and the victim of the first); the result is recorded the next
    morning, except for the last day's taskings (due) and one in seven (overdue).
    """
    chair = User("chair", "chair", org="police")
    shift = (at.date() - _DEMO_PLAN_DAY).days
    result = import_plan(
        store,
        EXAMPLE_PLAN,
        user=chair,
        text=example_plan_text(),
        shift_days=shift,
        now=at,
    )
    top, _ = _harm_frames(
        store,
        settings.definition_id(),
        at.date(),
        cell_size_m=settings.places_cell_size(),
    )
    # the plan's board, as an import gives an action that names none: without it
    # an export of the demo plan, imported unchanged, rewrote these actions
    board = store.read_frame("plans", where=[("plan_id", "=", result.plan_id)])
    rows = []
    for i, subject in enumerate(_demo_subjects(top)):
        person = subject["subject_type"] == "person"
        rows.append(
            Action(
                action_id=f"D{i + 1:02d}",
                title=(
                    "Offender management and safeguarding plan"
                    if person
                    else "Problem-solving plan for a top-harm place"
                ),
                strand="enforcement" if person and i % 2 == 0 else "prevention",
                plan_id=result.plan_id,
                objective_id="E1" if person and i % 2 == 0 else "P1",
                lead_organisation=_DEMO_LEADS[i],
                owner=None if i == 3 else f"{_DEMO_LEADS[i]} lead",
                approach="specialist" if person else "targeted",
                target_type=subject["subject_type"],
                target_id=str(subject["subject_id"]),
                area=subject["area"],
                due=at.date() + dt.timedelta(days=14 * (i - 1)),
                status=("open", "in_progress", "done", "open", "proposed")[i],
                rag=("amber", "green", "green", "red", None)[i],
                rag_reason=("started late", None, None, "no owner yet", None)[i],
                evidence="Plan agreed at the meeting." if i == 2 else None,
                review_date=at.date() + dt.timedelta(days=28),
                board=board["board"][0],
            ).row()
        )
    # the done one is recorded in progress first, then done: completed this month
    # in the board pack (an action first recorded as done is not)
    started = [
        {**r, "status": "in_progress"} if r["status"] == "done" else r for r in rows
    ]
    _save(store, "action", started, user=chair, reason="demo actions", now=at)
    _save(store, "action", rows, user=chair, reason="demo actions done", now=at)
    _rescale_demo_measures(store, settings, chair=chair, at=at)
    n_taskings = _demo_taskings(store, settings, chair=chair, at=at, days=days)
    return {"plan_rows": result.created, "actions": len(rows), "taskings": n_taskings}


def _demo_subjects(top: pl.DataFrame) -> list[dict[str, Any]]:
    """The demo actions' subjects: the three highest-harm people and the two
    highest-harm places (grid cells), people first, a place third and fifth."""

    def best(kind: str, n: int) -> list[dict[str, Any]]:
        of_kind = top.filter(pl.col("subject_type") == kind)
        return (
            of_kind.sort(["harm", "subject_id"], descending=[True, False])
            .head(n)
            .to_dicts()
        )

    people, places = best("person", 3), best("place", 2)
    order = people[:2] + places[:1] + people[2:] + places[1:]
    return order[: len(_DEMO_LEADS)]


def _rescale_demo_measures(
    store: Store, settings: Settings, *, chair: User, at: dt.datetime
) -> None:
    """Baselines of the example plan's measured objectives from the city's own data
    (the year before the plan starts); targets keep the plan's relative change."""
    measured = {
        m["objective_id"]: m["measured_baseline"]
        for m in objective_measures(store, settings, today=at.date())
        if m["measured_baseline"]
    }
    rows = []
    for obj in store.read_frame("objectives").to_dicts():
        new = measured.get(obj["objective_id"])
        if new is None or not obj["baseline"] or obj["target"] is None:
            continue
        ratio = obj["target"] / obj["baseline"]
        rows.append({**obj, "baseline": round(new, 2), "target": round(new * ratio, 2)})
    _save(store, "objective", rows, user=chair, reason="demo measures rescaled", now=at)


def _demo_taskings(
    store: Store, settings: Settings, *, chair: User, at: dt.datetime, days: int
) -> int:
    start = at - dt.timedelta(days=days)
    incidents = store.read_frame(
        "incidents",
        columns=["incident_id", "occurred_from"],
        where=[("occurred_from", ">=", start), ("occurred_from", "<", at)],
    ).join(
        store.read_frame(
            "classifications",
            columns=["incident_id", "harm_days"],
            where=[
                ("profile", "=", settings.definition_id()),
                ("in_definition", "=", True),
            ],
        ),
        on="incident_id",
    )
    victims = store.read_frame(
        "involvements",
        columns=["incident_id", "person_id"],
        where=[("role", "=", "victim")],
    ).unique("incident_id", keep="first")
    meeting_day = pl.col("occurred_from").dt.truncate("1d") + pl.duration(days=1)
    picks = (
        incidents.with_columns(meeting_day.alias("day"))
        .sort(["day", "harm_days", "incident_id"], descending=[False, True, False])
        .group_by("day", maintain_order=True)
        .head(2)
        .join(victims, on="incident_id", how="left")
    )
    orgs = ("police", "council", "probation", "nhs")
    created: list[dict[str, Any]] = []
    results: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, row in enumerate(picks.to_dicts()):
        when = row["day"] + dt.timedelta(hours=9)
        if when > at + dt.timedelta(hours=3):
            continue
        items = [
            ("incident", row["incident_id"], "Visit the victim; CCTV and witnesses")
        ]
        if row["person_id"] and i % 2 == 0:
            items.append(("repeat_victim", row["person_id"], "Safeguarding visit"))
        for kind, ident, what in items:
            subject = subject_key(kind, str(ident))
            if subject in seen:
                continue  # already tasked: no double visits
            seen.add(subject)
            org = orgs[len(created) % len(orgs)]
            tasking = {
                "tasking_id": f"T{when:%Y%m%d}-{uuid.uuid4().hex[:6]}",
                "what": what,
                "assignee": f"{org} duty officer",
                "organisation": org,
                "due": when + dt.timedelta(days=1),
                "item_kind": kind,
                "item_id": str(ident),
                "status": "open",
                "created_at": when,
                "created_by": chair.username,
            }
            created.append(tasking)
            next_day = when + dt.timedelta(days=1)
            if next_day <= at and len(created) % 7 != 0:
                done = "Done: victim seen, safety advice given"
                results.append(
                    {
                        **tasking,
                        "status": "done",
                        "result": done
                        if len(created) % 3
                        else "Done: no reply, card left, revisit booked",
                        "result_at": next_day,
                        "result_by": chair.username,
                    }
                )
    _save(store, "tasking", created, user=chair, reason="demo taskings", now=at)
    _save(store, "tasking", results, user=chair, reason="demo tasking results", now=at)
    n = len(created)
    return n
