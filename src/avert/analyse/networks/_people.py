"""People in networks: exposure, degree, betweenness; ranking by own risk only."""

from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import numpy as np
import polars as pl

from avert.analyse.networks._common import (
    _as_of,
    _both_ways,
    _check_incidents,
    _check_involvements,
    _config,
    _in_window,
)
from avert.analyse.networks._component import ComponentBetweenness
from avert.analyse.networks._graph import to_igraph
from avert.config.networks import NetworksConfig
from avert.errors import NotFound
from avert.schema import check_frame


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
    return (
        _in_window(rows, since, until)
        .group_by("person_id")
        .agg(
            pl.len().cast(pl.Int64).alias("n_victimisations"),
            pl.col("occurred_from").max().alias("last_victimised_at"),
        )
        .sort("person_id")
    )


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
    fam = _kin_both_ways(family_edges)
    nfam = fam.group_by("person_id").agg(pl.len().cast(pl.Int64).alias("n_family"))
    network = pl.concat([co, fam]) if cfg.exposure.include_family else co
    expo = _exposure(network.select("person_id", "other_id").unique(), victimised)
    people = pl.concat(
        [deg.select("person_id"), nfam.select("person_id"), expo.select("person_id")]
    ).unique()
    if with_betweenness and co_edges.height > 0:
        btw = _betweenness(co_edges, cfg.communities.betweenness_cutoff or None)
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


def _kin_both_ways(family_edges: pl.DataFrame | None) -> pl.DataFrame:
    """The kin ties (``person_a``, ``person_b``; none when ``family_edges`` is
    None) once each way (:func:`_both_ways`), each pair of people once."""
    kin = (
        family_edges.select("person_a", "person_b")
        if family_edges is not None
        else pl.DataFrame(schema={"person_a": pl.String, "person_b": pl.String})
    )
    return _both_ways(kin, "family").unique(["person_id", "other_id"])


def _exposure(network: pl.DataFrame, victimised: pl.DataFrame | None) -> pl.DataFrame:
    """Per person of the first-degree ``network`` (``person_id``, ``other_id``):
    ``n_network`` contacts, ``n_network_victims`` of them in ``victimised`` (none
    when None) and ``exposure``, their share (Papachristos et al. 2015)."""
    vic = (
        victimised.select("person_id").unique().with_columns(pl.lit(True).alias("_v"))
        if victimised is not None
        else pl.DataFrame(schema={"person_id": pl.String, "_v": pl.Boolean})
    )
    return (
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


def _betweenness(co_edges: pl.DataFrame, cutoff: int | None) -> pl.DataFrame:
    """``person_id`` and ``betweenness`` of everyone in the co-offending graph:
    Brandes' algorithm in igraph, over paths of at most ``cutoff`` hops (None:
    any)."""
    graph, names = to_igraph(co_edges, weight=None)
    return pl.DataFrame(
        {
            "person_id": names,
            "betweenness": np.asarray(
                graph.betweenness(cutoff=cutoff), dtype=np.float64
            ),
        },
        schema={"person_id": pl.String, "betweenness": pl.Float64},
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
    known: bool = False,
    betweenness: ComponentBetweenness | None = None,
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
    known
        The person is on record (the store's people table): with no involvement,
        tie or membership (a caller known from ASB reports alone) the picture is
        empty, not :class:`NotFound`.
    betweenness
        The betweenness of ``co_edges``'s components, kept for many people's
        pictures (:class:`ComponentBetweenness` of the same ``co_edges``); made
        here for this one when None. The figures are the same either way.

    Returns
    -------
    dict
        ``person_id``, ``risk`` (own score and parts, or None), ``roles`` (counts by
        role), ``co_offenders`` (``person_id``, ``n_incidents``, ``weight``),
        ``family`` (``person_id``, ``kind``: their tie to the person, ``child``
        for a child of a ``parent`` tie), ``groups``, ``metrics`` (``degree``: the
        co-offenders; ``betweenness`` and ``component_size`` in the person's
        co-offending component; ``n_network``: the close network of exposure, the
        co-offenders and, with ``exposure.include_family``, ``n_network_family``
        family who are not co-offenders; ``n_network_victims`` of them victims of
        violence in the ``exposure_window_days`` to ``as_of``; ``exposure``, their
        share) and ``victimised_contacts`` (those victims).

    Raises
    ------
    NotFound
        When the person has no involvement, tie or membership at all and is not
        ``known``.
    """
    cfg = _config(config)
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    end = _as_of(inc, as_of)
    own, ties, groups, fam = _records_of(
        person_id,
        inv=inv,
        co_edges=co_edges,
        membership=membership,
        family_edges=family_edges,
        known=known,
    )
    co_list = _co_offender_list(ties)
    fam_list = _family_list(fam, person_id)
    metrics, hit = _network_metrics(
        person_id,
        co_edges=co_edges,
        co_list=co_list,
        fam_list=fam_list,
        inc=inc,
        inv=inv,
        end=end,
        cfg=cfg,
        betweenness=betweenness,
    )
    risk_row = _risk_row(risk, person_id)
    return {
        "person_id": person_id,
        "as_of": end.isoformat(),
        "risk": risk_row,
        "roles": _role_counts(own),
        "co_offenders": co_list.to_dicts(),
        "family": fam_list.to_dicts(),
        "groups": groups.select("group_id", "origin").sort("group_id").to_dicts(),
        "metrics": metrics,
        "victimised_contacts": hit.to_dicts(),
        "note": _note(risk_row),
    }


class _Records(NamedTuple):
    """What is on record of one person: the rows of each source that name them."""

    #: their involvements (``incident_id``, ``person_id``, ``role``)
    own: pl.DataFrame
    #: their co-offending edges, the other end as ``person_id`` (:func:`_ties_of`)
    ties: pl.DataFrame
    #: their group links (``group_id``, ``origin``)
    groups: pl.DataFrame
    #: their kin edges, the other end as ``person_id`` (:func:`_family_ties`)
    fam: pl.DataFrame


def _records_of(
    person_id: str,
    *,
    inv: pl.DataFrame,
    co_edges: pl.DataFrame,
    membership: pl.DataFrame,
    family_edges: pl.DataFrame | None,
    known: bool,
) -> _Records:
    """The rows naming ``person_id`` in the involvements, co-offending edges, group
    memberships and kin edges (:class:`_Records`).

    Raises
    ------
    NotFound
        When no row names them and they are not ``known`` (on record elsewhere).
    """
    records = _Records(
        own=inv.filter(pl.col("person_id") == person_id),
        ties=_ties_of(co_edges, person_id),
        groups=membership.filter(pl.col("person_id") == person_id),
        fam=_family_ties(family_edges, person_id),
    )
    if sum(frame.height for frame in records) == 0 and not known:
        msg = f"person {person_id!r} has no involvements, ties or group links"
        raise NotFound(msg)
    return records


def _co_offender_list(ties: pl.DataFrame) -> pl.DataFrame:
    """The person's co-offenders from their ties (:func:`_ties_of`):
    ``person_id``, ``n_incidents``, ``weight`` rounded to 4 places and ``last_at``,
    the strongest tie first (ties of equal weight by ``person_id``)."""
    return ties.select(
        "person_id", "n_incidents", pl.col("weight").round(4), "last_at"
    ).sort(["weight", "person_id"], descending=[True, False])


def _note(risk_row: dict[str, Any] | None) -> str:
    """The picture's note: people are ranked by own risk only (ICO 2018, see
    :func:`rank_people`), and whether the person has an own risk score at all."""
    if risk_row is not None:
        return "Ranked by own risk only; network facts are context, not a score."
    return (
        "No own risk score in the risk window (nothing scored): network "
        "facts are context, not a score."
    )


def _family_ties(family_edges: pl.DataFrame | None, person_id: str) -> pl.DataFrame:
    """:func:`_ties_of` the kin edges (none when ``family_edges`` is None)."""
    return _ties_of(
        family_edges
        if family_edges is not None
        else pl.DataFrame(
            schema={"person_a": pl.String, "person_b": pl.String, "kind": pl.String}
        ),
        person_id,
    )


def _risk_row(risk: pl.DataFrame | None, person_id: str) -> dict[str, Any] | None:
    """The person's own risk row (score and parts), or None (no scores, or none of
    the person's)."""
    if risk is None:
        return None
    rows = risk.filter(pl.col("person_id") == person_id).to_dicts()
    return rows[0] if rows else None


def _family_list(fam: pl.DataFrame, person_id: str) -> pl.DataFrame:
    """The kin of ``person_id`` (:func:`_ties_of` of the family edges), each with
    ``kind``, their tie to the person, once per tie, sorted."""
    # kind is the other person's tie to this one: a parent tie is "parent" when
    # they are the parent, "child" when this person is (the pair's order is by id)
    kind = (
        pl.when((pl.col("kind") == "parent") & (pl.col("parent_id") == person_id))
        .then(pl.lit("child"))
        .otherwise(pl.col("kind"))
        if "parent_id" in fam.columns
        else pl.col("kind")
    )
    return (
        fam.select("person_id", kind.alias("kind")).unique().sort("person_id", "kind")
    )


def _network_metrics(
    person_id: str,
    *,
    co_edges: pl.DataFrame,
    co_list: pl.DataFrame,
    fam_list: pl.DataFrame,
    inc: pl.DataFrame,
    inv: pl.DataFrame,
    end: dt.datetime,
    cfg: NetworksConfig,
    betweenness: ComponentBetweenness | None,
) -> tuple[dict[str, Any], pl.DataFrame]:
    """The ``metrics`` of :func:`person_network` and its victimised contacts:
    degree, betweenness and size of the person's co-offending component, and the
    close network's exposure (its members who were victims of violence in the
    ``exposure.window_days`` to ``end``)."""
    # metrics on the person's connected component only (cheap and exact)
    # (a person without co-offenders is a component of one)
    metrics: dict[str, Any] = {
        "degree": co_list.height,
        "betweenness": 0.0,
        "component_size": 1,
    }
    if co_edges.height > 0 and co_list.height > 0:
        kept = betweenness or ComponentBetweenness(co_edges)
        metrics.update(kept.of(person_id))
    since = end - dt.timedelta(days=cfg.exposure.window_days)
    vic = victims_of_violence(inc, inv, since=since, until=end)
    contacts = co_list.select("person_id")
    if cfg.exposure.include_family:
        contacts = pl.concat([contacts, fam_list.select("person_id")]).unique()
    hit = contacts.join(vic, on="person_id").sort("person_id")
    # the close network is the co-offenders and (exposure.include_family) the
    # family who are not co-offenders: the page says so, as "n network 2" beside
    # "degree 0" could not be reconciled
    metrics["n_network"] = contacts.height
    metrics["n_network_family"] = contacts.height - co_list.height
    metrics["exposure_window_days"] = cfg.exposure.window_days
    metrics["n_network_victims"] = hit.height
    metrics["exposure"] = hit.height / contacts.height if contacts.height else 0.0
    return metrics, hit


def _ties_of(edges: pl.DataFrame, person_id: str) -> pl.DataFrame:
    """The edges touching ``person_id``, with the other end as ``person_id``."""
    return edges.filter(
        (pl.col("person_a") == person_id) | (pl.col("person_b") == person_id)
    ).with_columns(
        pl.when(pl.col("person_a") == person_id)
        .then(pl.col("person_b"))
        .otherwise(pl.col("person_a"))
        .alias("person_id")
    )


def _role_counts(own: pl.DataFrame) -> dict[str, int]:
    """Distinct incidents per role of one person's involvements."""
    roles = (
        own.group_by("role")
        .agg(pl.col("incident_id").n_unique().alias("n"))
        .sort("role")
    )
    return dict(
        zip(
            roles.get_column("role").to_list(),
            roles.get_column("n").to_list(),
            strict=True,
        )
    )
