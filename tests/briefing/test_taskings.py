"""The briefing's taskings section and "already tasked" marks (avert.briefing.taskings)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.briefing import daily_briefing
from avert.delivery.taskings import as_at, for_briefing
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)
H = dt.timedelta(hours=1)
KEY = "q3Jx0v7Qe9LrT2mZbW8yKc1NfHs5PdUa6GiVoXjE4nR"


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return make_frames(2000, at=AT, seed=3)


def _window_incident(frames: dict[str, pl.DataFrame]) -> str:
    inc = frames["incidents"].filter(
        pl.col("in_definition") & pl.col("occurred_from").is_between(AT - 24 * H, AT)
    )
    return str(inc["incident_id"][0])


def _taskings(incident: str, *, listed_org: str | None = None) -> pl.DataFrame:
    rows = [
        # tasked at yesterday's meeting, due tomorrow: due, and marks the incident
        (
            "T1",
            "Visit the victim",
            "council",
            AT - 2 * H,
            AT + 22 * H,
            "incident",
            incident,
            "open",
            None,
            None,
        ),
        # due two days ago, still open: overdue
        (
            "T2",
            "Safeguarding visit",
            "police",
            AT - 72 * H,
            AT - 48 * H,
            "person",
            "PX1",
            "open",
            None,
            None,
        ),
        # done in the window, with its result
        (
            "T3",
            "CCTV",
            "council",
            AT - 48 * H,
            AT - 24 * H,
            "incident",
            "IX9",
            "done",
            "Footage seized",
            AT - 5 * H,
        ),
        # made after the briefing's time: not there yet
        (
            "T4",
            "Later",
            "council",
            AT + H,
            AT + 25 * H,
            "person",
            "PX2",
            "open",
            None,
            None,
        ),
        # done only after the briefing's time: still open (due) then, no result yet
        (
            "T5",
            "Patrol",
            "nhs",
            AT - 20 * H,
            AT + H,
            "cell",
            "c-1",
            "done",
            "Quiet",
            AT + 2 * H,
        ),
        # cancelled before: neither listed nor marking
        (
            "T6",
            "Dropped",
            "police",
            AT - 30 * H,
            AT + 2 * H,
            "person",
            "PX3",
            "cancelled",
            None,
            None,
        ),
    ]
    cols = ["tasking_id", "what", "organisation", "created_at", "due", "item_kind",
            "item_id", "status", "result", "result_at"]  # fmt: skip
    frame = pl.DataFrame(rows, schema=cols, orient="row").with_columns(
        pl.col("result_at").cast(pl.Datetime("us")),
        pl.col("created_at").cast(pl.Datetime("us")),
        pl.col("due").cast(pl.Datetime("us")),
        pl.lit("duty officer").alias("assignee"),
        pl.when(pl.col("status") == "cancelled")
        .then(pl.lit(AT - 10 * H))
        .otherwise(pl.coalesce("result_at", "created_at"))
        .cast(pl.Datetime("us"))
        .alias("updated_at"),
    )
    listed = (
        pl.lit(value=True)
        if listed_org is None
        else (pl.col("organisation") == listed_org)
    )
    return frame.with_columns(listed.alias("listed"))


def _brief(frames, taskings, **kw):
    f = frames
    return daily_briefing(
        f["incidents"],
        f["involvements"],
        at=AT,
        tables={"people": f["people"], "taskings": taskings},
        **kw,
    )


def test_as_at_replays_the_state_at_the_meeting() -> None:
    frame = _taskings("I1")
    then = {
        r["tasking_id"]: (r["status"], r["result"]) for r in as_at(frame, AT).to_dicts()
    }
    assert "T4" not in then
    assert then["T5"] == ("open", None)
    assert then["T6"] == ("cancelled", None)
    assert then["T3"] == ("done", "Footage seized")
    parts = for_briefing(frame, at=AT)
    assert {k: v["tasking_id"].to_list() for k, v in parts.items()} == {
        "overdue": ["T2"],
        "due": ["T5", "T1"],
        "done": ["T3"],
    }


def test_police_briefing_lists_taskings_and_marks_tasked_items(frames) -> None:
    incident = _window_incident(frames)
    b = _brief(frames, _taskings(incident))
    got = {k: [t["tasking_id"] for t in v] for k, v in b.taskings.items()}
    assert got == {"overdue": ["T2"], "due": ["T5", "T1"], "done": ["T3"]}
    assert b.taskings["done"][0]["result"] == "Footage seized"
    item = next(i for i in b.incidents if i["incident_id"] == incident)
    assert item["tasked"]["tasking_id"] == "T1"
    assert item["tasked"]["what"] == "Visit the victim"
    assert sum("tasked" in i for i in b.incidents) == 1
    data = b.to_json()
    assert data["taskings"]["due"][1]["item"] == f"incident:{incident}"


def test_without_taskings_no_item_is_marked(frames) -> None:
    b = daily_briefing(frames["incidents"], frames["involvements"], at=AT)
    assert b.taskings == {"overdue": [], "due": [], "done": []}
    assert not any("tasked" in i for i in b.incidents)


def test_partner_sees_own_taskings_and_only_marks_of_others(frames) -> None:
    incident = _window_incident(frames)
    p = Pseudonymiser(KEY)
    b = _brief(
        frames,
        _taskings(incident, listed_org="council"),
        audience="partner",
        pseudonymiser=p,
    )
    got = {k: [t["tasking_id"] for t in v] for k, v in b.taskings.items()}
    assert got == {"overdue": [], "due": ["T1"], "done": ["T3"]}
    assert b.taskings["done"][0]["item_id"] == p("incident", "IX9")
    item = next(i for i in b.incidents if i["incident_id"] == p("incident", incident))
    assert item["tasked"]["tasking_id"] == "T1"
    text = json.dumps(b.to_json(), default=str)
    assert incident not in text
    assert "IX9" not in text
    # another organisation's tasking marks its item without saying what it is
    b2 = _brief(
        frames,
        _taskings(incident, listed_org="nhs"),
        audience="partner",
        pseudonymiser=p,
    )
    item = next(i for i in b2.incidents if i["incident_id"] == p("incident", incident))
    assert (item["tasked"]["organisation"], item["tasked"]["what"]) == ("council", None)
    assert [t["tasking_id"] for t in b2.taskings["due"]] == ["T5"]
    assert "Visit the victim" not in json.dumps(b2.to_json(), default=str)


def test_people_tasked_have_their_make_up(frames) -> None:
    """The taskings list of people carries its make-up like every list (18.2)."""
    person = str(frames["people"]["person_id"][0])
    taskings = _taskings(_window_incident(frames)).with_columns(
        pl.when(pl.col("item_id") == "PX1")
        .then(pl.lit(person))
        .otherwise(pl.col("item_id"))
        .alias("item_id")
    )
    b = _brief(frames, taskings)
    made = b.make_up["taskings"]
    assert made["n"] == 1  # T2 (overdue) is the one tasking with a person subject
    sex = frames["people"].filter(pl.col("person_id") == person)["sex"][0]
    listed = {
        r["category"]: r["listed"] for r in made["rows"] if r["dimension"] == "sex"
    }
    assert listed[sex if sex is not None else "unknown"] == 1
    assert b.to_json()["make_up"]["taskings"]["n"] == 1
