"""``avert brief --at`` past the data: the heading says which month it briefs.

A store of data.police.uk months (the City of London's 2019) briefed at
2025-01-01 is briefed on December 2019, its last complete month; the heading
line said only "2019-12-01 00:00 to 2020-01-01 00:00" and the date asked was in
a note further down.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


def _months(store: Store) -> None:
    """Twelve violent police.uk records a month, January to December 2019."""
    n = 144
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [f"m{i}" for i in range(n)],
                    "source": ["policeuk"] * n,
                    "occurred_from": [
                        dt.datetime(2019, 1 + i // 12, 1) for i in range(n)
                    ],
                    "time_precision": ["month"] * n,
                    "crime_type": ["Violence and sexual offences"] * n,
                    "x": [530000.0 + 10 * i for i in range(n)],
                    "y": [181000.0] * n,
                }
            ),
        )


def _heading(store: Store, at: str, out: Path) -> str:
    db = ["--db", store.url.sqlalchemy]
    res = CliRunner().invoke(
        app,
        [*db, "brief", "--at", at, "--no-pdf", "--out", str(out)],
        env={"COLUMNS": "400"},
    )
    assert res.exit_code == 0, res.output
    return res.output.splitlines()[0]


def test_a_briefing_past_the_data_says_so_in_its_heading(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _months(sqlite_store)
    res = CliRunner().invoke(app, ["--db", sqlite_store.url.sqlalchemy, "classify"])
    assert res.exit_code == 0, res.output
    heading = _heading(sqlite_store, "2025-01-01", tmp_path / "past")
    assert "2019-12-01 00:00 to 2020-01-01 00:00" in heading
    assert "December 2019, the data's last month" in heading
    assert "--at 2025-01-01 00:00 is past the data" in heading
    # the month just before --at: no such words
    heading = _heading(sqlite_store, "2020-01-01", tmp_path / "next")
    assert "2019-12-01 00:00 to 2020-01-01 00:00 (police)" in heading
    assert "past the data" not in heading
