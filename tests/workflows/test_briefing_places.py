"""The briefing's places: the backtested forecast figure with its window, and
near-repeat zones only where the user's own data shows contagion."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.analyse.forecast import (
    Events,
    Grid,
    Stacked,
    forecast_grid,
    select_top,
    to_days,
)
from avert.briefing import Briefing, daily_briefing
from avert.config.places import NearRepeatConfig
from avert.config.settings import DEFAULT_PLACES_CELL_M
from avert.errors import ConfigError
from avert.report import render_briefing_html
from avert.store import Store
from avert.workflows.briefing import build_briefing, run_briefing
from avert.workflows.forecast import (
    backtest_as_of,
    briefing_places,
    places_forecast,
    recent_violence,
    run_forecast,
)
from briefing.factory import make_frames, write_store

AT = dt.datetime(2025, 3, 10, 8)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Store:
    path = tmp_path_factory.mktemp("places") / "avert.db"
    store = Store(f"sqlite:///{path}")
    store.upgrade()
    write_store(store, make_frames(4000, at=AT, days=400, seed=5))
    return store


def _backtest_by_hand(events: pl.DataFrame, at: dt.datetime, k: int) -> float:
    """The share k cells caught over the 90 days before ``at``, each day's cells
    forecast through :func:`forecast_grid` from the events before that day only,
    with the weights the default learns by search (its stack's and its recent
    map's) learnt once, from the events before the first day, as documented."""
    s = DEFAULT_PLACES_CELL_M
    x = events["x"].to_numpy()
    y = events["y"].to_numpy()
    grid = Grid.anchored(x, y, s)
    first = at - dt.timedelta(days=90)
    t_first = to_days(first)
    before = Events.from_frame(events, grid).before(t_first)
    weights = Stacked(grid).fit_weights(before, t_first)
    learnt = {
        "weights": weights.tolist(),
        "recent_weight": Stacked(grid).fit_recent_weight(before, t_first, weights),
    }
    hits = total = 0
    for b in range(90, 0, -1):
        d0 = at - dt.timedelta(days=b)
        past = events.filter(pl.col("occurred_at") < d0)
        test = events.filter(
            (pl.col("occurred_at") >= d0)
            & (pl.col("occurred_at") < d0 + dt.timedelta(days=1))
        )
        risk = forecast_grid(
            past,
            origin_xy=grid.origin_xy,
            cell_size_m=s,
            shape=grid.shape,
            at=d0,
            **learnt,
        )
        top = set(select_top(risk, k).tolist())
        cells = grid.cell_index(test["x"].to_numpy(), test["y"].to_numpy())
        hits += sum(int(c) in top for c in cells)
        total += test.height
    return hits / total


def test_briefing_places_print_the_backtested_share_and_its_window(
    seeded: Store, tmp_path: Path
) -> None:
    b = build_briefing(seeded, at=AT)
    ps = b.places_summary
    assert ps["kind"] == "forecast"
    assert ps["backtest_days"] == 90
    # the backtest is of the 90 whole days before the briefing's day (measured
    # once a day: a live store's Today measured it again every minute)
    day = dt.datetime.combine(AT.date(), dt.time())
    assert ps["backtest_to"] == day
    assert ps["backtest_from"] == day - dt.timedelta(days=90)
    events, _ = recent_violence(seeded, at=day, days=365 + 90, profile="avb-2010")
    expected = _backtest_by_hand(events, day, len(b.places))
    assert ps["expected_share"] == pytest.approx(expected)
    n_backtest = events.filter(
        pl.col("occurred_at") >= day - dt.timedelta(days=90)
    ).height
    assert ps["backtest_events"] == n_backtest
    assert f"Expected share {expected * 100:.0f} %" in ps["line"]
    # its days are 10 Dec to 9 Mar: none of the briefing's day (said "to 10 Mar")
    assert f"({day - dt.timedelta(days=90):%d %b} to 09 Mar 2025, " in ps["line"]
    assert "last 90 days" in ps["line"]
    assert "never in-sample" in ps["line"]
    assert len(b.places) == 10
    assert all(p["reasons"][0].startswith("forecast rank") for p in b.places)
    # where each cell's risk comes from, in percent, largest part first
    for p in b.places:
        assert "% of it from " in p["reasons"][0], p["reasons"][0]
        assert "from the cell's own record" in p["reasons"][0], p["reasons"][0]
    files = run_briefing(seeded, at=AT, out_dir=tmp_path, pdf=False)
    html = files.html.read_text(encoding="utf-8")
    assert f"Expected share {expected * 100:.0f} %" in html
    assert "Places for the next 24 hours" in html


def test_the_top_cells_are_of_the_briefing_s_time_and_its_backtest_of_its_day(
    seeded: Store,
) -> None:
    """The backtest is measured once a day (as of 00:00); the top cells are still
    forecast from every event before the briefing's time, as ``avert forecast
    --at`` forecasts them, and a backtest measured after that time is not used."""
    fc = briefing_places(seeded, at=AT, profile="avb-2010")
    assert fc is not None
    day = dt.datetime.combine(AT.date(), dt.time())
    events, _ = recent_violence(seeded, at=AT, days=366 + 90, profile="avb-2010")
    assert events.filter(pl.col("occurred_at").is_between(day, AT)).height
    alone = run_forecast(events, at=AT, cells=10)
    assert fc.plan.frame["cell_id"].to_list() == alone.frame["cell_id"].to_list()
    assert (fc.plan.params["at"], fc.plan.params["backtest_to"]) == (AT, day)
    assert alone.params["backtest_to"] == AT
    of_day = backtest_as_of(events, at=day, cells=10)
    assert fc.plan.backtest_share == of_day.share
    later = backtest_as_of(events, at=AT + dt.timedelta(days=1), cells=10)
    again = run_forecast(events, at=AT, cells=10, backtest=later)  # look-ahead
    assert again.params["backtest_to"] == AT
    assert again.backtest_share == alone.backtest_share


def test_a_shift_s_backtest_is_of_its_own_shift_not_the_night_s(
    seeded: Store,
) -> None:
    """A horizon shorter than a day is backtested on the same shift of each day
    (:func:`avert.analyse.forecast.backtest_share`): the day's backtest as of 00:00
    scored 00:00-08:00 for a forecast of 08:00-16:00, and was used as its share."""
    shift = dt.timedelta(hours=8)
    fc = briefing_places(seeded, at=AT, profile="avb-2010", horizon=shift)
    assert fc is not None
    events, _ = recent_violence(seeded, at=AT, days=366 + 90, profile="avb-2010")
    own = run_forecast(events, at=AT, cells=10, horizon=shift)
    day = dt.datetime.combine(AT.date(), dt.time())
    night = backtest_as_of(events, at=day, cells=10, horizon=shift)
    assert night.share != own.backtest_share  # the seeded data tell them apart
    assert fc.plan.params["backtest_to"] == AT
    assert fc.plan.backtest_share == own.backtest_share
    given = run_forecast(events, at=AT, cells=10, horizon=shift, backtest=night)
    assert given.backtest_share == own.backtest_share
    # nor is a backtest of another horizon used
    daily = backtest_as_of(events, at=day, cells=10)
    other = run_forecast(events, at=AT, cells=10, horizon=shift, backtest=daily)
    assert other.backtest_share == own.backtest_share


def test_briefing_places_use_no_later_event(seeded: Store) -> None:
    """The forecast and its backtest see only events before the as-of time."""
    early = briefing_places(seeded, at=AT - dt.timedelta(days=30), profile="avb-2010")
    assert early is not None
    assert early.plan.backtest_share is not None
    assert early.plan.params["at"] == AT - dt.timedelta(days=30)
    # memoised: the same as-of time and data give the same object
    again = briefing_places(seeded, at=AT - dt.timedelta(days=30), profile="avb-2010")
    assert again is early


@pytest.mark.parametrize(
    "option",
    [
        {"cells": 5},
        {"backtest_days": 60},
        {"knox_sims": 49},
        {"space_bands_m": (0, 150, 300)},
        {"time_bands_days": (0, 5, 10)},
        {"zone_hours": 48.0},
        {"knox_history_days": 200.0},
        {"knox_max_pairs": 1_000},
        {"history_days": 200.0},
        {"horizon": dt.timedelta(days=2)},
        {"cell_size_m": 200.0},
        {"near_repeat": NearRepeatConfig(domestic="include", source="test")},
    ],
)
def test_briefing_places_memo_is_per_option(
    seeded: Store, option: dict[str, Any]
) -> None:
    """The memo holds one result per option: a briefing with another option is
    computed again (its own object), and the default's stays memoised."""
    at = AT - dt.timedelta(days=40)
    default = briefing_places(seeded, at=at, profile="avb-2010")
    other = briefing_places(seeded, at=at, profile="avb-2010", **option)
    assert default is not None
    assert other is not None
    assert other is not default
    assert briefing_places(seeded, at=at, profile="avb-2010") is default
    assert briefing_places(seeded, at=at, profile="avb-2010", **option) is other


def _contagious(seed: int, n: int = 500, shuffle: bool = False) -> pl.DataFrame:
    """Events over a year; half get a follower within ~25 m and 3 days."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 5000, n)
    y = rng.uniform(0, 5000, n)
    t = rng.uniform(0, 365, n)
    k = rng.random(n) < 0.5
    days = np.concatenate([t, t[k] + rng.uniform(0, 3, k.sum())])
    if shuffle:
        days = rng.permutation(days)
    start = AT - dt.timedelta(days=366)
    return pl.DataFrame(
        {
            "incident_id": [f"I{i}" for i in range(days.size)],
            "occurred_from": [start + dt.timedelta(days=float(d)) for d in days],
            "x": np.concatenate([x, x[k] + rng.normal(0, 25, k.sum())]),
            "y": np.concatenate([y, y[k] + rng.normal(0, 25, k.sum())]),
            "time_precision": "exact",
            "source": "test",
        }
    )


def _store(tmp_path: Path, frame: pl.DataFrame) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'nr.db'}")
    store.upgrade()
    with store.transaction() as tx:
        tx.append("incidents", frame)
    return store


@pytest.mark.parametrize("shuffle", [False, True])
def test_near_repeat_zones_only_where_contagion_is_planted(
    tmp_path: Path, shuffle: bool
) -> None:
    frame = _contagious(2, shuffle=shuffle)
    store = _store(tmp_path, frame)
    fc = briefing_places(store, at=AT, profile="avb-2010")
    assert fc is not None
    recent = frame.filter(pl.col("occurred_from") >= AT - dt.timedelta(hours=24))
    classified = frame.with_columns(
        in_definition=pl.lit(value=True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(180.0),
    )
    b = daily_briefing(classified, at=AT, places_forecast=fc)
    near = b.places_summary["near_repeat"]
    if shuffle:
        assert fc.first_band_p is not None
        assert fc.first_band_p > 0.05
        assert not near["contagion"]
        assert near["zones"] == []
        assert "No near-repeat contagion" in near["line"]
    else:
        assert recent.height > 0
        assert fc.first_band_p == pytest.approx(0.01)
        assert near["contagion"]
        assert near["radius_m"] >= 100
        assert len(near["zones"]) == recent.height
        assert {z["until"] - z["occurred_at"] for z in near["zones"]} == {
            dt.timedelta(days=near["days"])
        }


def test_partner_zones_are_snapped_to_cell_centres(tmp_path: Path) -> None:
    frame = _contagious(2)
    fc = briefing_places(_store(tmp_path, frame), at=AT, profile="avb-2010")
    assert fc is not None
    classified = frame.with_columns(
        in_definition=pl.lit(value=True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(180.0),
    )
    b = daily_briefing(
        classified,
        at=AT,
        places_forecast=fc,
        audience="partner",
        pseudonymiser=Pseudonymiser("test-key"),
    )
    zones = b.places_summary["near_repeat"]["zones"]
    assert zones
    s = DEFAULT_PLACES_CELL_M
    assert all((z["x"] - s / 2) % s == 0 and (z["y"] - s / 2) % s == 0 for z in zones)


def test_a_stray_event_300_km_away_is_left_out_of_the_briefing_grid(
    tmp_path: Path,
) -> None:
    """One incident mis-geocoded 300 km east (inside the CRS's area, so ingest
    kept it): the briefing's places still forecast over the bulk's grid and say
    that one event was left out."""
    frames = make_frames(1500, at=AT, days=400, seed=11)
    inc = frames["incidents"]
    recent = (inc["occurred_from"] >= AT - dt.timedelta(days=30)) & inc["in_definition"]
    stray = int(recent.arg_true()[0])
    frames["incidents"] = inc.with_columns(
        pl.when(pl.int_range(pl.len()) == stray)
        .then(pl.col("x") + 300_000.0)
        .otherwise(pl.col("x"))
        .alias("x")
    )
    store = Store(f"sqlite:///{tmp_path / 'stray.db'}")
    store.upgrade()
    write_store(store, frames)
    fc = briefing_places(store, at=AT, profile="avb-2010", knox_sims=9)
    assert fc is not None
    assert fc.plan.grid.shape[1] < 300  # km-wide city of 150 m cells, not 300 km
    assert any(n.startswith("Left out of the patrol grid: 1 of") for n in fc.notes)
    b = build_briefing(store, at=AT)
    assert b.places_summary["kind"] == "forecast"
    assert any("Left out of the patrol grid: 1 of" in n for n in b.notes)


def test_places_are_named_by_the_streets_of_the_days_before_the_window(
    seeded: Store,
) -> None:
    """The 28 days before the window were read without their location texts, so a
    place counted from them was named by its borough alone ("near Northfield")
    though every incident of the store has a street."""
    named = [p["near"] for p in build_briefing(seeded, at=AT).places if p["near"]]
    assert named
    assert all(n.startswith("Street ") for n in named), named


@pytest.mark.parametrize("audience", ["police", "partner"])
def test_near_repeat_zones_are_named_by_their_incidents_cell(
    tmp_path: Path, audience: str
) -> None:
    """A zone read only "E 618,246 N 4,827,712" (Toronto's 27 zones of 30 Dec
    2021): each now names its incident's cell as the places do, the street and
    area for the police, the area alone for partners."""
    frame = _contagious(2).with_columns(
        location=pl.format("On or near Street {}", pl.int_range(pl.len()) % 7),
        lsoa_name=pl.lit("Testtown 001A"),
    )
    fc = briefing_places(_store(tmp_path, frame), at=AT, profile="avb-2010")
    assert fc is not None
    classified = frame.with_columns(
        in_definition=pl.lit(value=True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(180.0),
    )
    b = daily_briefing(
        classified,
        at=AT,
        places_forecast=fc,
        audience=audience,  # type: ignore[arg-type]
        pseudonymiser=Pseudonymiser("test-key"),
    )
    zones = b.places_summary["near_repeat"]["zones"]
    assert zones
    if audience == "police":
        assert all(
            z["near"] is not None
            and z["near"].startswith("Street ")
            and z["near"].endswith(" · Testtown 001A")
            for z in zones
        ), zones
    else:
        assert {z["near"] for z in zones} == {"Testtown 001A"}
    table = render_briefing_html(b).split('class="zones cols')[1].split("</table>")[0]
    assert f"near {zones[0]['near']}</span>" in table


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_area_given_by_a_ward_or_lsoa_name_is_said_to_be_one(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """`brief --area "Moss Park"` (a Toronto neighbourhood, the name its places
    print) says it is a ward or neighbourhood, not a list of other areas; an LSOA's
    name gives its code; a name the store does not hold gives no hint. The store
    holds no LSOA name at all (a Toronto table): no error on its empty column."""
    from avert.workflows.briefing import area_named_otherwise

    frame = _contagious(2, n=20).with_columns(
        ward=pl.lit("Moss Park"), lsoa_name=pl.lit(None, pl.String)
    )
    if backend == "sqlite":
        store = _store(tmp_path, frame)
    else:
        store = request.getfixturevalue("postgres_store")
        with store.transaction() as tx:
            tx.append("incidents", frame)
    hint = area_named_otherwise(store, " moss PARK ")
    assert hint is not None
    assert "is a ward or neighbourhood of the incidents" in hint
    assert area_named_otherwise(store, "Leeds 111B") is None


def test_unclassified_profile_note_names_the_command(seeded: Store) -> None:
    """Places forecast of a profile not classified: the note said "run 'avert
    classify'", which classifies the profile in force (here avb-2010, done)."""
    _, notes = recent_violence(seeded, at=AT, days=30, profile="who-broad")
    assert any("'avert classify --definition who-broad'" in n for n in notes), notes


def test_a_72_hour_briefing_marks_zones_around_its_window_s_incidents(
    tmp_path: Path,
) -> None:
    """A Monday briefing over 72 hours marked zones around the last 24 hours'
    incidents only: it marks every incident of its window whose zone is live, and
    says "the last 72 hours"."""
    frame = _contagious(2)
    fc = briefing_places(
        _store(tmp_path, frame), at=AT, profile="avb-2010", zone_hours=72
    )
    assert fc is not None
    window = frame.filter(pl.col("occurred_from") >= AT - dt.timedelta(hours=72))
    older = window.filter(pl.col("occurred_from") < AT - dt.timedelta(hours=24))
    assert older.height > 0
    classified = frame.with_columns(
        in_definition=pl.lit(value=True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(180.0),
    )
    b = daily_briefing(classified, at=AT, hours=72, places_forecast=fc)
    near = b.places_summary["near_repeat"]
    assert near["days"] >= 7  # every zone of the 3 days is still live
    assert len(near["zones"]) == window.height
    html = " ".join(render_briefing_html(b).split())
    assert "zones around the last 72 hours' incidents" in html
    assert "24 hours' incidents" not in html
    reasons = [r for p in b.places for r in p["reasons"] if "near-repeat" in r]
    assert all(r.endswith("in the last 72 hours") for r in reasons), reasons


def test_the_briefing_s_zones_are_of_its_window(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """build_briefing gave briefing_places no zone_hours: 24, whatever --hours."""
    import avert.workflows.briefing as workflow

    asked: list[float] = []

    def spy(store: Store, **kwargs: object) -> None:
        asked.append(kwargs["zone_hours"])  # type: ignore[arg-type]

    monkeypatch.setattr(workflow, "briefing_places", spy)
    build_briefing(city_store, at=dt.datetime(2026, 11, 10, 8), hours=72)
    assert asked == [72]


def test_a_store_of_month_starts_is_not_forecast_and_the_briefing_says_so(
    tmp_path: Path,
) -> None:
    """Month-only dates stored as days (a table mapping with ``time_format =
    "%Y-%m"``): the briefing forecast each month's events on its first day,
    without a word, where ``avert forecast`` stops. Its places are then the
    window's hotspots, with a note saying why; the other sections still hold."""
    frames = make_frames(1500, at=AT, days=400, seed=12)
    frames["incidents"] = frames["incidents"].with_columns(
        pl.col("occurred_from").dt.truncate("1mo"),
        pl.col("occurred_to").dt.truncate("1mo"),
        time_precision=pl.lit("day"),
    )
    store = Store(f"sqlite:///{tmp_path / 'months.db'}")
    store.upgrade()
    write_store(store, frames)
    with pytest.raises(ConfigError, match="first of a month"):
        briefing_places(store, at=AT, profile="avb-2010", knox_sims=9)
    with pytest.raises(ConfigError, match="first of a month"):
        places_forecast(store, at=AT, profile="avb-2010")
    b = build_briefing(store, at=AT)
    assert b.places_summary["kind"] != "forecast"
    assert any(n.startswith("No places forecast: Every one of the") for n in b.notes)


def _briefing_with_one_dated_alone(tmp_path: Path, day: dt.datetime) -> Briefing:
    """The briefing at AT, with its places forecast, of a city with contagion and one
    more incident dated ``day`` alone (``time_precision`` ``day``, stored at 00:00)."""
    alone = pl.DataFrame(
        {
            "incident_id": ["ALONE"],
            "occurred_from": [day],
            "x": [2500.0],
            "y": [2500.0],
            "time_precision": ["day"],
            "source": ["test"],
        }
    )
    frame = pl.concat([_contagious(2), alone])
    fc = briefing_places(_store(tmp_path, frame), at=AT, profile="avb-2010")
    assert fc is not None
    classified = frame.with_columns(
        in_definition=pl.lit(value=True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(180.0),
    )
    return daily_briefing(classified, at=AT, places_forecast=fc)


def test_a_zone_of_an_incident_dated_alone_is_by_its_day(tmp_path: Path) -> None:
    """An incident dated alone (``time_precision`` ``day``, stored at 00:00) on the
    day the 24-hour window starts: listed among the window's incidents, it had no
    near-repeat zone (its 00:00 fell before the window); it has one now, and the
    zone's row says its date alone, not a time of 00:00 no one recorded."""
    day = dt.datetime.combine((AT - dt.timedelta(days=1)).date(), dt.time())
    assert day < AT - dt.timedelta(hours=24)  # before the window by its 00:00
    b = _briefing_with_one_dated_alone(tmp_path, day)
    zones = b.places_summary["near_repeat"]["zones"]
    mine = [z for z in zones if z["occurred_at"] == day]
    assert len(mine) == 1, zones
    assert mine[0]["time_precision"] == "day"
    table = render_briefing_html(b).split('class="zones cols')[1].split("</table>")[0]
    assert f"{day:%d %b} <small>(date only)</small>" in table
    assert f"{day:%d %b} 00:00" not in table


def test_a_zone_listed_by_two_briefings_says_so(tmp_path: Path) -> None:
    """An incident dated alone on the window's first day is listed, with its zone,
    by this briefing and the one before (its day overlaps both windows): the zone's
    row said its date alone but not that another briefing lists it too, as the
    window's note says of its incidents. A zone of a timed incident says nothing."""
    day = dt.datetime.combine((AT - dt.timedelta(days=1)).date(), dt.time())
    b = _briefing_with_one_dated_alone(tmp_path, day)
    zones = b.places_summary["near_repeat"]["zones"]
    shared = {z["occurred_at"]: z["shared_day"] for z in zones}
    assert shared[day] is True
    assert not any(v for at, v in shared.items() if at != day), zones
    table = render_briefing_html(b).split('class="zones cols')[1].split("</table>")[0]
    said = "its day is shared with the briefing before or after"
    assert table.count(said) == 1


def test_two_requests_at_once_measure_the_day_once(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two briefings of two minutes of one day asked at the same moment (two web
    requests) measure the day's backtest and Knox test once: the second waits for
    the first's, then reuses them (it measured them again beside it before)."""
    import avert.workflows.forecast as forecast_module

    first_in, second_in = threading.Event(), threading.Event()
    counts = {"backtest": 0, "knox": 0}
    real_backtest = forecast_module.backtest_as_of
    real_knox = forecast_module.near_repeat_test

    def backtest(*args: Any, **kwargs: Any) -> Any:
        counts["backtest"] += 1
        if counts["backtest"] == 1:
            first_in.set()
            # hold the first measure until the second request measures too (the
            # old code) or has waited a second for it (a lock per key)
            second_in.wait(timeout=1.0)
        else:
            second_in.set()
        return real_backtest(*args, **kwargs)

    def knox(*args: Any, **kwargs: Any) -> Any:
        counts["knox"] += 1
        return real_knox(*args, **kwargs)

    monkeypatch.setattr(forecast_module, "backtest_as_of", backtest)
    monkeypatch.setattr(forecast_module, "near_repeat_test", knox)
    day = dt.datetime.combine((AT - dt.timedelta(days=77)).date(), dt.time(9, 1))
    results: dict[int, Any] = {}

    def ask(minute: int) -> None:
        results[minute] = briefing_places(
            seeded, at=day + dt.timedelta(minutes=minute), profile="avb-2010"
        )

    one = threading.Thread(target=ask, args=(0,))
    one.start()
    assert first_in.wait(timeout=60)
    two = threading.Thread(target=ask, args=(1,))
    two.start()
    one.join(timeout=120)
    two.join(timeout=120)
    assert counts == {"backtest": 1, "knox": 1}
    shares = {m: r.plan.backtest_share for m, r in results.items()}
    assert shares[0] == shares[1]


def _y_corrected(events: pl.DataFrame) -> pl.DataFrame:
    """The events with one incident's northing corrected by 150 m (its easting,
    time and every sum the memo's key held before unchanged)."""
    return events.with_columns(
        pl.when(pl.int_range(pl.len()) == events.height // 2)
        .then(pl.col("y") + 150.0)
        .otherwise(pl.col("y"))
        .alias("y")
    )


def _times_swapped(events: pl.DataFrame) -> pl.DataFrame:
    """The events with the first and the middle incident's times swapped (same
    count, same sum of times, same places)."""
    times = events["occurred_at"].to_list()
    i, j = 0, events.height // 2
    times[i], times[j] = times[j], times[i]
    return events.with_columns(
        pl.Series("occurred_at", times, dtype=events["occurred_at"].dtype)
    )


def _east_west(events: pl.DataFrame) -> pl.DataFrame:
    """One incident moved 200 m east and another 200 m west."""
    row = pl.int_range(pl.len())
    shift = pl.when(row == 0).then(200.0).when(row == events.height // 2).then(-200.0)
    return events.with_columns(pl.col("x") + shift.otherwise(0.0))


@pytest.mark.parametrize("change", [_y_corrected, _times_swapped, _east_west])
def test_events_changed_without_changing_their_sums_are_briefed_afresh(
    seeded: Store, monkeypatch: pytest.MonkeyPatch, change: Any
) -> None:
    """Events read again with a northing corrected, two incidents' times swapped or
    one moved east as another moved west (same count and sums of times and
    eastings, same store generation, same ``at``) are forecast and zoned afresh:
    the memo returned the answer of the other data before (a key of sums)."""
    import avert.workflows.forecast as forecast_module

    at = AT - dt.timedelta(days=23, hours=3)
    first = briefing_places(seeded, at=at, profile="avb-2010")
    assert first is not None
    real = forecast_module.recent_violence

    def changed(*args: Any, **kwargs: Any) -> tuple[pl.DataFrame, tuple[str, ...]]:
        events, notes = real(*args, **kwargs)
        return change(events), notes

    monkeypatch.setattr(forecast_module, "recent_violence", changed)
    again = briefing_places(seeded, at=at, profile="avb-2010")
    assert again is not None
    assert again is not first
    forecast_module._BRIEFING_CACHE.clear()
    forecast_module._DAY_EVIDENCE.clear()
    fresh = briefing_places(seeded, at=at, profile="avb-2010")
    assert fresh is not None
    assert again.zones.equals(fresh.zones)
    assert again.plan.backtest_share == fresh.plan.backtest_share
    assert again.first_band_ratio == fresh.first_band_ratio


def test_the_same_events_read_in_another_order_hit_the_memo(
    seeded: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The digest is of the rows whatever their order: the same events read in
    another order return the memoised answer (one measure of the day)."""
    import avert.workflows.forecast as forecast_module

    at = AT - dt.timedelta(days=29, hours=5)
    first = briefing_places(seeded, at=at, profile="avb-2010")
    real = forecast_module.recent_violence

    def reversed_read(
        *args: Any, **kwargs: Any
    ) -> tuple[pl.DataFrame, tuple[str, ...]]:
        events, notes = real(*args, **kwargs)
        return events.reverse(), notes

    monkeypatch.setattr(forecast_module, "recent_violence", reversed_read)
    assert briefing_places(seeded, at=at, profile="avb-2010") is first


def test_the_places_memo_is_per_data_generation(tmp_path: Path) -> None:
    """A write that raises the store's data generation is briefed afresh even
    when the events read are the same (the memo's key holds the generation)."""
    store = _store(tmp_path, _contagious(11))
    first = briefing_places(store, at=AT, profile="avb-2010")
    assert first is not None
    later = (
        _contagious(12, n=1)
        .head(1)
        .with_columns(
            pl.lit("LATER").alias("incident_id"),
            pl.lit(AT + dt.timedelta(days=3)).alias("occurred_from"),
        )
    )
    with store.transaction() as tx:
        tx.append("incidents", later)
    again = briefing_places(store, at=AT, profile="avb-2010")
    assert again is not None
    assert again is not first
    assert again.zones.equals(first.zones)


def test_the_memo_key_tells_apart_what_sums_did_not(seeded: Store) -> None:
    """The events' key (:func:`_fingerprint`) differs for a northing corrected,
    two times swapped, one incident moved east and one west, and a domestic flag
    moved from one incident to another; it is the same for the rows in another
    order."""
    from avert.workflows.forecast import _fingerprint

    events, _ = recent_violence(seeded, at=AT, days=400, profile="avb-2010")
    key = _fingerprint(events)
    moved_flag = events.with_columns(
        pl.Series("domestic", [True, *([None] * (events.height - 1))])
    )
    moved_again = events.with_columns(
        pl.Series("domestic", [*([None] * (events.height - 1)), True])
    )
    for change in (_y_corrected, _times_swapped, _east_west):
        assert _fingerprint(change(events)) != key, change.__name__
    assert _fingerprint(moved_flag) != _fingerprint(moved_again)
    assert _fingerprint(events.sample(fraction=1.0, shuffle=True, seed=3)) == key
