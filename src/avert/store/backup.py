"""A consistent copy of a SQLite store while avert runs: ``VACUUM INTO``.

Method: SQLite's ``VACUUM INTO`` (https://www.sqlite.org/lang_vacuum.html#vacuuminto,
SQLite 3.27 or newer), run on a connection of the store's own driver (ADBC's
SQLite). It reads the whole database inside one read transaction, so the copy is
the database as of one commit, whatever the web app or a load writes meanwhile; in
WAL mode (:meth:`avert.store.Store.upgrade` sets it) that read blocks no writer.
The copy is written afresh (no free pages) in rollback-journal mode: one
self-contained file. Copying the file with ``cp`` is not a backup: it misses what is
still in the ``-wal`` file and can catch a page half written.

Why not SQLite's online backup API through Python's ``sqlite3``: that is a second
SQLite library in the process beside the store's, and SQLite's POSIX advisory locks
belong to the process, so one library closing the file drops the other's locks on
it (https://www.sqlite.org/howtocorrupt.html, 2.2). It was safe only with every other
connection of the process to the file closed, which a caller in the web app could
not promise; ``VACUUM INTO`` through the store's driver asks nothing of the caller.

PostgreSQL has its own tools (``pg_dump``, docs/postgresql.md "Backups"): refused.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from avert.errors import ConfigError, StoreError
from avert.files import private_files, restrict
from avert.store.database import Store, _adbc_connect, normalise_url

__all__ = ["SqliteBackup", "backup_sqlite", "check_backup"]


@dataclass(frozen=True, slots=True)
class SqliteBackup:
    """A backup made (and passed SQLite's ``PRAGMA quick_check``): where, how big."""

    path: Path
    size_bytes: int
    pages: int


def check_backup(store: Store, path: Path) -> None:
    """Refuse a backup that cannot be made, before anything is read or written.

    Raises
    ------
    ConfigError
        For a PostgreSQL store (use ``pg_dump``), a missing source file, a ``path``
        that exists already (never overwritten) or whose folder does not exist.
    """
    if store.dialect != "sqlite":
        msg = (
            "avert db backup copies a SQLite file; for PostgreSQL use pg_dump "
            "(docs/postgresql.md, 'Backups')."
        )
        raise ConfigError(msg)
    source = Path(store.url.adbc)
    if not source.is_file():
        msg = f"No SQLite database at {source} to back up."
        raise ConfigError(msg)
    if path.exists():
        msg = f"{path} exists: a backup never overwrites a file; name a new one."
        raise ConfigError(msg)
    if not path.parent.is_dir():
        msg = f"No folder {path.parent} for the backup."
        raise ConfigError(msg)


def backup_sqlite(store: Store, path: Path) -> SqliteBackup:
    """Copy the SQLite ``store`` to a new file ``path``, consistent while it is used.

    The copy is made with ``VACUUM INTO`` on a connection of the store's own
    driver (module docstring) into an empty file made private (the ``file_mode``
    setting) before a page is written; it is written under a temporary name beside
    ``path``, checked with ``PRAGMA quick_check``, flushed to disk and renamed to
    ``path`` when whole and checked, so a failed backup (a copy that fails the
    check included) leaves no file at ``path``. A busy store (a load holding it
    in rollback-journal mode) is waited for up to the lock timeout, then refused
    with a :class:`~avert.errors.StoreError`.

    Raises
    ------
    ConfigError
        As :func:`check_backup`.
    StoreError
        When the copy fails SQLite's check (its first problems said).
    """
    check_backup(store, path)
    # written beside PATH under another name, renamed when whole and checked:
    # a backup that fails (disk full, interrupted) leaves no file that looks whole
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with private_files():
            partial.touch(exist_ok=False)  # VACUUM INTO writes into an empty file
        restrict(partial)
        with store._lock_errors("Could not back up the database"):
            conn = _adbc_connect(
                store.url, lock_timeout_s=store.lock_timeout_s, autocommit=True
            )
            try:
                with conn.cursor() as cur:
                    cur.execute("VACUUM INTO ?", (str(partial),))
            finally:
                conn.close()
        pages, problems = _check_copy(partial, store.lock_timeout_s)
        if problems != ["ok"]:
            msg = (
                f"No backup written: the copy of {store.url.adbc} fails SQLite's "
                f"check ({'; '.join(problems)}); check the database itself with "
                "'PRAGMA integrity_check'."
            )
            raise StoreError(msg)
        _flush(partial)
        partial.rename(path)
        _flush(path.parent)
    finally:
        partial.unlink(missing_ok=True)
    return SqliteBackup(path=path, size_bytes=path.stat().st_size, pages=pages)


def _check_copy(copy: Path, lock_timeout_s: float) -> tuple[int, list[str]]:
    """The page count of ``copy`` and its ``PRAGMA quick_check`` (first 5 lines),
    read with the store's driver; the copy is left in rollback-journal mode."""
    conn = _adbc_connect(
        normalise_url(str(copy)), lock_timeout_s=lock_timeout_s, autocommit=True
    )
    try:
        with conn.cursor() as cur:
            cur.execute("PRAGMA journal_mode = DELETE")
            cur.fetchall()
            cur.execute("PRAGMA page_count")
            pages = int(cur.fetchone()[0])
            cur.execute("PRAGMA quick_check(5)")
            problems = [str(row[0]) for row in cur.fetchall()]
    finally:
        conn.close()
    return pages, problems


def _flush(path: Path) -> None:
    """``fsync`` a file or folder: the copy (and its new name) is on disk when the
    command says it is done, not only in the page cache."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
