"""The generated reference pages in docs/ match the code (datasette's habit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from avert.docs_gen import PAGES

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("name", sorted(PAGES))
def test_generated_page_is_current(name: str) -> None:
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == PAGES[name](), (
        f"docs/{name} is stale: run 'python -m avert.docs_gen' (or 'make docs')"
    )


def test_readme_starts_with_the_two_commands() -> None:
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    head = readme[:1500]
    assert "make demo" in head
    assert "make test" in head
