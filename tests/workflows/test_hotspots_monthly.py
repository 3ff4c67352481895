"""Emerging hot spots month by month on data.police.uk's month-only records.

``avert analyse hotspots`` refused every store of police.uk months ("emerging hot
spots need the day"), so an analyst could not compare the months police.uk gives;
slices of 30 days would cut its months, whose records all carry the first day.
``--slice-months`` cuts calendar months and reads month-only records."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.errors import ConfigError
from avert.store import Store
from avert.workflows.places import run_emerging, run_gistar

_AT = dt.datetime(2022, 1, 1)


def _months(seed: int = 3) -> pl.DataFrame:
    """Twelve months of 2021, every record dated the first of its month: 150 spread
    over 3 x 3 km each month, and 30 at one place in each of October to December."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[float, float, dt.datetime]] = []
    for month in range(1, 13):
        first = dt.datetime(2021, month, 1)
        rows += [
            (float(x), float(y), first)
            for x, y in rng.uniform(0, 3_000, (150, 2)) + np.array([530_000, 180_000])
        ]
        if month >= 10:
            rows += [(531_520.0, 181_520.0, first)] * 30
    return pl.DataFrame(rows, schema=["x", "y", "occurred_at"], orient="row")


def test_monthly_slices_put_each_month_in_its_own_slice() -> None:
    res = run_emerging(_months(), at=_AT, slices=12, slice_months=1)
    cell = res.frame.filter(pl.col("cell_id") == "150m:E3543:N1210").row(0, named=True)
    assert cell["pattern"] == "consecutive"
    assert cell["hot_slices"] == 3
    # quarters: the last one alone is hot
    quarters = run_emerging(_months(), at=_AT, slices=4, slice_months=3)
    row = quarters.frame.filter(pl.col("cell_id") == "150m:E3543:N1210").row(
        0, named=True
    )
    assert (row["pattern"], row["hot_slices"]) == ("new", 1)


def test_monthly_slices_end_on_the_first_of_a_month() -> None:
    with pytest.raises(ConfigError, match=r"--at 2022-01-01 ends the last slice"):
        run_emerging(_months(), at=dt.datetime(2021, 12, 15), slices=12, slice_months=1)


def test_cli_reads_month_only_records_with_slice_months(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "avert.db"))
    store.upgrade()
    events = _months()
    inc = events.select(
        incident_id=pl.format("i{}", pl.int_range(pl.len())),
        source=pl.lit("policeuk"),
        occurred_from="occurred_at",
        time_precision=pl.lit("month"),
        x="x",
        y="y",
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
    db = ["--db", str(tmp_path / "avert.db"), "analyse", "hotspots"]
    args = [*db, "--at", "2022-01-01", "--slices", "12", "--all-incidents"]
    env = {"COLUMNS": "200"}
    refused = CliRunner().invoke(app, args, env=env)
    assert refused.exit_code != 0
    assert "--slice-months 1" in str(refused.exception)
    res = CliRunner().invoke(
        app, [*args, "--slice-months", "1", "--limit", "0"], env=env
    )
    assert res.exit_code == 0, res.output
    assert "150m:E3543:N1210" in res.output
    both = CliRunner().invoke(
        app, [*args, "--slice-months", "1", "--slice-days", "30"], env=env
    )
    assert both.exit_code == 2


def test_gistar_window_inside_a_police_uk_month_says_what_it_does() -> None:
    """``analyse gistar --from 2019-03-15 --to 2019-04-15`` on the City of London's
    police.uk months used April's 105 violent records and none of March's 143
    (dated the first of their month), without a word."""
    events = _months().with_columns(time_precision=pl.lit("month"))
    res = run_gistar(
        events,
        date_from=dt.datetime(2021, 3, 15),
        date_to=dt.datetime(2021, 4, 15),
    )
    march = events.filter(pl.col("occurred_at") == dt.datetime(2021, 3, 1)).height
    april = events.filter(pl.col("occurred_at") == dt.datetime(2021, 4, 1)).height
    assert any(
        n.startswith(f"{march:,} month-dated incidents of 2021-03 are left out")
        for n in res.notes
    ), res.notes
    assert any(
        n.startswith(f"{april:,} month-dated incidents of 2021-04 are in the window")
        for n in res.notes
    )
    whole = run_gistar(
        events, date_from=dt.datetime(2021, 3, 1), date_to=dt.datetime(2021, 5, 1)
    )
    assert not any("month-dated" in n for n in whole.notes)


def test_too_few_slices_for_a_trend_say_persistent_is_no_finding() -> None:
    """With 3 monthly slices (docs/places.md's London example: 217 cells
    *persistent*) the Mann-Kendall test's smallest p is 0.30: no cell could be
    intensifying or diminishing, and *persistent* ("no trend") was said of cells
    whatever their trend, without a word."""
    events = _months()
    three = run_emerging(events, at=_AT, slices=3, slice_months=1)
    (note,) = [n for n in three.notes if n.startswith("With 3 slices the trend test")]
    assert "smallest p, for a Gi* z rising in every slice, is 0.3)" in note
    assert "5 slices or more can show a trend" in note
    assert not three.frame["pattern"].is_in(["intensifying", "diminishing"]).any()
    twelve = run_emerging(events, at=_AT, slices=12, slice_months=1)
    assert not [n for n in twelve.notes if "trend test cannot" in n]


def test_cells_of_one_pattern_and_trend_are_listed_south_to_north_west_to_east() -> (
    None
):
    """Few slices give few distinct trend z-scores, so many cells tie on pattern and
    trend: they are listed by row, then column, whatever the events' order."""
    events = _months()
    res = run_emerging(events, at=_AT, slices=4, slice_months=3)
    again = run_emerging(events.reverse(), at=_AT, slices=4, slice_months=3)
    assert res.frame.equals(again.frame)
    keys = res.frame.select("pattern", "trend_z", "row", "col").rows()
    assert len({k[:2] for k in keys}) < len(keys), "the case needs tied cells"
    for (p1, z1, r1, c1), (p2, z2, r2, c2) in itertools.pairwise(keys):
        if (p1, z1) == (p2, z2):
            assert (r1, c1) < (r2, c2)


def test_slices_of_days_refuse_month_only_dates() -> None:
    """Month-only dates given as events (a --csv of police.uk months) in weekly
    slices: each month fell in the one slice holding its first day, the others
    empty, and cells read hot on and off (the City of London's 2019: 15 cells
    *sporadic*). Refused, naming --slice-months; events known to the day run."""
    with pytest.raises(ConfigError, match="--slice-months"):
        run_emerging(_months(), at=dt.datetime(2021, 12, 2), slices=12, slice_days=7)
    days = _months().with_columns(
        pl.col("occurred_at") + pl.duration(days=pl.int_range(pl.len()) % 28)
    )
    run_emerging(days, at=dt.datetime(2021, 12, 2), slices=12, slice_days=7)
