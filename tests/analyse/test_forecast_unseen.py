"""The hidden-city protocol as an owner writes it (issue 16): day-resolution records,
ties by row-major index, the whole frame passed each day.

Small and fast; the figures are ``benchmarks/forecast_unseen.py``'s.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from avert.analyse.forecast import cells_for_coverage, forecast_grid, select_top

AT = dt.datetime(2021, 3, 1)
SHAPE = (12, 15)


def _day_resolution_city(seed: int) -> pl.DataFrame:
    """60 days of records kept to the day (every time 00:00), a few hotspots, with
    the forecast day's own records and later ones in the frame."""
    rng = np.random.default_rng(seed)
    n = 900
    hot = rng.uniform(100, 1_400, (6, 2))
    xy = hot[rng.integers(0, 6, n)] + rng.normal(0, 60, (n, 2))
    xy = np.clip(xy, 0, 1_499)
    day = rng.integers(-59, 3, n)  # day 0 is the forecast day, 1 and 2 after it
    day[:40] = 0  # and some records dated exactly at the forecast's start
    when = [AT + dt.timedelta(days=int(d)) for d in day]
    return pl.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "occurred_at": when})


@pytest.mark.parametrize("model", ["default", "counting"])
def test_records_dated_at_the_forecast_start_are_not_learnt(model: str) -> None:
    """An owner passes every record each day; those of the forecast day, dated
    00:00 (= ``at``), are the day's test events and must not be learnt from."""
    ev = _day_resolution_city(3)
    kw = {"origin_xy": (0.0, 0.0), "cell_size_m": 100.0, "shape": SHAPE, "at": AT}
    past = ev.filter(pl.col("occurred_at") < AT)
    whole = forecast_grid(ev, model=model, **kw)
    np.testing.assert_array_equal(whole, forecast_grid(past, model=model, **kw))
    shuffled = ev.sample(fraction=1.0, shuffle=True, seed=2)
    np.testing.assert_array_equal(whole, forecast_grid(shuffled, model=model, **kw))
    # the day's records do change the forecast once they are in the past
    later = forecast_grid(ev, model=model, **{**kw, "at": AT + dt.timedelta(days=1)})
    assert not np.array_equal(whole, later)


def _owner_top(
    risk: npt.NDArray[np.float64], basis: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.int64]:
    """An owner's tie rule, written apart from avert's: risk down, then index down."""
    return np.sort(basis[np.lexsort((-basis, -risk[basis]))[:k]])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_owners_tie_rule_selects_avert_s_cells(seed: int) -> None:
    """Counts tie everywhere; an independent sort and ``select_top`` keep the same
    ``floor(N c)`` cells of the bbox and of the active cells at every coverage."""
    rng = np.random.default_rng(seed)
    risk = rng.poisson(0.3, 180).astype(np.float64)  # mostly 0 and 1: many ties
    active = np.flatnonzero(rng.random(180) < 0.4).astype(np.int64)
    for basis in (np.arange(180, dtype=np.int64), active):
        for pct in (1, 2, 5, 10):
            k = basis.size * pct // 100
            assert k == cells_for_coverage(basis.size, pct / 100)
            ours = _owner_top(risk, basis, k)
            theirs = np.sort(select_top(risk, k, None if basis.size == 180 else basis))
            np.testing.assert_array_equal(ours, theirs)
