"""A series' verdict row is built once, and is the row built afresh.

The Performance page asked each series for its row twice (the summary frame, then
the page's table), the CLI's JSON once more: each time two filters of the chart
and the Laney-adjusted run rules again (2.5 s of a Toronto by-ward page's first
request). The row is now kept with its series; these tests hold that it is built
once and that what it gives is, figure for figure, the row built from scratch.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import polars as pl
import pytest

from avert.analyse.performance import SeriesResult, performance
from avert.analyse.performance._spc import SPCChart

MONTHS = pl.date_range(
    dt.date(2022, 1, 1), dt.date(2024, 12, 1), "1mo", eager=True
).to_list()
BASE = (dt.date(2022, 1, 1), dt.date(2023, 12, 31))
RECENT = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def _series_frame() -> pl.DataFrame:
    """Areas of every kind of verdict: flat, a fall, a rise, over-dispersed, a
    recent year with no event, too few events; a category and a flag each."""
    rng = np.random.default_rng(7)
    season = np.array(
        [1 + 0.15 * math.cos(2 * math.pi * (m.month - 7) / 12) for m in MONTHS]
    )
    shapes: dict[str, np.ndarray] = {
        "flat": rng.poisson(40 * season),
        "fall": rng.poisson(40 * season * np.r_[np.ones(24), np.full(12, 0.6)]),
        "rise": rng.poisson(20 * season * np.r_[np.ones(24), np.full(12, 1.5)]),
        "spread": rng.negative_binomial(3, 3 / (3 + 30 * season)),
        "none_recent": np.r_[rng.poisson(6 * season[:24]), np.zeros(12)],
        "few": np.r_[np.zeros(30), np.ones(6)],
    }
    frames = []
    for area, counts in shapes.items():
        for category, flag, share in (
            ("all", "all", 1.0),
            ("robbery", "all", 0.5),
            ("all", "weapon", 0.3),
        ):
            frames.append(
                pl.DataFrame(
                    {
                        "area": area,
                        "category": category,
                        "flag": flag,
                        "period": MONTHS,
                        "count": np.floor(counts * share).astype(np.int64),
                    }
                )
            )
    return pl.concat(frames)


@pytest.fixture(scope="module")
def series() -> tuple[SeriesResult, ...]:
    return performance(_series_frame(), baseline=BASE, recent=RECENT).series


def _fresh_row(s: SeriesResult) -> dict[str, Any]:
    """The row computed from the series now, not the one kept with it."""
    return SeriesResult._row.func(s)  # type: ignore[attr-defined]


def test_each_series_row_is_the_row_built_afresh(
    series: tuple[SeriesResult, ...],
) -> None:
    verdicts = {s.verdict for s in series}
    assert {"insufficient_data", "no_significant_change"} <= verdicts
    assert any(v.startswith("significant") for v in verdicts)
    for s in series:
        # == on floats: identical, not close
        assert s.row() == _fresh_row(s), (s.area, s.category, s.flag)


def test_a_row_is_built_once_per_series(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    adjusted = SPCChart.adjusted

    def counted(chart: SPCChart) -> SPCChart:
        calls.append(chart)
        return adjusted(chart)

    monkeypatch.setattr(SPCChart, "adjusted", counted)
    fresh = performance(_series_frame(), baseline=BASE, recent=RECENT).series
    charted = [s for s in fresh if s.spc is not None]
    assert charted
    # the summary frame built each row once
    assert len(calls) == len(charted)
    for _ in range(2):  # the page's table, then the JSON
        for s in charted:
            s.row()
    assert len(calls) == len(charted)  # read from the rows kept


def test_a_row_handed_out_is_a_copy(series: tuple[SeriesResult, ...]) -> None:
    s = next(x for x in series if x.spc is not None)
    row = s.row()
    row["verdict"] = "changed"
    row["spc_signals"]["beyond_3_sigma"] = -1
    row["peers"].append("nowhere")
    again = s.row()
    assert again["verdict"] == s.verdict
    assert again["spc_signals"] == _fresh_row(s)["spc_signals"]
    assert "nowhere" not in again["peers"]
