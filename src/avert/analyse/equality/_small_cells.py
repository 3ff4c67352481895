"""The small-cell rule of stop and search equality: counts of 1 to 4 searches
withheld ("[c]") with what would give them back, for readers outside the police.

Per area (:func:`area_ratios`): within each area through
:func:`avert.access.suppress_small_counts`, and down each group's areas against
the force's count (:func:`_withhold_down_groups`, secondary suppression along both
margins of a table). At force level for a force's own records
(:func:`withhold_force_counts`): the rates with the searches counted apart, by
power and month, age band and sex, finds and arrests, and the notes that count
them. docs/equality.md, "Force-level figures and the small-cell rule".

Pure: frames in, frames out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Final, Literal

import numpy as np
import polars as pl

from avert.access import SMALL_CELL, suppress_small_counts
from avert.analyse.equality._disproportionality import (
    _ALPHA,
    REFERENCE,
    holm_adjusted,
    p_above_1,
)
from avert.analyse.equality._result import _NO_PERSON, EqualityResult
from avert.analyse.equality._search_notes import (
    _UNRECORDED_SEX,
    _stated_note,
    _vehicle_only_note,
)

__all__ = [
    "SIGNIFICANCE",
    "WITHHELD_TEXT",
    "area_ratios",
    "holm_adjusted",
    "withhold_force_counts",
]


#: the columns of a per-area ratio computed from its searches (withheld with them)
_AREA_DERIVED: Final = (
    "rate_per_1000",
    "ratio_to_white",
    "ci_low",
    "ci_high",
    "exact_ci_low",
    "significantly_above_1",
    # the flag's p-value and its correction within the family of group ratios
    "p_above_1",
    "p_holm",
    "significant_uncorrected",
)
#: of those, the ones taken to the area's White row (withheld with its searches)
_AREA_RELATIVE: Final = _AREA_DERIVED[1:]
#: per area the same columns (:func:`_with_p_above_1` makes ``p_above_1`` there)
_BY_AREA_DERIVED: Final = _AREA_DERIVED
_BY_AREA_RELATIVE: Final = _BY_AREA_DERIVED[1:]


def area_ratios(
    areas: EqualityResult,
    *,
    with_reference: bool = False,
    force: EqualityResult | None = None,
) -> pl.DataFrame:
    """Each area's ratios to its White rate, highest disproportion first, under
    the small-cell rule (:func:`avert.access.suppress_small_counts`,
    :data:`avert.access.SMALL_CELL_RULE`).

    ``areas``: :func:`stop_search_equality` per area (local authority or LSOA, as
    configured). Within each area, searches of 1 to 4 in a group are withheld
    (``searches_withheld``), with the next smallest when one alone would be, and
    so are that group's rate, ratio and interval; a withheld White count withholds
    every ratio of the area (a ratio beside its own row's counts gives the
    reference's count back). Rows: area, group (the White reference left out),
    searches, residents, rate_per_1000, ratio_to_white, ci_low, ci_high,
    exact_ci_low, significantly_above_1, searches_withheld, ``ratio_withheld``
    (the ratio withheld by the rule, its own count's or the area's White count's:
    "[c]", not "–", which says there is no ratio), ``interval_excludes_1`` (the 95 % Katz interval lies wholly above or below 1;
    null where no interval is shown) and ``significance`` (:data:`SIGNIFICANCE`:
    "significantly above 1" exactly where ``significantly_above_1``, "interval
    above 1, exact test not" where only the Katz interval is; null where no
    interval is shown), the words the pages print beside the shading. Sorted by ratio, highest first; ratios
    withheld or not defined last. ``with_reference``: the White rows too (ratio 1,
    no interval; their rate withheld with their searches), for a table that shows
    each area's White rate beside its ratios. ``force``: the force's result, whose
    counts by group the same page shows: down each group's areas the rule is
    applied again against that total (:func:`_withhold_down_groups`), else the
    force's count minus the areas shown gives a withheld one back (Cambridgeshire,
    January 2019: 20 Black searches, 8 in Cambridge, 10 in Peterborough, none in
    three areas, Huntingdonshire's "[c]" is 2).
    """
    frame = areas.frame
    if frame.height == 0:
        return pl.DataFrame()
    frame = _with_p_above_1(frame)
    held = suppress_small_counts(
        frame.with_columns((pl.col("group") == REFERENCE).alias("_reference")),
        ["searches"],
        by="area",
        derived=dict.fromkeys(_BY_AREA_DERIVED, ("searches",)),
        reference="_reference",
        relative=_BY_AREA_RELATIVE,
    )
    if force is not None:
        held = _withhold_down_groups(held, frame, force)
    excludes = (pl.col("ci_low") > 1) | (pl.col("ci_high") < 1)
    shown = pl.col("ci_low").is_not_null() & pl.col("ci_high").is_not_null()
    reference_withheld = (
        (pl.col("_reference") & pl.col("searches_withheld")).any().over("area")
    )
    held = _holm_flags(held)
    return (
        held.with_columns(
            (
                pl.col("ratio_to_white").is_null()
                & (pl.col("searches_withheld") | reference_withheld)
            ).alias("ratio_withheld")
        )
        .filter(pl.lit(with_reference) | ~pl.col("_reference"))
        .with_columns(
            pl.when(shown).then(excludes).alias("interval_excludes_1"),
            pl.when(shown).then(_significance()).alias("significance"),
        )
        .select(
            "area",
            "group",
            "searches",
            "residents",
            *_BY_AREA_DERIVED,
            "searches_withheld",
            "ratio_withheld",
            "interval_excludes_1",
            "significance",
        )
        .sort(
            ["ratio_to_white", "area", "group"],
            descending=[True, False, False],
            nulls_last=True,
        )
    )


#: what a per-area ratio's interval and exact test say, as the pages word it: the
#: flag's rule in one phrase, so a column never reads "above 1" beside a row that
#: is not shaded as significant
SIGNIFICANCE: Final = {
    "significant": "significantly above 1",
    "uncorrected": "above 1 alone, not across all the areas' ratios",
    "interval_only": "interval above 1, exact test not",
    "below": "interval below 1",
    "includes": "interval includes 1",
}


def _significance() -> pl.Expr:
    """:data:`SIGNIFICANCE` of a row with an interval: significantly above 1 when
    flagged (``significantly_above_1``: the Katz lower end and the exact conditional
    test's both above 1), "interval above 1, exact test not" when only the Katz
    interval lies above 1 (a ratio on few searches), else below or including 1."""
    return (
        pl.when(pl.col("significantly_above_1").fill_null(value=False))
        .then(pl.lit(SIGNIFICANCE["significant"]))
        .when(pl.col("significant_uncorrected").fill_null(value=False))
        .then(pl.lit(SIGNIFICANCE["uncorrected"]))
        .when(pl.col("ci_low") > 1)
        .then(pl.lit(SIGNIFICANCE["interval_only"]))
        .when(pl.col("ci_high") < 1)
        .then(pl.lit(SIGNIFICANCE["below"]))
        .otherwise(pl.lit(SIGNIFICANCE["includes"]))
    )


def _with_p_above_1(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` (:func:`stop_search_equality` per area) plus ``p_above_1`` of
    each ratio to its area's White rate (:func:`p_above_1`: below 0.05 exactly
    where both lower ends lie above 1); null where no interval is (the reference
    row, a zero count)."""
    white = frame.filter(pl.col("group") == REFERENCE).select(
        "area",
        pl.col("searches").cast(pl.Float64).alias("_pc"),
        pl.col("residents").cast(pl.Float64).alias("_pn2"),
    )
    joined = frame.join(white, on="area", how="left")
    a, n1, c, n2 = (
        joined[col].cast(pl.Float64).fill_null(0.0).to_numpy()
        for col in ("searches", "residents", "_pc", "_pn2")
    )
    ratio, low, high = (
        joined[col].cast(pl.Float64).fill_null(np.nan).to_numpy()
        for col in ("ratio_to_white", "ci_low", "ci_high")
    )
    p = p_above_1(a, n1, c, n2, ratio, low, high)
    return frame.with_columns(pl.Series("p_above_1", p, nan_to_null=True))


def _holm_flags(held: pl.DataFrame) -> pl.DataFrame:
    """``held`` with the flag corrected for the number of ratios tested:
    ``significant_uncorrected`` (the flag of one ratio on its own: both lower
    ends above 1; the analysis's own column, before its correction within each
    area), ``p_holm`` (:func:`holm_adjusted` over every ratio shown with a
    p-value, all areas and groups) and ``significantly_above_1`` where that is
    below 0.05 (and the ratio's own flag holds). Withheld ratios are not in the
    family: their p-values are withheld with them."""
    p = held["p_above_1"].cast(pl.Float64)
    tested = p.is_not_null().to_numpy()
    adjusted = np.full(held.height, np.nan)
    adjusted[tested] = holm_adjusted(p.to_numpy()[tested])
    own = (
        "significant_uncorrected"
        if "significant_uncorrected" in held.columns
        else "significantly_above_1"
    )
    return held.with_columns(
        pl.col(own).alias("significant_uncorrected"),
        pl.Series("p_holm", adjusted, dtype=pl.Float64, nan_to_null=True),
    ).with_columns(
        pl.when(pl.col("significant_uncorrected").is_not_null())
        .then(
            pl.col("significant_uncorrected")
            & (pl.col("p_holm") < _ALPHA).fill_null(value=False)
        )
        .alias("significantly_above_1")
    )


def _withhold_down_groups(
    held: pl.DataFrame, frame: pl.DataFrame, force: EqualityResult
) -> pl.DataFrame:
    """The small-cell rule of :func:`area_ratios` made to hold against the force's
    counts by group, which the pages show above the areas' (GSS/ONS secondary
    suppression along both margins of a table).

    ``held``: ``frame`` (the areas' rates) after the rule within each area. A
    group's searches the areas do not hold (not placed, or placed outside the force
    area) are its force count less the areas' counts: shown nowhere by group, but
    when fewer than :data:`~avert.access.SMALL_CELL` they cannot hide a withheld
    count (the notes give their total, often 0). So a group with one withheld area
    count and fewer than that outside the areas has its next smallest area count
    withheld too (non-zero first), and an area left with one withheld count its
    next smallest (as within an area before), until neither changes; each newly
    withheld count takes its rate, ratio and interval with it, a White count every
    ratio of its area."""
    totals = force.frame.group_by("group").agg(pl.col("searches").sum().alias("_f"))
    out = (
        held.with_columns(frame["searches"].alias("_n"))
        .with_row_index("_row")
        .join(totals, on="group", how="left")
        .with_columns(
            (pl.col("_f").fill_null(0) - pl.col("_n").sum().over("group")).alias(
                "_outside"
            )
        )
    )
    withheld = pl.col("searches_withheld")
    groups = out["group"].unique().sort().to_list()
    for _ in range(out.height):  # each pass withholds at least one more, or stops
        before = int(out["searches_withheld"].sum())
        for one in groups:  # a group at a time: the next one sees what it took
            out = _withhold_next(out, "group", where=pl.col("group") == one)
        out = _withhold_next(out, "area", where=pl.lit(value=True))
        if int(out["searches_withheld"].sum()) == before:
            break
    white_withheld = (withheld & pl.col("_reference")).any().over("area")
    return (
        out.with_columns(
            pl.when(withheld).then(None).otherwise(pl.col(c)).alias(c)
            for c in ("searches", "rate_per_1000")
        )
        .with_columns(
            pl.when(withheld | white_withheld).then(None).otherwise(pl.col(c)).alias(c)
            # the p-value of the flag's rule where there is one (by area)
            for c in _BY_AREA_RELATIVE
            if c in out.columns
        )
        .sort("_row")
        .drop("_row", "_n", "_f", "_outside")
    )


def _withhold_next(out: pl.DataFrame, line: str, *, where: pl.Expr) -> pl.DataFrame:
    """One step of :func:`_withhold_down_groups`: in each ``line`` ("group" or
    "area") of the rows ``where`` holding one withheld count alone, the next count
    withheld: first one that also completes a line of the other kind holding one
    alone, then the smallest (non-zero first), the first row on ties."""
    withheld = pl.col("searches_withheld")
    out = out.with_columns(
        ((withheld.sum().over("group") == 1) & (pl.col("_outside") < SMALL_CELL)).alias(
            "_lone_group"
        ),
        (withheld.sum().over("area") == 1).alias("_lone_area"),
    )
    other = "_lone_area" if line == "group" else "_lone_group"
    candidate = ~withheld & pl.col("_n").is_not_null()
    size = pl.when(pl.col("_n") > 0).then(pl.col("_n")).otherwise(pl.lit(2**40))
    key = pl.when(candidate).then(
        pl.when(pl.col(other)).then(pl.lit(0)).otherwise(pl.lit(2**50)) + size
    )
    best = (key.rank("ordinal").over(line) == 1).fill_null(value=False)
    return out.with_columns(
        (withheld | (where & pl.col(f"_lone_{line}") & candidate & best)).alias(
            "searches_withheld"
        )
    ).drop("_lone_group", "_lone_area")


def withhold_force_counts(force: EqualityResult) -> EqualityResult:
    """The force's figures under the small-cell rule, for readers outside the
    police when its searches are published by no one (a force's own records: a
    record bundle, the synthetic city), :data:`avert.access.SMALL_CELL_RULE`
    through :func:`avert.access.suppress_small_counts`.

    police.uk's searches are published one by one, so their force figures stay
    whole (docs/equality.md, "Force-level figures and the small-cell rule"); these
    are not. Counts of 1 to 4 searches are withheld (``<count>_withheld``), with
    the next smallest where one alone would be, and with them what gives them
    back: a group's rate, ratio and interval (every ratio of a breakdown whose
    White count is withheld); the searches with no ethnicity stated and of a
    vehicle only, counted in the same breakdown as the groups (the groups, they
    and the total add up); down each group's powers and months against its count
    (:func:`_withhold_down_groups`, the areas' rule); a band's or sex's searches,
    share, rate and ratio (by age band and sex, the rows of all groups only: the
    bands of each group, whose margins are both shown, are left out); a group's
    finds and arrests with their rates (a withheld group's searches withheld there
    too, the same decision). The notes that count the searches with no ethnicity
    stated or of a vehicle only read "[c]" where those are withheld
    (:func:`_held_notes`); the others count the force's searches as a whole."""
    rates, apart = _held_rates(force)
    hidden = rates.filter(pl.col("searches_withheld"))["group"].to_list()
    vo_held = bool(
        apart.filter(pl.col("group") == _NO_PERSON)["searches_withheld"].any()
    )
    return replace(
        force,
        notes=_held_notes(force, apart),
        frame=rates,
        by_legislation=_held_lines(force.by_legislation, "power", force, hidden),
        trend=_held_lines(force.trend, "period", force, hidden),
        by_age=_held_all_groups(force.by_age, "age_range", vehicles_withheld=vo_held),
        by_sex=_held_all_groups(
            force.by_sex, "sex", vehicles_withheld=vo_held, relative=True
        ),
        outcomes=_held_outcomes(force.outcomes, rates, apart),
        not_stated=_held_not_stated(force.not_stated, apart),
    )


#: the searches counted apart from the groups: a row each beside them when the
#: rule is applied, since the groups, they and the total add up
_APART: Final = {"not stated": "not_stated", _NO_PERSON: "vehicle_only"}


def _held_notes(force: EqualityResult, apart: pl.DataFrame) -> tuple[str, ...]:
    """``force``'s notes with those of :func:`_stated_note` and
    :func:`_vehicle_only_note` worded without a count withheld (``apart``: the
    rule's decision on the searches with no ethnicity stated and of a vehicle
    only); with the vehicles withheld, no count of searches of people either (the
    total less it gives them back: here and in :func:`_unrecorded_sex_note`), nor
    the share with none stated."""
    held = dict(zip(apart["group"], apart["searches_withheld"], strict=True))
    ns = force.not_stated
    missing, vehicles, total = (
        int(ns[c].sum()) if c in ns.columns else 0
        for c in ("not_stated", "vehicle_only", "searches")
    )
    defined: Literal["self", "officer"] = (
        "officer" if force.params.get("ethnicity") == "officer_ethnicity" else "self"
    )
    stated = _stated_note(
        missing=missing, people=total - vehicles, vehicles=vehicles, defined=defined
    )
    vehicle_note = _vehicle_only_note(vehicles)
    ns_held, vo_held = bool(held.get("not stated")), bool(held.get(_NO_PERSON))
    of_people = " of people" if vehicles or vo_held else ""
    swap = {}
    if ns_held or vo_held:
        swap[stated] = (
            f"{WITHHELD_TEXT if ns_held else f'{missing:,}'} searches{of_people} "
            f"have no recorded {defined}-defined ethnicity: they are in no group's "
            "rate and are counted apart (No ethnicity stated)."
        )
    if vo_held:  # the searches of people are the total less the vehicles
        people = f"{total - vehicles:,} "
        swap[_UNRECORDED_SEX.format(people=people)] = _UNRECORDED_SEX.format(people="")
    if vo_held and vehicle_note:
        swap[vehicle_note[0]] = (
            f"{WITHHELD_TEXT} searches of a vehicle only (no person searched: no "
            "ethnicity or sex recorded) are in no group's rate either, and not "
            "among those with no ethnicity stated: they are counted apart "
            "(vehicle only, in the searches by sex)."
        )
    return tuple(_lean_without_counts(swap.get(n, n)) for n in force.notes)


#: how :func:`_unstated_lean`'s note begins, and one group's figures in it
_LEAN_START: Final = (
    "Of the searches with no self-defined ethnicity, officers recorded as "
)
_LEAN_FIGURES: Final = re.compile(
    r" [\d.]+% \([\d,]+ of [\d,]+; against [\d.]+%, [\d,]+ of [\d,]+, "
    r"of those with one\)"
)


def _lean_without_counts(note: str) -> str:
    """:func:`_unstated_lean`'s note with no count or share: its counts are of
    searches by officer-defined group among the few with no self-defined
    ethnicity ("Black 100.0% (2 of 2; against 5.9%, 3 of 51, ...)"), cells of 1
    to 4 that also give back the searches with no ethnicity stated and (the
    total less both) of a vehicle only; the groups it names stay. Other notes
    are returned as they are."""
    if not note.startswith(_LEAN_START):
        return note
    return (
        "Of the searches with no self-defined ethnicity, officers recorded a "
        "larger share than of those with one as "
        + _LEAN_FIGURES.sub("", note[len(_LEAN_START) :])
    )


#: a count withheld under the small-cell rule, as a note words it
WITHHELD_TEXT: Final = "[c] (1 to 4, or withheld beside one that is)"


def _held_rates(force: EqualityResult) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The rates by group under the rule, with the searches of no ethnicity and of
    a vehicle only as rows of the same breakdown; those two rows returned apart
    (``group``, ``searches``, ``searches_withheld``)."""
    frame = force.frame
    area = frame["area"][0] if frame.height else "all"
    ns = force.not_stated
    extra = pl.DataFrame(
        {
            "area": [area] * len(_APART),
            "group": list(_APART),
            "searches": [
                int(ns[c].sum()) if c in ns.columns else 0 for c in _APART.values()
            ],
        },
        schema_overrides={"searches": frame.schema.get("searches", pl.Int64)},
    )
    held = suppress_small_counts(
        pl.concat([frame, extra], how="diagonal").with_columns(
            (pl.col("group") == REFERENCE).alias("_reference")
        ),
        ["searches"],
        by="area",
        derived=dict.fromkeys(_AREA_DERIVED, ("searches",)),
        reference="_reference",
        relative=_AREA_RELATIVE,
    ).drop("_reference")
    is_apart = pl.col("group").is_in(list(_APART))
    return (
        held.filter(~is_apart),
        held.filter(is_apart).select("group", "searches", "searches_withheld"),
    )


def _held_lines(
    frame: pl.DataFrame,
    line: str,
    force: EqualityResult,
    withheld_groups: Sequence[str],
) -> pl.DataFrame:
    """Searches by ``line`` (power, period) and group under the rule: within each
    line as the areas', and down each group's lines against its count, which the
    rates show (:func:`_withhold_down_groups`). A group whose count the rates
    withhold (``withheld_groups``) has a count withheld in its lines too, its
    smallest non-zero, when none is: else its lines add up to it (a group searched
    under one power, or in one month, reads its count there)."""
    if frame.height == 0 or line not in frame.columns:
        return frame
    lined = frame.rename({"area": "_area", line: "area"}).with_columns(
        (pl.col("group") == REFERENCE).alias("_reference")
    )
    held = suppress_small_counts(
        lined,
        ["searches"],
        by="area",
        derived=dict.fromkeys(_AREA_DERIVED, ("searches",)),
        reference="_reference",
        relative=_AREA_RELATIVE,
    )
    withheld = pl.col("searches_withheld")
    candidate = (
        pl.col("group").is_in(list(withheld_groups))
        & ~withheld.any().over("group")
        & (pl.col("searches") > 0)
    )
    smallest = pl.when(candidate).then(pl.col("searches")).rank("ordinal").over("group")
    held = held.with_columns(
        (withheld | (candidate & (smallest == 1)).fill_null(value=False)).alias(
            "searches_withheld"
        )
    )
    held = _withhold_down_groups(held, lined, force)
    return held.drop("_reference").rename({"area": line, "_area": "area"})


def _held_all_groups(
    frame: pl.DataFrame,
    line: str,
    *,
    vehicles_withheld: bool,
    relative: bool = False,
) -> pl.DataFrame:
    """The rows of all groups (by age band, by sex: ``line``) under the rule: a
    band's searches, share, rate (and, ``relative``, ratio to the other sex and
    interval, withheld on every row when the count of a sex with residents is:
    each is taken to the other's).

    The ``vehicle only`` row (searches of no person) is the rates' decision
    (``vehicles_withheld``, :func:`_held_rates`): withheld there, it is withheld
    here, a cell the next smallest is withheld beside; shown there, the sex
    table's (every search of a vehicle only) is shown and never withheld beside
    another, which the rates' count would give back. The age table's counts only
    those with no age recorded: under the rule as any band."""
    if frame.height == 0 or "group" not in frame.columns or line not in frame.columns:
        return frame
    shares = ("share_of_group",)
    rows = frame.filter(pl.col("group") == "all")
    vehicle = pl.col(line) == _NO_PERSON
    fixed = vehicles_withheld or line == "sex"
    decided = pl.lit(1 if vehicles_withheld else None, dtype=rows.schema["searches"])
    derived_cols = [
        c
        for c in rows.columns
        if c in shares
        or c.startswith(("rate_per_1000", "ratio_"))
        or c in ("ci_low", "ci_high", "exact_ci_low", "significantly_above_1")
    ]
    taken = [c for c in derived_cols if c not in shares and not c.startswith("rate_")]
    # each sex's ratio is to the other's rate: the sexes with residents are the
    # references (a withheld "not recorded" count takes no ratio with it)
    resident = [c for c in rows.columns if c.startswith("residents_of")]
    reference = pl.col(resident[0]).is_not_null() if resident else pl.lit(value=True)
    held = suppress_small_counts(
        rows.with_columns(
            reference.alias("_reference"),
            pl.col("searches").alias("_n"),
            pl.when(vehicle & pl.lit(fixed))
            .then(decided)
            .otherwise(pl.col("searches"))
            .alias("searches"),
        ),
        ["searches"],
        by="group",
        derived=dict.fromkeys(derived_cols, ("searches",)),
        reference="_reference" if relative else None,
        relative=taken if relative else (),
    )
    shown = vehicle & ~pl.col("searches_withheld")
    return held.with_columns(
        pl.when(shown)
        .then(pl.col("_n"))
        .otherwise(pl.col("searches"))
        .alias("searches")
    ).drop("_reference", "_n")


def _held_outcomes(
    outcomes: pl.DataFrame, rates: pl.DataFrame, apart: pl.DataFrame
) -> pl.DataFrame:
    """Finds and arrests by group under the rule: a group's searches withheld as
    in the rates (the same decision, so neither table gives back the other's),
    its finds and arrests of 1 to 4 withheld within their column, each rate and
    interval with its counts."""
    if outcomes.height == 0:
        return outcomes
    decided = pl.concat(
        [rates.select("group", "searches_withheld"), apart.drop("searches")]
    )
    held = outcomes.join(decided, on="group", how="left").with_columns(
        pl.col("searches_withheld").fill_null(
            pl.col("searches").is_between(1, SMALL_CELL - 1)
        )
    )
    held = held.with_columns(
        pl.when(pl.col("searches_withheld"))
        .then(None)
        .otherwise(pl.col("searches"))
        .alias("searches")
    )
    counts = [c for c in ("finds", "arrests") if c in held.columns]
    rated = {
        c: (counts[0] if c.startswith("find") else counts[-1], "searches")
        for c in held.columns
        if c.startswith(("find_", "arrest_"))
    }
    return suppress_small_counts(
        held.with_columns(pl.lit(1).alias("_one")),
        counts,
        by="_one",
        derived=rated,
    ).drop("_one")


def _held_not_stated(not_stated: pl.DataFrame, apart: pl.DataFrame) -> pl.DataFrame:
    """The searches with no ethnicity stated and of a vehicle only as the rates'
    rule decided (:func:`_held_rates`), with the share and the searches of people
    that give them back (the total less the vehicles)."""
    if not_stated.height == 0:
        return not_stated
    withheld = dict(zip(apart["group"], apart["searches_withheld"], strict=True))
    out = not_stated
    for group, col in _APART.items():
        if col not in out.columns:
            continue
        hold = bool(withheld.get(group, False))
        out = out.with_columns(
            pl.when(pl.lit(hold)).then(None).otherwise(pl.col(col)).alias(col),
            pl.lit(hold).alias(f"{col}_withheld"),
        )
    gives_back = {
        "share_not_stated": "not_stated_withheld",
        "searches_of_people": "vehicle_only_withheld",
    }
    return out.with_columns(
        pl.when(pl.col(flag)).then(None).otherwise(pl.col(c)).alias(c)
        for c, flag in gives_back.items()
        if c in out.columns and flag in out.columns
    )
