"""bundle rows keep the columns the format does not name

FORMATS.md: "Unknown extra columns are kept as-is and ignored by analyses." They
were dropped. Each table a bundle loads gains ``extra``: the row's other columns as
a JSON object of their text values.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03 03:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

#: the tables of a record bundle (FORMATS.md)
_TABLES = (
    "incidents",
    "people",
    "involvements",
    "relationships",
    "asb",
    "stops",
    "attendances",
    "intelligence",
    "groups",
    "group_members",
)


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("extra", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("extra")
