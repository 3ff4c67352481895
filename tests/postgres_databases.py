"""PostgreSQL databases made for the tests on a test server, and their URLs."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from avert.store import Store


@contextlib.contextmanager
def postgres_database(
    server_url: str, name: str, template: str | None = None
) -> Iterator[str]:
    """Create the database ``name`` (empty, or a copy of ``template``: ``CREATE
    DATABASE ... TEMPLATE``, a file copy on the server) on the server, yield its URL,
    drop it (and end its connections) afterwards."""
    import sqlalchemy as sa

    admin = Store(server_url)
    engine = sa.create_engine(admin.url.sqlalchemy, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"{copy}')
        yield with_database(server_url, name)
    finally:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        engine.dispose()
        admin.close()


def with_database(url: str, name: str) -> str:
    """Replace the database name of a postgresql:// URL (keeps ?host=... sockets)."""
    head, _, query = url.partition("?")
    base = head.rsplit("/", 1)[0]
    return f"{base}/{name}" + (f"?{query}" if query else "")
