"""The forecasts of valid input are frozen: these pin a few of them bit for bit.

The models and their parameters must not change (docs/places.md), so any change to
input handling or speed must leave the arrays below identical, byte for byte. The
city is seeded: clustered events in a projected CRS with hour- and second-resolution
times, two years of history, forecasts for three days on ``default`` and
``counting``.
"""

from __future__ import annotations

import datetime as dt
import hashlib

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


def digest(risk: np.ndarray) -> str:
    """The first 16 hex digits of the SHA-256 of the float64 array's bytes."""
    return hashlib.sha256(np.ascontiguousarray(risk, np.float64).tobytes()).hexdigest()[
        :16
    ]


PINNED = {
    # (model, day): digest of forecast_grid on seeded_city(), computed on the code
    # of 2026-12-05 before any input-handling or speed change
    ("counting", "2023-06-01"): "3fa3b54de5d9da64",
    ("counting", "2023-11-15"): "721a75d07b077c23",
    ("counting", "2024-03-10"): "fcb841dcbb51e27e",
    ("default", "2023-06-01"): "6998fccd0d0fe01b",
    ("default", "2023-11-15"): "f353a1114bdac004",
    ("default", "2024-03-10"): "68870935238f7d1d",
}


@pytest.mark.parametrize(("model", "day"), sorted(PINNED))
def test_forecasts_of_the_seeded_city_are_unchanged_bit_for_bit(
    model: str, day: str
) -> None:
    risk = forecast_grid(
        seeded_city(),
        origin_xy=ORIGIN,
        cell_size_m=CELL_M,
        shape=SHAPE,
        at=dt.datetime.fromisoformat(day),
        model=model,
    )
    assert risk.shape == SHAPE
    assert digest(risk) == PINNED[model, day]
