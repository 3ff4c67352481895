"""Performance series judge each force's (each supplier's) loaded months apart.

A store holding West Yorkshire's data.police.uk street crime for July 2018 and the
City of London's for 2019: ``avert analyse performance --by force`` read West
Yorkshire's 2019 as zeros (the City's files covered those months, so the store as a
whole held incidents in them) and the City's July 2018 as a zero, with run-rule
signals on the Performance page. A force's month not loaded is no data, not zero;
an area with no incident in a month its force did load is a true zero.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.analyse.performance import PerformanceResult, SeriesResult
from avert.store import Store
from avert.workflows.board import board_statistics, run_performance

WEST_YORKSHIRE = "West Yorkshire Police"
CITY = "City of London Police"


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    return pl.date_range(first, last, "1mo", eager=True).to_list()


def _records(force: str, borough: str, counts: dict[dt.date, int]) -> pl.DataFrame:
    """police.uk-like month-only street records: ``counts[month]`` of ``borough``
    recorded by ``force``."""
    months = [m for m, n in counts.items() for _ in range(n)]
    return pl.DataFrame(
        {
            "occurred_from": [dt.datetime(m.year, m.month, 1) for m in months],
            "force": [force] * len(months),
            "borough": [borough] * len(months),
        }
    )


def _load(store: Store, *parts: pl.DataFrame) -> None:
    frame = pl.concat(parts)
    with store.transaction() as tx:
        tx.append(
            "incidents",
            frame.with_columns(
                pl.format("i{}", pl.int_range(pl.len())).alias("incident_id"),
                pl.lit("policeuk").alias("source"),
                pl.lit("month").alias("time_precision"),
                pl.lit("Violence and sexual offences").alias("crime_type"),
            ),
        )


def _load_probe_store(store: Store, *, city_monthly: int) -> None:
    """The probe's store, small: West Yorkshire's 300 for July 2018 only, the
    City's ``city_monthly`` a month for 2019."""
    _load(
        store,
        _records(WEST_YORKSHIRE, "Leeds", {dt.date(2018, 7, 1): 300}),
        _records(
            CITY,
            "City of London",
            dict.fromkeys(
                _months(dt.date(2019, 1, 1), dt.date(2019, 12, 1)), city_monthly
            ),
        ),
    )


def _judge(
    store: Store,
    by: str | None,
    baseline: tuple[dt.date, dt.date],
    recent: tuple[dt.date, dt.date],
) -> PerformanceResult:
    return run_performance(
        store,
        by=by,
        baseline_from=baseline[0],
        baseline_to=baseline[1],
        date_from=recent[0],
        date_to=recent[1],
        violence_only=False,
        by_category=False,
        flags=(),
    )


def _total(result: PerformanceResult, area: str) -> SeriesResult:
    return next(s for s in result.series if s.area == area and s.category == "all")


def _periods(series: SeriesResult) -> dict[dt.date, int]:
    return dict(series.chart.select("period", "count").iter_rows())


def test_a_force_s_unloaded_months_are_no_data_not_zero(sqlite_store: Store) -> None:
    """The probe's store, small: West Yorkshire for July 2018 only, the City for
    2019. West Yorkshire's 2019 were zeros (its recent period "0 / –" and run-rule
    signals), the City's July 2018 a zero."""
    _load_probe_store(sqlite_store, city_monthly=40)
    result = _judge(
        sqlite_store,
        "force",
        (dt.date(2018, 7, 1), dt.date(2019, 6, 30)),
        (dt.date(2019, 7, 1), dt.date(2019, 12, 31)),
    )
    west = _total(result, WEST_YORKSHIRE)
    assert _periods(west) == {dt.date(2018, 7, 1): 300}
    assert west.verdict == "insufficient_data"
    row = west.row()
    assert row["recent_count"] is None  # no data, where it read 0
    assert not any(row["spc_signals"].values())
    city = _total(result, CITY)
    assert dt.date(2018, 7, 1) not in _periods(city)
    assert set(_periods(city).values()) == {40}
    notes = "\n".join(result.notes)
    assert f"{WEST_YORKSHIRE}: no incident in the store in 12 months" in notes
    assert f"{CITY}: no incident in the store in the month 2018-07-01" in notes


def _two_forces(store: Store, *, missing: dt.date) -> None:
    """Force A (boroughs North, 60 a month, and Quiet, none in May 2024) and
    Force B (South, 50 a month; Edge's few, under 5 % of its records, beside
    Force A's) from 2022 to 2024; Force A loaded no ``missing`` month."""
    months = _months(dt.date(2022, 1, 1), dt.date(2024, 12, 1))
    loaded_a = [m for m in months if m != missing]
    quiet = {m: 0 if m == dt.date(2024, 5, 1) else 3 for m in loaded_a}
    _load(
        store,
        _records("Force A", "North", dict.fromkeys(loaded_a, 60)),
        _records("Force A", "Quiet", quiet),
        _records("Force B", "South", dict.fromkeys(months, 50)),
        _records("Force B", "Edge", dict.fromkeys(months, 30)),
        _records("Force A", "Edge", {dt.date(2022, 1, 1): 20}),
    )


BASELINE = (dt.date(2022, 1, 1), dt.date(2023, 12, 31))
RECENT = (dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def test_a_force_s_missing_middle_month_leaves_its_series_only(
    sqlite_store: Store,
) -> None:
    """Force A's March 2024 file not loaded: its series (by force, by borough, and
    the whole store's, of which it is half) leave March out; Force B's keep it, and
    so does Edge, whose Force A records are under 5 % of its own."""
    march = dt.date(2024, 3, 1)
    _two_forces(sqlite_store, missing=march)
    by_force = _judge(sqlite_store, "force", BASELINE, RECENT)
    assert march not in _periods(_total(by_force, "Force A"))
    assert _periods(_total(by_force, "Force B"))[march] == 80
    assert any(
        "Force A: no incident in the store in the month 2024-03-01" in n
        for n in by_force.notes
    )
    by_borough = _judge(sqlite_store, "borough", BASELINE, RECENT)
    for area in ("North", "Quiet"):
        assert march not in _periods(_total(by_borough, area)), area
    assert _periods(_total(by_borough, "South"))[march] == 50
    assert _periods(_total(by_borough, "Edge"))[march] == 30
    assert any("series of its 2 areas" in n for n in by_borough.notes)
    whole = _judge(sqlite_store, None, BASELINE, RECENT)
    assert march not in _periods(_total(whole, "all"))


def test_a_true_zero_in_a_month_its_force_loaded_stays_zero(
    sqlite_store: Store,
) -> None:
    """Quiet had no incident in May 2024 while Force A's records cover May: a
    genuine zero, kept, with no note on May."""
    _two_forces(sqlite_store, missing=dt.date(2024, 3, 1))
    result = _judge(sqlite_store, "borough", BASELINE, RECENT)
    quiet = _periods(_total(result, "Quiet"))
    assert quiet[dt.date(2024, 5, 1)] == 0
    assert len(quiet) == 35  # every month of 2022-2024 but March 2024
    assert not any("2024-05-01" in n for n in result.notes)


def test_the_json_and_the_board_s_rows_name_each_series_no_data(
    sqlite_store: Store,
) -> None:
    """Each verdict of the JSON lists the periods its series left out
    (``no_data_periods``), and the board's rows (its Performance page and pack)
    say them beside the verdict and the charts, whose axis skips them."""
    _two_forces(sqlite_store, missing=dt.date(2024, 3, 1))
    verdicts = _judge(sqlite_store, "force", BASELINE, RECENT).to_dict()["verdicts"]
    gaps = {v["area"]: v["no_data_periods"] for v in verdicts}
    assert gaps == {"Force A": ["2024-03-01"], "Force B": []}
    stats = board_statistics(
        sqlite_store, end=dt.date(2024, 12, 31), by="force", equality=False
    )
    rows = {r["area"]: r for r in stats["performance"]["series"]}
    assert rows["Force A"]["no_data"] == "the month 2024-03-01"
    assert rows["Force B"]["no_data"] is None


def test_a_force_s_part_month_is_left_out_of_its_series_only(
    sqlite_store: Store,
) -> None:
    """Force A's own records (exact times) loaded to 13 December 2024, beside
    Force B's police.uk months to December: the store as a whole covers December,
    so Force A's half month counted as a whole one. It is left out of Force A's
    series only, with a note."""
    months = _months(dt.date(2022, 1, 1), dt.date(2024, 12, 1))
    days = [
        dt.datetime(m.year, m.month, day, 12)
        for m in months
        for day in range(1, 29, 3)
        if dt.date(m.year, m.month, day) < dt.date(2024, 12, 15)
    ]
    own = pl.DataFrame(
        {
            "occurred_from": days,
            "force": ["Force A"] * len(days),
            "borough": ["North"] * len(days),
            "time_precision": ["exact"] * len(days),
        }
    )
    police_uk = _records("Force B", "South", dict.fromkeys(months, 30))
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.concat(
                [own, police_uk.with_columns(pl.lit("month").alias("time_precision"))]
            ).with_columns(
                pl.format("i{}", pl.int_range(pl.len())).alias("incident_id"),
                pl.lit("policeuk").alias("source"),
                pl.lit("Violence and sexual offences").alias("crime_type"),
            ),
        )
    result = _judge(sqlite_store, "force", BASELINE, RECENT)
    december = dt.date(2024, 12, 1)
    assert december not in _periods(_total(result, "Force A"))
    assert _total(result, "Force A").no_data == (december,)
    assert _periods(_total(result, "Force B"))[december] == 30
    assert any("Force A's incidents end on 2024-12-13" in n for n in result.notes)


def test_a_force_loaded_for_the_baseline_only_is_judged_by_its_share_then(
    sqlite_store: Store,
) -> None:
    """Force B's records were 7 % of borough X in 2022-23, the months its files
    were loaded, and none of 2024's were: over the whole window its share was
    4.8 %, under 5 %, so X kept 2024 without them and read a significant
    sustained reduction (rate ratio 0.93) that was only B's files missing. A
    supplier's share is judged over the periods it has records in."""
    months = _months(dt.date(2022, 1, 1), dt.date(2024, 12, 1))
    baseline_months = [m for m in months if m.year < 2024]
    _load(
        sqlite_store,
        _records("Force A", "X", dict.fromkeys(months, 200)),
        _records("Force B", "X", dict.fromkeys(baseline_months, 15)),
        _records("Force B", "Y", dict.fromkeys(baseline_months, 100)),
    )
    x = _total(_judge(sqlite_store, "borough", BASELINE, RECENT), "X")
    assert x.verdict == "insufficient_data"
    assert x.row()["recent_count"] is None
    assert len(x.no_data) == 12


def test_a_minor_force_s_months_not_loaded_are_named_where_series_keep_them(
    sqlite_store: Store,
) -> None:
    """Force B, 4 % of the store's incidents, loaded for 2024 only: under 5 %, the
    whole store's series kept 2022-23 without it and read a significant increase
    (rate ratio 1.04) with no word of Force B; then with a note, still the
    increase. Its records are now left out of the series in every period (like
    with like: Force A's steady 1,000 a month, no change), and the note says so.
    Loaded for the baseline only, it read a significant sustained reduction."""
    months = _months(dt.date(2022, 1, 1), dt.date(2024, 12, 1))
    _load(
        sqlite_store,
        _records("Force A", "North", dict.fromkeys(months, 1000)),
        _records("Force B", "South", {m: 42 for m in months if m.year == 2024}),
    )
    result = _judge(sqlite_store, None, BASELINE, RECENT)
    whole = _total(result, "all")
    assert set(_periods(whole).values()) == {1000}
    assert len(_periods(whole)) == 36
    assert not whole.verdict.startswith("significant"), whole.verdict
    assert any(
        n.startswith("Force B: no incident in the store in 24 months")
        and "under 5 % of the incidents of the series of all areas" in n
        and "its records are left out of them in every period" in n
        for n in result.notes
    ), result.notes


def test_a_minor_force_loaded_for_the_baseline_only_fakes_no_reduction(
    sqlite_store: Store,
) -> None:
    """The mirror case: Force B, 4 % of borough-less store, loaded for 2022-23
    only, read as a significant sustained reduction (rate ratio 0.957)."""
    months = _months(dt.date(2022, 1, 1), dt.date(2024, 12, 1))
    _load(
        sqlite_store,
        _records("Force A", "North", dict.fromkeys(months, 1000)),
        _records("Force B", "South", {m: 42 for m in months if m.year < 2024}),
    )
    whole = _total(_judge(sqlite_store, None, BASELINE, RECENT), "all")
    assert set(_periods(whole).values()) == {1000}
    assert not whole.verdict.startswith("significant"), whole.verdict
    by_borough = _judge(sqlite_store, "borough", BASELINE, RECENT)
    south = _total(by_borough, "South")  # its own series: 2024 no data
    assert south.verdict == "insufficient_data"


def test_a_window_whose_every_month_is_no_data_says_so(sqlite_store: Store) -> None:
    """West Yorkshire for July 2018, the City for 2019, one series of both: each
    month lacks one force's files, so every month is left out. The note said "No
    incident from 2018-07-01 to 2019-12-31 is in these series", as if the
    definition had none; it says the months are no data."""
    _load_probe_store(sqlite_store, city_monthly=100)
    result = _judge(
        sqlite_store,
        None,
        (dt.date(2018, 7, 1), dt.date(2019, 6, 30)),
        (dt.date(2019, 7, 1), dt.date(2019, 12, 31)),
    )
    assert not result.series
    notes = "\n".join(result.notes)
    assert "is in these series" not in notes
    assert (
        "Every month from 2018-07-01 to 2019-12-31 is left out of its series (not "
        "loaded or part covered, above): nothing to judge." in notes
    )


def test_a_minor_force_s_gap_in_a_month_its_series_leaves_out_keeps_it(
    sqlite_store: Store,
) -> None:
    """Force C, under 5 % of the store, missing only June 2023, the month Force A
    (the largest) is missing too: the whole store's series leaves June 2023 out
    for Force A, so Force C's gap changes nothing it keeps. Its records were
    still left out of every other month (1,500 a month, not 1,542), with a note
    saying so."""
    months = _months(dt.date(2022, 1, 1), dt.date(2024, 12, 1))
    gap = dt.date(2023, 6, 1)
    _load(
        sqlite_store,
        _records("Force A", "North", {m: 1000 for m in months if m != gap}),
        _records("Force B", "South", dict.fromkeys(months, 500)),
        _records("Force C", "Edge", {m: 42 for m in months if m != gap}),
    )
    result = _judge(sqlite_store, None, BASELINE, RECENT)
    whole = _periods(_total(result, "all"))
    assert gap not in whole
    assert set(whole.values()) == {1542}
    assert len(whole) == 35
    assert not any(n.startswith("Force C") for n in result.notes), result.notes
