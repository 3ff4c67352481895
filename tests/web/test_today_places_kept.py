"""*Today*'s places: the forecast's backtest and the Knox test are measured once a
day per data generation and scope, not at every minute.

A live store's *Today* ends its window at the present minute and the page
refreshes every minute, so each refresh was a new briefing, whose places measured
the 90-day backtest and the Knox test again (0.8 of 0.9 s of CPU a minute on a
synthetic city of 77,679 incidents) though no record had changed. They are of
whole days now (:func:`avert.workflows.forecast.briefing_places`): a later minute
of the same day, data generation and scope reuses them; a load measures them
again; a partner's briefing never reuses the police's.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi import FastAPI

import avert.analyse.forecast._plan as plan_module
import avert.workflows.places as places_module
from avert.store import Store
from avert.web import create_app
from web.helpers import World, signed_in


def _app(world: World, tmp_path: Path) -> FastAPI:
    """The web app over a copy of the demo's store (its own memos' keys)."""
    path = tmp_path / "today.db"
    shutil.copyfile(world.demo_dir.parent / "web.db", path)
    url = f"sqlite:///{path}"
    return create_app(world.settings.with_overrides(database_url=url), Store(url))


def _nine(app: FastAPI) -> dt.datetime:
    """09:00 of the day after the store's last incident: a meeting's morning."""
    store: Store = app.state.avert.store
    last = store.read_frame("incidents", columns=["occurred_from"])["occurred_from"]
    day = last.max()
    assert isinstance(day, dt.datetime)
    return dt.datetime.combine(day.date() + dt.timedelta(days=1), dt.time(9))


def _counted(monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """How many backtests and Knox tests are run from now on."""
    counts = {"backtest": 0, "knox": 0}

    def counting(name: str, real: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            counts[name] += 1
            return real(*args, **kwargs)

        return run

    monkeypatch.setattr(
        plan_module, "backtest_share", counting("backtest", plan_module.backtest_share)
    )
    monkeypatch.setattr(
        places_module,
        "run_near_repeat",
        counting("knox", places_module.run_near_repeat),
    )
    return counts


def _today(client: Any, at: dt.datetime, *, fragment: bool = False) -> str:
    path = "/today/briefing" if fragment else "/today"
    headers = {"HX-Request": "true"} if fragment else {}
    page = client.get(f"{path}?at={at:%Y-%m-%dT%H:%M}", headers=headers)
    assert page.status_code == 200, page.text
    assert "Expected share" in page.text  # the places forecast is on the page
    text: str = page.text
    return text


@dataclass(frozen=True)
class _Morning:
    """The web app of :func:`_app` with its measures counted, the chair signed in
    and the meeting's 09:00, whose *Today* the chair has read once."""

    app: FastAPI
    counts: dict[str, int]
    chair: Any
    nine: dt.datetime


@pytest.fixture
def morning(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> _Morning:
    """The chair's *Today* at 09:00 read once, which measures the backtest and
    the Knox test once each."""
    app = _app(world, tmp_path)
    counts = _counted(monkeypatch)
    chair = signed_in(app, "chair")
    nine = _nine(app)
    _today(chair, nine)
    assert counts == {"backtest": 1, "knox": 1}
    return _Morning(app=app, counts=counts, chair=chair, nine=nine)


def test_the_next_minutes_reuse_the_day_s_backtest_and_knox_test(
    morning: _Morning,
) -> None:
    app, counts, chair, nine = morning.app, morning.counts, morning.chair, morning.nine
    _today(chair, nine + dt.timedelta(minutes=1))
    _today(chair, nine + dt.timedelta(minutes=2), fragment=True)  # htmx's refresh
    _today(signed_in(app, "analyst"), nine + dt.timedelta(hours=5))  # another user
    assert counts == {"backtest": 1, "knox": 1}
    # the next day is measured on its own days
    _today(chair, nine + dt.timedelta(days=1))
    assert counts == {"backtest": 2, "knox": 2}


def test_a_load_between_two_minutes_measures_them_again(morning: _Morning) -> None:
    app, counts, chair, nine = morning.app, morning.counts, morning.chair, morning.nine
    _today(chair, nine + dt.timedelta(minutes=1))
    assert counts == {"backtest": 1, "knox": 1}
    store: Store = app.state.avert.store
    one = store.read_frame("incidents").sort("incident_id").head(1)
    late = dt.datetime.combine(nine.date(), dt.time()) - dt.timedelta(days=3)
    with store.transaction() as tx:  # a load of one more incident, days before
        tx.append(
            "incidents",
            one.with_columns(
                incident_id=pl.lit("LOADED-LATE"), occurred_from=pl.lit(late)
            ),
        )
    _today(chair, nine + dt.timedelta(minutes=2))
    assert counts == {"backtest": 2, "knox": 2}
    _today(chair, nine + dt.timedelta(minutes=3))
    assert counts == {"backtest": 2, "knox": 2}


def test_a_partner_does_not_reuse_the_police_s_places(morning: _Morning) -> None:
    """The partner's page shows the places otherwise (no zone of a domestic
    incident, cell centres): its briefing's places are measured for the partner
    audience, and then reused by the partner's next minutes only."""
    app, counts, chair, nine = morning.app, morning.counts, morning.chair, morning.nine
    partner = signed_in(app, "partner")
    _today(partner, nine)
    assert counts == {"backtest": 2, "knox": 2}
    for minute in (1, 2):
        _today(chair, nine + dt.timedelta(minutes=minute))
        _today(partner, nine + dt.timedelta(minutes=minute))
    assert counts == {"backtest": 2, "knox": 2}
