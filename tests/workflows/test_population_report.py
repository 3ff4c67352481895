"""``avert ingest population`` says how many areas and residents it loaded.

London's mid-year estimates by LSOA (mid-2019): the command reported "rows 87,030"
alone, where the file holds 4,835 LSOAs and 8,961,989 residents, each LSOA split by
sex and 6 age bands; the rows read as areas, or as people.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
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


def _ingest(store: Store, path: Path) -> str:
    res = CliRunner().invoke(
        app,
        ["--db", store.url.sqlalchemy, "ingest", "population", str(path)],
        env={"COLUMNS": "200"},
    )
    assert res.exit_code == 0, res.output
    return re.sub(r"\s+", " ", res.output)


def test_population_load_reconciles_rows_read_with_rows_stored(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The 2021 ethnic-group file's 1,392 data rows showed as "rows 1,044" with
    nothing to say why (348 looked lost): the column says what it counts and a
    note gives the data rows read and how they became the rows stored."""
    census = tmp_path / "census-2021-ethnic-group.csv"
    census.write_text(
        "Upper tier local authorities Code,Upper tier local authorities,"
        "Ethnic group (8 categories) Code,Ethnic group,Observation\n"
        "E06000001,Hartlepool,1,Asian,1599\n"
        "E06000001,Hartlepool,5,White Other,170\n"
        "E06000001,Hartlepool,6,White Other,1137\n"
        "E06000001,Hartlepool,6,White Other,3\n",
        encoding="utf-8",
    )
    out = _ingest(sqlite_store, census).replace("│", "|")
    # three White Other lines summed into one row, an area total added: 3 rows,
    # which the other columns balance; the 4 lines read are said beside them
    assert "population rows" in out
    assert re.search(r"\| 3 \| 3 \| 0 \| 0 \|", out), out
    assert "4 data rows read give 3 population rows" in out, out


def test_real_census_file_says_its_1392_rows_read(
    sqlite_store: Store, shared_path: Callable[..., Path]
) -> None:
    path = shared_path(
        "census-2021-ethnicity-upper-tier-la-england-wales",
        "census-2021-ethnic-group-8cat-utla.csv",
    )
    out = _ingest(sqlite_store, path)
    assert "1,392 data rows read give 1,044 population rows" in out, out
    assert "summed into one row" in out


def test_population_notes_are_sentences_of_their_own(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A census file in latin-1 whose lines are summed had two notes joined with a
    bare space, read as one: "...accented letters and symbols 4 data rows read
    give 3 population rows...". Each is now a sentence, in the terminal and in
    ``--json``."""
    census = tmp_path / "census-2021-ethnic-group.csv"
    census.write_bytes(
        (
            "Upper tier local authorities Code,Upper tier local authorities,"
            "Ethnic group (8 categories) Code,Ethnic group,Observation\n"
            "W06000001,Ynys M\u00f4n,1,Asian,1599\n"
            "W06000001,Ynys M\u00f4n,5,White Other,170\n"
            "W06000001,Ynys M\u00f4n,6,White Other,1137\n"
            "W06000001,Ynys M\u00f4n,6,White Other,3\n"
        ).encode("latin-1")
    )
    out = _ingest(sqlite_store, census)
    assert "accented letters and symbols. 4 data rows read give 3" in out, out
    res = CliRunner().invoke(
        app,
        [
            *("--db", sqlite_store.url.sqlalchemy, "ingest", "population"),
            *("--json", str(census)),
        ],
    )
    assert res.exit_code == 0, res.output
    note = json.loads(res.output)[0]["note"]
    assert note.startswith("read as Latin-1 (ISO-8859-1), not UTF-8:"), note
    assert "accented letters and symbols. 4 data rows read give 3" in note, note
    assert note.endswith("a total row per area where the file gives none."), note


def test_json_carries_the_lines_the_terminal_shows(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """``--json`` left out the areas and residents lines the table shows under it:
    a script saw rows, never 2 areas and 156,188 residents."""
    files = []
    for year, rows in (
        (
            2021,
            "E09000001,City of London,White,5955\nE09000001,City of London,Black,233",
        ),
        (2011, "E09000002,Barking,White,100000\nE09000002,Barking,Black,50000"),
    ):
        path = tmp_path / f"utla-{year}.csv"
        path.write_text(
            f"area,area_name,ethnicity,population\n{rows}\n", encoding="utf-8"
        )
        files.append(str(path))
    res = CliRunner().invoke(
        app,
        [
            "--db",
            sqlite_store.url.sqlalchemy,
            "ingest",
            "population",
            *files,
            "--area-type",
            "utla",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    found = {f["file"]: f.get("summary") for f in json.loads(res.stdout)}
    assert found == {
        files[0]: [
            "2021: 1 area (utla), 6,188 residents; 2 rows: each area by ethnic group."
        ],
        files[1]: [
            "2011: 1 area (utla), 150,000 residents; 2 rows: each area by ethnic group."
        ],
    }
