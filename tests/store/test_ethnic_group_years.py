"""``ethnic_group_years``: the census years the Equality page's Census year field
offers (those with residents by ethnic group), on SQLite and PostgreSQL."""

from __future__ import annotations

import polars as pl

from avert.store import Store
from avert.store.summary import ethnic_group_years


def test_years_with_ethnic_groups_only(any_store: Store) -> None:
    assert ethnic_group_years(any_store) == []
    rows = pl.DataFrame(
        {
            "area": ["A", "A", "A", "A", "A"],
            "year": [2021, 2021, 2011, 2020, 2020],
            "sex": ["all", "all", "all", "M", "F"],
            "age_band": ["all"] * 5,
            # 2020: a mid-year estimate, by sex and age only
            "ethnicity": ["White", "Black", "White", "all", "all"],
            "population": [900, 100, 950, 1000, 1000],
            "area_name": ["A"] * 5,
            "area_type": ["la"] * 5,
        }
    )
    with any_store.transaction() as tx:
        tx.append("populations", rows.with_columns(pl.col("year").cast(pl.Int32)))
    assert ethnic_group_years(any_store) == [2011, 2021]
