"""``avert analyse performance``'s table: a p-value printed as the board pack does
(never rounded across the significance level beside a "significant" verdict), and
recent beside expected in the same measure."""

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
    def fake(*_: Any, **kw: Any) -> SimpleNamespace:
        assert kw["alpha"] == float(alpha)
        return SimpleNamespace(series=[_series(p, verdict)], notes=(), params={})

    line = _table_line(sqlite_store, monkeypatch, fake, verdict, "--alpha", alpha)
    assert f" {shown} " in f" {line} ", line


def _table_line(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    fake: Any,
    verdict: str,
    *args: str,
) -> str:
    """The table line of ``verdict`` printed by ``avert analyse performance ARGS``
    over ``fake`` in place of the workflow."""
    import avert.workflows.board as board

    monkeypatch.setattr(board, "run_performance", fake)
    result = CliRunner().invoke(
        app,
        [
            "--db",
            store.url.sqlalchemy,
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
            *args,
        ],
        env={"COLUMNS": "160"},
    )
    assert result.exit_code == 0, result.output
    return next(x for x in result.output.splitlines() if verdict in x)


@pytest.mark.parametrize(
    ("measure", "shown"),
    [("harm", "501,234/537,836"), ("count", "2,827/2,456")],  # "2827/2.46e+03"
)
def test_recent_and_expected_are_in_the_same_measure(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch, measure: str, shown: str
) -> None:
    """With ``--measure harm`` the table set the recent event count against the
    expected harm ("2827/5.38e+05")."""
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
        return SimpleNamespace(series=[series], notes=(), params={})

    line = _table_line(
        sqlite_store, monkeypatch, fake, "no_significant", "--measure", measure
    )
    assert f" {shown} " in f" {line} ", line
    assert "2827/5.38e+05" not in line  # the count against expected harm


def test_an_interval_end_is_not_rounded_onto_1() -> None:
    """The tables' intervals, three significant figures for performance and two
    decimals for equality: an end of 0.99962 beside a significant reduction printed
    "1", one of 1.0042 beside a flagged ratio "1.00"; each keeps its side of 1."""
    from avert.cli.board import _ci, _two

    assert _ci({"ci_low": 0.62, "ci_high": 0.99962}) == "0.62-0.9996"
    assert _ci({"ci_low": 1.00041, "ci_high": 1.4}) == "1.0004-1.4"
    assert _ci({"ci_low": 0.614, "ci_high": 0.942}) == "0.614-0.942"
    assert _ci({"ci_low": 1.0042, "ci_high": 3.236}, _two) == "1.004-3.24"
    assert _ci({"ci_low": 1.0, "ci_high": 1.2}, _two) == "1.00-1.20"


def test_small_counts_and_expectations_keep_three_figures() -> None:
    """Below 100 a count or expectation keeps three significant figures, as a
    ward's robberies "18/37.5"; from 100 whole numbers in thousands, never "1.96e+04"."""
    from avert.cli.board import _amount

    assert _amount(18) == "18"
    assert _amount(37.46) == "37.5"
    assert _amount(19555.99) == "19,556"
    assert _amount(2527855.22) == "2,527,855"
    assert _amount(None) == "n/a"


@pytest.mark.parametrize(
    ("area", "category", "verdict"),
    [
        # London by lsoa_name (--by lsoa_name): the width of the probe's table
        (
            "Kensington and Chelsea 001A",
            "police.uk: violence and sexual offences",
            "no_significant_change",
        ),
        (
            "Barking and Dagenham 012C",
            "police.uk: possession of weapons",
            "significant_reduction",
        ),
    ],
)
def test_an_80_column_table_keeps_the_verdict(
    sqlite_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    area: str,
    category: str,
    verdict: str,
) -> None:
    """In an 80-column terminal the table left out the verdict and kept the rate
    ratio, so whether a change was significant could not be read; the verdict is
    kept whole (the point of the table) and less telling columns go first."""
    import avert.workflows.board as board

    row = {
        "rate_ratio": 0.934,
        "ci_low": 0.812,
        "ci_high": 1.07,
        "p_value": 0.334,
        "recent_count": 2827,
        "recent_expected": 3027.0,
    }
    series = SimpleNamespace(
        area=area,
        category=category,
        flag="domestic",
        verdict=verdict,
        reason=None,
        caution=None,
        row=lambda: row,
    )

    def fake(*_: Any, **__: Any) -> SimpleNamespace:
        return SimpleNamespace(series=[series], notes=(), params={})

    monkeypatch.setattr(board, "run_performance", fake)
    args = ["--baseline-from", "2024-01-01", "--baseline-to", "2024-12-31"]
    result = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "analyse",
            "performance",
            *args,
            *("--from", "2025-01-01", "--to", "2025-06-30"),
        ],
        env={"COLUMNS": "80"},
    )
    assert result.exit_code == 0, result.output
    out = result.output
    assert all(len(line) <= 80 for line in out.splitlines()), out
    assert verdict in out, out  # whole, on one line
    left_out = " ".join(out.split("not shown", 1)[-1].split())
    assert "verdict" not in left_out, out
    assert "rate ratio" in left_out, out  # --json and a wider terminal have it
