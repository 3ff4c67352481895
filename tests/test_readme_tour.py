"""The README's "Five-minute tour", run from the README text itself.

The ``sh`` block under "## Five-minute tour" in README.md is parsed here and every
``avert`` command in it runs through the CLI, in order, in a fresh folder: so the
README and this test cannot drift apart. Two variants:

- the small tour (fast suite): the real-data folder (``tests/data/...``, run from the
  repository's root, or ``../shared/...``) becomes two
  small police.uk files from tests/data (1,222 rows: more than one batch of the
  SQLite driver's type inference, which is what broke the tour in issue 12.1), the
  synthetic city is made smaller, and the PDF is skipped;
- the full tour (``shared``, ``slow``): the README verbatim (``tests/data/...``
  resolved from the repository's root), on ../shared/data where it names it
  (skipped, with the reason printed, when that folder is absent).

Both run on SQLite and (marker ``postgres``) on PostgreSQL, where the database comes
from ``AVERT_DATABASE_URL`` so the commands stay exactly as written.
"""

from __future__ import annotations

import re
import secrets
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
TEST_DATA = REPO / "tests" / "data"
SHARED_DATA = REPO.parent / "shared" / "data"
SHARED_PREFIX = "../shared/data/"
#: the README's tour runs from the repository's root: its shipped test data
REPO_DATA_PREFIX = "tests/data/"


def tour_commands(readme: Path = README) -> list[list[str]]:
    """The argument lists of the ``avert`` commands of the README's tour, in order."""
    text = readme.read_text(encoding="utf-8")
    section = text.split("## Five-minute tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, flags=re.DOTALL)
    assert block is not None, "README.md: no sh block under 'Five-minute tour'"
    commands = []
    for line in block.group(1).splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] == "avert":
            commands.append(words[1:])
        elif words and words[0] == "export":  # export NAME=VALUE: ["export", N, V]
            name, _, value = words[1].partition("=")
            commands.append(["export", name, value])
    return commands


def test_the_tour_has_its_commands() -> None:
    commands = tour_commands()
    firsts = [c[0] for c in commands]
    assert firsts[0] == "db"
    for needed in ("ingest", "classify", "analyse", "brief", "synth", "status"):
        assert needed in firsts
    # real police.uk data a fresh clone has (tests/data), or ../shared's
    assert any(
        word.startswith((REPO_DATA_PREFIX, SHARED_PREFIX))
        for c in commands
        for word in c
    )


def _small(command: list[str], small_data: Path) -> list[str]:
    """The command on small data: test files for ../shared, a smaller city, no PDF."""
    out = [
        str(small_data) if w.startswith((SHARED_PREFIX, REPO_DATA_PREFIX)) else w
        for w in command
    ]
    if out[0] == "export":
        return out
    if out[0] == "synth":
        for flag, value in (("--people", "3000"), ("--days", "120")):
            out[out.index(flag) + 1] = value
    if out[0] == "brief":
        out.append("--no-pdf")
    return out


def _run_tour(
    commands: list[list[str]], folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(folder)
    runner = CliRunner()
    for args in commands:
        if args[0] == "export":
            # a value made by a command (e.g. a fresh secret) is made here alike
            value = secrets.token_urlsafe(32) if "$(" in args[2] else args[2]
            monkeypatch.setenv(args[1], value)
            continue
        result = runner.invoke(app, args)
        assert result.exit_code == 0, (
            f"README tour: 'avert {shlex.join(args)}' failed:\n{result.output}\n"
            f"{result.exception!r}"
        )
    assert (folder / "briefing" / "briefing.html").exists()
    assert (folder / "briefing-partner" / "briefing.json").exists()


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    """Two police.uk street files (1,222 rows) in place of ../shared/data/..."""
    folder = tmp_path / "small-policeuk"
    folder.mkdir()
    for month in ("2019-06", "2018-07"):
        for f in (TEST_DATA / "policeuk" / month).glob("*-street.csv"):
            shutil.copy(f, folder / f.name)
    return folder


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def tour_db(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> str | None:
    """None: the README's default SQLite file; else a PostgreSQL URL set in the env."""
    if request.param == "sqlite":
        monkeypatch.delenv("AVERT_DATABASE_URL", raising=False)
        return None
    store: Store = request.getfixturevalue("postgres_store")
    monkeypatch.setenv("AVERT_DATABASE_URL", store.url.sqlalchemy)
    return store.url.sqlalchemy


def test_small_readme_tour(
    tour_db: str | None,
    small_data: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    work = tmp_path / "tour"
    work.mkdir()
    commands = [_small(c, small_data) for c in tour_commands()]
    _run_tour(commands, work, monkeypatch)
    if tour_db is None:  # the README's default database, in the working folder
        assert (work / "avert.db").exists()


@pytest.mark.shared
@pytest.mark.slow
def test_full_readme_tour_on_shared_data(
    tour_db: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    commands = tour_commands()
    used = {w for c in commands for w in c if w.startswith(SHARED_PREFIX)}
    missing = [w for w in used if not (SHARED_DATA / w[len(SHARED_PREFIX) :]).exists()]
    if missing:
        reason = (
            f"../shared/data is absent here ({', '.join(missing)}): README tour skipped"
        )
        print(reason)
        pytest.skip(reason)
    work = tmp_path / "tour"
    work.mkdir()
    resolved = [
        [
            str(SHARED_DATA / w[len(SHARED_PREFIX) :])
            if w in used
            else str(REPO / w)
            if w.startswith(REPO_DATA_PREFIX)
            else w
            for w in c
        ]
        for c in commands
    ]
    _run_tour(resolved, work, monkeypatch)
