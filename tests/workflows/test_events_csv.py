"""Events read from a CSV for the place statistics: nothing dropped silently, clear
errors for a file that cannot be read as events."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from avert.errors import IngestError
from avert.workflows.forecast import events_from_csv


def _write(tmp_path: Path, rows: dict[str, list[object]]) -> Path:
    path = tmp_path / "events.csv"
    pl.DataFrame(rows).write_csv(path)
    return path


def _line_of_events(tmp_path: Path, x0: float, y0: float, step: float) -> Path:
    """A CSV of 40 events a ``step`` apart along a diagonal from ``(x0, y0)``, at
    10:00 on the days of January 2024."""
    n = 40
    return _write(
        tmp_path,
        {
            "x": [x0 + step * k for k in range(n)],
            "y": [y0 + step * k for k in range(n)],
            "occurred_at": [f"2024-01-{1 + k % 28:02d}T10:00" for k in range(n)],
        },
    )


def test_rows_without_a_time_or_place_are_counted_with_the_first_line(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path,
        {
            "x": [1.0, 2.0, None, 4.0, 5.0],
            "y": [1.0, 2.0, 3.0, 4.0, 5.0],
            "occurred_at": [
                "2024-01-01T10:00",
                "2024-01-02T11:00",
                "2024-01-03T12:00",
                "not a time",
                "2024-01-05T13:00",
            ],
        },
    )
    events, notes = events_from_csv(path)
    assert events.height == 3
    assert events["occurred_at"][0] == dt.datetime(2024, 1, 1, 10)
    assert notes == (
        "events.csv: 2 of 5 rows left out (1 without a readable time, 1 without "
        "finite x, y or a time; first on line 4).",
    )


def test_a_clean_file_has_no_notes(tmp_path: Path) -> None:
    path = _write(
        tmp_path, {"x": [1.0], "y": [2.0], "occurred_at": ["2024-01-01T10:00"]}
    )
    events, notes = events_from_csv(path)
    assert events.height == 1
    assert notes == ()


def test_times_in_no_readable_format_stop_with_advice(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {
            "x": [1.0, 2.0],
            "y": [1.0, 2.0],
            "occurred_at": ["03/19/2021 02:16:00 AM"] * 2,
        },
    )
    with pytest.raises(IngestError, match=r"reads as a date-time \(line 2: '03/19"):
        events_from_csv(path)


def test_day_or_month_first_times_are_not_guessed(tmp_path: Path) -> None:
    """Polars' date guessing read ``01/02/2024`` as 1 February: a month-first file
    whose days never pass 12 was read as other days, silently (an American city's
    short extract forecast from the wrong history). Such times now stop the read
    with advice, in either order; ISO 8601 texts read as before."""
    for text in ("01/02/2024 10:00", "02/01/2024 10:00", "02.01.2024 10:00"):
        path = _write(tmp_path, {"x": [1.0], "y": [2.0], "occurred_at": [text]})
        with pytest.raises(IngestError, match=r"reads as a date-time .*time_format"):
            events_from_csv(path)
    for text in ("2024-01-02 10:00", "2024-01-02T10:00:00.5", "2024-01-02"):
        path = _write(tmp_path, {"x": [1.0], "y": [2.0], "occurred_at": [text]})
        events, _ = events_from_csv(path)
        assert events["occurred_at"].dt.date().to_list() == [dt.date(2024, 1, 2)]


def test_latitude_and_longitude_without_x_y_get_a_hint(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {"Latitude": [51.5], "Longitude": [-0.1], "occurred_at": ["2024-01-01"]},
    )
    with pytest.raises(IngestError, match="project them to metres first"):
        events_from_csv(path)


def test_times_with_an_offset_become_local_times(tmp_path: Path) -> None:
    """21:30+01:00 in a London May is 21:30 local (not 20:30, its UTC time)."""
    path = _write(
        tmp_path,
        {
            "x": [1.0, 2.0],
            "y": [1.0, 2.0],
            "occurred_at": ["2024-05-01T21:30:00+01:00", "2024-05-02T08:00:00+01:00"],
        },
    )
    events, _ = events_from_csv(path)
    assert events["occurred_at"].to_list() == [
        dt.datetime(2024, 5, 1, 21, 30),
        dt.datetime(2024, 5, 2, 8, 0),
    ]
    events, _ = events_from_csv(path, timezone="America/Toronto")
    assert events["occurred_at"][0] == dt.datetime(2024, 5, 1, 16, 30)


def test_unreadable_times_stop_even_when_some_times_are_blank(tmp_path: Path) -> None:
    """A blank time does not hide that no given time reads: the file stops with the
    advice, naming the first unreadable time and its line."""
    path = tmp_path / "events.csv"
    path.write_text(
        "x,y,occurred_at\n1,1,\n2,2,03/19/2021 02:16:00 AM\n3,3,03/20/2021 02:16:00 AM\n",
        encoding="utf-8",
    )
    with pytest.raises(IngestError, match=r"reads as a date-time \(line 3: '03/19"):
        events_from_csv(path)


@pytest.mark.parametrize("text", ["", "x,y,occurred_at\n1,2,2024-01-01,extra\n"])
def test_a_file_polars_cannot_read_is_an_ingest_error(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "events.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(IngestError, match="cannot be read"):
        events_from_csv(path)


def test_parquet_rows_are_counted_by_row_not_line(tmp_path: Path) -> None:
    """A Parquet file has no lines: the first left-out row is named by its number."""
    path = tmp_path / "events.parquet"
    pl.DataFrame(
        {
            "x": [1.0, None],
            "y": [1.0, 2.0],
            "occurred_at": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 2)],
        }
    ).write_parquet(path)
    events, notes = events_from_csv(path)
    assert events.height == 1
    assert notes[0].endswith("first on row 2).")


def test_epoch_numbers_are_not_guessed_as_times(tmp_path: Path) -> None:
    """An integer time column (seconds? microseconds?) stops instead of landing in
    1970."""
    path = tmp_path / "events.parquet"
    pl.DataFrame(
        {"x": [1.0], "y": [2.0], "occurred_at": [1_700_000_000]}
    ).write_parquet(path)
    with pytest.raises(IngestError, match="holds numbers"):
        events_from_csv(path)


def test_longitude_and_latitude_named_x_y_stop_with_advice(tmp_path: Path) -> None:
    """A file of lon/lat degrees in columns x, y was read as metres: the whole city
    fell in one 150 m cell and `forecast evaluate` printed hit rates of 0 with a
    note about the cell size only. It now stops and says to project them."""
    path = _line_of_events(tmp_path, -73.6, 45.5, 0.001)
    with pytest.raises(IngestError, match="look like longitude and latitude"):
        events_from_csv(path)
    metres = _line_of_events(tmp_path, 611000.0, 5040000.0, 50)
    assert events_from_csv(metres)[0].height == 40


def test_latitude_first_in_x_y_stops_too(tmp_path: Path) -> None:
    """Latitude in x and longitude in y (Sydney's -33.9, 151.2: y beyond 90) passed
    the check for degrees and put the city in one cell; either order now stops."""
    path = _line_of_events(tmp_path, -33.87, 151.2, 0.001)
    with pytest.raises(IngestError, match="look like longitude and latitude"):
        events_from_csv(path)
