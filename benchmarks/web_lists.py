"""Benchmark: the Incidents and MARAC pages' views on a store, first and again.

Calls :func:`avert.workflows.views.incidents_view` (the Incidents page and
``GET /api/v1/incidents``, a window of ``--from`` to ``--to``, no filter) and
:func:`avert.workflows.views.marac_view` (the MARAC page) as a chair, in this
process: the first call, then ``--repeat`` more, and prints each one's wall and
CPU time, first and the median of the rest (the app keeps the window's reads for
the store's data generation, :mod:`avert.store.kept`). Each call is audited, as a
view is: run it on a copy of a store. The process's first database read is timed
apart before (importing the database driver, which imports pandas through
``pyarrow.dataset``: 0.3 s of CPU, paid by the served app at its first read, a
sign-in): it was counted in the Incidents page's first view.

On London's data.police.uk of January-March 2022 (203,519 incidents; February:
64,315, of which 21,961 in the definition) the first Incidents view of February
took 0.25 s of CPU besides: its read 0.22 s (the SQL 0.13 s in ``sqlite3``, the
rest its Arrow transfer and types). A covering index of the classifications
(with ``category``, ``harm_days``, ``rule_ids``: 327 bytes a row) saved 0.05 s
for an index as large as the table; none was added.

    .venv/bin/python benchmarks/web_lists.py --db sqlite:////tmp/met.db \\
        --from 2022-03-01 --to 2022-04-01
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows import views
from avert.workflows.users import User


def _timed(call: Callable[[], Any], repeat: int) -> tuple[list[float], list[float]]:
    walls: list[float] = []
    cpus: list[float] = []
    for _ in range(1 + repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True, help="database URL (a copy)")
    parser.add_argument(
        "--from", dest="start", required=True, type=dt.datetime.fromisoformat
    )
    parser.add_argument(
        "--to", dest="end", required=True, type=dt.datetime.fromisoformat
    )
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    store = Store(args.db)
    settings = load_settings({}).with_overrides(database_url=args.db)
    chair = User("benchmark-chair", "chair")
    pages: dict[str, Callable[[], Any]] = {
        "Incidents": lambda: views.incidents_view(
            store, settings, user=chair, date_from=args.start, date_to=args.end
        ),
        "MARAC": lambda: views.marac_view(store, settings, user=chair),
    }
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    wall, cpu = time.perf_counter(), time.process_time()
    store.generation()  # the first read: the driver imported, a connection made
    print(
        f"first database read: {time.perf_counter() - wall:.3f} s wall, "
        f"{time.process_time() - cpu:.3f} s CPU"
    )
    for name, call in pages.items():
        walls, cpus = _timed(call, args.repeat)
        print(
            f"{name}: first {walls[0]:.3f} s wall, {cpus[0]:.3f} s CPU; "
            f"again (median of {args.repeat}) {statistics.median(walls[1:]):.3f} s "
            f"wall, {statistics.median(cpus[1:]):.3f} s CPU"
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    store.close()


if __name__ == "__main__":
    main()
