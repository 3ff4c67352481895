"""Run Alembic migrations from the installed package (no alembic.ini needed).

Every command checks that its store is at the newest revision before it reads
(:meth:`avert.store.Store.check`). That check reads the revision lines of the
migration scripts and the stored ``alembic_version`` row, without importing
Alembic or any migration script: importing Alembic and loading every script
through its ``ScriptDirectory`` cost 0.2-0.5 s of every command's start-up.
Alembic itself is imported only to migrate. The row is read through the store's
own connections (ADBC), so a command that only reads imports no SQLAlchemy either
(0.15-0.3 s), opens a SQLite file with one SQLite library only and a PostgreSQL
database with one driver. The scripts' revisions are parsed once and kept while
the scripts are unchanged (:func:`_cached_graph`).
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import json
import os
import re
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    import sqlalchemy as sa
    from alembic.config import Config

    from avert.store.database import Store

__all__ = [
    "alembic_config",
    "downgrade",
    "head_revision",
    "postgresql_revision",
    "refuse_unknown_revision",
    "upgrade",
]

_MIGRATIONS = Path(__file__).with_name("migrations")
#: the table where Alembic keeps the revision a database is at (env.py names no
#: other table or schema)
_VERSION_TABLE = "alembic_version"
#: the first 16 bytes of every SQLite database file
_SQLITE_HEADER = b"SQLite format 3\x00"
#: the file keeping the revision graph between processes (:func:`_cached_graph`)
_GRAPH_CACHE = "avert-revisions.json"
#: migrations folder -> (its scripts' digest, their revision graph), this process's
_GRAPHS: dict[Path, tuple[str, dict[str, tuple[str, ...]]]] = {}


def alembic_config(engine: sa.Engine | None = None) -> Config:
    """An Alembic config pointing at avert's migrations (and ``engine`` when given)."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``."""
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Migrate the database behind ``engine`` down to ``revision`` (``base``: empty)."""
    from alembic import command

    command.downgrade(alembic_config(engine), revision)


def postgresql_revision(store: Store) -> str | None:
    """The revision stored in a PostgreSQL store's ``alembic_version`` table (None
    when the table is missing: a database never initialised), read as Alembic's
    ``MigrationContext.get_current_revision`` reads it (a table, view or foreign
    table on the connection's search path, outside ``pg_catalog``, as SQLAlchemy's
    ``has_table`` finds it: not only in its current schema, the first on the path
    that exists; more than one row is an error), without importing Alembic.

    Read on the store's own ADBC connections, which its reads use next: through
    SQLAlchemy and psycopg (until 2026-12) a command that only reads paid their
    imports (0.15-0.3 s) and a connection of their own. Usually a command's first
    contact with the database: a server that cannot be reached (or refuses the
    login) raises :class:`StoreError` with one clear line naming it.
    """
    from avert.errors import StoreUnavailable

    try:
        found = store._query(
            "SELECT CAST(COUNT(*) AS BIGINT) AS n FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace s ON s.oid = c.relnamespace"
            " WHERE pg_catalog.pg_table_is_visible(c.oid)"
            " AND s.nspname <> 'pg_catalog' AND c.relname = ?"
            " AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
            [_VERSION_TABLE],
            schema={"n": pl.Int64()},
        )
    except StoreUnavailable as err:
        from avert.errors import StoreError

        raise StoreError(
            _unreachable_message(store.url.shown, err.__cause__ or err)
        ) from None
    if found["n"][0] == 0:
        return None
    rows = store._query(
        f'SELECT version_num FROM "{_VERSION_TABLE}"',
        schema={"version_num": pl.String()},
    )
    return _one_revision(rows["version_num"].to_list())


def sqlite_revision(store: Store) -> str | None:
    """:func:`postgresql_revision` of a SQLite store, read through its own (ADBC)
    connections: whether ``alembic_version`` exists, then its rows. A file that is
    not a SQLite database (its first bytes are not SQLite's header) is a
    :class:`StoreError` that says so, not the driver's traceback.

    The header is read only when the driver has failed: opening and closing the
    file outside SQLite drops every SQLite lock this process holds on it (POSIX
    locks belong to the process; sqlite.org/howtocorrupt.html 2.2), so another
    process could take a live WAL database out of WAL mode under a connection
    still open here (``avert db backup`` checks the revision in a process that may
    have the store open)."""
    try:
        tables = store._query(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
            [_VERSION_TABLE],
            schema={"name": pl.String()},
        )
    except Exception:
        _refuse_other_file(Path(store.url.adbc))
        raise
    if tables.height == 0:
        return None
    rows = store._query(
        f'SELECT version_num FROM "{_VERSION_TABLE}"',
        schema={"version_num": pl.String()},
    )
    return _one_revision(rows["version_num"].to_list())


def _refuse_other_file(path: Path) -> None:
    """Raise :class:`StoreError` when ``path`` holds something other than a SQLite
    database (an empty file is one: SQLite makes it a database)."""
    with path.open("rb") as file:
        header = file.read(len(_SQLITE_HEADER))
    if header and header != _SQLITE_HEADER:
        from avert.errors import StoreError

        msg = (
            f"{path} is not a SQLite database. Pass --db (or AVERT_DATABASE_URL) "
            "the store's file or a PostgreSQL URL; 'avert db init' makes a new one."
        )
        raise StoreError(msg)


def _one_revision(revisions: list[str]) -> str | None:
    """The one revision recorded (None for none); more than one is an error, as it
    is for Alembic (avert's migrations have one line of revisions)."""
    if len(revisions) > 1:
        from avert.errors import StoreError

        listed = ", ".join(sorted(revisions))
        msg = (
            f"The database records more than one schema revision ({listed}) "
            "in alembic_version; avert's migrations have one line of revisions."
        )
        raise StoreError(msg)
    return revisions[0] if revisions else None


def _unreachable_message(url: str, err: BaseException) -> str:
    """One line: the database at ``url`` (as shown: password hidden) cannot be
    reached, and why (the first line of the driver's ``err``, without ADBC's
    ``IO: [libpq]`` prefix)."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    reason = (lines[0] if lines else type(err).__name__).rstrip(".")
    reason = re.sub(r"^\w+: \[libpq\] ", "", reason)
    return (
        f"Cannot connect to the database {url}: {reason}. Check that the server "
        "is running and the URL (AVERT_DATABASE_URL or --db; docs/postgresql.md)."
    )


def head_revision() -> str | None:
    """The newest revision shipped with this avert (None when there is none).

    The revision no other script revises, from the ``revision`` and
    ``down_revision`` assignments of the scripts in ``migrations/versions``, read
    as Python syntax (:mod:`ast`) and not run: the head Alembic's
    ``ScriptDirectory.get_current_head`` gives, without importing Alembic and
    every script (tests/store/test_migrations.py holds the two equal). More than
    one head is an error, as it is for Alembic.
    """
    revises = _revision_graph()
    revised = {down for downs in revises.values() for down in downs}
    heads = sorted(set(revises) - revised)
    if len(heads) > 1:
        from avert.errors import StoreError

        msg = f"avert's migrations have more than one head: {', '.join(heads)}"
        raise StoreError(msg)
    return heads[0] if heads else None


def refuse_unknown_revision(revision: str | None) -> None:
    """Raise :class:`StoreError` when a store's ``revision`` is none of the scripts
    shipped with this avert: a newer avert made or upgraded it, and neither this
    avert's commands nor its migrations can read it (Alembic's "Can't locate
    revision" traceback)."""
    if revision is None or revision in _revision_graph():
        return
    from avert.errors import StoreError

    msg = (
        f"The database is at schema revision {revision!r}, which this avert "
        f"(schema {head_revision()!r}) does not know: a newer avert made or upgraded "
        "it. Use that avert, or upgrade avert; 'avert db upgrade' cannot take a "
        "store back."
    )
    raise StoreError(msg)


def _revision_graph() -> dict[str, tuple[str, ...]]:
    """Each script's revision and the revisions it revises (its ``down_revision``),
    of the scripts in ``_MIGRATIONS`` as they are now (:func:`_cached_graph`)."""
    return _cached_graph(_MIGRATIONS)


def _cached_graph(folder: Path) -> dict[str, tuple[str, ...]]:
    """The revision graph of the scripts in ``folder/versions``, parsed only when
    they changed.

    Parsing the scripts (:func:`_script_revisions`) cost 15-45 ms of every
    command's start-up, and again at each further store a command opened; what a
    parse depends on is stamped by a digest of the scripts' names and contents
    (:func:`_scripts_digest`). The graph is kept for the process (one graph per
    folder, the newest digest's), and between processes in
    ``versions/__pycache__/avert-revisions.json`` beside the scripts' bytecode:
    read when its digest is the scripts' digest now, so a script added, removed
    or edited is parsed, never missed. A stamp of each script's size and
    modification time (as Python stamps bytecode) missed a script rewritten to
    the same size within one tick of the file system's clock, or copied with its
    old times kept (``cp -p``, ``rsync -t``, an unpacked archive). Like bytecode,
    the file is not written when the folder is not writable or the process was
    told to write no bytecode (``PYTHONDONTWRITEBYTECODE``, ``python -B``); the
    graph is then parsed once per process.
    """
    scripts = sorted((folder / "versions").glob("*.py"))
    stamp = _scripts_digest(scripts)
    kept = _GRAPHS.get(folder)
    if kept is not None and kept[0] == stamp:
        return dict(kept[1])
    cache = folder / "versions" / "__pycache__" / _GRAPH_CACHE
    graph = _stored_graph(cache, stamp)
    if graph is None:
        graph = _read_graph(scripts)
        _store_graph(cache, stamp, graph)
    _GRAPHS[folder] = (stamp, graph)
    return dict(graph)


def _scripts_digest(scripts: list[Path]) -> str:
    """SHA-256 of each script's name and bytes, in order: the scripts' stamp.

    Reading the scripts (some 70 KB) costs about a millisecond more than stating
    them did, a fortieth of the parse it spares (benchmarks/migration_graph.py)."""
    digest = hashlib.sha256()
    for script in scripts:
        data = script.read_bytes()
        name = script.name.encode("utf-8", "surrogateescape")
        for part in (name, data):
            digest.update(len(part).to_bytes(8, "big"))
            digest.update(part)
    return digest.hexdigest()


def _read_graph(scripts: list[Path]) -> dict[str, tuple[str, ...]]:
    """Each script's revision and the revisions it revises, parsed."""
    revises: dict[str, tuple[str, ...]] = {}
    for script in scripts:
        found = _script_revisions(script)
        if found is not None:
            revision, down = found
            revises[revision] = down
    return revises


def _stored_graph(cache: Path, stamp: str) -> dict[str, tuple[str, ...]] | None:
    """The graph kept in ``cache`` when it was made from scripts with ``stamp``;
    None when it is missing, unreadable (nested too deep for the parser too) or
    of other scripts."""
    try:
        kept = json.loads(cache.read_bytes())
        if kept["stamp"] != stamp:
            return None
        return {
            str(rev): tuple(str(d) for d in downs)
            for rev, downs in kept["graph"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return None


def _store_graph(cache: Path, stamp: str, graph: dict[str, tuple[str, ...]]) -> None:
    """Keep ``graph`` in ``cache`` (written whole under a name of this process and
    thread, then renamed into place, so a reader never sees half a file), when
    bytecode may be written there."""
    if sys.dont_write_bytecode:
        return
    text = json.dumps({"stamp": stamp, "graph": graph}, sort_keys=True)
    # the thread too: the web app's request and warm-up threads share a pid
    partial = cache.with_name(f"{cache.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        cache.parent.mkdir(exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        partial.replace(cache)
    except OSError:  # a folder this user may not write: parsed again next time
        with contextlib.suppress(OSError):
            partial.unlink()


def _script_revisions(script: Path) -> tuple[str, tuple[str, ...]] | None:
    """A migration script's ``revision`` and the revisions it revises (its
    ``down_revision``: none, one, or several for a merge); None for a file that
    assigns no ``revision`` (not a migration)."""
    values = {
        name: ast.literal_eval(value)
        for name, value in _assignments(ast.parse(script.read_bytes()))
        if name in ("revision", "down_revision")
    }
    revision = values.get("revision")
    if not isinstance(revision, str):
        return None
    down = values.get("down_revision")
    if down is None:
        return revision, ()
    if isinstance(down, str):
        return revision, (down,)
    if isinstance(down, tuple | list):
        return revision, tuple(str(d) for d in down)
    msg = f"{script.name}: down_revision is neither a revision nor a tuple of them"
    raise ValueError(msg)


def _assignments(module: ast.Module) -> list[tuple[str, ast.expr]]:
    """The module-level ``name = value`` (and ``name: type = value``) of ``module``."""
    found: list[tuple[str, ast.expr]] = []
    for node in module.body:
        if isinstance(node, ast.Assign):
            found.extend(
                (target.id, node.value)
                for target in node.targets
                if isinstance(target, ast.Name)
            )
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and node.value is not None
        ):
            found.append((node.target.id, node.value))
    return found
