"""classification_runs: what produced each profile's stored classifications

An edit of a definition file (same ``[profile] id``) or a switch of the harm table
left the stored classifications as they were until ``avert classify`` ran again, and
every analysis read them without a word. ``avert classify`` and ``avert ingest`` now
store, per profile and with its classifications, the SHA-256 of the definition's and
the harm table's canonical content and when they classified; the analyses compare
them with the definition and harm table in force and say when they differ. Stores
classified before have no row: nothing is said until they are classified again.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None

_TABLE = "classification_runs"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("classified_at", sa.DateTime(), nullable=True),
        sa.Column("definition_sha256", sa.Text(), nullable=True),
        sa.Column("definition_file", sa.Text(), nullable=True),
        sa.Column("harm_sha256", sa.Text(), nullable=True),
        sa.Column("harm_file", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("profile", name=op.f(f"pk_{_TABLE}")),
    )


def downgrade() -> None:
    op.drop_table(_TABLE)
