"""an index of the DASH assessments by time, for the briefing's range read

The daily briefing reads the DASH assessments of its window and of the MARAC
escalation window before it (:func:`avert.store.queries.assessments_between`,
``assessed_at`` between two times); without an index on ``assessed_at`` that read
scanned the whole ``dash`` table however short the range.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 07:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_TABLE = "dash"
_INDEX = f"ix_{_TABLE}_assessed_at"


def upgrade() -> None:
    op.create_index(op.f(_INDEX), _TABLE, ["assessed_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f(_INDEX), table_name=_TABLE)
