"""Objective measures: the filter grammar, the path and the on/off-track rule."""

from __future__ import annotations

import datetime as dt

import pytest

from avert.delivery.measures import (
    AREA_KEYS,
    MEASURE_STATUSES,
    judge,
    parse_measure,
    path_value,
)


def test_area_keys_are_the_performance_area_fields() -> None:
    from avert.workflows.board import AREA_FIELDS

    assert AREA_KEYS == AREA_FIELDS


@pytest.mark.parametrize(
    ("indicator", "text", "expected"),
    [
        ("violence", None, ("series", "all", "all", None, "all", "count", "year")),
        (
            "most_serious_violence",
            "borough=Westminster; per=quarter",
            (
                "series",
                "most_serious_violence",
                "all",
                "borough",
                "Westminster",
                "count",
                "quarter",
            ),
        ),
        (
            "Violence",
            "flag=weapon, measure=harm, ward = Abbey",
            ("series", "all", "weapon", "ward", "Abbey", "harm", "year"),
        ),
        (
            "all",
            "definition=avb-2010",
            ("series", "all", "all", None, "all", "count", "year"),
        ),
        (
            "taskings_with_result",
            "per=month",
            ("store", "all", "all", None, "all", "count", "month"),
        ),
    ],
)
def test_measures_map_to_one_series(
    indicator: str, text: str | None, expected: tuple[object, ...]
) -> None:
    s = parse_measure(indicator, text)
    assert s.problem is None
    assert (
        s.kind,
        s.category,
        s.flag,
        s.area_field,
        s.area,
        s.measure,
        s.per,
    ) == expected


@pytest.mark.parametrize(
    ("indicator", "text", "problem"),
    [
        (None, None, "no indicator"),
        ("violence", "flag=knife", "flag 'knife'"),
        ("violence", "survey=public", "filter key(s) survey"),
        ("violence", "borough=A; ward=B", "one area"),
        # the last of two boroughs was measured, silently
        ("violence", "borough=Westminster; borough=Camden", "'borough' is given twice"),
        ("violence", "per=quarter; per=year", "'per' is given twice"),
        ("violence", "per=week", "per 'week'"),
        ("violence", "nonsense", "not KEY=VALUE"),
        ("most_serious_violence", "flag=weapon", "category with a flag"),
        ("taskings_with_result", "borough=A", "takes no filter"),
    ],
)
def test_unreadable_measures_are_not_measured_with_a_reason(
    indicator: str | None, text: str | None, problem: str
) -> None:
    s = parse_measure(indicator, text)
    assert s.kind == "unknown"
    assert s.problem is not None
    assert problem in s.problem


def test_path_runs_from_baseline_to_target_over_the_plan() -> None:
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    assert path_value(120, 84, start=start, end=end, at=dt.date(2025, 6, 1)) == 120
    assert path_value(120, 84, start=start, end=end, at=end) == 84
    assert path_value(120, 84, start=start, end=end, at=dt.date(2027, 3, 1)) == 84
    mid = path_value(120, 84, start=start, end=end, at=dt.date(2026, 7, 2))
    assert mid == pytest.approx(102, abs=0.2)
    assert path_value(120, 84, start=None, end=None, at=end) == 84


def test_direction_follows_the_target() -> None:
    assert judge(90, 100, baseline=120, target=84) == "on_track"
    assert judge(100, 100, baseline=120, target=84) == "on_track"
    assert judge(101, 100, baseline=120, target=84) == "off_track"
    assert judge(0.8, 0.7, baseline=0.5, target=0.9) == "on_track"
    assert judge(0.6, 0.7, baseline=0.5, target=0.9) == "off_track"
    assert set(MEASURE_STATUSES) == {
        "on_track",
        "off_track",
        "insufficient_data",
        "not_measured",
    }
