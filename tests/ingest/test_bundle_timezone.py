"""Bundle times with an offset or Z are accepted and converted to the force's zone."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import polars as pl
import pytest

from avert.store import Store
from avert.workflows.load import load_files

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "bundle-example"


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "bundle"))


def _rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_offset_and_z_times_load_as_local_time(
    bundle: Path, sqlite_store: Store
) -> None:
    inc = bundle / "incidents.csv"
    # INC-1 22:15 UTC in October (BST, +01:00) -> 23:15 local
    _rewrite(inc, "2026-10-01T22:15:00,", "2026-10-01T22:15:00Z,")
    # INC-2 01:40+01:00 is 01:40 local; its end 02:10 UTC -> 03:10 local
    _rewrite(
        inc,
        "2026-10-02T01:40:00,2026-10-02T02:10:00",
        "2026-10-02T01:40:00+01:00,2026-10-02T02:10:00+00:00",
    )
    report = load_files(sqlite_store, [bundle], kind="bundle")
    by_file = {Path(f.file).stem: f for f in report.files}
    assert by_file["incidents"].quarantined == 0
    got = sqlite_store.read_frame("incidents").sort("incident_id")
    rows = {r["incident_id"]: r for r in got.to_dicts()}
    assert rows["INC-1"]["occurred_from"] == dt.datetime(2026, 10, 1, 23, 15)
    assert rows["INC-2"]["occurred_from"] == dt.datetime(2026, 10, 2, 1, 40)
    assert rows["INC-2"]["occurred_to"] == dt.datetime(2026, 10, 2, 3, 10)
    assert rows["INC-1"]["time_precision"] == "exact"


def test_another_zone_from_the_setting(bundle: Path, sqlite_store: Store) -> None:
    _rewrite(bundle / "incidents.csv", "2026-10-01T22:15:00,", "2026-10-01T22:15:00Z,")
    load_files(sqlite_store, [bundle], kind="bundle", timezone="UTC")
    got = sqlite_store.read_frame("incidents").filter(pl.col("incident_id") == "INC-1")
    assert got["occurred_from"][0] == dt.datetime(2026, 10, 1, 22, 15)


def test_iso_8601_basic_form_times_load(bundle: Path, sqlite_store: Store) -> None:
    """FORMATS.md asks for ISO 8601 date-times; 20240103T1420 and 20240103T142000Z
    (the standard's basic form) were rejected as "not a datetime"."""
    inc = bundle / "incidents.csv"
    _rewrite(inc, "2026-10-01T22:15:00,", "20261001T2215,")
    _rewrite(
        inc,
        "2026-10-02T01:40:00,2026-10-02T02:10:00",
        "20261002T004000Z,20261002T021000+0100",
    )
    _rewrite(inc, "2026-10-03T18:05:00,", "20261003,")
    report = load_files(sqlite_store, [bundle], kind="bundle")
    by_file = {Path(f.file).stem: f for f in report.files}
    assert by_file["incidents"].quarantined == 0
    rows = {
        r["incident_id"]: r for r in sqlite_store.read_frame("incidents").to_dicts()
    }
    assert rows["INC-1"]["occurred_from"] == dt.datetime(2026, 10, 1, 22, 15)
    assert rows["INC-2"]["occurred_from"] == dt.datetime(2026, 10, 2, 1, 40)
    assert rows["INC-2"]["occurred_to"] == dt.datetime(2026, 10, 2, 2, 10)
    assert rows["INC-3"]["occurred_from"] == dt.datetime(2026, 10, 3)
    assert rows["INC-3"]["time_precision"] == "day"
    assert rows["INC-1"]["time_precision"] == "exact"


def test_a_window_across_the_clocks_going_back_is_kept(
    bundle: Path, sqlite_store: Store
) -> None:
    """01:50 BST to 01:10 GMT is a 20-minute window whose local times run backwards
    (the hour repeats): not an end before its start."""
    _rewrite(
        bundle / "incidents.csv",
        "2026-10-02T01:40:00,2026-10-02T02:10:00",
        "2026-10-25T01:50:00+01:00,2026-10-25T01:10:00+00:00",
    )
    report = load_files(sqlite_store, [bundle], kind="bundle")
    by_file = {Path(f.file).stem: f for f in report.files}
    assert by_file["incidents"].quarantined == 0


def test_a_decimal_comma_in_the_seconds_loads(
    bundle: Path, sqlite_store: Store
) -> None:
    """ISO 8601 allows (and prefers) a decimal comma: "14:20:00,5" was "not a datetime"."""
    _rewrite(
        bundle / "incidents.csv", "2026-10-01T22:15:00,", '"2026-10-01T22:15:00,5",'
    )
    report = load_files(sqlite_store, [bundle], kind="bundle")
    by_file = {Path(f.file).stem: f for f in report.files}
    assert by_file["incidents"].quarantined == 0
    got = sqlite_store.read_frame("incidents").filter(pl.col("incident_id") == "INC-1")
    assert got["occurred_from"][0] == dt.datetime(2026, 10, 1, 22, 15, 0, 500_000)


def test_a_time_not_read_is_rejected_naming_the_forms_read(
    bundle: Path, sqlite_store: Store
) -> None:
    """A week date, an hour alone or 24:00 are ISO 8601 too, but not read: the
    reason said "not a datetime" alone, leaving the sender to guess what is."""
    _rewrite(bundle / "incidents.csv", "2026-10-01T22:15:00,", "2026-W40-4T22:15,")
    load_files(sqlite_store, [bundle], kind="bundle")
    q = sqlite_store.read_frame("quarantine").filter(
        pl.col("target_table") == "incidents"
    )
    assert q["reason"].to_list() == [
        "not a datetime: 2026-W40-4T22:15 (ISO 8601: 2024-01-03T14:20[:00[.5]] or "
        "20240103T1420[00], optionally with Z, +01, +0100 or +01:00; or a date "
        "alone, 2024-01-03 or 20240103)"
    ]


def test_times_in_the_repeated_hour_are_named_in_the_report(
    bundle: Path, sqlite_store: Store
) -> None:
    """When clocks go back (01:00-02:00 on 25 October 2026 in London) one hour of
    local time happens twice, and the store keeps local wall-clock time: 01:30
    BST and 01:10 GMT (40 minutes later) load as 01:30 and 01:10, in the
    opposite order, with their offsets dropped, and a time without an offset may
    be either. This loaded without a word; the file's report now says how many
    times fell in that hour and how many gave an offset that was dropped."""
    inc = bundle / "incidents.csv"
    _rewrite(inc, "2026-10-01T22:15:00,", "2026-10-25T01:30:00+01:00,")
    _rewrite(
        inc,
        "2026-10-02T01:40:00,2026-10-02T02:10:00",
        "2026-10-25T01:10:00+00:00,2026-10-25T01:20:00+00:00",
    )
    _rewrite(inc, "2026-10-03T18:05:00,", "2026-10-25T01:45:00,")
    report = load_files(sqlite_store, [bundle], kind="bundle")
    incidents = next(f for f in report.files if Path(f.file).stem == "incidents")
    assert incidents.quarantined == 0
    got = sqlite_store.read_frame("incidents").sort("incident_id")
    rows = {r["incident_id"]: r["occurred_from"] for r in got.to_dicts()}
    assert rows["INC-1"] == dt.datetime(2026, 10, 25, 1, 30)  # 00:30 UTC
    assert rows["INC-2"] == dt.datetime(2026, 10, 25, 1, 10)  # 01:10 UTC
    assert str(incidents.note).startswith(
        "3 occurred_at times fall in the hour that repeats when clocks go back "
        "(01:00-02:00 local on 2026-10-25, Europe/London): stored as local time, "
        "which cannot say which of the two hours; 2 gave a UTC offset, which is "
        "not kept, so their order within that hour may be lost; "
        "1 occurred_to time falls in the hour"
    )
    assert (
        "note"
        not in next(f for f in report.files if Path(f.file).stem == "stops").as_dict()
    )


def test_times_in_the_skipped_hour_are_named_in_the_report(
    bundle: Path, sqlite_store: Store
) -> None:
    """When clocks go forward (01:00-02:00 on 29 March 2026 in London) no local
    time of that hour exists. A bundle time without an offset in it (a system
    keeping winter time all year, or a typo) names no instant; it is stored as
    given (nothing lost) and loaded without a word. The file's report now says
    so; a time given with an offset is converted and never falls there."""
    inc = bundle / "incidents.csv"
    _rewrite(inc, "2026-10-01T22:15:00,", "2026-03-29T01:30:00,")
    _rewrite(inc, "2026-10-03T18:05:00,", "2026-03-29T01:30:00Z,")  # 02:30 BST
    report = load_files(sqlite_store, [bundle], kind="bundle")
    incidents = next(f for f in report.files if Path(f.file).stem == "incidents")
    assert incidents.quarantined == 0
    got = sqlite_store.read_frame("incidents").sort("incident_id")
    rows = {r["incident_id"]: r["occurred_from"] for r in got.to_dicts()}
    assert rows["INC-1"] == dt.datetime(2026, 3, 29, 1, 30)  # as given
    assert rows["INC-3"] == dt.datetime(2026, 3, 29, 2, 30)
    assert incidents.note == (
        "1 occurred_at time falls in the hour that clocks skip when they go "
        "forward (01:00-02:00 local on 2026-03-29, Europe/London): no such local "
        "time exists (a time kept in winter time all year, or mistyped?); stored "
        "as given"
    )


def test_a_date_alone_where_no_precision_is_kept_is_named_in_the_report(
    bundle: Path, sqlite_store: Store
) -> None:
    """An incident's or an ASB report's date alone loads with ``time_precision =
    'day'`` (an ASB report's since 0034: it was stored at 00:00 with a note); a
    stop's or an incident's ``occurred_to`` has no such column and is stored at
    00:00, a time the source never gave (a count by hour of day reads it as
    midnight). It loaded without a word; the file's report now says so."""
    _rewrite(bundle / "asb.csv", "2026-10-03T21:00:00,", "2026-10-03,")
    _rewrite(bundle / "stops.csv", "2026-10-01T23:00:00,", "20261001,")
    inc = bundle / "incidents.csv"
    _rewrite(inc, "2026-10-01T22:15:00,", "2026-10-01,")  # day precision: no note
    _rewrite(inc, "2026-10-02T02:10:00", "2026-10-03")
    report = load_files(sqlite_store, [bundle], kind="bundle")
    by_file = {Path(f.file).stem: f for f in report.files}
    assert [by_file[t].quarantined for t in ("asb", "stops", "incidents")] == [0, 0, 0]
    asb = sqlite_store.read_frame("asb")
    assert asb["occurred_at"].to_list() == [dt.datetime(2026, 10, 3)]
    assert asb["time_precision"].to_list() == ["day"]
    assert by_file["asb"].note is None
    assert str(by_file["stops"].note).startswith("1 occurred_at value is a date")
    assert by_file["incidents"].note == (
        "1 occurred_to value is a date alone: stored at 00:00 of that day, as this "
        "table has no column to say the time is not known"
    )


def test_a_date_alone_is_no_time_in_an_hour_clocks_skip_at_midnight(
    bundle: Path, sqlite_store: Store
) -> None:
    """Where clocks go forward at midnight (Chile: 00:00-01:00 on 6 September
    2026) a date given alone, stored at 00:00, was reported as a time "in the
    hour that clocks skip ... (a time kept in winter time all year, or
    mistyped?)": the source gave no time at all. An incident's date alone (day
    precision) says nothing now, nor an ASB report's (day precision since 0034)."""
    zone = "America/Santiago"
    _rewrite(bundle / "incidents.csv", "2026-10-01T22:15:00,", "2026-09-06,")
    _rewrite(bundle / "asb.csv", "2026-10-03T21:00:00,", "2026-09-06,")
    report = load_files(sqlite_store, [bundle], kind="bundle", timezone=zone)
    by_file = {Path(f.file).stem: f for f in report.files}
    assert by_file["incidents"].note is None
    assert by_file["asb"].note is None
    # a time given in that hour is still named
    _rewrite(bundle / "stops.csv", "2026-10-01T23:00:00,", "2026-09-06T00:30:00,")
    report = load_files(sqlite_store, [bundle], kind="bundle", timezone=zone)
    stops = next(f for f in report.files if Path(f.file).stem == "stops")
    assert str(stops.note).startswith(
        "1 occurred_at time falls in the hour that clocks skip when they go forward "
        "(00:00-01:00 local on 2026-09-06, America/Santiago)"
    )


def test_a_re_load_after_0034_is_no_conflict_with_a_null_precision(
    bundle: Path, sqlite_store: Store
) -> None:
    """An ASB report dated alone loaded before revision 0034 has a null
    ``time_precision`` once upgraded (its 00:00 may be a date alone or midnight).
    Loading the same bundle again reported it as a conflicting duplicate
    ("time_precision: day (kept: <blank>)") though nothing of the record changed;
    the null is what the store did not know, not another value."""
    from avert.store.migrate import downgrade

    _rewrite(bundle / "asb.csv", "2026-10-03T21:00:00,", "2026-10-03,")
    load_files(sqlite_store, [bundle], kind="bundle")
    downgrade(sqlite_store.engine, "0033")
    sqlite_store.upgrade()
    assert sqlite_store.read_frame("asb")["time_precision"].to_list() == [None]
    report = load_files(sqlite_store, [bundle], kind="bundle")
    asb = {Path(f.file).stem: f.as_dict() for f in report.files}["asb"]
    assert (asb["duplicates"], asb["conflicts"]) == (1, 0)
