"""The generated reference pages in docs/ match the code (datasette's habit)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from avert.docs_gen import PAGES
from avert.store.migrate import head_revision

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


def test_postgresql_page_shows_the_newest_revision() -> None:
    """docs/postgresql.md's 'avert db revision' example printed 0016 when avert
    shipped 0019: a reader setting up a server took the right output for a wrong
    one. The example names the newest migration."""
    page = (DOCS / "postgresql.md").read_text(encoding="utf-8")
    example = re.search(r"avert db revision\s+# database: (\d+)\s+newest: (\d+)", page)
    assert example is not None, "docs/postgresql.md: no 'avert db revision' example"
    assert example.groups() == (head_revision(), head_revision())


def test_the_bundle_contract_ships_as_written() -> None:
    """The code and docs cite ``FORMATS.md`` as the bundle contract, but it lived
    only beside the repository (``../shared``): a clone had no contract to read.
    docs/FORMATS.md is a copy, kept to the letter of the original where that is
    present."""
    shipped = DOCS / "FORMATS.md"
    assert shipped.read_text(encoding="utf-8").startswith("# avert record bundle")
    original = DOCS.parents[1] / "shared" / "FORMATS.md"
    if not original.exists():
        pytest.skip(f"{original} is absent here: the copy is not compared")
    assert shipped.read_text(encoding="utf-8") == original.read_text(encoding="utf-8")
