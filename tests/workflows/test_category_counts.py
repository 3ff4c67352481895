"""Categories of a classification are counted in one order, run after run."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.workflows.definitions import category_counts

#: three categories of 2 incidents each and one of 3, in an order that a hash-based
#: group_by is free to shuffle
CATEGORIES = ["robbery", "assault", "robbery", "weapon", "assault", "weapon"] + [
    "hate"
] * 3


def test_ties_are_ordered_by_name_after_count() -> None:
    cats = CATEGORIES
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


def test_incidents_page_orders_ties_the_same_whatever_the_read_order() -> None:
    """The web Incidents page listed its category counts in a group-by's order
    ("serious sexual 3 · violence repeat victim 3" on PostgreSQL, the other way on
    SQLite) and its rows of equal harm and time (police.uk months) in the store's
    read order: which rows made the first 500 could differ between the stores."""
    from avert.workflows.views import category_tally, incidents_by_harm

    rows = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(9)],
            "category": CATEGORIES,
            "harm_days": [5.0, 5.0, 5.0, 1.0, 5.0, None, 9.0, 1.0, 5.0],
            "occurred_from": [dt.datetime(2022, 1, 1)] * 9,
        }
    )
    want_ids = ["i6", "i0", "i1", "i2", "i4", "i8", "i3", "i7", "i5"]
    for seed in range(20):
        shuffled = rows.sample(fraction=1, shuffle=True, seed=seed)
        tally = category_tally(shuffled)
        assert [c["category"] for c in tally] == [
            "hate",
            "assault",
            "robbery",
            "weapon",
        ]
        assert incidents_by_harm(shuffled)["incident_id"].to_list() == want_ids
