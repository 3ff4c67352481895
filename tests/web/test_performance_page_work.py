"""The Performance page computes what it shows, once.

It asked the board's statistics for the equality part too (the force's stop and
search against residents, 0.2 s a request on the demo city), which the page never
shows. These tests count the work behind one request: the performance analysis
once, no equality analysis, and the same verdicts as with the equality part.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import pytest

import avert.workflows.board as board_workflows
from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, signed_in, two_forces_monthly_store


def _store(path: Path, template_db: Path) -> Store:
    """Two forces' monthly records, 2022 to 2024 (Force B's fall in 2024)."""
    return two_forces_monthly_store(
        path,
        template_db,
        lambda force, m: 20 if force == "Force A" or m.year < 2024 else 12,
    )


def test_the_performance_page_runs_the_analysis_once_and_no_equality(
    tmp_path: Path, template_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    store = _store(tmp_path / "avert.db", template_db)
    add_user(store, "board", password=PASSWORD, role="board")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    calls: dict[str, int] = {"performance": 0, "equality": 0}
    run_performance = board_workflows.run_performance
    run_equality = board_workflows.run_equality

    def counted_performance(*args: Any, **kwargs: Any) -> Any:
        calls["performance"] += 1
        return run_performance(*args, **kwargs)

    def counted_equality(*args: Any, **kwargs: Any) -> Any:
        calls["equality"] += 1
        return run_equality(*args, **kwargs)

    monkeypatch.setattr(board_workflows, "run_performance", counted_performance)
    monkeypatch.setattr(board_workflows, "run_equality", counted_equality)
    board = signed_in(create_app(settings, store), "board")
    page = board.get("/performance", params={"month": "2024-12", "by": "force"})
    assert page.status_code == 200, page.text[:500]
    assert calls == {"performance": 1, "equality": 0}
    # the verdicts are those of the statistics with their equality part
    shown = board_workflows.board_statistics(
        store, end=dt.date(2024, 12, 31), by="force", equality=False
    )
    whole = board_workflows.board_statistics(
        store, end=dt.date(2024, 12, 31), by="force"
    )
    assert shown["performance"]["available"]
    assert "significant_sustained_reduction" in {
        r["verdict"] for r in shown["performance"]["series"] if r["area"] == "Force B"
    }
    assert shown["performance"] == whole["performance"]
