"""The make-up of a priority list by sex, age band and ethnicity.

Who is on a list (RFGH people, people of concern, group members, taskings ...)
against the pool it was drawn from and, where known, against residents: counts,
shares, the listing rate and its ratio to a reference category with the 95 % log
(Katz) interval and exact conditional check of stop and search
(:mod:`avert.analyse.equality._disproportionality`); ages in the police.uk age
ranges; unknown values kept as their own category. Section C of the AVB delivery
plan (2010) and the Gangs Violence Matrix (Amnesty International, *Trapped in the
Matrix*, 2018; ICO enforcement notice to the MPS, 2018) are why every list is shown
beside who it falls on.

Pure: frames in, typed results out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from avert.analyse.denominators import POLICE_AGE_RANGES
from avert.analyse.equality._disproportionality import (
    _SIGNIFICANT,
    REFERENCE,
    _group_expr,
    _katz_to_columns,
    _no_interval_where,
    _with_exact_low,
    _withheld_note,
)
from avert.analyse.result import jsonable

#: the oldest plausible age in years: an older one is a recording error (band unknown)
_MAX_AGE: Final = 200
#: the police.uk age ranges (inclusive years), the last one closed at ``_MAX_AGE``
AGE_BANDS: Final = tuple(
    (name, lo, min(hi, _MAX_AGE)) for name, lo, hi in POLICE_AGE_RANGES
)


def make_up_order() -> list[pl.Expr]:
    """Sort keys of make-up rows: by dimension, age bands youngest first (by name
    "under 10" came after "over 34"), other categories by name, ``unknown`` last."""
    category = pl.col("category").cast(pl.String)
    order = (
        pl.when(category == "unknown")
        .then(pl.lit(len(POLICE_AGE_RANGES) + 1))
        .when(pl.col("dimension") == "age_band")
        .then(_age_rank(category))
        .otherwise(pl.lit(0))
    )
    return [pl.col("dimension"), order, category]


def _age_rank(band: pl.Expr) -> pl.Expr:
    """Position of a police.uk age range, youngest first; any other text after them."""
    order = [name for name, _, _ in POLICE_AGE_RANGES]
    return band.replace_strict(
        order, list(range(len(order))), default=len(order), return_dtype=pl.Int64
    )


def age_band_expr(age: pl.Expr) -> pl.Expr:
    """The police age range of an age in years (null when unknown)."""
    out: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, lo, hi in reversed(AGE_BANDS):
        out = pl.when(age.is_between(lo, hi)).then(pl.lit(name)).otherwise(out)
    return out


@dataclass(frozen=True)
class ListMakeUp:
    """Who is on a list against who it was drawn from (and against residents).

    ``frame``: dimension (sex, age_band, ethnicity), category, listed, pool,
    share_listed, share_pool, rate_listed_of_pool, ratio (listing rate of the
    category / listing rate of the reference category) with ci_low, ci_high (Katz),
    exact_ci_low (exact conditional) and significantly_above_1 (both lower ends
    above 1); with residents also ``residents``, ``per_1000_residents``,
    ``ratio_residents`` and its interval.
    """

    list_name: str
    frame: pl.DataFrame
    references: Mapping[str, str]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "list": self.list_name,
            "make_up": jsonable(self.frame),
            "references": dict(self.references),
            "notes": list(self.notes),
        }


def list_make_up(
    listed: Sequence[str] | pl.Series,
    pool: pl.DataFrame,
    *,
    at_year: int,
    residents: pl.DataFrame | None = None,
    list_name: str = "list",
) -> ListMakeUp:
    """The make-up of a priority list by sex, age band and ethnicity.

    Parameters
    ----------
    listed
        Person ids on the list (RFGH people, people of concern, group members,
        taskings ...).
    pool
        The population the list was drawn from: ``person_id``, ``sex``,
        ``birth_year``, ``ethnicity`` (e.g. everyone with an offence in the window).
    at_year
        Year at which ages are taken (age = at_year - birth_year).
    residents
        Optional ``dimension``, ``category``, ``population``: residents by sex,
        age band or ethnicity, for rates per 1,000 residents.
    list_name
        Name shown with the result.

    Notes
    -----
    The ratio compares the chance of being listed, given one is in the pool,
    between a category and the reference (ethnicity White, sex F, age band the
    pool's largest band), with the same log (Katz) interval and exact conditional
    check as stop and search.
    Unknown values are their own category (``unknown``), never dropped.
    """
    ids = pl.Series("person_id", list(listed), dtype=pl.String).unique()
    p = _make_up_pool(pool, ids, at_year=at_year)
    notes: list[str] = []
    off_pool = ids.filter(~ids.is_in(p["person_id"].implode())).len()
    if off_pool:
        notes.append(f"{off_pool} listed people are not in the pool and are left out.")
    parts = []
    refs: dict[str, str] = {}
    for dim in ("sex", "age_band", "ethnicity"):
        agg = p.group_by(pl.col(dim).alias("category")).agg(
            pl.col("_listed").sum().cast(pl.Int64).alias("listed"),
            pl.len().cast(pl.Int64).alias("pool"),
        )
        refs[dim] = ref = _reference_category(dim, agg)
        parts.append(_dimension_make_up(agg, dim, ref, residents))
    frame = pl.concat(parts, how="diagonal_relaxed").with_columns(_SIGNIFICANT)
    notes.extend(_ratio_notes(p, refs))
    notes.extend(_withheld_note([frame], "people"))
    first = ["dimension", "category", "listed", "pool"]
    frame = frame.select(first + [c for c in frame.columns if c not in first]).sort(
        make_up_order()
    )
    return ListMakeUp(
        list_name=list_name, frame=frame, references=refs, notes=tuple(notes)
    )


#: a make-up dimension in words, for its notes
_DIMENSION_WORDS: Final = {
    "sex": "sex",
    "age_band": "age band",
    "ethnicity": "ethnicity",
}


def _ratio_notes(p: pl.DataFrame, refs: Mapping[str, str]) -> list[str]:
    """Why ratios read as they do where the table alone cannot say: a whole pool
    listed has every listing rate 1, so every ratio is "1.00 (1.00–1.00)" by
    construction; a reference category with no one in the pool leaves every ratio
    of its dimension "–" (a ratio is to it). The board pack's make-ups showed both
    with no word why (a board pack review)."""
    notes: list[str] = []
    if p.height and bool(p["_listed"].all()):
        notes.append(
            f"Every one of the {p.height:,} in the pool is listed: each category's "
            "chance of being listed is 1, so every ratio is 1.00 with no interval "
            "around it (1.00–1.00), by construction, not a finding."
        )
    absent = [
        f"{_DIMENSION_WORDS.get(dim, dim)} {ref}"
        for dim, ref in refs.items()
        if p.height and not bool((p[dim] == ref).any())
    ]
    if absent:
        notes.append(
            f"No one in the pool is of the reference {'; '.join(absent)}: a ratio "
            "is to the reference's chance of being listed, so none can be taken "
            "there (–)."
        )
    return notes


def _make_up_pool(pool: pl.DataFrame, ids: pl.Series, *, at_year: int) -> pl.DataFrame:
    """One row per pool person: sex, age band, ethnicity (``unknown`` kept), listed."""
    p = pool.select(
        pl.col("person_id").cast(pl.String),
        pl.col("sex").cast(pl.String).fill_null("unknown").alias("sex"),
        age_band_expr(pl.lit(at_year) - pl.col("birth_year"))
        .fill_null("unknown")
        .alias("age_band"),
        _group_expr("ethnicity")
        .str.replace("not stated", "unknown")
        .alias("ethnicity"),
    ).unique("person_id")
    return p.with_columns(pl.col("person_id").is_in(ids.implode()).alias("_listed"))


def _reference_category(dim: str, agg: pl.DataFrame) -> str:
    """White for ethnicity, F for sex, else the pool's largest known category (the
    first by name among equally large ones, so the choice is the same every run)."""
    if dim == "ethnicity":
        return REFERENCE
    if dim == "sex":
        return "F"
    known = agg.filter(pl.col("category") != "unknown")
    return (
        str(known.sort(["pool", "category"], descending=[True, False])["category"][0])
        if known.height
        else "unknown"
    )


def _dimension_make_up(
    agg: pl.DataFrame, dim: str, ref: str, residents: pl.DataFrame | None
) -> pl.DataFrame:
    """Shares, listing rate and ratios to the reference category of one dimension."""
    joined, r, lo, hi = _katz_to_reference(agg, ref, "pool")
    is_ref = pl.col("category") == ref
    ci_low, ci_high = _no_interval_where(is_ref, lo, hi)
    agg = _with_exact_low(
        joined.with_columns(
            pl.lit(dim).alias("dimension"),
            (pl.col("listed") / pl.col("listed").sum()).alias("share_listed"),
            (pl.col("pool") / pl.col("pool").sum()).alias("share_pool"),
            (pl.col("listed") / pl.col("pool")).alias("rate_listed_of_pool"),
            r.alias("ratio"),
            ci_low.alias("ci_low"),
            ci_high.alias("ci_high"),
        ),
        "listed",
        "pool",
        is_ref,
    ).drop("_c", "_n2")
    if residents is None or not residents.height:
        return agg
    rr = residents.filter(pl.col("dimension") == dim).select(
        pl.col("category").cast(pl.String),
        pl.col("population").alias("residents"),
    )
    joined, r2, lo2, hi2 = _katz_to_reference(
        agg.join(rr, on="category", how="left"), ref, "residents"
    )
    return joined.with_columns(
        (pl.col("listed") / pl.col("residents") * 1000).alias("per_1000_residents"),
        r2.alias("ratio_residents"),
        lo2.alias("ci_low_residents"),
        hi2.alias("ci_high_residents"),
    ).drop("_c", "_n2")


def _katz_to_reference(
    agg: pl.DataFrame, ref: str, denominator: str
) -> tuple[pl.DataFrame, pl.Expr, pl.Expr, pl.Expr]:
    """``agg`` with the reference category's ``_c``/``_n2`` on every row, and the
    Katz ratio of ``listed/denominator`` to it (0/0 when the reference is absent)."""
    ref_row = agg.filter(pl.col("category") == ref).select(
        pl.col("listed").alias("_c"), pl.col(denominator).alias("_n2")
    )
    if ref_row.height == 0:
        ref_row = pl.DataFrame(
            {"_c": [0], "_n2": [0]}, schema={"_c": pl.Int64, "_n2": pl.Int64}
        )
    return (agg.join(ref_row, how="cross"), *_katz_to_columns("listed", denominator))
