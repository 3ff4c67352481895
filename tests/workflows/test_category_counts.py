"""Categories of a classification are counted in one order, run after run."""

from __future__ import annotations

import polars as pl

from avert.workflows.definitions import category_counts


def test_ties_are_ordered_by_name_after_count() -> None:
    # Three categories of 2 incidents each and one of 3, given in an order that a
    # hash-based group_by is free to shuffle.
    cats = [
        "robbery",
        "assault",
        "robbery",
        "weapon",
        "assault",
        "weapon",
        "hate",
        "hate",
        "hate",
    ]
    current = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(len(cats))],
            "in_definition": [True] * len(cats),
            "category": cats,
        }
    )
    incidents = pl.DataFrame(
        {"incident_id": current["incident_id"], "crime_type": [None] * len(cats)},
        schema={"incident_id": pl.String, "crime_type": pl.String},
    )
    for _ in range(20):
        counts = category_counts(current, incidents)
        assert counts["category"].to_list() == ["hate", "assault", "robbery", "weapon"]
        assert counts["len"].to_list() == [3, 2, 2, 2]
