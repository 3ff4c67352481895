"""Failed sign-ins per client address: password spraying is refused, not just slowed.

The account lockout stops many guesses at one name; one password tried across many
names never locks anything. The count is kept in the store, so two server processes
(two apps, two Store objects on one database) and a restarted one share it. Each test
has a store of its own: the shared web world would carry one test's failures (same
address, "testclient") into the next.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import threading
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from avert.config.settings import Settings, load_settings
from avert.errors import ConfigError, PermissionDenied
from avert.store import Store
from avert.web import create_app
from avert.workflows import users
from avert.workflows.users import SignInThrottle, add_user
from web.helpers import PASSWORD, SECRET, csrf_of

SPRAYED = "Winter2026!!"


@pytest.fixture
def accounts(any_store: Store) -> Store:
    """A store (SQLite, then PostgreSQL) with a chair's account and nothing else."""
    add_user(any_store, "chair", password=PASSWORD, role="chair")
    return any_store


def _settings(store: Store, **limits: str) -> Settings:
    return load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
        **limits,
    )


def _attempt(app: FastAPI, username: str, password: str) -> int:
    """One sign-in from the test client's address ("testclient"), a fresh session."""
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


@pytest.fixture
def second_store(accounts: Store) -> Iterator[Store]:
    """Another Store object on the same database: what a second worker holds."""
    other = Store(accounts.url.sqlalchemy)
    yield other
    other.close()


def test_spraying_one_password_over_many_names_is_refused_per_address(
    accounts: Store,
) -> None:
    settings = _settings(
        accounts, login_client_max_failures="4", login_client_window_minutes="10"
    )
    app = create_app(settings, accounts)
    # four names, one guess each: no account reaches its own lockout (5)
    codes = [_attempt(app, f"spray-{i}", SPRAYED) for i in range(4)]
    assert codes == [401] * 4
    client = TestClient(app)
    refused = client.post(
        "/login",
        data={
            "username": "chair",
            "password": PASSWORD,
            "csrf_token": csrf_of(client.get("/login").text),
        },
        follow_redirects=False,
    )
    assert refused.status_code == 429, "the right password from a refused address"
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert "too many failed sign-ins from this address" in refused.text
    assert "10 minutes" in refused.text
    log = accounts.read_frame("audit")
    # four failed names, one row for the address; the refused try is not checked
    assert log["object"].to_list().count("client:testclient") == 1
    signs = log.filter(log["action"].str.starts_with("login"))
    assert "user:chair" not in signs["object"].to_list()
    assert signs.height == 4 + 1


def test_a_success_does_not_clear_the_address_count(accounts: Store) -> None:
    settings = _settings(accounts, login_client_max_failures="2")
    app = create_app(settings, accounts)
    assert _attempt(app, "spray-a", "wrong" * 4) == 401
    assert _attempt(app, "chair", PASSWORD) == 303
    assert _attempt(app, "spray-b", "wrong" * 4) == 401
    assert _attempt(app, "chair", PASSWORD) == 429


def test_a_success_clears_that_names_own_failures_from_that_address(
    accounts: Store,
) -> None:
    """A user who mistypes twice and then signs in leaves no failure behind: on an
    office's one shared address, colleagues' mistypes do not add up to a refusal."""
    app = create_app(_settings(accounts, login_client_max_failures="3"), accounts)
    assert _attempt(app, "chair", "wrong" * 4) == 401
    assert _attempt(app, "chair", "wrong" * 4) == 401
    assert _attempt(app, "chair", PASSWORD) == 303
    assert _attempt(app, "spray-a", "wrong" * 4) == 401
    assert _attempt(app, "spray-b", "wrong" * 4) == 401
    assert _attempt(app, "chair", PASSWORD) == 303, "two failures, not four"
    assert accounts.count("sign_in_failures") == 2


def test_two_workers_share_one_count(accounts: Store, second_store: Store) -> None:
    """Two apps, each with its own Store object on one database (two uvicorn
    workers): the limit is of the failures sent to both, not to each."""
    settings = _settings(accounts, login_client_max_failures="4")
    first, second = create_app(settings, accounts), create_app(settings, second_store)
    codes = [
        _attempt(app, f"spray-{i}", SPRAYED)
        for i, app in enumerate([first, second, first, second])
    ]
    assert codes == [401] * 4
    assert _attempt(first, "chair", PASSWORD) == 429
    assert _attempt(second, "chair", PASSWORD) == 429
    log = accounts.read_frame("audit")
    assert log["object"].to_list().count("client:testclient") == 1


def test_the_table_keeps_no_name_typed_only_a_keyed_digest(
    accounts: Store, second_store: Store
) -> None:
    """Each failure kept up to 64 characters of the name typed for the window: a
    password typed into the name field lay in the store. A row holds a keyed
    digest of the name now, and the throttle still counts per name: a success at
    another worker (same secret key) clears that name's failures only."""
    settings = _settings(accounts, login_client_max_failures="5")
    first, second = create_app(settings, accounts), create_app(settings, second_store)
    typed = "Hunter2-typed-as-a-name"
    assert _attempt(first, typed, "wrong" * 4) == 401
    assert _attempt(first, "chair", "wrong" * 4) == 401
    rows = accounts.read_frame("sign_in_failures")
    written = " ".join(
        str(v) for col in rows.columns for v in rows[col].to_list() if v is not None
    )
    for text in (typed, typed[:8], "Hunter", "chair"):
        assert text not in written, text
    throttle = SignInThrottle(5, 600.0, secret_key=SECRET)
    assert sorted(rows["username"]) == sorted(
        throttle.name_digest(name) for name in (typed, "chair")
    )
    assert _attempt(second, "chair", PASSWORD) == 303
    assert accounts.read_frame("sign_in_failures")["username"].to_list() == [
        throttle.name_digest(typed)
    ]


def test_the_names_digest_needs_the_key() -> None:
    keyed = SignInThrottle(5, 600.0, secret_key=SECRET)
    assert keyed.name_digest("chair") == keyed.name_digest("chair")
    assert keyed.name_digest("chair") != keyed.name_digest("chair ")
    other = SignInThrottle(5, 600.0, secret_key=SECRET + "x")
    assert keyed.name_digest("chair") != other.name_digest("chair")
    # no key given: one of its own, not a digest anyone can recompute
    assert SignInThrottle(5, 600.0).name_digest("chair") != (
        SignInThrottle(5, 600.0).name_digest("chair")
    )
    assert SECRET not in repr(keyed)


def test_a_restart_keeps_the_count(accounts: Store) -> None:
    settings = _settings(accounts, login_client_max_failures="3")
    app = create_app(settings, accounts)
    assert [_attempt(app, f"spray-{i}", SPRAYED) for i in range(3)] == [401] * 3
    accounts.close()
    restarted = Store(accounts.url.sqlalchemy)  # a new process: a new Store, a new app
    try:
        assert _attempt(create_app(settings, restarted), "chair", PASSWORD) == 429
    finally:
        restarted.close()


def test_failures_at_once_in_two_workers_reach_the_limit_once(
    accounts: Store, second_store: Store
) -> None:
    """Failures written at once from two Store objects are counted one at a time:
    exactly one of them is the one that reaches the limit (and is audited)."""
    throttle = SignInThrottle(6, 600.0)
    n = 12
    barrier = threading.Barrier(n)
    reached: list[bool] = []

    def fail(i: int) -> None:
        store = accounts if i % 2 else second_store
        barrier.wait()
        reached.append(throttle.failed(store, "198.51.100.7", username=f"n{i}"))

    threads = [threading.Thread(target=fail, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(reached) == [False] * (n - 1) + [True]
    assert accounts.count("sign_in_failures") == n


def test_the_window_slides_and_old_failures_are_deleted(any_store: Store) -> None:
    start = dt.datetime(2026, 10, 25, 0, 30, tzinfo=dt.UTC).timestamp()
    now = [start]
    throttle = SignInThrottle(3, 60.0, clock=lambda: now[0])
    for t in (0.0, 10.0, 20.0):
        now[0] = start + t
        assert throttle.retry_after_s(any_store, "a") == 0.0
        throttle.failed(any_store, "a", username="x")
    assert throttle.retry_after_s(any_store, "a") == pytest.approx(40.0)
    assert throttle.retry_after_s(any_store, "b") == 0.0  # addresses apart
    now[0] = start + 60.0  # the first failure has left the window
    assert throttle.retry_after_s(any_store, "a") == 0.0
    assert throttle.failed(any_store, "a", username="x") is True  # back at the limit
    assert throttle.retry_after_s(any_store, "a") == pytest.approx(10.0)
    assert any_store.count("sign_in_failures") == 3, "the one outside the window"
    now[0] = start + 3_600.0
    throttle.failed(any_store, "b", username="y")
    assert any_store.count("sign_in_failures") == 1  # every address's old rows


def test_long_names_and_addresses_are_kept_short(sqlite_store: Store) -> None:
    throttle = SignInThrottle(2, 60.0)
    throttle.failed(sqlite_store, "c" * 10_000, username="n" * 100_000)
    row = sqlite_store.read_frame("sign_in_failures").row(0, named=True)
    assert len(row["client"]) < 100
    assert len(row["username"]) < 100
    assert throttle.failed(sqlite_store, "c" * 10_000, username="other") is True


def test_parallel_guesses_in_two_workers_all_count_towards_the_lockout(
    accounts: Store, second_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes do not share the in-process lock of an account: without it,
    guesses sent at once must still each add one failure in a row (read, add one
    and write back would lose some; on PostgreSQL two rewrites of the row could
    also clash)."""

    class NoLock:
        def __enter__(self) -> None:
            return None

        def __exit__(self, *_: object) -> None:
            return None

    monkeypatch.setattr(users, "_SIGN_IN_LOCKS", tuple(NoLock() for _ in range(64)))
    settings = _settings(accounts, login_max_failures="100")
    n = 10
    barrier = threading.Barrier(n)
    refused: list[bool] = []

    def guess(i: int) -> None:
        store = accounts if i % 2 else second_store
        barrier.wait()
        try:
            users.authenticate(store, "chair", "wrong" * 4, settings=settings)
        except PermissionDenied:
            refused.append(True)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(refused) == n
    stored = accounts.read_frame("users").row(0, named=True)
    assert stored["failed_logins"] == n
    log = accounts.read_frame("audit")
    reasons = set(log.filter(log["user_name"] == "chair")["reason"].to_list())
    assert reasons == {f"wrong password ({i} in a row)" for i in range(1, n + 1)}


@pytest.mark.parametrize(
    ("name", "value"),
    [("login_client_max_failures", "0"), ("login_client_window_minutes", "soon")],
)
def test_bad_limits_stop_the_start(sqlite_store: Store, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        create_app(_settings(sqlite_store, **{name: value}), sqlite_store)


def test_sign_ins_sent_at_once_check_no_more_passwords_than_the_limit(
    accounts: Store, second_store: Store
) -> None:
    """Twelve sign-ins at once from one address, half to each of two workers,
    under a limit of four: four passwords are checked, the rest refused unchecked
    (429). Counted after the check, every one read the count before any failed:
    40 sent at once to two uvicorn workers under the limit of 30 were all checked."""
    settings = _settings(accounts, login_client_max_failures="4")
    throttle = SignInThrottle(4, 600.0)
    n = 12
    barrier = threading.Barrier(n)
    answers: list[str] = []

    def sign_in(i: int) -> None:
        store = accounts if i % 2 else second_store
        barrier.wait()
        try:
            users.authenticate(
                store,
                f"spray-{i}",
                SPRAYED,
                settings=settings,
                client="203.0.113.9",
                throttle=throttle,
            )
        except PermissionDenied as err:
            answers.append(type(err).__name__)

    threads = [threading.Thread(target=sign_in, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == ["PermissionDenied"] * 4 + ["TooManyAttempts"] * 8
    log = accounts.read_frame("audit")
    checked = log.filter(log["reason"] == "no such user")
    assert checked.height == 4, "passwords checked"
    assert log["object"].to_list().count("client:203.0.113.9") == 1
    assert accounts.count("sign_in_failures") == 4, "the refused wrote no row"


def test_guesses_at_once_in_workers_check_no_more_than_the_lockout(
    accounts: Store, second_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twelve wrong passwords for one account at once, as from twelve worker
    processes, under a lockout after four: four are checked, the rest refused as
    locked. A process checks one guess of an account at a time (a lock in its
    memory, which other processes do not share: here no lock at all), and each
    guess was counted after its check: with two workers, 6 of 40 were checked
    under the limit of 5; with twelve, all twelve here."""
    monkeypatch.setattr(
        users, "_SIGN_IN_LOCKS", tuple(contextlib.nullcontext() for _ in range(64))
    )
    settings = _settings(accounts, login_max_failures="4")
    n = 12
    barrier = threading.Barrier(n)

    def guess(i: int) -> None:
        store = accounts if i % 2 else second_store
        barrier.wait()
        with pytest.raises(PermissionDenied):
            users.authenticate(store, "chair", f"guess number {i}", settings=settings)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    reasons = accounts.read_frame("audit")["reason"].to_list()
    checked = [r for r in reasons if r.startswith("wrong password")]
    assert sorted(checked) == [
        "wrong password (1 in a row)",
        "wrong password (2 in a row)",
        "wrong password (3 in a row)",
        "wrong password (4 in a row), locked",
    ]
    assert sum(r.startswith("locked until") for r in reasons) == n - 4
    # the lock holds for the right password too
    with pytest.raises(PermissionDenied):
        users.authenticate(accounts, "chair", PASSWORD, settings=settings)
