"""Configuration of :mod:`avert.analyse.risk`: windows, weights and bands with sources.

The defaults live in ``config/defaults/risk.toml``; every table carries a ``source``
line naming the guideline or paper it follows (RFG scoring in integrated offender
management, the Cambridge Crime Harm Index, repeat victimisation research, the ASB
case review / "community trigger"). :func:`load_risk_config` reads that file, then a
deployment's own file over it (keys left out keep their default), and validates the
result: an error names the file and the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from avert.config._toml import fail as _fail
from avert.config._toml import integer as _integer
from avert.config._toml import merge, read
from avert.config._toml import number as _number
from avert.schema import ROLES

__all__ = [
    "AsbRiskConfig",
    "Bands",
    "Flag",
    "OffenderRiskConfig",
    "RiskConfig",
    "VictimRiskConfig",
    "default_risk_config",
    "load_risk_config",
]

Direction = Literal["at_most", "at_least"]


@dataclass(frozen=True)
class Bands:
    """A band table: ``[threshold, points]`` rows, thresholds increasing.

    ``at_least``: the points of the last row whose threshold is <= the value.
    ``at_most``: the points of the first row whose threshold is >= the value.
    No matching row (or a missing value) gives 0 points.
    """

    thresholds: tuple[float, ...]
    points: tuple[float, ...]
    direction: Direction
    source: str

    def points_for(self, values: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Return the points of each value (vectorised; NaN gives 0)."""
        v = np.asarray(values, dtype=np.float64)
        th = np.asarray(self.thresholds, dtype=np.float64)
        pts = np.asarray(self.points, dtype=np.float64)
        if th.size == 0:
            return np.zeros(v.shape)
        if self.direction == "at_least":
            idx = np.searchsorted(th, v, side="right") - 1
            ok = idx >= 0
        else:
            idx = np.searchsorted(th, v, side="left")
            ok = idx < th.size
        out = np.where(ok, pts[np.clip(idx, 0, th.size - 1)], 0.0)
        return np.where(np.isnan(v), 0.0, out)

    @property
    def max_points(self) -> float:
        """The highest points the table can give."""
        return max(self.points, default=0.0)


@dataclass(frozen=True)
class Flag:
    """Points given when a yes/no condition holds."""

    points: float
    source: str


@dataclass(frozen=True)
class OffenderRiskConfig:
    """Recency-Frequency-Gravity-Harm (RFGH) offender score."""

    window_days: int
    roles: tuple[str, ...]
    weights: Mapping[str, float]
    recency: Bands
    frequency: Bands
    gravity: Bands
    harm: Bands
    source: str


@dataclass(frozen=True)
class VictimRiskConfig:
    """Repeat-victim risk."""

    window_days: int
    weights: Mapping[str, float]
    repeats: Bands
    recency: Bands
    vulnerability: Flag
    domestic: Bands
    source: str


@dataclass(frozen=True)
class AsbRiskConfig:
    """ASB escalation risk for callers and places."""

    window_days: int
    cell_size_m: float
    trigger_reports: int
    weights: Mapping[str, float]
    repeats: Bands
    recency: Bands
    vulnerable: Flag
    personal: Flag
    violence_after: Flag
    source: str


@dataclass(frozen=True)
class RiskConfig:
    """All risk settings, with the file(s) they came from."""

    offender: OffenderRiskConfig
    victim: VictimRiskConfig
    asb: AsbRiskConfig
    origin: str


def _table(where: str, raw: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    node: Any = raw
    for part in key.split("."):
        node = node.get(part) if isinstance(node, Mapping) else None
    if not isinstance(node, Mapping):
        raise _fail(where, key, "missing table")
    return node


def _source(where: str, table: Mapping[str, Any], key: str) -> str:
    value = table.get("source")
    if not isinstance(value, str) or not value.strip():
        raise _fail(
            where, key, "needs a non-empty 'source' line (where the numbers come from)"
        )
    return value


def _bands(where: str, raw: Mapping[str, Any], key: str, direction: Direction) -> Bands:
    table = _table(where, raw, key)
    rows = table.get("bands")
    if not isinstance(rows, list) or not all(
        isinstance(r, list) and len(r) == 2 for r in rows
    ):
        raise _fail(
            where, f"{key}.bands", "must be a list of [threshold, points] pairs"
        )
    th = tuple(_number(where, f"{key}.bands", r[0]) for r in rows)
    pts = tuple(_number(where, f"{key}.bands", r[1], minimum=0) for r in rows)
    if any(b <= a for a, b in pairwise(th)):
        raise _fail(where, f"{key}.bands", f"thresholds must increase; got {list(th)}")
    return Bands(th, pts, direction, _source(where, table, key))


def _flag(where: str, raw: Mapping[str, Any], key: str) -> Flag:
    table = _table(where, raw, key)
    return Flag(
        _number(where, f"{key}.points", table.get("points"), minimum=0),
        _source(where, table, key),
    )


def _weights(
    where: str, raw: Mapping[str, Any], key: str, names: tuple[str, ...]
) -> dict[str, float]:
    table = _table(where, raw, key)
    _source(where, table, key)
    unknown = sorted(set(table) - {*names, "source"})
    if unknown:
        raise _fail(where, key, f"unknown keys {unknown}; allowed {list(names)}")
    return {
        n: _number(where, f"{key}.{n}", table.get(n, 1.0), minimum=0) for n in names
    }


def _parse(raw: Mapping[str, Any], where: str) -> RiskConfig:
    off = _table(where, raw, "offender")
    roles = off.get("roles", ["offender"])
    if not isinstance(roles, list) or not roles or any(r not in ROLES for r in roles):
        raise _fail(
            where,
            "offender.roles",
            f"must be a non-empty list of {list(ROLES)}; got {roles!r}",
        )
    offender = OffenderRiskConfig(
        window_days=_integer(
            where, "offender.window_days", off.get("window_days"), minimum=1
        ),
        roles=tuple(roles),
        weights=_weights(
            where, raw, "offender.weights", ("recency", "frequency", "gravity", "harm")
        ),
        recency=_bands(where, raw, "offender.recency", "at_most"),
        frequency=_bands(where, raw, "offender.frequency", "at_least"),
        gravity=_bands(where, raw, "offender.gravity", "at_least"),
        harm=_bands(where, raw, "offender.harm", "at_least"),
        source=_source(where, off, "offender"),
    )
    vic = _table(where, raw, "victim")
    victim = VictimRiskConfig(
        window_days=_integer(
            where, "victim.window_days", vic.get("window_days"), minimum=1
        ),
        weights=_weights(
            where,
            raw,
            "victim.weights",
            ("repeats", "recency", "vulnerability", "domestic"),
        ),
        repeats=_bands(where, raw, "victim.repeats", "at_least"),
        recency=_bands(where, raw, "victim.recency", "at_most"),
        vulnerability=_flag(where, raw, "victim.vulnerability"),
        domestic=_bands(where, raw, "victim.domestic", "at_least"),
        source=_source(where, vic, "victim"),
    )
    asb_raw = _table(where, raw, "asb")
    asb = AsbRiskConfig(
        window_days=_integer(
            where, "asb.window_days", asb_raw.get("window_days"), minimum=1
        ),
        cell_size_m=_number(
            where, "asb.cell_size_m", asb_raw.get("cell_size_m"), minimum=1
        ),
        trigger_reports=_integer(
            where, "asb.trigger_reports", asb_raw.get("trigger_reports"), minimum=1
        ),
        weights=_weights(
            where,
            raw,
            "asb.weights",
            ("repeats", "recency", "vulnerable", "personal", "violence_after"),
        ),
        repeats=_bands(where, raw, "asb.repeats", "at_least"),
        recency=_bands(where, raw, "asb.recency", "at_most"),
        vulnerable=_flag(where, raw, "asb.vulnerable"),
        personal=_flag(where, raw, "asb.personal"),
        violence_after=_flag(where, raw, "asb.violence_after"),
        source=_source(where, asb_raw, "asb"),
    )
    return RiskConfig(offender=offender, victim=victim, asb=asb, origin=where)


def load_risk_config(path: str | Path | None = None) -> RiskConfig:
    """Read and validate the risk configuration.

    Parameters
    ----------
    path
        A deployment's TOML file with any of the tables of ``defaults/risk.toml``;
        it is laid over the packaged defaults. ``None`` gives the defaults.

    Returns
    -------
    RiskConfig

    Raises
    ------
    ConfigError
        When a file cannot be read or a key is missing, unknown or out of range; the
        message names the file and the key.
    """
    raw, where = read(None, packaged="risk.toml", what="risk configuration")
    if path is not None:
        over, where_over = read(path, packaged="risk.toml", what="risk configuration")
        unknown = sorted(set(over) - {"offender", "victim", "asb"})
        if unknown:
            raise _fail(
                where_over,
                ",".join(unknown),
                "unknown tables; allowed offender, victim, asb",
            )
        raw = merge(raw, over)
        where = f"{where_over} over {where}"
    return _parse(raw, where)


def default_risk_config() -> RiskConfig:
    """The packaged default configuration (``defaults/risk.toml``)."""
    return load_risk_config(None)
