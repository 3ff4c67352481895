"""CPU seconds and peak memory per day of ``forecast_grid``'s default on a large city.

The case the issue's owner runs on a hidden city (issue 16: "under 1 s per day"):
a 500 x 500 grid of 100 m cells (50 x 50 km), 150,000 events a year (70 % around
400 hotspots of Pareto-distributed weight, N(0, 300 m); 30 % uniform), with every
event of ``--years`` years passed each day, as an evaluation loop would; times to
the microsecond, sorted (``--unsorted``: shuffled rows). ``--near-repeats 0.2``
makes that share of the events followers of others (N(0, 80 m) away, an
exponential three days later): the stack then weighs more of its maps and the
recent map, and costs more. For ``--days`` days from
2024-12-01 the default is fitted and predicts the next day; printed: each day's CPU
seconds (one thread) and the peak resident set size, then the median, and a
digest of the forecasts (equal before and after a speed change that keeps every
bit; a speed change may move them by rounding, up to about 1e-9 relative, so
``--save FILE.npy`` keeps the forecasts, and ``--against FILE.npy`` prints their
largest relative difference from another run's). The first call (imports, scipy's set-up) is made before the
timing.

Run: ``.venv/bin/python benchmarks/forecast_hidden_city.py [--years 4] [--days 5]
[--cell-m 100] [--no-long-maps]`` (``--cell-m 50``: the same city on a million
cells; ``--no-long-maps``: the default as before 2026-12-07, without the flat and
730-day maps that join its stack past 1.5 years of history).
"""

from __future__ import annotations

from harness import peak_rss_mib, single_threaded

single_threaded()

import argparse  # noqa: E402
import datetime as dt  # noqa: E402
import hashlib  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from avert.analyse.forecast import forecast_grid  # noqa: E402

ORIGIN = (300_000.0, 5_000_000.0)
SIDE_M = 50_000.0


def city(
    years: float, *, unsorted: bool, near_repeats: float = 0.0, seed: int = 1
) -> pl.DataFrame:
    """The seeded city: ``150,000 * years`` events ending 2025-01-01."""
    rng = np.random.default_rng(seed)
    n = int(150_000 * years)
    x0, y0 = ORIGIN
    hot = rng.uniform((x0 + 2_000, y0 + 2_000), (x0 + 48_000, y0 + 48_000), (400, 2))
    weight = rng.pareto(1.2, 400) + 0.1
    xy = hot[rng.choice(400, n, p=weight / weight.sum())] + rng.normal(0, 300, (n, 2))
    uniform = rng.random(n) < 0.3
    xy[uniform] = rng.uniform((x0, y0), (x0 + SIDE_M, y0 + SIDE_M), (uniform.sum(), 2))
    end = np.datetime64("2025-01-01T00:00:00", "us")
    span_us = rng.random(n) * years * 365 * 86_400e6
    followers = rng.random(n) < near_repeats
    leader = rng.integers(0, n, int(followers.sum()))
    xy[followers] = xy[leader] + rng.normal(0, 80, (leader.size, 2))
    later_us = rng.exponential(3 * 86_400e6, leader.size)
    span_us[followers] = np.maximum(span_us[leader] - later_us, 0.0)
    frame = pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": pl.Series(end - span_us.astype("timedelta64[us]")),
        }
    )
    return frame if unsorted else frame.sort("occurred_at")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=float, default=4.0)
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--unsorted", action="store_true")
    parser.add_argument("--near-repeats", type=float, default=0.0)
    parser.add_argument(
        "--no-long-maps",
        action="store_true",
        help="the default without its long-memory maps (as before 2026-12-07)",
    )
    parser.add_argument("--save", default=None, help="keep the forecasts (.npy)")
    parser.add_argument("--against", default=None, help="compare with a --save")
    parser.add_argument(
        "--cell-m", type=int, default=100, help="cell side (50: a million cells)"
    )
    args = parser.parse_args()
    events = city(args.years, unsorted=args.unsorted, near_repeats=args.near_repeats)
    side_cells = int(SIDE_M // args.cell_m)
    grid: dict[str, object] = {
        "origin_xy": ORIGIN,
        "cell_size_m": args.cell_m,
        "shape": (side_cells, side_cells),
    }
    if args.no_long_maps:
        grid["long_maps"] = ()
    forecast_grid(events, at=dt.datetime(2024, 11, 30), **grid)  # warm-up
    print(
        f"{events.height:,} events over {args.years:g} years"
        f"{' (unsorted)' if args.unsorted else ''}, {args.near_repeats:.0%} near "
        f"repeats; {side_cells} x {side_cells} cells of {args.cell_m} m"
    )
    cpu: list[float] = []
    risks: list[np.ndarray] = []
    digest = hashlib.sha256()
    for day in range(args.days):
        at = dt.datetime(2024, 12, 1) + dt.timedelta(days=day)
        start = time.process_time()
        risk = forecast_grid(events, at=at, **grid)
        cpu.append(time.process_time() - start)
        digest.update(risk.tobytes())
        risks.append(risk)
        print(f"  {at.date()}: {cpu[-1]:.2f} s CPU, peak RSS {peak_rss_mib():.0f} MiB")
    print(
        f"median {statistics.median(cpu):.2f} s CPU a day; peak RSS "
        f"{peak_rss_mib():.0f} MiB; forecasts' digest {digest.hexdigest()[:16]}"
    )
    if args.save:
        np.save(args.save, np.stack(risks))
    if args.against:
        other = np.load(args.against)
        gap = np.abs(np.stack(risks) - other) / np.maximum(np.abs(other), 1e-300)
        print(f"largest relative difference from {args.against}: {gap.max():.2e}")


if __name__ == "__main__":
    main()
