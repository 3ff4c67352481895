"""The store: canonical tables in SQLite (default) or PostgreSQL.

Nothing outside this package talks SQL. Frames move in and out as Arrow through ADBC
drivers; the schema is owned by Alembic migrations generated from
:mod:`avert.store.tables`.
"""

from avert.store.database import Store, normalise_url

__all__ = ["Store", "normalise_url"]
