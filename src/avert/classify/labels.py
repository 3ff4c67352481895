"""How an incident's category is named on a page, from its classification."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Final

import polars as pl

__all__ = ["POLICEUK_KEY", "category_label", "category_name"]

#: Prefix of the category of a data.police.uk row in the definition on its
#: category alone (no profile category): ``police.uk: violence and sexual offences``.
POLICEUK_KEY: Final = "police.uk: "


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
