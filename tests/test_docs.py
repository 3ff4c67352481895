"""The generated reference pages in docs/ match the code (datasette's habit)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
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


def test_postgresql_page_has_no_role_created_by_the_owner() -> None:
    """docs/postgresql.md's "Harden it" said to run ``CREATE ROLE avert_app ...``
    as the owner ``avert``, which PostgreSQL refuses ("permission denied to create
    role": the owner of step 1 has no CREATEROLE). Every SQL block that creates a
    role is one a superuser runs; the blocks the owner runs only grant."""
    page = (DOCS / "postgresql.md").read_text(encoding="utf-8")
    blocks = list(re.finditer(r"```sql\n(.*?)```", page, flags=re.S))
    assert blocks, "docs/postgresql.md: no SQL block"
    for block in blocks:
        if "CREATE ROLE" not in block[1]:
            continue
        said = page[max(0, block.start() - 400) : block.start()]
        lead = said.rstrip().rsplit("\n\n", 1)[-1]
        assert "superuser" in lead, f"CREATE ROLE not said to be a superuser's: {lead}"
        assert "as the owner" not in lead, lead


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


_WIDTH_PROBE = """
import functools, json, typer.main, typer.testing
# the command tree built once, not at each of the page's ~60 invokes (as the test
# session does: tests/conftest.py's _cli_built_once); Typer's width is not in it
typer.testing._get_command = functools.cache(typer.main.get_command)
from avert.cli import app
from avert.docs_gen import cli_reference
cli_reference()
from typer import rich_utils
option = "--no-such-option-" + "x" * 120
done = typer.testing.CliRunner().invoke(app, [option], env={"COLUMNS": "300"})
line = next(l for l in done.output.splitlines() if "No such option" in l)
print(json.dumps({"max_width": rich_utils.MAX_WIDTH, "whole": option in line}))
"""


def test_writing_the_cli_page_leaves_typers_width_as_it_was() -> None:
    """Rendering the CLI page under ``TERMINAL_WIDTH=88`` fixed Typer's width at 88
    for the rest of the process when it was the first to load Typer's rich help
    (a test session running tests/test_docs.py first): every later ``COLUMNS`` of a
    test was ignored, so ~10 CLI test files passed or failed by test order. In a
    fresh interpreter (Typer's rich help not yet loaded), a usage error after the
    page is as wide as its ``COLUMNS`` asks."""
    env = {
        k: v for k, v in os.environ.items() if k not in ("COLUMNS", "TERMINAL_WIDTH")
    }
    out = subprocess.run(
        [sys.executable, "-c", _WIDTH_PROBE],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {
        "max_width": None,
        "whole": True,
    }
