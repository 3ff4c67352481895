"""``avert analyse near-repeat|gistar|hotspots --csv ... --json``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import polars as pl
from test_nearrepeat import T0, _contagious
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


def test_near_repeat_table_says_the_smallest_p_the_permutations_allow(
    tmp_path: Path,
) -> None:
    """The table's p of 0.050 with 19 permutations is the floor, not a measured
    0.05: the notes saying so were printed with --json only."""
    res = CliRunner().invoke(
        app,
        ["analyse", "near-repeat", "--csv", str(_csv(tmp_path)), "--sims", "19"],
        terminal_width=200,
    )
    assert res.exit_code == 0, res.output
    assert "Smallest possible p-value with 19 permutations: 0.05." in res.output


def test_near_repeat_cli_refuses_month_only_dates(tmp_path: Path) -> None:
    """A CSV of data.police.uk months (every record on the 1st): the Knox test read
    'the same month' as a near repeat (the City of London's 2019: ratio 1.04 * in
    0-100 m, 0-7 days) without a word; it now stops and says why."""
    f = _contagious(1).with_columns(pl.col("occurred_at").dt.truncate("1mo"))
    p = tmp_path / "months.csv"
    f.write_csv(p)
    res = CliRunner().invoke(
        app, ["analyse", "near-repeat", "--csv", str(p), "--sims", "19"]
    )
    assert res.exit_code != 0
    # the command line's error handler prints it as "Error: ..." (main)
    assert "first of a month" in str(res.exception)
    assert "near-repeat (ratio" not in res.output


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
    payload = json.loads(res.output)
    assert "cells" in payload
    # the study area changes every figure: the JSON names it, as gistar's does
    assert payload["study_area"] == "active"


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
    # a zone of the 30 days' incidents that ended before ``at`` is not marked
    assert (z.zones["until"] > at).all()
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
    monkeypatch.setattr(
        places, "run_emerging", lambda *a, **k: places.EmergingResult(frame)
    )
    monkeypatch.setattr(
        "avert.cli.analyse_places.read_events", lambda *a, **k: pl.DataFrame()
    )
    # No store here: the cells are named by none (the names are tested in
    # tests/cli/test_analyse_places.py).
    monkeypatch.setattr(
        "avert.cli.analyse_places.with_cell_names",
        lambda _ctx, _csv, frame, **_k: frame.with_columns(
            near=pl.lit(None, pl.String)
        ),
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


#: One event mis-geocoded 300 km east of the others (0..5 km; inside the CRS's
#: area, so ingest keeps it), in every window of the tests below.
_STRAY = {"x": 305_000.0, "y": 2_500.0, "occurred_at": T0 + dt.timedelta(days=200)}


def _with_stray(frame: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([frame, pl.DataFrame([_STRAY], schema=frame.schema)])


def _run(csv: Path, *args: str) -> str:
    res = CliRunner().invoke(
        app, ["analyse", *args, "--csv", str(csv)], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    return res.output


def test_gistar_grid_leaves_a_stray_300_km_away_out_with_a_note(
    tmp_path: Path,
) -> None:
    far = tmp_path / "far.csv"
    _with_stray(_contagious(1)).write_csv(far)
    args = ("gistar", "--cell", "150", "--study-area", "grid")
    alone = json.loads(_run(_csv(tmp_path), *args, "--json"))
    stray = json.loads(_run(far, *args, "--json"))
    # the grid of the bulk (5 km: 34 x 34 cells), not 305 km wide: the same spots
    assert stray["notes"][:-1] == alone["notes"]
    assert "cells of 1,156 at FDR" in alone["notes"][0]
    assert stray["spots"] == alone["spots"]
    note = stray["notes"][-1]
    assert note.startswith(
        "Left out of the Gi* grid: 1 of 601 located events lies far from the bulk"
    )
    assert "first at x 305000, y 2500)" in note
    assert "note: Left out of the Gi* grid: 1 of 601" in " ".join(
        _run(far, *args).split()
    )


def test_emerging_hotspot_grid_leaves_a_stray_300_km_away_out_with_a_note(
    tmp_path: Path,
) -> None:
    far = tmp_path / "far.csv"
    _with_stray(_contagious(1)).write_csv(far)
    args = ("hotspots", "--at", "2025-01-05", "--slices", "4", "--slice-days", "90")
    alone = json.loads(_run(_csv(tmp_path), *args, "--json"))
    stray = json.loads(_run(far, *args, "--json"))
    assert stray["cells"] == alone["cells"]  # the bulk's grid, not 305 km wide
    assert stray["counts"] == alone["counts"]
    # no stray: only the notes that 4 slices can show no trend and this sparse
    # grid no cold spot
    assert [n[:26] for n in alone["notes"]] == [
        "With 4 slices the trend te",
        "No cell can be a cold spot",
    ]
    note = stray["notes"][-1]
    assert note.startswith("Left out of the hotspot grid: 1 of ")
    assert "first at x 305000, y 2500)" in note
    assert "note: Left out of the hotspot grid: 1 of" in " ".join(
        _run(far, *args).split()
    )


def test_without_a_stray_gistar_and_emerging_grid_every_event() -> None:
    """No event far from the others: the grids, figures and notes are those of
    every event, as before the bulk rule."""
    from avert.analyse.gistar import gi_star
    from avert.workflows.places import count_grid, run_emerging, run_gistar

    f = _contagious(1)
    grid, counts, _ = count_grid(f, 150.0)
    before = gi_star(counts, radius=1, alpha=0.05)
    res = run_gistar(f, cell_size_m=150.0)
    # and, as no cell can be cold over the box, the option that tests fewer cells
    assert res.notes[: len(before.notes)] == before.notes
    assert [n[:27] for n in res.notes[len(before.notes) :]] == [
        "study_area='active' (analys",
        "Over the events' bounding b",  # hot cells that hold no event
    ]
    assert res.frame.height == grid.n_cells
    assert res.frame.drop("cell_id", "x", "y").equals(before.frame)
    em = run_emerging(f, at=dt.datetime(2025, 1, 5), slices=4, slice_days=90)
    assert [n[:26] for n in em.notes] == [  # no stray
        "With 4 slices the trend te",
        "No cell can be a cold spot",
    ]
    assert em.frame.height > 0


def test_gistar_on_events_in_one_cell_says_what_to_change() -> None:
    """A bundle whose events lie in one or two cells: the error named an array
    ("values must be a 2-D grid with at least 3 cells"), not the cells and the
    options that give more of them."""
    import pytest

    from avert.errors import ConfigError
    from avert.workflows.places import run_gistar

    with pytest.raises(ConfigError, match=r"lie in 1 cell\(s\) of 150 m.*--cell"):
        run_gistar(_contagious(1).head(1), cell_size_m=150.0)


def test_gistar_table_says_when_it_is_cut(monkeypatch: object) -> None:
    """ "67 hot and 0 cold cells" above a table of 30 rows, and nothing saying the
    other 37 were left out: the table now says how many it shows (50 by default,
    ``--limit`` as for hotspots), and ``--limit 0`` shows every cell."""
    import types

    import pytest

    import avert.workflows.places as places

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    n = 67
    frame = pl.DataFrame(
        {
            "cell_id": [f"150m:E{k}:N1" for k in range(n + 3)],
            "spot": ["hot"] * n + ["none"] * 3,
            "value": [1.0] * (n + 3),
            "z": [10.0 - k / 10 for k in range(n + 3)],
            "q_value": [0.001] * (n + 3),
        }
    )
    result = types.SimpleNamespace(
        frame=frame,
        notes=(f"{n} hot and 0 cold cells of 900 at FDR 0.05.",),
        params={},
        method="",
        source="",
    )
    monkeypatch.setattr(places, "run_gistar", lambda *a, **k: result)
    monkeypatch.setattr(
        "avert.cli.analyse_places.read_events", lambda *a, **k: pl.DataFrame()
    )
    # No store here: the cells are named by none (the names are tested in
    # tests/cli/test_analyse_places.py).
    monkeypatch.setattr(
        "avert.cli.analyse_places.with_cell_names",
        lambda _ctx, _csv, frame, **_k: frame.with_columns(
            near=pl.lit(None, pl.String)
        ),
    )
    args = ["analyse", "gistar"]
    res = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    assert res.output.count("150m:E") == 50
    assert "First 50 of 67 cells" in res.output
    every = CliRunner().invoke(app, [*args, "--limit", "0"], env={"COLUMNS": "200"})
    assert every.output.count("150m:E") == n
    assert "First" not in every.output
    few = CliRunner().invoke(app, [*args, "--limit", "5"], env={"COLUMNS": "200"})
    assert few.output.count("150m:E") == 5
    assert "First 5 of 67 cells" in few.output
    bad = CliRunner().invoke(app, [*args, "--limit", "-1"])
    assert bad.exit_code == 2


def test_hotspots_on_events_in_one_cell_says_what_to_change() -> None:
    """The same for emerging hotspots: ``avert analyse hotspots`` on events in one
    cell printed "values must be a 2-D grid with at least 3 cells"."""
    import pytest

    from avert.errors import ConfigError
    from avert.workflows.places import run_emerging

    with pytest.raises(ConfigError, match=r"lie in 1 cell\(s\) of 150 m.*--cell"):
        run_emerging(
            _contagious(1).head(2).with_columns(x=pl.lit(10.0), y=pl.lit(10.0)),
            at=dt.datetime(2025, 1, 5),
            slices=4,
            slice_days=90,
        )


def test_gistar_table_shows_a_cells_count_whole(tmp_path: Path) -> None:
    """A cell with 12,345 events showed "1.234e+04" in the value column."""
    rng = np.random.default_rng(0)
    n = 12_345
    busy = pl.DataFrame(
        {
            "x": np.concatenate([rng.uniform(0, 100, n), rng.uniform(0, 3000, 300)]),
            "y": np.concatenate([rng.uniform(0, 100, n), rng.uniform(0, 3000, 300)]),
            "occurred_at": [T0] * (n + 300),
        }
    )
    csv = tmp_path / "busy.csv"
    busy.write_csv(csv)
    out = _run(csv, "gistar", "--cell", "150")
    row = next(line for line in out.splitlines() if "150m:E0:N0" in line)
    value = row.split("│")[3].strip()
    assert value.isdigit(), row  # 12345 and the few others in the cell, not 1.23e+04
    assert int(value) >= n


def test_a_cell_of_zero_metres_is_refused_not_a_traceback(tmp_path: Path) -> None:
    """``--cell 0`` divided by zero in the grid and ended in "ValueError: cannot
    convert float NaN to integer" (gistar, hotspots, forecast); now the grid
    refuses it as it refused a negative size."""
    import pytest

    from avert.analyse.forecast import Grid
    from avert.errors import ConfigError

    xs, ys = np.array([0.0, 500.0]), np.array([0.0, 300.0])
    for make in (Grid.anchored, Grid.covering):
        with pytest.raises(ConfigError, match="cell_size_m must be a positive"):
            make(xs, ys, 0.0)
    csv = _csv(tmp_path)
    for args in (
        ["analyse", "gistar", "--cell", "0"],
        ["analyse", "hotspots", "--at", "2025-01-05", "--cell", "0"],
        ["forecast", "--at", "2024-12-01", "--cell", "0"],
    ):
        res = CliRunner().invoke(app, [*args, "--csv", str(csv)])
        # the command line refuses it first: a usage error naming --cell (exit 2)
        assert res.exit_code == 2, res.output
        assert "Invalid value for '--cell'" in res.output, res.output


def test_gistar_cli_study_area(tmp_path: Path) -> None:
    """``--study-area active`` tests only the cells with an event at any time of
    the data read: the empty cells of the box are left out (a note counts them),
    so no spot is an empty cell, and the box's no-cold note names the option; a
    typo is a usage error naming the choices."""
    csv = _csv(tmp_path)
    args = ["analyse", "gistar", "--csv", str(csv), "--cell", "150", "--json"]
    box = json.loads(CliRunner().invoke(app, [*args, "--study-area", "grid"]).output)
    assert any(s["value"] == 0 for s in box["spots"])  # an empty cell, hot
    assert any("--study-area active" in n for n in box["notes"])
    assert box["params"]["study_area"] == "grid"
    res = CliRunner().invoke(app, args)  # the default since 2026-12
    assert res.exit_code == 0, res.output
    active = json.loads(res.output)
    assert active["params"]["study_area"] == "active"
    assert active["spots"]
    assert all(s["value"] > 0 for s in active["spots"])
    assert any("outside the study area" in n for n in active["notes"])
    bad = CliRunner().invoke(app, [*args, "--study-area", "box"])
    assert bad.exit_code == 2
    assert "grid, active" in bad.output
