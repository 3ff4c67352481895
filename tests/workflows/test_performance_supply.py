"""Performance series across a change of supplier and across gaps inside a month.

- A force whose data.police.uk files (months 1-18) give way to its own extract
  (months 19-30, the bundle's source, no force column): each supplier's months
  were no data for the other's, so the whole store's series lost every month and
  the board pack had no verdict for the force, with no word why.
- Two weeks of March missing from a force's own load: a monthly series counted
  half a March as a low month, which can fake a reduction.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from avert.analyse.performance import PerformanceResult, SeriesResult
from avert.store import Store
from avert.workflows.board import run_performance
from avert.workflows.performance_supply import empty_run_days

FORCE = "Metropolitan Police Service"
EXTRACT = "met-extract"
BASELINE = (dt.date(2022, 1, 1), dt.date(2023, 6, 30))
RECENT = (dt.date(2023, 7, 1), dt.date(2024, 6, 30))


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    return pl.date_range(first, last, "1mo", eager=True).to_list()


def _police_uk(counts: dict[dt.date, int], borough: str = "North") -> pl.DataFrame:
    """data.police.uk-like street rows: dated the 1st, month-only, the force's
    "Falls within"."""
    months = [m for m, n in counts.items() for _ in range(n)]
    return pl.DataFrame(
        {
            "occurred_from": [dt.datetime(m.year, m.month, 1) for m in months],
            "force": [FORCE] * len(months),
            "source": ["policeuk"] * len(months),
            "time_precision": ["month"] * len(months),
            "borough": [borough] * len(months),
        }
    )


def _own(
    counts: dict[dt.date, int],
    *,
    skip: tuple[dt.date, dt.date] | None = None,
    source: str = EXTRACT,
    force: str | None = None,
) -> pl.DataFrame:
    """A force's own extract (a bundle's: timed, the bundle's source, no force):
    ``counts[month]`` records spread over the month's days, none on the days of
    ``skip`` (first, last)."""
    times = []
    for month, n in counts.items():
        days = [
            d
            for d in pl.date_range(
                month,
                (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
                - dt.timedelta(days=1),
                "1d",
                eager=True,
            ).to_list()
            if skip is None or not skip[0] <= d <= skip[1]
        ]
        times += [
            dt.datetime.combine(days[i % len(days)], dt.time(14, 30)) for i in range(n)
        ]
    return pl.DataFrame(
        {
            "occurred_from": times,
            "force": pl.Series([force] * len(times), dtype=pl.String),
            "source": [source] * len(times),
            "time_precision": ["exact"] * len(times),
            "borough": ["North"] * len(times),
        }
    )


def _load(store: Store, *parts: pl.DataFrame) -> None:
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.concat(parts).with_columns(
                pl.format("i{}", pl.int_range(pl.len())).alias("incident_id"),
                pl.lit("Violence and sexual offences").alias("crime_type"),
            ),
        )


def _judge(store: Store, by: str | None = None) -> PerformanceResult:
    return run_performance(
        store,
        by=by,
        baseline_from=BASELINE[0],
        baseline_to=BASELINE[1],
        date_from=RECENT[0],
        date_to=RECENT[1],
        violence_only=False,
        by_category=False,
        flags=(),
    )


def _total(result: PerformanceResult, area: str = "all") -> SeriesResult:
    return next(s for s in result.series if s.area == area and s.category == "all")


def _periods(series: SeriesResult) -> dict[dt.date, int]:
    return dict(series.chart.select("period", "count").iter_rows())


MONTHS = _months(dt.date(2022, 1, 1), dt.date(2024, 6, 1))
FIRST_18, LAST_12 = MONTHS[:18], MONTHS[18:]


def test_a_switch_to_the_force_s_own_extract_keeps_the_verdict(
    sqlite_store: Store,
) -> None:
    """Police.uk's 300 a month for months 1-18, the extract's 300 a month for
    19-24, then 200 a month: every month was no data (the series
    of all areas had none, no verdict). The two count alike at the switch, so
    the series runs on across it, and a real fall reads as one, with a note."""
    own = {m: 300 if m < dt.date(2024, 1, 1) else 200 for m in LAST_12}
    _load(sqlite_store, _police_uk(dict.fromkeys(FIRST_18, 300)), _own(own))
    for by, area in ((None, "all"), ("borough", "North")):
        result = _judge(sqlite_store, by)
        series = _total(result, area)
        assert len(_periods(series)) == 30, (by, _periods(series))
        assert series.no_data == ()
        assert series.verdict == "significant_sustained_reduction", series.verdict
        notes = "\n".join(result.notes)
        # a board member reads whose records they were: police.uk's files,
        # not a force's name, which read as the force itself
        whose = "The series of all areas" if by is None else "North's series"
        assert (
            f"{whose}: its records switch from data.police.uk's files for {FORCE} "
            f"(to the month starting 2023-06-01) to {EXTRACT} (from the month "
            "starting 2023-07-01)" in notes
        ), notes
        assert "so they count alike and the series runs on across the switch" in notes
        assert "no incident in the store" not in notes, notes


def test_a_switch_to_records_counted_differently_says_so(
    sqlite_store: Store,
) -> None:
    """The extract counts half what police.uk did for the same crimes (another
    definition): the months stay no data, and the note says plainly why the
    series has no verdict, where before only "no incident in the store" notes
    said anything."""
    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(FIRST_18, 300)),
        _own(dict.fromkeys(LAST_12, 150)),
    )
    result = _judge(sqlite_store)
    assert not result.series
    notes = "\n".join(result.notes)
    assert (
        f"{EXTRACT} counts 450 in its first 3 months where {FORCE} counts 900 in "
        "its last 3 months (0.50 times as many): they count differently" in notes
    ), notes
    assert "they count differently" in notes
    assert "the series has no verdict across the switch" in notes


def test_an_overlap_of_both_suppliers_counts_each_month_once(
    sqlite_store: Store,
) -> None:
    """Police.uk to month 20, the extract from month 17: months 17-20 hold both
    (the same crimes twice). The series counts police.uk before the switch and
    the extract from it, 300 every month, never 600."""
    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(MONTHS[:20], 300)),
        _own(dict.fromkeys(MONTHS[16:], 300)),
    )
    result = _judge(sqlite_store)
    counts = _periods(_total(result))
    assert set(counts.values()) == {300}, counts
    assert len(counts) == 30
    assert any("in the 4 months both cover" in n for n in result.notes), result.notes


def test_two_forces_one_after_the_other_are_no_switch(sqlite_store: Store) -> None:
    """Force A's files to June 2023 and Force B's from July, alike in size: two
    forces, not one force's records changing hands, so the series of all areas
    does not run on across them (the months stay no data, as before)."""
    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(FIRST_18, 300)),
        _police_uk(dict.fromkeys(LAST_12, 300)).with_columns(
            pl.lit("Force B").alias("force")
        ),
    )
    result = _judge(sqlite_store)
    assert not result.series
    assert not any("switch" in n for n in result.notes), result.notes


def test_empty_run_days_follows_the_poisson_chance_of_a_run() -> None:
    """k = ceil(ln(days / 0.01) / rate): at 10 a day over three years, a run of
    two empty days already has a chance under 1 in 100."""
    assert empty_run_days(10.0, 1095) == 2
    assert empty_run_days(100.0, 1095) == 1
    assert empty_run_days(1.0, 365) == 11
    assert empty_run_days(0.0, 30) == 31


def test_two_weeks_missing_from_a_month_are_no_data_not_a_low_month(
    sqlite_store: Store,
) -> None:
    """The force's own records, 20 a day every day, with 10-23 March 2024
    missing: March read 340 of the usual 600 or so, a low month. It is partly
    covered and left out of the series, with a note; the other months stay."""
    months = _months(dt.date(2022, 1, 1), dt.date(2024, 6, 1))
    counts = {m: 20 * _days_in(m) for m in months}
    gap = (dt.date(2024, 3, 10), dt.date(2024, 3, 23))
    march = dt.date(2024, 3, 1)
    counts[march] = 20 * (31 - 14)
    _load(sqlite_store, _own(counts, skip=gap, source="bundle", force="Force A"))
    result = _judge(sqlite_store, "force")
    series = _total(result, "Force A")
    assert march not in _periods(series), _periods(series)
    assert series.no_data == (march,)
    assert len(_periods(series)) == 29
    notes = "\n".join(result.notes)
    assert (
        "Force A's incidents have no record on 14 of its 31 days (2024-03-10 to "
        "2024-03-23)" in notes
    ), notes
    assert "the month starting 2024-03-01 is only partly covered" in notes


def test_a_few_quiet_days_and_police_uk_months_are_kept(sqlite_store: Store) -> None:
    """A sparse force (about one record every third day) has long quiet runs by
    chance, and police.uk's records are all dated the 1st: neither is a gap."""
    sparse = {m: _days_in(m) for m in MONTHS}
    _load(
        sqlite_store,
        _own(sparse, source="bundle", force="Force A").gather_every(3),
        _police_uk(dict.fromkeys(MONTHS, 50)),
    )
    result = _judge(sqlite_store, "force")
    assert len(_periods(_total(result, FORCE))) == 30
    assert len(_periods(_total(result, "Force A"))) == 30, result.notes
    assert not any("have no record" in n for n in result.notes), result.notes


def _days_in(month: dt.date) -> int:
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return (following - month).days


def test_whole_months_judge_coverage_without_scanning_the_whole_table(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each run scanned every incident of the store for each supplier's first and
    last record (0.27 s of CPU on 426,000 incidents) to find part periods at their
    edges. An edge inside the window is an edge of the window's own records, read
    already: a store loaded in whole months needs no scan; one whose records end
    mid-month still gets its part month."""
    from avert.workflows import performance

    def no_scan(*_args: object, **_kwargs: object) -> pl.DataFrame:
        raise AssertionError("incident_spans scanned the whole table")

    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(MONTHS, 300)),
        _own({m: 2 * _days_in(m) for m in MONTHS}, source="bundle", force="Force A"),
    )
    with monkeypatch.context() as patched:
        patched.setattr(performance, "incident_spans", no_scan)
        result = _judge(sqlite_store, "force")
    assert len(_periods(_total(result, "Force A"))) == 30
    assert len(_periods(_total(result, FORCE))) == 30
    cut = {m: 2 * _days_in(m) for m in MONTHS}
    cut[MONTHS[-1]] = 20  # one a day to 20 June
    _load_more(sqlite_store, _own(cut, source="bundle", force="Force B"))
    result = _judge(sqlite_store, "force")
    assert MONTHS[-1] not in _periods(_total(result, "Force B"))
    assert any("Force B's incidents end on 2024-06-20" in n for n in result.notes)


def _load_more(store: Store, frame: pl.DataFrame) -> None:
    with store.transaction() as tx:
        tx.append(
            "incidents",
            frame.with_columns(
                pl.format("more{}", pl.int_range(pl.len())).alias("incident_id"),
                pl.lit("Violence and sexual offences").alias("crime_type"),
            ),
        )


def test_two_forces_switching_at_once_are_not_paired_across(
    sqlite_store: Store,
) -> None:
    """Two forces, each with data.police.uk files to June 2023 and its own extract
    from July (300 a month each, 600 in all every month). The series of all areas
    paired every force with every extract: four 'switches', each force's records
    joined twice, so the months before read 1,200 and the flat series a
    significant sustained reduction. Which extract continues which force cannot
    be told there, so none is joined; each borough's series (one force's) is."""
    south = dict.fromkeys(FIRST_18, 300)
    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(FIRST_18, 300)),
        _police_uk(south, borough="South").with_columns(
            pl.lit("Force B").alias("force")
        ),
        _own(dict.fromkeys(LAST_12, 300)),
        _own(dict.fromkeys(LAST_12, 300), source="b-extract").with_columns(
            pl.lit("South").alias("borough")
        ),
    )
    whole = _judge(sqlite_store)
    assert not whole.series, [_periods(s) for s in whole.series]
    notes = "\n".join(whole.notes)
    assert "Force B (to the month starting 2023-06-01) to met-extract" not in notes
    assert (
        f"the records of Force B and {FORCE} end and those of b-extract and "
        f"{EXTRACT} start at the same time" in notes
    ), notes
    boroughs = _judge(sqlite_store, "borough")
    for area in ("North", "South"):
        series = _total(boroughs, area)
        assert set(_periods(series).values()) == {300}, (area, _periods(series))
        assert series.verdict != "significant_sustained_reduction"


def test_a_halving_at_a_small_switch_is_no_reduction(sqlite_store: Store) -> None:
    """Police.uk's 10 a month, then the extract's 5 (half: another definition). At
    the switch 15 against 30 is within chance, and that alone made them "count
    alike" (0.50 times as many), so the series ran on and the halving read as a
    significant sustained reduction over 30 months. Outside the tolerance and
    too few to tell, the series has no verdict across the switch, and says why."""
    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(FIRST_18, 10)),
        _own(dict.fromkeys(LAST_12, 5)),
    )
    result = _judge(sqlite_store)
    assert not result.series, [(s.area, s.verdict) for s in result.series]
    notes = "\n".join(result.notes)
    assert "so they count alike" not in notes, notes
    assert (
        f"{EXTRACT} counts 15 in its first 3 months where {FORCE} counts 30 in "
        "its last 3 months (0.50 times as many): too few records at the switch "
        "to tell whether the two count alike" in notes
    ), notes


def test_a_switch_joins_the_total_not_the_categories_and_flags(
    sqlite_store: Store,
) -> None:
    """Police.uk's 300 a month of "Violence and sexual offences" give way to the
    extract's 300 of "Assault" and "Wounding", a fifth with a knife (police.uk
    says nothing of weapons). The totals count alike and run on; joined too, the
    police.uk category read 300 then 0, a significant sustained reduction, and
    the extract's categories and the knife series rose from 0. The switch was
    judged on the totals only: the series by category and by flag are not joined
    across it."""
    extract = _own(dict.fromkeys(LAST_12, 300)).with_columns(
        pl.when(pl.int_range(pl.len()) % 2 == 0)
        .then(pl.lit("Assault"))
        .otherwise(pl.lit("Wounding"))
        .alias("crime_type"),
        pl.when(pl.int_range(pl.len()) % 5 == 0)
        .then(pl.lit("knife"))
        .otherwise(None)
        .alias("weapon"),
    )
    police_uk = _police_uk(dict.fromkeys(FIRST_18, 300)).with_columns(
        pl.lit("Violence and sexual offences").alias("crime_type")
    )
    with sqlite_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.concat([police_uk, extract], how="diagonal").with_columns(
                pl.format("i{}", pl.int_range(pl.len())).alias("incident_id")
            ),
        )
    result = run_performance(
        sqlite_store,
        baseline_from=BASELINE[0],
        baseline_to=BASELINE[1],
        date_from=RECENT[0],
        date_to=RECENT[1],
        violence_only=False,
    )
    total = next(s for s in result.series if (s.category, s.flag) == ("all", "all"))
    assert len(_periods(total)) == 30
    others = [s for s in result.series if (s.category, s.flag) != ("all", "all")]
    for series in others:
        assert series.verdict != "significant_sustained_reduction", series.category
        assert not _periods(series), (series.category, series.flag)
    notes = "\n".join(result.notes)
    assert "series by category and by flag are not joined across it" in notes, notes


def test_a_real_fall_is_not_judged_a_gap(sqlite_store: Store) -> None:
    """Force A's own records, 3 a day every day to June 2023, then a real fall:
    about one every other day, with a quiet ten days each month. Judged at the
    rate of its whole span (2 a day), ten empty days were too long for chance, so
    every recent month was 'partly covered' and left out: the fall had no
    verdict. At its rate around them (the quieter side's, 45 days each way)
    they are chance, and the months stay, a significant sustained reduction."""
    before = {m: 3 * _days_in(m) for m in FIRST_18}
    quiet = _own(before, source="bundle", force="Force A")
    days = [
        dt.datetime.combine(d, dt.time(14, 30))
        for d in pl.date_range(LAST_12[0], RECENT[1], "1d", eager=True).to_list()
        if d.day % 2 == 1 and not 10 <= d.day <= 19
    ]
    after = pl.DataFrame(
        {
            "occurred_from": days,
            "force": ["Force A"] * len(days),
            "source": ["bundle"] * len(days),
            "time_precision": ["exact"] * len(days),
            "borough": ["North"] * len(days),
        }
    )
    _load(sqlite_store, quiet, after)
    result = _judge(sqlite_store)
    assert not any("have no record" in n for n in result.notes), result.notes
    series = _total(result)
    assert len(_periods(series)) == 30, _periods(series)
    assert series.verdict == "significant_sustained_reduction", series.verdict


def test_an_extract_starting_days_into_the_last_police_uk_month(
    sqlite_store: Store,
) -> None:
    """Police.uk's 3,000 a month to July 2023, the extract's from 5 July. July,
    the one month both cover, was compared as a whole: the extract's 27 days
    against police.uk's 31 (0.87 times as many) read as 'they count
    differently' and the series had no verdict, with July counted twice in it.
    A month in which one of the two starts or ends is no month to compare them
    by, and July counts police.uk's whole month."""
    own = _own(dict.fromkeys(LAST_12, 3000)).filter(
        pl.col("occurred_from") >= dt.datetime(2023, 7, 5)
    )
    _load(sqlite_store, _police_uk(dict.fromkeys(MONTHS[:19], 3000)), own)
    result = _judge(sqlite_store)
    notes = "\n".join(result.notes)
    assert "so they count alike" in notes, notes
    counts = _periods(_total(result))
    assert len(counts) == 30, counts
    assert counts[dt.date(2023, 7, 1)] == 3000, counts


def test_a_bundle_dated_the_1st_of_each_month_is_month_resolution(
    sqlite_store: Store,
) -> None:
    """A force's own extract whose dates are only months, written as the 1st at
    day precision: every month read "no record on 30 of its 31 days", a gap, and
    the series had no verdict. Its dates are taken as months, with a note."""
    counts = dict.fromkeys(MONTHS, 300)
    records = _own(counts, source="bundle", force="Force A").with_columns(
        pl.col("occurred_from").dt.truncate("1mo"),
        pl.lit("day").alias("time_precision"),
    )
    _load(sqlite_store, records)
    result = _judge(sqlite_store, "force")
    series = _total(result, "Force A")
    assert series.no_data == (), result.notes
    assert len(_periods(series)) == 30
    assert not any("have no record" in n for n in result.notes), result.notes
    assert any(
        n.startswith(
            "Force A: its records say a day, but all or nearly all are dated the 1st"
        )
        for n in result.notes
    ), result.notes


def test_daily_records_are_not_taken_as_months() -> None:
    """Toronto's 2017-21 records (4.9 % on the 1st) and a small supplier's four
    records on the 1st keep their days; five of five on the 1st do not."""
    from avert.workflows.performance import month_dated_suppliers

    first = dt.datetime(2024, 1, 1, 12)
    frame = pl.DataFrame(
        {
            "occurred_from": [first] * 4
            + [first] * 5
            + [first] * 9
            + [first.replace(day=2)],
            "timed": [True] * 19,
            "supplier": ["few"] * 4 + ["monthly"] * 5 + ["mostly"] * 10,
        }
    )
    assert month_dated_suppliers(frame) == ["monthly", "mostly"]
    path = (
        Path(__file__).resolve().parents[2].parent
        / "shared/data/incidents-toronto-major-crime-indicators-2017-2021"
        / "toronto-mci-2017-2021.csv"
    )
    if not path.exists():
        pytest.skip("Toronto's data are not in ../shared")
    toronto = pl.read_csv(path, columns=["occurrence_date"]).select(
        pl.col("occurrence_date")
        .str.to_date()
        .cast(pl.Datetime("us"))
        .alias("occurred_from"),
        pl.lit(True).alias("timed"),
        pl.lit("toronto-mci").alias("supplier"),
    )
    assert month_dated_suppliers(toronto) == []


def test_an_overlap_of_suppliers_counting_differently_is_not_counted_twice(
    sqlite_store: Store,
) -> None:
    """Police.uk's 300 a month to month 24, the extract's 150 a month from month
    7 (another definition): months 7-24 hold both and counted 450, the same
    crimes twice, judged from the baseline into the recent period. They are no
    data now, with a note saying why."""
    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(MONTHS[:24], 300)),
        _own(dict.fromkeys(MONTHS[6:], 150)),
    )
    result = _judge(sqlite_store)
    counted = [_periods(s) for s in result.series]
    assert not any(counted), counted
    notes = "\n".join(result.notes)
    assert "they count differently" in notes, notes
    assert (
        "The 18 months both cover (from the month starting 2022-07-01 to the one "
        "starting 2023-12-01) would count the same crimes twice" in notes
    ), notes


def test_an_overlap_of_two_tangled_switches_is_not_counted_twice(
    sqlite_store: Store,
) -> None:
    """Two forces' files to month 20 and their two extracts from month 17 (which
    continues which cannot be told): months 17-20 counted all four suppliers'
    records, each crime twice. They are no data now."""
    _load(
        sqlite_store,
        _police_uk(dict.fromkeys(MONTHS[:20], 300)),
        _police_uk(dict.fromkeys(MONTHS[:20], 300)).with_columns(
            pl.lit("Force B").alias("force")
        ),
        _own(dict.fromkeys(MONTHS[16:], 300)),
        _own(dict.fromkeys(MONTHS[16:], 300), source="b-extract"),
    )
    result = _judge(sqlite_store)
    counted = [_periods(s) for s in result.series]
    assert not any(counted), counted
    assert any(
        "The 4 months both cover (from the month starting 2023-05-01" in n
        for n in result.notes
    ), result.notes
