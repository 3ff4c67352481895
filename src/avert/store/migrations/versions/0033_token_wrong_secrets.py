"""API tokens count the wrong secrets among their unaudited refusals

Migration 0031 writes at most one ``token-refused`` row a minute per token and
counts the refusals between (``refusals_unaudited``) without their kind: a wrong
secret guessed against a token's public id (the token's owner does not send it)
was one more in the count of a script's revoked or disabled-account uses, so a
guess could not be told apart from them. ``wrong_secrets_unaudited`` counts the
wrong secrets among them; the next row says how many (``wrong_secrets=M``).
Tokens stored before have none counted (null).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06 11:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_TABLE = "api_tokens"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(
            sa.Column("wrong_secrets_unaudited", sa.BigInteger(), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_column("wrong_secrets_unaudited")
