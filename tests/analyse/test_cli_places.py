"""``avert analyse near-repeat|gistar|hotspots --csv ... --json``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from test_nearrepeat import _contagious
from typer.testing import CliRunner

from avert.cli import app


def _csv(tmp_path: Path) -> Path:
    p = tmp_path / "ev.csv"
    _contagious(1).write_csv(p)
    return p


def test_near_repeat_cli(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        app,
        [
            "analyse",
            "near-repeat",
            "--csv",
            str(_csv(tmp_path)),
            "--space",
            "0,100,200",
            "--time",
            "0,7,14",
            "--sims",
            "19",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    bands = pl.DataFrame(json.loads(res.output)["bands"])
    first = bands.row(0, named=True)
    assert first["space_hi_m"] == 100
    assert first["p_value"] == 0.05  # 1 / (1 + 19): the smallest possible
    assert first["ratio"] > 3


def test_gistar_and_hotspots_cli(tmp_path: Path) -> None:
    csv = _csv(tmp_path)
    res = CliRunner().invoke(
        app, ["analyse", "gistar", "--csv", str(csv), "--cell", "500", "--json"]
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["params"]["radius"] == 1
    res = CliRunner().invoke(
        app,
        [
            "analyse",
            "hotspots",
            "--csv",
            str(csv),
            "--at",
            "2025-01-05",
            "--slices",
            "4",
            "--slice-days",
            "90",
            "--cell",
            "500",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert "cells" in json.loads(res.output)


def test_near_repeat_zones_only_when_contagion_found() -> None:
    import datetime as dt

    from avert.workflows.places import near_repeat_zones

    f = _contagious(1)
    at = dt.datetime(2025, 1, 1)
    last = f["occurred_at"].max()
    at = last + dt.timedelta(hours=1)  # type: ignore[operator]
    z = near_repeat_zones(
        f, at=at, hours=24 * 30, space_bands_m=[0, 100, 200], time_bands_days=[0, 7, 14]
    )
    assert z.radius_m >= 100
    assert z.days == 7
    assert z.zones.height > 0
    assert (z.zones["radius_m"] == z.radius_m).all()
    shuffled = f.with_columns(
        pl.Series(
            "occurred_at", f["occurred_at"].sample(fraction=1, shuffle=True, seed=3)
        )
    )
    none = near_repeat_zones(
        shuffled,
        at=at,
        hours=24 * 30,
        space_bands_m=[0, 100, 200],
        time_bands_days=[0, 7, 14],
    )
    assert none.zones.is_empty()
    assert "No near-repeat contagion" in none.note


def test_hotspots_table_says_counts_and_cut(monkeypatch: object) -> None:
    """The table is cut at 50 cells: it says so, with the cells of each pattern."""
    import pytest

    import avert.workflows.places as places

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    patterns = ["new"] * 30 + ["consecutive"] * 5 + ["sporadic"] * 25
    frame = pl.DataFrame(
        {
            "cell_id": [f"150m:E{k}:N1" for k in range(60)],
            "pattern": patterns,
            "hot_slices": [1] * 60,
            "trend_z": [1.0] * 60,
            "trend_p": [0.5] * 60,
        }
    )
    monkeypatch.setattr(places, "run_emerging", lambda *a, **k: frame)
    monkeypatch.setattr(
        "avert.cli.analyse_places.read_events", lambda *a, **k: pl.DataFrame()
    )
    args = ["analyse", "hotspots", "--at", "2025-01-05"]
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert "60 cells with a pattern: 30 new, 5 consecutive, 25 sporadic." in res.output
    assert "First 50 of 60 cells" in res.output
    assert res.output.count("sporadic") == 1 + 15  # the count line and 15 rows
    every = CliRunner().invoke(app, [*args, "--limit", "0"], env={"COLUMNS": "200"})
    assert "First" not in every.output
    assert every.output.count("sporadic") == 1 + 25
    payload = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    assert payload["counts"] == {"new": 30, "consecutive": 5, "sporadic": 25}
    assert len(payload["cells"]) == 60
