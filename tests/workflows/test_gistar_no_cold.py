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


def _two_estates() -> pl.DataFrame:
    """Two estates of 10 x 10 cells, 40 cells apart across empty ground, with
    events in every cell for a year; in the last 30 days none in a 3 x 3 patch of
    the first estate (where the year's events were as many as elsewhere)."""
    rng = np.random.default_rng(5)
    frames = []
    for x0 in (531000.0, 531000.0 + 50 * 150.0):
        n = 12_000
        x = x0 + rng.uniform(0, 1500.0, n)
        y = 180450.0 + rng.uniform(0, 1500.0, n)
        days = rng.integers(0, 365, n)
        frames.append(pl.DataFrame({"x": x, "y": y, "day": days}))
    ev = pl.concat(frames)
    hole = (
        (pl.col("x") >= 531000.0 + 450)
        & (pl.col("x") < 531000.0 + 900)
        & (pl.col("y") >= 180450.0 + 450)
        & (pl.col("y") < 180450.0 + 900)
    )
    ev = ev.filter(~(hole & (pl.col("day") >= 335)))
    return ev.select(
        "x",
        "y",
        occurred_at=pl.lit(dt.datetime(2024, 1, 1)) + pl.duration(days=pl.col("day")),
    )


def test_gistar_over_the_active_cells_finds_the_cold_patch() -> None:
    """Over the box (mostly the empty ground between the estates) no cell can be
    cold; over the cells with an event in the year, the patch where none fell in
    the last 30 days is cold, and the ground between is left out."""
    events = _two_estates()
    window = {"date_from": dt.datetime(2024, 12, 1), "date_to": dt.datetime(2025, 1, 1)}
    box = run_gistar(events, cell_size_m=150.0, **window)
    assert _no_cold(box.notes)
    assert box.frame.filter(pl.col("spot") == "cold").height == 0
    active = run_gistar(events, cell_size_m=150.0, study_area="active", **window)
    assert not _no_cold(active.notes)
    cold = active.frame.filter(pl.col("spot") == "cold")
    assert cold.height >= 1
    # every cold cell lies in or next to the patch (cols 3-5, rows 3-5 of estate 1)
    assert cold["col"].is_between(2, 6).all()
    assert cold["row"].is_between(2, 6).all()
    tested = active.frame.filter(pl.col("z").is_not_nan())
    assert tested.height == 200  # the two estates' cells, not the ground between


def test_no_cold_note_over_a_study_area_does_not_blame_the_bounding_box() -> None:
    """``--study-area active`` over a window too short for any cell to be cold: the
    note said the grid over the events' bounding box was mostly zeros and advised
    a study area of the cells where events happen, which is what was asked for.
    It now says the study area's cells had too few events in the window."""
    events = _two_estates()
    window = {
        "date_from": dt.datetime(2024, 12, 30),
        "date_to": dt.datetime(2025, 1, 1),
    }
    active = run_gistar(events, cell_size_m=150.0, study_area="active", **window)
    (note,) = _no_cold(active.notes)
    assert "bounding box" not in note
    assert "Cold spots need a study area" not in note
    assert "study area" in note
    assert "longer window" in note
    box = run_gistar(events, cell_size_m=150.0, **window)
    (box_note,) = _no_cold(box.notes)
    assert "bounding box" in box_note  # over the box, as before
