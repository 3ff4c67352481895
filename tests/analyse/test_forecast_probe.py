"""The default forecast on inputs it was not built on: what a patrol plan says of a
cell's risk, and the guarantees an evaluator on another city relies on."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from avert.analyse.forecast import Events, Grid, Risk, Stacked, forecast_grid, to_days
from avert.analyse.forecast._base import one_blas_thread
from avert.errors import ConfigError

AT = dt.datetime(2024, 3, 1)
GRID = Grid((0.0, 0.0), 100.0, (10, 10))


def _events(seed: int, n: int = 500, x0: float = 0.0, y0: float = 0.0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    hot = rng.uniform(100, 900, size=(4, 2))
    xy = np.clip(hot[rng.integers(0, 4, n)] + rng.normal(0, 80, (n, 2)), 0, 999)
    ages = rng.uniform(0, 365 * 86_400, n)
    return pl.DataFrame(
        {
            "x": x0 + xy[:, 0],
            "y": y0 + xy[:, 1],
            "occurred_at": [AT - dt.timedelta(seconds=float(s)) for s in ages],
        }
    )


def test_a_cells_own_events_in_a_smoothing_are_its_own_record() -> None:
    # Every event in one cell, all the weight on the one-cell smoothing: the
    # cell's risk is its own events'. It was "0 % own record, 100 % from its
    # neighbours'" (a Gaussian-hotspot city's top cells all read 0 % own).
    ev = pl.DataFrame(
        {
            "x": [550.0] * 30,
            "y": [550.0] * 30,
            "occurred_at": [AT - dt.timedelta(days=d) for d in range(1, 31)],
        }
    )
    model = Stacked(GRID, weights=[0.0, 1.0, 0.0, 0.0, 0.0], recent_half_life_days=None)
    model.fit(ev).predict(AT)
    cell = np.array([5 * 10 + 5])
    parts = {name: share for name, _, share in model.parts(cell)}
    assert parts["own"][0] == pytest.approx(1.0)
    assert parts["near"][0] == pytest.approx(0.0, abs=1e-12)
    # a neighbour of it holds no event: its risk is all its neighbour's
    beside = {name: share for name, _, share in model.parts(np.array([5 * 10 + 6]))}
    assert beside["own"][0] == 0.0
    assert beside["near"][0] == pytest.approx(1.0)


def test_the_parts_of_a_fitted_stack_sum_to_one_and_are_never_negative() -> None:
    model = Stacked(GRID).fit(_events(3))
    risk = model.predict(AT).ravel()
    top = np.argsort(-risk)[:20]
    shares = np.array([share for _, _, share in model.parts(top)])
    assert (shares >= 0).all()
    assert shares.sum(axis=0).tolist() == pytest.approx([1.0] * top.size)


def test_the_default_ignores_later_events_and_where_the_city_lies() -> None:
    # An evaluator's city: its grid far from 0 (British National Grid), events
    # after the forecast's start in the same frame, rows in another order.
    ev = _events(4)
    base = forecast_grid(ev, origin_xy=(0, 0), cell_size_m=100, shape=(10, 10), at=AT)
    later = _events(5).with_columns(pl.col("occurred_at") + dt.timedelta(days=366))
    moved = (
        pl.concat([ev, later])
        .with_columns(pl.col("x") + 500_000.0, pl.col("y") + 180_000.0)
        .sample(fraction=1.0, shuffle=True, seed=1)
    )
    there = forecast_grid(
        moved, origin_xy=(500_000, 180_000), cell_size_m=100, shape=(10, 10), at=AT
    )
    assert np.array_equal(base, there)
    assert base.dtype == np.float64
    assert np.isfinite(base).all()
    assert (base >= 0).all()


def _texts(times: list[str]) -> pl.DataFrame:
    return pl.DataFrame({"x": [5.0, 15.0], "y": [5.0, 5.0], "occurred_at": times})


def _count(events: pl.DataFrame, at: object) -> list[list[float]]:
    return forecast_grid(
        events, origin_xy=(0, 0), cell_size_m=10, shape=(1, 2), at=at, model="counting"
    ).tolist()


@pytest.mark.parametrize(
    ("times", "at", "counted"),
    [
        # 09:00 UTC is 04:00 on the events' clock: their 05:00 event is after it
        (
            ["2023-12-30T05:00:00-05:00", "2023-12-31T05:00:00-05:00"],
            "2023-12-31T09:00Z",
            [[1.0, 0.0]],
        ),
        (
            ["2023-12-30T05:00:00-05:00", "2023-12-31T05:00:00-05:00"],
            dt.datetime(2023, 12, 31, 9, tzinfo=dt.UTC),
            [[1.0, 0.0]],
        ),
        # texts in UTC, at 23:00 in Toronto, 04:00 UTC: the 02:00 UTC event is before
        (
            ["2023-12-30T05:00:00Z", "2024-01-01T02:00:00Z"],
            dt.datetime(2023, 12, 31, 23, tzinfo=ZoneInfo("America/Toronto")),
            [[1.0, 1.0]],
        ),
    ],
)
def test_an_aware_at_is_put_on_the_clock_of_texts_with_an_offset(
    times: list[str], at: object, counted: list[list[float]]
) -> None:
    # It was read as its own wall-clock time: a later event leaked in, or an
    # earlier one was left out.
    assert _count(_texts(times), at) == counted


def test_an_aware_at_with_texts_on_several_offsets_is_refused() -> None:
    events = _texts(["2023-07-01T05:00:00-04:00", "2023-12-31T05:00:00-05:00"])
    with pytest.raises(ConfigError, match=r"several UTC offsets \(-05:00, -04:00\)"):
        _count(events, dt.datetime(2023, 12, 31, 9, tzinfo=dt.UTC))
    # a naive at is their wall-clock time, as documented
    assert _count(events, dt.datetime(2023, 12, 31, 4)) == [[1.0, 0.0]]
    # dates alone carry no offset (``-01`` ends them): an aware at is read as before
    dates = _texts(["2023-12-30", "2024-01-01"])
    assert _count(dates, dt.datetime(2023, 12, 31, 9, tzinfo=dt.UTC)) == [[1.0, 0.0]]


@pytest.mark.parametrize("cell_size_m", [None, "ten", True, np.True_, [100.0]])
def test_a_cell_size_that_is_no_number_is_refused_naming_it(
    cell_size_m: object,
) -> None:
    # None and "ten" were a TypeError or ValueError from float(); True a silent
    # grid of 1 m cells holding no event
    with pytest.raises(ConfigError, match="cell_size_m must be a positive number"):
        forecast_grid(
            _events(6), origin_xy=(0, 0), cell_size_m=cell_size_m, shape=(10, 10), at=AT
        )
    with pytest.raises(ConfigError, match="cell_size_m"):
        Grid((0.0, 0.0), cell_size_m, (10, 10))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("model", "named"), [("counting", "window_days"), ("default", "folds")]
)
def test_an_option_the_model_does_not_take_is_refused_naming_its_options(
    model: str, named: str
) -> None:
    # It was Python's TypeError naming an internal class (_Trailing.__init__)
    with pytest.raises(ConfigError, match=f"takes no option window_dayz.*{named}"):
        forecast_grid(
            _events(7),
            origin_xy=(0, 0),
            cell_size_m=100,
            shape=(10, 10),
            at=AT,
            model=model,
            window_dayz=365,
        )


def test_a_fit_and_a_prediction_keep_blas_to_one_thread() -> None:
    # OpenBLAS's threads spun between the stack's small matrix products: five
    # to ten times the process's CPU a day on a shared server (docs/places.md)
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads() -> set[int]:
        return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    seen: list[set[int]] = []

    class Probe(Stacked):
        def _fit(self, events: Events) -> None:
            seen.append(blas_threads())

        def _predict(self, past: Events, t0: float, horizon_days: float) -> Risk:
            seen.append(blas_threads())
            return super()._predict(past, t0, horizon_days)

        def fit_weights(self, events: Events, t0: float) -> npt.NDArray[np.float64]:
            seen.append(blas_threads())
            return super().fit_weights(events, t0)

    with threadpool_limits(limits=2, user_api="blas"):
        if max(blas_threads(), default=1) < 2:
            pytest.skip("one BLAS thread here already")
        model = Probe(GRID)
        model.fit(_events(8)).predict(AT)
        model.frozen(model.events, to_days(AT))
        assert blas_threads() == {2}  # given back after
    assert len(seen) == 4
    assert all(s == {1} for s in seen), seen


def test_blas_libraries_are_found_once_until_a_module_is_imported(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # threadpoolctl read the process's memory map at every fit and prediction: 183
    # times in a briefing's backtest, 0.20 s of its 0.85 s of CPU (docs/performance.md)
    import sys
    import types

    import threadpoolctl

    from avert.analyse.forecast import _base

    made: list[object] = []
    real = threadpoolctl.ThreadpoolController

    class Counted(real):  # type: ignore[misc, valid-type]
        def __init__(self) -> None:
            made.append(self)
            super().__init__()

    monkeypatch.setattr(threadpoolctl, "ThreadpoolController", Counted)
    monkeypatch.setattr(_base, "_BLAS_CONTROLLER", [])
    for _ in range(3):
        with one_blas_thread():
            pass
    assert len(made) == 1
    # a module imported since may have loaded a BLAS library: found again
    monkeypatch.setitem(sys.modules, "avert_test_new_module", types.ModuleType("m"))
    with one_blas_thread():
        pass
    assert len(made) == 2


def test_overlapping_calls_keep_blas_to_one_thread_and_give_back_the_first_count(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the limit is the process's: two calls of two threads overlapping, the first
    # out gave BLAS its threads back under the second, and the second out set the
    # one thread it had found, for the process ever after
    import threading

    from avert.analyse.forecast import _base

    blas = {"threads": 2}

    class Limit:
        def __init__(self) -> None:
            self.before = blas["threads"]
            blas["threads"] = 1

        def __enter__(self) -> Limit:
            return self

        def __exit__(self, *exc: object) -> None:
            blas["threads"] = self.before

    class Controller:
        def limit(self, *, limits: int, user_api: str) -> Limit:
            assert (limits, user_api) == (1, "blas")
            return Limit()

    monkeypatch.setattr(_base, "_blas_controller", Controller)
    first_in, second_in, first_out = (threading.Event() for _ in range(3))
    seen: list[int] = []

    def first() -> None:
        with one_blas_thread():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with one_blas_thread():
            second_in.set()
            first_out.wait(5)
            seen.append(blas["threads"])

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [1]  # still one thread inside the second call
    assert blas["threads"] == 2  # the count from before the first, given back
    inside: list[int] = []

    def failing() -> None:
        with one_blas_thread():
            inside.append(blas["threads"])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing()
    assert inside == [1]
    assert blas["threads"] == 2  # given back on an exception too
