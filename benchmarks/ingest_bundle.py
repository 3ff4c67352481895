"""Benchmark: load a 1 M-incident avert record bundle (target: < 30 s into SQLite).

By default builds its own bundle (numpy, seeded): N incidents, N people and 2 N
involvements, written as CSV (or Parquet with ``--parquet``). With ``--synth PEOPLE DAYS``
it writes the bundle with ``avert.synth`` instead (``--rate``: crimes per 1,000 residents
a year, default 700 as in ``benchmarks/synth_city.py``; ``--synth 400000 1095`` gives
about 1 M incidents) and reports its incident count. ``--xy`` places the own
generator's incidents by x/y (British National Grid metres) instead of lat/lon, as
many forces' extracts do: each pair is converted to lon/lat to be checked.
Prints build time, load seconds in total and split by step, rows/s and peak RSS, and
the extra time ``avert ingest`` spends after the load classifying the store
(``refresh_after_load``, issue 12.7), all measured in this run (the load runs in a
fresh subprocess). With ``--reload`` the same bundle is then loaded again into the
same store, in another fresh process (every row a duplicate, nothing added): its
seconds and peak RSS, which should stay near the first load's.

With ``--small LOADS`` it measures the fixed costs of a small bundle instead (a
partner's daily bundle: ``--incidents`` defaults to 10 there, giving 10 incidents, 10
people and 20 involvements): in one fresh process, the CPU seconds (every thread:
``time.process_time``) of its first load (imports, caches), then of ``LOADS`` loads
each into a fresh store (SQLite; on PostgreSQL the one database's schema is
dropped and migrated again between loads, outside the timing), then of ``LOADS`` reloads of
the same bundle into the last store (every row a duplicate). Median and minimum per
load are printed. ``--small 10 --synth 500 30`` loads the smallest synthetic city
instead (every table of the format, about 1,350 rows).

Usage: ``python benchmarks/ingest_bundle.py [--incidents 1000000] [--parquet]
[--xy] [--synth 400000 1095 [--rate 700]] [--postgres] [--reload]
[--small LOADS]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from harness import last_json, peak_rss_mib, store_targets


def build(
    folder: Path, incidents: int, *, parquet: bool, seed: int = 7, xy: bool = False
) -> dict[str, int]:
    """Write a valid bundle with ``incidents`` incidents; return rows per table.

    ``xy``: incidents placed by x/y in EPSG:27700 (inner London) instead of lat/lon.
    """
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(
        json.dumps(
            {
                "format": "avert-bundle",
                "version": 1,
                "crs": "EPSG:27700",
                "source": f"benchmark bundle (seed {seed})",
                "extracted_at": "2026-11-24T06:00:00",
            }
        )
    )
    n, people = incidents, incidents
    start = np.datetime64("2024-11-24T00:00:00")
    seconds = rng.integers(0, 730 * 86400, n).astype("timedelta64[s]")
    codes = np.array(["8N", "34B", "19C", "105A", "8P", "9A", "28E", "58A"])
    types = np.array(
        ["Violence and sexual offences", "Robbery", "Burglary", "Other crime"]
    )
    weapons = np.array(["", "none", "knife", "firearm", "other"])
    frames = {
        "people": pl.DataFrame(
            {
                "person_id": [f"P{i:07d}" for i in range(people)],
                "birth_year": rng.integers(1940, 2015, people),
                "sex": rng.choice(np.array(["M", "F", "X", "U"]), people),
                "ethnicity": rng.choice(
                    np.array(["Asian", "Black", "Mixed", "White", "Other", ""]), people
                ),
                "vulnerable": rng.choice(np.array(["true", "false", ""]), people),
            }
        ),
        "incidents": pl.DataFrame(
            {
                "incident_id": [f"INC{i:08d}" for i in range(n)],
                "offence_code": rng.choice(codes, n),
                "crime_type": rng.choice(types, n),
                "occurred_at": (start + seconds).astype(str),
                **(
                    {
                        "x": np.round(510000 + rng.random(n) * 40000, 1),
                        "y": np.round(165000 + rng.random(n) * 30000, 1),
                    }
                    if xy
                    else {
                        "lat": np.round(51.3 + rng.random(n) * 0.4, 6),
                        "lon": np.round(-0.5 + rng.random(n) * 0.7, 6),
                    }
                ),
                "borough": rng.choice(
                    np.array(["Camden", "Hackney", "Lambeth", "Brent"]), n
                ),
                "domestic": rng.choice(np.array(["true", "false"]), n),
                "weapon": rng.choice(weapons, n),
                "injury": rng.choice(np.array(["", "none", "minor", "serious"]), n),
            }
        ),
        "involvements": pl.DataFrame(
            {
                "incident_id": [f"INC{i:08d}" for i in np.repeat(np.arange(n), 2)],
                "person_id": [f"P{i:07d}" for i in rng.integers(0, people, 2 * n)],
                "role": np.tile(np.array(["victim", "suspect"]), n),
            }
        ).unique(["incident_id", "person_id", "role"], maintain_order=True),
    }
    for name, frame in frames.items():
        if parquet:
            frame.write_parquet(folder / f"{name}.parquet")
        else:
            frame.write_csv(folder / f"{name}.csv")
    return {name: frame.height for name, frame in frames.items()}


def step(path: str, db: str) -> None:
    """Load the bundle in this (fresh) process; print JSON."""
    from ingest_policeuk import profiled_load

    from avert.workflows.load import refresh_after_load

    store, report, seconds, split = profiled_load(db, path, kind="bundle")
    assert all(f.balanced for f in report.files)
    t1 = time.perf_counter()
    refreshed = refresh_after_load(store, report, definition="avb-2010")
    classify_seconds = time.perf_counter() - t1
    assert refreshed.classified or not any(f.loaded for f in report.files)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "classify_seconds": classify_seconds,
                "peak_rss_mib": peak_rss_mib(),
                "files": [f.as_dict() for f in report.files],
                "split": split,
            }
        )
    )


def small_step(path: str, db: str, loads: int) -> None:
    """The small-bundle loads of ``--small`` in this (fresh) process; print JSON."""
    from avert.store import Store
    from avert.workflows.load import load_files

    def fresh_store(i: int) -> Store:
        store = Store(db.replace("bench.db", f"bench-{i}.db"))
        if store.dialect == "postgresql":  # empty the one database again
            with store.engine.begin() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        store.upgrade()
        return store

    def cpu_of_load(store: Store) -> float:
        t0 = time.process_time()
        report = load_files(store, [path], kind="bundle")
        cpu = time.process_time() - t0
        assert all(f.balanced for f in report.files)
        return cpu

    first = cpu_of_load(fresh_store(0))
    fresh, store = [], None
    for i in range(1, loads + 1):
        if store is not None:
            store.close()
        store = fresh_store(i)
        fresh.append(cpu_of_load(store))
    assert store is not None
    reload = [cpu_of_load(store) for _ in range(loads)]
    print(json.dumps({"first": first, "fresh": fresh, "reload": reload}))


def make_bundle(args: argparse.Namespace, bundle: Path, incidents: int) -> str:
    """Write the bundle ``args`` ask for (``--synth``, else the own generator with
    ``incidents``) to ``bundle``; return how it was made."""
    if args.synth:
        people, days = args.synth
        # avert.synth in a child process (as `avert synth`, plus the crime rate
        # that the CLI does not expose; benchmarks/synth_city.py uses 700)
        code = (
            "import sys; from pathlib import Path; "
            "from avert.synth import CityConfig, make_city, write_bundle; "
            f"c = CityConfig(people={people}, days={days}, "
            f"crimes_per_1000_per_year={args.rate}); "
            f"write_bundle(make_city(c, seed=1), Path(sys.argv[1]), "
            f"fmt={'parquet' if args.parquet else 'csv'!r})"
        )
        subprocess.run(
            [sys.executable, "-c", code, str(bundle)],
            check=True,
            capture_output=True,
        )
        how = f"avert.synth people={people} days={days} rate={args.rate}"
    else:
        build(bundle, incidents, parquet=args.parquet, xy=args.xy)
        how = "own generator, placed by x/y" if args.xy else "own generator"
    return how


def run_small(args: argparse.Namespace) -> None:
    """``--small``: CPU seconds per load of a small bundle (see the docstring)."""
    incidents = 10 if args.incidents == _DEFAULT_INCIDENTS else args.incidents
    with tempfile.TemporaryDirectory(prefix="avert-bundle-bench-") as tmp:
        bundle = Path(tmp) / "bundle"
        how = make_bundle(args, bundle, incidents)
        print(f"small bundle built with {how}")
        with store_targets(tmp, postgres=args.postgres) as targets:
            n = str(args.small)
            for label, url in targets:
                out = subprocess.run(
                    [sys.executable, __file__, "--small-step", str(bundle), url, n],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = last_json(out.stdout)
                print(
                    f"{label:10s} first load in a fresh process "
                    f"{result['first']:.3f} s CPU"
                )
                for what in ("fresh", "reload"):
                    cpus = sorted(result[what])
                    print(
                        f"    {what:7s} {len(cpus)} loads: median "
                        f"{cpus[len(cpus) // 2]:.3f} s CPU, min {cpus[0]:.3f} s"
                    )


_DEFAULT_INCIDENTS = 1_000_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=_DEFAULT_INCIDENTS)
    parser.add_argument("--parquet", action="store_true")
    parser.add_argument("--xy", action="store_true", help="incidents placed by x/y")
    parser.add_argument("--synth", nargs=2, type=int, metavar=("PEOPLE", "DAYS"))
    parser.add_argument(
        "--rate", type=float, default=700.0, help="--synth crimes per 1,000 a year"
    )
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--step", nargs=2, metavar=("BUNDLE", "DB"))
    parser.add_argument(
        "--small", type=int, metavar="LOADS", help="fixed costs of a small bundle"
    )
    parser.add_argument("--small-step", nargs=3, metavar=("BUNDLE", "DB", "LOADS"))
    args = parser.parse_args()
    if args.step:
        step(*args.step)
        return
    if args.small_step:
        bundle, db, loads = args.small_step
        small_step(bundle, db, int(loads))
        return
    if args.small:
        run_small(args)
        return
    with tempfile.TemporaryDirectory(prefix="avert-bundle-bench-") as tmp:
        bundle = Path(tmp) / "bundle"
        t0 = time.perf_counter()
        how = make_bundle(args, bundle, args.incidents)
        print(
            f"bundle built with {how} ({'parquet' if args.parquet else 'csv'}) "
            f"in {time.perf_counter() - t0:.1f} s"
        )
        with store_targets(tmp, postgres=args.postgres) as targets:
            for label, url in targets:
                out = subprocess.run(
                    [sys.executable, __file__, "--step", str(bundle), url],
                    check=True,
                    capture_output=True,
                    text=True,
                )
                result = last_json(out.stdout)
                rows = sum(f["rows"] for f in result["files"])
                inc = next(
                    f for f in result["files"] if f["kind"] == "bundle-incidents"
                )
                print(
                    f"{label:10s} {inc['rows']:,} incidents, {rows:,} rows in all: "
                    f"{result['seconds']:.1f} s (target < 30 s), {rows / result['seconds']:,.0f} rows/s, "
                    f"peak RSS {result['peak_rss_mib']:,.0f} MiB"
                )
                print(
                    f"    then classified the store (as avert ingest does): "
                    f"{result['classify_seconds']:.1f} s, "
                    f"+{100 * result['classify_seconds'] / result['seconds']:.0f} % "
                    "of the load"
                )
                for label, secs in result["split"].items():
                    print(f"    {label:36s} {secs:7.2f} s")
                for f in result["files"]:
                    print(
                        f"    {Path(f['file']).name:22s} rows {f['rows']:>10,}  loaded {f['loaded']:>10,}  "
                        f"quarantined {f['quarantined']:,}  duplicates {f['duplicates']:,}"
                    )
                if args.reload:
                    again = last_json(
                        subprocess.run(
                            [sys.executable, __file__, "--step", str(bundle), url],
                            check=True,
                            capture_output=True,
                            text=True,
                        ).stdout
                    )
                    loaded = sum(f["loaded"] for f in again["files"])
                    dups = sum(f["duplicates"] for f in again["files"])
                    print(
                        f"    loaded again: {loaded:,} added, {dups:,} duplicates, "
                        f"{again['seconds']:.1f} s, peak RSS "
                        f"{again['peak_rss_mib']:,.0f} MiB (first load "
                        f"{result['peak_rss_mib']:,.0f} MiB)"
                    )


if __name__ == "__main__":
    main()
