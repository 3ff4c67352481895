"""Speed and memory of the violence classifier and harm weights on 6 M incidents.

Builds a synthetic frame of N incidents (default 6,000,000) with offence codes drawn
from the national 2017/18 offence mix (harm.toml counts), 5 % police.uk-only rows, random
weapon/injury/domestic/hate flags and times over three years, plus involvements (one
victim per incident drawn from N/3 people, so repeat victims are common, and 1-4
suspects on a tenth of incidents). Times ``classify_with_harm`` (classification + harm,
all extensions) and reports peak resident memory.

Run: .venv/bin/python benchmarks/classify_violence.py [--n 6000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import threading
import time
from pathlib import Path

import numpy as np
import polars as pl
from harness import peak_rss_mib

from avert.classify import classify_with_harm
from avert.config.definitions import load_harm, load_profile


def current_rss_mb() -> float:
    """Current resident set size in MB."""
    with Path("/proc/self/statm").open(encoding="ascii") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def pick(
    rng: np.random.Generator, values: list[str | None], p: list[float], n: int
) -> pl.Series:
    """N draws from ``values`` (None allowed) as a String series."""
    idx = pl.Series(rng.choice(len(values), size=n, p=p))
    return pl.Series(values, dtype=pl.String).gather(idx)


class PeakSampler:
    """Samples the current RSS every 20 ms in a thread; ``peak_mb`` after ``stop``."""

    def __init__(self) -> None:
        self.peak_mb = current_rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_mb = max(self.peak_mb, current_rss_mb())
            self._stop.wait(0.02)

    def start(self) -> PeakSampler:
        self._thread.start()
        return self

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        self.peak_mb = max(self.peak_mb, current_rss_mb())
        return self.peak_mb


def synthesise(n: int, seed: int = 20260101) -> tuple[pl.DataFrame, pl.DataFrame]:
    """N incidents and their involvements."""
    rng = np.random.default_rng(seed)
    harm = load_harm()
    codes = [c for c in harm.codes.values() if c.policeuk_published]
    p = np.array([c.national_count for c in codes], dtype=float)
    idx = rng.choice(len(codes), size=n, p=p / p.sum())
    code = np.array([c.code for c in codes], dtype=object)[idx]
    ptype = np.array([c.policeuk_category for c in codes], dtype=object)[idx]
    policeuk_only = rng.random(n) < 0.05
    ids = pl.Series("incident_id", np.arange(n)).cast(pl.String)
    start = np.datetime64("2019-01-01T00:00:00", "s").astype(np.int64)
    secs = start + rng.integers(0, 3 * 365 * 86_400, n)
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "offence_code": pl.Series(
                np.where(policeuk_only, None, code), dtype=pl.String
            ),
            "crime_type": pl.Series(ptype, dtype=pl.String),
            "occurred_from": pl.Series(secs * 1_000_000).cast(pl.Datetime("us")),
            "weapon": pick(
                rng,
                ["none", "knife", "firearm", "other", None],
                [0.8, 0.05, 0.01, 0.04, 0.1],
                n,
            ),
            "injury": pick(
                rng, ["none", "minor", "serious", None], [0.6, 0.25, 0.05, 0.1], n
            ),
            "domestic": pl.Series(rng.random(n) < 0.15),
            "hate": pick(
                rng,
                [None, "race", "religion", "race;religion", "disability"],
                [0.96, 0.02, 0.01, 0.005, 0.005],
                n,
            ),
        }
    )
    victims = pl.DataFrame(
        {
            "incident_id": ids,
            "person_id": pl.Series(rng.integers(0, max(n // 3, 1), n)).cast(pl.String),
            "role": "victim",
        }
    )
    with_suspects = np.flatnonzero(rng.random(n) < 0.1)
    k = rng.integers(1, 5, with_suspects.size)
    inc = np.repeat(with_suspects, k)
    suspects = pl.DataFrame(
        {
            "incident_id": pl.Series(inc).cast(pl.String),
            "person_id": pl.Series(
                "s" + pl.Series(rng.integers(0, n, inc.size)).cast(pl.String)
            ),
            "role": "suspect",
        }
    )
    involvements = pl.concat([victims, suspects]).unique(
        ["incident_id", "person_id", "role"]
    )
    return incidents, involvements


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=6_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    profile = load_profile("avb-2010")
    harm = load_harm()
    t = time.perf_counter()
    incidents, involvements = synthesise(args.n)
    print(
        f"synthesised {incidents.height:,} incidents, {involvements.height:,} involvements "
        f"in {time.perf_counter() - t:.1f} s; RSS now {current_rss_mb():,.0f} MB, "
        f"peak {peak_rss_mib():,.0f} MB"
    )
    load1, load5, _ = os.getloadavg()
    print(
        f"polars {pl.__version__}, threads {pl.thread_pool_size()}, "
        f"cores {os.cpu_count()}, load average {load1:.1f} (1 min) {load5:.1f} (5 min)"
    )
    base = current_rss_mb()
    for label, inv in (
        ("codes + flags only (no involvements)", None),
        ("all extensions (with involvements)", involvements),
    ):
        times = []
        cpu = []
        out = None
        base = current_rss_mb()
        sampler = PeakSampler().start()
        for _ in range(args.repeat):
            t = time.perf_counter()
            c = time.process_time()
            out = classify_with_harm(incidents, inv, profile, harm)
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            del out
            out = None
        peak = sampler.stop()
        out = classify_with_harm(incidents, inv, profile, harm)
        assert out is not None
        print(
            f"{label}: best {min(times):.2f} s, median {sorted(times)[len(times) // 2]:.2f} s "
            f"over {args.repeat} runs (CPU {min(cpu):.2f} s); "
            f"{int(out['in_definition'].sum()):,} in the definition; peak RSS while classifying "
            f"{peak:,.0f} MB ({base:,.0f} MB before the run)"
        )
    print(
        f"peak RSS {peak_rss_mib():,.0f} MB (data held before classifying: {base:,.0f} MB)"
    )
    by = out.group_by("category").len().sort("len", descending=True)
    print(by)


if __name__ == "__main__":
    main()
