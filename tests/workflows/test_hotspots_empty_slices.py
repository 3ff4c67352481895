"""Emerging hot spots say when slices hold no event at all: months not loaded.

West Yorkshire's July 2018 beside the City of London's 2019, `avert analyse hotspots
--slice-months 1 --slices 18 --at 2020-01-01`: August to December 2018 hold no
record and the City none before 2019, yet every cell counted none there; 24 City
cells read *consecutive* (trend z 3.5, p 0.0005) and 38 *oscillating*, with no word
(12 slices of 2019 alone: 3 persistent, 3 sporadic, no trend).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from avert.workflows.places import run_emerging


def _year_2019(seed: int = 5) -> pl.DataFrame:
    """Each month of 2019: 120 records spread over 3 x 3 km, 20 at one place,
    every record dated the first of its month (data.police.uk)."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[float, float, dt.datetime]] = []
    for month in range(1, 13):
        first = dt.datetime(2019, month, 1)
        rows += [
            (float(x), float(y), first)
            for x, y in rng.uniform(0, 3_000, (120, 2)) + np.array([530_000, 180_000])
        ]
        rows += [(531_520.0, 181_520.0, first)] * 20
    return pl.DataFrame(rows, schema=["x", "y", "occurred_at"], orient="row")


def _empty_notes(notes: tuple[str, ...]) -> list[str]:
    return [n for n in notes if "hold no event at all" in n]


def test_slices_before_the_data_are_said_to_hold_none() -> None:
    res = run_emerging(
        _year_2019(), at=dt.datetime(2020, 1, 1), slices=18, slice_months=1
    )
    (note,) = _empty_notes(res.notes)
    assert note.startswith(
        "6 of the 18 slices hold no event at all (2018-07, 2018-08, 2018-09, "
        "2018-10, 2018-11, 2018-12)"
    ), note


def test_slices_the_data_cover_have_no_such_note() -> None:
    res = run_emerging(
        _year_2019(), at=dt.datetime(2020, 1, 1), slices=12, slice_months=1
    )
    assert not _empty_notes(res.notes), res.notes


def test_slices_of_days_name_their_first_day() -> None:
    """Records every day from 1 January 2019; ten weekly slices to 15 February
    start on 7 December 2018: the first three hold none."""
    rng = np.random.default_rng(7)
    days = [dt.datetime(2019, 1, 1, 12) + dt.timedelta(days=d) for d in range(60)]
    rows = [
        (float(x), float(y), day)
        for day in days
        for x, y in rng.uniform(0, 3_000, (15, 2)) + np.array([530_000, 180_000])
    ]
    events = pl.DataFrame(rows, schema=["x", "y", "occurred_at"], orient="row")
    res = run_emerging(events, at=dt.datetime(2019, 2, 15), slices=10, slice_days=7.0)
    (note,) = _empty_notes(res.notes)
    assert note.startswith(
        "3 of the 10 slices hold no event at all (2018-12-07, 2018-12-14, 2018-12-21)"
    ), note
