"""A month of police.uk stop and search loaded again from a later, revised download.

police.uk's stop-and-search rows carry no id: avert keys a stop by its fields, so a
row police.uk revised after the first download (an outcome corrected) is a new stop,
and the row it revises stays. The load now says so for that file.
"""

from __future__ import annotations

from pathlib import Path

from avert.store import Store
from avert.workflows.load import load_files

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
    assert "fresh database" in note
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
