"""Measure the verdicts of ``avert.analyse.performance`` on planted monthly series.

Run ``python benchmarks/performance_verdicts.py [--series 200] [--seeds 0 1 2]``. For
each seed it draws series of 36 months (24 baseline, 12 recent) with a seasonal
cycle (amplitude 15 %, peak in July) and prints, measured:

- the false ``significant_*`` rate on flat series (no change; issue 18 target <= 5 %),
  for Poisson counts and for over-dispersed (negative binomial, size 10) counts;
- the share of series with a planted -25 % step judged a significant reduction
  (sustained or not) and judged ``significant_sustained_reduction``, at several
  monthly levels.

Every series goes through :func:`avert.analyse.performance.performance` with its
defaults (``family="auto"``, ``trend="auto"``, alpha 0.05, 5 of the last 6).
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time

import numpy as np
import polars as pl

from avert.analyse.performance import performance

MONTHS = pl.date_range(
    dt.date(2022, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True
).to_list()
BASE = (dt.date(2022, 1, 1), dt.date(2023, 12, 31))
RECENT = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def _draw(
    rng: np.random.Generator, n: int, level: float, step: float, size: float | None
) -> pl.DataFrame:
    season = np.array(
        [1 + 0.15 * math.cos(2 * math.pi * (m.month - 7) / 12) for m in MONTHS]
    )
    mu = level * season
    mu[24:] *= 1 + step
    mu = np.tile(mu, (n, 1))
    counts = (
        rng.poisson(mu)
        if size is None
        else rng.negative_binomial(size, size / (size + mu))
    )
    return pl.DataFrame(
        {
            "area": np.repeat([f"S{i:04d}" for i in range(n)], len(MONTHS)),
            "category": "all",
            "flag": "all",
            "period": MONTHS * n,
            "count": counts.ravel().astype(np.int64),
        }
    )


def measure(seed: int, n: int) -> None:
    rng = np.random.default_rng(seed)
    for label, size in (
        ("poisson", None),
        ("negbin size 10", 10.0),
        ("negbin size 3", 3.0),
    ):
        t0 = time.perf_counter()
        flat = performance(_draw(rng, n, 30.0, 0.0, size), baseline=BASE, recent=RECENT)
        rate = float(flat.frame["verdict"].str.starts_with("significant").mean())  # type: ignore[arg-type]
        print(
            f"seed {seed} flat {label:14s} level 30: false significant_* "
            f"{rate:.3f} ({int(rate * n)}/{n}) in {time.perf_counter() - t0:.1f} s"
        )
    for level in (10.0, 30.0, 100.0):
        res = performance(
            _draw(rng, n, level, -0.25, None), baseline=BASE, recent=RECENT
        )
        verdicts = res.frame["verdict"]
        found = float(
            verdicts.is_in(
                ["significant_reduction", "significant_sustained_reduction"]
            ).mean()
        )  # type: ignore[arg-type]
        sustained = float((verdicts == "significant_sustained_reduction").mean())  # type: ignore[arg-type]
        print(
            f"seed {seed} step -25 % level {level:5.0f}/month: significant reduction "
            f"{found:.3f}, sustained {sustained:.3f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    for seed in args.seeds:
        measure(seed, args.series)


if __name__ == "__main__":
    main()
