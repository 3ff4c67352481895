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


def test_by_day_keeps_a_date_alone_whose_day_runs_past_the_start() -> None:
    """A record dated alone (stored at 00:00) on the window's first day may have
    happened after a start at 06:00: ``by_day`` keeps it (its day overlaps the
    window), as the briefing's incidents list does; one with its time at 05:00
    stays out, and so does one dated alone the day before. At a start of 00:00
    a date alone that day is in (its day is all after the open start), the exact
    00:00 still out. Without ``by_day`` the plain comparison is unchanged."""
    at = dt.datetime(2024, 5, 1, 6)
    first = dt.datetime(2024, 4, 1)  # 30 days before: the start is 1 April 06:00
    frame = pl.DataFrame(
        {
            "t": [first, first + dt.timedelta(hours=5), first - dt.timedelta(days=1)],
            "time_precision": ["day", "exact", "day"],
        }
    )
    kept = frame.select(in_window("t", at, 30, by_day=True))["t"].to_list()
    assert kept == [True, False, False]
    assert frame.select(in_window("t", at, 30))["t"].to_list() == [False] * 3
    midnight = pl.DataFrame(
        {"t": [first, first], "time_precision": ["day", "exact"]}
    ).select(in_window("t", dt.datetime(2024, 5, 1), 30, by_day=True))
    assert midnight["t"].to_list() == [True, False]


def test_by_day_leaves_a_date_alone_at_a_midnight_end_to_the_next_window() -> None:
    """``at`` at 00:00 of 1 May: a record dated 1 May alone (stored at that 00:00)
    happened in 1 May, after the window, so it is out of the 30 days to it and in
    the next 30 days (its first day): the window holds 30 days of dates alone (1
    to 30 April), and back-to-back windows from midnight share none. One with its
    time exactly at ``at`` stays in."""
    at = dt.datetime(2024, 5, 1)
    frame = pl.DataFrame(
        {
            "t": [at, at, at - dt.timedelta(days=30), at - dt.timedelta(days=1)],
            "time_precision": ["day", "exact", "day", "day"],
        }
    )
    kept = frame.select(in_window("t", at, 30, by_day=True))["t"].to_list()
    assert kept == [False, True, True, True]
    later = at + dt.timedelta(days=30)
    nxt = frame.select(in_window("t", later, 30, by_day=True))["t"].to_list()
    assert nxt == [True, False, False, False]
