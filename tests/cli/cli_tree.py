"""The command tree of ``avert`` (every group and command path), for the CLI tests."""

from __future__ import annotations

import functools
from typing import Any

import typer.main

from avert.cli import app


@functools.cache
def _root() -> Any:
    """The Click command of ``avert``, built once per test process: Typer builds it
    from the type hints of every command (about 0.2 s of CPU a time, more than most
    tests that read it take), and the tree is the same every time. The tests read
    it and never change it."""
    return typer.main.get_command(app)


def command_tree() -> dict[str, Any]:
    """Every command path ("analyse volt", "db init", ...) and its Click command."""
    out: dict[str, Any] = {}

    def walk(cmd: Any, path: list[str]) -> None:
        if path:
            out[" ".join(path)] = cmd
        for name, sub in (getattr(cmd, "commands", {}) or {}).items():
            walk(sub, [*path, name])

    walk(_root(), [])
    return out
