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

from avert.config._toml import Parser, build, fail, merge, number, option, read
from avert.schema import ROLES

__all__ = [
    "AsbRiskConfig",
    "Bands",
    "Flag",
    "MaracConfig",
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


def _source_line(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        table = key.rsplit(".", 1)[0]
        raise fail(
            where,
            table,
            "needs a non-empty 'source' line (where the numbers come from)",
        )
    return value


def _bands(direction: Direction) -> Parser:
    """Parser of a ``[section.part]`` table of ``bands`` and ``source``."""

    def parse(where: str, key: str, table: Any) -> Bands:
        if not isinstance(table, Mapping):
            raise fail(where, key, "missing table")
        _known(where, key, table, {"bands", "source"})
        rows = table.get("bands")
        if not isinstance(rows, list) or not all(
            isinstance(r, list) and len(r) == 2 for r in rows
        ):
            raise fail(
                where, f"{key}.bands", "must be a list of [threshold, points] pairs"
            )
        th = tuple(number(where, f"{key}.bands", r[0]) for r in rows)
        pts = tuple(number(where, f"{key}.bands", r[1], minimum=0) for r in rows)
        if any(b <= a for a, b in pairwise(th)):
            msg = f"thresholds must increase; got {list(th)}"
            raise fail(where, f"{key}.bands", msg)
        source = _source_line(where, f"{key}.source", table.get("source"))
        return Bands(th, pts, direction, source)

    return parse


def _weights(*names: str) -> Parser:
    """Parser of a ``[section.weights]`` table: one weight >= 0 per part (default 1)."""

    def parse(where: str, key: str, table: Any) -> dict[str, float]:
        if not isinstance(table, Mapping):
            raise fail(where, key, "missing table")
        _source_line(where, f"{key}.source", table.get("source"))
        _known(where, key, table, {*names, "source"})
        return {
            n: number(where, f"{key}.{n}", table.get(n, 1.0), minimum=0) for n in names
        }

    return parse


def _known(where: str, key: str, table: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        msg = f"unknown keys {unknown}; allowed {sorted(allowed)}"
        raise fail(where, key, msg)


@dataclass(frozen=True)
class Flag:
    """Points given when a yes/no condition holds."""

    points: float = option(minimum=0)
    source: str = option(parse=_source_line)


@dataclass(frozen=True)
class OffenderRiskConfig:
    """Recency-Frequency-Gravity-Harm (RFGH) offender score."""

    window_days: int = option(minimum=1)
    roles: tuple[str, ...] = option(choices=ROLES, non_empty=True)
    weights: Mapping[str, float] = option(
        parse=_weights("recency", "frequency", "gravity", "harm")
    )
    recency: Bands = option(parse=_bands("at_most"))
    frequency: Bands = option(parse=_bands("at_least"))
    gravity: Bands = option(parse=_bands("at_least"))
    harm: Bands = option(parse=_bands("at_least"))
    source: str = option(parse=_source_line)
    window_source: str = option("")
    roles_source: str = option("")


@dataclass(frozen=True)
class VictimRiskConfig:
    """Repeat-victim risk."""

    window_days: int = option(minimum=1)
    weights: Mapping[str, float] = option(
        parse=_weights("repeats", "recency", "vulnerability", "domestic")
    )
    repeats: Bands = option(parse=_bands("at_least"))
    recency: Bands = option(parse=_bands("at_most"))
    vulnerability: Flag = option()
    domestic: Bands = option(parse=_bands("at_least"))
    source: str = option(parse=_source_line)
    window_source: str = option("")


@dataclass(frozen=True)
class AsbRiskConfig:
    """ASB escalation risk for callers and places."""

    window_days: int = option(minimum=1)
    cell_size_m: float = option(minimum=1)
    trigger_reports: int = option(minimum=1)
    weights: Mapping[str, float] = option(
        parse=_weights("repeats", "recency", "vulnerable", "personal", "violence_after")
    )
    repeats: Bands = option(parse=_bands("at_least"))
    recency: Bands = option(parse=_bands("at_most"))
    vulnerable: Flag = option()
    personal: Flag = option()
    violence_after: Flag = option()
    source: str = option(parse=_source_line)
    window_source: str = option("")
    cell_source: str = option("")
    trigger_source: str = option("")


@dataclass(frozen=True)
class MaracConfig:
    """MARAC referral criteria of domestic abuse victims (:mod:`avert.analyse.dash`)."""

    visible_high_risk_yes: int = option(minimum=1, maximum=27)
    escalation_incidents: int = option(minimum=1)
    escalation_window_days: int = option(minimum=1)
    source: str = option(parse=_source_line)
    visible_high_risk_source: str = option("")
    escalation_source: str = option("")


@dataclass(frozen=True)
class RiskConfig:
    """All risk settings, with the file(s) they came from."""

    offender: OffenderRiskConfig = option()
    victim: VictimRiskConfig = option()
    asb: AsbRiskConfig = option()
    marac: MaracConfig = option()
    origin: str = ""


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
        unknown = sorted(set(over) - {"offender", "victim", "asb", "marac"})
        if unknown:
            raise fail(
                where_over,
                ",".join(unknown),
                "unknown tables; allowed offender, victim, asb, marac",
            )
        raw = merge(raw, over)
        where = f"{where_over} over {where}"
    return build(RiskConfig, raw, where, origin=where)


def default_risk_config() -> RiskConfig:
    """The packaged default configuration (``defaults/risk.toml``)."""
    return load_risk_config(None)
