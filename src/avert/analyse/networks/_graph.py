"""Graphs: the co-offending graph (Reiss 1988; Sarnecki 2001), who hurt whom, igraph."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Final

import igraph as ig
import numpy as np
import polars as pl

from avert.analyse.networks._common import (
    _age_days,
    _check_incidents,
    _check_involvements,
    _config,
    _graph_window,
    _offending,
    _vertex_codes,
    _victims,
)
from avert.config.networks import GraphConfig, NetworksConfig


def co_offending_edges(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    as_of: dt.datetime | None = None,
    config: NetworksConfig | None = None,
    weights_as_of: dt.datetime | None = None,
) -> pl.DataFrame:
    """Return the weighted co-offending ties between people.

    Two people are tied when both are recorded in ``config.graph.roles`` (suspect,
    offender) in the same incident within ``graph.window_days`` before ``as_of``,
    and neither is also recorded as a victim of it (a mutual fight ties no one).

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
    weights_as_of
        The time the ties' ages are counted to (default: the window's end; not
        before it). A later time multiplies every incident's decay, and so every
        tie's weight, by the same factor: the ties rank as of the window's end,
        to the :data:`_WEIGHT_UNITS` they are summed in (the briefing counts them
        to the end of its day, so that each minute of the day weighs them alike,
        :func:`avert.workflows.networks.briefing_retaliation`).

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
    window = _graph_window(incidents, involvements, as_of=as_of, cfg=cfg)
    if weights_as_of is not None and weights_as_of < window.end:
        raise ValueError(
            f"weights_as_of ({weights_as_of}) is before the window's end ({window.end})"
        )
    end = window.end if weights_as_of is None else weights_as_of
    return _edges(_tie_rows(window.off, window.inv), end=end, cfg=cfg)


def _tie_rows(off: pl.DataFrame, inv: pl.DataFrame) -> pl.DataFrame:
    """The offending rows that make co-offending ties: a person also recorded as a
    victim of the incident (a mutual fight, a counter-allegation) is a party on the
    other side, not a co-offender, so that fights between rivals do not tie them
    (and merge their groups). The rows still count as offending elsewhere (group
    incidents, conflicts)."""
    victims = (
        inv.filter(pl.col("role") == "victim")
        .select("incident_id", "person_id")
        .unique()
    )
    return off.join(victims, on=["incident_id", "person_id"], how="anti")


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


#: Tie weights are summed as integers in these units (2**-32 of one incident's weight,
#: exact to about 1e-10): the same sum in any row or thread order.
_WEIGHT_UNITS: Final = float(1 << 32)


def _edges(off: pl.DataFrame, *, end: dt.datetime, cfg: GraphConfig) -> pl.DataFrame:
    """Co-offending ties from offending rows (see :func:`co_offending_edges`).

    Rows are coded (incident row number ``_i`` from :func:`_offending`, dense person
    code ``_p``) and sorted by incident then person; the pairs of an incident are
    then found by comparing each row with the next ``k`` rows (``k`` < the largest
    number of offenders kept per incident), which avoids a self-join. A pair is
    aggregated on one 64-bit key (``_p << 32 | _q``); its weight is summed exactly
    in :data:`_WEIGHT_UNITS`, so the same rows in any order give the same weights.
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
            # summed exactly, in fixed point: a float sum in row or thread order
            # differs in the last bit from run to run, and Leiden then finds other
            # groups (an integer sum is the same in any order, at no cost)
            (pl.col("_w") * _WEIGHT_UNITS).round().cast(pl.Int64).sum().alias("_wq"),
            pl.col("harm_days").sum().alias("harm_days"),
            pl.col("occurred_from").min().alias("first_at"),
            pl.col("occurred_from").max().alias("last_at"),
        )
        .with_columns(
            (pl.col("_wq") / _WEIGHT_UNITS).alias("weight"),
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
    vic = _victims(inv)
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
    ids, a, b = _vertex_codes(edges, source, target, vertices=vertices)
    pairs = np.column_stack([a, b])
    graph = ig.Graph(n=ids.len(), edges=pairs, directed=False)
    names = ids.to_list()
    graph.vs["name"] = names
    if weight is not None:
        graph.es["weight"] = edges.get_column(weight).cast(pl.Float64).to_numpy()
    return graph, names
