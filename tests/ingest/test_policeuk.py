"""police.uk ingest: every case of issue 2 item 5 has a test here."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest

from avert.errors import IngestError
from avert.ingest.policeuk import detect_kind, force_from_name, parse_policeuk_bytes
from avert.store import Store
from avert.workflows.load import load_files

from .helpers import OUTCOMES_HEADER, STOPS_HEADER, STREET_HEADER, street_row, write

DATA = Path(__file__).resolve().parents[1] / "data" / "policeuk"
CID1, CID2 = "a" * 64, "b" * 64


def _one(store: Store, path: Path, **kw: object) -> dict[str, object]:
    report = load_files(store, [path], **kw)  # type: ignore[arg-type]
    assert len(report.files) == 1
    out = report.files[0].as_dict()
    assert report.files[0].balanced
    return out


def _quarantine(store: Store) -> pl.DataFrame:
    return store.read_frame("quarantine", order_by=("line",))


def test_detect_kind_by_required_subset() -> None:
    assert detect_kind(STREET_HEADER.split(",")) == "policeuk-street"
    assert detect_kind(OUTCOMES_HEADER.split(",")) == "policeuk-outcomes"
    stops = [c for c in STOPS_HEADER.split(",") if c != "Policing operation"]
    assert detect_kind(stops) == "policeuk-stops"
    assert detect_kind(["month", "type", "location_type", "longitude", "latitude"]) == (
        "policeuk-reduced"
    )
    assert detect_kind(["LSOA", "population"]) is None
    assert force_from_name("2019-01-btp-stop-and-search.csv") == "btp"


def test_street_maps_to_month_incidents_with_projection() -> None:
    parsed = parse_policeuk_bytes(
        "\n".join([STREET_HEADER, street_row(CID1, crime_type="Robbery")]).encode(),
        name="s.csv",
        basename="s.csv",
    )
    row = parsed.frames["incidents"].row(0, named=True)
    assert row["incident_id"] == CID1
    assert row["occurred_from"] == dt.datetime(2018, 7, 1)
    assert row["occurred_to"] == dt.datetime(2018, 7, 31, 23, 59, 59, 999999)
    assert row["time_precision"] == "month"
    assert row["force"] == "West Yorkshire Police"
    # Royston, Barnsley: grid reference SE 39 11, i.e. about (439,700, 411,500) m
    assert 439_000 < row["x"] < 440_500
    assert 411_000 < row["y"] < 412_000
    assert row["has_source_id"]
    assert row["has_location"]
    # the LSOA name's local authority is the borough (`brief --area Barnsley`)
    assert row["lsoa_name"] == "Barnsley 003A"
    assert row["borough"] == "Barnsley"


def test_identical_asb_rows_are_distinct_reports_with_stable_keys(
    sqlite_store: Store, tmp_path: Path
) -> None:
    lines = [STREET_HEADER, street_row(), street_row(), street_row()]
    a = write(tmp_path / "a" / "2018-07-wy-street.csv", lines)
    b = write(tmp_path / "b" / "renamed.csv", lines)
    pa = parse_policeuk_bytes(a.read_bytes(), name=str(a), basename=a.name)
    pb = parse_policeuk_bytes(b.read_bytes(), name=str(b), basename=b.name)
    keys = pa.frames["incidents"]["incident_id"].to_list()
    assert len(set(keys)) == 3
    assert keys == pb.frames["incidents"]["incident_id"].to_list()
    assert not any(pa.frames["incidents"]["has_source_id"])
    assert _one(sqlite_store, a)["loaded"] == 3


def test_blank_coordinates_are_kept_without_location(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "s.csv", [STREET_HEADER, street_row(CID1, lon="", lat="")])
    assert _one(sqlite_store, path)["loaded"] == 1
    row = sqlite_store.read_frame("incidents").row(0, named=True)
    assert row["has_location"] is False
    assert row["lat"] is None
    assert row["x"] is None


def test_coordinates_with_spaces_around_keep_their_place(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """ " 53.598298 " passed the coordinate check (it strips, as bundles read
    numbers) but was cast unstripped when stored: the row loaded with no place,
    silently (before the check stripped, it was quarantined as "not a number")."""
    stops = STOPS_HEADER.replace("Policing operation,", "").split(",")
    stop = dict.fromkeys(stops, "")
    stop |= {"Type": "Person search", "Date": "2019-06-01T22:34:11+00:00"}
    stop |= {"Latitude": " 53.38 ", "Longitude": " -1.47 "}
    files = [
        write(
            tmp_path / "2018-07-west-yorkshire-street.csv",
            [STREET_HEADER, street_row(CID1, lon=" -1.409547 ", lat=" 53.598298 ")],
        ),
        write(
            tmp_path / "2019-06-south-yorkshire-stop-and-search.csv",
            [",".join(stops), ",".join(stop[c] for c in stops)],
        ),
    ]
    tables = zip(files, ["incidents", "stops"], [53.598298, 53.38], strict=True)
    for path, table, lat in tables:
        assert _one(sqlite_store, path)["loaded"] == 1
        row = sqlite_store.read_frame(table).row(0, named=True)
        assert row["has_location"] is True
        assert row["lat"] == lat
        assert row["x"] is not None


@pytest.mark.parametrize(
    ("lon", "lat", "column", "words"),
    [
        ("-1.4", "95.0", "Latitude", "latitude out of range"),
        ("abc", "53.5", "Longitude", "not a number"),
        ("151.2", "-33.8", "Latitude", "outside the UK"),
        ("0", "0", "Latitude", "null island (0, 0)"),
        ("-1.4", "", "Latitude", "latitude missing"),
    ],
)
def test_out_of_range_coordinates_are_quarantined(
    sqlite_store: Store, tmp_path: Path, lon: str, lat: str, column: str, words: str
) -> None:
    path = write(
        tmp_path / "s.csv", [STREET_HEADER, street_row(CID1, lon=lon, lat=lat)]
    )
    assert _one(sqlite_store, path)["quarantined"] == 1
    q = _quarantine(sqlite_store).row(0, named=True)
    assert (q["line"], q["column"], q["kind"]) == (2, column, "rejected")
    assert words in q["reason"]
    assert q["raw"].startswith(CID1)


@pytest.mark.parametrize("month", ["2018-13", "18-07", "July 2018", ""])
def test_bad_month_is_quarantined(
    sqlite_store: Store, tmp_path: Path, month: str
) -> None:
    path = write(
        tmp_path / "s.csv",
        [STREET_HEADER, street_row(CID1), street_row(CID2, month=month)],
    )
    out = _one(sqlite_store, path)
    assert (out["loaded"], out["quarantined"]) == (1, 1)
    q = _quarantine(sqlite_store).row(0, named=True)
    assert (q["line"], q["column"]) == (3, "Month")
    assert "bad month" in q["reason"]


def test_truncated_last_line_is_quarantined_with_raw_text(
    sqlite_store: Store, tmp_path: Path
) -> None:
    full = street_row(CID2)
    path = tmp_path / "s.csv"
    path.write_text("\n".join([STREET_HEADER, street_row(CID1), full[:40]]))
    out = _one(sqlite_store, path)
    assert (out["rows"], out["loaded"], out["quarantined"]) == (2, 1, 1)
    q = _quarantine(sqlite_store).row(0, named=True)
    assert q["line"] == 3
    assert q["raw"] == full[:40]
    assert "wrong number of fields" in q["reason"]


def test_latin1_and_bom_files_load(sqlite_store: Store, tmp_path: Path) -> None:
    latin = write(
        tmp_path / "l.csv",
        [STREET_HEADER, street_row(CID1, location="On or near Café")],
        encoding="latin-1",
    )
    bom = tmp_path / "b.csv"
    bom.write_bytes(
        ("\ufeff" + STREET_HEADER + "\r\n" + street_row(CID2) + "\r\n").encode()
    )
    assert _one(sqlite_store, latin)["loaded"] == 1
    assert _one(sqlite_store, bom)["loaded"] == 1
    locations = set(sqlite_store.read_frame("incidents")["location"].to_list())
    assert "On or near Café" in locations


def test_a_file_not_in_utf8_says_which_encoding_was_read(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A latin-1 or Windows-1252 file loaded with no word of it: a reader could
    not tell a file's odd characters came from a guess. The report now names the
    encoding read, and cp1252's curly apostrophe is stored as one (latin-1 read
    it as the control character U+0092)."""
    cp = write(
        tmp_path / "w.csv",
        [STREET_HEADER, street_row(CID1, location="On or near St Mary\u2019s")],
        encoding="cp1252",
    )
    latin = write(
        tmp_path / "l.csv",
        [STREET_HEADER, street_row(CID2, location="On or near Caf\xe9")],
        encoding="latin-1",
    )
    utf8 = write(tmp_path / "u.csv", [STREET_HEADER, street_row("c" * 64)])
    out = _one(sqlite_store, cp)
    assert out["loaded"] == 1
    assert "read as Windows-1252 (cp1252), not UTF-8" in str(out["note"])
    out = _one(sqlite_store, latin)
    assert "read as Latin-1 (ISO-8859-1), not UTF-8" in str(out["note"])
    assert "note" not in _one(sqlite_store, utf8)
    locations = set(sqlite_store.read_frame("incidents")["location"].to_list())
    assert "On or near St Mary\u2019s" in locations


def test_blank_lines_are_skipped_not_counted(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "s.csv",
        [STREET_HEADER, "", street_row(CID1), "", "", street_row(CID2), ""],
    )
    out = _one(sqlite_store, path)
    assert (out["rows"], out["loaded"], out["quarantined"]) == (2, 2, 0)
    assert sorted(sqlite_store.read_frame("incidents")["source_line"].to_list()) == [
        3,
        6,
    ]


def test_missing_header_quarantines_every_line(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(tmp_path / "s.csv", [street_row(CID1), street_row(CID2)])
    out = _one(sqlite_store, path)
    assert (out["kind"], out["rows"], out["quarantined"], out["loaded"]) == (
        "unknown",
        2,
        2,
        0,
    )
    q = _quarantine(sqlite_store)
    assert q["line"].to_list() == [1, 2]
    assert all("missing header" in r for r in q["reason"].to_list())


def test_wrong_header_and_wrong_kind_file_are_quarantined(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "census.csv",
        ["LSOA code,population", "E01000001,1500", "E01000002,1600"],
    )
    out = _one(sqlite_store, path)
    assert (out["kind"], out["rows"], out["quarantined"]) == ("unknown", 2, 2)
    reasons = _quarantine(sqlite_store)["reason"].to_list()
    assert all("unrecognised header" in r for r in reasons)


def test_unrecognised_header_is_quoted_as_the_file_writes_it(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """An adjacency matrix written by R or pandas has a blank corner name: the
    London street gang network's LONDON_GANG.csv begins '\ufeff"",1,2,...'. The
    reason quoted the reader's name for it, "column_1,1,2,...", which is nowhere in
    the file; it quotes the file's first line."""
    path = tmp_path / "LONDON_GANG.csv"
    path.write_bytes(b'\xef\xbb\xbf"",1,2,3\n1,0,1,0\n2,1,0,2\n3,0,2,0\n')
    out = _one(sqlite_store, path)
    assert (out["kind"], out["quarantined"]) == ("unknown", 3)
    reasons = set(_quarantine(sqlite_store)["reason"].to_list())
    assert reasons == {
        "unrecognised header (not a police.uk street, outcomes or stop-and-search "
        'file): "",1,2,3'
    }


def test_unrecognised_header_after_blank_lines_is_quoted(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A file opening with blank lines: the reader takes its first non-blank line
    as the header, but the reason quoted the file's first line, blank, and read
    "... stop-and-search file): " with nothing after it."""
    path = tmp_path / "table.csv"
    path.write_bytes(b"\n\nfoo,bar\n1,2\n")
    _one(sqlite_store, path)
    reasons = set(_quarantine(sqlite_store)["reason"].to_list())
    assert reasons == {
        "unrecognised header (not a police.uk street, outcomes or stop-and-search "
        "file): foo,bar"
    }


def test_a_file_cut_short_is_said_to_be(sqlite_store: Store, tmp_path: Path) -> None:
    """A copy or download that stopped part way ends inside a row, with no line
    break after it. Cut inside its last field, that row has every field and loaded
    as if whole, with nothing said: a synthetic city's incidents.csv cut at 300 kB
    loaded 1,618 rows, the last one's outcome "Investigation complete; no suspect
    ide". The file's note says so now (every file of police.uk and of avert ends
    with a line break); a whole file says nothing."""
    whole = write(
        tmp_path / "whole" / "2018-07-a-street.csv", [STREET_HEADER, street_row()]
    )
    assert "note" not in _one(sqlite_store, whole)
    row = street_row(CID1, crime_type="Robbery") + "Context of the robbery"
    cut = tmp_path / "cut" / "2018-07-a-street.csv"
    cut.parent.mkdir()
    cut.write_bytes(f"{STREET_HEADER}\n{row}".encode()[:-10])  # "... of the "
    out = _one(sqlite_store, cut)
    assert out["loaded"] == 1
    assert "does not end with a line break" in str(out["note"])
    assert "line 2" in str(out["note"])
    # the load's JSON of a zip member or a JSON file says nothing of the kind
    api = tmp_path / "api" / "2024-09-metropolitan-stops-force.json"
    api.parent.mkdir()
    api.write_bytes(b"[]")
    assert "note" not in _one(sqlite_store, api)


def test_an_empty_or_cut_api_json_file_says_so(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """An empty police.uk API JSON file was 'not valid JSON: Expecting value: line 1
    column 1 (char 0)' where an empty CSV is 'empty file'; one cut short (the Met's
    September 2024 sample cut at 100 kB) named only a parser's complaint at its
    last character. Both say what they are now."""
    empty = write(tmp_path / "e" / "2024-09-metropolitan-stops-force.json", [""])
    assert _one(sqlite_store, empty)["note"] == "empty file"
    cut = tmp_path / "c" / "2024-09-metropolitan-stops-force.json"
    cut.parent.mkdir()
    cut.write_bytes(b'[{"age_range": "18-24", "outcome": "A')
    note = str(_one(sqlite_store, cut)["note"])
    assert note.startswith("not valid JSON: the file ends inside it (cut short?)")
    odd = tmp_path / "o" / "2024-09-metropolitan-stops-force.json"
    odd.parent.mkdir()
    odd.write_bytes(b'[{"age_range": 18-24}]\n')
    assert "ends inside it" not in str(_one(sqlite_store, odd)["note"])


def test_empty_file_is_reported_not_fatal(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    out = _one(sqlite_store, path)
    assert (out["rows"], out["loaded"]) == (0, 0)
    assert out["note"] == "empty file"
    q = _quarantine(sqlite_store).row(0, named=True)
    assert (q["line"], q["reason"]) == (0, "empty file")


def test_header_only_file_loads_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    path = write(tmp_path / "s.csv", [STREET_HEADER])
    assert _one(sqlite_store, path) | {"file": ""} == {
        "file": "",
        "kind": "policeuk-street",
        "rows": 0,
        "loaded": 0,
        "quarantined": 0,
        "duplicates": 0,
        "conflicts": 0,
    }


def test_duplicate_crime_id_within_file_keeps_first_and_reports_differences(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "s.csv",
        [
            STREET_HEADER,
            street_row(CID1, crime_type="Robbery"),
            street_row(CID1, crime_type="Robbery"),
            street_row(CID1, crime_type="Robbery", location="On or near Elsewhere"),
        ],
    )
    out = _one(sqlite_store, path)
    assert (out["loaded"], out["duplicates"], out["conflicts"]) == (1, 2, 1)
    q = _quarantine(sqlite_store).row(0, named=True)
    assert (q["kind"], q["line"], q["column"]) == ("duplicate", 4, "location")
    assert "On or near Elsewhere (kept: On or near Ash Mount)" in q["reason"]
    assert sqlite_store.read_frame("incidents")["location"].to_list() == [
        "On or near Ash Mount"
    ]


def test_duplicate_crime_id_across_files_is_counted(
    sqlite_store: Store, tmp_path: Path
) -> None:
    a = write(
        tmp_path / "2018-07" / "2018-07-wy-street.csv",
        [STREET_HEADER, street_row(CID1)],
    )
    b = write(
        tmp_path / "2018-08" / "2018-08-wy-street.csv",
        [
            STREET_HEADER,
            street_row(CID1, outcome="Under investigation"),
            street_row(CID2),
        ],
    )
    report = load_files(sqlite_store, [tmp_path])
    assert [(f.loaded, f.duplicates) for f in report.files] == [(1, 0), (1, 1)]
    assert {f.file for f in report.files} == {str(a), str(b)}


def test_zip_with_non_csv_junk_and_archive_layout(
    sqlite_store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "unpacked"
    write(
        folder / "2018-07" / "2018-07-wy-street.csv", [STREET_HEADER, street_row(CID1)]
    )
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(
            folder / "2018-07" / "2018-07-wy-street.csv",
            "2018-07/2018-07-wy-street.csv",
        )
        zf.writestr("2018-07/notes.txt", "not data")
        zf.writestr("__MACOSX/2018-07/._2018-07-wy-street.csv", b"\x00\x05\x16\x07junk")
        zf.writestr("logo.png", b"\x89PNG\r\n\x1a\n")
    report = load_files(sqlite_store, [archive])
    assert [f.loaded for f in report.files] == [1]
    assert len(report.skipped) == 3
    assert report.files[0].file == f"{archive}!2018-07/2018-07-wy-street.csv"
    # the same file from the unpacked folder: same key, a duplicate, nothing added
    again = load_files(sqlite_store, [folder])
    assert (again.loaded, again.duplicates) == (0, 1)
    assert sqlite_store.count("incidents") == 1


def test_missing_path_is_an_ingest_error(sqlite_store: Store, tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="No such file"):
        load_files(sqlite_store, [tmp_path / "nope.csv"])


def test_loading_twice_adds_nothing_anywhere(
    sqlite_store: Store, tmp_path: Path
) -> None:
    shutil.copytree(DATA, tmp_path / "policeuk")
    write(
        tmp_path / "policeuk" / "bad.csv",
        [STREET_HEADER, street_row(CID1, month="bad")],
    )
    first = load_files(sqlite_store, [tmp_path / "policeuk"])
    counts = sqlite_store.counts()
    assert first.quarantined == 1
    assert first.loaded > 0
    second = load_files(sqlite_store, [tmp_path / "policeuk"])
    assert second.loaded == 0
    assert sqlite_store.counts() == counts
    assert all(f.balanced for f in second.files)


def test_strict_fails_whole_load_and_leaves_database_unchanged(
    sqlite_store: Store, tmp_path: Path
) -> None:
    write(tmp_path / "d" / "good.csv", [STREET_HEADER, street_row(CID1)])
    write(tmp_path / "d" / "z-bad.csv", [STREET_HEADER, street_row(CID2, lat="999")])
    before = sqlite_store.counts()
    with pytest.raises(IngestError, match="strict"):
        load_files(sqlite_store, [tmp_path / "d"], strict=True)
    assert sqlite_store.counts() == before
    assert load_files(sqlite_store, [tmp_path / "d"]).loaded == 1


def test_error_mid_load_rolls_back_everything(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "d" / "a.csv", [STREET_HEADER, street_row(CID1)])
    write(tmp_path / "d" / "b.csv", [STREET_HEADER, street_row(CID2)])
    from avert.store.database import Transaction

    calls = {"n": 0}
    real = Transaction.append_arrow

    def failing(self: Transaction, table: str, data: pa.Table) -> int:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # as a kill would
        return real(self, table, data)

    monkeypatch.setattr(Transaction, "append_arrow", failing)
    with pytest.raises(KeyboardInterrupt):
        load_files(sqlite_store, [tmp_path / "d"])
    monkeypatch.undo()
    assert sqlite_store.counts()["incidents"] == 0
    assert sqlite_store.counts()["loads"] == 0


def test_outcomes_join_sets_latest_outcome(sqlite_store: Store, tmp_path: Path) -> None:
    write(
        tmp_path / "2018-07" / "2018-07-wy-street.csv",
        [
            STREET_HEADER,
            street_row(CID1, crime_type="Robbery", outcome="Under investigation"),
        ],
    )
    write(
        tmp_path / "2018-08" / "2018-08-wy-outcomes.csv",
        [
            OUTCOMES_HEADER,
            f"{CID1},2018-08,{'x'},{'x'},,,,,,Suspect charged",
            f"{CID1},2018-09,x,x,,,,,,Offender sent to prison",
            ",2018-09,x,x,,,,,,Orphan outcome",
        ],
    )
    report = load_files(sqlite_store, [tmp_path])
    outcomes = next(f for f in report.files if f.kind == "policeuk-outcomes")
    assert (outcomes.loaded, outcomes.quarantined) == (2, 1)
    row = sqlite_store.read_frame("incidents").row(0, named=True)
    assert row["outcome"] == "Offender sent to prison"


def test_tied_outcomes_are_ordered_by_file_then_outcome(
    any_store: Store, tmp_path: Path
) -> None:
    """The same month on the same line of two files: the later file name wins, not
    the outcome the primary key's index happens to give last."""
    files = [write(tmp_path / "s.csv", [STREET_HEADER, street_row(CID1)])]
    for folder, outcome in (
        ("r0", "Unable to prosecute suspect"),
        ("r1", "Local resolution"),
    ):
        files.append(
            write(
                tmp_path / folder / "2018-08-wy-outcomes.csv",
                [OUTCOMES_HEADER, f"{CID1},2018-08,x,x,,,,,,{outcome}"],
            )
        )
    load_files(any_store, files)
    assert any_store.read_frame("incidents")["outcome"].to_list() == [
        "Local resolution"
    ]


def test_outcomes_loaded_before_street_still_update(
    sqlite_store: Store, tmp_path: Path
) -> None:
    o = write(
        tmp_path / "o.csv",
        [OUTCOMES_HEADER, f"{CID1},2018-08,x,x,,,,,,Suspect charged"],
    )
    s = write(
        tmp_path / "s.csv", [STREET_HEADER, street_row(CID1, crime_type="Robbery")]
    )
    load_files(sqlite_store, [o])
    load_files(sqlite_store, [s])
    assert sqlite_store.read_frame("incidents")["outcome"].to_list() == [
        "Suspect charged"
    ]


def test_stops_dates_sex_ethnicity_and_force(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = write(
        tmp_path / "2019-06-south-yorkshire-stop-and-search.csv",
        [
            STOPS_HEADER,
            "Person search,2019-06-01T22:34:11.187000+00:00,False,,53.38,-1.47,Male,18-24,"
            "Black/African/Caribbean/Black British - Caribbean,Black,Misuse of Drugs Act 1971 (section 23),"
            "Controlled drugs,Arrest,True,False",
            "Vehicle search,2019-01-01T00:00:00+00:00,,,,,,,Other ethnic group - Not stated,,,,,,",
            "Vehicle search,2019-01-01T00:00:00+00:00,,,,,,,Other ethnic group - Not stated,,,,,,",
            "Person search,yesterday,,,,,,,,,,,,,",
        ],
    )
    out = _one(sqlite_store, path)
    assert (out["loaded"], out["quarantined"]) == (3, 1)
    stops = sqlite_store.read_frame("stops", order_by=("source_line",))
    first = stops.row(0, named=True)
    assert first["occurred_at"] == dt.datetime(2019, 6, 1, 23, 34, 11, 187000)  # BST
    assert (first["sex"], first["ethnicity"], first["force"]) == (
        "M",
        "Black",
        "south-yorkshire",
    )
    assert first["ethnicity_detail"].endswith("Caribbean")
    assert (first["outcome_linked"], first["removal_outer_clothing"]) == (True, False)
    blank = stops.row(1, named=True)
    assert blank["has_location"] is False
    assert blank["sex"] is None
    assert blank["ethnicity"] == "Unknown"
    assert stops["stop_id"].n_unique() == 3
    assert _quarantine(sqlite_store).row(0, named=True)["column"] == "Date"


def test_real_subsets_load_and_reconcile(sqlite_store: Store) -> None:
    report = load_files(sqlite_store, [DATA])
    by_name = {Path(f.file).name: f for f in report.files}
    assert all(f.balanced for f in report.files)
    assert report.quarantined == 0
    london = by_name["2019-06-city-of-london-street.csv"]
    assert (london.rows, london.duplicates) == (922, 27)  # 53 rows share 26 Crime IDs
    wy = by_name["2018-07-west-yorkshire-street.csv"]
    assert (wy.rows, wy.loaded) == (300, 300)  # identical ASB rows are all kept
    cumbria = by_name["2019-01-cumbria-stop-and-search.csv"]
    assert cumbria.loaded == 119
    api = by_name["2024-09-metropolitan-stops-force.json"]
    assert (api.kind, api.loaded) == ("policeuk-api-stops", 50)
    reduced = by_name["london-crimes-2022-01-reduced-sample.csv"]
    assert (reduced.kind, reduced.loaded) == ("policeuk-reduced", 50)
    assert sqlite_store.count("stops") == 119 + 81 + 50
    asb = sqlite_store.read_frame(
        "incidents", where=[("crime_type", "=", "Anti-social behaviour")]
    )
    assert asb.height > 0
    assert not asb["has_source_id"].any()


def test_stray_quote_in_header_does_not_swallow_the_rows(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # Found by the corruption property test: a lone '"' in the header made the CSV
    # readers treat every data line as part of the header record.
    header = STREET_HEADER.replace("Last outcome category", '"')
    path = write(tmp_path / "s.csv", [header, street_row(CID1), street_row(CID2)])
    out = _one(sqlite_store, path)
    assert out["rows"] == 2
    assert out["rows"] == out["loaded"] + out["quarantined"] + out["duplicates"]


def test_stray_quotes_in_header_and_row_keep_every_line_accounted(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # Found by the corruption property test: with a stray quote in the header AND
    # in a row, the row's open quote swallowed the following lines into one record
    # whose width matched the (equally broken) header, so four lines went missing.
    header = STREET_HEADER.replace("Last outcome category", '"')
    broken = street_row("c" * 64, outcome='"')
    rows = [street_row(c * 64) for c in "defg"]
    path = write(tmp_path / "s.csv", [header, broken, *rows])
    out = _one(sqlite_store, path)
    assert out["rows"] == 5
    assert out["rows"] == out["loaded"] + out["quarantined"] + out["duplicates"]


def test_stray_quote_in_last_field_does_not_merge_two_lines_into_a_row(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # Found by the corruption property test: an open quote in the last field ran to
    # the end of the file and made a record of the header's width out of two lines.
    broken = street_row("c" * 64) + '"'
    path = write(tmp_path / "s.csv", [STREET_HEADER, broken, street_row("d" * 64)])
    out = _one(sqlite_store, path)
    assert out["rows"] == 2
    assert out["rows"] == out["loaded"] + out["quarantined"] + out["duplicates"]


def test_first_in_file_is_kept_when_keys_interleave(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # keys out of order and repeated: the load sorts by key, stably, so the first
    # row of each key in the file is still the one kept
    path = write(
        tmp_path / "s.csv",
        [
            STREET_HEADER,
            street_row(CID2, location="On or near B first"),
            street_row(CID1, location="On or near A first"),
            street_row(CID2, location="On or near B second"),
            street_row(CID1, location="On or near A second"),
        ],
    )
    out = _one(sqlite_store, path)
    assert (out["loaded"], out["duplicates"], out["conflicts"]) == (2, 2, 2)
    kept = sqlite_store.read_frame("incidents").sort("incident_id")
    assert dict(zip(kept["incident_id"], kept["location"], strict=True)) == {
        CID1: "On or near A first",
        CID2: "On or near B first",
    }
    lines = sorted(_quarantine(sqlite_store)["line"].to_list())
    assert lines == [4, 5]


def test_api_outcome_false_is_no_outcome() -> None:
    """The police.uk API gives ``"outcome": false`` for a search with no outcome
    recorded (its documentation's stops-force and stops-no-location examples,
    2017; now ``""``): it was stored as an outcome named "False", beside the CSV's
    blank for the same search. Both are now no outcome (null)."""
    import json

    record = {
        "type": "Person search",
        "datetime": "2017-01-01T02:24:09+00:00",
        "operation": False,
        "location": None,
        "gender": "Male",
        "age_range": "18-24",
        "self_defined_ethnicity": "White - White British (W1)",
        "officer_defined_ethnicity": "White",
        "legislation": "Misuse of Drugs Act 1971 (section 23)",
        "object_of_search": "Controlled drugs",
        "outcome": False,
        "outcome_linked_to_object_of_search": None,
        "removal_of_more_than_outer_clothing": False,
    }
    records = [record, {**record, "outcome": ""}, {**record, "outcome": "Arrest"}]
    parsed = parse_policeuk_bytes(
        json.dumps(records).encode(),
        name="2017-01-avon-and-somerset-stops-force.json",
        basename="2017-01-avon-and-somerset-stops-force.json",
    )
    assert parsed.frames["stops"]["outcome"].to_list() == [None, None, "Arrest"]


def test_each_stop_of_several_files_is_stored_under_its_own_file(
    template_db: Path, tmp_path: Path
) -> None:
    """Stop-and-search files of two months and two forces loaded at once, from
    a folder and from a zip: each stop names the file and line it came from (a
    report said a load filed every stop under its first file's name)."""
    row = (
        "Person search,2019-{m}-0{d}T22:34:11+00:00,False,,{lat},-1.47,Male,18-24,"
        "White - English,White,Misuse of Drugs Act 1971 (section 23),"
        "Controlled drugs,Arrest,True,False"
    )
    names = {
        "2019-06-south-yorkshire-stop-and-search.csv": ("06", "53.38"),
        "2019-07-south-yorkshire-stop-and-search.csv": ("07", "53.38"),
        "2019-06-west-yorkshire-stop-and-search.csv": ("06", "53.80"),
    }
    folder = tmp_path / "stops"
    for name, (m, lat) in names.items():
        write(
            folder / name,
            [STOPS_HEADER, *(row.format(m=m, d=d, lat=lat) for d in (1, 2))],
        )
    archive = tmp_path / "stops.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name in names:
            zf.write(folder / name, f"2019/{name}")
    for path, shown in ((folder, f"{folder}/"), (archive, f"{archive}!2019/")):
        db = tmp_path / f"{path.name}.db"
        for suffix in ("", "-wal"):  # as the sqlite_store fixture copies it
            source = template_db.with_name(template_db.name + suffix)
            if source.exists():
                shutil.copy(source, db.with_name(db.name + suffix))
        store = Store(f"sqlite:///{db}")
        report = load_files(store, [path])
        assert sorted(f.loaded for f in report.files) == [2, 2, 2]
        stops = store.read_frame("stops")
        per_file = stops.group_by("source_file").agg(
            pl.col("source_line").sort(), pl.col("force").first()
        )
        assert sorted(per_file.rows()) == sorted(
            (shown + name, [2, 3], name[8:].removesuffix("-stop-and-search.csv"))
            for name in names
        )
        assert set(stops["source"]) == {"policeuk"}
        store.close()


def test_a_cp1252_file_loaded_before_it_was_read_so_reloads_adding_nothing(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Windows-1252 file was read as latin-1 until December 2026 (its ``’``
    stored as U+0092). Read as cp1252 now, its rows without a Crime ID (ASB,
    every stop and search) had new content keys, so a store loaded before took
    them a second time on a re-load, and its rows with a Crime ID were each
    quarantined as a conflicting duplicate. The re-load now adds nothing."""
    burglary = street_row(
        CID1, location="On or near St Mary\u2019s Road", crime_type="Burglary"
    )
    street = write(
        tmp_path / "2018-07-west-yorkshire-street.csv",
        [
            STREET_HEADER,
            street_row(location="On or near St Mary\u2019s Road"),
            street_row(location="On or near St Mary\u2019s Road"),
            burglary,
            burglary,  # a Crime ID given twice: the second copy is a duplicate
            street_row(location="On or near Ash Mount"),
        ],
        encoding="cp1252",
    )
    stop = (
        "Person search,2019-01-05T10:00:00+00:00,False,,53.59,-1.40,Male,18-24,"
        "White,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,"
        "Arrest \u2013 {n},False,False"
    )
    stops = write(
        tmp_path / "2019-01-west-yorkshire-stop-and-search.csv",
        [STOPS_HEADER, *(stop.format(n=n) for n in (1, 1, 2))],
        encoding="cp1252",
    )
    with monkeypatch.context() as old:  # as avert read it before: latin-1 throughout
        old.setattr(
            "avert.ingest._csv._text._single_byte",
            lambda data: (data.decode("latin-1"), "latin-1"),
        )
        assert _one(any_store, street)["loaded"] == 4  # of 5
        assert _one(any_store, stops)["loaded"] == 3
    stored = {t: any_store.read_frame(t).height for t in ("incidents", "stops")}
    assert "On or near St Mary\x92s Road" in set(
        any_store.read_frame("incidents")["location"]
    )
    for path, rows in ((street, 5), (stops, 3)):
        out = _one(any_store, path)
        assert (out["loaded"], out["duplicates"], out["quarantined"]) == (0, rows, 0)
    assert {t: any_store.read_frame(t).height for t in stored} == stored
    assert _quarantine(any_store).height == 0


def test_a_central_european_file_is_said_to_be_read_as_an_assumed_encoding(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A Windows-1250 file (Polish, Czech) has the bytes of cp1252 for other
    letters and cannot be told from one: "Łódź" reads as "£ódŸ". avert does not
    guess; its note said only 'read as Windows-1252', as if known. It now says
    the encoding is assumed and what to do."""
    path = write(
        tmp_path / "cp1250" / "2018-07-west-yorkshire-street.csv",
        [STREET_HEADER, street_row(CID1, location="On or near \u0141\u00f3d\u017a")],
        encoding="cp1250",
    )
    out = _one(sqlite_store, path)
    assert "the encoding is assumed: a Central European file, Windows-1250" in str(
        out["note"]
    )
    assert "save it as UTF-8" in str(out["note"])
    location = sqlite_store.read_frame("incidents")["location"].to_list()
    assert location == ["On or near \u00a3\u00f3d\u0178"]
    # as docs/formats.md says: its UTF-8 copy loaded with --replace-month
    # replaces the month's rows read wrongly
    copy = tmp_path / "utf8" / path.name
    copy.parent.mkdir()
    copy.write_bytes(path.read_bytes().decode("cp1250").encode("utf-8"))
    _one(sqlite_store, copy, replace_months=True)
    location = sqlite_store.read_frame("incidents")["location"].to_list()
    assert location == ["On or near \u0141\u00f3d\u017a"]


def test_a_cp1252_month_saved_again_as_utf8_replaces_its_month(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """docs/formats.md: a Windows-1252 file and its UTF-8 copy key their rows
    without ids differently (the cp1252 file as latin-1 reads it, for stores
    loaded before the cp1252 reading), so the copy re-loaded plainly stores the
    stops holding a dash twice; with --replace-month it replaces the month."""
    stop = (
        "Person search,2019-01-05T10:{n:02d}:00+00:00,False,,53.59,-1.40,Male,"
        "18-24,White,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,"
        "Arrest{dash}{n},False,False"
    )
    lines = [STOPS_HEADER]
    lines += [stop.format(n=n, dash=" \u2013 " if n < 10 else " ") for n in range(40)]
    name = "2019-01-west-yorkshire-stop-and-search.csv"
    cp1252 = write(tmp_path / "cp1252" / name, lines, encoding="cp1252")
    utf8 = write(tmp_path / "utf8" / name, lines)
    assert _one(sqlite_store, cp1252)["loaded"] == 40
    assert _one(sqlite_store, utf8)["loaded"] == 10  # the 10 with a dash, again
    assert sqlite_store.read_frame("stops").height == 50
    _one(sqlite_store, utf8, replace_months=True)
    assert sqlite_store.read_frame("stops").height == 40


def test_utf8_and_latin1_files_keep_the_keys_earlier_versions_gave() -> None:
    """Only a file read as Windows-1252 is keyed by its latin-1 reading: a UTF-8
    stop with a dash and a latin-1 one with an accent keep their keys (pinned as
    avert before the cp1252 re-keying gave them), so their re-loads add nothing."""
    stop = (
        "Person search,2019-01-05T10:00:00+00:00,False,,53.59,-1.40,Male,18-24,"
        "White,White,Misuse of Drugs Act 1971 (section 23),Controlled drugs,"
        "Arrest {} 1,False,False"
    )
    name = "2019-01-west-yorkshire-stop-and-search.csv"
    keys = {}
    for encoding, letter in (("utf-8", "\u2013"), ("latin-1", "\u00e9")):
        data = f"{STOPS_HEADER}\n{stop.format(letter)}\n".encode(encoding)
        parsed = parse_policeuk_bytes(data, name=name, basename=name)
        keys[encoding] = parsed.frames["stops"]["stop_id"].item()
    assert keys == {
        "utf-8": "pus-4b2fbdaabc7593bc07a4bec3fc4c11e3",
        "latin-1": "pus-cee90168fd1b154a26ca7aaaf3e7001c",
    }
