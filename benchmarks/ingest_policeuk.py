"""Benchmark: police.uk ingest of a national-year street file (~6 M rows).

Builds the file by repeating the real West Yorkshire 2018-07 rows (../shared/data) over
twelve months with fresh Crime IDs (ASB rows keep no id, as in the archive), then
measures, each in a fresh subprocess (so peak RSS is per step):

* Polars' own ``read_csv`` of the same file (default, and every column as text);
* avert's parse alone (bytes -> canonical frames, no database), whole and in parts;
* end-to-end ``load_files`` into SQLite (and PostgreSQL with ``--postgres``), with
  the main thread's time split (cProfile) into waiting for the parser thread, ADBC
  appends, index rebuild and commit;
* SQLite's own floor: copying the loaded incidents into an empty twin table inside
  SQLite (``INSERT INTO twin SELECT * FROM incidents WHERE 1``: the WHERE defeats
  SQLite's page-transfer shortcut, so every row is decoded, re-encoded and inserted
  into the table and primary-key B-trees, in the loader's rollback-journal mode),
  then indexing ``occurred_from`` and committing. No parsing, checking, binding or
  Python: no loader can write these rows into SQLite faster on this machine, so
  ``floor / read_csv`` bounds the ratio any SQLite ingest can reach.

Prints seconds, the ratio ingest / Polars read_csv, rows per second and peak RSS.
Nothing is hard-coded: every figure is measured in the run.

Usage: ``python benchmarks/ingest_policeuk.py [--rows 6000000] [--postgres]``
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import add_step_arguments, last_json, peak_rss_mib, store_targets

REPO = Path(__file__).resolve().parents[1]
SOURCE = (
    REPO.parent
    / "shared/data/police-uk-street-west-yorkshire-2018-07/2018-07-west-yorkshire-street.csv"
)
FALLBACK = REPO / "tests/data/policeuk/2018-07/2018-07-west-yorkshire-street.csv"


def build(path: Path, rows: int) -> int:
    """Write a street CSV of about ``rows`` rows; return the exact row count."""
    import polars as pl

    src = SOURCE if SOURCE.exists() else FALLBACK
    base = pl.read_csv(src, infer_schema=False)
    reps = -(-rows // base.height)
    frame = pl.concat([base] * reps).head(rows)
    n = frame.height
    month = (pl.int_range(n) * 12 // n + 1).cast(pl.String).str.zfill(2)
    fresh = pl.int_range(n).cast(pl.String).str.zfill(64)
    frame = frame.with_columns(
        pl.when(pl.col("Crime ID").is_not_null())
        .then(fresh)
        .otherwise(None)
        .alias("Crime ID"),
        ("2018-" + month).alias("Month"),
    )
    frame.write_csv(path)
    return n


def step(name: str, path: str, db: str) -> None:
    """Run one measured step in this (fresh) process and print JSON."""
    import polars as pl

    t0 = time.perf_counter()
    if name == "polars":
        pl.read_csv(path)
    elif name == "polars_text":
        pl.read_csv(path, infer_schema=False)
    elif name == "parse":
        from avert.ingest.policeuk import parse_policeuk
        from avert.ingest.sources import expand_paths

        (source,), _ = expand_paths([path])
        parse_policeuk(source)  # as in a load: the parser frees the bytes
    elif name == "parse_parts":
        from avert.ingest.policeuk import parse_policeuk_parts
        from avert.ingest.sources import expand_paths

        (source,), _ = expand_paths([path])
        for part in parse_policeuk_parts(source):  # as in a load: part by part
            del part
    elif name == "floor":
        print(json.dumps(sqlite_floor(db)))
        return
    else:
        _, report, seconds, split = profiled_load(db, path)
        assert report.files[0].balanced
        print(
            json.dumps(
                {"seconds": seconds, "peak_rss_mib": peak_rss_mib(), "split": split}
            )
        )
        return
    seconds = time.perf_counter() - t0
    print(json.dumps({"seconds": seconds, "peak_rss_mib": peak_rss_mib()}))


#: (label, file suffix, function name) of the calls whose time a load is split into
_SPLIT = (
    ("waiting for the parser thread", "queue.py", "get"),
    ("database appends (ADBC ingest)", "dbapi.py", "adbc_ingest"),
    ("index rebuild", "database.py", "deferred_indexes"),
    ("commit", "dbapi.py", "commit"),
    ("write step (checks, keys, appends)", "load/_load.py", "_write"),
)


def sqlite_floor(url: str) -> dict[str, float]:
    """Seconds SQLite itself needs to insert the loaded incidents again (see above)."""
    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    path = url.removeprefix("sqlite:///")
    conn = sqlite_dbapi.connect(path, autocommit=True)  # explicit BEGIN / COMMIT
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT sql FROM sqlite_master WHERE type='table' AND name='incidents'"
            )
            ddl = str(cur.fetchone()[0])
            cur.execute("PRAGMA journal_mode = delete")  # as the loader does
            cur.execute("PRAGMA cache_size = -262144")
            cur.execute(ddl.replace("incidents", "incidents_twin", 1))
            t0 = time.perf_counter()
            cur.execute("BEGIN")
            cur.execute("INSERT INTO incidents_twin SELECT * FROM incidents WHERE 1")
            inserted = time.perf_counter()
            cur.execute("CREATE INDEX ix_twin ON incidents_twin (occurred_from)")
            cur.execute("COMMIT")
            done = time.perf_counter()
            cur.execute("DROP TABLE incidents_twin")
            cur.execute("PRAGMA journal_mode = wal")
    finally:
        conn.close()
    return {"insert": inserted - t0, "index": done - inserted, "seconds": done - t0}


def _bytewise_database(uri: str) -> str:
    """Create database ``avert_bench`` with the builtin C.UTF-8 locale; return its URL."""
    import adbc_driver_postgresql.dbapi as pg_dbapi

    conn = pg_dbapi.connect(uri, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "CREATE DATABASE avert_bench TEMPLATE template0 "
                "LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C.UTF-8'"
            )
    finally:
        conn.close()
    bench = uri.replace("@/postgres?", "@/avert_bench?")
    if bench == uri:
        msg = f"cannot name database avert_bench in {uri}"
        raise SystemExit(msg)
    return bench


def where_time_goes(profile: object) -> dict[str, float]:
    """Cumulative seconds of the main thread's key calls (cProfile)."""
    import pstats

    stats = pstats.Stats(profile)  # type: ignore[arg-type]
    out = dict.fromkeys((label for label, _, _ in _SPLIT), 0.0)
    for (file, _, func), row in stats.stats.items():  # type: ignore[attr-defined]
        for label, suffix, name in _SPLIT:
            if func == name and file.endswith(suffix):
                out[label] += row[3]
    return out


def profiled_load(
    db: str, path: str, **kw: Any
) -> tuple[Any, Any, float, dict[str, float]]:
    """``load_files`` of ``path`` into a freshly migrated store at ``db``, profiled.

    Returns the store, the load report, the seconds of the load and where the main
    thread's time went (``where_time_goes``).
    """
    import cProfile

    from avert.store import Store
    from avert.workflows.load import load_files

    store = Store(db)
    store.upgrade()
    store.close()
    profile = cProfile.Profile()
    t0 = time.perf_counter()
    profile.enable()
    report = load_files(store, [path], **kw)
    profile.disable()
    seconds = time.perf_counter() - t0
    return store, report, seconds, where_time_goes(profile)


def run(name: str, path: Path, db: str = "") -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--step", name, "--file", str(path), "--db", db],
        check=True,
        capture_output=True,
        text=True,
    )
    return last_json(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=6_000_000)
    parser.add_argument("--postgres", action="store_true")
    add_step_arguments(parser)
    args = parser.parse_args()
    if args.step:
        step(args.step, args.file, args.db)
        return
    with tempfile.TemporaryDirectory(prefix="avert-bench-") as tmp:
        path = Path(tmp) / "2018-national-street.csv"
        t0 = time.perf_counter()
        n = build(path, args.rows)
        print(
            f"built {n:,} rows, {path.stat().st_size / 2**20:,.0f} MiB "
            f"in {time.perf_counter() - t0:.1f} s (source: "
            f"{'shared' if SOURCE.exists() else 'tests/data'})"
        )
        polars = run("polars", path)
        polars_text = run("polars_text", path)
        parse = run("parse", path)
        parts = run("parse_parts", path)
        print(
            f"polars read_csv          {polars['seconds']:7.2f} s  "
            f"peak RSS {polars['peak_rss_mib']:,.0f} MiB"
        )
        print(
            f"polars read_csv (text)   {polars_text['seconds']:7.2f} s  "
            f"peak RSS {polars_text['peak_rss_mib']:,.0f} MiB"
        )
        print(
            f"avert parse only         {parse['seconds']:7.2f} s  "
            f"ratio {parse['seconds'] / polars['seconds']:.2f}  "
            f"peak RSS {parse['peak_rss_mib']:,.0f} MiB"
        )
        print(
            f"avert parse in parts     {parts['seconds']:7.2f} s  "
            f"ratio {parts['seconds'] / polars['seconds']:.2f}  "
            f"peak RSS {parts['peak_rss_mib']:,.0f} MiB"
        )
        with store_targets(tmp, postgres=args.postgres) as targets:
            if args.postgres:
                # as docs/architecture.md recommends: a database whose text compares
                # bytewise (ids sort as in SQLite and Polars; primary-key inserts
                # faster)
                server_url = dict(targets)["postgresql"]
                targets.append(("postgres C", _bytewise_database(server_url)))
            for label, url in targets:
                load = run("load", path, url)
                print(
                    f"avert ingest -> {label:10s} {load['seconds']:7.2f} s  "
                    f"ratio {load['seconds'] / polars['seconds']:.2f} (target <= 3)  "
                    f"{n / load['seconds']:,.0f} rows/s  "
                    f"peak RSS {load['peak_rss_mib']:,.0f} MiB (target <= 4096)"
                )
                for part, secs in load["split"].items():
                    print(f"    {part:36s} {secs:7.2f} s")
                if label == "sqlite":
                    floor = run("floor", path, url)
                    print(
                        f"SQLite's own floor        {floor['seconds']:7.2f} s  "
                        f"ratio {floor['seconds'] / polars['seconds']:.2f}  "
                        f"(row copy inside SQLite {floor['insert']:.2f} s + "
                        f"occurred_from index {floor['index']:.2f} s)"
                    )


if __name__ == "__main__":
    main()
