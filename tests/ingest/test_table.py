"""``avert ingest table``: any incident table through a TOML mapping."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

import avert
from avert.cli import app
from avert.errors import ConfigError, IngestError
from avert.ingest.limits import Limits
from avert.ingest.table import parse_table, read_mapping
from avert.store import Store
from avert.workflows.load import load_files

TORONTO_MAPPING = (
    Path(avert.__file__).parent / "config" / "mappings" / "toronto-mci.toml"
)
SHARED_CSV = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "data"
    / "incidents-toronto-major-crime-indicators-2017-2021"
    / "toronto-mci-2017-2021.csv"
)

CSV = (
    "occurrence_date,occurrence_hour,mci_category,premises_type,neighbourhood,latitude,longitude\n"
    "2021-01-01,3,Assault,House,A,43.70,-79.40\n"
    "2021-01-01,3,Assault,House,A,43.70,-79.40\n"  # identical row: a second incident
    "2021-01-02,25,Assault,House,A,43.70,-79.40\n"  # bad hour
    "2021-01-02,4,Robbery,Outside,B,,\n"  # no place: rejected, as in a bundle
    "not-a-date,4,Robbery,Outside,B,43.71,-79.41\n"
    "2021-01-03,5,Robbery,Outside\n"  # ragged line
)


def _write(tmp_path: Path, text: str = CSV, name: str = "tor.csv") -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_toronto_mapping_parses_rows_and_quarantines_with_file_lines(
    tmp_path: Path,
) -> None:
    spec = read_mapping(TORONTO_MAPPING)
    parsed = parse_table(
        _write(tmp_path).read_bytes(), spec, name="tor.csv", crs="EPSG:32617"
    )
    inc = parsed.frames["incidents"]
    assert parsed.rows == 6
    assert inc.height == 2
    assert inc["incident_id"].n_unique() == 2
    assert inc["source_line"].to_list() == [2, 3]
    assert inc["occurred_from"][0].hour == 3
    assert inc["time_precision"].to_list() == ["hour", "hour"]  # OCC_HOUR only
    assert inc["source"][0] == "toronto-mci"
    assert "offence_code" not in inc.columns  # no offence codes: expected harm
    assert inc["crime_type"].to_list() == ["Violence and sexual offences"] * 2
    assert 600_000 < inc["x"][0] < 700_000  # UTM 17N easting
    assert sorted(parsed.problems["line"].to_list()) == [4, 5, 6, 7]
    assert parsed.rows == inc.height + parsed.problems.height


def test_a_time_that_does_not_read_is_quoted_with_what_it_was_read_with(
    tmp_path: Path,
) -> None:
    """The bundle's check sees only the mapped (empty) time; the quarantine reason
    quotes the file's value and the format (or the hour) it failed with."""
    parsed = parse_table(
        _write(tmp_path).read_bytes(),
        read_mapping(TORONTO_MAPPING),
        name="tor.csv",
        crs="EPSG:32617",
    )
    reasons = dict(
        parsed.problems.filter(pl.col("column") == "occurred_at")
        .select("line", "reason")
        .iter_rows()
    )
    assert reasons[4] == (
        "time '2021-01-02' with hour '25' does not read as ISO 8601 (or set "
        "[table].time_format) (occurred_hour: a whole number 0-23)"
    )
    assert "not-a-date" in reasons[6]  # read as a date: the bundle's own reason
    m = tmp_path / "us.toml"
    m.write_text(
        "[table]\ntime_format = '%m/%d/%Y %H:%M'\n[columns]\noccurred_at = 'when'\n"
        "crime_type = 'type'\nlat = 'lat'\nlon = 'lon'\n",
        encoding="utf-8",
    )
    text = "when,type,lat,lon\n01/05/2021 23:30,Robbery,51.5,-0.1\n13/05/2021 23:30,Robbery,51.5,-0.1\n,Robbery,51.5,-0.1\n"
    us = parse_table(text.encode(), read_mapping(m), name="us.csv", crs="EPSG:27700")
    got = us.problems.select("line", "reason").sort("line").rows()
    assert got == [
        (3, "time '13/05/2021 23:30' does not read with time_format '%m/%d/%Y %H:%M'"),
        (4, "required value missing"),  # no time given: said as before
    ]


def _toronto_without_categories() -> str:
    return TORONTO_MAPPING.read_text().split("\n[categories]")[0]


def test_categories_give_offence_codes(tmp_path: Path) -> None:
    m = tmp_path / "m.toml"
    m.write_text(
        _toronto_without_categories() + '\n[categories]\n"Robbery" = "34B"\n',
        encoding="utf-8",
    )
    parsed = parse_table(
        _write(tmp_path).read_bytes(), read_mapping(m), name="t.csv", crs="EPSG:32617"
    )
    inc = parsed.frames["incidents"]
    assert inc["offence_code"].to_list() == [None, None]  # assaults: unmapped
    text = CSV + "2021-01-04,6,Robbery,Outside,B,43.71,-79.41\n"
    parsed = parse_table(
        _write(tmp_path, text).read_bytes(),
        read_mapping(m),
        name="t.csv",
        crs="EPSG:32617",
    )
    robbery = parsed.frames["incidents"].filter(pl.col("crime_type") == "Robbery")
    assert robbery["offence_code"].to_list() == ["34B"]


def test_categories_give_policeuk_types_and_keys_stay_the_files(
    tmp_path: Path,
) -> None:
    """A category translated to a police.uk crime type (any case) becomes it; one
    left out stays as the file spells it; keys are the same as without translation
    (made from the file's own category), so a re-load with it adds nothing."""
    text = CSV + "2021-01-04,6,Theft Over,Outside,B,43.71,-79.41\n"
    data = _write(tmp_path, text).read_bytes()
    plain, mapped = tmp_path / "plain.toml", tmp_path / "mapped.toml"
    plain.write_text(_toronto_without_categories(), encoding="utf-8")
    mapped.write_text(
        _toronto_without_categories()
        + '\n[categories]\n"Assault" = "violence AND sexual offences"\n',
        encoding="utf-8",
    )
    before, after = (
        parse_table(data, read_mapping(m), name="t.csv", crs="EPSG:32617").frames[
            "incidents"
        ]
        for m in (plain, mapped)
    )
    assert before["crime_type"].to_list() == ["Assault", "Assault", "Theft Over"]
    assert after["crime_type"].to_list() == [
        "Violence and sexual offences",
        "Violence and sexual offences",
        "Theft Over",
    ]
    assert "offence_code" not in after.columns
    assert after["incident_id"].to_list() == before["incident_id"].to_list()


def test_a_misspelled_police_uk_type_in_categories_is_refused(
    tmp_path: Path,
) -> None:
    """A value that nearly spells a police.uk crime type was read as an offence
    code: its rows had no harm, were outside violence, and a corrected mapping
    loaded every row again (the code is part of the key)."""
    m = tmp_path / "m.toml"
    m.write_text(
        _toronto_without_categories()
        + '\n[categories]\n"Assault" = "Violence and sexual offence"\n',
        encoding="utf-8",
    )
    with pytest.raises(
        ConfigError, match="did you mean 'Violence and sexual offences'"
    ):
        read_mapping(m)
    m.write_text(  # a code, however unknown, is no typo of a crime type
        _toronto_without_categories() + '\n[categories]\n"Assault" = "CIFAS"\n',
        encoding="utf-8",
    )
    assert read_mapping(m).categories == {"Assault": "CIFAS"}


def test_a_misspelled_category_key_is_named_in_the_files_note(
    tmp_path: Path,
) -> None:
    """A [categories] key that no row holds, beside an untranslated category of
    the file spelled nearly so, is named: the file's assaults were stored as
    "Assault", outside violence, with no word but the harm line's."""
    m = tmp_path / "m.toml"
    m.write_text(
        _toronto_without_categories()
        + '\n[categories]\n"Asault" = "Violence and sexual offences"\n'
        + '"Break and Enter" = "Burglary"\n',  # in no row, nothing near: no note
        encoding="utf-8",
    )
    parsed = parse_table(
        _write(tmp_path).read_bytes(), read_mapping(m), name="t.csv", crs="EPSG:32617"
    )
    assert parsed.frames["incidents"]["crime_type"].to_list() == ["Assault"] * 2
    assert parsed.note is not None
    assert "'Asault' (the file has 'Assault') matches no row's mci_category" in (
        parsed.note
    )
    assert "Break and Enter" not in parsed.note
    spelled = parse_table(
        _write(tmp_path).read_bytes(),
        read_mapping(TORONTO_MAPPING),
        name="t.csv",
        crs="EPSG:32617",
    )
    assert spelled.note is None


@pytest.mark.parametrize(
    ("body", "match"),
    [
        ("[columns]\ncrime_type = 'c'\n", "occurred_at"),
        (
            "[table]\ntime_precision = 'minute'\n[columns]\noccurred_at = 't'\n"
            "crime_type = 'c'\nlat = 'a'\nlon = 'o'\n",
            r"table\.time_precision: must be .*'hour'.*; got 'minute'",
        ),
        (
            "[table]\ntime_precison = 'hour'\n[columns]\noccurred_at = 't'\n",
            r"table: unknown keys \['time_precison'\]",
        ),
        ("[tabel]\nsource = 's'\n[columns]\noccurred_at = 't'\n", "unknown tables"),
        ("[columns]\noccurred_at = 't'\nlat = 'a'\n", "lat with lon"),
        ("[columns]\noccurred_at = 't'\nnope = 'a'\n", "unknown keys"),
        ("[columns]\noccurred_at = 't'\n[categories]\nA = '1'\n", "crime_type"),
        (
            "[columns]\noccurred_at = 't'\nlat = 'a'\nlon = 'o'\n",
            "columns: needs offence_code or crime_type",
        ),
        (
            "[columns]\noccurred_at = 't'\ncrime_type = 'c'\nlsoa = 'l'\n",
            "columns: needs the place: lat and lon",
        ),
        ("not toml [", "TOML"),
        (
            "[table]\ncrs = 'feet'\n[columns]\noccurred_at = 't'\ncrime_type = 'c'\n"
            "x = 'a'\ny = 'b'\n",
            r"table\.crs: unknown CRS 'feet' \(the CRS of the x/y columns",
        ),
    ],
)
def test_bad_mappings_name_the_problem(tmp_path: Path, body: str, match: str) -> None:
    m = tmp_path / "m.toml"
    m.write_text(body, encoding="utf-8")
    with pytest.raises(ConfigError, match=match):
        read_mapping(m)


_TIMES = (
    "ref,when,cat,lat,lon\n"
    "R1,2021-03-15 13:47:12,Assault,43.70,-79.40\n"
    "R2,2021-03-15,Assault,43.70,-79.40\n"  # a date alone: day
)


@pytest.mark.parametrize(
    ("stated", "precisions", "first"),
    [
        (None, ["exact", "day"], "2021-03-15 13:47:12"),
        ("exact", ["exact", "day"], "2021-03-15 13:47:12"),
        ("hour", ["hour", "day"], "2021-03-15 13:00:00"),
        ("day", ["day", "day"], "2021-03-15 00:00:00"),
        ("month", ["month", "month"], "2021-03-01 00:00:00"),
    ],
)
def test_the_mapping_states_the_time_precision(
    tmp_path: Path, stated: str | None, precisions: list[str], first: str
) -> None:
    """[table].time_precision labels the times (a row's own coarser precision
    wins) and cuts occurred_from to the start of its period; without it, as
    before: exact, or day for a date alone."""
    m = tmp_path / "m.toml"
    line = "" if stated is None else f"time_precision = '{stated}'\n"
    m.write_text(
        f"[table]\nsource = 's'\n{line}[columns]\nincident_id = 'ref'\n"
        "occurred_at = 'when'\ncrime_type = 'cat'\nlat = 'lat'\nlon = 'lon'\n",
        encoding="utf-8",
    )
    spec = read_mapping(m)
    assert spec.time_precision == (stated or "exact")
    inc = parse_table(_TIMES.encode(), spec, name="t.csv", crs="EPSG:32617").frames[
        "incidents"
    ]
    assert inc["time_precision"].to_list() == precisions
    assert str(inc["occurred_from"][0]) == first
    assert inc["occurred_from"][1].hour == 0


def test_default_time_precision_keeps_the_mapping_digest(tmp_path: Path) -> None:
    """A mapping that states no precision digests as before the key existed, so
    re-loading a file already loaded with it is not a new load."""
    body = (
        "[table]\nsource = 's'\n[columns]\noccurred_at = 't'\ncrime_type = 'c'\n"
        "lat = 'a'\nlon = 'o'\n"
    )
    m = tmp_path / "m.toml"
    m.write_text(body, encoding="utf-8")
    plain = read_mapping(m)
    m.write_text(body.replace("[columns]", "time_precision = 'exact'\n[columns]"))
    assert read_mapping(m).digest() == plain.digest()
    m.write_text(body.replace("[columns]", "time_precision = 'hour'\n[columns]"))
    assert read_mapping(m).digest() != plain.digest()


def test_missing_mapped_column_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="latitude"):
        parse_table(
            b"occurrence_date,occurrence_hour,mci_category,neighbourhood\n",
            read_mapping(TORONTO_MAPPING),
            name="x.csv",
        )


US_TIMES = (
    "id,when,type,lat,lon\n"
    "1,03/19/2021 02:16:00 AM,ASSAULT,43.70,-79.40\n"
    "2,03/20/2021 11:05:00 PM,ROBBERY,43.71,-79.41\n"
)


def _us_mapping(tmp_path: Path, time_format: str | None) -> Path:
    m = tmp_path / "us.toml"
    fmt = f"time_format = '{time_format}'\n" if time_format else ""
    m.write_text(
        f"[table]\nsource = 'us'\n{fmt}[columns]\nincident_id = 'id'\n"
        "occurred_at = 'when'\ncrime_type = 'type'\nlat = 'lat'\nlon = 'lon'\n",
        encoding="utf-8",
    )
    return m


@pytest.mark.parametrize(
    ("time_format", "match"),
    [(None, r"set \[table\]\.time_format"), ("%d-%m-%Y", "does not read it")],
)
def test_times_that_never_read_stop_the_load(
    tmp_path: Path, time_format: str | None, match: str
) -> None:
    """A missing or wrong time_format is a mapping error: nothing is loaded, rather
    than every row quarantined."""
    with pytest.raises(IngestError, match=match):
        parse_table(
            US_TIMES.encode(),
            read_mapping(_us_mapping(tmp_path, time_format)),
            name="us.csv",
            crs="EPSG:32617",
        )
    parsed = parse_table(
        US_TIMES.encode(),
        read_mapping(_us_mapping(tmp_path, "%m/%d/%Y %I:%M:%S %p")),
        name="us.csv",
        crs="EPSG:32617",
    )
    assert parsed.frames["incidents"]["occurred_from"][1].hour == 23


HEADER = CSV.splitlines()[0] + "\n"


@pytest.mark.parametrize(
    "text",
    [HEADER, HEADER + "2021-01-03,5,Robbery,Outside\n"],
    ids=["header", "ragged"],
)
def test_a_file_of_no_rows_loads_nothing_without_error(
    tmp_path: Path, text: str
) -> None:
    """No row at all (a header only, or only malformed lines) is not a time error."""
    parsed = parse_table(
        text.encode(), read_mapping(TORONTO_MAPPING), name="tor.csv", crs="EPSG:32617"
    )
    assert parsed.frames["incidents"].height == 0


@pytest.mark.parametrize(
    ("rows", "match"),
    [
        (",3,Assault,House,A,43.70,-79.40\n", r"column 'occurrence_date' .* is empty"),
        (
            "2021-01-01,NA,Assault,House,A,43.70,-79.40\n",
            r"no row's hour reads \(column 'occurrence_hour', first: 'NA'",
        ),
    ],
    ids=["blank times", "bad hours"],
)
def test_the_stop_names_what_is_wrong(tmp_path: Path, rows: str, match: str) -> None:
    """Blank times or unreadable hours are not blamed on a time_format."""
    with pytest.raises(IngestError, match=match):
        parse_table(
            (HEADER + rows * 2).encode(),
            read_mapping(TORONTO_MAPPING),
            name="tor.csv",
            crs="EPSG:32617",
        )


def test_cli_error_keeps_square_brackets(
    tmp_path: Path,
    template_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Error text is printed as given: "[table]" is not read as console markup."""
    import sys

    from avert.cli import main

    data = tmp_path / "us.csv"
    data.write_text(US_TIMES, encoding="utf-8")
    db = tmp_path / "cli.db"
    shutil.copyfile(template_db, db)  # a migrated store
    args = ["avert", "--db", str(db), "ingest", "table", str(data), "--crs"]
    mapping = str(_us_mapping(tmp_path, None))
    monkeypatch.setattr(sys, "argv", [*args, "EPSG:32617", "--mapping", mapping])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = " ".join(capsys.readouterr().err.split())
    assert "set [table].time_format" in err, err
    assert Store(f"sqlite:///{db}").read_frame("quarantine").height == 0


def test_cli_load_is_idempotent_with_quarantine(
    tmp_path: Path, template_db: Path
) -> None:
    path = _write(tmp_path)
    db = tmp_path / "cli.db"
    shutil.copyfile(template_db, db)  # a migrated store
    sqlite_store = Store(f"sqlite:///{db}")
    args = [
        "--db",
        str(db),
        "ingest",
        "table",
        str(path),
        "--mapping",
        str(TORONTO_MAPPING),
        "--crs",
        "EPSG:32617",
        "--json",
    ]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 3, first.output  # loaded, rows quarantined
    rep = json.loads(first.stdout)[0]
    assert (rep["rows"], rep["loaded"], rep["quarantined"]) == (6, 2, 4)
    second = CliRunner().invoke(app, args)
    rep2 = json.loads(second.stdout)[0]
    assert rep2["loaded"] == 0
    assert sqlite_store.read_frame("incidents").height == 2
    assert sqlite_store.read_frame("quarantine").height == 4
    accepted = CliRunner().invoke(app, [*args, "--accept-rejects"])
    assert accepted.exit_code == 0, accepted.output


def test_cli_table_load_is_ready_to_brief(tmp_path: Path, template_db: Path) -> None:
    """As every 'avert ingest': classified after the load (docs/formats.md)."""
    db = tmp_path / "cli.db"
    shutil.copyfile(template_db, db)  # a migrated store
    args = ["--db", str(db), "ingest", "table", str(_write(tmp_path))]
    args += ["--mapping", str(TORONTO_MAPPING), "--crs", "EPSG:32617"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    assert "Classified under avb-2010" in " ".join(result.output.split())
    store = Store(f"sqlite:///{db}")
    assert store.read_frame("classifications").height == 2
    db2 = tmp_path / "cli2.db"
    shutil.copyfile(template_db, db2)  # a migrated store
    args[1] = str(db2)
    assert CliRunner().invoke(app, [*args, "--no-classify"]).exit_code == 3
    assert Store(f"sqlite:///{db2}").read_frame("classifications").height == 0


def test_cli_table_load_keeps_the_ingest_limits(
    tmp_path: Path, template_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file over AVERT_INGEST_MAX_FILE_BYTES is refused and quarantined, as in
    every other load, not read whole."""
    db = tmp_path / "cli.db"
    shutil.copyfile(template_db, db)  # a migrated store
    monkeypatch.setenv("AVERT_INGEST_MAX_FILE_BYTES", "100")
    args = ["--db", str(db), "ingest", "table", str(_write(tmp_path)), "--json"]
    args += ["--mapping", str(TORONTO_MAPPING), "--crs", "EPSG:32617"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3, result.output
    rep = json.loads(result.stdout)[0]
    assert rep["loaded"] == 0
    assert "not read" in rep["error"]
    store = Store(f"sqlite:///{db}")
    assert store.read_frame("incidents").height == 0
    assert store.read_frame("quarantine")["line"].to_list() == [0]


def test_cli_table_load_refuses_a_file_with_a_line_over_the_limit(
    tmp_path: Path, template_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """AVERT_INGEST_MAX_LINE_BYTES applies to a table's lines: the file holding a
    longer line is refused and quarantined at line 0, and the other files of the
    load still load (the table reader used the default limit, and a line over it
    stopped the whole load)."""
    db = tmp_path / "cli.db"
    shutil.copyfile(template_db, db)  # a migrated store
    monkeypatch.setenv("AVERT_INGEST_MAX_LINE_BYTES", "100")
    folder = tmp_path / "in"
    folder.mkdir()
    header = CSV.splitlines()[0]
    _write(folder, f"{header}\n2021-01-01,3,Assault,House,{'A' * 200},43.70,-79.40\n")
    _write(folder, f"{header}\n2021-01-02,3,Assault,House,A,43.70,-79.40\n", "b.csv")
    args = ["--db", str(db), "ingest", "table", str(folder), "--json"]
    args += ["--mapping", str(TORONTO_MAPPING), "--crs", "EPSG:32617"]
    result = CliRunner().invoke(app, [*args, "--no-classify"])
    assert result.exit_code == 3, result.output
    reports = {Path(r["file"]).name: r for r in json.loads(result.stdout)}
    assert "ingest_max_line_bytes" in reports["tor.csv"]["error"]
    assert reports["b.csv"]["loaded"] == 1
    store = Store(f"sqlite:///{db}")
    assert store.read_frame("incidents").height == 1
    assert store.read_frame("quarantine")["line"].to_list() == [0]


def test_times_with_an_offset_are_converted_to_the_store_zone(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """Settings ``timezone`` applies to a table as to a bundle: 12:00Z is 08:00 in
    Toronto in June, not 13:00 (London)."""
    data = _write(
        tmp_path,
        "when,type,lat,lon\n2021-06-01T12:00:00Z,Assault,43.70,-79.40\n",
        name="z.csv",
    )
    m = tmp_path / "m.toml"
    m.write_text(
        "[table]\nsource='t'\n[columns]\noccurred_at='when'\ncrime_type='type'\n"
        "lat='lat'\nlon='lon'\n",
        encoding="utf-8",
    )
    load_files(
        sqlite_store,
        [data],
        kind="table",
        mapping=m,
        crs="EPSG:32617",
        timezone="America/Toronto",
    )
    when = sqlite_store.read_frame("incidents")["occurred_from"][0]
    assert (when.day, when.hour) == (1, 8)


def test_places_all_outside_the_store_crs_stop_the_load(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """A Toronto file into a store left at British National Grid: every place is
    outside the UK. That is a setting to change, not every row to quarantine (a
    later load with the right CRS would leave them all there)."""
    rows = CSV.splitlines()[:3]  # the header and two good rows
    path = _write(tmp_path, "\n".join(rows) + "\n")
    with pytest.raises(IngestError, match=r"no row's place is inside .*AVERT_CRS"):
        load_files(sqlite_store, [path], kind="table", mapping=TORONTO_MAPPING)
    assert sqlite_store.read_frame("quarantine").height == 0
    assert sqlite_store.read_frame("loads").height == 0


def _load_parquet(
    tmp_path: Path, store: Store, when: list[object], time_format: str
) -> pl.DataFrame:
    """Two violence incidents a and b in a Parquet file, loaded; the stored incidents."""
    frame = pl.DataFrame(
        {
            "id": ["a", "b"],
            "when": when,
            "type": ["Violence", "Violence"],
            "e": [430000.0, 430100.0],
            "n": [433000.0, 433100.0],
        }
    )
    p = tmp_path / "f.parquet"
    frame.write_parquet(p)
    m = tmp_path / "m.toml"
    m.write_text(
        f"[table]\nsource='force'\ncrs='EPSG:27700'\ntime_format='{time_format}'\n"
        "[columns]\nincident_id='id'\noccurred_at='when'\ncrime_type='type'\nx='e'\ny='n'\n",
        encoding="utf-8",
    )
    report = load_files(store, [p], kind="table", mapping=m)
    assert report.loaded == 2
    return store.read_frame("incidents").sort("incident_id")


def test_parquet_table(tmp_path: Path, sqlite_store: Store) -> None:
    inc = _load_parquet(
        tmp_path,
        sqlite_store,
        ["01/02/2024 10:30", "02/02/2024 11:00"],
        "%d/%m/%Y %H:%M",
    )
    assert inc["incident_id"].to_list() == ["a", "b"]
    assert inc["x"].to_list() == pytest.approx([430000.0, 430100.0], abs=1e-3)
    assert inc["occurred_from"][0].day == 1


@pytest.mark.parametrize(
    ("when", "fmt"),
    [
        ([dt.date(2019, 12, 31), dt.date(2020, 1, 2)], "%m/%d/%Y"),
        (
            [dt.datetime(2019, 12, 31, 21, 30), dt.datetime(2020, 1, 2, 9, 0)],
            "%m/%d/%Y %I:%M:%S %p",
        ),
    ],
)
def test_a_typed_parquet_date_reads_with_the_mappings_time_format(
    tmp_path: Path, sqlite_store: Store, when: list[object], fmt: str
) -> None:
    """New York's complaints as Parquet hold a real date type: it became the text
    ``2019-12-31``, which the mapping's ``%m/%d/%Y`` (the portal's CSV form, as
    docs/formats.md maps it) read as nothing, so the load stopped."""
    first = _load_parquet(tmp_path, sqlite_store, when, fmt)["occurred_from"][0]
    assert (first.year, first.month, first.day) == (2019, 12, 31)
    if fmt.endswith("%p"):
        assert (first.hour, first.minute) == (21, 30)


@pytest.mark.shared
@pytest.mark.slow
def test_toronto_file_loads_every_row(sqlite_store: Store) -> None:
    if not SHARED_CSV.exists():
        pytest.skip("../shared is absent here: Toronto load skipped")
    report = load_files(
        sqlite_store,
        [SHARED_CSV],
        kind="table",
        mapping=TORONTO_MAPPING,
        crs="EPSG:32617",
    )
    f = report.files[0]
    assert f.rows == 155_116
    assert f.balanced
    assert f.loaded + f.duplicates == 155_116
    assert f.quarantined == 0


def test_table_load_on_both_databases_is_idempotent(
    tmp_path: Path, any_store: Store
) -> None:
    path = _write(tmp_path)
    first = load_files(
        any_store, [path], kind="table", mapping=TORONTO_MAPPING, crs="EPSG:32617"
    )
    again = load_files(
        any_store, [path], kind="table", mapping=TORONTO_MAPPING, crs="EPSG:32617"
    )
    assert (first.loaded, first.quarantined) == (2, 4)
    assert again.loaded == 0
    assert any_store.read_frame("incidents").height == 2


def test_cli_table_of_a_long_file_name_fits_80_columns(
    tmp_path: Path, template_db: Path
) -> None:
    """A police.uk-style name two characters wider than its column breaks after a
    hyphen (``...-midlands-`` / ``outcomes.csv``), and no line passes 80 columns."""
    name = "2019-06-west-midlands-outcomes.csv"
    path = _write(tmp_path, name=name)
    db = tmp_path / "cli.db"
    shutil.copyfile(template_db, db)  # a migrated store
    args = ["--db", str(db), "ingest", "table", str(path)]
    mapping = ["--mapping", str(TORONTO_MAPPING), "--crs", "EPSG:32617"]
    result = CliRunner().invoke(app, [*args, *mapping], env={"COLUMNS": "80"})
    assert result.exit_code == 3, result.output  # the file's bad rows: quarantined
    lines = result.output.splitlines()
    assert [line for line in lines if len(line) > 80] == []
    first = next(i for i, line in enumerate(lines) if "2019-06-west-midlands-" in line)
    assert lines[first].split("│")[1].strip() == "2019-06-west-midlands-"
    assert lines[first + 1].split("│")[1].strip() == "outcomes.csv"


def test_places_outside_the_crs_area_and_null_island_are_quarantined(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """A Toronto file with one row geocoded to Vancouver and one at (0, 0): with
    the store at UTM 17N (EPSG:32617, lon -84..-78) both are quarantined with the
    reason, not loaded to stretch every forecast grid across a continent (nor
    loaded with has_location and blank x/y)."""
    text = (
        "occurrence_date,occurrence_hour,mci_category,premises_type,neighbourhood,latitude,longitude\n"
        "2021-01-01,3,Assault,House,A,43.70,-79.40\n"
        "2021-01-01,4,Assault,House,A,43.66,-79.38\n"
        "2021-01-01,5,Assault,House,A,49.28,-123.12\n"  # Vancouver
        "2021-01-01,6,Robbery,Outside,B,0,0\n"  # null island
    )
    report = load_files(
        sqlite_store,
        [_write(tmp_path, text)],
        kind="table",
        mapping=TORONTO_MAPPING,
        crs="EPSG:32617",
    )
    assert (report.loaded, report.quarantined) == (2, 2)
    q = sqlite_store.read_frame("quarantine").sort("line")
    assert q["line"].to_list() == [4, 5]
    vancouver, null_island = q["reason"].to_list()
    assert vancouver.startswith("longitude outside the area of use for EPSG:32617")
    assert "lon -84..-78" in vancouver
    assert vancouver.endswith(": -123.12")
    assert null_island.startswith("null island (0, 0)")
    inc = sqlite_store.read_frame("incidents")
    assert inc["has_location"].all()
    assert inc["x"].is_not_null().all()


def test_xy_places_outside_the_crs_area_are_quarantined(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """The same area rule for a table giving x/y (here British National Grid into a
    store at BNG, so nothing is projected): a row whose x/y lie far outside the UK
    is quarantined, naming the place it converts to."""
    data = _write(
        tmp_path,
        "id,when,type,e,n\n"
        "a,2024-02-01 10:30,Violence,430000,433000\n"
        "b,2024-02-01 11:30,Violence,4300000,4330000\n",
    )
    m = tmp_path / "m.toml"
    m.write_text(
        "[table]\nsource='force'\ncrs='EPSG:27700'\n"
        "[columns]\nincident_id='id'\noccurred_at='when'\ncrime_type='type'\nx='e'\ny='n'\n",
        encoding="utf-8",
    )
    report = load_files(sqlite_store, [data], kind="table", mapping=m)
    assert (report.loaded, report.quarantined) == (1, 1)
    (reason,) = sqlite_store.read_frame("quarantine")["reason"].to_list()
    assert reason.startswith("x/y outside the UK for EPSG:27700: 4300000, 4330000 (lon")


def test_xy_zeros_are_quarantined_as_a_missing_place(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """Easting and northing 0, 0: a UK force's extract writing a missing place as
    zeros. British National Grid's (0, 0), off the Scilly Isles, lies inside the
    UK box, so the area rule passed it and the row loaded as an incident 600 km
    from the force's ground (stretching every forecast grid); it is quarantined as
    lat/lon (0, 0) are. Found by the issue-16 owner check (a made-up force's CSV)."""
    data = _write(
        tmp_path,
        "id,when,type,e,n\n"
        "a,2024-02-01 10:30,Violence,430000,433000\n"
        "b,2024-02-01 11:30,Violence,0,0\n"
        "c,2024-02-01 12:30,Violence,0.0, 0 \n"
        "d,2024-02-01 13:30,Violence,0,433000\n",  # one zero: a place, left alone
    )
    m = tmp_path / "m.toml"
    m.write_text(
        "[table]\nsource='force'\ncrs='EPSG:27700'\n"
        "[columns]\nincident_id='id'\noccurred_at='when'\ncrime_type='type'\nx='e'\ny='n'\n",
        encoding="utf-8",
    )
    report = load_files(sqlite_store, [data], kind="table", mapping=m)
    assert (report.loaded, report.quarantined) == (2, 2)
    q = sqlite_store.read_frame("quarantine").sort("line")
    assert q["line"].to_list() == [3, 4]
    assert q["column"].to_list() == ["x", "x"]
    assert all(
        r.startswith("x/y (0, 0): a missing place coded as zeros") for r in q["reason"]
    )
    assert sorted(sqlite_store.read_frame("incidents")["incident_id"]) == ["a", "d"]


def test_a_shipped_mapping_is_named_without_its_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--mapping toronto-mci`` reads the mapping shipped with avert (an installed
    avert has no src/ to point at); an unknown bare name lists the shipped ones."""
    assert read_mapping("toronto-mci") == read_mapping(TORONTO_MAPPING)
    with pytest.raises(
        ConfigError, match=r"^toronto: no such mapping file, nor .*toronto-mci"
    ):
        read_mapping("toronto")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"^\./toronto-mci: no such mapping file$"):
        read_mapping("./toronto-mci")  # a path, even with no folder: never shipped
    (tmp_path / "toronto-mci").mkdir()  # a data folder of that name: not a mapping
    assert read_mapping("toronto-mci") == read_mapping(TORONTO_MAPPING)
    (tmp_path / "toronto-mci").rmdir()
    (tmp_path / "toronto-mci").write_text("not toml [", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_mapping("toronto-mci")  # a file of that name here comes first


def test_xy_outside_names_the_mappings_crs_too(tmp_path: Path) -> None:
    """Lon/lat written in x/y columns read as Illinois feet land in Missouri: the
    store's CRS is right, the mapping's is wrong, and the stop says so."""
    m = tmp_path / "chi.toml"
    m.write_text(
        "[table]\ncrs = 'EPSG:3435'\n[columns]\nincident_id = 'ID'\n"
        "occurred_at = 'Date'\ncrime_type = 'Primary Type'\nx = 'X Coordinate'\n"
        "y = 'Y Coordinate'\n",
        encoding="utf-8",
    )
    text = (
        "ID,Date,Primary Type,X Coordinate,Y Coordinate\n"
        "1,2021-01-31T23:45,BATTERY,-87.6046,41.7797\n"
        "2,2021-01-31T23:50,BATTERY,-87.6278,41.8819\n"
    )
    with pytest.raises(
        IngestError,
        match=r"or the mapping's \[table\]\.crs \(EPSG:3435\) is not the CRS of the "
        r"file's x/y columns \('X Coordinate', 'Y Coordinate'",
    ):
        parse_table(text.encode(), read_mapping(m), name="c.csv", crs="EPSG:32616")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"", r"t\.csv: empty file \(no header, no rows\)"),
        (b"\n\n", r"t\.csv: empty file \(no header, no rows\)"),
        (
            CSV.replace(",", ";").encode(),
            r"its header is one field holding semicolons, and the mapping reads fields "
            r"separated by commas: set \[table\]\.delimiter",
        ),
        (CSV.replace(",", "\t").encode(), r"one field holding tabs"),
    ],
    ids=["empty", "blank lines", "semicolons", "tabs"],
)
def test_an_empty_or_semicolon_file_says_so(data: bytes, match: str) -> None:
    """An empty file said "mapped column(s) [...] not in the file's header []"; a
    semicolon-separated one listed its whole header as one column name."""
    with pytest.raises(IngestError, match=match):
        parse_table(data, read_mapping(TORONTO_MAPPING), name="t.csv", crs="EPSG:32617")


@pytest.mark.parametrize(
    ("delimiter", "sep"),
    [(";", ";"), ("\\t", "\t"), ("|", "|")],
    ids=["semi", "tab", "pipe"],
)
def test_a_mapping_delimiter_reads_a_separated_file_as_a_csv(
    tmp_path: Path, sqlite_store: Store, delimiter: str, sep: str
) -> None:
    """``[table].delimiter``: a semicolon-separated export (a spreadsheet saved where
    the comma is the decimal mark), in latin-1 with CRLF, loads as its comma twin
    would: commas inside values stay text (a decimal comma is not a number and is
    quarantined with the value as written), a quoted separator is text, bad rows
    are quarantined at their file lines, and a re-load adds nothing. Before, the
    file stopped ("save the file as CSV with commas")."""
    rows = [
        ["id", "when", "type", "e", "n", "note"],
        ["a", "01/02/2024 10:30", "Violence", "430000", "433000", "Thérèse, Rue"],
        ["b", "", "Violence", "430100", "433000", "no time"],
        ["c", "01/02/2024 11:30", "Violence", "430000,5", "433000", "decimal comma"],
        ["d", "01/02/2024 12:30", "Violence", "430200", "433000", f'"one{sep}field"'],
        ["e", "01/02/2024 13:30", "Violence", "0", "0", "zeros"],
        ["f", "01/02/2024 14:30", "Violence", "430300", "433000"],  # ragged
    ]
    text = "".join(sep.join(r) + "\r\n" for r in rows)
    data = tmp_path / "force.csv"
    data.write_bytes(text.encode("latin-1"))
    m = tmp_path / "m.toml"
    m.write_text(
        f"[table]\nsource='force'\ncrs='EPSG:27700'\ndelimiter='{delimiter}'\n"
        "time_format='%d/%m/%Y %H:%M'\n[columns]\nincident_id='id'\noccurred_at='when'\n"
        "crime_type='type'\nx='e'\ny='n'\nward='note'\n",
        encoding="utf-8",
    )
    report = load_files(sqlite_store, [data], kind="table", mapping=m)
    assert (report.loaded, report.quarantined) == (2, 4)
    inc = sqlite_store.read_frame("incidents").sort("incident_id")
    assert inc["ward"].to_list() == ["Thérèse, Rue", f"one{sep}field"]
    q = sqlite_store.read_frame("quarantine").sort("line")
    assert q["line"].to_list() == [3, 4, 6, 7]
    assert q["reason"][1] == "not a float: 430000,5"
    assert q["reason"][3].startswith("wrong number of fields: 5 (header has 6)")
    assert q["raw"][3] == sep.join(rows[-1])  # the line as the file gives it
    again = load_files(sqlite_store, [data], kind="table", mapping=m)
    assert again.loaded == 0
    assert sqlite_store.read_frame("incidents").height == 2


def test_a_mapping_without_a_delimiter_keeps_its_load_digest() -> None:
    """A mapping stating no delimiter (or the comma) digests as before the key
    existed, so files loaded under it are not loaded again as new."""
    plain = read_mapping(TORONTO_MAPPING)
    assert plain.digest() == replace(plain, delimiter=",").digest()
    assert plain.digest() != replace(plain, delimiter=";").digest()


def _separated_mapping(tmp_path: Path, delimiter: str) -> Path:
    """A mapping of the separated files below, ``delimiter`` as TOML spells it."""
    m = tmp_path / "sep.toml"
    m.write_text(
        f"[table]\nsource='force'\ncrs='EPSG:27700'\ndelimiter={delimiter}\n"
        "[columns]\nincident_id='id'\noccurred_at='when'\ncrime_type='type'\n"
        "x='e'\ny='n'\nward='note'\n",
        encoding="utf-8",
    )
    return m


def _separated(sep: str, note: str = "Thérèse, Rue") -> bytes:
    rows = [
        ["id", "when", "type", "e", "n", "note"],
        ["a", "2024-02-01T10:30", "Violence", "430000", "433000", note],
        ["b", "2024-02-01T11:30", "Violence", "430000", "433000"],  # ragged
    ]
    return "".join(sep.join(r) + "\n" for r in rows).encode()


def test_a_separated_file_is_read_in_place_not_rewritten(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``[table].delimiter`` is the reader's separator: the file's own bytes are
    read (no rewritten copy, as the file was held three times over: bytes, the
    rewrite and the frame), with the same rows and quarantine."""
    import avert.ingest.table as table

    seen: list[tuple[bytes, str]] = []
    read_csv = table.read_csv

    def spy(data: bytes, **kwargs: object) -> object:
        seen.append((data, str(kwargs.get("separator", ","))))
        return read_csv(data, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(table, "read_csv", spy)
    data = _separated(";")
    parsed = parse_table(
        data, read_mapping(_separated_mapping(tmp_path, "';'")), name="s.csv"
    )
    assert len(seen) == 1
    assert seen[0][0] is data
    assert seen[0][1] == ";"
    assert parsed.frames["incidents"]["ward"].to_list() == ["Thérèse, Rue"]
    assert parsed.problems["line"].to_list() == [3]
    assert parsed.problems["raw"][0] == "b;2024-02-01T11:30;Violence;430000;433000"


def test_a_separated_file_may_hold_the_unit_separator(tmp_path: Path) -> None:
    """A semicolon file with a 0x1F byte in a value was refused ("holds the control
    byte 0x1F"): the byte stood in for the file's commas while it was rewritten.
    It loads, the byte kept (as a comma-separated file keeps it); and 0x1F itself
    is a delimiter a mapping may name ("\\u001f" or '\\x1f')."""
    data = _separated(";", note="a\x1fb, c")
    mapping = read_mapping(_separated_mapping(tmp_path, "';'"))
    parsed = parse_table(data, mapping, name="s.csv")
    assert parsed.frames["incidents"]["ward"].to_list() == ["a\x1fb, c"]
    for spelled in ('"\\u001f"', "'\\x1f'", "'\\u001F'"):
        mapping = read_mapping(_separated_mapping(tmp_path, spelled))
        assert mapping.delimiter == "\x1f"
        parsed = parse_table(_separated("\x1f"), mapping, name="u.csv")
        assert parsed.frames["incidents"]["ward"].to_list() == ["Thérèse, Rue"]
        assert parsed.problems["line"].to_list() == [3]


def test_a_separated_file_with_a_line_over_the_limit_is_refused_as_a_csv(
    tmp_path: Path, sqlite_store: Store
) -> None:
    """A line over ``ingest_max_line_bytes`` refuses the file (quarantined, the
    other files load): a separated file's refusal became a plain error, which
    stopped the whole load."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.csv").write_bytes(_separated(";"))
    (folder / "long.csv").write_bytes(_separated(";") + b"z" * 5000 + b"\n")
    report = load_files(
        sqlite_store,
        [folder],
        kind="table",
        mapping=_separated_mapping(tmp_path, "';'"),
        limits=Limits(line_bytes=4096),
    )
    files = {Path(f.file).name: f for f in report.files}
    assert files["good.csv"].loaded == 1
    assert files["long.csv"].kind == "refused"
    assert "line 4 is 5,001 bytes" in str(files["long.csv"].error)


def test_a_geoparquet_with_a_binary_geometry_loads_its_mapped_columns(
    tmp_path: Path,
) -> None:
    """Portals' GeoParquet carries a WKB ``geometry`` (binary) and often lists: the
    load cast every column to text and ended in a traceback ("invalid utf8")."""
    import io

    frame = pl.DataFrame(
        {
            "id": ["1", "2"],
            "when": ["2021-06-01T10:00", "2021-06-01T11:00"],
            "type": ["ROBBERY", "ROBBERY"],
            "lat": [43.70, 43.71],
            "lon": [-79.40, -79.41],
            "geometry": [b"\x01\x01\x00\x00\x00\xff", b"\x00\xfe"],
            "tags": [["a"], []],
        }
    )
    buf = io.BytesIO()
    frame.write_parquet(buf)
    mapping = read_mapping(_us_mapping(tmp_path, None))
    parsed = parse_table(buf.getvalue(), mapping, name="g.parquet", crs="EPSG:32617")
    assert parsed.frames["incidents"]["incident_id"].to_list() == ["1", "2"]
    m = tmp_path / "geo.toml"
    m.write_text(
        _us_mapping(tmp_path, None).read_text() + "ward = 'geometry'\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match=r"mapped column 'geometry' holds Binary"):
        parse_table(buf.getvalue(), read_mapping(m), name="g.parquet", crs="EPSG:32617")


@pytest.mark.parametrize(
    ("magic", "match"),
    [
        (b"\x1f\x8b\x08\x00", r"not a CSV text file but gzip-compressed data"),
        (b"PK\x03\x04", r"not a CSV text file but a zip container, as an Excel"),
        (b"PAR1", r"not a CSV text file but a Parquet file: give it a \.parquet name"),
    ],
)
def test_a_binary_file_under_a_csv_path_says_what_it_is(
    magic: bytes, match: str
) -> None:
    """A .csv.gz download or an .xlsx was read as text: the error listed mojibake
    as the file's header."""
    data = magic + bytes(range(256)) * 4
    with pytest.raises(IngestError, match=match):
        parse_table(data, read_mapping(TORONTO_MAPPING), name="t.csv", crs="EPSG:32617")


def test_a_cp1252_table_loaded_before_it_was_read_so_reloads_adding_nothing(
    tmp_path: Path, sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table without ids, saved as Windows-1252, was read as latin-1 until
    December 2026: a row holding a dash (0x96) is keyed by its text, and read as
    cp1252 now it had a new key, so a re-load took it a second time. It is keyed
    by its text as latin-1 reads the bytes, as before, and its stored text
    (U+0096) is the file's own: nothing is loaded or quarantined again."""
    text = CSV.replace("House,A", "House \u2013 flat,Bloor\u2013West")
    path = tmp_path / "tor.csv"
    path.write_bytes(text.encode("cp1252"))
    kw = {"kind": "table", "mapping": TORONTO_MAPPING, "crs": "EPSG:32617"}
    with monkeypatch.context() as old:  # as avert read it before: latin-1 throughout
        old.setattr(
            "avert.ingest._csv._text._single_byte",
            lambda data: (data.decode("latin-1"), "latin-1"),
        )
        first = load_files(sqlite_store, [path], **kw)  # type: ignore[arg-type]
    quarantined = sqlite_store.read_frame("quarantine").height
    again = load_files(sqlite_store, [path], **kw)  # type: ignore[arg-type]
    assert (first.loaded, again.loaded, again.duplicates) == (2, 0, 2)
    assert sqlite_store.read_frame("incidents").height == 2
    assert sqlite_store.read_frame("quarantine").height == quarantined
