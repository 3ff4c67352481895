"""Measure the verdicts of ``avert.analyse.performance`` on planted monthly series.

Run ``python benchmarks/performance_verdicts.py [--series 200] [--seeds 0 1 2]``. For
each seed it draws series of 36 months (24 baseline, 12 recent) with a seasonal
cycle (amplitude 15 %, peak in July) and prints, measured:

- the false ``significant_*`` rate on flat series (no change; issue 18 target <= 5 %):
  Poisson counts at 10, 30 and 100 a month, and over-dispersed counts (negative
  binomial of size 30, 10, 3 and 1.5 at 30 a month, i.e. Pearson dispersion about
  2, 4, 11 and 21; size 3 at 10 a month, dispersion about 4.3), with the share of
  series the model judged over-dispersed (quasi-Poisson);
- the power: the share of series with a planted -25 % step judged a significant
  reduction (sustained or not) and judged ``significant_sustained_reduction``, for
  Poisson counts at 10, 30 and 100 a month and negative binomial size 10 at 30 and
  100 a month;
- a fall that wore off: -25 % in the first 6 recent months only, then back
  (Poisson at 30, 100 and 300 a month): the same two shares; ``sustained`` should
  be rare;
- a trend and no step: -10 % a year throughout (Poisson at 30 and 100 a month):
  the share judged significant, the share ``significant_sustained_reduction``
  (false: nothing changed but the trend) and how many of the significant carry a
  ``caution`` (the baseline already falling).

Every series goes through :func:`avert.analyse.performance.performance` with its
defaults (``family="auto"``, ``trend="auto"``, alpha 0.05, 5 of the last 6) unless
``--family`` is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import time
from typing import cast

import numpy as np
import polars as pl

from avert.analyse.performance import Family, performance

MONTHS = pl.date_range(
    dt.date(2022, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True
).to_list()
BASE = (dt.date(2022, 1, 1), dt.date(2023, 12, 31))
RECENT = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))

#: (label, monthly level, negative binomial size or None for Poisson)
FLAT: tuple[tuple[str, float, float | None], ...] = (
    ("poisson", 10.0, None),
    ("poisson", 30.0, None),
    ("poisson", 100.0, None),
    ("negbin size 30", 30.0, 30.0),
    ("negbin size 10", 30.0, 10.0),
    ("negbin size 3", 30.0, 3.0),
    ("negbin size 1.5", 30.0, 1.5),
    ("negbin size 3", 10.0, 3.0),
)
STEP: tuple[tuple[str, float, float | None], ...] = (
    ("poisson", 10.0, None),
    ("poisson", 30.0, None),
    ("poisson", 100.0, None),
    ("negbin size 10", 30.0, 10.0),
    ("negbin size 10", 100.0, 10.0),
)
#: monthly levels of the series with a trend and no step (-10 % a year throughout)
TREND_LEVELS: tuple[float, ...] = (30.0, 100.0)
#: a fall that wore off: -25 % in the first 6 recent months only
WORE_OFF: tuple[tuple[str, float, float | None], ...] = (
    ("poisson", 30.0, None),
    ("poisson", 100.0, None),
    ("poisson", 300.0, None),
)


def draw(
    rng: np.random.Generator,
    n: int,
    level: float,
    step: float,
    size: float | None,
    *,
    step_months: int = 12,
    trend_per_year: float = 0.0,
) -> pl.DataFrame:
    """``n`` monthly series (areas ``S0000``...) of the shape described above; the
    step lasts the first ``step_months`` of the recent year; ``trend_per_year``
    changes the level throughout (-0.1: 10 % less each year)."""
    season = np.array(
        [1 + 0.15 * math.cos(2 * math.pi * (m.month - 7) / 12) for m in MONTHS]
    )
    mu = level * season * (1 + trend_per_year) ** (np.arange(len(MONTHS)) / 12)
    mu[24 : 24 + step_months] *= 1 + step
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


def _share(mask: pl.Series) -> float:
    return float(cast(float, mask.mean()))


def measure(seed: int, n: int, family: Family) -> None:
    rng = np.random.default_rng(seed)
    for label, level, size in FLAT:
        t0 = time.perf_counter()
        flat = performance(
            draw(rng, n, level, 0.0, size), baseline=BASE, recent=RECENT, family=family
        ).frame
        rate = _share(flat["verdict"].str.starts_with("significant"))
        quasi = _share(flat["family"] == "quasipoisson")
        cautioned = int(flat["caution"].is_not_null().sum())
        print(
            f"seed {seed} flat {label:15s} level {level:3.0f}: false significant_* "
            f"{rate:.3f} ({round(rate * n)}/{n}), quasi-Poisson {quasi:.2f}, "
            f"cautioned {cautioned}, {time.perf_counter() - t0:.1f} s",
            flush=True,
        )
    for kind, rows, months in (
        ("step -25 %", STEP, 12),
        ("-25 % for 6 months, then back,", WORE_OFF, 6),
    ):
        for label, level, size in rows:
            verdicts = performance(
                draw(rng, n, level, -0.25, size, step_months=months),
                baseline=BASE,
                recent=RECENT,
                family=family,
            ).frame["verdict"]
            found = _share(
                verdicts.is_in(
                    ["significant_reduction", "significant_sustained_reduction"]
                )
            )
            sustained = _share(verdicts == "significant_sustained_reduction")
            print(
                f"seed {seed} {kind} {label:15s} level {level:3.0f}: significant "
                f"reduction {found:.3f}, sustained {sustained:.3f}",
                flush=True,
            )
    for level in TREND_LEVELS:
        frame = performance(
            draw(rng, n, level, 0.0, None, trend_per_year=-0.10),
            baseline=BASE,
            recent=RECENT,
            family=family,
        ).frame
        significant = frame["verdict"].str.starts_with("significant")
        sustained = _share(frame["verdict"] == "significant_sustained_reduction")
        cautioned = int((significant & frame["caution"].is_not_null()).sum())
        print(
            f"seed {seed} -10 % a year throughout, no step, poisson level "
            f"{level:3.0f}: significant {_share(significant):.3f}, sustained "
            f"reduction {sustained:.3f}, cautioned {cautioned} of "
            f"{int(significant.sum())} significant",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--family",
        default="auto",
        choices=["auto", "poisson", "quasipoisson", "negbin"],
    )
    args = parser.parse_args()
    for seed in args.seeds:
        measure(seed, args.series, cast(Family, args.family))


if __name__ == "__main__":
    main()
