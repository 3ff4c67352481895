"""An empty risk window and a reweighting classify, on SQLite and PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from avert.config.definitions import load_harm
from avert.store import Store
from avert.synth import CityConfig, make_city, write_bundle
from avert.workflows.analysis import run_risk
from avert.workflows.definitions import classify_store
from avert.workflows.load import load_files


def test_empty_window_and_reweighting_on_either_store(
    any_store: Store, tmp_path: Path
) -> None:
    """The store's span in an empty window's note and the incidents reweighted by
    another harm table come from the store alike on SQLite and PostgreSQL."""
    world = make_city(dataclasses.replace(CityConfig(), people=1_000, days=60), seed=3)
    write_bundle(world, tmp_path / "bundle")
    load_files(any_store, [tmp_path / "bundle"], kind="bundle")
    classify_store(any_store, profile="avb-2010")
    times = any_store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ]
    first, last = times.min(), times.max()
    assert isinstance(first, dt.datetime)
    assert isinstance(last, dt.datetime)
    (result,) = run_risk(any_store, kind="offender", at=first - dt.timedelta(days=1))
    assert result.frame.height == 0
    assert any(
        n.endswith(
            f"the store's incidents run from {first:%Y-%m-%d} to {last:%Y-%m-%d}."
        )
        for n in result.notes
    ), result.notes
    # 8N at 20 days, not 10: every stored 8N incident is reweighted, nothing else
    packaged = Path(load_harm().path)
    text = packaged.read_text("utf-8")
    at = text.index('[codes."8N"]')
    cut = text.index("days = 10.0", at)
    mine = tmp_path / "harm.toml"
    mine.write_text(text[:cut] + "days = 20.0" + text[cut + 11 :], "utf-8")
    n_8n = any_store.read_frame(
        "incidents", columns=["incident_id"], where=[("offence_code", "=", "8N")]
    ).height
    assert n_8n
    report = classify_store(any_store, profile="avb-2010", harm=load_harm(str(mine)))
    assert report.reweighted == n_8n
    assert (
        classify_store(
            any_store, profile="avb-2010", harm=load_harm(str(mine))
        ).reweighted
        == 0
    )
