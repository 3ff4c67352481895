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
