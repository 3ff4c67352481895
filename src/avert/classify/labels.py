"""How an incident's category is named on a page, from its classification."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

import polars as pl

__all__ = [
    "POLICEUK_KEY",
    "POLICEUK_SCOPE",
    "category_label",
    "category_name",
    "policeuk_scope_reason",
]

#: Prefix of the category of a data.police.uk row in the definition on its
#: category alone (no profile category): ``police.uk: violence and sexual offences``.
POLICEUK_KEY: Final = "police.uk: "

#: What a data.police.uk category holds where its name alone misleads, keyed by
#: the category in lower case: police.uk's "Robbery" is Home Office codes 34A
#: (robbery of business property) and 34B (of personal property), as
#: ``config/defaults/harm.toml`` maps them (``policeuk_category``); a page named
#: its rows "Personal robbery" (London, March 2022), the definition's category
#: they count under (90 % of them nationally, 2017/18)
POLICEUK_SCOPE: Final = {"robbery": "personal and business"}


def category_label() -> pl.Expr:
    """The category an incident counts under, from ``category``, ``in_definition``
    and ``crime_type``: the profile category; for a data.police.uk row in the
    definition on its category alone (no profile category, e.g. "violence and sexual
    offences"), ``police.uk: <category>`` in lower case; ``(in, no category)`` for
    any other row in the definition; null outside it. One label for the category
    counts, the performance series and the briefing, so that no row in the
    definition is in the total but in no category.
    """
    ptype = pl.col("crime_type").str.strip_chars().str.to_lowercase()
    return (
        pl.when(pl.col("category").is_not_null())
        .then(pl.col("category"))
        .when(pl.col("in_definition") & ptype.is_not_null())
        .then(pl.lit(POLICEUK_KEY) + ptype)
        .when(pl.col("in_definition"))
        .then(pl.lit("(in, no category)"))
    )


def category_name(
    columns: Collection[str],
    names: Mapping[tuple[str, str], str],
    titles: Mapping[str, str] | None = None,
) -> pl.Expr:
    """``label``: how a page names the category of an in-definition incident of a
    frame with ``columns``: :func:`category_label`, renamed per row by ``names``
    keyed by ``(source, label)`` (a mapped source's rows by that source's own
    categories, ``avert.workflows.performance.source_category_names``: "toronto-mci:
    Assault"), and null only where no crime type names it either (the page then
    says "no single category"). A London quarter's briefing named 21,813 of its
    24,333 violent incidents "no single category": police.uk "Violence and sexual
    offences" rows, which the category counts name "police.uk: violence and
    sexual offences". ``titles``: the definition's categories by name
    (:attr:`avert.config.definitions.Category.name`: "Violence with a weapon", not
    "violence weapon"), keyed by category id; a category not in it keeps its id."""
    named = (
        pl.when(pl.col("category").is_null() & pl.col("crime_type").is_null())
        .then(pl.lit(None, pl.String()))
        .otherwise(category_label())
        if "crime_type" in columns
        else pl.col("category")
    )
    if titles:
        named = named.replace(dict(titles))
    if "crime_type" in columns:
        named = pl.when(_policeuk_only(columns)).then(_policeuk_name()).otherwise(named)
    if names and "source" in columns:
        renamed = named
        for (source, key), name in names.items():  # a few pairs, not rows
            renamed = (
                pl.when((pl.col("source") == source) & (named == key))
                .then(pl.lit(name))
                .otherwise(renamed)
            )
        named = renamed
    return named.alias("label")


def _policeuk_only(columns: Collection[str]) -> pl.Expr:
    """A data.police.uk row in the definition with a profile category it counts
    under by its police.uk category alone (no offence code): the category is the
    one its category's in-definition codes fall in, which may not be all of it
    (police.uk "Robbery" counts as "Personal robbery" yet holds business
    robbery). A mapped source's row (``toronto-mci``) is not police.uk's."""
    no_code = (
        pl.col("offence_code").is_null()
        if "offence_code" in columns
        else pl.lit(value=True)
    )
    police_uk = (
        pl.col("source").is_null() | pl.col("source").str.starts_with("policeuk")
        if "source" in columns
        else pl.lit(value=True)
    )
    return (
        pl.col("category").is_not_null()
        & pl.col("in_definition").fill_null(value=False)
        & pl.col("crime_type").is_not_null()
        & no_code
        & police_uk
    )


def _policeuk_name() -> pl.Expr:
    """``police.uk: <category>`` with what it holds where its name misleads
    (:data:`POLICEUK_SCOPE`): "police.uk: robbery (personal and business)"."""
    ptype = pl.col("crime_type").str.strip_chars().str.to_lowercase()
    scope = ptype.replace_strict(POLICEUK_SCOPE, default=None, return_dtype=pl.String)
    return pl.concat_str(
        pl.lit(POLICEUK_KEY),
        ptype,
        pl.when(scope.is_not_null()).then(pl.lit(" (") + scope + pl.lit(")")),
        ignore_nulls=True,
    )


def policeuk_scope_reason(columns: Collection[str]) -> pl.Expr:
    """Why a police.uk row whose category holds more than its name says
    (:data:`POLICEUK_SCOPE`) counts under its profile category, for the
    briefing's reasons (null for any other row): 'police.uk's "Robbery" holds
    personal and business robbery, not told apart in its records: counted as
    personal robbery, as most of it is nationally'. Its first reason names the
    category's rule ("robbery of personal property"), which alone read as what
    the record was."""
    ptype = pl.col("crime_type").str.strip_chars().str.to_lowercase()
    scope = ptype.replace_strict(POLICEUK_SCOPE, default=None, return_dtype=pl.String)
    if "crime_type" not in columns:
        return pl.lit(None, pl.String)
    return pl.when(_policeuk_only(columns) & scope.is_not_null()).then(
        pl.format(
            'police.uk\'s "{}" holds {} {}, not told apart in its records: '
            "counted as {}, as most of it is nationally",
            pl.col("crime_type").str.strip_chars(),
            scope,
            ptype,
            pl.col("category").str.replace_all("_", " "),
        )
    )
