"""detected groups stored with their as-of time

Groups detected from recorded co-offending (``avert.analyse.networks``) are computed
once and stored, so the daily briefing only reads them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "detected_groups",
        sa.Column("group_id", sa.Text(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=True),
        sa.Column("profile", sa.Text(), nullable=True),
        sa.Column("method", sa.Text(), nullable=True),
        sa.Column("params", sa.Text(), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("continuum", sa.Text(), nullable=True),
        sa.Column("continuum_reason", sa.Text(), nullable=True),
        sa.Column("band", sa.Text(), nullable=True),
        sa.Column("matrix_score", sa.BigInteger(), nullable=True),
        sa.Column("n_incidents", sa.BigInteger(), nullable=True),
        sa.Column("harm_days", sa.Float(precision=53), nullable=True),
        sa.Column("violence_share", sa.Float(precision=53), nullable=True),
        sa.Column("weapon_share", sa.Float(precision=53), nullable=True),
        sa.Column("trend", sa.Text(), nullable=True),
        sa.Column("n_conflicts", sa.BigInteger(), nullable=True),
        sa.Column("rivals", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("group_id", name=op.f("pk_detected_groups")),
    )
    op.create_table(
        "detected_group_members",
        sa.Column("group_id", sa.Text(), nullable=False),
        sa.Column("person_id", sa.Text(), nullable=False),
        sa.Column("as_of", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint(
            "group_id", "person_id", name=op.f("pk_detected_group_members")
        ),
    )
    with op.batch_alter_table("detected_group_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_detected_group_members_person_id"),
            ["person_id"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("detected_group_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_detected_group_members_person_id"))
    op.drop_table("detected_group_members")
    op.drop_table("detected_groups")
