"""Benchmark: the audit chain: appends per second and verify time per million rows.

Appends go through :func:`avert.store.audit.record` (one transaction each, the write
lock taken first, as every audited command does). For verify, a long log is made
directly (chained with the same canonical text) and appended in one batch, then
:func:`avert.store.audit.verify` recomputes every hash. SQLite in a temporary folder;
with ``--postgres`` the appends are timed on an embedded PostgreSQL server as well
(each web page that shows a person writes one: a new connection per transaction
made that 0.1 s; pooled, a few ms).

Run: ``.venv/bin/python benchmarks/audit_chain.py [--appends 500] [--rows 1000000]
[--postgres]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import polars as pl
from harness import store_targets

from avert.schema import AUDIT
from avert.store import Store, audit


def _long_log(n: int) -> pl.DataFrame:
    start = dt.datetime(2026, 1, 1)
    frame = pl.DataFrame(
        {
            "audit_id": [f"a{i:09d}" for i in range(n)],
            "at": pl.datetime_range(
                start, start + dt.timedelta(seconds=n - 1), "1s", eager=True
            ),
            "user_name": ["analyst"] * n,
            "role": ["police"] * n,
            "action": ["view"] * n,
            "object": [f"person:P{i % 50_000:07d}" for i in range(n)],
            "reason": ["daily meeting"] * n,
            "detail": [None] * n,
            "seq": pl.int_range(1, n + 1, eager=True),
            "prev_hash": [None] * n,
            "row_hash": [None] * n,
        },
        schema=AUDIT.schema,
    )
    # The chain is sequential: each hash needs the one before.
    prev, prevs, hashes = audit.GENESIS_HASH, [], []
    for text in audit.canonical_texts(
        frame.with_columns(pl.lit("").alias("prev_hash"))
    ).to_list():
        prevs.append(prev)
        # canonical text ends with the prev_hash field: rebuild it with the real one
        body = text[: text.rindex("prev_hash:")]
        prev = audit.row_hash(f"{body}prev_hash:64:{prev}\n")
        hashes.append(prev)
    return frame.with_columns(
        pl.Series("prev_hash", prevs, dtype=pl.String),
        pl.Series("row_hash", hashes, dtype=pl.String),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--appends", type=int, default=500)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--postgres", action="store_true", help="time the appends on PostgreSQL too"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        with store_targets(tmp, postgres=args.postgres) as targets:
            for label, url in targets:
                store = Store(url)
                store.upgrade()
                t0 = time.perf_counter()
                for i in range(args.appends):
                    audit.record(
                        store, action="view", obj=f"person:P{i}", reason="bench"
                    )
                s = time.perf_counter() - t0
                store.close()
                print(
                    f"record ({label}): {args.appends} appends in {s:.2f} s "
                    f"({1000 * s / args.appends:.1f} ms each)"
                )

        big = Store(str(Path(tmp) / "big.db"))
        big.upgrade()
        t1 = time.perf_counter()
        log = _long_log(args.rows)
        with big.transaction() as tx:
            tx.append("audit", log)
        print(
            f"made and stored a {args.rows:,}-row chain in {time.perf_counter() - t1:.1f} s"
        )
        t2 = time.perf_counter()
        result = audit.verify(big)
        s = time.perf_counter() - t2
        print(f"verify: {result.rows:,} rows in {s:.2f} s, ok={result.ok}")
        t3 = time.perf_counter()
        audit.record(big, action="view", obj="person:P1", reason="bench")
        print(
            f"record on the {args.rows:,}-row log: {1000 * (time.perf_counter() - t3):.1f} ms"
        )


if __name__ == "__main__":
    main()
