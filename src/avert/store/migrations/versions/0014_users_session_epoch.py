"""web sessions can be ended on the server

Web sessions live in a signed cookie. Clearing it on sign-out did not end a copy of
it taken before (a stolen cookie stayed valid while used). Each account now has a
``session_epoch``: a session keeps the value it was signed in under, and sign-out
and a password reset raise it, which ends every earlier session of the account.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 03:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_epoch", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_epoch")
