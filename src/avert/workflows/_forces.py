"""A note when the incidents an analysis counts are of more than one force."""

from __future__ import annotations

import polars as pl

#: The note's words, which the tests and readers look for.
MIXED_FORCES: str = "forces or sources"


def mixed_forces_note(incidents: pl.DataFrame) -> list[str]:
    """One note naming the forces of ``incidents`` when there are several, with each
    one's count, most first (then by name); none for one force or none at all.

    A record naming no force (a record bundle, a mapped table) is named by its
    ``source`` ("no force named: avert synthetic city ..."), so a force's police.uk
    months beside a bundle are two, not one. ``incidents`` need ``force`` and
    ``source`` (either missing: no note).

    Concentration and VOLT count every incident of their window as one area: West
    Yorkshire's July 2018 beside City of London's 2019 and the synthetic city gave
    one Gini over the three, with no word that three were counted together.
    """
    if not incidents.height or not {"force", "source"} <= set(incidents.columns):
        return []
    named = pl.coalesce(
        pl.col("force"),
        pl.lit("no force named: ") + pl.col("source").fill_null("no source"),
    ).alias("who")
    counts = (
        incidents.select(named)
        .group_by("who")
        .len()
        .sort(["len", "who"], descending=[True, False])
    )
    if counts.height < 2:
        return []
    listed = "; ".join(f"{who} {n:,}" for who, n in counts.iter_rows())
    return [
        f"The incidents counted are of {counts.height} {MIXED_FORCES} ({listed}): "
        "every figure here counts them together, as one area and one period. For "
        "one force's figures, choose a window holding its records alone, or load "
        "each force into a store of its own."
    ]
