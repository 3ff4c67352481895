"""``avert db init|upgrade|revision``: create and migrate the database schema."""

from __future__ import annotations

import typer

from avert.cli._common import console, err_console, get_store
from avert.files import looser_than_allowed
from avert.store import Store

__all__ = ["register"]

db_app = typer.Typer(
    help="Create or migrate the database schema.", no_args_is_help=True
)


@db_app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the database (SQLite file or PostgreSQL schema) at the newest revision."""
    store = get_store(ctx, check=False)
    store.upgrade()
    console.print(f"Database ready at revision {store.revision()}: {store.url.adbc}")
    _warn_loose(store)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate an existing database to the newest revision (safe to repeat)."""
    store = get_store(ctx, check=False)
    before = store.revision()
    store.upgrade()
    console.print(f"Database at revision {store.revision()} (was {before}).")
    _warn_loose(store)


def _warn_loose(store: Store) -> None:
    """Warn when an existing SQLite file is readable beyond the file_mode setting."""
    for path in looser_than_allowed(store.local_files()):
        err_console.print(
            f"[yellow]warning:[/] {path} holds personal data and is readable beyond "
            f"file_mode (AVERT_FILE_MODE): run 'chmod 600 {path}' (docs/audit.md)"
        )


@db_app.command("revision")
def revision(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the newest one avert knows."""
    from avert.store.migrate import head_revision

    store = get_store(ctx, check=False)
    console.print(f"database: {store.revision()}  newest: {head_revision()}")


def register(app: typer.Typer) -> None:
    """Add the ``db`` group to the root app."""
    app.add_typer(db_app, name="db")
