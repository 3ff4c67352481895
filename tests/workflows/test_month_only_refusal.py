"""Forecasts, near repeat and emerging hot spots on a store of month-only records
(data.police.uk's): refused at once, before every incident is read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

import avert.workflows.forecast as forecast_workflow
from avert.errors import ConfigError
from avert.store import Store
from avert.store.summary import month_only_incidents
from avert.workflows.forecast import MONTH_ONLY_NOTE, events_from_store


def _store(tmp_path: Path, precisions: list[str | None]) -> Store:
    """A SQLite store of one located incident per precision, in one month."""
    store = Store(str(tmp_path / "avert.db"))
    store.upgrade()
    return _add(store, precisions)


def _add(store: Store, precisions: list[str | None]) -> Store:
    """``store`` with one located incident per precision, in one month."""
    n = len(precisions)
    inc = pl.DataFrame(
        {
            "incident_id": [f"i{k}" for k in range(n)],
            "source": "policeuk",
            "occurred_from": [dt.datetime(2022, 1, 1 + k, 12) for k in range(n)],
            "time_precision": pl.Series(precisions, dtype=pl.String()),
            "x": [530000.0 + 10 * k for k in range(n)],
            "y": [180000.0 + 10 * k for k in range(n)],
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", inc)
    return store


def test_month_only_incidents_counts_them_and_all(any_store: Store) -> None:
    assert month_only_incidents(any_store) == (0, 0)
    _add(any_store, ["month", "month", None, "day"])
    assert month_only_incidents(any_store) == (2, 4)


def test_every_incident_month_only_is_refused_before_they_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """London's 2022 first quarter (203,519 police.uk crimes) took 8-17 s to be
    refused: every incident was read and classified before the check."""
    store = _store(tmp_path, ["month"] * 3)

    def no_read(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the incidents were read before the refusal")

    monkeypatch.setattr(forecast_workflow, "load_analysis_incidents", no_read)
    with pytest.raises(ConfigError, match=r"Every incident is month-only \(3:"):
        events_from_store(store, profile="avb-2010", day_resolution=True)


def test_some_month_only_incidents_are_left_out_with_a_note(tmp_path: Path) -> None:
    store = _store(tmp_path, ["month", "month", "exact", None])
    events, notes = events_from_store(store, profile="avb-2010", day_resolution=True)
    assert events.height == 2
    assert any(note.startswith(f"2 {MONTH_ONLY_NOTE}") for note in notes)


def test_month_only_incidents_stay_in_the_month_level_work(tmp_path: Path) -> None:
    """Only the day-level analyses refuse: month-level work reads them all."""
    store = _store(tmp_path, ["month"] * 3)
    events, _ = events_from_store(store, profile="avb-2010")
    assert events.height == 3


#: what a refusal has no use for: each costs 0.1-0.6 s of a command's start-up
_UNNEEDED = (
    "scipy.ndimage",
    "scipy.optimize",
    "scipy.stats",
    "scipy.sparse",
    "scipy.spatial",
    "sklearn",
    "lightgbm",
    "statsmodels",
    "igraph",
    "weasyprint",
    "fastapi",
    "alembic",
)

_PROBE = """
import json, runpy, sys
out, sys.argv = sys.argv[1], ["avert", *sys.argv[2:]]
try:
    runpy.run_module("avert", run_name="__main__")
    code = 0
except SystemExit as stop:
    code = stop.code
heavy = sorted({m for m in sys.modules for h in HEAVY if m == h or m.startswith(h + ".")})
with open(out, "w") as f:
    json.dump({"code": code, "heavy": heavy}, f)
"""


@pytest.mark.parametrize(
    "command",
    [
        ["forecast", "--at", "2022-02-01"],
        ["analyse", "hotspots", "--at", "2022-02-01"],
        ["analyse", "near-repeat"],
    ],
)
def test_a_refusal_imports_no_analysis_library(
    tmp_path: Path, command: list[str]
) -> None:
    """London's 2022 first quarter was refused after 2.2-5.7 s, most of it importing
    scipy's image filters, optimisers and statistics for a forecast never made: the
    refusal now pays only for the store and its one counting query."""
    import json
    import subprocess
    import sys

    store = _store(tmp_path, ["month"] * 3)
    store.close()
    out = tmp_path / "probe.json"
    probe = _PROBE.replace("HEAVY", repr(_UNNEEDED))
    subprocess.run(
        [sys.executable, "-c", probe, str(out), "--db", str(store.url.adbc), *command],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    found = json.loads(out.read_text())
    assert found["code"] == 1
    assert found["heavy"] == []
