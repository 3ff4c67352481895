"""Near repeat: the Knox test of space-time clustering, as in Ratcliffe's Near Repeat
Calculator.

For every pair of events closer than the largest space band, the pair is counted in
the cell (space band, time band) of its distance and of the gap between its times.
Under the null of no space-time interaction, *which* event happened *when* is
independent of *where*: the times are permuted among the events (locations kept),
``n_sims`` times with a seeded generator, and the pairs counted again. For each cell:

* ``expected`` = mean count over the permutations, ``ratio`` = observed / expected
  (the Knox ratio; > 1 means more pairs close in space *and* time than chance);
* ``p_value`` = (1 + #permutations with a count >= observed) / (1 + n_sims), the
  one-sided Monte Carlo p-value (Besag & Diggle 1977). With 99 runs the smallest
  possible p is 0.01; with 999, 0.001.

Bands are half-open ``[lo, hi)`` in metres and days; give ``[0, 1, 100, ...]`` for a
"same place" band as the calculator does. Pairs whose time gap is at least the largest
time edge fall in a final ``beyond`` time band (``time_hi`` = inf), so the rows of a
space band add up to all its pairs.

Sources: Knox (1964), "The detection of space-time interactions", *Applied
Statistics* 13; Besag & Diggle (1977) *Applied Statistics* 26 (Monte Carlo tests);
Ratcliffe (2009) Near Repeat Calculator v1.3 (Temple University / NIJ); Johnson &
Bowers (2004) *Eur. J. Criminol.* 1 (near-repeat burglary); Townsley, Homel &
Chaseling (2003) *Br. J. Criminol.* 43.

Vectorised: the pairs come from a k-d tree (``scipy.spatial.cKDTree.query_pairs``)
once; each permutation is one gather, one subtraction and one ``bincount`` over the
pairs. Cost grows with the number of close pairs times ``n_sims``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.result import Result
from avert.errors import ConfigError
from avert.schema import check_frame

__all__ = ["Distance", "KnoxResult", "knox_test"]

#: How far apart two events are: straight-line, or along a street grid (the sum of
#: the x and y differences), the Near Repeat Calculator's two settings.
Distance = Literal["euclidean", "manhattan"]
#: Minkowski p of each distance (scipy's k-d tree)
_MINKOWSKI: Final[dict[str, float]] = {"euclidean": 2.0, "manhattan": 1.0}

_METHOD: Final = (
    "Knox test of space-time interaction, Monte Carlo null by permuting times"
)
_SOURCE: Final = (
    "Knox (1964) Applied Statistics 13; Besag & Diggle (1977) Applied Statistics 26; "
    "Ratcliffe (2009) Near Repeat Calculator; Johnson & Bowers (2004) Eur. J. "
    "Criminol. 1"
)
_MAX_PAIRS: Final = 50_000_000


@dataclass(frozen=True, kw_only=True)
class KnoxResult(Result):
    """Observed and expected pairs per (space band, time band).

    ``frame`` columns: ``space_lo_m``, ``space_hi_m``, ``time_lo_days``,
    ``time_hi_days``, ``observed``, ``expected``, ``ratio``, ``p_value``.

    Attributes
    ----------
    n_events
        Events tested (with coordinates and a time).
    n_pairs
        Pairs closer than the largest space band.
    n_sims
        Permutations run.
    """

    n_events: int
    n_pairs: int
    n_sims: int

    def significant(self, alpha: float = 0.05) -> pl.DataFrame:
        """Cells with more pairs than chance at level ``alpha`` (ratio > 1)."""
        return self.frame.filter((pl.col("p_value") <= alpha) & (pl.col("ratio") > 1))


def _edges(values: Sequence[float], name: str) -> np.ndarray:  # type: ignore[type-arg, unused-ignore]
    e = np.asarray(values, dtype=np.float64)
    if e.size < 2 or e[0] != 0 or np.any(np.diff(e) <= 0) or not np.all(np.isfinite(e)):
        msg = f"{name} must be increasing finite edges starting at 0, e.g. [0, 100, 200]; got {list(values)!r}."
        raise ConfigError(msg)
    return e


#: Above this many events the pairs within the largest band are counted on a seeded
#: sample of this size and scaled up (within a few per cent; counting all of 200,000
#: dense events took 0.7 s of CPU, the sample 0.03 s).
COUNT_SAMPLE_EVENTS = 20_000


def _close_pairs(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    r: float,
    seed: int,
    p: float = 2.0,
) -> int:
    """Return the number of pairs of events closer than ``r`` (metres), counted
    exactly up to :data:`COUNT_SAMPLE_EVENTS` events and estimated above it from a
    seeded sample (pairs scale with the square of the share sampled)."""
    n = int(xs.size)
    share = 1.0
    if n > COUNT_SAMPLE_EVENTS:
        share = COUNT_SAMPLE_EVENTS / n
        keep = np.random.default_rng(seed + 1).random(n) < share
        xs, ys = xs[keep], ys[keep]
    from scipy.spatial import cKDTree  # 0.3-0.9 s: imported where it is used

    tree = cKDTree(np.column_stack([xs, ys]))
    # ordered pairs including each point with itself: (count - n) / 2 pairs
    pairs = (int(tree.count_neighbors(tree, r, p=p)) - int(xs.size)) / 2
    return round(pairs / share**2)


def _placed_times(
    events: pl.DataFrame, *, x: str, y: str, time: str
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """x, y and time (whole microseconds) of the events with all three, in one
    canonical order (time, then x, then y).

    Times with a zone are read as their wall-clock time (a gap is counted in
    calendar days and hours, as the Near Repeat Calculator counts dates).
    Microseconds, so that a gap of exactly an edge (7 days to the minute) is exactly
    that edge: float days differ in their last bit across 2**k days since 1970
    (2014-11-09), which put some such pairs below the edge. The order: the seeded
    sample and permutations pick events by position, so rows in another order (a
    database returns an unordered read in its own order: SQLite and PostgreSQL
    differ) would give other p-values and ratios for the same events.
    """
    when = events.get_column(time)
    if when.dtype == pl.Date:
        when = when.cast(pl.Datetime("us"))
    elif isinstance(when.dtype, pl.Datetime) and when.dtype.time_zone is not None:
        # wall-clock time, as the forecasts read aware times: two incidents a week
        # apart by the calendar (day-resolution data at local midnight) are 7 days
        # apart, not 6 days 23 hours across the spring's clock change
        when = when.dt.replace_time_zone(None)
    epoch_us = when.dt.epoch("us")
    has_time = epoch_us.is_not_null().to_numpy()
    t = epoch_us.fill_null(0).to_numpy().astype(np.int64)
    xs = events.get_column(x).cast(pl.Float64).to_numpy()
    ys = events.get_column(y).cast(pl.Float64).to_numpy()
    ok = np.isfinite(xs) & np.isfinite(ys) & has_time
    order = np.lexsort((ys[ok], xs[ok], t[ok]))
    return xs[ok][order], ys[ok][order], t[ok][order]


#: At least this many events, every one dated 00:00 on the first of a month, are
#: read as month-only dates and refused (by chance, events of known days would all
#: fall on the 1st about once in 30**10 tries)
MONTH_ONLY_MIN_EVENTS: Final = 10
#: Above this share of events dated 00:00 on the first of a month (about 1 in 30 of
#: events known to the day, far fewer with a time of day), a note says what they do
MONTH_START_NOTE_SHARE: Final = 0.2


def _month_start_share(t_us: npt.NDArray[np.int64]) -> float:
    """Share of the times (wall-clock microseconds) at 00:00 on the first of a month,
    where data.police.uk dates every record of the month."""
    if t_us.size == 0:
        return 0.0
    when = t_us.astype("datetime64[us]")
    return float((when.astype("datetime64[M]").astype("datetime64[us]") == when).mean())


def _month_only_check(t_us: npt.NDArray[np.int64]) -> tuple[str, ...]:
    """Refuse times that are all month starts (month-only dates: every pair within a
    month is 0 days apart, so the first time band would read "same month" as a near
    repeat); return a note when many are."""
    share = _month_start_share(t_us)
    if share == 1.0 and t_us.size >= MONTH_ONLY_MIN_EVENTS:
        msg = (
            f"Every one of the {t_us.size:,} events is dated 00:00 on the first of a "
            "month, as data.police.uk dates a month's records: with month-only "
            "dates every pair of a month is 0 days apart, so the Knox test would "
            "read 'the same month' as a near repeat. It needs the day of each "
            "event: load records with exact times."
        )
        raise ConfigError(msg)
    if share < MONTH_START_NOTE_SHARE:
        return ()
    return (
        f"{share:.0%} of the events are dated 00:00 on the first of a month, as "
        "data.police.uk dates month-only records: if they are, their pairs within "
        "a month count as 0 days apart, and a first time band's ratio above 1 is "
        "no evidence of near repeats. Leave month-only records out.",
    )


def _check_run_options(n_sims: int, distance: str) -> float:
    """Refuse fewer than one permutation or an unknown distance; return the
    distance's Minkowski p."""
    if n_sims < 1:
        msg = f"n_sims must be at least 1; got {n_sims}."
        raise ConfigError(msg)
    if distance not in _MINKOWSKI:
        msg = f"distance must be euclidean or manhattan; got {distance!r}."
        raise ConfigError(msg)
    return _MINKOWSKI[distance]


def _sample_to_max_pairs(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    t: npt.NDArray[np.int64],
    *,
    max_space_m: float,
    max_pairs: int | None,
    seed: int,
    p: float,
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    tuple[str, ...],
]:
    """The events to test: all of them, or, when more than ``max_pairs`` pairs lie
    closer than ``max_space_m``, a seeded random share of them that leaves about
    ``max_pairs`` pairs (pairs scale with the square of the share), with a note."""
    n_all = int(t.size)
    if max_pairs is None or n_all <= 1:
        return xs, ys, t, ()
    n_close = _close_pairs(xs, ys, float(np.nextafter(max_space_m, 0)), seed, p)
    if n_close <= max_pairs:
        return xs, ys, t, ()
    share = float(np.sqrt(max_pairs / n_close))
    keep = np.random.default_rng(seed).random(n_all) < share
    note = (
        f"{'About ' if n_all > COUNT_SAMPLE_EVENTS else ''}{n_close:,} pairs "
        f"within {max_space_m:g} m: tested on a seeded random "
        f"{share:.1%} of the events ({int(keep.sum()):,} of {n_all:,}).",
    )
    return xs[keep], ys[keep], t[keep], note


def _pairs_within(
    xs: npt.NDArray[np.float64],
    ys: npt.NDArray[np.float64],
    *,
    max_space_m: float,
    p: float,
    distance: Distance,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Positions ``i``, ``j`` and distance ``d`` (metres) of every pair of events
    closer than ``max_space_m`` (k-d tree pairs, then the exact distance); refuses
    more than :data:`_MAX_PAIRS` pairs."""
    from scipy.spatial import cKDTree  # 0.3-0.9 s: imported where it is used

    # the tree compares squared distances, which can round to the other side of
    # the edge than np.hypot: ask it for a hair more, then keep d < edge by np.hypot
    pairs = (
        cKDTree(np.column_stack([xs, ys])).query_pairs(
            r=max_space_m * (1 + 1e-9), p=p, output_type="ndarray"
        )
        if xs.size > 1
        else np.empty((0, 2), dtype=np.int64)
    )
    if pairs.shape[0] > _MAX_PAIRS:
        msg = (
            f"{pairs.shape[0]} pairs within {max_space_m} m: too many for a Monte "
            "Carlo test; use a shorter period, a smaller area or smaller space bands."
        )
        raise ConfigError(msg)
    i, j = pairs[:, 0], pairs[:, 1]
    dx, dy = xs[i] - xs[j], ys[i] - ys[j]
    d = np.hypot(dx, dy) if distance == "euclidean" else np.abs(dx) + np.abs(dy)
    inside = d < max_space_m
    return i[inside].astype(np.intp), j[inside].astype(np.intp), d[inside]


@dataclass(frozen=True)
class _PairCells:
    """Counts the pairs per (space band, time band) cell for any order of the times.

    A pair's cell is ``space_bin * n_time_bands + time_bin``, with the time bin how
    many time edges after 0 its gap reaches (the last band is open): a few
    comparisons per pair, about 2.5x faster per permutation than a binary search
    over the edges.
    """

    i: npt.NDArray[np.intp]
    j: npt.NDArray[np.intp]
    cell_base: npt.NDArray[np.intp]
    time_edges_us: npt.NDArray[np.int64]
    n_cells: int

    @classmethod
    def of(
        cls,
        i: npt.NDArray[np.intp],
        j: npt.NDArray[np.intp],
        d_m: npt.NDArray[np.float64],
        space_edges_m: npt.NDArray[np.float64],
        time_edges_days: npt.NDArray[np.float64],
    ) -> _PairCells:
        """The cells of pairs ``i``, ``j`` at distances ``d_m``."""
        sbin = np.searchsorted(space_edges_m, d_m, side="right") - 1  # [lo, hi)
        n_t = time_edges_days.size  # time_edges_days.size - 1 bands + 1 beyond
        return cls(
            i=i,
            j=j,
            cell_base=(sbin * n_t).astype(np.intp),
            time_edges_us=np.round(time_edges_days * 86_400e6).astype(np.int64),
            n_cells=(space_edges_m.size - 1) * n_t,
        )

    def counts(self, t_us: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Pairs per cell when event ``k`` happened at ``t_us[k]``."""
        gap = np.abs(t_us[self.i] - t_us[self.j])
        cell = self.cell_base.copy()
        for edge in self.time_edges_us[1:]:
            cell += gap >= edge
        return np.bincount(cell, minlength=self.n_cells)


def _permuted_counts(
    cells: _PairCells, t_us: npt.NDArray[np.int64], n_sims: int, seed: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Observed pairs per cell, their mean over ``n_sims`` seeded permutations of
    the times (expected), and how many permutations reached the observed count."""
    observed = cells.counts(t_us)
    rng = np.random.default_rng(seed)
    total = np.zeros(cells.n_cells)
    at_least = np.zeros(cells.n_cells)
    for _ in range(n_sims):
        c = cells.counts(t_us[rng.permutation(t_us.size)])
        total += c
        at_least += c >= observed
    return observed, total / n_sims, at_least


def _knox_frame(
    space_edges_m: npt.NDArray[np.float64],
    time_edges_days: npt.NDArray[np.float64],
    observed: npt.NDArray[np.int64],
    expected: npt.NDArray[np.float64],
    at_least: npt.NDArray[np.float64],
    n_sims: int,
) -> pl.DataFrame:
    """One row per (space band, time band): counts, Knox ratio and Monte Carlo p."""
    n_t = time_edges_days.size
    n_space = space_edges_m.size - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    t_hi = np.append(time_edges_days[1:], np.inf)
    return pl.DataFrame(
        {
            "space_lo_m": np.repeat(space_edges_m[:-1], n_t),
            "space_hi_m": np.repeat(space_edges_m[1:], n_t),
            "time_lo_days": np.tile(time_edges_days, n_space),
            "time_hi_days": np.tile(t_hi, n_space),
            "observed": observed.astype(np.int64),
            "expected": expected,
            "ratio": ratio,
            "p_value": (1.0 + at_least) / (1.0 + n_sims),
        }
    )


def knox_test(
    events: pl.DataFrame,
    *,
    space_bands_m: Sequence[float] = (0, 100, 200, 300, 400, 500),
    time_bands_days: Sequence[float] = (0, 7, 14, 21, 28),
    n_sims: int = 99,
    seed: int = 0,
    x: str = "x",
    y: str = "y",
    time: str = "occurred_at",
    max_pairs: int | None = None,
    distance: Distance = "euclidean",
) -> KnoxResult:
    """Run the Knox test on ``events`` (projected ``x``, ``y`` in metres and a time).

    Parameters
    ----------
    events
        One row per event; rows without coordinates or time are left out. Times
        that are all 00:00 on the first of a month (month-only dates, as
        data.police.uk gives) are refused (:class:`ConfigError`): every pair of a
        month would be 0 days apart; a note says when many are.
    space_bands_m, time_bands_days
        Band edges (half-open ``[lo, hi)``), starting at 0.
    n_sims
        Permutations of the times (99 or 999 as in the calculator).
    seed
        Seed of the permutations (same seed, same p-values).
    max_pairs
        Bound on the pairs tested (None: every pair, up to 50 million). When more
        pairs lie within the largest space band, a seeded random share of the
        events is tested, so that about ``max_pairs`` pairs remain (the pairs are
        counted first without being listed, on a seeded sample of
        :data:`COUNT_SAMPLE_EVENTS` events when there are more); the test stays exact for the sample
        (times are permuted among the sampled events) and a note says how many
        events were used. ``n_events`` is then the sample's size.
    distance
        ``"euclidean"`` (straight line, the default) or ``"manhattan"`` (``|dx| +
        |dy|``, along a street grid: the Near Repeat Calculator's other setting and
        the default of Steenbeek's NearRepeat R package, which reproduces it).
    """
    check_frame(events, [x, y, time], name="events")
    se = _edges(space_bands_m, "space_bands_m")
    te = _edges(time_bands_days, "time_bands_days")
    p = _check_run_options(n_sims, distance)
    xs, ys, t = _placed_times(events, x=x, y=y, time=time)
    month_note = _month_only_check(t)
    n_placed = int(t.size)
    xs, ys, t, sampled_note = _sample_to_max_pairs(
        xs, ys, t, max_space_m=float(se[-1]), max_pairs=max_pairs, seed=seed, p=p
    )
    i, j, d = _pairs_within(xs, ys, max_space_m=float(se[-1]), p=p, distance=distance)
    cells = _PairCells.of(i, j, d, se, te)
    observed, expected, at_least = _permuted_counts(cells, t, n_sims, seed)
    left_out = events.height - n_placed
    return KnoxResult(
        frame=_knox_frame(se, te, observed, expected, at_least, n_sims),
        params={
            "space_bands_m": [float(v) for v in se],
            "time_bands_days": [float(v) for v in te],
            "n_sims": n_sims,
            "seed": seed,
            "distance": distance,
        },
        method=_METHOD,
        source=_SOURCE,
        notes=(
            *sampled_note,
            *month_note,
            *(
                (f"{left_out:,} events without coordinates or time left out.",)
                if left_out > 0
                else ()
            ),
            f"Smallest possible p-value with {n_sims} permutations: "
            f"{1 / (1 + n_sims):.3g}.",
        ),
        n_events=int(t.size),
        n_pairs=int(i.size),
        n_sims=n_sims,
    )
