"""``avert ingest table --replace-file``: a corrected mapping replaces what earlier
loads of the same file stored (docs/formats.md, "Any incident table")."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.errors import IngestError
from avert.store import Store
from avert.store.audit import read as read_audit
from avert.workflows.load import LoadReport, load_files, refresh_after_load

MAPPING = """\
[table]
source = "force-x"
crs = "EPSG:27700"
time_format = "%d/%m/%Y %H:%M"
[columns]
{id}occurred_at = "Committed"
crime_type = "Category"
x = "Easting"
y = "Northing"
[categories]
"Robbery of personal property" = "34B"
{assault}
"""
#: the mapping's assaults: misspelt (no row holds the key), missing, corrected
MISSPELT = '"Asault" = "8N"'
MISSING = ""
CORRECTED = '"Assault" = "8N"'

CRIMES = """\
Ref,Committed,Category,Easting,Northing
A1,01/03/2024 10:00,Assault,530000,180000
A2,01/03/2024 11:00,Robbery of personal property,530100,180100
A3,02/03/2024 12:00,Assault,530200,180200
A4,02/03/2024 12:00,Assault,530200,180200
A5,bad,Assault,530200,180200
"""
OTHER = """\
Ref,Committed,Category,Easting,Northing
B1,05/03/2024 10:00,Assault,531000,181000
"""
#: another export of the same name: other times and places
NEXT_MONTH = """\
Ref,Committed,Category,Easting,Northing
C1,01/04/2024 09:00,Assault,540000,170000
C2,01/04/2024 10:00,Robbery of personal property,540100,170100
C3,02/04/2024 11:00,Assault,540200,170200
C4,02/04/2024 12:00,Assault,540300,170300
"""
_COLS = ["incident_id", "crime_type", "offence_code", "source_file", "source_line"]


def _mapping(folder: Path, assault: str, *, keyed: bool = False) -> Path:
    label = {MISSPELT: "misspelt", MISSING: "missing", CORRECTED: "corrected"}
    path = folder / f"map-{label[assault]}{'-id' if keyed else ''}.toml"
    ident = 'incident_id = "Ref"\n' if keyed else ""
    path.write_text(MAPPING.format(id=ident, assault=assault), encoding="utf-8")
    return path


def _files(folder: Path) -> tuple[Path, Path]:
    crimes, other = folder / "crimes.csv", folder / "other.csv"
    crimes.write_text(CRIMES, encoding="utf-8")
    other.write_text(OTHER, encoding="utf-8")
    return crimes, other


def _load(store: Store, files: list[Path], mapping: Path, **kw: bool) -> LoadReport:
    return load_files(
        store, [str(f) for f in files], kind="table", mapping=mapping, **kw
    )


def _incidents(store: Store) -> pl.DataFrame:
    return store.read_frame("incidents").sort("source_file", "source_line")


def _state(store: Store) -> tuple[pl.DataFrame, ...]:
    """What a load may change: incidents, quarantine, loads, audit."""
    return (
        _incidents(store),
        store.read_frame("quarantine").sort("quarantine_id"),
        store.read_frame("loads").sort("load_id", "source_file"),
        store.read_frame("audit"),
    )


@pytest.mark.parametrize("keyed", [False, True], ids=["content-keys", "id-column"])
@pytest.mark.parametrize("wrong", [MISSPELT, MISSING], ids=["misspelt", "missing"])
def test_corrected_mapping_replaces_each_incident_once(
    any_store: Store, tmp_path: Path, keyed: bool, wrong: str
) -> None:
    """Loaded with a misspelt or missing category, then again with the mapping
    corrected under --replace-file: each incident once, with the new code and
    harm; the second file untouched; the earlier load's quarantine entries gone
    (the file's bad line quarantined once); the replace audited. Without the
    option the corrected load doubles the keyless rows or keeps the old
    category (docs/formats.md), so this fails on the old code."""
    crimes, other = _files(tmp_path)
    first = _load(any_store, [crimes, other], _mapping(tmp_path, wrong, keyed=keyed))
    refresh_after_load(any_store, first, definition="avb-2010")
    before_other = _incidents(any_store).filter(pl.col("source_file") == str(other))
    report = _load(
        any_store,
        [crimes],
        _mapping(tmp_path, CORRECTED, keyed=keyed),
        replace_file=True,
    )
    refresh_after_load(any_store, report, definition="avb-2010")
    [f] = report.files
    assert f.replacement == {
        "replaced": 3,
        "added": 0,
        "removed": 0,
        "unchanged": 1,  # the robbery: its code was right
        "quarantine_removed": 1,  # the earlier load's bad line
    }
    assert f.replaced == 3
    inc = _incidents(any_store)
    mine = inc.filter(pl.col("source_file") == str(crimes))
    assert mine["source_line"].to_list() == [2, 3, 4, 5]  # each line once
    assert mine["offence_code"].to_list() == ["8N", "34B", "8N", "8N"]
    theirs = inc.filter(pl.col("source_file") == str(other))
    assert theirs.equals(before_other)  # another file is never touched
    assert theirs["offence_code"].to_list() == [None]
    harm = any_store.read_frame("classifications").join(
        mine.select("incident_id"), on="incident_id"
    )
    assert harm.height == 4
    assert harm["harm_days"].null_count() == 0  # the code gives harm now
    assert any_store.read_frame("classifications").height == inc.height
    quarantine = any_store.read_frame("quarantine")
    assert quarantine.filter(pl.col("source_file") == str(crimes))[
        "line"
    ].to_list() == [6]
    assert quarantine.filter(pl.col("kind") == "duplicate").height == 0
    audit = read_audit(any_store, action="replace")
    assert audit["object"].to_list() == [f"ingest-table:{crimes}"]
    assert "replaced=3; added=0; removed=0; unchanged=1" in audit["detail"][0]


def test_replace_twice_is_replace_once(any_store: Store, tmp_path: Path) -> None:
    """Idempotent: the same corrected load again replaces, adds and removes
    nothing, and leaves incidents, quarantine and loads as they were."""
    crimes, other = _files(tmp_path)
    _load(any_store, [crimes, other], _mapping(tmp_path, MISSPELT))
    good = _mapping(tmp_path, CORRECTED)
    _load(any_store, [crimes], good, replace_file=True)
    once = _state(any_store)[:3]
    again = _load(any_store, [crimes], good, replace_file=True)
    [f] = again.files
    assert (f.loaded, f.duplicates, f.quarantined, f.replaced) == (0, 4, 1, 0)
    assert f.replacement == {
        "replaced": 0,
        "added": 0,
        "removed": 0,
        "unchanged": 4,
        "quarantine_removed": 0,
    }
    assert f.note is not None
    assert f.note.startswith("replaced nothing")
    for was, now in zip(once, _state(any_store)[:3], strict=True):
        assert now.equals(was)


def test_a_doubled_load_is_made_single(any_store: Store, tmp_path: Path) -> None:
    """The corrected mapping loaded first without the option (every keyless row
    twice), then again with it: the earlier load's rows are removed, the
    corrected ones kept (unchanged), each incident once."""
    crimes, _ = _files(tmp_path)
    _load(any_store, [crimes], _mapping(tmp_path, MISSPELT))
    good = _mapping(tmp_path, CORRECTED)
    _load(any_store, [crimes], good)
    assert _incidents(any_store).height == 7  # each assault twice
    [f] = _load(any_store, [crimes], good, replace_file=True).files
    assert f.replacement is not None
    assert (f.replacement["removed"], f.replacement["unchanged"]) == (3, 4)
    assert _incidents(any_store)["source_line"].to_list() == [2, 3, 4, 5]


def test_rows_gone_from_the_file_are_removed_and_new_ones_added(
    any_store: Store, tmp_path: Path
) -> None:
    """A row the file no longer holds is removed; a row it gained is added."""
    crimes, _ = _files(tmp_path)
    good = _mapping(tmp_path, CORRECTED, keyed=True)
    _load(any_store, [crimes], good)
    lines = CRIMES.splitlines()
    crimes.write_text(
        "\n".join([*lines[:2], *lines[3:], "A6,03/03/2024 09:00,Assault,530300,180300"])
        + "\n",
        encoding="utf-8",
    )  # A2 withdrawn, A6 new
    [f] = _load(any_store, [crimes], good, replace_file=True).files
    assert f.replacement is not None
    counts = {k: f.replacement[k] for k in ("replaced", "added", "removed")}
    assert counts == {"replaced": 0, "added": 1, "removed": 1}
    assert sorted(_incidents(any_store)["incident_id"].to_list()) == [
        "A1",
        "A3",
        "A4",
        "A6",
    ]


def test_a_crash_mid_replace_leaves_the_old_rows(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One transaction: a failure after the old rows were deleted (before the
    earlier load's quarantine entries go) leaves incidents, quarantine, loads
    and the audit log as they were."""
    from avert.workflows.load import _files as replacing

    crimes, other = _files(tmp_path)
    _load(any_store, [crimes, other], _mapping(tmp_path, MISSPELT, keyed=True))
    before = _state(any_store)
    deleted: list[int] = []
    delete_keys = replacing.delete_keys

    def delete_then_fail(*args: object, **kwargs: object) -> None:
        deleted.append(delete_keys(*args, **kwargs))  # type: ignore[arg-type]
        raise RuntimeError("killed mid-replace")

    monkeypatch.setattr(replacing, "delete_keys", delete_then_fail)
    good = _mapping(tmp_path, CORRECTED, keyed=True)
    with pytest.raises(RuntimeError, match="killed mid-replace"):
        _load(any_store, [crimes], good, replace_file=True)
    assert deleted == [3]  # the old rows were deleted in the transaction
    for was, now in zip(before, _state(any_store), strict=True):
        assert now.equals(was)


def test_nothing_stored_from_the_file_is_refused(
    any_store: Store, tmp_path: Path
) -> None:
    """--replace-file of a file no earlier load stored (under the mapping's
    source) is refused, naming the stored files of its name; nothing loads."""
    crimes, other = _files(tmp_path)
    _load(any_store, [other], _mapping(tmp_path, CORRECTED))
    before = _state(any_store)
    with pytest.raises(IngestError, match=r"no incident of source 'force-x'.*crimes"):
        _load(any_store, [crimes], _mapping(tmp_path, CORRECTED), replace_file=True)
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    copy = shutil.copy(other, moved / "other.csv")
    with pytest.raises(IngestError, match=r"stored files of that name: .*other\.csv"):
        _load(any_store, [Path(copy)], _mapping(tmp_path, CORRECTED), replace_file=True)
    for was, now in zip(before, _state(any_store), strict=True):
        assert now.equals(was)


def test_another_file_of_the_same_name_is_never_replaced(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two exports named crimes.csv, each loaded from its own folder (stored as
    "crimes.csv"): the second under --replace-file is refused (its rows differ
    in time and place from those stored at the same lines), nothing changes."""
    march, april = tmp_path / "2024-03", tmp_path / "2024-04"
    march.mkdir()
    april.mkdir()
    (march / "crimes.csv").write_text(CRIMES, encoding="utf-8")
    (april / "crimes.csv").write_text(NEXT_MONTH, encoding="utf-8")
    good = _mapping(tmp_path, CORRECTED)
    monkeypatch.chdir(march)
    _load(any_store, [Path("crimes.csv")], good)
    before = _state(any_store)
    monkeypatch.chdir(april)
    with pytest.raises(IngestError, match="not this file's rows: 4 of the 4"):
        _load(any_store, [Path("crimes.csv")], good, replace_file=True)
    for was, now in zip(before, _state(any_store), strict=True):
        assert now.equals(was)


def test_dry_run_reports_and_writes_nothing(any_store: Store, tmp_path: Path) -> None:
    """--dry-run: the same report as the replace, nothing written."""
    crimes, other = _files(tmp_path)
    _load(any_store, [crimes, other], _mapping(tmp_path, MISSPELT))
    before = _state(any_store)
    good = _mapping(tmp_path, CORRECTED)
    dry = _load(any_store, [crimes], good, replace_file=True, dry_run=True)
    assert dry.dry_run
    for was, now in zip(before, _state(any_store), strict=True):
        assert now.equals(was)
    real = _load(any_store, [crimes], good, replace_file=True)
    assert [f.replacement for f in dry.files] == [f.replacement for f in real.files]


def test_cli_replace_file(tmp_path: Path, template_db: Path) -> None:
    """The command: --replace-file and --dry-run, the counts in --json and in the
    table's last line, and a load without the option unchanged (it doubles)."""
    db = tmp_path / "cli.db"
    shutil.copyfile(template_db, db)
    crimes, _ = _files(tmp_path)
    base = ["--db", str(db), "ingest", "table", str(crimes), "--accept-rejects"]
    bad = ["--mapping", str(_mapping(tmp_path, MISSPELT))]
    good = ["--mapping", str(_mapping(tmp_path, CORRECTED))]
    assert CliRunner().invoke(app, [*base, *bad]).exit_code == 0
    store = Store(f"sqlite:///{db}")
    dry = CliRunner().invoke(app, [*base, *good, "--replace-file", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    said = " ".join(dry.output.split())
    assert "--replace-file: 1 file's earlier loads replaced: 3 stored incidents" in said
    assert "Dry run" in said
    assert store.read_frame("incidents")["offence_code"].null_count() == 3
    done = CliRunner().invoke(app, [*base, *good, "--replace-file", "--json"])
    assert done.exit_code == 0, done.output
    [rep] = json.loads(done.stdout)
    assert rep["replacement"]["replaced"] == 3
    assert rep["replaced"] == 3
    assert store.read_frame("incidents")["offence_code"].null_count() == 0
    assert store.read_frame("incidents").height == 4
    plain = CliRunner().invoke(
        app, [*base, "--mapping", str(_mapping(tmp_path, MISSING))]
    )
    assert plain.exit_code == 0, plain.output
    assert store.read_frame("incidents").height == 7  # without it: beside them


def test_an_incident_a_bundle_links_is_never_removed(
    any_store: Store, tmp_path: Path
) -> None:
    """A bundle naming the table's incident id A2 (its incident row a duplicate)
    links a person to it; the file then withdraws A2: --replace-file is refused,
    nothing changes, rather than delete A2 and leave the involvement naming no
    incident (it did, before 2026-12-07)."""
    crimes, _ = _files(tmp_path)
    good = _mapping(tmp_path, CORRECTED, keyed=True)
    _load(any_store, [crimes], good)
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    shutil.copy(Path(__file__).parents[1] / "data/bundle-example/manifest.json", bundle)
    (bundle / "incidents.csv").write_text(
        "incident_id,occurred_at,x,y\nA2,2024-03-01T11:00:00,530100,180100\n",
        encoding="utf-8",
    )
    (bundle / "people.csv").write_text("person_id\nP-9\n", encoding="utf-8")
    (bundle / "involvements.csv").write_text(
        "incident_id,person_id,role\nA2,P-9,victim\n", encoding="utf-8"
    )
    load_files(any_store, [str(bundle)], kind="bundle")
    assert any_store.read_frame("involvements")["incident_id"].to_list() == ["A2"]
    lines = CRIMES.splitlines()
    crimes.write_text("\n".join([*lines[:2], *lines[3:]]) + "\n", encoding="utf-8")
    before = _state(any_store)
    with pytest.raises(IngestError, match=r"1 incident .* named by stored involv"):
        _load(any_store, [crimes], good, replace_file=True)
    for was, now in zip(before, _state(any_store), strict=True):
        assert now.equals(was)
    linked = any_store.read_frame("involvements").join(
        any_store.read_frame("incidents"), on="incident_id", how="anti"
    )
    assert linked.height == 0


def test_another_file_is_not_outweighed_by_the_files_own_rekeyed_rows(
    any_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two exports stored as "crimes.csv" (each from its own folder) through the
    misspelt mapping; March (all assaults) again with the code corrected: every
    March row is re-keyed and pairs with itself at its line, so pooled with
    April's rows (4 of 8 differing) the check let April's 4 incidents be deleted
    as "replaced". Judged per earlier load, April's load is another file's:
    refused, nothing changes."""
    march, april = tmp_path / "2024-03", tmp_path / "2024-04"
    march.mkdir()
    april.mkdir()
    assaults = CRIMES.replace("Robbery of personal property", "Assault")
    (march / "crimes.csv").write_text(assaults, encoding="utf-8")
    (april / "crimes.csv").write_text(NEXT_MONTH, encoding="utf-8")
    bad = _mapping(tmp_path, MISSPELT)
    monkeypatch.chdir(march)
    _load(any_store, [Path("crimes.csv")], bad)
    monkeypatch.chdir(april)
    _load(any_store, [Path("crimes.csv")], bad)
    before = _state(any_store)
    monkeypatch.chdir(march)
    with pytest.raises(IngestError, match="not this file's rows: 4 of the 4"):
        _load(
            any_store,
            [Path("crimes.csv")],
            _mapping(tmp_path, CORRECTED),
            replace_file=True,
        )
    for was, now in zip(before, _state(any_store), strict=True):
        assert now.equals(was)


def test_a_row_rejected_now_is_said_to_remove_its_incident(
    any_store: Store, tmp_path: Path
) -> None:
    """A stored row whose line the file now rejects (its time unreadable): its
    incident is removed, and the note and the audit row say how many were
    removed so (they said only "no longer holds, or rejects now")."""
    crimes, _ = _files(tmp_path)
    good = _mapping(tmp_path, CORRECTED, keyed=True)
    _load(any_store, [crimes], good)
    crimes.write_text(
        CRIMES.replace("A2,01/03/2024 11:00", "A2,01/13/2024 11:00"), encoding="utf-8"
    )
    [f] = _load(
        any_store, [crimes], good, replace_file=True, remove_rejected=True
    ).files
    assert f.replacement is not None
    assert (f.replacement["removed"], f.quarantined) == (1, 2)
    assert f.note is not None
    assert "removed: 1 whose row this load rejected" in f.note
    audit = read_audit(any_store, action="replace")
    assert "removed_rejected=1" in audit["detail"][0]
    assert "A2" not in _incidents(any_store)["incident_id"].to_list()


def test_a_replace_that_would_remove_incidents_it_now_rejects_is_refused(
    any_store: Store, tmp_path: Path
) -> None:
    """A wrong time_format (or CRS, or column) rejects rows that were good: the
    replace would delete every incident they stored. Without ``remove_rejected``
    (the CLI's --accept-rejects) it is refused and nothing changes; a dry run
    reports what it would remove, and writes nothing."""
    crimes, _ = _files(tmp_path)
    good = _mapping(tmp_path, CORRECTED, keyed=True)
    _load(any_store, [crimes], good)
    before = _state(any_store)
    crimes.write_text(
        CRIMES.replace("A2,01/03/2024 11:00", "A2,01/13/2024 11:00"), encoding="utf-8"
    )
    with pytest.raises(IngestError, match=r"1 stored incident\(s\) would be removed"):
        _load(any_store, [crimes], good, replace_file=True)
    [f] = _load(any_store, [crimes], good, replace_file=True, dry_run=True).files
    assert f.note is not None
    assert "removed: 1 whose row this load rejected" in f.note
    after = _state(any_store)
    assert all(a.equals(b) for a, b in zip(before, after, strict=True))
