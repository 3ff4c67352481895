"""relationships.person_b: an index for the kin of a person named on either side

The primary key ``(person_a, person_b, kind)`` serves a look-up by ``person_a``;
one by ``person_b`` (every person's kin are read on both sides:
:func:`avert.store.queries.relationships_of`, the briefing's retaliation alerts and
the person page) scanned the whole table. One non-unique index
``ix_relationships_person_b`` makes it a range read: on a synthetic city of
375,651 relationships, the ``person_b`` read of 1,415 people took 0.024 s of CPU
before and 0.004 s after (median of 5, SQLite; a briefing's retaliation alerts
read it for every new window).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06 17:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relationships_person_b"), ["person_b"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("relationships", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relationships_person_b"))
