"""Next-day place forecasts on cities with planted near-repeat contagion.

Toronto's assaults hold little short-range contagion, so a model that ignores the last
few days loses nothing there; a force whose data is a burglary series or a feud is
not like that. This benchmark plants it: a self-exciting city on an 18 x 12 km square
(60 hotspots with lognormal weights, trends, drift and late births, a uniform
background share, weekday rhythm; then each event has Poisson(``branch``) offspring
within N(0, 60 m) and Exp(3 days), generation after generation: a Hawkes process,
Mohler et al. 2011), times rounded down to the hour as police data are. Two cities:

- strong: ``branch`` 0.8, background share 0.9, 15 seeds a day (seed 5);
- moderate: ``branch`` 0.45, background share 0.5, 20 seeds a day (seed 8).

Protocol as ``benchmarks/forecast.py``: 150 m grid over the city's events, every 6th
day of 2020-2021 (122 days), each trained on the 365 days before it, event-weighted
hit rate at 1/2/5/10 % of the bbox and the active cells, open_cp's tie rule; median
CPU seconds of fit + predict per day. Models: the counting grid, ``sepp``, the
default and the default without its recent map (the stack as it was before
2026-12-03).

Run: ``.venv/bin/python benchmarks/forecast_contagion.py``.
"""

from __future__ import annotations

from harness import single_threaded

single_threaded()

import datetime as dt  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from avert.analyse.forecast import (  # noqa: E402
    Counting,
    Events,
    Forecaster,
    Grid,
    GridSEPP,
    Stacked,
    evaluate_days,
    summarise,
)

WIDTH_M, HEIGHT_M, YEARS = 18_000.0, 12_000.0, 3


def contagious_city(
    seed: int, *, per_day: float, branch: float, background: float
) -> pl.DataFrame:
    """Events (``x``, ``y`` metres, ``occurred_at`` to the hour) of a self-exciting
    city: hotspot and background immigrants, then offspring generations."""
    rng = np.random.default_rng(seed)
    k = 60
    centre = rng.uniform((0, 0), (WIDTH_M, HEIGHT_M), (k, 2))
    spread_m = rng.uniform(40, 400, k)
    weight = rng.lognormal(0, 1.0, k)
    born_day = np.where(rng.uniform(size=k) < 0.2, rng.uniform(0, 365 * YEARS, k), -1)
    trend = rng.normal(0, 0.7, k)  # log-intensity change a year
    drift_m = rng.normal(0, 250.0, (k, 2))  # metres a year
    weekday = np.array([1.0, 0.9, 0.9, 1.0, 1.2, 1.4, 1.3])
    days = np.arange(365 * YEARS)
    n = rng.poisson(per_day * (1 - branch) * weekday[days % 7] / weekday.mean())
    t = np.repeat(days, n) + rng.uniform(0, 1, n.sum())
    year = t / 365.0
    # each immigrant's hotspot, drawn from the weights alive that day (by inversion)
    alive = np.exp(trend[None, :] * year[:, None]) * weight[None, :]
    alive *= (born_day[None, :] < 0) | (t[:, None] >= born_day[None, :])
    cum = np.cumsum(alive, axis=1)
    spot = (cum < rng.uniform(size=t.size)[:, None] * cum[:, -1:]).sum(axis=1)
    xy = centre[spot] + drift_m[spot] * year[:, None]
    xy += rng.normal(0, 1, (t.size, 2)) * spread_m[spot, None]
    flat = rng.uniform(size=t.size) < background
    xy[flat] = rng.uniform((0, 0), (WIDTH_M, HEIGHT_M), (int(flat.sum()), 2))
    parts_xy, parts_t = [xy], [t]
    while t.size:  # offspring, generation by generation
        m = rng.poisson(branch, t.size)
        xy = np.repeat(xy, m, axis=0) + rng.normal(0, 60.0, (m.sum(), 2))
        t = np.repeat(t, m) + rng.exponential(3.0, m.sum())
        keep = t < 365 * YEARS
        xy, t = xy[keep], t[keep]
        parts_xy.append(xy)
        parts_t.append(t)
    xy, t = np.concatenate(parts_xy), np.concatenate(parts_t)
    inside = (xy >= 0).all(axis=1) & (xy[:, 0] < WIDTH_M) & (xy[:, 1] < HEIGHT_M)
    hours = np.floor(t[inside] * 24).astype("timedelta64[h]")
    return pl.DataFrame(
        {
            "x": xy[inside, 0],
            "y": xy[inside, 1],
            "occurred_at": (np.datetime64("2019-01-01T00:00") + hours).astype(
                "datetime64[us]"
            ),
        }
    ).sort("occurred_at")


MODELS: dict[str, Callable[[Grid], Forecaster]] = {
    "counting (365 d)": lambda g: Counting(g, window_days=365.0),
    "sepp": lambda g: GridSEPP(g),
    "default without the recent map (before 2026-12-03)": lambda g: Stacked(
        g, recent_half_life_days=None
    ),
    "default": lambda g: Stacked(g),
}


def main() -> None:
    cities = {
        "strong (branch 0.8, background 0.9)": contagious_city(
            5, per_day=15.0, branch=0.8, background=0.9
        ),
        "moderate (branch 0.45, background 0.5)": contagious_city(
            8, per_day=20.0, branch=0.45, background=0.5
        ),
    }
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(0, 731, 6)]
    for label, frame in cities.items():
        grid = Grid.covering(frame["x"].to_numpy(), frame["y"].to_numpy(), 150.0)
        ev = Events.from_frame(frame, grid)
        active = np.zeros(grid.n_cells, dtype=bool)
        active[ev.cell] = True
        print(f"\n## {label}: {frame.height:,} events, {len(days)} test days")
        print("| model | HR 1 % | HR 2 % | HR 5 % | HR 10 % | CPU s/day |")
        print("|---|---|---|---|---|---|")
        for name, factory in MODELS.items():
            per_day = evaluate_days(
                factory, ev, grid, days, active=active, train_days=365.0
            )
            s = summarise(per_day)
            cols = []
            for c in (0.01, 0.02, 0.05, 0.10):
                at = s.filter(pl.col("coverage") == c)
                bbox = at.filter(pl.col("basis") == "bbox")["hit_rate"].item()
                act = at.filter(pl.col("basis") == "active")["hit_rate"].item()
                cols.append(f"{bbox:.3f} / {act:.3f}")
            cpu = float(per_day["fit_predict_cpu_s"].median())
            print(f"| {name} | {' | '.join(cols)} | {cpu:.3f} |", flush=True)


if __name__ == "__main__":
    main()
