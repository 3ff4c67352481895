"""Fast stores for ingest tests: the migrated template file, copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from avert.store import Store


@pytest.fixture
def sqlite_store(template_db: Path, tmp_path: Path) -> Iterator[Store]:
    """A fresh SQLite store (a copy of the template; same schema as upgrade())."""
    target = tmp_path / "avert.db"
    for suffix in ("", "-wal"):
        source = template_db.with_name(template_db.name + suffix)
        if source.exists():
            shutil.copy(source, target.with_name(target.name + suffix))
    store = Store(f"sqlite:///{target}")
    yield store
    store.close()
