"""delivery history says what made each change: a plan file or the app

A plan import merges the file with the changes made in avert since the last import
(three-way, as version control does): it needs to know which stored version a plan
file wrote. ``source`` is ``plan-file`` or ``app``; older rows keep null (unknown).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 05:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_history") as batch:
        batch.add_column(sa.Column("source", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_history") as batch:
        batch.drop_column("source")
