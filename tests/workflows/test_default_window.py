"""The web app's default briefing window on a store whose data stopped days ago."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from avert.store import Store
from avert.workflows.views import default_window_end
from briefing.factory import make_frames, write_store


def test_the_default_window_holds_the_latest_incident(tmp_path: Path) -> None:
    at = dt.datetime(2026, 11, 24, 6)
    store = Store(str(tmp_path / "avert.db"))
    store.upgrade()
    frames = make_frames(200, at=at, seed=5)
    # the demo city's case: the last incident a little before 06:00 of its day
    latest = dt.datetime(2026, 11, 24, 5, 28)
    last = frames["incidents"]["occurred_from"].arg_max()
    frames["incidents"] = frames["incidents"].with_columns(
        occurred_from=pl.when(pl.int_range(pl.len()) == last)
        .then(pl.lit(latest))
        .otherwise(pl.col("occurred_from"))
    )
    write_store(store, frames)
    end, note = default_window_end(store, now=latest + dt.timedelta(days=8))
    # the 24 hours ending at the first 06:00 after the latest incident hold it
    # (a window ending a day later would show the demo city an empty day)
    assert end - dt.timedelta(hours=24) <= latest < end
    assert end.time() == dt.time(6)
    assert note is not None
    assert f"{end:%d %b %Y %H:%M}" in note
    assert "latest incident (24 Nov 2026 05:28)" in note


def test_a_store_with_recent_data_briefs_now(tmp_path: Path) -> None:
    at = dt.datetime(2026, 11, 24, 6)
    store = Store(str(tmp_path / "avert.db"))
    store.upgrade()
    frames = make_frames(100, at=at, seed=6)
    write_store(store, frames)
    latest = frames["incidents"]["occurred_from"].max()
    assert isinstance(latest, dt.datetime)
    now = latest + dt.timedelta(hours=5)
    assert default_window_end(store, now=now) == (now, None)


def test_a_store_of_police_uk_months_briefs_its_latest_month(tmp_path: Path) -> None:
    store = Store(str(tmp_path / "avert.db"))
    store.upgrade()
    months = [
        dt.datetime(2021, 11, 1),
        dt.datetime(2021, 12, 1),
        dt.datetime(2022, 1, 1),
    ]
    inc = pl.DataFrame(
        {
            "incident_id": [f"m{i}" for i in range(len(months))],
            "source": "policeuk",
            "occurred_from": months,
            "time_precision": "month",
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
    end, note = default_window_end(store, now=dt.datetime(2022, 3, 10, 9))
    # January as a whole: the window ends where the month does (it ended at 06:00,
    # six hours after the window the briefing's header shows)
    assert end == dt.datetime(2022, 2, 1)
    assert note is not None
    assert "January 2022 as a whole" in note
    assert "(the window 01 Jan 2022 00:00 to 01 Feb 2022 00:00)" in note
    # January not over yet: now (the last complete month is briefed)
    now = dt.datetime(2022, 1, 20, 9)
    assert default_window_end(store, now=now) == (now, None)
