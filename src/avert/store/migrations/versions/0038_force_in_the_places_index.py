"""the force and source in the index that covers the places forecast's read

The briefing's places section and the web Places page name the forces (or, for
records naming none, the sources) whose events one patrol grid holds, and plan
no grid over forces far apart (docs/places.md, "Several forces"): the places read
(located violence of the last 455 days) now also reads ``source`` and ``force``.
The incidents' time index of 0013 and 0028 gains them, so that the read still
touches the indexes only. Its name is made by the store's naming convention on
each database (PostgreSQL's 63-character limit shortens it there with a hash), as
the tables' own declaration makes it.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07 05:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

_OLD = ("occurred_from", "time_precision", "x", "y", "domestic", "incident_id")
_NEW = (
    "occurred_from",
    "time_precision",
    "x",
    "y",
    "domestic",
    "source",
    "force",
    "incident_id",
)


def _index(columns: tuple[str, ...]) -> sa.Index:
    """The non-unique index of ``incidents`` on ``columns``, named by the store's
    convention (``ix_<table>_<columns>``, shortened by the dialect when too long)."""
    metadata = sa.MetaData(
        naming_convention={"ix": "ix_%(table_name)s_%(column_0_N_name)s"}
    )
    table = sa.Table("incidents", metadata, *(sa.Column(c) for c in columns))
    return sa.Index(None, *(table.c[c] for c in columns))


def upgrade() -> None:
    bind = op.get_bind()
    _index(_NEW).create(bind)
    _index(_OLD).drop(bind)


def downgrade() -> None:
    bind = op.get_bind()
    _index(_OLD).create(bind)
    _index(_NEW).drop(bind)
