"""dash: DASH 2009 domestic abuse risk assessments of victims

A bundle may hold a ``dash`` file (an avert extension beyond FORMATS.md,
docs/bundle.md): one row per assessment of a domestic abuse victim, the answers to
the 27 questions of the DASH 2009 checklist (``yes``, ``no``, ``not_known``; null:
not asked), the assessor's professional judgement and risk level.
``avert analyse marac`` reads them with the victim's domestic incidents for the
MARAC referral criteria.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_TABLE = "dash"
_QUESTIONS = 27


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("assessment_id", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=True),
        sa.Column("person_id", sa.Text(), nullable=True),
        sa.Column("assessed_at", sa.DateTime(), nullable=True),
        sa.Column("incident_id", sa.Text(), nullable=True),
        sa.Column("agency", sa.Text(), nullable=True),
        *(
            sa.Column(f"q{n}", sa.Text(), nullable=True)
            for n in range(1, _QUESTIONS + 1)
        ),
        sa.Column(
            "professional_judgement",
            sa.Boolean(create_constraint=False),
            nullable=True,
        ),
        sa.Column("risk_level", sa.Text(), nullable=True),
        sa.Column("load_id", sa.Text(), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.BigInteger(), nullable=True),
        sa.Column("extra", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("assessment_id", name=op.f(f"pk_{_TABLE}")),
    )
    op.create_index(op.f(f"ix_{_TABLE}_person_id"), _TABLE, ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f(f"ix_{_TABLE}_person_id"), table_name=_TABLE)
    op.drop_table(_TABLE)
