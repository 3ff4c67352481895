"""pseudonym_index: the id of a pseudonym a partner types

A partner who copied a pseudonym (``P-B43176F1E42D``) from its briefing into a
text it writes (a tasking's result, an action's evidence) had it stored as
typed: the police read the pseudonym, not the person, and could not act on it.
A partner's save now stores the id the pseudonym stands for. This table finds
it: each stored id's pseudonym digits per key (its fingerprint, never the key)
and kind, filled from the stored ids when a save asks for a pseudonym it does
not hold and after a load (``avert.store.pseudonyms``). It starts empty.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 10:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

_TABLE = "pseudonym_index"
_INDEX = ("fingerprint", "digest")


def _index_name() -> str:
    return op.f(f"ix_{_TABLE}_{'_'.join(_INDEX)}")


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("fingerprint", sa.Text(), nullable=False),
        sa.Column("kind", sa.Text(), nullable=False),
        sa.Column("id", sa.Text(), nullable=False),
        sa.Column("digest", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("fingerprint", "kind", "id", name=op.f(f"pk_{_TABLE}")),
    )
    op.create_index(_index_name(), _TABLE, list(_INDEX), unique=False)


def downgrade() -> None:
    op.drop_index(_index_name(), table_name=_TABLE)
    op.drop_table(_TABLE)
