"""Shared fixtures: one small synthetic city and its bundle per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from avert.synth import City, CityConfig, make_city, write_bundle


@pytest.fixture(scope="session")
def small_city() -> City:
    """A 3,000-person, 120-day city (seed 7)."""
    return make_city(CityConfig(people=3_000, days=120), seed=7)


@pytest.fixture(scope="session")
def medium_city() -> City:
    """A 20,000-person, one-year city (seed 11): enough events for rate checks."""
    return make_city(CityConfig(people=20_000, days=365), seed=11)


@pytest.fixture(scope="session")
def small_bundle(small_city: City, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small city written as a CSV bundle."""
    out = tmp_path_factory.mktemp("bundle")
    write_bundle(small_city, out)
    return out
