"""``avert retention``: the table, the JSON contract, the audited CSV export."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store, audit
from retention_world import load_retention_world


def _invoke(store: Store, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        ["--db", store.url.sqlalchemy, "retention", "--as-of", "2026-06-01", *args],
    )
    return result.exit_code, result.output


def test_json_lists_the_due_with_counts_by_group(sqlite_store: Store) -> None:
    load_retention_world(sqlite_store)
    code, out = _invoke(sqlite_store, "--json")
    assert code == 0, out
    payload = json.loads(out)
    assert payload["clear_years"] == {"1": 10, "2": 10, "3": 6}
    assert [p["person_id"] for p in payload["people"]] == [
        "old_victim",
        "rapist",
        "informed",
        "nobody",
        "sister",
    ]
    assert payload["people"][1]["review_due_at"] == "2025-02-01T22:00:00"
    code, out = _invoke(sqlite_store, "--json", "--group2-years", "5")
    assert "assaulter" in {p["person_id"] for p in json.loads(out)["people"]}


def test_table_and_csv_export_are_audited(sqlite_store: Store, tmp_path: Path) -> None:
    load_retention_world(sqlite_store)
    out_csv = tmp_path / "due.csv"
    code, out = _invoke(sqlite_store, "--csv", str(out_csv), "--reason", "June review")
    assert code == 0, out
    assert "rapist" in out
    assert "retention review at 2026-06-01" in out
    assert pl.read_csv(out_csv)["person_id"].to_list()[:2] == ["old_victim", "rapist"]
    rows = sqlite_store.read_frame("audit").filter(pl.col("reason") == "June review")
    assert sorted(rows["action"]) == ["export", "view"]
    code, out = _invoke(sqlite_store, "--csv", str(out_csv))
    assert code == 2
    assert "give --overwrite" in out


def test_the_view_row_counts_the_people_the_table_shows(sqlite_store: Store) -> None:
    """The table lists the first ``--limit`` people due; its audit row counts them
    (it counted every one due, five for two shown, before); ``--json`` lists and
    counts every one."""
    load_retention_world(sqlite_store)
    code, out = _invoke(sqlite_store, "--limit", "2", "--reason", "two shown")
    assert code == 0, out
    code, out = _invoke(sqlite_store, "--json", "--reason", "all shown")
    assert code == 0, out
    everyone = [p["person_id"] for p in json.loads(out)["people"]]
    assert len(everyone) > 2
    rows = sqlite_store.read_frame("audit")
    detail = dict(zip(rows["reason"], rows["detail"], strict=True))
    n, digest = audit.people_digest(everyone[:2])
    assert detail["two shown"] == f"people={n}; people_sha256={digest}"
    n, digest = audit.people_digest(everyone)
    assert detail["all shown"] == f"people={n}; people_sha256={digest}"
