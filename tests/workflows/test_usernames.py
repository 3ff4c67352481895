"""Account names: Latin letters with accents (Welsh, Polish), one normal form (NFC)
at creation and sign-in, no other alphabets and no look-alikes of an account."""

from __future__ import annotations

import datetime as dt
import unicodedata
from pathlib import Path

import pytest

from avert.config.settings import load_settings
from avert.errors import ConfigError, NotFound, PermissionDenied
from avert.store import Store
from avert.workflows.users import (
    add_user,
    authenticate,
    issue_token,
    list_tokens,
    list_users,
    revoke_token,
    user_for_token,
    username_skeleton,
)

PASSWORD = "a long enough passphrase"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    made = Store(f"sqlite:///{tmp_path / 'names.db'}")
    made.upgrade()
    return made


@pytest.mark.parametrize(
    "name", ["siôn", "łukasz", "Siân.Ŵyn", "żaneta-wójcik", "dafydd.ap.gwŷn", "ștefan"]
)
def test_welsh_and_polish_names_are_accepted_and_sign_in(
    store: Store, name: str
) -> None:
    add_user(store, name, password=PASSWORD, role="officer")
    user = authenticate(store, name, PASSWORD, settings=load_settings({}))
    assert user.username == name


def test_a_name_is_kept_and_matched_in_nfc(store: Store) -> None:
    """ "siôn" typed as "o" and a combining circumflex (NFD) was another account
    than "siôn" typed precomposed: the one could not sign in as the other."""
    decomposed = unicodedata.normalize("NFD", "siôn")
    assert decomposed != "siôn"
    add_user(store, decomposed, password=PASSWORD, role="officer")
    assert list_users(store)["username"].to_list() == ["siôn"]  # kept in NFC
    settings = load_settings({})
    assert authenticate(store, "siôn", PASSWORD, settings=settings).username == "siôn"
    assert authenticate(store, decomposed, PASSWORD, settings=settings).username == (
        "siôn"
    )


@pytest.mark.parametrize(
    "name",
    [
        "\u0430dmin",  # Cyrillic а
        "\u03bffficer",  # Greek ο
        "adm\u0456n",  # Cyrillic і
        "ɑdmin",  # Latin alpha (IPA): passes for "a"
        "ﬁona",  # the ligature "fi"
        "ａdmin",  # fullwidth a
        "bob²",  # superscript two
        "bob٣",  # Arabic-Indic three
        "bob smith",
        "bob_smith",
        "",
    ],
)
def test_other_alphabets_and_compatibility_forms_are_refused(
    store: Store, name: str
) -> None:
    with pytest.raises(ConfigError, match="A username"):
        add_user(store, name, password=PASSWORD, role="officer")
    assert list_users(store).height == 0


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ("admin", "Admin"),
        ("sion", "siôn"),
        ("łukasz", "lukasz"),
        ("olga", "o1ga"),
        ("olga", "oIga"),
        ("bob0", "bobo"),
    ],
)
def test_a_look_alike_of_an_account_is_refused(
    store: Store, existing: str, new: str
) -> None:
    add_user(store, existing, password=PASSWORD, role="admin")
    with pytest.raises(ConfigError, match="looks like the account"):
        add_user(store, new, password=PASSWORD, role="admin")
    assert list_users(store)["username"].to_list() == [existing]


def test_different_names_are_not_look_alikes() -> None:
    assert username_skeleton("siôn") != username_skeleton("sian")
    assert username_skeleton("ann") != username_skeleton("anna")
    assert username_skeleton("ian") != username_skeleton("Ian")  # I passes for l


def test_revoke_refuses_another_accounts_token(any_store: Store) -> None:
    """``avert users token ana --revoke ID`` revoked ID whoever's it was (SQLite
    and PostgreSQL)."""
    store = any_store
    add_user(store, "ana", password=PASSWORD, role="analyst")
    add_user(store, "bob", password=PASSWORD, role="officer")
    bobs = issue_token(store, "bob")
    with pytest.raises(NotFound):
        revoke_token(store, bobs.split("_")[1], username="ana")
    assert user_for_token(store, bobs) is not None
    assert revoke_token(store, bobs.split("_")[1], username="bob") is None
    assert user_for_token(store, bobs) is None
    # a second revoke keeps the first time and says when
    first = list_tokens(store, "bob")["revoked_at"][0]
    assert revoke_token(store, bobs.split("_")[1], username="bob") == first


def test_tokens_issued_in_one_second_keep_their_order_after_a_revoke(
    any_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Times are kept to the second, so tokens issued in one second tie. On
    PostgreSQL a revoke (an UPDATE) moves the token's row to the end of the table
    and the account's page listed it last, after tokens issued with it (SQLite kept
    it in place): a tie is now ordered by the token's id, the same on both."""
    import avert.workflows.users as users

    second = dt.datetime(2026, 12, 5, 12, 0, 0)
    monkeypatch.setattr(users, "_now", lambda _store: second)
    add_user(any_store, "bob", password=PASSWORD, role="officer")
    for _ in range(3):
        issue_token(any_store, "bob")
    listed = list_tokens(any_store, "bob")["token_id"].to_list()
    assert listed == sorted(listed)  # the same on SQLite and PostgreSQL
    revoke_token(any_store, listed[0], username="bob")
    assert list_tokens(any_store, "bob")["token_id"].to_list() == listed


def test_issue_is_refused_for_a_disabled_or_unknown_account_or_a_removed_admin(
    store: Store,
) -> None:
    from avert.workflows.users import set_disabled, set_role

    add_user(store, "ann", password=PASSWORD, role="admin")
    add_user(store, "bob", password=PASSWORD, role="admin")
    add_user(store, "cy", password=PASSWORD, role="officer")
    with pytest.raises(NotFound):
        issue_token(store, "nobody")
    set_disabled(store, "cy", disabled=True, by="ann")
    with pytest.raises(ConfigError, match="is disabled"):
        issue_token(store, "cy", by="ann")
    set_disabled(store, "cy", disabled=False, by="ann")
    set_role(store, "bob", "analyst", by="ann")
    with pytest.raises(PermissionDenied, match="no longer an enabled administrator"):
        issue_token(store, "cy", by="bob")
    assert list_tokens(store).height == 0


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ("ivan", "Ivan"),  # case alone: "I" also passes for "l", "i" does not
        ("Ivan", "ivan"),
        ("ian", "Ían"),
        ("Ian", "lan"),  # a capital I passes for a small l
        ("lan", "Ɩan"),  # Latin capital iota
        ("morgan", "rnorgan"),  # "rn" passes for "m"
        ("allan", "aǁan"),  # the click letter "ǁ" passes for "ll"
        ("rob", "Ʀob"),  # Latin letter yr
        ("bob", "ƅob"),  # tone six
        ("bob2", "bobƧ"),  # tone two passes for the digit
        ("jo3", "joȜ"),  # yogh
        ("ross", "roƽs"),  # tone five passes for "s"
        ("gary", "ƍary"),  # turned delta
        ("amy", "amỿ"),  # y with loop
        ("tom", "ƫom"),  # t with palatal hook
        ("caesar", "cæsar"),  # the letter "æ" passes for "ae"
        ("phoebe", "phœbe"),
    ],
)
def test_a_look_alike_outside_the_first_list_is_refused(
    store: Store, existing: str, new: str
) -> None:
    """Pairs that UTS #39 confusables.txt maps to one another (or case alone)
    that the reduced skeleton let through as a second account."""
    add_user(store, existing, password=PASSWORD, role="officer")
    with pytest.raises(ConfigError, match="looks like the account"):
        add_user(store, new, password=PASSWORD, role="officer")
    assert list_users(store)["username"].to_list() == [existing]


def test_names_that_only_share_letters_are_not_look_alikes(store: Store) -> None:
    for name in ["ilona", "llona", "iain", "arnold.kay"]:
        add_user(store, name, password=PASSWORD, role="officer")
    assert list_users(store).height == 4


def test_an_account_made_before_in_another_normal_form_still_signs_in(
    store: Store,
) -> None:
    """``avert users add`` took any letters before names were kept in NFC: an
    account "Kim" with the Kelvin sign K (U+212A, NFC "K") could no longer sign in
    once sign-in looked names up in NFC alone."""
    from avert.store.users import put_user, read_user

    kelvin = "\u212aim"
    assert unicodedata.normalize("NFC", kelvin) == "Kim"
    add_user(store, "someone", password=PASSWORD, role="officer")
    row = read_user(store, "someone")
    assert row is not None
    put_user(store, {**row, "username": kelvin})  # as the earlier CLI kept it
    settings = load_settings({})
    assert authenticate(store, kelvin, PASSWORD, settings=settings).username == kelvin


@pytest.mark.parametrize("name", [".", "..", "-", "-.-"])
def test_a_name_without_a_letter_or_digit_is_refused(store: Store, name: str) -> None:
    """Refused before names took accents, then accepted: ".." made an account
    whose page ``/admin/users/..`` a browser resolves to another address."""
    with pytest.raises(ConfigError, match="A username"):
        add_user(store, name, password=PASSWORD, role="officer")
    assert list_users(store).height == 0
