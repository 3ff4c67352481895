"""``avert serve --demo`` says how to sign in, as the README promises."""

from __future__ import annotations

import secrets
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from avert.cli import app, main
from avert.store import Store
from avert.workflows.demo import DEMO_PASSWORD


def test_serve_demo_prints_the_demo_sign_in(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import uvicorn

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    monkeypatch.chdir(tmp_path)
    db = sqlite_store.url.adbc
    res = CliRunner().invoke(app, ["--db", db, "serve", "--demo", "--port", "8123"])
    assert res.exit_code == 0, res.output
    assert started
    assert started[0]["port"] == 8123
    assert "Sign in as chair" in res.output
    assert DEMO_PASSWORD in res.output
    plain = CliRunner().invoke(
        app, ["--db", db, "serve"], env={"AVERT_SECRET_KEY": secrets.token_urlsafe(32)}
    )
    assert plain.exit_code == 0, plain.output
    assert DEMO_PASSWORD not in plain.output


def test_serve_demo_refuses_a_database_with_real_records(
    sqlite_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--demo`` with ``--db`` (or AVERT_DATABASE_URL) naming a force's database
    served it under demo rules (random secrets, the published demo password
    printed); found by the PostgreSQL tour. It is refused, nothing served."""
    import uvicorn

    from avert.workflows.load import load_files

    started: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: started.append(kw))
    monkeypatch.chdir(tmp_path)
    example = Path(__file__).parents[1] / "data" / "bundle-example"
    load_files(sqlite_store, [example], kind="bundle")
    # people alone are real records too (found by review: only incidents and stops
    # were looked at)
    with sqlite3.connect(sqlite_store.url.adbc) as con:
        for table in ("involvements", "incidents", "stops"):
            con.execute(f'DELETE FROM "{table}"')
    monkeypatch.setenv("AVERT_DATABASE_URL", sqlite_store.url.adbc)
    monkeypatch.setattr(sys, "argv", ["avert", "serve", "--demo"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    assert not started
    out = " ".join(capsys.readouterr().err.split())
    assert "synthetic city only" in out, out
    assert "example RMS extract" in out
    assert DEMO_PASSWORD not in out


def test_the_demo_check_accepts_a_synthetic_city(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """What ``avert demo`` loads (a synthetic bundle) passes the demo check."""
    import dataclasses

    from avert.synth import CityConfig, make_city, write_bundle
    from avert.workflows.demo import check_demo_store
    from avert.workflows.load import load_files

    city = make_city(dataclasses.replace(CityConfig(), people=500, days=30), seed=2)
    write_bundle(city, tmp_path / "bundle")
    load_files(sqlite_store, [tmp_path / "bundle"], kind="bundle")
    assert sqlite_store.counts()["people"] > 0
    check_demo_store(sqlite_store)  # raises on anything else
