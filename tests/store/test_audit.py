"""The audit log: every export and every person view leaves a row."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store, audit


def test_record_appends_one_row(any_store: Store) -> None:
    audit.record(any_store, action="export", obj="briefing:x", reason="test", user="u1")
    audit.record(any_store, action="view", obj="person:P1", reason="test", user="u2")
    rows = any_store.read_frame("audit", order_by=["user_name"])
    assert rows.select("user_name", "action", "object").rows() == [
        ("u1", "export", "briefing:x"),
        ("u2", "view", "person:P1"),
    ]
    assert rows["at"].null_count() == 0


def test_quarantine_export_is_audited(sqlite_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "q.csv"
    result = CliRunner().invoke(
        app, ["--db", sqlite_store.url.sqlalchemy, "quarantine", "export", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists()
    rows = sqlite_store.read_frame("audit")
    assert rows.select("action", "object").rows() == [("export", f"quarantine:{out}")]
