"""Co-offending networks, groups on the continuum, prioritisation and retaliation alerts.

The seed report (¶30-38) treats group offending as a continuum (peer group → street
gang → organised criminal network), prioritises groups with a Criminal Networks
Prioritisation Matrix and insists on targeting individuals' risk, not labels. This
module builds, from involvements and relationships:

* the **co-offending graph** (Reiss 1988; Sarnecki 2001): people recorded as suspect
  or offender in the same incident, each tie weighted by recency (half-life decay)
  and by the crime harm of the shared incidents (Cambridge Crime Harm Index days);
* the **victim-offender graph** (who hurt whom), from which violence between groups
  ("conflicts", Kennedy's group audit in Group Violence Intervention) is counted;
* **groups**: communities found with the Leiden algorithm (Traag, Waltman & van Eck
  2019) optimising modularity, *plus* declared groups (``group_members``), which
  are an input, never the only truth; each group is profiled (size, harm, violence
  and weapon share, trend, longevity, conflicts), placed on the **continuum** by
  documented rules and banded by a **network prioritisation matrix** (harm × threat
  × trend, after UK OCG mapping and MoRiLE) with the reasons;
* **people in networks**: degree, betweenness and *exposure*, the share of a
  person's first-degree network who were recently victims of violence
  (Papachristos, Wildeman & Roberto 2015; Green, Horel & Papachristos 2017);
* **retaliation alerts**: when a group-linked person is a victim of violence, who
  may retaliate and who may be targeted, within a configurable window.

Ethics (the lesson of the MPS Gangs Violence Matrix, ICO 2018): no list here sorts
people by group membership. :func:`rank_people` orders people by their *own* risk
score (``avert.analyse.risk``) with ties by ``person_id``; network facts are shown
beside the score, never used to order it.

All functions are pure: DataFrames and configuration in, DataFrames or results out.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import igraph as ig
import numpy as np
import polars as pl

from avert.analyse.result import Result
from avert.config.networks import ContinuumRule, GraphConfig, NetworksConfig
from avert.errors import NotFound, SchemaError
from avert.schema import check_frame

__all__ = [
    "GroupsResult",
    "RetaliationResult",
    "analyse_groups",
    "assign_continuum",
    "co_offending_edges",
    "detect_groups",
    "group_conflicts",
    "group_membership",
    "group_profiles",
    "match_groups",
    "person_metrics",
    "person_network",
    "prioritise_groups",
    "rank_people",
    "retaliation_alerts",
    "to_igraph",
    "victim_offender_edges",
    "victims_of_violence",
]

_US_PER_DAY: Final = 86_400_000_000
_INCIDENT_COLUMNS: Final = (
    "incident_id",
    "occurred_from",
    "harm_days",
    "in_definition",
)
_INVOLVEMENT_COLUMNS: Final = ("incident_id", "person_id", "role")
_SOURCE_GROUPS: Final = (
    "Leiden: Traag, Waltman & van Eck (2019) Sci Rep 9:5233; co-offending: Reiss (1988), "
    "Sarnecki (2001); group audit and conflicts: Kennedy (2011) Don't Shoot / GVI; "
    "matrix: UK OCG mapping (Home Office 2014), MoRiLE; continuum: AVB delivery plan "
    "2010 ¶30-38, Eurogang definition (Weerman et al. 2009)"
)
_SOURCE_EXPOSURE: Final = (
    "Papachristos, Wildeman & Roberto (2015) Soc Sci Med 125:139-150; Green, Horel & "
    "Papachristos (2017) JAMA Intern Med 177(3):326-333"
)


def _config(config: NetworksConfig | None) -> NetworksConfig:
    return config if config is not None else NetworksConfig()


def _check_incidents(incidents: pl.DataFrame) -> pl.DataFrame:
    check_frame(incidents, list(_INCIDENT_COLUMNS), name="incidents")
    cols: list[pl.Expr] = [
        pl.col("incident_id").cast(pl.String),
        pl.col("occurred_from").cast(pl.Datetime("us")),
        pl.col("harm_days").cast(pl.Float64).fill_null(0.0),
        pl.col("in_definition").cast(pl.Boolean).fill_null(False),
    ]
    if "weapon" in incidents.columns:
        cols.append(pl.col("weapon").cast(pl.String).fill_null("none"))
    else:
        cols.append(pl.lit("none").alias("weapon"))
    if "gang_related" in incidents.columns:
        cols.append(pl.col("gang_related").cast(pl.Boolean).fill_null(False))
    else:
        cols.append(pl.lit(False).alias("gang_related"))
    if "injury" in incidents.columns:
        cols.append(pl.col("injury").cast(pl.String).fill_null("none"))
    else:
        cols.append(pl.lit("none").alias("injury"))
    return incidents.select(cols)


def _check_involvements(involvements: pl.DataFrame) -> pl.DataFrame:
    check_frame(involvements, list(_INVOLVEMENT_COLUMNS), name="involvements")
    return involvements.select(
        pl.col("incident_id").cast(pl.String),
        pl.col("person_id").cast(pl.String),
        pl.col("role").cast(pl.String),
    )


def _as_of(incidents: pl.DataFrame, as_of: dt.datetime | None) -> dt.datetime:
    if as_of is not None:
        return as_of
    latest = incidents.get_column("occurred_from").max()
    if not isinstance(latest, dt.datetime):
        return dt.datetime(1970, 1, 1)
    return latest


def _epoch_us(value: dt.datetime) -> int:
    return (value - dt.datetime(1970, 1, 1)) // dt.timedelta(microseconds=1)


def _age_days(as_of: dt.datetime) -> pl.Expr:
    return (pl.lit(_epoch_us(as_of)) - pl.col("occurred_from").dt.epoch("us")).cast(
        pl.Float64
    ) / float(_US_PER_DAY)


def _offending(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    roles: Sequence[str],
    start: dt.datetime | None,
    end: dt.datetime | None,
) -> pl.DataFrame:
    """One row per (incident, person) recorded in ``roles``, with incident facts."""
    # _i: the incident's row number, an integer key for later self-comparisons
    window = incidents.lazy().with_columns(
        pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i")
    )
    if start is not None:
        window = window.filter(pl.col("occurred_from") >= start)
    if end is not None:
        window = window.filter(pl.col("occurred_from") <= end)
    return (
        involvements.lazy()
        .filter(pl.col("role").is_in(list(roles)))
        .select("incident_id", "person_id")
        .unique()
        .join(window, on="incident_id", how="inner")
        .collect()
    )


# --- graphs --------------------------------------------------------------------


def co_offending_edges(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    as_of: dt.datetime | None = None,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Return the weighted co-offending ties between people.

    Two people are tied when both are recorded in ``config.graph.roles`` (suspect,
    offender) in the same incident within ``graph.window_days`` before ``as_of``.

    Parameters
    ----------
    incidents
        Columns ``incident_id``, ``occurred_from``, ``harm_days`` (CCHI days) and
        ``in_definition`` (inside the violence definition); ``weapon`` optional.
    involvements
        Columns ``incident_id``, ``person_id``, ``role``.
    as_of
        End of the history window (default: the latest incident).
    config
        Network settings (default: ``NetworksConfig()``).

    Returns
    -------
    polars.DataFrame
        ``person_a < person_b``, ``n_incidents``, ``weight``, ``harm_days``,
        ``first_at``, ``last_at``; one row per tied pair.

    Notes
    -----
    Each shared incident adds ``0.5 ** (age_days / half_life_days) * (1 +
    log1p(harm_days) / log1p(harm_scale_days))`` to the tie. Incidents with more than
    ``max_offenders_per_incident`` recorded offenders add no ties (mass events say
    little about a group).

    References
    ----------
    Reiss, A. J. (1988) Co-offending and criminal careers. Crime and Justice 10.
    Papachristos, A. V. (2009) Murder by structure. AJS 115(1).
    """
    cfg = _config(config).graph
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    end = _as_of(inc, as_of)
    start = end - dt.timedelta(days=cfg.window_days)
    off = _offending(inc, inv, roles=cfg.roles, start=start, end=end)
    return _edges(off, end=end, cfg=cfg)


def _person_codes(persons: pl.Series) -> pl.Series:
    """Dense integer codes (``UInt32``, 1..n) for person ids, in an arbitrary fixed order.

    The codes come from the ids' 64-bit hash (cheap), ranked densely; if two ids
    ever share a hash the ids' categorical codes are used instead.
    """
    hashed = persons.hash()
    n_ids = persons.n_unique()
    if hashed.n_unique() != n_ids:  # pragma: no cover - a 64-bit hash collision
        hashed = persons.cast(pl.Categorical).to_physical().cast(pl.UInt64)
    return hashed.rank("dense").cast(pl.UInt32).alias("_p")


def _edges(off: pl.DataFrame, *, end: dt.datetime, cfg: GraphConfig) -> pl.DataFrame:
    """Co-offending ties from offending rows (see :func:`co_offending_edges`).

    Rows are coded (incident row number ``_i`` from :func:`_offending`, dense person
    code ``_p``) and sorted by incident then person; the pairs of an incident are
    then found by comparing each row with the next ``k`` rows (``k`` < the largest
    number of offenders kept per incident), which avoids a self-join. A pair is
    aggregated on one 64-bit key (``_p << 32 | _q``).
    """
    coded = (
        off.with_columns(_person_codes(off.get_column("person_id")))
        .lazy()
        .with_columns(pl.len().over("_i").alias("_n"))
        .filter(pl.col("_n") <= cfg.max_offenders_per_incident)
        .with_columns(
            (
                pl.lit(0.5)
                ** (_age_days(end).clip(lower_bound=0.0) / cfg.half_life_days)
                * (
                    1.0
                    + pl.col("harm_days").clip(lower_bound=0.0).log1p()
                    / math.log1p(cfg.harm_scale_days)
                )
            ).alias("_w")
        )
        .select("_i", "_p", "_n", "person_id", "occurred_from", "harm_days", "_w")
        .sort("_i", "_p")
        .collect()
    )
    ids = coded.select("_p", "person_id").unique("_p").lazy()
    widest = coded.get_column("_n").max()
    shifts = range(1, int(widest) if isinstance(widest, int) else 1)
    parts = [
        coded.lazy()
        .select(
            "occurred_from",
            "harm_days",
            "_w",
            (pl.col("_i").shift(-k) == pl.col("_i")).alias("_same"),
            (
                pl.col("_p").cast(pl.UInt64) * (1 << 32)
                + pl.col("_p").shift(-k).cast(pl.UInt64)
            ).alias("_key"),
        )
        .filter(pl.col("_same"))
        for k in shifts
    ]
    if not parts:
        return pl.DataFrame(
            schema={
                "person_a": pl.String,
                "person_b": pl.String,
                "n_incidents": pl.Int64,
                "weight": pl.Float64,
                "harm_days": pl.Float64,
                "first_at": pl.Datetime("us"),
                "last_at": pl.Datetime("us"),
            }
        )
    pairs = (
        pl.concat(parts)
        .group_by("_key")
        .agg(
            pl.len().cast(pl.Int64).alias("n_incidents"),
            pl.col("_w").sum().alias("weight"),
            pl.col("harm_days").sum().alias("harm_days"),
            pl.col("occurred_from").min().alias("first_at"),
            pl.col("occurred_from").max().alias("last_at"),
        )
        .with_columns(
            (pl.col("_key") // (1 << 32)).cast(pl.UInt32).alias("_p"),
            (pl.col("_key") % (1 << 32)).cast(pl.UInt32).alias("_q"),
        )
        .join(ids.rename({"person_id": "_a"}), on="_p")
        .join(ids.rename({"_p": "_q", "person_id": "_b"}), on="_q")
    )
    return (
        pairs.select(
            pl.min_horizontal("_a", "_b").alias("person_a"),
            pl.max_horizontal("_a", "_b").alias("person_b"),
            "n_incidents",
            "weight",
            "harm_days",
            "first_at",
            "last_at",
        )
        .sort("person_a", "person_b")
        .collect()
    )


def victim_offender_edges(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    roles: Sequence[str] = ("suspect", "offender"),
) -> pl.DataFrame:
    """Return who hurt whom: one row per (offender, victim) pair.

    Parameters
    ----------
    incidents
        As for :func:`co_offending_edges`.
    involvements
        As for :func:`co_offending_edges`; victims have role ``victim``.
    since, until
        Optional window on ``occurred_from`` (inclusive).
    roles
        Roles counted as the offending side.

    Returns
    -------
    polars.DataFrame
        ``offender_id``, ``victim_id``, ``n_incidents``, ``n_violent`` (inside the
        definition), ``harm_days``, ``last_at``.

    Notes
    -----
    The victim-offender overlap and "who hurt whom" is the raw material of a group
    audit's conflict map (Kennedy 2011).
    """
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    off = _offending(inc, inv, roles=roles, start=since, end=until)
    vic = (
        inv.filter(pl.col("role") == "victim")
        .select("incident_id", pl.col("person_id").alias("victim_id"))
        .unique()
    )
    return (
        off.join(vic, on="incident_id")
        .filter(pl.col("person_id") != pl.col("victim_id"))
        .group_by(pl.col("person_id").alias("offender_id"), "victim_id")
        .agg(
            pl.len().cast(pl.Int64).alias("n_incidents"),
            pl.col("in_definition").sum().cast(pl.Int64).alias("n_violent"),
            pl.col("harm_days").sum().alias("harm_days"),
            pl.col("occurred_from").max().alias("last_at"),
        )
        .sort("offender_id", "victim_id")
    )


def to_igraph(
    edges: pl.DataFrame,
    *,
    source: str = "person_a",
    target: str = "person_b",
    weight: str | None = "weight",
    vertices: Sequence[str] | None = None,
) -> tuple[ig.Graph, list[str]]:
    """Build an undirected igraph ``Graph`` from an edge frame, without Python row loops.

    Parameters
    ----------
    edges
        Edge list with string ids in ``source`` and ``target``.
    source, target
        Column names of the endpoints.
    weight
        Column of edge weights stored as the ``weight`` edge attribute (None: none).
    vertices
        Extra vertex ids to include (isolates); vertex order is the sorted union.

    Returns
    -------
    tuple
        The graph and the vertex ids in vertex-index order (``name`` attribute).
    """
    ends = pl.concat([edges.get_column(source), edges.get_column(target)]).cast(
        pl.String
    )
    if vertices is not None:
        ends = pl.concat([ends, pl.Series(list(vertices), dtype=pl.String)])
    ids = ends.unique().sort()
    enum = pl.Enum(ids)
    a = edges.get_column(source).cast(pl.String).cast(enum).to_physical().to_numpy()
    b = edges.get_column(target).cast(pl.String).cast(enum).to_physical().to_numpy()
    pairs = np.column_stack([a.astype(np.int64), b.astype(np.int64)])
    graph = ig.Graph(n=ids.len(), edges=pairs, directed=False)
    names = ids.to_list()
    graph.vs["name"] = names
    if weight is not None:
        graph.es["weight"] = edges.get_column(weight).cast(pl.Float64).to_numpy()
    return graph, names


def detect_groups(
    co_edges: pl.DataFrame,
    *,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Find groups as Leiden communities of the co-offending graph.

    Parameters
    ----------
    co_edges
        Output of :func:`co_offending_edges` (``person_a``, ``person_b``, ``weight``).
    config
        ``communities.resolution``, ``min_group_size``, ``n_iterations`` and ``seed``.

    Returns
    -------
    polars.DataFrame
        ``group_id``, ``person_id``, ``origin`` (``"detected"``); one row per member of
        each community of at least ``min_group_size`` people. ``group_id`` is
        ``"net-"`` + the smallest member ``person_id`` (stable while the membership is).

    Notes
    -----
    ``Graph.community_leiden(objective_function="modularity", weights=...,
    resolution=...)``; randomness is seeded from ``communities.seed`` through a
    private ``random.Random`` so repeated runs agree and global state is untouched.

    References
    ----------
    Traag, V. A., Waltman, L. & van Eck, N. J. (2019) From Louvain to Leiden:
    guaranteeing well-connected communities. Scientific Reports 9, 5233.
    """
    cfg = _config(config).communities
    check_frame(co_edges, ["person_a", "person_b", "weight"], name="co_edges")
    schema = {"group_id": pl.String, "person_id": pl.String, "origin": pl.String}
    if co_edges.height == 0:
        return pl.DataFrame(schema=schema)
    graph, names = to_igraph(co_edges)
    previous = random.getstate()
    ig.set_random_number_generator(random.Random(cfg.seed))
    try:
        clustering = graph.community_leiden(
            objective_function="modularity",
            weights="weight",
            resolution=cfg.resolution,
            n_iterations=cfg.n_iterations,
        )
    finally:
        ig.set_random_number_generator(random)
        random.setstate(previous)
    members = pl.DataFrame(
        {"person_id": names, "_c": np.asarray(clustering.membership, dtype=np.int64)},
        schema={"person_id": pl.String, "_c": pl.Int64},
    )
    return (
        members.with_columns(
            pl.len().over("_c").alias("_n"),
            (pl.lit("net-") + pl.col("person_id").min().over("_c")).alias("group_id"),
        )
        .filter(pl.col("_n") >= cfg.min_group_size)
        .select("group_id", "person_id", pl.lit("detected").alias("origin"))
        .sort("group_id", "person_id")
    )


def group_membership(
    detected: pl.DataFrame,
    group_members: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Union of detected communities and declared group members.

    Parameters
    ----------
    detected
        Output of :func:`detect_groups`.
    group_members
        Declared members (``group_id``, ``person_id``), e.g. the ``group_members``
        table; optional. Declared groups are an input, never the only truth: their
        profiles report how far recorded co-offending corroborates them.

    Returns
    -------
    polars.DataFrame
        ``group_id``, ``person_id``, ``origin`` (``detected`` | ``declared``).
    """
    parts = [
        detected.select("group_id", "person_id", pl.lit("detected").alias("origin"))
    ]
    if group_members is not None and group_members.height > 0:
        check_frame(group_members, ["group_id", "person_id"], name="group_members")
        parts.append(
            group_members.select(
                pl.col("group_id").cast(pl.String),
                pl.col("person_id").cast(pl.String),
                pl.lit("declared").alias("origin"),
            )
        )
    out = pl.concat(parts, how="vertical").unique(["group_id", "person_id"])
    clash = (
        out.group_by("group_id")
        .agg(pl.col("origin").n_unique().alias("n"))
        .filter(pl.col("n") > 1)
    )
    if clash.height:
        msg = f"declared group ids clash with detected ids: {clash.get_column('group_id').to_list()[:5]}"
        raise SchemaError(msg)
    return out.sort("group_id", "person_id")


def match_groups(
    membership: pl.DataFrame,
    *,
    min_shared: int = 2,
    min_share: float = 0.5,
) -> pl.DataFrame:
    """Pair declared groups with the detected communities that hold most of their members.

    Parameters
    ----------
    membership
        Output of :func:`group_membership`.
    min_shared
        Least number of shared members for a link.
    min_share
        Least share of the smaller group's members that are shared.

    Returns
    -------
    polars.DataFrame
        ``group_id``, ``linked_group_id``, ``n_shared``, ``share``; symmetric (each
        link appears in both directions); only groups of different origin are paired.

    Notes
    -----
    A declared group (front-line knowledge, the "group audit") and a community found
    in recorded co-offending are two views of one group when they share most members.
    Linking them lets a retaliation alert reach members known to only one view.
    """
    check_frame(membership, ["group_id", "person_id", "origin"], name="membership")
    mem = membership.select("group_id", "person_id", "origin")
    sizes = mem.group_by("group_id").agg(pl.len().cast(pl.Int64).alias("_n"))
    pairs = (
        mem.join(mem, on="person_id", suffix="_b")
        .filter(pl.col("origin") != pl.col("origin_b"))
        .group_by("group_id", pl.col("group_id_b").alias("linked_group_id"))
        .agg(pl.len().cast(pl.Int64).alias("n_shared"))
        .join(sizes, on="group_id")
        .join(
            sizes.rename({"group_id": "linked_group_id", "_n": "_m"}),
            on="linked_group_id",
        )
        .with_columns(
            (pl.col("n_shared") / pl.min_horizontal("_n", "_m")).alias("share")
        )
    )
    return (
        pairs.filter(
            (pl.col("n_shared") >= min_shared) & (pl.col("share") >= min_share)
        )
        .select("group_id", "linked_group_id", "n_shared", "share")
        .sort("group_id", "linked_group_id")
    )


# --- groups ----------------------------------------------------------------------


def _conflict_incidents(
    membership: pl.DataFrame,
    inc: pl.DataFrame,
    inv: pl.DataFrame,
    *,
    roles: Sequence[str],
    start: dt.datetime | None,
    end: dt.datetime | None,
    off: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Violent incidents with an offender in one group and a victim in another."""
    if off is None:
        off = _offending(inc, inv, roles=roles, start=start, end=end)
    off = off.filter(pl.col("in_definition"))
    vic = (
        inv.filter(pl.col("role") == "victim")
        .select("incident_id", pl.col("person_id").alias("victim_id"))
        .unique()
    )
    mem = membership.select("group_id", "person_id", "origin")
    og = (
        off.select("incident_id", "occurred_from", "person_id")
        .join(mem, on="person_id")
        .select(
            "incident_id",
            "occurred_from",
            pl.col("group_id").alias("offender_group_id"),
            "origin",
        )
    )
    vg = vic.join(mem.rename({"person_id": "victim_id"}), on="victim_id").select(
        "incident_id",
        "victim_id",
        pl.col("group_id").alias("victim_group_id"),
        "origin",
    )
    pairs = og.join(vg, on=["incident_id", "origin"]).filter(
        pl.col("offender_group_id") != pl.col("victim_group_id")
    )
    # a victim who is also in the offender's own group is intra-group violence
    own = mem.select(
        pl.col("group_id").alias("offender_group_id"),
        pl.col("person_id").alias("victim_id"),
    )
    pairs = pairs.join(own, on=["offender_group_id", "victim_id"], how="anti")
    return pairs.select(
        "incident_id", "occurred_from", "offender_group_id", "victim_group_id", "origin"
    ).unique()


def group_conflicts(
    membership: pl.DataFrame,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Count violence between groups (who attacked whom), from the victim-offender graph.

    Parameters
    ----------
    membership
        Output of :func:`group_membership`.
    incidents, involvements
        As for :func:`co_offending_edges`.
    since, until
        Optional window on ``occurred_from``.
    config
        ``graph.roles`` names the offending roles.

    Returns
    -------
    polars.DataFrame
        ``offender_group_id``, ``victim_group_id``, ``n_incidents``, ``first_at``,
        ``last_at``: violent incidents (inside the definition) in which a member of
        the first group offended against a member of the second. Groups are only
        compared with groups of the same origin (detected with detected, declared
        with declared).

    Notes
    -----
    Kennedy's group audit maps conflicts because "conflicts drive retaliation".
    """
    cfg = _config(config)
    pairs = _conflict_incidents(
        membership,
        _check_incidents(incidents),
        _check_involvements(involvements),
        roles=cfg.graph.roles,
        start=since,
        end=until,
    )
    return _summarise_conflicts(pairs)


def _summarise_conflicts(pairs: pl.DataFrame) -> pl.DataFrame:
    return (
        pairs.group_by("offender_group_id", "victim_group_id")
        .agg(
            pl.col("incident_id").n_unique().cast(pl.Int64).alias("n_incidents"),
            pl.col("occurred_from").min().alias("first_at"),
            pl.col("occurred_from").max().alias("last_at"),
        )
        .sort("offender_group_id", "victim_group_id")
    )


def group_profiles(
    membership: pl.DataFrame,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    as_of: dt.datetime | None = None,
    co_edges: pl.DataFrame | None = None,
    conflicts: pl.DataFrame | None = None,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Profile each group: size, members' harm, violence and weapons, trend, longevity.

    Parameters
    ----------
    membership
        Output of :func:`group_membership`.
    incidents, involvements
        As for :func:`co_offending_edges` (``weapon`` optional).
    as_of
        End of the window (default: the latest incident).
    co_edges
        Co-offending ties, used to say how many members are tied to another member
        (``corroborated_share``; matters most for declared groups).
    conflicts
        Output of :func:`group_conflicts` for the same window (computed if None).
    config
        ``graph.window_days``, ``graph.roles`` and ``activity`` settings.

    Returns
    -------
    polars.DataFrame
        One row per group: ``group_id``, ``origin``, ``size``, ``n_active_members``,
        ``corroborated_share``, ``n_incidents``, ``harm_days``,
        ``harm_days_per_member``, ``harm_days_per_incident``, ``violence_share``,
        ``weapon_share``, ``firearm_share``, ``first_at``, ``last_at``,
        ``longevity_days``, ``recent_incidents``, ``previous_incidents``, ``trend``,
        ``n_conflicts``, ``n_rivals``, ``rivals`` (list).

    Notes
    -----
    A group's incidents are the distinct incidents in which any member is recorded
    as suspect or offender in the window. Longevity is the span in days from the
    first to the last of them. The trend compares the last
    ``activity.trend_window_days`` with the window before it.
    """
    cfg = _config(config)
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    check_frame(membership, ["group_id", "person_id", "origin"], name="membership")
    end = _as_of(inc, as_of)
    start = end - dt.timedelta(days=cfg.graph.window_days)
    off = _offending(inc, inv, roles=cfg.graph.roles, start=start, end=end)
    return _profiles(
        membership,
        inc,
        inv,
        off,
        end=end,
        start=start,
        co_edges=co_edges,
        conflicts=conflicts,
        cfg=cfg,
    )


def _profiles(
    membership: pl.DataFrame,
    inc: pl.DataFrame,
    inv: pl.DataFrame,
    off: pl.DataFrame,
    *,
    end: dt.datetime,
    start: dt.datetime,
    co_edges: pl.DataFrame | None,
    conflicts: pl.DataFrame | None,
    cfg: NetworksConfig,
) -> pl.DataFrame:
    """Group profiles from offending rows (see :func:`group_profiles`)."""
    tw = dt.timedelta(days=cfg.activity.trend_window_days)
    mem = membership.select("group_id", "person_id", "origin")
    sizes = mem.group_by("group_id", "origin").agg(
        pl.len().cast(pl.Int64).alias("size")
    )
    # _i (from _offending) is the incident's row number in ``inc``: incident facts
    # are gathered by position, and groups get small integer codes _g
    codes = mem.select("group_id").unique().sort("group_id").with_row_index("_g")
    gi_people = (
        mem.join(codes, on="group_id")
        .select("_g", "person_id")
        .join(off.select("person_id", "_i"), on="person_id")
    )
    active = (
        gi_people.group_by("_g")
        .agg(pl.col("person_id").n_unique().cast(pl.Int64).alias("n_active_members"))
        .join(codes, on="_g")
        .drop("_g")
    )
    keys = gi_people.select("_g", "_i").unique()
    facts = inc.select(
        pl.col("occurred_from", "harm_days", "in_definition", "weapon").gather(
            keys.get_column("_i")
        )
    )
    gi = (
        pl.concat([keys, facts], how="horizontal").join(codes, on="_g").drop("_g", "_i")
    )
    stats = gi.group_by("group_id").agg(
        pl.len().cast(pl.Int64).alias("n_incidents"),
        pl.col("harm_days").sum().alias("harm_days"),
        pl.col("in_definition").mean().alias("violence_share"),
        (pl.col("weapon") != "none").mean().alias("weapon_share"),
        (pl.col("weapon") == "firearm").mean().alias("firearm_share"),
        pl.col("occurred_from").min().alias("first_at"),
        pl.col("occurred_from").max().alias("last_at"),
        (pl.col("occurred_from") > end - tw)
        .sum()
        .cast(pl.Int64)
        .alias("recent_incidents"),
        (
            (pl.col("occurred_from") <= end - tw)
            & (pl.col("occurred_from") > end - 2 * tw)
        )
        .sum()
        .cast(pl.Int64)
        .alias("previous_incidents"),
    )
    if co_edges is not None and co_edges.height > 0:
        both = pl.concat(
            [
                co_edges.select(
                    pl.col("person_a").alias("person_id"),
                    pl.col("person_b").alias("other"),
                ),
                co_edges.select(
                    pl.col("person_b").alias("person_id"),
                    pl.col("person_a").alias("other"),
                ),
            ]
        )
        tied = (
            mem.join(both, on="person_id")
            .join(
                mem.select("group_id", pl.col("person_id").alias("other")),
                on=["group_id", "other"],
            )
            .group_by("group_id")
            .agg(pl.col("person_id").n_unique().cast(pl.Int64).alias("_tied"))
        )
    else:
        tied = pl.DataFrame(schema={"group_id": pl.String, "_tied": pl.Int64})
    if conflicts is None:
        conflicts = group_conflicts(mem, inc, inv, since=start, until=end, config=cfg)
    sides = pl.concat(
        [
            conflicts.select(
                pl.col("offender_group_id").alias("group_id"),
                pl.col("victim_group_id").alias("rival"),
                "n_incidents",
            ),
            conflicts.select(
                pl.col("victim_group_id").alias("group_id"),
                pl.col("offender_group_id").alias("rival"),
                "n_incidents",
            ),
        ]
    )
    conf = sides.group_by("group_id").agg(
        pl.col("n_incidents").sum().cast(pl.Int64).alias("n_conflicts"),
        pl.col("rival").unique().sort().alias("rivals"),
    )
    a = cfg.activity
    ratio = pl.col("recent_incidents").cast(pl.Float64) / pl.col(
        "previous_incidents"
    ).cast(pl.Float64)
    few = (
        pl.col("recent_incidents") + pl.col("previous_incidents")
    ) < a.min_trend_incidents
    out = (
        sizes.join(active, on="group_id", how="left")
        .join(stats, on="group_id", how="left")
        .join(tied, on="group_id", how="left")
        .join(conf, on="group_id", how="left")
        .with_columns(
            pl.col(
                "n_active_members",
                "n_incidents",
                "recent_incidents",
                "previous_incidents",
                "n_conflicts",
                "_tied",
            ).fill_null(0),
            pl.col("harm_days").fill_null(0.0),
            pl.col("violence_share", "weapon_share", "firearm_share").fill_null(0.0),
            pl.col("rivals").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns(
            (pl.col("_tied") / pl.col("size")).alias("corroborated_share"),
            (pl.col("harm_days") / pl.col("size")).alias("harm_days_per_member"),
            pl.when(pl.col("n_incidents") > 0)
            .then(pl.col("harm_days") / pl.col("n_incidents"))
            .otherwise(0.0)
            .alias("harm_days_per_incident"),
            (
                (pl.col("last_at") - pl.col("first_at")).dt.total_microseconds()
                / _US_PER_DAY
            )
            .fill_null(0.0)
            .alias("longevity_days"),
            pl.when(few)
            .then(pl.lit("stable"))
            .when(ratio >= a.rising_ratio)
            .then(pl.lit("rising"))
            .when(ratio <= a.falling_ratio)
            .then(pl.lit("falling"))
            .otherwise(pl.lit("stable"))
            .alias("trend"),
            pl.col("rivals").list.len().cast(pl.Int64).alias("n_rivals"),
        )
    )
    return out.select(
        "group_id",
        "origin",
        "size",
        "n_active_members",
        "corroborated_share",
        "n_incidents",
        "harm_days",
        "harm_days_per_member",
        "harm_days_per_incident",
        "violence_share",
        "weapon_share",
        "firearm_share",
        "first_at",
        "last_at",
        "longevity_days",
        "recent_incidents",
        "previous_incidents",
        "trend",
        "n_conflicts",
        "n_rivals",
        "rivals",
    ).sort("group_id")


def _fmt(value: float) -> str:
    return f"{value:g}"


def _rule_expr(rule: ContinuumRule) -> tuple[pl.Expr, pl.Expr]:
    """(holds, reason) expressions of one continuum rule."""
    holds: pl.Expr = pl.lit(True)
    parts: list[pl.Expr] = []
    for measure, threshold in rule.all_of.items():
        cond = pl.col(measure) >= threshold
        holds = holds & cond
        parts.append(
            pl.format(f"{measure} {{}} >= {_fmt(threshold)}", pl.col(measure).round(2))
        )
    if rule.any_of:
        any_holds: pl.Expr = pl.lit(False)
        for measure, threshold in rule.any_of.items():
            cond = pl.col(measure) >= threshold
            any_holds = any_holds | cond
            parts.append(
                pl.when(cond).then(
                    pl.format(
                        f"{measure} {{}} >= {_fmt(threshold)}", pl.col(measure).round(2)
                    )
                )
            )
        holds = holds & any_holds
    text = (
        pl.concat_list(parts).list.drop_nulls().list.join("; ") if parts else pl.lit("")
    )
    reason = (
        pl.format(f"continuum {rule.level} by rule: {{}}", text)
        if parts
        else pl.lit(f"continuum {rule.level}: default level (no higher rule holds)")
    )
    return holds, reason


def assign_continuum(
    profiles: pl.DataFrame,
    *,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Place each group on the continuum by the first configured rule that holds.

    Parameters
    ----------
    profiles
        Output of :func:`group_profiles`.
    config
        ``continuum`` rules, tried from the top (highest level first).

    Returns
    -------
    polars.DataFrame
        ``profiles`` with ``continuum`` and ``continuum_reason``.

    Notes
    -----
    Levels follow the seed's continuum (AVB delivery plan 2010 ¶30-38: peer group
    → street gang → organised criminal network). Default thresholds follow the
    Eurogang definition (durability), the Home Office 2011 gang definition
    (violence, conflict) and UK OCG mapping (firearms, serious harm, longevity).
    """
    cfg = _config(config)
    level: Any = None
    reason: Any = None
    for rule in cfg.continuum:
        holds, text = _rule_expr(rule)
        if level is None:
            level = pl.when(holds).then(pl.lit(rule.level))
            reason = pl.when(holds).then(text)
        else:
            level = level.when(holds).then(pl.lit(rule.level))
            reason = reason.when(holds).then(text)
    return profiles.with_columns(
        level.otherwise(pl.lit(None, dtype=pl.String)).alias("continuum"),
        reason.otherwise(pl.lit(None, dtype=pl.String)).alias("continuum_reason"),
    )


def prioritise_groups(
    profiles: pl.DataFrame,
    *,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Band groups by harm, threat and trend: the network prioritisation matrix.

    Parameters
    ----------
    profiles
        Output of :func:`group_profiles` (optionally with ``continuum_reason``).
    config
        ``matrix`` thresholds.

    Returns
    -------
    polars.DataFrame
        ``profiles`` with ``harm_level`` (1-3), ``threat_points``, ``threat_level``
        (1-3), ``trend_points`` (-1, 0, +1), ``matrix_score`` (their sum), ``band``
        (``high`` | ``medium`` | ``low``) and ``reasons`` (list of strings), sorted
        by band, score, harm and ``group_id``.

    Notes
    -----
    After the seed's Criminal Networks Prioritisation Matrix (¶35), UK OCG mapping
    (threat and harm scoring) and MoRiLE (impact × likelihood): harm is the members'
    Cambridge Crime Harm Index days; threat counts one point each for violence share,
    weapon share, firearm share and conflicts over their thresholds.
    """
    m = _config(config).matrix
    h0, h1 = m.harm_days
    v = pl.col("violence_share") >= m.threat_violence_share
    w = pl.col("weapon_share") >= m.threat_weapon_share
    f = pl.col("firearm_share") >= m.threat_firearm_share
    c = (pl.col("n_conflicts") >= m.threat_conflicts) & (pl.col("n_conflicts") > 0)
    out = profiles.with_columns(
        (
            1
            + (pl.col("harm_days") >= h0).cast(pl.Int64)
            + (pl.col("harm_days") >= h1).cast(pl.Int64)
        ).alias("harm_level"),
        (
            v.cast(pl.Int64) + w.cast(pl.Int64) + f.cast(pl.Int64) + c.cast(pl.Int64)
        ).alias("threat_points"),
        pl.when(pl.col("trend") == "rising")
        .then(1)
        .when(pl.col("trend") == "falling")
        .then(-1)
        .otherwise(0)
        .cast(pl.Int64)
        .alias("trend_points"),
    ).with_columns(
        (
            1
            + (pl.col("threat_points") >= m.threat_levels[0]).cast(pl.Int64)
            + (pl.col("threat_points") >= m.threat_levels[1]).cast(pl.Int64)
        ).alias("threat_level"),
    )
    out = out.with_columns(
        (pl.col("harm_level") + pl.col("threat_level") + pl.col("trend_points")).alias(
            "matrix_score"
        )
    ).with_columns(
        pl.when(pl.col("matrix_score") >= m.bands[1])
        .then(pl.lit("high"))
        .when(pl.col("matrix_score") >= m.bands[0])
        .then(pl.lit("medium"))
        .otherwise(pl.lit("low"))
        .alias("band"),
    )
    reasons = [
        pl.format(
            "band {}: score {} = harm level {} + threat level {} + trend {}",
            pl.col("band"),
            pl.col("matrix_score"),
            pl.col("harm_level"),
            pl.col("threat_level"),
            pl.col("trend_points"),
        ),
        pl.format(
            f"harm: {{}} crime harm days in {{}} incidents (levels at {_fmt(h0)} and {_fmt(h1)})",
            pl.col("harm_days").round(0),
            pl.col("n_incidents"),
        ),
        pl.when(v).then(
            pl.format(
                f"threat: violence in {{}}% of incidents (>= {_fmt(100 * m.threat_violence_share)}%)",
                (100 * pl.col("violence_share")).round(0),
            )
        ),
        pl.when(w).then(
            pl.format(
                f"threat: weapons in {{}}% of incidents (>= {_fmt(100 * m.threat_weapon_share)}%)",
                (100 * pl.col("weapon_share")).round(0),
            )
        ),
        pl.when(f).then(
            pl.format(
                f"threat: firearms in {{}}% of incidents (>= {_fmt(100 * m.threat_firearm_share)}%)",
                (100 * pl.col("firearm_share")).round(0),
            )
        ),
        pl.when(c).then(
            pl.format(
                "threat: {} violent conflicts with {} rival groups",
                pl.col("n_conflicts"),
                pl.col("n_rivals"),
            )
        ),
        pl.format(
            "trend: {} ({} incidents in the recent window, {} in the one before)",
            pl.col("trend"),
            pl.col("recent_incidents"),
            pl.col("previous_incidents"),
        ),
    ]
    if "continuum_reason" in out.columns:
        reasons.append(pl.col("continuum_reason"))
    if "corroborated_share" in out.columns:
        reasons.append(
            pl.when(
                (pl.col("origin") == "declared") & (pl.col("corroborated_share") < 0.5)
            ).then(
                pl.format(
                    "caution: only {}% of declared members have a recorded co-offending tie to another member",
                    (100 * pl.col("corroborated_share")).round(0),
                )
            )
        )
    band_order = pl.col("band").replace_strict(
        {"high": 0, "medium": 1, "low": 2}, return_dtype=pl.Int64
    )
    return out.with_columns(
        pl.concat_list(reasons).list.drop_nulls().alias("reasons")
    ).sort(band_order, -pl.col("matrix_score"), -pl.col("harm_days"), "group_id")


@dataclass(frozen=True, kw_only=True)
class GroupsResult(Result):
    """Groups with profiles, continuum level and matrix band.

    Attributes
    ----------
    frame
        One row per group (see :func:`prioritise_groups`).
    membership
        ``group_id``, ``person_id``, ``origin``.
    conflicts
        Output of :func:`group_conflicts`.
    co_edges
        The co-offending ties the groups were found in.
    """

    membership: pl.DataFrame = field(default_factory=pl.DataFrame)
    conflicts: pl.DataFrame = field(default_factory=pl.DataFrame)
    co_edges: pl.DataFrame = field(default_factory=pl.DataFrame)

    def to_json(self) -> dict[str, Any]:
        """Return ``{"groups": [{"group_id", "members", "continuum", "band", "reasons", ...}]}``."""
        members = self.membership.group_by("group_id").agg(
            pl.col("person_id").sort().alias("members")
        )
        rows = self.frame.join(members, on="group_id", how="left").with_columns(
            pl.col("members").fill_null(pl.lit([], dtype=pl.List(pl.String)))
        )
        keep = [
            "group_id",
            "members",
            "continuum",
            "band",
            "reasons",
            "origin",
            "size",
            "harm_days",
            "violence_share",
            "weapon_share",
            "trend",
            "longevity_days",
            "n_conflicts",
            "rivals",
        ]
        if "declared_continuum" in rows.columns:
            keep.append("declared_continuum")
        groups = rows.select(keep).to_dicts()
        for g in groups:
            for key in (
                "harm_days",
                "violence_share",
                "weapon_share",
                "longevity_days",
            ):
                g[key] = round(float(g[key]), 3)
        return {"groups": groups}


def analyse_groups(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    group_members: pl.DataFrame | None = None,
    groups: pl.DataFrame | None = None,
    as_of: dt.datetime | None = None,
    config: NetworksConfig | None = None,
) -> GroupsResult:
    """Find, profile, place and prioritise groups: the whole group analysis.

    Parameters
    ----------
    incidents
        ``incident_id``, ``occurred_from``, ``harm_days``, ``in_definition``,
        optional ``weapon``.
    involvements
        ``incident_id``, ``person_id``, ``role``.
    group_members
        Declared group members (optional).
    groups
        Declared groups (``group_id``, ``continuum``), optional: the declared level
        is shown beside the rule-based one as ``declared_continuum``, with a reason
        when they differ.
    as_of
        End of the analysis window (default: the latest incident).
    config
        Network settings.

    Returns
    -------
    GroupsResult
        Groups (detected and declared) with profile, ``continuum``, ``band`` and
        ``reasons``.

    Notes
    -----
    Co-offending graph → Leiden communities → union with declared groups →
    profiles → continuum rules → prioritisation matrix. See the module docstring
    for sources.
    """
    cfg = _config(config)
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    end = _as_of(inc, as_of)
    start = end - dt.timedelta(days=cfg.graph.window_days)
    # offending rows are found once and shared by every step
    off = _offending(inc, inv, roles=cfg.graph.roles, start=start, end=end)
    edges = _edges(off, end=end, cfg=cfg.graph)
    detected = detect_groups(edges, config=cfg)
    membership = group_membership(detected, group_members)
    conflicts = _summarise_conflicts(
        _conflict_incidents(
            membership, inc, inv, roles=cfg.graph.roles, start=start, end=end, off=off
        )
    )
    profiles = _profiles(
        membership,
        inc,
        inv,
        off,
        end=end,
        start=start,
        co_edges=edges,
        conflicts=conflicts,
        cfg=cfg,
    )
    placed = assign_continuum(profiles, config=cfg)
    if groups is not None and "continuum" in groups.columns:
        declared = groups.select(
            pl.col("group_id").cast(pl.String),
            pl.col("continuum").cast(pl.String).alias("declared_continuum"),
        ).unique("group_id")
        placed = placed.join(declared, on="group_id", how="left").with_columns(
            pl.when(
                pl.col("declared_continuum").is_not_null()
                & (pl.col("declared_continuum") != pl.col("continuum"))
            )
            .then(
                pl.format(
                    "{}; declared level {} differs: review the group audit",
                    pl.col("continuum_reason"),
                    pl.col("declared_continuum"),
                )
            )
            .otherwise(pl.col("continuum_reason"))
            .alias("continuum_reason")
        )
    frame = prioritise_groups(placed, config=cfg)
    return GroupsResult(
        frame=frame,
        membership=membership,
        conflicts=conflicts,
        co_edges=edges,
        params={
            "as_of": end,
            "window_days": cfg.graph.window_days,
            "half_life_days": cfg.graph.half_life_days,
            "resolution": cfg.communities.resolution,
            "min_group_size": cfg.communities.min_group_size,
            "config": cfg.source,
        },
        method=(
            "co-offending graph (recency- and harm-weighted) -> Leiden communities "
            "(modularity) + declared groups -> profiles -> continuum rules -> "
            "network prioritisation matrix (harm x threat x trend)"
        ),
        source=_SOURCE_GROUPS,
        notes=(
            "Groups describe recorded co-offending; membership alone never ranks a person.",
            "Declared groups are shown with the share of members corroborated by recorded ties.",
        ),
    )


# --- people ----------------------------------------------------------------------


def victims_of_violence(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> pl.DataFrame:
    """People recorded as victim of an incident inside the violence definition.

    Returns
    -------
    polars.DataFrame
        ``person_id``, ``n_victimisations``, ``last_victimised_at``.
    """
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    rows = (
        inv.filter(pl.col("role") == "victim")
        .select("incident_id", "person_id")
        .unique()
        .join(inc.filter(pl.col("in_definition")), on="incident_id")
    )
    if since is not None:
        rows = rows.filter(pl.col("occurred_from") >= since)
    if until is not None:
        rows = rows.filter(pl.col("occurred_from") <= until)
    return (
        rows.group_by("person_id")
        .agg(
            pl.len().cast(pl.Int64).alias("n_victimisations"),
            pl.col("occurred_from").max().alias("last_victimised_at"),
        )
        .sort("person_id")
    )


def _both_ways(edges: pl.DataFrame, kind: str) -> pl.DataFrame:
    weight = pl.col("weight") if "weight" in edges.columns else pl.lit(1.0)
    base = edges.select("person_a", "person_b", weight.cast(pl.Float64).alias("weight"))
    return pl.concat(
        [
            base.select(
                pl.col("person_a").alias("person_id"),
                pl.col("person_b").alias("other_id"),
                "weight",
            ),
            base.select(
                pl.col("person_b").alias("person_id"),
                pl.col("person_a").alias("other_id"),
                "weight",
            ),
        ]
    ).with_columns(pl.lit(kind).alias("link"))


def person_metrics(
    co_edges: pl.DataFrame,
    *,
    family_edges: pl.DataFrame | None = None,
    victimised: pl.DataFrame | None = None,
    config: NetworksConfig | None = None,
    with_betweenness: bool = True,
) -> pl.DataFrame:
    """Network facts per person: degree, betweenness and exposure to victims.

    Parameters
    ----------
    co_edges
        Output of :func:`co_offending_edges`.
    family_edges
        Kin and same-address ties (``person_a``, ``person_b``), e.g. from
        :func:`avert.analyse.families.family_edges`; counted in exposure when
        ``exposure.include_family``.
    victimised
        People recently victims of violence (``person_id``), e.g.
        :func:`victims_of_violence` over ``exposure.window_days``.
    config
        ``exposure.include_family`` and ``communities.betweenness_cutoff``.
    with_betweenness
        Compute betweenness (the slowest part on large graphs).

    Returns
    -------
    polars.DataFrame
        ``person_id``, ``degree`` (co-offenders), ``weighted_degree``,
        ``betweenness``, ``n_family``, ``n_network``, ``n_network_victims``,
        ``exposure`` (share of the first-degree network who were victims).

    Notes
    -----
    Exposure follows Papachristos, Wildeman & Roberto (2015) and Green, Horel &
    Papachristos (2017): being close to victims of gun violence in the co-offending
    network predicts one's own victimisation. Betweenness is Brandes' algorithm
    in igraph, limited to paths of at most ``betweenness_cutoff`` hops (0: none).
    """
    cfg = _config(config)
    check_frame(co_edges, ["person_a", "person_b"], name="co_edges")
    co = _both_ways(co_edges, "co_offender")
    deg = co.group_by("person_id").agg(
        pl.len().cast(pl.Int64).alias("degree"),
        pl.col("weight").sum().alias("weighted_degree"),
    )
    fam = (
        _both_ways(family_edges.select("person_a", "person_b"), "family").unique(
            ["person_id", "other_id"]
        )
        if family_edges is not None
        else pl.DataFrame(
            schema={
                "person_id": pl.String,
                "other_id": pl.String,
                "weight": pl.Float64,
                "link": pl.String,
            }
        )
    )
    nfam = fam.group_by("person_id").agg(pl.len().cast(pl.Int64).alias("n_family"))
    network = pl.concat([co, fam]) if cfg.exposure.include_family else co
    network = network.select("person_id", "other_id").unique()
    vic = (
        victimised.select("person_id").unique().with_columns(pl.lit(True).alias("_v"))
        if victimised is not None
        else pl.DataFrame(schema={"person_id": pl.String, "_v": pl.Boolean})
    )
    expo = (
        network.join(vic.rename({"person_id": "other_id"}), on="other_id", how="left")
        .group_by("person_id")
        .agg(
            pl.len().cast(pl.Int64).alias("n_network"),
            pl.col("_v")
            .fill_null(False)
            .sum()
            .cast(pl.Int64)
            .alias("n_network_victims"),
        )
        .with_columns(
            (pl.col("n_network_victims") / pl.col("n_network")).alias("exposure")
        )
    )
    people = pl.concat(
        [deg.select("person_id"), nfam.select("person_id"), expo.select("person_id")]
    ).unique()
    if with_betweenness and co_edges.height > 0:
        graph, names = to_igraph(co_edges, weight=None)
        cutoff = cfg.communities.betweenness_cutoff or None
        btw = pl.DataFrame(
            {
                "person_id": names,
                "betweenness": np.asarray(
                    graph.betweenness(cutoff=cutoff), dtype=np.float64
                ),
            },
            schema={"person_id": pl.String, "betweenness": pl.Float64},
        )
    else:
        btw = pl.DataFrame(schema={"person_id": pl.String, "betweenness": pl.Float64})
    return (
        people.join(deg, on="person_id", how="left")
        .join(btw, on="person_id", how="left")
        .join(nfam, on="person_id", how="left")
        .join(expo, on="person_id", how="left")
        .with_columns(
            pl.col("degree", "n_family", "n_network", "n_network_victims").fill_null(0),
            pl.col("weighted_degree", "betweenness", "exposure").fill_null(0.0),
        )
        .select(
            "person_id",
            "degree",
            "weighted_degree",
            "betweenness",
            "n_family",
            "n_network",
            "n_network_victims",
            "exposure",
        )
        .sort("person_id")
    )


def rank_people(
    risk: pl.DataFrame,
    *,
    metrics: pl.DataFrame | None = None,
    membership: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Rank people by their own risk score, with network facts shown beside.

    Parameters
    ----------
    risk
        ``person_id`` and ``score`` (own recorded behaviour, e.g.
        ``avert.analyse.risk.offender_risk``); other columns (``part_*``) are kept.
    metrics
        Output of :func:`person_metrics` (optional), joined beside.
    membership
        Output of :func:`group_membership` (optional): the groups a person is linked
        to, listed beside as ``groups`` — never used for ordering.

    Returns
    -------
    polars.DataFrame
        ``rank`` (1 = highest score; equal scores share a rank), then the risk
        columns, then network facts; ordered by ``score`` descending, ties by
        ``person_id``.

    Notes
    -----
    The lesson of the MPS Gangs Violence Matrix (ICO 2018): people are prioritised by
    their own recorded behaviour, never by a label. Two people with the same score
    rank equally whatever their group membership.
    """
    check_frame(risk, ["person_id", "score"], name="risk")
    out = risk.with_columns(
        pl.col("person_id").cast(pl.String), pl.col("score").cast(pl.Float64)
    )
    out = out.with_columns(
        pl.col("score").rank("min", descending=True).cast(pl.Int64).alias("rank")
    )
    if metrics is not None:
        out = out.join(
            metrics.drop(
                [c for c in metrics.columns if c in out.columns and c != "person_id"]
            ),
            on="person_id",
            how="left",
        )
    if membership is not None:
        groups = membership.group_by("person_id").agg(
            pl.col("group_id").unique().sort().alias("groups")
        )
        out = out.join(groups, on="person_id", how="left").with_columns(
            pl.col("groups").fill_null(pl.lit([], dtype=pl.List(pl.String)))
        )
    out = out.sort(["score", "person_id"], descending=[True, False], nulls_last=True)
    return out.select("rank", *[c for c in out.columns if c != "rank"])


def person_network(
    person_id: str,
    *,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    co_edges: pl.DataFrame,
    membership: pl.DataFrame,
    family_edges: pl.DataFrame | None = None,
    risk: pl.DataFrame | None = None,
    as_of: dt.datetime | None = None,
    config: NetworksConfig | None = None,
) -> dict[str, Any]:
    """One person's network picture: own risk first, then ties, groups and exposure.

    Parameters
    ----------
    person_id
        The person.
    incidents, involvements
        As for :func:`co_offending_edges`.
    co_edges, membership
        From :func:`analyse_groups`.
    family_edges
        Kin ties (optional).
    risk
        Own risk scores (``person_id``, ``score``, ``part_*``), optional.
    as_of
        Reference time for exposure (default: latest incident).
    config
        Network settings.

    Returns
    -------
    dict
        ``person_id``, ``risk`` (own score and parts, or None), ``roles`` (counts by
        role), ``co_offenders`` (``person_id``, ``n_incidents``, ``weight``),
        ``family`` (``person_id``, ``kind``), ``groups``, ``metrics`` (degree,
        betweenness in the person's component, exposure) and ``victimised_contacts``.

    Raises
    ------
    NotFound
        When the person has no involvement, tie or membership at all.
    """
    cfg = _config(config)
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    end = _as_of(inc, as_of)
    own = inv.filter(pl.col("person_id") == person_id)
    ties = co_edges.filter(
        (pl.col("person_a") == person_id) | (pl.col("person_b") == person_id)
    )
    groups = membership.filter(pl.col("person_id") == person_id)
    fam = (
        family_edges.filter(
            (pl.col("person_a") == person_id) | (pl.col("person_b") == person_id)
        )
        if family_edges is not None
        else pl.DataFrame(
            schema={"person_a": pl.String, "person_b": pl.String, "kind": pl.String}
        )
    )
    if own.height == 0 and ties.height == 0 and groups.height == 0 and fam.height == 0:
        msg = f"person {person_id!r} has no involvements, ties or group links"
        raise NotFound(msg)
    co_list = (
        ties.with_columns(
            pl.when(pl.col("person_a") == person_id)
            .then(pl.col("person_b"))
            .otherwise(pl.col("person_a"))
            .alias("person_id")
        )
        .select("person_id", "n_incidents", pl.col("weight").round(4), "last_at")
        .sort(["weight", "person_id"], descending=[True, False])
    )
    fam_list = (
        fam.with_columns(
            pl.when(pl.col("person_a") == person_id)
            .then(pl.col("person_b"))
            .otherwise(pl.col("person_a"))
            .alias("person_id")
        )
        .select("person_id", "kind")
        .unique()
        .sort("person_id", "kind")
    )
    # metrics on the person's connected component only (cheap and exact)
    metrics: dict[str, Any] = {"degree": co_list.height, "betweenness": 0.0}
    if co_edges.height > 0 and ties.height > 0:
        graph, names = to_igraph(co_edges, weight=None)
        idx = names.index(person_id)
        comp = graph.subcomponent(idx)
        sub = graph.induced_subgraph(comp)
        sub_idx = sorted(comp).index(idx)
        metrics["betweenness"] = float(sub.betweenness(vertices=[sub_idx])[0])
        metrics["component_size"] = len(comp)
    since = end - dt.timedelta(days=cfg.exposure.window_days)
    vic = victims_of_violence(inc, inv, since=since, until=end)
    contacts = co_list.select("person_id")
    if cfg.exposure.include_family:
        contacts = pl.concat([contacts, fam_list.select("person_id")]).unique()
    hit = contacts.join(vic, on="person_id").sort("person_id")
    metrics["n_network"] = contacts.height
    metrics["n_network_victims"] = hit.height
    metrics["exposure"] = hit.height / contacts.height if contacts.height else 0.0
    risk_row: dict[str, Any] | None = None
    if risk is not None:
        rows = risk.filter(pl.col("person_id") == person_id).to_dicts()
        risk_row = rows[0] if rows else None
    roles = (
        own.group_by("role")
        .agg(pl.col("incident_id").n_unique().alias("n"))
        .sort("role")
    )
    return {
        "person_id": person_id,
        "as_of": end.isoformat(),
        "risk": risk_row,
        "roles": dict(
            zip(
                roles.get_column("role").to_list(),
                roles.get_column("n").to_list(),
                strict=True,
            )
        ),
        "co_offenders": co_list.to_dicts(),
        "family": fam_list.to_dicts(),
        "groups": groups.select("group_id", "origin").sort("group_id").to_dicts(),
        "metrics": metrics,
        "victimised_contacts": hit.to_dicts(),
        "note": (
            "Ranked by own risk only; network facts are context, not a score."
            if risk_row is not None
            else "No own risk score in the risk window (nothing scored): network "
            "facts are context, not a score."
        ),
    }


# --- retaliation -------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class RetaliationResult(Result):
    """Retaliation alerts: one row per (violent incident, group-linked victim)."""

    def to_json(self) -> dict[str, Any]:
        """Return ``{"alerts": [{"incident_id", "victim_id", "at_risk_of_retaliation_from", "possible_targets", "reasons", ...}]}``."""
        alerts = self.frame.with_columns(
            pl.col("occurred_from").dt.to_string("%Y-%m-%dT%H:%M:%S"),
            pl.col("live_until").dt.to_string("%Y-%m-%dT%H:%M:%S"),
        ).to_dicts()
        return {"alerts": alerts}


_ALERT_SCHEMA: Final[dict[str, pl.DataType]] = {
    "incident_id": pl.String(),
    "victim_id": pl.String(),
    "occurred_from": pl.Datetime("us"),
    "live_until": pl.Datetime("us"),
    "victim_linked": pl.Boolean(),
    "victim_groups": pl.List(pl.String()),
    "rival_groups": pl.List(pl.String()),
    "at_risk_of_retaliation_from": pl.List(pl.String()),
    "possible_targets": pl.List(pl.String()),
    "reasons": pl.List(pl.String()),
}


def _capped_list(
    frame: pl.DataFrame, keys: list[str], value: str, order: str, cap: int, name: str
) -> pl.DataFrame:
    return (
        frame.sort([*keys, order, value])
        .unique([*keys, value], keep="first", maintain_order=True)
        .group_by(keys, maintain_order=True)
        .agg(
            pl.col(value).head(cap).sort().alias(name),
            pl.len().cast(pl.Int64).alias(f"n_{name}"),
        )
    )


def retaliation_alerts(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    membership: pl.DataFrame,
    *,
    since: dt.datetime,
    until: dt.datetime | None = None,
    co_edges: pl.DataFrame | None = None,
    family_edges: pl.DataFrame | None = None,
    config: NetworksConfig | None = None,
) -> RetaliationResult:
    """Alert when a group-linked person is a victim of violence: who may retaliate, on whom.

    Parameters
    ----------
    incidents, involvements
        As for :func:`co_offending_edges`; the whole history (earlier conflicts
        between groups name rivals when the offender is unknown).
    membership
        Output of :func:`group_membership` (groups of origin ``retaliation.origins``
        count).
    since, until
        Violent incidents with ``since <= occurred_from <= until`` raise alerts
        (``until`` default: no upper bound).
    co_edges
        Co-offending ties: the victim's co-offenders are listed as possible
        retaliators.
    family_edges
        Kin ties: listed as possible retaliators when ``retaliation.include_family``.
    config
        ``retaliation`` settings (``window_days``, ``max_people``, ...).

    Returns
    -------
    RetaliationResult
        ``frame`` columns: ``incident_id``, ``victim_id``, ``occurred_from``,
        ``live_until`` (occurred + ``window_days``), ``victim_groups``,
        ``rival_groups``, ``at_risk_of_retaliation_from`` (the victim and the people
        linked to them who may retaliate), ``possible_targets`` (the incident's suspects/offenders
        and members of rival groups), ``reasons``.

    Notes
    -----
    Group Violence Intervention (Kennedy 2011; Braga & Weisburd 2012) treats violence
    against a group member as the start of a cycle: reprisals come from the victim's
    group and associates against the offender's group, usually within days. Rival
    groups are those of the incident's suspects/offenders and, to cover unknown
    offenders, groups with earlier recorded violence against or from the victim's
    groups. Only the incident's own history (``occurred_from`` before it) is used to
    name earlier conflicts, so an alert never depends on what came after it.
    """
    cfg = _config(config)
    rc = cfg.retaliation
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    check_frame(membership, ["group_id", "person_id", "origin"], name="membership")
    mem = membership.filter(pl.col("origin").is_in(list(rc.origins))).select(
        "group_id", "person_id", "origin"
    )
    window = inc.filter(pl.col("occurred_from") >= since)
    if until is not None:
        window = window.filter(pl.col("occurred_from") <= until)
    vi = (
        inv.filter(pl.col("role") == "victim")
        .select("incident_id", pl.col("person_id").alias("victim_id"))
        .unique()
        .join(window.select("incident_id", "occurred_from"), on="incident_id")
    )
    keys = ["incident_id", "victim_id"]
    direct = vi.join(mem.rename({"person_id": "victim_id"}), on="victim_id").select(
        *keys, "occurred_from", "group_id"
    )
    links = match_groups(mem).select("group_id", "linked_group_id")
    # the victim's groups: direct membership plus the other view of the same group
    vg = pl.concat(
        [
            direct,
            direct.join(links, on="group_id").select(
                *keys, "occurred_from", pl.col("linked_group_id").alias("group_id")
            ),
        ]
    ).unique()
    linked = direct.select(*keys).unique().with_columns(pl.lit(True).alias("_linked"))
    cand = vi.select(*keys, "occurred_from").unique(keys)
    all_offenders = (
        inv.filter(pl.col("role").is_in(list(cfg.graph.roles)))
        .select("incident_id", pl.col("person_id").alias("other_id"))
        .unique()
        .join(cand.select("incident_id").unique(), on="incident_id")
    )
    mem_other = mem.select("group_id", pl.col("person_id").alias("other_id"))
    og_all = all_offenders.join(mem_other, on="other_id").select(
        "incident_id", "group_id"
    )
    og_all = pl.concat(
        [
            og_all,
            og_all.join(links, on="group_id").select(
                "incident_id", pl.col("linked_group_id").alias("group_id")
            ),
        ]
    ).unique()
    inter = (
        cand.join(og_all, on="incident_id")
        .join(vg.select(*keys, "group_id"), on=[*keys, "group_id"], how="anti")
        .select(*keys)
        .unique()
        .with_columns(pl.lit(True).alias("_inter"))
    )
    facts = window.select(
        "incident_id", "in_definition", "weapon", "gang_related", "injury"
    )
    trig = (
        cand.join(facts, on="incident_id")
        .join(inter, on=keys, how="left")
        .join(linked, on=keys, how="left")
    )
    # a victim in no known group, hurt by a group-linked suspect, is linked to the
    # conflict by the attack itself (when retaliation.unlinked_victims)
    allowed = pl.col("_linked").fill_null(False)
    if rc.unlinked_victims:
        allowed = allowed | pl.col("_inter").fill_null(False)
    conds = {
        "in_definition": pl.col("in_definition"),
        "weapon": pl.col("weapon") != "none",
        "injury": pl.col("injury").is_in(["minor", "serious", "fatal"]),
        "gang_related": pl.col("gang_related"),
        "inter_group": pl.col("_inter").fill_null(False),
    }
    fired: pl.Expr = pl.lit(False)
    for name in rc.triggers:
        fired = fired | conds[name]
    trig = trig.with_columns(
        pl.concat_list([pl.when(conds[n]).then(pl.lit(n)) for n in rc.triggers])
        .list.drop_nulls()
        .alias("_triggers")
    ).filter(fired & allowed)
    base = trig.select(
        *keys,
        "occurred_from",
        "_triggers",
        pl.col("_linked").fill_null(False).alias("victim_linked"),
    )
    vg = vg.join(base.select(keys), on=keys)
    if base.height == 0:
        return _retaliation_result(
            pl.DataFrame(schema=_ALERT_SCHEMA), cfg, since, until
        )
    offenders = all_offenders.join(
        base.select("incident_id").unique(), on="incident_id"
    )
    # who may retaliate: victim's group members, co-offenders and kin
    parts = [
        vg.join(
            mem.select("group_id", pl.col("person_id").alias("other_id")), on="group_id"
        ).select(*keys, "other_id", pl.lit(0).alias("_o"), pl.lit(0.0).alias("_w"))
    ]
    if co_edges is not None and co_edges.height > 0:
        co = _both_ways(co_edges, "co_offender").rename({"person_id": "victim_id"})
        parts.append(
            base.join(co, on="victim_id").select(
                *keys, "other_id", pl.lit(1).alias("_o"), -pl.col("weight").alias("_w")
            )
        )
    if rc.include_family and family_edges is not None and family_edges.height > 0:
        fam = _both_ways(family_edges.select("person_a", "person_b"), "family").rename(
            {"person_id": "victim_id"}
        )
        parts.append(
            base.join(fam, on="victim_id").select(
                *keys, "other_id", pl.lit(2).alias("_o"), pl.lit(0.0).alias("_w")
            )
        )
    # the victim comes first: victims of group violence often retaliate themselves
    victim_self = base.select(
        *keys,
        pl.col("victim_id").alias("other_id"),
        pl.lit(-1).alias("_o"),
        pl.lit(0.0).alias("_w"),
    )
    retal = (
        pl.concat(
            [
                victim_self,
                pl.concat(parts).filter(pl.col("other_id") != pl.col("victim_id")),
            ]
        )
        .join(offenders, on=["incident_id", "other_id"], how="anti")
        .with_columns(pl.col("_w").cast(pl.Float64))
    )
    retal_lists = _capped_list(
        retal.with_columns((pl.col("_o") * 1e9 + pl.col("_w")).alias("_ord")),
        keys,
        "other_id",
        "_ord",
        rc.max_people,
        "at_risk_of_retaliation_from",
    )
    # rival groups: the offenders' groups (not the victim's own), then earlier conflicts
    og = og_all
    own_groups = vg.select(*keys, "group_id")
    named = (
        base.join(og, on="incident_id")
        .join(own_groups, on=[*keys, "group_id"], how="anti")
        .select(*keys, pl.col("group_id").alias("rival_id"), pl.lit(0).alias("_o"))
    )
    history = _conflict_incidents(
        mem, inc, inv, roles=cfg.graph.roles, start=None, end=until
    )
    sides = pl.concat(
        [
            history.select(
                pl.col("offender_group_id").alias("group_id"),
                pl.col("victim_group_id").alias("rival_id"),
                pl.col("occurred_from").alias("_at"),
                pl.col("incident_id").alias("_cid"),
            ),
            history.select(
                pl.col("victim_group_id").alias("group_id"),
                pl.col("offender_group_id").alias("rival_id"),
                pl.col("occurred_from").alias("_at"),
                pl.col("incident_id").alias("_cid"),
            ),
        ]
    )
    earlier = (
        vg.select(*keys, "group_id", "occurred_from")
        .join(sides, on="group_id")
        .filter(
            (pl.col("_at") < pl.col("occurred_from"))
            & (pl.col("_cid") != pl.col("incident_id"))
        )
        .select(*keys, "rival_id", pl.lit(1).alias("_o"))
    )
    rivals = pl.concat([named, earlier]).join(
        own_groups.rename({"group_id": "rival_id"}), on=[*keys, "rival_id"], how="anti"
    )
    rival_lists = rivals.group_by(*keys).agg(
        pl.col("rival_id").unique().sort().alias("rival_groups"),
        pl.col("rival_id").filter(pl.col("_o") == 0).unique().sort().alias("_named"),
        pl.col("rival_id").filter(pl.col("_o") == 1).unique().sort().alias("_earlier"),
    )
    targets = pl.concat(
        [
            base.join(offenders, on="incident_id").select(
                *keys, "other_id", pl.lit(0).alias("_ord")
            ),
            rivals.select(*keys, "rival_id", "_o")
            .join(
                mem.select(
                    pl.col("group_id").alias("rival_id"),
                    pl.col("person_id").alias("other_id"),
                ),
                on="rival_id",
            )
            .select(*keys, "other_id", (pl.col("_o") + 1).alias("_ord")),
        ]
    ).filter(pl.col("other_id") != pl.col("victim_id"))
    target_lists = _capped_list(
        targets, keys, "other_id", "_ord", rc.max_people, "possible_targets"
    )
    vgroups = own_groups.group_by(keys).agg(
        pl.col("group_id").unique().sort().alias("victim_groups")
    )
    empty = pl.lit([], dtype=pl.List(pl.String))
    frame = (
        base.join(vgroups, on=keys, how="left")
        .join(rival_lists, on=keys, how="left")
        .join(retal_lists, on=keys, how="left")
        .join(target_lists, on=keys, how="left")
        .with_columns(
            pl.col(
                "victim_groups",
                "rival_groups",
                "_named",
                "_earlier",
                "at_risk_of_retaliation_from",
                "possible_targets",
            ).fill_null(empty),
            pl.col("n_at_risk_of_retaliation_from", "n_possible_targets").fill_null(0),
            (pl.col("occurred_from") + pl.duration(days=rc.window_days)).alias(
                "live_until"
            ),
        )
    )
    reasons = [
        pl.format("trigger: {}", pl.col("_triggers").list.join(", ")),
        pl.when(pl.col("victim_groups").list.len() > 0)
        .then(
            pl.format(
                "victim {} is linked to group(s) {}",
                pl.col("victim_id"),
                pl.col("victim_groups").list.join(", "),
            )
        )
        .otherwise(
            pl.format(
                "victim {} is in no known group but was hurt by a group-linked "
                "suspect/offender: the attack links them to the conflict",
                pl.col("victim_id"),
            )
        ),
        pl.format(
            "the victim and {} linked people (group members, co-offenders{}) may retaliate",
            pl.col("n_at_risk_of_retaliation_from") - 1,
            pl.lit(", kin" if rc.include_family else ""),
        ),
        pl.when(pl.col("n_at_risk_of_retaliation_from") > rc.max_people).then(
            pl.format(
                f"retaliation list shows the first {rc.max_people} (the victim, group members, then strongest ties)"
            )
        ),
        pl.when(pl.col("_named").list.len() > 0).then(
            pl.format(
                "rival group(s) named by this incident's suspects/offenders: {}",
                pl.col("_named").list.join(", "),
            )
        ),
        pl.when(pl.col("_earlier").list.len() > 0).then(
            pl.format(
                "earlier recorded violence with group(s): {}",
                pl.col("_earlier").list.join(", "),
            )
        ),
        pl.when(pl.col("n_possible_targets") > rc.max_people).then(
            pl.format(
                f"target list shows the first {rc.max_people} of {{}}",
                pl.col("n_possible_targets"),
            )
        ),
        pl.format(
            f"alert live for {rc.window_days} days, until {{}}",
            pl.col("live_until").dt.to_string("%Y-%m-%d %H:%M"),
        ),
    ]
    frame = (
        frame.with_columns(pl.concat_list(reasons).list.drop_nulls().alias("reasons"))
        .select(list(_ALERT_SCHEMA))
        .sort("occurred_from", "incident_id", "victim_id")
    )
    return _retaliation_result(frame, cfg, since, until)


def _retaliation_result(
    frame: pl.DataFrame,
    cfg: NetworksConfig,
    since: dt.datetime,
    until: dt.datetime | None,
) -> RetaliationResult:
    return RetaliationResult(
        frame=frame,
        params={
            "since": since,
            "until": until,
            "window_days": cfg.retaliation.window_days,
            "origins": list(cfg.retaliation.origins),
            "include_family": cfg.retaliation.include_family,
            "config": cfg.source,
        },
        method=(
            "violent incident with a group-linked victim -> victim's group members, "
            "co-offenders and kin as possible retaliators; offenders' groups and groups "
            "in earlier recorded conflict as rivals"
        ),
        source="Kennedy (2011) Don't Shoot; Braga & Weisburd (2012) Campbell Syst Rev; "
        + _SOURCE_EXPOSURE,
        notes=(
            "An alert is a prompt for safeguarding and prevention, not evidence against anyone.",
        ),
    )
