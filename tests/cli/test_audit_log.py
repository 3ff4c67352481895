"""``avert audit verify|list|export`` for the data protection officer."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store, audit


def _invoke(store: Store, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, "audit", *args])
    return result.exit_code, result.output


def _fill(store: Store) -> None:
    audit.record(store, action="view", obj="person:P1", reason="r", user="ann")
    audit.record(store, action="export", obj="briefing:x", reason="=1+2", user="bob")
    audit.record(store, action="view", obj="person:P2", reason="r", user="ann")


def test_verify_passes_then_fails_after_an_edit(any_store: Store) -> None:
    _fill(any_store)
    code, out = _invoke(any_store, "verify")
    assert code == 0, out
    assert "intact" in out
    assert "head 3:" in out
    with any_store.transaction() as tx:
        tx._execute("DELETE FROM audit WHERE seq = 2")
    code, out = _invoke(any_store, "verify", "--json")
    assert code == 1
    payload = json.loads(out)
    assert payload["ok"] is False
    assert [(p["seq"], p["kind"]) for p in payload["problems"]] == [(3, "gap")]


def test_verify_checks_a_noted_head(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    head = audit.verify(sqlite_store)
    noted = f"{head.head_seq}:{head.head_hash}"
    assert _invoke(sqlite_store, "verify", "--head", noted)[0] == 0
    with sqlite_store.transaction() as tx:
        tx._execute("DELETE FROM audit WHERE seq = 3")
    code, out = _invoke(sqlite_store, "verify", "--head", noted)
    assert code == 1
    assert "deleted" in out
    assert _invoke(sqlite_store, "verify", "--head", "nonsense")[0] == 1


def test_list_filters_and_is_audited(sqlite_store: Store) -> None:
    _fill(sqlite_store)
    code, out = _invoke(sqlite_store, "list", "--user", "ann", "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert [r["object"] for r in rows] == ["person:P1", "person:P2"]
    code, out = _invoke(sqlite_store, "list", "--action", "export", "--json")
    assert [r["object"] for r in json.loads(out)] == ["briefing:x"]
    code, out = _invoke(sqlite_store, "list", "--since", "2999-01-01", "--json")
    assert json.loads(out) == []
    looks = audit.read(sqlite_store).filter(pl.col("object") == "audit:list")
    assert looks.height == 3
    assert looks["detail"].to_list()[0] == "user_name=ann"
    code, out = _invoke(sqlite_store, "list")
    assert code == 0
    assert "person:P1" in out


def test_export_is_private_safe_and_audited(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _fill(sqlite_store)
    out = tmp_path / "dpo" / "audit.csv"
    code, text = _invoke(sqlite_store, "export", str(out))
    assert code == 0, text
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.parent.stat().st_mode & 0o777 == 0o700
    frame = pl.read_csv(out, infer_schema=False)
    assert frame.height == 3
    assert frame["reason"].to_list()[1] == "'=1+2"
    assert {"seq", "prev_hash", "row_hash"} <= set(frame.columns)
    last = audit.read(sqlite_store).row(-1, named=True)
    assert (last["action"], last["object"]) == ("export", f"audit:{out}")
    assert f"location={out}; rows=3" in last["detail"]
    assert audit.verify(sqlite_store).ok


def test_an_unfiltered_export_verifies_away_from_the_database(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _fill(sqlite_store)
    audit.record(
        sqlite_store,
        action="view",
        obj='\'quoted,\n"odd"',
        reason="-1",
        detail="\tx",
        user="=cmd",
    )
    out = tmp_path / "audit.csv"
    assert _invoke(sqlite_store, "export", str(out))[0] == 0
    code, text = _invoke(sqlite_store, "verify", "--csv", str(out))
    assert code == 0, text
    assert "4 row(s) checked" in text  # the export row itself came after
    # An edit of the exported file is found too.
    frame = pl.read_csv(out, infer_schema=False)
    frame.with_columns(
        pl.when(pl.col("seq") == "2")
        .then(pl.lit("nobody"))
        .otherwise(pl.col("user_name"))
        .alias("user_name")
    ).write_csv(out)
    code, text = _invoke(sqlite_store, "verify", "--csv", str(out), "--json")
    assert code == 1
    assert [(p["seq"], p["kind"]) for p in json.loads(text)["problems"]] == [
        (2, "edited")
    ]
