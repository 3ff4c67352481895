"""Toronto's events on the reference forecast protocol's grid (tests and benchmarks).

The protocol (``../shared/reference/forecast-toronto/README.md``): Toronto Police
Service Major Crime Indicators 2017-2021, one category, projected from WGS84 to
EPSG:32617 (UTM zone 17N), each event at its occurrence date plus its occurrence
hour, on a 150 m grid covering that category's events; the active cells are those
with at least one event. ``tests/analyse/test_forecast.py`` reproduces open_cp's
per-day hits on it, and ``benchmarks/forecast.py`` scores every model on it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import polars as pl
from pyproj import Transformer

from avert.analyse.forecast import Events, Grid

SHARED = Path(__file__).resolve().parents[2] / "shared"
#: the Major Crime Indicators file of the protocol (absent where ../shared is)
TORONTO_CSV = (
    SHARED
    / "data"
    / "incidents-toronto-major-crime-indicators-2017-2021"
    / "toronto-mci-2017-2021.csv"
)
#: open_cp's per-day hits on the protocol (the reference the counting model matches)
TORONTO_REF = SHARED / "reference" / "forecast-toronto" / "opencp_toronto_per_day.csv"


def toronto_events(
    category: str = "Assault", csv: Path = TORONTO_CSV
) -> tuple[Events, Grid, npt.NDArray[np.bool_]]:
    """Read one MCI category (the protocol's: assaults) as events on the protocol's
    grid (150 m over that category's events), with the mask of its active cells."""
    f = pl.read_csv(csv).filter(pl.col("mci_category") == category)
    tr = Transformer.from_crs(4326, 32617, always_xy=True)
    x, y = tr.transform(f["longitude"].to_numpy(), f["latitude"].to_numpy())
    f = f.with_columns(
        x=pl.Series(x),
        y=pl.Series(y),
        occurred_at=pl.col("occurrence_date").str.to_date().cast(pl.Datetime("us"))
        + pl.duration(hours=pl.col("occurrence_hour")),
    )
    grid = Grid.covering(np.asarray(x), np.asarray(y), 150.0)
    events = Events.from_frame(f, grid)
    active = np.zeros(grid.n_cells, dtype=bool)
    active[events.cell] = True
    return events, grid, active
