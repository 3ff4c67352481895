"""Bundles written to FORMATS.md by independent code, built from frames in the test:
what the contract allows must load (nothing lost)."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from avert.errors import IngestError
from avert.store import Store
from avert.workflows.load import load_files

MANIFEST = {
    "format": "avert-bundle",
    "version": 1,
    "crs": "EPSG:27700",
    "source": "independent writer",
    "extracted_at": "2026-11-24T06:00:00",
}


def _bundle(folder: Path, tables: dict[str, pl.DataFrame]) -> Path:
    """A bundle folder: the manifest and one CSV per frame."""
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps(MANIFEST))
    for name, frame in tables.items():
        frame.write_csv(folder / f"{name}.csv")
    return folder


def _files(store: Store, path: Path) -> dict[str, dict[str, object]]:
    report = load_files(store, [path], kind="bundle")
    assert all(f.balanced for f in report.files)
    return {Path(f.file).stem: f.as_dict() for f in report.files}


def _people_less_bundle(folder: Path) -> Path:
    """Incidents and the tables naming people, but no people or groups file (both
    optional in FORMATS.md)."""
    return _bundle(
        folder,
        {
            "incidents": pl.DataFrame(
                {
                    "incident_id": ["I-1", "I-2"],
                    "offence_code": ["8N", "34B"],
                    "occurred_at": ["2026-11-01T10:00", "2026-11-02T11:00"],
                    "lat": [51.50, 51.51],
                    "lon": [-0.10, -0.11],
                }
            ),
            "involvements": pl.DataFrame(
                {
                    "incident_id": ["I-1", "I-1", "I-2"],
                    "person_id": ["P-1", "P-2", "P-1"],
                    "role": ["offender", "victim", "offender"],
                }
            ),
            "relationships": pl.DataFrame(
                {
                    "person_a": ["P-1", "P-8"],
                    "person_b": ["P-3", "P-9"],
                    "kind": ["sibling", "partner"],
                }
            ),
            "group_members": pl.DataFrame(
                {"group_id": ["G-1", "G-1"], "person_id": ["P-1", "P-4"]}
            ),
            "asb": pl.DataFrame(
                {"asb_id": ["A-1"], "occurred_at": ["2026-11-03T12:00"]}
            ).with_columns(caller_id=pl.lit("P-5")),
            "stops": pl.DataFrame(
                {"stop_id": ["S-1"], "occurred_at": ["2026-11-03T13:00"]}
            ).with_columns(person_id=pl.lit("P-6")),
            "intelligence": pl.DataFrame(
                {
                    "intel_id": ["N-1"],
                    "recorded_at": ["2026-11-03T14:00"],
                    "subject_type": ["person"],
                    "subject_id": ["P-7"],
                }
            ),
        },
    )


def test_a_bundle_without_a_people_file_loads_the_rows_naming_people(
    any_store: Store, tmp_path: Path
) -> None:
    """people and groups are optional: a bundle without them must not lose every
    involvement, tie, membership, caller, stop person and intelligence subject
    (each was rejected as 'not found in people'); the people and groups named are
    stored with their id alone, and the report says so."""
    files = _files(any_store, _people_less_bundle(tmp_path / "b"))
    assert {k: (v["loaded"], v["quarantined"]) for k, v in files.items()} == {
        "incidents": (2, 0),
        "involvements": (3, 0),
        "relationships": (2, 0),
        "group_members": (2, 0),
        "asb": (1, 0),
        "stops": (1, 0),
        "intelligence": (1, 0),
    }
    assert any_store.count("quarantine") == 0
    people = any_store.read_frame("people", order_by=("person_id",))
    assert people["person_id"].to_list() == [f"P-{i}" for i in range(1, 10)]
    assert people["birth_year"].null_count() == people.height
    assert people["source"].unique().to_list() == [MANIFEST["source"]]
    groups = any_store.read_frame("groups")
    assert groups["group_id"].to_list() == ["G-1"]
    assert "2 people named here" in str(files["involvements"]["note"])
    assert "no people file" in str(files["involvements"]["note"])
    assert "1 group named here" in str(files["group_members"]["note"])
    # one note per file for both columns naming people: P-8 (person_a), P-3 and P-9
    assert files["relationships"]["note"] == (
        "3 people named here, absent from the store and the bundle (it has no people"
        " file), added to people with the person_id alone."
    )


def test_a_people_less_bundle_loaded_again_adds_nothing(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = _people_less_bundle(tmp_path / "b")
    _files(sqlite_store, path)
    again = _files(sqlite_store, path)
    assert all(v["loaded"] == 0 for v in again.values())
    assert all("note" not in v for v in again.values())
    assert sqlite_store.count("people") == 9


def test_a_person_missing_from_a_given_people_file_is_still_rejected(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """With a people file, a person it does not list is a dangling reference, as
    before (docs/bundle.md): only a bundle without the file names people freely."""
    path = _people_less_bundle(tmp_path / "b")
    pl.DataFrame({"person_id": ["P-1"]}).write_csv(path / "people.csv")
    files = _files(sqlite_store, path)
    assert (files["involvements"]["loaded"], files["involvements"]["quarantined"]) == (
        2,
        1,
    )
    assert sqlite_store.count("people") == 1


def _people_bundle(folder: Path, birth_years: dict[str, int]) -> Path:
    """A later extract: one incident, and a people file (with a groups file)."""
    return _bundle(
        folder,
        {
            "incidents": pl.DataFrame(
                {
                    "incident_id": ["I-3"],
                    "offence_code": ["8N"],
                    "occurred_at": ["2026-11-05T10:00"],
                    "lat": [51.5],
                    "lon": [-0.1],
                }
            ),
            "people": pl.DataFrame(
                {
                    "person_id": list(birth_years),
                    "birth_year": list(birth_years.values()),
                    "sex": ["F"] * len(birth_years),
                    "vulnerable": [True] * len(birth_years),
                }
            ),
            "groups": pl.DataFrame({"group_id": ["G-1"], "name": ["Crew"]}),
        },
    )


def test_a_later_people_file_gives_people_stored_by_id_alone_their_details(
    any_store: Store, tmp_path: Path
) -> None:
    """A person stored by id alone (named by a bundle without a people file) holds
    nothing a later people file could conflict with: its details are stored (they
    were quarantined as a conflicting duplicate 'birth_year: 1990 (kept: <blank>)',
    leaving the person without age, sex or vulnerability for ever). A person the
    first people file gave is still kept, the later row a conflicting duplicate."""
    _files(any_store, _people_less_bundle(tmp_path / "b1"))
    files = _files(
        any_store, _people_bundle(tmp_path / "b2", {"P-1": 1990, "P-2": 2001})
    )
    assert (files["people"]["loaded"], files["people"]["conflicts"]) == (2, 0)
    assert (files["groups"]["loaded"], files["groups"]["conflicts"]) == (1, 0)
    assert "2 people stored with the person_id alone" in str(files["people"]["note"])
    assert any_store.count("quarantine") == 0
    people = any_store.read_frame("people", order_by=("person_id",))
    assert people.height == 9
    given = people.filter(pl.col("person_id").is_in(["P-1", "P-2"]))
    assert given["birth_year"].to_list() == [1990, 2001]
    assert given["vulnerable"].to_list() == [True, True]
    assert given["source_line"].to_list() == [2, 3]
    assert people.filter(pl.col("person_id") == "P-3")["birth_year"].to_list() == [None]
    assert any_store.read_frame("groups")["name"].to_list() == ["Crew"]
    again = _files(any_store, _people_bundle(tmp_path / "b3", {"P-1": 1991}))
    assert (again["people"]["loaded"], again["people"]["conflicts"]) == (0, 1)
    assert "note" not in again["people"]
    people = any_store.read_frame("people", where=[("person_id", "=", "P-1")])
    assert people["birth_year"].to_list() == [1990]


def test_a_people_file_loaded_again_looks_up_no_id_only_row_where_none_is_stored(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A store whose people all came from people files holds no row of an id
    alone: a re-load of a big people file is not slowed by a look-up of each of
    its parts' keys for one (a quarter of a 300,000-person re-load's time)."""
    from avert.workflows.load import _checks

    path = _people_bundle(tmp_path / "b", {"P-1": 1990})
    _files(sqlite_store, path)

    def no_lookup(*_: object) -> int:
        raise AssertionError("looked up rows of an id alone")

    monkeypatch.setattr(_checks, "delete_bare", no_lookup)
    again = _files(sqlite_store, path)
    assert (again["people"]["loaded"], again["people"]["duplicates"]) == (0, 1)


def test_a_people_file_refused_in_a_folder_is_still_a_people_file(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A people.csv linked from outside the bundle folder is refused unread (as a
    zip member over a limit is): the bundle still gives the file, so a person it
    may list is not added by id alone ('it has no people file'); the rows naming
    them are rejected, as docs/bundle.md says."""
    path = _people_less_bundle(tmp_path / "b")
    outside = tmp_path / "people.csv"
    pl.DataFrame({"person_id": ["P-1"], "birth_year": [1990]}).write_csv(outside)
    (path / "people.csv").symlink_to(outside)
    report = load_files(sqlite_store, [path], kind="bundle")
    files = {Path(f.file).stem: f for f in report.files}
    assert files["people"].error is not None
    assert (files["involvements"].loaded, files["involvements"].quarantined) == (0, 3)
    assert "no people file" not in str(files["involvements"].note)
    assert sqlite_store.count("people") == 0


def test_a_group_is_not_added_for_a_membership_rejected_for_its_person(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """Without a groups file, a membership naming a person the people file does not
    list is rejected: its group must not be added by id alone all the same (it was,
    a group of no member, counted in the note)."""
    path = _bundle(
        tmp_path / "b",
        {
            "incidents": pl.DataFrame(
                {
                    "incident_id": ["I-1"],
                    "offence_code": ["8N"],
                    "occurred_at": ["2026-11-01T10:00"],
                    "lat": [51.5],
                    "lon": [-0.1],
                }
            ),
            "people": pl.DataFrame({"person_id": ["P-1"]}),
            "group_members": pl.DataFrame(
                {"group_id": ["G-1", "G-2"], "person_id": ["P-9", "P-1"]}
            ),
        },
    )
    files = _files(sqlite_store, path)
    members = files["group_members"]
    assert (members["loaded"], members["quarantined"]) == (1, 1)
    assert sqlite_store.read_frame("groups")["group_id"].to_list() == ["G-2"]
    assert "1 group named here" in str(members["note"])


@pytest.mark.parametrize("key", ["format", "version"])
def test_a_manifest_without_format_or_version_says_which_key_is_missing(
    sqlite_store: Store, tmp_path: Path, key: str
) -> None:
    """It said "unknown bundle version None" (or "manifest format is None"), as if
    the key held null; it names the missing key and the value FORMATS.md gives."""
    path = _bundle(tmp_path / "b", {"incidents": pl.DataFrame({"incident_id": ["I"]})})
    manifest = {k: v for k, v in MANIFEST.items() if k != key}
    (path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IngestError, match=f'manifest.json has no "{key}"') as err:
        load_files(sqlite_store, [path], kind="bundle")
    assert "None" not in str(err.value)
    # the value as FORMATS.md writes it, JSON a manifest can take as it is
    want = {"format": '"format": "avert-bundle")', "version": '"version": 1)'}
    assert str(err.value).endswith(want[key])


def test_a_people_less_bundle_read_in_parts_adds_each_person_once(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big involvements file is read in parts: a person named in several parts
    is added by the first, then found stored by the others."""
    from avert.ingest import bundle as bundle_module

    monkeypatch.setattr(bundle_module, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(bundle_module, "PART_LINES", 40)
    n = 200
    path = _bundle(
        tmp_path / "b",
        {
            "incidents": pl.DataFrame(
                {
                    "incident_id": [f"I-{i}" for i in range(n)],
                    "offence_code": ["8N"] * n,
                    "occurred_at": ["2026-11-01T10:00"] * n,
                    "lat": [51.5] * n,
                    "lon": [-0.1] * n,
                }
            ),
            "involvements": pl.DataFrame(
                {
                    "incident_id": [f"I-{i}" for i in range(n)],
                    "person_id": [f"P-{i % 7}" for i in range(n)],
                    "role": ["victim"] * n,
                }
            ),
        },
    )
    files = _files(sqlite_store, path)
    assert (files["involvements"]["loaded"], files["involvements"]["quarantined"]) == (
        n,
        0,
    )
    assert sqlite_store.count("people") == 7
    assert "7 people named here" in str(files["involvements"]["note"])


def test_a_people_less_bundle_rejects_a_caller_id_too_long_for_an_index(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """A person added by id alone gets a key no database index could hold (the
    PostgreSQL load failed whole on such a key): that row stays rejected."""
    path = _bundle(
        tmp_path / "b",
        {
            "incidents": pl.DataFrame(
                {
                    "incident_id": ["I-1"],
                    "offence_code": ["8N"],
                    "occurred_at": ["2026-11-01T10:00"],
                    "lat": [51.5],
                    "lon": [-0.1],
                }
            ),
            "asb": pl.DataFrame(
                {
                    "asb_id": ["A-1", "A-2"],
                    "occurred_at": ["2026-11-03T12:00"] * 2,
                    "caller_id": ["P-1", "P" * 2000],
                }
            ),
        },
    )
    files = _files(sqlite_store, path)
    assert (files["asb"]["loaded"], files["asb"]["quarantined"]) == (1, 1)
    assert sqlite_store.read_frame("people")["person_id"].to_list() == ["P-1"]
