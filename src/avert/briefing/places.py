"""Section 4: places for the coming day, and the window's incidents on the map.

Today's method is a recency- and harm-weighted kernel density of the last 28 days'
violence (:func:`avert.analyse.hotspots.recent_hotspots`). Any other method (e.g. a
forecast) can replace :func:`places_section`: it takes the context and returns a
:class:`~avert.briefing.model.PlacesSection`; :func:`window_map_points` stays.
"""

from __future__ import annotations

from typing import Any, cast

import polars as pl

from avert.analyse.hotspots import recent_hotspots
from avert.briefing.context import BriefingContext
from avert.briefing.model import (
    LOOKBACK_DAYS,
    MapPoint,
    PlaceItem,
    PlacesSection,
    PlacesSummary,
)

__all__ = ["places_section", "window_map_points"]


def window_map_points(ctx: BriefingContext, *, cell_size_m: float) -> list[MapPoint]:
    """The window's violent incidents with a place; partners get cell centres."""
    located = ctx.located
    if located is None:
        return []
    in_win = located.filter(
        (pl.col("occurred_from") >= ctx.window_from)
        & (pl.col("occurred_from") < ctx.window_to)
        & pl.col("x").is_finite()
        & pl.col("y").is_finite()
    )
    snap = cell_size_m if ctx.partner else None

    def snapped(c: str) -> pl.Expr:
        return (((pl.col(c) / snap).floor() + 0.5) * snap) if snap else pl.col(c)

    pts = in_win.select(
        "incident_id",
        "category",
        "harm_days",
        snapped("x").alias("x"),
        snapped("y").alias("y"),
    )
    return cast(list[MapPoint], pts.to_dicts())


def _reasons(row: dict[str, Any], *, lookback: int, bandwidth_m: float) -> list[str]:
    """Why a cell is listed; a cell with no violence of its own says why it ranks."""
    reasons = [f"KDE score {row['score']:.1f} (rank {row['rank']})"]
    if row["n_events"]:
        reasons.append(
            f"{row['n_events']} violent incidents in this cell in the last "
            f"{lookback} days, harm {row['harm_days']:.0f} days"
        )
    else:
        reasons.append(
            f"no violent incident in this cell in the last {lookback} days: it ranks "
            f"for violence in the cells around it (within {bandwidth_m:g} m, kernel "
            "smoothing), a place where the next incident is likely but none is recorded"
        )
    return reasons


def places_section(
    ctx: BriefingContext,
    *,
    n_cells: int = 10,
    cell_size_m: float = 100.0,
    bandwidth_m: float = 250.0,
) -> PlacesSection:
    """Top ``n_cells`` grid cells of the recent-hotspot surface, with the map points."""
    located = ctx.located
    if located is None:
        return PlacesSection(
            [], {}, [], notes=["Incidents have no x/y: no places map."]
        )
    month = ctx.precision == "month"
    places_at = ctx.window_to if month else ctx.at
    lookback = max(
        1, (ctx.window_to - ctx.window_from).days if month else LOOKBACK_DAYS
    )
    hot = recent_hotspots(
        located,
        at=places_at,
        lookback_days=lookback,
        cell_size_m=cell_size_m,
        bandwidth_m=bandwidth_m,
        n_cells=n_cells,
    )
    items = [
        cast(
            PlaceItem,
            {
                **row,
                "reasons": _reasons(row, lookback=lookback, bandwidth_m=bandwidth_m),
                "links": {"cell_id": [row["cell_id"]]},
            },
        )
        for row in hot.frame.to_dicts()
    ]
    summary: PlacesSummary = {
        "n_events": hot.n_events,
        "share_events": hot.share_events,
        "share_harm": hot.share_harm,
        "area_km2": hot.area_km2,
        "cell_size_m": hot.cell_size_m,
        "bandwidth_m": hot.bandwidth_m,
        "lookback_days": lookback,
        "line": (
            f"The top {len(items)} cells ({hot.area_km2:.2f} km²) held "
            f"{hot.share_events * 100:.0f} % of the last {lookback} days' "
            f"violence ({hot.n_events} incidents with a place) and "
            f"{hot.share_harm * 100:.0f} % of its harm."
        ),
        "method": hot.method,
        "source": hot.source,
    }
    return PlacesSection(
        items,
        summary,
        window_map_points(ctx, cell_size_m=cell_size_m),
        method=hot.method + " — " + hot.source,
    )
