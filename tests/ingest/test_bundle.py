"""Bundle ingest (FORMATS.md v1): good bundle, bad bundles, references, idempotence."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

from avert.errors import IngestError
from avert.store import Store
from avert.workflows.load import load_files

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "bundle-example"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    """A writable copy of the example bundle."""
    return Path(shutil.copytree(EXAMPLE, tmp_path / "bundle"))


def _load(store: Store, path: Path, **kw: object) -> dict[str, dict[str, object]]:
    report = load_files(store, [path], kind="bundle", **kw)  # type: ignore[arg-type]
    assert all(f.balanced for f in report.files)
    return {Path(f.file).stem: f.as_dict() for f in report.files}


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_example_bundle_loads_everything(sqlite_store: Store) -> None:
    files = _load(sqlite_store, EXAMPLE)
    assert {k: v["loaded"] for k, v in files.items()} == {
        "people": 4,
        "incidents": 5,
        "involvements": 6,
        "relationships": 2,
        "groups": 1,
        "group_members": 2,
        "asb": 1,
        "stops": 2,
    }
    inc = sqlite_store.read_frame("incidents", order_by=("incident_id",))
    assert inc["source"].unique().to_list() == [
        "example RMS extract (invented records)"
    ]
    assert inc["has_location"].all()
    three = inc.row(2, named=True)  # given as x/y only: lat/lon filled in
    assert (three["x"], three["y"]) == (530000.0, 180000.0)
    assert 51.4 < three["lat"] < 51.6
    assert three["hate"] == "race;religion"
    assert inc.row(4, named=True)["time_precision"] == "day"
    assert sqlite_store.count("quarantine") == 0


def test_zip_and_parquet_bundles_give_the_same_rows(
    sqlite_store: Store, tmp_path: Path
) -> None:
    parquet = tmp_path / "pq"
    parquet.mkdir()
    shutil.copy(EXAMPLE / "manifest.json", parquet)
    for csv in EXAMPLE.glob("*.csv"):
        frame = pl.read_csv(csv, infer_schema_length=0)
        if csv.stem == "people":
            frame = frame.with_columns(
                pl.col("birth_year").cast(pl.Int64),
                (pl.col("vulnerable") == "true").alias("vulnerable"),
            )
        frame.write_parquet(parquet / f"{csv.stem}.parquet")
    archive = tmp_path / "b.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for f in parquet.iterdir():
            zf.write(f, f"extract/{f.name}")
    files = _load(sqlite_store, archive)
    assert files["incidents"]["loaded"] == 5
    assert files["people"]["loaded"] == 4
    people = sqlite_store.read_frame("people", order_by=("person_id",))
    assert people["birth_year"].to_list() == [2004, 1999, 2007, 1985]
    assert people["vulnerable"].to_list() == [False, True, False, None]
    # the CSV version of the same records: all duplicates
    again = _load(sqlite_store, EXAMPLE)
    assert sum(v["loaded"] for v in again.values()) == 0  # type: ignore[misc]


def test_missing_manifest(bundle: Path, sqlite_store: Store) -> None:
    (bundle / "manifest.json").unlink()
    with pytest.raises(IngestError, match=r"missing manifest\.json"):
        load_files(sqlite_store, [bundle], kind="bundle")


def test_unknown_version(bundle: Path, sqlite_store: Store) -> None:
    manifest = json.loads((bundle / "manifest.json").read_text())
    (bundle / "manifest.json").write_text(json.dumps(manifest | {"version": 2}))
    with pytest.raises(IngestError, match="unknown bundle version 2"):
        load_files(sqlite_store, [bundle], kind="bundle")


def test_a_version_of_true_is_not_version_1(bundle: Path, sqlite_store: Store) -> None:
    """``"version": true`` compared equal to 1 (Python's True == 1) and the bundle
    loaded as format v1; it is no version, and the load stops saying so. The
    number 1.0 is 1, and loads."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    (bundle / "manifest.json").write_text(json.dumps(manifest | {"version": True}))
    with pytest.raises(IngestError, match="unknown bundle version True"):
        load_files(sqlite_store, [bundle], kind="bundle")
    assert sqlite_store.read_frame("incidents").height == 0
    (bundle / "manifest.json").write_text(json.dumps(manifest | {"version": 1.0}))
    load_files(sqlite_store, [bundle], kind="bundle")
    assert sqlite_store.read_frame("incidents").height > 0


def test_an_unknown_manifest_crs_stops_the_load(
    bundle: Path, sqlite_store: Store
) -> None:
    """A manifest crs pyproj does not know refused every table with coordinates
    one by one (each 'not read') while people and groups loaded and every
    involvement was quarantined; it is a whole-bundle error, nothing written."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    (bundle / "manifest.json").write_text(json.dumps(manifest | {"crs": "EPSG:99999"}))
    with pytest.raises(IngestError, match="manifest crs 'EPSG:99999' is not a"):
        load_files(sqlite_store, [bundle], kind="bundle")
    assert sum(sqlite_store.counts().values()) == 0


def test_missing_incidents_and_missing_required_column(
    bundle: Path, sqlite_store: Store
) -> None:
    _rewrite(
        bundle / "involvements.csv",
        "incident_id,person_id,role",
        "incident_id,person_id,rol",
    )
    with pytest.raises(IngestError, match=r"required column\(s\) \['role'\]"):
        load_files(sqlite_store, [bundle], kind="bundle")
    assert sqlite_store.count("incidents") == 0  # one transaction: nothing half-loaded
    (bundle / "incidents.csv").unlink()
    with pytest.raises(IngestError, match="no incidents"):
        load_files(sqlite_store, [bundle], kind="bundle")


def test_wrong_enum_is_quarantined_with_column(
    bundle: Path, sqlite_store: Store
) -> None:
    _rewrite(bundle / "involvements.csv", "INC-2,P-3,victim", "INC-2,P-3,bystander")
    _rewrite(
        bundle / "incidents.csv",
        "false,none,,false,minor",
        "false,machete,,false,minor",
    )
    files = _load(sqlite_store, bundle)
    assert files["involvements"]["quarantined"] == 1
    assert files["incidents"]["quarantined"] == 1
    q = sqlite_store.read_frame("quarantine", order_by=("target_table",))
    assert q["column"].to_list() == ["weapon", "role"]
    assert "machete" in q["reason"][0]
    assert "bystander" in q["reason"][1]


def test_bad_types_and_required_values(bundle: Path, sqlite_store: Store) -> None:
    _rewrite(bundle / "people.csv", "P-2,1999", "P-2,nineteen")
    _rewrite(bundle / "incidents.csv", "2026-10-02T01:40:00", "not-a-date")
    _rewrite(bundle / "incidents.csv", "INC-4,,Public order", "INC-4,,")
    files = _load(sqlite_store, bundle)
    assert files["people"]["quarantined"] == 1
    assert files["incidents"]["quarantined"] == 2
    reasons = sqlite_store.read_frame("quarantine")["reason"].to_list()
    assert any("not a int: nineteen" in r for r in reasons)
    assert any("neither offence_code nor crime_type" in r for r in reasons)


def test_dangling_references_are_quarantined_not_half_loaded(
    bundle: Path, sqlite_store: Store
) -> None:
    with (bundle / "involvements.csv").open("a") as f:
        f.write("INC-404,P-1,victim\nINC-1,P-404,witness\n")
    # INC-2 rejected (bad month) -> its involvement must be rejected too
    _rewrite(bundle / "incidents.csv", "2026-10-02T01:40:00", "bad")
    files = _load(sqlite_store, bundle)
    assert files["involvements"]["quarantined"] == 3
    assert files["involvements"]["loaded"] == 5
    q = sqlite_store.read_frame("quarantine").filter(
        pl.col("target_table") == "involvements"
    )
    assert sorted(q["column"].to_list()) == ["incident_id", "incident_id", "person_id"]
    assert any("INC-404 not found in incidents" in r for r in q["reason"].to_list())
    # INC-2 is in the bundle, but rejected: the reason must not say it is absent
    (inc2,) = [r for r in q["reason"].to_list() if "INC-2 " in r]
    assert "neither in this bundle" not in inc2
    assert "rejected" in inc2
    stored = sqlite_store.read_frame("involvements")
    assert "INC-404" not in stored["incident_id"].to_list()


def test_references_to_stored_rows_are_accepted(
    bundle: Path, sqlite_store: Store, tmp_path: Path
) -> None:
    _load(sqlite_store, EXAMPLE)
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(EXAMPLE / "manifest.json", extra)
    (extra / "incidents.csv").write_text(
        "incident_id,crime_type,occurred_at,lat,lon\nINC-9,Robbery,2026-11-01T10:00:00,51.5,-0.1\n"
    )
    (extra / "involvements.csv").write_text(
        "incident_id,person_id,role\nINC-9,P-1,victim\n"
    )
    files = _load(sqlite_store, extra)
    assert files["involvements"]["loaded"] == 1


_INTEL = (
    "intel_id,recorded_at,subject_type,subject_id,grading,topic\n"
    "N-1,2026-10-01T10:00:00,person,P-1,B2,weapon\n"
    "N-2,2026-10-01T10:00:00,person,P-404,B2,weapon\n"
    "N-3,2026-10-01T10:00:00,group,G-1,B2,conflict\n"
    'N-4,2026-10-01T10:00:00,place,"51.5,-0.1",B2,drugs\n'
    "N-5,2026-10-01T10:00:00,place,Hackney Road,B2,drugs\n"
    'N-6,2026-10-01T10:00:00,place,"95,-0.1",B2,drugs\n'
)


def test_caller_stop_and_intelligence_references_are_checked(
    bundle: Path, sqlite_store: Store
) -> None:
    """caller_id, a stop's person_id and a person subject name people (FORMATS.md),
    checked as involvements are; a place subject must be a valid lat,lon."""
    with (bundle / "asb.csv").open("a") as f:
        f.write("A-2,2026-10-04T21:00:00,personal,51.5,-0.1,P-404,true\n")
    with (bundle / "stops.csv").open("a") as f:
        f.write("S-3,2026-10-02T11:30:00,,,,,,18-24,M,,White,P-404\n")
    (bundle / "intelligence.csv").write_text(_INTEL)
    files = _load(sqlite_store, bundle)
    assert (files["asb"]["loaded"], files["asb"]["quarantined"]) == (1, 1)
    assert (files["stops"]["loaded"], files["stops"]["quarantined"]) == (2, 1)
    assert (files["intelligence"]["loaded"], files["intelligence"]["quarantined"]) == (
        3,
        3,
    )
    q = sqlite_store.read_frame("quarantine", order_by=("target_table", "line"))
    got = {
        (r["target_table"], r["line"], r["column"]): r["reason"] for r in q.to_dicts()
    }
    assert got[("asb", 3, "caller_id")].startswith(
        "caller_id P-404 not found in people (not stored"
    )
    assert got[("stops", 4, "person_id")].startswith("person_id P-404 not found in")
    assert got[("intelligence", 3, "subject_id")].startswith(
        "subject_id P-404 not found in people"
    )
    assert got[("intelligence", 6, "subject_id")] == (
        "a place subject_id must be 'lat,lon' (WGS84): Hackney Road"
    )
    assert got[("intelligence", 7, "subject_id")].startswith(
        "place subject_id 95,-0.1: latitude out of range"
    )
    assert all("raw" in r and r["raw"] for r in q.to_dicts())  # nothing lost
    intel = sqlite_store.read_frame("intelligence", order_by=("intel_id",))
    assert intel["intel_id"].to_list() == ["N-1", "N-3", "N-4"]
    # a re-load adds nothing, and quarantines nothing again
    counts = sqlite_store.counts()
    again = _load(sqlite_store, bundle)
    assert sum(int(v["loaded"]) for v in again.values()) == 0  # type: ignore[call-overload]
    assert sqlite_store.counts() == counts


def test_caller_and_subject_may_name_stored_people(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _load(sqlite_store, EXAMPLE)
    extra = tmp_path / "extra"
    extra.mkdir()
    shutil.copy(EXAMPLE / "manifest.json", extra)
    shutil.copy(EXAMPLE / "incidents.csv", extra)
    (extra / "asb.csv").write_text(
        "asb_id,occurred_at,caller_id\nA-9,2026-11-01T10:00:00,P-2\n"
    )
    (extra / "stops.csv").write_text(
        "stop_id,occurred_at,person_id\nS-9,2026-11-01T10:00:00,P-4\n"
    )
    (extra / "intelligence.csv").write_text(
        "intel_id,recorded_at,subject_type,subject_id\n"
        "N-9,2026-11-01T10:00:00,person,P-3\n"
    )
    files = _load(sqlite_store, extra)
    assert [files[t]["loaded"] for t in ("asb", "stops", "intelligence")] == [1, 1, 1]
    assert sqlite_store.count("quarantine") == 0


def test_duplicate_ids_keep_first_and_report(bundle: Path, sqlite_store: Store) -> None:
    with (bundle / "people.csv").open("a") as f:
        f.write("P-1,2004,M,Black,false\nP-1,2005,M,Black,false\n")
    files = _load(sqlite_store, bundle)
    assert (files["people"]["loaded"], files["people"]["duplicates"]) == (4, 2)
    assert files["people"]["conflicts"] == 1
    q = sqlite_store.read_frame("quarantine").row(0, named=True)
    assert (q["kind"], q["line"], q["column"]) == ("duplicate", 7, "birth_year")


def test_reload_is_idempotent(bundle: Path, sqlite_store: Store) -> None:
    _rewrite(bundle / "people.csv", "P-2,1999,M", "P-2,1999,Q")
    _load(sqlite_store, bundle)
    counts = sqlite_store.counts()
    files = _load(sqlite_store, bundle)
    assert sum(int(v["loaded"]) for v in files.values()) == 0  # type: ignore[call-overload]
    assert sqlite_store.counts() == counts


def test_strict_bundle_fails_on_rejection(bundle: Path, sqlite_store: Store) -> None:
    _rewrite(bundle / "involvements.csv", "INC-2,P-3,victim", "INC-2,P-3,bystander")
    with pytest.raises(IngestError, match="strict"):
        load_files(sqlite_store, [bundle], kind="bundle", strict=True)
    assert sum(sqlite_store.counts().values()) == 0


def test_unknown_extra_columns_are_kept_as_is(
    bundle: Path, sqlite_store: Store
) -> None:
    """FORMATS.md: "Unknown extra columns are kept as-is and ignored by analyses"
    (they were dropped): each row keeps them in ``extra``, a JSON object of their
    text; rows of a table without them have none; a reload adds nothing."""
    path = bundle / "people.csv"
    lines = path.read_text().splitlines()
    lines[0] += ",force_ref,Note"
    lines[1] += ',PR-0001,"has a comma, and ""quotes"""'
    lines[2:] = [line + ",," for line in lines[2:]]
    path.write_text("\n".join(lines) + "\n")
    _load(sqlite_store, bundle)
    people = sqlite_store.read_frame("people", order_by=("person_id",))
    extra = [None if e is None else json.loads(e) for e in people["extra"]]
    assert extra[0] == {"force_ref": "PR-0001", "Note": 'has a comma, and "quotes"'}
    assert extra[1] == {"force_ref": None, "Note": None}
    assert sqlite_store.read_frame("incidents")["extra"].is_null().all()
    counts = sqlite_store.counts()
    again = _load(sqlite_store, bundle)
    assert sum(int(v["loaded"]) for v in again.values()) == 0  # type: ignore[call-overload]
    assert sqlite_store.counts() == counts


def test_a_bundle_with_more_than_16384_involvements_loads(
    bundle: Path, sqlite_store: Store
) -> None:
    # polars evaluates a literal predicate such as lit(True).fill_null(False) to a
    # wrong length on frames of 16,384 rows or more ("filter predicate length of 2"),
    # which stopped every force-sized bundle at the reference checks
    n = 17_000
    extra = pl.DataFrame({"person_id": [f"PX{i:05d}" for i in range(n)]})
    people = pl.read_csv(bundle / "people.csv", infer_schema=False)
    pl.concat([people, extra], how="diagonal").write_csv(bundle / "people.csv")
    involvements = pl.read_csv(bundle / "involvements.csv", infer_schema=False)
    pl.concat(
        [
            involvements,
            pl.DataFrame(
                {
                    "incident_id": ["INC-1"] * n,
                    "person_id": extra["person_id"],
                    "role": ["witness"] * n,
                }
            ),
        ],
        how="diagonal",
    ).write_csv(bundle / "involvements.csv")
    files = _load(sqlite_store, bundle)
    assert files["involvements"]["loaded"] == 6 + n
    assert files["involvements"]["quarantined"] == 0


def test_a_file_without_an_optional_reference_column_loads(
    bundle: Path, sqlite_store: Store
) -> None:
    # stops.csv may leave out person_id (most searches name no one): the reference
    # check crashed on the missing column (found by test_property's corruption)
    stops = pl.read_csv(bundle / "stops.csv", infer_schema=False)
    stops.drop("person_id").write_csv(bundle / "stops.csv")
    files = _load(sqlite_store, bundle)
    assert (files["stops"]["loaded"], files["stops"]["quarantined"]) == (2, 0)


def test_empty_strings_in_parquet_and_blank_csv_cells_are_missing(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """FORMATS.md "empty cell = missing": a Parquet empty string (as pandas or
    polars write a CSV's blanks) and a CSV cell of spaces are not values. They
    were stored as '' and, in a reference column, looked up: a stop with an empty
    person_id was rejected as naming an unknown person."""
    folder = tmp_path / "pq"
    shutil.copytree(EXAMPLE, folder)
    for name in ("incidents", "stops"):
        csv = folder / f"{name}.csv"
        frame = pl.read_csv(csv, infer_schema_length=0).fill_null("")
        frame.write_parquet(folder / f"{name}.parquet")
        csv.unlink()
    _rewrite(folder / "asb.csv", ",P-3,true", ",  ,true")
    files = _load(sqlite_store, folder)
    assert files["stops"]["loaded"] == 2
    assert files["asb"]["loaded"] == 1
    assert sqlite_store.count("quarantine") == 0
    stops = sqlite_store.read_frame("stops", order_by=("stop_id",))
    assert stops["person_id"].to_list() == ["P-1", None]
    assert stops["ethnicity"].to_list() == ["Black", None]
    inc = sqlite_store.read_frame("incidents", order_by=("incident_id",))
    assert inc["outcome"].null_count() == 2
    assert inc["hate"].null_count() == 4
    assert sqlite_store.read_frame("asb")["caller_id"].to_list() == [None]


def test_a_parquet_column_of_lists_refuses_its_file_naming_the_column(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A bundle cell holds one value: a list column (``hate`` as a list of strands)
    refuses its file, naming the column and the text to write, and the other
    tables load (it was refused with Polars' raw cast error)."""
    folder = tmp_path / "pq"
    shutil.copytree(EXAMPLE, folder)
    csv = folder / "stops.csv"
    frame = pl.read_csv(csv, infer_schema_length=0)
    frame.with_columns(pl.col("ethnicity").str.split(" ")).write_parquet(
        folder / "stops.parquet"
    )
    csv.unlink()
    files = _load(sqlite_store, folder)
    assert files["incidents"]["loaded"] == 5
    assert files["stops"]["loaded"] == 0
    (reason,) = sqlite_store.read_frame("quarantine")["reason"].to_list()
    assert reason.startswith(
        "not read: column 'ethnicity' holds lists (List(String)), but a bundle cell "
        "holds one value (FORMATS.md)"
    ), reason


def test_a_header_naming_a_column_twice_refuses_its_file(
    bundle: Path, sqlite_store: Store
) -> None:
    """Two ``ethnicity`` columns: which is meant is unknown, so the file is refused
    with the reason and the other tables load (the first copy was used and the
    second kept as ``ethnicity_2``). A repeated extra column is no such question."""
    text = (bundle / "stops.csv").read_text().splitlines()
    rows = [f"{line},{line.split(',')[-1]}" for line in text]
    rows[0] = f"{text[0]},ethnicity"
    (bundle / "stops.csv").write_text("\n".join(rows) + "\n")
    inc = (bundle / "incidents.csv").read_text().splitlines()
    (bundle / "incidents.csv").write_text(
        "\n".join([f"{inc[0]},note,note"] + [f"{r},a,b" for r in inc[1:]]) + "\n"
    )
    files = _load(sqlite_store, bundle)
    assert files["stops"]["loaded"] == 0
    assert files["incidents"]["loaded"] == len(inc) - 1
    (reason,) = sqlite_store.read_frame("quarantine")["reason"].to_list()
    assert reason == (
        "not read: the header names ethnicity more than once: which column is "
        "meant is unknown, so the file is not read"
    )


def test_a_date_with_trailing_text_is_not_a_date(
    bundle: Path, sqlite_store: Store
) -> None:
    """An ISO date is the date (or the date of a whole date-time): its first ten
    characters were read and the rest dropped, so `2025-01-01junk` loaded."""
    _rewrite(bundle / "relationships.csv", "2025-01-01,", "2025-01-01junk,")
    _rewrite(bundle / "group_members.csv", "2025-06-01", "2025-06-01T00:00:00")
    files = _load(sqlite_store, bundle)
    assert files["relationships"]["quarantined"] == 1
    assert files["group_members"]["quarantined"] == 0
    (reason,) = sqlite_store.read_frame("quarantine")["reason"].to_list()
    assert reason == "not a date: 2025-01-01junk"
    since = sqlite_store.read_frame("group_members")["since"].drop_nulls()
    assert [str(d) for d in since] == ["2025-06-01"]


def test_a_different_outcome_of_a_repeated_incident_is_a_conflict(
    bundle: Path, sqlite_store: Store
) -> None:
    """A later extract (or a repeated row) giving an incident another outcome was
    counted as an identical duplicate and its outcome dropped unreported: only
    police.uk outcomes (replaced from the outcomes table) are not compared."""
    _load(sqlite_store, bundle)
    kept = sqlite_store.read_frame("incidents").filter(
        pl.col("incident_id") == "INC-1"
    )["outcome"][0]
    text = (bundle / "incidents.csv").read_text().splitlines()
    row = next(i for i, line in enumerate(text) if line.startswith("INC-1,"))
    header = text[0].split(",")
    cells = text[row].split(",")
    cells[header.index("outcome")] = "Local resolution"
    later = bundle.parent / "later"
    later.mkdir()
    shutil.copy(bundle / "manifest.json", later)
    (later / "incidents.csv").write_text(f"{text[0]}\n{','.join(cells)}\n")
    files = _load(sqlite_store, later)
    assert (files["incidents"]["duplicates"], files["incidents"]["conflicts"]) == (
        1,
        1,
    )
    q = sqlite_store.read_frame("quarantine").row(0, named=True)
    assert (q["kind"], q["column"]) == ("duplicate", "outcome")
    assert q["reason"].endswith(
        f"outcome: Local resolution (kept: {kept or '<blank>'})"
    )


@pytest.mark.parametrize("content", [b"", b"\r\n\n", b"\xef\xbb\xbf"])
def test_an_empty_table_file_is_named_empty(
    bundle: Path, sqlite_store: Store, content: bytes
) -> None:
    """An empty people.csv stopped the load with "required column(s) ['person_id']
    missing from the header", as if a header were there without that column."""
    (bundle / "people.csv").write_bytes(content)
    with pytest.raises(IngestError, match=r"people\.csv: empty file \(no header row\)"):
        load_files(sqlite_store, [bundle], kind="bundle")
    assert sum(sqlite_store.counts().values()) == 0


def test_a_relationship_ending_before_it_begins_is_quarantined(
    bundle: Path, sqlite_store: Store
) -> None:
    """valid_from after valid_to loaded silently, and families as of any date
    dropped the tie unseen (never current); the row is rejected, naming both."""
    (bundle / "relationships.csv").write_text(
        "person_a,person_b,kind,valid_from,valid_to\n"
        "P-1,P-2,partner,2025-06-01,2024-06-01\n"
        "P-1,P-3,partner,2024-06-01,2024-06-01\n"
    )
    files = _load(sqlite_store, bundle)
    assert (
        files["relationships"]["loaded"],
        files["relationships"]["quarantined"],
    ) == (
        1,
        1,
    )
    q = sqlite_store.read_frame("quarantine").row(0, named=True)
    assert (q["line"], q["column"], q["reason"]) == (
        2,
        "valid_to",
        "valid_to 2024-06-01 is before valid_from 2025-06-01",
    )


def test_a_moved_xy_incident_names_x_in_its_conflict(
    bundle: Path, sqlite_store: Store
) -> None:
    """A bundle giving x/y (no lat/lon) whose later extract moves the place 10 m
    east was reported as 'lat: 51.50399... (kept: 51.50399...); lon: ...': only
    the lat/lon computed from it, never the x the file changed."""
    _load(sqlite_store, bundle)
    text = (bundle / "incidents.csv").read_text().splitlines()
    row = next(line for line in text if line.startswith("INC-3,"))
    assert ",530000.0,180000.0," in row
    later = bundle.parent / "later"
    later.mkdir()
    shutil.copy(bundle / "manifest.json", later)
    (later / "incidents.csv").write_text(
        f"{text[0]}\n{row.replace(',530000.0,', ',530010.0,')}\n"
    )
    files = _load(sqlite_store, later)
    assert files["incidents"]["conflicts"] == 1
    q = sqlite_store.read_frame("quarantine").row(0, named=True)
    assert q["column"].split(",") == ["lat", "lon", "x"]
    assert "x: 530010.0 (kept: 530000.0)" in q["reason"]


def test_a_birth_year_written_by_pandas_as_a_float_is_a_year(
    bundle: Path, sqlite_store: Store
) -> None:
    """pandas writes an int column with a gap as floats (``1990.0``, in CSV and
    Parquet): each such person was rejected ('not a int: 1990.0'), and with them
    every involvement, relationship and membership naming them."""
    (bundle / "people.csv").unlink()
    pl.DataFrame(
        {"person_id": ["P-1", "P-2", "P-3"], "birth_year": [2004.0, None, 2007.0]}
    ).write_parquet(bundle / "people.parquet")
    files = _load(sqlite_store, bundle)
    assert (files["people"]["loaded"], files["people"]["quarantined"]) == (3, 0)
    years = sqlite_store.read_frame("people").sort("person_id")["birth_year"]
    assert years.to_list() == [2004, None, 2007]


@pytest.mark.parametrize(("text", "year"), [("1990.0", 1990), ("1990.5", None)])
def test_a_whole_float_birth_year_in_csv_reads_and_a_fraction_does_not(
    bundle: Path, sqlite_store: Store, text: str, year: int | None
) -> None:
    _rewrite(bundle / "people.csv", "P-2,1999,", f"P-2,{text},")
    files = _load(sqlite_store, bundle)
    assert files["people"]["quarantined"] == (year is None)
    if year is not None:
        got = sqlite_store.read_frame("people").filter(pl.col("person_id") == "P-2")
        assert got["birth_year"][0] == year


def _quarantined(store: Store, table: str) -> dict[str, object]:
    """The one quarantined row of ``table``'s file (the example bundle quarantines
    rows of other files on purpose)."""
    rows = store.read_frame("quarantine").filter(pl.col("target_table") == table)
    assert rows.height == 1, rows
    return rows.row(0, named=True)


def test_lat_lon_and_x_y_that_disagree_are_quarantined(
    bundle: Path, sqlite_store: Store
) -> None:
    """A row giving both pairs was placed by its lat/lon and its x/y dropped unseen,
    even 5 km away: which place is meant is unknown, so the row is rejected. Pairs
    within the tolerance (rounding) load."""
    inc = bundle / "incidents.csv"
    # INC-1 51.5145,-0.0742 is about (533,728, 181,266) in British National Grid
    _rewrite(inc, "51.5145,-0.0742,,", "51.5145,-0.0742,533740,181250")
    # INC-2 51.5101,-0.1340: x/y 4.9 km east
    _rewrite(inc, "51.5101,-0.1340,,", "51.5101,-0.1340,534500,180600")
    files = _load(sqlite_store, bundle)
    assert files["incidents"]["quarantined"] == 1
    q = _quarantined(sqlite_store, "incidents")
    assert (q["line"], q["column"]) == (3, "x")
    assert q["reason"].startswith("x/y 534500, 180600 lie 4910 m from")
    # 50 m and the rounding of x/y to 100 m (71 m) and lat/lon to 4 decimals (7 m)
    assert "m from lat/lon 51.5101, -0.1340 (more than 127 m: 50 m and" in q["reason"]
    stored = sqlite_store.read_frame("incidents")["incident_id"].to_list()
    assert "INC-1" in stored
    assert "INC-2" not in stored


def test_lat_lon_and_x_y_apart_by_their_own_rounding_load(
    bundle: Path, sqlite_store: Store
) -> None:
    """x/y to 100 m (a six-figure grid reference) lie up to 71 m from the exact
    lat/lon, lat/lon to 3 decimals up to 66 m from x/y to the metre: a fixed 50 m
    quarantined about a fifth of such rows, each naming one place. The allowance
    now adds the rounding the values' own digits allow; pairs written to the metre
    and 6 decimals are still held to about 50 m."""
    inc = bundle / "incidents.csv"
    # 66 m apart: x/y rounded to 100 m from the place 51.464117, -0.08324
    _rewrite(inc, "51.5145,-0.0742,,", "51.464117,-0.08324,533200,175600")
    # 66 m apart: lat/lon rounded to 3 decimals from the place 537333, 180695
    _rewrite(inc, "51.5101,-0.1340,,", "51.508,-0.023,537333,180695")
    # 60 m apart, both pairs to the metre and 6 decimals: not rounding
    _rewrite(inc, "51.4613,-0.1156,,", "51.464117,-0.08324,533307,175647")
    files = _load(sqlite_store, bundle)
    assert files["incidents"]["quarantined"] == 1
    q = _quarantined(sqlite_store, "incidents")
    assert (q["line"], q["column"]) == (5, "x")
    assert q["reason"].startswith("x/y 533307, 175647 lie 60 m from lat/lon")
    stored = sqlite_store.read_frame("incidents")["incident_id"].to_list()
    assert {"INC-1", "INC-2"} <= set(stored)
    assert "INC-4" not in stored


def test_x_y_without_a_manifest_crs_are_not_guessed(
    bundle: Path, sqlite_store: Store
) -> None:
    """FORMATS.md: the manifest's crs names the projection of x/y. Without it, x/y
    were read as EPSG:27700 silently (Irish Grid x/y of Belfast land in Cheshire).
    A row placed by x/y alone is quarantined; one with lat/lon is placed by them,
    its x/y not compared with a guessed projection."""
    manifest = json.loads((bundle / "manifest.json").read_text())
    del manifest["crs"]
    (bundle / "manifest.json").write_text(json.dumps(manifest))
    # Belfast City Hall: Irish Grid 333900, 374200; lat/lon 54.5964, -5.9301
    _rewrite(
        bundle / "incidents.csv", "51.5145,-0.0742,,", "54.5964,-5.9301,333900,374200"
    )
    files = _load(sqlite_store, bundle)
    assert files["incidents"]["quarantined"] == 1
    q = _quarantined(sqlite_store, "incidents")
    assert (q["line"], q["column"]) == (4, "x")  # INC-3, x/y alone
    assert "manifest.json names no crs" in q["reason"]
    stored = sqlite_store.read_frame("incidents")["incident_id"].to_list()
    assert "INC-1" in stored
    assert "INC-3" not in stored


def test_an_incident_window_ending_before_it_begins_is_quarantined(
    bundle: Path, sqlite_store: Store
) -> None:
    """occurred_to before occurred_at loaded, a window of negative length; FORMATS.md
    makes occurred_at the start and occurred_to the end, so the row is rejected.
    An end given as a date alone is its midnight, as stored: 22:15 to that date is
    rejected too."""
    inc = bundle / "incidents.csv"
    _rewrite(
        inc,
        "2026-10-02T01:40:00,2026-10-02T02:10:00",
        "2026-10-02T01:40:00,2026-10-02T01:10:00",
    )
    _rewrite(inc, "2026-10-01T22:15:00,,", "2026-10-01T22:15:00,2026-10-01,")
    # a window of no length is a moment: kept
    _rewrite(inc, "2026-10-04T12:00:00,,", "2026-10-04T12:00:00,2026-10-04T12:00,")
    files = _load(sqlite_store, bundle)
    assert files["incidents"]["quarantined"] == 2
    q = (
        sqlite_store.read_frame("quarantine")
        .filter(pl.col("target_table") == "incidents")
        .sort("line")
    )
    assert q.select("line", "column", "reason").rows() == [
        (
            2,
            "occurred_to",
            "occurred_to 2026-10-01 is before occurred_at 2026-10-01T22:15:00",
        ),
        (
            3,
            "occurred_to",
            "occurred_to 2026-10-02T01:10:00 is before occurred_at 2026-10-02T01:40:00",
        ),
    ]
    assert "INC-4" in sqlite_store.read_frame("incidents")["incident_id"].to_list()


def test_lat_lon_with_spaces_around_load(bundle: Path, sqlite_store: Store) -> None:
    """ " 51.5145 " was "not a number" as a latitude, while x/y and every other
    number with spaces around it were read as that number."""
    _rewrite(bundle / "incidents.csv", "51.5145,-0.0742,,", '" 51.5145 "," -0.0742 ",,')
    files = _load(sqlite_store, bundle)
    assert files["incidents"]["quarantined"] == 0
    got = sqlite_store.read_frame("incidents").filter(pl.col("incident_id") == "INC-1")
    assert (got["lat"][0], got["lon"][0]) == (51.5145, -0.0742)


def test_half_an_x_y_pair_is_quarantined_as_half_a_lat_lon_pair_is(
    bundle: Path, sqlite_store: Store
) -> None:
    """A row with lat/lon and x given but y empty loaded silently (its x dropped
    unread, never compared with the lat/lon), and an asb row with x alone loaded
    with no place at all. FORMATS.md gives places in pairs; half a lat/lon pair
    was already quarantined, so half an x/y pair is too, naming the missing half."""
    inc = bundle / "incidents.csv"
    _rewrite(inc, "51.5145,-0.0742,,", "51.5145,-0.0742,533740,")  # INC-1: no y
    asb = bundle / "asb.csv"
    asb.write_text(
        "asb_id,occurred_at,category,lat,lon,x,y,caller_id,vulnerable_caller\n"
        "A-1,2026-10-03T21:00:00,personal,51.5000,-0.1000,,,P-3,true\n"
        "A-2,2026-10-03T22:00:00,nuisance,,,,181000,,\n"
    )
    files = _load(sqlite_store, bundle)
    assert files["incidents"]["quarantined"] == 1
    q = _quarantined(sqlite_store, "incidents")
    assert (q["line"], q["column"], q["reason"]) == (2, "y", "y missing but x given")
    assert files["asb"]["quarantined"] == 1
    q = _quarantined(sqlite_store, "asb")
    assert (q["line"], q["column"], q["reason"]) == (3, "x", "x missing but y given")
    assert sqlite_store.read_frame("asb")["asb_id"].to_list() == ["A-1"]


def test_a_table_file_not_in_utf8_is_read_and_says_so(
    bundle: Path, sqlite_store: Store
) -> None:
    """FORMATS.md asks for UTF-8; a groups file saved by Excel on Windows
    (cp1252) loaded with no word of it, its curly apostrophe stored as the
    control character U+0092. It is read as cp1252, and the file's report says
    which encoding was read."""
    (bundle / "groups.csv").write_bytes(
        "group_id,name\nG-1,O\u2019Brien crew\n".encode("cp1252")
    )
    files = _load(sqlite_store, bundle)
    assert files["groups"]["loaded"] == 1
    assert "read as Windows-1252 (cp1252), not UTF-8" in str(files["groups"]["note"])
    assert "note" not in files["incidents"]
    names = sqlite_store.read_frame("groups")["name"].to_list()
    assert names == ["O\u2019Brien crew"]


def test_names_and_texts_are_stored_composed_and_ids_as_given(
    bundle: Path, sqlite_store: Store
) -> None:
    """A name or text written with its accents apart (NFD: "Zoe" + U+0308) and
    the same composed (NFC) were stored as two different strings, so a reload
    in the other form was a conflict and a name matched nothing. Texts are now
    stored composed; an id is a key other files name exactly, and is kept as
    written."""
    nfd = "Zoe\u0308"
    _rewrite(
        bundle / "incidents.csv", "INC-4,,Public order", f"INC-{nfd},,Public order"
    )
    _rewrite(bundle / "incidents.csv", "Aldgate", f"{nfd} Ward")
    (bundle / "groups.csv").write_text(f"group_id,name\nG-1,{nfd} crew\n")
    _load(sqlite_store, bundle)
    incidents = sqlite_store.read_frame("incidents")
    assert f"INC-{nfd}" in incidents["incident_id"].to_list()
    assert "Zo\u00eb Ward" in incidents["ward"].to_list()
    assert sqlite_store.read_frame("groups")["name"].to_list() == ["Zo\u00eb crew"]


def test_a_bundle_stored_decomposed_before_reloads_adding_nothing(
    bundle: Path, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until December 2026 a bundle's texts were stored as written; a name or a
    ward written decomposed (NFD: "Zoe" + U+0308) is now stored composed, so a
    re-load of the same bundle quarantined each such row as a conflicting
    duplicate of its stored self. Its ids are as given either way: nothing is
    taken twice, and now nothing is quarantined either."""
    nfd = "Zoe\u0308"
    _rewrite(bundle / "incidents.csv", "Aldgate", f"{nfd} Ward")
    (bundle / "groups.csv").write_text(f"group_id,name\nG-1,{nfd} crew\n")
    with monkeypatch.context() as old:  # as avert stored it before: as written
        old.setattr("avert.ingest.bundle._is_id", lambda column: True)
        first = _load(sqlite_store, bundle)
    assert sqlite_store.read_frame("groups")["name"].to_list() == [f"{nfd} crew"]
    files = _load(sqlite_store, bundle)
    for name, counts in files.items():
        assert counts["loaded"] == 0, name
        assert counts["duplicates"] == first[name]["loaded"], name
        assert counts["quarantined"] == 0, name
    assert sqlite_store.read_frame("quarantine").height == 0


def test_an_id_rewritten_composed_is_a_revision_not_an_old_reading(
    bundle: Path, any_store: Store
) -> None:
    """Ids are kept as written: "P-Zoe" + U+0308 and "P-Zoë" are two people. A
    re-load was forgiven a stored text that differs only in its accents' form
    (texts stored decomposed before they were composed), and the forgiveness
    reached ids too: a stop re-attributed from one of the two people to the other
    was counted a plain duplicate, still stored against the first, without a
    word. It is a conflicting duplicate, named as such."""
    nfd, nfc = "P-Zoe\u0308", "P-Zo\u00eb"
    people = bundle / "people.csv"
    people.write_text(
        people.read_text() + f"{nfd},2001,F,White,false\n{nfc},2002,F,White,false\n"
    )
    stops = bundle / "stops.csv"
    _rewrite(stops, ",Black,Black,P-1", f",Black,Black,{nfd}")
    _load(any_store, bundle)
    _rewrite(stops, f",Black,Black,{nfd}", f",Black,Black,{nfc}")
    files = _load(any_store, bundle)
    assert files["stops"]["loaded"] == 0
    quarantine = any_store.read_frame("quarantine")
    assert quarantine.filter(pl.col("target_table") == "stops")["column"].to_list() == [
        "person_id"
    ]


def test_a_rejected_row_s_raw_text_reads_back_as_its_fields(
    bundle: Path, sqlite_store: Store
) -> None:
    """A quarantined row's ``raw`` is how the user sees the row to correct it. Its
    fields were joined by bare commas, so a quoted field holding a comma, a quote
    or a line break (``"Charged, on bail"``) read back as more fields than the
    header has. ``raw`` is now the row as one CSV line, quoted as RFC 4180 quotes
    it, and reads back as the row's own fields."""
    inc = bundle / "incidents.csv"
    _rewrite(
        inc,
        ",knife,,true,serious,Charged",
        ',Knife,,true,serious,"Charged, ""on"" bail"',
    )
    _load(sqlite_store, bundle)
    q = sqlite_store.read_frame("quarantine").filter(
        pl.col("source_file").str.ends_with("incidents.csv")
    )
    assert q["reason"].to_list() == ["not one of none|knife|firearm|other: Knife"]
    raw = q["raw"][0]
    header = inc.read_text().splitlines()[0]
    back = pl.read_csv(f"{header}\n{raw}\n".encode(), infer_schema_length=0)
    assert back.width == len(header.split(","))
    row = back.row(0, named=True)
    assert row["incident_id"] == "INC-1"
    assert row["outcome"] == 'Charged, "on" bail'
    assert row["weapon"] == "Knife"


def test_a_row_rejected_by_a_reference_check_reads_back_as_its_fields(
    bundle: Path, sqlite_store: Store
) -> None:
    """A row rejected after mapping (a person not found, a key too long) or kept
    as a duplicate with other fields still had its fields joined by bare commas,
    so a stop's ``"Firearms, ammunition"`` read back as two fields. It is one CSV
    line now, like a row the format's checks reject."""
    with (bundle / "stops.csv").open("a") as f:
        f.write(
            "S-3,2026-10-02T11:30:00,,,Firearms Act 1968 (section 47),"
            '"Firearms, ammunition",Arrest,18-24,M,,White,P-404\n'
        )
    _load(sqlite_store, bundle)
    q = sqlite_store.read_frame("quarantine")
    assert q["reason"][0].startswith("person_id P-404 not found in people")
    back = pl.read_csv(q["raw"][0].encode(), has_header=False, infer_schema_length=0)
    assert "Firearms, ammunition" in back.row(0)
    assert back.row(0)[0] == "S-3"


def test_a_format_column_named_in_another_case_is_named_in_the_report(
    bundle: Path, sqlite_store: Store
) -> None:
    """FORMATS.md: column names are exact and lower case; unknown columns are kept
    and ignored. ``Domestic`` is such a column, so every row loaded with no
    domestic flag and the load said nothing. The report now names it; a required
    column in another case stops the load naming the column the header has."""
    inc = bundle / "incidents.csv"
    _rewrite(inc, ",domestic,", ",Domestic,")
    files = _load(sqlite_store, bundle)
    assert files["incidents"]["note"] == (
        "column(s) 'Domestic' (not 'domestic') read as extra columns: FORMATS.md "
        "column names are exact and lower case, so their values are kept in extra "
        "and no analysis reads them"
    )
    assert sqlite_store.read_frame("incidents")["domestic"].null_count() > 0
    _rewrite(inc, "incident_id,", "Incident_ID,")
    with pytest.raises(
        IngestError, match="the header has 'Incident_ID' for 'incident_id'"
    ):
        load_files(sqlite_store, [bundle], kind="bundle")
