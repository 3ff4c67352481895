"""Run Alembic migrations from the installed package (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

__all__ = [
    "alembic_config",
    "current_revision",
    "downgrade",
    "head_revision",
    "upgrade",
]

_MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(engine: sa.Engine | None = None) -> Config:
    """An Alembic config pointing at avert's migrations (and ``engine`` when given)."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    if engine is not None:
        config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Migrate the database behind ``engine`` to ``revision``."""
    command.upgrade(alembic_config(engine), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Migrate the database behind ``engine`` down to ``revision`` (``base``: empty)."""
    command.downgrade(alembic_config(engine), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The revision stored in the database's ``alembic_version`` table.

    Usually a command's first contact with the database: a server that cannot be
    reached (or refuses the login) raises :class:`StoreError` with one clear line.
    """
    try:
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except (sa.exc.OperationalError, sa.exc.InterfaceError) as err:
        from avert.errors import StoreError
        from avert.store.database import shown_url

        orig = err.orig if err.orig is not None else err
        lines = [line.strip() for line in str(orig).splitlines() if line.strip()]
        reason = (lines[0] if lines else type(orig).__name__).rstrip(".")
        url = shown_url(engine.url)
        msg = (
            f"Cannot connect to the database {url}: {reason}. Check that the server "
            "is running and the URL (AVERT_DATABASE_URL or --db; docs/postgresql.md)."
        )
        raise StoreError(msg) from None


def head_revision() -> str | None:
    """The newest revision shipped with this avert."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()
