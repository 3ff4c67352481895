"""A store of open data for the CLI tests: police.uk's June 2019 month (tests/data),
ingested with ``avert ingest policeuk`` (and so classified under the built-in
avb-2010) once per test run and shared by the pytest-xdist workers
(:func:`built_once.built_once`); each module or test writes to a copy of its own."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from avert.cli import app
from built_once import built_once, copy_built

DATA = Path(__file__).resolve().parents[1] / "data"
_DB = "open.db"


def policeuk_2019_06(
    factory: pytest.TempPathFactory, template_db: Path, to: Path
) -> str:
    """The URL of a copy, in the empty or new folder ``to``, of a store (the
    migrated ``template_db``) with police.uk 2019-06 loaded."""

    def load(folder: Path) -> None:
        shutil.copy(template_db, folder / _DB)
        url = f"sqlite:///{folder / _DB}"
        policeuk = str(DATA / "policeuk" / "2019-06")
        loaded = CliRunner().invoke(app, ["--db", url, "ingest", "policeuk", policeuk])
        assert loaded.exit_code == 0, loaded.output

    built = built_once(factory, "policeuk-2019-06", load)
    return f"sqlite:///{copy_built(built, to) / _DB}"
