"""An area's briefing is of the store's window, never of a month of the area's own.

A store of West Yorkshire's July 2018 and City of London's 2019 (data.police.uk),
briefed at 00:00 on 1 August 2019 on Leeds, read "Daily risk briefing of Leeds
2018-07-01 to 2018-08-01: 3,520 violent incidents": the window was chosen from
the area's records, so Leeds moved to its own latest month (the same month a year
earlier, read for the trend), beside the other areas' July 2019. An area with no
record in any month read was briefed on the last 24 hours instead, though the
store's data are months. Each area is now briefed on the store's window, and one
without records in it says so and names its latest month.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from avert.briefing import Briefing
from avert.store import Store
from avert.workflows.briefing import build_briefing
from avert.workflows.definitions import classify_store
from avert.workflows.load import load_files
from briefing.factory import append_assaults

POLICEUK = Path(__file__).resolve().parents[1] / "data" / "policeuk"


def _month_records(
    prefix: str, borough: str, month: dt.datetime, n: int
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"{prefix}{i}" for i in range(n)],
            "occurred_from": [month] * n,
            "time_precision": ["month"] * n,
            "offence_code": ["8N"] * n,
            "borough": [borough] * n,
            "x": [430_000.0 + i for i in range(n)],
            "y": [433_000.0] * n,
            "source": ["policeuk"] * n,
            "force": [f"{borough} force"] * n,
        }
    )


def _window(b: Briefing) -> tuple[dt.datetime, dt.datetime, str]:
    return b.window_from, b.window_to, b.precision


def test_an_area_is_not_moved_to_its_own_latest_month(sqlite_store: Store) -> None:
    """Leeds' July 2018 is the month a year before the store's July 2019 (read for
    the trend): the old window was chosen from Leeds' records alone, and briefed
    it as the month of 1 August 2019."""
    with sqlite_store.transaction() as tx:
        append_assaults(
            tx,
            pl.concat(
                [
                    _month_records("leeds", "Leeds", dt.datetime(2018, 7, 1), 12),
                    _month_records(
                        "city", "City of London", dt.datetime(2019, 7, 1), 8
                    ),
                ]
            ),
            pl.DataFrame(),
        )
    at = dt.datetime(2019, 8, 1)
    july_2019 = (dt.datetime(2019, 7, 1), dt.datetime(2019, 8, 1), "month")
    assert _window(build_briefing(sqlite_store, at=at)) == july_2019
    assert _window(build_briefing(sqlite_store, at=at, area="City of London")) == (
        july_2019
    )
    leeds = build_briefing(sqlite_store, at=at, area="Leeds")
    assert _window(leeds) == july_2019
    missing = (
        "no records of Leeds are loaded for July 2019: its latest are of July 2018"
    )
    assert leeds.records_missing == missing
    assert leeds.trend["line"] == f"Violence: not counted ({missing})."
    assert leeds.to_json()["summary"]["n_incidents"] is None
    # briefed at its own month's end, Leeds' month is counted
    own = build_briefing(sqlite_store, at=dt.datetime(2018, 8, 1), area="Leeds")
    assert _window(own)[0] == dt.datetime(2018, 7, 1)
    assert own.to_json()["summary"]["n_incidents"] == 12


def test_police_uk_months_of_two_forces_brief_each_area_on_the_store_s_month(
    sqlite_store: Store,
) -> None:
    """Real data.police.uk rows (tests/data/policeuk): West Yorkshire's July 2018
    (Bradford) and City of London's June 2019, briefed at 1 July 2019. Bradford
    has no record in any month read (June 2019, May 2019, June 2018): it was
    briefed on the last 24 hours of 30 June 2019, the store's data being months."""
    load_files(sqlite_store, [POLICEUK / "2018-07", POLICEUK / "2019-06"])
    classify_store(sqlite_store, profile="avb-2010")
    at = dt.datetime(2019, 7, 1)
    june_2019 = (dt.datetime(2019, 6, 1), dt.datetime(2019, 7, 1), "month")
    city = build_briefing(sqlite_store, at=at, area="City of London")
    assert _window(city) == june_2019
    assert city.records_missing is None
    bradford = build_briefing(sqlite_store, at=at, area="Bradford")
    assert _window(bradford) == june_2019
    assert bradford.records_missing == (
        "no records of Bradford are loaded for June 2019: its latest are of July 2018"
    )
    # before the City's first month: its first month is named
    early = build_briefing(
        sqlite_store, at=dt.datetime(2018, 8, 1), area="City of London"
    )
    assert _window(early)[:2] == (dt.datetime(2018, 7, 1), dt.datetime(2018, 8, 1))
    assert early.records_missing == (
        "no records of City of London are loaded for July 2018: its first are of "
        "June 2019"
    )
