"""Benchmark: the briefing's coverage breaks (avert.analyse.coverage) on real
exact-time records, false alarms and planted gaps.

Reads Toronto's Major Crime Indicators 2017-2021 (exact hours, one source; in
../shared/data) and, for every 28-day period ending at 06:00 on a Monday from
2017-02 to 2021-12 (weekly steps):

- **false alarms**: the breaks found in the records as published, city-wide
  and per neighbourhood (``--areas``: the busiest N); none is known to miss a
  day, so each break found is a false alarm unless the data do miss days;
- **planted gaps**: the same periods with ``--gap-days`` consecutive days
  deleted from their middle (records of any kind), and the share detected as a
  gap, city-wide and per neighbourhood (with each one's mean records a day).

Nothing is hard-coded; the rule and its bar are the module's.

    .venv/bin/python benchmarks/coverage_breaks.py [--data CSV] [--areas N]
        [--gap-days D]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import polars as pl

from avert.analyse.coverage import CHANCE_BELOW, MIN_RECORDS, coverage_breaks

REPO = Path(__file__).resolve().parents[1]
DEFAULT_DATA = (
    REPO.parent
    / "shared"
    / "data"
    / "incidents-toronto-major-crime-indicators-2017-2021"
    / "toronto-mci-2017-2021.csv"
)
KEYS = ["source", "force"]


def _records(path: Path) -> pl.DataFrame:
    raw = pl.read_csv(
        path, columns=["occurrence_date", "occurrence_hour", "neighbourhood"]
    )
    return raw.select(
        (
            pl.col("occurrence_date").str.to_datetime("%Y-%m-%d", time_unit="us")
            + pl.duration(hours=pl.col("occurrence_hour"))
        ).alias("occurred_from"),
        pl.lit("toronto-mci").alias("source"),
        pl.lit("Toronto Police Service").alias("force"),
        pl.col("neighbourhood"),
    )


def _ends() -> list[dt.datetime]:
    end = dt.datetime(2017, 2, 6, 6)  # a Monday
    out = []
    while end <= dt.datetime(2021, 12, 27, 6):
        out.append(end)
        end += dt.timedelta(days=7)
    return out


def _without(frame: pl.DataFrame, start: dt.datetime, days: int) -> pl.DataFrame:
    stop = start + dt.timedelta(days=days)
    return frame.filter(
        (pl.col("occurred_from") < start) | (pl.col("occurred_from") >= stop)
    )


def _scan(
    frame: pl.DataFrame, ends: list[dt.datetime], gap_days: int
) -> tuple[int, int, int]:
    """(periods, false-alarm breaks, periods whose planted gap was found)."""
    alarms = found = 0
    for end in ends:
        start = end - dt.timedelta(days=28)
        period = frame.filter(
            (pl.col("occurred_from") >= start) & (pl.col("occurred_from") < end)
        )
        alarms += len(coverage_breaks(period, start=start, end=end, keys=KEYS))
        gap_from = start + dt.timedelta(days=(28 - gap_days) // 2)
        planted = coverage_breaks(
            _without(period, gap_from, gap_days), start=start, end=end, keys=KEYS
        )
        found += any(b["kind"] == "gap" for b in planted)
    return len(ends), alarms, found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--areas", type=int, default=5)
    parser.add_argument("--gap-days", type=int, default=7)
    args = parser.parse_args()
    t = time.perf_counter()
    records = _records(args.data)
    ends = _ends()
    print(
        f"rule: a run of empty days with Poisson chance < {CHANCE_BELOW:g} at the "
        f"source's mean daily count; sources of < {MIN_RECORDS} records untested"
    )
    n, alarms, found = _scan(records, ends, args.gap_days)
    first, last = records["occurred_from"].min(), records["occurred_from"].max()
    assert isinstance(first, dt.datetime)
    assert isinstance(last, dt.datetime)
    days = (last - first) / dt.timedelta(days=1)
    print(
        f"city ({records.height / days:.0f} records a day): {n} periods of 28 "
        f"days, {alarms} false-alarm breaks; planted {args.gap_days}-day gap "
        f"found in {found} of {n}"
    )
    busiest = (
        records.group_by("neighbourhood")
        .len()
        .sort("len", descending=True)
        .head(args.areas)
    )
    for name, count in busiest.iter_rows():
        area = records.filter(pl.col("neighbourhood") == name)
        n, alarms, found = _scan(area, ends, args.gap_days)
        print(
            f"{name} ({count / days:.1f} a day): {alarms} false-alarm breaks in "
            f"{n} periods; planted gap found in {found} of {n}"
        )
    print(f"({time.perf_counter() - t:.1f} s)")


if __name__ == "__main__":
    main()
