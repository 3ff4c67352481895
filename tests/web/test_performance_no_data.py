"""The Performance page says which months a series leaves out as not loaded.

Two forces from 2022 to 2024, Force A's March 2024 file missing: by force, its
series read March as a zero; the page now says "no data" for Force A, beside its
verdict and its charts, whose axis skips the month.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

import polars as pl

from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, signed_in, two_forces_monthly_store


def _store(path: Path, template_db: Path) -> Store:
    """Two forces' monthly records, 2022 to 2024, Force A's March 2024 missing."""
    return two_forces_monthly_store(
        path,
        template_db,
        lambda force, m: 0 if (force, m) == ("Force A", dt.date(2024, 3, 1)) else 20,
    )


def test_the_performance_page_names_a_force_s_months_not_loaded(
    tmp_path: Path, template_db: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    store = _store(tmp_path / "avert.db", template_db)
    add_user(store, "board", password=PASSWORD, role="board")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    try:
        board = signed_in(create_app(settings, store), "board")
        page = board.get("/performance", params={"month": "2024-12", "by": "force"})
        assert page.status_code == 200, page.text[:500]
        # Force A's total and its one category; none of Force B's
        assert page.text.count("no data (not loaded, left out, not zero)") == 2
        assert "No data in the month 2024-03-01" in page.text
        assert "Force A: no incident in the store in the month 2024-03-01" in page.text
    finally:
        store.close()


def test_a_force_s_part_month_is_not_called_not_loaded(
    tmp_path: Path, template_db: Path
) -> None:
    """Force A's own records end on 13 December 2024 while Force B's run to its
    end: December is left out of Force A's series as a part month, and the page
    said it was "not loaded"; it says the month is only part covered."""
    url = f"sqlite:///{tmp_path / 'avert.db'}"
    store = _store(tmp_path / "avert.db", template_db)
    days = pl.date_range(dt.date(2022, 1, 1), dt.date(2024, 12, 13), "1d", eager=True)
    own = pl.DataFrame(
        {"occurred_from": [dt.datetime(d.year, d.month, d.day, 12) for d in days]}
    ).with_columns(
        pl.format("own{}", pl.int_range(pl.len())).alias("incident_id"),
        pl.lit("Force C").alias("force"),
        pl.lit("own").alias("source"),
        pl.lit("exact").alias("time_precision"),
        pl.lit("Violence and sexual offences").alias("crime_type"),
    )
    with store.transaction() as tx:
        tx.append("incidents", own)
    add_user(store, "board", password=PASSWORD, role="board")
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    try:
        board = signed_in(create_app(settings, store), "board")
        page = board.get("/performance", params={"month": "2024-12", "by": "force"})
        assert page.status_code == 200, page.text[:500]
        assert "Force C&#39;s incidents end on 2024-12-13" in page.text
        assert "No data in the month 2024-12-01: not loaded for" not in page.text
        assert "No data in the month 2024-12-01: not loaded, or only part" in page.text
    finally:
        store.close()
