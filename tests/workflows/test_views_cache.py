"""The web's shared results: briefings, board statistics and the groups page's
analysis (avert.workflows.views)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from avert.store import Store
from avert.workflows import board, views


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
    with sqlite_store.transaction() as tx:
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
    with sqlite_store.transaction() as tx:
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
    views.groups_view(sqlite_store, settings, user=analyst, cache=cache)
    assert analysed == ["police", "police"]  # a new load is seen at once
    assert views.groups_view(sqlite_store, settings, user=analyst) == first
    assert len(analysed) == 3  # without a cache: analysed each time
