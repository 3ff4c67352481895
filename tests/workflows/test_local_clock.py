""" "Now" and "today" are the force's wall-clock time, not the machine's.

Stored times are naive wall-clock times of the force's zone (setting ``timezone``,
default Europe/London). On a server whose clock is UTC, in British Summer Time, a
"now" from ``datetime.now()`` is an hour behind them: the default briefing window
ended an hour early, taskings and audit rows were stamped an hour behind, and
actions due yesterday were not yet overdue between 00:00 and 01:00.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from avert.config import timezone
from avert.config.settings import load_settings
from avert.delivery.model import OPEN_STATUSES
from avert.store import Store, audit
from avert.workflows import delivery
from avert.workflows.admin import open_store
from avert.workflows.users import User, add_user, issue_token, user_for_token
from avert.workflows.views import default_window_end

EXAMPLE = Path(__file__).parents[2] / "docs" / "example-plan.yaml"
CHAIR = User("chair1", "chair")
#: 23:30 UTC on 1 July 2026 is 00:30 on 2 July in London (BST, UTC+1)
INSTANT = dt.datetime(2026, 7, 1, 23, 30, 45, tzinfo=dt.UTC)
LONDON_NOW = dt.datetime(2026, 7, 2, 0, 30, 45)


def _machine_zone(monkeypatch: pytest.MonkeyPatch, zone: str) -> Iterator[None]:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def utc_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process clock's zone is UTC (the usual container), restored after."""
    yield from _machine_zone(monkeypatch, "UTC")


@pytest.fixture
def tokyo_machine(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process clock's zone is Asia/Tokyo, restored after."""
    yield from _machine_zone(monkeypatch, "Asia/Tokyo")


@pytest.fixture
def frozen(utc_machine: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a UTC machine, the clock stopped at :data:`INSTANT` (BST in London)."""
    monkeypatch.setattr(timezone, "_utc_now", lambda: INSTANT)


def test_local_now_is_the_zones_wall_clock(frozen: None) -> None:
    assert dt.datetime.now().utcoffset() is None  # naive machine time ...
    assert timezone.local_now() == LONDON_NOW  # ... but avert's is London's
    assert timezone.local_today() == dt.date(2026, 7, 2)
    assert timezone.local_now("America/Toronto") == dt.datetime(2026, 7, 1, 19, 30, 45)
    assert timezone.local_today("America/Toronto") == dt.date(2026, 7, 1)


def test_the_default_briefing_window_ends_now_in_london(
    frozen: None, sqlite_store: Store
) -> None:
    # an empty store: the window ends now (to the minute), London time
    assert default_window_end(sqlite_store) == (dt.datetime(2026, 7, 2, 0, 30), None)


def test_the_store_and_the_web_app_take_the_zone_of_the_settings(
    frozen: None, tmp_path: Path
) -> None:
    from avert.web import create_app

    url = f"sqlite:///{tmp_path / 'avert.db'}"
    settings = load_settings({}).with_overrides(
        database_url=url,
        timezone="America/Toronto",
        secret_key=secrets.token_urlsafe(32),
    )
    opened = open_store(settings, check=False)
    assert opened.timezone == "America/Toronto"
    opened.close()
    store = Store(url)
    store.upgrade()
    assert store.timezone == "Europe/London"  # the setting's default
    create_app(settings, store)
    assert store.timezone == "America/Toronto"
    assert default_window_end(store)[0] == dt.datetime(2026, 7, 1, 19, 30)
    store.close()


def test_an_action_due_yesterday_is_overdue_at_half_past_midnight(
    frozen: None, sqlite_store: Store
) -> None:
    delivery.import_plan(sqlite_store, EXAMPLE, user=CHAIR)
    actions = delivery.read_actions(sqlite_store)
    open_id = actions.filter(pl.col("status").is_in(list(OPEN_STATUSES)))["action_id"][
        0
    ]
    delivery.update_action(
        sqlite_store, open_id, {"due": dt.date(2026, 7, 1)}, user=CHAIR
    )
    row = delivery.read_actions(sqlite_store).filter(pl.col("action_id") == open_id)
    # 00:30 on 2 July in London: due on 1 July is a day overdue (UTC still says 1 July)
    assert row["overdue"].to_list() == [True]
    assert row["overdue_days"].to_list() == [1]
    board = delivery.plan_board(sqlite_store, None, user=CHAIR)
    assert board["today"] == dt.date(2026, 7, 2)
    changed = sqlite_store.read_frame(
        "delivery_history", where=[("entity_id", "=", open_id)], order_by=["version"]
    )
    assert changed["at"][-1] == LONDON_NOW.replace(microsecond=0)


def test_a_tasking_made_now_is_stamped_and_due_in_london_time(
    frozen: None, sqlite_store: Store
) -> None:
    row = delivery.add_tasking(
        sqlite_store, "cell:150m:E3520:N1190", what="Patrol", user=CHAIR
    )
    assert row["created_at"] == LONDON_NOW
    assert row["due"] == LONDON_NOW + dt.timedelta(days=1)
    assert row["tasking_id"].startswith("T20260702-")


def test_an_audit_row_is_stamped_in_london_time(
    frozen: None, sqlite_store: Store
) -> None:
    audit.record(sqlite_store, action="view", obj="person:P1", reason="test")
    rows = audit.read(sqlite_store)
    assert rows["at"].to_list() == [LONDON_NOW]


def test_audit_rows_follow_the_real_clock_of_london(
    tokyo_machine: None, sqlite_store: Store
) -> None:
    """Unfrozen, on a machine whose zone is never London's offset (UTC+9)."""
    before = dt.datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)
    audit.record(sqlite_store, action="view", obj="person:P1", reason="test")
    after = dt.datetime.now(ZoneInfo("Europe/London")).replace(tzinfo=None)
    (at,) = audit.read(sqlite_store)["at"].to_list()
    assert before.replace(microsecond=0) <= at <= after


def test_a_token_used_in_the_repeated_hour_is_still_stamped(
    utc_machine: None, monkeypatch: pytest.MonkeyPatch, sqlite_store: Store
) -> None:
    """When the clocks go back, the last use may be ahead of now: still audited."""
    # 00:50 UTC on 25 Oct 2026 is 01:50 BST; 01:05 UTC is 01:05 GMT, 45 min later
    monkeypatch.setattr(
        timezone, "_utc_now", lambda: dt.datetime(2026, 10, 25, 0, 50, tzinfo=dt.UTC)
    )
    add_user(sqlite_store, "ann", password="a long enough pass 1", role="officer")
    token = issue_token(sqlite_store, "ann")
    assert user_for_token(sqlite_store, token) is not None
    monkeypatch.setattr(
        timezone, "_utc_now", lambda: dt.datetime(2026, 10, 25, 1, 5, tzinfo=dt.UTC)
    )
    assert user_for_token(sqlite_store, token) is not None
    uses = audit.read(sqlite_store).filter(pl.col("action") == "token-use")
    assert uses["at"].to_list() == [
        dt.datetime(2026, 10, 25, 1, 50),
        dt.datetime(2026, 10, 25, 1, 5),
    ]
