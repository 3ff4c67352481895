"""A big bundle table is read part by part: the same load as reading it whole.

Issue 13.3: bundle tables were read whole into memory; a big CSV table (a file, or a
zip member unpacked to a private file) is now streamed and read in parts, its
blank lines dropped on the way. Every test compares a load in parts (the size
thresholds patched down) with today's whole-file load.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

from avert.ingest import bundle
from avert.store import Store
from avert.workflows.load import load_files

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "bundle-example"
_TABLES = ("incidents", "people", "involvements", "quarantine", "loads")


def _bundle(tmp_path: Path) -> Path:
    """The example bundle with big incidents and involvements tables."""
    folder = tmp_path / "bundle"
    shutil.copytree(EXAMPLE, folder)
    incidents = (folder / "incidents.csv").read_text().splitlines()
    row = incidents[1].split(",", 1)[1]
    lines = [incidents[0], *incidents[1:]]
    for i in range(300):
        lines.append(f"BIG-{i},{row}")
        if i % 50 == 0:
            lines += ["", "", "malformed,line"]  # blank lines and a malformed line
    lines.append(f"BIG-7,{row.replace('Violence', 'Robbery')}")  # a conflict
    (folder / "incidents.csv").write_text("\n".join(lines) + "\n\n\n")
    involvements = (folder / "involvements.csv").read_text().splitlines()
    more = [f"BIG-{i},P-{1 + i % 2},victim" for i in range(300)] + ["BIG-X,P-1,victim"]
    (folder / "involvements.csv").write_text("\n".join([*involvements, *more]) + "\n")
    return folder


def _zip(folder: Path) -> Path:
    path = folder.with_suffix(".zip")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for child in sorted(folder.iterdir()):
            zf.write(child, child.name)
    return path


def _dump(store: Store) -> dict[str, pl.DataFrame]:
    out = {}
    for table in _TABLES:
        frame = store.read_frame(table).drop("load_id", strict=False)
        if table == "loads":
            frame = frame.drop("loaded_at")
        out[table] = frame.sort(frame.columns[:3], nulls_last=True)
    return out


def _count_parts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A list that grows by one for every table (or part of one) the bundle maps."""
    parts_seen: list[int] = []
    real = bundle._map_table

    def count(*args: object, **kw: object) -> object:
        parts_seen.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(bundle, "_map_table", count)
    return parts_seen


def _copy_of(template_db: Path, db: Path) -> Store:
    """A store on a fresh copy of the migrated template."""
    db.write_bytes(template_db.read_bytes())
    return Store(f"sqlite:///{db}")


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_big_bundle_table_in_parts_equals_whole(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, zipped: bool
) -> None:
    folder = _bundle(tmp_path)
    path = _zip(folder) if zipped else folder
    results = []
    parts_seen = _count_parts(monkeypatch)
    for stream_min, part_lines in ((1 << 62, 10**9), (0, 40)):
        monkeypatch.setattr(bundle, "STREAM_MIN_BYTES", stream_min)
        monkeypatch.setattr(bundle, "PART_LINES", part_lines)
        parts_seen.clear()
        store = _copy_of(template_db, tmp_path / f"parts-{part_lines}.db")
        report = load_files(store, [path], kind="bundle")
        by_file = {Path(f.file).name: f for f in report.files}
        inc = by_file["incidents.csv"]
        assert inc.balanced
        assert (inc.rows, inc.quarantined, inc.duplicates, inc.conflicts) == (
            len(pl.read_csv(EXAMPLE / "incidents.csv")) + 307,
            6,
            1,
            1,
        )
        assert by_file["involvements.csv"].quarantined == 1  # BIG-X: no incident
        again = load_files(store, [path], kind="bundle")  # idempotent
        assert again.loaded == 0
        results.append((_dump(store), len(parts_seen)))
        store.close()
    (whole, n_whole), (parts, n_parts) = results
    assert n_parts > n_whole + 10  # incidents and involvements came in parts
    for table, frame in whole.items():
        assert parts[table].equals(frame), table


def test_a_required_column_missing_in_a_big_table_fails_the_load(
    sqlite_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avert.errors import IngestError

    folder = _bundle(tmp_path)
    text = (folder / "involvements.csv").read_text()
    (folder / "involvements.csv").write_text(text.replace("person_id", "who", 1))
    monkeypatch.setattr(bundle, "STREAM_MIN_BYTES", 0)
    monkeypatch.setattr(bundle, "PART_LINES", 40)
    with pytest.raises(IngestError, match="required column"):
        load_files(sqlite_store, [folder], kind="bundle")
    assert sqlite_store.count("incidents") == 0  # one transaction: nothing written


def test_big_parquet_table_in_slices_equals_whole(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Parquet table is decoded slice by slice (a few KB may hold millions of rows)."""
    folder = _bundle(tmp_path)
    text = (folder / "incidents.csv").read_text().splitlines()
    good = [line for line in text if line and not line.startswith("malformed")]
    good.append(good[-1].replace("BIG-7,", "BIG-8,").replace("51.", "x51.", 1))
    frame = pl.read_csv("\n".join(good).encode(), infer_schema=False)
    (folder / "incidents.csv").unlink()
    frame.write_parquet(folder / "incidents.parquet")
    results = []
    parts_seen = _count_parts(monkeypatch)
    for part_lines in (10**9, 40):
        monkeypatch.setattr(bundle, "PART_LINES", part_lines)
        parts_seen.clear()
        store = _copy_of(template_db, tmp_path / f"pq-{part_lines}.db")
        report = load_files(store, [folder], kind="bundle")
        inc = {Path(f.file).name: f for f in report.files}["incidents.parquet"]
        assert inc.balanced
        assert (inc.rows, inc.quarantined, inc.duplicates) == (frame.height, 1, 1)
        results.append((_dump(store), len(parts_seen)))
        store.close()
    (whole, n_whole), (parts, n_parts) = results
    assert n_parts >= n_whole + frame.height // 40
    for table, dumped in whole.items():
        assert parts[table].equals(dumped), table


def _notes_whole_and_in_parts(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: Path
) -> list[str | None]:
    """The incidents file's note loaded whole, then in parts of 40 lines."""
    notes = []
    for stream_min, part_lines in ((1 << 62, 10**9), (0, 40)):
        monkeypatch.setattr(bundle, "STREAM_MIN_BYTES", stream_min)
        monkeypatch.setattr(bundle, "PART_LINES", part_lines)
        store = _copy_of(template_db, tmp_path / f"note-{part_lines}.db")
        report = load_files(store, [folder], kind="bundle")
        notes.append(next(f for f in report.files if "incidents" in f.file).note)
        store.close()
    return notes


def test_a_big_table_not_in_utf8_says_so_read_in_parts_too(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big cp1252 table read in parts loaded with no word of its encoding
    (each part named the encoding of text already decoded, UTF-8), where the
    same file read whole said 'read as Windows-1252 (cp1252)'."""
    folder = _bundle(tmp_path)
    path = folder / "incidents.csv"
    text = path.read_text().replace("St James's", "St James\u2019s")
    path.write_bytes(text.encode("cp1252"))
    whole, parts = _notes_whole_and_in_parts(template_db, tmp_path, monkeypatch, folder)
    assert str(whole).startswith("read as Windows-1252 (cp1252), not UTF-8")
    assert parts == whole


def test_the_repeated_hour_is_counted_over_every_part(
    template_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big table's times in the hour that repeats when clocks go back were
    counted in its first part only (the report kept the first part's note): read
    in parts, three such times in three parts were 'one'. The count is the
    file's, read whole or in parts."""
    folder = _bundle(tmp_path)
    path = folder / "incidents.csv"
    lines = path.read_text().split("\n")
    for i in (5, 100, 250):  # three parts of 40 lines apart
        at = next(k for k, line in enumerate(lines) if line.startswith(f"BIG-{i},"))
        lines[at] = lines[at].replace("2026-10-01T22:15:00", "2026-10-25T01:30:00")
    path.write_text("\n".join(lines))
    whole, parts = _notes_whole_and_in_parts(template_db, tmp_path, monkeypatch, folder)
    assert str(whole).startswith("3 occurred_at times fall in the hour that repeats")
    assert parts == whole
