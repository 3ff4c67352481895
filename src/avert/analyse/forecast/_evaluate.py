"""Rolling-origin evaluation of grid forecasts: hit rate and PAI at chosen coverages.

The protocol (``docs/places.md``; the reference run of open_cp in
``shared/reference/forecast-toronto``): for each test day ``d`` a model is fitted on
the events of ``[d - train_days, d)`` and predicts at ``d 00:00``; the test events are
those of ``[d, d + horizon)``. For a coverage ``c`` exactly ``floor(N * c)`` cells of
the basis are selected, highest risk first; among cells of equal risk those with the
highest row-major index are kept (open_cp's tie rule). A hit is a test event in a
selected cell. The *hit rate* is hits / events; the *predictive accuracy index* is
hit rate / c (Chainey, Tompson & Uhlig 2008). Two bases: ``bbox`` (every cell of the
grid) and ``active`` (cells holding at least one event of the whole data set).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.analyse.forecast._base import Forecaster, Risk
from avert.analyse.forecast._grid import Events, Grid, to_days
from avert.errors import ConfigError

__all__ = ["cells_for_coverage", "evaluate_days", "select_top", "summarise"]


def cells_for_coverage(n_cells: int, coverage: float) -> int:
    """Cells a coverage selects of a basis of ``n_cells``: ``floor(n_cells x
    coverage)`` (open_cp's rule; none when that is under one cell).

    >>> cells_for_coverage(1_000, 0.01), cells_for_coverage(8, 0.10)
    (10, 0)
    """
    return int(np.floor(n_cells * coverage + 1e-9))


def select_top(
    risk: Risk, k: int, basis: npt.NDArray[np.int64] | None = None
) -> npt.NDArray[np.int64]:
    """Return the flat indices of the ``k`` highest-risk cells (ties: highest index).

    ``basis`` restricts the choice to those flat indices (e.g. the active cells).
    """
    flat = np.asarray(risk, dtype=np.float64).ravel()
    idx = np.arange(flat.size, dtype=np.int64) if basis is None else basis
    if k <= 0:
        return np.empty(0, dtype=np.int64)
    vals = flat[idx]
    if k >= idx.size:
        return idx.copy()
    # the k-th largest value, then all above it, then the tied ones of highest index
    part = np.partition(vals, idx.size - k)
    thr = part[idx.size - k]
    above = idx[vals > thr]
    tied = idx[vals == thr]
    need = k - above.size
    return np.concatenate([above, np.sort(tied)[tied.size - need :]])


def evaluate_days(
    make_model: Callable[[Grid], Forecaster],
    events: Events,
    grid: Grid,
    days: Sequence[dt.date],
    *,
    coverages: Sequence[float] = (0.01, 0.02, 0.05, 0.10),
    train_days: float | None = 365.0,
    horizon: dt.timedelta = dt.timedelta(days=1),
    active: npt.NDArray[np.bool_] | None = None,
) -> pl.DataFrame:
    """Return one row per test day: events, hits per basis and coverage, seconds.

    Columns: ``day``, ``n_train``, ``n_test``, ``hits_bbox_<pct>``,
    ``hits_active_<pct>`` (when ``active`` is given; a boolean mask over the flat
    cells), ``fit_predict_s`` (wall clock) and ``fit_predict_cpu_s`` (CPU time of
    the calling thread: the fair figure on a shared machine). ``<pct>`` is the coverage in percent (``1``, ``2.5``).
    """
    if not coverages or any(not 0 < c <= 1 for c in coverages):
        msg = f"coverages must be shares in (0, 1]; got {list(coverages)!r}."
        raise ConfigError(msg)
    bases: dict[str, npt.NDArray[np.int64] | None] = {"bbox": None}
    if active is not None:
        bases["active"] = np.flatnonzero(np.asarray(active).ravel())
    hours = horizon.total_seconds() / 86_400.0
    rows: list[dict[str, object]] = []
    for day in days:
        t0 = to_days(day)
        train = events.before(t0, train_days)
        test = events.between(t0, t0 + hours)
        start = time.perf_counter()
        cpu_start = time.thread_time()
        risk = (
            make_model(grid)
            .fit(train)
            .predict(dt.datetime(day.year, day.month, day.day), horizon)
        )
        cpu = time.thread_time() - cpu_start
        seconds = time.perf_counter() - start
        row: dict[str, object] = {
            "day": day,
            "n_train": len(train),
            "n_test": len(test),
        }
        for name, basis in bases.items():
            size = grid.n_cells if basis is None else basis.size
            for c in coverages:
                chosen = np.zeros(grid.n_cells, dtype=bool)
                chosen[select_top(risk, cells_for_coverage(size, c), basis)] = True
                row[f"hits_{name}_{_pct(c)}"] = int(chosen[test.cell].sum())
        row["fit_predict_s"] = seconds
        row["fit_predict_cpu_s"] = cpu
        rows.append(row)
    return pl.DataFrame(rows)


def _pct(c: float) -> str:
    p = round(c * 100, 6)
    return str(int(p)) if float(p).is_integer() else str(p)


def summarise(per_day: pl.DataFrame) -> pl.DataFrame:
    """Return event-weighted and mean per-day hit rates and PAI per basis and coverage.

    Columns: ``basis``, ``coverage``, ``hit_rate`` (sum of hits / sum of events),
    ``pai`` (hit rate / coverage), ``mean_daily_hit_rate`` (days with events only).
    """
    n = per_day["n_test"].to_numpy().astype(np.float64)
    out: list[dict[str, object]] = []
    for col in per_day.columns:
        if not col.startswith("hits_"):
            continue
        _, basis, pct = col.split("_", 2)
        c = float(pct) / 100
        hits = per_day[col].to_numpy().astype(np.float64)
        hr = float(hits.sum() / n.sum()) if n.sum() else float("nan")
        daily = hits[n > 0] / n[n > 0]
        out.append(
            {
                "basis": basis,
                "coverage": c,
                "hit_rate": hr,
                "pai": hr / c,
                "mean_daily_hit_rate": float(daily.mean()) if daily.size else None,
            }
        )
    return pl.DataFrame(out)
