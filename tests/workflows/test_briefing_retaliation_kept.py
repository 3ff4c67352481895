"""The briefing's retaliation alerts are kept while what they are made of is the
same, and a kept answer is the one made afresh.

A live store's *Today* ends its window at the present minute and is refreshed
every minute; its retaliation alerts were made again each minute though no
record had changed. They are kept now (:mod:`avert.workflows._kept_alerts`)
under the data generation, the profile, the configuration, the ids the sliding
window selects, the day and the frames they are made of. The reference here is
a second :class:`~avert.store.Store` over a copy of the same file, whose memo is
empty: its alerts are made afresh.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import avert.workflows.networks as networks_module
from avert.config.networks import default_networks_config
from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows.briefing_reads import read_briefing_frames
from avert.workflows.users import User
from avert.workflows.views import briefing_view, default_window_end


def _copy(store: Store, path: Path) -> Store:
    """A store over a copy of ``store``'s SQLite file (its committed rows)."""
    source = sqlite3.connect(store.url.sqlalchemy.removeprefix("sqlite:///"))
    target = sqlite3.connect(path)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    return Store(f"sqlite:///{path}")


@pytest.fixture
def live(city_store: Store, tmp_path: Path) -> Iterator[Store]:
    """A copy of the city's store of its own (the tests write to it)."""
    store = _copy(city_store, tmp_path / "live.db")
    yield store
    store.close()


@pytest.fixture
def made(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the alerts are made (each briefing makes them twice:
    without ties, then with them)."""
    calls: list[int] = []
    real = networks_module.retaliation_alerts

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(networks_module, "retaliation_alerts", counting)
    return calls


def _alerts(store: Store, at: dt.datetime) -> pl.DataFrame:
    frames, _ = read_briefing_frames(store, at=at)
    assert "retaliation" in frames
    return frames["retaliation"]


def _fresh(store: Store, at: dt.datetime, tmp_path: Path) -> pl.DataFrame:
    """The alerts of a store object with nothing kept, over a copy of ``store``."""
    other = _copy(store, tmp_path / f"fresh-{at:%H%M%S}.db")
    try:
        return _alerts(other, at)
    finally:
        other.close()


def _morning(store: Store) -> dt.datetime:
    """A time of the city's last day whose window raises alerts."""
    end, _ = default_window_end(store)
    return end - dt.timedelta(hours=20, minutes=7)


def test_the_next_minute_reuses_the_alerts_made_afresh(
    live: Store, made: list[int], tmp_path: Path
) -> None:
    at = _morning(live)
    first = _alerts(live, at)
    assert first.height > 0
    assert len(made) == 2  # without ties, then with them
    later = [_alerts(live, at + dt.timedelta(minutes=m)) for m in (1, 2)]
    assert len(made) == 2  # kept: not made again
    for minute, kept in zip((1, 2), later, strict=True):
        fresh = _fresh(live, at + dt.timedelta(minutes=minute), tmp_path)
        assert kept.equals(fresh), minute
    assert later[0].equals(first)


def _alerting_incident(store: Store, at: dt.datetime) -> tuple[str, dt.datetime]:
    """An incident of ``at``'s alerts recorded to the second, and its time."""
    alerts = _alerts(store, at)
    exact = store.read_frame(
        "incidents", columns=["incident_id", "occurred_from", "time_precision"]
    ).filter(
        pl.col("incident_id").is_in(alerts["incident_id"].implode())
        & (pl.col("time_precision").is_null() | (pl.col("time_precision") == "exact"))
    )
    assert exact.height
    row = exact.sort("occurred_from", "incident_id").row(0, named=True)
    return str(row["incident_id"]), row["occurred_from"]


def test_an_incident_leaving_the_sliding_window_makes_them_again(
    live: Store, made: list[int], tmp_path: Path
) -> None:
    """The window's start passes an alerting incident between two minutes: the
    alerts are made again, without it (nothing else changed: the frames read are
    the same, so a key of the frames alone would have kept the old ones)."""
    incident, when = _alerting_incident(live, _morning(live))
    window = dt.timedelta(days=default_networks_config().retaliation.window_days)
    inside = when + window - dt.timedelta(minutes=2)  # the window starts before it
    made.clear()
    before = _alerts(live, inside)
    assert incident in before["incident_id"].to_list()
    assert _alerts(live, inside + dt.timedelta(minutes=1)).equals(before)
    assert len(made) == 2  # the next minute's are kept (made once, twice)
    outside = inside + dt.timedelta(minutes=3)  # the window starts after it
    after = _alerts(live, outside)
    assert len(made) > 2  # made again
    assert incident not in after["incident_id"].to_list()
    assert after.equals(_fresh(live, outside, tmp_path))


def _new_incident(store: Store, at: dt.datetime) -> None:
    """A copy of an alerting incident an hour before ``at``, its victim the same."""
    incident, _ = _alerting_incident(store, at)
    copy = pl.lit("KEPT-ALERTS-NEW")
    with store.transaction() as tx:
        tx.append(
            "incidents",
            store.read_frame("incidents")
            .filter(pl.col("incident_id") == incident)
            .with_columns(
                incident_id=copy, occurred_from=pl.lit(at - dt.timedelta(hours=1))
            ),
        )
        tx.append(
            "classifications",
            store.read_frame("classifications")
            .filter(pl.col("incident_id") == incident)
            .with_columns(incident_id=copy),
        )
        tx.append(
            "involvements",
            store.read_frame("involvements")
            .filter(pl.col("incident_id") == incident)
            .with_columns(incident_id=copy),
        )


def _declassified(store: Store, at: dt.datetime) -> None:
    """An alerting incident classified again, outside the violence definition."""
    incident, _ = _alerting_incident(store, at)
    row = store.read_frame(
        "classifications", where=[("incident_id", "=", incident)]
    ).with_columns(in_definition=pl.lit(value=False))
    store.replace_rows("classifications", row, where=[("incident_id", "=", incident)])


def _kin(store: Store, at: dt.datetime) -> None:
    """A sibling of the first alert's victim, recorded as of the day before."""
    victim = str(_alerts(store, at)["victim_id"][0])
    other = (
        store.read_frame("people", columns=["person_id"])
        .filter(pl.col("person_id") != victim)["person_id"]
        .max()
    )
    row = store.read_frame("relationships").head(0)
    values = {
        "person_a": victim,
        "person_b": other,
        "kind": "sibling",
        "valid_from": at.date() - dt.timedelta(days=1),
    }
    with store.transaction() as tx:
        tx.append(
            "relationships",
            pl.DataFrame(
                {name: [values.get(name)] for name in row.columns},
                schema=row.schema,
            ),
        )


@pytest.mark.parametrize(
    "write",
    [_new_incident, _declassified, _kin],
    ids=["new-incident", "classified-again", "kin"],
)
def test_a_write_makes_them_again(
    live: Store,
    made: list[int],
    tmp_path: Path,
    write: Callable[[Store, dt.datetime], None],
) -> None:
    at = _morning(live)
    before = _alerts(live, at)
    _alerts(live, at + dt.timedelta(minutes=1))
    assert len(made) == 2  # the next minute's are kept
    write(live, at)
    after = _alerts(live, at + dt.timedelta(minutes=2))
    assert len(made) > 2  # a new data generation: made again
    assert not after.equals(before)  # (the write changes them)
    assert after.equals(_fresh(live, at + dt.timedelta(minutes=2), tmp_path))


def test_a_kept_answer_writes_the_audit_row_a_fresh_one_writes(
    live: Store, made: list[int], tmp_path: Path
) -> None:
    """*Today* of the next minute, its alerts kept, records the view as the same
    page made afresh does: one row, the same people counted and digested."""
    at = _morning(live) + dt.timedelta(minutes=1)

    def view(store: Store, when: dt.datetime) -> dict[str, Any]:
        url = store.url.sqlalchemy
        settings = load_settings({}).with_overrides(
            database_url=url, secret_key="s" * 40, pseudonym_key="p" * 40
        )
        rows = store.read_frame("audit").height
        briefing_view(store, settings, user=User("chair", "chair"), at=when)
        audit = store.read_frame("audit").sort("at")
        assert audit.height == rows + 1
        return audit.select("action", "object", "reason", "detail").row(-1, named=True)

    view(live, at - dt.timedelta(minutes=1))
    fresh = _copy(live, tmp_path / "audit-fresh.db")
    try:
        want = view(fresh, at)
    finally:
        fresh.close()
    made.clear()
    got = view(live, at)
    assert not made  # the alerts were kept
    assert got == want
    assert "people" in str(got["detail"])


def test_a_partner_after_the_police_gets_pseudonyms_from_the_kept_alerts(
    live: Store, made: list[int]
) -> None:
    """The kept alerts hold the police's person ids (one memo per store, not per
    audience): a partner's *Today* of the next minute reuses them, and its page
    names none of the people the police's names."""
    at = _morning(live)
    settings = load_settings({}).with_overrides(
        database_url=live.url.sqlalchemy,
        secret_key="s" * 40,
        pseudonym_key="Xq7vR2mZ9pL4wT8yK1nB6cH3jF5dS0gAe",
    )
    police = briefing_view(live, settings, user=User("chair", "chair"), at=at)
    named = {
        str(person)
        for row in police.data["retaliation"]
        for person in (
            row["victim_id"],
            *row["at_risk_of_retaliation_from"],
            *row["possible_targets"],
        )
    }
    assert named
    made.clear()
    partner = briefing_view(
        live,
        settings,
        user=User("partner", "partner", org="Council"),
        at=at + dt.timedelta(minutes=1),
    )
    assert not made  # the police's alerts were kept and reused
    assert len(partner.data["retaliation"]) == len(police.data["retaliation"])
    text = str(partner.data)
    assert not {person for person in named if person in text}


def test_an_old_incident_leaving_the_briefings_year_keeps_the_alerts(
    live: Store, made: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The briefing reads its people's year of history, whose start slides with
    the minute: its oldest incident leaving it made the alerts again (2 minutes
    in 15 of a live *Today* on the synthetic city), though a conflict that old
    names no rival (``rival_history_days`` before the window's first day). They
    are kept now, and the same as made from every incident read. The old
    incident here is a copy of an alerting one (a conflict of the same people)
    dated a day before that bound."""
    from avert.workflows import briefing_reads

    at = _morning(live)
    frames, _ = read_briefing_frames(live, at=at)
    cfg = default_networks_config()
    first_day = (at - dt.timedelta(days=cfg.retaliation.window_days)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    bound = first_day - dt.timedelta(days=cfg.retaliation.rival_history_days)
    incident, _ = _alerting_incident(live, at)
    old = (
        frames["incidents"]
        .filter(pl.col("incident_id") == incident)
        .with_columns(
            pl.lit("old-conflict").alias("incident_id"),
            pl.lit(bound - dt.timedelta(days=1)).alias("occurred_from"),
        )
    )
    old_people = (
        frames["involvements"]
        .filter(pl.col("incident_id") == incident)
        .with_columns(pl.lit("old-conflict").alias("incident_id"))
    )
    fuller = {
        **frames,
        "incidents": pl.concat([frames["incidents"], old], how="vertical_relaxed"),
        "involvements": pl.concat([frames["involvements"], old_people]),
    }
    made.clear()
    first, _ = briefing_reads._retaliation_alerts(
        live, fuller, at=at, profile="avb-2010"
    )
    assert first is not None
    assert first.height > 0
    assert len(made) == 0  # the same as read_briefing_frames' own: kept
    again, _ = briefing_reads._retaliation_alerts(
        live, frames, at=at, profile="avb-2010"
    )
    assert len(made) == 0  # the next minute's frames, the old one gone: kept
    assert again is not None
    assert again.equals(first)
    # made afresh from every incident (no history left out) they are the same
    other = _copy(live, tmp_path / "every-incident.db")
    try:
        monkeypatch.setattr(
            networks_module, "_rival_history", lambda inc, inv, since, cfg: (inc, inv)
        )
        whole, _ = briefing_reads._retaliation_alerts(
            other, fuller, at=at, profile="avb-2010"
        )
    finally:
        other.close()
    assert len(made) == 2
    assert whole is not None
    assert whole.equals(first)


def test_a_conflict_on_the_bound_s_day_still_names_the_rival() -> None:
    """The history left out of the kept frames ends at 00:00 of the window's first
    day less ``rival_history_days``, not at its start's time less them, and holds
    the bound itself: an incident dated alone on that first day (stored at 00:00)
    alerts, and a conflict at 00:00 of the bound's day, before a 10:00 start less
    the days, is within its ``rival_history_days`` and names its rival. The alert
    is the same made from the kept frames as from every incident; the older
    conflict, a minute before the bound, names no rival in either."""
    from avert.analyse.networks import retaliation_alerts

    cfg = default_networks_config()
    at = dt.datetime(2025, 6, 20, 10, 0)
    since = at - dt.timedelta(days=cfg.retaliation.window_days)
    first_day = since.replace(hour=0)
    bound = first_day - dt.timedelta(days=cfg.retaliation.rival_history_days)
    times = {
        "ALERT": first_day,  # dated alone on the window's first day: alerts
        "ON-THE-BOUND": bound,  # names rival G-B
        "BEFORE-BOUND": bound - dt.timedelta(minutes=1),  # names no rival
    }
    incidents = pl.DataFrame(
        {
            "incident_id": list(times),
            "occurred_from": list(times.values()),
            "time_precision": ["day", "exact", "exact"],
            "harm_days": [30.0, 30.0, 30.0],
            "in_definition": [True, True, True],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": [
                "ALERT",
                *("ON-THE-BOUND", "ON-THE-BOUND"),
                *("BEFORE-BOUND", "BEFORE-BOUND"),
            ],
            "person_id": ["a1", "b1", "a2", "c1", "a2"],
            "role": ["victim", "suspect", "victim", "suspect", "victim"],
        }
    )
    membership = pl.DataFrame(
        {
            "group_id": ["G-A", "G-A", "G-B", "G-C"],
            "person_id": ["a1", "a2", "b1", "c1"],
            "origin": ["declared"] * 4,
        }
    )
    kept_inc, kept_inv = networks_module._rival_history(
        incidents, involvements, since, cfg
    )
    assert kept_inc["incident_id"].to_list() == ["ALERT", "ON-THE-BOUND"]

    def alerts(inc: pl.DataFrame, inv: pl.DataFrame) -> pl.DataFrame:
        return retaliation_alerts(
            inc, inv, membership, since=since, until=at, config=cfg
        ).frame

    every = alerts(incidents, involvements)
    assert every["rival_groups"].to_list() == [["G-B"]]
    assert alerts(kept_inc, kept_inv).equals(every)
