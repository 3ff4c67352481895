"""A month's count beside a month of another length says the counts per day.

London's February 2022 (data.police.uk) read "February 2022 21,961 ...; previous
month (January 2022) 22,571": a fall, though February held 784 a day against
January's 728 (+8 %): February has 28 days, January 31.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.analyse.trend import year_on_year


def _months(counts: dict[dt.datetime, int]) -> pl.DataFrame:
    rows = [(m, True, "month") for m, n in counts.items() for _ in range(n)]
    return pl.DataFrame(
        rows, schema=["occurred_from", "in_definition", "time_precision"], orient="row"
    )


def _line(frame: pl.DataFrame, month: dt.datetime, end: dt.datetime) -> str:
    return year_on_year(
        frame,
        at=end + dt.timedelta(days=14),
        precision="month",
        window_from=month,
        window_to=end,
    )["line"]


def test_a_shorter_month_after_a_longer_one_gives_the_counts_per_day() -> None:
    frame = _months({dt.datetime(2022, 1, 1): 22_571, dt.datetime(2022, 2, 1): 21_961})
    line = _line(frame, dt.datetime(2022, 2, 1), dt.datetime(2022, 3, 1))
    assert (
        "previous month (January 2022) 22,571 (per day 728 against 784, +8 %: a "
        "month of 31 days against one of 28)" in line
    ), line


def test_a_leap_february_against_a_plain_one_gives_the_counts_per_day() -> None:
    frame = _months({dt.datetime(2023, 2, 1): 2_800, dt.datetime(2024, 2, 1): 2_900})
    line = _line(frame, dt.datetime(2024, 2, 1), dt.datetime(2024, 3, 1))
    assert (
        "a year earlier 2,800, +4 %; per day 100 against 100, 0 %: a month of 28 "
        "days against one of 29" in line
    ), line


def test_months_of_one_length_say_nothing_more() -> None:
    """July and August: 31 days each."""
    frame = _months({dt.datetime(2022, 7, 1): 90, dt.datetime(2022, 8, 1): 93})
    line = _line(frame, dt.datetime(2022, 8, 1), dt.datetime(2022, 9, 1))
    assert "previous month (July 2022) 90." in line, line
    assert "per day" not in line


def test_a_small_forces_counts_per_day_have_a_decimal() -> None:
    """The City of London's violent crimes of October and November 2019 (155 in
    31 days, 158 in 30) read "per day 5 against 5, +5 %"."""
    frame = _months({dt.datetime(2019, 10, 1): 155, dt.datetime(2019, 11, 1): 158})
    line = _line(frame, dt.datetime(2019, 11, 1), dt.datetime(2019, 12, 1))
    assert "(per day 5.0 against 5.3, +5 %: a month of 31 days against one of 30)" in (
        line
    ), line
