"""A consistent copy of a SQLite store while avert runs: SQLite's online backup.

Method: SQLite's online backup API (https://www.sqlite.org/backup.html), through
Python's :meth:`sqlite3.Connection.backup`, copying every page in one step. One step
reads the whole database inside one read transaction, so the copy is the database
as of one commit, whatever the web app or a load writes meanwhile; in WAL mode
(:meth:`avert.store.Store.upgrade` sets it) that read blocks no writer. A copy made
in several steps would restart whenever another process wrote between two of them,
and might never finish under a busy web app. Copying the file with ``cp`` is not a
backup: it misses what is still in the ``-wal`` file and can catch a page half
written.

PostgreSQL has its own tools (``pg_dump``, docs/postgresql.md "Backups"): refused.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from avert.errors import ConfigError
from avert.files import private_files, restrict
from avert.store.database import Store

__all__ = ["SqliteBackup", "backup_sqlite", "check_backup"]


@dataclass(frozen=True, slots=True)
class SqliteBackup:
    """A backup made: where, how big, and SQLite's own check of the copy."""

    path: Path
    size_bytes: int
    pages: int
    #: ``PRAGMA quick_check`` of the copy: ``"ok"`` or SQLite's first problems
    check: str


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

    The copy is made private (the ``file_mode`` setting) before a page is written,
    left in rollback-journal mode (one self-contained file) and checked with
    ``PRAGMA quick_check``; it is written under a temporary name beside ``path``
    and renamed to it when done, so a failed backup leaves no file at ``path``. Python's ``sqlite3`` and the store's ADBC driver are
    two SQLite libraries: one closing the file drops the other's locks in the same
    process, so the store's own connections are closed first, and the caller
    holds none open meanwhile (``avert db backup`` runs in a process of its own).

    Raises
    ------
    ConfigError
        As :func:`check_backup`.
    """
    check_backup(store, path)
    store.close()
    source = Path(store.url.adbc)
    # read-only: the backup cannot change the store, nor create it
    src = sqlite3.connect(
        f"{source.resolve().as_uri()}?mode=ro", uri=True, timeout=store.lock_timeout_s
    )
    # written beside PATH under another name, renamed when whole and checked:
    # a backup that fails (disk full, interrupted) leaves no file that looks whole
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    try:
        with private_files():
            dst = sqlite3.connect(partial)
            try:
                restrict(partial)
                src.backup(dst, pages=-1)  # every page in one step: one snapshot
                dst.execute("PRAGMA journal_mode=DELETE")
                pages = int(dst.execute("PRAGMA page_count").fetchone()[0])
                problems = [str(r[0]) for r in dst.execute("PRAGMA quick_check(5)")]
            finally:
                dst.close()
        partial.rename(path)
    finally:
        src.close()
        partial.unlink(missing_ok=True)
    return SqliteBackup(
        path=path,
        size_bytes=path.stat().st_size,
        pages=pages,
        check="; ".join(problems),
    )
