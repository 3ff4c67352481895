"""The default's long-memory maps (a flat and a 730-day count) join its stack only
when the history given spans more than 1.5 years: the protocol's 365 days give the
former default's forecast, bit for bit, and a long history of a sparse city with
stable places is ranked as its flat count ranks it (docs/places.md, "Long memory for
long histories")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from avert.analyse.forecast import (
    Counting,
    Events,
    Grid,
    Stacked,
    forecast_grid,
    to_days,
)
from avert.analyse.forecast._receding import RecedingCount
from avert.errors import ConfigError

AT = dt.datetime(2024, 3, 1)
GRID = Grid((0.0, 0.0), 100.0, (30, 40))
LONG = ((None, 0.0), (730.0, 0.0), (None, 2.0))  # the default's and a smoothed one


def long_maps_made_whole(
    model: Stacked, longs: dict[float | None, np.ndarray], cells: np.ndarray
) -> np.ndarray:
    """The long-memory maps of the counts ``longs`` as the former code made them:
    each whole (smoothed when its sigma says so, over its sums), read at
    ``cells``."""
    rows = np.zeros((len(model.long_maps), cells.size))
    for k, (half_life, sigma) in enumerate(model.long_maps):
        whole = np.zeros(model.grid.n_cells)
        model._density_into(longs[half_life], sigma, whole)
        rows[k] = whole[cells]
    return rows


def _city(seed: int, years: float, n_a_year: int = 1500) -> pl.DataFrame:
    """Stable hotspots (60 cells, 60 % of events) and the rest anywhere, every
    day of ``years`` before AT."""
    rng = np.random.default_rng(seed)
    n = int(years * n_a_year)
    hot = rng.uniform(0, 3000, size=(60, 2)) * np.array([4 / 3, 1.0])
    xy = np.where(
        (rng.random(n) < 0.6)[:, None],
        hot[rng.integers(0, 60, n)] + rng.normal(0, 40, (n, 2)),
        rng.uniform(0, 1, (n, 2)) * np.array([4000, 3000]),
    )
    xy = np.clip(xy, 0, np.array([3999.0, 2999.0]))
    age_days = np.sort(rng.uniform(0, 365.25 * years, n))[::-1]
    return pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": [AT - dt.timedelta(days=float(a)) for a in age_days],
        }
    ).sort("occurred_at")


def _window(f: pl.DataFrame, days: float) -> pl.DataFrame:
    return f.filter(pl.col("occurred_at") >= AT - dt.timedelta(days=days))


@pytest.mark.parametrize("days", [365.0, 455.0, 540.0])
def test_a_history_of_under_18_months_gives_the_former_default_bit_for_bit(
    days: float,
) -> None:
    """The protocol's 365 days (and the briefing's 455) are read as before."""
    f = _window(_city(1, 4.0), days)
    old = Stacked(GRID, long_maps=()).fit(f).predict(AT)  # the former default
    new = forecast_grid(
        f, origin_xy=(0.0, 0.0), cell_size_m=100.0, shape=(30, 40), at=AT
    )
    assert np.array_equal(old, new)
    assert np.array_equal(old, Stacked(GRID, long_maps=LONG).fit(f).predict(AT))


def _stable_sparse_city(seed: int, years: float = 4.0) -> tuple[pl.DataFrame, set[int]]:
    """40 stable cells of 1,200, each with two events a year, and 120 events a
    year anywhere, over ``years`` before AT: the one-year count ranks a cell of
    one recent stray event with a stable cell whose events are older."""
    rng = np.random.default_rng(seed)
    stable = rng.choice(1200, 40, replace=False)
    cells = np.concatenate(
        [
            np.repeat(stable, rng.poisson(2.0 * years, 40)),
            rng.integers(0, 1200, int(120 * years)),
        ]
    )
    age_days = rng.uniform(0, 365.25 * years, cells.size)
    x = (cells % 40) * 100 + rng.uniform(5, 95, cells.size)
    y = (cells // 40) * 100 + rng.uniform(5, 95, cells.size)
    when = [AT - dt.timedelta(days=float(a)) for a in age_days]
    frame = pl.DataFrame({"x": x, "y": y, "occurred_at": when}).sort("occurred_at")
    return frame, {int(c) for c in stable}


@pytest.mark.parametrize("seed", [0, 2])
def test_a_long_history_of_stable_sparse_places_is_ranked_as_the_flat_count(
    seed: int,
) -> None:
    """Given four years, the default's top 40 cells are the flat count's (39 of
    40 here; the former default's held 36 and 31) and hold as many of the stable
    cells, but for one."""
    f, stable = _stable_sparse_city(seed)
    flat = Counting(GRID, window_days=None).fit(f).predict(AT).ravel()
    risk = forecast_grid(
        f, origin_xy=(0.0, 0.0), cell_size_m=100.0, shape=(30, 40), at=AT
    ).ravel()

    def top(r: np.ndarray) -> set[int]:
        return {int(c) for c in np.argsort(-r, kind="stable")[:40]}

    assert len(top(risk) & top(flat)) >= 38
    assert len(top(risk) & stable) >= len(top(flat) & stable) - 1


def test_a_longer_history_brings_the_long_maps_in() -> None:
    f = _city(2, 4.0)
    model = Stacked(GRID, long_maps=LONG)
    risk = model.fit(f).predict(AT)
    assert model.weights_ is not None
    assert model.weights_.size == 5 + len(LONG)
    assert Stacked(GRID).fit(f).predict(AT).shape == risk.shape
    former = Stacked(GRID, long_maps=()).fit(f).predict(AT)  # the former default
    assert not np.array_equal(risk, former)
    # frozen weights keep the long maps, and give the same forecast
    frozen = model.frozen(model.events, to_days(AT))
    assert frozen.fixed_weights is not None
    assert frozen.fixed_weights.size == 5 + len(LONG)
    np.testing.assert_allclose(frozen.fit(f).predict(AT), risk, rtol=1e-12, atol=0)
    names = [name for name, _, _ in model.parts(np.arange(10))]
    assert names == ["own", "near", "floor", "recent"]


def test_the_one_day_ahead_fit_keeps_the_long_counts_as_a_fresh_count() -> None:
    """The recent map's fit keeps each count as weighted at its start and takes
    a day's events away at a time (:class:`RecedingCount`); after five days its
    maps at a day's cells, smoothed or not, are those of the count of the events
    before that day made afresh (a density does not change with its count's
    scale), to rounding."""
    model = Stacked(GRID, long_maps=LONG)
    ev = Events.from_frame(_city(3, 2.0), GRID)
    start = float(np.floor(ev.t.max()))
    before = ev.before(start)
    longs = {
        h: RecedingCount(
            GRID.shape,
            before.cell,
            model._long_event_weights(before.t, start, h),
            [s for hh, s in LONG if hh == h and s > 0],
        )
        for h, _ in LONG
    }
    for back in range(1, 6):
        day = start - back
        held = ev.between(day, day + 1.0)
        seen, inverse = np.unique(held.cell, return_inverse=True)
        for h, count in longs.items():
            weights = model._long_event_weights(held.t, start, h)
            count.take(seen, np.bincount(inverse, weights))
    day = start - 5
    fresh = ev.before(day)
    cells = np.unique(ev.between(day - 3, day).cell)
    read = model._long_maps_at(longs, cells, np.ones(len(LONG)))
    whole = model._long_rows(fresh, day)[:, cells]
    np.testing.assert_allclose(read, whole, rtol=1e-12, atol=0)
    assert np.array_equal(read == 0.0, whole == 0.0)
    for h, count in longs.items():
        made = model._long_count(fresh.cell, fresh.t, day, h)
        scale = float(made.sum()) / count.total
        np.testing.assert_allclose(count.count * scale, made, rtol=1e-12, atol=1e-12)


def test_a_frozen_model_past_the_switch_learns_as_the_model_not_frozen() -> None:
    """A backtest whose days cross 1.5 years of history (``avert forecast
    --history-days 500``: 500 days at its first day, 590 at ``at``) scores the
    stack its forecast uses: past the switch, the frozen model's forecast is the
    model's own that day (its frozen weights, of the five maps only, had been
    used there: the backtest measured a stack the forecast did not use); before
    it, the weights frozen at the first day, as before."""
    ev = Events.from_frame(_window(_city(4, 4.0), 590.0), GRID)
    t_first = to_days(AT) - 90.0
    frozen = Stacked(GRID).frozen(ev.before(t_first), t_first)
    assert frozen.fixed_weights is not None
    assert frozen.fixed_weights.size == 5  # 500 days at the first day
    late = to_days(AT) - 10.0  # 580 days: the forecast's stack has the long maps
    on = dt.datetime(1970, 1, 1) + dt.timedelta(days=late)
    live = Stacked(GRID).fit(ev.before(late))
    expected = live.predict(on)
    assert live.weights_ is not None
    assert live.weights_.size == 7
    got = frozen.fit(ev.before(late)).predict(on)
    assert frozen.weights_ is not None
    assert frozen.weights_.size == 7
    np.testing.assert_array_equal(got, expected)
    assert frozen.recent_weight_ == live.recent_weight_
    early = t_first + 20.0  # 520 days: the frozen weights, as before
    frozen.fit(ev.before(early)).predict(
        dt.datetime(1970, 1, 1) + dt.timedelta(days=early)
    )
    np.testing.assert_array_equal(frozen.weights_, frozen.fixed_weights)
    # weights given stay as given past the switch
    given = Stacked(GRID, weights=[0.5, 0.2, 0.1, 0.1, 0.1]).frozen(
        ev.before(t_first), t_first
    )
    given.fit(ev.before(late)).predict(on)
    assert given.weights_ is not None
    assert given.weights_.size == 5


def test_bad_long_maps_are_refused() -> None:
    with pytest.raises(ConfigError, match="long_maps"):
        Stacked(GRID, long_maps=((0.0, 0.0),))
    with pytest.raises(ConfigError, match="long_maps"):
        Stacked(GRID, long_maps=((None, -1.0),))
    with pytest.raises(ConfigError, match="values"):
        Stacked(GRID, long_maps=LONG, weights=[1.0, 0.0])


def test_the_long_maps_are_the_bits_of_counts_made_afresh() -> None:
    """The speed-ups of the long maps (the flat count counted as integers, each
    block's as every event's less the block's, the maps written in place) give
    the same bits as sums of ones and stacked maps (the former code); the
    cross-validation's decayed ones (every event's count less the block's,
    taken away in the block's cells: 2026-12-07) the same to rounding."""
    model = Stacked(GRID)  # the default's long maps: flat and 730 days
    ev = Events.from_frame(_city(5, 2.0), GRID)
    t0 = to_days(AT)
    n_cells = GRID.n_cells
    ones = np.bincount(ev.cell, weights=np.ones(len(ev)), minlength=n_cells)
    assert np.array_equal(model._long_count(ev.cell, ev.t, t0, None), ones)
    stacked = np.vstack(
        [model._maps_of(model._decayed_count(ev, t0)), model._long_rows(ev, t0)]
    )
    assert np.array_equal(model.maps(ev, t0, long=True), stacked)
    got = model._held_out_blocks(ev, t0, long=True)
    assert got is not None
    edges = np.linspace(float(ev.t[0]), t0, 6)
    block = np.clip(np.searchsorted(edges, ev.t, side="right") - 1, 0, 4)
    rows = []
    for b in range(5):
        rest = block != b
        seen = np.flatnonzero(np.bincount(ev.cell[~rest], minlength=n_cells))
        longs = {
            h: np.bincount(
                ev.cell[rest],
                weights=np.ones(int(rest.sum()))
                if h is None
                else np.exp(-np.log(2.0) * (t0 - ev.t[rest]) / h),
                minlength=n_cells,
            )
            for h, _ in model.long_maps
        }
        rows.append(long_maps_made_whole(model, longs, seen))
    np.testing.assert_allclose(got[0][5:], np.hstack(rows), rtol=1e-12, atol=0)
    assert np.array_equal(got[0][5:] == 0.0, np.hstack(rows) == 0.0)


@pytest.mark.parametrize(
    ("long", "size"), [(True, 5), (True, 6), (False, 3), (False, 7)]
)
def test_maps_refuse_weights_of_another_number(*, long: bool, size: int) -> None:
    """``Stacked.maps(weights=...)`` needs one weight per map it makes (5, or 7
    with the long maps): other lengths were an IndexError or, longer, silently
    mixed up which weight skipped which map."""
    model = Stacked(GRID)
    ev = Events.from_frame(_city(5, 2.0), GRID)
    with pytest.raises(ConfigError, match="one value per map"):
        model.maps(ev, to_days(AT), long=long, weights=np.full(size, 1.0 / size))
    right = np.full(7 if long else 5, 0.1)
    assert model.maps(ev, to_days(AT), long=long, weights=right).shape[0] == right.size
