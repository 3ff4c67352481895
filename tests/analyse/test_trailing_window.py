"""The one trailing window ``(at - days, at]`` of the risk scores (and VOLT)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from avert.analyse._window import in_window, window_start


def test_window_is_open_at_start_and_closed_at_end() -> None:
    at = dt.datetime(2024, 5, 1, 12)
    times = [
        at - dt.timedelta(days=30),
        at - dt.timedelta(days=30) + dt.timedelta(microseconds=1),
        at,
        at + dt.timedelta(microseconds=1),
    ]
    kept = pl.DataFrame({"t": times}).select(in_window("t", at, 30))["t"]
    assert kept.to_list() == [False, True, True, False]
    assert window_start(at, 30) == times[0]


def test_window_matches_the_written_out_filter_on_random_times() -> None:
    rng = np.random.default_rng(7)
    at = dt.datetime(2025, 3, 9, 6)
    offsets = rng.integers(-5 * 86_400, 400 * 86_400, 2_000)
    frame = pl.DataFrame(
        {"t": [at - dt.timedelta(seconds=int(s)) for s in offsets]}
    ).with_columns(pl.col("t").cast(pl.Datetime("us")))
    start = at - dt.timedelta(days=365)
    expected = frame.filter((pl.col("t") > start) & (pl.col("t") <= at))
    assert frame.filter(in_window("t", at, 365)).equals(expected)
