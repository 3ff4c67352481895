"""Groups: Leiden communities, union with declared groups, the whole group analysis."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np
import polars as pl

from avert.analyse.networks._common import (
    _SOURCE_GROUPS,
    _config,
    _graph_window,
)
from avert.analyse.networks._conflicts import _conflict_incidents, _summarise_conflicts
from avert.analyse.networks._graph import _edges, _tie_rows, to_igraph
from avert.analyse.networks._matrix import assign_continuum, prioritise_groups
from avert.analyse.networks._profiles import _profiles
from avert.analyse.result import Result
from avert.config.networks import NetworksConfig
from avert.errors import SchemaError
from avert.schema import DETECTED_GROUP_PREFIX, check_frame


def detect_groups(
    co_edges: pl.DataFrame,
    *,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Find groups as Leiden communities of the co-offending graph.

    Parameters
    ----------
    co_edges
        Output of :func:`co_offending_edges` (``person_a``, ``person_b``, ``weight``;
        ``n_incidents`` used when present).
    config
        ``communities.objective``, ``cpm_density`` (CPM) or ``resolution``
        (modularity), ``min_group_size``, ``n_iterations`` and ``seed``.

    Returns
    -------
    polars.DataFrame
        ``group_id``, ``person_id``, ``origin`` (``"detected"``); one row per member of
        each community of at least ``min_group_size`` people. ``group_id`` is
        ``"net-"`` + the smallest member ``person_id`` (stable while the membership is).

    Notes
    -----
    ``Graph.community_leiden(objective_function=..., weights="weight",
    resolution=...)``. With the constant Potts model (``objective = "cpm"``, the
    default) the resolution is :func:`community_resolution`: ``cpm_density`` times
    the mean weight of one shared incident, so a group's member pairs share on
    average more than ``cpm_density`` incidents, whatever the size of the graph (no
    resolution limit; modularity at force scale merges small groups joined by a
    few random ties). Randomness is seeded from ``communities.seed`` through a
    private ``random.Random`` so repeated runs agree and global state is untouched.

    References
    ----------
    Traag, V. A., Waltman, L. & van Eck, N. J. (2019) From Louvain to Leiden:
    guaranteeing well-connected communities. Scientific Reports 9, 5233.
    Traag, V. A., Van Dooren, P. & Nesterov, Y. (2011) Narrow scope for
    resolution-limit-free community detection. Physical Review E 84, 016114.
    Fortunato, S. & Barthelemy, M. (2007) Resolution limit in community detection.
    PNAS 104(1), 36-41.
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
            objective_function="CPM" if cfg.objective == "cpm" else "modularity",
            weights="weight",
            resolution=community_resolution(co_edges, config=config),
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
            (
                pl.lit(DETECTED_GROUP_PREFIX) + pl.col("person_id").min().over("_c")
            ).alias("group_id"),
        )
        .filter(pl.col("_n") >= cfg.min_group_size)
        .select("group_id", "person_id", pl.lit("detected").alias("origin"))
        .sort("group_id", "person_id")
    )


def community_resolution(
    co_edges: pl.DataFrame, *, config: NetworksConfig | None = None
) -> float:
    """The Leiden resolution :func:`detect_groups` uses on these ties.

    Modularity: ``communities.resolution``. Constant Potts model: ``cpm_density``
    times the mean weight of one shared incident (``sum(weight) / sum(n_incidents)``;
    the mean tie weight when ``n_incidents`` is absent), i.e. a density threshold in
    the graph's own weight units.
    """
    cfg = _config(config).communities
    if cfg.objective != "cpm":
        return cfg.resolution
    total = float(co_edges.get_column("weight").sum()) if co_edges.height else 0.0
    if "n_incidents" in co_edges.columns:
        count = float(co_edges.get_column("n_incidents").sum())
    else:
        count = float(co_edges.height)
    per_incident = total / count if count > 0 and total > 0 else 1.0
    return cfg.cpm_density * per_incident


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
        """Return ``{"groups": [{"group_id", "members", "continuum", "band", ...}], "notes"}``.

        ``notes`` are the caveats the table output prints under the groups.
        """
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
        return {"groups": groups, "notes": list(self.notes)}


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
    # offending rows are found once and shared by every step
    window = _graph_window(incidents, involvements, as_of=as_of, cfg=cfg.graph)
    inc, inv, start, end, off = window
    edges = _edges(_tie_rows(off, inv), end=end, cfg=cfg.graph)
    detected = detect_groups(edges, config=cfg)
    membership = group_membership(detected, group_members)
    conflicts = _summarise_conflicts(
        _conflict_incidents(
            membership, inc, inv, roles=cfg.graph.roles, start=start, end=end, off=off
        )
    )
    profiles = _profiles(
        membership, window, co_edges=edges, conflicts=conflicts, cfg=cfg
    )
    placed = _with_declared_level(assign_continuum(profiles, config=cfg), groups)
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
            "objective": cfg.communities.objective,
            "resolution": community_resolution(edges, config=cfg),
            "min_group_size": cfg.communities.min_group_size,
            "config": cfg.source,
        },
        method=(
            "co-offending graph (recency- and harm-weighted) -> Leiden communities "
            f"({cfg.communities.objective}) + declared groups -> profiles -> continuum rules -> "
            "network prioritisation matrix (harm x threat x trend)"
        ),
        source=_SOURCE_GROUPS,
        notes=(
            "Groups describe recorded co-offending; membership alone never ranks a person.",
            "Declared groups are shown with the share of members corroborated by recorded ties.",
        ),
    )


def _with_declared_level(
    placed: pl.DataFrame, groups: pl.DataFrame | None
) -> pl.DataFrame:
    """The groups ``placed`` on the continuum with the level ``groups`` declares
    beside the rule-based one (``declared_continuum``), and, where the two differ,
    the reason saying so; ``placed`` as it is when no level is declared."""
    if groups is None or "continuum" not in groups.columns:
        return placed
    declared = groups.select(
        pl.col("group_id").cast(pl.String),
        pl.col("continuum").cast(pl.String).alias("declared_continuum"),
    ).unique("group_id")
    return placed.join(declared, on="group_id", how="left").with_columns(
        pl.when(
            pl.col("declared_continuum").is_not_null()
            & (pl.col("declared_continuum") != pl.col("continuum"))
        )
        .then(
            pl.format(
                "{}; declared level {} differs: review the group audit",
                pl.col("continuum_reason"),
                # in words, as the reason's own level ("organised network")
                pl.col("declared_continuum").str.replace_all("_", " "),
            )
        )
        .otherwise(pl.col("continuum_reason"))
        .alias("continuum_reason")
    )
