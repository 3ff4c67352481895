"""Assembly helpers: labels, times and identifiers as Polars series."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.config.timezone import DEFAULT_TIMEZONE
from avert.schema import AGE_RANGES
from avert.synth.city._base import I64, _Ctx

# ------------------------------------------------------------------------------------
# assembly


def _age_range(age: I64) -> npt.NDArray[np.str_]:
    idx = np.select([age < 10, age < 18, age < 25, age < 35], [0, 1, 2, 3], 4)
    out: npt.NDArray[np.str_] = np.array(AGE_RANGES)[idx]
    return out


def _datetimes(ctx: _Ctx, secs: I64) -> pl.Series:
    """Local wall-clock times ``secs`` after the city's start, as a clock reads
    them (:func:`_as_the_clock_reads`)."""
    base = np.datetime64(ctx.start, "us").astype(np.int64)
    local = pl.Series(base + secs.astype(np.int64) * 1_000_000).cast(pl.Datetime("us"))
    return _as_the_clock_reads(local)


def _as_the_clock_reads(local: pl.Series) -> pl.Series:
    """``local`` (naive wall-clock times of the city, in England) with a time in
    the hour that clocks skip going forward moved one hour on, as a clock reads
    it after the change.

    Times are drawn as seconds of local days, and a day when clocks go forward
    has 23 hours: 01:40 on 29 March 2026 is no time in London, yet the default
    city wrote 5 such times, which ``avert ingest bundle`` reports as times that
    do not exist (docs/bundle.md).
    """
    zone = DEFAULT_TIMEZONE  # the city is Birmingham's grid (docs/synth.md)
    skipped = (
        local.dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
        .is_null()
        .fill_null(False)
        & local.is_not_null()
    )
    if not skipped.any():
        return local
    return local + pl.Series(skipped.cast(pl.Int64) * 3_600_000_000).cast(
        pl.Duration("us")
    )


_OUTCOMES = (
    "Charged/summonsed",
    "Suspect identified; under investigation",
    "Investigation complete; no suspect identified",
)


def _lut(labels: tuple[str, ...] | list[str], idx: npt.ArrayLike) -> pl.Series:
    """String labels gathered by integer index (fast: no numpy string arrays)."""
    return pl.Series(values=list(labels), dtype=pl.String).gather(
        pl.Series(np.asarray(idx, dtype=np.int64))
    )


def _ids(prefix: str, n: int, width: int = 7) -> pl.Series:
    return pl.select(
        (
            pl.lit(prefix)
            + pl.int_range(1, n + 1, eager=False).cast(pl.String).str.zfill(width)
        ).alias("id")
    ).to_series()
