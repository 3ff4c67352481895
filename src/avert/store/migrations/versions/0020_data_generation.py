"""data_generation: one number every change to the analysed data raises

The web app keeps slow results (a briefing, the board's statistics, the *Groups*
page's analysis) for a while, keyed with the number of rows in ``loads``: a load
that only replaced rows (police.uk ``--replace-month``, a revision), a
re-classification or a population load changed what the pages show without a new
``loads`` row, and the pages stayed stale for up to ten minutes. ``data_generation``
holds one row, one number, raised in the same transaction as every write to the
analysed data (:meth:`avert.store.Store.transaction`); every worker reads it with
one query and keys its results with it.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_generation",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("generation", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_generation")),
    )
    op.bulk_insert(table, [{"id": 1, "generation": 0}])


def downgrade() -> None:
    op.drop_table("data_generation")
