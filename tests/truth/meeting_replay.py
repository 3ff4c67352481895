"""The daily meeting replayed on a synthetic city (truth tests and benchmarks).

``classified_city`` is a synthetic city with its incidents classified under
``avb-2010``; ``daily_alerts`` runs the meeting on each given day: groups and ties
rebuilt from the history *before* that day only (as stored detected groups would
be), then that day's incidents raise retaliation alerts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import polars as pl

from avert.analyse import networks as nw
from avert.analyse.families import family_edges
from avert.classify import classify_with_harm
from avert.config.networks import NetworksConfig
from avert.synth import City, make_city


def classified_city(seed: int) -> tuple[City, pl.DataFrame]:
    """``make_city(seed=seed)`` and its incidents with their avb-2010 classification."""
    city = make_city(seed=seed)
    cls = classify_with_harm(city.incidents, city.involvements, "avb-2010")
    incidents = city.incidents.join(
        cls.select("incident_id", "in_definition", "category", "harm_days"),
        on="incident_id",
    )
    return city, incidents


def daily_alerts(
    city: City,
    incidents: pl.DataFrame,
    days: Iterable[dt.datetime],
    config: NetworksConfig,
) -> list[pl.DataFrame]:
    """The retaliation alerts of each day (midnight to midnight), one frame a day."""
    inv = city.involvements
    fam = family_edges(city.relationships)
    frames = []
    for day in days:
        history = incidents.filter(pl.col("occurred_from") < day)
        groups = nw.analyse_groups(
            history, inv, group_members=city.group_members, as_of=day, config=config
        )
        result = nw.retaliation_alerts(
            incidents.filter(pl.col("occurred_from") < day + dt.timedelta(days=1)),
            inv,
            groups.membership,
            since=day,
            until=day + dt.timedelta(days=1) - dt.timedelta(microseconds=1),
            co_edges=groups.co_edges,
            family_edges=fam,
            config=config,
        )
        frames.append(result.frame)
    return frames


def timed_pairs(
    reprisal_pairs: list[dict[str, str]], incidents: pl.DataFrame
) -> pl.DataFrame:
    """The planted reprisal pairs with the times of the original (``t_o``) and of
    the reprisal (``t_r``)."""
    times = incidents.select("incident_id", "occurred_from")
    return (
        pl.DataFrame(reprisal_pairs)
        .join(
            times.rename(
                {"incident_id": "original_incident_id", "occurred_from": "t_o"}
            ),
            on="original_incident_id",
        )
        .join(
            times.rename(
                {"incident_id": "reprisal_incident_id", "occurred_from": "t_r"}
            ),
            on="reprisal_incident_id",
        )
    )
