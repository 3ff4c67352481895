"""Population, confidence survey and centroid files: layouts, bad rows, idempotent loads."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from avert.errors import IngestError
from avert.ingest.population import (
    detect_layout,
    parse_centroids,
    parse_confidence,
    parse_population,
)
from avert.store import Store
from avert.workflows.board import load_centroids, load_confidence, load_population

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def shared_data(name: str) -> Path:
    """A folder of ../shared/data, skipping the test when absent."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"../shared/data is absent ({path} not found)")
    return path


CENSUS_2011 = (
    "lsoa11cd,msoa11cd,lad_name,region_name,persons,WhiteBrit,Irish,GypsyTraveller,"
    "OtherWhite,Mixed,Indian,Pakistani,Bangladeshi,Chinese,OtherAsian,BlkAfrican,"
    "BlkCaribbean,OtherBlk,Arab,Other\n"
    "E01000001,E02000001,City of London,London,1465,968,32,1,237,54,49,3,3,44,29,6,1,4,6,28\n"
    ",E02000001,City of London,London,10,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0\n"
    "E01000003,E02000001,City of London,London,x,1,1,1,1,1,1,1,1,1,1,0,0,0,0,0\n"
)
ONS_LONG = (
    "Upper tier local authorities Code,Upper tier local authorities,"
    "Ethnic group (8 categories) Code,Ethnic group,Observation\n"
    "E06000001,Hartlepool,-8,Does not apply,0\n"
    "E06000001,Hartlepool,1,Asian,1599\n"
    "E06000001,Hartlepool,2,Black,445\n"
    "E06000001,Hartlepool,4,White British,80000\n"
    "E06000001,Hartlepool,5,White Other,300\n"
    "E06000001,Hartlepool,7,Other ethnic group,100\n"
)
MIDYEAR = (
    "LSOA11CD,LSOA11NM,MSOA11CD,MSOA11NM,LAD11CD,LAD11NM,Persons_All-Ages,Persons_0-15,"
    "Males_All-Ages,Males_0-15,Females_All-Ages,Females_0-15\n"
    "E01000001,City of London 001A,E02000001,x,E09000001,City of London,1636,258,886,139,750,119\n"
)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_census_wide_sums_groups_and_rejects_bad_rows(tmp_path: Path) -> None:
    parsed = parse_population(_write(tmp_path, "census-2011-lsoa.csv", CENSUS_2011))
    rows = parsed.frames["populations"]
    assert parsed.kind == "population-census-lsoa-ethnicity-wide"
    got = dict(zip(rows["ethnicity"], rows["population"], strict=True))
    assert got == {
        "all": 1465,
        "White": 1238,
        "Mixed": 54,
        "Asian": 128,
        "Black": 11,
        "Other": 34,
    }
    assert rows["year"].unique().to_list() == [2011]
    assert rows["parent_area"].unique().to_list() == ["City of London"]
    assert sorted(parsed.problems["line"].to_list()) == [3, 4]
    assert parsed.rows == rows.height + 2


def test_ons_long_maps_codes_and_adds_total(tmp_path: Path) -> None:
    parsed = parse_population(_write(tmp_path, "census-2021-utla.csv", ONS_LONG))
    rows = parsed.frames["populations"]
    got = dict(zip(rows["ethnicity"], rows["population"], strict=True))
    assert got == {
        "Asian": 1599,
        "Black": 445,
        "White": 80300,
        "Other": 100,
        "all": 82444,
    }
    assert set(rows["area_type"]) == {"utla"}
    assert set(rows["area_name"]) == {"Hartlepool"}


def test_a_population_file_not_in_utf8_is_read_and_says_so(tmp_path: Path) -> None:
    """A census file saved in latin-1 naming "Ynys Môn" was refused, "not a
    readable CSV: invalid utf-8 sequence". It is read (latin-1 here, cp1252 when
    its bytes say so, as every CSV avert reads), and its note says which."""
    path = tmp_path / "census-2021-utla.csv"
    path.write_bytes(ONS_LONG.replace("Hartlepool", "Ynys M\u00f4n").encode("latin-1"))
    parsed = parse_population(path)
    rows = parsed.frames["populations"]
    assert set(rows["area_name"]) == {"Ynys M\u00f4n"}
    assert str(parsed.note).startswith(
        "read as Latin-1 (ISO-8859-1), not UTF-8: check its accented letters"
    )
    assert parse_population(_write(tmp_path, "u.csv", ONS_LONG)).note is not None
    assert "Latin-1" not in str(
        parse_population(_write(tmp_path, "u.csv", ONS_LONG)).note
    )


def test_a_mostly_utf8_population_file_says_which_lines_were_latin1(
    tmp_path: Path,
) -> None:
    """A UTF-8 file with a line or two pasted from a latin-1 one: those lines were
    read as latin-1 and loaded without a word. The note says how many and which."""
    text = ONS_LONG.replace("Hartlepool", "Ynys M\u00f4n")
    lines = text.encode("utf-8").split(b"\n")
    lines[3] = lines[3].replace("M\u00f4n".encode(), "M\u00f4n".encode("latin-1"))
    path = tmp_path / "census-2021-utla.csv"
    path.write_bytes(b"\n".join(lines))
    parsed = parse_population(path)
    assert set(parsed.frames["populations"]["area_name"]) == {"Ynys M\u00f4n"}
    assert (
        "1 line not valid UTF-8 although the rest of the file is (line 4) read"
        " as Latin-1 (ISO-8859-1)"
    ) in str(parsed.note)


def test_midyear_wide_sex_and_age(tmp_path: Path) -> None:
    parsed = parse_population(_write(tmp_path, "london-mid2019-pop.csv", MIDYEAR))
    rows = parsed.frames["populations"].sort("sex", "age_band")
    assert rows.select("sex", "age_band", "population").rows() == [
        ("F", "0-15", 119),
        ("F", "all", 750),
        ("M", "0-15", 139),
        ("M", "all", 886),
        ("all", "0-15", 258),
        ("all", "all", 1636),
    ]
    assert set(rows["year"]) == {2019}


def test_simple_layout_with_mapping_and_year(tmp_path: Path) -> None:
    path = _write(tmp_path, "pops.csv", "LSOA21CD,Total\nE01,100\nE02,-3\n")
    assert detect_layout(["LSOA21CD", "Total"]) == "simple"
    with pytest.raises(IngestError, match="--map"):
        parse_population(path, year=2022)  # no area/population columns to guess
    parsed = parse_population(
        path, year=2022, mapping={"area": "LSOA21CD", "population": "Total"}
    )
    assert parsed.frames["populations"]["population"].to_list() == [100]
    assert parsed.problems["line"].to_list() == [3]


def test_no_year_is_a_file_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "pops.csv", "area,population\nA,1\n")
    parsed = parse_population(path)
    assert parsed.frames["populations"].height == 0
    assert parsed.problems["line"].to_list() == [0]


def test_confidence_and_centroids(tmp_path: Path) -> None:
    survey = _write(
        tmp_path,
        "survey.csv",
        "area,period,pct_agree,respondents\nX,2024 Q2,55.5,300\nX,2024-07,61%,\nX,bad,50,1\nY,2024-01-01,120,1\n",
    )
    parsed = parse_confidence(survey)
    frame = parsed.frames["confidence_survey"]
    assert frame["period"].cast(pl.String).to_list() == ["2024-04-01", "2024-07-01"]
    assert frame["pct_agree"].to_list() == [55.5, 61.0]
    assert sorted(parsed.problems["line"].to_list()) == [4, 5]
    cent = _write(
        tmp_path, "c.csv", "LSOACD,latitude,longitude\nE01,51.5,-0.1\nE02,95,0\n"
    )
    got = parse_centroids(cent)
    assert got.frames["area_centroids"]["area"].to_list() == ["E01"]
    assert got.problems["line"].to_list() == [3]


def test_load_is_idempotent_and_quarantines(any_store: Store, tmp_path: Path) -> None:
    sqlite_store = any_store  # SQLite and PostgreSQL
    path = _write(tmp_path, "census-2011-lsoa.csv", CENSUS_2011)
    first = load_population(sqlite_store, [path])
    assert first.files[0].balanced
    assert first.loaded == 6
    assert first.quarantined == 2
    again = load_population(sqlite_store, [path])
    assert again.loaded == 0
    assert again.duplicates == 6
    assert sqlite_store.count("populations") == 6
    assert sqlite_store.count("quarantine") == 2
    assert sqlite_store.count("loads") == 1
    load_confidence(
        sqlite_store,
        [_write(tmp_path, "s.csv", "area,period,pct_agree\nX,2024-01,50\n")],
    )
    load_centroids(
        sqlite_store,
        [_write(tmp_path, "c.csv", "LSOACD,latitude,longitude\nE01,51.5,-0.1\n")],
    )
    assert sqlite_store.count("confidence_survey") == 1
    assert sqlite_store.count("area_centroids") == 1


def test_a_nul_byte_is_quarantined_on_either_store(
    any_store: Store, tmp_path: Path
) -> None:
    """PostgreSQL cannot store a NUL byte in text: a population, survey or centroid
    file holding one stopped with a traceback there (SQLite loaded it); the row is
    quarantined with its reason on both stores, the file's other rows load."""
    census = CENSUS_2011.splitlines()[:2]
    census.append(
        census[1].replace("E01000001", "E01000009").replace("City ", "Ci\x00ty ")
    )
    pop = load_population(
        any_store, [_write(tmp_path, "census-2011-lsoa.csv", "\n".join(census) + "\n")]
    )
    survey = load_confidence(
        any_store,
        [
            _write(
                tmp_path,
                "s.csv",
                "area,period,pct_agree\nX,2024-01,50\nY\x00,2024-01,5\n",
            )
        ],
    )
    cent = load_centroids(
        any_store,
        [
            _write(
                tmp_path,
                "c.csv",
                "LSOACD,latitude,longitude\nE0\x001,51.5,-0.1\nE02,51,0\n",
            )
        ],
    )
    assert (pop.quarantined, survey.quarantined, cent.quarantined) == (1, 1, 1)
    assert any_store.count("populations") == 6
    assert any_store.count("confidence_survey") == 1
    assert any_store.read_frame("area_centroids")["area"].to_list() == ["E02"]
    reasons = any_store.read_frame("quarantine")["reason"].to_list()
    assert reasons == ["NUL byte in the value (a database cannot store it)"] * 3


def test_strict_load_writes_nothing(sqlite_store: Store, tmp_path: Path) -> None:
    path = _write(tmp_path, "census-2011-lsoa.csv", CENSUS_2011)
    with pytest.raises(IngestError):
        load_population(sqlite_store, [path], strict=True)
    assert sqlite_store.count("populations") == 0


@pytest.mark.shared
@pytest.mark.slow
def test_shared_population_files_load(sqlite_store: Store) -> None:
    files = [
        *shared_data("census-2011-ethnicity-lsoa-england-wales").glob("*.csv"),
        *shared_data("census-2021-age-sex-england-wales").glob("*.csv"),
        *shared_data("census-2021-ethnicity-upper-tier-la-england-wales").glob("*.csv"),
        *shared_data("london-lsoa-population-mid2019-mid2020").glob("*.csv"),
    ]
    report = load_population(sqlite_store, files)
    assert report.quarantined == 0
    assert all(f.balanced for f in report.files)
    pops = sqlite_store.read_frame("populations")
    e_w_2011 = pops.filter(
        (pl.col("year") == 2011)
        & (pl.col("ethnicity") == "all")
        & (pl.col("area_type") == "lsoa")
    )["population"].sum()
    assert e_w_2011 == 56_075_912  # the published total (README of the file)
    total_2021 = pops.filter(
        (pl.col("year") == 2021)
        & (pl.col("area_type") == "utla")
        & (pl.col("ethnicity") == "all")
    )["population"].sum()
    assert total_2021 == pytest.approx(59_597_565, abs=200)  # ONS rounds cells


@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_lines_are_physical_after_a_field_over_several_lines(
    tmp_path: Path, end: str
) -> None:
    """A quoted field over three lines: the bad row after it is reported on its own
    physical line (5), not as the second record (line 3)."""
    text = end.join(
        [
            "LSOA21CD,Name,Total",
            'E01,"a name',
            "over",
            'three lines",100',
            "E02,x,-3",
            "E03,y,7",
            "",
        ]
    )
    path = tmp_path / "pops.csv"
    path.write_bytes(text.encode())
    parsed = parse_population(
        path, year=2022, mapping={"area": "LSOA21CD", "population": "Total"}
    )
    assert parsed.problems["line"].to_list() == [5]
    rows = parsed.frames["populations"].sort("area")
    assert rows.select("area", "source_line").rows() == [("E01", 2), ("E03", 6)]


def test_lines_are_physical_after_a_header_field_over_two_lines(
    tmp_path: Path,
) -> None:
    """A quoted header name over two lines: every record starts one line later."""
    text = "\n".join(
        ['LSOA21CD,"Name of', ' the area",Total', "E01,a,100", "E02,x,-3", ""]
    )
    path = tmp_path / "pops.csv"
    path.write_bytes(text.encode())
    parsed = parse_population(
        path, year=2022, mapping={"area": "LSOA21CD", "population": "Total"}
    )
    assert parsed.problems["line"].to_list() == [4]
    assert parsed.frames["populations"]["source_line"].to_list() == [3]


def test_a_folder_given_for_a_file_names_its_csv_files(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """'avert ingest population' given a data folder (as 'avert ingest policeuk'
    takes one) said "Cannot read DIR: [Errno 21] Is a directory: 'DIR'": it says it
    is a folder and names the CSV files in it to give instead."""
    folder = tmp_path / "census-2011"
    folder.mkdir()
    (folder / "README.md").write_text("about\n")
    (folder / "b.csv").write_text("x\n")
    (folder / "a.csv").write_text("x\n")
    with pytest.raises(IngestError) as err:
        load_population(sqlite_store, [folder])
    msg = str(err.value)
    assert "Errno" not in msg
    assert "is a folder: give a file in it (a.csv, b.csv)" in msg
    (tmp_path / "a.txt").write_text("x\n")
    with pytest.raises(IngestError, match="is a folder with no CSV file in it"):
        load_centroids(sqlite_store, [tmp_path])


@pytest.mark.shared
@pytest.mark.parametrize("end", ["\n", "\r\n"])
def test_a_blank_line_is_not_a_row(
    sqlite_store: Store, tmp_path: Path, end: str
) -> None:
    """A blank line in a census file was read as a row and quarantined ("no area
    code"), so ``avert ingest population`` exited 3 with nothing wrong. Blank lines
    are skipped and not counted, as the bundle and police.uk readers do; a line of
    only commas is still a row (of blank cells) there and here."""
    from typer.testing import CliRunner

    from avert.cli import app

    (census,) = shared_data("census-2021-age-sex-england-wales").glob("*.csv")
    lines = census.read_text(encoding="utf-8").splitlines()
    clean = parse_population(census)
    blank = [*lines[:40], "", *lines[40:], "", ""]
    path = _write(tmp_path, census.name, end.join(blank) + end)
    parsed = parse_population(path)
    assert parsed.problems.height == 0
    assert parsed.rows == clean.rows
    assert parsed.note == clean.note
    got = parsed.frames["populations"].drop("source_line")
    assert got.equals(clean.frames["populations"].drop("source_line"))
    db = ["--db", sqlite_store.url.sqlalchemy]
    loaded = CliRunner().invoke(app, [*db, "ingest", "population", str(path)])
    assert loaded.exit_code == 0, loaded.output
    commas = [*lines[:40], ",,,,,,", *lines[40:]]
    path.write_text(end.join(commas) + end, encoding="utf-8")
    assert parse_population(path).problems["line"].to_list() == [41]


def test_a_rejected_wide_row_s_raw_text_reads_back_as_its_fields(
    tmp_path: Path,
) -> None:
    """A census row rejected whole (a count that is no whole number) kept its
    fields joined by bare commas, so a count written ``"1,465"`` (which the file's
    good rows may hold: thousands are read) read back as two fields: the row as
    one field more than its header. It is one CSV line now, as in a bundle."""
    header = CENSUS_2011.splitlines()[0]
    text = (
        f"{header}\n"
        'E01000003,E02000001,"City of London, East",London,"1,465",x,'
        "1,1,1,1,1,1,1,1,1,0,0,0,0,0\n"
    )
    parsed = parse_population(_write(tmp_path, "census-2011-lsoa.csv", text))
    raw = parsed.problems["raw"][0]
    back = pl.read_csv(f"{header}\n{raw}\n".encode(), infer_schema_length=0)
    assert back.width == len(header.split(","))
    assert back.row(0)[2:5] == ("City of London, East", "London", "1,465")
