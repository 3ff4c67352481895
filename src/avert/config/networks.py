"""Configuration of :mod:`avert.analyse.networks` and :mod:`avert.analyse.families`.

The defaults live in ``config/defaults/networks.toml`` with the source of every
number (Kennedy's group audit / Group Violence Intervention, Papachristos's network
exposure, UK OCG mapping and MoRiLE, the Eurogang and Home Office gang
definitions). :func:`load_networks_config` reads that file or a deployment's own,
and validates it: an error names the file and the key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Final

from avert.config._checks import fail as _fail
from avert.config._checks import integer as _integer
from avert.config._checks import number as _number
from avert.errors import ConfigError
from avert.schema import CONTINUUM_LEVELS, RELATIONSHIP_KINDS, ROLES

__all__ = [
    "COMMUNITY_OBJECTIVES",
    "CONTINUUM_MEASURES",
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

#: Group measures a continuum rule may test (columns of the group profile).
CONTINUUM_MEASURES: Final = (
    "size",
    "n_incidents",
    "harm_days",
    "harm_days_per_member",
    "harm_days_per_incident",
    "violence_share",
    "n_violent_incidents",
    "weapon_share",
    "firearm_share",
    "gang_flag_share",
    "longevity_days",
    "n_conflicts",
    "n_rivals",
    "max_rival_conflicts",
)


@dataclass(frozen=True)
class GraphConfig:
    """Co-offending graph: roles, history window, recency and harm weighting."""

    roles: tuple[str, ...] = ("suspect", "offender")
    window_days: int = 1095
    half_life_days: float = 365.0
    harm_scale_days: float = 365.0
    max_offenders_per_incident: int = 12


@dataclass(frozen=True)
class CommunityConfig:
    """Leiden community detection: constant Potts model (default) or modularity."""

    objective: str = "cpm"
    cpm_density: float = 0.05
    resolution: float = 1.0
    min_group_size: int = 3
    n_iterations: int = 2
    seed: int = 2010
    betweenness_cutoff: int = 6


@dataclass(frozen=True)
class ActivityConfig:
    """Activity trend of a group: recent window against the one before."""

    trend_window_days: int = 180
    rising_ratio: float = 1.5
    falling_ratio: float = 0.67
    min_trend_incidents: int = 4


@dataclass(frozen=True)
class ContinuumRule:
    """One continuum rule: every ``all_of`` threshold and ``min_any`` of ``any_of``."""

    level: str
    all_of: Mapping[str, float] = field(default_factory=dict)
    any_of: Mapping[str, float] = field(default_factory=dict)
    min_any: int = 1


@dataclass(frozen=True)
class MatrixConfig:
    """Network prioritisation matrix: harm levels, threat points, bands."""

    harm_days: tuple[float, float] = (365.0, 3650.0)
    threat_violence_share: float = 0.4
    threat_weapon_share: float = 0.2
    threat_firearm_share: float = 0.05
    threat_conflicts: int = 1
    threat_levels: tuple[int, int] = (2, 3)
    bands: tuple[int, int] = (4, 6)


@dataclass(frozen=True)
class ExposureConfig:
    """Exposure to victims of violence in a person's first-degree network."""

    window_days: int = 365
    include_family: bool = True


@dataclass(frozen=True)
class RetaliationConfig:
    """Retaliation alerts after a group-linked person is a victim of violence."""

    window_days: int = 14
    include_family: bool = True
    origins: tuple[str, ...] = ("detected", "declared")
    max_people: int = 50
    max_targets: int = 10
    rival_history_days: int = 365
    ally_min_incidents: int = 1
    triggers: tuple[str, ...] = (
        "in_definition",
        "weapon",
        "gang_related",
        "inter_group",
    )
    unlinked_victims: bool = True


@dataclass(frozen=True)
class FamilyConfig:
    """Family units and family harm."""

    kinds: tuple[str, ...] = (
        "sibling",
        "parent",
        "partner",
        "ex_partner",
        "same_address",
    )
    youth_max_age: int = 19


def _default_rules() -> tuple[ContinuumRule, ...]:
    return (
        ContinuumRule(
            "organised_network",
            {"longevity_days": 365, "size": 5, "n_incidents": 10},
            {"firearm_share": 0.15},
        ),
        ContinuumRule(
            "street_gang",
            {"longevity_days": 90, "size": 3, "n_violent_incidents": 5},
            {
                "violence_share": 0.5,
                "weapon_share": 0.3,
                "max_rival_conflicts": 3,
                "gang_flag_share": 0.25,
            },
            min_any=2,
        ),
        ContinuumRule("peer_group"),
    )


@dataclass(frozen=True)
class NetworksConfig:
    """All settings of the network analyses (see ``defaults/networks.toml``)."""

    graph: GraphConfig = field(default_factory=GraphConfig)
    communities: CommunityConfig = field(default_factory=CommunityConfig)
    activity: ActivityConfig = field(default_factory=ActivityConfig)
    continuum: tuple[ContinuumRule, ...] = field(default_factory=_default_rules)
    matrix: MatrixConfig = field(default_factory=MatrixConfig)
    exposure: ExposureConfig = field(default_factory=ExposureConfig)
    retaliation: RetaliationConfig = field(default_factory=RetaliationConfig)
    families: FamilyConfig = field(default_factory=FamilyConfig)
    source: str = "built-in defaults"


def _pair(where: str, key: str, value: Any) -> tuple[float, float]:
    if not isinstance(value, list) or len(value) != 2:
        raise _fail(where, key, f"must be a list of two numbers; got {value!r}")
    lo = _number(where, key, value[0])
    hi = _number(where, key, value[1])
    if lo > hi:
        raise _fail(where, key, f"must be increasing; got {value!r}")
    return lo, hi


def _strings(
    where: str, key: str, value: Any, allowed: tuple[str, ...]
) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(where, key, f"must be a list of strings; got {value!r}")
    bad = [v for v in value if v not in allowed]
    if bad:
        raise _fail(where, key, f"unknown values {bad}; allowed {list(allowed)}")
    return tuple(value)


def _section(where: str, raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, Mapping):
        raise _fail(where, name, "must be a table")
    known = _KNOWN.get(name)
    if known is not None:
        unknown = sorted(set(value) - known)
        if unknown:
            raise _fail(where, name, f"unknown keys {unknown}")
    return value


_KNOWN: Final[dict[str, set[str]]] = {
    "graph": {
        "roles",
        "window_days",
        "half_life_days",
        "harm_scale_days",
        "max_offenders_per_incident",
    },
    "communities": {
        "objective",
        "cpm_density",
        "resolution",
        "min_group_size",
        "n_iterations",
        "seed",
        "betweenness_cutoff",
    },
    "activity": {
        "trend_window_days",
        "rising_ratio",
        "falling_ratio",
        "min_trend_incidents",
    },
    "matrix": {
        "harm_days",
        "threat_violence_share",
        "threat_weapon_share",
        "threat_firearm_share",
        "threat_conflicts",
        "threat_levels",
        "bands",
    },
    "exposure": {"window_days", "include_family"},
    "retaliation": {
        "window_days",
        "include_family",
        "origins",
        "max_people",
        "max_targets",
        "rival_history_days",
        "ally_min_incidents",
        "triggers",
        "unlinked_victims",
    },
    "families": {"kinds", "youth_max_age"},
}


def _bool(where: str, key: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, key, f"must be true or false; got {value!r}")
    return value


def _thresholds(where: str, key: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _fail(where, key, "must be a table of measure = minimum")
    out: dict[str, float] = {}
    for measure, threshold in value.items():
        if measure not in CONTINUUM_MEASURES:
            raise _fail(
                where,
                key,
                f"unknown measure {measure!r}; allowed {list(CONTINUUM_MEASURES)}",
            )
        out[measure] = _number(where, f"{key}.{measure}", threshold)
    return out


def _rules(where: str, raw: Any) -> tuple[ContinuumRule, ...]:
    if not isinstance(raw, list) or not raw:
        raise _fail(where, "continuum.rules", "must be a non-empty array of tables")
    rules = []
    for i, item in enumerate(raw):
        key = f"continuum.rules[{i}]"
        if not isinstance(item, Mapping):
            raise _fail(where, key, "must be a table")
        level = item.get("level")
        if level not in CONTINUUM_LEVELS:
            raise _fail(
                where,
                f"{key}.level",
                f"must be one of {list(CONTINUUM_LEVELS)}; got {level!r}",
            )
        unknown = sorted(set(item) - {"level", "all_of", "any_of", "min_any"})
        if unknown:
            raise _fail(where, key, f"unknown keys {unknown}")
        any_of = _thresholds(where, f"{key}.any_of", item.get("any_of", {}))
        min_any = _integer(where, f"{key}.min_any", item.get("min_any", 1), minimum=1)
        if any_of and min_any > len(any_of):
            raise _fail(
                where,
                f"{key}.min_any",
                f"must be at most the number of any_of thresholds ({len(any_of)})",
            )
        rules.append(
            ContinuumRule(
                level,
                _thresholds(where, f"{key}.all_of", item.get("all_of", {})),
                any_of,
                min_any,
            )
        )
    if rules[-1].all_of or rules[-1].any_of:
        raise _fail(
            where,
            "continuum.rules",
            "the last rule must have no thresholds (the default level)",
        )
    return tuple(rules)


def _parse(raw: Mapping[str, Any], where: str) -> NetworksConfig:
    unknown = sorted(set(raw) - {*_KNOWN, "continuum"})
    if unknown:
        raise _fail(where, "(top level)", f"unknown tables {unknown}")
    d = NetworksConfig()
    g = _section(where, raw, "graph")
    graph = GraphConfig(
        roles=_strings(
            where, "graph.roles", g.get("roles", list(d.graph.roles)), ROLES
        ),
        window_days=_integer(
            where,
            "graph.window_days",
            g.get("window_days", d.graph.window_days),
            minimum=1,
        ),
        half_life_days=_number(
            where,
            "graph.half_life_days",
            g.get("half_life_days", d.graph.half_life_days),
            minimum=1e-9,
        ),
        harm_scale_days=_number(
            where,
            "graph.harm_scale_days",
            g.get("harm_scale_days", d.graph.harm_scale_days),
            minimum=1e-9,
        ),
        max_offenders_per_incident=_integer(
            where,
            "graph.max_offenders_per_incident",
            g.get("max_offenders_per_incident", d.graph.max_offenders_per_incident),
            minimum=2,
        ),
    )
    c = _section(where, raw, "communities")
    objective = c.get("objective", d.communities.objective)
    if objective not in COMMUNITY_OBJECTIVES:
        raise _fail(
            where,
            "communities.objective",
            f"must be one of {list(COMMUNITY_OBJECTIVES)}; got {objective!r}",
        )
    communities = CommunityConfig(
        objective=objective,
        cpm_density=_number(
            where,
            "communities.cpm_density",
            c.get("cpm_density", d.communities.cpm_density),
            minimum=1e-9,
        ),
        resolution=_number(
            where,
            "communities.resolution",
            c.get("resolution", d.communities.resolution),
            minimum=1e-9,
        ),
        min_group_size=_integer(
            where,
            "communities.min_group_size",
            c.get("min_group_size", d.communities.min_group_size),
            minimum=2,
        ),
        n_iterations=_integer(
            where,
            "communities.n_iterations",
            c.get("n_iterations", d.communities.n_iterations),
        ),
        seed=_integer(where, "communities.seed", c.get("seed", d.communities.seed)),
        betweenness_cutoff=_integer(
            where,
            "communities.betweenness_cutoff",
            c.get("betweenness_cutoff", d.communities.betweenness_cutoff),
            minimum=0,
        ),
    )
    a = _section(where, raw, "activity")
    activity = ActivityConfig(
        trend_window_days=_integer(
            where,
            "activity.trend_window_days",
            a.get("trend_window_days", d.activity.trend_window_days),
            minimum=1,
        ),
        rising_ratio=_number(
            where,
            "activity.rising_ratio",
            a.get("rising_ratio", d.activity.rising_ratio),
            minimum=1.0,
        ),
        falling_ratio=_number(
            where,
            "activity.falling_ratio",
            a.get("falling_ratio", d.activity.falling_ratio),
            minimum=0.0,
        ),
        min_trend_incidents=_integer(
            where,
            "activity.min_trend_incidents",
            a.get("min_trend_incidents", d.activity.min_trend_incidents),
            minimum=0,
        ),
    )
    cont = raw.get("continuum", {})
    if not isinstance(cont, Mapping):
        raise _fail(where, "continuum", "must be a table")
    continuum = _rules(where, cont["rules"]) if "rules" in cont else d.continuum
    m = _section(where, raw, "matrix")
    tl = _pair(
        where,
        "matrix.threat_levels",
        m.get("threat_levels", list(d.matrix.threat_levels)),
    )
    bands = _pair(where, "matrix.bands", m.get("bands", list(d.matrix.bands)))
    matrix = MatrixConfig(
        harm_days=_pair(
            where, "matrix.harm_days", m.get("harm_days", list(d.matrix.harm_days))
        ),
        threat_violence_share=_number(
            where,
            "matrix.threat_violence_share",
            m.get("threat_violence_share", d.matrix.threat_violence_share),
        ),
        threat_weapon_share=_number(
            where,
            "matrix.threat_weapon_share",
            m.get("threat_weapon_share", d.matrix.threat_weapon_share),
        ),
        threat_firearm_share=_number(
            where,
            "matrix.threat_firearm_share",
            m.get("threat_firearm_share", d.matrix.threat_firearm_share),
        ),
        threat_conflicts=_integer(
            where,
            "matrix.threat_conflicts",
            m.get("threat_conflicts", d.matrix.threat_conflicts),
            minimum=0,
        ),
        threat_levels=(int(tl[0]), int(tl[1])),
        bands=(int(bands[0]), int(bands[1])),
    )
    e = _section(where, raw, "exposure")
    exposure = ExposureConfig(
        window_days=_integer(
            where,
            "exposure.window_days",
            e.get("window_days", d.exposure.window_days),
            minimum=1,
        ),
        include_family=_bool(
            where,
            "exposure.include_family",
            e.get("include_family", d.exposure.include_family),
        ),
    )
    r = _section(where, raw, "retaliation")
    retaliation = RetaliationConfig(
        window_days=_integer(
            where,
            "retaliation.window_days",
            r.get("window_days", d.retaliation.window_days),
            minimum=1,
        ),
        include_family=_bool(
            where,
            "retaliation.include_family",
            r.get("include_family", d.retaliation.include_family),
        ),
        origins=_strings(
            where,
            "retaliation.origins",
            r.get("origins", list(d.retaliation.origins)),
            ("detected", "declared"),
        ),
        max_people=_integer(
            where,
            "retaliation.max_people",
            r.get("max_people", d.retaliation.max_people),
            minimum=1,
        ),
        max_targets=_integer(
            where,
            "retaliation.max_targets",
            r.get("max_targets", d.retaliation.max_targets),
            minimum=1,
        ),
        rival_history_days=_integer(
            where,
            "retaliation.rival_history_days",
            r.get("rival_history_days", d.retaliation.rival_history_days),
            minimum=1,
        ),
        ally_min_incidents=_integer(
            where,
            "retaliation.ally_min_incidents",
            r.get("ally_min_incidents", d.retaliation.ally_min_incidents),
            minimum=0,
        ),
        triggers=_strings(
            where,
            "retaliation.triggers",
            r.get("triggers", list(d.retaliation.triggers)),
            RETALIATION_TRIGGERS,
        ),
        unlinked_victims=_bool(
            where,
            "retaliation.unlinked_victims",
            r.get("unlinked_victims", d.retaliation.unlinked_victims),
        ),
    )
    f = _section(where, raw, "families")
    families = FamilyConfig(
        kinds=_strings(
            where,
            "families.kinds",
            f.get("kinds", list(d.families.kinds)),
            RELATIONSHIP_KINDS,
        ),
        youth_max_age=_integer(
            where,
            "families.youth_max_age",
            f.get("youth_max_age", d.families.youth_max_age),
            minimum=0,
        ),
    )
    return NetworksConfig(
        graph=graph,
        communities=communities,
        activity=activity,
        continuum=continuum,
        matrix=matrix,
        exposure=exposure,
        retaliation=retaliation,
        families=families,
        source=where,
    )


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
    if path is None:
        text = (
            resources.files("avert.config")
            .joinpath("defaults/networks.toml")
            .read_text("utf-8")
        )
        where = "avert/config/defaults/networks.toml"
    else:
        where = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except OSError as err:
            msg = f"{where}: cannot read networks configuration ({err.strerror})"
            raise ConfigError(msg) from err
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        msg = f"{where}: not valid TOML ({err})"
        raise ConfigError(msg) from err
    return _parse(raw, where)


def default_networks_config() -> NetworksConfig:
    """The packaged default configuration (``defaults/networks.toml``)."""
    return load_networks_config(None)
