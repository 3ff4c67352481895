"""VOLT's trend per source on real data: Toronto's hour-dated incidents of 2017-21
beside City of London's police.uk months of 2019, which stop at the end of 2019.

Before, the City of London months withheld every Toronto trend; the trend is now
Toronto's (checked against counts made here, independently of avert), the City of
London's places are n/a and their counts whole.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

from avert.analyse.volt import volt_profiles

pytestmark = pytest.mark.shared

TORONTO = (
    "incidents-toronto-major-crime-indicators-2017-2021",
    "toronto-mci-2017-2021.csv",
)
CITY = "police-uk-street-city-of-london-2019"


def _incidents(shared_path: Callable[..., Path]) -> pl.DataFrame:
    """Toronto's rows (place: the neighbourhood) and City of London's (place: the
    LSOA code), one frame as avert's incidents: ``source`` and ``force`` say whose."""
    toronto = pl.read_csv(shared_path(*TORONTO)).select(
        pl.format("t{}", pl.int_range(pl.len())).alias("incident_id"),
        (
            pl.col("occurrence_date").str.to_datetime("%Y-%m-%d")
            + pl.duration(hours=pl.col("occurrence_hour"))
        ).alias("occurred_from"),
        pl.lit("hour").alias("time_precision"),
        pl.col("neighbourhood").alias("lsoa"),
        pl.lit("toronto-mci").alias("source"),
        pl.lit(None, dtype=pl.String).alias("force"),
    )
    city = (
        pl.concat(
            [
                pl.read_csv(f, infer_schema=False)
                for f in sorted(shared_path(CITY).glob("*.csv"))
            ]
        )
        .filter(pl.col("LSOA code").is_not_null())
        .select(
            pl.format("c{}", pl.int_range(pl.len())).alias("incident_id"),
            pl.col("Month").str.to_datetime("%Y-%m").alias("occurred_from"),
            pl.lit("month").alias("time_precision"),
            pl.col("LSOA code").alias("lsoa"),
            pl.lit("policeuk").alias("source"),
            pl.col("Falls within").alias("force"),
        )
    )
    return pl.concat([toronto, city])


def _toronto_trend(
    incidents: pl.DataFrame, at: dt.datetime, days: int
) -> dict[str, int]:
    """Later half minus earlier half of Toronto's rows per neighbourhood."""
    start, mid = at - dt.timedelta(days=days), at - dt.timedelta(days=days / 2)
    rows = incidents.filter(
        (pl.col("source") == "toronto-mci")
        & (pl.col("occurred_from") > start)
        & (pl.col("occurred_from") <= at)
    )
    later = (pl.col("occurred_from") > mid).cast(pl.Int64)
    return dict(
        rows.group_by("lsoa")
        .agg((2 * later.sum() - pl.len().cast(pl.Int64)).alias("t"))
        .iter_rows()
    )


@pytest.mark.parametrize(
    ("at", "reasons"),
    [
        # City of London's months end 2019-12-31, half a year before
        (dt.datetime(2020, 6, 30, 23, 59), ["end 2019-12-31"]),
        # and the window cuts its June 2019 and holds its December at the midpoint
        (
            dt.datetime(2020, 6, 15, 12, 0),
            [
                "end 2019-12-31",
                "of 2019-06 are left out",
                "of 2019-12 have the window's midpoint",
            ],
        ),
    ],
)
def test_city_of_london_months_leave_the_toronto_trend_standing(
    shared_path: Callable[..., Path], at: dt.datetime, reasons: list[str]
) -> None:
    incidents = _incidents(shared_path)
    res = volt_profiles(incidents, None, at=at, window_days=366)
    places = res.places
    expected = _toronto_trend(incidents, at, 366)
    toronto = places.filter(pl.col("place_id").is_in(list(expected)))
    assert dict(toronto.select("place_id", "trend").iter_rows()) == expected
    assert len(expected) > 100  # Toronto's 140 neighbourhoods
    city = places.filter(~pl.col("place_id").is_in(list(expected)))
    assert city.height > 0
    assert city["trend"].null_count() == city.height
    window = incidents.filter(
        (pl.col("occurred_from") > at - dt.timedelta(days=366))
        & (pl.col("occurred_from") <= at)
    )
    counts = dict(window.group_by("lsoa").len().iter_rows())
    assert dict(places.select("place_id", "n_incidents").iter_rows()) == counts
    note = next(n for n in res.notes if n.startswith("Trend from"))
    assert note.startswith("Trend from the records of toronto-mci only:")
    for reason in reasons:
        assert reason in note, note
    assert f"{city.height:,} places with no other record in the window have" in note
