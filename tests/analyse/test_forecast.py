"""Forecasters: one contract, the tie rule, no look-ahead, tie-robust SEPP, and the
reproduction of open_cp's counting hits on Toronto (shared data)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import polars as pl
import pytest

from avert.analyse.forecast import (
    MODELS,
    Blend,
    Counting,
    Events,
    Grid,
    GridSEPP,
    ProspectiveKDE,
    RetrospectiveKDE,
    Stacked,
    backtest_share,
    evaluate_days,
    forecast_grid,
    make_model,
    mixture_weights,
    plan_patrols,
    select_top,
    summarise,
    to_days,
)
from avert.analyse.forecast._sepp import sepp_pairs
from avert.errors import ConfigError, NotFittedError
from forecast_toronto import TORONTO_CSV, TORONTO_REF, toronto_events

AT = dt.datetime(2024, 3, 1)


def _events(xy: list[tuple[float, float]], days_before: list[float]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "x": [p[0] for p in xy],
            "y": [p[1] for p in xy],
            "occurred_at": [AT - dt.timedelta(days=d) for d in days_before],
        }
    )


def _random_events(seed: int, n: int = 400, days: int = 400) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    hot = rng.uniform(0, 1000, size=(5, 2))
    pick = rng.integers(0, 5, n)
    xy = hot[pick] + rng.normal(0, 60, size=(n, 2))
    xy = np.clip(xy, 0, 999)
    t = AT - dt.timedelta(days=days)
    return pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": [
                t + dt.timedelta(hours=int(h)) for h in rng.integers(0, days * 24, n)
            ],
        }
    )


GRID = Grid((0.0, 0.0), 100.0, (10, 10))


def test_select_top_keeps_highest_index_among_ties() -> None:
    risk = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.0])
    assert sorted(select_top(risk, 2).tolist()) == [2, 4]
    assert sorted(select_top(risk, 4).tolist()) == [1, 2, 3, 4]
    assert sorted(select_top(risk, 1, np.array([0, 1, 3]))) == [1]
    assert select_top(risk, 0).size == 0


def test_grid_orientation_row_from_south_col_from_west() -> None:
    ev = _events([(250.0, 10.0), (50.0, 950.0)], [1.0, 2.0])
    r = forecast_grid(
        ev, origin_xy=(0, 0), cell_size_m=100, shape=(10, 10), at=AT, model="counting"
    )
    assert r.shape == (10, 10)
    assert r[0, 2] == 1.0  # south row, third column
    assert r[9, 0] == 1.0  # north row, first column
    assert r.sum() == 2.0


def test_counting_window_and_no_look_ahead() -> None:
    ev = _events([(50.0, 50.0)] * 3, [1.0, 400.0, -1.0])  # one future event
    m = Counting(GRID).fit(ev)
    assert m.predict(AT).ravel()[0] == 1.0  # 400 days old is outside 365, future unseen
    assert Counting(GRID, window_days=None).fit(ev).predict(AT).ravel()[0] == 2.0


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_model_ignores_future_events(name: str) -> None:
    ev = _random_events(1)
    future = _random_events(2).with_columns(
        pl.col("occurred_at") + dt.timedelta(days=500)
    )
    a = make_model(name, GRID).fit(ev).predict(AT)
    b = make_model(name, GRID).fit(pl.concat([ev, future])).predict(AT)
    assert a.shape == GRID.shape
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a, b)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_an_aware_at_is_read_in_the_zone_of_aware_events(name: str) -> None:
    """Aware event times with an aware ``at`` in another zone: the same instant,
    so the same forecast as in local time, and no event after ``at`` is used (read
    as wall-clock times, 05:00 UTC let in the Toronto events of 00:00-05:00)."""
    ev = _random_events(13)
    later = _random_events(14, n=50, days=1).with_columns(
        pl.col("occurred_at") + dt.timedelta(days=1, hours=1)  # 01:00-00:00 after AT
    )
    naive = make_model(name, GRID).fit(ev).predict(AT)
    aware = pl.concat([ev, later]).with_columns(
        pl.col("occurred_at").dt.replace_time_zone("America/Toronto")
    )
    at_utc = AT.replace(tzinfo=ZoneInfo("America/Toronto")).astimezone(dt.UTC)
    got = make_model(name, GRID).fit(aware).predict(at_utc)
    np.testing.assert_allclose(got, naive)


def test_at_may_be_a_numpy_datetime64() -> None:
    """An evaluation looping over ``np.arange`` of days passes ``np.datetime64``:
    the same instant as the datetime, at any unit (it raised AttributeError)."""
    ev = _random_events(15)
    want = forecast_grid(ev, origin_xy=(0, 0), cell_size_m=100, shape=(10, 10), at=AT)
    for at in (np.datetime64("2024-03-01"), np.datetime64("2024-03-01T00:00:00.000")):
        got = forecast_grid(
            ev, origin_xy=(0, 0), cell_size_m=100, shape=(10, 10), at=at
        )
        np.testing.assert_array_equal(got, want)
    assert to_days(np.datetime64("1970-01-02T12:00")) == 1.5


def test_at_and_times_may_be_iso_texts_and_events_a_pandas_frame() -> None:
    """An evaluation reading a CSV without date parsing, or looping over day
    strings, or holding pandas, gets the same forecast (each raised before)."""
    ev = _random_events(16)
    grid = {"origin_xy": (0, 0), "cell_size_m": 100, "shape": (10, 10)}
    want = forecast_grid(ev, at=AT, **grid)
    as_text = ev.with_columns(pl.col("occurred_at").dt.strftime("%Y-%m-%dT%H:%M:%S"))
    np.testing.assert_array_equal(forecast_grid(ev, at="2024-03-01", **grid), want)
    np.testing.assert_array_equal(forecast_grid(as_text, at=AT, **grid), want)
    np.testing.assert_array_equal(forecast_grid(ev.to_pandas(), at=AT, **grid), want)
    with pytest.raises(ConfigError, match="ISO 8601"):
        forecast_grid(ev, at="1/3/2024", **grid)
    muddled = as_text.with_columns(pl.lit("yesterday").alias("occurred_at"))
    with pytest.raises(ConfigError, match="ISO 8601"):
        forecast_grid(muddled, at=AT, **grid)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_no_events_at_all_is_an_empty_history_whatever_the_column_type(
    name: str,
) -> None:
    """An evaluation's first day, or a day whose window holds nothing, may build
    its history from empty lists or an empty pandas frame: the time column then
    has no type (Null, or float from pandas) and raised "must be a datetime"."""
    grid = {"origin_xy": (0, 0), "cell_size_m": 100, "shape": (2, 3)}
    empty = pl.DataFrame({"x": [], "y": [], "occurred_at": []})
    no_time = pl.DataFrame({"x": [50.0], "y": [50.0], "occurred_at": [None]})
    for events in (empty, empty.to_pandas(), no_time):
        risk = forecast_grid(events, at=AT, model=name, **grid)
        assert risk.shape == (2, 3)
        assert np.isfinite(risk).all()


def test_predict_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        Counting(GRID).predict(AT)


def test_unknown_model_and_bad_grid() -> None:
    with pytest.raises(ConfigError):
        make_model("nope", GRID)
    with pytest.raises(ConfigError):
        Grid((0.0, 0.0), 0.0, (2, 2))


@pytest.mark.parametrize(
    "origin", [(float("nan"), 0.0), (0.0, float("inf")), (None, 0.0), (1.0,)]
)
def test_an_origin_that_is_not_two_finite_numbers_is_refused(
    origin: tuple[float, ...],
) -> None:
    """A NaN corner (the min of an empty or all-NaN column) put every event outside
    the grid: forecast_grid returned all zeros without a word."""
    with pytest.raises(ConfigError, match=r"origin_xy must be two finite numbers"):
        forecast_grid(
            _random_events(3), origin_xy=origin, cell_size_m=100.0, shape=(4, 4), at=AT
        )


@pytest.mark.parametrize(
    ("written", "model"),
    [
        ("retrospective", RetrospectiveKDE),
        ("Prospective", ProspectiveKDE),
        (" SEPP ", GridSEPP),
        ("count", Counting),
        ("Default", Stacked),
    ],
)
def test_models_are_found_by_their_methods_names_in_any_case(
    written: str, model: type
) -> None:
    """``forecast_grid(..., model="retrospective")`` was refused: only the short
    keys were known, while the docs and open_cp name the methods in full."""
    assert isinstance(make_model(written, GRID), model)
    ev = _random_events(3)
    risk = forecast_grid(
        ev, origin_xy=(0.0, 0.0), cell_size_m=100.0, shape=(4, 4), at=AT, model=written
    )
    assert risk.shape == (4, 4)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_a_shape_of_whole_floats_is_read_as_cells(name: str) -> None:
    """The protocol's ``n = floor((max - min) / s) + 1`` computed with numpy is a
    float: such a shape raised a bare TypeError deep inside every model."""
    ev = _random_events(3)
    grid = {"origin_xy": (0, 0), "cell_size_m": 100}
    want = forecast_grid(ev, at=AT, model=name, shape=(10, 10), **grid)
    as_float = (np.floor(999.0 / 100) + 1, np.float64(10.0))
    got = forecast_grid(ev, at=AT, model=name, shape=as_float, **grid)
    np.testing.assert_array_equal(got, want)
    assert Grid((0.0, 0.0), 100.0, as_float).shape == (10, 10)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="whole numbers"):
        forecast_grid(ev, at=AT, model=name, shape=(10.5, 10), **grid)  # type: ignore[arg-type]


def test_retro_kde_quartic_peaks_at_event_and_reaches_bandwidth() -> None:
    ev = _events([(550.0, 550.0)], [1.0])
    r = RetrospectiveKDE(GRID, bandwidth_m=150.0).fit(ev).predict(AT)
    assert np.unravel_index(np.argmax(r), r.shape) == (5, 5)
    assert r[5, 6] > 0
    assert r[5, 7] == 0.0
    expected_peak = 3 / (np.pi * 150.0**2) * 1e6
    assert r[5, 5] == pytest.approx(expected_peak)


def test_prospective_weights_bowers() -> None:
    ev = _events([(550.0, 550.0), (550.0, 550.0)], [1.0, 8.0])  # weeks 0 and 1
    r = ProspectiveKDE(GRID, space_cells=2, time_weeks=4).fit(ev).predict(AT)
    assert r[5, 5] == pytest.approx(1.0 + 0.5)
    assert r[5, 6] == pytest.approx((1.0 + 0.5) / 2)
    assert r[5, 8] == 0.0


def test_blend_breaks_count_ties_by_neighbourhood() -> None:
    # two cells with one event each; one has a neighbour with events
    ev = _events([(150.0, 150.0), (750.0, 750.0), (250.0, 150.0)], [10.0, 10.0, 10.0])
    r = Blend(GRID, half_life_days=None).fit(ev).predict(AT)
    assert r[1, 1] > r[7, 7]
    r0 = Blend(GRID, half_life_days=None, smooth_weight=0.0).fit(ev).predict(AT)
    assert r0[1, 1] == r0[7, 7]


def test_mixture_weights_recover_the_mixture() -> None:
    rng = np.random.default_rng(3)
    maps = rng.dirichlet(np.ones(50), size=3)
    counts = 1e6 * (0.6 * maps[0] + 0.3 * maps[1] + 0.1 * maps[2])
    w = mixture_weights(maps, counts)
    assert w.tolist() == pytest.approx([0.6, 0.3, 0.1], abs=1e-3)
    assert mixture_weights(maps, np.zeros(50)).tolist() == pytest.approx([1 / 3] * 3)


def test_stacked_weights_follow_the_hold_out() -> None:
    # the former scheme (folds=None): a year of events in one cell; the last 90
    # days: the same cell (stable city) or its neighbours (violence drifts)
    old = [(550.0, 550.0)] * 40
    old_days = [100.0 + 6 * i for i in range(40)]
    for near, expect_count_heavy in ((False, True), (True, False)):
        new = (
            [(650.0, 550.0), (450.0, 550.0), (550.0, 650.0)]
            if near
            else [(550.0, 550.0)] * 3
        )
        ev = _events(old + new * 4, old_days + [5.0 + 7 * i for i in range(12)])
        model = Stacked(GRID, folds=None)
        model.fit(ev).predict(AT)
        w = model.weights_
        assert w is not None
        assert w.sum() == pytest.approx(1.0)
        assert bool(w[0] > 0.5) is expect_count_heavy, w


def test_stacked_weights_follow_cross_validation() -> None:
    # a year of events around four spots: each event in the spot's own cell
    # (hotspots are single cells) or in a random cell of the 5 x 5 block around it
    # (violence spreads): the weight on the count, or away from it
    rng = np.random.default_rng(8)
    spots = np.array([[250.0, 250.0], [750.0, 250.0], [250.0, 750.0], [750.0, 750.0]])
    n = 400
    at_spot = spots[rng.integers(0, 4, n)]
    days = rng.uniform(0, 365, n).tolist()
    for spread, expect_count_heavy in ((0, True), (2, False)):
        step = 100.0 * rng.integers(-spread, spread + 1, size=(n, 2))
        xy = [(float(x), float(y)) for x, y in at_spot + step]
        model = Stacked(GRID)
        model.fit(_events(xy, days)).predict(AT)
        w = model.weights_
        assert w is not None
        assert w.sum() == pytest.approx(1.0)
        assert bool(w[0] > 0.5) is expect_count_heavy, w
    with pytest.raises(ConfigError, match="folds"):
        Stacked(GRID, folds=1)


def test_stacked_weights_need_two_blocks_of_history() -> None:
    one = _events([(150.0, 150.0)], [3.0])
    model = Stacked(GRID)
    model.fit(one).predict(AT)
    assert model.weights_ is not None
    assert model.weights_.tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]


def test_stacked_smooths_only_around_the_events_on_a_grid_far_larger_than_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # an owner's grid may span far more than the events (a padded or regional
    # extent): every smoothing used to run over the whole grid, 28 days x 3
    # scales a forecast, so a 400,000-cell grid took over 1 s a day; the maps
    # are zero beyond the kernel's reach of the events, so only the events'
    # rectangle plus that reach (12 cells at 4 cells' sigma) need smoothing
    from scipy import ndimage

    ev = _random_events(7, n=300, days=120)  # within (0..1000 m)^2: 10 x 10 cells
    far = pl.DataFrame(  # and one mis-placed 15 km away: the grid spans both
        {"x": [15_050.0], "y": [-14_950.0], "occurred_at": [AT - dt.timedelta(1)]}
    )
    ev = pl.concat([ev, far.cast(ev.schema)])  # type: ignore[arg-type]
    big = Grid((-20_000.0, -20_000.0), 100.0, (420, 430))
    sizes: list[int] = []
    real = ndimage.gaussian_filter

    def spy(image: np.ndarray, *args: object, **kwargs: object) -> np.ndarray:
        sizes.append(int(np.asarray(image).size))
        return real(image, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ndimage, "gaussian_filter", spy)
    risk = Stacked(big).fit(ev).predict(AT)
    assert sizes
    assert max(sizes) <= (10 + 2 * 12) ** 2
    assert np.ptp(risk[:100, :100]) == 0.0  # far away: the uniform floor alone
    assert risk[200:210, 200:210].sum() > 0.9 * risk.sum()


@pytest.mark.parametrize("sigma", [1.0, 2.0, 4.0, 0.3])
def test_smoothing_the_events_rectangle_is_exactly_smoothing_the_grid(
    sigma: float,
) -> None:
    from scipy import ndimage

    from avert.analyse.forecast._stack import smooth_near

    rng = np.random.default_rng(int(sigma * 10))
    for rows, cols in [
        (slice(3, 9), slice(40, 52)),
        (slice(0, 4), slice(0, 3)),
        (slice(55, 60), slice(70, 80)),
        (slice(20, 21), slice(5, 6)),
    ]:
        image = np.zeros((60, 80))
        image[rows, cols] = rng.poisson(0.7, image[rows, cols].shape)
        image[rows, cols][0, 0] = 1.0
        want = ndimage.gaussian_filter(image, sigma, mode="constant", truncate=3.0)
        assert np.array_equal(smooth_near(image, sigma), want)
    reach = int(3.0 * sigma + 0.5)
    for gap in (2 * reach, 2 * reach + 1, 2 * reach + 2):  # apart, or just not
        image = np.zeros((40, 90))
        image[5, 3] = image[5 + gap, 3 + gap] = image[30, 3 + 2 * gap] = 1.0
        want = ndimage.gaussian_filter(image, sigma, mode="constant", truncate=3.0)
        assert np.array_equal(smooth_near(image, sigma), want)
    for density in (0.0005, 0.003, 0.02):  # points scattered far and near
        image = rng.poisson(density, (150, 170)).astype(float)
        want = ndimage.gaussian_filter(image, sigma, mode="constant", truncate=3.0)
        assert np.array_equal(smooth_near(image, sigma), want)
    assert np.array_equal(smooth_near(np.zeros((5, 7)), sigma), np.zeros((5, 7)))


def test_stacked_ties_rank_by_the_count_when_the_weights_go_uniform() -> None:
    # three events: each held-out block's events fall where no other block's did,
    # so cross-validation puts the weight on the uniform map; the forecast must
    # still rank the cells with events first, the busiest first
    # (without the recent map, which would rank the last event's neighbours first)
    ev = _events([(150.0, 150.0), (150.0, 150.0), (750.0, 150.0)], [9.0, 8.0, 2.0])
    model = Stacked(GRID, recent_half_life_days=None)
    risk = model.fit(ev).predict(AT).ravel()
    assert model.weights_ is not None
    assert model.weights_[-1] > 0.99  # all but the uniform map dropped
    busy, quiet = Events.from_frame(ev, GRID).cell[[0, 2]].tolist()
    assert sorted(select_top(risk, 2).tolist()) == sorted([busy, quiet])
    assert risk[busy] > risk[quiet] > np.delete(risk, [busy, quiet]).max()


#: a 3 km square of 100 m cells, for the near-repeat test
WIDE = Grid((0.0, 0.0), 100.0, (30, 30))


def _contagious_events(seed: int, *, shuffled: bool) -> pl.DataFrame:
    """A year of 600 background events over :data:`WIDE`, and bursts: each of 150
    seeds is followed by 4 events within about 60 m and 3 days (near repeats).
    With ``shuffled`` the times are permuted over the events (no contagion left)."""
    rng = np.random.default_rng(seed)
    xy = list(rng.uniform(0, 3000, size=(600, 2)))
    days = list(rng.uniform(0, 365, 600))
    for _ in range(150):
        origin, day = rng.uniform(0, 3000, 2), rng.uniform(3, 365)
        for _ in range(4):
            xy.append(np.clip(origin + rng.normal(0, 60, 2), 0, 2999))
            days.append(day - rng.uniform(0, 3))
    if shuffled:
        days = list(rng.permutation(days))
    return _events([(float(x), float(y)) for x, y in xy], days)


@pytest.mark.parametrize("seed", [21, 22, 23])
def test_stacked_learns_a_recent_weight_only_where_events_follow_events(
    seed: int,
) -> None:
    """The recent map earns weight one day ahead where near repeats are planted,
    and little once the times are shuffled (the stack's time blocks could not
    reward recency: their maps are aged from the forecast time)."""
    planted = Stacked(WIDE)
    planted.fit(_contagious_events(seed, shuffled=False)).predict(AT)
    shuffled = Stacked(WIDE)
    shuffled.fit(_contagious_events(seed, shuffled=True)).predict(AT)
    assert planted.recent_weight_ > 0.2, planted.recent_weight_
    assert shuffled.recent_weight_ < 0.15, shuffled.recent_weight_
    off = Stacked(WIDE, recent_half_life_days=None)
    off.fit(_contagious_events(seed, shuffled=False)).predict(AT)
    assert off.recent_weight_ == 0.0
    for bad in (
        {"recent_half_life_days": 0.0},
        {"ahead_days": 0},
        {"recent_weight": 2.0},
    ):
        with pytest.raises(ConfigError, match="recent"):
            Stacked(WIDE, **bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("half_life", [365.0, 7.0, None])
def test_recent_weight_counts_each_day_as_if_afresh(half_life: float | None) -> None:
    """``fit_recent_weight`` steps the decayed count back a day at a time; the weight
    is the one learnt from maps counted afresh for each scored day."""
    ev = Events.from_frame(_contagious_events(5, shuffled=False), WIDE)
    t0 = to_days(AT) + 0.25  # a forecast at 06:00: that morning's events unused
    model = Stacked(WIDE, half_life_days=half_life)
    past = ev.before(t0)
    w = model.fit_weights(past, t0)
    cols, recents, counts = [], [], []
    for back in range(1, model.ahead_days + 1):
        day = float(np.floor(t0)) - back
        held, earlier = past.between(day, day + 1), past.before(day)
        if not (len(held) and len(earlier)):
            continue
        n = np.bincount(held.cell, minlength=WIDE.n_cells)
        seen = n > 0
        cols.append((w @ model.maps(earlier, day))[seen])
        recents.append(model.recent_map(earlier, day)[seen])
        counts.append(n[seen].astype(float))
    both = np.vstack([np.concatenate(cols), np.concatenate(recents)])
    afresh = mixture_weights(both, np.concatenate(counts))[1]
    assert model.fit_recent_weight(past, t0, w) == pytest.approx(afresh, abs=1e-6)


def test_ties_rank_by_the_count_when_all_weight_is_on_an_empty_recent_map() -> None:
    # every event is older than the recent map's reach (ten 3-day half-lives): with
    # all the weight on that map every cell would tie; the count breaks the ties
    xy = [(150.0, 150.0)] * 3 + [(750.0, 150.0)] * 2 + [(450.0, 850.0)]
    ev = _events(xy, [40.0, 50.0, 60.0, 45.0, 55.0, 70.0])
    risk = Stacked(GRID, recent_weight=1.0).fit(ev).predict(AT).ravel()
    three, two, one = GRID.cell_index(
        np.array([150.0, 750.0, 450.0]), np.array([150.0, 150.0, 850.0])
    ).tolist()
    assert select_top(risk, 3).tolist() == [three, two, one]


def test_stacked_parts_split_each_cells_risk() -> None:
    ev = _random_events(5, n=600, days=400)
    model = Stacked(GRID)
    assert model.parts(np.arange(3)) == []  # nothing predicted yet
    risk = model.fit(ev).predict(AT).ravel()
    cells = np.argsort(-risk)[:10]
    parts = model.parts(cells)
    assert [name for name, _, _ in parts] == ["own", "near", "floor", "recent"]
    assert "100-400 m" in parts[1][1]  # sigmas 1-4 cells of 100 m
    assert "within about 100 m" in parts[3][1]  # the recent map's sigma, one cell
    total = sum(share for _, _, share in parts)
    assert total.tolist() == pytest.approx([1.0] * 10)
    w, a = model.weights_, model.recent_weight_
    assert w is not None
    past = Events.from_frame(ev, GRID).before(to_days(AT))
    maps = model.maps(past, to_days(AT))
    # own: the count's map plus each smoothing's centre weight on the cell's count
    from scipy import ndimage

    base = maps[0].reshape(GRID.shape)
    own_sum = w[0] * maps[0, cells]
    for k, sigma in enumerate(model.sigmas_cells, start=1):
        impulse = np.zeros((41, 41))
        impulse[20, 20] = 1.0
        centre = ndimage.gaussian_filter(impulse, sigma, mode="constant", truncate=3.0)
        smooth = ndimage.gaussian_filter(base, sigma, mode="constant", truncate=3.0)
        own_sum += w[k] * centre[20, 20] * base.ravel()[cells] / smooth.sum()
    own = (1 - a) * own_sum / risk[cells]
    assert parts[0][2].tolist() == pytest.approx(own.tolist())
    recent = a * model.recent_map(past, to_days(AT))[cells] / risk[cells]
    assert parts[3][2].tolist() == pytest.approx(recent.tolist())
    # the count alone: every top cell's risk is its own record
    alone = Stacked(
        GRID, weights=[1.0, 0.0, 0.0, 0.0, 0.0], recent_half_life_days=None
    ).fit(ev)
    alone.predict(AT)
    assert alone.parts(cells)[0][2].tolist() == pytest.approx([1.0] * 10)
    assert "recent years weighing more" in alone.parts(cells)[0][1]
    flat = Stacked(GRID, half_life_days=None).fit(ev)
    flat.predict(AT)
    assert flat.parts(cells)[0][1] == "the cell's own record"  # no decay, none said


def test_patrol_plan_carries_the_parts_of_a_stacked_forecast() -> None:
    ev = Events.from_frame(_random_events(6, n=600, days=400), GRID)
    plan = plan_patrols(Stacked, ev, GRID, at=AT, k=4, backtest_days=10)
    assert set(plan.params["parts"]) == {"own", "near", "floor", "recent"}
    shares = plan.frame.select(
        "part_own", "part_near", "part_floor", "part_recent"
    ).sum_horizontal()
    assert shares.to_list() == pytest.approx([1.0] * 4)
    counted = plan_patrols(Counting, ev, GRID, at=AT, k=4, backtest_days=10)
    assert counted.params["parts"] == {}
    assert not [c for c in counted.frame.columns if c.startswith("part_")]


def test_backtest_learns_stacking_weights_once_before_its_first_day() -> None:
    ev = Events.from_frame(_random_events(11, n=900, days=300), GRID)
    t_at = to_days(AT)
    first = t_at - 30
    w0 = Stacked(GRID).fit_weights(ev.before(first), first)
    a0 = Stacked(GRID).fit_recent_weight(ev.before(first), first, w0)
    frozen = Stacked(GRID).frozen(ev, first)
    assert frozen.fixed_weights is not None
    assert frozen.fixed_weights.tolist() == pytest.approx(w0.tolist())
    assert frozen.fixed_recent_weight == pytest.approx(a0)
    # weights given stay as given (a fixed model's backtest is of that model)
    fixed = Stacked(GRID, weights=[1.0, 0, 0, 0, 0], recent_weight=0.0)
    kept = fixed.frozen(ev, first)
    assert kept.fixed_recent_weight == 0.0
    assert kept.fixed_weights is not None
    assert kept.fixed_weights.tolist() == [1.0, 0, 0, 0, 0]
    hits = total = 0
    for b in range(30, 0, -1):
        t0 = t_at - b
        model = Stacked(GRID, weights=w0.tolist(), recent_weight=a0)
        model.fit(ev.before(t0))
        risk = model.predict(dt.datetime(1970, 1, 1) + dt.timedelta(days=t0))
        chosen = np.zeros(GRID.n_cells, dtype=bool)
        chosen[select_top(risk, 5)] = True
        test = ev.between(t0, t0 + 1)
        hits += int(chosen[test.cell].sum())
        total += len(test)
    share, n, days = backtest_share(lambda g: Stacked(g), ev, GRID, AT, 5, days=30)
    assert (share, n, days) == (hits / total, total, 30)
    with pytest.raises(ConfigError, match="one per map"):
        Stacked(GRID, weights=[1.0, 0.0])


def test_backtest_of_a_shift_or_a_week_spans_the_days_asked() -> None:
    """The expected share is measured on the last ``days`` days whatever the
    horizon: an 8-hour shift on the same shift of each day, a week on the weeks
    that end by ``at``; never on events after ``at``."""
    ev = Events.from_frame(_random_events(12, n=3000, days=400), GRID)
    t_at = to_days(AT)
    shift = dt.timedelta(hours=8)
    hits = total = 0
    for b in range(30, 0, -1):
        t0 = t_at - b
        risk = (
            Counting(GRID)
            .fit(ev.before(t0))
            .predict(dt.datetime(1970, 1, 1) + dt.timedelta(days=t0), shift)
        )
        chosen = np.zeros(GRID.n_cells, dtype=bool)
        chosen[select_top(risk, 5)] = True
        test = ev.between(t0, t0 + 1 / 3)
        hits += int(chosen[test.cell].sum())
        total += len(test)
    got = backtest_share(Counting, ev, GRID, AT, 5, days=30, horizon=shift)
    assert got == (hits / total, total, 30)
    week = dt.timedelta(days=7)
    _, n, periods = backtest_share(Counting, ev, GRID, AT, 5, days=30, horizon=week)
    assert periods == 4  # starting 28, 21, 14 and 7 days before at
    assert n == len(ev.between(t_at - 28, t_at))
    plan = plan_patrols(Counting, ev, GRID, at=AT, horizon=week, k=5, backtest_days=30)
    assert plan.backtest_days == 28
    assert plan.backtest_events == n


def test_sepp_pairs_never_link_tied_times() -> None:
    cell = np.array([0, 0, 0, 1])
    t = np.array([1.0, 1.0, 2.0, 1.5])
    par, chi = sepp_pairs(cell, t, 10.0)
    assert sorted(zip(par.tolist(), chi.tolist(), strict=True)) == [(0, 2), (1, 2)]


def test_sepp_converges_on_tied_hour_resolution_data() -> None:
    # many events share a cell and an hour: open_cp's EM diverges on such data
    ev = _random_events(3, n=600, days=120).with_columns(
        pl.col("occurred_at").dt.truncate("1d")
    )
    m = GridSEPP(GRID).fit(ev)
    risk = m.predict(AT)
    assert 0 <= m.theta < 1
    assert np.isfinite(m.omega)
    assert 1 / 60 <= m.omega <= 24
    assert np.all(np.isfinite(risk))


def test_sepp_finds_self_excitation_only_when_planted() -> None:
    rng = np.random.default_rng(7)
    n_bg = 900
    cells = rng.integers(0, 100, n_bg)
    t_bg = rng.uniform(0, 300, n_bg)
    # each background event has 2 children within hours-days in the same cell
    kids = np.repeat(np.arange(n_bg), 2)
    t_kid = t_bg[kids] + rng.exponential(1.0, kids.size)
    cell_all = np.concatenate([cells, cells[kids]])
    t_all = np.concatenate([t_bg, t_kid])

    def fit(cell: np.ndarray, t: np.ndarray) -> float:
        ok = t < 300
        frame = pl.DataFrame(
            {
                "x": (cell[ok] % 10) * 100.0 + 50,
                "y": (cell[ok] // 10) * 100.0 + 50,
                "occurred_at": [
                    dt.datetime(2024, 1, 1) + dt.timedelta(days=float(v)) for v in t[ok]
                ],
            }
        )
        m = GridSEPP(GRID, iterations=50).fit(frame)
        m.predict(dt.datetime(2024, 1, 1) + dt.timedelta(days=300))
        return m.theta

    planted = fit(cell_all, t_all)
    shuffled = fit(cell_all, rng.uniform(0, 300, t_all.size))
    assert planted > 0.4
    assert shuffled < 0.15


def test_evaluate_and_summarise_on_literal_days() -> None:
    ev = _events([(50.0, 50.0)] * 3 + [(950.0, 950.0)], [3.0, 2.0, 1.0, 2.0])
    events = Events.from_frame(pl.concat([ev, _events([(50.0, 50.0)], [-0.5])]), GRID)
    per_day = evaluate_days(Counting, events, GRID, [AT.date()], coverages=(0.01, 0.02))
    assert per_day["n_test"].to_list() == [1]
    assert per_day["hits_bbox_1"].to_list() == [1]
    s = summarise(per_day)
    assert s.filter(pl.col("coverage") == 0.01)["pai"][0] == pytest.approx(100.0)


@pytest.mark.shared
@pytest.mark.slow
def test_counting_reproduces_opencp_toronto_day_by_day() -> None:
    if not (TORONTO_CSV.exists() and TORONTO_REF.exists()):
        pytest.skip("../shared is absent here: Toronto reproduction skipped")
    events, grid, active = toronto_events("Assault")
    assert grid.shape == (198, 277)
    assert int(active.sum()) == 8988
    days = [dt.date(2021, 1, 1) + dt.timedelta(days=i) for i in range(90)]
    got = evaluate_days(Counting, events, grid, days, active=active)
    ref = pl.read_csv(TORONTO_REF).filter(pl.col("predictor") == "counting")
    cols = [c for c in ref.columns if c.startswith(("hits_", "n_"))]
    assert got.select(cols).to_dicts() == ref.select(cols).to_dicts()


def test_bulk_events_leaves_out_the_stray_and_keeps_unlocated_rows() -> None:
    """The one rule of every grid spanned by events: a point 300 km from a 5 km
    town is left out and named; rows without a place are kept, uncounted (each
    grid already skips them); without a stray the frame itself comes back."""
    from avert.analyse.forecast import bulk_events, bulk_notes

    rng = np.random.default_rng(0)
    town = pl.DataFrame(
        {"x": rng.uniform(0, 5000, 200), "y": rng.uniform(0, 5000, 200)}
    )
    same, none = bulk_events(town, grid="test grid")
    assert same is town
    assert none is None
    far = pl.DataFrame({"x": [np.nan, 305_000.0], "y": [1.0, 2_500.0]})
    kept, note = bulk_events(pl.concat([far, town]), grid="test grid")
    assert kept.height == 201  # the unlocated row stays, the stray goes
    assert kept["x"].is_nan().sum() == 1
    assert note is not None
    assert note.startswith(
        "Left out of the test grid: 1 of 201 located events lies far from the bulk"
    )
    assert "first at x 305000, y 2500)" in note
    assert bulk_notes(["other", note]) == (note,)


def test_texts_of_day_or_month_first_are_refused_not_guessed() -> None:
    """Polars guesses ``01/02/2024`` as day-first: a month-first (American) city's
    times whose days never pass 12 were read as other days, silently (1 March read
    as 3 January, a forecast of the wrong history). Only ISO 8601 texts are read;
    the others are a ConfigError that says how to parse them."""
    ev = _random_events(22).filter(pl.col("occurred_at").dt.day() <= 12)
    grid = {"origin_xy": (0, 0), "cell_size_m": 100, "shape": (10, 10)}
    for fmt in ("%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M", "%d.%m.%Y"):
        texts = ev.with_columns(pl.col("occurred_at").dt.strftime(fmt))
        with pytest.raises(ConfigError, match=r"not ISO 8601 .*str.to_datetime"):
            forecast_grid(texts, at=AT, model="counting", **grid)
    want = forecast_grid(ev, at=AT, model="counting", **grid)
    # year-first texts cannot mix up day and month: read, as they were before
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", " %Y-%m-%d", "%Y/%m/%d %H:%M"):
        texts = ev.with_columns(pl.col("occurred_at").dt.strftime(fmt))
        got = forecast_grid(texts, at=AT, model="counting", **grid)
        np.testing.assert_array_equal(got, want)


def test_a_numpy_horizon_is_read_and_a_number_is_refused_clearly() -> None:
    """An evaluation in numpy passes ``np.timedelta64(1, "D")``; it raised an
    AttributeError (no ``total_seconds``), as did a bare number, whose unit
    (hours? days?) is not guessed: now the same forecast, and a ConfigError."""
    ev = _random_events(23)
    grid = {"origin_xy": (0, 0), "cell_size_m": 100, "shape": (10, 10)}
    want = forecast_grid(ev, at=AT, model="sepp", horizon=dt.timedelta(hours=8), **grid)
    got = forecast_grid(ev, at=AT, model="sepp", horizon=np.timedelta64(8, "h"), **grid)
    np.testing.assert_array_equal(got, want)
    for bad in (1, "24h", np.timedelta64("NaT")):
        with pytest.raises(ConfigError, match=r"horizon must be a datetime\.timedelta"):
            forecast_grid(ev, at=AT, horizon=bad, **grid)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [None, 3, Counting])
def test_a_model_that_is_not_a_name_is_refused_with_the_names(bad: object) -> None:
    """``model=None`` (an evaluation's unset option) or a model class raised an
    AttributeError on ``strip``; now the error lists the names to choose from."""
    grid = {"origin_xy": (0, 0), "cell_size_m": 100, "shape": (10, 10)}
    with pytest.raises(ConfigError, match=r"named by text, one of \['blend'"):
        forecast_grid(_random_events(24), at=AT, model=bad, **grid)  # type: ignore[arg-type]


def test_iso_texts_with_an_offset_are_read_as_the_clock_they_write() -> None:
    """Texts like ``2024-02-29T23:30:00-05:00`` were parsed as instants and read as
    UTC's clock (04:30 the next day), so a naive ``at`` of local midnight left out
    the last five hours of local events; an aware frame's times are read as their
    wall-clock time, and so are these now (the forecast of the same local times)."""
    ev = _random_events(21)
    grid = {"origin_xy": (0, 0), "cell_size_m": 100, "shape": (10, 10)}
    aware = ev.with_columns(
        pl.col("occurred_at").dt.replace_time_zone(
            "America/Toronto", ambiguous="earliest", non_existent="null"
        )
    ).drop_nulls()
    want = forecast_grid(aware, at=AT, model="sepp", **grid)
    for fmt in ("%Y-%m-%dT%H:%M:%S%:z", "%Y-%m-%d %H:%M:%S%z"):
        texts = aware.with_columns(pl.col("occurred_at").dt.strftime(fmt))
        got = forecast_grid(texts, at=AT, model="sepp", **grid)
        np.testing.assert_array_equal(got, want)
