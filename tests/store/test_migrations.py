"""Migrations: upgrade from empty, no model drift, downgrade to nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adbc_driver_manager
import polars as pl
import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect as sa_inspect

from avert.errors import ConflictError, StoreError
from avert.store import Store, migrate
from avert.store.migrate import alembic_config, downgrade, head_revision
from avert.store.tables import metadata
from avert.store.users import put_token
from avert.workflows.load import load_files
from avert.workflows.users import add_user, issue_token
from ingest.helpers import STREET_HEADER, street_row, write


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def store_migrated_here(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Store]:
    """An empty database migrated to the head by this fixture, every migration run
    (the other fixtures' stores are copies of a template migrated once a session)."""
    if request.param == "postgresql":
        yield request.getfixturevalue("migrated_postgres_store")
        return
    store = Store(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert store.revision() is None
    store.upgrade()
    yield store
    store.close()


def test_upgrade_reaches_head_and_matches_models(store_migrated_here: Store) -> None:
    """From an empty database, the migrations reach the head and the schema they
    build is the models' (no drift)."""
    assert store_migrated_here.revision() == head_revision()
    with store_migrated_here.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_repeatable(sqlite_store: Store) -> None:
    sqlite_store.upgrade()
    assert sqlite_store.revision() == head_revision()


def test_head_revision_is_the_head_alembic_finds() -> None:
    """The head read from the scripts' revision lines is Alembic's own."""
    alembic_head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head_revision() == alembic_head


def test_check_refuses_a_store_one_revision_behind(any_store: Store) -> None:
    """A store at the revision before the head is refused, as Alembic would see
    it: the cheap check compares the same two revisions."""
    downgrade(any_store.engine, "-1")
    with any_store.engine.connect() as conn:
        before = MigrationContext.configure(conn).get_current_revision()
    assert before is not None
    assert before != head_revision()
    assert any_store.revision() == before
    with pytest.raises(StoreError, match=f"revision '{before}'.*avert db upgrade"):
        any_store.check()
    any_store.upgrade()
    any_store.check()


def test_check_refuses_two_recorded_revisions(sqlite_store: Store) -> None:
    """Two rows in alembic_version (Alembic refuses them too) are an error, not
    one of them taken at random."""
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO alembic_version VALUES ('0001')")
    with pytest.raises(StoreError, match="more than one schema revision"):
        sqlite_store.check()


def test_a_newer_averts_store_is_named_as_such(any_store: Store) -> None:
    """A store at a revision none of the scripts has (a newer avert's) was told to
    run 'avert db upgrade', which then failed with Alembic's "Can't locate
    revision" traceback: both say a newer avert made it."""
    from avert.workflows.admin import migrate_database

    with any_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    for step in (any_store.check, lambda: migrate_database(any_store)):
        with pytest.raises(StoreError, match=r"'9999'.*newer avert") as refused:
            step()
        assert "Run 'avert db upgrade'" not in str(refused.value)


def test_a_file_that_is_not_a_database_is_named_as_such(tmp_path: Path) -> None:
    """A --db naming some other file (a CSV, a bundle) raised the SQLite driver's
    traceback from the revision check; it is one line saying so."""
    other = tmp_path / "incidents.csv"
    other.write_text("incident_id,occurred_at\n1,2022-02-01\n" * 50)
    store = Store(str(other))
    try:
        with pytest.raises(
            StoreError, match=r"incidents\.csv is not a SQLite database"
        ):
            store.check()
    finally:
        store.close()


def test_head_revision_refuses_two_heads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scripts forking into two heads are an error (Alembic's MultipleHeads); a
    merge script, revising both, makes one head again."""
    versions = tmp_path / "versions"
    versions.mkdir()
    scripts = {"a": None, "b": "a", "c": "a"}
    for revision, down in scripts.items():
        (versions / f"{revision}.py").write_text(
            f"revision = {revision!r}\ndown_revision = {down!r}\n"
        )
    monkeypatch.setattr(migrate, "_MIGRATIONS", tmp_path)
    with pytest.raises(StoreError, match="more than one head: b, c"):
        head_revision()
    (versions / "d.py").write_text("revision: str = 'd'\ndown_revision = ('b', 'c')\n")
    (versions / "__init__.py").write_text("")
    assert head_revision() == "d"


def _head_in_a_new_process(migrations: Path) -> tuple[str, int]:
    """The head of the scripts in ``migrations``, found as a command finds it (a new
    process, bytecode writing allowed), and how many scripts it parsed."""
    probe = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from avert.store import migrate
        migrate._MIGRATIONS = Path({str(migrations)!r})
        parsed = []
        read = migrate._script_revisions
        migrate._script_revisions = lambda s: parsed.append(s) or read(s)
        print(migrate.head_revision(), len(parsed))
        """
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True,
        env=env,
    )  # fmt: skip
    head, parsed = done.stdout.split()
    return head, int(parsed)


def _write_scripts(versions: Path, scripts: dict[str, str | None]) -> None:
    for revision, down in scripts.items():
        (versions / f"{revision}.py").write_text(
            f'"""Migration {revision}."""\n\nrevision = {revision!r}\n'
            f"down_revision = {down!r}\n\n\ndef upgrade() -> None:\n    pass\n"
        )


def test_commands_parse_the_migrations_once_and_see_one_added_after(
    tmp_path: Path,
) -> None:
    """Each command parsed every migration script to find the head (15-45 ms of its
    start-up); the graph is kept beside their bytecode and read again while the
    scripts are unchanged, and a script added or edited after is seen."""
    versions = tmp_path / "versions"
    versions.mkdir()
    _write_scripts(versions, {"a": None, "b": "a"})
    assert _head_in_a_new_process(tmp_path) == ("b", 2)
    assert _head_in_a_new_process(tmp_path) == ("b", 0)  # from the kept graph
    _write_scripts(versions, {"c": "b"})
    assert _head_in_a_new_process(tmp_path) == ("c", 3)
    assert _head_in_a_new_process(tmp_path) == ("c", 0)
    # an edit in place (here: c revises a, so b and c are two heads) is seen too
    script = versions / "c.py"
    script.write_text(script.read_text().replace("= 'b'", "= 'a'"))
    with pytest.raises(subprocess.CalledProcessError, match="exit status 1") as failed:
        _head_in_a_new_process(tmp_path)
    assert "more than one head: b, c" in str(failed.value.stderr)


def test_a_process_sees_a_migration_added_after_its_graph_was_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within a process too (the web app, a command's further stores): the graph is
    parsed once while the scripts are unchanged, and again when one is added."""
    versions = tmp_path / "versions"
    versions.mkdir()
    _write_scripts(versions, {"a": None, "b": "a"})
    monkeypatch.setattr(sys, "dont_write_bytecode", True)  # no file: this process's
    parsed: list[Path] = []
    read = migrate._script_revisions
    monkeypatch.setattr(
        migrate, "_script_revisions", lambda s: parsed.append(s) or read(s)
    )
    assert migrate._cached_graph(tmp_path) == {"a": (), "b": ("a",)}
    assert migrate._cached_graph(tmp_path) == {"a": (), "b": ("a",)}
    assert len(parsed) == 2
    assert not (versions / "__pycache__").exists()
    _write_scripts(versions, {"c": "b"})
    assert migrate._cached_graph(tmp_path)["c"] == ("b",)
    assert len(parsed) == 5


@pytest.mark.parametrize("kept", ["process", "file"])
def test_a_script_rewritten_to_its_size_and_times_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: str
) -> None:
    """The graph was kept by each script's name, size and modification time: a
    script rewritten to the same size within one tick of the file system's clock,
    or copied over keeping its old times (``cp -p``, an unpacked archive), served
    the graph of before. It is kept by a digest of the scripts' contents now, in
    the process and in the file (``kept``: a new process reads only the file)."""
    versions = tmp_path / "versions"
    versions.mkdir()
    _write_scripts(versions, {"a": None, "b": "a", "c": "b"})
    monkeypatch.setattr(sys, "dont_write_bytecode", kept == "process")
    monkeypatch.setattr(migrate, "_GRAPHS", {})
    assert migrate._cached_graph(tmp_path)["c"] == ("b",)
    assert (versions / "__pycache__").exists() == (kept == "file")
    script = versions / "c.py"
    was = script.stat()
    script.write_text(script.read_text().replace("= 'b'", "= 'a'"))
    os.utime(script, ns=(was.st_atime_ns, was.st_mtime_ns))
    now = script.stat()
    assert (now.st_size, now.st_mtime_ns) == (was.st_size, was.st_mtime_ns)
    if kept == "file":
        monkeypatch.setattr(migrate, "_GRAPHS", {})  # a new process
    assert migrate._cached_graph(tmp_path)["c"] == ("a",)


def test_a_cache_file_nested_too_deep_is_parsed_again(tmp_path: Path) -> None:
    """The kept graph is read before every command: a file the JSON parser cannot
    descend (nested past Python's recursion limit) raised RecursionError in every
    command until removed; it is a cache like any unreadable one."""
    versions = tmp_path / "versions"
    versions.mkdir()
    _write_scripts(versions, {"a": None})
    cache = versions / "__pycache__" / migrate._GRAPH_CACHE
    cache.parent.mkdir()
    cache.write_text("[" * 100_000 + "]" * 100_000)
    assert migrate._stored_graph(cache, "") is None


def test_threads_writing_the_cache_at_once_write_files_of_their_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The web app's threads (requests, warm-up) share a process id: each writes
    the graph under a name of its own before renaming it into place, never both
    into one half-written file."""
    cache = tmp_path / "__pycache__" / migrate._GRAPH_CACHE
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    written: list[str] = []
    both = threading.Barrier(2, timeout=10)
    write = Path.write_text

    def at_once(path: Path, text: str, **kwargs: Any) -> int:
        written.append(path.name)
        both.wait()  # both threads have chosen their file
        return write(path, text, **kwargs)

    monkeypatch.setattr(Path, "write_text", at_once)
    writers = [
        threading.Thread(target=migrate._store_graph, args=(cache, "", {"a": ()}))
        for _ in range(2)
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(10)
    assert len(set(written)) == 2
    assert json.loads(cache.read_text())["graph"] == {"a": []}


def test_checking_a_sqlite_store_imports_no_alembic_nor_sqlalchemy(
    sqlite_store: Store,
) -> None:
    """Every command checks its store: the check reads two revisions and imports
    neither Alembic nor a migration script (0.2-0.5 s of every command), nor, on
    SQLite, SQLAlchemy (0.15-0.3 s: the row is read through ADBC)."""
    probe = textwrap.dedent(
        f"""
        import sys
        from avert.store import Store
        store = Store({str(sqlite_store.url.adbc)!r})
        store.check()
        store.close()
        print(sorted(m for m in sys.modules
                     if m.split(".")[0] in ("alembic", "sqlalchemy")
                     or "migrations" in m))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    assert done.stdout.strip() == "[]"


@pytest.mark.postgres
def test_checking_a_postgresql_store_imports_no_sqlalchemy(
    postgres_store: Store,
) -> None:
    """On PostgreSQL the revision was read through SQLAlchemy and psycopg (0.15-0.3
    s of imports and a connection of their own in every command); it is read on
    the store's ADBC connections, as its reads are."""
    probe = textwrap.dedent(
        f"""
        import sys
        from avert.store import Store
        store = Store({postgres_store.url.adbc!r})
        store.check()
        print(store.revision())
        store.close()
        print(sorted(m for m in sys.modules
                     if m.split(".")[0] in ("alembic", "sqlalchemy", "psycopg")
                     or "migrations" in m))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True
    )
    assert done.stdout.split("\n")[:2] == [head_revision(), "[]"]


@pytest.mark.postgres
def test_the_postgresql_revision_is_found_on_the_search_path_as_alembic_finds_it(
    postgres_store: Store,
) -> None:
    """Alembic finds ``alembic_version`` anywhere on the search path (SQLAlchemy's
    ``has_table``): with ``"$user", public`` and a schema named as the login,
    current_schema() is that schema while the table is in public. Looking only
    in current_schema() called a migrated database uninitialised, which every
    command refused while ``avert upgrade`` found nothing to do."""
    import adbc_driver_postgresql.dbapi as pg_dbapi

    with (
        pg_dbapi.connect(postgres_store.url.adbc, autocommit=True) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("CREATE SCHEMA first_on_path")
        cur.execute("SELECT quote_ident(current_database())")
        name = cur.fetchone()[0]  # type: ignore[index]
        cur.execute(f"ALTER DATABASE {name} SET search_path = first_on_path, public")
    store = Store(postgres_store.url.sqlalchemy)  # new sessions: the new path
    try:
        assert store.revision() == head_revision()
        store.check()
    finally:
        store.close()


def test_downgrade_to_base_drops_every_table(sqlite_store: Store) -> None:
    downgrade(sqlite_store.engine, "base")
    tables = sqlite_store._query(
        "SELECT name FROM sqlite_master WHERE type='table'",
        schema={"name": pl.String()},
    )
    assert set(tables["name"].to_list()) <= {"alembic_version"}


def test_0017_fills_the_borough_of_policeuk_rows_loaded_before(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Rows loaded before 0017 had no borough: a re-load adds nothing, so only the
    migration lets `brief --area Barnsley` find them."""
    path = write(
        tmp_path / "2018-07-west-yorkshire-street.csv",
        [STREET_HEADER, street_row("c" * 64), street_row("d" * 64)],
    )
    load_files(sqlite_store, [path])
    with sqlite_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET borough = NULL")
        conn.exec_driver_sql(
            "UPDATE incidents SET borough = 'Own', lsoa_name = 'Leeds 001A' "
            f"WHERE incident_id = '{'d' * 64}'"
        )
    downgrade(sqlite_store.engine, "0016")
    sqlite_store.upgrade()
    got = sqlite_store.read_frame("incidents").sort("incident_id")
    assert got["borough"].to_list() == ["Barnsley", "Own"]  # a stated borough is kept


def test_0025_keeps_the_tokens_issued_before_and_takes_one_per_form(
    any_store: Store,
) -> None:
    """A store with tokens issued before 0025 upgrades with each kept (no form
    nonce: null); then one token per form, any number from the CLI; the
    downgrade drops the column and keeps the tokens."""
    add_user(any_store, "officer", password="a long enough passphrase", role="officer")
    downgrade(any_store.engine, "0024")
    issued_at = dt.datetime(2026, 12, 5, 10, 0)
    stamp = issued_at.isoformat(sep="T" if any_store.dialect == "sqlite" else " ")
    with any_store.engine.begin() as conn:
        conn.exec_driver_sql(
            "INSERT INTO api_tokens (token_id, username, token_sha256, created_at) "
            f"VALUES ('0123456789ab', 'officer', 'digest', '{stamp}')"
        )
    any_store.upgrade()
    before = any_store.read_frame("api_tokens")
    assert before.select("token_id", "created_at", "issue_nonce_sha256").rows() == [
        ("0123456789ab", issued_at, None)
    ]
    issue_token(any_store, "officer", form_nonce="form-1")
    issue_token(any_store, "officer")
    issue_token(any_store, "officer")
    with pytest.raises(ConflictError, match="already issued from this form"):
        issue_token(any_store, "officer", form_nonce="form-1")
    # the database itself refuses a second row of one form, whatever writes it
    tokens = any_store.read_frame("api_tokens")
    one_form = tokens.filter(pl.col("issue_nonce_sha256").is_not_null()).row(
        0, named=True
    )
    with pytest.raises(adbc_driver_manager.DatabaseError, match="issue_nonce_sha256"):
        put_token(any_store, {**one_form, "token_id": "ba9876543210"})
    assert tokens.height == 4
    assert tokens["issue_nonce_sha256"].null_count() == 3
    downgrade(any_store.engine, "0024")
    with any_store.engine.connect() as conn:
        columns = {c["name"] for c in sa_inspect(conn).get_columns("api_tokens")}
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM api_tokens").scalar()
    assert "issue_nonce_sha256" not in columns
    assert count == 4
    any_store.upgrade()


def test_0029_gives_the_tokens_issued_before_an_expiry_90_days_on(
    any_store: Store,
) -> None:
    """A store holding tokens upgrades to 0029 with each given created_at + 90
    days (none lives for ever): one issued 91 days ago is refused at once, one
    issued 10 days ago works on; the downgrade drops the column, keeps the
    tokens."""
    from avert.workflows.users import user_for_token

    add_user(any_store, "officer", password="a long enough passphrase", role="officer")
    old = issue_token(any_store, "officer")
    recent = issue_token(any_store, "officer")
    downgrade(any_store.engine, "0028")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    sep = "T" if any_store.dialect == "sqlite" else " "
    with any_store.engine.begin() as conn:
        for token, age_days in ((old, 91), (recent, 10)):
            stamp = (now - dt.timedelta(days=age_days)).isoformat(sep=sep)
            conn.exec_driver_sql(
                f"UPDATE api_tokens SET created_at = '{stamp}' "
                f"WHERE token_id = '{token.split('_')[1]}'"
            )
    any_store.upgrade()
    tokens = any_store.read_frame("api_tokens")
    assert tokens["expires_at"].null_count() == 0
    assert (tokens["expires_at"] - tokens["created_at"] == dt.timedelta(days=90)).all()
    any_store.timezone = "UTC"  # ``now`` above is UTC's wall clock
    assert user_for_token(any_store, old) is None
    assert user_for_token(any_store, recent) is not None
    downgrade(any_store.engine, "0028")
    with any_store.engine.connect() as conn:
        columns = {c["name"] for c in sa_inspect(conn).get_columns("api_tokens")}
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM api_tokens").scalar()
    assert "expires_at" not in columns
    assert count == 2
    any_store.upgrade()


def test_0031_keeps_the_tokens_and_their_refusals_start_uncounted(
    any_store: Store,
) -> None:
    """A store holding tokens upgrades to 0031 with no refusal counted (the next
    refused use of each is audited); the downgrade drops the two columns and keeps
    the tokens."""
    from avert.workflows.users import user_for_token

    add_user(any_store, "officer", password="a long enough passphrase", role="officer")
    tokens = [issue_token(any_store, "officer") for _ in range(2)]
    downgrade(any_store.engine, "0030")
    with any_store.engine.begin() as conn:  # revoked at 0030: avert's code is newer
        conn.exec_driver_sql(
            "UPDATE api_tokens SET revoked_at = created_at "
            f"WHERE token_id = '{tokens[0].split('_')[1]}'"
        )
    any_store.upgrade()
    stored = any_store.read_frame("api_tokens")
    assert stored["refused_at"].null_count() == 2
    assert stored["refusals_unaudited"].null_count() == 2
    assert user_for_token(any_store, tokens[0]) is None
    assert user_for_token(any_store, tokens[1]) is not None
    refused = any_store.read_frame("audit").filter(pl.col("action") == "token-refused")
    assert refused.height == 1
    downgrade(any_store.engine, "0030")
    with any_store.engine.connect() as conn:
        columns = {c["name"] for c in sa_inspect(conn).get_columns("api_tokens")}
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM api_tokens").scalar()
    assert not {"refused_at", "refusals_unaudited"} & columns
    assert count == 2
    any_store.upgrade()


def test_0033_counts_no_wrong_secret_of_the_tokens_stored_before(
    any_store: Store,
) -> None:
    """A store holding tokens upgrades to 0033 with no wrong secret counted; the
    downgrade drops the column and keeps the tokens and their other counts."""
    add_user(any_store, "officer", password="a long enough passphrase", role="officer")
    issue_token(any_store, "officer")
    downgrade(any_store.engine, "0032")
    with any_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE api_tokens SET refusals_unaudited = 4")
    any_store.upgrade()
    stored = any_store.read_frame("api_tokens")
    assert stored["wrong_secrets_unaudited"].to_list() == [None]
    assert stored["refusals_unaudited"].to_list() == [4]
    downgrade(any_store.engine, "0032")
    with any_store.engine.connect() as conn:
        columns = {c["name"] for c in sa_inspect(conn).get_columns("api_tokens")}
        count = conn.exec_driver_sql("SELECT COUNT(*) FROM api_tokens").scalar()
    assert "wrong_secrets_unaudited" not in columns
    assert "refusals_unaudited" in columns
    assert count == 1
    any_store.upgrade()


def test_0017_fills_exactly_the_borough_a_load_gives(
    any_store: Store, tmp_path: Path
) -> None:
    """Whatever the LSOA name, the migration gives an older row the borough a load
    of the same row gives now: padded, oddly spaced or malformed names included."""
    names = [
        "Leeds 086A",
        "City of London 001F",
        "Ynys Môn 001A",
        "Leeds 086A ",
        " Leeds 086A",
        "Leeds  086A",
        "Leeds\t086A",
        "Leeds 086a",
        "Leeds abcd",
        "Leeds 0861",
        "Foo Barz",
        "Leeds",
        "",
    ]
    rows = [
        street_row(f"{i:064x}").replace("Barnsley 003A", f'"{name}"')
        for i, name in enumerate(names)
    ]
    load_files(
        any_store, [write(tmp_path / "2018-07-x-street.csv", [STREET_HEADER, *rows])]
    )
    loaded = any_store.read_frame("incidents").sort("incident_id")
    with any_store.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE incidents SET borough = NULL")
    downgrade(any_store.engine, "0016")
    any_store.upgrade()
    got = any_store.read_frame("incidents").sort("incident_id")
    assert got["borough"].to_list() == loaded["borough"].to_list()
    assert loaded["borough"].to_list()[:3] == ["Leeds", "City of London", "Ynys Môn"]


def test_0024_down_and_up_again_with_data(any_store: Store) -> None:
    """0024 -> 0023 -> 0024 on a store holding a person and a DASH assessment:
    the downgrade drops the assessments alone, the upgrade takes them again."""
    assessment = pl.DataFrame({"assessment_id": ["D-1"], "person_id": ["P-1"]})
    with any_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P-1"]}))
        tx.append("dash", assessment)
    downgrade(any_store.engine, "0023")
    with any_store.engine.connect() as conn:
        assert "dash" not in sa_inspect(conn).get_table_names()
    any_store.upgrade()
    assert any_store.count("dash") == 0
    assert any_store.read_frame("people")["person_id"].to_list() == ["P-1"]
    with any_store.transaction() as tx:
        tx.append("dash", assessment)
    assert any_store.read_frame("dash")["assessment_id"].to_list() == ["D-1"]


def test_0030_down_and_up_again_with_data(any_store: Store) -> None:
    """0030 -> 0029 -> 0030 on a store holding a DASH assessment dated alone: the
    downgrade drops ``dash.time_precision`` alone (the assessment stays), the
    upgrade gives it back empty (null: shown as stored), and a load takes it."""
    at = dt.datetime(2026, 10, 24)
    with any_store.transaction() as tx:
        tx.append(
            "dash",
            pl.DataFrame(
                {
                    "assessment_id": ["D-1"],
                    "person_id": ["P-1"],
                    "assessed_at": [at],
                    "time_precision": ["day"],
                }
            ),
        )
    downgrade(any_store.engine, "0029")
    with any_store.engine.connect() as conn:
        columns = {c["name"] for c in sa_inspect(conn).get_columns("dash")}
    assert "time_precision" not in columns
    assert "assessed_at" in columns
    any_store.upgrade()
    got = any_store.read_frame("dash")
    assert got["assessment_id"].to_list() == ["D-1"]
    assert got["assessed_at"].to_list() == [at]
    assert got["time_precision"].to_list() == [None]
    with any_store.transaction() as tx:
        tx.append(
            "dash",
            pl.DataFrame(
                {
                    "assessment_id": ["D-2"],
                    "person_id": ["P-1"],
                    "assessed_at": [at],
                    "time_precision": ["day"],
                }
            ),
        )
    got = any_store.read_frame("dash").sort("assessment_id")
    assert got["time_precision"].to_list() == [None, "day"]


def test_0034_fills_the_asb_precision_known_of_the_reports_loaded_before(
    any_store: Store,
) -> None:
    """0034 -> 0033 -> 0034 on a store holding ASB reports: the downgrade drops
    ``asb.time_precision`` alone; the upgrade fills it from what is known: a time
    other than 00:00 was given (``exact``), a data.police.uk row is a month, and
    one at 00:00 may be a date alone or midnight (null: read as stored)."""
    times = [
        dt.datetime(2026, 10, 3, 21),
        dt.datetime(2026, 10, 3),
        dt.datetime(2026, 10, 1),
        dt.datetime(2026, 10, 4, 0, 0, 0, 500_000),
    ]
    with any_store.transaction() as tx:
        tx.append(
            "asb",
            pl.DataFrame(
                {
                    "asb_id": ["A-1", "A-2", "A-3", "A-4"],
                    "source": ["bundle", "bundle", "policeuk", "bundle"],
                    "occurred_at": times,
                    "time_precision": ["exact", "day", "month", "exact"],
                }
            ),
        )
    downgrade(any_store.engine, "0033")
    with any_store.engine.connect() as conn:
        columns = {c["name"] for c in sa_inspect(conn).get_columns("asb")}
    assert "time_precision" not in columns
    any_store.upgrade()
    got = any_store.read_frame("asb").sort("asb_id")
    assert got["occurred_at"].to_list() == times
    assert got["time_precision"].to_list() == ["exact", None, "month", "exact"]


def test_0035_indexes_the_second_person_of_a_relationship(any_store: Store) -> None:
    """A person's kin are read on both sides of ``relationships``; the primary key
    serves ``person_a`` alone, so a read by ``person_b`` scanned the table. 0035
    adds ``ix_relationships_person_b``; down and up again keeps the rows."""

    def indexes() -> set[str]:
        with any_store.engine.connect() as conn:
            found = sa_inspect(conn).get_indexes("relationships")
        return {str(index["name"]) for index in found}

    assert "ix_relationships_person_b" in indexes()
    with any_store.transaction() as tx:
        tx.append(
            "relationships",
            pl.DataFrame(
                {"person_a": ["P-1"], "person_b": ["P-2"], "kind": ["sibling"]}
            ),
        )
    downgrade(any_store.engine, "0034")
    assert "ix_relationships_person_b" not in indexes()
    any_store.upgrade()
    assert "ix_relationships_person_b" in indexes()
    assert any_store.read_frame("relationships")["person_b"].to_list() == ["P-2"]


def test_0036_down_and_up_again_with_data(any_store: Store) -> None:
    """0036 -> 0035 -> 0036 on a store of ASB reports put through the ASB bridge:
    the downgrade drops the derived ``asb_escalations`` alone (the reports stay),
    the upgrade makes it again, empty, and 'avert classify' fills it again (the
    bridge is derived: nothing is lost)."""
    from avert.workflows.definitions import classify_store

    reports = pl.DataFrame(
        {
            "asb_id": ["a1", "a2", "a3"],
            "source": ["test"] * 3,
            "occurred_at": [dt.datetime(2019, 6, d, 12) for d in (1, 2, 3)],
            "caller_id": ["p1"] * 3,
            "vulnerable_caller": [False] * 3,
        }
    )
    with any_store.transaction() as tx:
        tx.append("asb", reports)
    classify_store(any_store, profile="avb-2010")
    escalates = any_store.read_frame("asb_escalations").sort("asb_id")["escalates"]
    assert escalates.to_list() == [False, False, True]
    downgrade(any_store.engine, "0035")
    with any_store.engine.connect() as conn:
        assert "asb_escalations" not in sa_inspect(conn).get_table_names()
    any_store.upgrade()
    assert any_store.count("asb_escalations") == 0
    assert any_store.count("asb") == 3
    classify_store(any_store, profile="avb-2010")
    again = any_store.read_frame("asb_escalations").sort("asb_id")["escalates"]
    assert again.to_list() == escalates.to_list()


def test_0037_fills_the_latest_search_time_of_each_load(any_store: Store) -> None:
    """0037 -> 0036 -> 0037 on a store of searches of two loads and two forces
    (and one of no force): the downgrade drops ``load_stop_spans`` (the searches
    stay), the upgrade fills it from the stored searches, per load and force
    ('' for none), the latest time of each."""
    at = dt.datetime(2019, 4, 2, 10)
    stops = pl.DataFrame(
        {
            "stop_id": ["s1", "s2", "s3", "s4"],
            "source": ["test"] * 4,
            "force": ["humberside", "humberside", "london", None],
            "occurred_at": [at, at + dt.timedelta(days=3), at, at],
            "load_id": ["first", "first", "first", "second"],
        }
    )
    with any_store.transaction() as tx:
        tx.append("stops", stops)
    downgrade(any_store.engine, "0036")
    with any_store.engine.connect() as conn:
        assert "load_stop_spans" not in sa_inspect(conn).get_table_names()
    any_store.upgrade()
    spans = any_store.read_frame("load_stop_spans").sort("load_id", "force")
    assert spans.rows() == [
        ("first", "humberside", at + dt.timedelta(days=3)),
        ("first", "london", at),
        ("second", "", at),
    ]
    assert any_store.count("stops") == 4


def test_0038_puts_the_force_in_the_places_index(any_store: Store) -> None:
    """The places read also reads ``source`` and ``force`` (whose events one patrol
    grid holds): 0038 adds them to the incidents' time index so the read still
    touches indexes only; 0038 -> 0037 -> 0038 keeps the rows and gives back the
    index of 0028, then this one."""
    before = [
        "occurred_from",
        "time_precision",
        "x",
        "y",
        "domestic",
        "incident_id",
    ]
    after = [*before[:-1], "source", "force", "incident_id"]

    def time_index() -> list[str]:
        with any_store.engine.connect() as conn:
            found = sa_inspect(conn).get_indexes("incidents")
        (index,) = [i for i in found if i["column_names"][0] == "occurred_from"]
        return [str(c) for c in index["column_names"]]

    assert time_index() == after
    with any_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["i1"],
                    "source": ["policeuk"],
                    "force": ["West Yorkshire Police"],
                    "occurred_from": [dt.datetime(2019, 4, 2, 10)],
                    "x": [430_000.0],
                    "y": [433_000.0],
                }
            ),
        )
    downgrade(any_store.engine, "0037")
    assert time_index() == before
    any_store.upgrade()
    assert time_index() == after
    assert any_store.read_frame("incidents")["force"].to_list() == [
        "West Yorkshire Police"
    ]
