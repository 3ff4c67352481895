"""Benchmark: the places forecast's read (``queries.located_between``) on a big store.

The briefing's places section reads the located violence of the 455 days before
its time (:func:`avert.workflows.forecast.recent_violence`) through a covering
index of ``incidents`` and the classifications' ``in_definition`` index. Builds a
store of ``--incidents`` seeded incidents over ``--days`` days (two forces, each
with its ``source`` and ``force``; a few month-only and unlocated rows), classified
under ``avb-2010``, then prints the database's plan of the read and the least wall
and CPU time of ``--repeat`` reads of the 455 days (no kept read: each read goes to
the database). ``--postgres``: on an embedded PostgreSQL server as well (the table
vacuumed and analysed first, so its plan can be index-only). Nothing is hard-coded.

    .venv/bin/python benchmarks/places_read.py [--incidents N] [--repeat K] [--postgres]

``--far``: instead, the briefing's places (:func:`avert.workflows.forecast.
briefing_places`, 10 cells, 9 Knox permutations) on a SQLite store of two
clusters 250 km apart (Leeds, London: ``--far-incidents`` each, 200 by default as
tests/workflows/test_forecast_far_forces.py, over 120 days), each force's places
planned on a grid of its own; then the same on a store of each force alone. The
least wall and CPU time of ``--repeat`` calls of each (the memos cleared before
each, after one call to warm up), and what each planned.

``--designs``: instead, on SQLite, ``--repeat`` rounds (interleaved, so that a
shared machine's load falls on each alike) of four reads of the 455 days: at
migration 0037 the five columns read before 0038; at 0038 the seven read now
(with ``source`` and ``force``); at 0038 the five alone; and at 0038 a
``GROUP BY source, force`` over the same join and index (counts and extents per
force: the other design, forces checked from a grouped read instead of each
row's columns). Least and median CPU of each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import store_targets

from avert.store import Store, queries

AT = dt.datetime(2025, 3, 10, 8)
PROFILE = "avb-2010"


def incidents(n: int, days: int, seed: int = 1) -> pl.DataFrame:
    """``n`` incidents over the ``days`` before :data:`AT`: half West Yorkshire's
    (around Leeds), half the Met's (around London), 1 % month-only, 1 % unlocated."""
    rng = np.random.default_rng(seed)
    leeds = rng.random(n) < 0.5
    x = np.where(leeds, 430_000.0, 530_000.0) + rng.normal(0, 8_000, n)
    y = np.where(leeds, 433_000.0, 180_000.0) + rng.normal(0, 8_000, n)
    x[rng.random(n) < 0.01] = np.nan
    seconds = rng.integers(0, days * 86_400, n)
    when = [AT - dt.timedelta(seconds=int(s)) for s in seconds]
    precision = np.where(rng.random(n) < 0.01, "month", "exact")
    return pl.DataFrame(
        {
            "incident_id": [f"i{i:08d}" for i in range(n)],
            "source": np.where(leeds, "policeuk-wy", "policeuk-met"),
            "force": np.where(
                leeds, "West Yorkshire Police", "Metropolitan Police Service"
            ),
            "occurred_from": when,
            "time_precision": precision,
            "x": x,
            "y": y,
            "domestic": rng.random(n) < 0.3,
        }
    ).with_columns(
        pl.when(pl.col("x").is_nan()).then(None).otherwise(pl.col("y")).alias("y"),
        pl.col("x").fill_nan(None),
    )


def load(store: Store, frame: pl.DataFrame) -> None:
    """The incidents and their classification under :data:`PROFILE` (2 in 3 in it)."""
    classes = frame.select(
        "incident_id",
        profile=pl.lit(PROFILE),
        in_definition=(pl.int_range(pl.len()) % 3) != 0,
    )
    with store.transaction() as tx:
        tx.append("incidents", frame)
        tx.append("classifications", classes)


def plan_of(store: Store, label: str, start: dt.datetime) -> list[str]:
    """The database's plan of the read (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's
    EXPLAIN), one line a step."""
    sql = queries._classified_window_sql(
        store.dialect,
        queries.LOCATED_COLUMNS,
        ["in_definition"],
        queries._LOCATED_WHERE,
    )
    params = [PROFILE, *queries._range(store, start, AT)]
    raw = store.engine.raw_connection()
    try:
        if label == "sqlite":
            cur = raw.cursor()
            cur.execute("EXPLAIN QUERY PLAN " + sql, params)
            return [str(r[3]) for r in cur.fetchall()]
        raw.driver_connection.autocommit = True  # type: ignore[union-attr]
        cur = raw.cursor()
        cur.execute('VACUUM ANALYZE "incidents"')
        cur.execute('VACUUM ANALYZE "classifications"')
        cur.execute("EXPLAIN " + sql.replace("?", "%s"), params)
        return [str(r[0]) for r in cur.fetchall()]
    finally:
        raw.close()


def _far_frame(n: int) -> pl.DataFrame:
    """``n`` incidents of each of two clusters 250 km apart (Leeds, London) over
    120 days, each cluster a force's."""
    rng = np.random.default_rng(1)
    rows = []
    for x0, y0, force in (
        (430_000.0, 433_000.0, "West Yorkshire Police"),
        (532_000.0, 181_000.0, "City of London Police"),
    ):
        hours = rng.uniform(0, 24 * 120, n)
        rows.append(
            pl.DataFrame(
                {
                    "x": x0 + rng.normal(0, 300 * max(1.0, (n / 200) ** 0.5), n),
                    "y": y0 + rng.normal(0, 300 * max(1.0, (n / 200) ** 0.5), n),
                    "occurred_from": [
                        dt.datetime(2019, 1, 1) + dt.timedelta(hours=float(h))
                        for h in hours
                    ],
                    "force": force,
                }
            )
        )
    return pl.concat(rows).with_columns(
        incident_id=pl.format("i{}", pl.int_range(pl.len())),
        source=pl.lit("policeuk"),
        time_precision=pl.lit("exact"),
    )


def far(tmp: str, n: int, repeat: int) -> None:
    """The briefing's places on two clusters 250 km apart, each force's planned
    on its own grid, against those of each force alone."""
    import avert.workflows.forecast as wf

    frame = _far_frame(n)
    stores: dict[str, Store] = {}
    for label, part in (
        ("both", frame),
        *(
            (f, frame.filter(pl.col("force") == f))
            for f in frame["force"].unique(maintain_order=True)
        ),
    ):
        store = Store(f"sqlite:///{tmp}/{label.split()[0]}.db")
        store.upgrade()
        with store.transaction() as tx:  # every one in the definition: a force
            tx.append("incidents", part)  # alone holds the same violence
            tx.append(
                "classifications",
                part.select(
                    "incident_id", profile=pl.lit(PROFILE), in_definition=pl.lit(True)
                ),
            )
        stores[label] = store

    def call(store: Store) -> object:
        wf._BRIEFING_CACHE.clear()
        wf._DAY_EVIDENCE.clear()
        return wf.briefing_places(
            store, at=dt.datetime(2019, 4, 20), profile=PROFILE, cells=10, knox_sims=9
        )

    call(stores["both"])  # warm up (imports, compiled kernels)
    print(f"briefing places, two forces 250 km apart, {n:,} incidents each:")
    total_alone = [0.0, 0.0]
    for label, store in stores.items():
        best = (float("inf"), float("inf"))
        for _ in range(repeat):
            w0, c0 = time.perf_counter(), time.process_time()
            got = call(store)
            best = min(best, (time.perf_counter() - w0, time.process_time() - c0))
        parts = getattr(got, "by_force", ()) or ((label, got),)
        said = "; ".join(
            f"{name}: a grid of {own.plan.grid.n_cells:,} cells, {own.plan.frame.height} top cells"
            for name, own in parts
            if own.plan is not None
        )
        print(f"  {label}: wall {best[0]:.2f} s, CPU {best[1]:.2f} s ({said})")
        if label != "both":
            total_alone = [total_alone[0] + best[0], total_alone[1] + best[1]]
    print(
        f"  each alone, summed: wall {total_alone[0]:.2f} s, CPU {total_alone[1]:.2f} s"
    )
    for store in stores.values():
        store.close()


_BEFORE_0038: Final = ("occurred_from", "time_precision", "x", "y", "domestic")


def _read(store: Store, columns: tuple[str, ...], start: dt.datetime) -> pl.DataFrame:
    """The places read of ``columns`` of ``[start, AT)`` (no kept read)."""
    return queries._classified_window(
        store,
        start,
        AT,
        profile=PROFILE,
        incident_columns=columns,
        class_columns=["in_definition"],
        and_where=queries._LOCATED_WHERE,
    )


def _grouped(store: Store, start: dt.datetime) -> pl.DataFrame:
    """The forces of the places read from one ``GROUP BY`` over the same join."""
    sql = queries._classified_window_sql(
        store.dialect,
        ("source", "force"),
        ["in_definition"],
        queries._LOCATED_WHERE,
    ).replace(
        'SELECT i."source", i."force", c."in_definition"',
        'SELECT i."source", i."force", COUNT(*) AS n, MIN(i."x") AS x0, '
        'MAX(i."x") AS x1, MIN(i."y") AS y0, MAX(i."y") AS y1',
    )
    sql += ' AND c."in_definition" GROUP BY i."source", i."force"'
    schema = {"source": pl.String(), "force": pl.String(), "n": pl.Int64()}
    schema |= {c: pl.Float64() for c in ("x0", "x1", "y0", "y1")}
    return store._query(
        sql, [PROFILE, *queries._range(store, start, AT)], schema=schema
    )


def designs(tmp: str, frame: pl.DataFrame, repeat: int) -> None:
    """The read before 0038, as merged, and the two other designs (module doc)."""
    from avert.store.migrate import downgrade

    start = AT - dt.timedelta(days=455)
    new = Store(f"sqlite:///{tmp}/new.db")
    new.upgrade()
    load(new, frame)
    new.close()
    shutil.copy(f"{tmp}/new.db", f"{tmp}/old.db")
    old, new = Store(f"sqlite:///{tmp}/old.db"), Store(f"sqlite:///{tmp}/new.db")
    downgrade(old.engine, "0037")
    cases = {
        "0037, the 5 columns read before": lambda: _read(old, _BEFORE_0038, start),
        "0038, the 7 columns read now": lambda: _read(
            new, queries.LOCATED_COLUMNS, start
        ),
        "0038, the 5 columns alone": lambda: _read(new, _BEFORE_0038, start),
        "0038, GROUP BY source, force": lambda: _grouped(new, start),
    }
    cpus: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(repeat):
        for label, run in cases.items():
            c0 = time.process_time()
            run()
            cpus[label].append(time.process_time() - c0)
    for label, cpu in cpus.items():
        cpu.sort()
        print(
            f"{label}: CPU least {cpu[0]:.3f} s, median {cpu[len(cpu) // 2]:.3f} s"
            f" ({repeat} rounds, interleaved)"
        )
    old.close()
    new.close()


def checks(read: pl.DataFrame) -> None:
    """CPU of what the briefing's places add to each forecast for the forces of
    the events ``read`` (when ``source`` and ``force`` are read): the window's
    bulk, the far-apart test and the note naming them (least of 5)."""
    if "force" not in read.columns:
        return
    from avert.workflows import forecast as wf
    from avert.workflows._forces import far_forces, mixed_forces_note

    events = wf._located_events(read)
    cpus = []
    for _ in range(5):
        c0 = time.process_time()
        window = wf._forecast_window(events, at=AT, days=455)
        far_forces(window, 150.0)
        mixed_forces_note(window)
        cpus.append(time.process_time() - c0)
    print(f"  the forces' checks of those events: CPU {min(cpus):.3f} s (least of 5)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=400_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--far", action="store_true")
    parser.add_argument("--far-incidents", type=int, default=200)
    parser.add_argument("--designs", action="store_true")
    args = parser.parse_args()
    if args.far:
        with tempfile.TemporaryDirectory(prefix="avert-bench-") as tmp:
            far(tmp, args.far_incidents, args.repeat)
        return
    frame = incidents(args.incidents, args.days)
    if args.designs:
        with tempfile.TemporaryDirectory(prefix="avert-bench-") as tmp:
            designs(tmp, frame, args.repeat)
        return
    start = AT - dt.timedelta(days=455)
    print(f"columns read: {', '.join(queries.LOCATED_COLUMNS)}")
    with (
        tempfile.TemporaryDirectory(prefix="avert-bench-") as tmp,
        store_targets(tmp, postgres=args.postgres) as targets,
    ):
        for label, url in targets:
            store = Store(url)
            store.upgrade()
            t = time.perf_counter()
            load(store, frame)
            print(
                f"{label}: {store.count('incidents'):,} incidents loaded in "
                f"{time.perf_counter() - t:.1f} s"
            )
            for line in plan_of(store, label, start):
                print(f"  plan: {line}")
            walls, cpus, rows = [], [], 0
            for _ in range(args.repeat):
                w0, c0 = time.perf_counter(), time.process_time()
                got = queries.located_between(store, start, AT, profile=PROFILE)
                walls.append(time.perf_counter() - w0)
                cpus.append(time.process_time() - c0)
                rows = got.height
            print(
                f"  read of 455 days: {rows:,} rows, least of {args.repeat}: "
                f"wall {min(walls):.3f} s, CPU {min(cpus):.3f} s"
            )
            checks(got)
            store.close()


if __name__ == "__main__":
    main()
