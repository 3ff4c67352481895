"""Failed sign-ins per client address: password spraying is refused, not just slowed.

The account lockout stops many guesses at one name; one password tried across many
names never locks anything. These tests fail without the client throttle.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from avert.errors import ConfigError
from avert.web import create_app
from avert.workflows.users import SignInThrottle
from web.helpers import PASSWORD, World, csrf_of


def _post(client: TestClient, token: str, username: str, password: str) -> int:
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    return response.status_code


def test_spraying_one_password_over_many_names_is_refused_per_address(
    world: World,
) -> None:
    settings = world.settings.with_overrides(
        login_client_max_failures="4", login_client_window_minutes="10"
    )
    app = create_app(settings, world.store)
    client = TestClient(app)
    token = csrf_of(client.get("/login").text)
    before = world.store.read_frame("audit").height
    # four names, one guess each: no account reaches its own lockout (5)
    codes = [_post(client, token, f"spray-{i}", "Winter2026!!") for i in range(4)]
    assert codes == [401] * 4
    refused = client.post(
        "/login",
        data={"username": "chair", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert refused.status_code == 429, "the right password from a refused address"
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert "too many failed sign-ins from this address" in refused.text
    assert "10 minutes" in refused.text
    log = world.store.read_frame("audit").slice(before)
    # four failed names, one row for the address; the refused try is not checked
    assert log["object"].to_list().count("client:testclient") == 1
    assert log.filter(log["object"] == "user:chair").height == 0
    # the address, not the account, is refused: the chair's account is not locked
    other = TestClient(create_app(settings, world.store))
    token = csrf_of(other.get("/login").text)
    assert _post(other, token, "chair", PASSWORD) == 303


def test_a_success_does_not_clear_the_address_count(world: World) -> None:
    settings = world.settings.with_overrides(login_client_max_failures="2")
    app = create_app(settings, world.store)

    def attempt(username: str, password: str) -> int:
        client = TestClient(app)  # one address ("testclient"), a fresh session
        return _post(client, csrf_of(client.get("/login").text), username, password)

    assert attempt("spray-a", "wrong" * 4) == 401
    assert attempt("chair", PASSWORD) == 303
    assert attempt("spray-b", "wrong" * 4) == 401
    assert attempt("chair", PASSWORD) == 429


@pytest.mark.parametrize(
    ("name", "value"),
    [("login_client_max_failures", "0"), ("login_client_window_minutes", "soon")],
)
def test_bad_limits_stop_the_start(world: World, name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        create_app(world.settings.with_overrides(**{name: value}), world.store)


def test_the_window_slides_and_addresses_are_counted_apart() -> None:
    now = [0.0]
    throttle = SignInThrottle(3, 60.0, clock=lambda: now[0])
    for t in (0.0, 10.0, 20.0):
        now[0] = t
        assert throttle.retry_after_s("a") == 0.0
        throttle.failed("a")
    assert throttle.retry_after_s("a") == pytest.approx(40.0)
    assert throttle.retry_after_s("b") == 0.0
    now[0] = 60.0  # the first failure has left the window
    assert throttle.retry_after_s("a") == 0.0
    assert throttle.failed("a") is True  # back at the limit
    assert throttle.retry_after_s("a") == pytest.approx(10.0)


def test_it_keeps_at_most_max_clients_addresses() -> None:
    throttle = SignInThrottle(1, 60.0, clock=lambda: 0.0, max_clients=2)
    for client in ("a", "b", "c"):
        throttle.failed(client)
    assert throttle.retry_after_s("a") == 0.0  # the least recent was dropped
    assert throttle.retry_after_s("b") > 0
    assert throttle.retry_after_s("c") > 0
