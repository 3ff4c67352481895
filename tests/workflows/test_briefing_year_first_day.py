"""The briefing's repeat victims score the linked people's year from its first
day's 00:00: a victimisation dated alone that day is in the risk window by its day
(:func:`avert.analyse._window.in_window` ``by_day``)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.store import Store
from briefing.factory import append_assaults

AT = dt.datetime(2026, 10, 25, 6)


def test_a_victimisation_dated_alone_on_the_year_s_first_day_makes_a_repeat(
    sqlite_store: Store,
) -> None:
    """V was hit at 04:00 today and on 25 Oct 2025, dated alone (stored at 00:00):
    that day runs past the 365-day window's start (25 Oct 2025 06:00), so it may be
    in the year, and `avert analyse risk` counts it. The briefing read the year
    from 06:00 and missed it: V was no repeat victim. One recorded at 05:00 that
    day (W) is before the window and stays out."""
    from avert.workflows.briefing import build_briefing

    first = dt.datetime(2025, 10, 25)
    incidents = pl.DataFrame(
        {
            "incident_id": ["now-v", "year-v", "now-w", "year-w"],
            "occurred_from": [
                AT - dt.timedelta(hours=2),
                first,
                AT - dt.timedelta(hours=2),
                first + dt.timedelta(hours=5),
            ],
            "time_precision": ["exact", "day", "exact", "exact"],
            "offence_code": ["8N"] * 4,
            "borough": ["Northfield"] * 4,
            "x": [400_000.0] * 4,
            "y": [300_000.0] * 4,
            "source": ["test"] * 4,
        }
    )
    with sqlite_store.transaction() as tx:
        append_assaults(
            tx,
            incidents,
            pl.DataFrame(
                {
                    "incident_id": ["now-v", "year-v", "now-w", "year-w"],
                    "person_id": ["V", "V", "W", "W"],
                    "role": ["victim"] * 4,
                }
            ),
        )
    briefing = build_briefing(sqlite_store, at=AT)
    repeats = {r["person_id"]: r["n_victimisations"] for r in briefing.repeat_victims}
    assert repeats == {"V": 2}
