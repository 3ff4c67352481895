"""Assembly helpers: labels, times and identifiers as Polars series."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from avert.schema import AGE_RANGES
from avert.synth.city._base import I64, _Ctx

# ------------------------------------------------------------------------------------
# assembly


def _age_range(age: I64) -> npt.NDArray[np.str_]:
    idx = np.select([age < 10, age < 18, age < 25, age < 35], [0, 1, 2, 3], 4)
    out: npt.NDArray[np.str_] = np.array(AGE_RANGES)[idx]
    return out


def _datetimes(ctx: _Ctx, secs: I64) -> pl.Series:
    base = np.datetime64(ctx.start, "us").astype(np.int64)
    return pl.Series(base + secs.astype(np.int64) * 1_000_000).cast(pl.Datetime("us"))


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
