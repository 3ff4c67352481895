"""``avert users ...``: passwords never as arguments; tokens printed once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'users.db'}"
    Store(url).upgrade()
    return url


def _run(db: str, *args: str, password: str | None = None) -> tuple[int, str]:
    env = {"AVERT_PASSWORD": password} if password else {}
    result = CliRunner().invoke(app, ["--db", db, *args], env=env)
    # avert's own errors reach main() (one line, exit 1); here they are exceptions
    error = f"{result.exception}" if result.exception else ""
    return result.exit_code, result.output + error


def test_add_list_disable_enable_set_role(db: str) -> None:
    code, out = _run(db, "users", "add", "ana", "--role", "analyst", password="x" * 14)
    assert code == 0, out
    code, out = _run(db, "users", "list", "--json")
    users = json.loads(out)
    assert [(u["username"], u["role"]) for u in users] == [("ana", "analyst")]
    assert "password_hash" not in users[0]
    assert _run(db, "users", "disable", "ana")[0] == 0
    assert json.loads(_run(db, "users", "list", "--json")[1])[0]["disabled"] is True
    assert _run(db, "users", "enable", "ana")[0] == 0
    assert _run(db, "users", "set-role", "ana", "--role", "chair")[0] == 0
    assert json.loads(_run(db, "users", "list", "--json")[1])[0]["role"] == "chair"


def test_no_password_option_and_short_passwords_refused(db: str) -> None:
    code, out = _run(db, "users", "add", "bob", "--role", "board", "--password", "x")
    assert code == 2  # no such option: passwords never travel as arguments
    code, out = _run(db, "users", "add", "bob", "--role", "board", password="short")
    assert code == 1
    assert "12 characters" in out
    code, out = _run(db, "users", "add", "bob", "--role", "king", password="x" * 14)
    assert code == 1
    assert "Unknown role" in out


def test_token_printed_once_and_revocable(db: str) -> None:
    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    code, out = _run(db, "users", "token", "tok")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("avt_")
    rows = Store(db).read_frame("api_tokens")
    assert token.split("_", 2)[2] not in rows.write_csv()
    assert _run(db, "users", "token", "tok", "--revoke", token.split("_")[1])[0] == 0
    assert Store(db).read_frame("api_tokens")["revoked_at"].null_count() == 0
