"""``avert analyse performance --measure harm`` sets recent harm against expected
harm, never the event count against expected harm."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


@pytest.mark.parametrize(
    ("measure", "shown"), [("harm", "5.01e+05/5.38e+05"), ("count", "2827/2.46e+03")]
)
def test_recent_and_expected_are_in_the_same_measure(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, measure: str, shown: str
) -> None:
    import avert.workflows.board as board

    row = {
        "measure": measure,
        "rate_ratio": 0.93,
        "ci_low": 0.8,
        "ci_high": 1.1,
        "p_value": 0.4,
        "recent_count": 2827,
        "recent_harm": 501234.0,
        "recent_expected": 537836.0 if measure == "harm" else 2456.0,
    }
    series = SimpleNamespace(
        area="all",
        category="all",
        flag="all",
        verdict="no_significant_change",
        reason=None,
        caution=None,
        row=lambda: row,
    )

    def fake(*_: Any, **kw: Any) -> SimpleNamespace:
        assert kw["measure"] == measure
        return SimpleNamespace(series=[series], notes=())

    monkeypatch.setattr(board, "run_performance", fake)
    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "performance",
            "--baseline-from",
            "2024-01-01",
            "--baseline-to",
            "2024-12-31",
            "--from",
            "2025-01-01",
            "--to",
            "2025-06-30",
            "--measure",
            measure,
        ],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if "no_significant" in x)
    assert f" {shown} " in f" {line} ", line
    assert "2827/5.38e+05" not in line  # the count against expected harm
