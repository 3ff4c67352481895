"""The web's shared results: briefings, board statistics and the groups page's
analysis (avert.workflows.views)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from avert.store import Store
from avert.workflows import board, views


def _record_a_load(store: Store) -> None:
    """Add one row to ``loads``, as a new load does (the caches' key counts them)."""
    with store.transaction() as tx:
        tx.append(
            "loads",
            pl.DataFrame(
                {
                    "load_id": ["L1"],
                    "source_file": ["x.csv"],
                    "file_sha256": ["0" * 64],
                    "kind": ["bundle"],
                    "loaded_at": [dt.datetime(2026, 12, 1)],
                    "rows": [1],
                    "loaded": [1],
                    "quarantined": [0],
                    "duplicates": [0],
                }
            ),
        )


def test_result_cache_computes_once_per_key_and_expires() -> None:
    cache: views.ResultCache[int] = views.ResultCache(ttl_s=60.0)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get(("a",), compute) == 1
    assert cache.get(("a",), compute) == 1
    assert cache.get(("b",), compute) == 2
    cache.ttl_s = 0.0
    assert cache.get(("a",), compute) == 3


def test_briefings_kept_are_few_and_an_expired_one_is_let_go() -> None:
    """Paging back through 30 windows kept 30 briefings (up to 64, 3.5 MiB each for
    a month on the demo city, benchmarks/web_memory.py); now a meeting's few."""
    import weakref

    class Held:
        pass

    cache: views.ResultCache[Any] = views.BriefingCache()
    made = [Held()]
    gone = weakref.ref(made[0])
    cache.get(("w0",), made.pop)
    for k in range(1, 30):
        cache.get((f"w{k}",), Held)
    assert len(cache._entries) == views.BRIEFING_CACHE_ENTRIES < 30
    assert len(cache._locks) <= views.BRIEFING_CACHE_ENTRIES
    assert gone() is None  # the dropped briefing's memory is free
    # an entry past its time is dropped at the next store, not kept until full
    cache.ttl_s = 0.0
    cache.get(("new",), Held)
    assert list(cache._entries) == [("new",)]


def test_board_statistics_are_shared_until_a_new_load(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []

    def fake(store: Store, **options: Any) -> dict[str, Any]:
        calls.append(options)
        return {"n": len(calls)}

    monkeypatch.setattr(board, "board_statistics", fake)
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    end = dt.date(2026, 11, 30)
    first = views.board_statistics_view(sqlite_store, cache, end=end, by=None)
    assert views.board_statistics_view(sqlite_store, cache, end=end, by=None) is first
    assert len(calls) == 1
    views.board_statistics_view(sqlite_store, cache, end=end, performance=False)
    assert len(calls) == 2  # other options: computed
    _record_a_load(sqlite_store)
    views.board_statistics_view(sqlite_store, cache, end=end, by=None)
    assert len(calls) == 3  # a new load is seen at once


def test_the_groups_analysis_is_shared_until_a_new_load_and_each_showing_audited(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The groups page read every incident and detected the communities again on
    each request (5 s a request on a force's 420,000 incidents,
    benchmarks/force_scale.py); now once per load, every showing still audited."""
    from avert.config.settings import load_settings
    from avert.workflows.users import User

    analysed: list[str] = []
    audited: list[str] = []
    real = views.group_analysis

    def counted(store: Store, **options: Any) -> Any:
        analysed.append(options["audience"])
        return real(store, **options)

    monkeypatch.setattr(views, "group_analysis", counted)
    monkeypatch.setattr(
        views, "audit_groups", lambda store, result, **kw: audited.append(kw["user"])
    )
    settings = load_settings({})
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    analyst = User("ana", "analyst")
    first = views.groups_view(sqlite_store, settings, user=analyst, cache=cache)
    again = views.groups_view(
        sqlite_store, settings, user=User("chair", "chair"), cache=cache
    )
    assert again == first
    assert analysed == ["police"]  # one analysis for both police users
    assert audited == ["ana", "chair"]  # both showings audited
    _record_a_load(sqlite_store)
    views.groups_view(sqlite_store, settings, user=analyst, cache=cache)
    assert analysed == ["police", "police"]  # a new load is seen at once
    assert views.groups_view(sqlite_store, settings, user=analyst) == first
    assert len(analysed) == 3  # without a cache: analysed each time


def test_groups_opened_while_a_load_is_being_classified_are_not_kept_stale(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A load commits its rows and its ``loads`` row, then classifies the store
    (``refresh_after_load``): the page opened between the two analysed the new
    incidents as outside the definition and kept that, under the new load's key,
    for ten minutes after the classification had finished."""
    import dataclasses

    from avert.config.settings import load_settings
    from avert.synth import CityConfig, make_city, write_bundle
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files
    from avert.workflows.users import User

    city = make_city(dataclasses.replace(CityConfig(), people=800, days=90), seed=3)
    write_bundle(city, tmp_path / "bundle")
    load_files(sqlite_store, [tmp_path / "bundle"], kind="bundle")
    classify_store(sqlite_store, profile="avb-2010")
    # a second load: the same people in as many incidents again, a day later each
    new = pl.concat_str(pl.lit("again-"), pl.col("incident_id")).alias("incident_id")
    incidents = sqlite_store.read_frame("incidents").with_columns(
        new, pl.col("occurred_from", "occurred_to") + dt.timedelta(days=1)
    )
    involvements = sqlite_store.read_frame("involvements").with_columns(new)
    loads = sqlite_store.read_frame("loads").head(1)
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)
        tx.append("loads", loads.with_columns(pl.lit("L-again").alias("load_id")))
    settings = load_settings({})
    analyst = User("ana", "analyst")
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    views.groups_view(sqlite_store, settings, user=analyst, cache=cache)  # mid-load
    classify_store(sqlite_store, profile="avb-2010")  # the load's refresh ends
    fresh = views.groups_view(sqlite_store, settings, user=analyst)
    assert views.groups_view(sqlite_store, settings, user=analyst, cache=cache) == fresh


def _declare_an_empty_group(store: Store) -> None:
    """A declared group with no member: the police's note names it, the partners'
    does not (``_declared_without_members``)."""
    with store.transaction() as tx:
        tx.append(
            "groups",
            pl.DataFrame({"group_id": ["G-EMPTY-7"], "continuum": ["street_gang"]}),
        )


def test_a_partner_after_the_police_sees_no_police_id_from_the_kept_analysis(
    city_store: Store,
) -> None:
    """Police first, then a partner, from one cache: the partner's page is what it
    was without a cache (sizes, pseudonyms, a note naming no group), never the
    police's members or ids; and the police's page after it still names them."""
    import secrets

    from avert.config.settings import load_settings
    from avert.workflows.users import User

    _declare_an_empty_group(city_store)
    settings = load_settings({}).with_overrides(pseudonym_key=secrets.token_urlsafe(32))
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    police, partner = User("ana", "analyst"), User("pat", "partner")
    seen_police = views.groups_view(city_store, settings, user=police, cache=cache)
    seen_partner = views.groups_view(city_store, settings, user=partner, cache=cache)
    assert seen_partner == views.groups_view(city_store, settings, user=partner)
    assert seen_police == views.groups_view(city_store, settings, user=police)
    assert seen_police["groups"]
    assert all(g["members"] == [] for g in seen_partner["groups"])
    police_ids = {str(g["group_id"]) for g in seen_police["groups"]}
    assert not police_ids & {str(g["group_id"]) for g in seen_partner["groups"]}
    assert any("G-EMPTY-7" in n for n in seen_police["notes"])
    assert not any("G-EMPTY-7" in n for n in seen_partner["notes"])
    again = views.groups_view(city_store, settings, user=police, cache=cache)
    assert again == seen_police
