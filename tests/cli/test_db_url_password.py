"""``--db`` refuses a URL holding a password (a red-team review): a command argument
is visible to every user of the machine (``ps``) and kept in shell history, and
secrets come from settings (AVERT_DATABASE_URL, or ~/.pgpass), never from arguments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from avert.cli import main
from avert.config.settings import check_url_argument
from avert.errors import ConfigError

_SECRET = "s3cret-Pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://avert:{_SECRET}@dbhost:5432/avert",
        f"postgresql+psycopg://avert:{_SECRET}@/avert?host=/var/run/postgresql",
        f"postgresql://avert@dbhost/avert?password={_SECRET}",
    ],
)
def test_a_db_argument_with_a_password_is_a_config_error_that_hides_it(
    url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # the environment's URL is never the one used: the argument is refused first
    monkeypatch.setenv("AVERT_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/x")
    monkeypatch.setattr(sys, "argv", ["avert", "--db", url, "status"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1  # as every other config error
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert _SECRET not in err, "the password is never printed"
    assert "AVERT_DATABASE_URL" in err
    assert ".pgpass" in err
    assert "Cannot connect" not in err, "refused before any connection"


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://postgres:@/avert_test?host=/tmp/pg",  # the tests' own server
        "postgresql://avert@/avert?host=/var/run/postgresql",  # peer / ~/.pgpass
        "postgresql://avert@dbhost/avert?sslmode=require",
        "sqlite:///avert.db",
        "avert.db",
    ],
)
def test_a_db_argument_without_a_password_is_kept(url: str) -> None:
    assert check_url_argument(url) == url


def test_a_db_argument_without_a_password_still_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.db"
    monkeypatch.setattr(sys, "argv", ["avert", "--db", str(missing), "status"])
    with pytest.raises(SystemExit):
        main()
    assert "No database at" in capsys.readouterr().err


def test_the_refusal_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--db: the URL holds a password"):
        check_url_argument(f"postgresql://a:{_SECRET}@h/d")
