"""Fixtures shared by the workflow tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_templates import StoreTemplates

from avert.store import Store
from loaded_city import loaded_city


@pytest.fixture(scope="module")
def city_store(
    tmp_path_factory: pytest.TempPathFactory, loaded_city_template: Path
) -> Iterator[Store]:
    """The small synthetic city of :func:`loaded_city`, a copy per test module."""
    store = loaded_city(
        tmp_path_factory.mktemp("city"),
        quarantined={"source_file": "x.csv", "line": 2, "reason": "test", "raw": ""},
        prepared=loaded_city_template,
    )
    yield store
    store.close()


@pytest.fixture(scope="session")
def store_templates(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> StoreTemplates:
    """Prepared stores copied per test: see :class:`StoreTemplates`."""
    return StoreTemplates(request, tmp_path_factory.mktemp("store-templates"))
