"""``avert ingest population`` says how many areas and residents it loaded.

London's mid-year estimates by LSOA (mid-2019): the command reported "rows 87,030"
alone, where the file holds 4,835 LSOAs and 8,961,989 residents, each LSOA split by
sex and 6 age bands; the rows read as areas, or as people.
"""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


def test_population_load_reports_areas_and_residents(
    sqlite_store: Store, tmp_path: Path
) -> None:
    utla = tmp_path / "utla-2021.csv"
    utla.write_text(
        "area,area_name,ethnicity,population\n"
        "E09000001,City of London,White,5955\nE09000001,City of London,Black,233\n"
        "E09000002,Barking and Dagenham,White,100000\n"
        "E09000002,Barking and Dagenham,Black,50000\n",
        encoding="utf-8",
    )
    res = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "ingest",
            "population",
            str(utla),
            "--area-type",
            "utla",
            "--year",
            "2021",
        ],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    out = re.sub(r"\s+", " ", res.output)
    assert "2021: 2 areas (utla), 156,188 residents;" in out, out
    assert "; 4 rows: each area by ethnic group." in out
