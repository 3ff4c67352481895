"""Families: kin and same-address links, family units, family harm, sibling offending.

The seed (¶13) wants the family-centred links across crime types: the same family
can appear in domestic abuse, youth violence and group offending records held by
different teams. This module joins them up:

* :func:`family_edges` keeps kin and same-address relationships (``sibling``,
  ``parent``, ``partner``, ``ex_partner``, ``same_address``) valid at a date;
* :func:`family_units` finds family units as connected components of those links
  (scipy's ``connected_components``);
* :func:`family_harm` sums harm across crime types per family (as victims and as
  offenders), flags domestic abuse and youth violence in the same family;
* :func:`sibling_offending` lists sibling pairs who both offend, and how often together
  (Farrington, Jolliffe, Loeber et al. 2001: offending concentrates in families; a
  convicted sibling is among the strongest family predictors).

All functions are pure: frames in, frames out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import numpy as np
import polars as pl

from avert.analyse.networks._common import (
    _INCIDENT_COLUMNS,
    _check_involvements,
    _config,
    _in_window,
    _incident_facts,
    _vertex_codes,
)
from avert.config.networks import NetworksConfig
from avert.errors import SchemaError
from avert.schema import check_frame, column_or

__all__ = [
    "FAMILY_PREFIX",
    "family_edges",
    "family_harm",
    "family_units",
    "sibling_offending",
]

#: A family's id: this and its smallest member's person id (:func:`family_units`).
FAMILY_PREFIX: Final = "fam-"
_KIN_SOURCE: Final = (
    "AVB delivery plan 2010 ¶13 (family-centred approach); Farrington, Jolliffe, "
    "Loeber, Stouthamer-Loeber & Kalb (2001) J Adolesc 24:579-596"
)


def family_edges(
    relationships: pl.DataFrame,
    *,
    kinds: Sequence[str] | None = None,
    as_of: dt.date | None = None,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Kin and same-address ties, one row per unordered pair and kind.

    Parameters
    ----------
    relationships
        ``person_a``, ``person_b``, ``kind``; ``valid_from``/``valid_to`` optional
        (dates, datetimes, or ISO ``YYYY-MM-DD`` text as a CSV reads them).
    kinds
        Kinds kept (default ``families.kinds`` of the config).
    as_of
        Keep only links valid on this date (null bounds are open). None: all.
    config
        Network settings.

    Returns
    -------
    polars.DataFrame
        ``person_a < person_b``, ``kind``, ``parent_id`` (for ``parent``: which of
        the two is the parent, as ``person_a`` of the relationship said; else null).
    """
    check_frame(relationships, ["person_a", "person_b", "kind"], name="relationships")
    keep = list(kinds) if kinds is not None else list(_config(config).families.kinds)
    rel = relationships.filter(pl.col("kind").is_in(keep))
    if as_of is not None:
        if "valid_from" in rel.columns:
            start = _validity_date(rel, "valid_from")
            rel = rel.filter(start.is_null() | (start <= as_of))
        if "valid_to" in rel.columns:
            end = _validity_date(rel, "valid_to")
            rel = rel.filter(end.is_null() | (end >= as_of))
    a = pl.col("person_a").cast(pl.String)
    b = pl.col("person_b").cast(pl.String)
    return (
        rel.select(
            pl.min_horizontal(a, b).alias("person_a"),
            pl.max_horizontal(a, b).alias("person_b"),
            pl.col("kind").cast(pl.String),
            # the pair is ordered by id: keep who is whose parent
            pl.when(pl.col("kind") == "parent")
            .then(a)
            .otherwise(pl.lit(None, dtype=pl.String))
            .alias("parent_id"),
        )
        .filter(pl.col("person_a") != pl.col("person_b"))
        .unique()
        .sort("person_a", "person_b", "kind", "parent_id", nulls_last=True)
    )


def _validity_date(relationships: pl.DataFrame, column: str) -> pl.Expr:
    """``column`` as dates: ISO text (a CSV read as it comes), a date or a datetime."""
    dtype = relationships.schema[column]
    if dtype == pl.String:
        try:  # parse here, so that a value that is not a date is named
            relationships.select(pl.col(column).str.to_date("%Y-%m-%d", strict=True))
        except pl.exceptions.PolarsError:
            bad = relationships.filter(
                pl.col(column).str.to_date("%Y-%m-%d", strict=False).is_null()
                & pl.col(column).is_not_null()
            )[column]
            msg = (
                f"relationships.{column} holds {bad.len()} value(s) that are not ISO "
                f"dates (YYYY-MM-DD), e.g. {bad[0]!r}."
            )
            raise SchemaError(msg) from None
        return pl.col(column).str.to_date("%Y-%m-%d", strict=True)
    if isinstance(dtype, pl.Datetime):
        return pl.col(column).dt.date()
    return pl.col(column).cast(pl.Date)


def family_units(
    relationships: pl.DataFrame,
    *,
    as_of: dt.date | None = None,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Family units: connected components of kin and same-address links.

    Parameters
    ----------
    relationships
        As for :func:`family_edges`.
    as_of
        Validity date (None: all links).
    config
        ``families.kinds``.

    Returns
    -------
    polars.DataFrame
        ``person_id``, ``family_id`` (``"fam-"`` + the smallest member id),
        ``family_size``; people without kin links are not listed.

    Notes
    -----
    Components are found with ``scipy.sparse.csgraph.connected_components`` on the
    undirected link graph (linear time).
    """
    edges = family_edges(relationships, as_of=as_of, config=config)
    schema = {"person_id": pl.String, "family_id": pl.String, "family_size": pl.Int64}
    if edges.height == 0:
        return pl.DataFrame(schema=schema)
    ids, a, b = _vertex_codes(edges, "person_a", "person_b")
    n = ids.len()
    from scipy.sparse import coo_matrix  # imported where it is used
    from scipy.sparse.csgraph import connected_components

    adjacency = coo_matrix(
        (np.ones(a.size, dtype=np.int8), (a, b)), shape=(n, n)
    ).tocsr()
    _, labels = connected_components(adjacency, directed=False)
    return (
        pl.DataFrame({"person_id": ids, "_c": labels.astype(np.int64)})
        .with_columns(
            (pl.lit(FAMILY_PREFIX) + pl.col("person_id").min().over("_c")).alias(
                "family_id"
            ),
            pl.len().over("_c").cast(pl.Int64).alias("family_size"),
        )
        .select("person_id", "family_id", "family_size")
        .sort("family_id", "person_id")
    )


def family_harm(
    units: pl.DataFrame,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    people: pl.DataFrame | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Harm across crime types per family unit, as victims and as offenders.

    Parameters
    ----------
    units
        Output of :func:`family_units`.
    incidents
        ``incident_id``, ``occurred_from``, ``harm_days``, ``in_definition``;
        optional ``domestic`` and crime-type columns: each incident's type is its
        ``category``, else its ``crime_type``, else its ``offence_code`` (per
        incident: the definition's category is null outside the definition).
    involvements
        ``incident_id``, ``person_id``, ``role``.
    people
        ``person_id``, ``birth_year`` (optional): needed for youth violence.
    since, until
        Optional window on ``occurred_from``.
    config
        ``families.youth_max_age`` and ``graph.roles``.

    Returns
    -------
    polars.DataFrame
        One row per family: ``family_id``, ``family_size``, ``n_incidents``,
        ``n_offenders``, ``n_victims``, ``harm_days`` (harm of the incidents in which
        a member is offender or victim, each incident once), ``harm_days_as_offender``,
        ``harm_days_as_victim``, ``n_domestic``, ``n_youth_violence``,
        ``n_members_without_birth_year`` (members whose age is unknown: their
        violence cannot count as youth violence, so a 0 there is not "none"),
        ``crime_types`` (list), ``n_crime_types``, ``has_domestic_abuse``,
        ``has_youth_violence``, ``both_domestic_and_youth_violence``; sorted by
        ``harm_days``, descending, ties by ``family_id``. An incident inside the
        family (one member offends against another, as in domestic abuse) is in
        both ``harm_days_as_offender`` and ``harm_days_as_victim`` but once in
        ``harm_days``.

    Notes
    -----
    Youth violence: a violent incident (inside the definition) in which a family
    member aged up to ``youth_max_age`` (MPS serious youth violence counts victims
    aged 1-19) is victim or offender; age is the incident year minus birth year.
    A member with no birth year (or no ``people`` frame) has no known age and is
    counted in ``n_members_without_birth_year``.
    """
    cfg = _config(config)
    check_frame(units, ["person_id", "family_id", "family_size"], name="units")
    check_frame(incidents, list(_INCIDENT_COLUMNS), name="incidents")
    inv = _check_involvements(involvements)
    inc = _family_incidents(incidents, since=since, until=until)
    rows = _family_rows(units, inc, inv, people, cfg)
    out = _family_stats(units, rows).join(
        _members_without_birth_year(units, people), on="family_id", how="left"
    )
    return out.sort(["harm_days", "family_id"], descending=[True, False]).select(
        "family_id",
        "family_size",
        "n_incidents",
        "n_offenders",
        "n_victims",
        "harm_days",
        "harm_days_as_offender",
        "harm_days_as_victim",
        "n_domestic",
        "n_youth_violence",
        "n_members_without_birth_year",
        "crime_types",
        "n_crime_types",
        "has_domestic_abuse",
        "has_youth_violence",
        "both_domestic_and_youth_violence",
    )


def _members_without_birth_year(
    units: pl.DataFrame, people: pl.DataFrame | None
) -> pl.DataFrame:
    """Per family, the members with no birth year: ``family_id``,
    ``n_members_without_birth_year`` (every member when ``people`` has none)."""
    if people is None or "birth_year" not in people.columns:
        known = pl.DataFrame(schema={"person_id": pl.String})
    else:
        known = people.filter(pl.col("birth_year").is_not_null()).select(
            pl.col("person_id").cast(pl.String)
        )
    return (
        units.select("family_id", "person_id")
        .join(known.unique(), on="person_id", how="anti")
        .group_by("family_id")
        .agg(pl.len().cast(pl.Int64).alias("n_members_without_birth_year"))
        .join(units.select("family_id").unique(), on="family_id", how="right")
        .select("family_id", pl.col("n_members_without_birth_year").fill_null(0))
    )


def _family_incidents(
    incidents: pl.DataFrame, *, since: dt.datetime | None, until: dt.datetime | None
) -> pl.DataFrame:
    """Incidents in the window, typed, with ``domestic`` and ``crime_type`` filled."""
    # per incident, the first type given: the definition's category is null outside
    # the definition, so those incidents fall back to the recorded crime type
    type_cols = [
        pl.col(c).cast(pl.String)
        for c in ("category", "crime_type", "offence_code")
        if c in incidents.columns
    ]
    inc = incidents.select(
        *_incident_facts(),
        column_or(incidents, "domestic", False, pl.Boolean()),
        (pl.coalesce(type_cols) if type_cols else pl.lit(None, dtype=pl.String)).alias(
            "crime_type"
        ),
    )
    return _in_window(inc, since, until)


def _family_rows(
    units: pl.DataFrame,
    inc: pl.DataFrame,
    inv: pl.DataFrame,
    people: pl.DataFrame | None,
    cfg: NetworksConfig,
) -> pl.DataFrame:
    """Family members' involvements with offender, victim and youth-violence flags."""
    rows = (
        inv.join(units.select("person_id", "family_id"), on="person_id")
        .join(inc, on="incident_id")
        .with_columns(
            pl.col("role").is_in(list(cfg.graph.roles)).alias("_off"),
            (pl.col("role") == "victim").alias("_vic"),
        )
    )
    if people is not None and "birth_year" in people.columns:
        rows = rows.join(
            people.select(
                pl.col("person_id").cast(pl.String), pl.col("birth_year").cast(pl.Int64)
            ),
            on="person_id",
            how="left",
        ).with_columns(
            # a birth year after the incident (a negative age) is unknown, not young
            (pl.col("occurred_from").dt.year().cast(pl.Int64) - pl.col("birth_year"))
            .is_between(0, cfg.families.youth_max_age)
            .fill_null(False)
            .alias("_young")
        )
    else:
        rows = rows.with_columns(pl.lit(False).alias("_young"))
    rows = rows.with_columns(
        (
            pl.col("in_definition")
            & pl.col("_young")
            & (pl.col("_off") | pl.col("_vic"))
        ).alias("_yv")
    )
    return rows


def _family_stats(units: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
    """Per family: incidents, harm as offender and victim, domestic and youth counts."""
    per_incident = rows.group_by("family_id", "incident_id").agg(
        pl.col("harm_days").first(),
        pl.col("domestic").first(),
        pl.col("crime_type").first(),
        pl.col("_off").any(),
        pl.col("_vic").any(),
        pl.col("_yv").any(),
    )
    stats = per_incident.group_by("family_id").agg(
        pl.len().cast(pl.Int64).alias("n_incidents"),
        # each incident once: one member offending against another is one harm
        pl.col("harm_days")
        .filter(pl.col("_off") | pl.col("_vic"))
        .sum()
        .alias("harm_days"),
        pl.col("harm_days").filter(pl.col("_off")).sum().alias("harm_days_as_offender"),
        pl.col("harm_days").filter(pl.col("_vic")).sum().alias("harm_days_as_victim"),
        pl.col("domestic").sum().cast(pl.Int64).alias("n_domestic"),
        pl.col("_yv").sum().cast(pl.Int64).alias("n_youth_violence"),
        pl.col("crime_type").drop_nulls().unique().sort().alias("crime_types"),
    )
    people_counts = rows.group_by("family_id").agg(
        pl.col("person_id")
        .filter(pl.col("_off"))
        .n_unique()
        .cast(pl.Int64)
        .alias("n_offenders"),
        pl.col("person_id")
        .filter(pl.col("_vic"))
        .n_unique()
        .cast(pl.Int64)
        .alias("n_victims"),
    )
    fams = units.group_by("family_id").agg(pl.col("family_size").first())
    out = (
        fams.join(stats, on="family_id", how="left")
        .join(people_counts, on="family_id", how="left")
        .with_columns(
            pl.col(
                "n_incidents",
                "n_domestic",
                "n_youth_violence",
                "n_offenders",
                "n_victims",
            ).fill_null(0),
            pl.col(
                "harm_days", "harm_days_as_offender", "harm_days_as_victim"
            ).fill_null(0.0),
            pl.col("crime_types").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        )
        .with_columns(
            pl.col("crime_types").list.len().cast(pl.Int64).alias("n_crime_types"),
            (pl.col("n_domestic") > 0).alias("has_domestic_abuse"),
            (pl.col("n_youth_violence") > 0).alias("has_youth_violence"),
        )
        .with_columns(
            (pl.col("has_domestic_abuse") & pl.col("has_youth_violence")).alias(
                "both_domestic_and_youth_violence"
            ),
        )
    )
    return out


def sibling_offending(
    relationships: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    roles: Sequence[str] = ("suspect", "offender"),
) -> pl.DataFrame:
    """Sibling pairs who both offend, and how often they offend together.

    Parameters
    ----------
    relationships
        ``person_a``, ``person_b``, ``kind`` (``sibling`` rows are used).
    involvements
        ``incident_id``, ``person_id``, ``role``.
    roles
        Roles counted as offending.

    Returns
    -------
    polars.DataFrame
        ``person_a < person_b``, ``n_incidents_a``, ``n_incidents_b``,
        ``n_together`` (incidents where both offended), sorted by ``n_together``
        then the pair.

    References
    ----------
    Farrington, D. P., Jolliffe, D., Loeber, R., Stouthamer-Loeber, M. & Kalb, L. M.
    (2001) The concentration of offenders in families. J Adolescence 24, 579-596.
    """
    sibs = family_edges(relationships, kinds=("sibling",)).select(
        "person_a", "person_b"
    )
    off = (
        _check_involvements(involvements)
        .filter(pl.col("role").is_in(list(roles)))
        .select("incident_id", "person_id")
        .unique()
    )
    counts = off.group_by("person_id").agg(pl.len().cast(pl.Int64).alias("n"))
    pairs = sibs.join(
        counts.rename({"person_id": "person_a", "n": "n_incidents_a"}), on="person_a"
    ).join(
        counts.rename({"person_id": "person_b", "n": "n_incidents_b"}), on="person_b"
    )
    together = (
        pairs.select("person_a", "person_b")
        .join(off.rename({"person_id": "person_a"}), on="person_a")
        .join(off.rename({"person_id": "person_b"}), on=["person_b", "incident_id"])
        .group_by("person_a", "person_b")
        .agg(pl.len().cast(pl.Int64).alias("n_together"))
    )
    return (
        pairs.join(together, on=["person_a", "person_b"], how="left")
        .with_columns(pl.col("n_together").fill_null(0))
        .sort(["n_together", "person_a", "person_b"], descending=[True, False, False])
    )
