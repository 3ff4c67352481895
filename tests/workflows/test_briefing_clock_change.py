"""The daily briefing across the morning the clocks change.

The window is 24 hours of wall-clock time, since the same time yesterday
(docs/briefing.md): on the morning the clocks go back it holds 25 elapsed hours of
incidents, on the morning they go forward 23, while its header reads "24 hours".
The meeting was not told; a note now says so, and only on those days.
"""

from __future__ import annotations

import datetime as dt

import pytest

from avert.config.timezone import elapsed_hours
from avert.store import Store

_CLOCK = "The clocks went"


@pytest.mark.parametrize(
    ("at", "went"),
    [
        (dt.datetime(2025, 10, 26, 8), "went back"),  # BST ends 02:00 -> 01:00
        (dt.datetime(2025, 3, 30, 8), "went forward"),  # BST starts 01:00 -> 02:00
        (dt.datetime(2025, 10, 27, 8), None),  # an ordinary day after
    ],
)
def test_the_briefing_says_when_the_clocks_changed_in_its_window(
    sqlite_store: Store, at: dt.datetime, went: str | None
) -> None:
    from avert.workflows.briefing import build_briefing
    from briefing.factory import make_frames, write_store

    sqlite_store.timezone = "Europe/London"
    write_store(sqlite_store, make_frames(300, at=at + dt.timedelta(days=1), seed=5))
    notes = [n for n in build_briefing(sqlite_store, at=at).notes if _CLOCK in n]
    if went is None:
        assert notes == []
        return
    assert len(notes) == 1
    assert went in notes[0]
    assert ("25 elapsed hours" if went == "went back" else "23 elapsed hours") in (
        notes[0]
    )


def test_elapsed_hours_of_a_wall_clock_window() -> None:
    day = dt.timedelta(days=1)
    autumn = dt.datetime(2025, 10, 26, 8)
    assert elapsed_hours(autumn - day, autumn) == 25.0
    assert elapsed_hours(autumn, autumn + day) == 24.0
    assert elapsed_hours(autumn - day, autumn, "UTC") == 24.0


@pytest.mark.parametrize(
    ("timezone", "at", "hours", "said"),
    [
        # Lord Howe Island moves its clocks by half an hour, not one
        (
            "Australia/Lord_Howe",
            dt.datetime(2025, 4, 6, 8),
            24,
            "24.5 elapsed hours, so it holds half an hour more of incidents than "
            "24 hours usually do",
        ),
        # a window of --hours 12 across the change is no "usual day"
        (
            "Europe/London",
            dt.datetime(2025, 10, 26, 8),
            12,
            "12 hours on the clock but 13 elapsed hours, so it holds one hour more "
            "of incidents than 12 hours usually do",
        ),
        # another zone, a window not ending on the morning of the change
        (
            "America/New_York",
            dt.datetime(2025, 3, 9, 20),
            24,
            "23 elapsed hours, so it holds one hour less of incidents than 24 "
            "hours usually do",
        ),
    ],
)
def test_the_clock_change_note_says_how_much_the_window_gained_or_lost(
    sqlite_store: Store, timezone: str, at: dt.datetime, hours: int, said: str
) -> None:
    from avert.workflows.briefing import build_briefing
    from briefing.factory import make_frames, write_store

    sqlite_store.timezone = timezone
    write_store(sqlite_store, make_frames(300, at=at + dt.timedelta(days=1), seed=5))
    briefing = build_briefing(sqlite_store, at=at, hours=hours)
    (note,) = [n for n in briefing.notes if _CLOCK in n]
    assert said in note


@pytest.mark.parametrize(
    ("at", "said"),
    [
        # starts at 01:30 on 26 Oct, in the hour that repeats: 01:30-02:00 BST,
        # then from 01:30 GMT (01:00-01:30 GMT is before the start on the clock)
        (dt.datetime(2025, 10, 27, 1, 30), "24.5 elapsed hours"),
        # ends at 01:30 on 26 Oct: 01:00-01:30 happens twice before it (said
        # nothing: its end read as the first 01:30 made it 24 hours)
        (dt.datetime(2025, 10, 26, 1, 30), "24.5 elapsed hours"),
    ],
)
def test_a_window_edge_in_the_repeated_hour_holds_half_of_it_twice(
    sqlite_store: Store, at: dt.datetime, said: str
) -> None:
    """A window with an edge inside the repeated hour holds 24.5 hours of time (it
    said 25, or nothing): :func:`avert.config.timezone.window_hours`."""
    from avert.workflows.briefing import build_briefing
    from briefing.factory import make_frames, write_store

    sqlite_store.timezone = "Europe/London"
    write_store(sqlite_store, make_frames(300, at=at + dt.timedelta(days=1), seed=5))
    notes = [n for n in build_briefing(sqlite_store, at=at).notes if _CLOCK in n]
    assert len(notes) == 1
    assert said in notes[0]
    assert "half an hour more" in notes[0]


def test_window_hours_of_edges_in_the_changing_hour() -> None:
    from avert.config.timezone import window_hours

    day = dt.timedelta(days=1)
    edge = dt.datetime(2025, 10, 26, 1, 30)  # in the repeated hour
    assert window_hours(edge, edge + day) == 24.5
    assert window_hours(edge - day, edge) == 24.5
    assert window_hours(edge - day, edge, "UTC") == 24.0
    # half an hour inside the repeated hour happens twice
    assert window_hours(edge, edge + dt.timedelta(minutes=15)) == 0.5
    skipped = dt.datetime(2025, 3, 30, 1, 30)  # in the hour skipped in spring
    assert window_hours(skipped, skipped + day) == 23.5
    # whole days across the change agree with elapsed_hours
    autumn = dt.datetime(2025, 10, 26, 8)
    assert window_hours(autumn - day, autumn) == elapsed_hours(autumn - day, autumn)
