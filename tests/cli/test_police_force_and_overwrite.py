"""``--force`` replaced an output file in some commands and chose a police force in
others (``forecast evaluate`` spelt the force ``--police-force``): each meaning now
has one name, ``--police-force F`` and ``--overwrite``, and ``--force`` still works,
hidden from ``--help``, where it meant that before."""

from __future__ import annotations

import re
from typing import Any

import pytest
from typer.testing import CliRunner

from avert.cli import app
from cli.cli_tree import command_tree

#: every command path and its Click command
TREE = command_tree()
#: a police-force option's help says it picks the events or stops of one force
_SAYS_POLICE_FORCE = re.compile(r"events of this force|stops\.force")

#: every command with a police-force option, with the arguments it needs to parse
POLICE_FORCE_COMMANDS: dict[str, list[str]] = {
    "analyse near-repeat": [],
    "analyse gistar": [],
    "analyse hotspots": ["--at", "2026-01-01"],
    "analyse equality": [],
    "board pack": ["--month", "2026-01"],
    "forecast": [],
}
#: every command that replaces an existing output file with --overwrite
OVERWRITE_COMMANDS: dict[str, list[str]] = {
    "audit export": ["out.csv"],
    "quarantine export": ["out.csv"],
    "plan export": ["plan.yaml"],
    "retention": ["--write-csv", "due.csv"],
    "forecast evaluate": ["--per-day", "hits.csv"],
}


def _parsed(path: str, args: list[str]) -> dict[str, Any]:
    """The parameters Click parses from ``args`` for command ``path`` (not run)."""
    ctx = TREE[path].make_context(path.split()[-1], args)
    params: dict[str, Any] = ctx.params
    return params


def _options(path: str) -> list[Any]:
    """The options of command ``path`` (Typer's own Click classes, not ``click``'s)."""
    return [p for p in TREE[path].params if p.param_type_name == "option"]


def test_force_has_one_meaning_per_command_and_police_force_one_everywhere() -> None:
    """Walks every command: ``--force`` belongs to at most one option, which is
    ``--overwrite`` (a flag) or ``--police-force`` (a value), never a name of its
    own; ``--police-force`` always chooses a police force, ``--overwrite`` is a
    flag."""
    wrong: list[tuple[str, list[str], str]] = []
    forces = 0
    for path in TREE:
        options = _options(path)
        with_force = [p for p in options if "--force" in p.opts]
        forces += len(with_force)
        if len(with_force) > 1:
            wrong.append((path, [o for p in with_force for o in p.opts], "twice"))
        for p in options:
            first = next((o for o in p.opts if o.startswith("--")), "")
            if "--force" in p.opts and first not in ("--overwrite", "--police-force"):
                wrong.append((path, p.opts, "--force is its own option"))
            if "--police-force" in p.opts and (
                first != "--police-force"
                or p.is_flag
                or "--overwrite" in p.opts
                or not _SAYS_POLICE_FORCE.search(p.help or "")
            ):
                wrong.append((path, p.opts, "--police-force is not a police force"))
            if "--overwrite" in p.opts and (
                first != "--overwrite" or not p.is_flag or "--police-force" in p.opts
            ):
                wrong.append((path, p.opts, "--overwrite is not a flag"))
    assert wrong == []
    assert forces == len(POLICE_FORCE_COMMANDS) + len(OVERWRITE_COMMANDS)


def test_the_lists_here_are_every_command_with_either_option() -> None:
    """The commands tested below are all of them (a new one is added here)."""
    police = {
        path
        for path in TREE
        if any(
            "--police-force" in p.opts and "--force" in p.opts for p in _options(path)
        )
    }
    overwrite = {
        path
        for path in TREE
        if any("--overwrite" in p.opts and "--force" in p.opts for p in _options(path))
    }
    assert police == set(POLICE_FORCE_COMMANDS)
    assert overwrite == set(OVERWRITE_COMMANDS)


def test_help_names_neither_by_force() -> None:
    """``--help`` (and so docs/cli.md) shows only the new names."""
    shown = {}
    for path in TREE:
        result = CliRunner().invoke(
            app, [*path.split(), "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"}
        )
        assert result.exit_code == 0, result.output
        if re.search(r"--force\b", result.output):
            shown[path] = result.output
    assert shown == {}


@pytest.mark.parametrize(("path", "needed"), POLICE_FORCE_COMMANDS.items())
def test_police_force_and_its_old_name_choose_the_same_force(
    path: str, needed: list[str]
) -> None:
    new = _parsed(path, [*needed, "--police-force", "west-yorkshire"])
    old = _parsed(path, [*needed, "--force", "west-yorkshire"])
    assert new == old
    assert "west-yorkshire" in new.values()
    assert "west-yorkshire" not in _parsed(path, needed).values()


@pytest.mark.parametrize(("path", "needed"), OVERWRITE_COMMANDS.items())
def test_overwrite_and_its_old_name_both_replace_the_file(
    path: str, needed: list[str]
) -> None:
    new = _parsed(path, [*needed, "--overwrite"])
    old = _parsed(path, [*needed, "--force"])
    assert new == old
    assert new["overwrite"] is True
    assert _parsed(path, needed)["overwrite"] is False


def test_forecast_evaluate_keeps_its_police_force_apart_from_overwrite() -> None:
    """``forecast evaluate``'s ``--force`` replaced the ``--per-day`` file: it still
    does, and its force is ``--police-force`` alone."""
    parsed = _parsed("forecast evaluate", ["--force", "--police-force", "leeds"])
    assert (parsed["overwrite"], parsed["police_force"]) == (True, "leeds")
