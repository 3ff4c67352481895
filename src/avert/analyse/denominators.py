"""Denominators from the ``populations`` table: residents of areas and of groups.

Pure helpers shared by performance (rates per 1,000, most similar areas) and
equality (residents by self-defined ethnic group). An area is matched by its code,
then by its name, then as the sum of the areas whose ``parent_area`` it is (an
LSOA file gives a local authority's residents); the year is the one asked for, else
the latest year the area has. Names and codes match ignoring case, spaces and
punctuation, with "&" read as "and" and without a leading "The" or an inverted
", City of" / ", County of" (:func:`area_key`): ONS files spell the same
authority "Barking and Dagenham" and "Barking & Dagenham", "Richmond upon Thames"
and "Richmond Upon Thames", "The Vale of Glamorgan" and "Vale of Glamorgan",
"Bristol, City of" and "Bristol".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import polars as pl

__all__ = [
    "POLICE_AGE_RANGES",
    "SYNTHETIC_AREA_PREFIX",
    "area_features",
    "area_key",
    "area_totals",
    "force_area_members",
    "group_residents",
    "latest_year",
    "police_age_residents",
    "residents_by_dimension",
    "residents_sources",
    "sex_residents",
    "straddling_age_bands",
    "synthetic_residents",
]

#: How the codes of the synthetic city's areas begin (``SYN0042``, ward
#: ``SYNW0101``): no ONS code does (``E01``, ``W01``, ``S01`` ...), so residents
#: of such areas are the synthetic city's own (:mod:`avert.synth.residents`), never
#: a census's.
SYNTHETIC_AREA_PREFIX = "SYN"


def synthetic_residents(rows: pl.DataFrame) -> bool:
    """Whether every one of ``rows`` (populations rows, at least one) is of an area
    of the synthetic city (:data:`SYNTHETIC_AREA_PREFIX`): its residents as avert's
    generator made them, to be named so rather than as a census."""
    return rows.height > 0 and bool(
        rows["area"].cast(pl.String).str.starts_with(SYNTHETIC_AREA_PREFIX).all()
    )


#: the columns that place a row: an area by code, name or parent, and a year
_LEVELS = ("area", "area_name", "parent_area", "year")
_TOTAL = (pl.col("sex") == "all") & (pl.col("age_band") == "all")


def area_key(names: pl.Expr) -> pl.Expr:
    """An area's name or code as matched: lower case, "&" as "and", letters and
    digits only ("Barking & Dagenham" and "Barking and Dagenham" are one key),
    without a leading "The" or ONS's inverted tail ", City of" / ", County of":
    the 2011 census names "The Vale of Glamorgan", "Bristol, City of" and
    "Kingston upon Hull, City of" the authorities the 2021 census names "Vale of
    Glamorgan", "Bristol" and "Kingston upon Hull" ("City of London" is kept)."""
    return (
        names.str.to_lowercase()
        .str.replace(r"^\s*the\s+", "")
        .str.replace(r",\s*(city|county)\s+of\s*$", "")
        .str.replace_all("&", "and", literal=True)
        .str.replace_all(r"[^0-9a-z]", "")
    )


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
    asked = asked.with_columns(area_key(pl.col("asked")).alias("_key"))
    for col in ("area", "area_name", "parent_area"):
        hit = asked.join(
            rows.with_columns(area_key(pl.col(col)).alias("_key")),
            on="_key",
            how="inner",
        )
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


def force_area_members(
    per_area: pl.DataFrame,
    *,
    min_share: float,
    min_rate_ratio: float,
    min_count: int,
) -> pl.DataFrame:
    """Which areas a force's records fall in are its own: ``per_area`` (``area``,
    ``count`` of records, ``residents``, null where unknown) plus ``share`` (of
    the records) and ``inside``.

    A share of the records alone misjudges both ways: a large force's quiet
    areas hold under 1 % of them, while a small force's few records over the
    border reach it. Records per resident separate them: the reference rate is
    that of the areas holding at least ``min_share`` of the records, and an area
    is inside when its own rate is at least ``min_rate_ratio`` of it and it holds
    ``min_count`` or more records. When none is, the areas holding ``min_share``
    are. The equality figures take a force area from where its stops fall so,
    and the performance total its residents from where its incidents are
    recorded.

    >>> per_area = pl.DataFrame({"area": ["Leeds", "Bradford", "Craven"],
    ...     "count": [900, 500, 3], "residents": [800_000, 540_000, 57_000]})
    >>> force_area_members(per_area, min_share=0.01, min_rate_ratio=0.1,
    ...     min_count=2)["inside"].to_list()
    [True, True, False]
    """
    total = max(int(per_area["count"].sum()), 1)
    framed = per_area.with_columns((pl.col("count") / total).alias("share"))
    core = framed.filter(pl.col("share") >= min_share)
    reference = float(core["count"].sum()) / max(float(core["residents"].sum()), 1.0)
    inside = (
        pl.col("residents").is_not_null()
        & (pl.col("count") >= min_count)
        & (pl.col("count") / pl.col("residents") >= min_rate_ratio * reference)
    ).fill_null(value=False)
    members = framed.with_columns(inside.alias("inside"))
    if not members["inside"].any():  # nothing reaches the rate: the share rule
        members = members.with_columns((pl.col("share") >= min_share).alias("inside"))
    return members


def residents_sources(
    populations: pl.DataFrame,
    areas: Sequence[str],
    *,
    year: int | None = None,
    ethnicity: bool = False,
) -> dict[str, list[str]]:
    """Of the rows that give ``areas`` their residents (matched as
    :func:`area_totals`, or :func:`group_residents` with ``ethnicity``), which
    are the synthetic city's (:data:`SYNTHETIC_AREA_PREFIX`) and which are not:
    ``{"synthetic": [...], "census": [...]}``, the areas of each, as asked.

    A label taken from every row of the year ("the synthetic city's residents"
    only when all are) called the synthetic city's residents census residents
    in a store that also held a census of that year; this looks at the rows
    actually counted.

    >>> rows = pl.DataFrame({"area": ["SYN01", "E01"], "area_name": ["SYN01", "E01"],
    ...     "parent_area": ["Synthetic City", "Leeds"], "year": [2021, 2021],
    ...     "sex": ["all", "all"], "age_band": ["all", "all"],
    ...     "ethnicity": ["all", "all"], "population": [10, 20]})
    >>> residents_sources(rows, ["Synthetic City", "Leeds"])
    {'synthetic': ['Synthetic City'], 'census': ['Leeds']}
    """
    rows = populations.filter(_TOTAL & ((pl.col("ethnicity") != "all") == ethnicity))
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    synthetic = pl.col("area").cast(pl.String).str.starts_with(SYNTHETIC_AREA_PREFIX)
    got = _resolve(
        rows.select(*_LEVELS, synthetic.alias("_synthetic"), "population"), areas
    )
    out: dict[str, list[str]] = {"synthetic": [], "census": []}
    for area, is_synthetic in (
        got.select("asked", "_synthetic").unique().sort("asked").iter_rows()
    ):
        out["synthetic" if is_synthetic else "census"].append(str(area))
    return out


def area_totals(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None = None
) -> dict[str, float]:
    """Residents of each area (all sexes, ages and groups), where known."""
    rows = populations.filter(_TOTAL & (pl.col("ethnicity") == "all"))
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    got = _resolve(rows.select(*_LEVELS, "population"), areas)
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
    rows = rows.select(*_LEVELS, pl.col("ethnicity").alias("group"), "population")
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
        shares = _shares_wide(
            groups, on="group", index="area", name=lambda c: f"share_{c.lower()}"
        )
        frame = frame.join(shares, on="area", how="left")
    sexes = _split_by(populations, "sex", year=year)
    if sexes.height:
        got = _resolve(sexes.select(*_LEVELS, "sex", "population"), list(totals))
        male = got.group_by("asked").agg(
            (
                pl.col("population").filter(pl.col("sex") == "M").sum()
                / pl.col("population").sum()
            ).alias("share_male")
        )
        frame = frame.join(male.rename({"asked": "area"}), on="area", how="left")
    ages = _split_by(populations, "age_band", year=year)
    if ages.height:
        got = _resolve(ages.select(*_LEVELS, "age_band", "population"), list(totals))
        shares = _shares_wide(
            got, on="age_band", index="asked", name=lambda c: f"share_age_{c}"
        )
        frame = frame.join(shares.rename({"asked": "area"}), on="area", how="left")
    return frame


def _split_by(
    populations: pl.DataFrame,
    column: str,
    *,
    year: int | None,
    keep: pl.Expr | None = None,
) -> pl.DataFrame:
    """Rows split by ``column`` alone (the other two breakdowns ``all``) in ``year``.

    ``keep`` chooses the values of ``column`` (default: every value but ``all``).
    """
    other, another = (c for c in ("sex", "age_band", "ethnicity") if c != column)
    rows = populations.filter(
        (pl.col(other) == "all")
        & (pl.col(another) == "all")
        & (keep if keep is not None else pl.col(column) != "all")
    )
    return rows if year is None else rows.filter(pl.col("year") == year)


def _shares_wide(
    rows: pl.DataFrame, *, on: str, index: str, name: Callable[[str], str]
) -> pl.DataFrame:
    """Each value of ``on`` as a column: its share of the residents of ``index``."""
    wide = rows.with_columns(
        (pl.col("population") / pl.col("population").sum().over(index)).alias("s")
    ).pivot(on=on, index=index, values="s")
    return wide.rename({c: name(c) for c in wide.columns if c != index})


#: police.uk age ranges as inclusive years
POLICE_AGE_RANGES: tuple[tuple[str, int, int], ...] = (
    ("under 10", 0, 9),
    ("10-17", 10, 17),
    ("18-24", 18, 24),
    ("25-34", 25, 34),
    ("over 34", 35, 999),
)


def police_age_residents(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None = None
) -> pl.DataFrame:
    """Residents of ``areas`` by police age range (``age_range``, ``population``).

    Uses rows with an age band and no sex or ethnicity split (or, for an area that
    has none, both sexes summed from its ``M``/``F`` rows: the census by single
    year of age and sex beside another file's both-sex rows of other areas). A band
    is used only when it lies inside one police range (single years always do; ONS
    broad bands such as ``16-29`` do not): if any band straddles two ranges, or an
    area has no residents by age at all, nothing is returned rather than a wrong
    denominator.
    """
    empty = pl.DataFrame(schema={"age_range": pl.String, "population": pl.Int64})
    got = _age_rows(populations, areas, year=year)
    if got.height == 0 or len(set(got["asked"])) < len(set(areas)):
        return empty  # an area with no residents by age: no partial denominator
    bands = _with_police_range(got)
    if bands["age_range"].null_count():
        return empty
    return bands.group_by("age_range").agg(pl.col("population").sum()).sort("age_range")


def straddling_age_bands(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None = None
) -> list[str]:
    """The age bands held for ``areas`` that lie inside no police age range (ONS
    broad bands such as ``16-29``), for which :func:`police_age_residents` gives
    no residents by age: a note can say that bands are held but straddle."""
    got = _age_rows(populations, areas, year=year)
    if got.height == 0:
        return []
    bands = _with_police_range(got).filter(pl.col("age_range").is_null())
    return sorted(set(bands["age_band"].to_list()), key=lambda b: (len(b), b))


def _age_rows(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None
) -> pl.DataFrame:
    """The rows by age band of ``areas`` (both sexes, else ``M``/``F`` summed)."""
    rows = populations.filter(
        (pl.col("age_band") != "all") & (pl.col("ethnicity") == "all")
    )
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    both = _resolve(
        rows.filter(pl.col("sex") == "all").select(*_LEVELS, "age_band", "population"),
        areas,
    )
    rest = [a for a in dict.fromkeys(areas) if a not in set(both["asked"])]
    got = both
    if rest:
        sexes = _resolve(
            rows.filter(pl.col("sex").is_in(["M", "F"])).select(
                *_LEVELS, "age_band", "population"
            ),
            rest,
        )
        got = pl.concat([both, sexes], how="diagonal_relaxed")
    return got


def _with_police_range(got: pl.DataFrame) -> pl.DataFrame:
    """``got`` with ``age_range``: the police range each band lies inside (null
    where it straddles two)."""
    bands = got.with_columns(
        pl.col("age_band").str.extract(r"^(\d+)", 1).cast(pl.Int64).alias("_lo"),
        pl.when(pl.col("age_band").str.ends_with("+"))
        .then(pl.lit(999))
        .otherwise(pl.col("age_band").str.extract(r"-(\d+)$", 1).cast(pl.Int64))
        .alias("_hi"),
    )
    label: pl.Expr = pl.lit(None, dtype=pl.String)
    for name, lo, hi in POLICE_AGE_RANGES:
        inside = (pl.col("_lo") >= lo) & (pl.col("_hi") <= hi)
        label = pl.when(inside).then(pl.lit(name)).otherwise(label)
    return bands.with_columns(label.alias("age_range"))


def sex_residents(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None = None
) -> pl.DataFrame:
    """Residents of ``areas`` by sex: ``sex`` (``M``, ``F``), ``population``, ``year``.

    Rows with no ethnicity split, from each sex's all-ages rows (an ONS mid-year
    file's ``Males_All-Ages``) where the table has them, else summed over its age
    bands when, for each sex, they cover every age exactly once from 0 to an open
    top (the census by single year of age and sex: ``0-0`` ... ``89-89``,
    ``90+``). Bands with a gap or an overlap give nothing rather than a wrong
    denominator, as :func:`police_age_residents` does; so does a table with one sex
    only. The year is the latest each area has (as :func:`police_age_residents`).
    """
    empty = pl.DataFrame(
        schema={"sex": pl.String, "population": pl.Int64, "year": pl.Int32}
    )
    if not areas or populations.height == 0:
        return empty
    rows = populations.filter(
        (pl.col("ethnicity") == "all") & pl.col("sex").is_in(["M", "F"])
    )
    if year is not None:
        rows = rows.filter(pl.col("year") == year)
    whole = _resolve(
        rows.filter(pl.col("age_band") == "all").select(*_LEVELS, "sex", "population"),
        areas,
    )
    rest = [a for a in dict.fromkeys(areas) if a not in set(whole["asked"])]
    got = whole
    if rest:  # areas with no all-ages rows: their age bands, if they cover all ages
        banded = _resolve(
            rows.filter(pl.col("age_band") != "all").select(
                *_LEVELS, "sex", "age_band", "population"
            ),
            rest,
        )
        if len(set(banded["asked"])) < len(rest) or not _bands_cover_every_age(banded):
            return empty
        got = pl.concat([whole, banded.drop("age_band")], how="diagonal_relaxed")
    out = got.group_by("sex").agg(
        pl.col("population").sum().cast(pl.Int64), pl.col("year").max().cast(pl.Int32)
    )
    return out.sort("sex") if set(out["sex"]) == {"M", "F"} else empty


def _bands_cover_every_age(rows: pl.DataFrame) -> bool:
    """Whether each (area, sex)'s ``age_band`` values (``A-B``, ``A+``) cover every
    age from 0 exactly once, the last open (``90+``)."""
    if rows.height == 0:
        return False
    bands = rows.select(
        "asked",
        "sex",
        pl.col("age_band").str.extract(r"^(\d+)", 1).cast(pl.Int64).alias("lo"),
        pl.when(pl.col("age_band").str.ends_with("+"))
        .then(pl.lit(None, dtype=pl.Int64))
        .otherwise(pl.col("age_band").str.extract(r"-(\d+)$", 1).cast(pl.Int64))
        .alias("hi"),
        pl.col("age_band").str.ends_with("+").alias("open"),
    ).sort("asked", "sex", "lo")
    if bands["lo"].null_count() or bands.filter(~pl.col("open"))["hi"].null_count():
        return False
    checked = bands.with_columns(
        pl.col("hi").shift(1).over("asked", "sex").alias("before"),
        pl.col("lo").rank("ordinal").over("asked", "sex").alias("nth"),
        pl.len().over("asked", "sex").alias("of"),
    )
    starts_at_0 = checked.filter(pl.col("nth") == 1)["lo"].eq(0).all()
    follows = (
        checked.filter(pl.col("nth") > 1)
        .select((pl.col("lo") == pl.col("before") + 1).all())
        .item()
    )
    open_last = checked.select(
        (pl.col("open") == (pl.col("nth") == pl.col("of"))).all()
    ).item()
    return bool(starts_at_0 and (follows is not False) and open_last)


def residents_by_dimension(
    populations: pl.DataFrame, areas: Sequence[str], *, year: int | None = None
) -> pl.DataFrame:
    """Residents of ``areas`` by sex, police age range and ethnic group.

    ``dimension`` (``sex``, ``age_band``, ``ethnicity``), ``category``,
    ``population``: the ``residents`` of :func:`avert.analyse.equality.list_make_up`.
    A dimension the table cannot give is left out (an empty frame when none).
    """
    schema = {"dimension": pl.String, "category": pl.String, "population": pl.Int64}
    parts = [pl.DataFrame(schema=schema)]
    if areas and populations.height:
        sexes = _split_by(
            populations, "sex", year=year, keep=pl.col("sex").is_in(["M", "F"])
        )
        got = _resolve(sexes.select(*_LEVELS, "sex", "population"), areas)
        parts.append(
            got.group_by(pl.col("sex").alias("category")).agg(
                pl.lit("sex").alias("dimension"), pl.col("population").sum()
            )
        )
        ages = police_age_residents(populations, areas, year=year)
        parts.append(
            ages.select(
                pl.lit("age_band").alias("dimension"),
                pl.col("age_range").alias("category"),
                "population",
            )
        )
        groups = group_residents(populations, areas, year=year)
        parts.append(
            groups.group_by(pl.col("group").alias("category")).agg(
                pl.lit("ethnicity").alias("dimension"), pl.col("population").sum()
            )
        )
    return (
        pl.concat(
            [f.select(list(schema)).cast(schema) for f in parts],  # type: ignore[arg-type]
            how="vertical",
        )
        .filter(pl.col("population") > 0)
        .sort("dimension", "category")
    )
