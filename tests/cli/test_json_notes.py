"""``--json`` carries the notes the table output prints: on a store of open data
(police.uk names no one) ``analyse groups`` and ``analyse retaliation`` say why their
lists are empty in both forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.workflows.analysis import NO_PEOPLE_NOTE
from cli.open_data import policeuk_2019_06


@pytest.fixture(scope="module")
def open_data_db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Police.uk 2019-06 loaded: a copy for this module."""
    return policeuk_2019_06(
        tmp_path_factory, template_db, tmp_path_factory.mktemp("open")
    )


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["analyse", "groups"], "groups"),
        (["analyse", "retaliation", "--from", "2019-06-01"], "alerts"),
    ],
)
def test_json_has_the_notes_of_the_table(
    open_data_db: str, args: list[str], key: str
) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["--db", open_data_db, *args], env={"COLUMNS": "400"})
    assert shown.exit_code == 0, shown.output
    printed = [
        line.removeprefix("note: ")
        for line in shown.stdout.splitlines()
        if line.startswith("note: ")
    ]
    given = runner.invoke(app, ["--db", open_data_db, *args, "--json"])
    assert given.exit_code == 0, given.output
    payload = json.loads(given.stdout)
    assert payload[key] == []
    assert payload["notes"][0] == NO_PEOPLE_NOTE
    assert payload["notes"] == printed
