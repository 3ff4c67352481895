"""``avert analyse near-repeat`` as a user reads it at 80 columns."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


def _contagious_events(tmp_path: Path, n_parents: int = 300) -> Path:
    """Parents spread over 3 km and 200 days, each followed by a child within
    about 40 m and 1-3 days: contagion in the closest band only."""
    rng = np.random.default_rng(3)
    xy = rng.uniform(0, 3000, (n_parents, 2))
    days = rng.uniform(0, 200, n_parents)
    child_xy = xy + rng.normal(0, 20, (n_parents, 2))
    child_days = days + rng.uniform(1, 3, n_parents)
    t0 = dt.datetime(2024, 1, 1)
    frame = pl.DataFrame(
        {
            "x": np.concatenate([xy[:, 0], child_xy[:, 0]]),
            "y": np.concatenate([xy[:, 1], child_xy[:, 1]]),
            "occurred_at": [
                t0 + dt.timedelta(days=float(d))
                for d in np.concatenate([days, child_days])
            ],
        }
    )
    path = tmp_path / "events.csv"
    frame.write_csv(path)
    return path


def test_near_repeat_table_keeps_ratio_and_p_at_80_columns(tmp_path: Path) -> None:
    csv = _contagious_events(tmp_path)
    res = CliRunner().invoke(
        app,
        ["analyse", "near-repeat", "--csv", str(csv), "--sims", "99"],
        env={"COLUMNS": "80"},
    )
    assert res.exit_code == 0, res.output
    assert "not shown" not in res.output, res.output
    header = next(line for line in res.output.splitlines() if "metres" in line)
    assert "ratio" in header, header
    assert " p " in header, header
    rows = {
        tuple(cell.strip() for cell in line.strip("│ ").split("│")[:2]): line
        for line in res.output.splitlines()
        if line.startswith("│")
    }
    assert "*" in rows[("0-100", "0-7")], res.output  # the planted contagion
    assert "*" not in rows[("400-500", "28+")], res.output
    assert ("0-100", "28+") in rows  # the open last time band


def test_a_band_with_no_expected_pair_shows_no_ratio(tmp_path: Path) -> None:
    """Two events 10 m and 1 day apart: the 0-100 m / 0-7 day band holds the only
    pair, every other band expects none (its ratio is n/a, not nan)."""
    frame = pl.DataFrame(
        {
            "x": [0.0, 10.0],
            "y": [0.0, 0.0],
            "occurred_at": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)],
        }
    )
    path = tmp_path / "two.csv"
    frame.write_csv(path)
    res = CliRunner().invoke(
        app,
        ["analyse", "near-repeat", "--csv", str(path), "--sims", "9"],
        env={"COLUMNS": "80"},
    )
    assert res.exit_code == 0, res.output
    assert "nan" not in res.output
    assert "n/a" in res.output


def test_near_repeat_table_says_which_band_holds_an_edge(tmp_path: Path) -> None:
    """ "0-7" above "7-14": the table did not say which holds a gap of exactly 7
    days (the calculator labels its bands "0 to 7", "8 to 14"); the caption says
    with the table's own bands."""
    csv = _contagious_events(tmp_path, n_parents=40)
    for time, words in [
        ("0,7,14", "exactly 7 days is in 7-14"),
        ("0,3", "3+"),
        ("0,1,7", "exactly 1 day is in 1-7"),
    ]:
        res = CliRunner().invoke(
            app,
            [
                "analyse",
                "near-repeat",
                "--csv",
                str(csv),
                "--sims",
                "9",
                "--time",
                time,
            ],
            env={"COLUMNS": "200"},
        )
        assert res.exit_code == 0, res.output
        caption = " ".join(res.output.split())
        assert "a band holds its lower edge, not its upper" in caption
        assert words in caption


def test_near_repeat_distance_manhattan(tmp_path: Path) -> None:
    """`--distance manhattan` counts |dx| + |dy|: a pair 60 m east and 60 m north
    (85 m straight, 120 m by the streets) moves from 0-100 m to 100-200 m."""
    frame = pl.DataFrame(
        {
            "x": [0.0, 60.0],
            "y": [0.0, 60.0],
            "occurred_at": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)],
        }
    )
    path = tmp_path / "two.csv"
    frame.write_csv(path)
    args = ["analyse", "near-repeat", "--csv", str(path), "--space", "0,100,200"]
    observed = {}
    for metric in ("euclidean", "manhattan"):
        res = CliRunner().invoke(
            app, [*args, "--time", "0,7", "--sims", "9", "--distance", metric, "--json"]
        )
        assert res.exit_code == 0, res.output
        observed[metric] = [b["observed"] for b in json.loads(res.output)["bands"]]
    assert observed == {"euclidean": [1, 0, 0, 0], "manhattan": [0, 0, 1, 0]}
    bad = CliRunner().invoke(app, [*args, "--distance", "chebyshev"])
    assert bad.exit_code == 2
    assert "euclidean or manhattan" in bad.output


def test_month_only_store_is_refused_before_the_analyses_are_loaded(
    sqlite_store: Store,
) -> None:
    """The City of London's 2019 (data.police.uk, every record month-only) took
    11 s to be refused: the store was counted only after the near-repeat test,
    forecasts and briefing modules were imported. A fresh process refuses it
    having imported none of them (the refusal's count is one query)."""
    n = 12
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [f"m{i}" for i in range(n)],
                    "source": ["policeuk"] * n,
                    "occurred_from": [dt.datetime(2019, 1 + i, 1) for i in range(n)],
                    "time_precision": ["month"] * n,
                    "x": [100.0 * i for i in range(n)],
                    "y": [100.0] * n,
                }
            ),
        )
    script = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from avert.cli import app\n"
        "r = CliRunner().invoke(app, ['--db', sys.argv[1], 'analyse', 'near-repeat'])\n"
        "print(r.exit_code, type(r.exception).__name__)\n"
        "print(' '.join(m for m in sys.modules if m.startswith("
        "('avert.analyse', 'avert.briefing', 'avert.workflows.forecast', "
        "'avert.workflows.places'))))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, sqlite_store.url.sqlalchemy],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    status, loaded = [*done.stdout.splitlines(), ""][:2]
    assert status == "1 ConfigError", done.stdout + done.stderr
    assert loaded == "", "imported before the refusal: " + loaded


def _named_store(store: Store) -> None:
    """60 violent incidents in one 150 m cell on Cheapside and 30 elsewhere, each
    alone in a cell of its own on a 450 m lattice, one every day of 2024's first
    90 days, all in the definition."""
    cluster = [(1020.0 + i % 10 * 10, 1020.0 + i // 10 * 10) for i in range(60)]
    lattice = [(3000.0 + 450 * (i % 6), 3000.0 + 450 * (i // 6)) for i in range(30)]
    xy = cluster + lattice
    n = len(xy)
    t0 = dt.datetime(2024, 1, 1, 21, 0)
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(n)],
                    "source": ["test"] * n,
                    "occurred_from": [t0 + dt.timedelta(days=i % 90) for i in range(n)],
                    "time_precision": ["exact"] * n,
                    "x": [p[0] for p in xy],
                    "y": [p[1] for p in xy],
                    "location": ["On or near Cheapside"] * 60
                    + ["On or near Lane"] * 30,
                    "lsoa_name": ["City of London 001F"] * n,
                }
            ),
        )
        tx.append(
            "classifications",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(n)],
                    "profile": ["avb-2010"] * n,
                    "in_definition": [True] * n,
                    "harm_days": [1.0] * n,
                }
            ),
        )


def test_place_statistics_and_forecasts_name_each_cell(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Gi*, emerging hot spots and the forecast listed cells as "150m:E6:N6" while
    the briefing names each place: each row now says what it is near, as the
    briefing does (table column and JSON field ``near``)."""
    _named_store(sqlite_store)
    db = ["--db", sqlite_store.url.sqlalchemy]
    named = "Cheapside · City of London 001F"
    out = str(tmp_path / "forecast")
    res = CliRunner().invoke(app, [*db, "analyse", "gistar", "--json"])
    assert res.exit_code == 0, res.output
    spots = json.loads(res.stdout)["spots"]
    assert spots
    assert spots[0]["cell_id"] == "150m:E6:N6"
    assert spots[0]["near"] == named
    res = CliRunner().invoke(app, [*db, "analyse", "gistar"], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert named in res.output
    res = CliRunner().invoke(
        app,
        [*db, "forecast", "--at", "2024-03-20", "--cells", "3", "--json", "--out", out],
        env={"COLUMNS": "160"},
    )
    assert res.exit_code == 0, res.output
    top = json.loads(res.stdout)["top_cells"]
    assert top[0]["near"] == named
    slices = ["--slices", "3", "--slice-days", "30"]
    res = CliRunner().invoke(
        app, [*db, "analyse", "hotspots", "--at", "2024-03-31", *slices, "--json"]
    )
    assert res.exit_code == 0, res.output
    cells = json.loads(res.stdout)["cells"]
    assert {c["cell_id"]: c["near"] for c in cells}.get("150m:E6:N6") == named
