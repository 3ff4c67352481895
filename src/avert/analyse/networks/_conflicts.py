"""Conflicts: violence between groups from the victim-offender graph (Kennedy 2011)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import polars as pl

from avert.analyse.networks._common import (
    _check_incidents,
    _check_involvements,
    _config,
    _offending,
    _victims,
)
from avert.config.networks import NetworksConfig


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
    vic = _victims(inv)
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
