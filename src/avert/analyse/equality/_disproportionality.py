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


def p_above_1(
    a: np.ndarray,
    n1: np.ndarray,
    c: np.ndarray,
    n2: np.ndarray,
    ratio: np.ndarray,
    ci_low: np.ndarray,
    ci_high: np.ndarray,
) -> np.ndarray:
    """The two-sided p-value of the flag's rule for each ratio with an interval:
    twice the larger of two one-sided p-values of a ratio above 1, Katz's
    (``Φ(-log RR / se)``, ``se`` from the interval's own ends) and the exact
    conditional one (``P(X ≥ a)`` for X ~ Binomial(a + c, n₁ / (n₁ + n₂)), the
    Clopper-Pearson tail, ``Beta(a, c + 1)``'s distribution function at
    ``n₁ / (n₁ + n₂)``), capped at 1. By the duality of test and interval it is
    below 0.05 exactly where both lower ends lie above 1 (the uncorrected flag).
    NaN where no interval is (the reference row, a zero count)."""
    from scipy.stats import beta, norm

    a, n1, c, n2, ratio, lo, hi = (
        np.asarray(x, dtype=np.float64) for x in (a, n1, c, n2, ratio, ci_low, ci_high)
    )
    ok = np.isfinite(lo) & np.isfinite(hi) & (a > 0) & (c > 0) & (n1 > 0) & (n2 > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        se = (np.log(hi) - np.log(lo)) / (2 * _Z)
        katz = norm.sf(np.log(ratio) / se)
        pi0 = n1 / (n1 + n2)
        exact = beta.cdf(pi0, np.where(ok, a, 1.0), np.where(ok, c + 1, 1.0))
    return np.where(ok, np.minimum(1.0, 2 * np.maximum(katz, exact)), np.nan)


def holm_adjusted(p_values: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (Holm 1979, *Scand. J. Statist.* 6:65;
    statsmodels ``multipletests(method="holm")``): the i-th smallest of m is
    ``max over j ≤ i of min(1, (m - j + 1)·p₍ⱼ₎)``. Rejecting where it is below
    ``alpha`` keeps the chance of any false flag among the m at most ``alpha``,
    whatever the dependence between the tests."""
    p = np.asarray(p_values, dtype=np.float64)
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    stepped = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(stepped)
    return adjusted


def _holm_within(
    frame: pl.DataFrame, count: str, denominator: str, keys: Sequence[str]
) -> pl.DataFrame:
    """``frame`` (with the reference's ``_c``/``_n2``, ``ratio_to_white``, the
    interval and :data:`_SIGNIFICANT`'s flag) with that flag corrected for the
    number of ratios in each family, the rows of one value of ``keys`` (one
    force or area and period, or power: the ratios of each group to the
    reference): ``p_above_1`` (:func:`p_above_1`), ``p_holm`` (:func:`holm_adjusted`
    within the family), ``significant_uncorrected`` (the flag of one ratio on its
    own) and ``significantly_above_1`` where that holds and ``p_holm`` is below
    0.05. A family of one ratio is unchanged; the reference row and a ratio with
    no interval are in no family."""
    a, n1, c, n2, ratio, low, high = (
        frame[col].cast(pl.Float64).fill_null(np.nan).to_numpy()
        for col in (
            count,
            denominator,
            "_c",
            "_n2",
            "ratio_to_white",
            "ci_low",
            "ci_high",
        )
    )
    p = pl.Series(
        "p_above_1", p_above_1(a, n1, c, n2, ratio, low, high), nan_to_null=True
    )
    family = [pl.lit(0)] if not keys else list(keys)
    tested = pl.col("p_above_1").is_not_null()
    m = tested.sum().over(family)
    rank = pl.col("p_above_1").rank("ordinal").over(family)
    return (
        frame.with_columns(p, pl.int_range(pl.len()).alias("_row"))
        .with_columns(
            pl.min_horizontal(pl.lit(1.0), (m - rank + 1) * pl.col("p_above_1")).alias(
                "_stepped"
            )
        )
        .sort([*keys, "p_above_1"], nulls_last=True)
        .with_columns(
            pl.when(tested)
            .then(pl.col("_stepped").cum_max().over(family))
            .alias("p_holm")
        )
        .sort("_row")
        .with_columns(pl.col("significantly_above_1").alias("significant_uncorrected"))
        .with_columns(
            (
                pl.col("significant_uncorrected")
                & (pl.col("p_holm") < _ALPHA).fill_null(value=False)
            ).alias("significantly_above_1")
        )
        .drop("_row", "_stepped")
    )


def _uncorrected_flag(frame: pl.DataFrame) -> pl.Expr:
    """The flag of one ratio on its own: ``significant_uncorrected`` where the
    frame has it (its flag corrected for the family), else the flag itself."""
    col = (
        "significant_uncorrected"
        if "significant_uncorrected" in frame.columns
        else "significantly_above_1"
    )
    return pl.col(col).fill_null(value=False)


def _katz_only(frame: pl.DataFrame) -> pl.Expr:
    """A Katz interval above 1 the exact test does not bear out."""
    return (pl.col("ci_low") > 1).fill_null(value=False) & ~_uncorrected_flag(frame)


def _not_across_note(
    frames: Sequence[pl.DataFrame], where: Sequence[str]
) -> tuple[str, ...]:
    """One note counting the ratios significantly above 1 on their own but not
    once corrected for the number of group ratios beside them (Holm: the ratios
    to White of one force or area and one power or month), and where they are:
    the uncorrected result said, not dropped."""
    counts = [
        int(
            f.select(
                (
                    _uncorrected_flag(f)
                    & ~pl.col("significantly_above_1").fill_null(value=False)
                ).sum()
            ).item()
        )
        if "significant_uncorrected" in f.columns
        else 0
        for f in frames
    ]
    n = sum(counts)
    if not n:
        return ()
    ratios, are, own = ("ratio", "is", "its") if n == 1 else ("ratios", "are", "their")
    places = [f"{k:,} {place}" for k, place in zip(counts, where, strict=False) if k]
    return (
        f"{n:,} {ratios} to White ({', '.join(places)}) {are} significantly above 1 "
        f"on {own} own (95 % interval and exact test) but not once corrected for "
        "the number of groups compared with White in the same table, power or "
        "month (Holm's method): not flagged.",
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
        int(f.select(_katz_only(f).sum()).item()) if "exact_ci_low" in f.columns else 0
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
