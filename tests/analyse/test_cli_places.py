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
