"""A partner's equality figures of a force's own records, differenced across the
windows a partner can open (docs/equality.md, "Differencing").

Before 2026-12 a partner chose any month and read the 12 months to it: the counts
of a group in two windows that overlap differ by the months one holds and the
other does not, so a month's count the trend withholds (1 to 4) came back by
subtraction (the synthetic city, 30,000 residents over 760 days: 130 monthly
counts of 1 to 4 by group, power or arrest; a store of police.uk months and own
records alike). Partners now read fixed years ending 31 March.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import polars as pl
import pytest
from test_force_areas import _humberside_and_london

from avert.store import Store
from avert.workflows.board import board_statistics, partner_equality_year


def _two_months(store: Store, tmp_path: Path, *, january_source: str) -> None:
    """Humberside's searches: January 2019 10 White and 5 Other (police.uk's, or
    the force's own records), February 2019 10 White and 2 Other of its own
    records: February's 2 Other is a count the rule withholds."""
    _humberside_and_london(store, tmp_path)
    months = [
        (dt.datetime(2019, 1, 10), 5, january_source),
        (dt.datetime(2019, 2, 10), 2, "humberside-records"),
    ]
    rows = [
        {
            "stop_id": f"{when:%m}-{group}-{i}",
            "source": source,
            "force": "humberside",
            "occurred_at": when,
            "lat": 53.5,
            "lon": -0.3,
            "ethnicity": group,
        }
        for when, others, source in months
        for group, n in (("White", 10), ("Other", others))
        for i in range(n)
    ]
    with store.transaction() as tx:
        tx._execute("DELETE FROM stops")
        tx.append("stops", pl.DataFrame(rows))


@pytest.mark.parametrize("january_source", ["humberside-records", "policeuk"])
def test_a_partner_cannot_difference_two_windows(
    sqlite_store: Store, tmp_path: Path, january_source: str
) -> None:
    """The 12 months to January 2019 read Other 5 to a partner, those to February
    7: February's 2 Other searches, withheld in the trend, came back as 7 - 5.
    With January's searches police.uk's, its window was whole (5) and the
    February window's 7 gave the own records' 2 back the same way. A partner's
    windows are now fixed years ending 31 March: any two are the same or
    disjoint, and no two shown counts differ by 1 to 4."""
    _two_months(sqlite_store, tmp_path, january_source=january_source)
    shown: dict[tuple[dt.date, dt.date], int | None] = {}
    for end in (dt.date(2019, 1, 31), dt.date(2019, 2, 28), dt.date(2019, 3, 31)):
        eq = board_statistics(
            sqlite_store,
            end=end,
            force="humberside",
            performance=False,
            audience="partner",
        )["equality"]
        if not eq["available"]:
            assert "fixed years ending 31 March" in eq["note"]
            continue
        other = next(r for r in eq["rates"] if r["group"] == "Other")
        shown[tuple(eq["window"])] = other["searches"]
    assert shown, "no window a partner can read"
    windows = sorted(shown)
    for a, b in itertools.pairwise(windows):
        assert a[1] < b[0], f"{a} and {b} overlap"
    counts = [c for c in shown.values() if c is not None]
    assert not [(a, b) for a in counts for b in counts if 0 < abs(a - b) < 5], shown
    # the one year the three months ask for: both months' Other searches
    assert list(shown.values()) == [7]


def test_the_police_keep_the_12_months_to_the_month_asked(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The police roles and ``avert analyse equality`` read the 12 months to the
    month asked, whole."""
    _two_months(sqlite_store, tmp_path, january_source="humberside-records")
    eq = board_statistics(
        sqlite_store, end=dt.date(2019, 1, 31), force="humberside", performance=False
    )["equality"]
    assert eq["available"]
    other = next(r for r in eq["rates"] if r["group"] == "Other")
    assert other["searches"] == 5


def test_partner_years_end_in_march() -> None:
    assert partner_equality_year(dt.date(2019, 2, 28)) == (
        dt.date(2017, 4, 1),
        dt.date(2018, 3, 31),
    )
    assert partner_equality_year(dt.date(2019, 4, 30)) == (
        dt.date(2018, 4, 1),
        dt.date(2019, 3, 31),
    )
