"""The forecasts of valid input are frozen: these pin a few of them.

The models and their parameters must not change (docs/places.md), so any change to
input handling or speed must leave the arrays below as they were. The city is
seeded: clustered events in a projected CRS with hour- and second-resolution times,
two years of history, forecasts for three days on ``default`` and ``counting``.

The arrays were computed by the code of 2026-12-05 before any input-handling or
speed change (commit db3daba9) and stored in ``tests/data/forecast-pinned``. The
counts are compared bit for bit; the default's to 1e-12 relative: its last bits
depend on the machine's BLAS kernels (OpenBLAS' Sandybridge kernels give other
bits than its Haswell ones, up to 6e-15 apart: OPENBLAS_CORETYPE=Sandybridge),
so a SHA-256 of its bytes, as first pinned, failed with those kernels on the
very machine that pinned it. A change of a model's parameter
moves the forecasts far more (a half-life of 365.5 days for 365: 1e-3 relative,
checked below; even the tie-break's 1e-9 made 1.01e-9 is outside it).

The default's long-memory maps (2026-12-07) join its stack only when the history
spans more than 1.5 years, as it does at 2023-11-15 and 2024-03-10: the pinned
``default`` arrays are of the stack without them (``long_maps=()``, what the
default is on shorter histories: 2023-06-01 is pinned with the default itself),
and the default with them is pinned apart (``seeded_city_long_memory.npz``,
computed by the commit that adopted them).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from avert.analyse.forecast import forecast_grid

ORIGIN = (600_000.0, 4_800_000.0)
CELL_M = 150.0
SHAPE = (30, 40)
START = dt.datetime(2022, 1, 1)


def seeded_city(seed: int = 7, n: int = 3_000, days: int = 800) -> pl.DataFrame:
    """A seeded city: eight hotspots, events spread 250 m around them (some fall
    outside the grid), times uniform over ``days`` days from 2022-01-01."""
    rng = np.random.default_rng(seed)
    x0, y0 = ORIGIN
    hot = rng.uniform(
        [x0, y0], [x0 + SHAPE[1] * CELL_M, y0 + SHAPE[0] * CELL_M], size=(8, 2)
    )
    xy = hot[rng.integers(0, 8, n)] + rng.normal(0, 250, size=(n, 2))
    seconds = rng.integers(0, days * 86_400, n)
    times = [START + dt.timedelta(seconds=int(v)) for v in seconds]
    return pl.DataFrame({"x": xy[:, 0], "y": xy[:, 1], "occurred_at": times})


PINNED = Path(__file__).resolve().parents[1] / "data" / "forecast-pinned"
#: the default's tolerance: above the machines' rounding, far below a model change
RTOL = 1e-12


#: the default before its long-memory maps: the pinned arrays are of it
FORMER = {"long_maps": ()}


def pinned(model: str, day: str, file: str = "seeded_city.npz") -> np.ndarray:
    """The forecast of ``seeded_city()`` by ``model`` at ``day``, as pinned."""
    with np.load(PINNED / file) as arrays:
        return np.asarray(arrays[f"{model} {day}"])


CASES = [
    (model, day)
    for model in ("counting", "default")
    for day in ("2023-06-01", "2023-11-15", "2024-03-10")
]


def forecast(model: str, day: str, **params: object) -> np.ndarray:
    return forecast_grid(
        seeded_city(),
        origin_xy=ORIGIN,
        cell_size_m=CELL_M,
        shape=SHAPE,
        at=dt.datetime.fromisoformat(day),
        model=model,
        **params,
    )


@pytest.mark.parametrize(("model", "day"), CASES)
def test_forecasts_of_the_seeded_city_are_unchanged(model: str, day: str) -> None:
    params = FORMER if model == "default" else {}
    risk, was = forecast(model, day, **params), pinned(model, day)
    assert risk.shape == was.shape == SHAPE
    if model == "counting":  # sums of ones: the same bits on every machine
        np.testing.assert_array_equal(risk, was)
    else:
        np.testing.assert_allclose(risk, was, rtol=RTOL, atol=0.0)


def test_the_default_of_under_18_months_is_the_pinned_one() -> None:
    """517 days of history: the long-memory maps do not join; the same forecast."""
    np.testing.assert_allclose(
        forecast("default", "2023-06-01"),
        pinned("default", "2023-06-01"),
        rtol=RTOL,
        atol=0.0,
    )


@pytest.mark.parametrize("day", ["2023-11-15", "2024-03-10"])
def test_the_default_with_its_long_memory_maps_is_unchanged(day: str) -> None:
    was = pinned("default", day, "seeded_city_long_memory.npz")
    np.testing.assert_allclose(forecast("default", day), was, rtol=RTOL, atol=0.0)
    with pytest.raises(AssertionError):  # they do change the forecast
        np.testing.assert_allclose(was, pinned("default", day), rtol=RTOL, atol=0.0)


def test_the_tolerance_tells_a_changed_parameter() -> None:
    """The default's tolerance is not so loose that a model change passes: half a
    day more of half-life (365.5 for 365) is outside it."""
    changed = forecast("default", "2023-11-15", half_life_days=365.5, **FORMER)
    with pytest.raises(AssertionError):
        np.testing.assert_allclose(
            changed, pinned("default", "2023-11-15"), rtol=RTOL, atol=0.0
        )


def test_a_time_sorted_history_and_weight_on_every_map_are_unchanged() -> None:
    """The paths the speed-up added: a history already sorted by time (not sorted
    again) and weights on every smoothing (none left out of the one-day-ahead
    fit; the seeded city's learnt weights leave two at zero)."""
    day = "2023-11-15"
    city = seeded_city().sort("occurred_at")
    sorted_risk = forecast_grid(
        city,
        origin_xy=ORIGIN,
        cell_size_m=CELL_M,
        shape=SHAPE,
        at=dt.datetime(2023, 11, 15),
        **FORMER,
    )
    np.testing.assert_allclose(sorted_risk, pinned("default", day), rtol=RTOL, atol=0.0)
    weighted = forecast("default", day, weights=[0.3, 0.2, 0.2, 0.2, 0.1])
    np.testing.assert_allclose(
        weighted, pinned("default weights", day), rtol=RTOL, atol=0.0
    )
