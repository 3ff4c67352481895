"""dash.time_precision: whether an assessment's time is known or its date alone

A bundle's ``dash`` file may give an assessment's ``assessed_at`` as a date alone
(``2026-10-24``): it is stored at 00:00 of that day, and the briefing showed
"24 Oct 00:00" as if the assessment had been made at midnight. The table gains the
incidents' precision column: ``day`` for a date alone, ``exact`` for a time given
(docs/bundle.md); the briefing shows a day-precision assessment by its date. Rows
loaded before have none (null: shown as stored; their source text is not kept).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None

_TABLE = "dash"
_COLUMN = "time_precision"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column(_COLUMN, sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column(_COLUMN)
