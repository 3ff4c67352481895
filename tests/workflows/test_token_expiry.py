"""API tokens expire: refused from their expiry on, as a revoked one is, and audited.

A token never expired: one leaked, or left on a laptop, worked for ever. Each token
now keeps ``expires_at`` (issued + ``token_days``, 90 by default, or the days asked
for, at most ``token_max_days``).
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.config import timezone
from avert.config.settings import load_settings
from avert.errors import ConfigError, NotFound
from avert.store import Store, audit
from avert.workflows.users import (
    User,
    add_user,
    check_token_days,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    set_disabled,
    token_expires_at,
    user_for_token,
)

PASSWORD = "a-long-enough-test-password"
#: 10:00 in London (GMT in December): the store's zone is Europe/London
ISSUED_UTC = dt.datetime(2026, 12, 6, 10, 0, tzinfo=dt.UTC)


class Clock:
    """avert's one clock (:func:`avert.config.timezone._utc_now`), set by hand."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.now = ISSUED_UTC
        monkeypatch.setattr(timezone, "_utc_now", lambda: self.now)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def _refusals(store: Store) -> list[tuple[str, str, str]]:
    rows = audit.read(store).filter(pl.col("action") == "token-refused")
    return rows.select("object", "user_name", "reason").rows()


def test_a_token_works_until_its_expiry_and_is_refused_at_it(
    any_store: Store, clock: Clock
) -> None:
    """Boundary: a token works up to, not at, ``expires_at``; the refusal is the
    same None a revoked token gets, and is audited (``token-refused``)."""
    add_user(any_store, "partner1", password=PASSWORD, role="partner", org="council")
    token = issue_token(any_store, "partner1", days=7)
    token_id = token.split("_")[1]
    expires = token_expires_at(any_store, token)
    assert expires == dt.datetime(2026, 12, 13, 10, 0)  # London's wall clock
    clock.now = ISSUED_UTC + dt.timedelta(days=7, seconds=-1)
    assert isinstance(user_for_token(any_store, token), User)
    assert _refusals(any_store) == []
    clock.now = ISSUED_UTC + dt.timedelta(days=7)  # expires exactly now
    assert user_for_token(any_store, token) is None
    clock.now = ISSUED_UTC + dt.timedelta(days=400)
    assert user_for_token(any_store, token) is None
    refusals = _refusals(any_store)
    assert len(refusals) == 2
    assert all(r[:2] == (f"token:{token_id}", "partner1") for r in refusals)
    assert "expired 2026-12-13 10:00:00" in refusals[0][2]
    listed = list_tokens(any_store, "partner1")
    assert listed["expired"].to_list() == [True]
    assert "token_sha256" not in listed.columns
    users = list_users(any_store).filter(pl.col("username") == "partner1")
    assert users["live_tokens"].to_list() == [0]


def test_revoked_and_forged_tokens_are_audited_too(
    any_store: Store, clock: Clock
) -> None:
    """A revoked token, a stored id with a wrong secret, or a token of a disabled
    account is refused alike and audited; a value naming no stored token is
    refused unaudited."""
    add_user(any_store, "ana", password=PASSWORD, role="analyst")
    token = issue_token(any_store, "ana")
    token_id = token.split("_")[1]
    assert user_for_token(any_store, token[:-4] + "AAAA") is None
    revoke_token(any_store, token_id, username="ana")
    clock.now += dt.timedelta(minutes=1)  # one row a minute per token
    assert user_for_token(any_store, token) is None
    assert user_for_token(any_store, "avt_000000000000_nothing") is None
    live = issue_token(any_store, "ana")
    set_disabled(any_store, "ana", disabled=True)
    assert user_for_token(any_store, live) is None
    reasons = [r[2] for r in _refusals(any_store)]
    assert len(reasons) == 3
    assert "wrong secret" in reasons[0]
    assert "revoked" in reasons[1]
    assert "the account is disabled" in reasons[2]
    assert token.split("_", 2)[2] not in " ".join(reasons)


def test_the_default_lifetime_is_90_days_and_live_tokens_are_listed(
    any_store: Store, clock: Clock
) -> None:
    add_user(any_store, "officer", password=PASSWORD, role="officer")
    token = issue_token(any_store, "officer")
    assert token_expires_at(any_store, token) == dt.datetime(2027, 3, 6, 10, 0)
    users = list_users(any_store).filter(pl.col("username") == "officer")
    assert users.select("live_tokens", "next_token_expiry").rows() == [
        (1, dt.datetime(2027, 3, 6, 10, 0))
    ]
    reasons = audit.read(any_store).filter(pl.col("object").str.starts_with("token:"))
    assert reasons.select("reason", "detail").rows() == [
        ("API token issued to officer", "days=90; expires_at=2027-03-06 10:00")
    ]


@pytest.mark.parametrize("days", [0, -1, 366, 10**12, True])
def test_a_lifetime_out_of_bounds_is_refused(any_store: Store, days: int) -> None:
    add_user(any_store, "officer", password=PASSWORD, role="officer")
    with pytest.raises(ConfigError, match="lifetime must be"):
        issue_token(any_store, "officer", days=days)
    assert list_tokens(any_store).height == 0


def test_check_token_days_bounds() -> None:
    assert check_token_days(1) == 1
    assert check_token_days(365) == 365
    assert check_token_days(30, max_days=30) == 30
    with pytest.raises(ConfigError, match="at most 30 days"):
        check_token_days(31, max_days=30)


def test_listing_the_tokens_of_no_account_is_refused(any_store: Store) -> None:
    with pytest.raises(NotFound, match="No user 'nobody'"):
        list_tokens(any_store, "nobody")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AVERT_TOKEN_DAYS": "0"}, "token_days"),
        ({"AVERT_TOKEN_DAYS": "ninety"}, "token_days"),
        ({"AVERT_TOKEN_MAX_DAYS": "-1"}, "token_max_days"),
        ({"AVERT_TOKEN_MAX_DAYS": "100000"}, "at most 3650"),
        ({"AVERT_TOKEN_DAYS": "400"}, "at most token_max_days"),
    ],
)
def test_bad_token_settings_are_named(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(env).token_lifetimes()


def test_token_settings_default_to_90_and_365_days() -> None:
    assert load_settings({}).token_lifetimes() == (90, 365)
    env = {"AVERT_TOKEN_DAYS": "30", "AVERT_TOKEN_MAX_DAYS": "60"}
    assert load_settings(env).token_lifetimes() == (30, 60)


def test_a_token_expired_before_the_clocks_go_back_stays_refused(
    sqlite_store: Store, clock: Clock
) -> None:
    """A token expiring at 01:30 on the night the clocks go back (London, 25 Oct
    2026) is refused from the first 01:30 (00:30 UTC) on: compared on the wall
    clock alone it worked again from 01:00 to 01:30 of the repeated hour (01:00
    to 01:30 UTC), and was listed live meanwhile."""
    clock.now = dt.datetime(2026, 10, 18, 0, 30, tzinfo=dt.UTC)  # 01:30 BST
    add_user(sqlite_store, "ana", password=PASSWORD, role="analyst")
    token = issue_token(sqlite_store, "ana", days=7)
    assert token_expires_at(sqlite_store, token) == dt.datetime(2026, 10, 25, 1, 30)
    clock.now = dt.datetime(2026, 10, 25, 0, 29, 59, tzinfo=dt.UTC)
    assert user_for_token(sqlite_store, token) is not None
    for minute in (30, 59, 60, 80, 89, 90):  # 00:30 to 01:30 UTC
        clock.now = dt.datetime(2026, 10, 25, tzinfo=dt.UTC) + dt.timedelta(
            minutes=minute
        )
        assert user_for_token(sqlite_store, token) is None, minute
        assert list_tokens(sqlite_store, "ana")["expired"].to_list() == [True]
        users = list_users(sqlite_store).filter(pl.col("username") == "ana")
        assert users["live_tokens"].to_list() == [0]


def test_refusals_of_one_token_write_one_row_a_minute_and_are_counted(
    any_store: Store, clock: Clock
) -> None:
    """A script sending a revoked token wrote a ``token-refused`` row per request;
    now one a minute per token: those between are counted on the token, and the
    next row says how many it stands for (``refusals=N``, this one included).
    Another token's refusals are counted apart; a refusal stamped ahead of now
    (the clocks went back) does not hold the next row back."""
    add_user(any_store, "ana", password=PASSWORD, role="analyst")
    token = issue_token(any_store, "ana")
    other = issue_token(any_store, "ana")
    for t in (token, other):
        revoke_token(any_store, t.split("_")[1], username="ana")
    start = clock.now
    for second in (0, 1, 30, 59, 59):
        clock.now = start + dt.timedelta(seconds=second)
        assert user_for_token(any_store, token) is None
    assert user_for_token(any_store, other) is None
    rows = audit.read(any_store).filter(pl.col("action") == "token-refused")
    assert rows["object"].to_list() == [
        f"token:{token.split('_')[1]}",
        f"token:{other.split('_')[1]}",
    ]
    assert rows["detail"].to_list() == [None, None]
    clock.now = start + dt.timedelta(seconds=60)
    assert user_for_token(any_store, token) is None
    clock.now = start - dt.timedelta(hours=1)  # the clocks went back
    assert user_for_token(any_store, token) is None
    rows = audit.read(any_store).filter(pl.col("action") == "token-refused")
    assert rows["detail"].to_list() == [
        None,
        None,
        "refusals=5; wrong_secrets=0",
        None,
    ]
    assert "revoked" in rows["reason"][2]


def test_wrong_secrets_counted_among_a_scripts_refusals_are_said(
    any_store: Store, clock: Clock
) -> None:
    """A wrong secret sent with a token's public id (a guess: its owner does not
    send it) within the minute of the owner's own refused uses (here, its account
    disabled: the token works again when it is enabled) was one more in the
    row's ``refusals=N``, told apart from none of them; the row says how many of
    them were wrong secrets (``wrong_secrets=M``), whatever its own reason."""
    add_user(any_store, "ana", password=PASSWORD, role="analyst")
    token = issue_token(any_store, "ana")
    set_disabled(any_store, "ana", disabled=True)
    guess = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    start = clock.now
    for second, sent in enumerate([token, guess, guess, token, guess, token]):
        clock.now = start + dt.timedelta(seconds=second)
        assert user_for_token(any_store, sent) is None
    counted = any_store.read_frame("api_tokens").row(0, named=True)
    assert (counted["refusals_unaudited"], counted["wrong_secrets_unaudited"]) == (5, 3)
    clock.now = start + dt.timedelta(seconds=61)
    assert user_for_token(any_store, token) is None
    rows = audit.read(any_store).filter(pl.col("action") == "token-refused")
    assert rows["detail"].to_list() == [None, "refusals=6; wrong_secrets=3"]
    assert "disabled" in rows["reason"][1]
    counted = any_store.read_frame("api_tokens").row(0, named=True)
    assert (counted["refusals_unaudited"], counted["wrong_secrets_unaudited"]) == (0, 0)
