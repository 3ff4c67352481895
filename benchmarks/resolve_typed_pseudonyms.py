"""Benchmark: ``avert db resolve-pseudonyms`` on a large store.

Copies the SQLite store ``--db`` (e.g. a synthetic city: ``avert synth
--people 300000`` then ``avert ingest bundle``) to a temporary folder, stores
``--taskings`` taskings given to a partner organisation whose results hold
three stored people's pseudonyms as typed (as a partner's save stored them
before it resolved them: the whole result the partner's words), the lookup
of pseudonyms empty (as after an upgrade with no ingest since), and times
one run of each:

* ``dry run``: :func:`avert.workflows.delivery.resolve_typed_pseudonyms`
  with ``dry_run`` (it fills the lookup: the first ask of a pseudonym);
* ``run``: the conversion stored (a new version, history and audit row per
  tasking, in batches);
* ``run again``: a second run, which changes nothing.

    PYTHONPATH=src .venv/bin/python benchmarks/resolve_typed_pseudonyms.py --db city.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import tempfile
import time
from pathlib import Path

import polars as pl

from avert.access import authors_json
from avert.config.settings import load_settings
from avert.schema import TABLES
from avert.store import Store
from avert.workflows import delivery

KEY = "benchmark-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"


def _typed_taskings(store: Store, n: int, key: str) -> None:
    """``n`` taskings whose results a partner typed three pseudonyms into."""
    settings = load_settings({"AVERT_PSEUDONYM_KEY": key})
    pseudo = delivery.partner_pseudonymiser(settings)
    ids = store.read_frame("people", columns=["person_id"])["person_id"]
    now = dt.datetime.now().replace(microsecond=0)
    results = [
        "visited "
        + " and ".join(
            pseudo("person", str(ids[(i * 3 + k) % len(ids)])) for k in range(3)
        )
        + ", engaged"
        for i in range(n)
    ]
    frame = pl.DataFrame(
        {
            "tasking_id": [f"TB{i:06d}" for i in range(n)],
            "what": "Visit",
            "assignee": None,
            "organisation": "council",
            "due": now,
            "item_kind": "person",
            "item_id": [str(ids[i % len(ids)]) for i in range(n)],
            "status": "open",
            "result": results,
            "created_at": now,
            "created_by": "chair1",
            "result_at": now,
            "result_by": "cc",
            "authors": [
                authors_json({"result": (r, [(0, len(r), "council")])}) for r in results
            ],
            "updated_at": now,
            "version": 1,
        },
        schema_overrides=TABLES["taskings"].schema,
    ).select(TABLES["taskings"].names)
    with store.transaction() as tx:
        tx.append("taskings", frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="SQLite store to copy")
    parser.add_argument("--taskings", type=int, default=1000)
    args = parser.parse_args()
    settings = load_settings({"AVERT_PSEUDONYM_KEY": KEY})
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "avert.db"
        shutil.copy(args.db, db)
        store = Store(f"sqlite:///{db}")
        counts = {t: store.count(t) for t in ("people", "incidents")}
        with store.transaction() as tx:
            tx._execute('DELETE FROM "pseudonym_index"')
        _typed_taskings(store, args.taskings, KEY)
        for what, dry in (("dry run", True), ("run", False), ("run again", False)):
            t0 = time.perf_counter()
            done = delivery.resolve_typed_pseudonyms(store, settings, dry_run=dry)
            figures[what] = time.perf_counter() - t0
            print(
                f"{what:>10}: {figures[what]:.2f} s, {done.pseudonyms:,} pseudonyms "
                f"in {done.rows_changed:,} records"
            )
        store.close()
    print(f"store: {counts}, taskings typed: {args.taskings:,}")


if __name__ == "__main__":
    main()
