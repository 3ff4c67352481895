"""Gi* on a grid stretched by a few outlying events says what that does to "hot".

City of London Police 2019 (data.police.uk): 98 % of the violent incidents lie within
2.8 x 1.6 km, but records in Epsom (21 km off) and Enfield, inside the bulk's 25 km
fences, made the grid 24,150 cells; "164 hot and 0 cold cells" were 132 of the 161
cells with any event, the City read hot against empty Greater London, and nothing
said so.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from avert.workflows.places import run_gistar


def _events(*, outlier: bool) -> pl.DataFrame:
    rng = np.random.default_rng(7)
    n = 600
    x = 531000.0 + rng.gamma(2.0, 500.0, n).clip(0, 2800)
    y = 180500.0 + rng.gamma(2.0, 300.0, n).clip(0, 1600)
    if outlier:  # a record 21 km south-west, as Epsom's
        x, y = np.append(x, 519726.0), np.append(y, 160461.0)
    return pl.DataFrame(
        {"x": x, "y": y, "occurred_at": [dt.datetime(2019, 7, 1)] * len(x)}
    )


def test_a_grid_mostly_empty_around_the_events_says_so() -> None:
    res = run_gistar(_events(outlier=True), cell_size_m=150.0)
    notes = [n for n in res.notes if "mostly empty" in n]
    assert len(notes) == 1, res.notes
    note = notes[0]
    assert "98 % of the events lie within" in note
    hot = res.frame.filter(pl.col("spot") == "hot")
    occupied = res.frame.filter(pl.col("value") > 0)
    assert f"of the {occupied.height:,} cells with events" in note
    assert f"({hot.filter(pl.col('value') > 0).height:,} " in note


def test_a_grid_that_fits_its_events_has_no_such_note() -> None:
    res = run_gistar(_events(outlier=False), cell_size_m=150.0)
    assert not [n for n in res.notes if "mostly empty" in n], res.notes
