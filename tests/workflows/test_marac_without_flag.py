"""The MARAC list on records that carry no domestic flag and no DASH (open data,
a bundle without the column): its notes said "only potential escalation, from the
domestic incidents, can be met" and then "potential escalation cannot be counted
and is met by no one"; they now say once that no criterion can be met."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.marac import run_marac

_AT = dt.datetime(2024, 6, 1, 12)


def _store(store: Store, domestic: list[bool | None]) -> None:
    n = len(domestic)
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "occurred_from": [_AT - dt.timedelta(days=k) for k in range(n)],
            "domestic": pl.Series(domestic, dtype=pl.Boolean),
        }
    ).with_columns(
        pl.lit("test").alias("source"),
        pl.lit("exact").alias("time_precision"),
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "person_id": ["P1"] * n,
            "role": ["victim"] * n,
            "source": ["t"] * n,
        }
    )
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1"], "source": "t"}))
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)


@pytest.mark.parametrize(
    ("domestic", "met_by_none"),
    [([None, None, None], True), ([True, True, True], False), ([True, None], False)],
)
def test_the_notes_do_not_contradict_each_other_without_a_flag(
    any_store: Store, domestic: list[bool | None], met_by_none: bool
) -> None:
    _store(any_store, domestic)
    notes = run_marac(any_store, at=_AT).notes
    dash = [n for n in notes if n.startswith("The store holds no DASH")]
    assert len(dash) == 1
    if met_by_none:
        assert dash[0].endswith("no criterion can be met.")
        assert any("cannot be counted" in n for n in notes)
    else:
        assert "only potential escalation" in dash[0]
        assert not any("cannot be counted" in n for n in notes)
