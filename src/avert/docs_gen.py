"""Write the generated reference pages in ``docs/``: the CLI and the settings.

Run ``python -m avert.docs_gen`` (or ``make docs``); ``tests/test_docs.py`` fails when a
committed page differs from what this module writes, so the docs cannot go stale.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from typer.testing import CliRunner

from avert.config.settings import SETTINGS

__all__ = ["cli_reference", "settings_reference", "write_all"]

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_WIDTH_COLUMNS = 88


@contextmanager
def _help_width(columns: int) -> Iterator[None]:
    """Typer's help and error boxes ``columns`` wide inside the block only.

    Typer reads ``TERMINAL_WIDTH`` once, when ``typer.rich_utils`` is first imported,
    into ``MAX_WIDTH``: rendering the pages under ``TERMINAL_WIDTH=88`` fixed every
    later box of the process at 88 columns (a test's ``COLUMNS`` was then ignored,
    or not, by test order). This sets ``MAX_WIDTH`` for the block and puts the
    value it found back after it.
    """
    from typer import rich_utils

    before = rich_utils.MAX_WIDTH
    rich_utils.MAX_WIDTH = columns
    try:
        yield
    finally:
        rich_utils.MAX_WIDTH = before


def _walk(
    app: typer.Typer, command: object, path: list[str]
) -> list[tuple[list[str], str]]:
    runner = CliRunner(env={"COLUMNS": str(_WIDTH_COLUMNS), "NO_COLOR": "1"})
    with _help_width(_WIDTH_COLUMNS):
        result = runner.invoke(app, [*path[1:], "--help"], prog_name="avert")
    text = "\n".join(
        line.rstrip() for line in _ANSI.sub("", result.output).splitlines()
    )
    pages = [(path, text.strip("\n"))]
    subcommands: dict[str, object] = getattr(command, "commands", {}) or {}
    for name in sorted(subcommands):
        sub = subcommands[name]
        if not getattr(sub, "hidden", False):
            pages.extend(_walk(app, sub, [*path, name]))
    return pages


def cli_reference() -> str:
    """The CLI reference page: every command's ``--help``, in order."""
    from avert.cli import app

    command = typer.main.get_command(app)
    lines = [
        "# CLI reference",
        "",
        "Generated from `avert --help` by `python -m avert.docs_gen`; do not edit by hand.",
        "Conventions shared by every command (time windows, flags, tables, exit codes):",
        "`docs/command-line.md`.",
        "",
    ]
    for path, text in _walk(app, command, ["avert"]):
        lines += [f"## `{' '.join(path)}`", "", "```text", text.rstrip(), "```", ""]
    return "\n".join(lines)


def settings_reference() -> str:
    """The settings page, from :data:`avert.config.settings.SETTINGS`."""
    lines = [
        "# Settings",
        "",
        "Generated from `avert.config.settings.SETTINGS`; do not edit by hand.",
        "Each setting is read from its environment variable; command-line options win.",
        "",
        "| setting | environment variable | default | meaning |",
        "|---|---|---|---|",
    ]
    for name, default, env, help_text in SETTINGS:
        lines.append(f"| `{name}` | `{env}` | `{default}` | {help_text} |")
    return "\n".join(lines) + "\n"


def definitions_reference() -> str:
    """Every offence code per category with its harm weight and source (from TOML)."""
    from avert.config.definition_docs import render_docs

    return render_docs()


PAGES = {
    "cli.md": cli_reference,
    "settings.md": settings_reference,
    "definitions.md": definitions_reference,
}


def write_all(docs: Path) -> list[Path]:
    """Write every generated page into ``docs``; return the paths written."""
    written = []
    for name, make in PAGES.items():
        path = docs / name
        path.write_text(make(), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    for path in write_all(target):
        sys.stdout.write(f"wrote {path}\n")
