"""CPU seconds of a patrol plan's 90-day backtest (``backtest_share``) on a large grid.

A force-sized case: a 400 x 450 grid of 150 m cells (180,000 cells, 60 x 67.5 km),
300,000 events over two years (half around 300 hotspots, N(0, 300 m); half uniform),
top 100 cells, the 90 days before 2024-12-31, single-threaded. The backtest learns the
default's weights once, before its first day (``Forecaster.frozen``), then forecasts
each day from the events before it. Printed: CPU seconds and the share caught, for the
default, the default without its recent map and the former ``blend``.

Run: ``.venv/bin/python benchmarks/forecast_backtest_speed.py``.
"""

from __future__ import annotations

from harness import single_threaded

single_threaded()

import datetime as dt  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from avert.analyse.forecast import Blend, Events, Grid, Stacked, backtest_share  # noqa: E402


def main() -> None:
    rng = np.random.default_rng(3)
    n, ny, nx, cell_m = 300_000, 400, 450, 150.0
    grid = Grid((0.0, 0.0), cell_m, (ny, nx))
    size = (nx * cell_m, ny * cell_m)
    hot = rng.uniform((0, 0), size, (300, 2))
    near = hot[rng.integers(0, 300, n)] + rng.normal(0, 300, (n, 2))
    xy = np.where(
        rng.uniform(size=(n, 1)) < 0.5, near, rng.uniform((0, 0), size, (n, 2))
    )
    minutes = rng.integers(0, 730 * 1440, n).astype("timedelta64[m]")
    frame = pl.DataFrame(
        {
            "x": xy[:, 0],
            "y": xy[:, 1],
            "occurred_at": (np.datetime64("2023-01-01T00:00") + minutes).astype(
                "datetime64[us]"
            ),
        }
    )
    events = Events.from_frame(frame, grid)
    at = dt.datetime(2024, 12, 31)
    print(f"{grid.n_cells:,} cells, {len(events):,} events, 90 days, top 100 cells")
    for name, factory in (
        ("default", lambda g: Stacked(g)),
        (
            "default without the recent map",
            lambda g: Stacked(g, recent_half_life_days=None),
        ),
        ("blend (the former default)", lambda g: Blend(g)),
    ):
        cpu = time.process_time()
        share, _, _ = backtest_share(factory, events, grid, at, 100, days=90)
        print(f"- {name}: {time.process_time() - cpu:.2f} s of CPU, share {share:.4f}")


if __name__ == "__main__":
    main()
