"""asb_escalations: the ASB bridge of a definition applied by 'avert classify'

The seed counts escalating anti-social behaviour within violence (paragraph 8); the
bridge (:func:`avert.classify.asb_escalation`) was a library function that no
command applied. ``avert classify`` (and the classification after ``avert
ingest``) now stores, per profile and with its classifications and run row, each
ASB report's verdict: whether it escalates, the rules and the counts. A derived
table, keyed by report and profile: stores classified before hold no rows until
they are classified again (``avert status`` counts the reports not yet bridged).

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-06 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036"
down_revision = "0035"
branch_labels = None
depends_on = None

_TABLE = "asb_escalations"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("asb_id", sa.Text(), nullable=False),
        sa.Column("profile", sa.Text(), nullable=False),
        sa.Column("escalates", sa.Boolean(create_constraint=False), nullable=True),
        sa.Column("rule_ids", sa.Text(), nullable=True),
        sa.Column("n_caller_reports", sa.BigInteger(), nullable=True),
        sa.Column("n_place_reports", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("asb_id", "profile", name=op.f(f"pk_{_TABLE}")),
    )


def downgrade() -> None:
    op.drop_table(_TABLE)
