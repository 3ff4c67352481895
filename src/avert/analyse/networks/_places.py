"""Where and since when a group offends: the area most of its incidents are in.

A group's incidents are those of :func:`avert.analyse.networks.group_profiles`:
the distinct incidents in which a member is recorded in one of the graph's roles
(suspect or offender) in the analysis window (``graph.window_days`` up to
``as_of``). Its main area is the one holding most of those that name an area
(ties by name), with its share of them, at the coarsest level that tells the
window's incidents apart (borough, else ward, else LSOA: a force of one borough,
City of London's or the demo city's, said every group "in" it); the Groups page says a network in words
with it ("mostly in Camden, active since Mar 2026"), as a meeting names one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final

import polars as pl

from avert.analyse.networks._common import _as_of, _config
from avert.config.networks import NetworksConfig
from avert.schema import check_frame

#: the incidents' area columns, coarsest first: a group is placed at the first
#: that names more than one area in the window
AREA_LEVELS: Final = ("borough", "ward", "lsoa")

#: the columns of :func:`group_areas`, in order
GROUP_AREA_COLUMNS: Final = (
    "group_id",
    "area_level",
    "main_area",
    "main_area_share",
    "n_areas",
    "window_start",
)


def group_areas(
    membership: pl.DataFrame,
    incidents: pl.DataFrame,
    involvements: pl.DataFrame,
    *,
    levels: Sequence[str] = AREA_LEVELS,
    as_of: dt.datetime | None = None,
    config: NetworksConfig | None = None,
) -> pl.DataFrame:
    """Per group of ``membership`` (``group_id``, ``person_id``) with an incident
    naming an area: ``area_level`` (the first of ``levels``, columns of
    ``incidents``, naming more than one area among the window's incidents, else
    the first present), ``main_area`` (that column's value of most of its
    incidents in the window; ties by name), ``main_area_share`` (its share of the
    group's incidents that name an area), ``n_areas`` (how many areas they name)
    and ``window_start`` (the start of the analysis window: a group whose first
    incident is near it may be older than the window says).

    >>> import datetime as dt
    >>> mem = pl.DataFrame({"group_id": ["g"] * 2, "person_id": ["a", "b"]})
    >>> inc = pl.DataFrame({"incident_id": ["1", "2", "3"],
    ...     "occurred_from": [dt.datetime(2026, 1, d) for d in (1, 2, 3)],
    ...     "borough": ["Camden", "Camden", "Brent"]})
    >>> inv = pl.DataFrame({"incident_id": ["1", "2", "3", "1"],
    ...     "person_id": ["a", "a", "b", "b"], "role": ["offender"] * 4})
    >>> group_areas(mem, inc, inv).drop("window_start").row(0)
    ('g', 'borough', 'Camden', 0.6666666666666666, 2)
    """
    cfg = _config(config)
    check_frame(membership, ["group_id", "person_id"], name="membership")
    check_frame(incidents, ["incident_id", "occurred_from"], name="incidents")
    check_frame(involvements, ["incident_id", "person_id", "role"], name="involvements")
    end = _as_of(incidents, as_of)
    start = end - dt.timedelta(days=cfg.graph.window_days)
    in_window = incidents.filter(pl.col("occurred_from").is_between(start, end))
    area = _area_level(in_window, levels)
    if area is None:
        return pl.DataFrame(schema=_SCHEMA)
    window = in_window.lazy().filter(
        pl.col(area).is_not_null()
        & (pl.col(area).cast(pl.String).str.strip_chars() != "")
    )
    counts = (
        involvements.lazy()
        .filter(pl.col("role").is_in(list(cfg.graph.roles)))
        .join(membership.lazy().select("group_id", "person_id"), on="person_id")
        .select("group_id", "incident_id")
        .unique()
        .join(
            window.select("incident_id", pl.col(area).alias("_area")), on="incident_id"
        )
        .group_by("group_id", "_area")
        .agg(pl.len().alias("_n"))
        .collect()
    )
    return (
        counts.sort(["group_id", "_n", "_area"], descending=[False, True, False])
        .group_by("group_id", maintain_order=True)
        .agg(
            pl.col("_area").first().cast(pl.String).alias("main_area"),
            (pl.col("_n").first() / pl.col("_n").sum()).alias("main_area_share"),
            pl.len().cast(pl.Int64).alias("n_areas"),
        )
        .with_columns(
            pl.lit(area).alias("area_level"),
            pl.lit(start, dtype=pl.Datetime("us")).alias("window_start"),
        )
        .select(GROUP_AREA_COLUMNS)
        .cast(_SCHEMA)  # type: ignore[arg-type]
    )


_SCHEMA: Final = {
    "group_id": pl.String(),
    "area_level": pl.String(),
    "main_area": pl.String(),
    "main_area_share": pl.Float64(),
    "n_areas": pl.Int64(),
    "window_start": pl.Datetime("us"),
}


def _area_level(incidents: pl.DataFrame, levels: Sequence[str]) -> str | None:
    """The first of ``levels`` (columns of ``incidents``) naming more than one
    area, else the first present; None when none is."""
    present = [c for c in levels if c in incidents.columns]
    for column in present:
        if incidents.get_column(column).drop_nulls().n_unique() > 1:
            return column
    return present[0] if present else None
