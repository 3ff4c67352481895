"""The Incidents page's and the plan checks' joined reads (the window's incidents
joined to their classification in SQL, ``queries.classified_between``) give what
reading every classification of the definition and joining in Polars gave: on the
synthetic city over windows of a day to all of it, on PostgreSQL as on SQLite, on an
empty store and on one not yet classified; and they no longer read every
classification (a force's 420,000 rows with their rule ids, on each request)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from avert.config.settings import load_settings
from avert.store import Store, kept
from avert.synth import CityConfig, make_city, write_bundle
from avert.workflows import views
from avert.workflows.definitions import classify_store
from avert.workflows.delivery import _checks
from avert.workflows.load import load_files
from avert.workflows.users import User

_PROFILE = "avb-2010"


def _fill(store: Store, root: Path) -> None:
    world = make_city(dataclasses.replace(CityConfig(), people=800, days=90), seed=3)
    write_bundle(world, root / "bundle")
    load_files(store, [root / "bundle"], kind="bundle")
    classify_store(store, profile=_PROFILE)


def _last_day(store: Store) -> dt.date:
    """The day after the store's latest incident."""
    last = store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(last, dt.datetime)
    return last.date() + dt.timedelta(days=1)


def _tables_read(
    store: Store, monkeypatch: pytest.MonkeyPatch, call: Callable[[], object]
) -> list[str]:
    """The tables ``call`` reads whole through ``store.read_frame``."""
    tables: list[str] = []
    real = store.read_frame

    def recorded(table: str, *args: object, **kwargs: object) -> pl.DataFrame:
        tables.append(table)
        return real(table, *args, **kwargs)  # type: ignore[arg-type]

    with monkeypatch.context() as patch:
        patch.setattr(store, "read_frame", recorded)
        call()
    return tables


def _whole_table_join(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    *,
    columns: list[str],
    profile: str,
    class_columns: tuple[str, ...],
    in_definition_only: bool = False,
    keep: bool = False,  # the read before kept nothing
) -> pl.DataFrame:
    """The read before: the window's incidents joined in Polars to every
    classification of the profile (null where none); ``in_definition_only``: then
    those the definition counts, filtered in Polars (``keep``: read afresh)."""
    incidents = store.read_frame(
        "incidents",
        columns=list(columns),
        where=[("occurred_from", ">=", start), ("occurred_from", "<", end)],
    )
    classes = store.read_frame(
        "classifications",
        columns=["incident_id", *class_columns],
        where=[("profile", "=", profile)],
    )
    joined = incidents.join(classes, on="incident_id", how="left")
    return joined.filter(pl.col("in_definition")) if in_definition_only else joined


@pytest.mark.postgres
def test_the_joined_reads_find_on_postgresql_what_the_whole_table_join_found(
    postgres_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Incidents page and the plan's checks, read joined in SQL on PostgreSQL,
    give what reading every classification and joining in Polars gave."""
    _fill(postgres_store, tmp_path)
    settings = load_settings({})
    last = postgres_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(last, dt.datetime)
    user = User("ana", "analyst")
    since, until = last - dt.timedelta(days=30), last + dt.timedelta(seconds=1)
    today = last.date() + dt.timedelta(days=1)
    found = views.incidents_view(
        postgres_store, settings, user=user, date_from=since, date_to=until
    )
    top, victims = _checks._harm_frames(
        postgres_store, _PROFILE, today, cell_size_m=150.0
    )
    with monkeypatch.context() as patch:
        patch.setattr(views.queries, "classified_between", _whole_table_join)
        before = views.incidents_view(
            postgres_store, settings, user=user, date_from=since, date_to=until
        )
        top_before, victims_before = _checks._harm_frames(
            postgres_store, _PROFILE, today, cell_size_m=150.0
        )
    assert found["total"] > 0
    assert found == before
    assert top.height > 0
    assert_frame_equal(top, top_before)
    assert_frame_equal(victims.sort("person_id"), victims_before.sort("person_id"))


def _before_and_after(
    store: Store, monkeypatch: pytest.MonkeyPatch, today: dt.date
) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """(Incidents page, plan checks) over the 30 days to ``today``, read joined in
    SQL, then as before (every classification read and joined in Polars)."""
    settings = load_settings({})
    until = dt.datetime.combine(today, dt.time())
    since = until - dt.timedelta(days=30)

    def read() -> tuple[Any, ...]:
        page = views.incidents_view(
            store, settings, user=User("ana", "analyst"), date_from=since, date_to=until
        )
        top, victims = _checks._harm_frames(store, _PROFILE, today, cell_size_m=150.0)
        return page, top, victims.sort("person_id")

    now = read()
    with monkeypatch.context() as patch:
        patch.setattr(views.queries, "classified_between", _whole_table_join)
        before = read()
    return now, before


def test_the_joined_reads_match_on_an_empty_and_an_unclassified_store(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No incident, then incidents with no classification: nothing found, as
    before (the page saying what is missing), on SQLite and PostgreSQL."""
    today = dt.date(2026, 11, 24)
    now, before = _before_and_after(any_store, monkeypatch, today)
    assert now[0] == before[0]
    assert now[0]["total"] == 0
    for a, b in zip(now[1:], before[1:], strict=True):
        assert a.height == b.height == 0
        assert a.columns == b.columns
    world = make_city(dataclasses.replace(CityConfig(), people=500, days=30), seed=4)
    write_bundle(world, tmp_path / "bundle")
    load_files(any_store, [tmp_path / "bundle"], kind="bundle")  # not classified
    last = any_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(last, dt.datetime)
    now, before = _before_and_after(
        any_store, monkeypatch, last.date() + dt.timedelta(days=1)
    )
    assert now[0] == before[0]
    assert now[0]["total"] == 0
    for a, b in zip(now[1:], before[1:], strict=True):
        assert a.height == b.height == 0


def test_the_incidents_page_finds_what_the_whole_table_join_found(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same incidents, harms, rules and order, over windows of a day to the whole
    city."""
    settings = load_settings({})
    user = User("ana", "analyst")
    until = dt.datetime.combine(_last_day(city_store), dt.time())
    for days in (1, 7, 90, 10_000):
        since = until - dt.timedelta(days=days)
        found = views.incidents_view(
            city_store, settings, user=user, date_from=since, date_to=until
        )
        with monkeypatch.context() as patch:
            patch.setattr(views.queries, "classified_between", _whole_table_join)
            before = views.incidents_view(
                city_store, settings, user=user, date_from=since, date_to=until
            )
        assert found["total"] > 0
        assert found == before


def test_the_checks_find_what_the_whole_table_join_found(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same top-harm people, places and groups and the same repeat victims, over
    the year to the city's last day and to a month before it."""
    for today in (
        _last_day(city_store),
        _last_day(city_store) - dt.timedelta(days=30),
    ):
        now, before = _before_and_after(city_store, monkeypatch, today)
        assert now[1].height > 0
        assert now[2].height > 0
        assert_frame_equal(now[1], before[1])
        assert_frame_equal(now[2], before[2])


def test_the_incidents_page_and_the_checks_read_no_classification_whole(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both read every classification of the definition to join a week's (or a
    year's) incidents."""
    until = dt.datetime(2030, 1, 1)
    tables = _tables_read(
        city_store,
        monkeypatch,
        lambda: views.incidents_view(
            city_store,
            load_settings({}),
            user=User("ana", "analyst"),
            date_from=until - dt.timedelta(days=7),
            date_to=until,
        ),
    )
    tables += _tables_read(
        city_store,
        monkeypatch,
        lambda: _checks._harm_frames(
            city_store, _PROFILE, _last_day(city_store), cell_size_m=150.0
        ),
    )
    assert "classifications" not in tables


def test_the_incidents_page_reads_only_the_definitions_incidents(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page read every incident of its window with its classification and
    dropped those outside the definition in Polars: on London's month-only data
    (its default window is the month) 72,301 rows read for 24,333 found, 0.53 s of
    CPU a request; the definition's filter is now in the SQL (0.31 s)."""
    fetched: list[int] = []
    real = city_store._query
    # the page keeps its window's read: another test's read of it must not be found
    monkeypatch.setattr(kept, "_KEPT", weakref.WeakKeyDictionary())

    def counted(*args: Any, **kwargs: Any) -> pl.DataFrame:
        frame = real(*args, **kwargs)
        fetched.append(frame.height)
        return frame

    monkeypatch.setattr(city_store, "_query", counted)
    until = dt.datetime.combine(_last_day(city_store), dt.time())
    found = views.incidents_view(
        city_store,
        load_settings({}),
        user=User("ana", "analyst"),
        date_from=until - dt.timedelta(days=90),
        date_to=until,
    )
    assert 0 < found["total"] < city_store.count("incidents")
    assert max(fetched) == found["total"]
