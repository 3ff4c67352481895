"""one API token per issue form: the form's nonce digest, unique, on the token row

The account page's form that issues an API token carries a one-time nonce. Its use
was remembered in the session and in the server process only, so two posts of one
form (a double click) taken by two server processes, or by one before the session
cookie came back, issued two live tokens. The token row now keeps the SHA-256 of
the form's nonce under a unique constraint: the store takes one token per form,
whichever process inserts it. Tokens issued before, and by ``avert users token``,
have none (null; nulls are distinct on SQLite and PostgreSQL).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-05 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_TABLE = "api_tokens"
_COLUMN = "issue_nonce_sha256"


def upgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.add_column(sa.Column(_COLUMN, sa.Text(), nullable=True))
        batch.create_unique_constraint(batch.f(f"uq_{_TABLE}_{_COLUMN}"), [_COLUMN])


def downgrade() -> None:
    with op.batch_alter_table(_TABLE) as batch:
        batch.drop_constraint(batch.f(f"uq_{_TABLE}_{_COLUMN}"), type_="unique")
        batch.drop_column(_COLUMN)
