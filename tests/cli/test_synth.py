"""``avert synth`` writes a bundle and prints a summary."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from avert.cli import app


def _synth(out: Path, *args: str) -> Result:
    """``avert synth`` for a small city (1,500 people over 60 days) into ``out``."""
    return CliRunner().invoke(
        app, ["synth", "--people", "1500", "--days", "60", "--out", str(out), *args]
    )


def test_synth_command_writes_bundle(tmp_path: Path) -> None:
    out = tmp_path / "city"
    result = _synth(out, "--seed", "2", "--end-date", "2025-03-01")
    assert result.exit_code == 0, result.output
    assert "reprisal pairs" in result.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["extracted_at"] == "2025-03-01T06:00:00"
    assert (out / "incidents.csv").stat().st_size > 0
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 2


def test_synth_command_parquet(tmp_path: Path) -> None:
    out = tmp_path / "pq"
    result = _synth(out, "--format", "parquet")
    assert result.exit_code == 0, result.output
    assert (out / "incidents.parquet").exists()
    assert not (out / "incidents.csv").exists()


def test_synth_command_rejects_bad_date(tmp_path: Path) -> None:
    result = _synth(tmp_path, "--end-date", "soon")
    assert result.exit_code != 0


def test_synth_writes_the_citys_residents_to_load_as_denominators(
    tmp_path: Path,
) -> None:
    """After the README's tour Equality and the board pack had no residents to
    divide by: only ``avert demo`` wrote the city's residents. ``avert synth``
    writes them beside the bundle (``residents/``), which ``avert ingest
    population`` and ``avert ingest centroids`` load, and which the bundle's
    ingest leaves alone."""
    from avert.synth.residents import CENTROIDS_FILE, RESIDENTS_FILE

    out = tmp_path / "city"
    result = _synth(out, "--seed", "2")
    assert result.exit_code == 0, result.output
    residents = out / "residents" / RESIDENTS_FILE
    assert residents.stat().st_size > 0
    assert (out / "residents" / CENTROIDS_FILE).stat().st_size > 0
    assert "avert ingest population" in " ".join(result.output.split())
    db = f"sqlite:///{tmp_path / 'a.db'}"
    runner = CliRunner()
    for args in (
        ["db", "init"],
        ["ingest", "bundle", str(out)],
        ["ingest", "population", str(residents)],
        ["ingest", "centroids", str(out / "residents" / CENTROIDS_FILE)],
    ):
        done = runner.invoke(app, ["--db", db, *args])
        assert done.exit_code == 0, (args, done.output)
