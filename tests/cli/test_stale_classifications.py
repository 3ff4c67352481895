"""Stale classifications are named: an edited definition or another harm table.

A user who edits their definition file (same ``[profile] id``) or switches the harm
table and does not run ``avert classify`` again read every analysis from the old
classifications and harm without a word. Now each output carries a note naming the
profile, what changed and "run 'avert classify'"; ``avert status`` says whether each
profile is current. Classifying again makes the note go; an edit of comments or
whitespace is no change; built-in definitions unchanged say nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.config.definitions import harm_path, profile_path
from cli.open_data import policeuk_2019_06

DATA = Path(__file__).resolve().parents[1] / "data"
_STALE = "Stale classifications: definition"

#: a strand added to a definition: stalking and harassment in the definition
_NEW_RULE = """
[[rules]]
id = "mine.public_order"
category = "harassment"
clause = "public fear, alarm or distress"
offence_codes = ["9A"]
"""


@pytest.fixture(scope="module")
def loaded_db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Police.uk 2019-06 loaded (and classified under the built-in avb-2010): a
    copy for this module (its tests classify and load into it)."""
    return policeuk_2019_06(
        tmp_path_factory, template_db, tmp_path_factory.mktemp("stale")
    )


def _invoke(db: str, env: dict[str, str], *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", db, *args], env=env)
    assert result.exit_code == 0, result.output
    return result.stdout


def _volt_notes(db: str, env: dict[str, str]) -> list[str]:
    payload = json.loads(_invoke(db, env, "analyse", "volt", "--json"))
    return [str(n) for n in payload["notes"]]


def _stale(notes: list[str]) -> list[str]:
    return [n for n in notes if n.startswith(_STALE)]


def _own_definition(tmp_path: Path) -> Path:
    text = profile_path("avb-2010").read_text(encoding="utf-8")
    mine = tmp_path / "mine.toml"
    mine.write_text(text.replace('id = "avb-2010"', 'id = "mine"', 1), "utf-8")
    return mine


def test_built_in_definition_unchanged_says_nothing(loaded_db: str) -> None:
    env = {"AVERT_DEFINITION": "avb-2010", "AVERT_HARM_TABLE": ""}
    assert _stale(_volt_notes(loaded_db, env)) == []
    status = json.loads(_invoke(loaded_db, env, "status", "--json"))
    assert status["classifications"]["avb-2010"]["state"] == "current"


def test_edited_definition_is_named_until_classified_again(
    loaded_db: str, tmp_path: Path
) -> None:
    mine = _own_definition(tmp_path)
    env = {"AVERT_DEFINITION": str(mine), "AVERT_HARM_TABLE": ""}
    _invoke(loaded_db, env, "classify")
    assert _stale(_volt_notes(loaded_db, env)) == []

    # comments and whitespace are no change
    mine.write_text("# my force's copy\n\n" + mine.read_text("utf-8"), "utf-8")
    assert _stale(_volt_notes(loaded_db, env)) == []

    mine.write_text(mine.read_text("utf-8") + _NEW_RULE, "utf-8")
    stale = _stale(_volt_notes(loaded_db, env))
    assert len(stale) == 1
    assert "'mine'" in stale[0]
    assert "another definition than" in stale[0]
    assert "harm table" not in stale[0]
    assert "run 'avert classify'" in stale[0]
    status = json.loads(_invoke(loaded_db, env, "status", "--json"))
    assert status["classifications"]["mine"]["state"] == "stale"
    assert status["classifications"]["mine"]["changed"] == "definition"
    assert "classifications mine: stale" in _invoke(loaded_db, env, "status")

    _invoke(loaded_db, env, "classify")
    assert _stale(_volt_notes(loaded_db, env)) == []
    status = json.loads(_invoke(loaded_db, env, "status", "--json"))
    assert status["classifications"]["mine"]["state"] == "current"


def test_another_harm_table_is_named(loaded_db: str, tmp_path: Path) -> None:
    text = harm_path().read_text(encoding="utf-8")
    other = tmp_path / "harm_other.toml"
    # one weight changed: a harm table of its own
    other.write_text(text.replace("days = 18.75", "days = 19.75", 1), "utf-8")
    assert other.read_text("utf-8") != text
    env = {"AVERT_DEFINITION": "avb-2010", "AVERT_HARM_TABLE": str(other)}
    stale = _stale(_volt_notes(loaded_db, env))
    assert len(stale) == 1
    assert "'avb-2010'" in stale[0]
    assert (
        "another harm table than the harm table in force (harm_other.toml)" in stale[0]
    )
    # back to the packaged table classified with: current
    packaged = {"AVERT_DEFINITION": "avb-2010", "AVERT_HARM_TABLE": ""}
    assert _stale(_volt_notes(loaded_db, packaged)) == []


def test_briefing_json_names_the_edited_definition(
    loaded_db: str, tmp_path: Path
) -> None:
    mine = _own_definition(tmp_path)
    env = {"AVERT_DEFINITION": str(mine), "AVERT_HARM_TABLE": ""}
    _invoke(loaded_db, env, "classify")
    mine.write_text(mine.read_text("utf-8") + _NEW_RULE, "utf-8")
    args = ("brief", "--at", "2019-06-30T06:00", "--no-pdf", "--json")
    out = ("--out", str(tmp_path / "b"))
    payload = json.loads(_invoke(loaded_db, env, *args, *out))
    notes = [str(n) for n in payload["notes"]]
    assert len(_stale(notes)) == 1, notes
    assert "'mine'" in _stale(notes)[0]


def test_status_counts_incidents_loaded_since_the_classification(
    loaded_db: str, tmp_path: Path
) -> None:
    """A load with --no-classify (or one stopped, or a backup made, between a
    load's commit and its classification's) left incidents with no classification
    while ``avert status`` said only "current"; it now counts them."""
    env = {"AVERT_DEFINITION": "avb-2010", "AVERT_HARM_TABLE": ""}
    path = tmp_path / "later.db"
    shutil.copy(loaded_db.removeprefix("sqlite:///"), path)
    db = f"sqlite:///{path}"
    before = json.loads(_invoke(db, env, "status", "--json"))
    assert before["classifications"]["avb-2010"]["unclassified"] == 0
    later = str(DATA / "policeuk" / "2018-07")
    _invoke(db, env, "ingest", "policeuk", later, "--no-classify")
    after = json.loads(_invoke(db, env, "status", "--json"))
    added = after["tables"]["incidents"] - before["tables"]["incidents"]
    assert added > 0
    assert after["classifications"]["avb-2010"] == {
        **before["classifications"]["avb-2010"],
        "unclassified": added,
    }
    assert f"{added:,} incidents are not classified under it" in " ".join(
        _invoke(db, env, "status").split()
    )
    _invoke(db, env, "classify")
    again = json.loads(_invoke(db, env, "status", "--json"))
    assert again["classifications"]["avb-2010"]["unclassified"] == 0


def test_status_names_the_command_that_classifies_another_definition(
    loaded_db: str, tmp_path: Path
) -> None:
    """A store classified under two definitions: after a --no-classify load each
    line counted the new incidents and said "run 'avert classify'", which
    classifies the definition in force only; the other's line kept the count and
    the same advice. It now names ``--definition`` for the one not in force, and
    following each line's advice leaves nothing unclassified."""
    env = {"AVERT_DEFINITION": "avb-2010", "AVERT_HARM_TABLE": ""}
    path = tmp_path / "two.db"
    shutil.copy(loaded_db.removeprefix("sqlite:///"), path)
    db = f"sqlite:///{path}"
    _invoke(db, env, "classify", "--definition", "who-broad")
    later = str(DATA / "policeuk" / "2018-07")
    _invoke(db, env, "ingest", "policeuk", later, "--no-classify")
    lines = {
        line.split(":")[0]: line
        for line in _invoke(db, env, "status")
        .replace("\n", " ")
        .split("classifications ")[1:]
    }
    assert "run 'avert classify'" in lines["avb-2010"], lines
    assert "run 'avert classify --definition who-broad'" in " ".join(
        lines["who-broad"].split()
    ), lines
    _invoke(db, env, "classify")
    _invoke(db, env, "classify", "--definition", "who-broad")
    after = json.loads(_invoke(db, env, "status", "--json"))
    unclassified = {p: c["unclassified"] for p, c in after["classifications"].items()}
    assert unclassified["avb-2010"] == unclassified["who-broad"] == 0, unclassified
