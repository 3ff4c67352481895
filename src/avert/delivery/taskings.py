"""Taskings as the daily briefing sees them: as at the meeting, due, overdue, done.

Pure: a frame of table ``taskings`` in, frames out. The briefing of the window ending
``at`` must show the taskings as they stood at ``at``, also when it is made later
(a past briefing replayed): a tasking created after ``at`` is not there yet, and
one done or cancelled after ``at`` was still open (:func:`as_at`).
:func:`for_briefing` splits them as the meeting reads them; :func:`tasked_subjects`
says which subjects already have a tasking (no double visits).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.areas import area_key
from avert.areas import in_area as incidents_in_area
from avert.delivery.model import ITEM_KINDS

__all__ = [
    "SECTIONS",
    "as_at",
    "for_briefing",
    "in_area",
    "subject_expr",
    "tasked_subjects",
]

#: The briefing's taskings, in the order the meeting reads them.
SECTIONS = ("overdue", "due", "done")


def subject_expr(kind: str = "item_kind", ident: str = "item_id") -> pl.Expr:
    """``type:id`` of the subject a tasking's item is about (``repeat_victim:P1`` ->
    ``person:P1``), as :func:`avert.delivery.model.subject_key` does for one item."""
    return pl.concat_str(
        pl.col(kind).replace_strict(ITEM_KINDS, default=pl.col(kind)),
        pl.lit(":"),
        pl.col(ident),
    )


def as_at(taskings: pl.DataFrame, at: dt.datetime) -> pl.DataFrame:
    """The taskings that existed at ``at``, with their status and result then.

    Created after ``at``: left out. Done (result recorded, or last changed) after
    ``at``: open, without its result. Cancelled after ``at``: open.
    """
    done_at = pl.coalesce("result_at", "updated_at")
    later = pl.col("updated_at").fill_null(at) > at
    rows = taskings.filter(
        pl.col("created_at").is_null() | (pl.col("created_at") <= at)
    )
    return rows.with_columns(
        pl.when((pl.col("status") == "done") & (done_at.fill_null(at) > at))
        .then(pl.lit("open"))
        .when((pl.col("status") == "cancelled") & later)
        .then(pl.lit("open"))
        .otherwise(pl.col("status"))
        .alias("status"),
        pl.when(pl.col("result_at").fill_null(at) > at)
        .then(pl.lit(None, pl.String))
        .otherwise(pl.col("result"))
        .alias("result"),
    )


def for_briefing(
    taskings: pl.DataFrame,
    *,
    at: dt.datetime,
    hours: int = 24,
    replay: bool = True,
    now: dt.datetime | None = None,
) -> dict[str, pl.DataFrame]:
    """The briefing's taskings: ``overdue``, ``due``, ``done`` (see :data:`SECTIONS`).

    ``overdue``: open at ``at`` and due before it; ``due``: open, due in the next 24
    hours (inclusive); ``done``: done in the window (``at - hours`` to ``at``), with
    their results (live, ``replay`` False: done since ``at - hours``, also after
    ``at``, so a result recorded at the meeting shows there). Each sorted by due time, then the item tasked (kind, id), then the
    tasking's id, so the order does not depend on the random part of tasking ids.
    ``replay``: as they stood at ``at`` (:func:`as_at`); False: as they stand now (a
    live meeting view), overdue and due then counted from ``now`` when the window
    ended before it (a meeting of a past window, or of a store whose records end
    days ago): a tasking due on 24 November and still open on 6 December is
    overdue, not "due in the next 24 hours" of the window, and one made at that
    meeting, due a day after now, is due (it shows at once).
    """
    rows = (as_at(taskings, at) if replay else taskings).sort(
        ["due", "item_kind", "item_id", "tasking_id"]
    )
    since = at - dt.timedelta(hours=hours)
    is_open = pl.col("status") == "open"
    done_at = pl.coalesce("result_at", "updated_at")
    ref = at if replay or now is None else max(at, now)
    return {
        "overdue": rows.filter(is_open & (pl.col("due") < ref)),
        "due": rows.filter(
            is_open
            & (pl.col("due") >= ref)
            & (pl.col("due") <= ref + dt.timedelta(days=1))
        ),
        # live, a result recorded after ``at`` (the meeting's window ends when its
        # page opened) is done since the window began: it stays on the page
        "done": rows.filter(
            (pl.col("status") == "done")
            & (done_at >= since)
            & ((done_at < at) if replay else pl.lit(value=True))
        ),
    }


def tasked_subjects(taskings: pl.DataFrame, at: dt.datetime) -> pl.DataFrame:
    """The latest open or done tasking of each subject at ``at`` (column ``subject``)."""
    live = as_at(taskings, at).filter(pl.col("status") != "cancelled")
    return (
        live.with_columns(subject_expr().alias("subject"))
        .sort(["created_at", "tasking_id"], nulls_last=False)
        .unique("subject", keep="last", maintain_order=True)
    )


def in_area(
    taskings: pl.DataFrame,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    area: str,
) -> pl.Series:
    """For each tasking, whether its subject is in ``area`` (a borough or LSOA).

    ``incidents`` (``incident_id``, ``borough``, ``lsoa``, ``location``) and
    ``involvements`` (``incident_id``, ``person_id``) need hold only the rows of the
    taskings' subjects. An incident is in the area its borough or LSOA names (any
    case, as the incidents page matches); a person when involved in an incident of
    the area (the briefing's people are its incidents' people); a place named by an
    incident's location when an incident of the area is there; an area when it is
    ``area``. Grid cells, groups and ASB callers are not tied to one area (the
    places map and the groups page are force-wide, and ASB carries no borough: an
    area's briefing lists every ASB caller): always in.
    """
    key = area_key(area)
    local = incidents.filter(incidents_in_area(area, incidents.columns))
    people = involvements.filter(pl.col("incident_id").is_in(local["incident_id"]))
    subject = pl.col("item_kind").replace_strict(ITEM_KINDS, default=None)
    ident = pl.col("item_id")
    placed = (
        pl.when(pl.col("item_kind") == "asb_caller")
        .then(pl.lit(value=True))
        .when(subject == "incident")
        .then(ident.is_in(local["incident_id"].implode()))
        .when(subject == "person")
        .then(ident.is_in(people["person_id"].implode()))
        .when(subject == "area")
        .then(ident.str.strip_chars().str.to_lowercase() == key)
        .when((subject == "place") & ident.is_in(incidents["location"].implode()))
        .then(ident.is_in(local["location"].implode()))
        .when(subject.is_in(["place", "group"]))
        .then(pl.lit(value=True))
        .otherwise(pl.lit(value=False))
    )
    return taskings.select(placed.fill_null(value=False).alias("in_area")).to_series()
