"""Migrations: upgrade from empty, no model drift, downgrade to nothing."""

from __future__ import annotations

import polars as pl
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from avert.store import Store
from avert.store.migrate import downgrade, head_revision
from avert.store.tables import metadata


def test_upgrade_reaches_head_and_matches_models(any_store: Store) -> None:
    assert any_store.revision() == head_revision()
    with any_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []


def test_upgrade_is_repeatable(sqlite_store: Store) -> None:
    sqlite_store.upgrade()
    assert sqlite_store.revision() == head_revision()


def test_downgrade_to_base_drops_every_table(sqlite_store: Store) -> None:
    downgrade(sqlite_store.engine, "base")
    tables = sqlite_store._query(
        "SELECT name FROM sqlite_master WHERE type='table'",
        schema={"name": pl.String()},
    )
    assert set(tables["name"].to_list()) <= {"alembic_version"}
