"""load_stop_spans: the latest search time each load stored, per force

A partner's fixed year is first over when the first load that brought a search of
the force after its 31 March was recorded (:mod:`avert.workflows.late_searches`),
read from the stored searches: deleting those searches (by hand, or police.uk
re-issuing the month without them) moved "first over" to a later load, and the
searches loaded between came into a year partners had read without them. This
table keeps, per load and force, the latest ``occurred_at`` of the searches the
load stored, so a year once over stays over. Filled here from the stored
searches (a search deleted before this revision is not known).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-06 21:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0037"
down_revision = "0036"
branch_labels = None
depends_on = None

_TABLE = "load_stop_spans"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("load_id", sa.Text(), nullable=False),
        sa.Column("force", sa.Text(), nullable=False),
        sa.Column("latest_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("load_id", "force", name=op.f(f"pk_{_TABLE}")),
    )
    op.execute(
        f'INSERT INTO "{_TABLE}" ("load_id", "force", "latest_at") '
        'SELECT "load_id", COALESCE("force", \'\'), MAX("occurred_at") '
        'FROM "stops" WHERE "load_id" IS NOT NULL AND "occurred_at" IS NOT NULL '
        'GROUP BY "load_id", COALESCE("force", \'\')'
    )


def downgrade() -> None:
    op.drop_table(_TABLE)
