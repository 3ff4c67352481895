"""covering indexes for the places forecast's read

The daily briefing's places forecast reads the located violence of the last 455
days: on a store of 1 M incidents about 415,000 rows of time, precision and
coordinates, each joined to its classification's ``in_definition``. Through the
former one-column ``occurred_from`` index and the classifications' primary key,
SQLite visited the wide incident row and the classification row of every one of
them (2.2 s of CPU on that store). The incidents' time index now also holds
``time_precision``, ``x``, ``y`` and ``incident_id`` (it still serves every range
read by time, so the old index goes), and classifications gain an index on
``incident_id, profile, in_definition``: the read touches the two indexes only
(0.9 s). One day's briefing on that store: 3.1 s wall before, 1.75 s after
(``benchmarks/briefing.py``).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 05:45:00
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_INCIDENTS_OLD = ("occurred_from",)
_INCIDENTS_NEW = ("occurred_from", "time_precision", "x", "y", "incident_id")
_CLASSIFICATIONS = ("incident_id", "profile", "in_definition")


def _index_name(table: str, columns: tuple[str, ...]) -> str:
    return op.f(f"ix_{table}_{'_'.join(columns)}")


def _create_index(table: str, columns: tuple[str, ...]) -> None:
    """The non-unique index ``ix_<table>_<columns>``."""
    op.create_index(_index_name(table, columns), table, list(columns), unique=False)


def _drop_index(table: str, columns: tuple[str, ...]) -> None:
    op.drop_index(_index_name(table, columns), table_name=table)


def upgrade() -> None:
    _create_index("incidents", _INCIDENTS_NEW)
    _drop_index("incidents", _INCIDENTS_OLD)
    _create_index("classifications", _CLASSIFICATIONS)


def downgrade() -> None:
    _drop_index("classifications", _CLASSIFICATIONS)
    _create_index("incidents", _INCIDENTS_OLD)
    _drop_index("incidents", _INCIDENTS_NEW)
