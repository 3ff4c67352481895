"""The Incidents and MARAC pages shown again read their window of incidents no
more until a write of analysed data (:mod:`avert.store.kept`): on London's 2022 Q1
(203,519 incidents) each showing read the window anew, 0.3-1.3 s a request. What
they show is the same; a write shows on the next request."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from avert.config.settings import load_settings
from avert.store import Store, queries
from avert.workflows import views
from avert.workflows.marac import run_marac
from avert.workflows.users import User

_AT = dt.datetime(2024, 6, 1, 12)


def _counting(
    monkeypatch: pytest.MonkeyPatch, owner: object, name: str, table: str | None
) -> list[str]:
    """Each call of ``owner.name`` (on ``table`` when given), recorded."""
    calls: list[str] = []
    real: Callable[..., Any] = getattr(owner, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        if table is None or table in args:
            calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, counted)
    return calls


def _incidents(store: Store, **filters: str) -> dict[str, Any]:
    last = store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(last, dt.datetime)
    return views.incidents_view(
        store,
        load_settings({}),
        user=User("ana", "analyst"),
        date_from=last - dt.timedelta(days=60),
        date_to=last + dt.timedelta(seconds=1),
        **filters,
    )


def test_the_incidents_page_again_reads_its_window_no_more(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _counting(monkeypatch, queries, "_classified_window", None)
    first = _incidents(city_store)
    assert reads  # the window read once
    reads.clear()
    again = _incidents(city_store)
    domestic = _incidents(city_store, flag="domestic")
    assert reads == []  # ... and kept: other filters read it no more
    assert again == first
    # the same order (harm, then latest, then id) and the same rows as the full list
    ids = [r["incident_id"] for r in first["incidents"] if r["domestic"]]
    assert [r["incident_id"] for r in domestic["incidents"]] == ids
    assert domestic["total"] == len(ids) > 0


def _append(store: Store, first: int, n: int) -> None:
    ids = [f"i{k}" for k in range(first, first + n)]
    with store.transaction() as tx:
        if first == 0:
            tx.append("people", pl.DataFrame({"person_id": ["P1"], "source": "t"}))
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ids,
                    "occurred_from": [
                        _AT - dt.timedelta(days=k) for k in range(first, first + n)
                    ],
                    "domestic": [True] * n,
                    "source": ["test"] * n,
                    "time_precision": ["exact"] * n,
                }
            ),
        )
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ids,
                    "person_id": ["P1"] * n,
                    "role": ["victim"] * n,
                    "source": ["t"] * n,
                }
            ),
        )


def test_the_marac_list_again_reads_its_year_no_more_until_a_load(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _append(any_store, 0, 2)
    reads = _counting(monkeypatch, type(any_store), "read_frame", "incidents")
    first = run_marac(any_store, at=_AT)
    assert len(reads) == 1
    again = run_marac(any_store, at=_AT)
    assert len(reads) == 1  # kept for the store's data generation
    assert again.frame.equals(first.frame)
    assert again.notes == first.notes
    assert first.frame.height == 0  # two domestic incidents: below the three
    _append(any_store, 2, 1)  # a load: the next list reads the window again
    after = run_marac(any_store, at=_AT)
    assert len(reads) == 2
    assert after.frame["person_id"].to_list() == ["P1"]
    assert after.frame["n_domestic"].to_list() == [3]


def test_the_warm_up_reads_both_pages_first_views(
    city_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The served app's warm-up makes the first Incidents view (its default
    window) and the first MARAC list find their reads kept, showing nothing."""
    store = Store(
        city_store.url.sqlalchemy
    )  # a store object of its own: nothing kept yet
    settings = load_settings({})
    views.warm_up_views(
        store,
        settings,
        person_networks=views.ResultCache(ttl_s=600.0),
        briefings=views.BriefingCache(),
    )
    windows = _counting(monkeypatch, queries, "_classified_window", None)
    years = _counting(monkeypatch, type(store), "read_frame", "incidents")
    end, _ = views.default_window_end(store)
    start, _ = views.default_window_start(store, end)
    chair = User("chair", "chair")
    found = views.incidents_view(
        store, settings, user=chair, date_from=start, date_to=end
    )
    listed = views.marac_view(store, settings, user=chair)
    assert windows == []
    assert years == []
    assert found["total"] > 0
    assert listed["result"].n_population > 0
    store.close()


def test_the_person_pages_dash_again_reads_no_more_and_each_view_is_audited(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The person page's *Domestic abuse risk* read the person's involvements,
    incidents and assessments at each showing (14 ms of CPU of a 70 ms page on
    the synthetic city); now once per data generation, each view still audited
    with its purpose, and a new assessment shown on the next view."""
    from avert.store import audit
    from avert.synth import tiny_city, write_bundle
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files

    write_bundle(tiny_city(0), tmp_path / "bundle")
    load_files(sqlite_store, [tmp_path / "bundle"], kind="bundle")
    classify_store(sqlite_store, profile="avb-2010")
    assessed = sqlite_store.read_frame("dash").sort("person_id", "assessed_at")
    person = str(assessed["person_id"][0])
    reads = _counting(monkeypatch, type(sqlite_store), "read_frame", "dash")
    settings = load_settings({})

    def view() -> dict[str, Any]:
        return views.person_view(
            sqlite_store,
            settings,
            user=User("ana", "analyst"),
            person_id=person,
            purpose=f"check {person}",
        )

    first = view()
    assert first["dash"] is not None
    assert len(reads) == 1
    again = view()
    assert len(reads) == 1  # kept for the store's data generation
    assert again == first
    audited = audit.read(sqlite_store, action="view").filter(
        pl.col("object") == f"person:{person}"
    )
    assert audited["reason"].to_list() == [f"check {person}"] * 2  # each view
    later = assessed.filter(pl.col("person_id") == person).tail(1)
    with sqlite_store.transaction() as tx:  # a new assessment: a new generation
        tx.append(
            "dash",
            later.with_columns(
                pl.lit("A-NEW").alias("assessment_id"),
                (pl.col("assessed_at") + dt.timedelta(seconds=1)).alias("assessed_at"),
            ),
        )
    after = view()
    assert len(reads) == 2
    assert after["dash"] != first["dash"]
    assert "A-NEW" in str(after["dash"])


def test_the_kept_dash_of_a_person_is_made_again_for_another_risk_configuration(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The person page's *Domestic abuse risk* is kept under the risk
    configuration too: an edited MARAC threshold (the settings' risk file, no
    write to the store) shows on the next view, not the answer kept under the
    old one."""
    from dataclasses import replace

    from avert.config.risk import default_risk_config
    from avert.synth import tiny_city, write_bundle
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files
    from avert.workflows.marac import _person_dash, latest_as_of, person_dash

    write_bundle(tiny_city(0), tmp_path / "bundle")
    load_files(sqlite_store, [tmp_path / "bundle"], kind="bundle")
    classify_store(sqlite_store, profile="avb-2010")
    person = str(sqlite_store.read_frame("dash").sort("person_id")["person_id"][0])
    at = latest_as_of(sqlite_store)
    config = default_risk_config()
    lower = replace(config, marac=replace(config.marac, visible_high_risk_yes=1))
    first = person_dash(sqlite_store, person, at=at, config=config)
    edited = person_dash(sqlite_store, person, at=at, config=lower)
    assert first is not None
    assert edited is not None
    assert edited != first
    assert edited == _person_dash(sqlite_store, person, at=at, config=lower)
    assert person_dash(sqlite_store, person, at=at, config=config) == first
