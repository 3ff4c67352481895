"""The stack's long-memory maps (a flat and a 730-day count) join it only when the
history given spans more than 1.5 years: the protocol's 365 days are unchanged, bit
for bit (docs/places.md, "Long memory for long histories")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from avert.analyse.forecast import Events, Grid, Stacked, to_days
from avert.errors import ConfigError

AT = dt.datetime(2024, 3, 1)
GRID = Grid((0.0, 0.0), 100.0, (30, 40))
LONG = ((None, 0.0), (730.0, 0.0), (None, 2.0))


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
def test_a_history_of_under_18_months_gives_the_stack_bit_for_bit(days: float) -> None:
    f = _window(_city(1, 4.0), days)
    old = Stacked(GRID).fit(f).predict(AT)
    new = Stacked(GRID, long_maps=LONG).fit(f).predict(AT)
    assert np.array_equal(old, new)


def test_a_longer_history_brings_the_long_maps_in() -> None:
    f = _city(2, 4.0)
    model = Stacked(GRID, long_maps=LONG)
    risk = model.fit(f).predict(AT)
    assert model.weights_ is not None
    assert model.weights_.size == 5 + len(LONG)
    assert not np.array_equal(risk, Stacked(GRID).fit(f).predict(AT))
    # frozen weights keep the long maps, and give the same forecast
    frozen = model.frozen(model.events, to_days(AT))
    assert frozen.fixed_weights is not None
    assert frozen.fixed_weights.size == 5 + len(LONG)
    np.testing.assert_allclose(frozen.fit(f).predict(AT), risk, rtol=1e-12, atol=0)
    names = [name for name, _, _ in model.parts(np.arange(10))]
    assert names == ["own", "near", "floor", "recent"]


def test_the_one_day_ahead_fit_keeps_the_long_counts_as_a_fresh_count() -> None:
    """The recent map's fit steps each long count back a day at a time; after
    five days each equals the count of the events before that day, made afresh."""
    model = Stacked(GRID, long_maps=LONG)
    ev = Events.from_frame(_city(3, 2.0), GRID)
    start = float(np.floor(ev.t.max()))
    before = ev.before(start)
    longs = {h: model._long_count(before.cell, before.t, start, h) for h, _ in LONG}
    for back in range(1, 6):
        day = start - back
        held = ev.between(day, day + 1.0)
        seen, inverse = np.unique(held.cell, return_inverse=True)
        for h, count in longs.items():
            model._long_back_one_day(count, held, seen, inverse, day, h)
    day = start - 5
    fresh = ev.before(day)
    for h, count in longs.items():
        made = model._long_count(fresh.cell, fresh.t, day, h)
        np.testing.assert_allclose(count, made, rtol=1e-12, atol=1e-9)
    cells = np.unique(ev.between(day - 3, day).cell)
    read = model._long_at(longs, cells, np.ones(len(LONG)))
    whole = model._long_rows(fresh, day)[:, cells]
    np.testing.assert_allclose(read, whole, rtol=1e-12, atol=0)


def test_bad_long_maps_are_refused() -> None:
    with pytest.raises(ConfigError, match="long_maps"):
        Stacked(GRID, long_maps=((0.0, 0.0),))
    with pytest.raises(ConfigError, match="long_maps"):
        Stacked(GRID, long_maps=((None, -1.0),))
    with pytest.raises(ConfigError, match="values"):
        Stacked(GRID, long_maps=LONG, weights=[1.0, 0.0])
