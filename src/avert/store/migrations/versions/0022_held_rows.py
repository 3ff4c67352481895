"""held_rows: the rows a police.uk month's file holds that another month's file stored

police.uk moves a crime from one month's street file to another's (its Crime ID
kept). A month loaded without ``--replace-month`` keeps the stored row, so the
crime stayed stored from the month it left, and a later replace of that month,
whose revised file no longer holds it, deleted it: the crime was lost though the
other month's file holds it. ``held_rows`` records, per file named for a
force-month, each stop or street-crime row it holds that is stored from a file of
another force-month, with the row as that file gives it; a replace that would
delete such a row stores it in the holding file's month instead.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_TABLE = "held_rows"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("row_key", sa.Text(), nullable=False),
        sa.Column("target_table", sa.Text(), nullable=False),
        sa.Column("load_id", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_line", sa.BigInteger(), nullable=True),
        sa.Column("row", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint(
            "row_key",
            "target_table",
            "load_id",
            "source_file",
            name=op.f(f"pk_{_TABLE}"),
        ),
    )


def downgrade() -> None:
    op.drop_table(_TABLE)
