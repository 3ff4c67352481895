"""Recency- and harm-weighted KDE hotspots (avert.analyse.hotspots)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.analyse.hotspots import recent_hotspots
from avert.briefing.places import _risk_parts
from avert.errors import ConfigError, SchemaError

AT = dt.datetime(2025, 3, 10, 8)


def _events(xs, ys, ages_days, harm=None):
    data = {
        "occurred_from": [AT - dt.timedelta(days=a) for a in ages_days],
        "x": [float(v) for v in xs],
        "y": [float(v) for v in ys],
    }
    if harm is not None:
        data["harm_days"] = [float(h) for h in harm]
    return pl.DataFrame(data)


def test_planted_cluster_is_the_top_cell() -> None:
    rng = np.random.default_rng(1)
    n = 400
    xs = np.concatenate([rng.uniform(0, 5000, n), 2050 + rng.normal(0, 20, 60)])
    ys = np.concatenate([rng.uniform(0, 5000, n), 3050 + rng.normal(0, 20, 60)])
    ages = rng.uniform(0, 27, xs.size)
    res = recent_hotspots(_events(xs, ys, ages), at=AT, n_cells=3)
    top = res.frame.row(0, named=True)
    assert top["cell_id"] == "100m:E20:N30"
    assert res.frame["rank"].to_list() == [1, 2, 3]
    assert res.frame["score"].is_sorted(descending=True)
    assert 60 / 460 * 0.5 < res.share_events <= 1.0
    assert res.area_km2 == pytest.approx(0.03)


def test_recency_and_harm_change_the_ranking() -> None:
    # two single events 2 km apart: the recent one wins; with harm, the harmful one
    ev = _events([1050, 3050], [1050, 1050], [1, 20], harm=[1, 5000])
    by_recency = recent_hotspots(ev, at=AT, n_cells=1, harm_power=0.0)
    assert by_recency.frame["cell_id"][0] == "100m:E10:N10"
    by_harm = recent_hotspots(ev, at=AT, n_cells=1, harm_power=1.0)
    assert by_harm.frame["cell_id"][0] == "100m:E30:N10"
    assert by_harm.share_harm == pytest.approx(5000 / 5001)


def test_events_outside_the_lookback_or_without_place_are_ignored() -> None:
    ev = _events([1050, 1050, 9050], [1050, float("nan"), 9050], [1, 1, 40])
    res = recent_hotspots(ev, at=AT, lookback_days=28)
    assert res.n_events == 1
    future = _events([5050], [5050], [-1])
    assert recent_hotspots(future, at=AT).n_events == 0
    assert recent_hotspots(future, at=AT).frame.height == 0


def test_quartic_kernel_integrates_to_the_weight() -> None:
    # one event at age 0 with no harm has weight 1: the surface sums to ~1 per m²·cell
    ev = _events([50_000], [50_000], [1e-9])
    res = recent_hotspots(ev, at=AT, n_cells=10_000, cell_size_m=10, bandwidth_m=200)
    total = float(res.frame["score"].sum()) / 1e6 * 10 * 10
    assert total == pytest.approx(1.0, rel=0.02)


def test_gaussian_kernel_runs() -> None:
    ev = _events([1000, 1100], [1000, 1100], [1, 2])
    res = recent_hotspots(ev, at=AT, kernel="gaussian", n_cells=2)
    assert res.frame.height == 2


@pytest.mark.parametrize(
    "kwargs",
    [
        {"cell_size_m": 0},
        {"bandwidth_m": -5},
        {"lookback_days": 0},
        {"n_cells": 0},
        {"harm_power": 3},
        {"kernel": "box"},
    ],
)
def test_bad_parameters_raise(kwargs) -> None:
    with pytest.raises(ConfigError):
        recent_hotspots(_events([1], [1], [1]), at=AT, **kwargs)


def test_missing_columns_raise() -> None:
    with pytest.raises(SchemaError):
        recent_hotspots(pl.DataFrame({"x": [1.0]}), at=AT)


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 3000),
            st.floats(0, 3000),
            st.floats(0, 27.9),
            st.floats(0, 1000),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_shares_are_proportions_and_row_order_does_not_matter(rows) -> None:
    xs, ys, ages, harm = zip(*rows, strict=True)
    ev = _events(xs, ys, ages, harm)
    a = recent_hotspots(ev, at=AT, n_cells=5)
    b = recent_hotspots(ev.reverse(), at=AT, n_cells=5)
    assert 0.0 <= a.share_events <= 1.0
    assert 0.0 <= a.share_harm <= 1.0 + 1e-9
    assert a.frame["cell_id"].to_list() == b.frame["cell_id"].to_list()
    assert int(a.frame["n_events"].sum()) == round(a.share_events * a.n_events)


def test_a_places_reason_names_where_the_risk_comes_from() -> None:
    labels = {"own": "its own record", "near": "its neighbours'", "floor": "a floor"}
    row = {"part_own": 0.25, "part_near": 0.748, "part_floor": 0.002}
    # largest first; a part under 0.5 % left out
    assert _risk_parts(row, {"parts": labels}) == (
        ", 75 % of it from its neighbours', 25 % from its own record"
    )
    assert _risk_parts({}, {"parts": {}}) == ""  # a model without parts


def test_a_stray_event_300_km_away_is_left_out_of_the_hotspot_map() -> None:
    """One event mis-geocoded 300 km north-east of the others (0..5 km): the map's
    grid covers the rest, with a note. Over every event, 50 m cells made a grid of
    37 million cells, refused as too large."""
    rng = np.random.default_rng(1)
    xs = np.concatenate([rng.uniform(0, 5000, 400), 2050 + rng.normal(0, 20, 60)])
    ys = np.concatenate([rng.uniform(0, 5000, 400), 3050 + rng.normal(0, 20, 60)])
    ages = rng.uniform(0, 27, xs.size)
    bulk = _events(xs, ys, ages)
    stray = _events([305_000.0], [302_500.0], [2.0])
    alone = recent_hotspots(bulk, at=AT, cell_size_m=50, n_cells=5)
    res = recent_hotspots(pl.concat([bulk, stray]), at=AT, cell_size_m=50, n_cells=5)
    assert res.frame.equals(alone.frame)
    assert (res.n_events, res.share_events) == (alone.n_events, alone.share_events)
    assert res.notes[:-1] == alone.notes
    assert res.notes[-1].startswith(
        "Left out of the hotspot map: 1 of 461 located events lies far from the bulk"
    )
    assert "first at x 305000, y 302500)" in res.notes[-1]


def test_without_a_stray_the_hotspot_map_has_no_left_out_note() -> None:
    ev = _events([1050, 3050, 4050], [1050, 1050, 4050], [1, 2, 3])
    res = recent_hotspots(ev, at=AT, n_cells=2)
    assert res.n_events == 3
    assert len(res.notes) == 1
    assert "Left out" not in res.notes[0]
