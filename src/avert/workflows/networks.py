"""Network workflows: read the store, run :mod:`avert.analyse.networks`, return results.

The only place where the store and the network analyses meet. Incidents are joined
with their classification under the settings' definition profile (``in_definition``,
``category``, ``harm_days``) by the one reader of classified incidents
(:func:`avert.workflows.analysis.load_analysis_incidents`); when the
``classifications`` table holds no rows for that profile, the analyses stop and say
to run ``avert classify`` (:func:`avert.workflows.analysis.classification_policy`).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import polars as pl

from avert.access import Audience
from avert.analyse.families import (
    FAMILY_PREFIX,
    family_edges,
    family_harm,
    family_units,
)
from avert.analyse.networks import (
    AREA_LEVELS,
    ComponentBetweenness,
    GroupsResult,
    RetaliationResult,
    analyse_groups,
    co_offending_edges,
    group_areas,
    group_membership,
    person_network,
    retaliation_alerts,
    retaliation_window_ids,
)
from avert.analyse.risk import offender_risk
from avert.config.networks import NetworksConfig, default_networks_config
from avert.config.risk import RiskConfig
from avert.config.timezone import local_now
from avert.errors import NotFound
from avert.schema import (
    DETECTED_GROUP_MEMBERS,
    DETECTED_GROUP_PREFIX,
    DETECTED_GROUPS,
    DETECTION_RUNS,
)
from avert.store import Store, audit, queries
from avert.store.detected import (
    DETECTION_INPUTS,
    detection_inputs,
    replace_detected_groups,
)
from avert.store.kept import whole_days
from avert.store.loads import has_rows
from avert.workflows._kept_alerts import canonical, kept_alerts
from avert.workflows.analysis import (
    NO_PEOPLE_NOTE,
    audit_view,
    load_analysis_incidents,
)
from avert.workflows.staleness import STALE_NOTE_PREFIX

__all__ = [
    "PERSON_NOT_FOUND",
    "DetectedGroups",
    "NetworkFrames",
    "PersonNetworkContext",
    "audit_groups",
    "audit_person_view",
    "detected_group_rows",
    "detection_run_row",
    "family_notes",
    "family_report",
    "group_analysis",
    "groups_report",
    "people_in_picture",
    "person_context",
    "person_report",
    "read_detected_groups",
    "read_network_frames",
    "refresh_detected_groups",
    "retaliation_report",
]

_INCIDENT_COLUMNS = (
    "incident_id",
    "occurred_from",
    "weapon",
    "gang_related",
    "injury",
    "domestic",
    "crime_type",
    "offence_code",
    "time_precision",  # a date alone: retaliation alerts by its day
)


@dataclass(frozen=True)
class NetworkFrames:
    """The frames the network analyses need, read from one store."""

    incidents: pl.DataFrame
    involvements: pl.DataFrame
    relationships: pl.DataFrame
    group_members: pl.DataFrame
    groups: pl.DataFrame
    people: pl.DataFrame
    #: the note that the classifications are stale (:mod:`avert.workflows.staleness`)
    stale_notes: tuple[str, ...] = ()


def read_network_frames(
    store: Store,
    *,
    profile: str = "avb-2010",
    until: dt.datetime | None = None,
    skip_unnamed: bool = False,
    areas: bool = False,
) -> NetworkFrames:
    """Read incidents (classified), involvements, relationships, group members, people.

    Parameters
    ----------
    areas
        Read the incidents' areas too (``borough``, ``ward``, ``lsoa``: where a
        group offends, the Groups page's words,
        :func:`avert.analyse.networks.group_areas`).
    store
        The store.
    profile
        Violence definition profile id whose classifications are joined.
    until
        Read incidents up to this time only (None: all).
    skip_unnamed
        Read no incident when the store names no one and declares no group
        member (open incident data): the groups need people, and reading every
        incident of a large store for none took seconds.

    Raises
    ------
    NotFound
        The store holds incidents but no classification under ``profile``: the
        network analyses rank by the definition, so they say to run
        ``avert classify`` (nothing is classified on the fly).
    """
    nobody = (
        skip_unnamed
        and not has_rows(store, "involvements")
        and not has_rows(store, "group_members")
    )
    never = dt.datetime(1970, 1, 1)  # an empty window: the columns, no rows
    read = load_analysis_incidents(
        store,
        profile=profile,
        date_from=never if nobody else None,
        date_to=(
            never
            if nobody
            else None
            if until is None
            else until + dt.timedelta(microseconds=1)
        ),
        violence_only=False,
        columns=(*_INCIDENT_COLUMNS, *AREA_LEVELS) if areas else _INCIDENT_COLUMNS,
        require=True,
    )
    incidents = read.incidents
    if not read.classified:  # no incident at all: empty classification columns
        incidents = incidents.with_columns(
            pl.lit(None, pl.Boolean).alias("in_definition"),
            pl.lit(None, pl.String).alias("category"),
            pl.lit(None, pl.Float64).alias("harm_days"),
        )
    return NetworkFrames(
        incidents=incidents.with_columns(
            pl.col("in_definition").fill_null(False), pl.col("harm_days").fill_null(0.0)
        ),
        involvements=store.read_frame(
            "involvements", columns=["incident_id", "person_id", "role"]
        ),
        relationships=store.read_frame(
            "relationships",
            columns=["person_a", "person_b", "kind", "valid_from", "valid_to"],
        ),
        group_members=store.read_frame(
            "group_members", columns=["group_id", "person_id"]
        ),
        groups=store.read_frame("groups", columns=["group_id", "continuum"]),
        people=store.read_frame("people", columns=["person_id", "birth_year"]),
        stale_notes=tuple(n for n in read.notes if n.startswith(STALE_NOTE_PREFIX)),
    )


def groups_report(
    store: Store,
    *,
    as_of: dt.datetime | None = None,
    profile: str = "avb-2010",
    config: NetworksConfig | None = None,
    user: str | None = None,
    role: str = "police",
    reason: str = "groups and their members (avert analyse groups)",
    audience: Audience = "police",
    members_shown: bool = True,
) -> GroupsResult:
    """Groups (detected and declared) with continuum level, band and reasons.

    The members are people: the result is audited before it is returned, as
    ``user`` under ``role`` (the web passes the signed-in account and its role);
    ``members_shown`` False (the CLI's table: groups, sizes and bands, no
    member listed) audits the groups shown and the people their ids name
    (:func:`audit_groups`).
    For a ``partner`` audience the notes name no group (the caller pseudonymises
    the groups themselves).
    """
    result = group_analysis(
        store, as_of=as_of, profile=profile, config=config, audience=audience
    )
    audit_groups(
        store,
        result,
        reason=reason,
        user=user,
        role=role,
        members_shown=members_shown,
        audience=audience,
    )
    return result


def group_analysis(
    store: Store,
    *,
    as_of: dt.datetime | None = None,
    profile: str = "avb-2010",
    config: NetworksConfig | None = None,
    audience: Audience = "police",
    areas: bool = False,
) -> GroupsResult:
    """The groups of :func:`groups_report`, not audited: the caller audits each
    showing with :func:`audit_groups` (the web app keeps one analysis for many
    requests, each of them audited). ``areas``: each group's frame row with where
    it offends (:func:`avert.analyse.networks.group_areas`' ``area_level``,
    ``main_area``, ``main_area_share``, ``n_areas``, ``window_start``; the
    incidents' areas read too), as the Groups page says a network."""
    cfg = config or default_networks_config()
    frames = read_network_frames(
        store, profile=profile, until=as_of, skip_unnamed=True, areas=areas
    )
    result = analyse_groups(
        frames.incidents,
        frames.involvements,
        group_members=frames.group_members,
        groups=frames.groups,
        as_of=as_of,
        config=cfg,
    )
    if areas:
        where = group_areas(
            result.membership,
            frames.incidents,
            frames.involvements,
            as_of=as_of,
            config=cfg,
        )
        result = replace(
            result, frame=result.frame.join(where, on="group_id", how="left")
        )
    if frames.involvements.height == 0:
        result = replace(result, notes=(NO_PEOPLE_NOTE, *result.notes))
    result = replace(result, notes=(*frames.stale_notes, *result.notes))
    empty = _declared_without_members(frames, named=audience == "police")
    if empty:
        result = replace(result, notes=(*result.notes, empty))
    return result


def audit_groups(
    store: Store,
    result: GroupsResult,
    *,
    reason: str,
    user: str | None = None,
    role: str = "police",
    members_shown: bool = True,
    audience: Audience = "police",
) -> None:
    """One audit row for showing ``result``'s members, as ``user`` under ``role``;
    with ``members_shown`` False (a list of groups, no member listed), its groups
    and the people their ids name: a detected group's id is ``net-`` and its
    smallest member's person id (:data:`avert.schema.DETECTED_GROUP_PREFIX`), which
    a police list shows; a ``partner`` audience reads the groups' pseudonyms, which
    name no one."""
    members = result.membership
    if not members_shown:
        members = members.head(0) if audience == "partner" else _named_by_ids(result)
    audit_view(
        store,
        "analysis:groups",
        people=members["person_id"],
        reason=reason,
        user=user,
        role=role,
        groups=None if members_shown else result.frame.height,
    )


def _named_by_ids(result: GroupsResult) -> pl.DataFrame:
    """The membership rows of the people ``result``'s group ids name: each detected
    group's smallest member, its id ``net-`` and that person's id."""
    return result.membership.filter(
        pl.col("group_id") == pl.lit(DETECTED_GROUP_PREFIX) + pl.col("person_id")
    ).join(result.frame.select("group_id"), on="group_id", how="semi")


def _declared_without_members(frames: NetworkFrames, *, named: bool) -> str | None:
    """A note on declared groups with no member in ``group_members`` (a group is its
    members here, so they are not listed), or None; ``named``: with their ids (the
    police audience only: partners and the board see pseudonyms, never an id)."""
    if frames.groups.height == 0 or "group_id" not in frames.groups.columns:
        return None
    members = frames.group_members.get_column("group_id").unique()
    empty = (
        frames.groups.filter(~pl.col("group_id").is_in(members.implode()))
        .get_column("group_id")
        .sort()
        .to_list()
    )
    if not empty:
        return None
    shown = ", ".join(empty[:5]) + (f" (+{len(empty) - 5})" if len(empty) > 5 else "")
    return (
        f"{len(empty)} declared group{'s' if len(empty) > 1 else ''} with no member "
        f"in group_members {'are' if len(empty) > 1 else 'is'} not listed"
        + (f": {shown}." if named else ".")
    )


def _own_risk(
    frames: NetworkFrames, at: dt.datetime, config: RiskConfig | None
) -> pl.DataFrame:
    """The offender RFGH score on the violence of the definition, as `avert analyse
    risk` and the briefing's people of concern score it (with the same ``config``)."""
    violent = frames.incidents.filter(pl.col("in_definition"))
    return offender_risk(violent, frames.involvements, at=at, config=config).frame


@dataclass(frozen=True)
class PersonNetworkContext:
    """What every person's network picture is drawn from: the store's whole network.

    The frames read, the groups found, the kin ties and the own-risk scores of
    everyone: reading and detecting them is the cost of a person's page (2.2 s of
    CPU on a city of 386,000 incidents, docs/web.md), the picture of one person
    from them a tenth of it. Nobody's record is shown by making it, so it is not
    audited; :func:`person_report` audits each person's view before drawing it.
    """

    frames: NetworkFrames
    groups: GroupsResult
    family: pl.DataFrame
    risk: pl.DataFrame
    at: dt.datetime
    as_of: dt.datetime | None
    config: NetworksConfig
    #: the betweenness of each co-offending component, computed on a first view
    #: of one of its people and kept for the others (the largest component's:
    #: 1.2 s of CPU on that city, each view of its people before)
    betweenness: ComponentBetweenness


def person_context(
    store: Store,
    *,
    as_of: dt.datetime | None = None,
    profile: str = "avb-2010",
    config: NetworksConfig | None = None,
    risk_config: RiskConfig | None = None,
) -> PersonNetworkContext:
    """The store's network for :func:`person_report` (frames, groups, kin, risk)."""
    cfg = config or default_networks_config()
    frames = read_network_frames(store, profile=profile, until=as_of)
    groups = analyse_groups(
        frames.incidents,
        frames.involvements,
        group_members=frames.group_members,
        as_of=as_of,
        config=cfg,
    )
    at = groups.params["as_of"]
    return PersonNetworkContext(
        frames=frames,
        groups=groups,
        # kin links valid on --as-of (every link without it), as retaliation's: a
        # tie that began later is not the person's family then
        family=family_edges(
            frames.relationships,
            as_of=as_of.date() if as_of is not None else None,
            config=cfg,
        ),
        risk=_own_risk(frames, at, risk_config),
        at=at,
        as_of=as_of,
        config=cfg,
        betweenness=ComponentBetweenness(groups.co_edges),
    )


#: The ``outcome`` of a person's view row when no one has the id looked up
#: (docs/audit.md): the CLI's and the web's alike
PERSON_NOT_FOUND = "not-found"


def audit_person_view(
    store: Store,
    person_id: str,
    people: Sequence[str],
    *,
    reason: str,
    user: str | None,
    role: str,
    outcome: str | None = None,
) -> None:
    """Write the ``view`` row of ``person:ID`` naming ``people`` (none when the
    look-up failed), with the ``reason`` as given; ``outcome``
    (:data:`PERSON_NOT_FOUND`) when no one has the id. One format for
    ``avert analyse person`` and the web's person page and API (docs/audit.md):
    ``people=N; people_sha256=HEX[; outcome=not-found]``."""
    audit.record(
        store,
        action="view",
        obj=f"person:{person_id}",
        reason=reason,
        user=user,
        role=role,
        detail=audit.describe(people=people, outcome=outcome),
    )


def person_report(
    store: Store,
    person_id: str,
    *,
    as_of: dt.datetime | None = None,
    profile: str = "avb-2010",
    config: NetworksConfig | None = None,
    risk_config: RiskConfig | None = None,
    reason: str = "network picture of a person (avert analyse person)",
    user: str | None = None,
    role: str = "police",
    made: Callable[[], PersonNetworkContext] | None = None,
) -> dict[str, Any]:
    """One person's network picture (own risk first, then ties, groups, exposure).

    The view is written to the audit log before the picture is returned
    (DESIGN.md: every view of a person), as ``user`` under ``role`` (the web
    passes the signed-in account and its role), with every person the picture
    names (:func:`people_in_picture`); an attempt that fails (the network not
    read or made, the person not found) with no one, a person not found with
    ``outcome=not-found`` (:func:`audit_person_view`).
    ``risk_config`` scores the person's own risk (setting ``risk_config``; the
    packaged one when ``None``), as ``avert analyse risk`` does. ``notes`` holds
    the note of :func:`avert.workflows.staleness.staleness_notes` when the
    classifications it reads are stale (empty otherwise). ``made``: gives the
    store's network made once for many people (:func:`person_context` of the same
    store, data, ``as_of``, ``profile``, ``config`` and ``risk_config``: the web app
    keeps it per data generation); read and made here when ``None``.
    """

    def audited(people: list[str], outcome: str | None = None) -> None:
        audit_person_view(
            store,
            person_id,
            people,
            reason=reason,
            user=user,
            role=role,
            outcome=outcome,
        )

    try:  # the network read and made (a store not classified fails here) ...
        context = (
            person_context(
                store,
                as_of=as_of,
                profile=profile,
                config=config,
                risk_config=risk_config,
            )
            if made is None
            else made()
        )
    except Exception:
        audited([])  # the attempt is on record too, no one shown: who looked for whom
        raise
    try:  # ... and the person looked up
        picture = _picture_of(person_id, context)
    except NotFound:
        audited([], outcome=PERSON_NOT_FOUND)
        raise
    except Exception:
        audited([])
        raise
    # audited before it is returned, with everyone it names (it counted no one)
    audited(people_in_picture(picture))
    # the own risk and the victimised contacts count the definition's violence:
    # say when its classifications were made under another definition or harm table
    return {**picture, "notes": list(context.frames.stale_notes)}


def _picture_of(person_id: str, context: PersonNetworkContext) -> dict[str, Any]:
    """The network picture of ``person_id`` from the store's network ``context``."""
    frames = context.frames
    return person_network(
        person_id,
        incidents=frames.incidents,
        involvements=frames.involvements,
        co_edges=context.groups.co_edges,
        membership=context.groups.membership,
        family_edges=context.family,
        risk=context.risk,
        as_of=context.at,
        config=context.config,
        # on record with no involvement or tie (a caller known from ASB reports):
        # an empty picture, not "not found" (the briefing links to the page)
        known=frames.people.filter(pl.col("person_id") == person_id).height > 0,
        betweenness=context.betweenness,
    )


def people_in_picture(picture: dict[str, Any]) -> list[str]:
    """The people a network picture (:func:`person_report`) names: the person,
    their co-offenders, kin and victimised contacts, and the person a detected
    group's id names (``net-`` and its smallest member's id,
    :data:`avert.schema.DETECTED_GROUP_PREFIX`)."""
    lists = ("co_offenders", "family", "victimised_contacts")
    groups = [str(g["group_id"]) for g in picture["groups"]]
    return [
        str(picture["person_id"]),
        *(str(row["person_id"]) for key in lists for row in picture[key]),
        *(
            g.removeprefix(DETECTED_GROUP_PREFIX)
            for g in groups
            if g.startswith(DETECTED_GROUP_PREFIX)
        ),
    ]


def retaliation_report(
    store: Store,
    *,
    since: dt.datetime,
    until: dt.datetime | None = None,
    profile: str = "avb-2010",
    config: NetworksConfig | None = None,
    user: str | None = None,
    reason: str = "retaliation alerts (avert analyse retaliation)",
    names_shown: int | None = None,
) -> RetaliationResult:
    """Retaliation alerts for violent incidents in ``[since, until)``.

    Groups and ties are found from the history up to ``since`` (what the daily
    meeting knew when the alert window opened); the incidents in the window raise
    the alerts. Victims, possible retaliators and targets are people: the alerts
    are audited before they are returned, each alert's victim and the first
    ``names_shown`` of its possible retaliators and of its targets (the CLI's
    table shows six of each), every one when None (``--json``).
    """
    cfg = config or default_networks_config()
    frames = read_network_frames(store, profile=profile, until=until)
    # the window's end is exclusive (--to): an incident at ``until`` is not in it
    incidents = (
        frames.incidents
        if until is None
        else frames.incidents.filter(pl.col("occurred_from") < until)
    )
    history = incidents.filter(pl.col("occurred_from") < since)
    if history.height:
        groups = analyse_groups(
            history,
            frames.involvements,
            group_members=frames.group_members,
            as_of=since,
            config=cfg,
        )
        membership, co_edges = groups.membership, groups.co_edges
    else:  # no history before the window: declared groups only
        membership = group_membership(
            pl.DataFrame(
                schema={
                    "group_id": pl.String,
                    "person_id": pl.String,
                    "origin": pl.String,
                }
            ),
            frames.group_members,
        )
        co_edges = None
    result = retaliation_alerts(
        incidents,
        frames.involvements,
        membership,
        since=since,
        until=until,
        co_edges=co_edges,
        # kin links valid at the window's end, as the briefing's (every link
        # without --to)
        family_edges=family_edges(
            frames.relationships,
            as_of=until.date() if until is not None else None,
            config=cfg,
        ),
        config=cfg,
    )
    alerts = result.frame
    people = pl.concat(
        [
            alerts["victim_id"],
            _first_names(alerts["at_risk_of_retaliation_from"], names_shown),
            _first_names(alerts["possible_targets"], names_shown),
        ]
    )
    audit_view(store, "analysis:retaliation", people=people, reason=reason, user=user)
    if frames.involvements.height == 0:
        result = replace(result, notes=(NO_PEOPLE_NOTE, *result.notes))
    return replace(result, notes=(*frames.stale_notes, *result.notes))


def briefing_retaliation(
    store: Store,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    membership: pl.DataFrame,
    *,
    at: dt.datetime,
    profile: str,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """The briefing's retaliation alerts of the ``window_days`` before ``at``, with
    the co-offenders and kin of the people they name.

    The briefing reads only the window's incidents and its people's year, not the
    force's graph. So the alerts are made twice: first without ties, which names
    the victims, their groups' members and the incidents' suspects/offenders; then
    those people's co-offending (``graph.window_days`` before ``at``:
    :func:`avert.store.queries.offending_history`, every tie of theirs at its full
    weight, its age counted to the end of ``at``'s day: the same factor for every
    tie, so they rank as of ``at``) and kin (relationships valid on ``at``'s day)
    are read and the alerts made again with them, so that co-offenders and kin are
    listed as possible retaliators, allied groups are found and targets ranked by
    their ties as ``avert analyse retaliation`` does from the whole history.

    Both are kept (:func:`avert.workflows._kept_alerts.kept_alerts`) under what
    they are made of: the data generation, ``profile``, the configuration, the
    ids the sliding window selects (:func:`avert.analyse.networks.
    retaliation_window_ids`), the day, and the frames (these, the co-offending
    and the kin read); the next minute of a live store's *Today* reuses them
    unless an incident entered or left a window or a frame changed.
    """
    cfg = config or default_networks_config()
    since = at - dt.timedelta(days=cfg.retaliation.window_days)
    incidents, involvements = _rival_history(incidents, involvements, since, cfg)
    frames = (canonical(incidents), canonical(involvements), canonical(membership))
    key = (
        "briefing_retaliation",
        profile,
        repr(cfg),
        retaliation_window_ids(incidents, since=since, until=at),
    )
    first = kept_alerts(
        store,
        key,
        frames,
        lambda: (
            retaliation_alerts(
                incidents, involvements, membership, since=since, until=at, config=cfg
            ).frame
        ),
    )
    if first.height == 0:
        return first
    people = _named_by_alerts(first, involvements, membership, roles=cfg.graph.roles)
    co_inv, co_inc = queries.offending_history(
        store,
        people,
        since=at - dt.timedelta(days=cfg.graph.window_days),
        until=at,
        profile=profile,
        roles=cfg.graph.roles,
    )
    columns = ("person_a", "person_b", "kind", "valid_from", "valid_to")
    relationships = queries.relationships_of(store, people, columns=columns)
    # the ties' ages counted to the end of the day (every tie's weight by the
    # same factor as at ``at``): each minute of the day weighs them alike
    _, weights_as_of = whole_days(at, at)

    def with_ties() -> pl.DataFrame:
        co_edges = co_offending_edges(
            co_inc.with_columns(pl.col("in_definition").fill_null(value=False)),
            co_inv,
            as_of=at,
            config=cfg,
            weights_as_of=weights_as_of,
        )
        return retaliation_alerts(
            incidents,
            involvements,
            membership,
            since=since,
            until=at,
            co_edges=co_edges,
            family_edges=family_edges(relationships, as_of=at.date(), config=cfg),
            config=cfg,
        ).frame

    return kept_alerts(
        store,
        (*key, "ties", at.date(), weights_as_of),
        (*frames, canonical(co_inv), canonical(co_inc), canonical(relationships)),
        with_ties,
    )


def _rival_history(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    since: dt.datetime,
    cfg: NetworksConfig,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``incidents`` and ``involvements`` without the incidents no alert of a
    window from ``since`` can depend on: an alert's incident is from ``since``'s
    day on (:func:`avert.analyse.networks.retaliation_window_ids`), and only the
    conflicts of the ``rival_history_days`` before it name rivals, so one before
    that day's 00:00 less those days is never used (nor its involvements: they
    count only joined to their incident). The alerts are the same; the frames'
    lower edge moves once a day, not each minute an old incident leaves the
    briefing's year of its people's history, which made a live *Today* make its
    alerts again 2 minutes in 15 on the synthetic city
    (:func:`briefing_retaliation`)."""
    start = dt.datetime.combine(since.date(), dt.time(), tzinfo=since.tzinfo)
    oldest = start - dt.timedelta(days=cfg.retaliation.rival_history_days)
    old = pl.col("occurred_from") < oldest
    if incidents.height == 0 or not incidents.select(old.any()).item():
        return incidents, involvements
    dropped = incidents.filter(old).select("incident_id")
    return (
        incidents.filter(~old),
        involvements.join(dropped, on="incident_id", how="anti"),
    )


def _named_by_alerts(
    alerts: pl.DataFrame,
    involvements: pl.DataFrame,
    membership: pl.DataFrame,
    *,
    roles: tuple[str, ...],
) -> list[str]:
    """The alerts' victims, their groups' members and the incidents' offenders."""
    groups = alerts.get_column("victim_groups").explode().drop_nulls().unique()
    mates = membership.filter(pl.col("group_id").is_in(groups.implode()))
    offenders = involvements.filter(
        pl.col("incident_id").is_in(alerts.get_column("incident_id").implode())
        & pl.col("role").is_in(list(roles))
    )
    return sorted(
        {
            *alerts.get_column("victim_id").to_list(),
            *mates.get_column("person_id").to_list(),
            *offenders.get_column("person_id").to_list(),
        }
    )


def family_report(
    store: Store,
    *,
    profile: str = "avb-2010",
    config: NetworksConfig | None = None,
    user: str | None = None,
    reason: str = "family units and their harm (avert analyse families)",
    shown: int | None = None,
) -> pl.DataFrame:
    """Family units with harm across crime types (see :func:`family_harm`).

    A family's id is ``fam-`` and its smallest member's person id
    (:func:`avert.analyse.families.family_units`); its other members are not
    listed. Audited before returned: the people the ids of the first ``shown``
    families name (the CLI's table: fifty), of every family when None
    (``--json``), one a family.
    """
    cfg = config or default_networks_config()
    frames = read_network_frames(store, profile=profile)
    units = family_units(frames.relationships, config=cfg)
    result = family_harm(
        units, frames.incidents, frames.involvements, people=frames.people, config=cfg
    )
    listed = result.select("family_id")
    # the people the ids shown name: each family's smallest member, not all of them
    named = units.filter(
        pl.lit(FAMILY_PREFIX) + pl.col("person_id") == pl.col("family_id")
    )
    named = named.join(
        listed if shown is None else listed.head(shown), on="family_id", how="semi"
    )
    audit_view(
        store,
        "analysis:families",
        people=named["person_id"],
        reason=reason,
        user=user,
    )
    return result


def _first_names(names: pl.Series, shown: int | None) -> pl.Series:
    """The ids of the first ``shown`` names of each alert's list (all when None)."""
    return (names if shown is None else names.list.head(shown)).explode()


def family_notes(
    families: pl.DataFrame,
    *,
    config: NetworksConfig | None = None,
    stale: Sequence[str] = (),
) -> list[str]:
    """The caveats printed under the families table (and in its JSON ``notes``).

    ``stale``: the note of :func:`avert.workflows.staleness.staleness_notes` for the
    profile :func:`family_report` read (its harm is the classifications'), first.
    """
    cfg = config or default_networks_config()
    if families.height == 0:
        kinds = ", ".join(cfg.families.kinds)
        return [
            *stale,
            f"No family units: no two people are linked as {kinds} "
            "(families.kinds) in the store's relationships; a bundle's relationships "
            "file (docs/bundle.md) holds them.",
        ]
    notes = [
        *stale,
        "harm: days of every recorded incident (all dates, any crime type) in which "
        f"a member is offender ({' or '.join(cfg.graph.roles)}, graph.roles) or "
        "victim, each once (most harm first); an incident between two members is "
        "in both 'harm as offender' and 'harm as victim'.",
    ]
    unknown = families.get_column("n_members_without_birth_year").sum()
    if unknown:
        members = families.get_column("family_size").sum()
        notes.append(
            f"youth violence: {unknown:,} of {members:,} family members have no "
            "birth year, so their age is unknown and their violence is not counted "
            f"as youth violence (aged up to {cfg.families.youth_max_age}): a 0 there "
            "is not 'none' (n_members_without_birth_year per family)."
        )
    return notes


@dataclass(frozen=True)
class DetectedGroups:
    """Groups detected from the history, as stored by :func:`refresh_detected_groups`.

    Attributes
    ----------
    as_of
        End of the history the groups were found in (None: nothing stored).
    computed_at
        When the refresh ran.
    method, params
        How the groups were found (e.g. ``leiden-cpm``) and the run's parameters.
    groups
        One row per group (:data:`avert.schema.DETECTED_GROUPS`): size, continuum,
        band, harm, rivals.
    membership
        ``group_id``, ``person_id``, ``origin`` (``"detected"``): ready for
        :func:`avert.analyse.networks.group_membership` with the declared members.
    """

    as_of: dt.datetime | None
    computed_at: dt.datetime | None
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    groups: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=DETECTED_GROUPS.schema)
    )
    membership: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(
            schema={"group_id": pl.String, "person_id": pl.String, "origin": pl.String}
        )
    )


def refresh_detected_groups(
    store: Store,
    as_of: dt.datetime | None = None,
    *,
    profile: str = "avb-2010",
    config: NetworksConfig | None = None,
) -> DetectedGroups:
    """Detect groups in the history up to ``as_of`` once, and store them.

    Runs :func:`avert.analyse.networks.analyse_groups` on the store's incidents up to
    ``as_of`` (default: the latest incident) without declared groups, and replaces
    the stored ``detected_groups`` and ``detected_group_members`` in one transaction,
    which also records the run in ``detection_runs`` (:func:`detection_run_row`;
    a run that found no group too). Call it after each load (ingest) or on a
    schedule; readers such as the daily briefing then only read
    (:func:`read_detected_groups`).

    Returns
    -------
    DetectedGroups
        What was stored.
    """
    cfg = config or default_networks_config()
    seen = detection_inputs(store)  # the rows there before the history is read
    frames = read_network_frames(store, profile=profile, until=as_of)
    result = analyse_groups(
        frames.incidents, frames.involvements, as_of=as_of, config=cfg
    )
    computed_at = local_now(store.timezone).replace(microsecond=0)
    groups, members = detected_group_rows(
        result, profile=profile, computed_at=computed_at, config=cfg
    )
    run = detection_run_row(
        groups,
        members,
        profile=profile,
        as_of=result.params["as_of"],
        detected_at=computed_at,
        inputs=seen,
    )
    replace_detected_groups(store, groups, members, run)
    return read_detected_groups(store)


def detection_run_row(
    groups: pl.DataFrame,
    members: pl.DataFrame,
    *,
    profile: str,
    as_of: dt.datetime | None,
    detected_at: dt.datetime,
    inputs: dict[str, int],
) -> pl.DataFrame:
    """The one ``detection_runs`` row (:data:`avert.schema.DETECTION_RUNS`) of a
    run that stores ``groups`` and ``members``, made at ``detected_at`` (the force's
    wall clock, as ``computed_at``) after counting ``inputs``
    (:func:`avert.store.detected.detection_inputs`; empty: not counted)."""
    # to the microsecond: the latest run is the one with the greatest
    # (detected_at, run_id), and detected_at is kept to the second, so two runs of
    # one second (a re-run under another profile) were ordered by random digits
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S.%f}-{uuid.uuid4().hex[:8]}"
    row: dict[str, Any] = {
        "run_id": stamp,
        "detected_at": detected_at,
        "profile": profile,
        "as_of": as_of,
        "groups": groups.height,
        "members": members.height,
        **{table: inputs.get(table) for table in DETECTION_INPUTS},
    }
    return pl.DataFrame([row], schema=DETECTION_RUNS.schema)


def detected_group_rows(
    result: GroupsResult,
    *,
    profile: str,
    computed_at: dt.datetime,
    config: NetworksConfig,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rows of ``detected_groups`` and ``detected_group_members`` for a result.

    Only detected groups are kept (declared ones live in ``groups``); ``as_of`` is the
    result's, ``method`` and ``params`` say how the groups were found.
    """
    cfg = config
    at = result.params["as_of"]
    params = {
        "objective": cfg.communities.objective,
        "resolution": result.params["resolution"],
        "cpm_density": cfg.communities.cpm_density,
        "min_group_size": cfg.communities.min_group_size,
        "seed": cfg.communities.seed,
        "window_days": cfg.graph.window_days,
        "half_life_days": cfg.graph.half_life_days,
        "config": cfg.source,
    }
    groups = result.frame.filter(pl.col("origin") == "detected").select(
        "group_id",
        pl.lit(at, dtype=pl.Datetime("us")).alias("as_of"),
        pl.lit(computed_at, dtype=pl.Datetime("us")).alias("computed_at"),
        pl.lit(profile).alias("profile"),
        pl.lit(f"leiden-{cfg.communities.objective}").alias("method"),
        pl.lit(json.dumps(params, sort_keys=True)).alias("params"),
        "size",
        "continuum",
        "continuum_reason",
        "band",
        "matrix_score",
        "n_incidents",
        "harm_days",
        "violence_share",
        "weapon_share",
        "trend",
        "n_conflicts",
        pl.col("rivals").list.join(";").alias("rivals"),
    )
    members = result.membership.filter(pl.col("origin") == "detected").select(
        "group_id",
        "person_id",
        pl.lit(at, dtype=pl.Datetime("us")).alias("as_of"),
    )
    return (
        groups.select(DETECTED_GROUPS.names),
        members.select(DETECTED_GROUP_MEMBERS.names),
    )


def read_detected_groups(store: Store) -> DetectedGroups:
    """The groups stored by the last :func:`refresh_detected_groups` (only reads).

    When nothing is stored, ``as_of`` is None and the frames are empty (a run that
    found no groups reads the same way).
    """
    groups = store.read_frame("detected_groups", order_by=["group_id"])
    members = store.read_frame(
        "detected_group_members",
        columns=["group_id", "person_id"],
        order_by=["group_id", "person_id"],
    )
    membership = members.with_columns(pl.lit("detected").alias("origin"))
    if groups.height == 0:
        return DetectedGroups(
            as_of=None, computed_at=None, method="", membership=membership
        )
    first = groups.row(0, named=True)
    return DetectedGroups(
        as_of=first["as_of"],
        computed_at=first["computed_at"],
        method=str(first["method"]),
        params=json.loads(first["params"] or "{}"),
        groups=groups,
        membership=membership,
    )
