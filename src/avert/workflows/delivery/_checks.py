"""Accountability checks and the operating principles, computed from the data."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import polars as pl

from avert.access import Pseudonymiser, audience_of
from avert.analyse.places import cell_expr
from avert.areas import force_name
from avert.config.settings import Settings
from avert.config.timezone import local_today
from avert.delivery.checks import NO_LEAD, Checks, run_checks
from avert.store import Store, queries
from avert.store.loads import has_rows
from avert.store.summary import incident_span
from avert.workflows._forces import force_is, forces_there
from avert.workflows.delivery._actions import (
    _PSEUDONYMOUS,
    read_actions,
    with_action_ids_shown,
)
from avert.workflows.delivery._asof import read_delivery
from avert.workflows.delivery._common import (
    partner_pseudonymiser,
    unheld_leads,
)
from avert.workflows.staleness import staleness_notes
from avert.workflows.users import User, check_allowed

# --- checks --------------------------------------------------------------------------
#: Top-harm subjects per kind the "no action" check looks at.
TOP_N = 20
#: Days of incidents behind the top-harm subjects and repeat victims.
CHECK_DAYS = 365


def _place_key(cell_size_m: float) -> pl.Expr:
    """The place an incident counts towards: its grid cell of the places grid
    (``150m:E530:N1200``, the id briefing places and taskings use) where it has
    coordinates, else its location text.

    Location text alone is not a place: a bundle gives none, and police.uk's is a
    snap point's name ("On or near Supermarket", "On or near High Street") that many
    places share.
    """
    return pl.coalesce(cell_expr(cell_size_m), pl.col("location")).alias("place_id")


def _harm_frames(
    store: Store,
    profile: str,
    today: dt.date,
    *,
    cell_size_m: float,
    force: str | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(top-harm subjects, repeat victims) over the last :data:`CHECK_DAYS` days.

    Places are keyed by :func:`_place_key` on the places grid of ``cell_size_m``.
    ``force`` (the board pack's ``--police-force``, an id such as ``west-yorkshire`` or a
    name) keeps the incidents of that force alone (:func:`_of_force`); None: all.
    """
    start = dt.datetime.combine(today - dt.timedelta(days=CHECK_DAYS), dt.time())
    end = dt.datetime.combine(today, dt.time())
    # the year's incidents joined to their classification in one indexed read (all
    # of the profile's in-definition classifications were read to join them)
    harm = (
        queries.classified_between(
            store,
            start,
            end,
            columns=[
                "incident_id",
                "occurred_from",
                "location",
                "x",
                "y",
                "borough",
                "force",
                "source",
            ],
            profile=profile,
            class_columns=("in_definition", "harm_days"),
        )
        .filter(pl.col("in_definition") & _of_force(force))
        .with_columns(_place_key(cell_size_m))
        .select(
            "incident_id", "place_id", "borough", pl.col("harm_days").fill_null(0.0)
        )
    )
    area = pl.col("borough").drop_nulls().mode().sort().first().alias("area")
    inv = store.read_frame(
        "involvements",
        columns=["incident_id", "person_id", "role"],
        where=[("incident_id", "in", harm["incident_id"].to_list())],
    ).join(harm, on="incident_id")
    people = (
        inv.group_by("person_id")
        .agg(pl.col("harm_days").sum().alias("harm"), area)
        .select(pl.lit("person").alias("subject_type"), "person_id", "harm", "area")
        .rename({"person_id": "subject_id"})
    )
    places = (
        harm.filter(pl.col("place_id").is_not_null())
        .group_by("place_id")
        .agg(pl.col("harm_days").sum().alias("harm"), area)
        .select(pl.lit("place").alias("subject_type"), "place_id", "harm", "area")
        .rename({"place_id": "subject_id"})
    )
    members = store.read_frame("group_members", columns=["group_id", "person_id"])
    groups = (
        members.join(people, left_on="person_id", right_on="subject_id")
        .group_by("group_id")
        .agg(pl.col("harm").sum(), pl.col("area").drop_nulls().mode().sort().first())
        .select(pl.lit("group").alias("subject_type"), "group_id", "harm", "area")
        .rename({"group_id": "subject_id"})
    )
    top = pl.concat(
        [
            f.sort(["harm", "subject_id"], descending=[True, False]).head(TOP_N)
            for f in (people, places, groups)
        ]
    )
    victims = (
        inv.filter(pl.col("role") == "victim")
        .group_by("person_id")
        .agg(pl.col("incident_id").n_unique().alias("n"))
        .filter(pl.col("n") >= 2)
        .select("person_id")
    )
    return top, victims


def _of_force(force: str | None) -> pl.Expr:
    """The incidents of ``force`` (:func:`avert.workflows._forces.force_is`: its
    id as ``stops.force`` holds it, such as ``west-yorkshire``, its name as
    stored, or the source of records naming none); every incident when None. A
    board pack of West Yorkshire (``--police-force``) over a store also holding City of
    London's 2019 read "20 of the 20 top-harm places have no action" of places of
    both forces."""
    return pl.lit(value=True) if force is None else force_is(force)


def checks_force(
    store: Store, settings: Settings, today: dt.date, force: str | None
) -> tuple[str | None, str | None]:
    """(the force the top-harm subjects are of, None for every incident's; a note
    saying which) for the board pack's ``--police-force``, which also chooses the
    equality section's stops: a force none of the :data:`CHECK_DAYS` days'
    incidents is of (London's street records name none) scoped them to none,
    and the pack read '0 of 0 top-harm places'; they are every incident's then."""
    if force is None:
        return None, None
    start = dt.datetime.combine(today - dt.timedelta(days=CHECK_DAYS), dt.time())
    window = queries.classified_between(
        store,
        start,
        dt.datetime.combine(today, dt.time()),
        columns=["incident_id", "force", "source"],
        profile=settings.definition_id(),
        class_columns=("in_definition",),
    ).filter(pl.col("in_definition"))
    if window.is_empty() or window.filter(force_is(force)).height:
        return force, (
            f"The principle checks' top-harm subjects are of {force_name(force)}'s "
            "incidents alone (--police-force)."
        )
    there = forces_there(window)
    return None, (
        f"No incident of the principle checks' {CHECK_DAYS} days is of "
        f"{force_name(force)} (--police-force; the forces or sources there: "
        f"{', '.join(there)}): their top-harm subjects are every incident's."
    )


def board_checks(
    store: Store,
    settings: Settings,
    *,
    today: dt.date | None = None,
    force: str | None = None,
) -> Checks:
    """The accountability and principle checks on the stored plan and data; the
    top-harm subjects of ``force``'s incidents alone when given (:func:`_of_force`)."""
    today = today or local_today(settings.timezone)
    top, victims = _harm_frames(
        store,
        settings.definition_id(),
        today,
        cell_size_m=settings.places_cell_size(),
        force=force,
    )
    checks = run_checks(
        read_actions(store, today=today),
        read_delivery(store, "objective", today=today),
        read_delivery(store, "tasking", today=today),
        today=today,
        top=top,
        repeat_victims=victims,
    )
    # a lead no enabled account holds: nobody sees or updates its actions
    by_org = checks.overdue_by_org
    leads = [o for o in by_org["lead_organisation"].to_list() if o != NO_LEAD]
    unheld = pl.col("lead_organisation").is_in(unheld_leads(store, leads))
    return dataclasses.replace(
        checks, overdue_by_org=by_org.with_columns(unheld.alias("unheld"))
    )


def _own_figures(checks: Checks, org: str) -> dict[str, Any]:
    """The accountability figures of one lead organisation's actions (a partner's
    plan board lists only those, beside the whole plan's checks)."""
    row = checks.overdue_by_org.filter(pl.col("lead_organisation") == org)
    missing = checks.missing.filter(pl.col("lead_organisation") == org)
    return {
        "organisation": org,
        "actions": int(row["actions"].sum()),
        "overdue": int(row["overdue"].sum()),
        "no_owner": int(missing["no_owner"].sum()),
        "no_measure": int(missing["no_measure"].sum()),
        "no_review_date": int(missing["no_review_date"].sum()),
    }


def _no_top_subjects(store: Store, since: dt.date, today: dt.date) -> str:
    """Why the top-harm check found no subject from ``since`` to ``today``: no
    incident at all in those days when the store's records end before them (a
    stale store served today) or start after them, else none naming anyone."""
    span = incident_span(store)
    start = dt.datetime.combine(since, dt.time())
    end = dt.datetime.combine(today, dt.time())
    if span is not None and (span[1] < start or span[0] >= end):
        timed = incident_span(store, timed=True)
        before = span[1] < start
        edge = span[1] if before else span[0]
        # the latest month-only records end their month; their day is unknown
        month_only = before and (timed is None or timed[1] < span[1])
        when = f"{edge:%B %Y}" if month_only else f"{edge:%d %b %Y}"
        which = "latest" if before else "first"
        return (
            f"not checked: no incident recorded from {since} to {today}; the "
            f"store's {which} is of {when}"
        )
    return (
        f"not checked: the violence of {since} to {today} names no person, place "
        "or group"
    )


def _listed_ids_shown(
    store: Store,
    pseudo: Pseudonymiser,
    dups: pl.DataFrame,
    names: queries.StoredNames | None = None,
) -> pl.Series:
    """The ``action_ids`` of each duplicated subject (``dups``, its subject as
    stored) as a partner or the board reads each id: a stored id or the subject's
    id written in one as its pseudonym (:func:`with_action_ids_shown`), as the
    plan board shows it; ``names``: the stored names, if an output keeps them)."""
    each = (
        dups.select(
            "target_type",
            "target_id",
            pl.col("action_ids").str.split("; ").alias("action_id"),
        )
        .with_row_index("_row")
        .explode("action_id")
    )
    shown = with_action_ids_shown(store, pseudo, each, names=names)
    joined = shown.group_by("_row", maintain_order=True).agg(
        pl.col("action_id").str.join("; ")
    )
    return joined["action_id"].alias("action_ids")


def checks_view(
    store: Store,
    settings: Settings,
    *,
    user: User,
    today: dt.date | None = None,
    names: queries.StoredNames | None = None,
    force: str | None = None,
) -> dict[str, Any]:
    """The checks as a user may see them (subjects pseudonymised for partners;
    ``names``: the stored names an output of several parts keeps, if given;
    ``force``: the top-harm subjects of that force's incidents alone)."""
    check_allowed(user, "view-plan")
    checks = board_checks(store, settings, today=today, force=force)
    dups = checks.duplicates
    if audience_of(user.role) != "police" and dups.height:
        pseudo = partner_pseudonymiser(settings, reader=user)
        dups = dups.with_columns(
            _listed_ids_shown(store, pseudo, dups, names),
            pl.Series(
                "target_id",
                [
                    pseudo(_PSEUDONYMOUS[k], i) if k in _PSEUDONYMOUS else i
                    for k, i in zip(dups["target_type"], dups["target_id"], strict=True)
                ],
                dtype=pl.String,
            ),
        )
    today = today or local_today(settings.timezone)
    since = today - dt.timedelta(days=CHECK_DAYS)
    # a check with nothing to look at reads "0 / 0" as if all were in hand: say why
    not_checked = {
        "top_subjects": (
            None
            if checks.summary["top_subjects"]
            else _no_top_subjects(store, since, today)
        ),
        "repeat_victims": (
            None
            if checks.summary["repeat_victims"] or has_rows(store, "involvements")
            else "not checked: the store names no victims; open incident data "
            "name no one"
        ),
    }
    return {
        "summary": checks.summary,
        "not_checked": not_checked,
        "own": _own_figures(checks, user.org or "") if user.role == "partner" else None,
        "by_org": checks.overdue_by_org.to_dicts(),
        "duplicates": dups.to_dicts(),
        "approaches": checks.approaches.to_dicts(),
        # the top subjects' harm is the classifications': say when they are stale
        "notes": staleness_notes(store, settings.definition_id(), settings=settings),
    }
