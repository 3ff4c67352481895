"""Section 5: places for the coming day, and the window's incidents on the map.

With exact-time data the caller (:func:`avert.workflows.forecast.briefing_places`)
passes a :class:`PlacesForecast`: the default forecast model's top cells for the
next 24 hours, the share the same number of cells caught when the model was
backtested on the user's own last 90 days (never an in-sample share), and the
near-repeat zones around the window's incidents (the last 24 hours by default)
whose zones are still live, when a Knox test on the user's own last year finds
contagion. Without it (month-precision data, or a
caller with frames only) the section falls back to a recency- and harm-weighted
kernel density of the last 28 days (:func:`avert.analyse.hotspots.recent_hotspots`),
whose share is in-sample and says so. :func:`window_map_points` stays.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

import numpy as np
import polars as pl

from avert.analyse.forces import (
    ForcesNote,
    TooFewEvents,
    each_force,
    far_forces,
    forces_note,
    too_few,
)
from avert.analyse.forecast import ForecastPlan, bulk_events, bulk_notes
from avert.analyse.hotspots import recent_hotspots
from avert.briefing import dated_alone
from avert.briefing.context import BriefingContext, counted, month_start
from avert.briefing.model import (
    LOOKBACK_DAYS,
    NO_PLACES_NOTE_STARTS,
    MapPoint,
    NearRepeat,
    NearRepeatZone,
    PlaceItem,
    PlacesSection,
    PlacesSummary,
    TooFewItem,
)

__all__ = [
    "NO_PLACES_NOTE_STARTS",
    "PlacesForecast",
    "cell_names",
    "no_places_notes",
    "places_section",
    "window_map_points",
]


@dataclass(frozen=True)
class PlacesForecast:
    """The backtested forecast and the near-repeat zones the places section prints.

    Attributes
    ----------
    plan
        Top cells for the next ``horizon`` (:func:`avert.analyse.forecast.
        plan_patrols`), with ``backtest_share`` measured on the days before
        ``plan.params["backtest_to"]`` (the briefing: the start of its day).
        None when no grid was planned: the events are of forces far apart (one
        grid over them would be mostly the ground between them), ``notes``
        saying so; the section then lists no cells.
    zones
        ``x``, ``y``, ``occurred_at``, ``radius_m``, ``until``: one disc per
        incident of the briefing's window whose zone is still live; empty
        without contagion.
    zone_radius_m, zone_days
        Extent of the significant Knox bands next to (0 m, 0 days); 0 without.
    first_band_ratio, first_band_p
        Knox ratio and p-value of the first band (0-100 m, 0-7 days by default).
    knox_history_days, knox_sims
        The days the Knox test ran on (the briefing: those before the start of
        its day), and its permutations.
    zones_note
        One sentence saying what the test found.
    notes
        What the data could not give (e.g. unclassified incidents).
    forces, forces_note
        The forces (a record naming none: its source) of the forecast's events
        when there are several, sorted, and the note naming them
        (:func:`avert.analyse.forces.forces_note`, as ``avert forecast`` says
        it, its advice as data: each edge words it); none and None for one force.
    by_force
        Of forces far apart (``plan`` None): each force's own places, planned
        on a grid of its own as a store of that force alone would give them
        (:func:`avert.workflows.forecast.briefing_places`), sorted by name.
    too_few
        Of forces far apart: those given no places, too few located events in
        the forecast's days (:func:`avert.analyse.forces.too_few`), by name.
    """

    plan: ForecastPlan | None
    zones: pl.DataFrame
    zone_radius_m: float
    zone_days: float
    first_band_ratio: float | None
    first_band_p: float | None
    knox_history_days: float
    knox_sims: int
    zones_note: str
    notes: tuple[str, ...] = ()
    forces: tuple[str, ...] = ()
    forces_note: ForcesNote | None = None
    by_force: tuple[tuple[str, PlacesForecast], ...] = ()
    too_few: tuple[TooFewEvents, ...] = ()

    def with_zones(
        self, keep: Callable[[pl.DataFrame], pl.DataFrame]
    ) -> PlacesForecast:
        """These places with ``keep`` of their zones, each force's too."""
        return dataclasses.replace(
            self,
            zones=keep(self.zones),
            by_force=tuple((n, f.with_zones(keep)) for n, f in self.by_force or ()),
        )


def window_map_points(ctx: BriefingContext, *, cell_size_m: float) -> list[MapPoint]:
    """The window's violent incidents with a place; partners get cell centres."""
    located = ctx.located
    if located is None:
        return []
    inside = (
        dated_alone.in_window("occurred_from", ctx.window_from, ctx.window_to)
        if "time_precision" in located.columns  # as the window's list (ctx.window)
        else (pl.col("occurred_from") >= ctx.window_from)
        & (pl.col("occurred_from") < ctx.window_to)
    )
    in_win = located.filter(inside & pl.col("x").is_finite() & pl.col("y").is_finite())
    snap = cell_size_m if ctx.partner else None

    def snapped(c: str) -> pl.Expr:
        return (((pl.col(c) / snap).floor() + 0.5) * snap) if snap else pl.col(c)

    pts = in_win.select(
        "incident_id",
        "category",
        pl.col("label")
        if "label" in in_win.columns
        else pl.col("category").alias("label"),
        "harm_days",
        snapped("x").alias("x"),
        snapped("y").alias("y"),
    )
    return cast(list[MapPoint], pts.to_dicts())


def _reasons(row: dict[str, Any], *, period: str, bandwidth_m: float) -> list[str]:
    """Why a cell is listed; a cell with no violence of its own says why it ranks.

    ``period`` names the days counted: "the last 28 days", or "January 2022".
    """
    unit = SCORE_UNITS["recent_hotspots"]
    reasons = [f"KDE score {row['score']:,.1f} {unit} (rank {row['rank']})"]
    if row["n_events"]:
        reasons.append(
            f"{_incidents(row['n_events'])} in this cell in {period}, "
            f"harm {row['harm_days']:,.0f} days"
        )
    else:
        reasons.append(
            f"no violent incident in this cell in {period}: it ranks "
            f"for violence in the cells around it (within {bandwidth_m:g} m, kernel "
            "smoothing), a place where the next incident is likely but none is recorded"
        )
    return reasons


def _incidents(n: int) -> str:
    """``n`` violent incident(s), in words.

    >>> _incidents(1), _incidents(3), _incidents(1500)
    ('1 violent incident', '3 violent incidents', '1,500 violent incidents')
    """
    return f"{n:,} violent incident{'' if n == 1 else 's'}"


def _percent(share: float) -> str:
    """A share as a percentage; one decimal under 10 % (0.4 %, not 0 %)."""
    return f"{share * 100:.1f} %" if share < 0.1 else f"{share * 100:.0f} %"


def _cell_ids(cell_size_m: float) -> pl.Expr:
    s = cell_size_m
    label = f"{int(s)}m" if float(s).is_integer() else f"{s}m"
    return pl.format(
        "{}:E{}:N{}",
        pl.lit(label),
        (pl.col("x") / s).floor().cast(pl.Int64),
        (pl.col("y") / s).floor().cast(pl.Int64),
    )


def _recent_by_cell(
    ctx: BriefingContext, cell_size_m: float, lookback: int
) -> dict[str, tuple[int, float]]:
    """Violent incidents and harm per cell id over the ``lookback`` days before ``at``."""
    located = ctx.located
    if located is None:
        return {}
    recent = located.filter(
        (pl.col("occurred_from") >= ctx.at - dt.timedelta(days=lookback))
        & (pl.col("occurred_from") < ctx.at)
        & pl.col("x").is_finite()
        & pl.col("y").is_finite()
    )
    by_cell = (
        recent.with_columns(cell_id=_cell_ids(cell_size_m))
        .group_by("cell_id")
        .agg(pl.len().alias("n"), pl.col("harm_days").fill_null(0.0).sum().alias("h"))
    )
    return {r[0]: (int(r[1]), float(r[2])) for r in by_cell.iter_rows()}


#: Columns naming an incident's area, most local first: a place's "near" takes
#: the first of them its incidents carry.
_AREA_NAMES = ("lsoa_name", "ward", "borough")


def _commonest(rows: pl.DataFrame, text: pl.Expr, name: str) -> pl.DataFrame:
    """Per ``cell_id`` of ``rows``, the most frequent non-empty ``text`` (as
    ``name``); ties broken by the text, so every run names a cell alike."""
    return (
        rows.select("cell_id", text.str.strip_chars().alias(name))
        .filter(pl.col(name).is_not_null() & (pl.col(name) != ""))
        .group_by("cell_id", name)
        .len()
        .sort(["cell_id", "len", name], descending=[False, True, False])
        .group_by("cell_id", maintain_order=True)
        .agg(pl.col(name).first())
    )


def _named_cells(
    ctx: BriefingContext, cell_size_m: float, since: dt.datetime, until: dt.datetime
) -> pl.DataFrame:
    """What each cell is near, by the briefing's located violent incidents
    (:func:`_named_cells_of`)."""
    return _named_cells_of(ctx.located, cell_size_m, since, until)


def _named_cells_of(
    located: pl.DataFrame | None,
    cell_size_m: float,
    since: dt.datetime,
    until: dt.datetime,
) -> pl.DataFrame:
    """What each cell is near, by its violent incidents in ``[since, until)``: the
    most frequent location text ("Station Road": police.uk's "On or near" left to
    the page's "near") and the most frequent
    area name (LSOA name, else ward, else borough), joined by " · ". A cell said
    only "150m:E3554:N1210", which no one at a meeting can find. Partners' incidents
    carry no location text (police-only), so their places are named by area.

    One row per named cell: ``cell_id``, ``near``, the cell's centre ``cx``, ``cy``
    and its incidents ``n`` (:func:`_name_places` names a cell without incidents
    by the nearest of these)."""
    empty = pl.DataFrame(
        schema={
            "cell_id": pl.String,
            "near": pl.String,
            "cx": pl.Float64,
            "cy": pl.Float64,
            "n": pl.Int64,
        }
    )
    if located is None:
        return empty
    rows = located.filter(
        (pl.col("occurred_from") >= since)
        & (pl.col("occurred_from") < until)
        & pl.col("x").is_finite()
        & pl.col("y").is_finite()
    ).with_columns(cell_id=_cell_ids(cell_size_m))
    # a borough may be Categorical (bundles): text for coalesce and strip
    areas = [pl.col(c).cast(pl.String) for c in _AREA_NAMES if c in rows.columns]
    parts = []
    if "location" in rows.columns:
        # police.uk writes every location "On or near ...": the page says "near"
        where = pl.col("location").cast(pl.String).str.strip_prefix("On or near ")
        parts.append(_commonest(rows, where, "where"))
    if areas:
        parts.append(_commonest(rows, pl.coalesce(areas), "area"))
    if not parts or not rows.height:
        return empty
    s = cell_size_m
    named = rows.group_by("cell_id").agg(
        cx=((pl.col("x").first() / s).floor() + 0.5) * s,
        cy=((pl.col("y").first() / s).floor() + 0.5) * s,
        n=pl.len().cast(pl.Int64),
    )
    for part in parts:
        named = named.join(part, on="cell_id", how="left")
    return named.select(
        "cell_id",
        pl.concat_str(
            [pl.col(c) for c in ("where", "area") if c in named.columns],
            separator=" · ",
            ignore_nulls=True,
        ).alias("near"),
        pl.col("cx").cast(pl.Float64),
        pl.col("cy").cast(pl.Float64),
        "n",
    ).filter(pl.col("near") != "")


#: Farthest, in metres, a place is named by the nearest named cell (centre to
#: centre): a walk of about five minutes; beyond it a place reads by its grid
#: reference, not "2,001 m from" a street it is not in
MAX_NEAR_M: Final = 500.0


def _name_places(
    items: list[dict[str, Any]], named: pl.DataFrame
) -> list[dict[str, Any]]:
    """Set each place's ``near`` and ``near_m`` from the named cells.

    A place with named incidents of its own: their name, ``near_m`` 0. A place
    that ranks only for its neighbours' incidents (none of its own in the days
    read) had no name at all, a grid reference no one could find: it takes the
    name of the nearest named cell (centre to centre; ties to the cell with more
    incidents, then by name, so every run says the same), and ``near_m`` says
    how far that cell is. No named cell within :data:`MAX_NEAR_M` (or none at
    all): ``near`` and ``near_m`` None, and the place reads by its grid reference
    and coordinates (a place "2,001 m from" a name is not near it, and is looked
    for in the wrong street). Partners' names are areas only
    (:func:`_named_cells`), so are these."""
    own = dict(zip(named["cell_id"], named["near"], strict=True))
    by_size = named.sort(["n", "near"], descending=[True, False])
    cx, cy = by_size["cx"].to_numpy(), by_size["cy"].to_numpy()
    names = by_size["near"].to_list()
    for item in items:
        if item["cell_id"] in own:
            item["near"], item["near_m"] = own[item["cell_id"]], 0.0
        elif names:
            d = np.hypot(cx - float(item["x"]), cy - float(item["y"]))
            i = int(np.argmin(d))  # first of the nearest: most incidents, then name
            if d[i] <= MAX_NEAR_M:
                item["near"], item["near_m"] = names[i], round(float(d[i]), 1)
            else:
                item["near"], item["near_m"] = None, None
        else:
            item["near"], item["near_m"] = None, None
    return items


#: A place's cell id as :func:`_cell_ids` writes it: "150m:E2715:N1913".
_CELL_ID: Final = r"^(\d+(?:\.\d+)?)m:E(-?\d+):N(-?\d+)$"


def cell_names(
    located: pl.DataFrame,
    cell_ids: Sequence[str],
    *,
    since: dt.datetime,
    until: dt.datetime,
) -> dict[str, tuple[str, float]]:
    """What each of ``cell_ids`` is near, as the briefing's places say it: its name
    and how far, in metres, the named cell is (0: its own incidents), by the
    violent incidents of ``located`` (``occurred_from``, ``x``, ``y`` and the
    texts a place is named by: ``location``, ``lsoa_name``, ``ward``, ``borough``)
    in ``[since, until)``; the rule of :func:`_named_cells_of` and
    :func:`_name_places`. A delivery plan's place subject ("150m:E2715:N1913")
    so reads "Place near Station Road" as the meeting's item does. An id that is
    not a grid cell, or a cell with no named cell within :data:`MAX_NEAR_M`, is
    not in the result.
    """
    cells = pl.DataFrame(
        {"cell_id": list(dict.fromkeys(cell_ids))}, schema={"cell_id": pl.String}
    )
    parts = cells.with_columns(
        size=pl.col("cell_id").str.extract(_CELL_ID, 1).cast(pl.Float64),
        col=pl.col("cell_id").str.extract(_CELL_ID, 2).cast(pl.Int64),
        row=pl.col("cell_id").str.extract(_CELL_ID, 3).cast(pl.Int64),
    ).drop_nulls()
    out: dict[str, tuple[str, float]] = {}
    for (size,), group in parts.group_by("size"):
        s = float(size)  # type: ignore[arg-type]
        items = group.select(
            "cell_id",
            x=(pl.col("col") + 0.5) * s,
            y=(pl.col("row") + 0.5) * s,
        ).to_dicts()
        named = _named_cells_of(located, s, since, until)
        for item in _name_places(items, named):
            if item["near"] is not None:
                out[item["cell_id"]] = (item["near"], item["near_m"])
    return out


def _zone_items(
    ctx: BriefingContext, fc: PlacesForecast, cell_size_m: float, named: pl.DataFrame
) -> list[NearRepeatZone]:
    """The zones as the page lists them, each with ``near``: the name of its
    incident's cell (:func:`_named_cells`: "Boar Lane · Leeds 111B"; partners, the
    area alone), None when its incidents name nothing; partners get no zone of a
    domestic incident. A zone read only "E 618,246
    N 4,827,712", which no one at a meeting can find."""
    z = fc.zones
    if ctx.partner and "domestic" in z.columns:
        # a zone around a domestic incident points at a victim's home: never on a
        # partner's page, even under near_repeat.domestic = "include"
        z = z.filter(~pl.col("domestic").fill_null(value=False))
    if z.height == 0:
        return []
    s = cell_size_m
    z = z.with_columns(cell_id=_cell_ids(s)).join(
        named.select("cell_id", "near"), on="cell_id", how="left"
    )
    if ctx.partner:  # partners see the centre of the incident's cell only
        z = z.with_columns(
            x=((pl.col("x") / s).floor() + 0.5) * s,
            y=((pl.col("y") / s).floor() + 0.5) * s,
        )
    return cast(
        list[NearRepeatZone],
        z.select(
            "x",
            "y",
            "occurred_at",
            pl.col("time_precision")
            if "time_precision" in z.columns
            else pl.lit(None, dtype=pl.String).alias("time_precision"),
            "radius_m",
            "until",
            "near",
            # dated alone on a day this window shares with the briefing before or
            # after: that briefing lists the zone too, and the row says so
            (
                dated_alone.shares_day("occurred_at", ctx.window_from, ctx.window_to)
                if "time_precision" in z.columns
                else pl.lit(value=False)
            ).alias("shared_day"),
        ).to_dicts(),
    )


def _in_zone(
    x: float, y: float, zones: list[NearRepeatZone], cell_size_m: float
) -> bool:
    """A cell (centre ``x``, ``y``) touches a zone's disc."""
    half = cell_size_m / 2
    for z in zones:
        dx = max(abs(x - z["x"]) - half, 0.0)
        dy = max(abs(y - z["y"]) - half, 0.0)
        if dx * dx + dy * dy <= z["radius_m"] ** 2:
            return True
    return False


def _risk_parts(row: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    """Where a cell's forecast risk comes from, largest part first (parts under
    0.5 % left out): ", 95 % of it from the cell's own record (...), 4 % from its
    neighbours' within about 100-400 m, ..."; nothing for a model without parts
    (the section's heading names its method)."""
    labels: dict[str, str] = params.get("parts") or {}
    shares = sorted(
        ((float(row[f"part_{name}"]), text) for name, text in labels.items()),
        reverse=True,
    )
    said = [(f"{100 * v:.0f} %", text) for v, text in shares if v >= 0.005]
    if not said:
        return ""
    (share, text), *rest = said
    return ", " + ", ".join(
        [f"{share} of it from {text}", *(f"{p} from {t}" for p, t in rest)]
    )


def _near_repeat(fc: PlacesForecast, zones: list[NearRepeatZone]) -> NearRepeat:
    """The near-repeat part of the places summary: the Knox test's first band,
    the zones' extent and the ``zones`` listed."""
    return {
        "contagion": fc.zone_radius_m > 0,
        "radius_m": fc.zone_radius_m,
        "days": fc.zone_days,
        "first_band_ratio": fc.first_band_ratio,
        "first_band_p": fc.first_band_p,
        "history_days": fc.knox_history_days,
        "n_sims": fc.knox_sims,
        "zones": zones,
        "line": fc.zones_note,
    }


def _forecast_reasons(
    row: Mapping[str, Any],
    params: Mapping[str, Any],
    *,
    score: float,
    recent: tuple[int, float],
    zone_hours: int | None,
) -> list[str]:
    """Why a forecast cell is listed: its rank and risk, its violence of the last
    :data:`LOOKBACK_DAYS` days (``recent``: incidents, harm days), and whether it
    lies in a near-repeat zone of an incident of the window's ``zone_hours``."""
    n, harm = recent
    reasons = [
        f"forecast rank {row['rank']}: {score:.1f} times the risk of the average "
        f"cell with recorded violence{_risk_parts(row, params)}"
    ]
    if n:
        reasons.append(
            f"{_incidents(n)} in this cell in the last {LOOKBACK_DAYS} "
            f"days, harm {harm:,.0f} days"
        )
    else:
        reasons.append(
            f"no violent incident in this cell in the last {LOOKBACK_DAYS} days: "
            "it ranks for its longer record and its neighbours'"
        )
    if zone_hours is not None:
        reasons.append(
            f"inside a near-repeat zone of an incident in the last {zone_hours} hours"
        )
    return reasons


def _forecast_items(
    ctx: BriefingContext,
    plan: ForecastPlan,
    *,
    mean_risk: float,
    recent: Mapping[str, tuple[int, float]],
    zones: list[NearRepeatZone],
    named: pl.DataFrame,
) -> list[PlaceItem]:
    """The forecast's top cells as the places section lists them, in rank order:
    each cell's risk against ``mean_risk`` (that of the average cell with recorded
    violence), its ``recent`` violence (:func:`_recent_by_cell`: incidents, harm
    days), why it is listed (:func:`_forecast_reasons`: in a near-repeat zone of
    ``zones`` or not) and its name (:func:`_name_places` from ``named``)."""
    s = plan.grid.cell_size_m
    items: list[PlaceItem] = []
    for row in plan.frame.to_dicts():
        cid = str(row.get("cell_id") or f"{row['row']}:{row['col']}")
        n, harm = recent.get(cid, (0, 0.0))
        score = float(row["risk"]) / mean_risk if mean_risk > 0 else 0.0
        in_zone = bool(zones) and _in_zone(float(row["x"]), float(row["y"]), zones, s)
        reasons = _forecast_reasons(
            row,
            plan.params,
            score=score,
            recent=(n, harm),
            zone_hours=ctx.hours if in_zone else None,
        )
        items.append(
            cast(
                PlaceItem,
                {
                    "rank": int(row["rank"]),
                    "cell_id": cid,
                    "near": None,
                    "near_m": None,
                    "x": float(row["x"]),
                    "y": float(row["y"]),
                    "score": score,
                    "n_events": n,
                    "harm_days": harm,
                    "reasons": reasons,
                    "links": {"cell_id": [cid]},
                },
            )
        )
    return cast(list[PlaceItem], _name_places(cast(list[dict[str, Any]], items), named))


def _forecast_section(
    ctx: BriefingContext, fc: PlacesForecast, plan: ForecastPlan, *, cell_size_m: float
) -> PlacesSection:
    """Places from the backtested forecast ``plan`` (``fc.plan``), with near-repeat
    zones; of several forces, the summary names them (``forces``, ``forces_line``)."""
    s = plan.grid.cell_size_m
    flat = plan.risk.ravel()
    positive = flat[flat > 0]
    mean_risk = float(positive.mean()) if positive.size else 1.0
    recent = _recent_by_cell(ctx, s, LOOKBACK_DAYS)
    named = _named_cells(
        ctx,
        s,
        min(ctx.window_from, ctx.at - dt.timedelta(days=LOOKBACK_DAYS)),
        max(ctx.window_to, ctx.at),
    )
    zones = _zone_items(ctx, fc, s, named)
    horizon_h = float(plan.params.get("horizon_hours", 24.0))
    items = _forecast_items(
        ctx, plan, mean_risk=mean_risk, recent=recent, zones=zones, named=named
    )
    share = plan.backtest_share
    # the backtest's end: the start of the briefing's day (measured once a day,
    # avert.workflows.forecast.briefing_places), or the forecast's own time
    at = plan.params.get("backtest_to", plan.params.get("at", ctx.at))
    bt_from = at - dt.timedelta(days=plan.backtest_days)
    # its last day: one ending at 00:00 has none of that day ("to 10 Mar" at a
    # briefing of 08:00 on 10 March read as if the night's incidents were in it)
    last = at - dt.timedelta(days=1) if at.time() == dt.time() else at
    if share is None:
        line = (
            f"Forecast for the next {horizon_h:g} hours: the top {plan.k} cells "
            f"of {s:g} m ({plan.area_km2:.2f} km²). No located violence in the {plan.backtest_days} "
            "days before to backtest on: no expected share."
        )
    else:
        line = (
            f"Expected share {share * 100:.0f} %: the top {plan.k} cells "
            f"of {s:g} m ({plan.area_km2:.2f} km²) forecast for the next {horizon_h:g} hours. "
            f"On your own last {plan.backtest_days} days ({bt_from:%d %b} to "
            f"{last:%d %b %Y}, {plan.backtest_events:,} incidents), {plan.k} cells "
            "chosen each day the same way, from the days before only, caught "
            f"{share * 100:.0f} % of the next day's violence (a backtest, never "
            "in-sample)."
        )
    summary: PlacesSummary = {
        "kind": "forecast",
        "model": str(plan.params.get("model", "default")),
        "horizon_hours": horizon_h,
        "expected_share": share,
        "backtest_days": plan.backtest_days,
        "backtest_events": plan.backtest_events,
        "backtest_from": bt_from,
        "backtest_to": at,
        "area_km2": plan.area_km2,
        "cell_size_m": s,
        "lookback_days": LOOKBACK_DAYS,
        "line": line,
        "score_unit": SCORE_UNITS["forecast"],
        "method": plan.method,
        "source": plan.source,
        "near_repeat": _near_repeat(fc, zones),
    }
    if fc.forces:  # one force's summary is as before: no key added
        summary["forces"] = list(fc.forces)
        summary.update(_forces_fields(fc.forces_note))
    method = f"{plan.method} — backtested on the last {plan.backtest_days} days"
    return PlacesSection(
        items,
        summary,
        window_map_points(ctx, cell_size_m=cell_size_m),
        method=method,
        notes=list(fc.notes),
    )


def no_places_notes(notes: Sequence[str]) -> tuple[str, ...]:
    """The notes among ``notes`` that say why a briefing has no top cells."""
    return tuple(n for n in notes if n.startswith(NO_PLACES_NOTE_STARTS))


def _no_places_note(ctx: BriefingContext, period: str) -> str:
    """Why there are no top cells: no violent incident with a place in ``period``,
    or (a month not over, of month-only records only) none with a day: those
    records may have places, but cannot be placed in days."""
    undated = ctx.undated_in_window
    if not undated:
        return f"No violent incident with a place in {period}: no top cells."
    return (
        f"No violent incident with a known day and a place in {period}: no top "
        f"cells ({undated:,} month-only records of {month_start(ctx.at):%B %Y} "
        "have no day to place them in these days)."
    )


def _forces_fields(note: ForcesNote | None) -> PlacesSummary:
    """The summary's fields of a note on its forces: ``forces_line``, the note in
    the briefing's words, and the note as data (``forces_text``, its finding
    without advice; ``forces_advice``, the advice's kind or None), which the
    web's pages word themselves."""
    if note is None:
        return {"forces_line": ""}
    return {
        "forces_line": note.said(),
        "forces_text": note.text,
        "forces_advice": note.advice,
    }


def places_section(
    ctx: BriefingContext,
    *,
    n_cells: int = 10,
    cell_size_m: float = 100.0,
    bandwidth_m: float = 250.0,
    forecast: PlacesForecast | None = None,
) -> PlacesSection:
    """Top cells for the coming day, with the map points.

    With ``forecast`` (exact-time data): the backtested forecast and near-repeat
    zones (of forces far apart, each force's own: :func:`_each_forces_section`);
    else the top ``n_cells`` of the recent-hotspot surface (in-sample share),
    whose incidents' forces are checked as the forecast's: far apart, each
    force's own map (:func:`_each_forces_hotspots`); side by side, one, named
    (``forces``, ``forces_line``). A partner's notes give a stray event's
    place as its cell's centre (:func:`_notes_in_cells`).
    """
    section = _places_section(
        ctx,
        n_cells=n_cells,
        cell_size_m=cell_size_m,
        bandwidth_m=bandwidth_m,
        forecast=forecast,
    )
    if not ctx.partner:
        return section
    return dataclasses.replace(
        section, notes=_notes_in_cells(section.notes, cell_size_m)
    )


#: Where a note of :func:`avert.analyse.forecast.bulk_events` gives the exact
#: place of the first event it left out
_FIRST_AT = re.compile(r"first at x (-?\d+(?:\.\d+)?), y (-?\d+(?:\.\d+)?)")


def _notes_in_cells(notes: Sequence[str], cell_size_m: float) -> list[str]:
    """``notes`` with the exact place of an event left out of a grid ("first at
    x 461234, y 402345": :func:`avert.analyse.forecast.bulk_events`) given as
    the centre of its ``cell_size_m`` cell, as partners see every place. A
    partner's briefing gave a West Yorkshire incident's own easting and
    northing (and, of forces far apart, "West Yorkshire Police: Left out of the
    patrol grid: ... first at x 461234, y 402345")."""
    s = cell_size_m

    def centre(m: re.Match[str]) -> str:
        x, y = ((math.floor(float(v) / s) + 0.5) * s for v in m.groups())
        return f"first in the {s:g} m cell centred at x {x:.0f}, y {y:.0f}"

    return [_FIRST_AT.sub(centre, n) for n in notes]


def _places_section(
    ctx: BriefingContext,
    *,
    n_cells: int,
    cell_size_m: float,
    bandwidth_m: float,
    forecast: PlacesForecast | None,
) -> PlacesSection:
    """:func:`places_section` before a partner's notes are put in cells."""
    located = ctx.located
    plan = None if forecast is None else forecast.plan
    if forecast is not None and plan is None and ctx.precision != "month":
        # forces far apart: each force's own grid, not one grid over them all
        return _each_forces_section(ctx, forecast, cell_size_m=cell_size_m)
    if forecast is not None and plan is not None and ctx.precision != "month":
        return _forecast_section(ctx, forecast, plan, cell_size_m=cell_size_m)
    if located is None:
        return PlacesSection(
            [], {}, [], notes=["Incidents have no x/y: no places map."]
        )
    month = ctx.precision == "month"
    places_at = ctx.window_to if month else ctx.at
    lookback = max(
        1, (ctx.window_to - ctx.window_from).days if month else LOOKBACK_DAYS
    )
    window = _hotspot_window(
        located, start=places_at - dt.timedelta(days=lookback), end=places_at
    )
    hotspots = _Hotspots(
        ctx,
        at=places_at,
        lookback=lookback,
        period=f"{ctx.window_from:%B %Y}" if month else f"the last {lookback} days",
        n_cells=n_cells,
        cell_size_m=cell_size_m,
        bandwidth_m=bandwidth_m,
    )
    # forces of no more events than the cells listed per force: strays, unnamed
    far = far_forces(window, cell_size_m, min_events=n_cells + 1)
    if far is not None:  # one map from Leeds to London: each force's own
        note = ForcesNote(
            f"{far.said('hotspot map')} {EACH_FORCE_MAPPED}.", None, far.names
        )
        return _each_forces_hotspots(hotspots, located, window, note)
    # side by side: one map, named
    return hotspots.section(located, forces_note(window, advice="brief_area"))


#: What the briefing's hotspots say they did over forces far apart
EACH_FORCE_MAPPED: Final = (
    "Each one's hotspots are mapped on a grid of its own, its top cells as many "
    "as one force's (the count of cells is per force)"
)


#: What a listed cell's ``score`` is, by the places summary's kind: the heading of
#: the score column in the briefing (HTML, PDF) and on the web Places page, and the
#: summary's ``score_unit`` in briefing.json
SCORE_UNITS: Final = {
    "forecast": "times the average cell's risk",
    "recent_hotspots": "weighted incidents per km²",
}

#: Fewest incidents with a place whose share in the top cells is a finding: under
#: 25 the share's binomial standard error can exceed 10 points (0.5 / sqrt(25)),
#: and with fewer than twice the cells (:func:`few_events_min`) the cells around so
#: few incidents hold most of them whatever the pattern (one incident: 100 %)
MIN_SHARE_EVENTS: Final = 25


def few_events_min(n_cells: int) -> int:
    """The fewest incidents whose share in ``n_cells`` top cells the briefing
    states as a concentration: :data:`MIN_SHARE_EVENTS`, or twice the cells.

    >>> few_events_min(10), few_events_min(20)
    (25, 40)
    """
    return max(MIN_SHARE_EVENTS, 2 * n_cells)


@dataclass(frozen=True)
class _Hotspots:
    """How the briefing maps the recent hotspots of its incidents (month data, or
    no forecast): as of ``at``, over the ``lookback`` days (``period`` in words),
    the top ``n_cells`` of ``cell_size_m``, a kernel of ``bandwidth_m``."""

    ctx: BriefingContext
    at: dt.datetime
    lookback: int
    period: str
    n_cells: int
    cell_size_m: float
    bandwidth_m: float

    def section(
        self, located: pl.DataFrame, forces: ForcesNote | None
    ) -> PlacesSection:
        """The hotspots of ``located`` (the briefing's, or one force's), its
        ``forces`` side by side named."""
        ctx, period, lookback = self.ctx, self.period, self.lookback
        hot = recent_hotspots(
            located,
            at=self.at,
            lookback_days=lookback,
            cell_size_m=self.cell_size_m,
            bandwidth_m=self.bandwidth_m,
            n_cells=self.n_cells,
        )
        points = window_map_points(ctx, cell_size_m=self.cell_size_m)
        if hot.n_events == 0:
            return PlacesSection([], {}, points, notes=[_no_places_note(ctx, period)])
        named = _named_cells_of(
            located,
            hot.cell_size_m,
            self.at - dt.timedelta(days=lookback),
            self.at,
        )
        items = cast(
            list[PlaceItem],
            _name_places(
                [
                    {
                        **row,
                        "reasons": _reasons(
                            row, period=period, bandwidth_m=self.bandwidth_m
                        ),
                        "links": {"cell_id": [row["cell_id"]]},
                    }
                    for row in hot.frame.to_dicts()
                ],
                named,
            ),
        )
        summary: PlacesSummary = {
            "kind": "recent_hotspots",
            "n_events": hot.n_events,
            "share_events": hot.share_events,
            "share_harm": hot.share_harm,
            "area_km2": hot.area_km2,
            "cell_size_m": hot.cell_size_m,
            "bandwidth_m": hot.bandwidth_m,
            "lookback_days": lookback,
            "line": _hotspots_line(
                hot, len(items), period, month=ctx.precision == "month"
            ),
            "few_events": hot.n_events < few_events_min(len(items)),
            "score_unit": SCORE_UNITS["recent_hotspots"],
            "method": hot.method,
            "source": hot.source,
        }
        said = [] if forces is None else [forces.said()]
        if forces is not None:  # one force's summary is as before: no key added
            summary["forces"] = list(forces.forces)
            summary.update(_forces_fields(forces))
        return PlacesSection(
            items,
            summary,
            points,
            method=hot.method + " — " + hot.source,
            notes=[*said, *bulk_notes(hot.notes)],
        )


def _hotspots_line(hot: Any, n_items: int, period: str, *, month: bool) -> str:
    """What the top cells held of ``period``'s violence (in-sample); of too few
    incidents (:func:`few_events_min`), how few, and no share: it is no finding."""
    least = few_events_min(n_items)
    if hot.n_events < least:
        they = "it" if hot.n_events == 1 else "they"
        held = (
            f"Only {counted(hot.n_events, 'incident')} with a place in {period}: "
            f"too few (under {least}) for the share the top cells hold to be a "
            "finding: the cells around so few incidents hold most of them "
            f"whatever the pattern. The {counted(n_items, 'cell')} below mark where "
            f"{they} happened and the cells around, not a concentration."
        )
    else:
        held = (
            f"The top {counted(n_items, 'cell')} ({hot.area_km2:.2f} km²) held "
            f"{_percent(hot.share_events)} of {period}'s violence "
            f"({counted(hot.n_events, 'incident')} with a place) and "
            f"{_percent(hot.share_harm)} of its harm (in-sample: the same days "
            "the cells were chosen on)."
        )
    return held + (
        " Scores are recency- and harm-weighted incidents per km² that rank "
        "this month's cells: every record weighs as if of the month's first "
        "day, so its recency weight depends on the month's length and scores "
        "are not comparable across months."
        if month
        else ""
    )


def _by_force(
    ctx: BriefingContext,
    note: ForcesNote,
    sections: Sequence[tuple[str, PlacesSection]],
    notes: Sequence[str],
    *,
    cell_size_m: float,
    few: Sequence[TooFewEvents] = (),
) -> PlacesSection:
    """One places section of each force's own ``sections`` (forces far apart,
    ``note`` saying so): their cells listed one force after another, each with
    its ``force`` and ranked within it; the summary's ``by_force`` each force's
    own summary with its ``force`` (fields added to briefing.json), and the
    fields every summary has, of the first force's, beside ``forces``,
    ``forces_line`` and ``budget`` ("per_force"); ``too_few`` (added when
    any): the forces ``few``, given no places for too few events, each with its
    count and the minimum (:meth:`TooFewEvents.as_json`). ``notes``: the
    section's."""
    planned = [(name, sec) for name, sec in sections if sec.summary]
    points = window_map_points(ctx, cell_size_m=cell_size_m)
    if not planned:
        return PlacesSection([], {}, points, notes=list(notes))
    items = [
        cast(PlaceItem, {**item, "force": name})
        for name, sec in planned
        for item in sec.items
    ]
    first = planned[0][1].summary
    shared = (
        "kind",
        "model",
        "horizon_hours",
        "cell_size_m",
        "bandwidth_m",
        "score_unit",
    )
    summary = cast(PlacesSummary, {k: first[k] for k in shared if k in first})  # type: ignore[literal-required]
    summary.update(
        {
            "lookback_days": first.get("lookback_days", LOOKBACK_DAYS),
            "line": (
                f"Places of {len(note.forces)} forces or sources far apart, "
                "each planned on a grid of its own and listed under its name; "
                "the patrol budget is per force."
            ),
            "method": first.get("method", ""),
            "source": first.get("source", ""),
            "forces": list(note.forces),
            "budget": "per_force",
            "by_force": [
                cast(PlacesSummary, {"force": name, **sec.summary})
                for name, sec in planned
            ],
        }
    )
    if few:  # a summary without such a force is as before: no key added
        summary["too_few"] = [cast(TooFewItem, f.as_json()) for f in few]
    summary.update(_forces_fields(note))
    return PlacesSection(
        items, summary, points, method=planned[0][1].method, notes=list(notes)
    )


def _each_forces_section(
    ctx: BriefingContext, fc: PlacesForecast, *, cell_size_m: float
) -> PlacesSection:
    """The forecast's places of forces far apart: each force's own
    (``fc.by_force``, :func:`_forecast_section` of each), as a store of that
    force alone lists them (:func:`_by_force`)."""
    sections = [
        (name, _forecast_section(ctx, own, own.plan, cell_size_m=cell_size_m))
        for name, own in fc.by_force
        if own.plan is not None
    ]
    note = fc.forces_note or ForcesNote("", None, fc.forces)
    return _by_force(
        ctx, note, sections, fc.notes, cell_size_m=cell_size_m, few=fc.too_few
    )


def _each_forces_hotspots(
    hotspots: _Hotspots,
    located: pl.DataFrame,
    window: pl.DataFrame,
    note: ForcesNote,
) -> PlacesSection:
    """The hotspots of forces far apart: each force's own map (its incidents
    alone), as a store of that force alone maps them (:func:`_by_force`); a
    force with no more of the ``window``'s incidents than the map's cells gets
    none, a note and an item of ``too_few`` (:func:`avert.analyse.forces.
    too_few`)."""
    in_window = {name: own.height for name, own in each_force(window)}
    sections, few = [], []
    for name, own in each_force(located):
        n = in_window.get(name, 0)
        why = too_few(name, n, hotspots.n_cells, hotspots.period)
        if n and why is not None:
            few.append(why)
        else:  # none in the window: its section says why it has no places
            sections.append((name, hotspots.section(own, None)))
    notes = [
        note.said(),
        *(f.said() for f in few),
        *(f"{name}: {n}" for name, sec in sections for n in sec.notes),
    ]
    return _by_force(
        hotspots.ctx,
        note,
        sections,
        notes,
        cell_size_m=hotspots.cell_size_m,
        few=few,
    )


def _hotspot_window(
    located: pl.DataFrame, *, start: dt.datetime, end: dt.datetime
) -> pl.DataFrame:
    """The located incidents a hotspot map of ``[start, end)`` is made of, in the
    bulk (:func:`avert.analyse.hotspots.recent_hotspots` cuts them so)."""
    recent = located.filter(
        (pl.col("occurred_from") >= start)
        & (pl.col("occurred_from") < end)
        & pl.col("x").is_finite()
        & pl.col("y").is_finite()
    )
    return bulk_events(recent, grid="hotspot map")[0]
