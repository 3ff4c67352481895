"""Group profiles: size, harm, violence and weapons, trend, longevity, conflicts."""

from __future__ import annotations

import datetime as dt
from typing import Final

import polars as pl

from avert.analyse.networks._common import (
    _US_PER_DAY,
    _both_ways,
    _config,
    _each_way,
    _graph_window,
    _Window,
)
from avert.analyse.networks._conflicts import group_conflicts
from avert.config.networks import GROUP_HARM_MEASURES, NetworksConfig
from avert.schema import check_frame

#: the columns of a group profile, in order
_PROFILE_COLUMNS: Final = (
    "group_id",
    "origin",
    "size",
    "n_active_members",
    "corroborated_share",
    *GROUP_HARM_MEASURES,
    "first_at",
    "last_at",
    "longevity_days",
    "recent_incidents",
    "previous_incidents",
    "trend",
    "n_conflicts",
    "n_rivals",
    "max_rival_conflicts",
    "rivals",
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
        ``n_violent_incidents``, ``weapon_share``, ``firearm_share``,
        ``gang_flag_share``, ``first_at``, ``last_at``,
        ``longevity_days``, ``recent_incidents``, ``previous_incidents``, ``trend``,
        ``n_conflicts``, ``n_rivals``, ``max_rival_conflicts``, ``rivals`` (list).

    Notes
    -----
    A group's incidents are the distinct incidents in which any member is recorded
    as suspect or offender in the window. Longevity is the span in days from the
    first to the last of them. The trend compares the last
    ``activity.trend_window_days`` with the window before it.
    """
    cfg = _config(config)
    window = _graph_window(incidents, involvements, as_of=as_of, cfg=cfg.graph)
    check_frame(membership, ["group_id", "person_id", "origin"], name="membership")
    return _profiles(
        membership, window, co_edges=co_edges, conflicts=conflicts, cfg=cfg
    )


def _tied_members(mem: pl.DataFrame, co_edges: pl.DataFrame | None) -> pl.DataFrame:
    """Per group, the number of members with a co-offending tie to another member."""
    if co_edges is None or co_edges.height == 0:
        return pl.DataFrame(schema={"group_id": pl.String, "_tied": pl.Int64})
    both = _both_ways(co_edges, "co_offender").select(
        "person_id", pl.col("other_id").alias("other")
    )
    return (
        mem.join(both, on="person_id")
        .join(
            mem.select("group_id", pl.col("person_id").alias("other")),
            on=["group_id", "other"],
        )
        .group_by("group_id")
        .agg(pl.col("person_id").n_unique().cast(pl.Int64).alias("_tied"))
    )


def _conflict_counts(conflicts: pl.DataFrame) -> pl.DataFrame:
    """Per group: violent conflicts (either side), the most with one rival, rivals."""
    sides = _each_way(
        conflicts,
        "offender_group_id",
        "victim_group_id",
        names=("group_id", "rival"),
        carry=["n_incidents"],
    )
    per_rival = sides.group_by("group_id", "rival").agg(
        pl.col("n_incidents").sum().cast(pl.Int64).alias("_n")
    )
    return per_rival.group_by("group_id").agg(
        pl.col("_n").sum().cast(pl.Int64).alias("n_conflicts"),
        pl.col("_n").max().cast(pl.Int64).alias("max_rival_conflicts"),
        pl.col("rival").unique().sort().alias("rivals"),
    )


def _profiles(
    membership: pl.DataFrame,
    window: _Window,
    *,
    co_edges: pl.DataFrame | None,
    conflicts: pl.DataFrame | None,
    cfg: NetworksConfig,
) -> pl.DataFrame:
    """Group profiles from offending rows (see :func:`group_profiles`)."""
    inc, inv, start, end, off = window
    mem = membership.select("group_id", "person_id", "origin")
    sizes = mem.group_by("group_id", "origin").agg(
        pl.len().cast(pl.Int64).alias("size")
    )
    tw = dt.timedelta(days=cfg.activity.trend_window_days)
    active, stats = _incident_stats(mem, inc, off, end=end, tw=tw)
    tied = _tied_members(mem, co_edges)
    if conflicts is None:
        conflicts = group_conflicts(mem, inc, inv, since=start, until=end, config=cfg)
    conf = _conflict_counts(conflicts)
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
                "max_rival_conflicts",
                "n_violent_incidents",
                "_tied",
            ).fill_null(0),
            pl.col("harm_days").fill_null(0.0),
            pl.col(
                "violence_share", "weapon_share", "firearm_share", "gang_flag_share"
            ).fill_null(0.0),
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
    return out.select(_PROFILE_COLUMNS).sort("group_id")


def _incident_stats(
    mem: pl.DataFrame,
    inc: pl.DataFrame,
    off: pl.DataFrame,
    *,
    end: dt.datetime,
    tw: dt.timedelta,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per group: active members, and the facts of the members' distinct incidents
    (counts, harm, shares, first and last, incidents in the last ``tw`` before ``end``
    and in the ``tw`` before that)."""
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
        pl.col(
            "occurred_from", "harm_days", "in_definition", "weapon", "gang_related"
        ).gather(keys.get_column("_i"))
    )
    gi = (
        pl.concat([keys, facts], how="horizontal").join(codes, on="_g").drop("_g", "_i")
    )
    stats = gi.group_by("group_id").agg(
        pl.len().cast(pl.Int64).alias("n_incidents"),
        pl.col("harm_days").sum().alias("harm_days"),
        pl.col("in_definition").mean().alias("violence_share"),
        pl.col("in_definition").sum().cast(pl.Int64).alias("n_violent_incidents"),
        (pl.col("weapon") != "none").mean().alias("weapon_share"),
        pl.col("gang_related").mean().alias("gang_flag_share"),
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
    return active, stats
