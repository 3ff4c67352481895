"""Forecasts, their evaluation and the Knox test over events of several forces.

`avert forecast` over two clusters 250 km apart (events with days, as a force's own
records) built one patrol grid of 1,841 x 841 cells of 150 m (7.6 s, 451 MB) and
ranked cells across both forces, with a note only; `forecast evaluate` and `analyse
near-repeat` said nothing of the forces they counted together.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from markupsafe import escape

from avert.analyse.result import jsonable
from avert.errors import ConfigError
from avert.store import Store
from avert.workflows._forces import (
    BRIEF_ONE_FORCE,
    POLICE_FORCE_ONE_FORCE,
    of_force,
)
from avert.workflows.briefing import build_briefing
from avert.workflows.forecast import (
    briefing_places,
    places_forecast,
    run_forecast,
    run_forecast_evaluation,
)
from avert.workflows.places import run_near_repeat


def _cluster(x0: float, y0: float, force: str, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    n = 200
    return pl.DataFrame(
        {
            "x": x0 + rng.normal(0, 300, n),
            "y": y0 + rng.normal(0, 300, n),
            "occurred_at": [
                dt.datetime(2019, 1, 1) + dt.timedelta(hours=float(h))
                for h in rng.uniform(0, 24 * 120, n)
            ],
            "source": "policeuk",
            "force": force,
        }
    )


def _far() -> pl.DataFrame:
    """Leeds and London: 250 km apart."""
    return pl.concat(
        [
            _cluster(430_000, 433_000, "West Yorkshire Police", 1),
            _cluster(532_000, 181_000, "City of London Police", 2),
        ]
    )


def _near() -> pl.DataFrame:
    """Two forces side by side (3 km apart)."""
    return pl.concat(
        [
            _cluster(420_000, 400_000, "West Yorkshire Police", 1),
            _cluster(423_000, 400_000, "City of London Police", 2),
        ]
    )


def _forces_notes(notes: tuple[str, ...]) -> list[str]:
    return [n for n in notes if "forces or sources" in n]


def test_a_forecast_over_far_apart_forces_is_refused() -> None:
    with pytest.raises(
        ConfigError, match=r"far apart .*patrol grid.* Give --police-force for one"
    ):
        run_forecast(
            _far(), at=dt.datetime(2019, 4, 20), horizon=dt.timedelta(days=7), cells=5
        )
    one = run_forecast(
        of_force(_far(), "west-yorkshire"),
        at=dt.datetime(2019, 4, 20),
        horizon=dt.timedelta(days=7),
        cells=5,
    )
    assert not _forces_notes(one.notes), one.notes
    assert one.grid.n_cells < 10_000


def test_an_evaluation_over_far_apart_forces_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"far apart .* Give --police-force"):
        run_forecast_evaluation(
            _far(), models=["counting"], days=7, force_option="--police-force"
        )
    ev = run_forecast_evaluation(
        of_force(_far(), "City of London Police"), models=["counting"], days=7
    )
    assert not _forces_notes(ev.notes), ev.notes


def test_an_evaluation_over_two_forces_names_them() -> None:
    ev = run_forecast_evaluation(_near(), models=["counting"], days=7)
    (note,) = _forces_notes(ev.notes)
    assert "City of London Police 200; West Yorkshire Police 200" in note, note


def test_a_knox_test_over_two_forces_names_them() -> None:
    both = run_near_repeat(_far(), n_sims=9)
    (note,) = _forces_notes(both.notes)
    assert "City of London Police 200; West Yorkshire Police 200" in note, note
    kept = run_near_repeat(_far(), n_sims=9, domestic="include")
    assert len(_forces_notes(kept.notes)) == 1, kept.notes
    one = run_near_repeat(of_force(_far(), "west-yorkshire"), n_sims=9)
    assert not _forces_notes(one.notes), one.notes


AT = dt.datetime(2019, 4, 20)


def _stored(store: Store, events: pl.DataFrame) -> None:
    """``events`` as a store's incidents, with their times, each an assault with
    injury of the definition."""
    incidents = events.select(
        incident_id=pl.format("i{}", pl.int_range(pl.len())),
        source="source",
        force="force",
        occurred_from="occurred_at",
        time_precision=(
            pl.col("time_precision")
            if "time_precision" in events.columns
            else pl.lit("exact")
        ),
        x="x",
        y="y",
    )
    classes = incidents.select(
        "incident_id",
        profile=pl.lit("avb-2010"),
        in_definition=pl.lit(value=True),
        category=pl.lit("assault_with_injury"),
        harm_days=pl.lit(180.0),
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("classifications", classes)


def _alone(tmp_path: Path, template_db: Path, events: pl.DataFrame) -> Store:
    """A store of its own holding ``events`` (one force's)."""
    path = tmp_path / f"alone-{events['force'][0].split()[0]}.db"
    shutil.copyfile(template_db, path)
    store = Store(f"sqlite:///{path}")
    _stored(store, events)
    return store


def _cells(plan: object) -> list[str]:
    return list(plan.frame["cell_id"])  # type: ignore[attr-defined]


def test_the_briefings_places_over_far_apart_forces_plan_each_forces_own(
    any_store: Store, tmp_path: Path, template_db: Path
) -> None:
    """The briefing's places over Leeds and London planned one grid of 1.2
    million cells, then (refused) none at all: a meeting with two forces loaded
    got no places. Now each force's are planned on a grid of its own, the
    budget per force: its cells, its backtested share and its near-repeat test
    are those of a store holding that force alone."""
    import avert.workflows.forecast as workflow

    _stored(any_store, _far())
    got = briefing_places(any_store, at=AT, profile="avb-2010", cells=3, knox_sims=9)
    assert got is not None
    assert got.plan is None
    assert got.forces == ("City of London Police", "West Yorkshire Police")
    assert [name for name, _ in got.by_force] == list(got.forces)
    for (name, own), cluster in zip(
        got.by_force,
        (_far().filter(pl.col("force") == f) for f in got.forces),
        strict=True,
    ):
        workflow._BRIEFING_CACHE.clear()
        alone = briefing_places(
            _alone(tmp_path, template_db, cluster),
            at=AT,
            profile="avb-2010",
            cells=3,
            knox_sims=9,
        )
        assert alone is not None
        assert alone.plan is not None
        assert own.plan is not None
        assert own.plan.grid.n_cells == alone.plan.grid.n_cells < 10_000, name
        assert _cells(own.plan) == _cells(alone.plan), name
        assert own.plan.k == 3  # the budget is per force
        assert own.plan.backtest_share == alone.plan.backtest_share, name
        assert own.plan.backtest_events == alone.plan.backtest_events, name
        assert own.first_band_p == alone.first_band_p, name
        assert own.forces_note is None
    (note,) = [n for n in got.notes if "far apart" in n]
    assert note.startswith(
        "The events are of 2 forces or sources far apart (City of London Police, "
        "West Yorkshire Police): one patrol grid over them all holds at least "
    ), note
    # the note needs no advice: each force's places are there
    assert got.forces_note is not None
    assert got.forces_note.advice is None
    assert got.forces_note.said() == note
    assert "avert brief" not in note
    assert "the patrol budget per force" in note
    assert not [n for n in got.notes if n.startswith("No places planned")]


#: The keys of the places summary of forces far apart, and of each force's own
#: (briefing.json: added to the contract; a force's own are a one-force
#: summary's, with its ``force``)
FAR_SUMMARY_KEYS = {
    "kind", "model", "horizon_hours", "cell_size_m", "lookback_days", "line",
    "method", "source", "forces", "forces_line", "forces_text", "forces_advice",
    "budget", "by_force", "score_unit",
}  # fmt: skip
ONE_FORCE_SUMMARY_KEYS = {
    "kind", "model", "horizon_hours", "expected_share", "backtest_days",
    "backtest_events", "backtest_from", "backtest_to", "area_km2", "cell_size_m",
    "lookback_days", "line", "method", "source", "near_repeat", "score_unit",
}  # fmt: skip


def test_the_briefing_lists_each_far_forces_places_under_its_name(
    sqlite_store: Store,
) -> None:
    """briefing.json, its HTML (and PDF, of the same HTML) list each force's top
    cells under its name, ranked within it; the summary keeps the shape of one
    force's for each (``by_force``), its budget per force."""
    from avert.report.render import render_briefing_html

    _stored(sqlite_store, _far())
    b = build_briefing(sqlite_store, at=AT)
    data = b.to_json()
    ps = data["places_summary"]
    assert set(ps) == FAR_SUMMARY_KEYS
    assert ps["budget"] == "per_force"
    assert ps["forces_advice"] is None
    assert ps["forces"] == ["City of London Police", "West Yorkshire Police"]
    assert [f["force"] for f in ps["by_force"]] == ps["forces"]
    for own in ps["by_force"]:
        assert set(own) == ONE_FORCE_SUMMARY_KEYS | {"force"}
        assert own["kind"] == "forecast"
        assert own["expected_share"] is not None
        cells = [c for c in data["places"] if c["force"] == own["force"]]
        assert [c["rank"] for c in cells] == list(range(1, 11)), own["force"]
    assert len(data["places"]) == 20
    assert ps["forces_line"] in b.notes
    html = " ".join(render_briefing_html(b).split())
    for name in ps["forces"]:
        assert f'<h3 class="force">{name}</h3>' in html
    assert html.count("Expected share ") >= 2


def test_the_briefings_places_over_forces_side_by_side_name_them(
    any_store: Store,
) -> None:
    """Two forces side by side: one grid, as before, and the note ``avert
    forecast`` gives, in the briefing's notes and its places summary (``forces``,
    ``forces_line``: fields added to briefing.json), with the briefing's advice:
    it has no window to choose, its --area chooses one force's."""
    _stored(any_store, _near())
    got = briefing_places(any_store, at=AT, profile="avb-2010", cells=3, knox_sims=9)
    assert got is not None
    assert got.plan is not None
    assert got.plan.frame.height == 3
    cli = run_forecast(_near(), at=AT, cells=3)
    (said,) = _forces_notes(cli.notes)
    assert "(West Yorkshire Police 183; City of London Police 182)" in said
    # avert forecast has --police-force: its note advises it (not "a window")
    assert said.endswith(POLICE_FORCE_ONE_FORCE)
    text = said.removesuffix(f" {POLICE_FORCE_ONE_FORCE}")
    said = f"{text} {BRIEF_ONE_FORCE}"
    # the advice is data: the briefing words it (avert brief --area)
    assert got.forces_note is not None
    assert (got.forces_note.text, got.forces_note.advice) == (text, "brief_area")
    assert got.forces_note.said() == said
    assert said in got.notes
    assert got.forces == ("City of London Police", "West Yorkshire Police")
    b = build_briefing(any_store, at=AT)
    assert len(b.places) == 10
    data = b.to_json()
    assert data["places_summary"]["forces"] == list(got.forces)
    assert data["places_summary"]["forces_line"] == said
    assert data["places_summary"]["forces_text"] == text
    assert data["places_summary"]["forces_advice"] == "brief_area"
    assert said in b.notes


#: sha256 of the one-force briefing's places and places summary (JSON, floats
#: to 12 significant digits), as the code before the force was read made them
#: (2026-12-07; the same digest from that code's JSON). The floats were hashed in
#: full until the forecast's rounding-level speed-ups of 2026-12-07 moved the
#: scores' last bits (at most 6.4e-16 relative, the same places in the same
#: order): a change of rounding is not a change of the section.
ONE_FORCE_PLACES_SHA256 = (
    "45bb1ce170aa62b07c0ba3cad86daa088da9b4316ae11b6a3cb811154e42ee53"
)


def _to_12_digits(value: object) -> object:
    """``value`` with every float rounded to 12 significant digits."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _to_12_digits(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_to_12_digits(v) for v in value]
    return value


def test_the_briefings_places_of_one_force_are_as_before(any_store: Store) -> None:
    """One force: the places section is what it was before the read carried the
    force (pinned by a digest of its JSON made with the old code), with no note
    and no ``forces`` field."""
    _stored(any_store, _cluster(430_000, 433_000, "West Yorkshire Police", 1))
    b = build_briefing(any_store, at=AT)
    data = b.to_json()
    # score_unit added since (the score column's unit, places_summary.score_unit);
    # the digest is of the floats in full, as to_json gave them before it rounded
    # them (JSON_SIGNIFICANT_DIGITS)
    summary = dict(jsonable(b.places_summary))
    assert summary.pop("score_unit") == "times the average cell's risk"
    places = {"places": jsonable(list(b.places)), "places_summary": summary}
    # through JSON first: the digest's floats are those the JSON holds
    full = json.dumps(places, sort_keys=True, ensure_ascii=False, default=str)
    text = json.dumps(
        _to_12_digits(json.loads(full)), sort_keys=True, ensure_ascii=False
    )
    assert hashlib.sha256(text.encode()).hexdigest() == ONE_FORCE_PLACES_SHA256
    assert "forces" not in data["places_summary"]
    assert not _forces_notes(tuple(data["notes"]))


def test_places_forecast_names_refuses_and_chooses_a_force_as_avert_forecast(
    sqlite_store: Store,
) -> None:
    """``places_forecast`` (the store's patrol plan) read no force either."""
    _stored(sqlite_store, _far())
    with pytest.raises(
        ConfigError, match=r"far apart .*patrol grid.* Give --police-force for one"
    ):
        places_forecast(sqlite_store, at=AT, profile="avb-2010", cells=3)
    one = places_forecast(
        sqlite_store, at=AT, profile="avb-2010", cells=3, force="west-yorkshire"
    )
    assert one.grid.n_cells < 10_000
    assert not _forces_notes(one.notes), one.notes


def _stored_month(store: Store, events: pl.DataFrame) -> None:
    """``events`` as a store's month-only records of March 2019 (police.uk months
    of each force, dated the first of their month)."""
    _stored(
        store,
        events.with_columns(occurred_at=pl.lit(dt.datetime(2019, 3, 1))).with_columns(
            time_precision=pl.lit("month")
        ),
    )


def test_a_month_briefings_hotspots_over_far_apart_forces_map_each_forces_own(
    sqlite_store: Store,
) -> None:
    """Month-precision data have no forecast: the briefing maps the month's
    hotspots, over Leeds and London one map whose top cells and share were
    ranked over both forces, then none. Now each force's own map, under its
    name."""
    _stored_month(sqlite_store, _far())
    b = build_briefing(sqlite_store, at=dt.datetime(2019, 4, 1))
    assert b.precision == "month"
    ps = b.to_json()["places_summary"]
    assert ps["kind"] == "recent_hotspots"
    assert ps["budget"] == "per_force"
    assert [f["force"] for f in ps["by_force"]] == [
        "City of London Police",
        "West Yorkshire Police",
    ]
    for own in ps["by_force"]:
        assert own["n_events"] == 200, own
    assert {p["force"] for p in b.places} == set(ps["forces"])
    assert len(b.places) == 20
    (note,) = [n for n in b.notes if "far apart" in n]
    assert "2 forces or sources far apart (City of London Police, West " in note
    assert "avert brief" not in note
    assert ps["forces_line"] == note


def test_a_month_briefings_hotspots_over_forces_side_by_side_name_them(
    sqlite_store: Store,
) -> None:
    """Side by side: one map, as before, its forces named as the forecast's are."""
    _stored_month(sqlite_store, _near())
    b = build_briefing(sqlite_store, at=dt.datetime(2019, 4, 1))
    assert b.precision == "month"
    assert len(b.places) == 10
    summary = b.to_json()["places_summary"]
    assert summary["kind"] == "recent_hotspots"
    assert summary["forces"] == ["City of London Police", "West Yorkshire Police"]
    assert (
        "(City of London Police 200; West Yorkshire Police 200)"
        in (summary["forces_line"])
    )
    assert summary["forces_line"] in b.notes
    assert summary["forces_line"].endswith(BRIEF_ONE_FORCE)


def _kent_stray() -> pl.DataFrame:
    """One incident of a third force (Kent's), far from both, in March 2019."""
    return (
        _cluster(600_000, 150_000, "Kent Police", 3)
        .head(1)
        .with_columns(occurred_at=pl.lit(dt.datetime(2019, 3, 10)))
    )


@pytest.mark.parametrize("month", [True, False], ids=["month", "exact"])
def test_a_stray_incident_of_a_third_force_gets_no_places_of_its_own(
    sqlite_store: Store, month: bool
) -> None:
    """One stray incident of a third force beside Leeds and London was named a
    force far apart and mapped as one: "the top 9 cells held 100 % of March
    2019's violence (1 incident with a place)" (month data), its one cell
    listed under "Kent Police" (a forecast). Now a force of no more events
    than the top cells listed per force is strays: no places, a note says why,
    and it is not counted among the forces far apart."""
    events = pl.concat([_far(), _kent_stray()])
    if month:
        _stored_month(sqlite_store, events)
        at = dt.datetime(2019, 4, 1)
    else:
        _stored(sqlite_store, events)
        at = AT
    b = build_briefing(sqlite_store, at=at)
    ps = b.to_json()["places_summary"]
    forces = ["City of London Police", "West Yorkshire Police"]
    assert [f["force"] for f in ps["by_force"]] == forces
    assert ps["forces"] == forces
    assert {p["force"] for p in b.places} == set(forces)
    (far,) = [n for n in b.notes if "far apart" in n]
    assert "2 forces or sources far apart" in far
    assert "Kent" not in far
    (few,) = [n for n in b.notes if n.startswith("Kent Police: ")]
    assert "1 located event in" in few
    assert "too few for places of its own" in few


@pytest.mark.parametrize("far", [True, False], ids=["far", "one"])
def test_a_partner_reads_a_stray_events_place_as_its_cell(
    sqlite_store: Store, far: bool
) -> None:
    """A West Yorkshire incident 30 km from the bulk, left out of the patrol
    grid: the note gave partners (and the board) its own easting and northing,
    "first at x 461234, y 402345", of forces far apart under the force's name
    too. A partner reads the centre of its cell, as every place it sees."""
    stray = (
        _cluster(430_000, 433_000, "West Yorkshire Police", 5)
        .head(1)
        .with_columns(
            x=pl.lit(461_234.0),
            y=pl.lit(402_345.0),
            occurred_at=pl.lit(dt.datetime(2019, 4, 10)),
        )
    )
    ours = _far() if far else _cluster(430_000, 433_000, "West Yorkshire Police", 1)
    _stored(sqlite_store, pl.concat([ours, stray]))
    b = build_briefing(
        sqlite_store,
        at=AT,
        audience="partner",
        pseudonym_key="Zq8vN3xLp0Rt7YwKc2HsB9mJf4UdGe6A",
        pseudonym_scope="board",
    )
    text = json.dumps(b.to_json(), default=str)
    (note,) = [n for n in b.notes if "Left out of the patrol grid" in n]
    assert "first in the 150 m cell centred at x 461175, y 402375" in note
    assert "461234" not in text
    assert "402345" not in text
    police = build_briefing(sqlite_store, at=AT)
    assert [n for n in police.notes if "first at x 461234, y 402345" in n]


@pytest.mark.parametrize("month", [True, False], ids=["month", "exact"])
def test_a_force_of_too_few_events_is_said_beside_the_places(
    sqlite_store: Store, month: bool
) -> None:
    """A force of no more events than the cells listed per force gets no
    places: its note was among the briefing's notes only, with no minimum, and
    briefing.json had nothing a reader could use. Now ``places_summary.too_few``
    (added only when there is one) gives its name, count and the minimum, and
    the briefing's places section (HTML, PDF) says so under the forces' places."""
    from avert.report.render import render_briefing_html

    kent = pl.concat([_kent_stray()] * 3)
    if month:
        _stored_month(sqlite_store, pl.concat([_far(), kent]))
        at = dt.datetime(2019, 4, 1)
    else:
        _stored(sqlite_store, pl.concat([_far(), kent]))
        at = AT
    b = build_briefing(sqlite_store, at=at)
    ps = b.to_json()["places_summary"]
    (few,) = ps["too_few"]
    assert few["force"] == "Kent Police"
    assert few["n_events"] == 3
    assert few["min_events"] == 11
    assert few["line"].startswith("Kent Police: 3 located events in ")
    assert "fewer than the 11 a force's own places need" in few["line"]
    assert few["line"] in b.notes
    places = render_briefing_html(b).split('<section id="places">')[1]
    places = " ".join(places[: places.index("</section>")].split())
    assert f'<p class="too-few">{escape(few["line"])}</p>' in places


def test_the_briefing_draws_each_far_forces_map_and_none_over_them_all(
    sqlite_store: Store,
) -> None:
    """The briefing's places section (HTML, and the PDF of it) drew one map over
    Leeds and London, each cell smaller than a pixel, above each force's own:
    now each force's map alone, each with its own key."""
    from avert.report.render import render_briefing_html

    _stored(sqlite_store, _far())
    b = build_briefing(sqlite_store, at=AT)
    places = render_briefing_html(b).split('<section id="places">')[1]
    places = places[: places.index("</section>")]
    assert places.count("<svg") == 2
    assert places.count('<div class="force-map"><svg') == 2
    assert places.count('<div class="legend">') == 2
