"""Commands over a store one migration behind this avert (the previous release's,
before its last migration): one line naming both revisions and 'avert db upgrade',
exit 1, never a traceback. The web app's pages: tests/web/test_schema_behind.py."""

from __future__ import annotations

import sys

import pytest

from avert.cli import main
from avert.store import Store
from avert.store.migrate import downgrade, head_revision


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["status", "--json"],
        ["brief", "--at", "2019-06-30T06:00"],
        ["classify"],
        ["serve", "--port", "1"],
        ["board", "pack", "--month", "2019-06"],
    ],
    ids=" ".join,
)
def test_a_store_one_migration_behind_is_one_line(
    sqlite_store: Store,
    command: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    downgrade(sqlite_store.engine, "-1")
    behind = sqlite_store.revision()
    assert behind not in (None, head_revision())
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setattr(
        sys, "argv", ["avert", "--db", sqlite_store.url.sqlalchemy, *command]
    )
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    said = " ".join(capsys.readouterr().err.split())
    assert said == (
        f"error: The database is at schema revision {behind!r}, this avert needs "
        f"{head_revision()!r}. Run 'avert db upgrade'."
    )
    # nothing was written: the store is still one behind
    assert sqlite_store.revision() == behind
