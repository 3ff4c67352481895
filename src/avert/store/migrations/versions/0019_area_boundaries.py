"""area_boundaries: polygons that place stops in the area holding them

Stops were placed in the area of the nearest LSOA centroid; near a border that is
often the neighbouring area (about 40 City of London stops of one month fell in
other boroughs' LSOAs). ``avert ingest boundaries`` stores each area's polygon as
WKT in the store's CRS, with its WGS84 bounding box.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 12:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "area_boundaries",
        sa.Column("area", sa.Text(), nullable=False),
        sa.Column("crs", sa.Text(), nullable=True),
        sa.Column("geometry_wkt", sa.Text(), nullable=True),
        sa.Column("lon_min", sa.Float(precision=53), nullable=True),
        sa.Column("lat_min", sa.Float(precision=53), nullable=True),
        sa.Column("lon_max", sa.Float(precision=53), nullable=True),
        sa.Column("lat_max", sa.Float(precision=53), nullable=True),
        sa.Column("load_id", sa.Text(), nullable=True),
        sa.Column("source_file", sa.Text(), nullable=True),
        sa.Column("source_line", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("area", name=op.f("pk_area_boundaries")),
    )


def downgrade() -> None:
    op.drop_table("area_boundaries")
