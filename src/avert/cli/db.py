"""``avert db init|upgrade|revision|backup|resolve-pseudonyms``: create, migrate
and back up the database, and convert the pseudonyms partners typed before a
save resolved them."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
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


@db_app.command("resolve-pseudonyms")
def resolve_pseudonyms(
    ctx: typer.Context,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Change no record (the lookup of pseudonyms may be filled, "
            "as a save asking would): list each text that would change, with "
            "how many pseudonyms of which kind.",
        ),
    ] = False,
) -> None:
    """Resolve the pseudonyms partners typed into texts before a save resolved them.

    In taskings' results, actions' evidence and RAG reasons, each pseudonym
    a partner organisation typed, copied from its briefing, is
    put back as the stored id it stands for, as a partner's save now does:
    the police read the id, the writer its pseudonym. What a save leaves as
    typed stays (a near miss, another key's, an id partners read as written,
    an id of two records). The key is the setting pseudonym_key (under
    pseudonym_scope organisation, in each organisation's words also its own
    key, never another's); refused under pseudonym_rotation. Each changed record gets a new version, its change
    history and an audit row; safe to repeat (docs/briefing.md, "Partner
    audience"). Texts still writing a pseudonym in words no partner is
    recorded as writing are counted and left as written.
    """
    import sys

    from avert.workflows.delivery import resolve_typed_pseudonyms

    with _batch_bar(show=sys.stdout.isatty() and not dry_run) as progress:
        done = resolve_typed_pseudonyms(
            get_store(ctx), get_settings(ctx), dry_run=dry_run, progress=progress
        )
    for change in done.changes:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(change.kinds.items()))
        count = sum(change.kinds.values())
        console.print(
            f"{change.entity} {change.entity_id} {change.field}: "
            f"{count} pseudonym{'s' if count != 1 else ''} ({kinds})",
            markup=False,
            soft_wrap=True,
        )
    verb = "would resolve" if done.dry_run else "resolved"
    console.print(
        f"{verb} {done.pseudonyms} typed pseudonym"
        f"{'s' if done.pseudonyms != 1 else ''} in {len(done.changes)} of "
        f"{done.texts_read} texts with a partner's words ({done.rows_changed} records)"
        + (" (dry run: no record changed)" if done.dry_run else "")
        + ".",
        soft_wrap=True,
    )
    if done.unattributed:
        console.print(
            f"{done.unattributed} text{'s' if done.unattributed != 1 else ''} "
            f"still write{'s' if done.unattributed == 1 else ''} a pseudonym of a stored record in words no partner is "
            "recorded as writing (the police's, or a partner's saved before "
            "writers were kept): left as written, as who typed it is not known.",
            soft_wrap=True,
        )


@contextmanager
def _batch_bar(*, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar of the records stored; ``None`` without a terminal."""
    if not show:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("storing"),
        BarColumn(),
        MofNCompleteColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("storing", total=None)

        def step(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield step


def register(app: typer.Typer) -> None:
    """Add the ``db`` group to the root app."""
    app.add_typer(db_app, name="db")
