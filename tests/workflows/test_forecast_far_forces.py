"""Forecasts, their evaluation and the Knox test over events of several forces.

`avert forecast` over two clusters 250 km apart (events with days, as a force's own
records) built one patrol grid of 1,841 x 841 cells of 150 m (7.6 s, 451 MB) and
ranked cells across both forces, with a note only; `forecast evaluate` and `analyse
near-repeat` said nothing of the forces they counted together.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import polars as pl
import pytest

from avert.errors import ConfigError
from avert.store import Store
from avert.workflows._forces import of_force
from avert.workflows.forecast import (
    briefing_places,
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
    with pytest.raises(ConfigError, match=r"far apart .*patrol grid.* Give --force"):
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


def test_the_briefings_places_over_far_apart_forces_still_plan(
    sqlite_store: Store,
) -> None:
    """The briefing's places (and the web Places page, which shows them) read no
    force: they plan one grid over the store or the area asked, as before; the
    refusal of `avert forecast` must not leave the meeting without them."""
    incidents = _far().select(
        incident_id=pl.format("i{}", pl.int_range(pl.len())),
        source="source",
        force="force",
        occurred_from="occurred_at",
        time_precision=pl.lit("exact"),
        x="x",
        y="y",
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    got = briefing_places(
        sqlite_store,
        at=dt.datetime(2019, 4, 20),
        profile="avb-2010",
        cells=3,
        knox_sims=9,
    )
    assert got is not None
    assert got.plan.frame.height == 3
