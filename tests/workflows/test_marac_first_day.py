"""The MARAC list's potential escalation (3 domestic incidents as a victim in 365
days) counts a domestic incident dated alone on the window's first day: stored
at 00:00, before a start at 12:00, it may have happened after it (the risk
lists' rule, ``avert.analyse._window.in_window`` ``by_day``). Read from the
window's start, the store left it out, and the victim under the threshold."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.config.risk import default_risk_config
from avert.store import Store
from avert.workflows.marac import person_dash, run_marac

_AT = dt.datetime(2024, 6, 1, 12)


def _store(store: Store, first_precision: str) -> None:
    first = (_AT - dt.timedelta(days=365)).replace(hour=0)  # 2 June 2023 00:00
    if first_precision == "exact":
        first = first.replace(hour=11)  # before the start at 12:00
    incidents = pl.DataFrame(
        {
            "incident_id": ["i0", "i1", "i2"],
            "occurred_from": [_AT - dt.timedelta(days=1), _AT, first],
            "domestic": [True, True, True],
            "time_precision": ["exact", "exact", first_precision],
        }
    ).with_columns(pl.lit("test").alias("source"))
    involvements = pl.DataFrame(
        {
            "incident_id": ["i0", "i1", "i2"],
            "person_id": ["P1"] * 3,
            "role": ["victim"] * 3,
            "source": ["t"] * 3,
        }
    )
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1"], "source": "t"}))
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)


@pytest.mark.parametrize(("precision", "listed"), [("day", True), ("exact", False)])
def test_a_date_alone_on_the_first_day_moves_a_victim_over_the_threshold(
    any_store: Store, precision: str, listed: bool
) -> None:
    _store(any_store, precision)
    frame = run_marac(any_store, at=_AT).frame
    assert (frame.height == 1) is listed
    if listed:
        assert frame["n_domestic"][0] == 3
    risk = person_dash(any_store, "P1", at=_AT, config=default_risk_config())
    assert risk is not None
    assert risk["n_domestic"] == (3 if listed else 2)
    met = {c["criterion"]: c["met"] for c in risk["criteria"]}
    assert met["potential_escalation"] is listed
