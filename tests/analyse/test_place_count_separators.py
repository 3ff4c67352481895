"""Counts in the place statistics' lines carry thousands separators, as every other
count avert prints: on a force's month, ``avert analyse gistar`` said "6816 hot and
0 cold cells of 216376", near repeat "1200 events, 15342 pairs in range", and the
reader of classified incidents "1500 incidents have no classification"."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
from test_nearrepeat import _contagious
from typer.testing import CliRunner

from avert.analyse.forecast import bulk_events
from avert.analyse.gistar import gi_star
from avert.cli import app
from avert.workflows.analysis import classification_policy


def test_gistar_headline_and_outside_cells_have_separators() -> None:
    values = np.zeros((40, 40))
    values[20, 20] = 50.0
    values[:30, :] = np.nan  # 1,200 cells outside the study area
    notes = gi_star(values).notes
    assert notes[0].endswith("cold cells of 400 at FDR 0.05.")
    assert notes[1].startswith("1,200 cells outside the study area")
    whole = gi_star(np.where(np.isnan(values), 0.0, values)).notes
    assert "cold cells of 1,600 at FDR" in whole[0]


def test_unclassified_count_has_separators() -> None:
    n = 1500
    incidents = pl.DataFrame(
        {"incident_id": [f"i{k}" for k in range(n)], "in_definition": [None] * n},
        schema={"incident_id": pl.String, "in_definition": pl.Boolean},
    )
    frames = classification_policy(
        incidents, incidents, profile="avb-2010", stored=True, violence_only=True
    )
    assert frames.notes[0].startswith("1,500 incidents have no classification")


def test_near_repeat_line_and_stray_note_have_separators(tmp_path: Path) -> None:
    events = _contagious(1, n=1000)  # 1,000 events and about 500 followers
    path = tmp_path / "ev.csv"
    events.write_csv(path)
    res = CliRunner().invoke(
        app,
        ["analyse", "near-repeat", "--csv", str(path), "--sims", "9"],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    assert f"{events.height:,} events, " in res.output
    stray = pl.DataFrame({"x": [9e6], "y": [9e6], "occurred_at": [None]})
    _, note = bulk_events(
        pl.concat([events, stray], how="diagonal_relaxed"), grid="Gi* grid"
    )
    assert note is not None
    assert f"1 of {events.height + 1:,} located events" in note


def test_briefing_place_reasons_have_separators() -> None:
    """A busy cell's reason read "harm 3315 days" in the daily briefing's places
    (the tour's synthetic city), where every other count has separators."""
    from avert.briefing.places import _reasons

    row = {"score": 1234.5, "rank": 1, "n_events": 1500, "harm_days": 3315.0}
    reasons = _reasons(row, period="the last 28 days", bandwidth_m=300.0)
    assert "1,500 violent incidents in this cell in the last 28 days" in reasons[1]
    assert reasons[1].endswith("harm 3,315 days")
