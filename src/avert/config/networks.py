"""Configuration of :mod:`avert.analyse.networks` and :mod:`avert.analyse.families`.

The defaults live in ``config/defaults/networks.toml`` with the source of every
number (Kennedy's group audit / Group Violence Intervention, Papachristos's network
exposure, UK OCG mapping and MoRiLE, the Eurogang and Home Office gang
definitions). :func:`load_networks_config` reads that file or a deployment's own,
and validates it: an error names the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from avert.config._toml import (
    Constraint,
    Defaults,
    build,
    check,
    fail,
    option,
    read,
    to_table,
)
from avert.schema import CONTINUUM_LEVELS, RELATIONSHIP_KINDS, ROLES

__all__ = [
    "COMMUNITY_OBJECTIVES",
    "CONTINUUM_MEASURES",
    "GROUP_HARM_MEASURES",
    "RETALIATION_TRIGGERS",
    "ActivityConfig",
    "CommunityConfig",
    "ContinuumRule",
    "ExposureConfig",
    "FamilyConfig",
    "GraphConfig",
    "MatrixConfig",
    "NetworksConfig",
    "RetaliationConfig",
    "default_networks_config",
    "load_networks_config",
]

#: What makes an incident with a group-linked victim raise a retaliation alert.
RETALIATION_TRIGGERS: Final = (
    "in_definition",
    "weapon",
    "injury",
    "gang_related",
    "inter_group",
)

#: Objectives of Leiden community detection: the constant Potts model (no resolution
#: limit; Traag, Van Dooren & Nesterov 2011) or modularity (Newman & Girvan 2004).
COMMUNITY_OBJECTIVES: Final = ("cpm", "modularity")

#: A group's incident, harm, violence and weapon measures (columns of the group
#: profile, in its order).
GROUP_HARM_MEASURES: Final = (
    "n_incidents",
    "harm_days",
    "harm_days_per_member",
    "harm_days_per_incident",
    "violence_share",
    "n_violent_incidents",
    "weapon_share",
    "firearm_share",
    "gang_flag_share",
)

#: Group measures a continuum rule may test (columns of the group profile).
CONTINUUM_MEASURES: Final = (
    "size",
    *GROUP_HARM_MEASURES,
    "longevity_days",
    "n_conflicts",
    "n_rivals",
    "max_rival_conflicts",
)


_D: Final = Defaults("networks.toml")


@dataclass(frozen=True)
class GraphConfig:
    """Co-offending graph: roles, history window, recency and harm weighting."""

    roles: tuple[str, ...] = option(_D("graph", "roles"), choices=ROLES)
    window_days: int = option(_D("graph", "window_days"), minimum=1)
    half_life_days: float = option(_D("graph", "half_life_days"), above=0)
    harm_scale_days: float = option(_D("graph", "harm_scale_days"), above=0)
    max_offenders_per_incident: int = option(
        _D("graph", "max_offenders_per_incident"), minimum=2
    )


@dataclass(frozen=True)
class CommunityConfig:
    """Leiden community detection: constant Potts model (default) or modularity."""

    objective: str = option(
        _D("communities", "objective"), choices=COMMUNITY_OBJECTIVES
    )
    cpm_density: float = option(_D("communities", "cpm_density"), above=0)
    resolution: float = option(_D("communities", "resolution"), above=0)
    min_group_size: int = option(_D("communities", "min_group_size"), minimum=2)
    n_iterations: int = option(_D("communities", "n_iterations"))
    seed: int = option(_D("communities", "seed"))
    betweenness_cutoff: int = option(_D("communities", "betweenness_cutoff"), minimum=0)


@dataclass(frozen=True)
class ActivityConfig:
    """Activity trend of a group: recent window against the one before."""

    trend_window_days: int = option(_D("activity", "trend_window_days"), minimum=1)
    rising_ratio: float = option(_D("activity", "rising_ratio"), minimum=1.0)
    falling_ratio: float = option(_D("activity", "falling_ratio"), minimum=0.0)
    min_trend_incidents: int = option(_D("activity", "min_trend_incidents"), minimum=0)


def _thresholds(where: str, key: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise fail(where, key, "must be a table of measure = minimum")
    out: dict[str, float] = {}
    for measure, threshold in value.items():
        if measure not in CONTINUUM_MEASURES:
            raise fail(
                where,
                key,
                f"unknown measure {measure!r}; allowed {list(CONTINUUM_MEASURES)}",
            )
        out[measure] = check(where, f"{key}.{measure}", threshold, float, Constraint())
    return out


@dataclass(frozen=True)
class ContinuumRule:
    """One continuum rule: every ``all_of`` threshold and ``min_any`` of ``any_of``."""

    level: str = option(choices=CONTINUUM_LEVELS)
    all_of: Mapping[str, float] = option(factory=dict, parse=_thresholds)
    any_of: Mapping[str, float] = option(factory=dict, parse=_thresholds)
    min_any: int = option(1, minimum=1)


def _rules(where: str, key: str, table: Any) -> tuple[ContinuumRule, ...]:
    if not isinstance(table, Mapping):
        raise fail(where, key, "must be a table")
    unknown = sorted(set(table) - {"rules"})
    if unknown:
        raise fail(
            where, f"{key}.{unknown[0]}", "unknown key; allowed keys are ['rules']"
        )
    raw = table.get("rules")
    if not isinstance(raw, list) or not raw:
        raise fail(where, f"{key}.rules", "must be a non-empty array of tables")
    rules = []
    for i, item in enumerate(raw):
        rule = build(ContinuumRule, item, where, f"{key}.rules[{i}]")
        if rule.any_of and rule.min_any > len(rule.any_of):
            raise fail(
                where,
                f"{key}.rules[{i}].min_any",
                f"must be at most the number of any_of thresholds ({len(rule.any_of)})",
            )
        rules.append(rule)
    if rules[-1].all_of or rules[-1].any_of:
        raise fail(
            where,
            f"{key}.rules",
            "the last rule must have no thresholds (the default level)",
        )
    return tuple(rules)


def _dump_rules(rules: tuple[ContinuumRule, ...]) -> dict[str, Any]:
    return {"rules": [to_table(r, full=False) for r in rules]}


@dataclass(frozen=True)
class MatrixConfig:
    """Network prioritisation matrix: harm levels, threat points, bands."""

    harm_days: tuple[float, float] = option(_D("matrix", "harm_days"))
    threat_violence_share: float = option(_D("matrix", "threat_violence_share"))
    threat_weapon_share: float = option(_D("matrix", "threat_weapon_share"))
    threat_firearm_share: float = option(_D("matrix", "threat_firearm_share"))
    threat_conflicts: int = option(_D("matrix", "threat_conflicts"), minimum=0)
    threat_levels: tuple[int, int] = option(_D("matrix", "threat_levels"))
    bands: tuple[int, int] = option(_D("matrix", "bands"))


@dataclass(frozen=True)
class ExposureConfig:
    """Exposure to victims of violence in a person's first-degree network."""

    window_days: int = option(_D("exposure", "window_days"), minimum=1)
    include_family: bool = option(_D("exposure", "include_family"))


@dataclass(frozen=True)
class RetaliationConfig:
    """Retaliation alerts after a group-linked person is a victim of violence."""

    window_days: int = option(_D("retaliation", "window_days"), minimum=1)
    include_family: bool = option(_D("retaliation", "include_family"))
    origins: tuple[str, ...] = option(
        _D("retaliation", "origins"), choices=("detected", "declared")
    )
    max_people: int = option(_D("retaliation", "max_people"), minimum=1)
    max_targets: int = option(_D("retaliation", "max_targets"), minimum=1)
    rival_history_days: int = option(_D("retaliation", "rival_history_days"), minimum=1)
    ally_min_incidents: int = option(_D("retaliation", "ally_min_incidents"), minimum=0)
    triggers: tuple[str, ...] = option(
        _D("retaliation", "triggers"), choices=RETALIATION_TRIGGERS
    )
    unlinked_victims: bool = option(_D("retaliation", "unlinked_victims"))


@dataclass(frozen=True)
class FamilyConfig:
    """Family units and family harm."""

    kinds: tuple[str, ...] = option(_D("families", "kinds"), choices=RELATIONSHIP_KINDS)
    youth_max_age: int = option(_D("families", "youth_max_age"), minimum=0)


def _default_rules() -> tuple[ContinuumRule, ...]:
    return _rules(_D.name, "continuum", _D.data["continuum"])


@dataclass(frozen=True)
class NetworksConfig:
    """All settings of the network analyses; defaults from ``defaults/networks.toml``."""

    graph: GraphConfig = option(factory=GraphConfig)
    communities: CommunityConfig = option(factory=CommunityConfig)
    activity: ActivityConfig = option(factory=ActivityConfig)
    continuum: tuple[ContinuumRule, ...] = option(
        factory=_default_rules, parse=_rules, dump=_dump_rules
    )
    matrix: MatrixConfig = option(factory=MatrixConfig)
    exposure: ExposureConfig = option(factory=ExposureConfig)
    retaliation: RetaliationConfig = option(factory=RetaliationConfig)
    families: FamilyConfig = option(factory=FamilyConfig)
    source: str = "built-in defaults"


def load_networks_config(path: str | Path | None = None) -> NetworksConfig:
    """Read and validate a networks TOML file (the packaged default when ``path`` is None).

    Parameters
    ----------
    path
        A TOML file with any of the tables of ``defaults/networks.toml``; keys left
        out keep their default.

    Returns
    -------
    NetworksConfig
        The validated configuration.

    Raises
    ------
    ConfigError
        When the file cannot be read or a key is unknown or out of range; the
        message names the file and the key.
    """
    raw, where = read(path, packaged="networks.toml", what="networks configuration")
    return build(NetworksConfig, raw, where, source=where)


def default_networks_config() -> NetworksConfig:
    """The packaged default configuration (``defaults/networks.toml``)."""
    return load_networks_config(None)
