"""Re-loading a big file: duplicates are split off a slice of stored rows at a time.

A force re-loading a year (every row already stored) had each part's stored rows
fetched whole, every column, beside the parsed part: a re-load of 1 M police.uk rows
peaked at twice the memory of the first load. The stored rows are now looked up
``_LOOKUP_ROWS`` keys at a time, with only the columns compared, and the result
(new rows, duplicates, conflicts) must be exactly that of one lookup.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import avert.workflows.load._checks as load_checks
from avert.store import Store
from avert.store.database import Transaction
from avert.workflows.load import load_files

from .helpers import STREET_HEADER, street_row, write


def _cid(i: int) -> str:
    return f"{i:064x}"


def _files(tmp_path: Path) -> tuple[Path, Path]:
    """A first file of 20 crimes; a second of the same 20 (crimes 3, 11 and 17 with
    another location), 5 new ones, and crime 7 and new crime 21 given twice (the
    second time with another location)."""
    first = write(
        tmp_path / "a" / "2018-07-x-street.csv",
        [
            STREET_HEADER,
            *(street_row(_cid(i), crime_type="Robbery") for i in range(20)),
        ],
    )
    rows = [
        street_row(
            _cid(i),
            crime_type="Robbery",
            location="On or near Elsewhere"
            if i in (3, 11, 17)
            else "On or near Ash Mount",
        )
        for i in range(25)
    ]
    rows.append(street_row(_cid(7), crime_type="Robbery", location="On or near Park"))
    rows.append(street_row(_cid(21), crime_type="Robbery", location="On or near Park"))
    second = write(tmp_path / "b" / "2018-07-y-street.csv", [STREET_HEADER, *rows])
    return first, second


def _reload(store: Store, tmp_path: Path) -> tuple[dict[str, object], pl.DataFrame]:
    first, second = _files(tmp_path)
    load_files(store, [str(first)])
    report = load_files(store, [str(second)])
    out = report.files[0].as_dict()
    quarantine = store.read_frame("quarantine").select("line", "column", "reason")
    return out, quarantine.sort("line")


def test_a_reload_looks_up_stored_rows_a_slice_at_a_time(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    looked_up: list[tuple[int, list[str]]] = []
    existing = Transaction.existing

    def spy(
        self: Transaction,
        table: str,
        keys: pl.DataFrame,
        columns: list[str] | None = None,
    ) -> pl.DataFrame:
        found = existing(self, table, keys, columns)
        if table == "incidents":
            looked_up.append((keys.height, list(found.columns)))
        return found

    monkeypatch.setattr(Transaction, "existing", spy)
    monkeypatch.setattr(load_checks, "_LOOKUP_ROWS", 4)
    out, quarantine = _reload(sqlite_store, tmp_path)
    assert (out["rows"], out["loaded"], out["duplicates"], out["conflicts"]) == (
        27,
        5,
        22,
        5,
    )
    # 25 distinct keys of the second file, 4 at a time; then, once, the 20 stored
    # from the other force's file (held_rows records them)
    assert [n for n, _ in looked_up] == [4, 4, 4, 4, 4, 4, 1, 20]
    # the compared columns and the file (another force-month's?) only: no line or
    # load, no outcome (police.uk)
    columns = looked_up[0][1]
    assert {"incident_id", "location", "source_file"} <= set(columns)
    assert not {"source_line", "load_id", "outcome"} & set(columns)
    assert quarantine["line"].to_list() == [5, 13, 19, 27, 28]
    assert quarantine["column"].to_list() == ["location"] * 5
    reasons = quarantine["reason"].to_list()
    assert "On or near Elsewhere (kept: On or near Ash Mount)" in reasons[0]
    assert "On or near Park (kept: On or near Ash Mount)" in reasons[3]
    assert "On or near Park (kept: On or near Ash Mount)" in reasons[4]


@pytest.mark.parametrize("lookup_rows", [1, 3, 1000])
def test_a_reload_in_slices_equals_one_lookup(
    sqlite_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    lookup_rows: int,
) -> None:
    monkeypatch.setattr(load_checks, "_LOOKUP_ROWS", lookup_rows)
    out, quarantine = _reload(sqlite_store, tmp_path)
    assert (out["loaded"], out["duplicates"], out["conflicts"]) == (5, 22, 5)
    assert quarantine.height == 5
    assert sqlite_store.read_frame("incidents").height == 25


def _bundle(folder: Path, incidents: list[str], involvements: list[str]) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_text(
        '{"format": "avert-bundle", "version": 1, "source": "test"}'
    )
    header = "incident_id,occurred_at,offence_code,lat,lon"
    (folder / "incidents.csv").write_text("\n".join([header, *incidents]) + "\n")
    (folder / "people.csv").write_text("person_id\nP-1\n")
    (folder / "involvements.csv").write_text(
        "\n".join(["incident_id,person_id,role", *involvements]) + "\n"
    )
    return folder


def test_a_part_whose_every_row_fails_a_reference_loads_nothing(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Into a table that holds rows, a part left empty by the reference check (every
    involvement names an incident that is nowhere) adds nothing and is reported."""
    row = "I-{},2024-01-01 10:00,8N,51.5,-0.1"
    first = _bundle(tmp_path / "a", [row.format(1)], ["I-1,P-1,victim"])
    load_files(sqlite_store, [str(first)], kind="bundle")
    second = _bundle(tmp_path / "b", [row.format(2)], ["I-9,P-1,victim"])
    report = load_files(sqlite_store, [str(second)], kind="bundle")
    inv = next(f for f in report.files if f.kind == "bundle-involvements")
    assert (inv.rows, inv.loaded, inv.quarantined, inv.duplicates) == (1, 0, 1, 0)
    assert sqlite_store.read_frame("involvements").height == 1
