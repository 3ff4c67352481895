"""API tokens count their refused uses: at most one audit row a minute per token

Every refused use of a stored token (revoked, expired, a wrong secret, its account
disabled) wrote a ``token-refused`` audit row: a script left running with a revoked
token, or anyone who knows a token's public id, filled the audit log at request
rate (about 27 rows a second on SQLite, one client). Each token now keeps
``refused_at``, when its last refusal was audited, and ``refusals_unaudited``, the
refusals since: a refusal within a minute of the audited one is counted, not
written, and the next row says how many it stands for. Tokens issued before have
neither (null: their next refusal is audited).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-06 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

_TABLE = "api_tokens"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column("refused_at", sa.DateTime(), nullable=True))
        batch.add_column(
            sa.Column("refusals_unaudited", sa.BigInteger(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("refusals_unaudited")
        batch.drop_column("refused_at")
