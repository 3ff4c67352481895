"""The product speaks to its users: no notes about how it was built ("issue 5", "the lead")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTE = re.compile(
    r"\bissues? #?\d|\bthe lead(?:'s)? (?:engineer|issue|re-chains)",
    re.IGNORECASE,
)
PRODUCT = ("src/avert", "docs")
SUFFIXES = {".py", ".toml", ".md", ".html", ".txt", ".yaml", ".j2", ".css", ".js"}


def _files() -> list[Path]:
    product = (p for top in PRODUCT for p in (ROOT / top).rglob("*") if p.is_file())
    return [*sorted(p for p in product if p.suffix in SUFFIXES), ROOT / "README.md"]


@pytest.mark.parametrize("text", ["as in issue 5", "(the lead re-chains at merge)"])
def test_the_pattern_finds_notes(text: str) -> None:
    assert NOTE.search(text)


def test_no_process_notes_in_the_product() -> None:
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in _files()
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if NOTE.search(line)
    ]
    assert not found, "\n".join(found)
