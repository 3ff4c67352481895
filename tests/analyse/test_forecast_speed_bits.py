"""The default's speed-ups of 2026-12-07 keep its forecasts: pinned arrays of the
code before them, and its new ways of reading its maps checked bit for bit against
the former ones.

The cross-validation of :class:`avert.analyse.forecast.Stacked` now reads each
whole-grid map at the held-out cells only, reusing one smoothing buffer, and its
weights' search writes into arrays made once. The weights' search carries a map's
last bits far (docs/places.md, "Speed on a large city"), so these paths must give
the very bits of the former ones: checked here against the former composition
(whole maps written, then read; stacked side by side), on the same machine, so
whatever its BLAS kernels. The forecasts of two seeded cities (one filling its
grid, one of clusters far apart, whose smoothings run on patches), with histories
past 1.5 years (the long-memory maps join) and near repeats, were computed by the
code before the speed-ups (commit 60ba92de) and stored in
``tests/data/forecast-pinned/speed_cities.npz``; they are compared to 1e-12
relative (the machines' BLAS kernels differ in the last bits:
``test_forecast_pinned.py``) with the same top 1 % and 5 % of cells.

The speed-ups of 2026-12-07's evening change the forecasts by rounding-level
amounts, as the project now allows (up to about 1e-9 relative, the Toronto
protocol's hits the same on every day): each block's others' count is every
event's less the block's, the smoothings' sums are taken from the kernel's mass
inside the grid, the final maps' smoothings are the blocks' summed, and the
one-day-ahead fit keeps its counts as weighted at its start. Their maps agree
with the former ones to 1e-12 relative (exact zeros where the former were
zero), and the forecasts with the pinned ones to :data:`RTOL_FORECAST`: the
largest difference measured was 3.2e-11 relative (``filled``, 2024-05-20; the
weights' search carries its maps' last bits that far).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from test_forecast_long_memory import long_maps_made_whole

from avert.analyse.forecast import Events, Grid, Stacked, forecast_grid, to_days
from avert.analyse.forecast._smooth import smooth_near, smoothings_read_at
from avert.analyse.forecast._stack import mixture_weights

PINNED = Path(__file__).resolve().parents[1] / "data" / "forecast-pinned"
RTOL = 1e-12
#: the forecasts' tolerance since the rounding-level speed-ups (module docstring)
RTOL_FORECAST = 1e-9
CELL_M = 100.0
ORIGIN = (400_000.0, 5_600_000.0)
END = dt.datetime(2024, 6, 1)
DAYS = ("2024-05-20", "2024-06-01")


def city(
    kind: str, *, seed: int = 3, n: int = 6_000, years: float = 2.5
) -> pl.DataFrame:
    """A seeded city of ``n`` events over ``years`` ending at :data:`END`:
    ``filled`` spreads hotspots and a uniform fifth over its 60 x 80 cells;
    ``clusters`` puts them in three clusters far apart on 150 x 150 cells, so its
    smoothings run on patches. A tenth of the events follow another within days
    and 150 m (near repeats)."""
    rng = np.random.default_rng(seed)
    x0, y0 = ORIGIN
    if kind == "filled":
        ny, nx = 60, 80
        hot = rng.uniform((x0, y0), (x0 + nx * CELL_M, y0 + ny * CELL_M), (12, 2))
        spread = 300.0
    else:
        ny, nx = 150, 150
        hot = np.array(
            [
                [x0 + 1_500, y0 + 1_500],
                [x0 + 13_000, y0 + 2_000],
                [x0 + 7_000, y0 + 13_000],
            ]
        )
        spread = 250.0
    xy = hot[rng.integers(0, len(hot), n)] + rng.normal(0, spread, (n, 2))
    if kind == "filled":
        uniform = rng.random(n) < 0.2
        xy[uniform] = rng.uniform(
            (x0, y0), (x0 + nx * CELL_M, y0 + ny * CELL_M), (int(uniform.sum()), 2)
        )
    age_s = rng.random(n) * years * 365 * 86_400
    follow = rng.random(n) < 0.1
    leader = rng.integers(0, n, int(follow.sum()))
    xy[follow] = xy[leader] + rng.normal(0, 150, (leader.size, 2))
    age_s[follow] = np.maximum(
        age_s[leader] - rng.exponential(2 * 86_400, leader.size), 0
    )
    times = [END - dt.timedelta(seconds=float(s)) for s in age_s]
    return pl.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "occurred_at": times})


SHAPES = {"filled": (60, 80), "clusters": (150, 150)}


def forecast(kind: str, day: str) -> np.ndarray:
    return forecast_grid(
        city(kind),
        origin_xy=ORIGIN,
        cell_size_m=CELL_M,
        shape=SHAPES[kind],
        at=dt.datetime.fromisoformat(day),
    )


def top(risk: np.ndarray, share: float) -> set[int]:
    k = max(1, round(share * risk.size))
    return set(np.argsort(-risk.ravel(), kind="stable")[:k].tolist())


@pytest.mark.parametrize("kind", ["filled", "clusters"])
@pytest.mark.parametrize("day", DAYS)
def test_the_forecasts_are_those_of_the_code_before_the_speed_ups(
    kind: str, day: str
) -> None:
    with np.load(PINNED / "speed_cities.npz") as arrays:
        was = np.asarray(arrays[f"{kind} {day}"])
    risk = forecast(kind, day)
    np.testing.assert_allclose(risk, was, rtol=RTOL_FORECAST, atol=0.0)
    for share in (0.01, 0.05):
        assert top(risk, share) == top(was, share)


def _model_and_events(kind: str, long_maps: tuple) -> tuple[Stacked, Events, float]:
    grid = Grid(ORIGIN, CELL_M, SHAPES[kind])
    ev = Events.from_frame(city(kind), grid)
    t0 = to_days(DAYS[0])
    return Stacked(grid, long_maps=long_maps), ev.before(t0), t0


#: the default's long maps and smoothed ones (a flat and a decayed count), so that
#: every branch of the cross-validation's long rows is read
LONG_MAPS = ((None, 0.0), (730.0, 0.0), (None, 2.0), (365.0, 1.0))


@pytest.mark.parametrize("kind", ["filled", "clusters"])
def test_the_cross_validation_reads_the_whole_maps(kind: str) -> None:
    """Its maps at the held-out cells are the whole maps' (written whole, divided
    by their whole sums, read at the cells, stacked), to rounding, and exactly
    zero where those are (a block's cells no other block's event fell in); the
    counts are the same."""
    model, ev, t0 = _model_and_events(kind, LONG_MAPS)
    got = model._held_out_blocks(ev, t0, long=True)
    assert got is not None
    maps, counts = got
    edges = np.linspace(float(ev.t[0]), t0, 6)
    block = np.clip(np.searchsorted(edges, ev.t, side="right") - 1, 0, 4)
    n_cells = model.grid.n_cells
    want_maps, want_counts = [], []
    for b in np.flatnonzero(np.bincount(block)):
        rest = block != b
        n = np.bincount(ev.cell[~rest], minlength=n_cells)
        seen = np.flatnonzero(n)
        age = t0 - ev.t[rest]
        count = np.bincount(
            ev.cell[rest], weights=np.exp(-np.log(2.0) * age / 365.0), minlength=n_cells
        )
        longs = {
            h: np.bincount(
                ev.cell[rest],
                weights=np.ones(int(rest.sum()))
                if h is None
                else np.exp(-np.log(2.0) * age / h),
                minlength=n_cells,
            )
            for h in (None, 730.0, 365.0)
        }
        want_maps.append(
            np.vstack(
                [
                    model._maps_of(count)[:, seen],
                    long_maps_made_whole(model, longs, seen),
                ]
            )
        )
        want_counts.append(n[seen].astype(np.float64))
    want = np.hstack(want_maps)
    np.testing.assert_allclose(maps, want, rtol=RTOL, atol=0.0)
    assert np.array_equal(maps == 0.0, want == 0.0)
    assert np.array_equal(counts, np.concatenate(want_counts))


@pytest.mark.parametrize("kind", ["filled", "clusters"])
def test_smoothings_read_at_cells_are_the_whole_smoothings_bits(kind: str) -> None:
    """Values at the cells and sums of the whole smoothings, into one buffer
    reused, are those of a new smoothing each (patches or the whole grid)."""
    model, ev, t0 = _model_and_events(kind, ())
    image = model._decayed_count(ev, t0).reshape(model.grid.shape)
    image /= image.sum()
    cells = np.flatnonzero(
        np.bincount(ev.between(t0 - 30, t0).cell, minlength=image.size)
    )
    buffer = np.full(image.shape, np.nan)  # whatever it held before
    read = smoothings_read_at(image, [1.0, 2.0, 4.0], cells, buffer=buffer)
    for sigma, (values, total) in zip([1.0, 2.0, 4.0], read, strict=True):
        whole = smooth_near(image, sigma).ravel()
        assert np.array_equal(values, whole[cells])
        assert total == float(whole.sum())


def _former_mixture_weights(maps: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """:func:`mixture_weights` as written before 2026-12-07 (new arrays each
    evaluation)."""
    from scipy import optimize

    k = maps.shape[0]
    total = float(counts.sum())
    f = np.ascontiguousarray(maps, dtype=np.float64)
    y = counts / total

    def negative(w: np.ndarray) -> tuple[float, np.ndarray]:
        mix = np.maximum(w @ f, 1e-300)
        value = float(y @ np.log(mix)) - float(w.sum())
        grad = f @ (y / mix) - 1.0
        return -value, -grad

    found = optimize.minimize(
        negative,
        np.full(k, 1.0 / k),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, None)] * k,
        options={"ftol": 1e-10, "gtol": 1e-10, "maxiter": 500},
    )
    weights = np.clip(np.asarray(found.x, dtype=np.float64), 0.0, None)
    return weights / max(float(weights.sum()), 1e-300)


def test_the_weights_search_finds_the_former_bits() -> None:
    model, ev, t0 = _model_and_events("filled", ((None, 0.0), (730.0, 0.0)))
    got = model._held_out_blocks(ev, t0, long=True)
    assert got is not None
    assert np.array_equal(mixture_weights(*got), _former_mixture_weights(*got))


@pytest.mark.parametrize("kind", ["filled", "clusters"])
def test_the_final_maps_are_the_blocks_smoothings_summed(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forecast that learns its weights makes its final maps' smoothings from
    the cross-validation's (each block's others' smoothing, summed: the count's
    smoothing times the blocks less one), not by smoothing its count again: the
    only whole smoothing it makes itself is the recent map's. The maps are those
    of the count smoothed afresh to rounding, zero where those are zero."""
    from avert.analyse.forecast import _stack

    model, ev, t0 = _model_and_events(kind, ((None, 0.0), (730.0, 0.0)))
    sigmas: list[float] = []

    def counted(image: np.ndarray, sigma: float, **kwargs: object) -> np.ndarray:
        sigmas.append(float(sigma))
        return smooth_near(image, sigma, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(_stack, "smooth_near", counted)
    model.fit(ev).predict(dt.datetime.fromisoformat(DAYS[0]))
    assert model.weights_ is not None
    assert np.count_nonzero(model.weights_[1:4]) >= 1  # a smoothing is used
    assert sigmas == [model.recent_sigma_cells]
    assert model._fold_smoothings is None  # released
    assert model._maps is not None
    monkeypatch.undo()
    fresh = model.maps(ev, t0, weights=model.weights_)
    np.testing.assert_allclose(model._maps, fresh, rtol=RTOL, atol=0.0)
    assert np.array_equal(model._maps == 0.0, fresh == 0.0)
