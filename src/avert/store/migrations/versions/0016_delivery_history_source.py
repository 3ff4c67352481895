"""delivery history says what made each change, and what a plan file said

A plan import merges the file with the changes made in avert since the last import
(three-way, as version control does). Its base is the row as the last import's file
gave it, not the merged row stored (with that as base, importing the same file again
would revert a change the previous import kept). ``source`` is ``plan-file`` or
``app`` (older rows: null, unknown); ``file_json`` the file's row on ``plan-file``
rows (null otherwise).

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
        batch.add_column(sa.Column("file_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_history") as batch:
        batch.drop_column("file_json")
        batch.drop_column("source")
