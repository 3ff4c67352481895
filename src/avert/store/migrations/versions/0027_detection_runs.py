"""detection_runs: one row per group detection run

``avert ingest`` detects the groups again when the stored detected groups are older
than the latest load that added rows, or missing (a load killed before it stored
them). A store whose people form no group stores none, so every re-ingest that added
nothing detected them again (2.6 s on SQLite, 8.9 s on PostgreSQL at 1 M incidents).
Each detection now records its run (when, on which profile, how many groups and
members, the stored incidents, involvements and loads it read) with the groups, in
one transaction; ingest reads the time of the latest run. Stores detected before
have no row: the next ingest detects once more.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 07:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_TABLE = "detection_runs"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("run_id", sa.Text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.Column("as_of", sa.DateTime(), nullable=True),
        sa.Column("groups", sa.BigInteger(), nullable=True),
        sa.Column("members", sa.BigInteger(), nullable=True),
        sa.Column("incidents", sa.BigInteger(), nullable=True),
        sa.Column("involvements", sa.BigInteger(), nullable=True),
        sa.Column("loads", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("run_id", name=op.f(f"pk_{_TABLE}")),
    )


def downgrade() -> None:
    op.drop_table(_TABLE)
