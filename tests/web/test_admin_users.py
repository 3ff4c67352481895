"""``/admin/users``: accounts managed in the web app, admin only, through the
workflow the CLI uses (its rules, its audit rows); refused forms come back as typed
without the password."""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.config.settings import load_settings
from avert.errors import ConfigError, PermissionDenied
from avert.policy import ROLES
from avert.store import Store
from avert.web import create_app
from avert.workflows import users as users_workflow
from avert.workflows.users import (
    add_user,
    authenticate,
    list_users,
    set_disabled,
    set_role,
)
from web.helpers import PASSWORD, SECRET, csrf_of, migrated_store, signed_in

NEW_PASSWORD = "a new long passphrase 42"


@pytest.fixture
def accounts(tmp_path: Path, template_db: Path) -> Iterator[tuple[TestClient, Store]]:
    """A store of accounts only (one per role, the partner of the council), its
    app, and a client signed in as ``admin``."""
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


def _token(client: TestClient, path: str = "/admin/users") -> str:
    return csrf_of(client.get(path).text)


def _changes(store: Store, obj: str) -> pl.DataFrame:
    log = store.read_frame("audit", order_by=["seq"])
    return log.filter((pl.col("action") == "change") & (pl.col("object") == obj))


def _account(store: Store, username: str) -> dict[str, object]:
    rows = list_users(store).filter(pl.col("username") == username)
    return rows.row(0, named=True)


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_every_role_but_admin_is_refused(
    accounts: tuple[TestClient, Store], role: str
) -> None:
    admin, store = accounts
    client = signed_in(admin.app, role)
    assert client.get("/admin/users").status_code == 403
    assert client.get("/admin/users/officer").status_code == 403
    token = csrf_of(client.get("/today").text)
    for path, data in (
        ("/admin/users", {"username": "x1", "role": "admin", "password": "p" * 14}),
        ("/admin/users/officer/disabled", {"disabled": "true"}),
        ("/admin/users/officer/role", {"role": "admin"}),
        ("/admin/users/officer/unlock", {}),
        ("/admin/users/officer/password", {"password": "p" * 14}),
    ):
        refused = client.post(path, data={**data, "csrf_token": token})
        assert refused.status_code == 403, (role, path)
    assert _account(store, "officer")["role"] == "officer"
    assert not _account(store, "officer")["disabled"]
    assert "x1" not in list_users(store)["username"].to_list()
    assert 'href="/admin/users"' not in client.get("/today").text  # not in the nav


def test_the_admin_sees_every_account_and_the_nav_link(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, _ = accounts
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert 'href="/admin/users"' in page.text
    for role in ROLES:
        assert f'href="/admin/users/{role}"' in page.text
    assert "council" in page.text
    # the admin signed in (audited): the list says when; the others never did
    assert page.text.count("never") == len(ROLES) - 1


def test_add_an_account_audited_under_the_admin(
    accounts: tuple[TestClient, Store], caplog: pytest.LogCaptureFixture
) -> None:
    admin, store = accounts
    caplog.set_level(logging.DEBUG)
    added = admin.post(
        "/admin/users",
        data={
            "csrf_token": _token(admin),
            "username": "ana.lyst",
            "role": "analyst",
            "org": "",
            "area": "",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == "/admin/users/ana.lyst"
    page = admin.get(added.headers["location"])
    assert "Account ana.lyst added (analyst)." in page.text
    assert NEW_PASSWORD not in page.text
    assert NEW_PASSWORD not in caplog.text
    rows = _changes(store, "user:ana.lyst")
    assert rows.select("user_name", "role", "reason").rows() == [
        ("admin", "admin", "account created with role analyst")
    ]
    assert NEW_PASSWORD not in str(store.read_frame("audit").to_dicts())
    authenticate(store, "ana.lyst", NEW_PASSWORD, settings=load_settings({}))


def test_a_refused_add_comes_back_as_typed_without_the_password(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    refused = admin.post(
        "/admin/users",
        data={
            "csrf_token": _token(admin),
            "username": "short-one",
            "role": "chair",
            "org": "north unit",
            "area": "AREA-N",
            "password": "too short",
            "password_again": "too short",
        },
    )
    assert refused.status_code == 400
    assert "at least 12 characters" in refused.text
    assert 'value="short-one"' in refused.text
    assert 'value="north unit"' in refused.text
    assert 'value="AREA-N"' in refused.text
    assert '<option value="chair" selected>' in refused.text
    assert "too short" not in refused.text
    assert "short-one" not in list_users(store)["username"].to_list()


def test_a_partner_needs_an_organisation(accounts: tuple[TestClient, Store]) -> None:
    admin, store = accounts
    refused = admin.post(
        "/admin/users",
        data={
            "csrf_token": _token(admin),
            "username": "cllr",
            "role": "partner",
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert refused.status_code == 400
    assert "partner account needs an organisation" in refused.text
    assert "cllr" not in list_users(store)["username"].to_list()
    # nor may an account without one become a partner
    token = _token(admin, "/admin/users/analyst")
    changed = admin.post(
        "/admin/users/analyst/role", data={"csrf_token": token, "role": "partner"}
    )
    assert changed.status_code == 400
    assert _account(store, "analyst")["role"] == "analyst"


def test_two_passwords_that_differ_are_refused(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    refused = admin.post(
        "/admin/users/chair/password",
        data={
            "csrf_token": _token(admin, "/admin/users/chair"),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD + "x",
        },
    )
    assert refused.status_code == 400
    assert 'id="password-error"' in refused.text
    assert "passwords differ" in refused.text
    assert NEW_PASSWORD not in refused.text
    assert _changes(store, "user:chair").height == 1  # its creation only


def test_disable_and_enable(accounts: tuple[TestClient, Store]) -> None:
    admin, store = accounts
    chair = signed_in(admin.app, "chair")
    token = _token(admin, "/admin/users/chair")
    done = admin.post(
        "/admin/users/chair/disabled", data={"csrf_token": token, "disabled": "true"}
    )
    assert done.status_code == 200
    assert "Account chair disabled" in done.text
    assert _account(store, "chair")["disabled"] is True
    # signed out at once in this process, not after the account cache's 5 s
    assert chair.get("/today", follow_redirects=False).status_code == 303
    done = admin.post(
        "/admin/users/chair/disabled", data={"csrf_token": token, "disabled": "false"}
    )
    assert "Account chair enabled" in done.text
    assert _account(store, "chair")["disabled"] is False
    assert _changes(store, "user:chair").select("user_name", "reason").rows()[1:] == [
        ("admin", "account disabled"),
        ("admin", "account enabled"),
    ]


def test_an_account_linked_in_another_unicode_form_is_the_account(
    accounts: tuple[TestClient, Store],
) -> None:
    """A link to "siôn" written decomposed ("sio" + U+0302 + "n", as some
    keyboards and pages send it) showed no account (404), while a form posted
    to it disabled the account: its answer was that 404, and the account,
    cached under its own name, stayed signed in. GET and POST now find the
    same account."""
    admin, store = accounts
    add_user(store, "si\u00f4n", password=PASSWORD, role="chair")
    sion = signed_in(admin.app, "si\u00f4n")
    assert sion.get("/today").status_code == 200
    url = "/admin/users/sio%CC%82n"
    page = admin.get(url)
    assert page.status_code == 200
    done = admin.post(
        f"{url}/disabled", data={"csrf_token": csrf_of(page.text), "disabled": "true"}
    )
    assert done.status_code == 200
    assert "Account si\u00f4n disabled" in done.text
    assert _account(store, "si\u00f4n")["disabled"] is True
    assert sion.get("/today", follow_redirects=False).status_code == 303


def test_an_admin_cannot_disable_themselves(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")  # not the last
    refused = admin.post(
        "/admin/users/admin/disabled",
        data={"csrf_token": _token(admin, "/admin/users/admin"), "disabled": "true"},
    )
    assert refused.status_code == 400
    assert 'id="disabled-error"' in refused.text
    assert "cannot disable your own account" in refused.text
    assert _account(store, "admin")["disabled"] is False
    assert admin.get("/admin/users").status_code == 200  # still signed in


def test_the_last_enabled_admin_keeps_the_role(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")
    token = _token(admin, "/admin/users/admin2")
    assert (
        admin.post(
            "/admin/users/admin2/role", data={"csrf_token": token, "role": "analyst"}
        ).status_code
        == 200
    )
    admin.post("/admin/users/admin2/role", data={"csrf_token": token, "role": "admin"})
    # admin2 disabled: admin is the last enabled administrator
    admin.post(
        "/admin/users/admin2/disabled", data={"csrf_token": token, "disabled": "true"}
    )
    assert _account(store, "admin2")["disabled"] is True
    # the CLI (no signed-in user) is refused alike
    with pytest.raises(ConfigError, match="last enabled administrator"):
        set_role(store, "admin", "analyst")
    with pytest.raises(ConfigError, match="last enabled administrator"):
        set_disabled(store, "admin", disabled=True)
    assert _account(store, "admin")["role"] == "admin"


def test_change_role_refused_comes_back_as_chosen(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    token = _token(admin, "/admin/users/board")
    done = admin.post(
        "/admin/users/board/role", data={"csrf_token": token, "role": "chair"}
    )
    assert "Account board now has the role chair." in done.text
    assert _account(store, "board")["role"] == "chair"
    assert ("admin", "role board -> chair") in _changes(store, "user:board").select(
        "user_name", "reason"
    ).rows()
    refused = admin.post(
        "/admin/users/board/role", data={"csrf_token": token, "role": "king"}
    )
    assert refused.status_code == 400
    assert 'id="role-error"' in refused.text
    assert "Unknown role" in refused.text


def test_unlock_and_reset_password(accounts: tuple[TestClient, Store]) -> None:
    admin, store = accounts
    settings = load_settings({})
    for _ in range(int(settings.login_max_failures)):
        with pytest.raises(PermissionError):
            authenticate(store, "officer", "wrong password!", settings=settings)
    page = admin.get("/admin/users/officer")
    assert "locked until" in page.text
    done = admin.post(
        "/admin/users/officer/unlock", data={"csrf_token": csrf_of(page.text)}
    )
    assert "Account officer unlocked (a lockout until" in done.text
    assert _account(store, "officer")["lockout"] is None
    done = admin.post(
        "/admin/users/officer/password",
        data={
            "csrf_token": csrf_of(page.text),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert "Password of officer reset" in done.text
    assert NEW_PASSWORD not in done.text
    authenticate(store, "officer", NEW_PASSWORD, settings=settings)
    reasons = _changes(store, "user:officer").select("user_name", "reason").rows()
    assert reasons[-1] == ("admin", "password reset")
    assert reasons[-2][0] == "admin"
    assert reasons[-2][1].startswith("a lockout until")


def test_an_admin_resetting_their_own_password_stays_signed_in(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, _ = accounts
    done = admin.post(
        "/admin/users/admin/password",
        data={
            "csrf_token": _token(admin, "/admin/users/admin"),
            "password": NEW_PASSWORD,
            "password_again": NEW_PASSWORD,
        },
    )
    assert done.status_code == 200
    assert "your other sessions are signed out" in done.text
    assert admin.get("/admin/users").status_code == 200


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/admin/users", {"username": "x2", "role": "analyst"}),
        ("/admin/users/chair/disabled", {"disabled": "true"}),
        ("/admin/users/chair/role", {"role": "analyst"}),
        ("/admin/users/chair/unlock", {}),
        ("/admin/users/chair/password", {}),
    ],
)
def test_a_form_without_its_csrf_token_is_refused(
    accounts: tuple[TestClient, Store], path: str, data: dict[str, str]
) -> None:
    admin, store = accounts
    extra = (
        {"password": NEW_PASSWORD, "password_again": NEW_PASSWORD}
        if path.endswith(("users", "password"))
        else {}
    )
    seen = store.read_frame("audit").height
    for token in ({}, {"csrf_token": "forged"}):
        refused = admin.post(path, data={**data, **extra, **token})
        assert refused.status_code == 403
        assert "security token" in refused.text
    changes = store.read_frame("audit").slice(seen)
    assert "change" not in changes["action"].to_list()
    chair = _account(store, "chair")
    assert (chair["role"], chair["disabled"]) == ("chair", False)


def test_an_unknown_account_is_not_found(accounts: tuple[TestClient, Store]) -> None:
    admin, _ = accounts
    page = admin.get("/admin/users/nobody-here")
    assert page.status_code == 404
    assert "nobody-here" not in page.text.split("<main")[1]


def test_an_admin_cannot_change_their_own_role(
    accounts: tuple[TestClient, Store],
) -> None:
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")  # not the last
    refused = admin.post(
        "/admin/users/admin/role",
        data={"csrf_token": _token(admin, "/admin/users/admin"), "role": "board"},
    )
    assert refused.status_code == 400
    assert "cannot change the role of your own account" in refused.text
    assert '<option value="board" selected>' in refused.text  # as chosen
    assert _account(store, "admin")["role"] == "admin"


def _enabled_admins(store: Store) -> list[str]:
    rows = list_users(store).filter((pl.col("role") == "admin") & ~pl.col("disabled"))
    return rows["username"].to_list()


@pytest.mark.parametrize(
    "change",
    [
        lambda store, name, by: set_disabled(store, name, disabled=True, by=by),
        lambda store, name, by: set_role(store, name, "analyst", by=by),
    ],
    ids=["disable", "demote"],
)
@pytest.mark.parametrize("web", [True, False], ids=["web", "command-line"])
def test_two_admins_removing_each_other_at_once_keep_one(
    any_store: Store,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[Store, str, str | None], None],
    web: bool,
) -> None:
    """Two administrators (two web workers, or two ``avert users`` commands)
    disabling or demoting each other at the same moment: each checked that another
    enabled administrator was left before either wrote, and both were disabled:
    nobody could manage accounts. In the web app the second is refused as no
    longer an administrator; on the command line, as the last one.

    Every check here is held until the other one has checked too (or for 1 s, when
    the other waits for the store): the worst interleaving, every time."""
    store = any_store
    add_user(store, "ann", password=PASSWORD, role="admin")
    add_user(store, "bob", password=PASSWORD, role="admin")
    both_checked = threading.Barrier(2)
    check = users_workflow._check_keeps_an_admin

    def check_then_wait(*args: object, **kwargs: object) -> None:
        check(*args, **kwargs)  # type: ignore[arg-type]
        with contextlib.suppress(threading.BrokenBarrierError):
            both_checked.wait(timeout=1.0)

    monkeypatch.setattr(users_workflow, "_check_keeps_an_admin", check_then_wait)
    refused: list[str] = []

    def remove(name: str, by: str | None) -> None:
        try:
            change(store, name, by)
        except (ConfigError, PermissionDenied) as err:
            refused.append(str(err))

    threads = [
        threading.Thread(target=remove, args=("bob", "ann" if web else None)),
        threading.Thread(target=remove, args=("ann", "bob" if web else None)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(_enabled_admins(store)) == 1
    assert len(refused) == 1
    why = "no longer an enabled administrator" if web else "last enabled administrator"
    assert why in refused[0]


def test_a_change_made_meanwhile_is_not_undone(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An account was changed by writing back the whole row read a moment before: a
    role change (or the user's own sign-out) read before another administrator's
    "disable" and written after it enabled the account again."""
    store = any_store
    add_user(store, "ann", password=PASSWORD, role="admin")
    add_user(store, "carl", password=PASSWORD, role="officer")
    now = users_workflow._now
    meanwhile: list[bool] = []

    def disable_meanwhile(store_: Store) -> object:
        if not meanwhile:  # once, while the role change is under way
            meanwhile.append(True)
            set_disabled(store, "carl", disabled=True, by="ann")
        return now(store_)

    monkeypatch.setattr(users_workflow, "_now", disable_meanwhile)
    set_role(store, "carl", "analyst", by="ann")
    assert meanwhile
    carl = _account(store, "carl")
    assert (carl["role"], carl["disabled"]) == ("analyst", True)


def test_two_accounts_added_at_once_under_one_name_keep_the_first(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two administrators adding the same name at once: both found it free, and the
    second add replaced the first account (its role and password) without a word
    (on PostgreSQL, or failed on the primary key). The second is refused."""
    store = any_store
    add_user(store, "zed", password=PASSWORD, role="officer")
    # the second add checked the name before the first was written
    monkeypatch.setattr(users_workflow, "read_user", lambda _store, _name: None)
    with pytest.raises(ConfigError, match="exists already"):
        add_user(store, "zed", password=NEW_PASSWORD, role="admin")
    assert _account(store, "zed")["role"] == "officer"
    monkeypatch.undo()
    authenticate(store, "zed", PASSWORD, settings=load_settings({}))


@pytest.mark.parametrize(
    ("removed", "path", "data"),
    [
        ("demote", "/admin/users/admin2/role", {"role": "admin"}),
        ("disable", "/admin/users/admin2/disabled", {"disabled": "false"}),
        ("demote", "/admin/users/admin/disabled", {"disabled": "true"}),
    ],
    ids=["promotes-back", "enables-back", "disables-the-other"],
)
def test_an_admin_removed_at_another_worker_cannot_act_meanwhile(
    accounts: tuple[TestClient, Store], removed: str, path: str, data: dict[str, str]
) -> None:
    """A worker knows an account's role and state up to 5 s late (its account
    cache): an administrator just demoted or disabled at another worker still
    passed as one there, and made themselves admin again, enabled themselves, or
    disabled the administrator who had removed them. A change is made only by an
    account the store holds as an enabled administrator at that moment."""
    admin, store = accounts
    add_user(store, "admin2", password=PASSWORD, role="admin")
    add_user(store, "admin3", password=PASSWORD, role="admin")  # none is the last
    second_worker = create_app(admin.app.state.avert.settings, store)
    admin2 = signed_in(second_worker, "admin2")
    token = _token(admin2, "/admin/users/admin2")  # admin2 cached there as admin
    change = (
        {"path": "/admin/users/admin2/role", "data": {"role": "analyst"}}
        if removed == "demote"
        else {"path": "/admin/users/admin2/disabled", "data": {"disabled": "true"}}
    )
    done = admin.post(
        change["path"],
        data={"csrf_token": _token(admin, "/admin/users/admin2"), **change["data"]},
    )
    assert done.status_code == 200
    before = list_users(store).select("username", "role", "disabled").rows()
    refused = admin2.post(path, data={"csrf_token": token, **data})
    assert refused.status_code == 403
    assert "no longer an enabled administrator" in refused.text
    assert list_users(store).select("username", "role", "disabled").rows() == before


def test_an_area_no_incident_names_is_refused_with_the_known_ones(
    accounts: tuple[TestClient, Store],
) -> None:
    """The add form's area "Leds" (a typo) made an account that saw nothing; now
    the form comes back (400) naming the known areas, nothing made; "leeds"
    (any case) is taken."""
    admin, store = accounts
    with store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["i1", "i2"],
                    "source": ["test", "test"],
                    "borough": ["Leeds", "Bradford"],
                }
            ),
        )
    form = {
        "username": "ana.lyst",
        "role": "officer",
        "org": "",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    refused = admin.post(
        "/admin/users",
        data={**form, "csrf_token": _token(admin), "area": "Leds"},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert "No area &#39;Leds&#39; in the store" in refused.text
    assert "Bradford; Leeds" in refused.text
    assert "ana.lyst" not in list_users(store)["username"].to_list()
    added = admin.post(
        "/admin/users",
        data={**form, "csrf_token": _token(admin), "area": "leeds"},
        follow_redirects=False,
    )
    assert added.status_code == 303


def test_an_organisation_in_a_second_spelling_is_refused_and_an_old_one_warned_of(
    accounts: tuple[TestClient, Store],
) -> None:
    """The form's organisation goes through the CLI's rule: "COUNCIL " beside the
    accounts of "council" is refused, naming the spelling to use; a store whose
    accounts hold two spellings (made before) is warned of on the page."""
    from avert.store.users import put_user, read_user

    admin, store = accounts
    typed = {
        "username": "cllr",
        "role": "partner",
        "org": "COUNCIL ",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
    }
    refused = admin.post("/admin/users", data={"csrf_token": _token(admin), **typed})
    assert refused.status_code == 400
    assert "exists as &#39;council&#39;: use that spelling" in refused.text
    assert "cllr" not in list_users(store)["username"].to_list()
    assert 'id="org-spellings"' not in refused.text
    partner = read_user(store, "partner")
    assert partner is not None
    put_user(store, {**partner, "username": "cllr", "org": "Council"})  # as before
    page = admin.get("/admin/users").text
    assert "more than one spelling: &#39;Council&#39; / &#39;council&#39;" in page
