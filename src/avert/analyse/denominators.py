"""Denominators from the ``populations`` table: residents of areas and of groups.

Pure helpers shared by performance (rates per 1,000, most similar areas) and
equality (residents by self-defined ethnic group). An area is matched by its code,
then by its name, then as the sum of the areas whose ``parent_area`` it is (an
LSOA file gives a local authority's residents); the year is the one asked for, else
the latest year the area has.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

__all__ = ["area_features", "area_totals", "group_residents", "latest_year"]

_TOTAL = (pl.col("sex") == "all") & (pl.col("age_band") == "all")


def latest_year(populations: pl.DataFrame, *, ethnicity: bool = False) -> int | None:
    """The latest year with rows (with an ethnicity breakdown when asked)."""
    rows = (
        populations.filter(pl.col("ethnicity") != "all") if ethnicity else populations
    )
    if rows.height == 0:
        return None
    return int(rows["year"].max())  # type: ignore[arg-type]


def _resolve(
    rows: pl.DataFrame, areas: Sequence[str], *, value: str = "population"
) -> pl.DataFrame:
    """Rows of ``rows`` summed per asked area: by code, else name, else as a parent."""
    asked = pl.DataFrame(
        {"asked": list(dict.fromkeys(areas))}, schema={"asked": pl.String}
    )
    keys = [
        c
        for c in rows.columns
        if c not in ("area", "area_name", "parent_area", value, "year")
    ]
    out = []
    for col in ("area", "area_name", "parent_area"):
        hit = asked.join(rows, left_on="asked", right_on=col, how="inner")
        if hit.height:
            # the latest year per asked area at this level
            hit = hit.filter(pl.col("year") == pl.col("year").max().over("asked"))
            out.append(
                hit.group_by("asked", *keys).agg(
                    pl.col(value).sum(), pl.col("year").first()
                )
            )
            asked = asked.join(hit.select("asked").unique(), on="asked", how="anti")
        if asked.height == 0:
            break
    if not out:
        return pl.DataFrame(
            schema={
                "asked": pl.String,
                **{k: rows.schema[k] for k in keys},
                value: pl.Int64,
                "year": pl.Int32,
            }
        )
    return pl.concat(out, how="diagonal_relaxed")


def area_totals(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None = None
) -> dict[str, float]:
    """Residents of each area (all sexes, ages and groups), where known."""
    rows = populations.filter(_TOTAL & (pl.col("ethnicity") == "all"))
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    got = _resolve(
        rows.select("area", "area_name", "parent_area", "year", "population"), areas
    )
    return {str(a): float(p) for a, p in got.select("asked", "population").iter_rows()}


def group_residents(
    populations: pl.DataFrame,
    areas: Sequence[str] | None = None,
    *,
    year: int | None = None,
) -> pl.DataFrame:
    """Residents by self-defined ethnic group: ``area``, ``group``, ``population``.

    ``areas`` None: every area of the year's ethnicity rows as they are.
    """
    rows = populations.filter(_TOTAL & (pl.col("ethnicity") != "all"))
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    rows = rows.select(
        "area",
        "area_name",
        "parent_area",
        "year",
        pl.col("ethnicity").alias("group"),
        "population",
    )
    if areas is None:
        return rows.group_by("area", "group").agg(pl.col("population").sum())
    got = _resolve(rows, areas)
    return got.select(pl.col("asked").alias("area"), "group", "population")


def area_features(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None = None
) -> pl.DataFrame:
    """Population and census make-up per area, for :func:`most_similar_areas`.

    Columns: ``area``, ``population`` and, where the populations table has them,
    ``share_<group>`` (ethnic groups), ``share_male`` and ``share_age_<band>``.
    """
    totals = area_totals(populations, areas, year=year)
    frame = pl.DataFrame(
        {"area": list(totals), "population": list(totals.values())},
        schema={"area": pl.String, "population": pl.Float64},
    )
    groups = group_residents(populations, list(totals), year=year)
    if groups.height:
        wide = groups.with_columns(
            (pl.col("population") / pl.col("population").sum().over("area")).alias("s")
        ).pivot(on="group", index="area", values="s")
        wide = wide.rename(
            {c: f"share_{c.lower()}" for c in wide.columns if c != "area"}
        )
        frame = frame.join(wide, on="area", how="left")
    sexes = populations.filter(
        (pl.col("age_band") == "all")
        & (pl.col("ethnicity") == "all")
        & (pl.col("sex") != "all")
    )
    if year is not None:
        sexes = sexes.filter(pl.col("year") == year)
    if sexes.height:
        got = _resolve(
            sexes.select(
                "area", "area_name", "parent_area", "year", "sex", "population"
            ),
            list(totals),
        )
        male = got.group_by("asked").agg(
            (
                pl.col("population").filter(pl.col("sex") == "M").sum()
                / pl.col("population").sum()
            ).alias("share_male")
        )
        frame = frame.join(male.rename({"asked": "area"}), on="area", how="left")
    ages = populations.filter(
        (pl.col("sex") == "all")
        & (pl.col("ethnicity") == "all")
        & (pl.col("age_band") != "all")
    )
    if year is not None:
        ages = ages.filter(pl.col("year") == year)
    if ages.height:
        got = _resolve(
            ages.select(
                "area", "area_name", "parent_area", "year", "age_band", "population"
            ),
            list(totals),
        )
        wide = got.with_columns(
            (pl.col("population") / pl.col("population").sum().over("asked")).alias("s")
        ).pivot(on="age_band", index="asked", values="s")
        wide = wide.rename(
            {c: f"share_age_{c}" for c in wide.columns if c != "asked"}
        ).rename({"asked": "area"})
        frame = frame.join(wide, on="area", how="left")
    return frame
