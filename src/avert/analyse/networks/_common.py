"""Shared helpers of the network analyses: input checks, windows, offending rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.config.networks import GraphConfig, NetworksConfig
from avert.schema import check_frame, column_or

_US_PER_DAY: Final = 86_400_000_000
_F = TypeVar("_F", pl.DataFrame, pl.LazyFrame)


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


def _incident_facts() -> list[pl.Expr]:
    """The required incident columns, typed (no harm: 0 days; unknown: outside)."""
    return [
        pl.col("incident_id").cast(pl.String),
        pl.col("occurred_from").cast(pl.Datetime("us")),
        pl.col("harm_days").cast(pl.Float64).fill_null(0.0),
        pl.col("in_definition").cast(pl.Boolean).fill_null(False),
    ]


def _check_incidents(incidents: pl.DataFrame) -> pl.DataFrame:
    check_frame(incidents, list(_INCIDENT_COLUMNS), name="incidents")
    return incidents.select(
        *_incident_facts(),
        column_or(incidents, "weapon", "none", pl.String()),
        column_or(incidents, "gang_related", False, pl.Boolean()),
        column_or(incidents, "injury", "none", pl.String()),
    )


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
    window = _in_window(
        incidents.lazy().with_columns(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_i")
        ),
        start,
        end,
    )
    return (
        involvements.lazy()
        .filter(pl.col("role").is_in(list(roles)))
        .select("incident_id", "person_id")
        .unique()
        .join(window, on="incident_id", how="inner")
        .collect()
    )


def _victims(involvements: pl.DataFrame) -> pl.DataFrame:
    """One row per (incident, victim): ``incident_id``, ``victim_id``."""
    return (
        involvements.filter(pl.col("role") == "victim")
        .select("incident_id", pl.col("person_id").alias("victim_id"))
        .unique()
    )


class _Window(NamedTuple):
    """Checked incidents and involvements, the graph window and its offending rows."""

    inc: pl.DataFrame
    inv: pl.DataFrame
    start: dt.datetime
    end: dt.datetime
    #: one row per (incident, person) offending in the window (see :func:`_offending`)
    off: pl.DataFrame


def _graph_window(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    as_of: dt.datetime | None,
    cfg: GraphConfig,
) -> _Window:
    """The ``cfg.window_days`` up to ``as_of`` (default: the latest incident)."""
    inc = _check_incidents(incidents)
    inv = _check_involvements(involvements)
    end = _as_of(inc, as_of)
    start = end - dt.timedelta(days=cfg.window_days)
    off = _offending(inc, inv, roles=cfg.roles, start=start, end=end)
    return _Window(inc, inv, start, end, off)


def _in_window(frame: _F, start: dt.datetime | None, end: dt.datetime | None) -> _F:
    """Rows with ``start <= occurred_from <= end`` (a None bound is open)."""
    if start is not None:
        frame = frame.filter(pl.col("occurred_from") >= start)
    if end is not None:
        frame = frame.filter(pl.col("occurred_from") <= end)
    return frame


def _each_way(
    frame: pl.DataFrame,
    a: str,
    b: str,
    *,
    names: tuple[str, str],
    carry: Sequence[str | pl.Expr] = (),
    tags: tuple[Sequence[pl.Expr], Sequence[pl.Expr]] = ((), ()),
) -> pl.DataFrame:
    """Each row twice, ``a`` then ``b`` as ``names`` and the other way round.

    ``carry`` columns come with both; ``tags`` (expressions per direction) mark
    which way a row reads.
    """
    first, second = names
    forward, backward = tags
    return pl.concat(
        [
            frame.select(
                pl.col(a).alias(first), pl.col(b).alias(second), *forward, *carry
            ),
            frame.select(
                pl.col(b).alias(first), pl.col(a).alias(second), *backward, *carry
            ),
        ]
    )


def _both_ways(edges: pl.DataFrame, kind: str) -> pl.DataFrame:
    weight = pl.col("weight") if "weight" in edges.columns else pl.lit(1.0)
    base = edges.select("person_a", "person_b", weight.cast(pl.Float64).alias("weight"))
    return _each_way(
        base, "person_a", "person_b", names=("person_id", "other_id"), carry=["weight"]
    ).with_columns(pl.lit(kind).alias("link"))


def _vertex_codes(
    edges: pl.DataFrame,
    source: str,
    target: str,
    *,
    vertices: Sequence[str] | None = None,
) -> tuple[pl.Series, npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Vertex ids and each edge's two endpoints as indices into them.

    The ids are the sorted union of the string ids in ``source``, ``target`` and
    ``vertices``; an endpoint's index is its position among them (the physical code
    of a ``pl.Enum`` of the ids, so no Python loop over the edges).

    >>> e = pl.DataFrame({"a": ["p3", "p1"], "b": ["p1", "p2"]})
    >>> ids, a, b = _vertex_codes(e, "a", "b", vertices=["p0"])
    >>> ids.to_list(), a.tolist(), b.tolist()
    (['p0', 'p1', 'p2', 'p3'], [3, 1], [1, 2])
    """
    ends = pl.concat([edges.get_column(source), edges.get_column(target)]).cast(
        pl.String
    )
    if vertices is not None:
        ends = pl.concat([ends, pl.Series(list(vertices), dtype=pl.String)])
    ids = ends.unique().sort()
    enum = pl.Enum(ids)

    def codes(column: str) -> npt.NDArray[np.int64]:
        physical = edges.get_column(column).cast(pl.String).cast(enum).to_physical()
        return physical.to_numpy().astype(np.int64)

    return ids, codes(source), codes(target)
