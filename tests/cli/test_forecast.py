"""``avert forecast`` and ``avert forecast evaluate`` on a CSV and on a SQLite store."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.errors import ConfigError
from avert.store import Store
from avert.workflows.forecast import (
    parse_horizon,
    places_forecast,
    refuse_month_starts,
)

T0 = dt.datetime(2024, 1, 1)


def _frame(n: int = 800, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    hot = np.array([[1050.0, 1050.0], [1550.0, 1250.0], [450.0, 1750.0]])
    pick = rng.choice(3, n, p=[0.6, 0.3, 0.1])
    xy = hot[pick] + rng.normal(0, 25, (n, 2))
    return pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": [
                T0 + dt.timedelta(hours=int(h)) for h in rng.integers(0, 200 * 24, n)
            ],
        }
    )


def test_parse_horizon() -> None:
    assert parse_horizon("24h") == dt.timedelta(hours=24)
    assert parse_horizon("7d") == dt.timedelta(days=7)
    for bad in ("", "h", "-1h", "3x"):
        with pytest.raises(ConfigError):
            parse_horizon(bad)


def test_forecast_writes_grid_top_cells_and_backtested_share(tmp_path: Path) -> None:
    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    out = tmp_path / "out"
    res = CliRunner().invoke(
        app,
        [
            "forecast",
            "--csv",
            str(csv),
            "--at",
            "2024-07-01T00:00",
            "--cells",
            "3",
            "--cell",
            "100",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    assert payload["cells"] == 3
    assert payload["backtest_days"] == 90
    assert 0.3 < payload["expected_share_backtested"] <= 1.0
    top = pl.read_csv(out / "top_cells.csv")
    assert top.height == 3
    assert top["cell_id"][0] == "100m:E10:N10"  # the biggest hotspot's cell
    assert (out / "grid.csv").exists()


def test_evaluate_on_csv_reports_both_bases(tmp_path: Path) -> None:
    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    res = CliRunner().invoke(
        app,
        [
            "forecast",
            "evaluate",
            "--csv",
            str(csv),
            "--days",
            "10",
            "--cell",
            "100",
            "--models",
            "counting,default,sepp",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.output)
    summary = pl.DataFrame(payload["summary"])
    assert set(summary["basis"]) == {"bbox", "active"}
    assert set(summary["model"]) == {"counting", "default", "sepp"}
    assert summary["hit_rate"].is_between(0, 1).all()


def test_evaluate_table_says_what_each_basis_counts(tmp_path: Path) -> None:
    """The table's bases are explained under it: Toronto's "bbox 1 %: hit rate
    0.457, PAI 45.67" read as the forecast's own figure, beside "active 1 %:
    0.187"; bbox counts the rectangle's every cell (there, Lake Ontario's)."""
    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    args = ["forecast", "evaluate", "--events-file", str(csv), "--days", "5"]
    res = CliRunner().invoke(
        app, [*args, "--models", "counting"], env={"COLUMNS": "200"}
    )
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    shape = re.search(r"grid (\d+) x (\d+) cells", text)
    assert shape is not None
    cells = int(shape[1]) * int(shape[2])
    assert f"bbox: of all {cells:,} cells of the rectangle around every event" in text
    assert "active: of the cells with an event in the data" in text


def _store_events(store: Store, f: pl.DataFrame) -> None:
    """Append the events of ``f`` (``x``, ``y``, ``occurred_at``) as incidents."""
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(f.height)],
            "source": ["test"] * f.height,
            "occurred_from": f["occurred_at"],
            "time_precision": ["exact"] * f.height,
            "x": f["x"],
            "y": f["y"],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)


def test_places_forecast_reads_the_store(sqlite_store: Store) -> None:
    f = _frame(300)
    _store_events(sqlite_store, f)
    plan = places_forecast(
        sqlite_store, at=dt.datetime(2024, 7, 1), profile="avb-2010", cells=5
    )
    assert plan.frame.height == 5
    assert plan.backtest_share is not None
    assert any("No classifications" in n for n in plan.notes)


def test_forecast_table_says_how_much_of_each_cells_risk_is_its_own(
    tmp_path: Path,
) -> None:
    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    args = ["forecast", "--csv", str(csv), "--at", "2024-07-01T00:00", "--cells", "3"]
    res = CliRunner().invoke(app, [*args, "--cell", "100", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "own record" in res.output
    top = pl.read_csv(tmp_path / "top_cells.csv")
    parts = top.select("part_own", "part_near", "part_floor").sum_horizontal()
    assert parts.to_list() == pytest.approx([1.0] * 3)
    counted = CliRunner().invoke(
        app, [*args, "--model", "counting", "--out", str(tmp_path / "c")]
    )
    assert counted.exit_code == 0, counted.output
    assert "own record" not in counted.output
    # the risk column had no unit: a share of the forecast under the default model
    # (Toronto's top cell 0.007374), a count under counting (its grid sums to the
    # events), expected events under sepp
    assert "risk: each cell's share of the whole forecast (all cells sum to 1)" in (
        " ".join(res.output.split())
    )
    assert "risk: the counting model's score per cell (all cells sum to" in (
        " ".join(counted.output.split())
    )


def test_month_only_rows_are_left_out_of_day_forecasts(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # data.police.uk dates a month's records on its first day: a forecast from the
    # 15th would learn from the rest of the month (not yet happened), all of it
    # dated the 1st; they are left out and the command says so
    f = _frame(300)
    n_month = 500
    month_xy = _frame(n_month, seed=1)
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(f.height + n_month)],
            "source": ["test"] * f.height + ["policeuk"] * n_month,
            "occurred_from": [*f["occurred_at"], *[dt.datetime(2024, 7, 1)] * n_month],
            "time_precision": ["exact"] * f.height + ["month"] * n_month,
            "x": [*f["x"], *month_xy["x"]],
            "y": [*f["y"], *month_xy["y"]],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    db = sqlite_store.url.adbc
    out = tmp_path / "fc"
    args = ["--db", db, "forecast", "--at", "2024-07-15T06:00", "--cells", "3"]
    res = CliRunner().invoke(app, [*args, "--out", str(out), "--json"])
    assert res.exit_code == 0, res.output
    assert f"{n_month} month-only incidents (data.police.uk) left out" in res.output
    plan = places_forecast(
        sqlite_store, at=dt.datetime(2024, 7, 15, 6), profile="avb-2010", cells=3
    )
    assert any("month-only" in n for n in plan.notes)
    assert plan.backtest_events < f.height  # only the exact rows (before at)


def test_forecast_at_with_an_offset_is_the_local_time_as_every_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--at ...Z`` is converted to the configured zone, as ``avert brief --at``
    does; before, the offset was dropped, so 05:00Z in Toronto (00:00 local) was
    05:00 local and the plan used five hours of events after the time asked."""
    monkeypatch.setenv("AVERT_TIMEZONE", "America/Toronto")
    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    runs = {}
    for at in ("2024-07-01T04:00Z", "2024-07-01T00:00"):  # the same instant (EDT)
        out = str(tmp_path / at.replace(":", ""))
        args = ["forecast", "--csv", str(csv), "--at", at, "--cells", "3"]
        res = CliRunner().invoke(app, [*args, "--out", out, "--json"])
        assert res.exit_code == 0, res.output
        runs[at] = json.loads(res.output)
    utc, local = runs.values()
    assert utc["params"]["at"] == local["params"]["at"] == "2024-07-01T00:00:00"
    assert utc["expected_share_backtested"] == local["expected_share_backtested"]


def test_events_after_at_change_nothing_in_a_plan() -> None:
    """A file may run past ``--at``: its later events, far away, must not widen the
    grid the forecast is made on (they changed every cell's risk a little)."""
    from avert.workflows.forecast import run_forecast

    at = dt.datetime(2024, 7, 1)
    past = _frame().filter(pl.col("occurred_at") < at)
    later = pl.DataFrame(
        {"x": [-3000.0, 6000.0], "y": [-3000.0, 6000.0], "occurred_at": [at, at]}
    )
    alone = run_forecast(past, at=at, cells=3)
    both = run_forecast(pl.concat([past, later]), at=at, cells=3)
    assert both.grid == alone.grid
    np.testing.assert_array_equal(both.risk, alone.risk)
    assert both.backtest_share == alone.backtest_share


def test_a_budget_larger_than_the_grid_lists_every_cell_with_a_note() -> None:
    from avert.workflows.forecast import run_forecast

    one_place = _frame(200).with_columns(x=pl.lit(1050.0), y=pl.lit(1050.0))
    plan = run_forecast(one_place, at=dt.datetime(2024, 7, 1), cells=10)
    assert plan.frame.height == 1  # the events span one 150 m cell
    assert any("larger than the 1 cell the events span" in n for n in plan.notes)
    fits = run_forecast(_frame(), at=dt.datetime(2024, 7, 1), cells=3)
    assert fits.frame.height == 3
    assert not any("larger than" in n for n in fits.notes)
    # a budget in km² (rounded down to whole cells) that the grid holds: no note
    area = run_forecast(_frame(), at=dt.datetime(2024, 7, 1), km2=0.1)
    assert area.k == 4  # 0.1 km² of 150 m cells (0.0225 km² each)
    assert not any("larger than" in n for n in area.notes)
    big = run_forecast(one_place, at=dt.datetime(2024, 7, 1), km2=1.0)
    assert any("(1 km²) is larger than the 1 cell" in n for n in big.notes)


def test_cli_says_when_the_budget_is_larger_than_the_grid(tmp_path: Path) -> None:
    csv = tmp_path / "one.csv"
    _frame(200).with_columns(x=pl.lit(1050.0), y=pl.lit(1050.0)).write_csv(csv)
    args = ["forecast", "--csv", str(csv), "--at", "2024-07-01T00:00", "--cells", "10"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "larger than the 1 cell the events span" in " ".join(res.output.split())


def test_forecast_learns_from_its_history_window_and_refuses_a_negative_one() -> None:
    """``history_days`` before the backtest is what the model sees: events older
    than that window change nothing; every event (None) includes them."""
    from avert.workflows.forecast import run_forecast

    at = dt.datetime(2024, 7, 1)
    recent = _frame()
    old = _frame(400, seed=3).with_columns(
        x=pl.lit(450.0), y=pl.lit(450.0), occurred_at=pl.lit(dt.datetime(2020, 1, 1))
    )
    both = pl.concat([recent, old])
    windowed = run_forecast(both, at=at, cells=3, history_days=365)
    alone = run_forecast(recent, at=at, cells=3, history_days=365)
    assert windowed.frame["cell_id"].to_list() == alone.frame["cell_id"].to_list()
    every = run_forecast(both, at=at, cells=3, history_days=None)
    assert every.grid.shape != alone.grid.shape  # the old events widen the grid
    with pytest.raises(ConfigError, match="history_days"):
        run_forecast(recent, at=at, cells=3, history_days=-1)
    # a negative backtest printed "backtested on the last 0 days: n/a"
    with pytest.raises(ConfigError, match="backtest_days must be 0 or more"):
        run_forecast(recent, at=at, cells=3, backtest_days=-5)


@pytest.mark.parametrize("model", ["counting", "retro"])
def test_all_history_means_all_for_models_with_their_own_window(model: str) -> None:
    """``train_days=None`` / ``history_days=None`` reach the counting grid and the
    retrospective KDE too: they keep open_cp's 365 days only when told so. Ten
    events two years ago at one place, one last week at another, and the day's
    event at the old place: only a model that sees every event ranks it first."""
    from avert.workflows.forecast import run_forecast, run_forecast_evaluation

    day = dt.date(2024, 7, 1)
    at = dt.datetime(2024, 7, 1)
    old = [(75.0, 75.0, at - dt.timedelta(days=730, hours=h)) for h in range(10)]
    rows = [*old, (1575.0, 75.0, at - dt.timedelta(days=7)), (75.0, 75.0, at)]
    events = pl.DataFrame(rows, schema=["x", "y", "occurred_at"], orient="row")

    def top_hits(train_days: float | None) -> float:
        ev = run_forecast_evaluation(
            events,
            models=(model,),
            start=day,
            days=1,
            train_days=train_days,
            coverages=(0.5,),
        )
        s = ev.summary.filter(pl.col("basis") == "active")
        return float(s["hit_rate"][0])

    assert top_hits(None) == 1.0
    assert top_hits(365.0) == 0.0  # the old place is outside a year's window
    every = run_forecast(events, at=at, model=model, cells=1, history_days=None)
    assert every.frame["cell_id"].to_list() == ["150m:E0:N0"]
    year = run_forecast(events, at=at, model=model, cells=1, history_days=365)
    assert year.frame["cell_id"].to_list() == ["150m:E10:N0"]


def _ten_days_in_three_cells() -> pl.DataFrame:
    """One event a day from 2024-07-01 to 07-10, in turn in three 150 m cells."""
    day = dt.datetime(2024, 7, 1)
    rows = [(75.0 + 150 * (k % 3), 75.0, day + dt.timedelta(days=k)) for k in range(10)]
    return pl.DataFrame(rows, schema=["x", "y", "occurred_at"], orient="row")


def test_evaluation_says_when_its_hit_rates_say_nothing() -> None:
    """Test days before the data start and coverages under one cell hit nothing
    whatever the model: the evaluation says so instead of printing bare zeros."""
    from avert.workflows.forecast import run_forecast_evaluation

    events = _ten_days_in_three_cells()
    ev = run_forecast_evaluation(events, models=("counting",), days=30)
    assert len(ev.notes) == 3, ev.notes
    assert ev.notes[0].startswith("21 of the 30 test days are on or before")
    assert "2024-07-01" in ev.notes[0]
    assert ev.notes[1].startswith("1 %, 2 %, 5 %, 10 % of the 3 bbox cells")
    assert ev.notes[2].startswith("1 %, 2 %, 5 %, 10 % of the 3 active cells")
    assert ev.to_dict()["notes"] == list(ev.notes)
    wide = run_forecast_evaluation(
        events,
        models=("counting",),
        start=dt.date(2024, 7, 5),
        days=6,
        coverages=(0.5,),
    )
    assert wide.notes == ()


def test_evaluation_says_when_its_test_days_are_after_the_data() -> None:
    """Test days after the last event's day hold no event to hit: `--from` past
    the end of the data printed nan hit rates with no note."""
    from avert.workflows.forecast import run_forecast_evaluation

    events = _ten_days_in_three_cells()
    ev = run_forecast_evaluation(
        events,
        models=("counting",),
        start=dt.date(2024, 7, 8),
        days=5,
        coverages=(0.5,),
    )
    assert ev.notes == (
        "2 of the 5 test days are after the last event's day (2024-07-10): they "
        "hold no event to hit (--from sets an earlier first test day).",
    )


def _with_stray(frame: pl.DataFrame, dx: float = 300_000.0) -> pl.DataFrame:
    """``frame`` and one event ``dx`` metres east of its first (a mis-geocoded place
    inside the CRS's area, which ingest keeps)."""
    stray = frame.head(1).with_columns(pl.col("x") + dx)
    return pl.concat([frame, stray])


def test_a_stray_event_300_km_away_is_left_out_of_the_patrol_grid() -> None:
    from avert.workflows.forecast import grid_notes, run_forecast

    at = dt.datetime(2024, 7, 1)
    alone = run_forecast(_frame(), at=at, cells=3)
    plan = run_forecast(_with_stray(_frame()), at=at, cells=3)
    assert plan.grid == alone.grid  # the grid of the bulk, not 300 km wide
    assert plan.frame["cell_id"].to_list() == alone.frame["cell_id"].to_list()
    (note,) = grid_notes(plan)
    assert note.startswith("Left out of the patrol grid: 1 of ")
    assert " located events lies far from the bulk" in note
    stray_x = _frame()["x"][0] + 300_000
    assert f"first at x {stray_x:.0f}," in note
    assert not grid_notes(alone)  # no stray: no note, the grid as before


def test_forecast_from_a_store_with_a_stray_event_notes_it(
    sqlite_store: Store, tmp_path: Path
) -> None:
    f = _with_stray(_frame(300))
    _store_events(sqlite_store, f)
    plan = places_forecast(
        sqlite_store, at=dt.datetime(2024, 7, 1), profile="avb-2010", cells=5
    )
    assert plan.grid.shape[1] < 20  # 1.2 km of 150 m cells, not 300 km
    assert any(n.startswith("Left out of the patrol grid: 1 of") for n in plan.notes)
    csv = tmp_path / "ev.csv"
    f.write_csv(csv)
    args = ["forecast", "--csv", str(csv), "--at", "2024-07-01T00:00", "--cells", "3"]
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "Left out of the patrol grid: 1 of" in " ".join(res.output.split())


@pytest.mark.parametrize(
    ("budget", "match"),
    [
        ({"cells": 0}, r"must be positive; got 0 cells"),
        ({"km2": -1.0}, r"must be positive; got -1 km²"),
        ({"km2": 0.001}, r"0\.001 km² is less than one 150 m cell \(0\.0225 km²\)"),
    ],
)
def test_a_budget_of_no_cell_says_what_was_given(
    budget: dict[str, float], match: str
) -> None:
    """--km2 -1 said "must cover 1 to N cells; got -45" (cells the user never gave)."""
    from avert.workflows.forecast import run_forecast

    with pytest.raises(ConfigError, match=match):
        run_forecast(_frame(), at=dt.datetime(2024, 7, 1), **budget)


def test_a_forecast_time_outside_the_events_names_their_span() -> None:
    """Forecasting from years after the data said only "No events with coordinates
    and a time to forecast from", although the store held thousands."""
    from avert.workflows.forecast import run_forecast

    with pytest.raises(
        ConfigError,
        match=r"No events with coordinates in the 455 days \(history and backtest\) "
        r"before 2030-01-01 00:00; the events given run from 2024-01-01 to 2024-07-1",
    ):
        run_forecast(_frame(), at=dt.datetime(2030, 1, 1), cells=3)


@pytest.mark.parametrize(
    ("option", "match"),
    [
        # usage errors naming the option (exit 2), not "train_days must be ..."
        (["--days", "0"], r"Invalid value for '--days'"),
        (["--days", "-3"], r"Invalid value for '--days'"),
        (["--train-days", "-5"], r"Invalid value for '--train-days'"),
        (
            ["--coverages", "150"],
            r"Invalid value for --coverages: must be percents in \(0, 100\], e\.g\. "
            r"1,2,5,10; got '150'",
        ),
        (["--coverages", "0,5"], r"Invalid value for --coverages: .*got '0,5'"),
    ],
)
def test_evaluate_refuses_impossible_options_by_name(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    option: list[str],
    match: str,
) -> None:
    """--days 0 ended in a traceback ("n_test" not found), --train-days -5 ran on a
    negative window, and --coverages 150 was refused as "got [1.5]". Each is a
    usage error (exit 2) naming the option."""
    import sys

    from avert.cli import main

    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    args = ["avert", "forecast", "evaluate", "--csv", str(csv), "--models", "counting"]
    monkeypatch.setattr(sys, "argv", [*args, *option])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = " ".join(capsys.readouterr().err.replace("│", " ").split())
    assert re.search(match, err), err


@pytest.mark.parametrize("spelling", ["--overwrite", "--force"])
def test_evaluate_replaces_a_per_day_file_only_with_overwrite(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spelling: str,
) -> None:
    """docs/command-line.md: an output file that exists is a usage error (exit 2)
    unless ``--overwrite`` (``--force``, its name before 2026-12, still works).
    ``forecast evaluate --per-day FILE`` wrote over it, and a folder given failed
    only after the whole evaluation had run."""
    import sys

    from avert.cli import main

    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    hits = tmp_path / "hits.csv"
    hits.write_text("keep me")
    args = ["avert", "forecast", "evaluate", "--events-file", str(csv)]
    args += ["--models", "counting", "--days", "3", "--json"]
    for target in (hits, tmp_path):
        monkeypatch.setattr(sys, "argv", [*args, "--per-day", str(target)])
        with pytest.raises(SystemExit) as exit_:
            main()
        assert exit_.value.code == 2
        err = " ".join(capsys.readouterr().err.replace("│", " ").split())
        assert "Invalid value for --per-day" in err, err
    assert hits.read_text() == "keep me"
    monkeypatch.setattr(sys, "argv", [*args, "--per-day", str(hits), spelling])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0
    assert pl.read_csv(hits)["model"].unique().to_list() == ["counting"]


@pytest.mark.parametrize("command", [["--at", "2024-07-01"], ["evaluate"]])
@pytest.mark.parametrize("cell", ["0", "nan"])
def test_a_cell_of_no_size_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    cell: str,
) -> None:
    """--cell 0 divided by zero building the grid: a traceback ending in "cannot
    convert float NaN to integer" (forecast) or "float infinity" (evaluate); then
    "cell_size_m must be a positive number", a name the user never typed. Now a
    usage error naming --cell (exit 2)."""
    import sys

    from avert.cli import main

    csv = tmp_path / "ev.csv"
    _frame().write_csv(csv)
    args = ["avert", "forecast", *command, "--csv", str(csv), "--cell", cell]
    if command[0] == "--at":  # a plan writes its files
        args += ["--out", str(tmp_path / "o")]
    monkeypatch.setattr(sys, "argv", args)
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Invalid value for '--cell'" in err, err


def test_a_shift_backtest_scores_only_incidents_that_say_their_hour() -> None:
    """Incidents dated by the day sit at midnight: a 22:00-06:00 plan's backtest
    counted every one of them in its shift (a day-only store's night share was
    measured on all of its incidents), a 06:00-14:00 plan's none. They now teach
    the model but are not scored on periods shorter than a day, with a note; the
    share is the one the incidents with an hour give."""
    from avert.workflows.forecast import grid_notes, run_forecast

    at = dt.datetime(2024, 7, 1, 22)
    rows = []
    for d in range(120):
        day = dt.datetime(2024, 3, 3) + dt.timedelta(days=d)
        rows.append((75.0, 75.0, day + dt.timedelta(hours=23), "exact"))  # night
        rows.append((1575.0, 75.0, day, "day"))  # by day only, another cell
    events = pl.DataFrame(
        rows, schema=["x", "y", "occurred_at", "time_precision"], orient="row"
    )
    night = run_forecast(events, at=at, horizon=dt.timedelta(hours=8), cells=1)
    assert night.backtest_events == 90  # the night events, not 180
    assert night.backtest_share == 0.0  # the top cell is the day-dated one's
    (note,) = grid_notes(night)
    assert note.startswith("Not scored in the backtest: 120 of 240 incidents")
    day = run_forecast(events, at=at, cells=1)  # a day's horizon scores them all
    assert day.backtest_events == 90 + 89  # the last day-dated one is 06-30
    assert not grid_notes(day)


@pytest.mark.parametrize("plan", [False, True])
def test_events_all_dated_on_the_first_of_their_month_are_refused(
    tmp_path: Path, plan: bool
) -> None:
    # data.police.uk months stored as days (a table mapping with time_format %Y-%m):
    # the evaluation scored each month's events on its first day (City of London
    # 2019: a counting hit rate of 0.987 at 1 % bbox); a plan learnt from them
    csv = tmp_path / "months.csv"
    command = (
        ["forecast", "--at", "2024-08-01", "--out", str(tmp_path / "out")]
        if plan
        else ["forecast", "evaluate", "--days", "10"]
    )
    command += ["--events-file", str(csv)]
    _frame().with_columns(pl.col("occurred_at").dt.truncate("1mo")).write_csv(csv)
    res = CliRunner().invoke(app, command)
    assert isinstance(res.exception, ConfigError)
    assert "dated 00:00 on the first of a month" in str(res.exception)
    # a day-resolved history is forecast as before
    _frame().write_csv(csv)
    res = CliRunner().invoke(app, command)
    assert res.exit_code == 0, res.output


def test_events_at_one_midnight_are_still_forecast() -> None:
    # their places still say where; only months of first-day dates are refused
    one = _frame().with_columns(occurred_at=pl.lit(dt.datetime(2024, 6, 1)))
    refuse_month_starts(one)
    with pytest.raises(ConfigError, match="first of a month"):
        refuse_month_starts(
            one.with_columns(
                pl.when(pl.int_range(pl.len()) % 2 == 0)
                .then(pl.col("occurred_at"))
                .otherwise(dt.datetime(2024, 7, 1))
                .alias("occurred_at")
            )
        )


def _two_far_forces(store: Store) -> None:
    """Days-resolution events of two forces 250 km apart (Leeds, London)."""
    rng = np.random.default_rng(3)
    frames = []
    for i, (x0, y0, force) in enumerate(
        [(430_000, 433_000, "West Yorkshire Police"), (532_000, 181_000, None)]
    ):
        n = 200
        frames.append(
            pl.DataFrame(
                {
                    "incident_id": [f"f{i}-{k}" for k in range(n)],
                    "source": "test",
                    "force": force,
                    "occurred_from": [
                        T0 + dt.timedelta(hours=float(h))
                        for h in rng.uniform(0, 24 * 120, n)
                    ],
                    "time_precision": "exact",
                    "x": x0 + rng.normal(0, 300, n),
                    "y": y0 + rng.normal(0, 300, n),
                },
                schema_overrides={"force": pl.String},
            )
        )
    with store.transaction() as tx:
        tx.append("incidents", pl.concat(frames))


def test_forecasts_and_near_repeats_of_far_apart_forces_choose_one(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """`avert forecast` over two forces 250 km apart built one grid of 1.2 million
    cells (4.9 s) ranking both; evaluate and near-repeat said nothing."""
    _two_far_forces(sqlite_store)
    db = ["--db", sqlite_store.url.sqlalchemy]
    at = ["--at", "2024-04-20T00:00", "--cells", "3", "--out", str(tmp_path / "o")]
    res = CliRunner().invoke(app, [*db, "forecast", *at])
    words = " ".join(f"{res.output} {res.exception}".split())
    assert res.exit_code != 0
    assert "far apart" in words
    assert "Give --police-force for one force's" in words
    res = CliRunner().invoke(
        app, [*db, "forecast", *at, "--police-force", "west-yorkshire"]
    )
    assert res.exit_code == 0, res.output
    assert "forces or sources" not in res.output
    # --force, its name before 2026-12, plans the same
    old = CliRunner().invoke(app, [*db, "forecast", *at, "--force", "west-yorkshire"])
    assert old.output == res.output
    ev = [*db, "forecast", "evaluate", "--models", "counting", "--days", "7"]
    res = CliRunner().invoke(app, ev)
    words = " ".join(f"{res.output} {res.exception}".split())
    assert res.exit_code != 0
    assert "Give --police-force" in words
    res = CliRunner().invoke(app, [*ev, "--police-force", "test", "--json"])
    assert res.exit_code == 0, res.output
    nr = [*db, "analyse", "near-repeat", "--sims", "9"]
    res = CliRunner().invoke(app, nr)
    assert res.exit_code == 0, res.output
    assert "forces or sources" in res.output
    res = CliRunner().invoke(app, [*nr, "--police-force", "West Yorkshire Police"])
    assert res.exit_code == 0, res.output
    assert "forces or sources" not in res.output
    # the store's patrol plan from Python reads the force too: refused as the
    # command is, and one force's chosen with force= (it planned one grid)
    with pytest.raises(ConfigError, match="far apart"):
        places_forecast(
            sqlite_store, at=dt.datetime(2024, 4, 20), profile="avb-2010", cells=5
        )
    plan = places_forecast(
        sqlite_store,
        at=dt.datetime(2024, 4, 20),
        profile="avb-2010",
        cells=5,
        force="west-yorkshire",
    )
    assert plan.frame.height == 5


def test_the_method_printed_names_the_maps_the_forecast_used(tmp_path: Path) -> None:
    """Given every event of 2.5 years (``--history-days 0``) the default's stack
    holds the flat and the 730-day count: the printed method, the JSON's
    ``method`` and its ``maps`` say so (they named the five-map stack whatever the
    history); given 365 days (455 with the backtest) they do not."""
    csv = tmp_path / "ev.csv"
    rng = np.random.default_rng(7)
    frame = _frame(1500, seed=7).with_columns(
        occurred_at=pl.Series(
            [T0 - dt.timedelta(hours=int(h)) for h in rng.integers(0, 900 * 24, 1500)]
        )
    )
    frame.write_csv(csv)
    args = ["forecast", "--csv", str(csv), "--at", "2024-01-01T00:00", "--cells", "3"]
    args += ["--cell", "100", "--backtest-days", "3"]

    def run(*more: str) -> str:
        res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o"), *more])
        assert res.exit_code == 0, res.output
        return res.output

    every = " ".join(run("--history-days", "0").split())
    assert "the flat count and the 730-day half-life count" in every
    assert "count (flat)" in every
    payload = json.loads(run("--history-days", "0", "--json"))
    maps = [m["map"] for m in payload["maps"]]
    assert {"count (flat)", "count (730-day half-life)"} <= set(maps)
    assert "730-day" in payload["method"]
    assert sum(m["weight"] for m in payload["maps"]) == pytest.approx(1.0)
    year = " ".join(run().split())
    assert "method (default): one-year half-life count per cell" in year
    assert "730-day" not in year
    assert "count (flat)" not in year
