"""Workflows of administration: open the store, create and migrate it, say what it holds.

The command line (``avert db ...``, ``avert status``) and the web app's data page
reach the store through these functions, never through :mod:`avert.store` itself
(the thin-edge contract in ``pyproject.toml``). The quarantine, which holds raw
personal data and is audited, has its own module (:mod:`avert.workflows.quarantine`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from avert.config.settings import Settings
from avert.errors import ConfigError
from avert.files import looser_than_allowed
from avert.store import Store, audit
from avert.store.backup import SqliteBackup, backup_sqlite, check_backup
from avert.store.migrate import head_revision, refuse_unknown_revision
from avert.store.summary import status_summary

__all__ = [
    "Migration",
    "SqliteBackup",
    "Store",
    "backup_database",
    "classify_commands",
    "database_revision",
    "loose_files",
    "migrate_database",
    "open_store",
    "schema_refusal",
    "store_status",
]


def open_store(settings: Settings, *, check: bool = True) -> Store:
    """The store named by the ``database_url`` setting; checked to be at head.

    ``check=False`` opens a store that may not exist yet or be behind (for
    ``avert db init|upgrade|revision``); it still connects to a PostgreSQL server,
    so an unreachable one fails here with one clear line (a SQLite file that does
    not exist yet is not created here: :meth:`Store.upgrade` makes it private).
    """
    pool_size, max_overflow, pool_timeout_s = settings.pool_limits()
    store = Store(
        settings.database_url,
        lock_timeout_s=settings.lock_timeout(),
        timezone=settings.timezone,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout_s=pool_timeout_s,
    )
    if check:
        store.check()
    else:
        store.revision()
    return store


def schema_refusal(store: Store) -> str | None:
    """Why ``store`` cannot serve this avert, in one line, or None when it can.

    :meth:`Store.check`'s line ("The database is at schema revision '0035', this
    avert needs '0036'. Run 'avert db upgrade'.") when the store's revision is
    not this avert's newest. For the web app, whose store may be replaced while
    it runs (a backup made by an older avert restored under a running ``avert
    serve``): a page's query then failed on a table the store does not have yet,
    "Something went wrong" on the page and a traceback in the log. When the
    revision cannot be read (a server that cannot be reached), None: the
    caller's own error stands.
    """
    from avert.errors import StoreError

    try:
        if store.revision() == head_revision():
            return None
    except Exception:  # the revision unreadable: the caller's error stands
        return None
    try:
        store.check()
    except StoreError as err:
        return str(err)
    return None


@dataclass(frozen=True, slots=True)
class Migration:
    """What a migration did: the revision before and after, and where the data is."""

    before: str | None
    after: str | None
    location: str
    #: local database files readable beyond the ``file_mode`` setting
    loose: tuple[Path, ...]


def migrate_database(store: Store) -> Migration:
    """Create the database, or migrate it, to the newest revision (safe to repeat)."""
    before = store.revision()
    refuse_unknown_revision(before)  # a newer avert's store: Alembic's traceback
    store.upgrade()
    return Migration(
        before=before,
        after=store.revision(),
        location=store.url.shown,
        loose=tuple(loose_files(store)),
    )


def loose_files(store: Store) -> list[Path]:
    """The store's local files (SQLite) readable beyond the ``file_mode`` setting."""
    return looser_than_allowed(store.local_files())


def database_revision(store: Store) -> tuple[str | None, str | None]:
    """(the revision the database is at, the newest revision this avert knows)."""
    return store.revision(), head_revision()


def store_status(store: Store, *, settings: Settings | None = None) -> dict[str, Any]:
    """The stable ``avert status --json`` object (see :mod:`avert.store.summary`),
    with ``classifications``: per classified profile (one classified over a store
    of no incidents too: its run row), whether its classifications
    are current under the definition and harm table in force (``settings``; default
    the process's), :func:`avert.workflows.staleness.currency_of_profiles`, and
    ``unclassified``: the stored incidents it holds no classification of, and
    ``asb_unbridged``: the stored ASB reports its ASB bridge (seed paragraph 8,
    stored by the classify workflow) has not been applied to.

    Counts only: no person is shown, so nothing is written to the audit log.
    """
    from avert.store.classified import classification_runs
    from avert.store.summary import (
        asb_unbridged,
        classified_counts,
        classified_profiles,
    )
    from avert.workflows.staleness import currency_of_profiles

    summary = status_summary(store)
    classified = classified_profiles(store)
    # a profile classified over a store of no incidents (ASB reports alone) holds
    # its run row and ASB bridge, no classification: listed all the same
    ran = classification_runs(store)["profile"].to_list()
    profiles = classified + sorted(str(p) for p in ran if p not in classified)
    currency = currency_of_profiles(store, profiles, settings=settings)
    # a profile classified over the store holds a row per incident: fewer say
    # incidents came after its last classification (a --no-classify load, one
    # stopped before it classified, a backup made between a load's commit and
    # its classification's), which "current" alone hid
    counts = classified_counts(store)
    incidents = int(summary["tables"].get("incidents", 0))
    reports = int(summary["tables"].get("asb", 0))
    summary["classifications"] = {
        p: {
            **c.to_dict(),
            "unclassified": max(incidents - counts.get(p, 0), 0),
            "asb_unbridged": asb_unbridged(store, p) if reports else 0,
        }
        for p, c in currency.items()
    }
    return summary


def classify_commands(
    store: Store, profiles: list[str], *, settings: Settings | None = None
) -> dict[str, str]:
    """Per profile, the command that classifies the store under it: ``avert
    classify`` for the definition in force (setting ``definition``), which alone it
    classifies; ``avert classify --definition ID`` for another built-in one, or
    ``--definition FILE`` with the file it was last classified from (its
    ``classification_runs`` row) for one of a file of the user's own.

    ``avert status`` names it: "run 'avert classify'" on the line of a definition
    not in force left that one as it was (a --no-classify load's incidents
    unclassified under it after the advice was followed). The analyses' own advice,
    for a profile with nothing classified under it, is
    :func:`avert.workflows.analysis.classify_advice` (the same rule for a built-in).
    """
    from avert.config.definitions import PROFILES, profile_id
    from avert.config.settings import load_settings
    from avert.store.classified import classification_runs

    resolved = settings or load_settings()
    try:
        in_force: str | None = profile_id(resolved.definition)
    except ConfigError:  # a definition file that cannot be read: named by status
        in_force = None
    recorded = {
        str(row["profile"]): row["definition_file"]
        for row in classification_runs(store).iter_rows(named=True)
    }
    out: dict[str, str] = {}
    for profile in profiles:
        file = recorded.get(profile)
        if profile == in_force:
            out[profile] = "avert classify"
        elif profile in PROFILES or not file:
            out[profile] = f"avert classify --definition {profile}"
        else:
            out[profile] = f"avert classify --definition {file}"
    return out


def backup_database(
    settings: Settings, path: str | Path, *, user: str | None = None
) -> SqliteBackup:
    """Back up the SQLite database of ``settings`` to the new file ``path``, while
    avert may be running (:func:`avert.store.backup.backup_sqlite`); audited first,
    as every export (the copy holds every record), so the copy holds its own row.

    A PostgreSQL database is refused before any connection (``pg_dump``); so is a
    file that is not an avert database.
    """
    store = Store(settings.database_url, lock_timeout_s=settings.lock_timeout())
    target = Path(path)
    try:
        check_backup(store, target)
        if store.revision() is None:
            msg = f"{store.url.shown} is not an avert database: nothing backed up."
            raise ConfigError(msg)
        audit.record(
            store,
            action="export",
            obj=f"database:{target}",
            reason="database backup (avert db backup)",
            user=user,
            # where the copy of every record went, whatever folder it ran in
            detail=audit.describe(location=str(target.resolve())),
        )
        return backup_sqlite(store, target)
    finally:
        store.close()
