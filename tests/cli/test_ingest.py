"""CLI: avert ingest policeuk|bundle, avert status, avert quarantine list|export."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.errors import IngestError
from avert.schema import QUARANTINE
from avert.store import Store
from ingest.helpers import STREET_HEADER

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture
def db(template_db: Path, tmp_path: Path) -> str:
    shutil.copy(template_db, tmp_path / "cli.db")
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad" / "2018-07-x-street.csv"
    path.parent.mkdir()
    path.write_text(
        STREET_HEADER + "\n" + ",2018-99,A,A,-1.4,53.5,On or near X,E1,N,Robbery,,\n"
    )
    return path


def test_ingest_json_status_json_and_quarantine(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    bad = _bad_file(tmp_path)
    result = runner.invoke(
        app,
        ["--db", db, "ingest", "policeuk", str(DATA / "policeuk"), str(bad), "--json"],
    )
    assert result.exit_code == 3, result.output  # loaded, but a row was rejected
    files = json.loads(result.stdout)
    data_files = [f for f in files if f["kind"] != "skipped"]
    for f in data_files:
        assert {"file", "kind", "rows", "loaded", "quarantined", "duplicates"} <= set(f)
        assert f["rows"] == f["loaded"] + f["quarantined"] + f["duplicates"]
    assert [f["quarantined"] for f in data_files if f["file"] == str(bad)] == [1]
    assert any(
        f["kind"] == "skipped" and f["file"].endswith("README.md") for f in files
    )

    status = runner.invoke(app, ["--db", db, "status", "--json"])
    assert status.exit_code == 0, status.output
    summary = json.loads(status.stdout)
    loaded = sum(f["loaded"] for f in data_files)
    tables = summary["tables"]
    assert tables["incidents"] + tables["stops"] == loaded
    assert (
        tables["quarantine"]
        == summary["quarantine"]["rejected"] + summary["quarantine"]["duplicate"]
    )
    assert summary["quarantine"]["rejected"] == 1
    assert summary["stops"]["by_force"]["cumbria"] == 119
    assert "2019-06" in summary["incidents"]["by_month"]

    listed = runner.invoke(
        app, ["--db", db, "quarantine", "list", "--json", "--limit", "500"]
    )
    rows = json.loads(listed.stdout)
    assert [r["line"] for r in rows if r["kind"] == "rejected"] == [2]
    out = tmp_path / "q.csv"
    exported = runner.invoke(app, ["--db", db, "quarantine", "export", str(out)])
    assert exported.exit_code == 0
    assert pl.read_csv(out).height == tables["quarantine"]

    human = runner.invoke(app, ["--db", db, "status"])
    assert human.exit_code == 0
    assert "incidents" in human.stdout
    table = runner.invoke(app, ["--db", db, "quarantine", "list"])
    assert table.exit_code == 0
    assert "2018-99" in table.stdout


def test_ingest_twice_prints_duplicates(db: str) -> None:
    runner = CliRunner()
    path = str(DATA / "policeuk" / "2019-06")
    first = json.loads(
        runner.invoke(app, ["--db", db, "ingest", "policeuk", path, "--json"]).stdout
    )
    second = json.loads(
        runner.invoke(app, ["--db", db, "ingest", "policeuk", path, "--json"]).stdout
    )
    assert first[0]["loaded"] == 895
    assert first[0]["duplicates"] == 27
    assert second[0]["loaded"] == 0
    assert second[0]["duplicates"] == 922
    text = runner.invoke(app, ["--db", db, "ingest", "policeuk", path])
    assert text.exit_code == 0
    assert "922" in text.stdout
    assert "total" in text.stdout


def test_strict_exits_1_and_loads_nothing(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["--db", db, "ingest", "policeuk", str(_bad_file(tmp_path)), "--strict"]
    )
    assert result.exit_code == 1
    assert isinstance(result.exception, IngestError)
    status = json.loads(runner.invoke(app, ["--db", db, "status", "--json"]).stdout)
    assert sum(status["tables"].values()) == 0


def test_missing_input_is_a_usage_error(db: str, tmp_path: Path) -> None:
    """A path that does not exist: exit 2 naming it (it was 1, as a load error)."""
    result = CliRunner().invoke(
        app,
        ["--db", db, "ingest", "policeuk", str(tmp_path / "nope")],
        env={"COLUMNS": "300"},
    )
    assert result.exit_code == 2
    assert f"no such file or folder: {tmp_path / 'nope'}" in result.output


def test_a_load_of_empty_files_says_they_are_empty(db: str, tmp_path: Path) -> None:
    """A street file named as police.uk names it, cut short to nothing: the load
    said "No file here is a data.police.uk file", then how aggregate tables are
    not loaded; it says the files are empty. A file that is not police.uk beside
    it keeps that advice."""
    empty = tmp_path / "2019-01-city-of-london-street.csv"
    empty.write_bytes(b"")
    runner = CliRunner()
    args = ["--db", db, "ingest", "policeuk", str(empty)]
    said = " ".join(runner.invoke(app, args, env={"COLUMNS": "300"}).output.split())
    assert "Every file given is empty (not even a header): nothing to load" in said
    assert "No file here is a data.police.uk file" not in said
    counts = tmp_path / "counts.csv"
    counts.write_text("LSOA11CD,2019\nE01000001,3\n")
    result = runner.invoke(app, [*args, str(counts)], env={"COLUMNS": "300"})
    assert "No file here is a data.police.uk file" in result.output
    assert "Every file given is empty" not in result.output


@pytest.mark.parametrize(
    "command",
    ["policeuk", "bundle", "table", "population", "confidence", "centroids"],
)
def test_ingest_help_lists_the_usage_error_exit_code(command: str) -> None:
    """The help's exit codes were 0, 3 and 1: a missing input path exits 2."""
    result = CliRunner().invoke(
        app, ["ingest", command, "--help"], env={"COLUMNS": "300"}
    )
    assert result.exit_code == 0
    assert "2 a usage error" in " ".join(result.output.split())


def test_ingest_bundle_and_crs_option(db: str) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["--db", db, "ingest", "bundle", str(DATA / "bundle-example"), "--json"]
    )
    assert result.exit_code == 0, result.output
    assert sum(f["loaded"] for f in json.loads(result.stdout)) == 23
    cumbria = str(DATA / "policeuk" / "2019-01" / "2019-01-cumbria-stop-and-search.csv")
    laea = runner.invoke(
        app, ["--db", db, "ingest", "policeuk", cumbria, "--crs", "EPSG:3035", "--json"]
    )
    assert laea.exit_code == 0, laea.output
    status = json.loads(runner.invoke(app, ["--db", db, "status", "--json"]).stdout)
    assert status["tables"]["stops"] == 2 + 119


def test_progress_bar_is_off_when_not_a_tty(db: str) -> None:
    result = CliRunner().invoke(
        app, ["--db", db, "ingest", "policeuk", str(DATA / "policeuk" / "2019-06")]
    )
    assert "loading" not in result.stdout
    assert "\x1b[" not in result.stdout or "━" not in result.stdout.split("load")[0]


def test_init_ingest_status_in_one_process_keep_the_database_sound(
    tmp_path: Path,
) -> None:
    # The whole CLI sequence in one process (SQLAlchemy's sqlite3 and ADBC's SQLite
    # side by side) leaves a sound database; tests/store pins the NullPool guard.
    db = f"sqlite:///{tmp_path / 'one.db'}"
    runner = CliRunner()
    for args in (
        ["db", "init"],
        ["ingest", "policeuk", str(DATA / "policeuk")],
        ["status", "--json"],
        ["ingest", "policeuk", str(DATA / "policeuk")],
        ["db", "upgrade"],
    ):
        result = runner.invoke(app, ["--db", db, *args])
        assert result.exit_code == 0, result.output
    store = Store(db)
    assert store.pragma("integrity_check") == "ok"
    assert store.count("incidents") > 0


def _odd_folder(tmp_path: Path) -> Path:
    """A folder of one good file and the three odd files of issue 12.2."""
    folder = tmp_path / "odd"
    folder.mkdir()
    row = "abc{},2018-07,WY,WY,-1.409547,53.598298,On or near X,E1,N,Robbery,,"
    good = [STREET_HEADER, *(row.format(i) for i in range(3))]
    (folder / "good.csv").write_text("\n".join(good) + "\n")
    mac = [STREET_HEADER, *(row.format(i + 10) for i in range(4))]
    (folder / "mac.csv").write_bytes(("\r".join(mac) + "\r").encode())
    long_line = "x" * ((1 << 20) + 10)
    (folder / "long.csv").write_text("\n".join([*good, long_line]) + "\n")
    (folder / "random.csv").write_bytes(bytes(range(256)) * 40)
    return folder


def test_odd_files_never_sink_a_folder_load(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = _odd_folder(tmp_path)
    result = runner.invoke(
        app, ["--db", db, "ingest", "policeuk", str(folder), "--json"]
    )
    assert result.exit_code == 3, result.output
    files = {Path(f["file"]).name: f for f in json.loads(result.stdout)}
    assert files["good.csv"]["loaded"] == 3
    assert files["mac.csv"]["loaded"] == 4  # CR-only line ends read as lines
    assert "error" not in files["mac.csv"]
    assert files["long.csv"]["kind"] == "refused"
    assert "ingest_max_line_bytes" in files["long.csv"]["error"]
    assert files["random.csv"]["error"]
    store = Store(db)
    quarantined = store._query(
        "SELECT source_file, line, reason FROM quarantine",
        schema=QUARANTINE.schema_of("source_file", "line", "reason"),
    )
    store.close()
    by_file = {Path(f).name for f in quarantined["source_file"].to_list()}
    assert {"long.csv", "random.csv"} <= by_file
    long_row = quarantined.filter(pl.col("source_file").str.ends_with("long.csv"))
    assert long_row["line"].to_list() == [0]
    # the table names the refusal too, and --accept-rejects exits 0
    again = runner.invoke(
        app, ["--db", db, "ingest", "policeuk", str(folder), "--accept-rejects"]
    )
    assert again.exit_code == 0, again.output
    assert "ingest_max_line_bytes" in again.stdout.replace("\n", "")


def test_odd_files_with_strict_load_nothing(db: str, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["--db", db, "ingest", "policeuk", str(_odd_folder(tmp_path)), "--strict"]
    )
    assert result.exit_code == 1
    status = json.loads(runner.invoke(app, ["--db", db, "status", "--json"]).stdout)
    assert sum(status["tables"].values()) == 0


def test_clean_load_exits_0(db: str) -> None:
    result = CliRunner().invoke(
        app, ["--db", db, "ingest", "policeuk", str(DATA / "policeuk" / "2019-06")]
    )
    assert result.exit_code == 0, result.output


def test_ingest_table_names_the_folder_once(db: str) -> None:
    result = CliRunner().invoke(
        app, ["--db", db, "ingest", "policeuk", str(DATA / "policeuk")]
    )
    out = " ".join(result.output.split())  # the terminal may wrap the title
    assert f"files in {DATA / 'policeuk'}" in out
    table_rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert table_rows
    assert not [row for row in table_rows if str(DATA) in row]  # names, not paths
    assert "README.md" in out


def test_ingest_table_names_a_zip_once(db: str, tmp_path: Path) -> None:
    """A data.police.uk archive (YYYY-MM/ folders in a zip): the zip is said once,
    in the title, and each row names its member, not 'archive.zip!...' again (at
    80 columns the repeated zip name wrapped each file over three lines)."""
    archive = tmp_path / "archive.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for month in sorted((DATA / "policeuk").glob("20??-??")):
            for f in sorted(month.glob("*.csv")):
                z.write(f, f"{month.name}/{f.name}")
    result = CliRunner().invoke(app, ["--db", db, "ingest", "policeuk", str(archive)])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    # a long temporary path may be folded anywhere in the title
    assert f"filesin{archive}" in "".join(result.output.split())
    table_rows = [line for line in result.output.splitlines() if line.startswith("│")]
    assert table_rows
    assert not [row for row in table_rows if "archive.zip" in row]
    assert "2019-06/" in out


@pytest.mark.parametrize(
    ("loader", "extra"),
    [
        (["policeuk"], ["--crs", "EPSG:3857"]),
        (["bundle"], []),
        (["table", "--mapping", "toronto-mci"], ["--crs", "EPSG:3857"]),
    ],
)
def test_every_loader_passes_its_flags_to_the_load(
    db: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    loader: list[str],
    extra: list[str],
) -> None:
    """The flags the loaders share reach the load, the classification and the exit
    code of each loader (one place reads them: ``avert.cli.ingest._run``)."""
    from avert.ingest.result import FileReport
    from avert.workflows import load

    seen: dict[str, object] = {}
    refused = FileReport("x.csv", loader[0], 0, error="refused")

    def fake_load(store: object, paths: list[str], **kwargs: object) -> object:
        seen.update(kwargs, paths=paths, classified=False)
        return load.LoadReport(load_id="L1", files=[refused])

    def fake_refresh(*args: object, **kwargs: object) -> object:
        seen["classified"] = True
        return load.Refresh()

    monkeypatch.setattr(load, "load_files", fake_load)
    monkeypatch.setattr(load, "refresh_after_load", fake_refresh)
    args = ["--db", db, "ingest", *loader, str(tmp_path), *extra]
    flags = ["--strict", "--no-classify", "--accept-rejects", "--follow-links"]
    given = CliRunner().invoke(app, [*args, *flags, "--json"])
    assert given.exit_code == 0, given.output  # --accept-rejects
    assert json.loads(given.stdout)[0]["error"] == "refused"  # --json
    assert seen["kind"] == loader[0]
    assert seen["paths"] == [str(tmp_path)]
    assert seen["crs"] == ("EPSG:3857" if extra else "EPSG:27700")
    assert (seen["strict"], seen["follow_links"], seen["classified"]) == (
        True,
        True,
        False,
    )
    plain = CliRunner().invoke(app, args)
    assert plain.exit_code == 3, plain.output
    assert (seen["strict"], seen["follow_links"], seen["classified"]) == (
        False,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("loader", "name", "text"),
    [
        (
            "population",
            "pop-2011.csv",
            "lsoa11cd,msoa11cd,lad_name,region_name,persons,WhiteBrit,Irish,"
            "GypsyTraveller,OtherWhite,Mixed,Indian,Pakistani,Bangladeshi,Chinese,"
            "OtherAsian,BlkAfrican,BlkCaribbean,OtherBlk,Arab,Other\n"
            "E01000001,E02000001,City of London,London,1465,968,32,1,237,54,49,3,3,"
            "44,29,6,1,4,6,28\n"
            "E01000002,E02000001,City of London,London,abc,1,1,1,1,1,1,1,1,1,1,1,1,"
            "1,1,1\n",
        ),
        ("centroids", "c.csv", "lsoa21cd,lat,long\nE01000001,51.5,-0.09\nE2,x,y\n"),
    ],
)
def test_area_loaders_exit_3_on_rejects_like_the_incident_loaders(
    sqlite_store: Store, tmp_path: Path, loader: str, name: str, text: str
) -> None:
    """docs/command-line.md: exit 3 when `avert ingest ...` loaded but rejected some
    input. `ingest population`, `centroids` and `confidence` exited 0 with a row
    (or a whole file) quarantined, so a script could not tell."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    base = ["--db", sqlite_store.url.sqlalchemy, "ingest", loader, str(path)]
    rejected = CliRunner().invoke(app, base)
    assert rejected.exit_code == 3, rejected.output
    accepted = CliRunner().invoke(app, [*base, "--accept-rejects"])
    assert accepted.exit_code == 0, accepted.output


def test_a_folder_of_no_police_uk_file_says_what_it_is(db: str, tmp_path: Path) -> None:
    """A folder of aggregate counts (the Home Office's offences per force and
    quarter) given to 'ingest policeuk': the table was titled "load ...: unknown",
    its README line read "Skipped (not unknown files)", the total was unformatted
    ("23200 row(s) rejected") and nothing said that avert loads records, not
    counts. Now the title and line say no file was recognised and point to the
    documentation of aggregate tables."""
    folder = tmp_path / "prc"
    folder.mkdir()
    header = "Force_Name,Offence_Code,Number_of_Offences"
    rows = [f"West Yorkshire,8N,{i}" for i in range(1200)]
    (folder / "prc-pfa.csv").write_text("\n".join([header, *rows]) + "\n")
    (folder / "README.md").write_text("# counts\n")
    result = CliRunner().invoke(app, ["--db", db, "ingest", "policeuk", str(folder)])
    assert result.exit_code == 3, result.output
    out = " ".join(result.output.split())
    assert "unknown" not in out
    assert "no file recognised" in out
    assert "Skipped (not data files): README.md" in out
    assert "1,200 row(s) rejected" in out
    assert "not counts" in out
    assert "docs/formats.md" in out


def test_status_names_the_months_a_store_lacks(db: str) -> None:
    """West Yorkshire's July 2018 and the City of London's 2019 in one store:
    'avert status' printed "incidents months: 2018-07 .. 2019-12 (13)", which reads
    as thirteen months in a row. It now names the months between with no record
    (here August 2018 to May 2019)."""
    runner = CliRunner()
    for month in ("2018-07", "2019-06"):
        loaded = runner.invoke(
            app, ["--db", db, "ingest", "policeuk", str(DATA / "policeuk" / month)]
        )
        assert loaded.exit_code in (0, 3), loaded.output
    result = runner.invoke(app, ["--db", db, "status"])
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert (
        "incidents months: 2018-07 .. 2019-06: 2 of its 12 months hold records; "
        "none in 2018-08 .. 2019-05"
    ) in out


def test_status_names_stop_forces_as_avert_does(db: str) -> None:
    """'avert status' named the forces of stop and search by the slug of their
    file names ("stops by force: metropolitan 50"), where the rest of avert (the
    equality analysis, the board pack) names them "Metropolitan Police Service";
    it names them so, with the id '--force' takes."""
    runner = CliRunner()
    folder = DATA / "policeuk" / "2019-01"
    loaded = runner.invoke(app, ["--db", db, "ingest", "policeuk", str(folder)])
    assert loaded.exit_code in (0, 3), loaded.output
    result = runner.invoke(app, ["--db", db, "status"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    line = next(x for x in result.output.splitlines() if x.startswith("stops by force"))
    assert "Cumbria Constabulary (cumbria) " in line, line
    assert "Metropolitan Police Service (metropolitan) " in line, line
    # the stable JSON keeps the ids other tools read
    as_json = json.loads(runner.invoke(app, ["--db", db, "status", "--json"]).output)
    assert set(as_json["stops"]["by_force"]) == {"cumbria", "metropolitan"}


def test_ingest_fills_the_lookup_of_typed_pseudonyms(db: str) -> None:
    """With a pseudonym key, a load fills ``pseudonym_index`` with each stored
    id's pseudonym (avert.store.pseudonyms), so the first partner save that
    types one hashes no stored id; without a key it stays empty."""
    runner = CliRunner()
    bundle = ["--db", db, "ingest", "bundle", str(DATA / "bundle-example"), "--json"]
    assert runner.invoke(app, bundle).exit_code == 0
    store = Store(db)
    try:
        assert store.count("pseudonym_index") == 0
        key = {"AVERT_PSEUDONYM_KEY": "x7Qp2LmZ9rTb4VwK8sNd3HjF6gYc1UaE5oRi0"}
        assert runner.invoke(app, bundle, env=key).exit_code == 0
        ids = sum(
            store.count(t)
            for t in (
                "people",
                "incidents",
                "groups",
                "detected_groups",
                "asb",
                "stops",
                "intelligence",
            )
        )
        assert ids > 0
        # under pseudonym_scope organisation (the default) a row per id under
        # the secret's key and the board's; no account names an organisation
        assert store.read_frame("users").is_empty()
        assert store.count("pseudonym_index") == 2 * ids
    finally:
        store.close()


@pytest.mark.parametrize("command", ["population", "centroids", "confidence"])
def test_a_folder_for_a_file_is_a_usage_error_naming_its_csv_files(
    db: str, tmp_path: Path, command: str
) -> None:
    """'avert ingest population <data folder>' (as 'avert ingest policeuk' takes
    one) read nothing and exited 1, an avert error; its help says a usage error,
    nothing read, is 2. It is 2 now, naming the files to give instead."""
    folder = tmp_path / "census-2021"
    folder.mkdir()
    (folder / "README.md").write_text("about\n")
    (folder / "b.csv").write_text("x\n")
    (folder / "a.csv").write_text("x\n")
    result = CliRunner().invoke(app, ["--db", db, "ingest", command, str(folder)])
    assert result.exit_code == 2, result.output
    words = " ".join(result.output.split())
    assert "is a folder: give a file in it: a.csv, b.csv" in words
    assert "README" not in words
