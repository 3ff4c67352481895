"""The default's fits read its smoothed maps at the held-out events' cells only
(:func:`avert.analyse.forecast._smooth.smoothed_at`, 2026-12-06): the values there
and each smoothed grid's sum must be those of smoothing the whole grid (SciPy's
``gaussian_filter``), and the weights learnt those of the former path, which built
every map whole and read it at those cells (kept below as ``_whole_maps_*``)."""

from __future__ import annotations

import datetime as dt
import math
import platform
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest
from scipy import ndimage

from avert.analyse.forecast import _smooth
from avert.analyse.forecast._grid import Events, Grid, to_days
from avert.analyse.forecast._smooth import gaussian_kernel, smoothed_at, smoothed_total
from avert.analyse.forecast._stack import Stacked, mixture_weights

SIGMAS = (1.0, 2.0, 4.0, 0.3)
#: SciPy's wheels for x86-64 fuse no multiply-add: the same bits there
SAME_BITS = platform.machine().lower() in ("x86_64", "amd64")
AT = dt.datetime(2024, 6, 1)
CITY = Grid((0.0, 0.0), 100.0, (90, 110))


def _whole(image: npt.NDArray[np.float64], sigma: float) -> npt.NDArray[np.float64]:
    return np.asarray(
        ndimage.gaussian_filter(image, sigma, mode="constant", truncate=3.0)
    )


@pytest.fixture
def windows_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every smoothing at cells on the windows, however many the cells."""
    monkeypatch.setattr(_smooth, "_WINDOW_SHARE", math.inf)


@pytest.fixture
def windows_used(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the windows were gathered (one entry a call, its cells)."""
    calls: list[int] = []
    gather = _smooth._windows

    def spy(image: Any, cells: Any, reach: int) -> Any:
        calls.append(len(cells))
        return gather(image, cells, reach)

    monkeypatch.setattr(_smooth, "_windows", spy)
    return calls


def test_the_kernel_is_scipys() -> None:
    from scipy.ndimage import _filters

    for sigma in (*SIGMAS, 0.1, 1.5, 7.3):
        radius = int(3.0 * sigma + 0.5)
        want = _filters._gaussian_kernel1d(sigma, 0, radius)
        assert np.array_equal(gaussian_kernel(sigma), want)


@pytest.mark.usefixtures("windows_only")
@pytest.mark.parametrize("sigma", SIGMAS)
def test_values_at_cells_are_the_whole_grids(sigma: float) -> None:
    rng = np.random.default_rng(int(sigma * 10))
    # tiny grids (smaller than the kernel), thin ones, and ones it fits inside
    for shape in [(1, 1), (1, 9), (3, 2), (5, 40), (25, 7), (60, 80)]:
        ny, nx = shape
        rim = [0, nx - 1, (ny - 1) * nx, ny * nx - 1]  # the corners
        for image in (
            rng.random(shape),
            rng.poisson(0.05, shape).astype(float) * rng.random(shape),
            np.zeros(shape),
        ):
            cells = np.concatenate([rim, rng.integers(0, ny * nx, 30), rim[:1]])
            [(values, total)] = smoothed_at(image, [sigma], cells)
            want = _whole(image, sigma)
            np.testing.assert_allclose(values, want.ravel()[cells], rtol=1e-12, atol=0)
            if SAME_BITS:
                assert np.array_equal(values, want.ravel()[cells])
            assert total == pytest.approx(float(want.sum()), rel=1e-12, abs=1e-300)
            assert smoothed_total(image, sigma) == total


def test_many_cells_smooth_the_whole_grid_as_before(windows_used: list[int]) -> None:
    rng = np.random.default_rng(5)
    image = rng.poisson(0.3, (40, 50)).astype(float)
    few, many = np.array([0, 77, 1999]), np.arange(0, 2000, 3)
    found = smoothed_at(image, [1.0, 4.0], few) + smoothed_at(image, [4.0], many)
    assert windows_used == [3]  # the few cells' sigmas, once; not the many
    for (values, total), (sigma, cells) in zip(
        found, [(1.0, few), (4.0, few), (4.0, many)], strict=True
    ):
        want = _whole(image, sigma)
        np.testing.assert_allclose(values, want.ravel()[cells], rtol=1e-12, atol=0)
        assert total == pytest.approx(float(want.sum()), rel=1e-12)
    # the whole grid's path is the former one, bit for bit
    assert np.array_equal(found[2][0], _whole(image, 4.0).ravel()[many])
    assert found[2][1] == float(_whole(image, 4.0).sum())


def _near_repeat_city(seed: int) -> pl.DataFrame:
    """Two years of 1,000 background events over :data:`CITY` a year, and 300
    bursts of 4 events within about 60 m and 3 days (near repeats)."""
    rng = np.random.default_rng(seed)
    width, height = 110 * 100.0, 90 * 100.0
    n = 2_000
    xy = rng.uniform((0, 0), (width, height), (n, 2))
    days = rng.uniform(0, 730, n)
    origin = rng.uniform((0, 0), (width, height), (300, 2))
    start = rng.uniform(3, 730, 300)
    burst_xy = np.repeat(origin, 4, axis=0) + rng.normal(0, 60, (1_200, 2))
    burst_days = np.repeat(start, 4) - rng.uniform(0, 3, 1_200)
    xy = np.clip(np.vstack([xy, burst_xy]), 0, (width - 1, height - 1))
    days = np.concatenate([days, burst_days])
    times = [AT - dt.timedelta(days=float(d)) for d in days]
    return pl.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "occurred_at": times})


def _whole_maps_recent_weight(
    model: Stacked, events: Events, t0: float, weights: npt.NDArray[np.float64]
) -> float:
    """``fit_recent_weight`` as it was: every map built whole, read at the cells."""
    assert model.half_life_days is not None
    start = float(np.floor(t0))
    younger = 2.0 ** (1 / model.half_life_days)
    count = model._decayed_count(events.before(start), start)
    stack_cols, recent_cols, counts = [], [], []
    for back in range(1, model.ahead_days + 1):
        day = start - back
        held = events.between(day, day + 1.0)
        count = np.maximum(count - model._decayed_count(held, day + 1.0), 0.0)
        count *= younger
        if not (len(held) and np.searchsorted(events.t, day) > 0):
            continue
        n = np.bincount(held.cell, minlength=model.grid.n_cells)
        seen = n > 0
        stack_cols.append((weights @ model._maps_of(count, weights))[seen])
        recent_cols.append(model.recent_map(events.before(day), day)[seen])
        counts.append(n[seen].astype(np.float64))
    both = np.vstack([np.concatenate(stack_cols), np.concatenate(recent_cols)])
    return float(mixture_weights(both, np.concatenate(counts))[1])


def _whole_maps_weights(model: Stacked, ev: Events, t0: float) -> Any:
    """``fit_weights`` (five folds) as it was: each fold's maps built whole."""
    assert model.folds is not None
    edges = np.linspace(float(ev.t[0]), t0, model.folds + 1)
    block = np.clip(np.searchsorted(edges, ev.t, side="right") - 1, 0, model.folds - 1)
    weight = model._event_weights(ev, t0)
    maps, counts = [], []
    for b in np.unique(block):
        inside = block == b
        n = np.bincount(ev.cell[inside], minlength=model.grid.n_cells)
        rest_count = model._count_of(ev.cell[~inside], weight[~inside])
        maps.append(model._maps_of(rest_count)[:, n > 0])
        counts.append(n[n > 0].astype(np.float64))
    return mixture_weights(np.hstack(maps), np.concatenate(counts))


def _fitted(seed: int) -> tuple[Stacked, Events, float]:
    past = Events.from_frame(_near_repeat_city(seed), CITY)
    t0 = to_days(AT)
    # the stack of five maps these checks rebuild "as it was": without the
    # long-memory maps that join it past 1.5 years of history (2026-12-07;
    # tests/analyse/test_forecast_long_memory.py checks those)
    return Stacked(CITY, long_maps=()), past.before(t0), t0


@pytest.mark.parametrize("seed", [1, 2])
def test_the_recent_weight_is_the_whole_maps(
    seed: int, windows_used: list[int]
) -> None:
    model, past, t0 = _fitted(seed)
    weights = model.fit_weights(past, t0)
    windows_used.clear()
    learnt = model.fit_recent_weight(past, t0, weights)
    assert len(windows_used) >= 2 * 20  # the stack's and the recent map's, each day
    assert learnt > 0.05  # the near repeats earn weight: the maps are read
    want = _whole_maps_recent_weight(model, past, t0, weights)
    assert learnt == pytest.approx(want, rel=1e-12, abs=0)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_stacks_weights_are_the_whole_maps(seed: int) -> None:
    model, past, t0 = _fitted(seed)
    learnt = model.fit_weights(past, t0)
    assert np.count_nonzero(learnt[1:-1]) >= 1  # a smoothing weighed
    np.testing.assert_allclose(
        learnt, _whole_maps_weights(model, past, t0), rtol=1e-12, atol=1e-15
    )


def _sparse_city(seed: int) -> pl.DataFrame:
    """150 events over two years around four hotspots of a 60 x 80 grid: blocks of
    the cross-validation with so few cells that windows would be cheaper."""
    rng = np.random.default_rng(seed)
    hot = rng.uniform((0, 0), (8_000, 6_000), (4, 2))
    xy = hot[rng.integers(0, 4, 150)] + rng.normal(0, 200, (150, 2))
    xy = np.clip(xy, 0, (7_999, 5_999))
    times = [AT - dt.timedelta(days=float(d)) for d in rng.uniform(0, 730, 150)]
    return pl.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "occurred_at": times})


@pytest.mark.parametrize("seed", [0, 4])
def test_the_cross_validation_keeps_the_whole_maps_weights(seed: int) -> None:
    """The weights' search carries the last bits of its maps' sums far: on
    Toronto's robberies (2021-01-03, every event) sums to rounding moved the
    forecast by 2e-9 relative. The blocks' maps stay whole smoothings even where
    they hold few cells (here fewer than the grid over the kernel's); since
    2026-12-07 their sums are to rounding (the kernel's mass inside the grid),
    and the weights within 1e-9 of the former ones (measured: 3.4e-15 relative)."""
    grid = Grid((0.0, 0.0), 100.0, (60, 80))
    past = Events.from_frame(_sparse_city(seed), grid)
    t0 = to_days(AT)
    past = past.before(t0)
    model = Stacked(grid, long_maps=())  # five maps, as rebuilt (see _fitted)
    block_cells = len(np.unique(past.cell[past.t < past.t[0] + 146]))
    assert block_cells * gaussian_kernel(1.0).size ** 2 < grid.n_cells
    learnt = model.fit_weights(past, t0)
    assert np.count_nonzero(learnt[1:-1]) >= 1
    np.testing.assert_allclose(
        learnt, _whole_maps_weights(model, past, t0), rtol=1e-9, atol=1e-12
    )


def test_a_day_without_events_and_no_recent_map_are_left_out(
    windows_used: list[int],
) -> None:
    model, past, t0 = _fitted(3)
    quiet = Events(*(a[past.t < t0 - 40] for a in (past.cell, past.t, past.x, past.y)))
    w = model.fit_weights(quiet, t0)
    # no event in the last 28 days: no day scored, no window gathered
    assert model.fit_recent_weight(quiet, t0, w) == 0.0
    assert windows_used == []
