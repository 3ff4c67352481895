"""The board's Performance page judges the classifications of the 'definition'
setting, as 'avert board' and the board pack do."""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import polars as pl

from avert.config.settings import load_settings
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, migrated_store, signed_in


def test_the_performance_page_reads_the_definition_settings_classifications(
    tmp_path: Path, template_db: Path
) -> None:
    """A store classified under who-broad only, with the setting who-broad: the page
    read avb-2010's classifications, found none and counted every incident under
    its police.uk crime type."""
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    store = migrated_store(tmp_path / "avert.db", template_db)
    rows, classes = [], []
    for month in range(25):
        first = dt.date(2024 + month // 12, month % 12 + 1, 1)
        for k in range(8):
            iid = f"i{month}-{k}"
            rows.append(
                {
                    "incident_id": iid,
                    "source": "test",
                    "occurred_from": dt.datetime.combine(first, dt.time(12))
                    + dt.timedelta(days=k),
                    "time_precision": "exact",
                }
            )
            classes.append(
                {
                    "incident_id": iid,
                    "profile": "who-broad",
                    "in_definition": True,
                    "category": "homicide" if k == 0 else "assault_with_injury",
                    "harm_days": 10.0,
                }
            )
    with store.transaction() as tx:
        tx.append("incidents", pl.DataFrame(rows))
        tx.append("classifications", pl.DataFrame(classes))
    add_user(store, "board", password=PASSWORD, role="board")
    settings = load_settings({}).with_overrides(
        database_url=url,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
        definition="who-broad",
    )
    try:
        board = signed_in(create_app(settings, store), "board")
        page = board.get("/performance", params={"month": "2026-01"})
        assert page.status_code == 200, page.text[:500]
        assert "Categories are police.uk crime types" not in page.text
        assert "no classifications" not in page.text.lower()
    finally:
        store.close()
