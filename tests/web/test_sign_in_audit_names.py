"""A failed sign-in's audit row repeats the name typed only when it names an account
(a red-team review): a password typed into the name field was written to the audit
log (up to 64 characters of it). An unknown name is recorded by its length and a
keyed digest (:func:`avert.workflows.users.unknown_name`); the account lockout and
the per-address count work as before."""

from __future__ import annotations

import secrets

import polars as pl
import pytest

from avert.config.settings import Settings, load_settings
from avert.errors import PermissionDenied, TooManyAttempts
from avert.store import Store
from avert.workflows import users
from avert.workflows.users import SignInThrottle, add_user
from web.helpers import PASSWORD, SECRET

TYPED_PASSWORD = "Correct-Horse-Battery-9"  # typed into the name field


@pytest.fixture
def accounts(any_store: Store) -> Store:
    """A store (SQLite, then PostgreSQL) with one account."""
    add_user(any_store, "chair", password=PASSWORD, role="chair")
    return any_store


def _settings(store: Store, **limits: str) -> Settings:
    return load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
        **limits,
    )


def _fail(store: Store, name: str, settings: Settings, throttle: SignInThrottle) -> str:
    try:
        users.authenticate(
            store,
            name,
            "wrong",
            settings=settings,
            client="198.51.100.7",
            throttle=throttle,
        )
    except TooManyAttempts:
        return "TooManyAttempts"
    except PermissionDenied:
        return "PermissionDenied"
    return "signed in"


def _written(store: Store) -> str:
    log = store.read_frame("audit")
    return " ".join(
        str(v) for col in log.columns for v in log[col].to_list() if v is not None
    )


def test_an_unknown_name_is_audited_by_length_and_digest_never_as_typed(
    accounts: Store,
) -> None:
    settings = _settings(accounts, login_client_max_failures="3")
    throttle = SignInThrottle(3, 600.0)
    answers = [_fail(accounts, TYPED_PASSWORD, settings, throttle) for _ in range(4)]
    # the per-address count still refuses the fourth, unchecked
    assert answers == ["PermissionDenied"] * 3 + ["TooManyAttempts"]
    assert TYPED_PASSWORD not in _written(accounts)
    assert TYPED_PASSWORD[:8] not in _written(accounts)
    log = accounts.read_frame("audit").filter(pl.col("action") == "login-failed")
    label = users.unknown_name(TYPED_PASSWORD, key=SECRET)
    assert label.startswith("(unknown name: 23 characters, digest ")
    checked = log.filter(pl.col("reason") == "no such user")
    # one name tried three times: one label, so the log can count it
    assert checked["user_name"].to_list() == [label] * 3
    assert checked["object"].to_list() == [f"user:{label}"] * 3
    # the row of the address reaching its limit names the name the same way
    (limit_row,) = log.filter(pl.col("object") == "client:198.51.100.7").rows(
        named=True
    )
    assert limit_row["user_name"] == label


def test_the_digest_tells_names_apart_and_needs_the_key() -> None:
    one = users.unknown_name("alice.smith", key=SECRET)
    assert one == users.unknown_name("alice.smith", key=SECRET)
    assert one != users.unknown_name("alice.smyth", key=SECRET)
    assert one != users.unknown_name("alice.smith", key=SECRET + "x")
    assert users.unknown_name("alice.smith", key="") == (
        "(unknown name: 11 characters)"
    )


def test_a_known_name_is_still_audited_and_locked_out(accounts: Store) -> None:
    settings = _settings(accounts, login_max_failures="2")
    throttle = SignInThrottle(100, 600.0)
    for _ in range(3):
        assert _fail(accounts, "chair", settings, throttle) == "PermissionDenied"
    log = accounts.read_frame("audit").filter(pl.col("action") == "login-failed")
    assert log["user_name"].to_list() == ["chair"] * 3
    assert log["object"].to_list() == ["user:chair"] * 3
    assert log["reason"].to_list()[-1].startswith("locked until")
