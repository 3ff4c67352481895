"""police.uk incidents name their local authority as their borough

police.uk's street files name no borough; an LSOA's name is its local authority's
and a code within it ("Leeds 086A"). Loads now keep that authority as ``borough``,
so an area is found by it (``avert brief --area Leeds``, an officer scoped to
Leeds). This fills it for the rows loaded before: a re-load adds nothing, so it
would never reach them. Only rows without a borough whose name ends in a space and
four characters (the ``086A`` code) are changed; ``substr`` and ``length`` read
alike in SQLite and PostgreSQL. The downgrade leaves the filled values (they are
the rows' own names, and older code ignores them where it found none).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "UPDATE incidents SET borough = substr(lsoa_name, 1, length(lsoa_name) - 5) "
        "WHERE borough IS NULL AND source = 'policeuk' AND lsoa_name LIKE '% ____'"
    )


def downgrade() -> None:
    """Nothing to undo: the filled boroughs are the rows' own LSOA names' authorities."""
