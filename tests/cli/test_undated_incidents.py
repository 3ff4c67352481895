"""A store holding incidents with no date (hand-edited, or partly migrated).

``avert status`` grouped them as the month "(none)" and stopped on it with a
traceback (``ValueError: invalid literal for int() with base 10: '(non'``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from typer.testing import CliRunner

from avert.cli import app
from cli.open_data import policeuk_2019_06


@pytest.fixture
def db(
    template_db: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> str:
    """A month of police.uk crimes, two of them without a date."""
    url = policeuk_2019_06(tmp_path_factory, template_db, tmp_path)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE incidents SET occurred_from = NULL, occurred_to = NULL "
            "WHERE incident_id IN (SELECT incident_id FROM incidents "
            "ORDER BY incident_id LIMIT 2)"
        )
    engine.dispose()
    return url


def test_status_counts_undated_incidents_apart(db: str) -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["--db", db, "status"], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    out = re.sub(r"\s+", " ", shown.output)
    assert "incidents months: 2019-06 .. 2019-06 (1 month)" in out
    assert "incidents with no date: 2 (in no month above" in out
    summary = json.loads(runner.invoke(app, ["--db", db, "status", "--json"]).stdout)
    assert summary["incidents"]["by_month"]["(none)"] == 2
