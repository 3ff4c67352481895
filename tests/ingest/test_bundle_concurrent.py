"""Two loads of one bundle at the same time (SQLite and the PostgreSQL the tests start).

The second load waits for the first (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the
loads' advisory lock, :meth:`avert.store.Store.transaction` with ``bulk``), then
finds every row stored: nothing is loaded twice, nothing fails on a primary key.
A bundle without a people file is used, so the people its involvements name are
added by the first load and must be seen, not added again, by the second.
"""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

from avert.store import Store
from avert.workflows.load import LoadReport, load_files

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "bundle-example"
#: seconds the first load holds its transaction open once it has written incidents
_HOLD_S = 2.0


def test_a_second_load_of_a_bundle_waits_and_adds_nothing(
    any_store: Store, tmp_path: Path
) -> None:
    bundle = Path(shutil.copytree(EXAMPLE, tmp_path / "bundle"))
    (bundle / "people.csv").unlink()
    written = threading.Event()
    first: list[LoadReport] = []

    def hold(what: str, done: int, total: int) -> None:
        # inside the first load's transaction, after a file was written
        if what.endswith("rows read)") and not written.is_set():
            written.set()
            time.sleep(_HOLD_S)

    def load_first() -> None:
        own = Store(any_store.url.sqlalchemy)
        try:
            first.append(load_files(own, [bundle], kind="bundle", progress=hold))
        finally:
            own.close()

    thread = threading.Thread(target=load_first)
    thread.start()
    try:
        assert written.wait(timeout=120)
        t0 = time.monotonic()
        second = load_files(any_store, [bundle], kind="bundle")
        waited = time.monotonic() - t0
    finally:
        thread.join(timeout=300)
    assert first, "the first load failed"
    assert first[0].loaded > 0
    assert waited > _HOLD_S / 2  # it waited for the first to commit
    assert second.loaded == 0
    # every row the first loaded is a duplicate now; its rejects are rejected again
    assert second.duplicates == first[0].loaded + first[0].duplicates
    assert second.quarantined == first[0].quarantined
    incidents = next(f for f in first[0].files if Path(f.file).stem == "incidents")
    assert any_store.count("incidents") == incidents.loaded
    assert any_store.count("people") == _named_people(bundle)


def _named_people(bundle: Path) -> int:
    """The people the bundle's involvements name (it has no people file)."""
    lines = (bundle / "involvements.csv").read_text().splitlines()[1:]
    return len({line.split(",")[1] for line in lines if line})
