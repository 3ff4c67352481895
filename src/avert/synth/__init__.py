"""The synthetic city: a realistic person-level bundle with known planted truth.

``make_city(config, seed=...)`` returns canonical-named Polars frames and a
:class:`Truth`; ``write_bundle(city, path)`` writes the record bundle of
``FORMATS.md`` plus ``truth.json``. See ``docs/synth.md`` for every rate and source.
"""

from __future__ import annotations

from avert.synth.bundle import write_bundle
from avert.synth.city import City, Truth, make_city, offender_harm_share
from avert.synth.config import CityConfig

__all__ = [
    "City",
    "CityConfig",
    "Truth",
    "make_city",
    "offender_harm_share",
    "tiny_city",
    "tiny_config",
    "write_bundle",
]


def tiny_config() -> CityConfig:
    """A small city (3,000 residents, 120 days) for fast tests across avert."""
    return CityConfig(people=3_000, days=120)


def tiny_city(seed: int = 0) -> City:
    """A small synthetic city in memory (3,000 residents over 120 days), for tests."""
    return make_city(tiny_config(), seed=seed)
