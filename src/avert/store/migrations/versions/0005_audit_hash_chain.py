"""chain the audit log: seq, prev_hash, row_hash and detail on every audit row

Each audit row carries its place in the chain (``seq``, unique), the ``row_hash`` of
the row before it and its own SHA-256 over its canonical text
(:func:`avert.store.audit.canonical_text`), so ``avert audit verify`` finds rows
edited, deleted, inserted or reordered with plain SQL. ``detail`` says where an
output went, for whom and which people it showed (count and digest).

Rows already in the log are chained here in the order they were written (time, then
id): the chain proves nothing about what happened to them before this revision.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 21:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("detail", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("row_hash", sa.Text(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_audit_seq"), ["seq"])
    _chain_existing_rows()


def _chain_existing_rows() -> None:
    from avert.store.audit import GENESIS_HASH, canonical_text, row_hash

    bind = op.get_bind()
    # SQLite holds times as the ISO text avert wrote (YYYY-MM-DDTHH:MM:SS.ffffff):
    # read it as text, exactly as the canonical form spells it.
    at_type = sa.Text() if bind.dialect.name == "sqlite" else sa.DateTime()
    audit = sa.table(
        "audit",
        sa.column("audit_id", sa.Text()),
        sa.column("at", at_type),
        sa.column("user_name", sa.Text()),
        sa.column("role", sa.Text()),
        sa.column("action", sa.Text()),
        sa.column("object", sa.Text()),
        sa.column("reason", sa.Text()),
        sa.column("detail", sa.Text()),
        sa.column("seq", sa.BigInteger()),
        sa.column("prev_hash", sa.Text()),
        sa.column("row_hash", sa.Text()),
    )
    rows = bind.execute(
        sa.select(audit).order_by(audit.c.at, audit.c.audit_id)
    ).mappings()
    prev = GENESIS_HASH
    for seq, found in enumerate(list(rows), start=1):
        row = {**dict(found), "seq": seq, "prev_hash": prev}
        digest = row_hash(canonical_text(row))
        bind.execute(
            audit.update()
            .where(audit.c.audit_id == row["audit_id"])
            .values(seq=seq, prev_hash=prev, row_hash=digest)
        )
        prev = digest


def downgrade() -> None:
    with op.batch_alter_table("audit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_audit_seq"), type_="unique")
        batch_op.drop_column("row_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
        batch_op.drop_column("detail")
