"""``avert db init|upgrade|revision|backup``: create, migrate and back up the database."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from avert.cli._common import console, err_console, get_settings, get_store, styled

__all__ = ["register"]

db_app = typer.Typer(
    help="Create, migrate or back up the database.", no_args_is_help=True
)


@db_app.command("init")
def init(ctx: typer.Context) -> None:
    """Create the database (SQLite file or PostgreSQL schema) at the newest revision."""
    from avert.workflows.admin import migrate_database

    done = migrate_database(get_store(ctx, check=False))
    # one line whatever the width: a wrapped URL cannot be copied
    console.print(
        f"Database ready at revision {done.after}: {done.location}", soft_wrap=True
    )
    _warn_loose(done.loose)


@db_app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Migrate an existing database to the newest revision (safe to repeat)."""
    from avert.workflows.admin import migrate_database

    done = migrate_database(get_store(ctx, check=False))
    console.print(f"Database at revision {done.after} (was {done.before}).")
    _warn_loose(done.loose)


def _warn_loose(loose: Sequence[Path]) -> None:
    """Warn when an existing SQLite file is readable beyond the file_mode setting."""
    for path in loose:
        err_console.print(
            styled(
                ("warning:", "yellow"),
                f" {path} holds personal data and is readable beyond "
                f"file_mode (AVERT_FILE_MODE): run 'chmod 600 {path}' (docs/audit.md)",
            )
        )


@db_app.command("revision")
def revision(ctx: typer.Context) -> None:
    """Print the schema revision of the database and the newest one avert knows."""
    from avert.workflows.admin import database_revision

    current, newest = database_revision(get_store(ctx, check=False))
    console.print(f"database: {current}  newest: {newest}")


@db_app.command("backup")
def backup(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="The new backup file (never overwritten).")
    ],
) -> None:
    """Back up a SQLite database to PATH, consistent while avert runs.

    SQLite's VACUUM INTO, in one read transaction; audited; the copy is private
    and checked. PostgreSQL: use pg_dump. Restoring: docs/audit.md.
    """
    from avert.workflows.admin import backup_database

    done = backup_database(get_settings(ctx), path)
    console.print(
        f"Backed up to {done.path} ({done.size_bytes:,} bytes, checked).",
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add the ``db`` group to the root app."""
    app.add_typer(db_app, name="db")
