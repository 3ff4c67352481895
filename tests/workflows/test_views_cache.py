"""The web's shared results: briefings, board statistics and the groups page's
analysis (avert.workflows.views)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import pytest

from avert.store import Store
from avert.workflows import board, views

if TYPE_CHECKING:
    from avert.synth import City


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


def test_result_cache_keeps_no_lock_of_a_key_whose_computation_failed() -> None:
    """A computation that raises (a window the briefing refuses) left its key's
    lock in the cache for good, one per such key; the locks are now those of the
    requests in flight (:class:`avert.workflows._key_locks.KeyLocks`, as the day's
    places and the kept retaliation alerts use)."""
    cache: views.ResultCache[int] = views.ResultCache(ttl_s=60.0)

    def refused() -> int:
        raise ValueError("no such window")

    for k in range(3):
        with pytest.raises(ValueError, match="no such window"):
            cache.get((f"w{k}",), refused)
    assert len(cache._locks) == 0
    assert cache.get(("w0",), lambda: 7) == 7
    assert len(cache._locks) == 0


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


def test_a_meeting_pays_a_briefing_once_per_load_not_once_a_minute(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The briefing was kept 60 s although its key holds the data generation, so a
    meeting of twenty minutes rebuilt the same window (4 CPU seconds on London's
    month) every minute; now it is rebuilt when the data change (the next request
    after a load shows it), and the time is a backstop of ten minutes."""
    clock = [1_000.0]
    monkeypatch.setattr(views.time, "monotonic", lambda: clock[0])
    cache = views.BriefingCache()
    made: list[int] = []

    def briefing() -> int:
        made.append(1)
        return len(made)

    def opened() -> int:
        return cache.get(("window", sqlite_store.generation()), briefing)

    assert opened() == 1
    clock[0] += 5 * 60.0  # five minutes into the meeting, data unchanged
    assert opened() == 1
    _record_a_load(sqlite_store)
    assert opened() == 2  # a load shows on the next request
    clock[0] += views.BRIEFING_CACHE_TTL_S  # the backstop: past its time
    assert opened() == 3


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
    from avert.synth import CityConfig, make_city
    from avert.workflows.definitions import classify_store
    from avert.workflows.users import User

    city = make_city(dataclasses.replace(CityConfig(), people=800, days=90), seed=3)
    _a_second_load_not_yet_classified(sqlite_store, tmp_path, city)
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
    police, partner = User("ana", "analyst"), User("pat", "partner", org="council")
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


# --- writes that add no ``loads`` row: the caches keyed on counting it stayed stale --
_STOPS_HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,"
    "Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
    "Object of search,Outcome,Outcome linked to object of search,"
    "Removal of more than just outer clothing\n"
)


def _stops_month(folder: Path, outcomes: list[str]) -> Path:
    """A police.uk stop-and-search file of March 2018, one stop per outcome."""
    folder.mkdir(parents=True)
    path = folder / "2018-03-metropolitan-stop-and-search.csv"
    rows = [
        f"Person search,2018-03-{1 + i:02d}T10:00:00+00:00,,,51.5,-0.1,Male,18-24,"
        "White - English/Welsh/Scottish/Northern Irish/British,White,"
        f"Misuse of Drugs Act 1971 (section 23),Controlled drugs,{outcome},,False\n"
        for i, outcome in enumerate(outcomes)
    ]
    path.write_text(_STOPS_HEADER + "".join(rows), encoding="utf-8")
    return path


def _first_and_revised_month(store: Store, tmp_path: Path) -> Path:
    """March's stops loaded, then police.uk's revised download replacing the month
    (the same four stops and a fifth); returns the first file."""
    from avert.workflows.load import load_files

    first = _stops_month(tmp_path / "jan", ["A no further action disposal"] * 4)
    load_files(store, [first])
    revised = _stops_month(
        tmp_path / "jun", ["A no further action disposal"] * 4 + ["Arrest"]
    )
    load_files(store, [revised], replace_months=True)
    return first


def _replace_only_load(store: Store, first: Path) -> None:
    """The first download again, ``--replace-month``: the month goes back to it
    (the fifth stop deleted) and no ``loads`` row is added: the file and its
    digest are recorded already, and the load stored no row (one that stores
    rows is recorded again, ``store.loads.record_loads``)."""
    from avert.workflows.load import load_files

    loads, stops = store.count("loads"), store.read_frame("stops")
    report = load_files(store, [first], replace_months=True)
    assert (report.loaded, report.replaced) == (0, 1)  # the stored month changed
    assert store.count("stops") == stops.height - 1
    assert store.count("loads") == loads  # and the loads table did not


def _counting_board_statistics(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def fake(store: Store, **options: Any) -> dict[str, Any]:
        calls.append(store.count("stops"))
        return {"n": len(calls)}

    monkeypatch.setattr(board, "board_statistics", fake)
    return calls


def test_board_statistics_after_a_load_that_only_replaces_rows(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revised police.uk month loaded back with --replace-month changed the stops
    the board's stop rates count; the page kept the old figures ten minutes."""
    first = _first_and_revised_month(sqlite_store, tmp_path)
    calls = _counting_board_statistics(monkeypatch)
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    end = dt.date(2018, 3, 31)
    views.board_statistics_view(sqlite_store, cache, end=end)
    _replace_only_load(sqlite_store, first)
    views.board_statistics_view(sqlite_store, cache, end=end)
    assert len(calls) == 2  # computed again at once


def test_board_statistics_after_a_classification(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A load commits, then classifies in a transaction of its own (and ``avert
    classify`` loads nothing): the board's figures of the incidents in the
    definition were kept, from before the classification, ten minutes."""
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files

    load_files(sqlite_store, [Path(__file__).parents[1] / "data/policeuk/2019-06"])
    calls = _counting_board_statistics(monkeypatch)
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    end = dt.date(2019, 6, 30)
    views.board_statistics_view(sqlite_store, cache, end=end)
    views.area_fields_view(sqlite_store, cache)
    classify_store(sqlite_store, profile="avb-2010")
    views.board_statistics_view(sqlite_store, cache, end=end)
    assert len(calls) == 2


def test_groups_after_a_load_that_only_replaces_rows(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avert.config.settings import load_settings
    from avert.workflows.users import User

    first = _first_and_revised_month(sqlite_store, tmp_path)
    analysed: list[str] = []
    real = views.group_analysis

    def counted(store: Store, **options: Any) -> Any:
        analysed.append(options["audience"])
        return real(store, **options)

    monkeypatch.setattr(views, "group_analysis", counted)
    settings = load_settings({})
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    analyst = User("ana", "analyst")
    views.groups_view(sqlite_store, settings, user=analyst, cache=cache)
    views.groups_view(sqlite_store, settings, user=analyst, cache=cache)
    assert len(analysed) == 1  # kept: its audit row changes nothing
    _replace_only_load(sqlite_store, first)
    views.groups_view(sqlite_store, settings, user=analyst, cache=cache)
    assert len(analysed) == 2


def _a_second_load_not_yet_classified(
    store: Store, tmp_path: Path, city: City | None = None
) -> None:
    """``city`` (default: the tiny city) loaded and classified, then a second load
    committed (the same people in as many incidents again, a day later each)
    whose classification has not run yet."""
    from avert.synth import tiny_city, write_bundle
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files

    write_bundle(city or tiny_city(0), tmp_path / "bundle")
    load_files(store, [tmp_path / "bundle"], kind="bundle")
    classify_store(store, profile="avb-2010")
    new = pl.concat_str(pl.lit("again-"), pl.col("incident_id")).alias("incident_id")
    incidents = store.read_frame("incidents").with_columns(
        new, pl.col("occurred_from", "occurred_to") + dt.timedelta(days=1)
    )
    involvements = store.read_frame("involvements").with_columns(new)
    loads = store.read_frame("loads").head(1)
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("involvements", involvements)
        tx.append("loads", loads.with_columns(pl.lit("L-again").alias("load_id")))


def test_a_briefing_after_the_loads_classification_is_not_kept_stale(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Today opened between a load's commit and its classification listed the new
    incidents as outside the definition, and kept that (the key counted loads and
    taskings) for the cache's time after the classification had finished."""
    from avert.config.settings import load_settings
    from avert.workflows.definitions import classify_store
    from avert.workflows.users import User

    _a_second_load_not_yet_classified(sqlite_store, tmp_path)
    settings = load_settings({})
    chair = User("chair", "chair")
    at = dt.datetime(2026, 11, 24, 6)
    cache = views.BriefingCache(ttl_s=600.0)
    mid_load = views.briefing_view(
        sqlite_store, settings, user=chair, at=at, hours=24 * 28, cache=cache
    )
    classify_store(sqlite_store, profile="avb-2010")
    fresh = views.briefing_view(
        sqlite_store, settings, user=chair, at=at, hours=24 * 28
    )
    assert fresh.data["summary"] != mid_load.data["summary"]  # the test can fail
    kept = views.briefing_view(
        sqlite_store, settings, user=chair, at=at, hours=24 * 28, cache=cache
    )
    assert kept.data == fresh.data


def test_the_person_network_is_shared_until_a_new_load_and_each_view_audited(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A person's page read every incident, detected the groups and scored everyone
    again on each view (2.2 s of CPU a view on a city of 386,000 incidents,
    docs/web.md); now once per load for every person opened, each view still
    audited with its purpose and the page what it was without the cache."""
    from avert.config.settings import load_settings
    from avert.store import audit
    from avert.synth import tiny_city, write_bundle
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files
    from avert.workflows.users import User

    write_bundle(tiny_city(0), tmp_path / "bundle")
    load_files(sqlite_store, [tmp_path / "bundle"], kind="bundle")
    classify_store(sqlite_store, profile="avb-2010")
    involved = sqlite_store.read_frame("involvements", columns=["person_id"])
    first, second = involved["person_id"].unique().sort().head(2).to_list()
    made: list[int] = []
    real = views.person_context

    def counted(store: Store, **options: Any) -> Any:
        made.append(1)
        return real(store, **options)

    monkeypatch.setattr(views, "person_context", counted)
    settings = load_settings({})
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    analyst = User("ana", "analyst")

    def view(person: str, *, kept: bool) -> dict[str, Any]:
        return views.person_view(
            sqlite_store,
            settings,
            user=analyst,
            person_id=person,
            purpose=f"check {person}",
            cache=cache if kept else None,
        )

    pages = [view(first, kept=True), view(second, kept=True)]
    assert made == [1]  # one network for both people
    assert pages == [view(first, kept=False), view(second, kept=False)]
    views_audited = audit.read(sqlite_store, action="view").filter(
        pl.col("object").str.starts_with("person:")
    )
    assert views_audited.select("object", "reason").rows()[:2] == [
        (f"person:{first}", f"check {first}"),
        (f"person:{second}", f"check {second}"),
    ]
    _record_a_load(sqlite_store)
    view(first, kept=True)
    assert len(made) == 2  # a new load is seen at once


def _tiny_city_store(store: Store, root: Path) -> Store:
    """``store`` with the tiny synthetic city loaded and classified."""
    from avert.synth import tiny_city, write_bundle
    from avert.workflows.definitions import classify_store
    from avert.workflows.load import load_files

    write_bundle(tiny_city(0), root / "bundle")
    load_files(store, [root / "bundle"], kind="bundle")
    classify_store(store, profile="avb-2010")
    return store


def test_people_of_one_component_share_one_betweenness_pass_and_its_figures(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each view of a person in the largest co-offending component ran Brandes'
    algorithm over the whole component again (1.2 s of CPU a view on a city of
    386,000 incidents, docs/web.md); now once per component for every person
    drawn from the kept network, and every figure the same as a picture made
    alone (the old per-person pass, checked here on its own too)."""
    import igraph as ig

    from avert.analyse.networks import to_igraph
    from avert.config.settings import load_settings
    from avert.workflows.users import User

    store = _tiny_city_store(sqlite_store, tmp_path)
    settings = load_settings({})
    context = views.person_context(store, profile=settings.definition_id())
    co_edges = context.groups.co_edges
    graph, names = to_igraph(co_edges, weight=None)
    components = graph.connected_components()
    giant = max(range(len(components)), key=components.sizes().__getitem__)
    members = [names[v] for v in components[giant]]
    assert len(members) >= 3  # the test draws several people of one component
    passes: list[int] = []
    real = ig.Graph.betweenness

    def counted(self: ig.Graph, *args: Any, **kwargs: Any) -> Any:
        passes.append(self.vcount())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ig.Graph, "betweenness", counted)
    cache: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    analyst = User("ana", "analyst")

    def metrics(person: str, *, kept: bool) -> dict[str, Any]:
        page = views.person_view(
            store,
            settings,
            user=analyst,
            person_id=person,
            purpose=f"check {person}",
            cache=cache if kept else None,
        )
        result: dict[str, Any] = page["network"]["metrics"]
        return result

    kept = [metrics(p, kept=True) for p in members]
    assert passes == [len(members)]  # one pass over the component, for everyone
    alone = [metrics(p, kept=False) for p in members]
    assert kept == alone
    # the figure of the old per-person pass (the person's component's subgraph)
    monkeypatch.setattr(ig.Graph, "betweenness", real)
    for person, got in zip(members, kept, strict=True):
        vertex = names.index(person)
        component = graph.subcomponent(vertex)
        sub = graph.induced_subgraph(component)
        own = sub.betweenness(vertices=[sorted(component).index(vertex)])[0]
        assert (got["betweenness"], got["component_size"]) == (
            float(own),
            len(component),
        )
    assert any(m["betweenness"] > 0 for m in kept)  # figures that can differ


def test_the_warm_up_makes_the_network_and_todays_briefing_and_shows_no_one(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first person page after a start or a load made the store's network
    (2.2 s of CPU on that city) and the first *Today* its briefing; the warm-up
    makes both into the caches the pages read, under their keys, auditing no
    view; the views that follow find them, are audited each, and say what a
    view made alone says."""
    from avert.config.settings import load_settings
    from avert.store import audit
    from avert.workflows.users import User

    store = _tiny_city_store(sqlite_store, tmp_path)
    settings = load_settings({})
    person_networks: views.ResultCache[Any] = views.ResultCache(ttl_s=600.0)
    briefings = views.BriefingCache()
    audited = audit.read(store, action="view").height
    views.warm_up_views(
        store, settings, person_networks=person_networks, briefings=briefings
    )
    assert audit.read(store, action="view").height == audited  # no one shown
    made: list[str] = []
    real_context, real_briefing = views.person_context, views.build_briefing

    def context_made(*args: Any, **kwargs: Any) -> Any:
        made.append("network")
        return real_context(*args, **kwargs)

    def briefing_made(*args: Any, **kwargs: Any) -> Any:
        made.append("briefing")
        return real_briefing(*args, **kwargs)

    monkeypatch.setattr(views, "person_context", context_made)
    monkeypatch.setattr(views, "build_briefing", briefing_made)
    chair = User("chair", "chair")
    person = store.read_frame("involvements", columns=["person_id"])["person_id"][0]
    page = views.person_view(
        store,
        settings,
        user=chair,
        person_id=person,
        purpose="meeting",
        cache=person_networks,
    )
    at, _ = views.default_window_end(store)
    today = views.briefing_view(store, settings, user=chair, at=at, cache=briefings)
    assert made == []  # both found made
    assert audit.read(store, action="view").height == audited + 2  # each audited
    assert page == views.person_view(
        store, settings, user=chair, person_id=person, purpose="meeting"
    )
    assert today.data == views.briefing_view(store, settings, user=chair, at=at).data
    # the count can tell: the briefing made alone is counted (the network made
    # alone is avert.workflows.networks' own, not the cache's)
    assert made == ["briefing"]
