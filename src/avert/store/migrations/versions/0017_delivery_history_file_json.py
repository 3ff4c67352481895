"""delivery history keeps the row as the plan file gave it (the next merge's base)

A plan import stores the file merged with the changes made in avert since the last
import (``after_json``). The next import's base must be what the file said, not that
merged row: with the merged row as base, a change avert kept looked like the file's
own value, and importing the same file again reverted it. ``file_json`` holds the
file's row on ``plan-file`` history rows; older rows keep null (``after_json`` is
their base, as before).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("delivery_history") as batch:
        batch.add_column(sa.Column("file_json", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("delivery_history") as batch:
        batch.drop_column("file_json")
