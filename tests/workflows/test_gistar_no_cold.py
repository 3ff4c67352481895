"""Gi* on a mostly empty grid says that no cell can be a cold spot, and why.

London street crime, January-March 2022 (data.police.uk), 250 m cells over the
events' bounding box: 184,886 cells, 93 % empty, "9014 hot and 0 cold" in every
run: even a cell whose whole neighbourhood is empty had z -0.50 (p 0.62), so no
cell could ever be cold, and nothing said so.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl

from avert.analyse.gistar import NO_COLD_SPOT
from avert.workflows.places import run_emerging, run_gistar


def _events(*, dense: bool) -> pl.DataFrame:
    rng = np.random.default_rng(11)
    n = 4000 if dense else 400
    side = 900.0 if dense else 6000.0  # 6 x 6 cells of 150 m, or 40 x 40
    x = 531000.0 + rng.uniform(0, side, n)
    y = 180500.0 + rng.uniform(0, side, n)
    days = rng.integers(0, 120, n)
    return pl.DataFrame(
        {
            "x": x,
            "y": y,
            "occurred_at": [
                dt.datetime(2024, 9, 1) + dt.timedelta(days=int(d)) for d in days
            ],
        }
    )


def _no_cold(notes: tuple[str, ...]) -> list[str]:
    return [n for n in notes if n.startswith(NO_COLD_SPOT)]


def test_gistar_on_a_mostly_empty_grid_says_no_cell_can_be_cold() -> None:
    res = run_gistar(_events(dense=False), cell_size_m=150.0)
    (note,) = _no_cold(res.notes)
    assert "bounding box" in note
    assert res.frame.filter(pl.col("spot") == "cold").height == 0
    assert not _no_cold(run_gistar(_events(dense=True), cell_size_m=150.0).notes)


def test_emerging_hotspots_on_a_mostly_empty_grid_say_no_cell_can_be_cold() -> None:
    at = dt.datetime(2024, 12, 29)
    res = run_emerging(_events(dense=False), at=at, slices=4, slice_days=30)
    (note,) = _no_cold(res.notes)
    assert "in 4 of the 4 slices" in note
    assert "oscillating" in note
    dense = run_emerging(_events(dense=True), at=at, slices=4, slice_days=30)
    assert not _no_cold(dense.notes)
