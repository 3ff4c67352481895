"""an index of the audit log by action, user and time, for the last sign-ins

The Users page (``/admin/users``) shows each account's last sign-in: its latest
``login`` row of the audit log. The log holds a row per page view, so that query
grouped the whole table: 0.4-0.6 s a page at 1,000,000 rows on SQLite, 0.2-0.6 s
on PostgreSQL. The index of (action, user_name, at) holds the answer on its own:
11-35 ms and 20-45 ms (an index-only scan once the table is analysed).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 06:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

_TABLE = "audit"
_COLUMNS = ("action", "user_name", "at")
_INDEX = f"ix_{_TABLE}_{'_'.join(_COLUMNS)}"


def upgrade() -> None:
    op.create_index(op.f(_INDEX), _TABLE, list(_COLUMNS), unique=False)


def downgrade() -> None:
    op.drop_index(op.f(_INDEX), table_name=_TABLE)
