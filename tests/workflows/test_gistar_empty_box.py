"""Gi* over a force's bounding box called thousands of empty cells hot.

West Yorkshire's violence of July 2018 (data.police.uk, 150 m cells): the box was
216,376 cells, 97.6 % empty; ``avert analyse gistar`` listed 6,816 hot cells, 3,826
of which held no event, and a 3 x 3 neighbourhood of 5 events read hot, without a
word. Over the cells with an event (``--study-area active``) 144 were hot. The
command's default is now the active cells, and the box says what its "hot" means.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.workflows.places import run_emerging, run_gistar


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
    # said of the cells where events happen, not of "NaN or masked" cells
    inside = box.frame.filter(pl.col("value") > 0).height
    outside = box.frame.height - inside
    assert active.notes[1] == (
        f"The study area is the {inside:,} cells with an event in the data read "
        f"before the window's end; the box's other {outside:,} cells are outside the study area "
        "and left out (--study-area grid tests them too)."
    )


def _two_towns_over_months() -> pl.DataFrame:
    """The two towns over four months, the busy squares in the last two only."""
    rng = np.random.default_rng(6)
    frames = []
    for month in range(4):
        town = _two_towns().sample(fraction=1.0, seed=month)
        if month < 2:  # no busy square yet
            town = town.filter(pl.col("x") % 1_000 != 10.0)
        shift = rng.uniform(-1, 1, (town.height, 2))
        frames.append(
            town.with_columns(
                x=pl.col("x") + shift[:, 0],
                y=pl.col("y") + shift[:, 1],
                occurred_at=pl.lit(dt.datetime(2018, 3 + month, 1)),
            )
        )
    return pl.concat(frames)


def _ever_empty(frame: pl.DataFrame, events: pl.DataFrame) -> int:
    """Cells of ``frame`` (with ``cell_id``) where no event of ``events`` fell."""
    ids = events.select(
        pl.format(
            "150m:E{}:N{}",
            (pl.col("x") / 150).floor().cast(pl.Int64),
            (pl.col("y") / 150).floor().cast(pl.Int64),
        )
    ).to_series()
    return frame.filter(~pl.col("cell_id").is_in(ids.implode())).height


def test_hotspots_over_the_active_cells_give_no_empty_cell_a_pattern(
    tmp_path: Path,
) -> None:
    """``analyse hotspots`` over the box gave empty cells beside busy ones a
    pattern, as Gi* did (London's first quarter of 2022 by month: 18,630 cells
    with a pattern over the box, 518 over the active cells, now the default)."""
    events = _two_towns_over_months()
    at = dt.datetime(2018, 7, 1)
    box = run_emerging(events, at=at, slices=4, slice_months=1, study_area="grid")
    assert _ever_empty(box.frame, events) > 0
    path = tmp_path / "towns.csv"
    events.write_csv(path)
    args = ["analyse", "hotspots", "--csv", str(path), "--at", "2018-07-01"]
    res = CliRunner().invoke(
        app, [*args, "--slices", "4", "--slice-months", "1", "--json"]
    )
    assert res.exit_code == 0, res.output
    cells = pl.DataFrame(json.loads(res.output)["cells"])
    assert 0 < cells.height < box.frame.height
    assert _ever_empty(cells, events) == 0


def _later_elsewhere(events: pl.DataFrame) -> pl.DataFrame:
    """``events`` and, a month after them, 200 events spread over the empty ground
    between the two towns (cells with no event before)."""
    rng = np.random.default_rng(7)
    xy = rng.uniform(0, 18_000, (200, 2)) + np.array([402_000.0, 428_000.0])
    later = pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": [events["occurred_at"].max() + dt.timedelta(days=40)] * 200,
        }
    )
    return pl.concat([events, later])


def test_active_cells_of_a_past_window_ignore_later_records() -> None:
    """The active cells were those with an event at any time in the store, later
    records too: London's January 2022 read 450 hot cells with February and March
    in the store and 268 without them. A past window's answer must not change as
    later months are loaded."""
    events = _two_towns_over_months()
    window = {"date_from": dt.datetime(2018, 5, 1), "date_to": dt.datetime(2018, 7, 1)}
    alone = run_gistar(events, study_area="active", **window)
    more = run_gistar(_later_elsewhere(events), study_area="active", **window)
    assert more.notes[:2] == alone.notes[:2]
    assert more.frame.equals(alone.frame)


def test_hotspots_active_cells_ignore_records_after_at() -> None:
    events = _two_towns_over_months()
    at = dt.datetime(2018, 7, 1)
    kw = {"at": at, "slices": 4, "slice_months": 1, "study_area": "active"}
    alone = run_emerging(events, **kw)  # type: ignore[arg-type]
    more = run_emerging(_later_elsewhere(events), **kw)  # type: ignore[arg-type]
    assert alone.frame.height > 0
    assert more.frame.equals(alone.frame)


def test_active_cells_without_history_say_they_are_the_window_s_own() -> None:
    """On a store of one month (West Yorkshire's July 2018: 144 hot, 0 cold of
    5,253 cells) every active cell holds an event of the window: the study area is
    chosen from the counts tested, which the output did not say."""
    month = run_gistar(_two_towns(), study_area="active")
    tested = month.frame.filter(pl.col("value").is_not_nan()).height
    (note,) = [n for n in month.notes if n.startswith("Every one of the")]
    assert note.startswith(f"Every one of the {tested:,} cells tested holds an event")
    assert "chosen from the counts tested" in note
    # with months before the window, cells with none in it are tested too
    history = run_gistar(
        _two_towns_over_months(),
        study_area="active",
        date_from=dt.datetime(2018, 6, 1),
        date_to=dt.datetime(2018, 7, 1),
    )
    assert (history.frame["value"] == 0).any()
    assert not [n for n in history.notes if n.startswith("Every one of the")]
    box = run_gistar(_two_towns(), study_area="grid")
    assert not [n for n in box.notes if n.startswith("Every one of the")]
