"""Objective measures: which series a plan's measure names, and how it is judged.

An objective's measure in a plan file is an ``indicator`` and a ``filter``
(``docs/delivery.md``)::

    measure: {indicator: most_serious_violence, filter: "borough=Westminster; per=year",
              baseline: 120, target: 100}

:func:`parse_measure` maps them to one series of the performance engine
(:func:`avert.analyse.performance.build_series`: an area, a category *or* a flag,
counted or harm-weighted) or to a figure avert computes from the store
(:data:`STORE_INDICATORS`). Anything else is *not measured*: the board reports it by
hand, and the plan still imports (a plan may hold survey or partner measures).

The status words (:data:`MEASURE_STATUSES`) sit beside the performance verdict of the
same series (:data:`avert.analyse.performance.VERDICTS`). :func:`judge` decides on
track or off track from the current value and the straight-line path from baseline
to target (the direction of the target says whether lower or higher is better).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, Literal

__all__ = [
    "AREA_KEYS",
    "FLAGS",
    "MEASURE_STATUSES",
    "PER_MONTHS",
    "STORE_INDICATORS",
    "TOTAL_INDICATORS",
    "MeasureSpec",
    "judge",
    "parse_measure",
    "path_value",
]

#: Filter keys naming an area: the incident column and its value (``borough=X``).
#: The same columns as :data:`avert.workflows.board.AREA_FIELDS` (a test checks).
AREA_KEYS: Final = ("lsoa", "lsoa_name", "ward", "borough", "force")
#: Flag series of the performance engine (a flag is of the total, not a category).
FLAGS: Final = ("weapon", "domestic")
#: Indicators meaning every incident in the definition (category ``all``).
TOTAL_INDICATORS: Final = ("violence", "all_violence", "all")
#: Indicators computed from the store, not from the incident series.
STORE_INDICATORS: Final[dict[str, str]] = {
    "taskings_with_result": (
        "share of the daily meeting's taskings due in the window that have a "
        "recorded result (0 to 1)"
    ),
}
#: Months in each ``per`` of a measure (baseline and target are per this period).
PER_MONTHS: Final[dict[str, int]] = {"year": 12, "quarter": 3, "month": 1}

#: The status of an objective's measure, each with its written definition.
MEASURE_STATUSES: Final[dict[str, str]] = {
    "on_track": (
        "The current value (the last 'per' of complete months) is at or better than "
        "the straight-line path from the baseline at the plan's start to the target "
        "at its end (better: lower when the target is below the baseline, higher "
        "when above)."
    ),
    "off_track": "The current value is worse than the path.",
    "insufficient_data": (
        "The store's records do not cover the months of the current value (or of "
        "the baseline, when the plan states none)."
    ),
    "not_measured": (
        "No indicator, an indicator avert does not compute (reported by hand), a "
        "filter avert cannot read, or no target."
    ),
}

_KEY_VALUE = re.compile(r"^\s*([A-Za-z_]+)\s*[=:]\s*(.+?)\s*$")


@dataclass(frozen=True)
class MeasureSpec:
    """What a measure names: a series (area, category, flag) or a store figure."""

    indicator: str
    kind: Literal["series", "store", "unknown"]
    category: str = "all"
    flag: str = "all"
    area_field: str | None = None
    area: str = "all"
    measure: Literal["count", "harm"] = "count"
    definition: str | None = None
    per: str = "year"
    problem: str | None = None

    @property
    def months(self) -> int:
        """Months in one ``per``."""
        return PER_MONTHS[self.per]

    def label(self, category_names: Mapping[str, str] | None = None) -> str:
        """The series in words, e.g. ``most_serious_violence, borough Westminster``;
        with ``category_names`` (the definition's, by id) its category by name:
        "Violence against a repeat victim per year", not "violence repeat victim"."""
        if self.kind == "store":
            return self.indicator
        category = (category_names or {}).get(self.category, self.category)
        parts = [category if self.category != "all" else "violence"]
        if self.flag != "all":
            parts.append(f"{self.flag}-enabled" if self.flag == "weapon" else self.flag)
        if self.area_field:
            parts.append(f"{self.area_field} {self.area}")
        if self.measure == "harm":
            parts.append("harm (CCHI days)")
        return ", ".join(parts) + f" per {self.per}"


def parse_measure(indicator: str | None, filter_text: str | None) -> MeasureSpec:
    """Map an objective's indicator and filter to a series (see module docstring).

    ``filter`` is ``key=value`` pairs separated by ``;`` or ``,``: an area
    (``borough=Westminster``, or ``ward``, ``lsoa``, ``lsoa_name``, ``force``),
    ``flag=weapon|domestic``, ``measure=count|harm``, ``definition=ID``,
    ``per=year|quarter|month``. A category and a flag together are one series the
    engine does not build: not measured.

    Examples
    --------
    >>> s = parse_measure("most_serious_violence", "borough=Westminster; per=quarter")
    >>> (s.kind, s.category, s.area_field, s.area, s.per, s.months)
    ('series', 'most_serious_violence', 'borough', 'Westminster', 'quarter', 3)
    >>> parse_measure("violence", "flag=knife").problem
    "flag 'knife' is not one of weapon, domestic"
    """
    name = (indicator or "").strip()
    if not name:
        return MeasureSpec("", "unknown", problem="no indicator")
    key = name.lower().replace("-", "_").replace(" ", "_")
    values: dict[str, str] = {}
    for part in re.split(r"[;,]", filter_text or ""):
        if not part.strip():
            continue
        match = _KEY_VALUE.match(part)
        if match is None:
            return MeasureSpec(
                name, "unknown", problem=f"filter {part.strip()!r} is not KEY=VALUE"
            )
        key_name = match.group(1).lower()
        if key_name in values:  # two boroughs are two areas, not the last one
            return MeasureSpec(
                name, "unknown", problem=f"filter key {key_name!r} is given twice"
            )
        values[key_name] = match.group(2)
    per = values.pop("per", "year").lower()
    if per not in PER_MONTHS:
        return MeasureSpec(
            name,
            "unknown",
            problem=f"per {per!r} is not one of {', '.join(PER_MONTHS)}",
        )
    if key in STORE_INDICATORS:
        if values:
            return MeasureSpec(
                name, "unknown", per=per, problem=f"{key} takes no filter but per"
            )
        return MeasureSpec(key, "store", per=per)
    areas = [k for k in values if k in AREA_KEYS]
    area_field = areas[0] if areas else None
    area = values.pop(area_field) if area_field else "all"
    flag = values.pop("flag", "all").lower()
    measure = values.pop("measure", "count").lower()
    definition = values.pop("definition", None)
    category = "all" if key in TOTAL_INDICATORS else key
    problem = _series_problem(
        areas, values, flag=flag, measure=measure, category=category
    )
    if problem is not None:
        return MeasureSpec(name, "unknown", per=per, problem=problem)
    return MeasureSpec(
        name,
        "series",
        category=category,
        flag=flag,
        area_field=area_field,
        area=area,
        measure="harm" if measure == "harm" else "count",
        definition=definition,
        per=per,
    )


def _series_problem(
    areas: list[str],
    unread: dict[str, str],
    *,
    flag: str,
    measure: str,
    category: str,
) -> str | None:
    """Why a series measure cannot be built (the first reason found), or None.

    ``areas`` are the filter's area keys, ``unread`` its keys left over once the
    area, flag, measure and definition are taken.

    Examples
    --------
    >>> _series_problem([], {}, flag="weapon", measure="count", category="all") is None
    True
    >>> _series_problem(["ward", "borough"], {}, flag="all", measure="count",
    ...                 category="all")
    'a measure names one area'
    >>> _series_problem([], {}, flag="all", measure="rate", category="all")
    "measure 'rate' is not count or harm"
    """
    if len(areas) > 1:
        return "a measure names one area"
    if unread:
        return (
            f"filter key(s) {', '.join(sorted(unread))} are not "
            f"{', '.join([*AREA_KEYS, 'flag', 'measure', 'definition', 'per'])}"
        )
    if flag not in ("all", *FLAGS):
        return f"flag {flag!r} is not one of {', '.join(FLAGS)}"
    if measure not in ("count", "harm"):
        return f"measure {measure!r} is not count or harm"
    if category != "all" and flag != "all":
        return (
            "a category with a flag is not a series of the performance engine "
            "(flags are of all violence): use one or the other"
        )
    return None


def path_value(
    baseline: float,
    target: float,
    *,
    start: dt.date | None,
    end: dt.date | None,
    at: dt.date,
) -> float:
    """The straight-line path from ``baseline`` at ``start`` to ``target`` at ``end``.

    Before ``start`` the path is the baseline, after ``end`` the target; without a
    period the target applies now.

    Examples
    --------
    >>> path_value(100, 80, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
    ...            at=dt.date(2026, 7, 2))
    90.0
    """
    if start is None or end is None or end <= start:
        return float(target)
    share = min(max((at - start).days / (end - start).days, 0.0), 1.0)
    return float(baseline + (target - baseline) * share)


def judge(current: float, path: float, *, baseline: float, target: float) -> str:
    """``on_track`` or ``off_track``: lower is better unless the target is above the
    baseline.

    Examples
    --------
    >>> judge(95, 90, baseline=100, target=80)
    'off_track'
    >>> judge(0.8, 0.7, baseline=0.5, target=0.9)
    'on_track'
    """
    if target > baseline:
        return "on_track" if current >= path - 1e-9 else "off_track"
    return "on_track" if current <= path + 1e-9 else "off_track"
