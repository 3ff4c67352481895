"""Concentration and VOLT say when the incidents they count are of several forces.

A store of West Yorkshire's July 2018 (31,635 crimes), City of London's 2019 and the
synthetic city gave `avert analyse concentration --entity place` one Gini (0.563)
over the three, and a VOLT window holding West Yorkshire's July and the City's first
half of 2019 one set of totals, with no word that they were counted as one area.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from avert.errors import ConfigError
from avert.store import Store
from avert.workflows._forces import (
    COMMAND_ONE_FORCE,
    POLICE_FORCE_ONE_FORCE,
    of_force,
    refuse_far_forces,
)
from avert.workflows.analysis import run_concentration, run_volt
from avert.workflows.forecast import events_from_store, run_forecast
from avert.workflows.places import run_emerging, run_gistar


def _months(force: str | None, source: str, months: range, lsoa: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "incident_id": [f"{source[:3]}{force or '-'}{m}" for m in months],
            "occurred_from": [dt.datetime(2019, m, 1) for m in months],
            "time_precision": ["month"] * len(months),
            "lsoa": [lsoa] * len(months),
            "source": [source] * len(months),
            "force": [force] * len(months),
        },
        schema_overrides={"force": pl.String},
    )


def _store(store: Store, *frames: pl.DataFrame) -> Store:
    with store.transaction() as tx:
        tx.append("incidents", pl.concat(frames))
    return store


def _forces_notes(notes: tuple[str, ...]) -> list[str]:
    return [n for n in notes if "forces or sources" in n]


def test_concentration_over_two_forces_names_them(any_store: Store) -> None:
    store = _store(
        any_store,
        _months("City of London Police", "policeuk", range(1, 13), "A"),
        _months("West Yorkshire Police", "policeuk", range(1, 4), "B"),
    )
    res = run_concentration(store, entity="place", violence_only=False)
    (note,) = _forces_notes(res.notes)
    assert note.startswith(
        "The incidents counted are of 2 forces or sources (City of London Police "
        "12; West Yorkshire Police 3): every figure here counts them together"
    ), note
    # concentration has no option choosing a force: a window, or a store
    assert note.endswith(COMMAND_ONE_FORCE), note


def test_a_source_naming_no_force_is_named_by_its_source(any_store: Store) -> None:
    store = _store(
        any_store,
        _months("City of London Police", "policeuk", range(1, 3), "A"),
        _months(None, "synthetic city", range(1, 4), "C"),
    )
    res = run_concentration(store, entity="place", violence_only=False)
    (note,) = _forces_notes(res.notes)
    assert "(no force named: synthetic city 3; City of London Police 2)" in note


def test_one_force_has_no_such_note(any_store: Store) -> None:
    store = _store(
        any_store,
        _months("City of London Police", "policeuk", range(1, 13), "A"),
        _months("West Yorkshire Police", "policeuk", range(1, 4), "B"),
    )
    res = run_concentration(
        store,
        entity="place",
        violence_only=False,
        date_from=dt.datetime(2019, 6, 1),
    )
    assert res.n_events == 7
    assert not _forces_notes(res.notes), res.notes


def test_volt_names_the_forces_of_its_window_only(any_store: Store) -> None:
    store = _store(
        any_store,
        _months("City of London Police", "policeuk", range(1, 13), "A"),
        _months("West Yorkshire Police", "policeuk", range(1, 4), "B"),
    )
    both = run_volt(
        store, at=dt.datetime(2019, 12, 31, 23, 59), violence_only=False, user="t"
    )
    (note,) = _forces_notes(both.notes)
    assert "(City of London Police 12; West Yorkshire Police 3)" in note
    one = run_volt(
        store,
        at=dt.datetime(2019, 12, 31, 23, 59),
        window_days=150,
        violence_only=False,
        user="t",
    )
    assert not _forces_notes(one.notes), one.notes


def _placed(force: str | None, source: str, year: int, x0: float) -> pl.DataFrame:
    """Twelve months of one incident each in four cells near ``x0`` (metres)."""
    n = 48
    return pl.DataFrame(
        {
            "incident_id": [f"{source[:3]}{force or '-'}{year}{k}" for k in range(n)],
            "occurred_from": [dt.datetime(year, k % 12 + 1, 1) for k in range(n)],
            "time_precision": ["month"] * n,
            "x": [x0 + 150.0 * (k % 4) + 10 for k in range(n)],
            "y": [400_000.0 + 150.0 * (k % 3) for k in range(n)],
            "source": [source] * n,
            "force": [force] * n,
        },
        schema_overrides={"force": pl.String},
    )


def test_gistar_over_two_forces_names_them(any_store: Store) -> None:
    """`avert analyse gistar` with no window tested West Yorkshire's 2018 and City
    of London's 2019 as one grid, with no word."""
    store = _store(
        any_store,
        _placed("West Yorkshire Police", "policeuk", 2018, 420_000.0),
        _placed("City of London Police", "policeuk", 2019, 421_000.0),
    )
    events, _ = events_from_store(
        store, profile="avb-2010", violence_only=False, forces=True
    )
    res = run_gistar(events, study_area="active")
    (note,) = _forces_notes(res.notes)
    assert "(City of London Police 48; West Yorkshire Police 48)" in note, note
    # analyse gistar has --police-force: its note advised "choose a window"
    assert note.endswith(POLICE_FORCE_ONE_FORCE), note
    one = run_gistar(events, study_area="active", date_from=dt.datetime(2019, 1, 1))
    assert not _forces_notes(one.notes), one.notes


def test_emerging_hot_spots_over_two_forces_name_them(any_store: Store) -> None:
    store = _store(
        any_store,
        _placed("West Yorkshire Police", "policeuk", 2019, 420_000.0),
        _placed(None, "synthetic city", 2019, 421_000.0),
    )
    events, _ = events_from_store(
        store, profile="avb-2010", violence_only=False, forces=True
    )
    res = run_emerging(events, at=dt.datetime(2020, 1, 1), slices=12, slice_months=1)
    (note,) = _forces_notes(res.notes)
    assert "(West Yorkshire Police 48; no force named: synthetic city 48)" in note
    assert note.endswith(POLICE_FORCE_ONE_FORCE), note


def _far(any_store: Store) -> pl.DataFrame:
    """West Yorkshire's cells near Leeds, City of London's 250 km south."""
    city = _placed("City of London Police", "policeuk", 2019, 532_000.0)
    city = city.with_columns(pl.col("y") - 250_000.0)
    store = _store(
        any_store,
        _placed("West Yorkshire Police", "policeuk", 2019, 420_000.0),
        city,
    )
    events, _ = events_from_store(
        store, profile="avb-2010", violence_only=False, forces=True
    )
    return events


def test_a_grid_over_far_apart_forces_is_refused(any_store: Store) -> None:
    """Emerging hot spots over West Yorkshire and City of London built one grid
    from Leeds to London (2,038,595 cells of 150 m; 5 GB, 60 to 100 s)."""
    events = _far(any_store)
    with pytest.raises(ConfigError, match=r"far apart .* Give --police-force for one"):
        run_emerging(events, at=dt.datetime(2020, 1, 1), slices=12, slice_months=1)
    with pytest.raises(ConfigError, match="far apart"):
        run_gistar(events, study_area="active")
    wy = of_force(events, "west-yorkshire")
    assert set(wy["force"]) == {"West Yorkshire Police"}
    res = run_gistar(wy, study_area="active")
    assert not _forces_notes(res.notes)
    with pytest.raises(ConfigError, match="City of London Police, West Yorkshire"):
        of_force(events, "kent")


def test_a_neighbour_inside_a_force_with_strays_is_not_refused() -> None:
    """London's 2022 Q1 (no force named) reach 84 km north to south, 98 % of them
    34 km; the City of London's 2019, inside London, were refused as 'far apart'
    (511,071 cells, 7 times): the force's own strays were counted as ground between
    the two. Far-apart forces are still refused."""
    n = 1_000
    k = np.arange(n)
    # a 30 km square of events, and 1 % of them 65 km north and south of it
    big_y = np.where(k % 200 == 0, 100_000.0, np.where(k % 200 == 1, 260_000.0, 0.0))
    london = pl.DataFrame(
        {
            "x": 500_000.0 + (k * 37 % 200) * 150.0,
            "y": np.where(big_y > 0, big_y, 165_000.0 + (k * 53 % 200) * 150.0),
            "source": "policeuk-reduced",
            "force": None,
        },
        schema_overrides={"force": pl.String},
    )
    city = pl.DataFrame(
        {
            "x": 531_000.0 + (k % 10) * 150.0,
            "y": 181_000.0 + (k % 7) * 150.0,
            "source": "policeuk",
            "force": "City of London Police",
        }
    )
    refuse_far_forces(pl.concat([london, city]), 150.0, what="grid")
    refuse_far_forces(london, 150.0, what="grid")  # one, with its strays
    leeds = city.with_columns(pl.col("y") + 250_000.0, force=pl.lit("WY"))
    with pytest.raises(ConfigError, match="far apart"):
        refuse_far_forces(pl.concat([london, leeds]), 150.0, what="grid")


def test_force_chooses_records_naming_no_force_by_their_source() -> None:
    """London's 2022 Q1 (no force named) beside City of London's 2019: the refusal
    said to give --force, yet London's events could not be chosen, and
    ``--force metropolitan`` said the events' forces were the City's alone."""
    events = pl.DataFrame(
        {
            "x": [1.0, 2.0, 3.0],
            "source": ["policeuk-reduced", "policeuk-reduced", "policeuk"],
            "force": [None, None, "City of London Police"],
        },
        schema_overrides={"force": pl.String},
    )
    assert of_force(events, "policeuk-reduced")["x"].to_list() == [1.0, 2.0]
    named = of_force(events, "no force named: policeuk-reduced")
    assert named["x"].to_list() == [1.0, 2.0]
    assert of_force(events, "city-of-london")["x"].to_list() == [3.0]
    with pytest.raises(
        ConfigError,
        match=r"^--police-force metropolitan: no event is of that force; .*"
        r"City of London Police, no force named: policeuk-reduced",
    ):
        of_force(events, "metropolitan")


def test_a_forecast_over_two_forces_names_them() -> None:
    """`avert forecast` over West Yorkshire's and City of London's events (with
    days) planned one patrol grid from Leeds to London (1,841 x 841 cells of
    150 m, 7.6 s) and its top cells over both, with no word."""
    rng = np.random.default_rng(1)

    def events(x0: float, force: str) -> pl.DataFrame:
        n = 200
        return pl.DataFrame(
            {
                "x": x0 + rng.normal(0, 300, n),
                "y": 400_000.0 + rng.normal(0, 300, n),
                "occurred_at": [
                    dt.datetime(2019, 1, 1) + dt.timedelta(hours=float(h))
                    for h in rng.uniform(0, 24 * 120, n)
                ],
                "source": "policeuk",
                "force": force,
            }
        )

    both = pl.concat(
        [events(420_000, "West Yorkshire Police"), events(423_000, "City of London")]
    )
    plan = run_forecast(
        both, at=dt.datetime(2019, 4, 20), horizon=dt.timedelta(days=7), cells=5
    )
    (note,) = _forces_notes(plan.notes)
    assert "(West Yorkshire Police 183; City of London 178)" in note, note
    one = run_forecast(
        of_force(both, "West Yorkshire Police"),
        at=dt.datetime(2019, 4, 20),
        horizon=dt.timedelta(days=7),
        cells=5,
    )
    assert not _forces_notes(one.notes), one.notes
