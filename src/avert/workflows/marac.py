"""Workflow of ``avert analyse marac``: read the store, call :mod:`avert.analyse.dash`.

Reads the incidents of the escalation window with their ``domestic`` flag (every
incident: the violence definition does not limit domestic abuse), the victims' involvements and the ``dash`` table (DASH assessments, a bundle
extension), and lists the victims meeting a MARAC referral criterion. The list
names people: it is written to the audit log before it is returned
(:func:`avert.workflows.analysis.audit_view`, as the risk lists), under the
audience's role; a partner audience sees every person as its pseudonym
(:mod:`avert.access`), and neither the assessment id nor which DASH questions
were answered yes (:data:`PARTNER_WITHHELD`): only their counts.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import polars as pl

from avert.access import Audience, Pseudonymiser, check_audience, pseudonymiser_for
from avert.analyse._window import day_start, default_as_of, in_window, window_start
from avert.analyse.dash import MaracResult, marac_referrals, person_domestic_risk
from avert.areas import AREA_COLUMNS, in_area
from avert.config.risk import RiskConfig, load_risk_config
from avert.errors import NotFound
from avert.store import Store, queries
from avert.store.kept import kept, kept_answer
from avert.store.summary import latest_dash_at, latest_incident_at
from avert.workflows.analysis import NO_PEOPLE_NOTE, audit_view, first_rows
from avert.workflows.delivery import SCOPE_OF_SETTINGS, output_scope

__all__ = [
    "PARTNER_WITHHELD",
    "MaracResult",
    "area_note",
    "area_victims",
    "incident_places",
    "latest_as_of",
    "person_dash",
    "run_marac",
    "warm_marac",
]

#: the columns of the list a partner never sees (null in the partner list)
PARTNER_WITHHELD: Final = ("assessment_id", "yes_questions")
_NO_DASH_NOTE = (
    "The store holds no DASH assessments (a bundle's dash file, docs/bundle.md): "
    "only potential escalation, from the domestic incidents, can be met."
)
#: no DASH and no domestic flag in the window: escalation is not countable either
#: (the note of :func:`avert.analyse.dash.marac_referrals` says why)
_NO_DASH_NOR_FLAG_NOTE = (
    "The store holds no DASH assessments (a bundle's dash file, docs/bundle.md) "
    "and its incidents of the window carry no domestic flag: no criterion can be "
    "met."
)


def latest_as_of(store: Store) -> dt.datetime:
    """The latest incident or assessment: the default as-of time of the MARAC list
    and of the person page's *Domestic abuse risk* section, so that the two agree
    (on a store loaded from an archive, "today" would put every assessment and
    domestic incident outside the window the list counts them in). A month-only
    latest incident (data.police.uk) stands for its whole month: the list is as of
    the month's last instant, the risk scores' rule
    (:func:`avert.analyse._window.default_as_of`; it was the month's first instant),
    and one dated alone for its whole day (the list as of its last instant).
    """
    # index seeks alone: the person page asks at each showing
    latest = latest_incident_at(store)
    month_only = latest is not None and queries.month_only_at(store, latest)
    incidents = default_as_of(
        latest if month_only else None,
        None if month_only else latest,
        # one dated alone there: its day's last instant (its 00:00 leaves it out)
        timed_dated_alone=latest is not None
        and not month_only
        and queries.dated_alone_at(store, latest),
    )
    times = [incidents, latest_dash_at(store)]
    known = [t for t in times if t is not None]
    if not known:
        msg = "There are no incidents nor DASH assessments in the store: nothing to analyse."
        raise NotFound(msg)
    return max(known)


def run_marac(
    store: Store,
    *,
    at: dt.datetime | None = None,
    config_path: str | Path | None = None,
    audience: str = "police",
    pseudonym_key: str | None = None,
    pseudonym_rotation: str = "none",
    user: str | None = None,
    reason: str = "MARAC referral criteria (avert analyse marac)",
    allow_demo_key: bool = False,
    role: str | None = None,
    area: str | None = None,
    pseudonym_scope: str | None = SCOPE_OF_SETTINGS,
    organisation: str | None = None,
    shown: int | None = None,
) -> MaracResult:
    """Victims meeting a MARAC referral criterion as of ``at`` (default: the latest
    incident or assessment), highest first; audited before it is returned.

    ``audience`` ``partner``: ``person_id`` is the person's pseudonym (the key and
    rotation of the settings; a missing or weak key is refused, as for the
    briefing, unless ``allow_demo_key``: ``avert demo``'s web app), the assessment id and the questions answered yes are withheld
    (:data:`PARTNER_WITHHELD`), and the audit row counts the pseudonyms shown.
    The audit row is written as ``user`` under ``role`` (default: the audience;
    the web app passes the signed-in account's role).

    ``area``: only the victims with a domestic incident of the window in it
    (:func:`area_victims`), counted over their records alone; a note says how
    many of the force's list name no place (:func:`area_note`). The audit row
    names the area.

    ``shown``: the rows the caller shows or exports (the CLI's ``--top``, table
    and ``--json`` alike); the audit row counts their people, every row's when
    None (the web page lists them all).

    ``pseudonym_scope``: whose key a partner's pseudonyms are of, as
    :func:`avert.workflows.delivery.output_scope` chooses it for ``organisation``
    (the partner organisation the list is for; the board's key for ``role``
    ``board``): by default the reader's under the setting ``pseudonym_scope``;
    under its default, ``organisation``, a ConfigError refuses a partner list that
    names no organisation.
    """
    aud: Audience = check_audience(audience)
    scope = None
    if aud == "partner":  # a missing or weak key is refused before anything is read
        scope = output_scope(
            store,
            pseudonym_scope,
            organisation=organisation,
            role="board" if role == "board" else "partner",
        )
        pseudonymiser_for(pseudonym_key, allow_demo=allow_demo_key, scope=scope)
    config = load_risk_config(config_path)
    when = at or latest_as_of(store)
    involvements = store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    incidents = _list_incidents(
        store, at=when, config=config, involved=involvements.height > 0
    )
    assessments = store.read_frame("dash")
    result = marac_referrals(
        incidents, involvements, assessments, at=when, config=config
    )
    if area is not None:
        frames = (incidents, involvements, assessments)
        prompted = _dash_places(store, assessments, when)
        result = _area_list(result, frames, prompted, area, config=config)
    notes = _missing_records_notes(result.notes, incidents, involvements, assessments)
    made = _make_up(store, result, audience=aud)
    frame = result.frame
    if aud == "partner":
        pseudonymiser = pseudonymiser_for(
            pseudonym_key,
            rotation=pseudonym_rotation,
            at=when,
            allow_demo=allow_demo_key,
            scope=scope,
        )
        frame = _for_partner(frame, pseudonymiser)
    audit_view(
        store,
        "analysis:marac",
        people=first_rows(frame["person_id"], shown),
        reason=reason if area is None else f"{reason}; area={area}",
        user=user,
        role=role or aud,
    )
    return replace(result, frame=frame, notes=notes, make_up=made)


def _missing_records_notes(
    notes: Sequence[str],
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    assessments: pl.DataFrame,
) -> tuple[str, ...]:
    """``notes`` with what the store lacks said first: no involvements (no one to
    name), no DASH assessments (nor, on every incident, a domestic flag)."""
    out = list(notes)
    if assessments.height == 0:
        # "only potential escalation can be met" beside "escalation cannot be
        # counted" (records without the flag) contradicted itself
        unflagged = (
            incidents.height > 0 and incidents.get_column("domestic").is_null().all()
        )
        out.insert(0, _NO_DASH_NOR_FLAG_NOTE if unflagged else _NO_DASH_NOTE)
    if involvements.height == 0:
        out.insert(0, NO_PEOPLE_NOTE)
    return tuple(out)


def _for_partner(frame: pl.DataFrame, pseudonymiser: Pseudonymiser) -> pl.DataFrame:
    """The list a partner reads: people as pseudonyms, :data:`PARTNER_WITHHELD` empty."""
    # the answers are special-category data (health, sex life): a partner
    # sees the counts the criteria rest on, never which questions were yes
    return pseudonymiser.column(frame, "person_id", "person").with_columns(
        pl.lit(None, dtype=pl.String).alias(c) for c in PARTNER_WITHHELD
    )


def _area_list(
    force: MaracResult,
    frames: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame],
    prompted: pl.DataFrame,
    area: str,
    *,
    config: RiskConfig,
) -> MaracResult:
    """``force`` (the force's list) for ``area``: the criteria counted again over
    the records of the area's victims (:func:`area_victims`; ``prompted``: the
    places of their DASH assessments' incidents, :func:`_dash_places`) alone, so
    that the population, the make-up and the notes are theirs; the note of
    :func:`area_note` counts the force's victims in no area."""
    incidents, involvements, assessments = frames
    mine = pl.col("person_id").is_in(
        area_victims(incidents, involvements, area, prompted=prompted).implode()
    )
    theirs = involvements.filter(mine)
    result = marac_referrals(
        incidents.filter(pl.col("incident_id").is_in(theirs["incident_id"].implode())),
        theirs,
        assessments.filter(mine),
        at=force.at,
        config=config,
    )
    listed = force.frame["person_id"]
    placed = area_victims(incidents, involvements, None, prompted=prompted)
    unplaced = listed.filter(~listed.is_in(placed.implode())).len()
    return replace(
        result,
        notes=(*result.notes, area_note(area, unplaced)),
        params={
            **result.params,
            "area": area,
            "population": f"{result.params['population']}, in area {area}",
        },
    )


def incident_places(store: Store, incident_ids: Sequence[str]) -> pl.DataFrame:
    """``incident_id`` and the area columns (:data:`avert.areas.AREA_COLUMNS`) of the
    stored incidents among ``incident_ids``, as text, one row each (one indexed
    read; empty without ids): where a DASH assessment is, for an assessment names
    no place but the incident that prompted it does. The one read of both the
    MARAC list's (:func:`_dash_places`) and the briefing's
    (:func:`avert.workflows.briefing._dash_placed`) places of assessments."""
    ids = sorted({str(i) for i in incident_ids if i is not None})
    if not ids:
        return pl.DataFrame(
            schema={"incident_id": pl.String, **dict.fromkeys(AREA_COLUMNS, pl.String)}
        )
    places = store.read_frame(
        "incidents",
        columns=["incident_id", *AREA_COLUMNS],
        where=[("incident_id", "in", ids)],
    )
    return places.select(
        pl.col("incident_id").cast(pl.String),
        *(pl.col(c).cast(pl.String) for c in AREA_COLUMNS if c in places.columns),
    ).unique("incident_id", maintain_order=True)


def _dash_places(
    store: Store, assessments: pl.DataFrame, at: dt.datetime
) -> pl.DataFrame:
    """Each victim's latest DASH assessment up to ``at`` (the one the list counts)
    with the place of the incident that prompted it (``person_id`` and the area
    columns; :func:`incident_places`), whenever that incident occurred: an
    assessment names no place, but its incident does. A victim whose assessment
    names no stored incident has no row."""
    columns = ["person_id", *AREA_COLUMNS]
    if "incident_id" not in assessments.columns or assessments.height == 0:
        return pl.DataFrame(schema=dict.fromkeys(columns, pl.String))
    latest = (
        assessments.filter(pl.col("assessed_at") <= at)
        .sort("person_id", "assessed_at", "assessment_id")
        .group_by("person_id", maintain_order=True)
        .last()
        .filter(pl.col("incident_id").is_not_null())
        .select("person_id", "incident_id")
    )
    places = incident_places(store, latest["incident_id"].to_list())
    return latest.join(places, on="incident_id").select(
        "person_id", *(c for c in AREA_COLUMNS if c in places.columns)
    )


def _placed(area: str | None, columns: list[str]) -> pl.Expr:
    """Rows in ``area`` (:func:`avert.areas.in_area`), or, for None, naming one."""
    if area is not None:
        return in_area(area, columns)
    named = [c for c in AREA_COLUMNS if c in columns]
    if not named:
        return pl.lit(value=False)
    return pl.any_horizontal(
        pl.col(c).cast(pl.String).str.strip_chars().ne("").fill_null(value=False)
        for c in named
    )


def area_victims(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    area: str | None,
    *,
    prompted: pl.DataFrame | None = None,
) -> pl.Series:
    """The victims of a domestic incident of ``incidents`` (the escalation window's)
    in ``area`` (its borough or LSOA, :func:`avert.areas.in_area`, the pages' one
    rule), or, for None, in any area (naming a borough or an LSOA); and the
    victims whose DASH assessment's incident is there (``prompted``: ``person_id``
    and the area columns of that incident, whenever it occurred).

    A victim is placed by the incidents the list counts them on (potential
    escalation), as the briefing places an incident, and by the incident that
    prompted their assessment (visible high risk); a victim known by an
    assessment naming no incident alone is in no area.
    """
    domestic = pl.col("domestic").cast(pl.Boolean).fill_null(value=False)
    local = (
        incidents.filter(domestic & _placed(area, incidents.columns))["incident_id"]
        if "domestic" in incidents.columns
        else pl.Series("incident_id", [], dtype=pl.String)
    )
    by_incident = involvements.filter(
        (pl.col("role") == "victim") & pl.col("incident_id").is_in(local.implode())
    )["person_id"]
    by_dash = (
        pl.Series("person_id", [], dtype=pl.String)
        if prompted is None
        else prompted.filter(_placed(area, prompted.columns))["person_id"]
    )
    return pl.concat([by_incident, by_dash]).unique().sort()


def area_note(area: str, unplaced: int) -> str:
    """The note of an area's list: it shows the area's victims only, and how many of
    the force's list are in no area (their records name no place)."""
    return (
        f"Area {area}: the victims with a domestic incident of the window in it, "
        "or whose DASH assessment's incident is in it. "
        f"{unplaced:,} of the force's list are in no area (a DASH assessment "
        "naming no incident with a place and no domestic incident in the window, "
        "or domestic incidents naming no borough or LSOA) and are not shown here: "
        "the force-wide list (a user without an area) shows them."
    )


def person_dash(
    store: Store, person_id: str, *, at: dt.datetime, config: RiskConfig
) -> dict[str, Any] | None:
    """One person's domestic abuse risk as of ``at``
    (:func:`avert.analyse.dash.person_domestic_risk`: their latest DASH assessment,
    the MARAC criteria it and their domestic incidents meet, the notes, the
    answers), read for that person only; None when they have neither.

    Not audited here: it is a part of the person's page, whose view
    (:func:`avert.workflows.views.person_view`) checks the access rules and
    writes the audit row, with its purpose, before this is read, each time.
    Kept for the store's data generation (:func:`avert.store.kept.kept_answer`):
    the page shown again reads the person's involvements, incidents and
    assessments no more (14 ms of a page of 70 ms of CPU on the synthetic city of
    200,000 residents, benchmarks/first_views.py).
    """
    return kept_answer(
        store,
        ("person_dash", person_id, at, repr(config)),
        lambda: _person_dash(store, person_id, at=at, config=config),
    )


def _person_dash(
    store: Store, person_id: str, *, at: dt.datetime, config: RiskConfig
) -> dict[str, Any] | None:
    """:func:`person_dash` made afresh: three reads of the person's records."""
    involvements = store.read_frame(
        "involvements",
        columns=["incident_id", "person_id", "role"],
        where=[("person_id", "=", person_id)],
    )
    incidents = _escalation_incidents(
        store,
        at=at,
        days=config.marac.escalation_window_days,
        columns=["incident_id", "occurred_from", "domestic"],
        where=[("incident_id", "in", involvements["incident_id"].unique().to_list())],
    )
    assessments = store.read_frame("dash", where=[("person_id", "=", person_id)])
    return person_domestic_risk(
        incidents,
        involvements,
        assessments,
        person_id=person_id,
        at=at,
        config=config,
    )


def _make_up(
    store: Store, result: MaracResult, *, audience: Audience
) -> dict[str, Any] | None:
    """The list's make-up by sex, age band and ethnicity against the victims it
    was drawn from (:func:`avert.briefing.makeup.make_up`, the one make-up of
    avert, as the risk lists'; partners: the small-cell rule), or None for an
    empty list. Counted on the police ids: a partner's pseudonyms count alike."""
    from avert.briefing.makeup import make_up

    if result.frame.height == 0:
        return None
    pool = result.population_ids.cast(pl.String).to_list()
    people = queries.read_in(
        store,
        "people",
        "person_id",
        pool,
        columns=("person_id", "sex", "birth_year", "ethnicity"),
    )
    return make_up(
        result.frame["person_id"].to_list(),
        pool,
        people,
        at_year=result.at.year,
        key="marac",
        # the make-up box counts both ("Make-up of the 2 victims ..., against the
        # 3 people with a DASH assessment ..."): it read "the 2 the 2 victims"
        label="victims meeting a MARAC referral criterion",
        pool_label=re.sub(
            r"^every person\b", "people", str(result.params.get("population", ""))
        ),
        audience=audience,
    )


def warm_marac(store: Store, *, config_path: str | Path | None = None) -> None:
    """Read and keep what the MARAC list's first view reads of the incidents
    (:func:`run_marac` as of :func:`latest_as_of`), for the web app's warm-up
    (:func:`avert.workflows.views.warm_up_views`); nothing is listed, so nothing
    is audited. A store with no incidents nor assessments reads nothing."""
    try:
        when = latest_as_of(store)
    except NotFound:
        return
    involved = store.read_frame("involvements", columns=["incident_id"]).height > 0
    _list_incidents(
        store, at=when, config=load_risk_config(config_path), involved=involved
    )


def _list_incidents(
    store: Store, *, at: dt.datetime, config: RiskConfig, involved: bool
) -> pl.DataFrame:
    """The incidents of the list's escalation window (:func:`_escalation_incidents`,
    kept): with no one ``involved`` they only count for the notes (how many carry
    no domestic flag), so they are counted, not read (:func:`_flag_counted`)."""
    days = config.marac.escalation_window_days
    if not involved:
        return _flag_counted(store, at=at, days=days)
    return _kept_escalation_incidents(
        store,
        at=at,
        days=days,
        columns=["incident_id", "occurred_from", "domestic", *AREA_COLUMNS],
    )


def _flag_counted(store: Store, *, at: dt.datetime, days: int) -> pl.DataFrame:
    """The escalation window's incidents as the list's notes count them, when no
    one is involved (no one to list): a row per incident with its ``domestic``
    flag, no id, from counts on the time index
    (:func:`avert.store.queries.domestic_flag_counts`, kept for the data
    generation). Those at the window's edges keep their time and precision (one
    dated alone the first day is in by its day: :func:`_escalation_incidents`'
    rule); those inside it are dated its middle. A year of London's 203,519
    incidents was read for the notes: the MARAC page's first view took 0.21 s
    of CPU, 0.06 s counted (benchmarks/web_lists.py's store, 2022 Q1)."""
    start = window_start(at, days)
    counts = kept(
        store,
        ("marac domestic flag counts", at, days),
        lambda: queries.domestic_flag_counts(store, day_start(start), start, at),
    )
    middle = start + (at - start) / 2  # inside (start, at): in the window
    counted = counts.with_columns(pl.col("occurred_from").fill_null(middle)).filter(
        in_window("occurred_from", at, days, by_day=True)
    )
    each = pl.Series(np.repeat(np.arange(counted.height), counted["n"].to_numpy()))
    return counted[each].select(
        pl.lit(None, dtype=pl.String).alias("incident_id"),
        "occurred_from",
        "domestic",
        "time_precision",
    )


def _kept_escalation_incidents(
    store: Store, *, at: dt.datetime, days: int, columns: Sequence[str]
) -> pl.DataFrame:
    """:func:`_escalation_incidents`, kept for the store's data generation
    (:func:`avert.store.kept.kept`): the MARAC page shown again reads a year of a
    force's incidents (London's 2022 Q1: 203,519 rows, 0.5-1.1 s) no more until
    a write of analysed data."""
    key = ("marac escalation incidents", at, days, tuple(columns))
    return kept(
        store,
        key,
        lambda: _escalation_incidents(store, at=at, days=days, columns=columns),
    )


def _escalation_incidents(
    store: Store,
    *,
    at: dt.datetime,
    days: int,
    columns: Sequence[str],
    where: Sequence[tuple[str, str, object]] = (),
) -> pl.DataFrame:
    """The incidents of the escalation window ``(at - days, at]`` (``columns`` and
    ``time_precision``), one dated alone by its day
    (:func:`avert.analyse._window.in_window` ``by_day``, the risk lists' rule):
    read from 00:00 of the window's first day, since one dated alone that day
    (stored at 00:00) may have happened after a start at 06:00, and counts toward
    potential escalation."""
    first = day_start(window_start(at, days))
    read = [*columns, *(["time_precision"] if "time_precision" not in columns else [])]
    incidents = store.read_frame(
        "incidents",
        columns=read,
        where=[*where, ("occurred_from", ">=", first), ("occurred_from", "<=", at)],
    )
    return incidents.filter(in_window("occurred_from", at, days, by_day=True))
