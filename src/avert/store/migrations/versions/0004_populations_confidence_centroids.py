"""populations, confidence_survey and area_centroids

Denominators for rates and equality monitoring (``avert ingest population``), the
public confidence survey series (``avert ingest confidence``) and area centroids that
place stops in LSOAs (``avert ingest centroids``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _provenance() -> list[sa.Column[object]]:
    return [
        sa.Column("load_id", sa.Text(), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.BigInteger(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "populations",
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("sex", sa.Text(), nullable=False),
        sa.Column("age_band", sa.Text(), nullable=False),
        sa.Column("ethnicity", sa.Text(), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=True),
        sa.Column("area_name", sa.Text(), nullable=True),
        sa.Column("area_type", sa.Text(), nullable=True),
        sa.Column("parent_area", sa.Text(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        *_provenance(),
        sa.PrimaryKeyConstraint(
            "area", "year", "sex", "age_band", "ethnicity", name=op.f("pk_populations")
        ),
    )
    op.create_table(
        "confidence_survey",
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("measure", sa.Text(), nullable=False),
        sa.Column("pct_agree", sa.Float(precision=53), nullable=True),
        sa.Column("respondents", sa.BigInteger(), nullable=True),
        sa.Column("source", sa.Text(), nullable=True),
        *_provenance(),
        sa.PrimaryKeyConstraint(
            "area", "period", "measure", name=op.f("pk_confidence_survey")
        ),
    )
    op.create_table(
        "area_centroids",
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("lat", sa.Float(precision=53), nullable=True),
        sa.Column("lon", sa.Float(precision=53), nullable=True),
        *_provenance(),
        sa.PrimaryKeyConstraint("area", name=op.f("pk_area_centroids")),
    )


def downgrade() -> None:
    op.drop_table("area_centroids")
    op.drop_table("confidence_survey")
    op.drop_table("populations")
