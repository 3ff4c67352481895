"""The Incidents page's read: the window's incidents joined to their classification."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows import views
from avert.workflows.users import User


def _whole_table_reference(
    store: Store, profile: str, since: dt.datetime, until: dt.datetime
) -> pl.DataFrame:
    """The read before: the window's incidents, every classification of the
    definition, joined in Polars (0.26 s of CPU a request on 420,000 incidents)."""
    incidents = store.read_frame(
        "incidents",
        columns=["incident_id", "occurred_from"],
        where=[("occurred_from", ">=", since), ("occurred_from", "<", until)],
    )
    classes = store.read_frame(
        "classifications",
        columns=["incident_id", "in_definition", "harm_days", "rule_ids"],
        where=[("profile", "=", profile)],
    )
    return (
        incidents.join(classes, on="incident_id", how="inner")
        .filter(pl.col("in_definition"))
        .drop("in_definition")
    )


def test_the_incidents_page_finds_what_the_whole_table_join_found(
    city_store: Store,
) -> None:
    """Same incidents, harms, rules and order as reading every classification of
    the definition and joining them, over windows of a day to the whole city."""
    settings = load_settings({})
    profile = settings.definition_id()
    span = city_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ]
    last = span.max()
    assert isinstance(last, dt.datetime)
    user = User("ana", "analyst")
    for days in (1, 7, 90, 10_000):
        since, until = last - dt.timedelta(days=days), last + dt.timedelta(seconds=1)
        found = views.incidents_view(
            city_store, settings, user=user, date_from=since, date_to=until
        )
        expected = views.incidents_by_harm(
            _whole_table_reference(city_store, profile, since, until)
        )
        assert found["total"] == expected.height > 0
        shown = found["incidents"]
        head = expected.head(len(shown))
        assert [r["incident_id"] for r in shown] == head["incident_id"].to_list()
        assert [r["harm_days"] for r in shown] == head["harm_days"].to_list()
        assert [list(r["rule_ids"] or []) for r in shown] == [
            list(x or []) for x in head["rule_ids"].to_list()
        ]


def test_the_incidents_page_reads_only_the_windows_classifications(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It read every classification of the definition (a force's 420,000 rows with
    their rule ids) on each request to join a week's incidents."""
    tables: list[str] = []
    real = city_store.read_frame

    def recorded(table: str, *args: object, **kwargs: object) -> pl.DataFrame:
        tables.append(table)
        return real(table, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(city_store, "read_frame", recorded)
    until = dt.datetime(2030, 1, 1)
    views.incidents_view(
        city_store,
        load_settings({}),
        user=User("ana", "analyst"),
        date_from=until - dt.timedelta(days=7),
        date_to=until,
    )
    assert "classifications" not in tables
