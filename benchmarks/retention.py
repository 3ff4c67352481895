"""Benchmark: the retention review on a SQLite store of 1 M incidents.

Builds the store of ``benchmarks/briefing.py`` (seeded synthetic frames of
tests/briefing/factory.py: 1,000,000 incidents over three years, 1.75 M
involvements, 333,333 people, ASB and intelligence) in a temporary folder, then
times :func:`avert.workflows.retention.retention_review` over everyone. Prints the
measured figures; nothing is hard-coded.

    .venv/bin/python benchmarks/retention.py [--incidents N] [--repeat K]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from avert.store import Store  # noqa: E402
from avert.workflows.retention import retention_review  # noqa: E402
from briefing.factory import make_frames, write_store  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    at = dt.datetime(2024, 6, 1)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        frames = make_frames(args.incidents, at=at, days=1095)
        store = Store(f"sqlite:///{Path(tmp) / 'avert.db'}")
        store.upgrade()
        write_store(store, frames)
        print(
            f"store: {frames['incidents'].height:,} incidents, "
            f"{frames['involvements'].height:,} involvements, "
            f"{frames['people'].height:,} people "
            f"(built in {time.perf_counter() - t0:.0f} s)"
        )
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            review = retention_review(
                store, profile="avb-2010", as_of=at, due_only=False, user="bench"
            )
            times.append(time.perf_counter() - t)
        print(
            f"retention review of {review.people.height:,} people: median "
            f"{statistics.median(times):.2f} s (min {min(times):.2f}, "
            f"max {max(times):.2f}, {args.repeat} runs)"
        )
        store.close()


if __name__ == "__main__":
    main()
