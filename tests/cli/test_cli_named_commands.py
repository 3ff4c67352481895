"""Every ``avert ...`` command named in the docs, the README and the page templates
exists (issue 12.8): the words after ``avert`` resolve in the Typer command tree.

A mention is ``avert`` at the start of a shell line or after a shell separator in a
fenced code block, at the start of a Markdown code span, or at the start of a
``<code>`` element or a quoted string in a template. ``docs/cli.md`` is generated from
the command tree itself and is left out.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.cli_tree import command_tree

REPO = Path(__file__).resolve().parents[2]

_WORDS = r"avert((?: [a-z][a-z0-9-]*){0,2})"
_SHELL = re.compile(r"(?:^|[|;&(]|\$ )\s*" + _WORDS + r"(?![\w.-])", re.M)
_SPAN = re.compile(r"`" + _WORDS + r"(?![\w.-])[^`\n]*`")
_HTML = re.compile(r"(?:<code>|<kbd>|'|\")" + _WORDS + r"(?![\w.-])")
_FENCE = re.compile(r"```[^\n]*\n(.*?)```", re.S)


def sources() -> list[Path]:
    """The files whose command mentions are checked."""
    docs = [p for p in sorted((REPO / "docs").glob("*.md")) if p.name != "cli.md"]
    templates = sorted((REPO / "src" / "avert").glob("*/templates/*.html"))
    return [REPO / "README.md", *docs, *templates]


def mentions(text: str, *, markdown: bool) -> list[str]:
    """The ``avert`` command words mentioned in ``text`` ("analyse volt", "status")."""
    found: list[str] = []
    if markdown:
        for block in _FENCE.finditer(text):
            found += [m.group(1) for m in _SHELL.finditer(block.group(1))]
        found += [m.group(1) for m in _SPAN.finditer(_FENCE.sub("", text))]
    else:
        found += [m.group(1) for m in _HTML.finditer(text)]
    return [words.strip() for words in found]


def unknown(named: list[str], commands: set[str]) -> list[str]:
    """The mentions that do not resolve to a command (or a group and its command)."""
    groups = {c.split()[0] for c in commands if " " in c}
    bad = []
    for words in named:
        parts = words.split()
        if not parts:
            continue
        if parts[0] not in commands or (
            parts[0] in groups
            and len(parts) > 1
            and " ".join(parts[:2]) not in commands
        ):
            bad.append(words)
    return bad


def test_sources_name_commands() -> None:
    named = [
        w
        for p in sources()
        for w in mentions(p.read_text(encoding="utf-8"), markdown=p.suffix == ".md")
    ]
    assert len(named) > 50
    assert {"db init", "status", "classify"} <= {" ".join(w.split()[:2]) for w in named}


@pytest.mark.parametrize("path", sources(), ids=lambda p: p.name)
def test_every_named_command_exists(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    named = mentions(text, markdown=path.suffix == ".md")
    assert unknown(named, set(command_tree())) == [], path.relative_to(REPO)


def test_the_check_finds_a_missing_command() -> None:
    text = (
        "Run `avert analyse networks --json`, then:\n\n```sh\n"
        "avert db init && avert ingest everything data/\n$ avert statuz\n```\n"
        "An avert record bundle is prose, `avert status` is fine.\n"
    )
    named = mentions(text, markdown=True)
    assert unknown(named, set(command_tree())) == [
        "ingest everything",
        "statuz",
        "analyse networks",
    ]
    html = "<p>See <code>avert quarantine lists</code> and 'avert brief'.</p>"
    assert unknown(mentions(html, markdown=False), set(command_tree())) == [
        "quarantine lists"
    ]
