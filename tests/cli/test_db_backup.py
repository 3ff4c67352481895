"""``avert db backup PATH``: a consistent copy of a SQLite store while it is written.

There was no backup command, and nothing said how to back up the SQLite file
(docs/postgresql.md had ``pg_dump`` only): a ``cp`` of a live WAL database misses
what is in the ``-wal`` file. The copy is made with SQLite's ``VACUUM INTO`` on the
store's own driver; here another process appends audit rows, ten to a transaction, while the
backup runs, and the copy must hold whole transactions and a whole hash chain.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app as cli
from avert.errors import ConfigError, StoreError
from avert.store import Store, audit

BATCH = 10

_WRITER = """
import sys
from pathlib import Path
from avert.store import Store
from avert.store.audit import record_all
store, stop, done = Store(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
batches = 0
while not stop.exists():
    record_all(store, [
        {"action": "test-write", "obj": f"batch:{batches}", "reason": "x" * 2000}
        for _ in range({batch})
    ])
    batches += 1
    done.write_text(str(batches))
store.close()
""".replace("{batch}", str(BATCH))


def _written(done: Path) -> int:
    text = done.read_text() if done.exists() else ""
    return int(text) if text else 0


def _wait_for(done: Path, batches: int, writer: subprocess.Popen[bytes]) -> int:
    deadline = time.monotonic() + 60
    while (n := _written(done)) < batches:
        assert writer.poll() is None, "the writer stopped"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    return n


def _test_writes(store: Store) -> int:
    rows = store.read_frame("audit", columns=["action"])
    return rows.filter(rows["action"] == "test-write").height


def test_a_backup_taken_during_writes_is_one_consistent_state(
    sqlite_store: Store, tmp_path: Path
) -> None:
    stop, done, copy = tmp_path / "stop", tmp_path / "done", tmp_path / "copy.db"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    log = tmp_path / "writer.log"
    command = [sys.executable, "-c", _WRITER, sqlite_store.url.sqlalchemy]
    with log.open("w") as errors:
        writer = subprocess.Popen(
            [*command, str(stop), str(done)], env=env, stderr=errors
        )
        try:
            before = _wait_for(done, 30, writer)
            res = CliRunner().invoke(
                cli, ["--db", sqlite_store.url.adbc, "db", "backup", str(copy)]
            )
            during = _written(done)
            after = _wait_for(done, during + 5, writer)  # the writer went on
        finally:
            stop.touch()
            writer.wait(timeout=60)
    assert writer.returncode == 0, log.read_text()
    assert res.exit_code == 0, res.output
    assert "checked" in res.output
    assert copy.stat().st_mode & 0o777 == 0o600
    assert not Path(f"{copy}-wal").exists()  # one self-contained file
    backup = Store(f"sqlite:///{copy}")
    try:
        backup.check()  # at the newest revision, opens as a store
        held = _test_writes(backup)
        assert held % BATCH == 0  # whole transactions only
        assert before * BATCH <= held <= after * BATCH
        verified = audit.verify(backup)
        assert verified.ok, verified.problems[:3]
        exported = backup.read_frame("audit", columns=["action", "object"])
        assert exported.filter(exported["object"] == f"database:{copy}").height == 1
    finally:
        backup.close()
    assert _test_writes(sqlite_store) == _written(done) * BATCH > held  # nothing lost


#: another process tries to take the database out of WAL mode, which SQLite allows
#: only when no connection has it open; prints the mode, or "refused"
_SWITCH = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], timeout=0)
try:
    print(conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0])
except sqlite3.OperationalError:
    print("refused")
"""


def _switch_out_of_wal(db: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _SWITCH, db], capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_a_backup_keeps_the_locks_of_the_processes_other_connections(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A backup run in a process that has the store open elsewhere (the web app, a
    test) must leave that connection's locks: SQLite's locks belong to the process,
    and a second SQLite library (Python's ``sqlite3`` online backup) closing the
    file dropped them, so another process could take the live WAL database out of
    WAL mode under the open connection (sqlite.org/howtocorrupt.html 2.2)."""
    import adbc_driver_sqlite.dbapi as sqlite_dbapi

    db = sqlite_store.url.adbc
    assert sqlite_store.pragma("journal_mode") == "wal"
    conn = sqlite_dbapi.connect(db, autocommit=True)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM sqlite_master")
            cur.fetchall()
        assert _switch_out_of_wal(db) == "refused"  # the open connection holds it
        res = CliRunner().invoke(
            cli, ["--db", db, "db", "backup", str(tmp_path / "copy.db")]
        )
        assert res.exit_code == 0, res.output
        assert _switch_out_of_wal(db) == "refused"  # and holds it still
    finally:
        conn.close()
    assert sqlite_store.pragma("journal_mode") == "wal"


def test_backup_refuses_postgresql_and_an_existing_file(
    sqlite_store: Store, tmp_path: Path
) -> None:
    pg = CliRunner().invoke(
        cli, ["--db", "postgresql://avert@127.0.0.1:1/avert", "db", "backup", "x.db"]
    )
    # an avert error: main() prints it in one line and exits 1
    assert isinstance(pg.exception, ConfigError)
    assert "pg_dump" in str(pg.exception)
    existing = tmp_path / "there.db"
    existing.write_text("keep me")
    res = CliRunner().invoke(
        cli, ["--db", sqlite_store.url.adbc, "db", "backup", str(existing)]
    )
    assert isinstance(res.exception, ConfigError)
    assert "never overwrites" in str(res.exception)
    assert existing.read_text() == "keep me"


def test_the_audit_row_says_where_a_relative_path_went(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``avert db backup copy.db`` was audited as ``location=copy.db``: the copy of
    every record, in a folder the audit log did not name."""
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(
        cli, ["--db", sqlite_store.url.adbc, "db", "backup", "c.db"]
    )
    assert res.exit_code == 0, res.output
    rows = sqlite_store.read_frame("audit", columns=["action", "detail"])
    detail = rows.filter(rows["action"] == "export")["detail"].to_list()
    assert detail == [f"location={tmp_path.resolve() / 'c.db'}"]


def test_a_copy_that_fails_the_check_is_no_backup(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A copy failing ``PRAGMA quick_check`` was still renamed to PATH (the command
    exited 1): a damaged file under the backup's name, kept by any rotation."""
    import avert.store.backup as backup

    def damaged(copy: Path, lock_timeout_s: float) -> tuple[int, list[str]]:
        return 3, ["*** in database main ***", "Page 3: never used"]

    monkeypatch.setattr(backup, "_check_copy", damaged)
    target = tmp_path / "copy.db"
    res = CliRunner().invoke(
        cli, ["--db", sqlite_store.url.adbc, "db", "backup", str(target)]
    )
    assert isinstance(res.exception, StoreError)
    assert "No backup written" in str(res.exception)
    assert "Page 3: never used" in str(res.exception)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["avert.db"]


def test_a_failed_backup_leaves_no_file(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup that fails part way (here: the copy cannot be made private) leaves
    nothing at PATH that could be taken for a whole backup, nor its part."""
    import avert.store.backup as backup

    def refuse(path: object) -> None:
        raise OSError("no space left on device")

    monkeypatch.setattr(backup, "restrict", refuse)
    target = tmp_path / "copy.db"
    res = CliRunner().invoke(
        cli, ["--db", sqlite_store.url.adbc, "db", "backup", str(target)]
    )
    assert isinstance(res.exception, OSError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["avert.db"]
