"""asb.time_precision: whether an ASB report's time is known or its date alone

A bundle's ``asb`` file may give a report's ``occurred_at`` as a date alone
(``2026-10-03``): it was stored at 00:00 of that day with nothing to mark it, so
the ASB escalation lists left a report dated the first day of their window out
(before a start at 06:00), counted its days since from 00:00, and the daily
briefing left out a vulnerable caller whose report was dated alone on its first
day. The table gains the incidents' precision column (docs/bundle.md): ``day``
for a date alone, ``exact`` for a time given, ``month`` for a data.police.uk
row (dated the first instant of its month; none is loaded into this table
today). Rows loaded before are filled from what is known: ``month`` for a
data.police.uk source, ``exact`` for a time other than 00:00:00 (a time was
given); one at 00:00 stays null (a date alone or a time of midnight: the source
text is not kept), read as stored.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06 15:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None

_TABLE = "asb"
_COLUMN = "time_precision"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column(_COLUMN, sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite keeps times as ISO text ("2026-10-03T21:00:00.000000")
        timed = "strftime('%H:%M:%f', occurred_at) <> '00:00:00.000'"
    else:
        timed = "CAST(occurred_at AS time) <> TIME '00:00:00'"
    op.execute(
        f"UPDATE {_TABLE} SET {_COLUMN} = CASE WHEN source = 'policeuk' THEN "
        f"'month' WHEN {timed} THEN 'exact' END WHERE {_COLUMN} IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column(_COLUMN)
