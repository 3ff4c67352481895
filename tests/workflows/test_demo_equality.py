"""The demo's equality figures: its stops against the synthetic city's own residents.

Before 2026-12 the demo loaded no denominators, so its Equality page and board pack
said only "load census denominators ... first" to everyone who tried avert.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from pathlib import Path
from statistics import NormalDist

import polars as pl
import pytest
from demo_once import DAYS, PEOPLE, SEED, demo_copy

from avert.store import Store
from avert.synth import CityConfig, make_city
from avert.workflows.board import board_statistics
from avert.workflows.equality import SYNTHETIC_RESIDENTS, run_equality
from avert.workflows.performance import run_performance


@pytest.fixture(scope="module")
def demo(
    tmp_path_factory: pytest.TempPathFactory, demo_4000: Path
) -> Iterator[tuple[Path, Store]]:
    """A copy of the session's demo run (seed 3, 4,000 people, 400 days)."""
    root = tmp_path_factory.mktemp("demo")
    demo_copy(demo_4000, root)
    store = Store(f"sqlite:///{root / 'demo.db'}")
    yield root / "demo", store
    store.close()


def test_demo_store_holds_the_city_residents(demo: tuple[Path, Store]) -> None:
    _, store = demo
    pops = store.read_frame("populations")
    eth = pops.filter(
        (pl.col("ethnicity") != "all")
        & (pl.col("sex") == "all")
        & (pl.col("age_band") == "all")
    )
    assert int(eth["population"].sum()) == PEOPLE  # every resident, once
    assert set(eth["area_type"]) == {"lsoa"}
    assert set(eth["parent_area"]) == {"Synthetic City"}
    assert eth["area"].str.starts_with("SYN").all()
    # by sex and by police age range too, each over every resident
    sexes = pops.filter((pl.col("sex") != "all") & (pl.col("age_band") == "all"))
    assert int(sexes["population"].sum()) == PEOPLE
    ages = pops.filter((pl.col("age_band") != "all") & (pl.col("sex") == "all"))
    assert int(ages["population"].sum()) == PEOPLE
    centroids = store.read_frame("area_centroids")
    assert set(centroids["area"]) == set(eth["area"])


def _katz(a: int, n1: int, c: int, n2: int) -> tuple[float, float, float]:
    """Ratio of two rates and its log (Katz) 95 % interval, by hand."""
    ratio = (a / n1) / (c / n2)
    z = NormalDist().inv_cdf(0.975)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return ratio, ratio * math.exp(-z * se), ratio * math.exp(z * se)


def test_demo_equality_is_the_city_stops_against_its_residents(
    demo: tuple[Path, Store],
) -> None:
    """The board's figures recomputed with polars from the city the demo made: its
    stops of the board's 12 months by self-defined group over its residents."""
    _, store = demo
    city = make_city(CityConfig(people=PEOPLE, days=DAYS), seed=SEED)
    end = city.config.end_date
    eq = board_statistics(store, end=end, performance=False)["equality"]
    assert eq["available"], eq["note"]
    assert eq["residents_label"] == SYNTHETIC_RESIDENTS
    start, stop = eq["window"]
    searches = (
        city.stops.filter(
            pl.col("occurred_at").dt.date().is_between(start, stop),
        )
        .group_by("ethnicity")
        .len()
    )
    searched = dict(searches.iter_rows())
    residents = dict(city.residents.group_by("ethnicity").len().iter_rows())
    rows = {r["group"]: r for r in eq["rates"]}
    assert set(rows) == set(residents)
    for group, row in rows.items():
        assert row["searches"] == searched.get(group, 0)
        assert row["residents"] == residents[group]
        assert row["rate_per_1000"] == pytest.approx(
            1000 * searched.get(group, 0) / residents[group]
        )
    black = rows["Black"]
    ratio, low, high = _katz(
        searched["Black"], residents["Black"], searched["White"], residents["White"]
    )
    assert black["ratio_to_white"] == pytest.approx(ratio)
    assert (black["ci_low"], black["ci_high"]) == pytest.approx((low, high))
    # the trend and the rates by sex and age band have residents too
    assert "trend" in eq["charts"]
    assert any(r.get("rate_per_1000_of_sex") for r in eq["by_sex"])
    assert any(r.get("rate_per_1000_of_band") for r in eq["by_age"])


def test_demo_equality_names_no_census(demo: tuple[Path, Store]) -> None:
    _, store = demo
    found = run_equality(store)
    assert found.residents_label == SYNTHETIC_RESIDENTS
    text = " ".join(found.notes)
    assert "census" not in text.replace("not a census", "")


def _board_pack(out: Path) -> str:
    (page,) = (out / "board").glob("board-pack-*.html")
    return page.read_text(encoding="utf-8")


def test_demo_board_pack_shows_ratios_against_the_city_residents(
    demo: tuple[Path, Store],
) -> None:
    out, _ = demo
    html = _board_pack(out)
    assert "Equality figures are not available" not in html
    assert "Ratio to White (95 % CI)" in html
    assert "against the synthetic city&#39;s residents" in html or (
        "against the synthetic city's residents" in html
    )
    assert "against census" not in html
    assert "<h3>Trend</h3>" in html


def test_residents_label_of_a_census() -> None:
    from avert.workflows.equality import residents_label

    assert residents_label("census", 2011) == "census 2011 residents"
    assert residents_label("synthetic", 2024) == SYNTHETIC_RESIDENTS


def test_demo_page_sets_the_stop_ratio_beside_the_planted(
    demo: tuple[Path, Store],
) -> None:
    out, _ = demo
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "stop and search rate over White residents" in html
    assert "planted: 4.1" in html
    assert "board/board-pack-" in html


def test_demo_performance_rates_are_per_city_resident(
    demo: tuple[Path, Store],
) -> None:
    """The force total's residents are those of its incidents' borough (the
    synthetic city, parent of its LSOAs): the performance series said "No
    populations known for these areas" though the city's residents were loaded."""
    _, store = demo
    found = run_performance(
        store,
        baseline_from=dt.date(2025, 11, 1),
        baseline_to=dt.date(2026, 7, 31),
        date_from=dt.date(2026, 8, 1),
        date_to=dt.date(2026, 10, 31),
        by_category=False,
        flags=(),
    )
    (total,) = found.series
    assert total.area == "all"
    assert total.population == PEOPLE
    assert not any("No populations known" in n for n in found.notes)
    assert total.row()["recent_rate_per_1000"] is not None
    # named as the city's residents, not a census
    assert any(SYNTHETIC_RESIDENTS in n for n in found.notes)


def test_demo_gives_the_find_rate_of_the_city_stops(
    demo: tuple[Path, Store],
) -> None:
    """The demo's find rate read "not known" for every group (the record bundle
    carried no link of a search's outcome to its object): the city now writes
    police.uk's link in the stops file's optional ``outcome_linked`` column, and
    each group's find rate is its searches with a linked outcome other than no
    further action over its searches in the board's window, recomputed here."""
    _, store = demo
    city = make_city(CityConfig(people=PEOPLE, days=DAYS), seed=SEED)
    eq = board_statistics(store, end=city.config.end_date, performance=False)[
        "equality"
    ]
    assert eq["finds_recorded"]
    assert not [n for n in eq["notes"] if "no find rate" in n]
    start, stop = eq["window"]
    window = city.stops.filter(pl.col("occurred_at").dt.date().is_between(start, stop))
    found = (
        pl.col("outcome_linked") & (pl.col("outcome") != "A no further action disposal")
    ).cast(pl.Int64)
    by_group = window.group_by("ethnicity").agg(
        pl.len().alias("searches"), found.sum().alias("finds")
    )
    expected = {g: f / n for g, n, f in by_group.iter_rows()}
    # a small count is withheld ([c]) as on every board page: the rest are given
    rows = {r["group"]: r for r in eq["outcomes"] if r["find_rate"] is not None}
    assert {"White", "Black"} <= set(rows)
    for group, row in rows.items():
        assert row["find_rate"] == pytest.approx(expected[group]), group
