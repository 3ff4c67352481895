"""``avert analyse performance`` prints a p-value as the board pack does: never
rounded across the significance level beside a "significant" verdict."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


def _series(p: float, verdict: str) -> SimpleNamespace:
    row = {
        "rate_ratio": 1.2,
        "ci_low": 1.0,
        "ci_high": 1.4,
        "p_value": p,
        "recent_count": 120,
        "recent_expected": 100.0,
    }
    return SimpleNamespace(
        area="all",
        category="all",
        flag="all",
        verdict=verdict,
        reason=None,
        caution=None,
        row=lambda: row,
    )


@pytest.mark.parametrize(
    ("p", "alpha", "verdict", "shown"),
    [
        (0.04996, "0.05", "significant_increase", "0.04996"),  # was "0.05"
        (0.00996, "0.01", "significant_increase", "0.00996"),  # was "0.00996"
        (0.0095, "0.01", "significant_increase", "0.009"),  # was "0.0095"
        (0.01004, "0.01", "no_significant_change", "0.010"),  # was "0.01"
        (0.1234, "0.05", "no_significant_change", "0.123"),
    ],
)
def test_the_p_value_is_not_rounded_across_alpha(
    sqlite_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    p: float,
    alpha: str,
    verdict: str,
    shown: str,
) -> None:
    import avert.workflows.board as board

    def fake(*_: Any, **kw: Any) -> SimpleNamespace:
        assert kw["alpha"] == float(alpha)
        return SimpleNamespace(series=[_series(p, verdict)], notes=())

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
            "--alpha",
            alpha,
        ],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if verdict in x)
    assert f" {shown} " in f" {line} ", line
