"""Knox test: recovers planted contagion, finds none in a time-shuffled copy."""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from avert.analyse.nearrepeat import knox_test
from avert.errors import ConfigError

T0 = dt.datetime(2024, 1, 1)


def _contagious(seed: int, n: int = 400, share: float = 0.5) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 5000, n)
    y = rng.uniform(0, 5000, n)
    t = rng.uniform(0, 365, n)
    k = rng.random(n) < share  # these get a follower within 50 m and 3 days
    fx = x[k] + rng.normal(0, 25, k.sum())
    fy = y[k] + rng.normal(0, 25, k.sum())
    ft = t[k] + rng.uniform(0, 3, k.sum())
    days = np.concatenate([t, ft])
    return pl.DataFrame(
        {
            "x": np.concatenate([x, fx]),
            "y": np.concatenate([y, fy]),
            "occurred_at": [T0 + dt.timedelta(days=float(d)) for d in days],
        }
    )


def _cell(result: pl.DataFrame, space_hi: float, time_hi: float) -> dict[str, float]:
    return result.filter(
        (pl.col("space_hi_m") == space_hi) & (pl.col("time_hi_days") == time_hi)
    ).to_dicts()[0]


def test_knox_recovers_planted_contagion_and_not_in_shuffled_copy() -> None:
    f = _contagious(1)
    r = knox_test(f, space_bands_m=[0, 100, 200], time_bands_days=[0, 7, 14], n_sims=99)
    near = _cell(r.frame, 100, 7)
    assert near["ratio"] > 3
    assert near["p_value"] == pytest.approx(0.01)
    assert not r.significant().is_empty()
    shuffled = f.with_columns(
        pl.Series(
            "occurred_at", f["occurred_at"].sample(fraction=1, shuffle=True, seed=3)
        )
    )
    s = knox_test(
        shuffled, space_bands_m=[0, 100, 200], time_bands_days=[0, 7, 14], n_sims=99
    )
    assert _cell(s.frame, 100, 7)["p_value"] > 0.05


def test_knox_counts_every_close_pair_once_and_is_seeded() -> None:
    f = _contagious(2, n=120)
    r = knox_test(f, space_bands_m=[0, 150], time_bands_days=[0, 10], n_sims=19, seed=4)
    xs, ys = f["x"].to_numpy(), f["y"].to_numpy()
    d = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])
    iu = np.triu_indices(len(xs), 1)
    assert int(r.frame["observed"].sum()) == int((d[iu] < 150).sum()) == r.n_pairs
    again = knox_test(
        f, space_bands_m=[0, 150], time_bands_days=[0, 10], n_sims=19, seed=4
    )
    assert r.frame.equals(again.frame)
    # expected counts of a band add up to its pairs (permutation keeps the pairs)
    assert r.frame["expected"].sum() == pytest.approx(r.n_pairs)


@pytest.mark.parametrize("max_pairs", [None, 300])
def test_knox_does_not_depend_on_the_row_order(max_pairs: int | None) -> None:
    """The same events in another row order (a store's unordered read: SQLite and
    PostgreSQL return different orders) give the same ratios and p-values, sampled
    or not; the briefing's near-repeat ratio differed between the two stores."""
    f = _contagious(5, n=300)
    shuffled = f.sample(fraction=1, shuffle=True, seed=7)
    r, s = (
        knox_test(
            frame,
            space_bands_m=[0, 100, 200],
            time_bands_days=[0, 7, 14],
            n_sims=19,
            max_pairs=max_pairs,
        )
        for frame in (f, shuffled)
    )
    assert r.n_events == s.n_events
    assert (r.n_events < f.height) == (max_pairs is not None)  # sampled when bounded
    assert r.frame.equals(s.frame)


def test_knox_bands_are_half_open_with_an_open_last_time_band() -> None:
    """Observed pairs per (distance, gap) band against a brute-force count, on whole
    days so that many gaps fall exactly on a band edge (7 days is in 7-14)."""
    rng = np.random.default_rng(11)
    n = 200
    f = pl.DataFrame(
        {
            "x": rng.integers(0, 40, n) * 10.0,
            "y": rng.integers(0, 40, n) * 10.0,
            "occurred_at": [
                dt.datetime(2024, 1, 1) + dt.timedelta(days=int(d))
                for d in rng.integers(0, 40, n)
            ],
        }
    )
    space, days = [0.0, 50.0, 100.0, 200.0], [0.0, 7.0, 14.0]
    r = knox_test(f, space_bands_m=space, time_bands_days=days, n_sims=9)
    xs, ys = f["x"].to_numpy(), f["y"].to_numpy()
    t = np.array([(v - dt.datetime(2024, 1, 1)).days for v in f["occurred_at"]])
    iu = np.triu_indices(n, 1)
    dist = np.hypot(xs[:, None] - xs[None, :], ys[:, None] - ys[None, :])[iu]
    gap = np.abs(t[:, None] - t[None, :])[iu]
    for row in r.frame.iter_rows(named=True):
        in_space = (dist >= row["space_lo_m"]) & (dist < row["space_hi_m"])
        in_time = (gap >= row["time_lo_days"]) & (gap < row["time_hi_days"])
        assert row["observed"] == int((in_space & in_time).sum()), row


@pytest.mark.parametrize(
    ("dx", "dy"),
    [(199.31259114197988, -458.5569659401871), (320.8408567350611, 383.48552078209156)],
)
def test_knox_pair_exactly_at_the_largest_edge_is_left_out(
    dx: float, dy: float
) -> None:
    """A pair whose distance is exactly the largest space edge (np.hypot gives 500.0)
    while its squared distance rounds just below 500**2 (what the k-d tree compares)
    lies outside [0, 500): it is left out, and the rest is counted."""
    assert np.hypot(dx, dy) == 500.0
    assert dx * dx + dy * dy < 500.0**2
    f = pl.DataFrame(
        {
            "x": [0.0, dx, -10.0],
            "y": [0.0, dy, 0.0],
            "occurred_at": [T0, T0 + dt.timedelta(days=1), T0 + dt.timedelta(days=2)],
        }
    )
    r = knox_test(f, space_bands_m=[0, 100, 500], time_bands_days=[0, 7], n_sims=9)
    assert r.n_pairs == 1  # (0, 0)-(-10, 0); (0, 0)-(dx, dy) is at 500 m, not < 500
    assert r.frame["observed"].to_list() == [1, 0, 0, 0]


@pytest.mark.slow
def test_knox_finds_the_synthetic_citys_near_repeat_burglaries() -> None:
    from avert.synth import make_city

    inc = make_city(seed=0).incidents.rename({"occurred_from": "occurred_at"})
    burglary = inc.filter(pl.col("crime_type") == "Burglary")
    bands = {"space_bands_m": [0, 100, 200, 400], "time_bands_days": [0, 7, 14, 28]}
    r = knox_test(burglary, n_sims=999, **bands)  # type: ignore[arg-type]
    assert _cell(r.frame, 100, 7)["p_value"] < 0.05
    shuffled = burglary.with_columns(
        pl.Series(
            "occurred_at",
            burglary["occurred_at"].sample(fraction=1, shuffle=True, seed=5),
        )
    )
    s = knox_test(shuffled, n_sims=999, **bands)  # type: ignore[arg-type]
    assert _cell(s.frame, 100, 7)["p_value"] > 0.1


@pytest.mark.parametrize("bad", [[100, 200], [0], [0, 50, 50]])
def test_bad_bands(bad: list[float]) -> None:
    with pytest.raises(ConfigError):
        knox_test(_contagious(0, n=10), space_bands_m=bad)


def test_max_pairs_samples_dense_data_to_bound_the_work() -> None:
    f = _contagious(1, n=1500)
    # a dense blob: 3,000 events within ~40 m (millions of close pairs)
    rng = np.random.default_rng(4)
    blob = pl.DataFrame(
        {
            "x": 2500 + rng.normal(0, 40, 3000),
            "y": 2500 + rng.normal(0, 40, 3000),
            "occurred_at": [
                T0 + dt.timedelta(days=float(d)) for d in rng.uniform(0, 365, 3000)
            ],
        }
    )
    dense = pl.concat([f, blob])
    r = knox_test(
        dense,
        space_bands_m=[0, 100, 200],
        time_bands_days=[0, 7, 14],
        n_sims=99,
        max_pairs=200_000,
    )
    assert r.n_pairs <= 300_000
    assert r.n_events < dense.height
    assert any("seeded random" in n for n in r.notes)
    full = knox_test(
        f, space_bands_m=[0, 100, 200], time_bands_days=[0, 7, 14], max_pairs=10**9
    )
    assert full.n_events == f.height  # under the bound: every event
    assert not any("seeded random" in n for n in full.notes)


def test_close_pairs_are_estimated_from_a_sample_on_dense_data() -> None:
    from scipy.spatial import cKDTree

    from avert.analyse.nearrepeat import COUNT_SAMPLE_EVENTS, _close_pairs

    rng = np.random.default_rng(4)
    n = 3 * COUNT_SAMPLE_EVENTS
    xs, ys = rng.gamma(2.0, 800.0, n), rng.gamma(2.0, 800.0, n)
    tree = cKDTree(np.column_stack([xs, ys]))
    exact = (int(tree.count_neighbors(tree, 150.0)) - n) // 2
    estimate = _close_pairs(xs, ys, 150.0, seed=0)
    assert estimate != exact  # estimated, not counted
    assert abs(estimate - exact) / exact < 0.05
    small = _close_pairs(xs[:1000], ys[:1000], 150.0, seed=0)
    t_small = cKDTree(np.column_stack([xs[:1000], ys[:1000]]))
    assert small == (int(t_small.count_neighbors(t_small, 150.0)) - 1000) // 2


def test_knox_gap_of_exactly_a_band_edge_falls_in_the_next_band_in_2014() -> None:
    """Pairs exactly 7 days apart to the minute belong to 7-14 days. Times held as
    float days since 1970 lose their last bit differently on either side of day
    2**14 (2014-11-09): 2014-11-03 00:01 and 2014-11-10 00:01 were 6.999999999996
    days apart and counted in 0-7 days."""
    starts = [
        dt.datetime(2014, 11, 3, 0, 1) + dt.timedelta(minutes=5 * k) for k in range(40)
    ]
    times = [t for s in starts for t in (s, s + dt.timedelta(days=7))]
    f = pl.DataFrame(
        {
            # each pair at one place, the pairs 1 km from each other
            "x": [1000.0 * (k // 2) for k in range(len(times))],
            "y": [0.0] * len(times),
            "occurred_at": times,
        }
    )
    r = knox_test(f, space_bands_m=[0, 100], time_bands_days=[0, 7, 14], n_sims=9)
    assert r.frame["observed"].to_list() == [0, 40, 0]


def test_knox_reads_aware_times_by_the_calendar_across_a_clock_change() -> None:
    """Day-resolution incidents at local midnight with a time zone: a pair a week
    apart across the spring's clock change (Toronto, 14 March 2021) was 6 days 23
    hours apart in UTC, so it fell in 0-7 days, and its autumn twin in 7-14. Both
    are now 7 calendar days apart (wall-clock time, as the forecasts read it)."""
    days = [
        dt.datetime(2021, 3, 8),
        dt.datetime(2021, 3, 15),
        dt.datetime(2021, 10, 31),
        dt.datetime(2021, 11, 7),
    ]
    events = pl.DataFrame(
        {"x": [0.0, 10.0, 5000.0, 5010.0], "y": [0.0] * 4, "occurred_at": days}
    ).with_columns(pl.col("occurred_at").dt.replace_time_zone("America/Toronto"))
    res = knox_test(
        events, space_bands_m=(0, 100), time_bands_days=(0, 7, 14), n_sims=9
    )
    assert res.frame["observed"].to_list() == [0, 2, 0]


def test_knox_manhattan_distance_as_the_near_repeat_calculator_can_count() -> None:
    """The calculator (and Steenbeek's NearRepeat, by default) can measure distance
    along a street grid, |dx| + |dy|; avert measured straight lines only, so a pair
    60 m east and 60 m north (85 m apart, 120 m by the streets) fell in 0-100 m
    where the calculator's Manhattan setting puts it in 100-200 m. Checked against
    a brute-force count of every pair."""
    rng = np.random.default_rng(4)
    n = 150
    x = rng.integers(0, 12, n) * 30.0
    y = rng.integers(0, 12, n) * 30.0
    days = rng.integers(0, 40, n)
    events = pl.DataFrame(
        {
            "x": x,
            "y": y,
            "occurred_at": [
                dt.datetime(2021, 1, 1) + dt.timedelta(days=int(d)) for d in days
            ],
        }
    )
    space, time = (0, 1, 100, 200), (0, 7, 14)
    res = knox_test(
        events,
        space_bands_m=space,
        time_bands_days=time,
        n_sims=9,
        distance="manhattan",
    )
    brute = np.zeros((3, 3), dtype=np.int64)
    for a in range(n):
        for b in range(a + 1, n):
            d = abs(x[a] - x[b]) + abs(y[a] - y[b])
            if d >= space[-1]:
                continue
            s_band = int(np.searchsorted(space, d, side="right")) - 1
            gap = abs(int(days[a]) - int(days[b]))
            brute[s_band, int(gap >= 7) + int(gap >= 14)] += 1
    assert res.frame["observed"].to_list() == brute.ravel().tolist()
    one = pl.DataFrame(
        {
            "x": [0.0, 60.0],
            "y": [0.0, 60.0],
            "occurred_at": [dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 4)],
        }
    )
    straight = knox_test(one, space_bands_m=(0, 100, 200), time_bands_days=(0, 7))
    streets = knox_test(
        one, space_bands_m=(0, 100, 200), time_bands_days=(0, 7), distance="manhattan"
    )
    assert straight.frame["observed"].to_list() == [1, 0, 0, 0]
    assert streets.frame["observed"].to_list() == [0, 0, 1, 0]
    with pytest.raises(ConfigError, match="euclidean or manhattan"):
        knox_test(one, distance="chebyshev")  # type: ignore[arg-type]


def test_knox_refuses_month_only_dates_and_notes_a_large_share() -> None:
    """data.police.uk dates a month's records on its first day: every pair of a month
    was 0 days apart and the first time band read 'same month' as near repeat."""
    f = _contagious(3, n=200)
    months = f.with_columns(pl.col("occurred_at").dt.truncate("1mo"))
    with pytest.raises(ConfigError, match="first of a month"):
        knox_test(months, n_sims=9)
    # a third month-only among events known to the day: kept, with a note
    mixed = pl.concat([f, months.head(months.height // 2)])
    r = knox_test(mixed, n_sims=9)
    assert any("first of a month" in n for n in r.notes)
    # events known to the day: no note (about 1 in 30 fall on a 1st)
    assert not any("first of a month" in n for n in knox_test(f, n_sims=9).notes)
    # a handful, all on the 1st, may be chance: tested
    assert knox_test(months.head(5), n_sims=9).n_events == 5


def test_knox_refuses_month_starts_whatever_precision_they_claim() -> None:
    """``avert ingest table`` stores ``time_precision`` exact by default: a table of
    monthly records loaded so reads as exact. The guess does not trust the label
    (ten real incidents at one New Year's midnight are refused too: events at one
    instant have no time gaps to test, every ratio was NaN and every p 1)."""
    new_year = pl.DataFrame(
        {
            "x": [100.0 * i for i in range(12)],
            "y": [50.0 * (i % 3) for i in range(12)],
            "occurred_at": [dt.datetime(2019, 1 + i % 12, 1) for i in range(12)],
            "time_precision": ["exact"] * 12,
        }
    )
    with pytest.raises(ConfigError, match="first of a month"):
        knox_test(new_year, n_sims=9)
