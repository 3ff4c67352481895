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
    )
    data = json.loads(files.json.read_text())
    assert data["window"]["from"].startswith("2026-11-01T00:00")
    assert all(i["occurred_from"] >= NOV.isoformat() for i in data["incidents"])


def test_less_than_an_hour_into_the_period_is_refused(city_store: Store) -> None:
    with pytest.raises(ConfigError, match="key period's start"):
        _partner(city_store, dt.datetime(2026, 11, 1, 0, 30))
