"""The ASB bridge: repeat callers and places (3 in 6 months; 2 for a vulnerable caller)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.classify import asb_escalation
from avert.config.definitions import load_profile

T0 = dt.datetime(2021, 3, 1, 18)


def asb(
    days: list[int],
    *,
    callers: list[str | None] | None = None,
    vulnerable: bool = False,
    xs: list[float] | None = None,
) -> pl.DataFrame:
    n = len(days)
    return pl.DataFrame(
        {
            "asb_id": [f"a{i}" for i in range(n)],
            "occurred_at": [T0 + dt.timedelta(days=d) for d in days],
            "caller_id": callers if callers is not None else ["c1"] * n,
            "vulnerable_caller": [vulnerable] * n,
            "x": xs if xs is not None else [1000.0 + 500 * i for i in range(n)],
            "y": [2000.0] * n,
        },
        schema_overrides={"caller_id": pl.String},
    )


def test_third_report_by_a_caller_in_six_months_escalates() -> None:
    got = asb_escalation(asb([0, 60, 183]))
    assert got["escalates"].to_list() == [False, False, True]
    assert got["rule_ids"].to_list() == [None, None, "asb.repeat_caller"]
    assert got["n_caller_reports"].to_list() == [1, 2, 3]


def test_three_reports_just_over_six_months_do_not() -> None:
    got = asb_escalation(asb([0, 60, 184]))
    assert not got["escalates"].any()
    assert got["n_caller_reports"].to_list() == [1, 2, 2]


def test_vulnerable_caller_threshold_is_lower() -> None:
    got = asb_escalation(asb([0, 30], vulnerable=True))
    assert got["rule_ids"].to_list() == [None, "asb.repeat_caller_vulnerable"]
    assert not asb_escalation(asb([0, 30], vulnerable=False))["escalates"].any()


def test_repeat_place_with_different_callers() -> None:
    frame = asb([0, 10, 20], callers=["a", "b", None], xs=[5000.0, 5003.0, 5009.0])
    got = asb_escalation(frame)
    assert got["rule_ids"].to_list() == [None, None, "asb.repeat_place"]
    assert got["n_place_reports"].to_list() == [1, 2, 3]
    # the third report 20 m away (another 10 m cell) does not make the place a repeat
    far = asb_escalation(
        asb([0, 10, 20], callers=["a", "b", None], xs=[5000.0, 5003.0, 5020.0])
    )
    assert not far["escalates"].any()


def test_input_order_kept_and_who_profile_has_no_bridge() -> None:
    frame = asb([183, 0, 60])
    got = asb_escalation(frame)
    assert got["asb_id"].to_list() == ["a0", "a1", "a2"]
    assert got["escalates"].to_list() == [True, False, False]
    assert not asb_escalation(frame, load_profile("who-broad"))["escalates"].any()


def test_reports_at_the_same_time_count_each_other_whatever_the_row_order() -> None:
    """Three reports of one caller at one instant (a month-dated extract puts many
    on the same day): each has the three in its window, so all escalate, and which
    do never depends on the order of the rows."""
    frame = asb([0, 200, 200, 200])
    got = asb_escalation(frame)
    assert got["n_caller_reports"].to_list() == [1, 3, 3, 3]
    assert got["escalates"].to_list() == [False, True, True, True]
    for order in ([3, 2, 1, 0], [2, 0, 3, 1]):
        shuffled = asb_escalation(frame[order]).sort("asb_id")
        assert shuffled.equals(got.sort("asb_id"))


def test_a_report_dated_alone_counts_by_its_day() -> None:
    """A caller's reports dated 2 Mar 2021 alone (stored at 00:00), at 10:00 on
    1 May and at 10:00 on 1 Sep 2021: the window of the last starts 183 days
    before it, at 10:00 on 2 Mar, and the first report's day runs past that (it
    may be after 10:00), so the last is the third in the window and escalates;
    compared by the first's 00:00 it was the second of two. Without
    ``time_precision`` (a time of 00:00 given) it stays the second. Two reports
    of one day, one dated alone, count each other (their order is unknown)."""
    times = [
        dt.datetime(2021, 3, 2),
        dt.datetime(2021, 5, 1, 10),
        dt.datetime(2021, 9, 1, 10),
    ]
    frame = asb([0, 1, 2]).with_columns(
        pl.Series("occurred_at", times),
        pl.Series("time_precision", ["day", "exact", "exact"]),
    )
    got = asb_escalation(frame)
    assert got["n_caller_reports"].to_list() == [1, 2, 3]
    assert got["rule_ids"].to_list() == [None, None, "asb.repeat_caller"]
    stored = asb_escalation(frame.drop("time_precision"))
    assert stored["n_caller_reports"].to_list() == [1, 2, 2]
    same_day = asb([0, 0]).with_columns(
        pl.Series("occurred_at", [dt.datetime(2021, 3, 1), T0]),
        pl.Series("time_precision", ["day", "exact"]),
    )
    assert asb_escalation(same_day)["n_caller_reports"].to_list() == [2, 2]
