"""API tokens on an account's page (``/admin/users/NAME``): listed without their
value or digest, issued with the value on that answer alone, revoked; admin only,
audited under the administrator, through the workflow the CLI uses."""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
import threading
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.config.settings import load_settings
from avert.policy import ROLES
from avert.store import Store
from avert.web import create_app
from avert.workflows.users import (
    add_user,
    issue_token,
    list_tokens,
    set_disabled,
    set_role,
    user_for_token,
)
from web.helpers import PASSWORD, SECRET, csrf_of, migrated_store, signed_in

TOKEN = re.compile(r"avt_[0-9a-f]{12}_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def accounts(tmp_path: Path, template_db: Path) -> Iterator[tuple[TestClient, Store]]:
    """A store of accounts only (one per role), its app, a client of ``admin``."""
    url = f"sqlite:///{tmp_path / 'accounts.db'}"
    store = migrated_store(tmp_path / "accounts.db", template_db)
    for role in ROLES:
        org = {"org": "council"} if role == "partner" else {}
        add_user(store, role, password=PASSWORD, role=role, **org)
    settings = load_settings({}).with_overrides(
        database_url=url, secret_key=SECRET, pseudonym_key=secrets.token_urlsafe(32)
    )
    app = create_app(settings, store)
    yield signed_in(app, "admin"), store
    store.close()


def _csrf(client: TestClient, path: str = "/admin/users/officer") -> str:
    return csrf_of(client.get(path).text)


def _issue_form(client: TestClient, name: str = "officer") -> dict[str, str]:
    """What the issue form on the account's page (opened now) sends."""
    page = client.get(f"/admin/users/{name}").text
    found = re.search(r'name="issue_nonce" value="([^"]+)"', page)
    assert found, "no issue nonce on the page"
    return {"csrf_token": csrf_of(page), "issue_nonce": found.group(1)}


def _changes(store: Store) -> pl.DataFrame:
    log = store.read_frame("audit", order_by=["seq"])
    return log.filter(pl.col("action") == "change")


def _issue(client: TestClient, name: str = "officer") -> str:
    answer = client.post(
        f"/admin/users/{name}/tokens",
        data=_issue_form(client, name),
        follow_redirects=False,
    )
    assert answer.status_code == 200, answer.text
    found = TOKEN.search(answer.text)
    assert found, "no token on the answer"
    return found.group(0)


def test_issue_shows_the_value_once_and_keeps_it_nowhere(
    accounts: tuple[TestClient, Store], caplog: pytest.LogCaptureFixture
) -> None:
    admin, store = accounts
    caplog.set_level(logging.DEBUG)
    answer = admin.post(
        "/admin/users/officer/tokens",
        data=_issue_form(admin),
        follow_redirects=False,
    )
    assert answer.status_code == 200  # the value on this answer, not a redirect
    assert answer.headers["cache-control"] == "no-store"
    assert "location" not in answer.headers
    value = TOKEN.search(answer.text)
    assert value, answer.text
    token = value.group(0)
    secret = token.split("_", 2)[2]
    assert "Copy it now: it is not stored" in answer.text
    assert user_for_token(store, token) is not None  # it works
    # never again: not on the next page, the log, the audit rows or the store
    later = admin.get("/admin/users/officer").text
    assert secret not in later
    token_id = token.split("_")[1]
    assert token_id in later  # listed by its id
    assert secret not in caplog.text
    assert secret not in store.read_frame("audit").write_csv()
    assert secret not in store.read_frame("api_tokens").write_csv()
    digest = store.read_frame("api_tokens")["token_sha256"][0]
    assert digest not in later
    assert digest not in answer.text
    rows = _changes(store).filter(pl.col("object") == f"token:{token_id}")
    assert rows.select("user_name", "role", "reason").rows() == [
        ("admin", "admin", "API token issued to officer")
    ]


def test_the_page_lists_tokens_with_their_state(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    assert 'id="no-tokens"' in admin.get("/admin/users/officer").text
    used = _issue(admin)
    revoked = _issue(admin)
    assert user_for_token(store, used) is not None  # stamps its last use
    admin.post(
        f"/admin/users/officer/tokens/{revoked.split('_')[1]}/revoke",
        data={"csrf_token": _csrf(admin)},
    )
    page = admin.get("/admin/users/officer").text
    table = page.split('id="token-list"')[1].split("</table>")[0]
    rows = table.split("<tr>")[2:]
    assert len(rows) == 2
    used_row = next(r for r in rows if used.split("_")[1] in r)
    revoked_row = next(r for r in rows if revoked.split("_")[1] in r)
    assert "live" in used_row
    assert "never" not in used_row
    assert "revoked " in revoked_row
    assert "Revoke</button>" not in revoked_row
    assert "Revoke</button>" in used_row


def test_revoke_stops_the_token_and_is_audited(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    token = _issue(admin)
    token_id = token.split("_")[1]
    done = admin.post(
        f"/admin/users/officer/tokens/{token_id}/revoke",
        data={"csrf_token": _csrf(admin)},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert done.headers["location"] == "/admin/users/officer"
    assert (
        f"Token {token_id} of officer revoked" in admin.get("/admin/users/officer").text
    )
    assert user_for_token(store, token) is None
    assert ("admin", "API token of officer revoked") in _changes(store).filter(
        pl.col("object") == f"token:{token_id}"
    ).select("user_name", "reason").rows()


def test_a_token_revoked_from_another_accounts_page_is_refused(
    accounts: tuple[TestClient, Store],
) -> None:
    """The id of the analyst's token posted from the officer's page: the route
    revoked any token by its id, whoever's account the page was."""
    admin, store = accounts
    theirs = issue_token(store, "analyst")
    token_id = theirs.split("_")[1]
    refused = admin.post(
        f"/admin/users/officer/tokens/{token_id}/revoke",
        data={"csrf_token": _csrf(admin)},
    )
    assert refused.status_code == 404
    assert "no such token: nothing was revoked" in refused.text
    assert user_for_token(store, theirs) is not None
    assert _changes(store).filter(pl.col("object") == f"token:{token_id}").height == 1
    # nor an id that names nothing, and the answer is the same
    nothing = admin.post(
        "/admin/users/officer/tokens/000000000000/revoke",
        data={"csrf_token": _csrf(admin)},
    )
    assert nothing.status_code == 404
    assert "no such token: nothing was revoked" in nothing.text


def test_a_second_admins_stale_revoke_keeps_the_first(
    accounts: tuple[TestClient, Store],
) -> None:
    """Two administrators with the page open: the second one's revoke of a token
    revoked already moved its revoked time and wrote a second audit row."""
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")
    admin2 = signed_in(admin.app, "admin2")
    token_id = issue_token(store, "officer").split("_")[1]
    stale = _csrf(admin2)  # admin2's page, opened while the token was live
    admin.post(
        f"/admin/users/officer/tokens/{token_id}/revoke",
        data={"csrf_token": _csrf(admin)},
    )
    first = list_tokens(store, "officer")["revoked_at"][0]
    again = admin2.post(
        f"/admin/users/officer/tokens/{token_id}/revoke", data={"csrf_token": stale}
    )
    assert again.status_code == 200
    assert "was revoked already" in again.text
    assert list_tokens(store, "officer")["revoked_at"][0] == first
    revokes = _changes(store).filter(
        (pl.col("object") == f"token:{token_id}")
        & pl.col("reason").str.contains("revoked")
    )
    assert revokes["user_name"].to_list() == ["admin"]


def test_a_disabled_account_shows_its_tokens_stopped_and_gets_none(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")
    admin2 = signed_in(admin.app, "admin2")
    token = issue_token(store, "officer")
    stale = _issue_form(admin2)  # opened while officer was enabled
    set_disabled(store, "officer", disabled=True, by="admin")
    assert user_for_token(store, token) is None
    page = admin.get("/admin/users/officer").text
    assert 'id="tokens-stopped"' in page
    assert "stopped</b>: the account is disabled" in page
    assert 'id="issue-token"' not in page
    refused = admin2.post("/admin/users/officer/tokens", data=stale)
    assert refused.status_code == 400
    assert "is disabled: its API tokens do not work" in refused.text
    assert TOKEN.search(refused.text) is None
    assert list_tokens(store, "officer").height == 1


def test_an_admin_demoted_at_another_worker_cannot_issue_or_revoke(
    accounts: tuple[TestClient, Store],
) -> None:
    """A worker knows an account's role up to 5 s late: an administrator just
    demoted elsewhere still passed as one there, and issued tokens."""
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")
    second_worker = create_app(admin.app.state.avert.settings, store)
    admin2 = signed_in(second_worker, "admin2")
    token_id = issue_token(store, "officer").split("_")[1]
    stale = _issue_form(admin2)  # cached there as admin
    set_role(store, "admin2", "analyst", by="admin")
    for path in (
        "/admin/users/officer/tokens",
        f"/admin/users/officer/tokens/{token_id}/revoke",
    ):
        refused = admin2.post(path, data=stale)
        assert refused.status_code == 403, path
        assert "no longer an enabled administrator" in refused.text
    tokens = list_tokens(store, "officer")
    assert tokens.height == 1
    assert tokens["revoked_at"].null_count() == 1


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_every_role_but_admin_is_refused(
    accounts: tuple[TestClient, Store], role: str
) -> None:
    admin, store = accounts
    token_id = issue_token(store, "officer").split("_")[1]
    client = signed_in(admin.app, role)
    csrf = csrf_of(client.get("/today").text)
    for path in (
        f"/admin/users/{role}/tokens",
        "/admin/users/officer/tokens",
        f"/admin/users/officer/tokens/{token_id}/revoke",
    ):
        refused = client.post(path, data={"csrf_token": csrf})
        assert refused.status_code == 403, (role, path)
        assert TOKEN.search(refused.text) is None
    tokens = list_tokens(store)
    assert tokens.height == 1
    assert tokens["revoked_at"].null_count() == 1


@pytest.mark.parametrize("path", ["tokens", "tokens/{id}/revoke"])
def test_without_the_csrf_token_nothing_changes(
    accounts: tuple[TestClient, Store], path: str
) -> None:
    admin, store = accounts
    token_id = issue_token(store, "officer").split("_")[1]
    url = "/admin/users/officer/" + path.replace("{id}", token_id)
    for sent in ({}, {"csrf_token": "forged"}):
        refused = admin.post(url, data=sent)
        assert refused.status_code == 403
        assert TOKEN.search(refused.text) is None
    tokens = list_tokens(store)
    assert (tokens.height, tokens["revoked_at"].null_count()) == (1, 1)


def test_a_token_cannot_issue_another(accounts: tuple[TestClient, Store]) -> None:
    """An administrator's bearer token (no CSRF check) posting to the issue form:
    a stolen token minted fresh ones that outlived its revocation."""
    admin, store = accounts
    token = issue_token(store, "admin")
    api = TestClient(admin.app)
    refused = api.post(
        "/admin/users/admin/tokens", headers={"Authorization": f"Bearer {token}"}
    )
    assert refused.status_code == 403
    assert "from a signed-in session" in refused.text
    assert list_tokens(store, "admin").height == 1


def test_a_token_cannot_change_accounts_to_mint_one_either(
    accounts: tuple[TestClient, Store],
) -> None:
    """The issue form refused a bearer token, but the other forms took it: a
    stolen administrator's token added an administrator with a password of the
    thief's choosing (or reset one's password), whose session then issued tokens
    that outlived the stolen one's revocation."""
    admin, store = accounts
    token = issue_token(store, "admin")
    api = TestClient(admin.app)
    bearer = {"Authorization": f"Bearer {token}"}
    new_password = "a thief's long passphrase"
    forms = {
        "/admin/users": {
            "username": "mallory",
            "role": "admin",
            "password": new_password,
            "password_again": new_password,
        },
        "/admin/users/officer/password": {
            "password": new_password,
            "password_again": new_password,
        },
        "/admin/users/officer/role": {"role": "admin"},
        "/admin/users/officer/disabled": {"disabled": "true"},
        "/admin/users/officer/unlock": {},
    }
    hashes = store.read_frame("users").sort("username")
    for path, form in forms.items():
        refused = api.post(path, data=form, headers=bearer, follow_redirects=False)
        assert refused.status_code == 403, (path, refused.status_code)
        assert "from a signed-in session" in refused.text
    assert store.read_frame("users").sort("username").equals(hashes)
    # reading the accounts with a token is unchanged
    assert api.get("/admin/users", headers=bearer).status_code == 200


def test_reloading_the_answer_issues_no_second_token(
    accounts: tuple[TestClient, Store],
) -> None:
    """Reloading the answer that showed a new token re-posts its form: each
    reload issued another live token."""
    admin, store = accounts
    form = _issue_form(admin)
    first = admin.post("/admin/users/officer/tokens", data=form)
    assert first.status_code == 200
    assert TOKEN.search(first.text)
    again = admin.post("/admin/users/officer/tokens", data=form)  # the reload
    assert again.status_code == 409
    assert TOKEN.search(again.text) is None
    assert "A token was already issued from this form" in again.text
    assert "revoke it below" in again.text
    assert list_tokens(store, "officer").height == 1
    # the form on that answer (or the page opened again) issues a new one
    assert TOKEN.search(
        admin.post("/admin/users/officer/tokens", data=_issue_form(admin)).text
    )
    assert list_tokens(store, "officer").height == 2


def test_a_double_post_with_the_cookie_of_before_issues_one_token(
    accounts: tuple[TestClient, Store],
) -> None:
    """Two posts of one form at once (a double click) both carry the session as
    it was before either answer: the worker remembers the nonce too."""
    admin, store = accounts
    form = _issue_form(admin)
    before = admin.cookies.get("avert_session")
    assert before
    assert admin.post("/admin/users/officer/tokens", data=form).status_code == 200
    admin.cookies.set("avert_session", before)
    again = admin.post("/admin/users/officer/tokens", data=form)
    assert again.status_code == 409
    assert TOKEN.search(again.text) is None
    assert list_tokens(store, "officer").height == 1


def test_an_issue_nonce_is_good_for_its_session_and_account_only(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")
    admin2 = signed_in(admin.app, "admin2")
    theirs = _issue_form(admin2)
    other_account = _issue_form(admin, "analyst")
    for sent in (
        {},  # no nonce
        {"issue_nonce": "forged.0123"},
        {"issue_nonce": theirs["issue_nonce"]},  # another session's
        {"issue_nonce": other_account["issue_nonce"]},  # another account's
    ):
        refused = admin.post(
            "/admin/users/officer/tokens", data={"csrf_token": _csrf(admin), **sent}
        )
        assert refused.status_code == 400, sent
        assert "out of date" in refused.text
        assert TOKEN.search(refused.text) is None
    assert list_tokens(store).height == 0


def test_a_form_refused_for_a_disabled_account_issues_once_enabled(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    form = _issue_form(admin)
    set_disabled(store, "officer", disabled=True, by="admin")
    assert admin.post("/admin/users/officer/tokens", data=form).status_code == 400
    set_disabled(store, "officer", disabled=False, by="admin")
    answer = admin.post("/admin/users/officer/tokens", data=form)
    assert answer.status_code == 200
    assert TOKEN.search(answer.text)


@pytest.fixture
def two_workers(any_store: Store) -> tuple[TestClient, TestClient, Store]:
    """Two server processes' apps over one store (SQLite and PostgreSQL), each
    with a client of one ``admin`` session (the same cookie)."""
    for role in ROLES:
        org = {"org": "council"} if role == "partner" else {}
        add_user(any_store, role, password=PASSWORD, role=role, **org)
    settings = load_settings({}).with_overrides(
        database_url=any_store.url.sqlalchemy,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    first = signed_in(create_app(settings, any_store), "admin")
    second = TestClient(create_app(settings, any_store))
    second.cookies.set("avert_session", first.cookies["avert_session"])
    return first, second, any_store


def test_a_double_click_at_two_workers_issues_one_token(
    two_workers: tuple[TestClient, TestClient, Store],
) -> None:
    """Two posts of one form at once, taken by two server processes (``avert serve
    --workers 2``), each with the session cookie of before: each process knew only
    its own nonces, and both issued a live token."""
    first, second, store = two_workers
    form = _issue_form(first)
    start = threading.Barrier(2)
    answers: dict[str, int] = {}

    def post(name: str, client: TestClient) -> None:
        start.wait()
        answer = client.post("/admin/users/officer/tokens", data=form)
        answers[name] = answer.status_code
        assert (TOKEN.search(answer.text) is not None) == (answer.status_code == 200)

    threads = [
        threading.Thread(target=post, args=(name, client))
        for name, client in (("first", first), ("second", second))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers.values()) == [200, 409]
    assert list_tokens(store, "officer").height == 1
    # one after the other too, either order: the second worker refuses the first's
    for later in (first, second):
        again = later.post("/admin/users/officer/tokens", data=form)
        assert again.status_code == 409
        assert "A token was already issued from this form" in again.text
    assert list_tokens(store, "officer").height == 1
    issued = _changes(store).filter(pl.col("reason") == "API token issued to officer")
    assert issued.height == 1


def test_a_form_refused_at_one_worker_issues_at_the_other(
    two_workers: tuple[TestClient, TestClient, Store],
) -> None:
    """A form refused (the account disabled meanwhile) issued nothing: it stays
    good, at another worker too, once the account is enabled; then it is spent."""
    first, second, store = two_workers
    form = _issue_form(first)
    set_disabled(store, "officer", disabled=True, by="admin")
    assert first.post("/admin/users/officer/tokens", data=form).status_code == 400
    set_disabled(store, "officer", disabled=False, by="admin")
    answer = second.post("/admin/users/officer/tokens", data=form)
    assert answer.status_code == 200
    assert TOKEN.search(answer.text)
    assert first.post("/admin/users/officer/tokens", data=form).status_code == 409
    assert list_tokens(store, "officer").height == 1


def test_the_form_issues_for_the_days_asked_and_says_until_when(
    accounts: tuple[TestClient, Store],
) -> None:
    """The issue form's ``days`` (default the token_days setting, 90) sets the
    token's lifetime; the answer says until when; the list shows the expiry."""
    admin, store = accounts
    page = admin.get("/admin/users/officer").text
    assert 'name="days" min="1" max="365" step="1" value="90"' in page
    answer = admin.post(
        "/admin/users/officer/tokens", data={**_issue_form(admin), "days": "7"}
    )
    assert answer.status_code == 200
    row = list_tokens(store, "officer").row(0, named=True)
    assert row["expires_at"] - row["created_at"] == dt.timedelta(days=7)
    expires = f"{row['expires_at']:%d %b %Y %H:%M}"
    assert f"It works until {expires}" in answer.text
    table = admin.get("/admin/users/officer").text.split('id="token-list"')[1]
    assert f'data-label="Expires">{expires}<' in table


@pytest.mark.parametrize("days", ["0", "-2", "366", "ninety", "1e3", "99999999999"])
def test_the_form_refuses_a_lifetime_out_of_bounds(
    accounts: tuple[TestClient, Store], days: str
) -> None:
    admin, store = accounts
    answer = admin.post(
        "/admin/users/officer/tokens", data={**_issue_form(admin), "days": days}
    )
    assert answer.status_code == 400
    assert "lifetime" in answer.text
    assert "365" in answer.text
    assert TOKEN.search(answer.text) is None
    assert list_tokens(store).height == 0


def test_an_expired_token_is_listed_expired_without_a_revoke(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    token = _issue(admin)
    with store.transaction() as tx:
        tx._execute(
            'UPDATE "api_tokens" SET "expires_at" = "created_at" WHERE "token_id" = ?',
            [token.split("_")[1]],
        )
    assert user_for_token(store, token) is None
    table = admin.get("/admin/users/officer").text.split('id="token-list"')[1]
    row = table.split("</table>")[0].split("<tr>")[2]
    assert "<b>expired</b>" in row
    assert "Revoke</button>" not in row


def test_refusals_not_yet_in_the_audit_log_are_counted_on_the_page(
    accounts: tuple[TestClient, Store],
) -> None:
    """The audit log takes a refused token's use once a minute; the uses refused
    since its last row are shown on the account's page (as ``avert users tokens``
    does), not lost from the administrator's sight until the next row."""
    admin, store = accounts
    token = _issue(admin)
    with store.transaction() as tx:
        tx._execute(
            'UPDATE "api_tokens" SET "expires_at" = "created_at" WHERE "token_id" = ?',
            [token.split("_")[1]],
        )
    for _ in range(3):  # the first is audited, the next two are counted
        assert user_for_token(store, token) is None
    table = admin.get("/admin/users/officer").text.split('id="token-list"')[1]
    row = table.split("</table>")[0].split("<tr>")[2]
    cell = row.split('data-label="Refused, not yet audited">')[1].split("</td>")[0]
    assert cell == "2"
