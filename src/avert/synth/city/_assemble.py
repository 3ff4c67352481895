"""Assembly of the generated events into the canonical incidents and involvements."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from pyproj import Transformer

from avert.schema import INCIDENTS, WEAPONS
from avert.synth.city._base import (
    HATE_LABELS,
    I64,
    INJURY,
    ROLE_NAMES,
    ROLE_NAMES_SORTED,
    ROLE_OFFENDER,
    ROLE_SUSPECT,
    SOURCE,
    _Ctx,
    _Events,
)
from avert.synth.city._frames import _OUTCOMES, _datetimes, _ids, _lut
from avert.synth.city._population import _Geography
from avert.synth.city._records import _area_codes


@dataclass(frozen=True)
class _Incidents:
    """The incidents frame and the arrays later steps index by event."""

    frame: pl.DataFrame
    t: I64  # seconds since the start, per event (creation order)
    place: I64  # micro-place per event
    rank: I64  # time rank of each event (the row of its incident)
    ids: pl.Series  # incident ids in time order
    transformer: Transformer  # EPSG:27700 -> EPSG:4326


def _assemble_incidents(ctx: _Ctx, geo: _Geography, ev: _Events) -> _Incidents:
    """Incidents in time order (ties by creation order) with places jittered by 6 m."""
    cfg, rng = ctx.cfg, ctx.rng
    t = np.concatenate(ev.t)
    code = np.concatenate(ev.code)
    place = np.concatenate(ev.place)
    order = np.lexsort((np.arange(len(t)), t))  # by time, ties by creation order
    rank = np.empty(len(t), np.int64)
    rank[order] = np.arange(len(t))
    inc_ids = _ids("I", len(t), 8)
    x = np.round(geo.px_m[place] + rng.normal(0, 6, len(t)), 1)
    y = np.round(geo.py_m[place] + rng.normal(0, 6, len(t)), 1)
    tr = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = tr.transform(x, y)
    cell = place // cfg.places_per_cell
    weapon = np.concatenate(ev.weapon)
    inv_e = np.concatenate(ev.inv_event)
    inv_r = np.concatenate(ev.inv_role)
    has_off = np.zeros(len(t), bool)
    has_off[inv_e[inv_r == ROLE_OFFENDER]] = True
    has_susp = np.zeros(len(t), bool)
    has_susp[inv_e[inv_r == ROLE_SUSPECT]] = True
    n_cells = geo.n_cells
    all_cells = np.arange(n_cells)
    ward_of_cell = (all_cells // geo.nx) // 4 * 100 + (all_cells % geo.nx) // 4
    outcome_ix = np.where(has_off, 0, np.where(has_susp, 1, 2))
    inc_id_s = inc_ids.gather(rank)
    generated = pl.DataFrame(
        {
            "incident_id": inc_id_s,
            "offence_code": _lut(ctx.codes, code),
            "crime_type": _lut(ctx.crime_type, code),
            "occurred_from": _datetimes(ctx, t),
            "lat": np.round(lat, 6),
            "lon": np.round(lon, 6),
            "x": x,
            "y": y,
            "lsoa": _area_codes("SYN", all_cells, 4).gather(cell),
            "ward": _area_codes("SYNW", ward_of_cell, 4).gather(cell),
            "domestic": np.concatenate(ev.domestic),
            "weapon": _lut(WEAPONS, weapon),
            "hate": _lut(HATE_LABELS, np.concatenate(ev.hate)),
            "gang_related": np.concatenate(ev.gang),
            "injury": _lut(INJURY, np.concatenate(ev.injury)),
            "outcome": _lut(_OUTCOMES, outcome_ix),
            "_rank": rank,
        }
    ).with_columns(
        pl.lit(SOURCE).alias("source"),
        pl.lit("exact").alias("time_precision"),
        pl.lit("Synthetic City").alias("borough"),
        pl.col("hate").replace("", None),
        pl.lit(None, pl.Datetime("us")).alias("occurred_to"),
    )
    # the canonical incident columns the city fills, in the schema's order
    filled = [c for c in INCIDENTS.names if c in generated.columns]
    incidents = generated.select(*filled, "_rank").sort("_rank").drop("_rank")
    return _Incidents(
        frame=incidents, t=t, place=place, rank=rank, ids=inc_ids, transformer=tr
    )


def _involvements_frame(
    inv: pl.DataFrame, rank: I64, inc_ids: pl.Series, person_s: pl.Series
) -> pl.DataFrame:
    """Involvements sorted by (incident id, role name, person id) with integer keys."""
    role_alpha = np.array([ROLE_NAMES_SORTED.index(r) for r in ROLE_NAMES])
    inv_sorted = inv.with_columns(
        pl.Series("ri", rank[inv["e"].to_numpy()]),
        pl.Series("ra", role_alpha[inv["r"].to_numpy()]),
    ).sort(["ri", "ra", "p"])
    return pl.DataFrame(
        {
            "incident_id": inc_ids.gather(inv_sorted["ri"]),
            "person_id": person_s.gather(inv_sorted["p"]),
            "role": _lut(ROLE_NAMES, inv_sorted["r"].to_numpy()),
        }
    )
