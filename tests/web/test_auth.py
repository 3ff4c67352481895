"""Sign-in, sessions, CSRF, lockout, tokens and the secret key."""

from __future__ import annotations

import re
import time
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.errors import ConfigError, PermissionDenied
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import (
    add_user,
    issue_token,
    reset_password,
    revoke_token,
    set_disabled,
)
from web.helpers import PASSWORD, World, csrf_of, signed_in


def test_refuses_to_start_without_a_secret_key(world: World) -> None:
    weak = world.settings.with_overrides(secret_key="short")
    with pytest.raises(ConfigError, match="AVERT_SECRET_KEY"):
        create_app(weak, world.store)
    create_app(weak, world.store, demo=True)  # the demo may use a random key


@pytest.mark.parametrize("guessable", ["a" * 32, "avert-secret-" * 3, "0123456789" * 4])
def test_refuses_to_start_with_a_guessable_secret_key(
    world: World, guessable: str
) -> None:
    """Any 32 characters were taken ("a" * 32 signed the session cookies), while
    the pseudonym key must be a real secret (:func:`avert.access.check_key`)."""
    weak = world.settings.with_overrides(secret_key=guessable)
    with pytest.raises(ConfigError, match="AVERT_SECRET_KEY") as refused:
        create_app(weak, world.store)
    assert guessable not in str(refused.value)  # never printed
    create_app(weak, world.store, demo=True)  # the demo makes a random key


def _post_login(client: TestClient, form_page: str, username: str = "chair") -> Any:
    """Send the sign-in form of ``form_page`` (its CSRF token) with the password."""
    return client.post(
        "/login",
        data={
            "username": username,
            "password": PASSWORD,
            "csrf_token": csrf_of(form_page),
        },
        follow_redirects=False,
    )


def _sign_in_cookie(client: TestClient) -> str:
    """The Set-Cookie header of the chair's sign-in through ``client``."""
    response = _post_login(client, client.get("/login").text)
    return response.headers["set-cookie"].lower()


def test_session_cookie_is_httponly_and_samesite_strict(world: World) -> None:
    cookie = _sign_in_cookie(TestClient(world.app))
    assert "httponly" in cookie
    assert "samesite=strict" in cookie


def test_forms_without_the_csrf_token_are_refused(world: World) -> None:
    client = TestClient(world.app)
    client.get("/login")
    response = client.post("/login", data={"username": "chair", "password": PASSWORD})
    assert response.status_code == 403
    signed = signed_in(world.app, "chair")
    person = sorted(world.person_ids)[0]
    bad = signed.post(f"/people/{person}", data={"purpose": "a good purpose"})
    assert bad.status_code == 403
    wrong = signed.post(
        f"/people/{person}", data={"purpose": "a good purpose", "csrf_token": "x" * 43}
    )
    assert wrong.status_code == 403


def test_a_sign_in_form_left_open_in_another_tab_shows_the_sign_in_again(
    world: World,
) -> None:
    """Two tabs on the sign-in page: signing in at the first changes the session's
    token, and the second tab's sign-in (right password) was a 403 page headed
    "Not allowed" with a link to Today. It is the sign-in page again, saying why,
    with a token that then signs in; no session is started by the stale form."""
    client = TestClient(world.app)
    first = client.get("/login")
    second = client.get("/login")
    signed = _post_login(client, first.text)
    assert signed.status_code == 303
    client.post("/logout", data={"csrf_token": csrf_of(client.get("/today").text)})
    stale = _post_login(client, second.text)
    assert stale.status_code == 403
    assert "Not allowed" not in stale.text
    assert "This sign-in form was out of date" in stale.text
    assert 'action="/login"' in stale.text
    assert client.get("/today", follow_redirects=False).status_code == 303
    again = _post_login(client, stale.text)
    assert again.status_code == 303
    assert again.headers["location"] == "/today"


def test_an_authorization_header_without_a_valid_token_keeps_the_csrf_check(
    world: World,
) -> None:
    """Any ``Authorization`` header skipped the CSRF check, a bearer token or not:
    ``Authorization: Basic x`` signed in without the form's token."""
    client = TestClient(world.app)
    client.get("/login")
    for header in ("Basic x", "Bearer avt_not-a-token"):
        response = client.post(
            "/login",
            data={"username": "chair", "password": PASSWORD},
            headers={"Authorization": header},
            follow_redirects=False,
        )
        assert response.status_code == 403, header


def test_lockout_after_repeated_failures(world: World) -> None:
    add_user(world.store, "locky", password=PASSWORD, role="analyst")
    client = TestClient(world.app)
    token = csrf_of(client.get("/login").text)
    limit = int(world.settings.login_max_failures)
    for _ in range(limit):
        bad = client.post(
            "/login",
            data={"username": "locky", "password": "wrong" * 4, "csrf_token": token},
        )
        assert bad.status_code == 401
    good = client.post(
        "/login",
        data={"username": "locky", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert good.status_code == 401, "a locked account must refuse the right password"
    audit = world.store.read_frame("audit")
    actions = audit.filter(audit["user_name"] == "locky")["action"].to_list()
    assert actions.count("login-failed") == limit + 1
    reset_password(world.store, "locky", PASSWORD)  # an admin reset clears the lock
    again = client.post(
        "/login",
        data={"username": "locky", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert again.status_code == 303


def test_idle_sessions_expire(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    import avert.web.auth as auth

    client = signed_in(world.app, "analyst")
    assert client.get("/data").status_code == 200
    idle_s = int(world.settings.session_idle_minutes) * 60
    real = auth.time.time
    monkeypatch.setattr(auth.time, "time", lambda: real() + idle_s + 5)
    response = client.get("/data", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_disabled_accounts_lose_session_and_tokens(world: World) -> None:
    add_user(world.store, "leaver", password=PASSWORD, role="officer")
    client = signed_in(world.app, "leaver")
    token = issue_token(world.store, "leaver")
    api = TestClient(world.app)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/incidents", headers=headers).status_code == 200
    set_disabled(world.store, "leaver", disabled=True)
    world.app.state.accounts.clear()  # else within auth.ACCOUNT_CACHE_S seconds
    assert client.get("/today", follow_redirects=False).status_code == 303
    assert api.get("/api/v1/incidents", headers=headers).status_code == 401


def test_revoked_and_forged_tokens_get_401(world: World) -> None:
    token = issue_token(world.store, "analyst")
    api = TestClient(world.app)
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/incidents", headers=headers).status_code == 200
    forged = token[:-4] + "AAAA"
    bad = {"Authorization": f"Bearer {forged}"}
    assert api.get("/api/v1/incidents", headers=bad).status_code == 401
    revoke_token(world.store, token.split("_")[1], username="analyst")
    assert api.get("/api/v1/incidents", headers=headers).status_code == 401
    stored = world.store.read_frame("api_tokens")
    assert token.split("_", 2)[2] not in " ".join(stored["token_sha256"].to_list())


def test_security_headers_on_every_answer(world: World) -> None:
    client = TestClient(world.app)
    for url in ("/login", "/today", "/api/v1/briefing", "/static/htmx.min.js"):
        headers = client.get(url, follow_redirects=False).headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"


def test_errors_carry_status_and_no_traceback(world: World) -> None:
    client = signed_in(world.app, "analyst")
    response = client.get("/today", params={"at": "not-a-date"})
    assert response.status_code == 400
    assert "Not a date and time" in response.text
    assert "Traceback" not in response.text
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["status"] == 404


def test_pages_hold_no_inline_script(world: World) -> None:
    client = signed_in(world.app, "chair")
    for url in ("/today", "/incidents", "/places", "/groups", "/login"):
        html = client.get(url).text
        for tag in html.split("<script")[1:]:
            assert "src=" in tag.split(">")[0], f"inline script on {url}"


def test_concurrent_failed_sign_ins_all_count_towards_the_lockout(
    world: World,
) -> None:
    """Guesses sent at once must not share one failure count: 12 parallel wrong
    passwords lock the account after the limit (they counted as 1 before)."""
    import threading

    from avert.workflows.users import authenticate

    add_user(world.store, "racey", password=PASSWORD, role="analyst")
    n = 12
    barrier = threading.Barrier(n)

    refused: list[bool] = []

    def guess() -> None:
        barrier.wait()
        try:
            authenticate(world.store, "racey", "wrong" * 4, settings=world.settings)
        except PermissionDenied:
            refused.append(True)

    threads = [threading.Thread(target=guess) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(refused) == n
    limit = int(world.settings.login_max_failures)
    log = world.store.read_frame("audit")
    reasons = log.filter(log["user_name"] == "racey")["reason"].to_list()
    checked = [r for r in reasons if r.startswith("wrong password")]
    assert len(checked) == limit, reasons
    assert sum(r.startswith("locked until") for r in reasons) == n - limit


def test_a_password_reset_ends_the_accounts_sessions(world: World) -> None:
    """A reset is what an admin does when a password may be known to someone
    else: sessions signed in with the old password stop (the cookie alone kept
    them alive before)."""
    add_user(world.store, "resetme", password=PASSWORD, role="analyst")
    before = signed_in(world.app, "resetme")
    assert before.get("/data").status_code == 200
    reset_password(world.store, "resetme", "another-long-passphrase")
    world.app.state.accounts.clear()  # else within auth.ACCOUNT_CACHE_S seconds
    response = before.get("/data", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    after = TestClient(world.app)
    token = csrf_of(after.get("/login").text)
    signed = after.post(
        "/login",
        data={
            "username": "resetme",
            "password": "another-long-passphrase",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303
    assert after.get("/data").status_code == 200


def test_a_huge_sign_in_name_writes_a_small_audit_row(world: World) -> None:
    """Anyone may try to sign in, and every try is audited: a 1 MB name must not
    become a 2 MB audit row (1,000 tries would add 2 GB to the log)."""
    client = TestClient(world.app)
    token = csrf_of(client.get("/login").text)
    seen = world.store.read_frame("audit").height
    name = "u" * 1_000_000
    refused = client.post(
        "/login", data={"username": name, "password": "x", "csrf_token": token}
    )
    assert refused.status_code == 401
    rows = world.store.read_frame("audit", order_by=["seq"]).slice(seen)
    assert rows["action"].to_list() == ["login-failed"]
    row = rows.row(0, named=True)
    assert len(row["user_name"]) < 200
    assert len(row["object"]) < 200
    assert "1000000 characters" in row["object"]


def test_signing_out_ends_copies_of_the_session_cookie(world: World) -> None:
    """The session lives in a signed cookie: clearing it on sign-out left a copy
    taken before (e.g. a stolen cookie) signed in. Sign-out now ends the account's
    sessions on the server (``session_epoch``)."""
    add_user(world.store, "signsout", password=PASSWORD, role="analyst")
    client = signed_in(world.app, "signsout")
    assert client.get("/data").status_code == 200
    copy = TestClient(world.app)
    copy.cookies.update(dict(client.cookies))
    assert copy.get("/data").status_code == 200
    token = csrf_of(client.get("/data").text)
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    response = copy.get("/data", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"
    again = signed_in(world.app, "signsout")  # a new sign-in works
    assert again.get("/data").status_code == 200


def test_sessions_end_after_their_maximum_age(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An active session still ends ``session_max_hours`` after sign-in."""
    import avert.web.auth as auth

    client = signed_in(world.app, "analyst")
    max_s = world.settings.session_max_seconds()
    idle_s = int(world.settings.session_idle_minutes) * 60
    real = auth.time.time
    step = 0.0
    while step + idle_s / 2 < max_s:  # a request every half idle period
        step += idle_s / 2
        monkeypatch.setattr(auth.time, "time", lambda s=step: real() + s)
        assert client.get("/data").status_code == 200
    monkeypatch.setattr(auth.time, "time", lambda: real() + max_s + 5)
    response = client.get("/data", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_the_secure_cookie_setting(world: World) -> None:
    secure = world.settings.with_overrides(session_cookie_secure="true")
    client = TestClient(create_app(secure, world.store), base_url="https://testserver")
    assert "secure" in _sign_in_cookie(client)
    assert "secure" not in _sign_in_cookie(TestClient(world.app))
    bad = world.settings.with_overrides(session_cookie_secure="maybe")
    with pytest.raises(ConfigError, match="AVERT_SESSION_COOKIE_SECURE"):
        create_app(bad, world.store)
    with pytest.raises(ConfigError, match="AVERT_SESSION_MAX_HOURS"):
        create_app(world.settings.with_overrides(session_max_hours="0"), world.store)


def test_every_refused_sign_in_checks_one_password_hash(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A refusal that skipped the (slow, Argon2id) hash check answered sooner for a
    disabled or locked account than for a wrong password or an unknown name, and so
    told that the name exists: every path checks exactly one hash."""
    import avert.workflows.users as users

    add_user(world.store, "timing-disabled", password=PASSWORD, role="analyst")
    set_disabled(world.store, "timing-disabled", disabled=True)
    add_user(world.store, "timing-locked", password=PASSWORD, role="analyst")
    add_user(world.store, "timing-open", password=PASSWORD, role="analyst")
    for _ in range(int(world.settings.login_max_failures)):
        with pytest.raises(PermissionDenied):
            users.authenticate(
                world.store, "timing-locked", "wrong" * 4, settings=world.settings
            )
    calls: list[str] = []
    real = users._verify

    def counted(password_hash: str, password: str) -> bool:
        calls.append(password_hash)
        return real(password_hash, password)

    # and every path takes the one locked counting transaction (reserve_sign_in):
    # taken for known names only, its wait for the store's lock under load told
    # a name with an account from one without
    reserved: list[str] = []
    real_reserve = users.reserve_sign_in

    def reserve(store: Store, username: str, **kw: Any) -> Any:
        reserved.append(username)
        return real_reserve(store, username, **kw)

    monkeypatch.setattr(users, "_verify", counted)
    monkeypatch.setattr(users, "reserve_sign_in", reserve)
    for name in ("nobody-at-all", "timing-disabled", "timing-locked", "timing-open"):
        calls.clear()
        reserved.clear()
        with pytest.raises(PermissionDenied):
            users.authenticate(world.store, name, "wrong" * 4, settings=world.settings)
        assert len(calls) == 1, name
        assert reserved == [name]


def test_a_refused_sign_in_keeps_the_name_typed(world: World) -> None:
    """A mistyped password cleared the Name field too: the user typed both again.
    The refused page keeps the name (escaped, at most a name's 64 characters) with
    the cursor in the password; it says no more about the name than before."""
    client = TestClient(world.app)
    token = csrf_of(client.get("/login").text)
    for typed, shown in (
        ("walker-9", 'value="walker-9"'),
        ('no<such>"one', 'value="no&lt;such&gt;&#34;one"'),
        ("n" * 100, f'value="{"n" * 64}"'),
    ):
        refused = client.post(
            "/login",
            data={"username": typed, "password": "wrong" * 4, "csrf_token": token},
        )
        assert refused.status_code == 401
        assert shown in refused.text
        assert re.search(r'name="password"[^>]*autofocus', refused.text)
        assert not re.search(r'name="username"[^>]*autofocus', refused.text)
    fresh = client.get("/login").text
    assert re.search(r'name="username"[^>]*autofocus', fresh)
    assert 'name="username" autocomplete="username" required value' not in fresh


@pytest.mark.parametrize(
    ("later_s", "said"),
    [
        (31 * 60, "after 30 minutes without use"),
        (12 * 3600 + 600, "12 hours after sign-in"),
    ],
)
def test_an_ended_session_is_said_on_the_sign_in_page(
    world: World, monkeypatch: pytest.MonkeyPatch, later_s: int, said: str
) -> None:
    """A session that ended (30 minutes idle, 12 hours old) sent the browser to
    the sign-in page without a word: a user could not tell it from a fault. The
    sign-in page now says the session ended and after what, once."""
    import avert.web.auth as auth

    client = signed_in(world.app, "analyst")
    start = time.time()
    if later_s > 3600:  # active all along: a request every 10 minutes of 12 hours
        for step in range(10 * 60, 12 * 3600, 10 * 60):
            monkeypatch.setattr(auth.time, "time", lambda s=step: start + s)
            still = client.get("/plan/mine", follow_redirects=False)
            assert still.status_code == 200, step
    monkeypatch.setattr(auth.time, "time", lambda: start + later_s)
    ended = client.get("/plan/mine", follow_redirects=False)
    assert ended.status_code == 303
    assert ended.headers["location"] == "/login"
    page = client.get("/login")
    assert 'id="session-ended"' in page.text
    assert said in page.text, re.findall(r"session-ended.>[^<]*", page.text)
    assert "session-ended" not in client.get("/login").text  # said once
    fresh = TestClient(world.app).get("/login")
    assert "session-ended" not in fresh.text


def test_a_one_minute_session_is_said_in_the_singular(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``AVERT_SESSION_IDLE_MINUTES=1`` the page said "after 1 minutes"."""
    import avert.web.auth as auth

    app = create_app(
        world.settings.with_overrides(session_idle_minutes="1"), world.store
    )
    client = signed_in(app, "analyst")
    start = time.time()
    monkeypatch.setattr(auth.time, "time", lambda: start + 90)
    client.get("/plan/mine", follow_redirects=False)
    assert "ended after 1 minute without use" in client.get("/login").text


def test_an_expired_token_gets_the_revoked_ones_401(world: World) -> None:
    """An expired token is refused exactly as a revoked one (same status, same
    body: no hint which), and the refusal is audited."""
    expired = issue_token(world.store, "analyst", days=1)
    revoked = issue_token(world.store, "analyst")
    with world.store.transaction() as tx:  # its day has passed
        tx._execute(
            'UPDATE "api_tokens" SET "expires_at" = "created_at" WHERE "token_id" = ?',
            [expired.split("_")[1]],
        )
    revoke_token(world.store, revoked.split("_")[1], username="analyst")
    api = TestClient(world.app)
    answers = [
        api.get("/api/v1/incidents", headers={"Authorization": f"Bearer {t}"})
        for t in (expired, revoked)
    ]
    assert [a.status_code for a in answers] == [401, 401]
    assert answers[0].content == answers[1].content
    assert answers[0].headers["www-authenticate"] == "Bearer"
    pages = [  # a page asked for with a token: the same refusal too
        api.get(
            "/today",
            headers={"Authorization": f"Bearer {t}"},
            follow_redirects=False,
        )
        for t in (expired, revoked)
    ]
    assert [p.status_code for p in pages] == [303, 303]
    assert pages[0].headers["location"] == pages[1].headers["location"] == "/login"
    objects = [f"token:{t.split('_')[1]}" for t in (expired, revoked)]
    refused = world.store.read_frame("audit").filter(
        (pl.col("action") == "token-refused") & pl.col("object").is_in(objects)
    )
    # one row a minute per token: the page's refusal is counted on the token
    assert sorted(refused["object"].to_list()) == sorted(objects)
    counted = world.store.read_frame("api_tokens").filter(
        pl.col("token_id").is_in([t.split("_")[1] for t in (expired, revoked)])
    )
    assert counted["refusals_unaudited"].to_list() == [1, 1]
