"""The command tree of ``avert`` (every group and command path), for the CLI tests."""

from __future__ import annotations

from typing import Any

import typer.main

from avert.cli import app


def command_tree() -> dict[str, Any]:
    """Every command path ("analyse volt", "db init", ...) and its Click command."""
    root = typer.main.get_command(app)
    out: dict[str, Any] = {}

    def walk(cmd: Any, path: list[str]) -> None:
        if path:
            out[" ".join(path)] = cmd
        for name, sub in (getattr(cmd, "commands", {}) or {}).items():
            walk(sub, [*path, name])

    walk(root, [])
    return out
