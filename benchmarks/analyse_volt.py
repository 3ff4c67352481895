"""Benchmark: concentration + VOLT + risk on 1 M incidents and 300 k people.

Synthetic frames are made here with numpy (skewed offending so that the power few
exist; exact times; x/y over a 30 km square; 5 000 LSOAs), then each analysis is
timed. Prints seconds per step, the total, and peak RSS.

Run: ``.venv/bin/python benchmarks/analyse_volt.py [--incidents 1000000] [--people 300000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
from harness import peak_rss_mib

from avert.analyse import (
    asb_escalation_risk,
    measure_concentration,
    offender_risk,
    victim_risk,
    volt_profiles,
)


def make_frames(
    n_incidents: int, n_people: int, *, seed: int = 2010
) -> dict[str, pl.DataFrame]:
    """Incidents, involvements, people and ASB frames in canonical column names."""
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01T00:00:00")
    secs = rng.integers(0, 2 * 365 * 86_400, n_incidents)
    occurred = (start + secs.astype("timedelta64[s]")).astype("datetime64[us]")
    # places: a few hot cells carry much of the crime
    hot = rng.random(n_incidents) < 0.4
    cx = np.where(
        hot, rng.integers(0, 200, n_incidents) * 150.0, rng.random(n_incidents) * 30_000
    )
    cy = np.where(
        hot, rng.integers(0, 200, n_incidents) * 150.0, rng.random(n_incidents) * 30_000
    )
    x = 400_000 + cx + rng.normal(0, 20, n_incidents)
    y = 300_000 + cy + rng.normal(0, 20, n_incidents)
    incidents = pl.DataFrame(
        {
            "incident_id": np.char.add("I", np.arange(n_incidents).astype(str)),
            "occurred_from": occurred,
            "time_precision": np.full(n_incidents, "exact"),
            "x": x,
            "y": y,
            "lsoa": np.char.add(
                "E0100", rng.zipf(1.3, n_incidents).clip(1, 5000).astype(str)
            ),
            "domestic": rng.random(n_incidents) < 0.3,
            "harm_days": rng.choice(
                [2.0, 10.0, 30.0, 365.0, 3650.0],
                n_incidents,
                p=[0.5, 0.3, 0.15, 0.045, 0.005],
            ),
            "in_definition": np.ones(n_incidents, dtype=bool),
        }
    )
    # offenders: zipf-skewed so a few people offend often; one offender per incident,
    # 20 % with a second; one victim per incident (repeat victims skewed too)
    person_ids = np.char.add("P", np.arange(n_people).astype(str))
    off = (rng.zipf(1.6, n_incidents) - 1) % n_people
    off = rng.permutation(n_people)[off]
    vic = np.where(
        rng.random(n_incidents) < 0.7,
        rng.integers(0, n_people, n_incidents),
        rng.permutation(n_people)[(rng.zipf(1.8, n_incidents) - 1) % n_people],
    )
    second = rng.random(n_incidents) < 0.2
    idx = np.arange(n_incidents)
    inc_ids = incidents["incident_id"].to_numpy()
    involvements = pl.DataFrame(
        {
            "incident_id": np.concatenate([inc_ids, inc_ids[second], inc_ids]),
            "person_id": np.concatenate(
                [
                    person_ids[off],
                    person_ids[rng.integers(0, n_people, int(second.sum()))],
                    person_ids[vic],
                ]
            ),
            "role": np.concatenate(
                [
                    np.full(n_incidents, "offender"),
                    np.full(int(second.sum()), "offender"),
                    np.full(idx.size, "victim"),
                ]
            ),
        }
    ).unique(["incident_id", "person_id", "role"])
    people = pl.DataFrame(
        {"person_id": person_ids, "vulnerable": rng.random(n_people) < 0.1}
    )
    n_asb = n_incidents // 5
    asb_secs = rng.integers(0, 2 * 365 * 86_400, n_asb)
    asb = pl.DataFrame(
        {
            "asb_id": np.char.add("A", np.arange(n_asb).astype(str)),
            "occurred_at": (start + asb_secs.astype("timedelta64[s]")).astype(
                "datetime64[us]"
            ),
            "category": rng.choice(["personal", "nuisance", "environmental"], n_asb),
            "x": 400_000 + rng.random(n_asb) * 30_000,
            "y": 300_000 + rng.random(n_asb) * 30_000,
            "caller_id": person_ids[
                rng.permutation(n_people)[(rng.zipf(1.7, n_asb) - 1) % n_people]
            ],
            "vulnerable_caller": rng.random(n_asb) < 0.05,
        }
    )
    return {
        "incidents": incidents,
        "involvements": involvements,
        "people": people,
        "asb": asb,
    }


def main() -> None:
    """Build the frames, time every analysis and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--people", type=int, default=300_000)
    args = parser.parse_args()
    t0 = time.perf_counter()
    f = make_frames(args.incidents, args.people)
    print(
        f"frames: {f['incidents'].height} incidents, {f['involvements'].height} involvements, "
        f"{f['people'].height} people, {f['asb'].height} ASB reports "
        f"(built in {time.perf_counter() - t0:.2f} s)"
    )
    at = dt.datetime(2024, 12, 31, 23, 59)
    inc, inv = f["incidents"], f["involvements"]
    steps: list[tuple[str, Callable[[], Any]]] = [
        (
            "concentration offender harm",
            lambda: measure_concentration(inc, inv, entity="offender", measure="harm"),
        ),
        (
            "concentration victim count",
            lambda: measure_concentration(inc, inv, entity="victim", measure="count"),
        ),
        (
            "concentration place LSOA count",
            lambda: measure_concentration(inc, entity="place", measure="count"),
        ),
        (
            "concentration place 250 m harm",
            lambda: measure_concentration(
                inc, entity="place", measure="harm", cell_size_m=250
            ),
        ),
        ("volt (LSOA, 730 d)", lambda: volt_profiles(inc, inv, at=at, window_days=730)),
        ("risk offender (RFGH)", lambda: offender_risk(inc, inv, at=at)),
        ("risk victim", lambda: victim_risk(inc, inv, f["people"], at=at)),
        (
            "risk ASB callers",
            lambda: asb_escalation_risk(f["asb"], inc, inv, at=at, unit="caller"),
        ),
        (
            "risk ASB places",
            lambda: asb_escalation_risk(f["asb"], inc, inv, at=at, unit="place"),
        ),
    ]
    total = 0.0
    for name, step in steps:
        t = time.perf_counter()
        result = step()
        elapsed = time.perf_counter() - t
        total += elapsed
        extra = ""
        if hasattr(result, "gini"):
            extra = f"  gini={result.gini:.3f} top20={result.top_shares['0.2']:.3f}"
        print(f"{name:34s} {elapsed:6.2f} s  rows={result.frame.height}{extra}")
    print(f"{'TOTAL concentration + VOLT + risk':34s} {total:6.2f} s")
    print(f"peak RSS {peak_rss_mib():.0f} MB")


if __name__ == "__main__":
    main()
