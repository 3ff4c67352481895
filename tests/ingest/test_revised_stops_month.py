"""A month of police.uk stop and search loaded again from a later, revised download.

police.uk's stop-and-search rows carry no id: avert keys a stop by its fields, so a
row police.uk revised after the first download (an outcome corrected) is a new stop,
and the row it revises stays. The load says so for that file; with
``replace_months`` (``avert ingest policeuk --replace-month``) the file replaces its
force-month instead.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.errors import IngestError
from avert.store import Store
from avert.workflows.load import load_files
from ingest.helpers import FORCE, OUTCOMES_HEADER, STREET_HEADER, street_row, write

HEADER = (
    "Type,Date,Part of a policing operation,Policing operation,Latitude,Longitude,"
    "Gender,Age range,Self-defined ethnicity,Officer-defined ethnicity,Legislation,"
    "Object of search,Outcome,Outcome linked to object of search,"
    "Removal of more than just outer clothing\n"
)


def _row(i: int, outcome: str = "A no further action disposal") -> str:
    return (
        f"Person search,2018-03-{1 + i % 28:02d}T1{i % 10}:00:00+00:00,,,51.5,-0.1,"
        "Male,18-24,White - English/Welsh/Scottish/Northern Irish/British,White,"
        "Misuse of Drugs Act 1971 (section 23),Controlled drugs,"
        f"{outcome},,False\n"
    )


def _month(folder: Path, rows: list[str], force: str = "metropolitan") -> Path:
    folder.mkdir(parents=True)
    path = folder / f"2018-03-{force}-stop-and-search.csv"
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def test_a_revised_download_of_a_month_says_its_revised_stops_count_twice(
    any_store: Store, tmp_path: Path
) -> None:
    rows = [_row(i) for i in range(20)]
    first = load_files(any_store, [_month(tmp_path / "jan-download", rows)])
    assert first.loaded == 20
    assert first.files[0].note is None
    # the same file again, from another folder: nothing new, nothing said
    again = load_files(any_store, [_month(tmp_path / "copy", rows)])
    assert again.loaded == 0
    assert again.files[0].note is None
    # police.uk's later download: two outcomes revised, one stop added
    revised = [*rows]
    revised[3] = _row(3, "Arrest")
    revised[7] = _row(7, "Community resolution")
    revised.append(_row(25))
    later = load_files(any_store, [_month(tmp_path / "jun-download", revised)])
    assert later.loaded == 3
    assert later.duplicates == 18
    note = later.files[0].note
    assert note is not None
    assert "2 stops stored from an earlier file named " in note, note
    assert "2018-03-metropolitan-stop-and-search.csv" in note
    assert "--replace-month" in note
    # a file holding every stored stop and more (a partial download, then the
    # month's full file) is no revision: nothing said
    part = load_files(any_store, [_month(tmp_path / "a", rows[:10], "kent")])
    full = load_files(any_store, [_month(tmp_path / "b", rows, "kent")])
    assert (part.loaded, full.loaded, full.duplicates) == (10, 10, 10)
    assert full.files[0].note is None


def test_two_downloads_of_a_month_in_one_load_are_told_apart_too(
    any_store: Store, tmp_path: Path
) -> None:
    """Two archives named in one command (each holds back months): the later one's
    revised rows are said, the first file's are not blamed."""
    rows = [_row(i) for i in range(20)]
    revised = [*rows]
    revised[3] = _row(3, "Arrest")
    one = load_files(
        any_store,
        [_month(tmp_path / "a-first", rows), _month(tmp_path / "b-later", revised)],
    )
    assert [f.loaded for f in one.files] == [20, 1]
    assert one.files[0].note is None
    assert one.files[1].note is not None
    assert "1 stop stored from an earlier file named " in one.files[1].note


def test_a_revised_month_inside_a_zip_is_said(any_store: Store, tmp_path: Path) -> None:
    """A zip's member is stored as ``archive.zip!member``: its name is the member's."""
    import zipfile

    rows = [_row(i) for i in range(20)]
    load_files(any_store, [_month(tmp_path / "first", rows)])
    revised = [*rows]
    revised[5] = _row(5, "Arrest")
    archive = tmp_path / "later.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(
            "2018-03-metropolitan-stop-and-search.csv", HEADER + "".join(revised)
        )
    later = load_files(any_store, [archive])
    assert later.loaded == 1
    assert later.files[0].note is not None
    assert "1 stop stored from an earlier file named 2018-03-metropolitan" in (
        later.files[0].note
    )


def test_a_revised_download_saved_over_the_first_is_said(
    any_store: Store, tmp_path: Path
) -> None:
    """The later download saved under the same path as the first."""
    rows = [_row(i) for i in range(20)]
    path = _month(tmp_path / "downloads", rows)
    load_files(any_store, [path])
    revised = [*rows]
    revised[9] = _row(9, "Arrest")
    path.write_text(HEADER + "".join(revised), encoding="utf-8")
    later = load_files(any_store, [path])
    assert later.loaded == 1
    assert "1 stop stored from an earlier file named" in (later.files[0].note or "")


# --- replacing a month -------------------------------------------------------------


def _stored(store: Store, force: str = "metropolitan") -> pl.DataFrame:
    """The stored stops of ``force``: outcome and time, in a stable order."""
    return (
        store.read_frame("stops")
        .filter(pl.col("force") == force)
        .select("occurred_at", "outcome")
        .sort("occurred_at", "outcome")
    )


def _revision(rows: list[str]) -> list[str]:
    """police.uk's later download: two outcomes revised, one stop withdrawn
    (row 11), one added."""
    revised = [*rows]
    revised[3] = _row(3, "Arrest")
    revised[7] = _row(7, "Community resolution")
    del revised[11]
    revised.append(_row(25))
    return revised


def test_a_revised_month_replaces_the_stored_month(
    any_store: Store, template_db: Path, tmp_path: Path
) -> None:
    rows = [_row(i) for i in range(20)]
    load_files(any_store, [_month(tmp_path / "jan", rows)])
    load_files(any_store, [_month(tmp_path / "kent", rows, "kent")])
    revised = _revision(rows)
    later = load_files(
        any_store, [_month(tmp_path / "jun", revised)], replace_months=True
    )
    f = later.files[0]
    # 2 revised rows and 1 added are new; 17 unchanged; 2 revised away + 1 withdrawn
    assert (f.rows, f.loaded, f.duplicates, f.replaced) == (20, 3, 17, 3)
    assert f.balanced
    assert later.replaced == 3
    assert f.note is not None
    assert "replaced metropolitan's 2018-03: 3 stored stops of the month" in f.note
    assert "(from 2018-03-metropolitan-stop-and-search.csv)" in f.note
    assert "count twice" not in f.note
    assert f.as_dict()["replaced"] == 3
    # the month holds exactly the revised file's stops
    assert any_store.count("stops") == 20 + 20
    fresh = _fresh_store(template_db, tmp_path)
    assert load_files(fresh, [_month(tmp_path / "fresh", revised)]).loaded == 20
    assert _stored(any_store).equals(_stored(fresh))
    fresh.close()
    assert _stored(any_store)["outcome"].to_list().count("Arrest") == 1
    # another force's same month is untouched
    assert _stored(any_store, "kent").height == 20
    # idempotent: the same revised file again replaces and loads nothing
    again = load_files(
        any_store, [_month(tmp_path / "copy", revised)], replace_months=True
    )
    g = again.files[0]
    assert (g.loaded, g.duplicates, g.replaced) == (0, 20, 0)
    assert g.note is None
    assert any_store.count("stops") == 40


def _fresh_store(template_db: Path, tmp_path: Path) -> Store:
    """An empty SQLite store: the month loaded fresh, to compare with."""
    target = tmp_path / "fresh.db"
    shutil.copy(template_db, target)
    return Store(f"sqlite:///{target}")


def test_without_replacing_a_revised_month_counts_its_revised_rows_twice(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """What ``replace_months`` fixes: the same files without it keep the old rows."""
    rows = [_row(i) for i in range(20)]
    load_files(sqlite_store, [_month(tmp_path / "jan", rows)])
    later = load_files(sqlite_store, [_month(tmp_path / "jun", _revision(rows))])
    assert later.files[0].replaced is None
    assert "replaced" not in later.files[0].as_dict()
    assert sqlite_store.count("stops") == 23


def test_replacing_keeps_the_quarantine_rules(any_store: Store, tmp_path: Path) -> None:
    """A revised row that is now rejected is quarantined as in any load; the stored
    row it revises leaves the month (counted in replaced), so the search is in the
    quarantine, not lost, and not counted twice."""
    rows = [_row(i) for i in range(10)]
    load_files(any_store, [_month(tmp_path / "a", rows)])
    revised = [*rows]
    revised[4] = _row(4).replace(",Male,", ",Mle,")
    later = load_files(
        any_store, [_month(tmp_path / "b", revised)], replace_months=True
    )
    f = later.files[0]
    assert (f.loaded, f.quarantined, f.duplicates, f.replaced) == (0, 1, 9, 1)
    assert any_store.count("stops") == 9
    quarantined = any_store.read_frame("quarantine")
    assert quarantined.filter(pl.col("kind") == "rejected").height == 1


def test_two_different_files_of_one_month_are_refused_with_nothing_written(
    any_store: Store, tmp_path: Path
) -> None:
    rows = [_row(i) for i in range(10)]
    load_files(any_store, [_month(tmp_path / "a", rows)])
    revised = [*rows]
    revised[2] = _row(2, "Arrest")
    with pytest.raises(
        IngestError, match="2 different files of metropolitan's 2018-03"
    ):
        load_files(
            any_store,
            [_month(tmp_path / "b", revised), _month(tmp_path / "c", rows[:5])],
            replace_months=True,
        )
    assert any_store.count("stops") == 10
    assert _stored(any_store)["outcome"].to_list().count("Arrest") == 0
    # the same file twice is one month's file, not two
    both = load_files(
        any_store,
        [_month(tmp_path / "d", revised), _month(tmp_path / "e", revised)],
        replace_months=True,
    )
    assert [f.replaced for f in both.files] == [1, 0]
    assert any_store.count("stops") == 10


def test_a_file_not_named_for_a_month_replaces_nothing(
    any_store: Store, tmp_path: Path
) -> None:
    rows = [_row(i) for i in range(10)]
    load_files(any_store, [_month(tmp_path / "a", rows)])
    other = tmp_path / "b" / "stops-march.csv"
    other.parent.mkdir()
    other.write_text(HEADER + _row(2, "Arrest"), encoding="utf-8")
    report = load_files(any_store, [other], replace_months=True)
    assert report.files[0].replaced is None
    assert "Replaced nothing: its name does not say" in (report.files[0].note or "")
    assert any_store.count("stops") == 11


def test_a_renamed_stop_file_says_its_stops_have_no_force(
    any_store: Store, tmp_path: Path
) -> None:
    """A stop file renamed from police.uk's name (sy-march.csv) stored its stops
    with no force, silently; the same month under its police.uk name then loaded
    them all again (South Yorkshire 2019-03: 1,952 stops for 976)."""
    rows = [_row(i) for i in range(10)]
    renamed = tmp_path / "a" / "sy-march.csv"
    renamed.parent.mkdir()
    renamed.write_text(HEADER + "".join(rows), encoding="utf-8")
    report = load_files(any_store, [renamed])
    note = report.files[0].note or ""
    assert "its name does not say the force" in note
    assert "its 10 stops are stored with no force" in note
    assert "would count them twice" in note
    assert any_store.read_frame("stops")["force"].null_count() == 10
    named = load_files(any_store, [_month(tmp_path / "b", rows)])
    assert named.files[0].note is None  # named as police.uk names it: nothing said


def test_a_month_file_that_is_not_read_as_stops_replaces_nothing(
    any_store: Store, tmp_path: Path
) -> None:
    rows = [_row(i) for i in range(10)]
    load_files(any_store, [_month(tmp_path / "a", rows)])
    broken = tmp_path / "b" / "2018-03-metropolitan-stop-and-search.csv"
    broken.parent.mkdir()
    broken.write_text("Not,A,Header\n1,2,3\n", encoding="utf-8")
    report = load_files(any_store, [broken], replace_months=True)
    assert report.files[0].kind not in ("policeuk-stops", "policeuk-api-stops")
    assert report.files[0].replaced is None
    assert any_store.count("stops") == 10


@pytest.mark.parametrize(
    ("body", "rejected"),
    [("", 0), (_row(1).replace(",Male,", ",Mle,"), 1)],
    ids=["header-only", "every-row-rejected"],
)
def test_a_month_file_holding_no_stop_replaces_nothing(
    any_store: Store, tmp_path: Path, body: str, rejected: int
) -> None:
    """A download holding no stop (a header alone: cut short; every row rejected)
    is far likelier broken than a month police.uk withdrew whole: it must not
    empty the month (it deleted all the month's stored stops)."""
    rows = [_row(i) for i in range(10)]
    load_files(any_store, [_month(tmp_path / "a", rows)])
    empty = tmp_path / "b" / "2018-03-metropolitan-stop-and-search.csv"
    empty.parent.mkdir()
    empty.write_text(HEADER + body, encoding="utf-8")
    report = load_files(any_store, [empty], replace_months=True)
    f = report.files[0]
    assert (f.loaded, f.quarantined, f.replaced) == (0, rejected, None)
    assert "replaced nothing: it holds no stop" in (f.note or "")
    assert "metropolitan's 2018-03 keeps its stored stops" in (f.note or "")
    assert any_store.count("stops") == 10


def _street_month(
    folder: Path, lines: list[str], name: str = "2018-07-west-yorkshire-street.csv"
) -> Path:
    return write(folder / name, [STREET_HEADER, *lines])


def _crimes(store: Store) -> pl.DataFrame:
    """The stored crimes as police.uk gives them, in a stable order."""
    return (
        store.read_frame("incidents")
        .select("incident_id", "crime_type", "location", "outcome")
        .sort("incident_id", "location")
    )


def test_a_revised_street_month_replaces_the_stored_month(
    any_store: Store, template_db: Path, tmp_path: Path
) -> None:
    """A revised police.uk archive holds street files too: --replace-month left
    their months as they were (a withdrawn crime stayed, a revised one kept its old
    fields, the revision quarantined), and the table said 0 replaced. A street file
    named for a force's month now replaces it as a stop-and-search file does."""
    crimes = [street_row(f"{i:064x}", crime_type="Robbery") for i in range(6)]
    asb = [street_row(location=f"On or near Street {i}") for i in range(3)]
    load_files(any_store, [_street_month(tmp_path / "jan", [*crimes, *asb])])
    kent = [street_row(f"{i:064x}", crime_type="Burglary") for i in range(10, 13)]
    load_files(
        any_store, [_street_month(tmp_path / "k", kent, "2018-07-kent-street.csv")]
    )
    # police.uk's later download: a crime withdrawn, one moved, an ASB row revised
    revised = [*crimes[:4], crimes[4].replace("Ash Mount", "Elm Road"), *asb[:2]]
    revised.append(street_row(location="On or near Street 9"))
    later = load_files(
        any_store, [_street_month(tmp_path / "jun", revised)], replace_months=True
    )
    f = later.files[0]
    # new: the moved crime's revision and the revised ASB row; 6 unchanged; the
    # withdrawn crime and the revised-away ASB row deleted, the moved one replaced
    assert (f.rows, f.loaded, f.duplicates, f.conflicts, f.replaced) == (
        8,
        2,
        6,
        0,
        3,
    )
    assert f.balanced
    note = f.note or ""
    assert "replaced west-yorkshire's 2018-07: 2 stored crimes of the month" in note
    assert "1 stored crime was revised by police.uk and is now stored as" in note
    assert "not replaced" not in note.lower()
    # the month holds exactly the revised file's crimes; nothing is quarantined
    fresh = _fresh_store(template_db, tmp_path)
    load_files(fresh, [_street_month(tmp_path / "fresh", revised)])
    mine = _crimes(any_store).filter(~pl.col("crime_type").eq("Burglary"))
    assert mine.equals(_crimes(fresh))
    fresh.close()
    assert mine.filter(pl.col("location") == "On or near Elm Road").height == 1
    assert any_store.read_frame("quarantine").height == 0
    # another force's same month is untouched
    assert _crimes(any_store).filter(pl.col("crime_type") == "Burglary").height == 3
    # idempotent: the same revised file again replaces and loads nothing
    again = load_files(
        any_store, [_street_month(tmp_path / "copy", revised)], replace_months=True
    )
    g = again.files[0]
    assert (g.loaded, g.duplicates, g.conflicts, g.replaced) == (0, 8, 0, 0)
    assert g.note is None
    assert any_store.count("incidents") == 8 + 3


def test_a_replaced_street_month_keeps_its_latest_outcomes(
    any_store: Store, tmp_path: Path
) -> None:
    """A revised crime stored again carries its street file's last outcome; the
    outcomes table's latest one is put back on it, as after any load."""
    crime = street_row("c" * 64, crime_type="Robbery", outcome="Under investigation")
    load_files(any_store, [_street_month(tmp_path / "a", [crime])])
    outcome = write(
        tmp_path / "o" / "2018-09-west-yorkshire-outcomes.csv",
        [
            OUTCOMES_HEADER,
            f"{'c' * 64},2018-09,{FORCE},{FORCE},-1.4,53.5,On or near Ash Mount,"
            "E01007329,Barnsley 003A,Offender given a caution",
        ],
    )
    load_files(any_store, [outcome])
    revised = crime.replace("Ash Mount", "Elm Road")
    report = load_files(
        any_store, [_street_month(tmp_path / "b", [revised])], replace_months=True
    )
    assert report.files[0].replaced == 1
    [row] = _crimes(any_store).to_dicts()
    assert (row["location"], row["outcome"]) == (
        "On or near Elm Road",
        "Offender given a caution",
    )


def test_a_street_file_not_named_for_a_month_is_not_replaced_and_says_what_stays(
    any_store: Store, tmp_path: Path
) -> None:
    """A renamed street file gives no month: it replaces nothing, and counts what
    stays stored from an earlier file of its name."""
    name = "wy-july.csv"
    crimes = [street_row(f"{i:064x}", crime_type="Robbery") for i in range(6)]
    load_files(any_store, [_street_month(tmp_path / "jan", crimes, name)])
    revised = [*crimes[:4], crimes[4].replace("Ash Mount", "Elm Road")]
    later = load_files(
        any_store, [_street_month(tmp_path / "jun", revised, name)], replace_months=True
    )
    f = later.files[0]
    assert (f.loaded, f.duplicates, f.conflicts, f.replaced) == (0, 5, 1, None)
    note = f.note or ""
    assert note.startswith("replaced nothing: its name does not say the month and")
    assert "(YYYY-MM-<force>-street.csv)" in note
    assert f"Not replaced: 1 crime stored from an earlier {name} that this" in note
    assert "1 of its rows repeat a stored Crime ID with other fields" in note
    assert any_store.count("incidents") == 6
    # a street month matching what is stored is not noted
    fresh = load_files(
        any_store,
        [_street_month(tmp_path / "x", crimes[:1], "2018-08-kent-street.csv")],
        replace_months=True,
    )
    assert fresh.files[0].note is None


def test_a_street_month_file_holding_no_crime_replaces_nothing(
    any_store: Store, tmp_path: Path
) -> None:
    crimes = [street_row(f"{i:064x}", crime_type="Robbery") for i in range(3)]
    load_files(any_store, [_street_month(tmp_path / "a", crimes)])
    report = load_files(
        any_store, [_street_month(tmp_path / "b", [])], replace_months=True
    )
    assert report.files[0].replaced is None
    assert "west-yorkshire's 2018-07 keeps its stored crimes" in (
        report.files[0].note or ""
    )
    assert any_store.count("incidents") == 3


def test_a_zip_of_months_replaces_each_month_it_holds(
    any_store: Store, tmp_path: Path
) -> None:
    rows = [_row(i) for i in range(12)]
    load_files(any_store, [_month(tmp_path / "a", rows)])
    load_files(any_store, [_month(tmp_path / "k", rows, "kent")])
    archive = tmp_path / "2018-09.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(
            "2018-03/2018-03-metropolitan-stop-and-search.csv",
            HEADER + "".join(rows[:10]),
        )
        z.writestr(
            "2018-03/2018-03-kent-stop-and-search.csv", HEADER + "".join(rows[1:])
        )
    report = load_files(any_store, [archive], replace_months=True)
    assert sorted((f.file.rsplit("/", 1)[-1], f.replaced) for f in report.files) == [
        ("2018-03-kent-stop-and-search.csv", 1),
        ("2018-03-metropolitan-stop-and-search.csv", 2),
    ]
    assert (_stored(any_store).height, _stored(any_store, "kent").height) == (10, 11)


def test_cli_replace_month_reports_the_replaced_stops(
    template_db: Path, tmp_path: Path
) -> None:
    from avert.cli import app

    shutil.copy(template_db, tmp_path / "cli.db")
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    rows = [_row(i) for i in range(20)]
    first = _month(tmp_path / "jan", rows)
    later = _month(tmp_path / "jun", _revision(rows))
    runner = CliRunner()
    ok = runner.invoke(app, ["--db", db, "ingest", "policeuk", str(first)])
    assert ok.exit_code == 0, ok.output
    result = runner.invoke(
        app,
        ["--db", db, "ingest", "policeuk", str(later), "--replace-month", "--json"],
    )
    assert result.exit_code == 0, result.output
    [f] = json.loads(result.stdout)
    assert (f["loaded"], f["duplicates"], f["replaced"]) == (3, 17, 3)
    human = runner.invoke(
        app, ["--db", db, "ingest", "policeuk", str(later), "--replace-month"]
    )
    assert human.exit_code == 0, human.output
    assert "replaced" in human.output
    # a revised archive: a stop month replaced, another and a street month unchanged
    archive = tmp_path / "archive.zip"
    street = write(tmp_path / "s.csv", [STREET_HEADER, street_row("a" * 64)])
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"2018-03/{later.name}", HEADER + "".join(rows))
        z.writestr("2018-03/2018-03-kent-stop-and-search.csv", HEADER + rows[0])
        z.write(street, "2018-07/2018-07-west-yorkshire-street.csv")
    runner.invoke(app, ["--db", db, "ingest", "policeuk", str(archive)])
    rows[5] = _row(5, "Arrest")
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr(f"2018-03/{later.name}", HEADER + "".join(rows))
        z.writestr("2018-03/2018-03-kent-stop-and-search.csv", HEADER + rows[0])
        z.write(street, "2018-07/2018-07-west-yorkshire-street.csv")
    zipped = runner.invoke(
        app,
        ["--db", db, "ingest", "policeuk", str(archive), "--replace-month"],
        env={"COLUMNS": "160"},
    )
    assert zipped.exit_code == 0, zipped.output
    [street_line] = [r for r in zipped.output.splitlines() if "-street.csv" in r]
    assert street_line.rstrip(" │").endswith("0"), street_line  # unchanged
    out = " ".join(zipped.output.split())
    # 4: the revised row, and the 3 rows of the first download that the archive's
    # plain load brought back beside the June file's
    assert (
        "--replace-month: 1 force-month replaced (4 stored stops deleted), 2 "
        "unchanged." in out
    ), out


def _shared_data() -> Path:
    """The nearest ``shared/data`` above this file (a checkout's ../shared/data, or
    a worktree's ../../shared/data); skipped, with the reason printed, when none."""
    here = Path(__file__).resolve()
    for folder in here.parents:
        if (folder / "shared" / "data").is_dir():
            return folder / "shared" / "data"
    reason = f"no shared/data above {here.parent}: real-data test skipped"
    print(f"\n{reason}")
    pytest.skip(reason)


@pytest.mark.shared
def test_a_real_met_month_revised_replaces_exactly(
    any_store: Store, template_db: Path, tmp_path: Path
) -> None:
    """The Met's 2018-03 (10,866 searches), then a "revised" download of it: three
    outcomes corrected, two searches withdrawn, one added."""
    name = "2018-03-metropolitan-stop-and-search.csv"
    source = _shared_data() / "police-uk-stop-and-search-london-2018-h1" / name
    header, *lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    seen = Counter(lines)  # lines.count per line was 118 M comparisons (2.7 s)
    once = [
        i
        for i, line in enumerate(lines)
        if seen[line] == 1 and ",A no further action disposal," in line
    ]
    revised = [*lines]
    for i in once[100:103]:
        revised[i] = lines[i].replace(",A no further action disposal,", ",Arrest,")
    added = lines[once[110]].replace(":00+00:00", ":01+00:00", 1)
    for i in sorted(once[200:202], reverse=True):
        del revised[i]
    revised.append(added)
    assert len(set(revised) - set(lines)) == 4
    first = load_files(any_store, [source])
    assert first.files[0].loaded == 10_866 - first.files[0].duplicates
    later_file = tmp_path / "june-download" / name
    later_file.parent.mkdir()
    later_file.write_text(header + "".join(revised), encoding="utf-8")
    later = load_files(any_store, [later_file], replace_months=True)
    f = later.files[0]
    assert (f.loaded, f.replaced, f.quarantined) == (4, 5, 0)
    assert f.rows == 10_865
    assert f.balanced
    fresh = _fresh_store(template_db, tmp_path)
    load_files(fresh, [later_file])
    assert _stored(any_store).equals(_stored(fresh))
    assert any_store.count("stops") == fresh.count("stops")
    fresh.close()
    again = load_files(any_store, [later_file], replace_months=True)
    assert (again.files[0].loaded, again.files[0].replaced) == (0, 0)


def test_a_crime_a_revised_download_moved_to_another_month_of_the_load_stays(
    any_store: Store, tmp_path: Path
) -> None:
    """police.uk's revised archive moved a crime from July's street file to
    August's: replacing July deleted it though August's file, in the same load,
    holds it (stored from July, August's row was a duplicate), so the load left it
    stored nowhere. A key another file of the load holds is not deleted."""
    moved, kept = "a" * 64, "b" * 64
    load_files(
        any_store,
        [
            _street_month(
                tmp_path / "a",
                [street_row(moved, crime_type="Robbery"), street_row(kept)],
            )
        ],
    )
    august = street_row(moved, month="2018-08", crime_type="Robbery")
    report = load_files(
        any_store,
        [
            _street_month(tmp_path / "b", [street_row(kept)]),
            _street_month(
                tmp_path / "b", [august], "2018-08-west-yorkshire-street.csv"
            ),
        ],
        replace_months=True,
    )
    assert sorted(_crimes(any_store)["incident_id"]) == [moved, kept]
    assert report.files[0].replaced == 0


_AUGUST = "2018-08-west-yorkshire-street.csv"


def _sources(store: Store) -> dict[str, str]:
    """Each stored crime's file name (the month it belongs to)."""
    frame = store.read_frame("incidents").select("incident_id", "source_file")
    return {key: path.rsplit("/", 1)[-1] for key, path in frame.iter_rows() if key}


def test_a_crime_a_later_load_moved_to_another_month_is_not_deleted_with_the_first(
    any_store: Store, tmp_path: Path
) -> None:
    """police.uk moved a crime from July's street file to August's. July loaded,
    then August's file (holding it, dated August) loaded with --replace-month in a
    later load, then a revised July without it: replacing July deleted the crime,
    though August's file holds it (its stored row still came from July). A crime's
    month is now that of the latest file replacing a month that holds it: August's
    load stores it as August's file gives it, and July's replace leaves it."""
    moved, kept = "a" * 64, "b" * 64
    july = [street_row(moved, crime_type="Robbery"), street_row(kept)]
    load_files(any_store, [_street_month(tmp_path / "a", july)])
    august = street_row(moved, month="2018-08", crime_type="Robbery")
    # with a copy of the file in the load: the same month, not another
    later = load_files(
        any_store,
        [_street_month(tmp_path / d, [august], _AUGUST) for d in ("b", "copy")],
        replace_months=True,
    )
    assert later.files[1].replaced == 0
    f = later.files[0]
    assert (f.rows, f.loaded, f.duplicates, f.conflicts, f.replaced) == (1, 1, 0, 0, 1)
    assert f.balanced
    assert (
        "1 stored crime of another month (from 2018-07-west-yorkshire-street.csv)"
        in (f.note or "")
    ), f.note
    assert _sources(any_store)[moved] == _AUGUST
    # the row is stored, not set aside (the copy's repeat of it is, as a revision's)
    quarantine = any_store.read_frame("quarantine")
    assert quarantine.filter(pl.col("source_file") == f.file).height == 0
    revised = load_files(
        any_store, [_street_month(tmp_path / "c", july[1:])], replace_months=True
    )
    assert revised.files[0].replaced == 0
    assert sorted(_crimes(any_store)["incident_id"]) == [moved, kept]
    stored = any_store.read_frame("incidents").filter(pl.col("incident_id") == moved)
    assert stored["occurred_from"].dt.month().to_list() == [8]


def test_a_crime_moved_back_belongs_to_its_first_month_again(
    any_store: Store, tmp_path: Path
) -> None:
    """July, then August holding a July crime (moved), then a revised July holding
    it again (moved back): it is July's again, and a revised August without it
    does not delete it."""
    moved, other = "a" * 64, "c" * 64
    load_files(any_store, [_street_month(tmp_path / "a", [street_row(moved)])])
    august = [
        street_row(moved, month="2018-08", crime_type="Robbery"),
        street_row(other, month="2018-08"),
    ]
    load_files(
        any_store, [_street_month(tmp_path / "b", august, _AUGUST)], replace_months=True
    )
    back = load_files(
        any_store,
        [_street_month(tmp_path / "c", [street_row(moved, crime_type="Burglary")])],
        replace_months=True,
    )
    assert (back.files[0].loaded, back.files[0].replaced) == (1, 1)
    assert _sources(any_store)[moved] == "2018-07-west-yorkshire-street.csv"
    again = load_files(
        any_store,
        [_street_month(tmp_path / "d", august[1:], _AUGUST)],
        replace_months=True,
    )
    assert again.files[0].replaced == 0
    crimes = _crimes(any_store)
    assert crimes["incident_id"].to_list() == [moved, other]
    assert crimes["crime_type"].to_list()[0] == "Burglary"


def test_a_crime_moved_within_one_load_belongs_to_its_new_month_after_it(
    any_store: Store, tmp_path: Path
) -> None:
    """A load replacing July (without the crime) and August (with it) kept the crime
    but stored from July's file, so a later revised July deleted it."""
    moved, kept = "a" * 64, "b" * 64
    july = [street_row(moved, crime_type="Robbery"), street_row(kept)]
    load_files(any_store, [_street_month(tmp_path / "a", july)])
    august = street_row(moved, month="2018-08", crime_type="Robbery")
    both = load_files(
        any_store,
        [
            _street_month(tmp_path / "b", july[1:]),
            _street_month(tmp_path / "b", [august], _AUGUST),
        ],
        replace_months=True,
    )
    assert [f.replaced for f in both.files] == [0, 1]
    assert _sources(any_store)[moved] == _AUGUST
    later = load_files(
        any_store, [_street_month(tmp_path / "c", july[1:])], replace_months=True
    )
    assert later.files[0].replaced == 0
    assert sorted(_crimes(any_store)["incident_id"]) == [moved, kept]


def test_a_crime_both_months_of_one_load_hold_stays_where_it_is(
    any_store: Store, tmp_path: Path
) -> None:
    """July and August of one load both holding a crime stored from July: it stays
    July's as stored (August's row a conflicting duplicate, quarantined), nothing
    is deleted or moved."""
    moved, kept = "a" * 64, "b" * 64
    july = [street_row(moved, crime_type="Robbery"), street_row(kept)]
    load_files(any_store, [_street_month(tmp_path / "a", july)])
    august = street_row(moved, month="2018-08", crime_type="Robbery")
    both = load_files(
        any_store,
        [
            _street_month(tmp_path / "b", july),
            _street_month(tmp_path / "b", [august], _AUGUST),
        ],
        replace_months=True,
    )
    assert [(f.loaded, f.conflicts, f.replaced) for f in both.files] == [
        (0, 0, 0),
        (0, 1, 0),
    ]
    assert _sources(any_store)[moved] == "2018-07-west-yorkshire-street.csv"
    assert any_store.read_frame("quarantine").height == 1


def test_a_crime_two_later_months_of_one_load_hold_is_the_latest_months(
    any_store: Store, tmp_path: Path
) -> None:
    """A crime stored from July, then a load replacing August and September whose
    files both hold it (and July's does not, replaced in the load or later): it
    stayed July's, each month's row quarantined, so the revised July deleted it
    though the two latest files hold it. It now moves to the latest month."""
    moved, kept = "a" * 64, "b" * 64
    july = [street_row(moved, crime_type="Robbery"), street_row(kept)]
    load_files(any_store, [_street_month(tmp_path / "a", july)])
    later = [
        _street_month(tmp_path / "b", [street_row(moved, month=m)], name)
        for m, name in (("2018-08", _AUGUST), ("2018-09", _SEPTEMBER))
    ]
    report = load_files(any_store, later, replace_months=True)
    assert [f.replaced for f in report.files] == [0, 1]
    assert _sources(any_store)[moved] == _SEPTEMBER
    revised = load_files(
        any_store, [_street_month(tmp_path / "c", july[1:])], replace_months=True
    )
    assert revised.files[0].replaced == 0
    assert sorted(_crimes(any_store)["incident_id"]) == [moved, kept]
    # with July's revision in the same load too
    load_files(any_store, [_street_month(tmp_path / "d", july)], replace_months=True)
    assert _sources(any_store)[moved] == "2018-07-west-yorkshire-street.csv"
    both = load_files(
        any_store,
        [_street_month(tmp_path / "e", july[1:]), *later],
        replace_months=True,
    )
    assert [f.replaced for f in both.files] == [0, 0, 1]
    assert _sources(any_store)[moved] == _SEPTEMBER


_SEPTEMBER = "2018-09-west-yorkshire-street.csv"


def test_a_month_file_cut_short_replaces_nothing(
    any_store: Store, tmp_path: Path
) -> None:
    """A street or stop file that does not end with a line break (a copy or
    download that stopped part way: police.uk's end with one) replaced its month
    with the rows it held, deleting the rest of the month's stored crimes or
    stops. It now replaces nothing, and says so."""
    crimes = [street_row(f"{i:064x}", crime_type="Robbery") for i in range(6)]
    load_files(any_store, [_street_month(tmp_path / "a", crimes)])
    cut = tmp_path / "b" / "2018-07-west-yorkshire-street.csv"
    cut.parent.mkdir()
    cut.write_text("\n".join([STREET_HEADER, *crimes[:3], crimes[3][:70]]))
    stops = [_row(i) for i in range(10)]
    load_files(any_store, [_month(tmp_path / "c", stops)])
    cut_stops = _month(tmp_path / "d", stops[:4])
    cut_stops.write_text(HEADER + "".join(stops[:4]) + stops[4][:40])
    report = load_files(any_store, [cut, cut_stops], replace_months=True)
    assert [f.replaced for f in report.files] == [None, None]
    for f in report.files:
        assert ". Replaced nothing: the file does not end with a line break" in (
            f.note or ""
        ), f.note
    assert any_store.count("stops") >= 10
    assert set(_crimes(any_store)["incident_id"]) >= {f"{i:064x}" for i in range(6)}


def test_a_revised_crime_the_file_repeats_is_stored_as_its_first_row(
    any_store: Store, template_db: Path, tmp_path: Path
) -> None:
    """police.uk files sometimes repeat a Crime ID. A revised crime the later file
    gave twice kept its old fields (the repeat made it no revision at all); the
    month now holds the file's first row of it, as a fresh load of the file does."""
    crime = "c" * 64
    old = street_row(crime, crime_type="Robbery")
    load_files(any_store, [_street_month(tmp_path / "a", [old])])
    first = old.replace("Ash Mount", "Elm Road")
    again = old.replace("Ash Mount", "Oak Lane")
    revised = [first, again, street_row("d" * 64)]
    load_files(any_store, [_street_month(tmp_path / "b", revised)], replace_months=True)
    fresh = _fresh_store(template_db, tmp_path)
    load_files(fresh, [_street_month(tmp_path / "c", revised)])
    assert _crimes(any_store).equals(_crimes(fresh)), _crimes(any_store)
    fresh.close()
