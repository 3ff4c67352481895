"""Odd input never crashes a load and is never mangled quietly (issues 12.2, 13.5, 13.6).

Each case is a file that crashed the loader, was split or decoded wrongly, or was
read when it should not have been; each must now load, be quarantined row by row,
or be refused as a whole with a reason, while the other files load.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest

from avert.ingest import sources
from avert.ingest._csv import read_csv
from avert.ingest.limits import Limits
from avert.schema import INCIDENTS, QUARANTINE
from avert.store import Store
from avert.workflows.load import LoadReport, load_files

from .helpers import STREET_HEADER, street_row, write

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "bundle-example"


def _rows(n: int, start: int = 0) -> list[str]:
    return [street_row(f"id{i:04d}") for i in range(start, start + n)]


def _by_name(report: LoadReport) -> dict[str, dict[str, object]]:
    return {Path(f.file.split("!")[-1]).name: f.as_dict() for f in report.files}


def _quarantine(store: Store) -> pl.DataFrame:
    return store._query(
        "SELECT source_file, line, reason, raw FROM quarantine ORDER BY source_file, line",
        schema=QUARANTINE.schema_of("source_file", "line", "reason", "raw"),
    )


# --- line ends, blank lines, NUL, encodings --------------------------------------
def test_cr_only_line_ends_are_lines() -> None:
    table = read_csv(("\r".join([STREET_HEADER, *_rows(3)]) + "\r").encode())
    assert table.frame.height == 3
    assert table.frame["_line"].to_list() == [2, 3, 4]
    assert table.bad.height == 0


def test_bare_cr_inside_a_crlf_file_splits_rows_never_merges_them() -> None:
    rows = _rows(3)
    data = f"{STREET_HEADER}\r\n{rows[0]}\r{rows[1]}\r\n{rows[2]}\r\n".encode()
    table = read_csv(data)
    assert table.frame.height == 3
    assert table.frame["Crime ID"].to_list() == ["id0000", "id0001", "id0002"]


def test_blank_first_line_and_many_blank_lines_keep_line_numbers() -> None:
    body = "\n" * 10_000
    text = "\n\n" + STREET_HEADER + "\n" + _rows(1)[0] + body + _rows(1, 5)[0] + "\n"
    table = read_csv(text.encode())
    assert table.header[0] == "Crime ID"
    assert table.frame["_line"].to_list() == [4, 4 + 10_000]
    assert table.rows == 2


def test_blank_lines_cost_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "blank.csv"
    with path.open("wb") as fh:
        fh.write((STREET_HEADER + "\n" + _rows(1)[0] + "\n").encode())
        fh.write(b"\n" * (40 << 20))  # 40 M blank lines, streamed-file size
        fh.write((_rows(1, 1)[0] + "\n").encode())
    report = load_files(sqlite_store, [path])
    (f,) = report.files
    assert (f.rows, f.loaded) == (2, 2)
    lines = sqlite_store._query(
        "SELECT source_line FROM incidents ORDER BY 1",
        schema=INCIDENTS.schema_of("source_line"),
    )
    assert lines["source_line"].to_list() == [2, 3 + (40 << 20)]


def test_nul_byte_line_is_quarantined(any_store: Store, tmp_path: Path) -> None:
    rows = _rows(3)
    rows[1] = rows[1].replace("Ash Mount", "Ash\x00Mount")
    path = write(tmp_path / "nul.csv", [STREET_HEADER, *rows])
    (f,) = load_files(any_store, [path]).files
    assert (f.rows, f.loaded, f.quarantined) == (3, 2, 1)
    (row,) = _quarantine(any_store).rows(named=True)
    assert row["line"] == 3
    assert "NUL" in row["reason"]
    assert "\x00" not in row["raw"]
    assert "Ash\ufffdMount" in row["raw"]


def test_an_overlong_id_is_quarantined_on_both_stores(
    any_store: Store, tmp_path: Path
) -> None:
    """A Crime ID of 3,000 characters (a damaged row) loaded on SQLite, and on
    PostgreSQL ended the whole load in a traceback ("index row size 3016 exceeds
    btree version 4 maximum 2704 for index pk_incidents"), nothing loaded."""
    # hex digests: text PostgreSQL cannot compress into an index entry
    long_id = "".join(hashlib.sha256(bytes([i])).hexdigest() for i in range(47))
    long_id = long_id[:3000]
    rows = _rows(3)
    rows[1] = street_row(long_id)
    path = write(tmp_path / "long.csv", [STREET_HEADER, *rows])
    (f,) = load_files(any_store, [path]).files
    assert (f.rows, f.loaded, f.quarantined) == (3, 2, 1)
    (row,) = _quarantine(any_store).rows(named=True)
    assert row["line"] == 3
    assert "key longer than 1,024 bytes (3000 bytes" in row["reason"]
    assert row["raw"].startswith(long_id)


def test_one_latin1_line_does_not_turn_the_file_to_latin1(
    sqlite_store: Store, tmp_path: Path
) -> None:
    rows = [r.replace("Ash Mount", "Café £") for r in _rows(3)]
    data = "\n".join([STREET_HEADER, *rows]).encode() + b"\n"
    data += street_row("id9999", location="caf\xe9").encode("latin-1") + b"\n"
    path = tmp_path / "mixed.csv"
    path.write_bytes(data)
    (f,) = load_files(sqlite_store, [path]).files
    assert (f.rows, f.loaded, f.quarantined) == (4, 3, 1)
    locations = sqlite_store._query(
        "SELECT DISTINCT location FROM incidents",
        schema=INCIDENTS.schema_of("location"),
    )
    assert locations["location"].to_list() == ["On or near Café £"]
    (row,) = _quarantine(sqlite_store).rows(named=True)
    assert row["line"] == 5
    assert "not valid UTF-8" in row["reason"]
    assert "café" in row["raw"]


def test_a_latin1_file_is_still_read_as_latin1() -> None:
    text = "\n".join([STREET_HEADER, *(r.replace("Ash", "Çafé") for r in _rows(2))])
    table = read_csv(text.encode("latin-1"))
    assert table.encoding == "latin-1"
    assert table.frame["Location"].to_list() == ["On or near Çafé Mount"] * 2


def test_unrecognised_file_is_split_on_line_ends_only(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "odd.csv"
    path.write_bytes(b"a,b\nx\x0cy,1\nz\x1cw\x85,2\r\nlast\rend\n")
    (f,) = load_files(sqlite_store, [path]).files
    assert f.kind == "unknown"
    assert f.rows == 4  # lines 2-5: form feed, FS and NEL do not split
    assert f.error is not None
    assert "unrecognised header" in f.error


def test_full_width_digits_month_is_quarantined(
    sqlite_store: Store, tmp_path: Path
) -> None:
    rows = [*_rows(2), street_row("idfw", month="\uff12\uff10\uff12\uff11-01")]
    path = write(tmp_path / "fw.csv", [STREET_HEADER, *rows])
    (f,) = load_files(sqlite_store, [path]).files
    assert (f.loaded, f.quarantined) == (2, 1)
    assert "bad month" in _quarantine(sqlite_store)["reason"][0]


def test_quoted_field_over_128_kib_is_read(tmp_path: Path) -> None:
    big = "y" * (200 << 10)
    header = f'"{big}",b\n'
    table = read_csv((header + '1,"' + big + '"\n2,3\n').encode())
    assert table.header[0] == big
    assert table.frame.height == 2
    rows = [*_rows(2), 'x,"' + big + '",y']
    table = read_csv("\n".join([STREET_HEADER, *rows]).encode())
    assert table.frame.height == 2
    assert table.bad.height == 1


@pytest.mark.parametrize(
    "tail",
    [b'"abc\rdef\rghi\r', b'"open,\r\r\rx', bytes(range(256)) * 8],
    ids=["unbalanced-quote-bare-cr", "quote-cr-runs", "random-bytes"],
)
def test_unbalanced_quotes_and_random_bytes_never_crash(
    sqlite_store: Store, tmp_path: Path, tail: bytes
) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(("\n".join([STREET_HEADER, *_rows(3)]) + "\n").encode() + tail)
    (f,) = load_files(sqlite_store, [path]).files
    assert f.balanced
    assert f.loaded + f.quarantined == f.rows
    assert f.quarantined >= 1


def test_long_line_refuses_the_file_others_load(
    sqlite_store: Store, tmp_path: Path
) -> None:
    good = write(tmp_path / "in" / "good.csv", [STREET_HEADER, *_rows(2)])
    write(tmp_path / "in" / "long.csv", [STREET_HEADER, *_rows(2, 10), "z" * 5000])
    report = load_files(sqlite_store, [good.parent], limits=Limits(line_bytes=4096))
    files = _by_name(report)
    assert files["good.csv"]["loaded"] == 2
    assert files["long.csv"]["kind"] == "refused"
    assert "line 4 is 5,001 bytes" in str(files["long.csv"]["error"])
    q = _quarantine(sqlite_store)
    assert q["line"].to_list() == [0]
    assert q["reason"][0] == files["long.csv"]["error"]


def test_long_first_line_of_a_big_file_is_refused_streamed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    path = tmp_path / "line.csv"
    path.write_bytes(b"a" * (40 << 20))  # over the streaming size, no newline
    (f,) = load_files(sqlite_store, [path]).files
    assert f.kind == "refused"
    assert f.error is not None
    assert "ingest_max_line_bytes" in f.error


# --- archives ----------------------------------------------------------------------
def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _street(n: int, start: int = 0) -> bytes:
    return ("\n".join([STREET_HEADER, *_rows(n, start)]) + "\n").encode()


def test_zip_inside_a_zip_is_read(sqlite_store: Store, tmp_path: Path) -> None:
    inner = _zip({"2018-07/2018-07-x-street.csv": _street(3)})
    path = tmp_path / "outer.zip"
    path.write_bytes(_zip({"inner.zip": inner, "top.csv": _street(2, 10)}))
    report = load_files(sqlite_store, [path])
    assert report.loaded == 5
    names = [f.file for f in report.files]
    assert f"{path}!inner.zip!2018-07/2018-07-x-street.csv" in names


def test_a_broken_zip_in_a_folder_is_refused_and_the_rest_loads(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # One odd file never sinks a load: a zip met in a folder that cannot be opened
    # (cut short, or not a zip at all) is reported, the folder's other files load.
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a-broken.zip").write_bytes(_zip({"x.csv": _street(2)})[:40])
    (folder / "b-empty.zip").write_bytes(b"")
    (folder / "c.csv").write_bytes(_street(3))
    report = load_files(sqlite_store, [folder])
    files = _by_name(report)
    assert files["c.csv"]["loaded"] == 3
    for name in ("a-broken.zip", "b-empty.zip"):
        assert files[name]["kind"] == "refused"
        assert "Cannot open zip" in str(files[name]["error"])
    assert _quarantine(sqlite_store)["line"].to_list() == [0, 0]


def test_zip_bomb_member_is_refused_unread(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    bomb = STREET_HEADER.encode() + b"\n" * (64 << 20)
    path.write_bytes(_zip({"bomb.csv": bomb, "ok.csv": _street(2)}))
    report = load_files(sqlite_store, [path])
    files = _by_name(report)
    assert files["ok.csv"]["loaded"] == 2
    assert files["bomb.csv"]["kind"] == "refused"
    assert "compression ratio" in str(files["bomb.csv"]["error"])
    assert "ingest_max_ratio" in str(files["bomb.csv"]["error"])


def test_archive_and_file_size_limits(sqlite_store: Store, tmp_path: Path) -> None:
    path = tmp_path / "a.zip"
    path.write_bytes(_zip({"a.csv": _street(50), "b.csv": _street(50, 100)}))
    size = len(_street(50))
    report = load_files(
        sqlite_store, [path], limits=Limits(archive_bytes=size + size // 2)
    )
    files = _by_name(report)
    assert files["a.csv"]["loaded"] == 50
    assert "ingest_max_archive_bytes" in str(files["b.csv"]["error"])
    plain = write(tmp_path / "big.csv", [STREET_HEADER, *_rows(50, 200)])
    (f,) = load_files(sqlite_store, [plain], limits=Limits(file_bytes=100)).files
    assert f.error is not None
    assert "ingest_max_file_bytes" in f.error


def test_a_zip_is_opened_once_for_all_its_members(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "many.zip"
    path.write_bytes(_zip({f"m{i:03d}.csv": _street(1, i) for i in range(60)}))
    opened: list[object] = []
    real = zipfile.ZipFile

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args: object, **kw: object) -> None:
            opened.append(args[0])
            super().__init__(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(sources.zipfile, "ZipFile", Counting)
    files, _ = sources.expand_paths([path])
    assert sum(len(f.read_bytes()) for f in files) > 0
    assert len(opened) == 2  # listed once, then read once: not once per member


# --- symbolic links ----------------------------------------------------------------
def test_symlink_out_of_the_input_is_not_followed(
    sqlite_store: Store, tmp_path: Path
) -> None:
    outside = write(tmp_path / "secret" / "passwd.csv", ["root:x:0:0:root:/root"])
    folder = tmp_path / "in"
    write(folder / "good.csv", [STREET_HEADER, *_rows(2)])
    (folder / "link.csv").symlink_to(outside)
    (folder / "linkdir").symlink_to(outside.parent)
    report = load_files(sqlite_store, [folder])
    files = _by_name(report)
    assert files["good.csv"]["loaded"] == 2
    assert "outside the input folder" in str(files["link.csv"]["error"])
    assert "outside the input folder" in str(files["linkdir"]["error"])
    raws = _quarantine(sqlite_store)["raw"].drop_nulls().to_list()
    assert not any("root:x" in r for r in raws)
    followed = load_files(sqlite_store, [folder], follow_links=True)
    assert any(
        "root:x" in (f.error or "") or f.kind == "unknown" for f in followed.files
    )


# --- report and quarantine table agree ---------------------------------------------
def test_same_file_under_a_second_name_quarantines_under_that_name(
    sqlite_store: Store, tmp_path: Path
) -> None:
    lines = [STREET_HEADER, *_rows(2), street_row("bad", month="2018-13")]
    first = write(tmp_path / "a.csv", lines)
    second = tmp_path / "b.csv"
    shutil.copy(first, second)
    for path in (first, second, first):
        (f,) = load_files(sqlite_store, [path]).files
        stored = sqlite_store._query(
            "SELECT COUNT(*) AS n FROM quarantine WHERE source_file = ?",
            [str(path)],
            schema={"n": pl.Int64()},
        )["n"][0]
        assert f.quarantined == stored == 1


# --- bundles -----------------------------------------------------------------------
@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "bundle"))


@pytest.mark.parametrize("year", ["3000000000", "0x10", "\uff12\uff10\uff10\uff10"])
def test_bundle_birth_year_out_of_range_is_quarantined(
    sqlite_store: Store, bundle: Path, year: str
) -> None:
    people = bundle / "people.csv"
    lines = people.read_text().splitlines()
    header = lines[0].split(",")
    col = header.index("birth_year")
    fields = lines[1].split(",")
    fields[col] = year
    lines[1] = ",".join(fields)
    people.write_text("\n".join(lines) + "\n")
    report = load_files(sqlite_store, [bundle], kind="bundle")
    files = {Path(f.file).stem: f for f in report.files}
    assert files["people"].quarantined == 1
    reasons = _quarantine(sqlite_store).filter(
        pl.col("source_file").str.ends_with("people.csv")
    )
    assert reasons["reason"].to_list() == [f"not a int: {year}"]


def test_bundle_parquet_nul_byte_is_quarantined_on_both_stores(
    any_store: Store, bundle: Path
) -> None:
    """A Parquet cell with a NUL byte is quarantined, its raw text showing U+FFFD:
    PostgreSQL cannot store a NUL in text, and the load crashed there with "invalid
    byte sequence for encoding UTF8: 0x00" while SQLite stored the quarantine row."""
    people = pl.read_csv(bundle / "people.csv", infer_schema=False)
    first = people["person_id"][0]
    people.with_columns(
        pl.when(pl.col("person_id") == first)
        .then(pl.lit("Zo\x00e"))
        .otherwise(pl.col("sex"))
        .alias("sex")
    ).write_parquet(bundle / "people.parquet")
    (bundle / "people.csv").unlink()
    report = load_files(any_store, [bundle], kind="bundle")
    files = {Path(f.file).stem: f for f in report.files}
    assert (files["people"].loaded, files["people"].quarantined) == (
        people.height - 1,
        1,
    )
    (row,) = (
        _quarantine(any_store)
        .filter(pl.col("source_file").str.ends_with("people.parquet"))
        .rows(named=True)
    )
    assert "NUL" in row["reason"]
    assert "\x00" not in row["raw"]
    assert "Zo\ufffde" in row["raw"]


def test_bundle_names_are_case_insensitive_and_unread_files_reported(
    sqlite_store: Store, bundle: Path
) -> None:
    (bundle / "involvements.csv").rename(bundle / "involvements.CSV")
    (bundle / "extra").mkdir()
    (bundle / "extra" / "incidents.csv").write_text("x\n")
    (bundle / "notes.txt").write_text("hello\n")
    report = load_files(sqlite_store, [bundle], kind="bundle", strict=True)
    files = {Path(f.file).name: f for f in report.files}
    assert files["involvements.CSV"].loaded == 6
    assert str(bundle / "extra" / "incidents.csv") in report.skipped
    assert any(s.endswith("notes.txt") for s in report.skipped)


def test_bundle_zip_sub_folder_members_reported(
    sqlite_store: Store, bundle: Path, tmp_path: Path
) -> None:
    members = {
        p.name.upper() if p.stem == "groups" else p.name: p.read_bytes()
        for p in bundle.iterdir()
    }
    members["old/people.csv"] = b"x\n"
    path = tmp_path / "b.zip"
    path.write_bytes(_zip(members))
    report = load_files(sqlite_store, [path], kind="bundle")
    assert {Path(f.file).stem.lower() for f in report.files} >= {"groups", "people"}
    assert any(s.endswith("old/people.csv") for s in report.skipped)


def test_bundle_table_with_a_long_line_is_refused_others_load(
    sqlite_store: Store, bundle: Path
) -> None:
    with (bundle / "stops.csv").open("a") as fh:
        fh.write("q" * 5000 + "\n")
    report = load_files(
        sqlite_store, [bundle], kind="bundle", limits=Limits(line_bytes=4096)
    )
    files = {Path(f.file).stem: f for f in report.files}
    assert files["stops"].kind == "refused"
    assert files["incidents"].loaded == 5


# --- police.uk API JSON ------------------------------------------------------------
def test_api_json_with_mixed_types_quarantines_the_odd_records(
    any_store: Store, tmp_path: Path
) -> None:
    base = {
        "type": "Person search",
        "datetime": "2019-01-01T10:00:00+00:00",
        "location": {"latitude": "54.6", "longitude": "-2.9"},
        "gender": "Male",
        "age_range": "18-24",
        "outcome": "A no further action disposal",
        "operation": False,
    }
    records = [
        base,
        {**base, "location": "somewhere"},
        {**base, "location": {"latitude": [1], "longitude": "1"}},
        {**base, "type": "a\x00b"},
        {**base, "gender": {"x": 1}},
        {**base, "datetime": "2019-01-02T10:00:00+00:00", "location": None},
    ]
    path = tmp_path / "2019-01-cumbria-stops-force.json"
    path.write_text(json.dumps(records))
    (f,) = load_files(any_store, [path]).files
    assert (f.rows, f.loaded, f.quarantined) == (6, 2, 4)
    assert _quarantine(any_store)["line"].to_list() == [2, 3, 4, 5]


@pytest.mark.parametrize("odd", [b"a,b\rc,d", b"a,\x00b"], ids=["bare-cr", "nul"])
def test_streamed_scan_leaves_odd_files_to_the_whole_file_reader(
    tmp_path: Path, odd: bytes
) -> None:
    from avert.ingest._csv import scan_file

    path = tmp_path / "odd.csv"
    path.write_bytes(b"h1,h2\n" + b"1,2\n" * 1000 + odd + b"\n3,4\n")
    with path.open("rb", buffering=0) as fh:
        assert scan_file(fh, name=str(path)) is None
    clean = tmp_path / "clean.csv"
    clean.write_bytes(b"h1,h2\r\n" + b"1,2\r\n" * 1000)
    with clean.open("rb", buffering=0) as fh:
        assert scan_file(fh, name=str(clean)) is not None


def test_big_zip_member_is_unpacked_to_disk_and_read_in_parts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from avert.ingest import policeuk
    from avert.ingest.policeuk import _read as policeuk_read

    monkeypatch.setattr(policeuk_read, "STREAM_MIN_BYTES", 1000)
    unpacked: list[Path] = []
    real = policeuk_read._unpacked

    def spy(*args: object, **kw: object) -> Path:
        path = real(*args, **kw)  # type: ignore[arg-type]
        unpacked.append(path)
        return path

    monkeypatch.setattr(policeuk_read, "_unpacked", spy)
    body = _street(500)
    path = tmp_path / "a.zip"
    path.write_bytes(_zip({"2018-07/2018-07-x-street.csv": body}))
    (source,), _ = sources.expand_paths([path])
    parts = list(policeuk.parse_policeuk_parts(source, part_lines=100))
    assert len(parts) > 1  # read part by part from the unpacked file
    assert sum(p.rows for p in parts) == 500
    assert parts[0].file == f"{path}!2018-07/2018-07-x-street.csv"
    whole = policeuk.parse_policeuk_bytes(body, name="x", basename="x.csv")
    assert parts[0].sha256 == whole.sha256
    (tmp,) = unpacked
    assert not tmp.exists()  # the temporary copy is gone
