"""The briefing never tells a user to run a command that does not exist (issue 12.9)."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from avert.cli import app

SRC = Path(__file__).resolve().parents[2] / "src" / "avert"
_NAMED = re.compile(r"avert ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)")


def _commands() -> set[str]:
    root = typer.main.get_command(app)
    out: set[str] = set()

    def walk(cmd: object, path: list[str]) -> None:
        if path:
            out.add(" ".join(path))
        subcommands: dict[str, object] = getattr(cmd, "commands", {}) or {}
        for name, sub in subcommands.items():
            walk(sub, [*path, name])

    walk(root, [])
    return out


def _mentions() -> list[tuple[str, str]]:
    files = [
        *(SRC / "briefing").glob("*.py"),
        SRC / "workflows" / "briefing.py",
        SRC / "access.py",
        *(SRC / "report" / "templates").glob("*.html"),
    ]
    found = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        for m in re.finditer(r"'(avert [^']+)'|`(avert [^`]+)`", text):
            named = _NAMED.match(m.group(1) or m.group(2))
            if named:
                found.append((path.name, named.group(1)))
    return found


def test_every_named_command_exists() -> None:
    commands = _commands()
    mentions = _mentions()
    assert mentions, "the briefing names at least 'avert classify'"
    groups = {c.split()[0] for c in commands if " " in c}
    for where, named in mentions:
        words = named.split()
        assert words[0] in commands, (where, named)
        if words[0] in groups:
            assert " ".join(words[:2]) in commands, (where, named)


def test_the_check_can_fail() -> None:
    assert "analyse networks" not in _commands()
    assert "analyse groups" in _commands()
