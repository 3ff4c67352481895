"""actions and taskings say who wrote which words of their free text

A partner who typed a stored id or name in an action's evidence or RAG reason, or
a tasking's result, read it back as its pseudonym, and so learnt that the police
hold that record. ``authors`` (JSON, null: every word the police's) holds, per
field, the digest of the text and the character spans each partner organisation
wrote; that organisation reads its own words as written.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 22:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

_TABLES = ("actions", "taskings")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("authors", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("authors")
