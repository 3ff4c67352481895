"""Files that hold personal data are private: every writer, 0600 files, 0700 folders.

The process umask is set to the common 022 for each test, so a writer that forgot
the helper would leave 0644 files and 0755 folders behind.
"""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from avert.report.render import render_pdf
from avert.store import Store, audit
from avert.workflows.briefing import run_briefing
from briefing.factory import make_frames, write_store


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def loose_umask(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AVERT_FILE_MODE", raising=False)
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_new_sqlite_database_and_its_wal_files_are_private(tmp_path: Path) -> None:
    db = tmp_path / "new" / "avert.db"
    store = Store(f"sqlite:///{db}")
    store.upgrade()
    assert mode_of(db) == 0o600
    assert mode_of(db.parent) == 0o700
    with store.transaction() as tx:  # the -wal and -shm live while a writer is open
        tx._execute('CREATE TABLE "t" ("a" INTEGER)')
        tx._execute('INSERT INTO "t" VALUES (1)')
        for suffix in ("-wal", "-shm"):
            assert mode_of(Path(f"{db}{suffix}")) == 0o600, suffix
    audit.record(store, action="view", obj="person:P1", reason="test")
    store.close()


def test_a_database_made_by_a_plain_transaction_is_private(tmp_path: Path) -> None:
    db = tmp_path / "plain.db"
    store = Store(str(db))
    with store.transaction() as tx:
        tx._execute("CREATE TABLE t (a INTEGER)")
    assert mode_of(db) == 0o600


def test_the_setting_relaxes_the_database_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AVERT_FILE_MODE", "640")
    db = tmp_path / "team" / "avert.db"
    Store(str(db)).upgrade()
    assert mode_of(db) == 0o640
    assert mode_of(db.parent) == 0o750


def test_briefing_outputs_are_private(tmp_path: Path) -> None:
    at = dt.datetime(2025, 3, 10, 8)
    store = Store(str(tmp_path / "avert.db"))
    store.upgrade()
    write_store(store, make_frames(300, at=at, seed=3))
    out = tmp_path / "briefings" / "today"
    stale = tmp_path / "briefings" / "today" / "briefing.html"
    files = run_briefing(store, at=at, out_dir=out, pdf=False)
    assert files.html == stale
    for path in (files.html, files.json):
        assert mode_of(path) == 0o600, path
    assert mode_of(out) == 0o700
    assert mode_of(out.parent) == 0o700
    # A rerun over a file someone loosened makes it private again.
    files.html.chmod(0o644)
    run_briefing(store, at=at, out_dir=out, pdf=False)
    assert mode_of(files.html) == 0o600


def test_pdf_is_private(tmp_path: Path) -> None:
    out = render_pdf("<html><body><p>x</p></body></html>", tmp_path / "p" / "b.pdf")
    assert out.read_bytes()[:5] == b"%PDF-"
    assert mode_of(out) == 0o600
    assert mode_of(out.parent) == 0o700


def test_db_upgrade_warns_about_a_loose_old_database(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from avert.cli import app

    db = tmp_path / "old.db"
    Store(str(db)).upgrade()
    db.chmod(0o644)
    result = CliRunner().invoke(app, ["--db", str(db), "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "readable beyond file_mode" in result.output
    assert mode_of(db) == 0o644  # told, not changed behind the owner's back
    db.chmod(0o600)
    result = CliRunner().invoke(app, ["--db", str(db), "db", "upgrade"])
    assert "readable beyond" not in result.output


def test_db_init_makes_a_private_file_and_does_not_warn(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from avert.cli import app

    db = tmp_path / "fresh.db"
    result = CliRunner().invoke(app, ["--db", str(db), "db", "revision"])
    assert result.exit_code == 0, result.output
    assert not db.exists()  # asking for the revision creates no file
    result = CliRunner().invoke(app, ["--db", str(db), "db", "init"])
    assert result.exit_code == 0, result.output
    assert mode_of(db) == 0o600
    assert "readable beyond" not in result.output
