"""delivery plan: plans, objectives, taskings, change history; actions extended

The ``actions`` table (read by the briefing's "actions due" section) keeps
its columns and gains the plan's: plan, objective, supporting partners, approach
level, RAG with reason, review date, board, area, last change and version. New
tables hold plans, objectives under RIPE strands, taskings from the daily meeting,
and the versioned history of every change (before and after as JSON).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
# follows the web app's 0011
down_revision = "0011"
branch_labels = None
depends_on = None

_NEW_ACTION_COLUMNS = (
    ("plan_id", sa.Text),
    ("objective_id", sa.Text),
    ("supporting", sa.Text),
    ("approach", sa.Text),
    ("rag", sa.Text),
    ("rag_reason", sa.Text),
    ("review_date", sa.Date),
    ("board", sa.Text),
    ("area", sa.Text),
    ("updated_at", sa.DateTime),
    ("version", sa.BigInteger),
)


def _index_name(table: str, columns: tuple[str, ...]) -> str:
    return op.f(f"ix_{table}_{'_'.join(columns)}")


def _create_index(table: str, *columns: str) -> None:
    """The non-unique index ``ix_<table>_<columns>``."""
    op.create_index(_index_name(table, columns), table, list(columns), unique=False)


def _drop_index(table: str, *columns: str) -> None:
    op.drop_index(_index_name(table, columns), table_name=table)


def upgrade() -> None:
    with op.batch_alter_table("actions") as batch:
        for name, kind in _NEW_ACTION_COLUMNS:
            batch.add_column(sa.Column(name, kind(), nullable=True))
    op.create_table(
        "plans",
        sa.Column("plan_id", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("board", sa.Text(), nullable=True),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("plan_id", name=op.f("pk_plans")),
    )
    op.create_table(
        "objectives",
        sa.Column("objective_id", sa.Text(), nullable=False),
        sa.Column("plan_id", sa.Text(), nullable=True),
        sa.Column("strand", sa.Text(), nullable=True),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("indicator", sa.Text(), nullable=True),
        sa.Column("indicator_filter", sa.Text(), nullable=True),
        sa.Column("baseline", sa.Float(precision=53), nullable=True),
        sa.Column("target", sa.Float(precision=53), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("objective_id", name=op.f("pk_objectives")),
    )
    op.create_table(
        "taskings",
        sa.Column("tasking_id", sa.Text(), nullable=False),
        sa.Column("what", sa.Text(), nullable=True),
        sa.Column("assignee", sa.Text(), nullable=True),
        sa.Column("organisation", sa.Text(), nullable=True),
        sa.Column("due", sa.DateTime(), nullable=True),
        sa.Column("item_kind", sa.Text(), nullable=True),
        sa.Column("item_id", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.Text(), nullable=True),
        sa.Column("result_at", sa.DateTime(), nullable=True),
        sa.Column("result_by", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("tasking_id", name=op.f("pk_taskings")),
    )
    _create_index("taskings", "item_kind", "item_id")
    op.create_table(
        "delivery_history",
        sa.Column("change_id", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=True),
        sa.Column("user_name", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("entity", sa.Text(), nullable=True),
        sa.Column("entity_id", sa.Text(), nullable=True),
        sa.Column("version", sa.BigInteger(), nullable=True),
        sa.Column("change", sa.Text(), nullable=True),
        sa.Column("before_json", sa.Text(), nullable=True),
        sa.Column("after_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_delivery_history")),
    )
    _create_index("delivery_history", "entity", "entity_id")


def downgrade() -> None:
    _drop_index("delivery_history", "entity", "entity_id")
    op.drop_table("delivery_history")
    _drop_index("taskings", "item_kind", "item_id")
    op.drop_table("taskings")
    op.drop_table("objectives")
    op.drop_table("plans")
    with op.batch_alter_table("actions") as batch:
        for name, _ in reversed(_NEW_ACTION_COLUMNS):
            batch.drop_column(name)
