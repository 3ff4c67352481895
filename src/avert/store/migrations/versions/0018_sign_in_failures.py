"""failed sign-ins are counted in the store, not in one process's memory

The web app refuses a client address after too many failed sign-ins within a window
(``login_client_max_failures`` within ``login_client_window_minutes``). The count was
kept in the memory of one server process: a second worker had its own count (twice
the guesses) and a restart emptied it. Each failed sign-in is now a row of
``sign_in_failures`` (address, name typed, time in UTC) that every process counts;
rows older than the window are deleted as new failures come.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

_TABLE = "sign_in_failures"
_INDEXES = (("client", "failed_at_utc"), ("failed_at_utc",))


def _index_name(columns: tuple[str, ...]) -> str:
    return op.f(f"ix_{_TABLE}_{'_'.join(columns)}")


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("failure_id", sa.Text(), nullable=False),
        sa.Column("client", sa.Text(), nullable=True),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("failed_at_utc", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("failure_id", name=op.f(f"pk_{_TABLE}")),
    )
    for columns in _INDEXES:
        op.create_index(_index_name(columns), _TABLE, list(columns), unique=False)


def downgrade() -> None:
    for columns in _INDEXES:
        op.drop_index(_index_name(columns), table_name=_TABLE)
    op.drop_table(_TABLE)
