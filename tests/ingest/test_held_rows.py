"""A row a stored file of another force-month holds survives a replace of its month.

police.uk moves a crime from one month's street file to another's (its Crime ID
kept), and lists a cross-border crime in two forces' files. Only one row of a key is
stored; a month loaded without ``--replace-month`` keeps the stored row, so a later
replace of the month it is stored in deleted it though the other file holds it.
Each load records such rows (``held_rows``); a replace stores them in the holding
file's month instead.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from avert.store import Store
from avert.store.database import Transaction
from avert.workflows.load import load_files
from ingest.helpers import STOPS_HEADER, STREET_HEADER, street_row, write

_JULY = "2018-07-west-yorkshire-street.csv"
_AUGUST = "2018-08-west-yorkshire-street.csv"
_NORTH = "2018-07-north-yorkshire-street.csv"
MOVED, KEPT, OTHER = "a" * 64, "b" * 64, "c" * 64
EXAMPLE_BUNDLE = Path(__file__).resolve().parents[1] / "data" / "bundle-example"


def _street(folder: Path, lines: list[str], name: str = _JULY) -> Path:
    return write(folder / name, [STREET_HEADER, *lines])


def _crime(store: Store, key: str) -> dict[str, object] | None:
    found = store.read_frame("incidents").filter(pl.col("incident_id") == key)
    return found.row(0, named=True) if found.height else None


def _name(path: object) -> str:
    return str(path).rsplit("/", 1)[-1]


def test_a_crime_moved_into_a_month_loaded_plainly_is_not_lost(
    any_store: Store, tmp_path: Path
) -> None:
    """July, then August loaded without --replace-month (it holds a crime police.uk
    moved from July: a duplicate, July's row kept), then police.uk's revised July
    (without it) replacing July: the replace deleted the crime though August's file
    holds it. It is now stored as August's file gives it, in August; a revised
    August without it then deletes it."""
    july = [street_row(MOVED, crime_type="Robbery"), street_row(KEPT)]
    load_files(any_store, [_street(tmp_path / "a", july)])
    august = [
        street_row(MOVED, month="2018-08", crime_type="Burglary"),
        street_row(OTHER, month="2018-08"),
    ]
    plain = load_files(any_store, [_street(tmp_path / "b", august, _AUGUST)])
    assert (plain.files[0].loaded, plain.files[0].conflicts) == (1, 1)
    revised = load_files(
        any_store, [_street(tmp_path / "c", july[1:])], replace_months=True
    )
    f = revised.files[0]
    assert f.replaced == 1
    assert f"1 stored crime of the month not in this file is in {_AUGUST}" in (
        f.note or ""
    ), f.note
    crime = _crime(any_store, MOVED)
    assert crime is not None, "the crime August's file holds was deleted"
    assert _name(crime["source_file"]) == _AUGUST
    assert crime["crime_type"] == "Burglary"
    assert crime["occurred_from"].month == 8
    assert crime["source_line"] == 2
    # August's row is stored now: not set aside as a conflicting duplicate
    quarantine = any_store.read_frame("quarantine")
    assert quarantine.filter(pl.col("kind") == "duplicate").height == 0
    assert any_store.count("incidents") == 3
    # the same revised July again changes nothing
    again = load_files(
        any_store, [_street(tmp_path / "d", july[1:])], replace_months=True
    )
    assert again.files[0].replaced == 0
    # August is the crime's month now: a revised August without it deletes it
    load_files(
        any_store, [_street(tmp_path / "e", august[1:], _AUGUST)], replace_months=True
    )
    assert _crime(any_store, MOVED) is None
    assert any_store.count("incidents") == 2


def test_a_replaced_month_no_longer_holds_what_its_earlier_file_held(
    any_store: Store, tmp_path: Path
) -> None:
    """A file's record goes when a newer file replaces its month: July holding a
    crime loaded plainly after August stored it, then a revised July without it,
    then a revised August without it: the crime is in neither month's newest file,
    and is deleted."""
    august = [street_row(MOVED, month="2018-08"), street_row(OTHER, month="2018-08")]
    load_files(any_store, [_street(tmp_path / "a", august, _AUGUST)])
    july = [street_row(MOVED, crime_type="Robbery"), street_row(KEPT)]
    load_files(any_store, [_street(tmp_path / "b", july)])
    assert any_store.count("held_rows") == 1
    load_files(any_store, [_street(tmp_path / "c", july[1:])], replace_months=True)
    assert any_store.count("held_rows") == 0
    load_files(
        any_store, [_street(tmp_path / "d", august[1:], _AUGUST)], replace_months=True
    )
    assert _crime(any_store, MOVED) is None


def test_a_crime_in_two_forces_files_stays_with_the_other_force(
    any_store: Store, tmp_path: Path
) -> None:
    """A cross-border crime listed in two forces' files of July (West Yorkshire's,
    then North Yorkshire's, loaded without --replace-month): West Yorkshire's
    revised July without it kept deleting it though North Yorkshire's file holds
    it. It stays, stored from North Yorkshire's file."""
    west = [street_row(MOVED, crime_type="Robbery"), street_row(KEPT)]
    load_files(any_store, [_street(tmp_path / "a", west)])
    north = [street_row(MOVED, crime_type="Robbery", location="On or near Leeds Rd")]
    load_files(any_store, [_street(tmp_path / "b", north, _NORTH)])
    report = load_files(
        any_store, [_street(tmp_path / "c", west[1:])], replace_months=True
    )
    assert "(a cross-border crime both forces' files list)" in (
        report.files[0].note or ""
    )
    crime = _crime(any_store, MOVED)
    assert crime is not None
    assert _name(crime["source_file"]) == _NORTH
    assert crime["location"] == "On or near Leeds Rd"


def _stop(day: int) -> str:
    return (
        f"Person search,2018-03-{day:02d}T12:00:00+00:00,,,51.5,-0.1,Male,18-24,"
        "White - English/Welsh/Scottish/Northern Irish/British,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,"
        "A no further action disposal,,False"
    )


def test_a_stop_another_months_file_holds_is_not_lost(
    any_store: Store, tmp_path: Path
) -> None:
    """A stop is keyed by its fields, so one row in two months' files (police.uk
    moved it without changing it) is one stop: replacing the month it is stored
    in, its file no longer holding it, deleted it though the other month's file,
    loaded without --replace-month, holds it."""
    march = "2018-03-metropolitan-stop-and-search.csv"
    april = "2018-04-metropolitan-stop-and-search.csv"
    load_files(
        any_store, [write(tmp_path / "a" / march, [STOPS_HEADER, _stop(1), _stop(31)])]
    )
    load_files(any_store, [write(tmp_path / "b" / april, [STOPS_HEADER, _stop(31)])])
    report = load_files(
        any_store,
        [write(tmp_path / "c" / march, [STOPS_HEADER, _stop(1)])],
        replace_months=True,
    )
    assert report.files[0].replaced == 1
    stops = any_store.read_frame("stops")
    assert stops.height == 2
    assert sorted(_name(p) for p in stops["source_file"]) == [march, april]


def test_a_crime_another_forces_file_holds_is_said_to_be_cross_border(
    any_store: Store, tmp_path: Path
) -> None:
    """A Crime ID stored from West Yorkshire's July that North Yorkshire's July,
    replacing its month, holds too was said to be "moved by police.uk": two forces'
    files listing one crime is a cross-border crime."""
    load_files(any_store, [_street(tmp_path / "a", [street_row(MOVED)])])
    north = [street_row(MOVED, location="On or near Leeds Rd")]
    report = load_files(
        any_store, [_street(tmp_path / "b", north, _NORTH)], replace_months=True
    )
    note = report.files[0].note or ""
    assert "moved by police.uk" not in note, note
    assert (
        f"1 stored crime of another force's file (from {_JULY}) is in this file too "
        "(a cross-border crime both forces' files list)"
    ) in note, note
    crime = _crime(any_store, MOVED)
    assert crime is not None
    assert _name(crime["source_file"]) == _NORTH


def test_a_month_loaded_before_the_record_is_recorded_by_loading_it_again(
    any_store: Store, tmp_path: Path
) -> None:
    """A store loaded before migration 0022 has no record of what a month's file
    held: a replace then deletes the crime, as before. Loading that month's file
    again (with or without --replace-month) records it."""
    july = [street_row(MOVED, crime_type="Robbery"), street_row(KEPT)]
    load_files(any_store, [_street(tmp_path / "a", july)])
    august = _street(tmp_path / "b", [street_row(MOVED, month="2018-08")], _AUGUST)
    load_files(any_store, [august])
    with any_store.transaction() as tx:  # as loaded before the record was kept
        tx._execute('DELETE FROM "held_rows"')
    load_files(any_store, [august])
    assert any_store.count("held_rows") == 1
    load_files(any_store, [august])
    assert any_store.count("held_rows") == 1, "the same file again: recorded once"
    load_files(any_store, [_street(tmp_path / "c", july[1:])], replace_months=True)
    crime = _crime(any_store, MOVED)
    assert crime is not None
    assert _name(crime["source_file"]) == _AUGUST


def test_a_crime_moved_out_of_a_month_goes_back_when_its_new_month_drops_it(
    any_store: Store, tmp_path: Path
) -> None:
    """July, then August replacing its month with a crime moved from July (stored
    from August now), then a revised August without it: July's stored file still
    holds it, but the replace deleted it. It goes back to July, as July's file
    gives it."""
    july = [street_row(MOVED, crime_type="Robbery"), street_row(KEPT)]
    load_files(any_store, [_street(tmp_path / "a", july)])
    august = [
        street_row(MOVED, month="2018-08", crime_type="Burglary"),
        street_row(OTHER, month="2018-08"),
    ]
    load_files(
        any_store, [_street(tmp_path / "b", august, _AUGUST)], replace_months=True
    )
    moved = _crime(any_store, MOVED)
    assert moved is not None
    assert _name(moved["source_file"]) == _AUGUST
    load_files(
        any_store, [_street(tmp_path / "c", august[1:], _AUGUST)], replace_months=True
    )
    crime = _crime(any_store, MOVED)
    assert crime is not None, "July's file holds it"
    assert _name(crime["source_file"]) == _JULY
    assert (crime["crime_type"], crime["occurred_from"].month) == ("Robbery", 7)


def test_a_reload_of_a_file_not_recorded_reads_no_stored_file_names(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only police.uk stop and street files named for a force-month are recorded, but
    every re-load of incidents or stops (a bundle, a table, a renamed police.uk file)
    read each repeated row's stored ``source_file`` and kept them all until the file
    was written: 47 bytes a row (the synthetic city's bundle), some 235 MB for a
    re-load of 5 million incidents. A file not recorded reads the compared columns
    alone."""
    looked_up: list[list[str]] = []
    existing = Transaction.existing

    def spy(
        self: Transaction,
        table: str,
        keys: pl.DataFrame,
        columns: list[str] | None = None,
    ) -> pl.DataFrame:
        found = existing(self, table, keys, columns)
        if table in ("incidents", "stops"):
            looked_up.append(list(found.columns))
        return found

    load_files(sqlite_store, [EXAMPLE_BUNDLE], kind="bundle")
    renamed = _street(tmp_path / "a", [street_row(MOVED), street_row(KEPT)], "x.csv")
    load_files(sqlite_store, [renamed])
    monkeypatch.setattr(Transaction, "existing", spy)
    load_files(sqlite_store, [EXAMPLE_BUNDLE], kind="bundle")
    load_files(sqlite_store, [renamed])
    assert len(looked_up) >= 3  # the bundle's incidents and stops, the street file
    assert not any("source_file" in columns for columns in looked_up), looked_up
    assert sqlite_store.count("held_rows") == 0
