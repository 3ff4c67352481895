"""``avert analyse equality`` prints its counts as every other table does.

West Yorkshire, January 2019, against the 2021 census: "(1 months with stops ...)"
and residents "1801353", where the web page and the board pack read "1,801,353".
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


def _invoke(store: Store, *args: str) -> str:
    result = CliRunner().invoke(app, ["--db", store.url.sqlalchemy, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_counts_in_thousands_and_one_month(sqlite_store: Store, tmp_path: Path) -> None:
    census = tmp_path / "utla-2021.csv"
    census.write_text(
        "area,area_name,ethnicity,population\n"
        "E08000001,Alpha,White,1801353\nE08000001,Alpha,Black,72259\n",
        encoding="utf-8",
    )
    _invoke(sqlite_store, "ingest", "population", str(census))
    n = 1200
    with sqlite_store.transaction() as tx:
        tx.append(
            "stops",
            pl.DataFrame(
                {
                    "stop_id": [f"s{i}" for i in range(n)],
                    "source": ["t"] * n,
                    "force": ["test-force"] * n,
                    "occurred_at": [dt.datetime(2019, 1, 3)] * n,
                    "ethnicity": ["Black" if i % 4 == 0 else "White" for i in range(n)],
                }
            ),
        )
    out = " ".join(
        _invoke(sqlite_store, "analyse", "equality", "--areas", "Alpha").split()
    )
    assert "(1 month with stops;" in out, out
    assert re.search(r"│ White │ 900 │ 1,801,353 │", out), out
    assert re.search(r"│ Black │ 300 │ 72,259 │", out), out
