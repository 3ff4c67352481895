"""``avert ingest table``: a time of day in its own column, and dates alone.

Portals publish the date and the time of day apart: the Los Angeles Police
Department's ``DATE OCC`` (always ``12:00:00 AM``) with ``TIME OCC`` as HHMM digits
without leading zeros (``2130``, ``5`` for 00:05), New York's ``CMPLNT_FR_DT``
(``12/31/2019``) with ``CMPLNT_FR_TM`` (``17:30:00``).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest

from avert.errors import ConfigError, IngestError
from avert.ingest.result import Parsed
from avert.ingest.table import parse_table, read_mapping

LA = (
    "DR_NO,DATE OCC,TIME OCC,Crm Cd Desc,LAT,LON\n"
    "1,01/08/2020 12:00:00 AM,2130,ROBBERY,34.05,-118.24\n"
    "2,01/08/2020 12:00:00 AM,5,ROBBERY,34.05,-118.24\n"
    "3,01/08/2020 12:00:00 AM,905,ROBBERY,34.05,-118.24\n"
    "4,01/08/2020 12:00:00 AM,2475,ROBBERY,34.05,-118.24\n"  # not a time of day
    "5,01/08/2020 12:00:00 AM,0000,ROBBERY,34.05,-118.24\n"
)


def _mapping(tmp_path: Path, *, time_format: str, clock: str, key: str) -> Path:
    m = tmp_path / "m.toml"
    m.write_text(
        f"[table]\nsource = 's'\ntime_format = '{time_format}'\n[columns]\n"
        f"incident_id = 'DR_NO'\noccurred_at = 'DATE OCC'\n{key} = '{clock}'\n"
        "crime_type = 'Crm Cd Desc'\nlat = 'LAT'\nlon = 'LON'\n",
        encoding="utf-8",
    )
    return m


def _la_mapping(tmp_path: Path, key: str = "occurred_time") -> Path:
    return _mapping(
        tmp_path, time_format="%m/%d/%Y %I:%M:%S %p", clock="TIME OCC", key=key
    )


#: The mapping of the epoch tests: Toronto-like rows with x/y in UTM 17N
EPOCH_MAPPING = (
    "[table]\nsource = 's'\ncrs = 'EPSG:32617'\ntime_format = '%s'\n"
    "[columns]\nincident_id = 'id'\noccurred_at = 'epoch'\ncrime_type = 'cat'\n"
    "x = 'e'\ny = 'n'\n"
)


def _parsed_in_toronto(
    tmp_path: Path, mapping: str, data: bytes, *, name: str
) -> Parsed:
    """``data`` parsed with the TOML ``mapping`` into a store in Toronto's zone and
    UTM 17N (the store's CRS)."""
    m = tmp_path / "map.toml"
    m.write_text(mapping, encoding="utf-8")
    return parse_table(
        data, read_mapping(m), name=name, crs="EPSG:32617", timezone="America/Toronto"
    )


def test_a_time_of_day_column_gives_the_time(tmp_path: Path) -> None:
    """HHMM digits without leading zeros: 2130 is 21:30, 5 is 00:05, 905 is 09:05;
    2475 is no time of day: quarantined, quoting the file's values."""
    parsed = parse_table(
        LA.encode(),
        read_mapping(_la_mapping(tmp_path)),
        name="la.csv",
        crs="EPSG:32611",
    )
    inc = parsed.frames["incidents"]
    assert [str(t) for t in inc["occurred_from"]] == [
        "2020-01-08 21:30:00",
        "2020-01-08 00:05:00",
        "2020-01-08 09:05:00",
        "2020-01-08 00:00:00",
    ]
    assert inc["time_precision"].to_list() == ["exact"] * 4
    (reason,) = parsed.problems["reason"].to_list()
    assert parsed.problems["line"].to_list() == [5]
    assert "time '01/08/2020 12:00:00 AM' with time of day '2475'" in reason
    assert parsed.rows == inc.height + parsed.problems.height


@pytest.mark.parametrize(
    ("given", "want"),
    [
        ("17:30:00", "17:30:00"),
        ("17:30", "17:30:00"),
        ("9:05", "09:05:00"),
        ("9:05 PM", "21:05:00"),
        ("12:10 am", "00:10:00"),
        ("12:10 PM", "12:10:00"),
        ("21.30", "21:30:00"),  # British usage
        ("12.00", "12:00:00"),
        ("2130.0", "21:30:00"),  # pandas: an integer column with blanks
        ("5.0", "00:05:00"),
        # a SQL Server time(7) export, pandas' time with microseconds: the
        # fraction of a second is dropped (every row stopped the load)
        ("21:30:05.0000000", "21:30:05"),
        ("21:30:05.250", "21:30:05"),
        ("9:05:30.5 PM", "21:05:30"),
    ],
)
def test_a_time_of_day_in_text(tmp_path: Path, given: str, want: str) -> None:
    """New York's CMPLNT_FR_TM (17:30:00) and other clock forms, after a date alone."""
    text = f"DR_NO,DATE OCC,TIME OCC,Crm Cd Desc,LAT,LON\n1,12/31/2019,{given},X,40.7,-74\n"
    m = _mapping(
        tmp_path, time_format="%m/%d/%Y", clock="TIME OCC", key="occurred_time"
    )
    inc = parse_table(
        text.encode(), read_mapping(m), name="ny.csv", crs="EPSG:32618"
    ).frames["incidents"]
    assert str(inc["occurred_from"][0]) == f"2019-12-31 {want}"
    assert inc["time_precision"][0] == "exact"


def test_hhmm_mapped_as_an_hour_stops_the_load(tmp_path: Path) -> None:
    """Read as hours, LA's 5 (00:05) would load at 05:00 and 2130 be quarantined:
    the load stops and says to map the column as occurred_time."""
    with pytest.raises(
        IngestError, match=r"'TIME OCC' \(occurred_hour\).*occurred_time"
    ):
        parse_table(
            LA.encode(),
            read_mapping(_la_mapping(tmp_path, key="occurred_hour")),
            name="la.csv",
            crs="EPSG:32611",
        )


def test_no_time_of_day_reads_stops_the_load(tmp_path: Path) -> None:
    text = LA.replace(",2130,", ",late,").replace(",5,", ",x,").replace(",905,", ",?,")
    text = text.replace(",2475,", ",-,").replace(",0000,", ",,")
    with pytest.raises(IngestError, match=r"no row's time of day reads.*'TIME OCC'"):
        parse_table(
            text.encode(),
            read_mapping(_la_mapping(tmp_path)),
            name="la.csv",
            crs="EPSG:32611",
        )


def test_hour_and_time_of_day_together_is_a_config_error(tmp_path: Path) -> None:
    m = tmp_path / "m.toml"
    m.write_text(
        "[columns]\noccurred_at = 'd'\noccurred_hour = 'h'\noccurred_time = 't'\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"occurred_hour .* or occurred_time"):
        read_mapping(m)


def test_a_date_only_time_format_gives_dates_not_midnights(tmp_path: Path) -> None:
    """A time_format without a time of day (%m/%d/%Y) reads dates alone: precision
    day, as an ISO date alone is, not an exact event at 00:00."""
    text = "DR_NO,DATE OCC,TIME OCC,Crm Cd Desc,LAT,LON\n1,12/31/2019,,X,40.7,-74\n"
    m = tmp_path / "m.toml"
    m.write_text(
        "[table]\ntime_format = '%m/%d/%Y'\n[columns]\noccurred_at = 'DATE OCC'\n"
        "crime_type = 'Crm Cd Desc'\nlat = 'LAT'\nlon = 'LON'\n",
        encoding="utf-8",
    )
    inc = parse_table(
        text.encode(), read_mapping(m), name="ny.csv", crs="EPSG:32618"
    ).frames["incidents"]
    assert inc["time_precision"].to_list() == ["day"]
    assert str(inc["occurred_from"][0]) == "2019-12-31 00:00:00"


def test_a_time_before_1900_is_quarantined(tmp_path: Path) -> None:
    """New York's complaints hold dates in 1019 (for 2019): loaded, one stretched
    the store's months to "1019-05 .. 2022-12" and an every-event forecast's
    history over a thousand years."""
    text = (
        "DR_NO,DATE OCC,TIME OCC,Crm Cd Desc,LAT,LON\n"
        "1,05/13/1019,17:30:00,X,40.7,-74\n"
        "2,05/13/2019,17:30:00,X,40.7,-74\n"
        "3,01/01/1900,00:00:00,X,40.7,-74\n"
    )
    m = _mapping(
        tmp_path, time_format="%m/%d/%Y", clock="TIME OCC", key="occurred_time"
    )
    parsed = parse_table(
        text.encode(), read_mapping(m), name="ny.csv", crs="EPSG:32618"
    )
    assert parsed.frames["incidents"]["source_line"].to_list() == [3, 4]
    assert parsed.problems.select("line", "column", "reason").rows() == [
        (2, "occurred_at", "time before 1900 (a mistyped year?): 1019-05-13 17:30:00")
    ]


def test_an_hour_written_as_a_float_reads(tmp_path: Path) -> None:
    """pandas writes an integer column with blanks as floats: Toronto's hour 3 as
    3.0, which was quarantined as no hour."""
    import avert

    mapping = Path(avert.__file__).parent / "config" / "mappings" / "toronto-mci.toml"
    text = (
        "occurrence_date,occurrence_hour,mci_category,neighbourhood,latitude,longitude\n"
        "2021-01-01,3.0,Assault,A,43.70,-79.40\n"
        "2021-01-01,,Assault,A,43.70,-79.40\n"
    )
    parsed = parse_table(
        text.encode(), read_mapping(mapping), name="t.csv", crs="EPSG:32617"
    )
    assert [t.hour for t in parsed.frames["incidents"]["occurred_from"]] == [3]
    assert parsed.problems["line"].to_list() == [3]


def test_content_keys_of_an_hour_column_stay_as_they_were() -> None:
    """Rows without an id are keyed by their mapped content, time included: the
    time of day of an occurred_hour column must read as before (HH:00), or a
    re-load of the Toronto file into a store loaded by an earlier version would
    add every row again. The keys below are those of that version."""
    import avert

    mapping = Path(avert.__file__).parent / "config" / "mappings" / "toronto-mci.toml"
    text = (
        "occurrence_date,occurrence_hour,mci_category,premises_type,neighbourhood,"
        "latitude,longitude\n"
        "2021-01-01,3,Assault,House,A,43.70,-79.40\n"
        "2021-01-01,3,Assault,House,A,43.70,-79.40\n"
    )
    inc = parse_table(
        text.encode(), read_mapping(mapping), name="tor.csv", crs="EPSG:32617"
    ).frames["incidents"]
    assert inc["incident_id"].to_list() == [
        "tbl-55a325103aebf7f7bd235d36fef9d2c0",
        "tbl-59ff4317c9e4c2b4b24755a2028ec5f4",
    ]


def test_a_time_format_with_an_offset_gives_the_store_zones_time(
    tmp_path: Path,
) -> None:
    """``%z`` read an instant, and its UTC wall clock was stored as local time: a
    British Summer Time 13:45 +0100 became 12:45. The time is now the store zone's
    (as every time with an offset); rows without an id keep the keys they had."""
    m = tmp_path / "z.toml"
    m.write_text(
        "[table]\nsource = 's'\ncrs = 'EPSG:27700'\ntime_format = '%d/%m/%Y %H:%M:%S %z'\n"
        "[columns]\noccurred_at = 'when'\noffence_code = 'code'\nx = 'e'\ny = 'n'\n",
        encoding="utf-8",
    )
    text = (
        "when,code,e,n\n"
        "15/06/2021 13:45:00 +0100,8N,383997,398258\n"
        "15/01/2021 13:45:00 +0000,8N,383997,398258\n"
        "15/06/2021 13:45:00 -0400,8N,383997,398258\n"
    )
    inc = parse_table(
        text.encode(),
        read_mapping(m),
        name="u.csv",
        crs="EPSG:27700",
        timezone="Europe/London",
    ).frames["incidents"]
    assert [str(t) for t in inc["occurred_from"]] == [
        "2021-06-15 13:45:00",
        "2021-01-15 13:45:00",
        "2021-06-15 18:45:00",
    ]
    assert inc["incident_id"][0] == "tbl-1321c8df69ea91d0a34ef6684af6789e"


def test_epoch_seconds_give_the_store_zones_time(tmp_path: Path) -> None:
    """``time_format = '%s'`` (seconds since 1970-01-01 00:00 UTC, as many exports
    write times) was stored as UTC's wall clock: Toronto's 00:53 EST became 05:53.
    An epoch is an instant, read as one: the store zone's time."""
    text = (
        "id,epoch,cat,e,n\n"
        "a,1672552393,Assault,630000,4840000\n"  # 2023-01-01 05:53:13 UTC
        "b,1688215993,Assault,630000,4840000\n"  # 2023-07-01 12:53:13 UTC
    )
    inc = _parsed_in_toronto(
        tmp_path, EPOCH_MAPPING, text.encode(), name="e.csv"
    ).frames["incidents"]
    assert [str(t) for t in inc["occurred_from"]] == [
        "2023-01-01 00:53:13",
        "2023-07-01 08:53:13",
    ]


def test_epoch_milliseconds_read_as_seconds_are_quarantined(tmp_path: Path) -> None:
    """Epoch milliseconds under ``time_format = '%s'`` read as seconds gave years
    near 55,000: they loaded, and `avert forecast` then stopped with "year 54971
    is out of range". A time in or after 2200 is now quarantined, saying why."""
    text = (
        "id,epoch,cat,e,n\n"
        "a,1672552393,Assault,630000,4840000\n"
        "b,1672552393000,Assault,630000,4840000\n"
    )
    parsed = _parsed_in_toronto(tmp_path, EPOCH_MAPPING, text.encode(), name="ms.csv")
    assert parsed.frames["incidents"]["incident_id"].to_list() == ["a"]
    ((line, column, reason),) = parsed.problems.select(
        "line", "column", "reason"
    ).rows()
    assert (line, column) == (3, "occurred_at")
    assert reason.startswith(
        "time after 2199 (a mistyped year, or epoch milliseconds read as seconds?): "
    )


def test_a_parquet_time_with_a_zone_and_a_time_format_is_the_store_zones(
    tmp_path: Path,
) -> None:
    """A Parquet column of instants (UTC, as most writers store them) mapped with a
    ``time_format`` that reads no offset was written in UTC and read as local
    time: Toronto's 08:00 EDT was stored as 12:00. It is now given in the store's
    zone first (as without a ``time_format``)."""
    mapping = (
        "[table]\nsource = 's'\ntime_format = '%Y-%m-%d %H:%M'\n"
        "[columns]\nincident_id = 'id'\noccurred_at = 'ts'\ncrime_type = 'cat'\n"
        "lat = 'lat'\nlon = 'lon'\n"
    )
    buf = io.BytesIO()
    pl.DataFrame(
        {
            "id": ["a"],
            "ts": [dt.datetime(2023, 7, 1, 12, tzinfo=dt.UTC)],
            "cat": ["Assault"],
            "lat": [43.7],
            "lon": [-79.4],
        }
    ).write_parquet(buf)
    inc = _parsed_in_toronto(
        tmp_path, mapping, buf.getvalue(), name="t.parquet"
    ).frames["incidents"]
    assert [str(t) for t in inc["occurred_from"]] == ["2023-07-01 08:00:00"]


def test_epoch_seconds_written_as_floats_are_read(tmp_path: Path) -> None:
    """pandas writes an integer column that has blanks as floats: epoch seconds
    ``1672552393.0`` under ``time_format = '%s'`` did not parse and every row of
    such a file (CSV, or a Parquet Float64 column) was quarantined. A whole number
    written as a float is read as that number, keyed as the integer text."""
    # no id column: keys from the row's content, so a float and an integer text of
    # one epoch must read alike to key alike
    mapping = EPOCH_MAPPING.replace("incident_id = 'id'\n", "")
    buf = io.BytesIO()
    pl.DataFrame(
        {
            "epoch": [1672552393.0, None, 1688215993.0],
            "cat": ["Assault"] * 3,
            "e": [630000.0] * 3,
            "n": [4840000.0] * 3,
        }
    ).write_parquet(buf)
    parsed = _parsed_in_toronto(tmp_path, mapping, buf.getvalue(), name="e.parquet")
    inc = parsed.frames["incidents"]
    assert [str(t) for t in inc["occurred_from"]] == [
        "2023-01-01 00:53:13",
        "2023-07-01 08:53:13",
    ]
    assert parsed.problems["line"].to_list() == [2]  # the blank only

    def csv_id(epoch: str) -> str:
        text = f"epoch,cat,e,n\n{epoch},Assault,630000,4840000\n"
        parsed = _parsed_in_toronto(tmp_path, mapping, text.encode(), name="e.csv")
        return str(parsed.frames["incidents"]["incident_id"][0])

    assert csv_id("1672552393.0") == csv_id("1672552393")


def test_a_mapped_time_in_the_repeated_hour_is_named_in_the_note(
    tmp_path: Path,
) -> None:
    """A mapped table goes through the bundle's checks: a time in the hour that
    repeats when clocks go back (Los Angeles: 01:00-02:00 on 1 November 2020)
    is named in its report, as a bundle's is; the note the bundle's parse gave
    was dropped by the table's own before."""
    rows = LA.replace("01/08/2020 12:00:00 AM,2130", "11/01/2020 12:00:00 AM,130")
    parsed = parse_table(
        rows.encode(),
        read_mapping(_la_mapping(tmp_path)),
        name="la.csv",
        crs="EPSG:32611",
        timezone="America/Los_Angeles",
    )
    assert str(parsed.note).startswith(
        "1 occurred_at time falls in the hour that repeats when clocks go back "
        "(01:00-02:00 local on 2020-11-01, America/Los_Angeles)"
    )
