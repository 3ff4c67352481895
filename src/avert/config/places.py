"""Configuration of the daily briefing's near-repeat zones (:mod:`avert.workflows.places`).

The defaults live in ``config/defaults/places.toml`` with their source.
:func:`load_places_config` reads that file or a deployment's own and validates it:
an error names the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from avert.config._toml import Defaults, build, option, read

__all__ = [
    "NEAR_REPEAT_DOMESTIC",
    "DomesticZones",
    "NearRepeatConfig",
    "PlacesConfig",
    "default_places_config",
    "load_places_config",
]

#: What the briefing's near-repeat zones do with domestic-flagged incidents:
#: leave them out of the Knox test and of the zones' centres, or keep them.
DomesticZones = Literal["exclude", "include"]
NEAR_REPEAT_DOMESTIC: Final[tuple[DomesticZones, ...]] = ("exclude", "include")

_D: Final = Defaults("places.toml")


@dataclass(frozen=True)
class NearRepeatConfig:
    """The briefing's near-repeat zones: ``domestic`` is ``"exclude"`` (the
    default: domestic incidents are neither tested nor zone centres) or
    ``"include"``; ``source`` names the evidence for the choice."""

    domestic: DomesticZones = option(_D("near_repeat", "domestic"))
    source: str = option(_D("near_repeat", "source"), non_empty=True)


@dataclass(frozen=True)
class PlacesConfig:
    """Every table of ``places.toml``."""

    near_repeat: NearRepeatConfig = option(factory=NearRepeatConfig)
    source: str = "built-in defaults"


def load_places_config(path: str | Path | None = None) -> PlacesConfig:
    """Read and validate a places TOML file (the packaged default when ``path`` is
    None); keys left out keep their default. A ``ConfigError`` names the file and
    the key of an unreadable file, an unknown key or a value not allowed."""
    raw, where = read(path, packaged="places.toml", what="places configuration")
    return build(PlacesConfig, raw, where, source=where)


def default_places_config() -> PlacesConfig:
    """The packaged default configuration (``defaults/places.toml``)."""
    return load_places_config(None)
