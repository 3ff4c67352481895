"""VOLT profiles, time profiles (month-only data) and overlaps."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.analyse.volt import (
    person_profiles,
    time_profiles,
    volt_overlaps,
    volt_profiles,
)

AT = dt.datetime(2024, 6, 30, 23, 0)


@pytest.fixture
def tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    t = [
        dt.datetime(2024, 6, 3, 22, 15),  # Monday 22:00 -> hour_of_week 22
        dt.datetime(2024, 6, 10, 22, 40),  # Monday 22:00
        dt.datetime(2024, 3, 1, 1, 0),  # Friday 01:00 -> 4*24+1 = 97
        dt.datetime(2023, 8, 1, 12, 0),
        dt.datetime(2022, 1, 1, 12, 0),  # outside a 365-day window
    ]
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4", "i5"],
            "occurred_from": t,
            "time_precision": ["exact", "exact", "exact", "day", "exact"],
            "lsoa": ["A", "A", "B", "A", "A"],
            "harm_days": [10.0, 365.0, 2.0, 30.0, 999.0],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4", "i1", "i2", "i3"],
            "person_id": ["o1", "o1", "o2", "o3", "v1", "v1", "o1"],
            "role": [
                "offender",
                "offender",
                "offender",
                "offender",
                "victim",
                "victim",
                "victim",
            ],
        }
    )
    return incidents, involvements


def test_person_profiles(tables: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    incidents, involvements = tables
    prof = person_profiles(
        incidents, involvements, roles=("offender",), at=AT, window_days=365
    )
    o1 = prof.filter(pl.col("person_id") == "o1").to_dicts()[0]
    assert o1["n_incidents"] == 2
    assert o1["harm_days"] == pytest.approx(375.0)
    assert o1["n_repeats"] == 1
    assert o1["trend"] == 2  # both in the later half of the window
    assert prof["person_id"].to_list()[0] == "o1"  # highest harm first
    assert prof.height == 3  # o1, o2, o3; i5 is outside the window


def test_volt_overlap_and_time(tables: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    incidents, involvements = tables
    res = volt_profiles(incidents, involvements, at=AT, window_days=365)
    assert res.overlaps["n_victim_offenders"] == 1  # o1 is also a victim
    assert res.overlaps["share_victims_also_offenders"] == pytest.approx(0.5)
    assert res.overlaps["share_offenders_also_victims"] == pytest.approx(1 / 3)
    assert res.hour_of_week is not None
    assert res.hour_of_week.height == 168
    peak = res.hour_of_week.sort("n_incidents", descending=True).row(0, named=True)
    assert peak["hour_of_week"] == 22
    assert peak["n_incidents"] == 2
    place_a = res.peak_times.filter(pl.col("place_id") == "A").to_dicts()[0]
    assert place_a["peak_hour_of_week"] == 22
    assert any("whose hour is not known" in n for n in res.notes)
    summary = {r["dimension"]: r for r in res.frame.to_dicts()}
    # victims: v1 twice, o1 once -> 3 victimisations, 2 victims: repeat rate 1/3
    assert summary["victim"]["repeat_rate"] == pytest.approx(1 / 3)
    out = res.to_dict()
    assert out["hour_of_week_available"] is True


def test_month_only_data_says_time_of_day_unavailable() -> None:
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "occurred_from": [
                dt.datetime(2019, 1, 1),
                dt.datetime(2019, 1, 1),
                dt.datetime(2019, 2, 1),
            ],
            "time_precision": ["month"] * 3,
            "lsoa": ["E1", "E1", "E2"],
        }
    )
    how, months, n_inexact = time_profiles(incidents)
    assert how is None
    assert months["n_incidents"].to_list() == [2, 1]
    assert n_inexact == 3
    res = volt_profiles(incidents, None, at=dt.datetime(2019, 2, 28), window_days=365)
    assert res.hour_of_week is None
    assert any("Time of day is unavailable" in n for n in res.notes)
    assert any("harm is unavailable" in n for n in res.notes)
    assert res.places["place_id"].to_list() == ["E1", "E2"]
    assert res.to_dict()["hour_of_week"] is None


def test_an_empty_window_says_so_not_that_times_are_month_only() -> None:
    """``avert analyse volt --at 2010-01-01`` on a store of 2019 printed empty
    profiles under "Time of day is unavailable: no incident in the window has an
    exact time (data.police.uk gives the month only)", of no incident at all."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_from": [dt.datetime(2019, 1, 1), dt.datetime(2019, 3, 1)],
            "time_precision": ["exact", "month"],
            "lsoa": ["E1", "E2"],
        }
    )
    res = volt_profiles(incidents, None, at=dt.datetime(2010, 1, 1), window_days=365)
    assert res.places.height == 0
    assert not any("Time of day is unavailable" in n for n in res.notes)
    (note,) = [n for n in res.notes if n.startswith("No incident in the window")]
    assert "(365 days to 2010-01-01 00:00): every profile is empty" in note
    assert "run from 2019-01-01 to 2019-03-01" in note


def test_hour_precision_data_has_a_time_of_day() -> None:
    """A city's open data gives the hour (``time_precision = "hour"``, e.g. the
    Toronto mapping): the hour-of-week profile counts it, and ``last_precision``
    is that of the record whose period ends last (an hour's end, a day's end)."""
    from avert.analyse.volt import place_profiles

    incidents = pl.DataFrame(
        {
            "incident_id": ["h1", "h2", "d1", "d2"],
            "occurred_from": [
                dt.datetime(2024, 6, 3, 21),  # a Monday, 21:00
                dt.datetime(2024, 6, 4, 2),
                dt.datetime(2024, 6, 4),
                # B's day record is stored before its hour one (02:00-03:00) but
                # its day ends later: it is the last, as the risk lists take it
                dt.datetime(2024, 6, 4),
            ],
            "time_precision": ["hour", "hour", "day", "day"],
            "lsoa": ["A", "B", "C", "B"],
        }
    )
    how, _, n_inexact = time_profiles(incidents)
    assert how is not None
    assert how.filter(pl.col("n_incidents") > 0)["hour_of_week"].to_list() == [21, 26]
    assert n_inexact == 2
    places = place_profiles(incidents, at=AT)
    got = {r["place_id"]: r["last_precision"] for r in places.iter_rows(named=True)}
    assert got == {"A": "hour", "B": "day", "C": "day"}


def test_summary_counts_distinct_incidents_and_pairs_apart() -> None:
    # one incident with two victims and two offenders, one with one of each
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2"],
            "occurred_from": [dt.datetime(2024, 6, 1), dt.datetime(2024, 6, 2)],
            "time_precision": ["exact", "exact"],
            "lsoa": ["A", "B"],
            "harm_days": [100.0, 10.0],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1", "i1", "i1", "i1", "i2", "i2"],
            "person_id": ["v1", "v2", "o1", "o2", "v1", "o1"],
            "role": ["victim", "victim", "offender", "offender", "victim", "offender"],
        }
    )
    res = volt_profiles(incidents, involvements, at=AT, window_days=365)
    summary = {r["dimension"]: r for r in res.frame.to_dicts()}
    for dim in ("victim", "offender", "place"):
        assert summary[dim]["n_incidents"] == 2, dim
        assert summary[dim]["harm_days"] == pytest.approx(110.0), dim
    assert summary["victim"]["n_pairs"] == 3
    assert summary["victim"]["pair_harm_days"] == pytest.approx(210.0)
    assert summary["offender"]["n_pairs"] == 3
    assert summary["place"]["n_pairs"] == 2
    assert summary["victim"]["repeat_rate"] == pytest.approx(1 / 3)  # over pairs
    assert res.to_dict()["summary"][0]["n_pairs"] == 3


def test_places_fall_back_to_grid_cells_when_no_area_is_known() -> None:
    incidents = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "occurred_from": [dt.datetime(2024, 6, 1)] * 3,
            "lsoa": pl.Series([None, None, None], dtype=pl.String),
            "x": [100.0, 120.0, 900.0],
            "y": [100.0, 110.0, 900.0],
        }
    )
    res = volt_profiles(incidents, None, at=AT, window_days=365)
    assert res.places.height == 2  # two 250 m cells
    assert res.params["place_unit"] == "cell"
    assert any("grid cells of 250 m" in n for n in res.notes)
    none = incidents.drop("x", "y")
    res = volt_profiles(none, None, at=AT, window_days=365)
    assert res.places.height == 0
    assert any("(LSOA) or coordinates" in n for n in res.notes)


def test_trend_needs_both_halves_of_the_window(
    tables: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """Records starting inside the window (one month of data.police.uk) would show
    every place and person growing: the trend is withheld with a note."""
    incidents, involvements = tables
    covered = volt_profiles(incidents, involvements, at=AT, window_days=365)
    assert covered.places["trend"].null_count() == 0
    assert not any("Trend unavailable" in n for n in covered.notes)
    recent = incidents.filter(pl.col("occurred_from") >= dt.datetime(2024, 3, 1))
    res = volt_profiles(recent, involvements, at=AT, window_days=365)
    assert res.places.height > 0
    assert res.places["trend"].null_count() == res.places.height
    assert res.offenders["trend"].null_count() == res.offenders.height
    assert any(
        "Trend unavailable: the incidents start 2024-03-01" in n for n in res.notes
    )


def test_last_precision_says_a_month_only_last_time() -> None:
    """police.uk rows are dated the first of their month: ``last_precision`` says
    so, and the CLI shows the month alone."""
    from avert.analyse.volt import place_profiles
    from avert.cli.analyse_volt import _when

    incidents = pl.DataFrame(
        {
            "incident_id": ["m1", "m2", "m3", "e1", "e2"],
            "occurred_from": [
                dt.datetime(2024, 5, 1),
                dt.datetime(2024, 6, 1),
                dt.datetime(2024, 6, 1),
                dt.datetime(2024, 6, 1),  # B's last time is also exact: the finer
                dt.datetime(2024, 6, 20, 21, 30),
            ],
            "time_precision": ["month", "month", "month", "exact", "exact"],
            "lsoa": ["A", "A", "B", "B", "C"],
        }
    )
    places = place_profiles(incidents, at=AT)
    got = {r["place_id"]: r["last_precision"] for r in places.iter_rows(named=True)}
    assert got == {"A": "month", "B": "exact", "C": "exact"}
    assert _when(dt.datetime(2018, 7, 1), "month") == "2018-07"
    assert _when(dt.datetime(2018, 7, 14), "day") == "2018-07-14"
    assert _when(dt.datetime(2018, 7, 14, 21, 30), "exact") == "2018-07-14 21:30"


def test_unknown_harm_is_counted_in_a_note(
    tables: tuple[pl.DataFrame, pl.DataFrame],
) -> None:
    """Incidents without a harm weight rank as 0 days: the output says how many."""
    incidents, involvements = tables
    known = volt_profiles(incidents, involvements, at=AT, window_days=365)
    assert not any("no harm weight" in n for n in known.notes)
    unknown = incidents.with_columns(
        pl.when(pl.col("incident_id").is_in(["i2", "i5"]))
        .then(None)
        .otherwise(pl.col("harm_days"))
        .alias("harm_days")
    )
    res = volt_profiles(unknown, involvements, at=AT, window_days=365)
    # i5 is outside the window: one incident of the window has no weight
    assert any(
        n.startswith("1 incidents of the window have no harm weight") for n in res.notes
    )
    assert res.places["place_id"].to_list() == ["A", "B"]  # A: 10 + 30 known days


def test_month_dated_incidents_across_a_window_end_are_named() -> None:
    """police.uk rows are dated the first of their month: a window (start, at]
    starting inside a month leaves the month out and one ending inside a month holds
    all of it. The window is kept; the notes say which months and how many."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["j1", "j2", "u1"],
            "occurred_from": [
                dt.datetime(2019, 6, 1),
                dt.datetime(2019, 6, 1),
                dt.datetime(2019, 7, 1),
            ],
            "time_precision": ["month"] * 3,
            "lsoa": ["E1", "E1", "E2"],
        }
    )
    # the 30 days to 1 July: June's records fall on the start, July's on the end
    res = volt_profiles(incidents, None, at=dt.datetime(2019, 7, 1), window_days=30)
    assert res.places["place_id"].to_list() == ["E2"]
    assert (
        "2 month-dated incidents of 2019-06 are left out: a month-dated record "
        "(data.police.uk) is dated the first instant of its month, and the window "
        "holds only what comes after its start, 2019-06-01 00:00. A window of 31 "
        "days to the same "
        "end (--days 31) holds them." in res.notes
    )
    # as the note says: 31 days to 1 July hold June (before, the note named no way)
    held = volt_profiles(incidents, None, at=dt.datetime(2019, 7, 1), window_days=31)
    assert held.places["place_id"].to_list() == ["E1", "E2"]
    assert not any("are left out" in n for n in held.notes)
    assert (
        "1 month-dated incidents of 2019-07 are in the window although their month "
        "runs past its end (2019-07-01 00:00)" in " ".join(res.notes)
    )
    # whole months inside the window: nothing to say
    whole = volt_profiles(incidents, None, at=dt.datetime(2019, 7, 31), window_days=61)
    assert whole.places.height == 2
    assert not any("month-dated" in n for n in whole.notes)


def test_profiles_do_not_depend_on_the_order_of_the_rows() -> None:
    """SQLite and PostgreSQL return a month-only month's records (equal times) in
    different orders: the harm sums (floats) must not follow that order."""
    n = 300
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{k:03d}" for k in range(n)],
            "occurred_from": [dt.datetime(2019, 1 + k % 3, 1) for k in range(n)],
            "time_precision": ["month"] * n,
            "lsoa": [f"E{k % 4}" for k in range(n)],
            "harm_days": [k * 0.1 + 1 / 3 for k in range(n)],
        }
    )
    at = dt.datetime(2019, 3, 31)

    def profile(frame: pl.DataFrame) -> dict[str, object]:
        return volt_profiles(frame, None, at=at, window_days=365).to_dict()

    first = profile(incidents)
    for seed in range(3):
        shuffled = incidents.sample(fraction=1.0, shuffle=True, seed=seed)
        assert profile(shuffled) == first


def test_the_summary_harm_is_the_same_every_time() -> None:
    """The distinct incidents' harm is summed in the rows' order, not in the
    order of a hash table (which changes from run to run: the last digits did)."""
    n = 20_000
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{k:05d}" for k in range(n)],
            "occurred_from": [dt.datetime(2019, 1, 1)] * n,
            "time_precision": ["month"] * n,
            "lsoa": [f"E{k % 50}" for k in range(n)],
            "harm_days": [k * 0.1 + 1 / 3 for k in range(n)],
        }
    )
    at = dt.datetime(2019, 3, 31)
    harms = {
        volt_profiles(incidents, None, at=at, window_days=365).frame["harm_days"][0]
        for _ in range(30)
    }
    assert len(harms) == 1


def test_month_dated_trend_splits_a_year_into_equal_halves() -> None:
    """A year of police.uk months (dated the first instant of each) compares
    January-June with July-December, not January-July with August-December: a
    month-dated record counts at the middle of its month."""
    months = [dt.datetime(2019, m, 1) for m in range(1, 13)]
    per_month = [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]
    incidents = pl.DataFrame(
        {
            "incident_id": [
                f"i{m}-{k}" for m, n in enumerate(per_month) for k in range(n)
            ],
            "occurred_from": [
                t for t, n in zip(months, per_month, strict=True) for _ in range(n)
            ],
            "time_precision": ["month"] * sum(per_month),
            "lsoa": ["A"] * sum(per_month),
            "harm_days": [1.0] * sum(per_month),
        }
    )
    at = dt.datetime(2019, 12, 31, 23, 59, 59, 999999)
    res = volt_profiles(incidents, None, at=at, window_days=365)
    assert res.places["n_incidents"].to_list() == [18]
    assert res.places["trend"].to_list() == [12 - 6]


def test_a_month_left_out_at_the_window_start_withholds_the_trend() -> None:
    """A leap year of police.uk months to the end of December: 365 days reach back
    only to 1 January 23:59, so January is left out and the earlier half holds five
    months against six. A flat place read as growing (+1); the trend is withheld,
    and 366 days (the whole year) give it again."""
    months = [dt.datetime(2024, m, 1) for m in range(1, 13)]
    incidents = pl.DataFrame(
        {
            "incident_id": [f"m{m}" for m in range(12)],
            "occurred_from": months,
            "time_precision": ["month"] * 12,
            "lsoa": ["A"] * 12,
        }
    )
    at = dt.datetime(2024, 12, 31, 23, 59, 59, 999999)
    res = volt_profiles(incidents, None, at=at, window_days=365)
    assert res.places["n_incidents"].to_list() == [11]
    assert res.places["trend"].to_list() == [None]
    assert any(
        "Trend unavailable: the month-dated incidents of 2024-01" in n
        for n in res.notes
    )
    whole = volt_profiles(incidents, None, at=at, window_days=366)
    assert whole.places["trend"].to_list() == [0]
    assert not any("Trend unavailable" in n for n in whole.notes)


def test_a_year_of_months_to_the_next_months_start_says_what_gives_the_trend() -> None:
    """The City of London's 2019 (``--at 2020-01-01``, 365 days): January's
    records, dated 2019-01-01 00:00, are on the window's open start. The notes
    said the window "starts after that, at 2019-01-01 00:00" and that a window
    "reaching back to that month's first instant" (this one does) gives the
    trend "(366 days for a leap year of months)": 2019 is none."""
    months = [dt.datetime(2019, m, 1) for m in range(1, 13)]
    incidents = pl.DataFrame(
        {
            "incident_id": [f"m{m}" for m in range(12)],
            "occurred_from": months,
            "time_precision": ["month"] * 12,
            "lsoa": ["A"] * 12,
        }
    )
    at = dt.datetime(2020, 1, 1)
    notes = " ".join(volt_profiles(incidents, None, at=at, window_days=365).notes)
    assert "starts after that" not in notes
    assert "leap year of months" not in notes
    assert "holds only what comes after its start, 2019-01-01 00:00" in notes
    assert "a year of months to its end needs 366 days" in notes
    whole = volt_profiles(incidents, None, at=at, window_days=366)
    assert whole.places["trend"].to_list() == [0]


def test_a_month_at_the_window_midpoint_withholds_the_trend() -> None:
    """A month's VOLT of police.uk data (``--at 2022-02-28 --days 28`` on London)
    counted every February record at 15 February, after the window's midpoint (14
    February): every place read as growing (+62, +53, ...). A month holding the
    midpoint has no half; the trend is withheld, and a year still gives it."""
    months = [dt.datetime(2021, 3, 1), *(dt.datetime(2022, m, 1) for m in (1, 2))]
    incidents = pl.DataFrame(
        {
            "incident_id": ["m0", "j1", "j2", "f1", "f2", "f3"],
            "occurred_from": [months[0], months[1], months[1], *[months[2]] * 3],
            "time_precision": ["month"] * 6,
            "lsoa": ["A"] * 6,
        }
    )
    res = volt_profiles(incidents, None, at=dt.datetime(2022, 2, 28), window_days=28)
    assert res.places["n_incidents"].to_list() == [3]
    assert res.places["trend"].to_list() == [None]
    assert any(
        "Trend unavailable: the month-dated incidents of 2022-02" in n
        and "midpoint" in n
        for n in res.notes
    )
    # 365 days to the end of February 2022: the midpoint (31 August 2021) is in no
    # month with records, so March 2021 counts earlier and 2022 later
    year = volt_profiles(
        incidents, None, at=dt.datetime(2022, 2, 28, 23, 59), window_days=365
    )
    assert year.places["trend"].to_list() == [5 - 1]


def test_the_midpoint_note_points_to_a_window_that_gives_the_trend() -> None:
    """A quarter of police.uk months (``--days 90`` to 31 March) holds February at
    its midpoint; the note said "a window of several months gives the trend", but
    three, five or seven months hold a month at their midpoint too. It names what
    works: an even number of whole months, and six of them do give the trend."""
    months = [dt.datetime(2021, m, 1) for m in range(10, 13)] + [
        dt.datetime(2022, m, 1) for m in range(1, 4)
    ]
    incidents = pl.DataFrame(
        {
            "incident_id": [f"m{i}" for i in range(len(months))],
            "occurred_from": months,
            "time_precision": ["month"] * len(months),
            "lsoa": ["A"] * len(months),
        }
    )
    at = dt.datetime(2022, 3, 31, 23, 59, 59, 999999)
    quarter = volt_profiles(incidents, None, at=at, window_days=90)
    assert quarter.places["trend"].to_list() == [None]
    (note,) = [n for n in quarter.notes if "midpoint" in n]
    assert "several months" not in note
    assert "even number of whole months" in note
    # six whole months, October to March (182 days): the trend is given
    half = volt_profiles(incidents, None, at=at, window_days=182)
    assert half.places["trend"].to_list() == [0]


def test_a_month_dated_last_record_has_no_days_since() -> None:
    """London's VOLT to 31 March 2022 gave a place whose last record is of March
    "days_since_last": 30 (from 1 March), for a record of any day of March. A
    month-dated last record's days since are unknown (null); exact ones stay."""
    from avert.analyse.volt import place_profiles

    incidents = pl.DataFrame(
        {
            "incident_id": ["m1", "m2", "e1"],
            "occurred_from": [
                dt.datetime(2024, 5, 1),
                dt.datetime(2024, 6, 1),
                dt.datetime(2024, 6, 20, 21, 30),
            ],
            "time_precision": ["month", "month", "exact"],
            "lsoa": ["A", "A", "C"],
        }
    )
    places = place_profiles(incidents, at=AT)
    got = {r["place_id"]: r["days_since_last"] for r in places.iter_rows(named=True)}
    assert got == {"A": None, "C": 10}


def test_a_date_alone_counts_its_days_since_from_its_days_end() -> None:
    """VOLT's people and places counted a record dated alone (stored at 00:00)
    from 00:00, up to a day more than it may be, where the risk lists count from
    its day's end (one rule: days_since_period_end). At 23:00 on 30 June a
    record dated 29 June alone read 1 day; it may have been at 23:59 (0 whole
    days). One of the scoring day itself is 0, and an exact one is unchanged."""
    from avert.analyse.volt import place_profiles

    day = dt.datetime(2024, 6, 29)
    incidents = pl.DataFrame(
        {
            "incident_id": ["d1", "d2", "e1", "e2", "x1"],
            "occurred_from": [
                day,  # dated alone: its day ends 30 June 00:00, 23 hours before AT
                day + dt.timedelta(days=1),  # AT's own day: ends after AT
                day - dt.timedelta(hours=1),  # 28 June 23:00 exact: 2 days
                day + dt.timedelta(hours=20),  # 29 June 20:00 exact, after d1's 00:00
                day - dt.timedelta(days=3),  # exact, 26 June 00:00: 4 days
            ],
            "time_precision": ["day", "day", "exact", "exact", "exact"],
            "lsoa": ["A", "B", "C", "A", "D"],
        }
    )
    places = place_profiles(incidents, at=AT)
    got = {r["place_id"]: r["days_since_last"] for r in places.iter_rows(named=True)}
    assert got == {"A": 0, "B": 0, "C": 2, "D": 4}
    involvements = pl.DataFrame(
        {
            "incident_id": ["d1", "d2", "e1"],
            "person_id": ["p1", "p2", "p3"],
            "role": ["victim"] * 3,
        }
    )
    people = person_profiles(incidents, involvements, roles=("victim",), at=AT)
    got = {r["person_id"]: r["days_since_last"] for r in people.iter_rows(named=True)}
    assert got == {"p1": 0, "p2": 0, "p3": 2}


def test_places_carry_the_lsoa_name_beside_the_code() -> None:
    """West Yorkshire's VOLT read "E01033010" where the briefing says "Leeds 111B":
    each LSOA place carries its commonest name (ties by the name), the code kept;
    an LSOA with no name a null name; a grid cell its incidents' commonest name."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4", "i5"],
            "occurred_from": [dt.datetime(2024, 6, d) for d in (1, 2, 3, 4, 5)],
            "lsoa": ["E01033010", "E01033010", "E01033010", "E01000001", "E01000002"],
            "lsoa_name": ["Leeds 111B", " Leeds 111B ", "Leeds 111", "", None],
            "x": [0.0] * 5,
            "y": [0.0] * 5,
            "harm_days": [3.0, 3.0, 3.0, 2.0, 1.0],
        }
    )
    result = volt_profiles(incidents, at=AT, window_days=365)
    names = dict(zip(result.places["place_id"], result.places["name"], strict=True))
    assert names == {"E01033010": "Leeds 111B", "E01000001": None, "E01000002": None}
    assert result.places.columns[:2] == ["place_id", "name"]
    assert result.peak_times["name"][0] == "Leeds 111B"
    assert result.to_dict()["places"][0]["name"] == "Leeds 111B"
    cells = volt_profiles(incidents, at=AT, window_days=365, cell_size_m=250)
    assert cells.places["name"].to_list() == ["Leeds 111B"]


def test_grid_cells_are_named_by_their_incidents_area() -> None:
    """Toronto's VOLT listed "250m:E2522:N19339" with no name, where the briefing
    names the cell "Church-Yonge Corridor": a cell takes its incidents' commonest
    LSOA name, else ward or neighbourhood, else borough (ties by the name)."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["t1", "t2", "t3", "t4", "t5"],
            "occurred_from": [dt.datetime(2024, 6, d) for d in (1, 2, 3, 4, 5)],
            "lsoa_name": pl.Series([None] * 5, dtype=pl.String),
            "ward": [
                "Moss Park",
                "Church-Yonge Corridor",
                "Church-Yonge Corridor",
                "",
                None,
            ],
            "borough": [None, None, None, None, "Old Toronto"],
            "x": [10.0, 20.0, 30.0, 900.0, 1500.0],
            "y": [10.0, 20.0, 30.0, 900.0, 1500.0],
            "harm_days": [3.0, 3.0, 3.0, 2.0, 1.0],
        }
    )
    res = volt_profiles(incidents, at=AT, window_days=365)
    assert res.params["place_unit"] == "cell"
    names = dict(zip(res.places["place_id"], res.places["name"], strict=True))
    assert names == {
        "250m:E0:N0": "Church-Yonge Corridor",
        "250m:E3:N3": None,
        "250m:E6:N6": "Old Toronto",
    }


def test_counts_in_the_notes_separate_their_thousands() -> None:
    """'analyse volt --all-incidents' on West Yorkshire, July 2018, said "5442
    incidents of the window have no harm weight" (its 5,442 ASB reports) where
    'analyse concentration' says "5,442 incidents had no harm weight"."""
    n = 1200
    incidents = pl.DataFrame(
        {
            "incident_id": [f"i{i}" for i in range(n + 1)],
            "occurred_from": [dt.datetime(2024, 6, 1)] * (n + 1),
            "time_precision": ["month"] * (n + 1),
            "lsoa": ["A", *([None] * n)],
            "harm_days": [10.0, *([None] * n)],
        }
    )
    notes = volt_profiles(incidents, None, at=AT, window_days=365).notes
    assert any(
        note.startswith("1,200 incidents of the window have no harm") for note in notes
    ), notes
    assert any(
        note.startswith("1,200 incidents of the window have no area") for note in notes
    ), notes


@pytest.mark.parametrize(
    ("share", "n_offenders", "expected"),
    [(0.05, 30, 2), (0.05, 50, 3), (0.05, 70, 4), (0.05, 250, 13), (0.07, 100, 7)],
)
def test_priority_offenders_are_the_top_ceil_share(
    share: float, n_offenders: int, expected: int
) -> None:
    """The top 5 % of offenders was round(0.05 n), which halves to even: 2 of 50
    (4 %) but 4 of 70 (5.7 %), 12 of 250. It is ceil(0.05 n), as the top sets of
    concentration: 3 of 50, 13 of 250; and ceil of the exact product (0.07 * 100 is
    7.000000000000001 in floating point: the top 7 % of 100 was 8)."""
    ids = [f"o{k:03d}" for k in range(n_offenders)]
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "occurred_from": [AT - dt.timedelta(days=1)] * n_offenders,
            "time_precision": ["exact"] * n_offenders,
            "lsoa": ["A"] * n_offenders,
            "harm_days": [float(n_offenders - k) for k in range(n_offenders)],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ids, "person_id": ids, "role": ["offender"] * n_offenders}
    )
    overlaps, _ = volt_overlaps(incidents, involvements, at=AT, priority_top=share)
    assert overlaps["n_priority_offenders"] == expected


def test_trend_needs_both_halves_covered_by_each_source() -> None:
    """A store with an older force's months beside another source's recent months
    (West Yorkshire's July 2018 beside London's 2022) does not cover the newer
    source's earlier half: the trend is withheld and the note names that source."""
    old = pl.DataFrame(
        {
            "incident_id": ["wy1", "wy2"],
            "occurred_from": [dt.datetime(2018, 7, 1)] * 2,
            "time_precision": ["month", "month"],
            "lsoa": ["W", "W"],
            "source": ["policeuk", "policeuk"],
            "force": ["West Yorkshire Police", "West Yorkshire Police"],
        }
    )
    recent = pl.DataFrame(
        {
            "incident_id": ["l1", "l2", "l3"],
            "occurred_from": [dt.datetime(2022, m, 1) for m in (1, 2, 3)],
            "time_precision": ["month"] * 3,
            "lsoa": ["L", "L", "L"],
            "source": ["policeuk-reduced"] * 3,
            "force": pl.Series([None, None, None], dtype=pl.String),
        }
    )
    at = dt.datetime(2022, 3, 31, 23, 59)
    res = volt_profiles(pl.concat([old, recent]), None, at=at, window_days=365)
    assert res.places.height == 1
    assert res.places["trend"].to_list() == [None]
    assert any(
        "Trend unavailable: the incidents of policeuk-reduced start 2022-01-01" in n
        for n in res.notes
    )
    # one source reaching back to the window's start still gives the trend
    year = recent.with_columns(
        pl.Series(
            "occurred_from", [dt.datetime(2021, 4, 1), *recent["occurred_from"][1:]]
        )
    )
    res = volt_profiles(pl.concat([old, year]), None, at=at, window_days=365)
    assert res.places["trend"].null_count() == 0


def _monthly_2019(prefix: str, months: int, *, lsoa: str, force: str) -> pl.DataFrame:
    """One police.uk incident a month from January 2019 for ``months`` months."""
    return pl.DataFrame(
        {
            "incident_id": [f"{prefix}{m}" for m in range(1, months + 1)],
            "occurred_from": [dt.datetime(2019, m, 1) for m in range(1, months + 1)],
            "time_precision": ["month"] * months,
            "lsoa": [lsoa] * months,
            "source": ["policeuk"] * months,
            "force": [force] * months,
        }
    )


def test_a_source_stopping_inside_the_window_is_left_out_of_the_trend() -> None:
    """A source whose months stop inside the window while another's run on (a
    force's January to June 2019 beside another's whole year) would read as
    falling at every place of it: the trend is taken from the force that runs to
    the end only, the other's places are n/a (not -6), and the note names the
    source left out and its last day; both sources running to the end give the
    trend of both."""
    whole = _monthly_2019("a", 12, lsoa="A", force="City of London Police")
    half = _monthly_2019("b", 6, lsoa="B", force="West Yorkshire Police")
    at = dt.datetime(2019, 12, 31, 23, 59)
    res = volt_profiles(pl.concat([whole, half]), None, at=at, window_days=365)
    assert res.places["place_id"].to_list() == ["A", "B"]
    assert res.places["trend"].to_list() == [0, None]
    assert res.places["n_incidents"].to_list() == [12, 6]  # counts stay whole
    assert not any("Trend unavailable" in n for n in res.notes)
    assert any(
        n.startswith(
            "Trend from the records of policeuk/City of London Police only: the "
            "incidents of policeuk/West Yorkshire Police end 2019-06-30, more than "
            "a day before the others"
        )
        and "1 place with no other record in the window has no trend (n/a)" in n
        for n in res.notes
    )
    # the same months of both forces: each runs to the end, the trend is given
    both = whole.vstack(whole.with_columns(force=pl.lit("West Yorkshire Police")))
    res = volt_profiles(both, None, at=at, window_days=365)
    assert res.places["trend"].to_list() == [0]
    assert not any("Trend" in n for n in res.notes)


def test_no_source_covering_both_halves_withholds_every_trend() -> None:
    """When every source of the window starts inside it or stops early, no trend
    is left to give: n/a for all, the note names the first source (as before)."""
    late = _monthly_2019("a", 12, lsoa="A", force="City of London Police").filter(
        pl.col("occurred_from") >= dt.datetime(2019, 4, 1)
    )
    half = _monthly_2019("b", 6, lsoa="B", force="West Yorkshire Police")
    at = dt.datetime(2019, 12, 31, 23, 59)
    res = volt_profiles(pl.concat([late, half]), None, at=at, window_days=365)
    assert res.places["trend"].to_list() == [None, None]
    # every record is left out of the trend, as for a place of left-out sources only
    assert (res.places["n_left_out_of_trend"] == res.places["n_incidents"]).all()
    assert any(
        "Trend unavailable: the incidents of policeuk/City of London Police start "
        "2019-04-01" in n
        for n in res.notes
    )
    assert not any(n.startswith("Trend from") for n in res.notes)


#: The synthetic city: a police source of exact times over a whole year and a
#: hospital's exact-time records that stop four days before the window's end.
CITY_AT = dt.datetime(2026, 12, 1, 23, 0)


def _city(hospital_stops_days_before: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Police: incidents every 3 days at A and B (B more in the later half), with
    a victim and an offender each; hospital A&E: every 5 days at B and H, its
    victims ``hv*``, stopping ``hospital_stops_days_before`` days before
    :data:`CITY_AT`."""
    police_t = [CITY_AT - dt.timedelta(days=3 * k, hours=k % 24) for k in range(124)]
    police = pl.DataFrame(
        {
            "incident_id": [f"p{k}" for k in range(len(police_t))],
            "occurred_from": police_t,
            "time_precision": ["exact"] * len(police_t),
            # A every other record; B the rest, plus more of the later half
            "lsoa": ["A" if k % 2 or k > 100 else "B" for k in range(len(police_t))],
            "harm_days": [float(1 + k % 7) for k in range(len(police_t))],
            "source": ["police"] * len(police_t),
            "force": ["City Police"] * len(police_t),
        }
    )
    stop = CITY_AT - dt.timedelta(days=hospital_stops_days_before)
    hospital_t = [stop - dt.timedelta(days=5 * k) for k in range(74)]
    hospital = pl.DataFrame(
        {
            "incident_id": [f"h{k}" for k in range(len(hospital_t))],
            "occurred_from": hospital_t,
            "time_precision": ["exact"] * len(hospital_t),
            "lsoa": ["B" if k % 3 == 0 else "H" for k in range(len(hospital_t))],
            "harm_days": [2.0] * len(hospital_t),
            "source": ["hospital A&E"] * len(hospital_t),
            "force": pl.Series([None] * len(hospital_t), dtype=pl.String),
        }
    )
    incidents = pl.concat([police, hospital])
    involvements = pl.DataFrame(
        {
            "incident_id": [
                *police["incident_id"],
                *police["incident_id"],
                *hospital["incident_id"],
            ],
            "person_id": [f"pv{k % 9}" for k in range(police.height)]
            + [f"po{k % 5}" for k in range(police.height)]
            # hv0 also a police victim's id: pv0 is in both sources
            + [("pv0" if k % 4 == 0 else f"hv{k % 6}") for k in range(hospital.height)],
            "role": ["victim"] * police.height
            + ["offender"] * police.height
            + ["victim"] * hospital.height,
        }
    )
    return incidents, involvements


def _expected_trend(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None,
    key: str,
    *,
    sources: list[str],
    days: int = 365,
) -> dict[str, int]:
    """Later-half minus earlier-half counts per ``key`` of ``sources``' records,
    counted independently of avert (exact times: the halves split at the midpoint)."""
    start = CITY_AT - dt.timedelta(days=days)
    mid = CITY_AT - dt.timedelta(days=days / 2)
    rows = incidents.filter(
        (pl.col("occurred_from") > start)
        & (pl.col("occurred_from") <= CITY_AT)
        & pl.col("source").is_in(sources)
    )
    if involvements is not None:
        rows = rows.join(
            involvements.filter(pl.col("role") == "victim"), on="incident_id"
        )
    got = rows.group_by(key).agg(
        ((pl.col("occurred_from") > mid).sum().cast(pl.Int64) * 2 - pl.len()).alias("t")
    )
    return dict(got.iter_rows())


def test_a_sparse_source_stopping_early_no_longer_hides_the_other_trends() -> None:
    """A hospital's records that stop four days before the police's withheld the
    police trend of every place and person: each trend is now the police records'
    (checked against independent counts), a place or victim only in the hospital's
    records is n/a (not 0 or a fall), the window's counts and harm stay whole, and
    the note names the source left out and its last day."""
    incidents, involvements = _city(hospital_stops_days_before=4)
    res = volt_profiles(incidents, involvements, at=CITY_AT, window_days=365)
    places = {r["place_id"]: r for r in res.places.iter_rows(named=True)}
    police_only = _expected_trend(incidents, None, "lsoa", sources=["police"])
    assert {p: places[p]["trend"] for p in ("A", "B")} == police_only
    assert places["H"]["trend"] is None
    assert places["H"]["n_later_half"] is None
    assert places["H"]["n_earlier_half"] is None
    # counts and harm of the window: every record, the hospital's too
    window = incidents.filter(
        pl.col("occurred_from") > CITY_AT - dt.timedelta(days=365)
    )
    whole = window.group_by("lsoa").agg(pl.len(), pl.col("harm_days").sum())
    for lsoa, n, harm in whole.iter_rows():
        assert places[lsoa]["n_incidents"] == n
        assert places[lsoa]["harm_days"] == pytest.approx(harm)
    b = places["B"]
    assert b["n_later_half"] - b["n_earlier_half"] == b["trend"]
    assert b["n_later_half"] + b["n_earlier_half"] < b["n_incidents"]
    victims = {r["person_id"]: r["trend"] for r in res.victims.iter_rows(named=True)}
    expected = _expected_trend(incidents, involvements, "person_id", sources=["police"])
    assert {p: t for p, t in victims.items() if p.startswith("pv")} == expected
    assert {p: t for p, t in victims.items() if p.startswith("hv")} == dict.fromkeys(
        [f"hv{k}" for k in range(6)], None
    )
    assert res.offenders["trend"].null_count() == 0
    note = next(n for n in res.notes if n.startswith("Trend from"))
    assert note.startswith(
        "Trend from the records of police/City Police only: the incidents of "
        "hospital A&E end 2026-11-27, more than a day before the others"
    )
    assert "1 place and 6 victims with no other record in the window have" in note
    assert not any("Trend unavailable" in n for n in res.notes)


def test_a_source_ending_within_a_day_of_the_others_stays_in_the_trend() -> None:
    """Coverage is judged per source as before: the hospital's records stopping
    less than a day before the police's leave it in the trend, with no note."""
    incidents, involvements = _city(hospital_stops_days_before=0)
    res = volt_profiles(incidents, involvements, at=CITY_AT, window_days=365)
    both = _expected_trend(incidents, None, "lsoa", sources=["police", "hospital A&E"])
    got = dict(res.places.select("place_id", "trend").iter_rows())
    assert got == both
    assert not any(n.startswith("Trend") for n in res.notes)


def test_a_source_starting_inside_the_window_is_left_out_of_the_trend() -> None:
    """A partner source loaded from inside the window (its earlier half empty)
    would read as growth: the trend is the police's, the note says where the
    partner's records start."""
    incidents, involvements = _city(hospital_stops_days_before=0)
    joined = CITY_AT - dt.timedelta(days=100)
    incidents = incidents.filter(
        (pl.col("source") == "police") | (pl.col("occurred_from") > joined)
    )
    res = volt_profiles(incidents, involvements, at=CITY_AT, window_days=365)
    police_only = _expected_trend(incidents, None, "lsoa", sources=["police"])
    got = dict(res.places.select("place_id", "trend").iter_rows())
    assert got == {**police_only, "H": None}
    note = next(n for n in res.notes if n.startswith("Trend from"))
    assert "the incidents of hospital A&E start 2026-08-" in note
    assert "its earlier half is not covered" in note


def test_a_cell_across_several_areas_says_its_name_is_the_commonest() -> None:
    """A 250 m cell whose incidents lie in two neighbourhoods was listed under the
    commonest alone, as though the cell were in it: a note says how many cells
    hold several areas and that each is named by the commonest."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["t1", "t2", "t3", "t4"],
            "occurred_from": [dt.datetime(2024, 6, d) for d in (1, 2, 3, 4)],
            "ward": [
                "Moss Park",
                "Church-Yonge Corridor",
                "Church-Yonge Corridor",
                "X",
            ],
            "x": [10.0, 20.0, 30.0, 900.0],
            "y": [10.0, 20.0, 30.0, 900.0],
        }
    )
    res = volt_profiles(incidents, at=AT, window_days=365, cell_size_m=250)
    assert res.places["name"].to_list() == ["Church-Yonge Corridor", "X"]
    assert "n_names" not in res.places.columns
    assert any(
        n.startswith("1 of the 2 cells hold incidents of several areas")
        for n in res.notes
    )
    one_area = incidents.with_columns(ward=pl.lit("Moss Park"))
    res = volt_profiles(one_area, at=AT, window_days=365, cell_size_m=250)
    assert not any("several areas" in n for n in res.notes)


def test_a_month_dated_source_cut_by_the_window_is_left_out_of_the_trend() -> None:
    """police.uk months beside exact-time police records, with the window ending at
    the latest exact record (mid-month): the month the window cuts at its start, or
    whose month holds its midpoint, withheld every trend; now only that source's
    records are left out of the trend, its place is n/a, and the note names its
    months."""
    incidents, _ = _city(hospital_stops_days_before=0)
    police = incidents.filter(pl.col("source") == "police")
    first = dt.datetime(2025, 11, 1)
    months = [
        first.replace(year=2025 + (10 + k) // 12, month=(10 + k) % 12 + 1)
        for k in range(13)
    ]
    policeuk = pl.DataFrame(
        {
            "incident_id": [f"m{k}" for k in range(len(months))],
            "occurred_from": months,
            "time_precision": ["month"] * len(months),
            "lsoa": ["M"] * len(months),
            "harm_days": [1.0] * len(months),
            "source": ["policeuk"] * len(months),
            "force": ["Neighbouring Police"] * len(months),
        }
    )
    both = pl.concat([police, policeuk])
    res = volt_profiles(both, None, at=CITY_AT, window_days=365)
    got = dict(res.places.select("place_id", "trend").iter_rows())
    police_only = _expected_trend(both, None, "lsoa", sources=["police"])
    assert got == {**police_only, "M": None}
    # January to November 2026: December 2025 is cut, in no half nor count
    assert res.places.filter(pl.col("place_id") == "M")["n_incidents"].item() == 11
    note = next(n for n in res.notes if n.startswith("Trend from"))
    assert note.startswith(
        "Trend from the records of police/City Police only: the month-dated "
        "incidents of policeuk/Neighbouring Police of 2025-12 are left out at the "
        "window's start"
    )
    assert not any("Trend unavailable" in n for n in res.notes)
    # 200 days: May 2026 cut at the start, August 2026 holds the midpoint
    res = volt_profiles(both, None, at=CITY_AT, window_days=200)
    got = dict(res.places.select("place_id", "trend").iter_rows())
    police_200 = _expected_trend(both, None, "lsoa", sources=["police"], days=200)
    assert got == {**police_200, "M": None}
    note = next(n for n in res.notes if n.startswith("Trend from"))
    assert "Neighbouring Police of 2026-05 are left out at the window's start" in note
    assert (
        "the month-dated incidents of policeuk/Neighbouring Police of 2026-08 have "
        "the window's midpoint inside their month (they are in neither half)" in note
    )
    # the months alone: no source covers both halves, the cut withholds every trend
    res = volt_profiles(policeuk, None, at=CITY_AT, window_days=365)
    assert res.places["trend"].to_list() == [None]
    assert any(n.startswith("Trend unavailable: the month-dated") for n in res.notes)


def test_a_trend_from_part_of_an_items_records_is_marked_on_the_item() -> None:
    """A place or person whose records come partly from a source left out of the
    trend showed a trend of the rest alone, with nothing on the row to say so (B:
    +11 from 51 of its 76 records, the hospital's 25 left out): each row now
    counts its records left out of the trend (``n_left_out_of_trend``, checked
    against counts made here), and the note counts the rows whose trend is partial."""
    incidents, involvements = _city(hospital_stops_days_before=4)
    res = volt_profiles(incidents, involvements, at=CITY_AT, window_days=365)
    window = incidents.filter(
        (pl.col("occurred_from") > CITY_AT - dt.timedelta(days=365))
        & (pl.col("occurred_from") <= CITY_AT)
    )
    hospital = window.filter(pl.col("source") == "hospital A&E")
    expected_places = dict.fromkeys(window["lsoa"].unique(), 0) | dict(
        hospital.group_by("lsoa").len().iter_rows()
    )
    got = dict(res.places.select("place_id", "n_left_out_of_trend").iter_rows())
    assert got == expected_places
    assert got["B"] > 0
    b = res.places.filter(pl.col("place_id") == "B").row(0, named=True)
    assert b["trend"] is not None
    assert b["n_later_half"] + b["n_earlier_half"] + got["B"] == b["n_incidents"]
    victims_out = dict(
        hospital.join(involvements, on="incident_id")
        .filter(pl.col("role") == "victim")
        .group_by("person_id")
        .len()
        .iter_rows()
    )
    got_victims = dict(
        res.victims.select("person_id", "n_left_out_of_trend").iter_rows()
    )
    assert {p: n for p, n in got_victims.items() if n} == victims_out
    assert res.offenders["n_left_out_of_trend"].sum() == 0
    note = next(n for n in res.notes if n.startswith("Trend from"))
    assert (
        "the trend of 1 place and 1 victim leaves out some of their records (marked "
        "* in the table, n_left_out_of_trend in JSON)" in note
    )
    # both sources covering both halves: nothing left out, no mark
    incidents, involvements = _city(hospital_stops_days_before=0)
    res = volt_profiles(incidents, involvements, at=CITY_AT, window_days=365)
    assert res.places["n_left_out_of_trend"].sum() == 0
    assert res.victims["n_left_out_of_trend"].sum() == 0


def _flat_months_and_days(at: dt.datetime) -> pl.DataFrame:
    """police.uk months of November 2025 to December 2026, 30 records each (a flat
    rate), beside exact-time police records one a day to ``at``."""
    months = [
        dt.datetime(2025 + (10 + k) // 12, (10 + k) % 12 + 1, 1) for k in range(14)
    ]
    policeuk = pl.DataFrame(
        {
            "incident_id": [f"m{k}-{j}" for k in range(14) for j in range(30)],
            "occurred_from": [m for m in months for _ in range(30)],
            "time_precision": ["month"] * 420,
            "lsoa": ["M"] * 420,
            "source": ["policeuk"] * 420,
            "force": ["Neighbouring Police"] * 420,
        }
    )
    exact = pl.DataFrame(
        {
            "incident_id": [f"e{k}" for k in range(400)],
            "occurred_from": [at - dt.timedelta(days=k) for k in range(400)],
            "time_precision": ["exact"] * 400,
            "lsoa": ["E"] * 400,
            "source": ["police"] * 400,
            "force": ["City Police"] * 400,
        }
    )
    return pl.concat([policeuk, exact])


def test_a_month_running_past_the_windows_end_is_left_out_of_the_trend() -> None:
    """A window to 10 December holds December's police.uk month whole (it is dated
    the 1st) though only 10 days of it are before its end: a flat 30 records a
    month read +30 (seven months in the later half against six). That source is now
    left out of the trend as a month cut at the start is, its place is n/a, and the
    note says why; alone, it withholds every trend."""
    at = dt.datetime(2026, 12, 10, 12, 0)  # start 2025-11-30 12:00: nothing cut
    incidents = _flat_months_and_days(at)
    res = volt_profiles(incidents, None, at=at, window_days=375)
    got = dict(res.places.select("place_id", "trend").iter_rows())
    assert got == {"M": None, "E": 1}  # E: 188 after the midpoint, 187 before
    assert res.places.filter(pl.col("place_id") == "M")["n_incidents"].item() == 390
    note = next(n for n in res.notes if n.startswith("Trend from"))
    assert (
        "the month-dated incidents of policeuk/Neighbouring Police of 2026-12 are in "
        "the window whole although their month runs more than a day past its end"
    ) in note
    alone = incidents.filter(pl.col("source") == "policeuk")
    res = volt_profiles(alone, None, at=at, window_days=375)
    assert res.places["trend"].to_list() == [None]
    assert any(
        n.startswith("Trend unavailable: the month-dated incidents of 2026-12 are in")
        for n in res.notes
    )
    # a window to December's end: the months are whole, the flat rate reads 0
    end = dt.datetime(2026, 12, 31, 23, 59)
    res = volt_profiles(alone, None, at=end, window_days=365)
    assert res.places["trend"].to_list() == [0]


def _tied_offenders(n: int = 20) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``n`` offenders of one incident each of 10 harm days, and one of 50."""
    ids = [f"i{i:02d}" for i in range(n + 1)]
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "occurred_from": [AT - dt.timedelta(days=i + 1) for i in range(n + 1)],
            "harm_days": [50.0] + [10.0] * n,
            "lsoa": ["E01000001"] * (n + 1),
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ids,
            "person_id": [f"p{i:02d}" for i in range(n + 1)],
            "role": ["offender"] * (n + 1),
        }
    )
    return incidents, involvements


def test_a_priority_set_cut_inside_a_tie_says_so() -> None:
    """The top 5 % of 41 offenders is 3: one of 50 days and two of the 40 with 10
    days, chosen by id; a note says so, as concentration's top entities do."""
    incidents, involvements = _tied_offenders(40)
    res = volt_profiles(incidents, involvements, at=AT)
    assert res.overlaps["n_priority_offenders"] == 3
    (note,) = [n for n in res.notes if "priority offenders" in n]
    assert note.startswith(
        "The cut of the set of priority offenders (top 0.05: 3 of 41) falls inside a "
        "tie: 2 of the 40 offenders with 10 harm days and 1 incident are in it, the "
        "other 38 are left out by id order"
    )
    # a list of the JSON cut inside the tie says so too; a cut between values does not
    assert any(
        n.startswith("The cut of the top 5 offenders")
        for n in res.to_dict(top=5)["notes"]
    )
    assert not any("top 1 offenders" in n for n in res.to_dict(top=1)["notes"])


def test_no_tie_note_when_the_cut_falls_between_values() -> None:
    incidents, involvements = _tied_offenders(40)
    distinct = incidents.with_columns(
        (pl.col("harm_days") + pl.int_range(pl.len()).cast(pl.Float64)).alias(
            "harm_days"
        )
    )
    res = volt_profiles(distinct, involvements, at=AT)
    assert not any("falls inside a tie" in n for n in res.to_dict(top=5)["notes"])


def test_a_tie_note_writes_the_harm_as_it_is_or_unknown() -> None:
    """Without harm weights (no ``harm_days``: VOLT ranks by count) a tie note said
    "0 harm days", a figure no record holds; and a large harm was rounded to six
    digits (1,234,567.5 read "1.23457e+06")."""
    incidents, involvements = _tied_offenders(40)
    unweighted = volt_profiles(incidents.drop("harm_days"), involvements, at=AT)
    notes = unweighted.to_dict(top=5)["notes"]
    (note,) = [n for n in notes if n.startswith("The cut of the top 5 offenders")]
    assert "offenders with no known harm and 1 incident" in note
    assert not any("0 harm days" in n for n in notes)
    large = volt_profiles(
        incidents.with_columns(pl.col("harm_days") * 123_456.75), involvements, at=AT
    )
    (note,) = [
        n
        for n in large.to_dict(top=5)["notes"]
        if n.startswith("The cut of the top 5 offenders")
    ]
    assert "with 1,234,567.5 harm days and 1 incident" in note


def test_time_notes_say_which_records_lack_the_hour() -> None:
    """A window of dates alone (``time_precision`` ``day``) read "Time of day is
    unavailable: no incident in the window has an exact time (data.police.uk gives
    the month only)": no record was of data.police.uk. The notes count the dates
    alone and the months apart."""
    at = dt.datetime(2024, 5, 1)
    days = [at - dt.timedelta(days=d) for d in (1, 2, 3)]
    alone = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "occurred_from": days,
            "time_precision": ["day", "day", "day"],
            "lsoa": ["E1", "E1", "E2"],
        }
    )
    res = volt_profiles(alone, None, at=at, window_days=30)
    (note,) = [n for n in res.notes if n.startswith("Time of day is unavailable")]
    assert "data.police.uk" not in note
    assert "(3 dated by the day alone, stored at 00:00)" in note
    mixed = alone.with_columns(
        pl.Series("time_precision", ["exact", "day", "month"]),
        pl.Series("source", ["t", "t", "policeuk"]),
    )
    res = volt_profiles(mixed, None, at=at, window_days=30)
    (note,) = [n for n in res.notes if n.startswith("Hour-of-week leaves out")]
    assert note == (
        "Hour-of-week leaves out 2 incidents whose hour is not known (1 dated by "
        "the day alone, stored at 00:00; 1 by the month only, as data.police.uk "
        "gives)."
    )


def test_month_only_records_name_data_police_uk_only_when_they_came_from_it() -> None:
    """A table mapped with ``avert ingest table`` (``time_precision = "month"``)
    gives months only too: the note said "as data.police.uk gives" of them. It
    names data.police.uk only for records its loads gave (``source``), and says
    nothing of where they came from when the frame does not say."""
    at = dt.datetime(2024, 5, 1)
    frame = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c"],
            "occurred_from": [at - dt.timedelta(days=d) for d in (1, 20, 40)],
            "time_precision": ["exact", "month", "month"],
            "lsoa": ["E1", "E1", "E2"],
            "source": ["my-table", "my-table", "policeuk"],
        }
    )

    def note(incidents: pl.DataFrame) -> str:
        res = volt_profiles(incidents, None, at=at, window_days=60)
        (out,) = [n for n in res.notes if n.startswith("Hour-of-week leaves out")]
        return out

    table = frame.with_columns(pl.lit("my-table").alias("source"))
    assert note(table).endswith("not known (2 by the month only).")
    assert note(table.drop("source")).endswith("not known (2 by the month only).")
    assert note(frame).endswith(
        "not known (2 by the month only, 1 of them from data.police.uk)."
    )


def test_a_date_alone_on_the_windows_first_day_is_in_the_window() -> None:
    """The 30 days to 30 June 23:00 start at 23:00 on 31 May: a record dated 31
    May alone (stored at 00:00) may have happened after that, and the briefing's
    incidents list has it, but VOLT compared its 00:00 and left it out. Now it is
    in the window (incidents, harm, days since), one with its time at 22:00 that
    day stays out. The window then holds 31 days of dates alone for 30 days, so
    the trend counts one at its day's noon and leaves out the first day's (noon
    before the start): its halves compare 15 days each, and a note says so."""
    from avert.analyse.volt import window_incidents

    first = dt.datetime(2024, 5, 31)
    days = [first + dt.timedelta(days=d) for d in range(31)]  # 31 May .. 30 June
    incidents = pl.DataFrame(
        {
            "incident_id": [f"d{i}" for i in range(31)] + ["t"],
            "occurred_from": [*days, first + dt.timedelta(hours=22)],
            "time_precision": ["day"] * 31 + ["exact"],
            "lsoa": ["A"] * 32,
            "harm_days": [1.0] * 32,
        }
    )
    held = window_incidents(incidents, at=AT, window_days=30)
    assert held["incident_id"].to_list() == [f"d{i}" for i in range(31)]
    res = volt_profiles(incidents, None, at=AT, window_days=30)
    place = res.places.row(0, named=True)
    assert place["n_incidents"] == 31
    assert (place["n_earlier_half"], place["n_later_half"]) == (15, 15)
    assert place["trend"] == 0
    assert place["n_left_out_of_trend"] == 1
    assert any(
        "1 incident dated alone (2024-05-31) is in the window, its day" in n
        and "not in the trend" in n
        for n in res.notes
    ), res.notes
    # the note speaks the table's words, not the JSON field's
    assert not any("n_left_out_of_trend" in n for n in res.notes), res.notes


def test_a_window_to_midnight_holds_its_days_of_dates_alone_only() -> None:
    """``--at 2024-07-01`` (00:00), 30 days: dates alone of 1 to 30 June are in,
    one dated 1 July alone (stored at ``at``) is not (its day is after the
    window): 30 incidents, halves 15 and 15, none left out of the trend, no note
    of a day overlapping the window's start or end."""
    at = dt.datetime(2024, 7, 1)
    days = [dt.datetime(2024, 6, 1) + dt.timedelta(days=d) for d in range(31)]
    incidents = pl.DataFrame(
        {
            "incident_id": [f"d{i}" for i in range(31)],
            "occurred_from": days,  # 1 June .. 1 July
            "time_precision": ["day"] * 31,
            "lsoa": ["A"] * 31,
            "harm_days": [1.0] * 31,
        }
    )
    res = volt_profiles(incidents, None, at=at, window_days=30)
    place = res.places.row(0, named=True)
    assert place["n_incidents"] == 30
    assert (place["n_earlier_half"], place["n_later_half"]) == (15, 15)
    assert place["n_left_out_of_trend"] == 0
    assert not any("not in the trend" in n for n in res.notes), res.notes


def test_last_at_is_the_record_days_since_counts_from_as_in_risk() -> None:
    """A person's records of 3 May 2024: one at 01:00 and one dated alone (its
    day ends 4 May 00:00). VOLT's last_at was the 01:00 one ("exact") while its
    days_since_last counted from the day's end (6, where 01:00 is 7 days and 11
    hours before 10 May 12:00), and the offender risk list named the one dated
    alone: last_at is now the record whose period ends last, as in risk."""
    from avert.analyse.risk import offender_risk

    at = dt.datetime(2024, 5, 10, 12)
    for order in ((0, 1), (1, 0)):  # the rows' order decides nothing
        times = [dt.datetime(2024, 5, 3, 1), dt.datetime(2024, 5, 3)]
        precisions = ["exact", "day"]
        incidents = pl.DataFrame(
            {
                "incident_id": [f"i{k}" for k in order],
                "occurred_from": [times[k] for k in order],
                "time_precision": [precisions[k] for k in order],
                "harm_days": [10.0, 10.0],
            }
        )
        involvements = pl.DataFrame(
            {
                "incident_id": ["i0", "i1"],
                "person_id": ["p"] * 2,
                "role": ["offender"] * 2,
            }
        )
        volt = person_profiles(incidents, involvements, roles=("offender",), at=at)
        risk = offender_risk(incidents, involvements, at=at).frame
        cols = ["last_at", "last_precision"]
        assert volt.select(cols).rows() == risk.select(cols).rows()
        assert volt.select(*cols, "days_since_last").rows() == [
            (dt.datetime(2024, 5, 3), "day", 6)
        ]
