"""A briefing of an area none of whose records is loaded for its window says so,
not "0".

A store of West Yorkshire's July 2018 and City of London's 2019 (data.police.uk),
briefed at 06:00 on 1 August 2018 on the City of London, read "last 7 days 0;
last 28 days 0" and "0 violent incidents": the City's records start in 2019, so
nothing was loaded for those days, and 0 read as "no violence". The store as a
whole covers the window (West Yorkshire's), so the store-wide check passed. An
area whose records do cover the window keeps its honest 0.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.briefing import Briefing
from avert.report.render import render_briefing_html
from avert.store import Store
from briefing.factory import append_assaults

AT = dt.datetime(2018, 8, 1, 6)
CITY_MISSING = "no records of City of London are loaded before 2019-01-01"


def _assaults(
    prefix: str, force: str, borough: str, times: list[dt.datetime]
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"{prefix}{i}" for i in range(len(times))],
            "occurred_from": times,
            "time_precision": ["exact"] * len(times),
            "offence_code": ["8N"] * len(times),
            "borough": [borough] * len(times),
            "x": [400_000.0] * len(times),
            "y": [300_000.0] * len(times),
            "source": ["test"] * len(times),
            "force": [force] * len(times),
        }
    )


@pytest.fixture
def two_forces(any_store: Store) -> Store:
    """West Yorkshire: Leeds in the window and its 28 days, Bradford before and
    after them (covered, quiet); City of London: from 1 January 2019 only. On
    SQLite and PostgreSQL (the area's span is one query with parameters)."""
    frames = [
        _assaults(
            "leeds",
            "West Yorkshire Police",
            "Leeds",
            [AT - dt.timedelta(hours=h) for h in (2, 30, 200)],
        ),
        _assaults(
            "brad",
            "West Yorkshire Police",
            "Bradford",
            [dt.datetime(2018, 6, 1, 12), dt.datetime(2018, 8, 20, 12)],
        ),
        _assaults(
            "city",
            "City of London Police",
            "City of London",
            [dt.datetime(2019, 1, 1, 3), dt.datetime(2019, 2, 3, 4)],
        ),
    ]
    with any_store.transaction() as tx:
        incidents = pl.concat(frames)
        append_assaults(tx, incidents, pl.DataFrame())
    return any_store


def _brief(store: Store, area: str) -> Briefing:
    from avert.workflows.briefing import build_briefing

    return build_briefing(store, at=AT, area=area)


def test_an_area_with_no_records_loaded_for_the_window_is_not_counted(
    two_forces: Store,
) -> None:
    b = _brief(two_forces, "City of London")
    assert b.records_missing == CITY_MISSING
    assert b.trend["line"] == f"Violence: not counted ({CITY_MISSING})."
    assert [p["count"] for p in b.trend["periods"]] == [None, None]
    assert [p["year_earlier"] for p in b.trend["periods"]] == [None, None]
    summary = b.to_json()["summary"]
    assert summary["n_incidents"] is None
    assert summary["harm_days"] is None
    assert summary["not_computable"]["n_incidents"] == CITY_MISSING
    html = render_briefing_html(b)
    assert CITY_MISSING in html
    assert "last 28 days 0" not in html
    assert "<b>0</b>violent incidents" not in html


def test_an_area_whose_records_end_before_the_window_says_so(
    two_forces: Store,
) -> None:
    """Briefed after Bradford's last record, though the store runs on (the
    City's 2019): none of Bradford's loaded since."""
    from avert.workflows.briefing import build_briefing

    b = build_briefing(two_forces, at=dt.datetime(2018, 10, 1, 6), area="Bradford")
    assert b.records_missing == "no records of Bradford are loaded after 2018-08-20"
    assert b.to_json()["summary"]["n_incidents"] is None


def test_a_quiet_area_with_records_covering_the_window_keeps_its_zero(
    two_forces: Store,
) -> None:
    b = _brief(two_forces, "Bradford")
    assert b.records_missing is None
    assert [p["count"] for p in b.trend["periods"]] == [0, 0]
    summary = b.to_json()["summary"]
    assert summary["n_incidents"] == 0
    assert "n_incidents" not in summary["not_computable"]


def test_an_area_with_records_in_the_window_is_counted(two_forces: Store) -> None:
    b = _brief(two_forces, "Leeds")
    assert b.records_missing is None
    assert [p["count"] for p in b.trend["periods"]] == [2, 3]
    assert b.to_json()["summary"]["n_incidents"] == 1


def test_an_area_s_missing_year_earlier_names_the_area_not_the_store(
    two_forces: Store,
) -> None:
    """The City briefed on its first day: its window is counted, but its year
    earlier said "the store holds no records of any kind", though the store holds
    West Yorkshire's of 2018."""
    from avert.workflows.briefing import build_briefing

    b = build_briefing(two_forces, at=dt.datetime(2019, 1, 1, 6), area="City of London")
    assert b.records_missing is None
    assert [p["year_earlier"] for p in b.trend["periods"]] == [None, None]
    assert (
        "the store holds no records of City of London of any kind for that period "
        "a year earlier" in b.trend["line"]
    ), b.trend["line"]


def test_an_area_with_no_records_loaded_does_not_count_its_people_0(
    two_forces: Store,
) -> None:
    """In a store that names people (Leeds' offender), the City's window with no
    record loaded read "– violent incidents" beside "0 people of concern" and "0
    repeat victims hit again" (HTML, JSON, the command line): people drawn from
    the window's incidents, which are not known, not found to be none."""
    with two_forces.transaction() as tx:
        tx.append(
            "involvements",
            pl.DataFrame(
                {"incident_id": ["leeds0"], "person_id": ["P1"], "role": ["offender"]}
            ),
        )
    b = _brief(two_forces, "City of London")
    summary = b.to_json()["summary"]
    for key in ("n_people", "n_people_linked", "n_repeat_victims"):
        assert summary[key] is None, key
        assert summary["not_computable"][key] == "no records for this window"
    html = render_briefing_html(b)
    assert "<b>0</b>people of concern" not in html
    assert "<b>–</b>people of concern <small>(no records for this window)" in html
    # Leeds' window is known: its count stays a count
    assert _brief(two_forces, "Leeds").to_json()["summary"]["n_people"] == 1


def test_an_area_with_no_records_loaded_does_not_list_its_people_as_none(
    two_forces: Store,
) -> None:
    """The tiles read "– people of concern (no records for this window)", but the
    sections below said "No repeat victim was hit again in the window." and "No
    suspects or offenders are linked to the window's incidents.": findings of
    none from incidents that are not known (also the README tour's store, the
    synthetic city beside City of London's June 2019, briefed on 15 June)."""
    with two_forces.transaction() as tx:
        tx.append(
            "involvements",
            pl.DataFrame(
                {"incident_id": ["leeds0"], "person_id": ["P1"], "role": ["offender"]}
            ),
        )
    html = render_briefing_html(_brief(two_forces, "City of London"))
    assert "No repeat victim was hit again in the window." not in html
    assert "No suspects or offenders are linked to the window" not in html
    assert html.count("which are not known (no records for this window)") == 2
    # a known window's none stays a finding
    leeds = render_briefing_html(_brief(two_forces, "Leeds"))
    assert "No repeat victim was hit again in the window." in leeds
