"""The plan board's "top-harm subjects" check on a store whose data stop years ago.

City of London Police, June 2019 (tests/data/policeuk, OGL v3.0): served in 2026,
the Plan page read "not checked: the violence of 2025-12-04 to 2026-12-04 names no
person, place or group", as if the data named no one; the window holds no incident
at all, and the store's latest is of June 2019.
"""

from __future__ import annotations

import datetime as dt
import secrets
from pathlib import Path

from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows import delivery
from avert.workflows.definitions import classify_store
from avert.workflows.load import load_files
from avert.workflows.users import User

CITY_JUNE = (
    Path(__file__).parents[1]
    / "data"
    / "policeuk"
    / "2019-06"
    / "2019-06-city-of-london-street.csv"
)
#: a real pseudonym key: the board pack reads persons as pseudonyms only
SETTINGS = load_settings({"AVERT_PSEUDONYM_KEY": secrets.token_urlsafe(32)})


def test_a_window_after_the_data_says_no_incident_and_the_latest(
    sqlite_store: Store,
) -> None:
    load_files(sqlite_store, [CITY_JUNE])
    classify_store(sqlite_store, profile="avb-2010")
    view = delivery.checks_view(
        sqlite_store, SETTINGS, user=User("ana1", "analyst"), today=dt.date(2026, 12, 4)
    )
    reason = view["not_checked"]["top_subjects"]
    assert reason is not None
    assert "no incident recorded from 2025-12-04 to 2026-12-04" in reason, reason
    assert "latest is of June 2019" in reason, reason
    assert "names no person" not in reason
    # in June 2019's year the cells are checked
    view = delivery.checks_view(
        sqlite_store, SETTINGS, user=User("ana1", "analyst"), today=dt.date(2019, 12, 4)
    )
    assert view["not_checked"]["top_subjects"] is None
    assert view["summary"]["top_subjects"] == 20


def test_the_board_pack_gives_the_same_reason(sqlite_store: Store) -> None:
    load_files(sqlite_store, [CITY_JUNE])
    classify_store(sqlite_store, profile="avb-2010")
    data = delivery.board_pack_data(sqlite_store, SETTINGS, month="2026-11")
    reason = data["not_checked"]["top_subjects"]
    assert "no incident recorded from" in reason, reason
    assert "latest is of June 2019" in reason, reason


def test_a_pack_after_the_data_says_its_figures_are_of_earlier_months(
    sqlite_store: Store,
) -> None:
    """A pack for a month past the store's data (City, June 2019, packed for
    November 2026) was headed "Board pack 2026-11" over performance and checks of
    2019, with no word that November 2026 held no data."""
    load_files(sqlite_store, [CITY_JUNE])
    classify_store(sqlite_store, profile="avb-2010")
    notes = delivery.board_pack_data(sqlite_store, SETTINGS, month="2026-11")["notes"]
    said = [n for n in notes if "No incident in the store falls in November 2026" in n]
    assert said, notes
    assert "its latest is of 30 June 2019" in said[0], said
    # the month of the data itself: no such note
    notes = delivery.board_pack_data(sqlite_store, SETTINGS, month="2019-06")["notes"]
    assert not [n for n in notes if "No incident in the store" in n], notes


def test_a_pack_for_a_month_not_begun_is_refused(sqlite_store: Store) -> None:
    import pytest

    from avert.config.timezone import local_today
    from avert.errors import ConfigError

    today = local_today(SETTINGS.timezone)
    nxt = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    with pytest.raises(ConfigError, match="has not begun"):
        delivery.board_pack_data(sqlite_store, SETTINGS, month=f"{nxt:%Y-%m}")
    # the current month is allowed (its pack is as at today)
    data = delivery.board_pack_data(sqlite_store, SETTINGS, month=f"{today:%Y-%m}")
    assert data["today"] == today
    assert any("holds no incidents" in n for n in data["notes"]), data["notes"]
