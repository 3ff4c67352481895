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
