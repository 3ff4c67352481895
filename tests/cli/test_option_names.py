"""One name per option in ``--help`` (old names kept working, hidden), names that say
what an option does (``--events-file`` reads, ``--write-csv`` writes), and one
usage error for an input path that does not exist."""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from avert.cli import app, main
from avert.store import Store
from cli.cli_tree import command_tree

_TWO_NAMES = re.compile(r"--[a-z][\w-]*,\s*--[a-z][\w-]*")


def _help(path: str) -> str:
    result = CliRunner().invoke(
        app, [*path.split(), "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_help_shows_one_name_per_option() -> None:
    """``analyse volt --help`` listed "--days,--window-days", ``audit list`` "--from,
    --since", ...: the old names of renamed options beside the new ones."""
    shown = {path: _TWO_NAMES.findall(_help(path)) for path in command_tree()}
    assert {path: pairs for path, pairs in shown.items() if pairs} == {}


def _parsed(path: str, args: list[str]) -> dict[str, Any]:
    """The parameters Click parses from ``args`` for command ``path`` (not run)."""
    command = command_tree()[path]
    ctx = command.make_context(path.split()[-1], args)
    params: dict[str, Any] = ctx.params
    return params


@pytest.mark.parametrize(
    ("path", "args", "name", "value"),
    [
        ("analyse volt", ["--window-days", "30"], "window_days", 30),
        ("analyse volt", ["--days", "30"], "window_days", 30),
        ("analyse risk", ["--at", "2026-01-01"], "at", "2026-01-01"),
        ("audit list", ["--until", "2026-01-01"], "until", dt.datetime(2026, 1, 1)),
        ("forecast evaluate", ["--start", "2026-01-01"], "start", "2026-01-01"),
        ("analyse retaliation", ["--since", "2026-01-01"], "since", "2026-01-01"),
        ("task add", ["--from", "incident:I1"], "item", "incident:I1"),
    ],
)
def test_old_option_names_still_work(
    path: str, args: list[str], name: str, value: object
) -> None:
    assert _parsed(path, args)[name] == value


def test_csv_options_say_whether_they_read_or_write(tmp_path: Path) -> None:
    """``--csv`` wrote a file in ``avert retention`` and read one in the place
    analyses and ``audit verify``: each now says which; ``--csv`` still works."""
    events = tmp_path / "events.csv"
    events.write_text("x,y,occurred_at\n")
    assert "--write-csv" in _help("retention")
    for path in ("analyse near-repeat", "analyse gistar", "forecast evaluate"):
        assert "--events-file" in _help(path)
        assert _parsed(path, ["--csv", str(events)])["csv"] == events
    assert "--export-file" in _help("audit verify")
    assert _parsed("audit verify", ["--csv", str(events)])["csv"] == events
    out = tmp_path / "due.csv"
    assert _parsed("retention", ["--csv", str(out)])["csv"] == out
    assert _parsed("retention", ["--write-csv", str(out)])["csv"] == out
    for path in ("retention", "analyse near-repeat", "audit verify"):
        assert not re.search(r"--csv\b", _help(path)), path


@pytest.mark.parametrize(
    "args",
    [
        ["classify", "--harm"],
        ["definition", "show", "--harm"],
        ["brief", "--at", "2026-11-24", "--no-pdf", "--boundaries"],
        ["analyse", "risk", "--config"],
        ["analyse", "marac", "--config"],
        ["analyse", "groups", "--config"],
        ["analyse", "near-repeat", "--events-file"],
        ["analyse", "near-repeat", "--csv"],
        ["analyse", "equality", "--list"],
        ["forecast", "--at", "2026-11-24", "--events-file"],
        ["forecast", "evaluate", "--events-file"],
        ["audit", "verify", "--export-file"],
        ["plan", "import"],
        ["harm", "import"],
        ["ingest", "policeuk"],
        ["ingest", "bundle"],
        ["ingest", "table", "--mapping", "toronto-mci"],
        ["ingest", "population"],
        ["ingest", "confidence"],
        ["ingest", "centroids"],
        ["ingest", "boundaries"],
    ],
)
def test_a_missing_input_path_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    """A path that does not exist was reported five ways ("Cannot read P: no such
    file.", "P: no such harm table file", "[Errno 2] No such file or directory",
    "No such bundle: P", ...) with exit 1, or 2 (harm import): now a usage error
    (exit 2) that says "no such file: P" (or "file or folder" where a folder is
    taken), before anything is opened."""
    missing = tmp_path / "missing.csv"
    db = str(tmp_path / "never-made.db")
    argv = ["avert", "--db", db, *args, str(missing)]
    if args[0] == "ingest" and args[1] == "table":  # PATHS come before --mapping
        argv = ["avert", "--db", db, "ingest", "table", str(missing), *args[2:]]
    out = ["--out", str(tmp_path / "b")] if args[0] == "brief" else []
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.setattr(sys, "argv", [*argv, *out])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    what = (
        "file or folder"
        if args[:2]
        in (["ingest", "policeuk"], ["ingest", "bundle"], ["ingest", "table"])
        else "file"
    )
    assert f": no such {what}: {missing}; try 'avert " in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "never-made.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ["analyse", "concentration"],
        ["analyse", "volt"],
        ["analyse", "risk"],
        ["classify"],
        ["definition", "show"],
    ],
)
def test_an_unknown_definition_is_a_usage_error_naming_the_known(
    sqlite_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
) -> None:
    """``--definition nope`` analysed every incident with a note (concentration,
    volt) or exited 1 (risk, classify, definition show): now exit 2 naming the
    definitions known (an analysis also knows those classified from a file)."""
    import avert.store.summary

    monkeypatch.setattr(
        avert.store.summary, "classified_profiles", lambda _store: ["avb-2010", "mine"]
    )
    monkeypatch.setenv("COLUMNS", "300")
    argv = ["avert", "--db", sqlite_store.url.sqlalchemy, *args, "--definition"]
    monkeypatch.setattr(sys, "argv", [*argv, "nope"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Invalid value for --definition: unknown definition 'nope'" in err, err
    if args[0] == "analyse":
        assert "known: avb-2010, who-broad, mine;" in err, err
    else:  # rules are read: a built-in profile or a file
        assert "(avb-2010, who-broad)" in err, err


def test_a_definition_classified_from_a_file_is_known_by_its_id(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An id classified earlier from a violence TOML file stays usable by its id."""
    import avert.store.summary

    monkeypatch.setattr(
        avert.store.summary, "classified_profiles", lambda _store: ["mine"]
    )
    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "volt",
            "--definition",
            "mine",
        ],
    )
    assert "unknown definition" not in result.output
    assert result.exit_code != 2, result.output


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["analyse", "retaliation"], "Missing option '--from'"),
        (["analyse", "volt", "--window-days", "0"], "Invalid value for '--days'"),
        (["audit", "list", "--since", "x"], "Invalid value for '--from'"),
    ],
)
def test_a_usage_error_names_an_option_by_its_one_name(
    tmp_path: Path, args: list[str], said: str
) -> None:
    """ "Missing option '--from' / '--since'": the old name showed in the error."""
    result = CliRunner().invoke(
        app, ["--db", str(tmp_path / "x.db"), *args], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 2
    assert said in result.output, result.output
    assert "' / '" not in result.output


def test_a_definition_file_not_yet_classified_says_to_classify_it(
    sqlite_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A violence TOML file whose profile is not classified yet was "unknown
    definition 'mine.toml': ...; or give a violence TOML file", the very thing given:
    it says to classify under it (exit 1, as nothing classified yet)."""
    import avert.store.summary
    from avert.config.definitions import profile_path

    text = profile_path("avb-2010").read_text(encoding="utf-8")
    mine = tmp_path / "mine.toml"
    mine.write_text(text.replace('id = "avb-2010"', 'id = "mine"', 1), "utf-8")
    monkeypatch.setattr(
        avert.store.summary, "classified_profiles", lambda _store: ["avb-2010"]
    )
    monkeypatch.setenv("COLUMNS", "300")
    argv = ["avert", "--db", sqlite_store.url.sqlalchemy, "analyse", "volt"]
    monkeypatch.setattr(sys, "argv", [*argv, "--definition", str(mine)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "unknown definition" not in err, err
    assert f"run 'avert classify --definition {mine}' first" in err, err
