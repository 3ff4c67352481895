"""SQLAlchemy Core tables generated from :mod:`avert.schema`.

One place maps Polars types to SQL types, so the database schema can never drift
from the canonical schemas; Alembic migrations are written from this metadata.
"""

from __future__ import annotations

from typing import Any, Final

import polars as pl
import sqlalchemy as sa

from avert.schema import TABLES, TableSpec

__all__ = ["data_generation", "metadata", "sql_type", "table_for"]

NAMING_CONVENTION: Final = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "pk": "pk_%(table_name)s",
}

metadata: Final = sa.MetaData(naming_convention=NAMING_CONVENTION)


def sql_type(dtype: pl.DataType) -> sa.types.TypeEngine[Any]:
    """Return the SQL column type for a Polars dtype."""
    if dtype == pl.String:
        return sa.Text()
    if dtype == pl.Boolean:
        return sa.Boolean(create_constraint=False)
    if dtype in (pl.Int64, pl.Int32):
        return sa.BigInteger() if dtype == pl.Int64 else sa.Integer()
    if dtype == pl.Float64:
        return sa.Float(precision=53)
    if dtype == pl.Date:
        return sa.Date()
    if isinstance(dtype, pl.Datetime):
        return sa.DateTime()
    msg = f"no SQL type for {dtype}"
    raise TypeError(msg)


def _build(spec: TableSpec) -> sa.Table:
    cols = [
        sa.Column(
            name,
            sql_type(dtype),
            primary_key=name in spec.primary_key,
            nullable=name not in spec.primary_key,
        )
        for name, dtype in spec.schema.items()
    ]
    uniques = [sa.UniqueConstraint(*u) for u in spec.unique]
    table = sa.Table(spec.name, metadata, *cols, *uniques)
    for index_cols in spec.indexes:
        sa.Index(None, *(table.c[c] for c in index_cols))
    return table


_BUILT: Final[dict[str, sa.Table]] = {
    name: _build(spec) for name, spec in TABLES.items()
}


def table_for(name: str) -> sa.Table:
    """Return the SQLAlchemy table of a canonical table name."""
    return _BUILT[name]


#: One row, one number: raised by every transaction that writes analysed data
#: (:meth:`avert.store.Store.transaction`), read by the web's caches
#: (:meth:`avert.store.Store.generation`). Not a canonical table: nothing loads,
#: exports or counts it.
data_generation: Final = sa.Table(
    "data_generation",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("generation", sa.BigInteger(), nullable=False),
)
