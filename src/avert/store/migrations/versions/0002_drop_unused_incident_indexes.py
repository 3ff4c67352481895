"""drop the unused crime_type and offence_code indexes of incidents

No query of avert filters incidents by crime type or offence code (classification
reads whole tables), while a bulk load of a national-year police.uk file rebuilt each
of these indexes at about 5 s apiece (``benchmarks/ingest_policeuk.py``).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:40:00
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_offence_code"))
        batch_op.drop_index(batch_op.f("ix_incidents_crime_type"))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidents_crime_type"), ["crime_type"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_incidents_offence_code"), ["offence_code"], unique=False
        )
