"""police.uk incidents name their local authority as their borough

police.uk's street files name no borough; an LSOA's name is its local authority's
and a code within it ("Leeds 086A"). Loads now keep that authority as ``borough``,
so an area is found by it (``avert brief --area Leeds``, an officer scoped to
Leeds). This fills it for the rows loaded before: a re-load adds nothing, so it
would never reach them. Only rows without a borough are changed, each to what a load
gives it now (:func:`avert.areas.lsoa_authority`, the same rule, so padded or
malformed names agree too): the distinct names are read, their authorities put in a
temporary table, and one ``UPDATE`` looks each row's up there (one pass over the
table, in SQLite and PostgreSQL alike). The downgrade leaves the filled values (they are
the rows' own names, and older code ignores them where it found none).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03 18:00:00
"""

from __future__ import annotations

import polars as pl
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


_WHERE = "borough IS NULL AND source = 'policeuk' AND lsoa_name IS NOT NULL"


def upgrade() -> None:
    from avert.areas import lsoa_authority

    bind = op.get_bind()
    names = [
        row[0]
        for row in bind.execute(
            sa.text(f"SELECT DISTINCT lsoa_name FROM incidents WHERE {_WHERE}")
        )
    ]
    found = (
        pl.DataFrame({"name": names}, schema={"name": pl.String})
        .with_columns(lsoa_authority(pl.col("name")).alias("authority"))
        .drop_nulls("authority")
    )
    if found.is_empty():
        return
    bind.execute(
        sa.text(
            "CREATE TEMPORARY TABLE lsoa_authority_0017 "
            "(name TEXT PRIMARY KEY, authority TEXT NOT NULL)"
        )
    )
    bind.execute(
        sa.text("INSERT INTO lsoa_authority_0017 VALUES (:name, :authority)"),
        found.to_dicts(),
    )
    bind.execute(
        sa.text(
            "UPDATE incidents SET borough = (SELECT a.authority "
            "FROM lsoa_authority_0017 a WHERE a.name = incidents.lsoa_name) "
            f"WHERE {_WHERE}"  # a name without an authority stays null
        )
    )
    bind.execute(sa.text("DROP TABLE lsoa_authority_0017"))


def downgrade() -> None:
    """Nothing to undo: the filled boroughs are the rows' own LSOA names' authorities."""
