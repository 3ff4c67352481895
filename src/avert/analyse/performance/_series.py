"""Series of counts and harm per week or month, by area, category and flag."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import polars as pl

from avert.analyse.performance._base import Unit
from avert.errors import SchemaError


# --- series ------------------------------------------------------------------------
def _period_expr(column: str, unit: Unit) -> pl.Expr:
    every = "1mo" if unit == "month" else "1w"
    return pl.col(column).cast(pl.Datetime("us")).dt.truncate(every).cast(pl.Date)


def period_start(day: dt.date, unit: Unit) -> dt.date:
    """First day of the month (or the Monday of the week) holding ``day``."""
    if unit == "month":
        return day.replace(day=1)
    return day - dt.timedelta(days=day.weekday())


def periods_between(start: dt.date, end: dt.date, unit: Unit) -> list[dt.date]:
    """Every period start from the period holding ``start`` to the one holding ``end``."""
    first = pl.DataFrame({"d": [start, end]}).select(_period_expr("d", unit))
    a, b = first.to_series().to_list()
    interval = "1mo" if unit == "month" else "1w"
    out = pl.date_range(a, b, interval=interval, eager=True)
    return list(out.to_list())


def build_series(
    incidents: pl.DataFrame,
    *,
    unit: Unit = "month",
    area: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    by_category: bool = True,
    flags: Sequence[str] = ("weapon", "domestic"),
    time_column: str = "occurred_from",
) -> pl.DataFrame:
    """Counts and harm per period, area, category and flag, zero-filled.

    Parameters
    ----------
    incidents
        One row per incident: ``time_column``, optionally ``category`` (violence
        category or crime type), ``harm_days``, ``weapon`` (``none`` or a weapon),
        ``domestic`` and the ``area`` column.
    unit
        ``month`` or ``week`` (weeks start on Monday).
    area
        Column holding the area (e.g. ``borough``); None: one area ``all``.
    date_from, date_to
        First and last day to cover (default: the data's first and last).
    by_category
        Also one series per category (``category`` column), beside ``all``.
    flags
        Flag series of the area's total: ``weapon`` (weapon recorded and not
        ``none``) and ``domestic``.

    Returns
    -------
    pl.DataFrame
        ``area``, ``category`` (``all`` for the total), ``flag`` (``all``, ``weapon``,
        ``domestic``), ``period`` (first day), ``count`` and ``harm`` (CCHI days; null
        when incidents carry no harm); every period of the window is present.
    """
    if time_column not in incidents.columns:
        msg = f"incidents need a '{time_column}' column"
        raise SchemaError(msg)
    frame = incidents.with_columns(
        _period_expr(time_column, unit).alias("period"),
        (pl.col(area).cast(pl.String) if area else pl.lit("all"))
        .fill_null("unknown")
        .alias("area"),
    )
    has_harm = "harm_days" in frame.columns
    frame = frame.with_columns(
        (
            pl.col("harm_days").cast(pl.Float64)
            if has_harm
            else pl.lit(None, dtype=pl.Float64)
        ).alias("_harm")
    )
    counted = (
        _marked(frame, by_category=by_category, flags=flags)
        .group_by("area", "category", "flag", "period")
        .agg(
            pl.len().cast(pl.Int64).alias("count"),
            pl.col("_harm").sum().alias("harm"),
        )
    )
    lo: Any = date_from or (frame["period"].min() if frame.height else None)
    hi: Any = date_to or (frame["period"].max() if frame.height else None)
    if not isinstance(lo, dt.date) or not isinstance(hi, dt.date):
        return pl.DataFrame(schema=_SERIES_SCHEMA)
    grid = pl.DataFrame(
        {"period": periods_between(lo, hi, unit)}, schema={"period": pl.Date}
    )
    keys = counted.select("area", "category", "flag").unique()
    if area is not None:
        # every area has its total series even with no event
        keys = pl.concat(
            [
                keys,
                frame.select("area")
                .unique()
                .with_columns(
                    pl.lit("all").alias("category"), pl.lit("all").alias("flag")
                ),
            ]
        ).unique()
    return _zero_filled(keys, grid, counted, has_harm=has_harm)


_SERIES_SCHEMA = {
    "area": pl.String,
    "category": pl.String,
    "flag": pl.String,
    "period": pl.Date,
    "count": pl.Int64,
    "harm": pl.Float64,
}


def _marked(
    frame: pl.DataFrame, *, by_category: bool, flags: Sequence[str]
) -> pl.DataFrame:
    """``area``, ``category``, ``flag``, ``period`` and ``_harm``: one row for each
    series an incident counts in (its area's total; its category's, with
    ``by_category``; each flag it carries), so that one count by series and
    period gives every series at once. A flag the incidents lack makes no series.
    """
    marks: list[pl.DataFrame] = [
        frame.select("area", "period", "_harm").with_columns(
            pl.lit("all").alias("category"), pl.lit("all").alias("flag")
        )
    ]
    if by_category and "category" in frame.columns:
        marks.append(
            frame.filter(pl.col("category").is_not_null())
            .select("area", "period", "_harm", pl.col("category").cast(pl.String))
            .with_columns(pl.lit("all").alias("flag"))
        )
    for flag in flags:
        if flag not in frame.columns:
            continue
        marks.append(
            frame.filter(_flagged(flag))
            .select("area", "period", "_harm")
            .with_columns(pl.lit("all").alias("category"), pl.lit(flag).alias("flag"))
        )
    return pl.concat(
        [m.select("area", "category", "flag", "period", "_harm") for m in marks]
    )


def _flagged(flag: str) -> pl.Expr:
    """True for an incident carrying ``flag``: ``weapon``, a weapon recorded and
    not ``none``; any other flag, its column true (null: not flagged)."""
    if flag == "weapon":
        return pl.col("weapon").is_not_null() & (pl.col("weapon") != "none")
    return pl.col(flag).cast(pl.Boolean).fill_null(value=False)


def _zero_filled(
    keys: pl.DataFrame, grid: pl.DataFrame, counted: pl.DataFrame, *, has_harm: bool
) -> pl.DataFrame:
    """Every series of ``keys`` over every period of ``grid``, its counts (and
    harm, when the incidents carry it) from ``counted`` and 0 where it has none:
    a period of the window without an incident is a count of nought, not missing.
    """
    out = (
        keys.join(grid, how="cross")
        .join(counted, on=["area", "category", "flag", "period"], how="left")
        .with_columns(
            pl.col("count").fill_null(0),
            pl.col("harm").fill_null(0.0) if has_harm else pl.col("harm"),
        )
        .filter(pl.col("period").is_between(grid["period"].min(), grid["period"].max()))
        .sort("area", "category", "flag", "period")
    )
    return out.select("area", "category", "flag", "period", "count", "harm")
