"""The ratio to a reference group, shared by stop and search and the list make-up.

What both parts of :mod:`avert.analyse.equality` compare and how: the self-defined
top-level groups and their reference (White); the ratio of two rates with its 95 %
log interval (Katz, Baptista, Azen & Pike 1978, *Biometrics* 34:469; that of two
Poisson rates where a count exceeds its denominator) and the lower end of its exact
conditional interval (Clopper & Pearson 1934, *Biometrika* 26:404; Breslow & Day
1987 II §2.2); the flag of a ratio significantly above 1 (both lower ends above 1)
and the note counting the ratios the exact check does not bear out. The method is
set out in the package's docstring.

Pure: expressions and arrays in, expressions and frames out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import polars as pl

#: self-defined top-level groups, the reference group first
GROUPS: Final = ("White", "Asian", "Black", "Mixed", "Other")
REFERENCE: Final = "White"
_Z: Final = 1.959963984540054
_ALPHA: Final = 0.05


def katz_ratio(
    a: pl.Expr, n1: pl.Expr, c: pl.Expr, n2: pl.Expr
) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """Ratio of rates ``(a/n1)/(c/n2)`` and its 95 % log (Katz) interval, as expressions.

    Null when a count or a denominator is zero (no interval can be given). Katz's
    variance ``1/a - 1/n1 + 1/c - 1/n2`` is that of two binomial proportions; where a
    count exceeds its denominator (more searches than residents, as in a small
    group of one LSOA: searches are events, a person may be searched again) the
    share is no proportion and that variance can be negative; the interval is then
    that of two Poisson rates, ``exp(log RR ± 1.96·√(1/a + 1/c))``.
    """
    ok = (a > 0) & (c > 0) & (n1 > 0) & (n2 > 0)
    ratio = (a / n1) / (c / n2)
    binomial = (a <= n1) & (c <= n2)
    se = (
        pl.when(binomial)
        .then(1 / a - 1 / n1 + 1 / c - 1 / n2)
        .otherwise(1 / a + 1 / c)
        .sqrt()
    )
    lo = (ratio.log() - _Z * se).exp()
    hi = (ratio.log() + _Z * se).exp()
    none = pl.lit(None, dtype=pl.Float64)
    return (
        pl.when(ok).then(ratio).otherwise(none),
        pl.when(ok).then(lo).otherwise(none),
        pl.when(ok).then(hi).otherwise(none),
    )


def exact_ratio_low(
    a: np.ndarray, n1: np.ndarray, c: np.ndarray, n2: np.ndarray
) -> np.ndarray:
    """Lower end of the exact conditional 95 % interval of ``(a/n1)/(c/n2)``.

    Two Poisson counts: given ``a + c``, ``a`` is Binomial(``a + c``, π) with
    π = R·n1 / (R·n1 + n2). The Clopper-Pearson lower end of π,
    ``Beta⁻¹(0.025; a, c + 1)`` (Clopper & Pearson 1934), maps to
    R = π/(1 − π) · n2/n1 (Breslow & Day 1987; statsmodels'
    ``test_poisson_2indep(method="exact-cond")`` at that R gives a one-sided p of
    0.025). NaN where a count or a denominator is zero or missing, as
    :func:`katz_ratio`. Vectorised over arrays.
    """
    from scipy.stats import beta

    a, n1, c, n2 = (np.asarray(x, dtype=np.float64) for x in (a, n1, c, n2))
    ok = (a > 0) & (c > 0) & (n1 > 0) & (n2 > 0)
    pi = beta.ppf(_ALPHA / 2, np.where(ok, a, 1.0), np.where(ok, c + 1, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = pi / (1 - pi) * n2 / n1
    return np.where(ok, low, np.nan)


def _with_exact_low(
    frame: pl.DataFrame, count: str, denominator: str, is_reference: pl.Expr
) -> pl.DataFrame:
    """``frame`` (with the reference's ``_c``/``_n2``) plus ``exact_ci_low`` of
    ``count/denominator`` to it (null where no interval, and on the reference row)."""
    cols = [count, denominator, "_c", "_n2"]
    arrays = [frame[c].cast(pl.Float64).fill_null(0.0).to_numpy() for c in cols]
    low = pl.Series("exact_ci_low", exact_ratio_low(*arrays), nan_to_null=True)
    return frame.with_columns(
        pl.when(is_reference)
        .then(pl.lit(None, dtype=pl.Float64))
        .otherwise(low)
        .alias("exact_ci_low")
    )


#: the flag: the Katz and the exact lower ends both above 1
_SIGNIFICANT: Final = (
    ((pl.col("ci_low") > 1) & (pl.col("exact_ci_low") > 1))
    .fill_null(value=False)
    .alias("significantly_above_1")
)
#: a Katz interval above 1 the exact test does not bear out
_KATZ_ONLY: Final = (pl.col("ci_low") > 1).fill_null(value=False) & ~pl.col(
    "significantly_above_1"
)


def _withheld_note(
    frames: Sequence[pl.DataFrame],
    counted: str,
    where: Sequence[str] = (),
) -> tuple[str, ...]:
    """One note counting the ratios whose Katz interval alone lies above 1, and,
    with ``where`` (a phrase per frame: "in single months of the trend"), where
    they are: South Yorkshire's 2019-2021 searches gave "5 ratios ... not flagged"
    beside a table of five ratios all flagged, the five being months of the
    trend."""
    counts = [
        int(f.select(_KATZ_ONLY.sum()).item()) if "exact_ci_low" in f.columns else 0
        for f in frames
    ]
    n = sum(counts)
    if not n:
        return ()
    ratios, rest = ("ratio", "rests") if n == 1 else ("ratios", "rest")
    places = [
        f"{k:,} {place}" if k < n else f"{'all ' if n > 1 else ''}{place}"
        for k, place in zip(counts, where, strict=False)
        if k
    ]
    located = f" ({', '.join(places)})" if len(where) == len(frames) else ""
    return (
        f"{n:,} {ratios}{located} whose Katz interval lies above 1 {rest} on too few "
        f"{counted} to be significant by the exact conditional test "
        "(Clopper-Pearson: the lower end of its 95 % interval is 1 or below): "
        "not flagged.",
    )


def _group_expr(column: str) -> pl.Expr:
    value = pl.col(column).cast(pl.String)
    return (
        pl.when(value.is_in(list(GROUPS))).then(value).otherwise(pl.lit("not stated"))
    )


def _katz_to_columns(count: str, denominator: str) -> tuple[pl.Expr, pl.Expr, pl.Expr]:
    """:func:`katz_ratio` of ``count/denominator`` to the reference ``_c/_n2``."""
    return katz_ratio(
        pl.col(count).cast(pl.Float64),
        pl.col(denominator).cast(pl.Float64),
        pl.col("_c").cast(pl.Float64),
        pl.col("_n2").cast(pl.Float64),
    )


def _no_interval_where(
    is_reference: pl.Expr, lo: pl.Expr, hi: pl.Expr
) -> tuple[pl.Expr, pl.Expr]:
    """The interval ends, null on the reference row (its ratio is 1 by definition)."""
    none = pl.lit(None, dtype=pl.Float64)
    return (
        pl.when(is_reference).then(none).otherwise(lo),
        pl.when(is_reference).then(none).otherwise(hi),
    )
