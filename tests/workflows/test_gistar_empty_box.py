"""Gi* over a force's bounding box called thousands of empty cells hot.

West Yorkshire's violence of July 2018 (data.police.uk, 150 m cells): the box was
216,376 cells, 97.6 % empty; ``avert analyse gistar`` listed 6,816 hot cells, 3,826
of which held no event, and a 3 x 3 neighbourhood of 5 events read hot, without a
word. Over the cells with an event (``--study-area active``) 144 were hot. The
command's default is now the active cells, and the box says what its "hot" means.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl

from avert.workflows.places import run_gistar


def _two_towns() -> pl.DataFrame:
    """Two towns 20 km apart, each a 2 x 2 km spread of 300 events with a busy
    square of 40, over a month: the box between them is empty ground."""
    rng = np.random.default_rng(5)
    parts = []
    for x0 in (400_000.0, 420_000.0):
        xy = rng.uniform(0, 2_000, (300, 2)) + np.array([x0, 430_000.0])
        busy = np.full((40, 2), (x0 + 1_010.0, 431_010.0))
        parts.append(np.vstack([xy, busy]))
    xy = np.vstack(parts)
    return pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": [dt.datetime(2018, 7, 1)] * len(xy),
        }
    )


def test_box_says_how_many_hot_cells_are_empty_and_how_few_events_read_hot() -> None:
    events = _two_towns()
    box = run_gistar(events, study_area="grid")
    (note,) = [n for n in box.notes if n.startswith("Over the events' bounding box")]
    hot = box.frame.filter(pl.col("spot") == "hot")
    empty_hot = hot.filter(pl.col("value") == 0).height
    assert empty_hot > 0
    assert f"{empty_hot:,} of the {hot.height:,} hot cells hold no event" in note
    # the fewest events of a hot cell's 3 x 3 neighbourhood, counted by hand
    values = box.frame.sort("row", "col")["value"].to_numpy()
    grid = values.reshape(box.frame["row"].max() + 1, box.frame["col"].max() + 1)
    padded = np.pad(grid, 1)
    sums = sum(
        padded[1 + dr : 1 + dr + grid.shape[0], 1 + dc : 1 + dc + grid.shape[1]]
        for dr in (-1, 0, 1)
        for dc in (-1, 0, 1)
    )
    fewest = int(sums[hot["row"].to_numpy(), hot["col"].to_numpy()].min())
    assert re.search(rf"a neighbourhood of {fewest} events reads hot", note), note
    assert box.params["study_area"] == "grid"


def test_active_cells_call_no_empty_cell_hot_and_need_no_such_note() -> None:
    events = _two_towns()
    box = run_gistar(events, study_area="grid")
    active = run_gistar(events, study_area="active")
    hot = active.frame.filter(pl.col("spot") == "hot")
    assert 0 < hot.height < box.frame.filter(pl.col("spot") == "hot").height
    assert (hot["value"] > 0).all()
    assert not [n for n in active.notes if n.startswith("Over the events' bounding")]
