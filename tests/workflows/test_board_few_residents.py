"""The board's equality section says, beside its figures, when residents are not
the people searched.

City of London Police, January 2019 (data.police.uk): the board pack's page 2 showed
"Black 93.3 per 1,000, ratio 11.04" under the heading and charts; that the City has
7,375 residents and many times more people by day, so its rates per resident are not
comparable, came two pages later, the fifth of the EIA's notes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.report.render import render_html
from avert.store import Store
from avert.workflows.board import board_statistics


def _city(store: Store, tmp_path: Path) -> None:
    utla = tmp_path / "utla-2021.csv"
    utla.write_text(
        "area,area_name,ethnicity,population\n"
        "E09000001,City of London,White,5955\nE09000001,City of London,Black,233\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        [
            "--db",
            store.url.sqlalchemy,
            "ingest",
            "population",
            str(utla),
            "--area-type",
            "utla",
        ],
    )
    assert res.exit_code == 0, res.output
    n = 40
    stops = pl.DataFrame(
        {
            "stop_id": [f"s{i}" for i in range(n)],
            "source": ["t"] * n,
            "force": ["city-of-london"] * n,
            "occurred_at": [dt.datetime(2019, 1, 3)] * n,
            "lat": [51.515] * n,
            "lon": [-0.09] * n,
            "ethnicity": ["White" if i % 4 else "Black" for i in range(n)],
        }
    )
    with store.transaction() as tx:
        tx.append("stops", stops)


def test_the_few_residents_caveat_stands_beside_the_rates(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _city(sqlite_store, tmp_path)
    stats = board_statistics(sqlite_store, end=dt.date(2019, 1, 31), performance=False)
    eq = stats["equality"]
    assert eq["available"], eq["note"]
    assert [c for c in eq["caveats"] if "6,188 residents (2021 census)" in c]
    assert not [n for n in eq["notes"] if "6,188 residents" in n]  # said once
    html = render_html("_board_equality.html", stats=stats)
    caveat = html.index("6,188 residents")
    assert caveat < html.index('<table class="rates">')
    assert caveat < html.index("<figure")
