"""A forecast's method says which maps it used: the default's long-memory maps
(the flat and the 730-day count, joining past 1.5 years of history) are named in
its method and listed in its maps when, and only when, that forecast used them
(the method text named the five-map stack whatever the history; docs/places.md,
"Long memory for long histories")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from avert.analyse.forecast import Counting, Events, Grid, Stacked, plan_patrols
from avert.analyse.forecast._grid import to_days

AT = dt.datetime(2024, 3, 1)
GRID = Grid((0.0, 0.0), 100.0, (20, 30))
LONG_NAMES = ("count (flat)", "count (730-day half-life)")


def _events(days: float, n: int = 3000, seed: int = 5) -> pl.DataFrame:
    """``n`` events of a few stable hotspots and the rest anywhere, over the
    ``days`` before AT."""
    rng = np.random.default_rng(seed)
    hot = rng.uniform(200, 2800, (20, 2)) * np.array([1.0, 2 / 3])
    xy = np.where(
        (rng.random(n) < 0.6)[:, None],
        hot[rng.integers(0, 20, n)] + rng.normal(0, 60, (n, 2)),
        rng.uniform(0, 1, (n, 2)) * np.array([2999.0, 1999.0]),
    )
    xy = np.clip(xy, 0, np.array([2999.0, 1999.0]))
    age = np.sort(rng.uniform(0, days, n))[::-1]
    return pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": [AT - dt.timedelta(days=float(a)) for a in age],
        }
    )


def test_a_long_history_names_the_long_maps() -> None:
    model = Stacked(GRID)
    model.fit(_events(900.0)).predict(AT)
    method = model.method_used()
    assert method != Stacked.method
    assert "the flat count and the 730-day half-life count" in method
    assert "more than 548 days (1.5 years)" in method
    maps = model.maps_used()
    names = [name for name, _ in maps]
    assert names == [
        "count (365-day half-life)",
        "count (365-day half-life) smoothed by 1 cell",
        "count (365-day half-life) smoothed by 2 cells",
        "count (365-day half-life) smoothed by 4 cells",
        "uniform",
        *LONG_NAMES,
        "recent: count (3-day half-life) smoothed by 1 cell",
    ]
    weights = np.array([w for _, w in maps])
    assert (weights >= 0).all()
    assert weights.sum() == pytest.approx(1.0)
    assert model.weights_ is not None
    a = model.recent_weight_
    np.testing.assert_allclose(weights[:-1], (1 - a) * model.weights_)


@pytest.mark.parametrize("days", [300.0, 540.0])
def test_a_short_history_keeps_the_five_maps_and_their_words(days: float) -> None:
    """Under 1.5 years (the briefing's 455 days) the words are the method's as
    before, letter for letter, and no long map is listed."""
    model = Stacked(GRID)
    model.fit(_events(days)).predict(AT)
    assert model.method_used() == Stacked.method
    names = [name for name, _ in model.maps_used()]
    assert len(names) == 6
    assert not set(LONG_NAMES) & set(names)


def test_before_a_prediction_and_for_a_model_of_one_map() -> None:
    assert Stacked(GRID).maps_used() == ()
    assert Stacked(GRID).method_used() == Stacked.method
    counting = Counting(GRID)
    counting.fit(_events(300.0)).predict(AT)
    assert counting.maps_used() == ()
    assert counting.method_used() == Counting.method


@pytest.mark.parametrize(("days", "long"), [(400.0, False), (900.0, True)])
def test_a_patrol_plan_carries_the_maps_its_forecast_used(
    days: float, *, long: bool
) -> None:
    """The plan's method (the briefing's places line, the web Places page,
    ``avert forecast --json``) and maps are its forecast's own."""
    plan = plan_patrols(
        Stacked,
        Events.from_frame(_events(days), GRID),
        GRID,
        at=AT,
        k=10,
        backtest_days=3,
    )
    names = [name for name, _ in plan.maps]
    assert (set(LONG_NAMES) <= set(names)) is long
    assert ("730-day half-life" in plan.method) is long
    assert sum(w for _, w in plan.maps) == pytest.approx(1.0)


def test_weights_given_with_the_long_maps_on_a_short_history_say_so() -> None:
    """Weights given for all seven maps bring the long maps in on 300 days: the
    words say the weights did, not a history of more than 548 days (they did)."""
    model = Stacked(GRID, weights=[0.3, 0.1, 0.1, 0.1, 0.1, 0.2, 0.1])
    model.fit(_events(300.0)).predict(AT)
    method = model.method_used()
    assert "the flat count and the 730-day half-life count" in method
    assert "as the weights given include them" in method
    assert "more than 548 days" not in method


def test_weights_given_are_said_to_be_given_not_learnt() -> None:
    """Five weights and the recent weight given: nothing was weighed by
    likelihood nor learnt one day ahead, and the words say so (they had said
    "weighted by likelihood on held-out fifths ... learnt one day ahead")."""
    model = Stacked(GRID, weights=[0.4, 0.2, 0.2, 0.1, 0.1], recent_weight=0.25)
    model.fit(_events(300.0)).predict(AT)
    method = model.method_used()
    assert "weighted by the weights given" in method
    assert "by the weight given (0.25)" in method
    assert "likelihood" not in method
    assert "learnt" not in method


def test_a_frozen_model_keeps_the_words_of_weights_learnt() -> None:
    """A frozen model (a backtest's) holds weights it learnt: not "given"."""
    model = Stacked(GRID)
    frozen = model.frozen(Events.from_frame(_events(300.0), GRID), to_days(AT))
    frozen.fit(_events(300.0)).predict(AT)
    assert frozen.method_used() == Stacked.method


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({"folds": 10}, "held-out tenths of the history"),
        ({"folds": None, "holdout_days": 60.0}, "the last 60 days held out"),
        ({"sigmas_cells": (2.0,)}, "its Gaussian smoothing (2 cells)"),
        ({"half_life_days": None}, "flat count per cell"),
    ],
)
def test_the_words_follow_the_configuration(
    options: dict[str, object], words: str
) -> None:
    model = Stacked(GRID, **options)  # type: ignore[arg-type]
    model.fit(_events(300.0)).predict(AT)
    assert words in model.method_used()


def test_without_the_recent_map_no_mixing_is_named() -> None:
    model = Stacked(GRID, recent_half_life_days=None)
    model.fit(_events(300.0)).predict(AT)
    method = model.method_used()
    assert method.endswith("(stacking)")
    assert "last days' events" not in method
