"""A rotating pseudonym key must not let partners link one period's pseudonyms to
the next (review of ``pseudonym_rotation``): two partner briefings whose windows
straddle the month's start showed the same incidents (exact time, offence, LSOA)
under October's and November's keys, so October's pseudonyms linked to November's.
The partner briefing now starts no earlier than its key period."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from pathlib import Path
from typing import Any

import pytest

from avert.errors import ConfigError
from avert.store import Store
from avert.workflows.briefing import build_briefing, run_briefing

KEY = secrets.token_urlsafe(32)
NOV = dt.datetime(2026, 11, 1)


def _partner(store: Store, at: dt.datetime, rotation: str = "monthly") -> Any:
    briefing = build_briefing(
        store,
        at=at,
        hours=168,
        audience="partner",
        pseudonym_key=KEY,
        pseudonym_rotation=rotation,
        organisation="council",
    )
    return json.loads(json.dumps(briefing.to_json(), default=str))


def _keys(data: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {
        (i["occurred_from"], i["offence_code"], i["lsoa"]) for i in data["incidents"]
    }


def test_straddling_partner_briefings_share_no_incident(city_store: Store) -> None:
    october = _partner(city_store, dt.datetime(2026, 10, 31, 23))
    november = _partner(city_store, dt.datetime(2026, 11, 1, 5))
    assert october["incidents"], "the check needs incidents at the end of October"
    assert not _keys(october) & _keys(november)
    assert november["window"]["from"].startswith("2026-11-01T00:00")
    for section in ("incidents", "retaliation"):
        for item in november[section]:
            assert item["occurred_from"] >= NOV.isoformat(), (section, item)
    for section in ("people", "repeat_victims", "asb_callers"):
        for item in november[section]:
            for key in ("first_at", "last_at"):
                assert (item.get(key) or NOV.isoformat()) >= NOV.isoformat(), item
    for zone in november["places_summary"].get("near_repeat", {}).get("zones", []):
        assert zone["occurred_at"] >= NOV.isoformat()
    assert any("key period" in n for n in november["notes"]), november["notes"]


def test_quarterly_rotation_starts_at_the_quarter(city_store: Store) -> None:
    data = _partner(city_store, dt.datetime(2026, 10, 2, 5), rotation="quarterly")
    assert data["window"]["from"].startswith("2026-10-01T00:00")


def test_without_rotation_the_window_is_not_clipped(city_store: Store) -> None:
    data = _partner(city_store, dt.datetime(2026, 11, 1, 5), rotation="none")
    assert data["window"]["from"].startswith("2026-10-25T05:00")


def test_the_written_partner_briefing_is_clipped(
    city_store: Store, tmp_path: Path
) -> None:
    """``avert brief --audience partner`` writes through :func:`run_briefing`."""
    files = run_briefing(
        city_store,
        at=dt.datetime(2026, 11, 1, 5),
        out_dir=tmp_path / "out",
        hours=168,
        audience="partner",
        pseudonym_key=KEY,
        pseudonym_rotation="monthly",
        pdf=False,
        organisation="council",
    )
    data = json.loads(files.json.read_text())
    assert data["window"]["from"].startswith("2026-11-01T00:00")
    assert all(i["occurred_from"] >= NOV.isoformat() for i in data["incidents"])


def test_less_than_an_hour_into_the_period_is_refused(city_store: Store) -> None:
    with pytest.raises(ConfigError, match="key period's start"):
        _partner(city_store, dt.datetime(2026, 11, 1, 0, 30))


def test_an_incident_dated_alone_on_the_period_s_first_day_keeps_its_alert_and_zone() -> (
    None
):
    """At 05:30 on 1 November a monthly key's briefing starts at 00:30 (whole
    hours): an incident dated 1 November alone (stored at 00:00, its time unknown)
    is in its window (its day runs past 00:30), and the day is the period's own.
    Its retaliation alert and near-repeat zone were dropped as "before the key
    period" (00:00 < 00:30, compared plainly); one dated 31 October alone, and one
    timed at 00:10, are still dropped (the window's rule: started_by)."""
    import dataclasses

    import polars as pl

    from avert.briefing.places import PlacesForecast
    from avert.workflows.briefing import _drop_before

    since = NOV + dt.timedelta(minutes=30)
    rows = [  # incident, occurred_from, precision, kept
        ("alone-nov", NOV, "day", True),
        ("alone-oct", NOV - dt.timedelta(days=1), "day", False),
        ("timed-0010", NOV + dt.timedelta(minutes=10), "exact", False),
        ("timed-0100", NOV + dt.timedelta(hours=1), "exact", True),
    ]
    ids = [r[0] for r in rows]
    incidents = pl.DataFrame(
        {"incident_id": ids, "time_precision": [r[2] for r in rows]}
    )
    retaliation = pl.DataFrame(
        {"incident_id": ids, "occurred_from": [r[1] for r in rows], "victim_id": ids}
    )
    zones = pl.DataFrame(
        {"occurred_at": [r[1] for r in rows], "time_precision": [r[2] for r in rows]}
    )
    places = PlacesForecast(
        **{f.name: None for f in dataclasses.fields(PlacesForecast)} | {"zones": zones}
    )
    out, kept = _drop_before(
        {"retaliation": retaliation, "incidents": incidents}, places, since=since
    )
    expected = [r[0] for r in rows if r[3]]
    assert out["retaliation"]["incident_id"].to_list() == expected
    assert out["retaliation"].columns == retaliation.columns
    assert kept is not None
    assert kept.zones["occurred_at"].to_list() == [r[1] for r in rows if r[3]]
