"""Benchmark: a partner's save that resolves pseudonyms it typed, on a large store.

Copies the SQLite store ``--db`` (e.g. a synthetic city: ``avert synth --people
300000`` then ``avert ingest bundle``) to a temporary folder, gives one tasking
on a stored person to a partner organisation, and times, median of
``--repeat``:

* ``fill``: filling the pseudonym lookup of a key from empty
  (:func:`avert.store.pseudonyms.fill`): the first save that types a
  pseudonym after a key change or an upgrade;
* ``save``: the partner's save of a result typing three stored people's
  pseudonyms (:func:`avert.workflows.delivery.record_tasking_result`), the
  lookup filled;
* ``save, near miss``: the same with one pseudonym a hex digit off (not
  found: the lookup is filled again first, finding nothing to add);
* ``save, none typed``: the same save with no pseudonym typed (the baseline).

    PYTHONPATH=src .venv/bin/python benchmarks/typed_pseudonyms.py --db city.db
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from avert.config.settings import load_settings
from avert.store import Store, pseudonyms
from avert.workflows import delivery
from avert.workflows.users import User

KEY = "benchmark-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
CHAIR = User("chair1", "chair")
COUNCIL = User("cc", "partner", org="council")


def _median_s(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True, help="SQLite store to copy")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings({"AVERT_PSEUDONYM_KEY": KEY})
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "avert.db"
        shutil.copy(args.db, db)
        store = Store(f"sqlite:///{db}")
        ids = store.read_frame("people", columns=["person_id"])["person_id"]
        counts = {k: store.count(t) for k, t in (("people", "people"),)}
        counts["incidents"] = store.count("incidents")
        pseudo = delivery.partner_pseudonymiser(settings)
        now = dt.datetime.now().replace(microsecond=0)
        made = delivery.add_tasking(
            store,
            f"person:{ids[0]}",
            what="Visit",
            organisation="council",
            due=now + dt.timedelta(hours=12),
            user=CHAIR,
            anyway=True,
        )
        typed = [pseudo("person", str(ids[k * len(ids) // 3])) for k in range(3)]
        near = typed[0][:-1] + ("0" if typed[0][-1] != "0" else "1")

        def save(result: str) -> None:
            delivery.record_tasking_result(
                store,
                str(made["tasking_id"]),
                result=result,
                status=None,
                user=COUNCIL,
                settings=settings,
            )

        def fill() -> None:
            with store.transaction() as tx:
                tx._execute('DELETE FROM "pseudonym_index"')
            pseudonyms.fill(store, pseudo)

        fill_s = _median_s(fill, args.repeat)
        rows = store.count("pseudonym_index")
        k = iter(range(10**9))
        figures = {
            "fill": fill_s,
            "save": _median_s(
                lambda: save(f"visited {' '.join(typed)} #{next(k)}"), args.repeat
            ),
            "save, near miss": _median_s(
                lambda: save(f"visited {near} #{next(k)}"), args.repeat
            ),
            "save, none typed": _median_s(
                lambda: save(f"visited them #{next(k)}"), args.repeat
            ),
        }
        store.close()
    print(f"store: {counts}, lookup rows: {rows:,}")
    for what, seconds in figures.items():
        print(f"{what:>18}: {seconds:.3f} s (median of {args.repeat})")


if __name__ == "__main__":
    main()
