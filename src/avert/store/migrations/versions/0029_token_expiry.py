"""API tokens expire: each token row keeps when it stops working

A token never expired: one leaked, or left on a partner's laptop, worked for ever.
Each token now has ``expires_at`` (issued + ``token_days``, 90 by default, or the
``--days`` given). Tokens issued before this revision get ``created_at`` + 90 days
(the default lifetime), so none of them lives for ever: one issued more than 90
days ago is expired at the upgrade, and its holder needs a new one. The column is
nullable as every column outside a key is (the models' rule), and avert refuses a
token whose expiry is null.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

_TABLE = "api_tokens"
_COLUMN = "expires_at"
#: the lifetime given to the tokens issued before: the default of ``token_days``
#: when this revision was written (fixed here: a revision does not change)
_DAYS = 90


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column(_COLUMN, sa.DateTime(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        # SQLite keeps times as ISO text ("2026-12-05T10:00:00.000000"), as the
        # store writes them; strftime reads it and writes the same form back
        later = f"strftime('%Y-%m-%dT%H:%M:%S.000000', created_at, '+{_DAYS} days')"
    else:
        later = f"created_at + INTERVAL '{_DAYS} days'"
    op.execute(f"UPDATE {_TABLE} SET {_COLUMN} = {later} WHERE {_COLUMN} IS NULL")


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column(_COLUMN)
