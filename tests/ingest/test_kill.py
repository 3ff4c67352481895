"""A load killed with SIGKILL mid-write leaves the database exactly as before.

The load runs in a child process; the child kills itself (``SIGKILL``: no Python
cleanup, no rollback) in the middle of appending, after its page cache has spilled
new and changed pages into the database file (a tiny cache forces the spill). The
next connection must find the database as it was before the load: SQLite rolls the
hot journal back.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.load import load_files

REAL = Path(__file__).resolve().parents[1] / "data/policeuk/2018-07"

_CHILD = textwrap.dedent(
    """
    import os, signal, sys
    import avert.workflows.load._load as load
    import avert.workflows.load._state as state
    from avert.store import Store
    from avert.store.database import Transaction

    load._SQLITE_CACHE_KIB = 64      # spill dirty pages to the file early
    state._APPEND_ROWS = 500         # many appends, so the kill lands mid-load
    real = Transaction.append_arrow
    calls = {"n": 0}

    def append_arrow(self, table, data):
        calls["n"] += 1
        if calls["n"] == 6:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, table, data)

    Transaction.append_arrow = append_arrow
    load.load_files(Store(sys.argv[1]), [sys.argv[2]])
    """
)


def _big_street_file(path: Path, copies: int) -> Path:
    """The real West Yorkshire rows repeated with fresh Crime IDs (ASB rows keep none)."""
    base = pl.read_csv(REAL / "2018-07-west-yorkshire-street.csv", infer_schema=False)
    frame = pl.concat([base] * copies)
    fresh = pl.int_range(frame.height).cast(pl.String).str.zfill(64)
    frame = frame.with_columns(
        pl.when(pl.col("Crime ID").is_not_null()).then(fresh).alias("Crime ID")
    )
    frame.write_csv(path)
    return path


def _snapshot(store: Store) -> dict[str, pl.DataFrame]:
    return {
        table: store.read_frame(table).sort(pl.all())
        for table in ("incidents", "quarantine", "loads")
    }


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_load_leaves_database_as_before(
    sqlite_store: Store, tmp_path: Path
) -> None:
    load_files(sqlite_store, [REAL])  # rows already there: their pages may change
    before = _snapshot(sqlite_store)
    big = _big_street_file(tmp_path / "2018-08-big-street.csv", copies=20)
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, sqlite_store.url.sqlalchemy, str(big)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    assert child.returncode == -signal.SIGKILL, child.stderr
    db = Path(sqlite_store.url.adbc)
    # the kill left a hot journal behind, with pages of the load in the file
    assert db.with_name(db.name + "-journal").exists()
    check = sqlite_store.pragma("integrity_check")
    assert check == "ok"
    after = _snapshot(sqlite_store)
    for table, frame in before.items():
        assert after[table].equals(frame), table
    # and the next load works, and leaves the database in WAL mode
    report = load_files(sqlite_store, [big])
    # (the ASB rows of the first copy repeat those of the real file: same content key)
    assert report.loaded + report.duplicates == report.rows
    assert report.loaded > report.rows // 2
    mode = sqlite_store.pragma("journal_mode")
    assert mode == "wal"


def test_failed_load_returns_to_wal(sqlite_store: Store, tmp_path: Path) -> None:
    from avert.errors import IngestError

    bad = tmp_path / "2018-07-bad-street.csv"
    bad.write_text((REAL / "2018-07-west-yorkshire-street.csv").read_text() + "1,2,3\n")
    with pytest.raises(IngestError, match="--strict"):
        load_files(sqlite_store, [bad], strict=True)
    assert sqlite_store.pragma("journal_mode") == "wal"
    assert sqlite_store.count("incidents") == 0


def test_load_beside_an_open_reader_stays_in_wal(
    sqlite_store: Store, tmp_path: Path
) -> None:
    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    reader = sqlite_dbapi.connect(sqlite_store.url.adbc)
    try:
        with reader.cursor() as cur:  # an open read transaction, as a web app holds
            cur.execute("SELECT COUNT(*) FROM incidents")
            cur.fetchall()
            report = load_files(sqlite_store, [REAL])
            assert report.loaded == report.rows > 0
            cur.execute("PRAGMA journal_mode")
            assert cur.fetchall()[0][0] == "wal"
    finally:
        reader.close()
    assert sqlite_store.count("incidents") == report.loaded
