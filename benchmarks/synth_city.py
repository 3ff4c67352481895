"""Benchmark: generate a synthetic city of about one million incidents.

Run ``python benchmarks/synth_city.py [--people N] [--days D] [--rate R] [--format csv]``.
Prints the measured generation and writing times, the row counts and the peak
resident set size of the process (``getrusage``); nothing is hard-coded.
The default, 400,000 residents over three years with 700 background crimes per 1,000
residents a year (a stress rate, about 8.5 times the national rate), gives ~1 M incidents.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from avert.synth import CityConfig, make_city, write_bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=400_000)
    parser.add_argument("--days", type=int, default=1095)
    parser.add_argument(
        "--rate", type=float, default=700.0, help="crimes per 1,000 residents a year"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", choices=["csv", "parquet"], default="csv")
    args = parser.parse_args()
    config = CityConfig(
        people=args.people, days=args.days, crimes_per_1000_per_year=args.rate
    )
    t0 = time.perf_counter()
    city = make_city(config, seed=args.seed)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        files = write_bundle(city, Path(tmp) / "bundle", fmt=args.format)
        size_mb = sum(p.stat().st_size for p in files.values()) / 1e6
    t2 = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_mb = peak / 1e6 if sys.platform == "darwin" else peak / 1024
    print(
        f"python {sys.version.split()[0]}; people={args.people:,} days={args.days} rate={args.rate}"
    )
    for name, frame in city.frames().items():
        print(f"  {name:14s} {frame.height:>10,} rows")
    print(f"generate: {t1 - t0:.1f} s")
    print(f"write ({args.format}, {size_mb:.0f} MB): {t2 - t1:.1f} s")
    print(f"total: {t2 - t0:.1f} s for {city.incidents.height:,} incidents")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
