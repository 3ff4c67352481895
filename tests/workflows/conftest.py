"""Fixtures shared by the workflow tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from store_templates import StoreTemplates

from avert.store import Store
from built_once import built_once
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


@pytest.fixture(scope="session")
def demo_4000(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo on its 4,000-person city (:mod:`demo_once`), run once per session
    across xdist workers: read-only, take a copy (:func:`demo_once.demo_copy`)."""
    from demo_once import demo_folder  # the demo's imports only where it is asked

    return built_once(tmp_path_factory, "demo-4000", demo_folder)
