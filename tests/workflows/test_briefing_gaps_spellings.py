"""A window inside the span of the records that holds none of them, where the
records' rate makes that very unlikely, is a gap in what was loaded, not "0"; and
one place spelled several ways is one area, spanned and named by its commonest
spelling.

Before: a missing month of police.uk data between two loaded ones was briefed as
"0 violent incidents" (the store's span covered it); "LEEDS", "Leeds" and "Leeds "
were three areas, the briefing was headed and spanned by the first sorted
("LEEDS"), so the other spellings' records fell outside its span and its window.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.store import Store
from briefing.factory import append_assaults

AT = dt.datetime(2022, 2, 15, 6)


def _rows(
    prefix: str, borough: str, times: list[dt.datetime], precision: str = "exact"
) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"{prefix}{i}" for i in range(len(times))],
            "occurred_from": times,
            "time_precision": [precision] * len(times),
            "offence_code": ["8N"] * len(times),
            "borough": [borough] * len(times),
            "x": [400_000.0] * len(times),
            "y": [300_000.0] * len(times),
            "source": ["test"] * len(times),
            "force": ["West Yorkshire Police"] * len(times),
        }
    )


def _hourly(start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    n = int((end - start) / dt.timedelta(hours=6))
    return [start + dt.timedelta(hours=6 * i) for i in range(n)]


@pytest.fixture
def gap_store(any_store: Store) -> Store:
    """Leeds: 4 records a day in January and March 2022, none in February (a
    missing month); Bradford: one record on 1 January and one on 31 March (a quiet
    area: its empty February is no gap)."""
    leeds = _hourly(dt.datetime(2022, 1, 1), dt.datetime(2022, 2, 1)) + _hourly(
        dt.datetime(2022, 3, 1), dt.datetime(2022, 4, 1)
    )
    frames = [
        _rows("leeds", "Leeds", leeds),
        _rows(
            "brad",
            "Bradford",
            [dt.datetime(2022, 1, 1, 12), dt.datetime(2022, 3, 31, 12)],
        ),
    ]
    with any_store.transaction() as tx:
        append_assaults(tx, pl.concat(frames), pl.DataFrame())
    return any_store


def test_a_window_in_a_gap_of_the_area_s_records_is_not_counted(
    gap_store: Store,
) -> None:
    from avert.report.render import render_briefing_html
    from avert.workflows.briefing import build_briefing

    for area in ("Leeds", None):  # the area's records, and the store's
        b = build_briefing(gap_store, at=AT, area=area)
        assert b.records_missing is not None, area
        assert "a gap in what was loaded, not a quiet window" in b.records_missing
        assert ("records of Leeds are" in b.records_missing) == (area is not None)
        summary = b.to_json()["summary"]
        assert summary["n_incidents"] is None
        assert summary["not_computable"]["n_incidents"] == b.records_missing
        assert [p["count"] for p in b.trend["periods"]] == [None, None]
        assert "a gap in what was loaded" in render_briefing_html(b)


def test_a_quiet_area_s_empty_window_keeps_its_zero(gap_store: Store) -> None:
    from avert.workflows.briefing import build_briefing

    b = build_briefing(gap_store, at=AT, area="Bradford")
    assert b.records_missing is None
    assert b.to_json()["summary"]["n_incidents"] == 0


def test_a_missing_month_of_an_area_s_month_only_records_names_the_area(
    any_store: Store,
) -> None:
    """data.police.uk: Leeds' 300 month-only records of January and of March,
    none of February (Bradford's are loaded). Leeds' March briefing (at 15 April)
    said "previous month (February 2022): no records of any kind", though the
    store holds Bradford's February: none of Leeds'."""
    from avert.workflows.briefing import build_briefing

    frames = [
        *(
            _rows(f"m{m}-", "Leeds", [dt.datetime(2022, m, 1)] * 300, "month")
            for m in (1, 3)
        ),
        *(
            _rows(f"b{m}-", "Bradford", [dt.datetime(2022, m, 1)] * 5, "month")
            for m in (1, 2, 3)
        ),
    ]
    with any_store.transaction() as tx:
        append_assaults(tx, pl.concat(frames), pl.DataFrame())
    b = build_briefing(any_store, at=dt.datetime(2022, 4, 15, 6), area="Leeds")
    assert b.window_from == dt.datetime(2022, 3, 1)
    assert b.trend["previous_month"] is None
    assert (
        "previous month (February 2022): no records of Leeds of any kind"
        in b.trend["line"]
    ), b.trend["line"]


@pytest.fixture
def spelled_store(any_store: Store) -> Store:
    """Leeds spelled three ways: "LEEDS" (2 records, first sorted, in January),
    "Leeds" (5, the commonest, in the window's days) and "Leeds " (1); and "St
    Albans" beside "St. Albans", two places."""
    frames = [
        _rows("a", "LEEDS", [dt.datetime(2022, 1, 3), dt.datetime(2022, 1, 4)]),
        _rows("b", "Leeds", [AT - dt.timedelta(hours=h) for h in (1, 2, 3, 30, 50)]),
        _rows("c", "Leeds ", [AT - dt.timedelta(hours=4)]),
        _rows("d", "St Albans", [AT - dt.timedelta(hours=5)]),
        _rows("e", "St. Albans", [AT - dt.timedelta(hours=6)]),
    ]
    with any_store.transaction() as tx:
        append_assaults(tx, pl.concat(frames), pl.DataFrame())
    return any_store


def test_one_place_spelled_several_ways_is_one_area(spelled_store: Store) -> None:
    from avert.workflows.briefing import (
        area_as_stored,
        known_areas,
        stored_spellings,
    )

    assert known_areas(spelled_store) == ["Leeds", "St Albans", "St. Albans"]
    assert area_as_stored(spelled_store, "leeds") == "Leeds"
    assert area_as_stored(spelled_store, "LEEDS  ") == "Leeds"
    assert stored_spellings(spelled_store, "leeds") == ["Leeds", "LEEDS", "Leeds "]


def test_an_area_is_spanned_and_counted_by_every_spelling(
    spelled_store: Store,
) -> None:
    from avert.store.summary import area_incident_span
    from avert.workflows.briefing import build_briefing, stored_spellings

    span = area_incident_span(spelled_store, stored_spellings(spelled_store, "LEEDS"))
    assert span is not None
    assert span[0] == dt.datetime(2022, 1, 3)
    assert span[1] == AT - dt.timedelta(hours=1)
    b = build_briefing(spelled_store, at=AT, area="LEEDS")
    assert b.area == "Leeds"
    # the window's 4 records of "Leeds" and "Leeds ", not "LEEDS"'s 0
    assert len(b.incidents) == 4
    assert b.records_missing is None
    # distinct places stay apart
    assert len(build_briefing(spelled_store, at=AT, area="St Albans").incidents) == 1


def test_the_gap_rule_reads_no_record_after_the_briefing_s_time(
    any_store: Store,
) -> None:
    """A briefing for a past ``--at`` is as of then: the gap rule's run, rate and
    words come from the records before the window's end, never from those loaded
    for later days. Before: the run ended at the first record after the window
    (March's, two weeks after ``--at``) and the rate was the whole store's, so
    the note changed as later months were loaded."""
    from avert.workflows.briefing import build_briefing

    at = dt.datetime(2022, 2, 10, 6)
    # 4 a day to 31 January; 40 a day in March (loaded later: after --at)
    early = _hourly(dt.datetime(2022, 1, 1), dt.datetime(2022, 2, 1))
    late = [dt.datetime(2022, 3, 1) + dt.timedelta(minutes=36 * i) for i in range(1240)]
    with any_store.transaction() as tx:
        append_assaults(
            tx,
            pl.concat([_rows("j", "Leeds", early), _rows("m", "Leeds", late)]),
            pl.DataFrame(),
        )
    for area in ("Leeds", None):
        b = build_briefing(any_store, at=at, area=area)
        assert b.records_missing is not None, area
        said = b.records_missing
        assert "a gap in what was loaded" in said, said
        # the run so far: from the last record before the window to its end
        assert "to 2022-02-10 06:00" in said, said
        assert "2022-03-01" not in said, said
        # January's rate, not one raised by March's records
        assert "about 4 a day" in said, said
