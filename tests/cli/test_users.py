"""``avert users ...``: passwords never as arguments; tokens printed once."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from avert.cli import app
from avert.store import Store


@pytest.fixture
def db(tmp_path: Path, template_db: Path) -> str:
    """A fresh store at the head (a copy of the session's migrated template)."""
    path = tmp_path / "users.db"
    shutil.copyfile(template_db, path)
    return f"sqlite:///{path}"


def _run(db: str, *args: str, password: str | None = None) -> tuple[int, str]:
    env = {"AVERT_PASSWORD": password} if password else {}
    result = CliRunner().invoke(app, ["--db", db, *args], env=env)
    # avert's own errors reach main() (one line, exit 1); here they are exceptions
    error = f"{result.exception}" if result.exception else ""
    return result.exit_code, result.output + error


def test_add_list_disable_enable_set_role(db: str) -> None:
    code, out = _run(db, "users", "add", "ana", "--role", "analyst", password="x" * 14)
    assert code == 0, out
    code, out = _run(db, "users", "list", "--json")
    users = json.loads(out)
    assert [(u["username"], u["role"]) for u in users] == [("ana", "analyst")]
    assert "password_hash" not in users[0]
    assert _run(db, "users", "disable", "ana")[0] == 0
    assert json.loads(_run(db, "users", "list", "--json")[1])[0]["disabled"] is True
    assert _run(db, "users", "enable", "ana")[0] == 0
    assert _run(db, "users", "set-role", "ana", "--role", "chair")[0] == 0
    assert json.loads(_run(db, "users", "list", "--json")[1])[0]["role"] == "chair"


def test_no_password_option_and_short_passwords_refused(db: str) -> None:
    code, out = _run(db, "users", "add", "bob", "--role", "board", "--password", "x")
    assert code == 2  # no such option: passwords never travel as arguments
    code, out = _run(db, "users", "add", "bob", "--role", "board", password="short")
    assert code == 1
    assert "12 characters" in out
    code, out = _run(db, "users", "add", "bob", "--role", "king", password="x" * 14)
    assert code == 2  # a usage error, as every other bad option value
    assert "Unknown role" in out
    assert "analyst" in out  # the roles are listed


def test_an_unknown_role_is_a_usage_error_before_the_password_prompt(db: str) -> None:
    """``--role king`` exited 1, after the password was asked for and typed."""
    _run(db, "users", "add", "ana", "--role", "analyst", password="x" * 14)
    result = CliRunner().invoke(
        app, ["--db", db, "users", "add", "bob", "--role", "king"], input=""
    )
    assert result.exit_code == 2, result.output
    # the role is refused first (no password asked for: "No password: set ...")
    assert "Unknown role" in result.output
    assert "No password" not in result.output
    code, out = _run(db, "users", "set-role", "ana", "--role", "king")
    assert (code, "Unknown role" in out) == (2, True)


def test_token_printed_once_and_revocable(db: str) -> None:
    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    code, out = _run(db, "users", "token", "tok")
    assert code == 0
    token = out.strip().splitlines()[-1]
    assert token.startswith("avt_")
    rows = Store(db).read_frame("api_tokens")
    assert token.split("_", 2)[2] not in rows.write_csv()
    assert _run(db, "users", "token", "tok", "--revoke", token.split("_")[1])[0] == 0
    assert Store(db).read_frame("api_tokens")["revoked_at"].null_count() == 0
    # the CLI has no issue form: its tokens hold no form nonce, and two of them
    # pass the column's unique constraint (nulls are distinct)
    assert _run(db, "users", "token", "tok")[0] == 0
    rows = Store(db).read_frame("api_tokens")
    assert rows.height == 2
    assert rows["issue_nonce_sha256"].null_count() == 2


def _lock(db: str, name: str) -> None:
    """Lock ``name`` by the sign-in limit of wrong passwords (5 by default)."""
    from avert.config.settings import load_settings
    from avert.errors import PermissionDenied
    from avert.workflows.users import authenticate

    settings = load_settings({})
    for _ in range(settings.login_limits()[0]):
        with pytest.raises(PermissionDenied):
            authenticate(Store(db), name, "wrong" * 4, settings=settings)


def _state_of(db: str, name: str) -> str:
    code, out = _run(db, "users", "list")
    assert code == 0, out
    return next(line for line in out.splitlines() if name in line)


def test_unlock_clears_a_lockout_and_is_audited(db: str) -> None:
    """A user locked out by someone else's guesses is let back in by an
    administrator without a new password; ``list`` says locked only while it is."""
    _run(db, "users", "add", "lou", "--role", "analyst", password="z" * 14)
    assert "failed" not in _state_of(db, "lou")
    _lock(db, "lou")
    assert "locked until" in _state_of(db, "lou")
    code, out = _run(db, "users", "unlock", "lou")
    assert code == 0, out
    assert "unlocked (a lockout until" in out
    assert "locked" not in _state_of(db, "lou")
    users = json.loads(_run(db, "users", "list", "--json")[1])
    assert (users[0]["failed_logins"], users[0]["locked_until"]) == (0, None)
    audit = Store(db).read_frame("audit")
    assert any("lockout until" in str(r) and "cleared" in str(r) for r in audit.rows())
    code, out = _run(db, "users", "unlock", "lou")
    assert (code, "nothing to clear" in out) == (0, True)
    assert _run(db, "users", "unlock", "nobody")[0] != 0


def test_enable_clears_a_lockout_made_while_disabled(db: str) -> None:
    """Guesses at a disabled account still count and lock it; letting the user
    back in must not leave them locked out for the rest of the lock."""
    _run(db, "users", "add", "eve", "--role", "analyst", password="z" * 14)
    _run(db, "users", "disable", "eve")
    _lock(db, "eve")
    assert "locked until" in _state_of(db, "eve")
    assert _run(db, "users", "enable", "eve")[0] == 0
    assert "locked" not in _state_of(db, "eve")


def test_a_passed_lock_is_not_shown_as_one(db: str) -> None:
    _run(db, "users", "add", "old", "--role", "analyst", password="z" * 14)
    _lock(db, "old")
    store = Store(db)
    with store.transaction() as tx:  # the lock ran out an hour ago
        tx._execute(
            'UPDATE "users" SET "locked_until" = ? WHERE "username" = ?',
            ["2020-01-01 00:00:00", "old"],
        )
    state = _state_of(db, "old")
    assert "locked" not in state
    assert "failed sign-ins in a row" in state


def test_unlock_of_a_disabled_account_says_it_is_still_disabled(db: str) -> None:
    """``unlock`` of a disabled, locked account printed "unlocked" alone: the
    administrator took the user to be let in, and they were still refused."""
    _run(db, "users", "add", "dee", "--role", "analyst", password="z" * 14)
    _run(db, "users", "disable", "dee")
    _lock(db, "dee")
    code, out = _run(db, "users", "unlock", "dee")
    assert code == 0, out
    said = " ".join(out.split())
    assert "unlocked" in said
    assert "is disabled and still cannot sign in" in said
    assert "avert users enable dee" in said
    _run(db, "users", "enable", "dee")
    code, out = _run(db, "users", "unlock", "dee")
    assert "disabled" not in out


def test_an_overlong_username_is_refused_on_both_stores(any_store: Store) -> None:
    """A username of 4,000 letters was created on SQLite and ended 'avert users
    add' in a traceback on PostgreSQL (index row size exceeds btree maximum)."""
    # letters from hash digests: text PostgreSQL cannot compress into an index entry
    digests = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(125))
    name = "".join(chr(ord("a") + b % 26) for b in digests)
    code, output = _run(
        any_store.url.sqlalchemy,
        "users",
        "add",
        name,
        "--role",
        "board",
        password="a long passphrase",
    )
    assert code == 1, output
    assert "A username is at most 64 characters (this one has 4,000)" in output
    code, output = _run(any_store.url.sqlalchemy, "users", "list", "--json")
    assert json.loads(output) == []


def test_a_partner_without_an_organisation_is_refused(db: str) -> None:
    """``--org`` said "partners: required" and nothing required it: a partner
    without one was created, outside every organisation's scope."""
    code, out = _run(db, "users", "add", "cllr", "--role", "partner", password="p" * 14)
    assert code == 1
    assert "partner account needs an organisation" in " ".join(out.split())
    code, out = _run(
        db, "users", "add", "cllr", "--role", "partner", "--org", "council",
        password="p" * 14,
    )  # fmt: skip
    assert code == 0, out
    _run(db, "users", "add", "ana", "--role", "analyst", password="p" * 14)
    code, out = _run(db, "users", "set-role", "ana", "--role", "partner")
    assert code == 1
    assert json.loads(_run(db, "users", "list", "--json")[1])[0]["role"] == "analyst"


def test_the_last_enabled_admin_is_kept(db: str) -> None:
    """Disabling or demoting the only enabled administrator left nobody to manage
    accounts in the web app; the command line refuses it as the web app does."""
    _run(db, "users", "add", "root", "--role", "admin", password="p" * 14)
    for args in (("disable", "root"), ("set-role", "root", "--role", "analyst")):
        code, out = _run(db, "users", *args)
        assert code == 1, args
        assert "last enabled administrator" in out
    _run(db, "users", "add", "root2", "--role", "admin", password="p" * 14)
    assert _run(db, "users", "disable", "root")[0] == 0
    code, out = _run(db, "users", "set-role", "root2", "--role", "analyst")
    assert code == 1
    assert _run(db, "users", "enable", "root")[0] == 0
    assert _run(db, "users", "set-role", "root2", "--role", "analyst")[0] == 0


def test_revoke_names_the_account_of_the_token(db: str) -> None:
    """``users token ana --revoke ID`` with the id of bob's token revoked bob's."""
    for name in ("ana", "bob"):
        _run(db, "users", "add", name, "--role", "officer", password="y" * 14)
    token = _run(db, "users", "token", "bob")[1].strip().splitlines()[-1]
    code, out = _run(db, "users", "token", "ana", "--revoke", token.split("_")[1])
    assert code == 1
    assert "has no token" in out
    assert Store(db).read_frame("api_tokens")["revoked_at"].null_count() == 1
    code, out = _run(db, "users", "token", "bob", "--revoke", token.split("_")[1])
    assert (code, "revoked." in out) == (0, True)
    code, out = _run(db, "users", "token", "bob", "--revoke", token.split("_")[1])
    assert "was revoked already" in out


def test_every_command_finds_a_name_typed_decomposed(db: str) -> None:
    """Accounts are kept in NFC; a terminal that sends "siôn" as "o" and a combining
    circumflex got "No user" from every command but ``add`` and sign-in."""
    nfc, decomposed = "si\u00f4n", "sio\u0302n"
    _run(db, "users", "add", nfc, "--role", "analyst", password="z" * 14)
    _lock(db, decomposed)  # sign-in finds it (it did already)
    code, out = _run(db, "users", "unlock", decomposed)
    assert (code, "unlocked (a lockout until" in out) == (0, True), out
    assert "disabled" not in out
    for args in (
        ("disable", decomposed),
        ("enable", decomposed),
        ("set-role", decomposed, "--role", "chair"),
        ("token", decomposed),
    ):
        code, out = _run(db, "users", *args)
        assert code == 0, (args, out)
    code, out = _run(db, "users", "reset-password", decomposed, password="w" * 14)
    assert code == 0, out
    token_id = Store(db).read_frame("api_tokens")["token_id"][0]
    code, out = _run(db, "users", "token", decomposed, "--revoke", token_id)
    assert (code, "revoked" in out) == (0, True), out
    users = json.loads(_run(db, "users", "list", "--json")[1])
    assert [(u["username"], u["role"]) for u in users] == [(nfc, "chair")]


@pytest.mark.parametrize(
    ("days", "said"),
    [
        ("0", "at least 1 day"),
        ("-3", "at least 1 day"),
        ("366", "at most 365 days"),
        ("99999999999999999999", "at most 365 days"),
        ("ninety", "valid integer"),
    ],
)
def test_token_days_out_of_bounds_is_a_usage_error(
    db: str, days: str, said: str
) -> None:
    """``--days`` 0, negative, over token_max_days or not a number: exit 2, a
    clear line, nothing issued."""
    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    code, out = _run(db, "users", "token", "tok", "--days", days)
    assert code == 2, out
    assert said in out
    assert Store(db).read_frame("api_tokens").height == 0


def test_days_with_revoke_is_a_usage_error(db: str) -> None:
    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    code, out = _run(db, "users", "token", "tok", "--revoke", "abc", "--days", "3")
    assert code == 2
    assert "--days is for a new token" in out


def test_a_token_is_issued_for_its_days_and_listed_with_its_expiry(db: str) -> None:
    """``--days`` sets the lifetime; the issue says until when; ``users tokens``
    and ``users list`` show the expiry, never a value or digest."""
    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    code, out = _run(db, "users", "token", "tok", "--days", "7")
    assert code == 0, out
    token = out.strip().splitlines()[-1]
    row = Store(db).read_frame("api_tokens").row(0, named=True)
    assert row["expires_at"] - row["created_at"] == dt.timedelta(days=7)
    assert f"works until {row['expires_at']:%Y-%m-%d %H:%M}" in " ".join(out.split())
    code, out = _run(db, "users", "tokens", "tok", "--json")
    assert code == 0
    (listed,) = json.loads(out)
    assert listed["expires_at"] == row["expires_at"].isoformat()
    assert listed["expired"] is False
    assert not {"token_sha256", "issue_nonce_sha256"} & set(listed)
    assert token.split("_", 2)[2] not in out
    assert row["token_sha256"] not in out
    code, out = _run(db, "users", "list", "--json")
    assert json.loads(out)[0]["live_tokens"] == 1
    code, out = _run(db, "users", "tokens", "nobody")
    assert code == 1
    assert "No user 'nobody'" in out


def test_the_users_commands_on_both_stores(any_store: Store) -> None:
    """Probe of every ``avert users`` command as a new administrator would run
    them, on SQLite and PostgreSQL: exit codes, and no hash, digest or secret in
    what they print."""
    db = any_store.url.sqlalchemy
    ok = [
        ("add", "boss", "--role", "admin"),
        ("add", "ana", "--role", "analyst"),
        ("token", "ana", "--days", "30"),
        ("list",),
        ("list", "--json"),
        ("tokens",),
        ("tokens", "ana", "--json"),
        ("disable", "ana"),
        ("enable", "ana"),
        ("unlock", "ana"),
        ("set-role", "ana", "--role", "chair"),
        ("reset-password", "ana"),
    ]
    printed = []
    for args in ok:
        code, out = _run(db, "users", *args, password="z" * 14)
        assert code == 0, (args, out)
        printed.append(out)
    token_id = json.loads(printed[6])[0]["token_id"]
    code, out = _run(db, "users", "token", "ana", "--revoke", token_id)
    assert (code, "revoked" in out) == (0, True)
    refused = [
        (("add", "ana", "--role", "analyst"), 1, "exists already"),
        (("disable", "nobody"), 1, "No user 'nobody'"),
        (("set-role", "boss", "--role", "officer"), 1, "last enabled administrator"),
        (("token", "nobody"), 1, "No user 'nobody'"),
        (("tokens", "nobody"), 1, "No user 'nobody'"),
        (("token", "ana", "--days", "0"), 2, "at least 1 day"),
        (("token", "ana", "--revoke", "000000000000"), 1, "has no token"),
    ]
    for args, want, said in refused:
        code, out = _run(db, "users", *args, password="z" * 14)
        assert (code, said in out) == (want, True), (args, out)
        printed.append(out)
    stored = any_store.read_frame("users")["password_hash"].to_list()
    digests = any_store.read_frame("api_tokens")["token_sha256"].to_list()
    text = "\n".join(printed)
    assert "argon2" not in text
    assert not any(secret in text for secret in [*stored, *digests])
    assert "z" * 14 not in text


def test_the_tokens_table_says_expired_and_stopped(db: str) -> None:
    """``users tokens``: an expired token says so; a live one of a disabled account
    is "stopped" (it does not work until the account is enabled)."""
    for name in ("gone", "held"):
        _run(db, "users", "add", name, "--role", "officer", password="y" * 14)
        _run(db, "users", "token", name)
    store = Store(db)
    with store.transaction() as tx:
        tx._execute(
            'UPDATE "api_tokens" SET "expires_at" = "created_at" WHERE "username" = ?',
            ["gone"],
        )
    _run(db, "users", "disable", "held")
    code, out = _run(db, "users", "tokens", "gone")
    assert (code, "expired" in out, "live" in out) == (0, True, False)
    code, out = _run(db, "users", "tokens", "held")
    assert (code, "stopped" in out, "live" in out) == (0, True, False)


def test_revoke_takes_a_whole_token_pasted_and_never_prints_its_secret(
    db: str,
) -> None:
    """An administrator pasting the whole token into ``--revoke`` was told it had
    no such token, with the secret printed back; its id is taken now."""
    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    token = _run(db, "users", "token", "tok")[1].strip().splitlines()[-1]
    code, out = _run(db, "users", "token", "tok", "--revoke", token)
    assert code == 0, out
    assert f"Token {token.split('_')[1]} of tok revoked" in out
    assert token.split("_", 2)[2] not in out
    assert Store(db).read_frame("api_tokens")["revoked_at"].null_count() == 0


@pytest.mark.parametrize("pasted", ["Bearer {t}", "Authorization: Bearer {t}", "{t} "])
def test_revoke_takes_the_token_inside_its_header_and_never_prints_its_secret(
    db: str, pasted: str
) -> None:
    """The token pasted with its header (``Bearer avt_...``, as copied from a curl
    command) was not seen as a token: "tok has no token 'Bearer avt_ID_SECRET'"
    printed the secret back and revoked nothing."""
    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    token = _run(db, "users", "token", "tok")[1].strip().splitlines()[-1]
    code, out = _run(db, "users", "token", "tok", "--revoke", pasted.format(t=token))
    assert token.split("_", 2)[2] not in out
    assert code == 0, out
    assert Store(db).read_frame("api_tokens")["revoked_at"].null_count() == 0


def _with_boroughs(db: str, *names: str) -> None:
    with Store(db).transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": [f"i{i}" for i in range(len(names))],
                    "source": ["test"] * len(names),
                    "occurred_from": [dt.datetime(2026, 11, 23, 12)] * len(names),
                    "borough": list(names),
                }
            ),
        )


def test_an_area_no_incident_names_is_refused_with_the_known_ones(db: str) -> None:
    """``users add --area Leds`` (a typo) made an account that saw nothing; now a
    usage error listing the known areas, before the password prompt, nothing made.
    A known area in any case is taken, and a store with no incidents takes any
    (accounts are made before the first load)."""
    code, out = _run(db, "users", "add", "early", "--role", "officer",
                     "--area", "Anywhere", password="x" * 14)  # fmt: skip
    assert code == 0, out
    _with_boroughs(db, "Leeds", "Bradford")
    code, out = _run(db, "users", "add", "ana", "--role", "officer",
                     "--area", "Leds", password="x" * 14)  # fmt: skip
    assert code == 2, out
    assert "No area 'Leds'" in out
    assert "Bradford; Leeds" in out
    assert Store(db).read_frame("users")["username"].to_list() == ["early"]
    code, out = _run(db, "users", "add", "ana", "--role", "officer",
                     "--area", "leeds", password="x" * 14)  # fmt: skip
    assert code == 0, out


def test_the_tokens_table_shows_the_refusals_not_yet_audited(db: str) -> None:
    """Refused uses counted on a token since its last ``token-refused`` row (one a
    minute) are in no audit row yet: ``users tokens`` shows how many (the JSON
    since when),
    so that a burst of wrong secrets that stopped is seen somewhere."""
    from avert.workflows.users import user_for_token

    _run(db, "users", "add", "tok", "--role", "officer", password="y" * 14)
    token = _run(db, "users", "token", "tok")[1].strip().splitlines()[-1]
    wrong = token[:-4] + ("aaaa" if not token.endswith("aaaa") else "bbbb")
    store = Store(db)
    for _ in range(3):
        assert user_for_token(store, wrong) is None
    refused_at = store.read_frame("api_tokens")["refused_at"][0]
    store.close()
    code, out = _run(db, "users", "tokens", "tok")
    assert code == 0, out
    (line,) = [x for x in out.splitlines() if token.split("_")[1] in x]
    assert line.strip("│ ").split("│")[-1].strip() == "2"
    code, out = _run(db, "users", "tokens", "tok", "--json")
    (listed,) = json.loads(out)
    assert listed["refusals_unaudited"] == 2
    assert listed["refused_at"] == refused_at.isoformat()


def test_disable_and_set_role_say_when_a_running_server_sees_them(db: str) -> None:
    """docs/web.md said a disabled user was signed out at the next request; a
    running server reuses an account it read for ACCOUNT_CACHE_S. The commands'
    help and output say when each change takes effect, with that figure."""
    from avert.web.auth import ACCOUNT_CACHE_S

    within = f"within {ACCOUNT_CACHE_S:g} s"
    code, out = _run(db, "users", "add", "ana", "--role", "analyst", password="x" * 14)
    assert code == 0, out
    code, out = _run(db, "users", "disable", "ana")
    assert code == 0, out
    said = " ".join(out.split())
    assert "its API tokens are refused at their next use" in said, said
    assert f"ends its web sessions {within}" in said, said
    code, out = _run(db, "users", "set-role", "ana", "--role", "chair")
    assert code == 0, out
    assert within in " ".join(out.split()), out
    for command in ("disable", "set-role", "reset-password"):
        code, out = _run(db, "users", command, "--help")
        assert within in " ".join(out.replace("│", " ").split()), (command, out)


def test_an_organisation_has_one_spelling(db: str) -> None:
    """A new account's organisation is stored trimmed, its inner spaces one; one
    that differs from an existing one only in case or spaces is refused, naming
    the spelling to use: "Council" and "council" were two organisations, each
    with its own pseudonym key, taskings and actions."""
    add = ("users", "add")
    code, out = _run(db, *add, "a", "--role", "partner", "--org", "  Leeds   City Council ", password="x" * 14)  # fmt: skip
    assert code == 0, out
    code, out = _run(db, *add, "b", "--role", "partner", "--org", "leeds city COUNCIL", password="x" * 14)  # fmt: skip
    assert code == 1
    assert "exists as 'Leeds City Council': use that spelling" in " ".join(out.split())
    code, out = _run(db, *add, "c", "--role", "board", "--org", "Leeds City Council", password="x" * 14)  # fmt: skip
    assert code == 0, out
    users = json.loads(_run(db, "users", "list", "--json")[1])
    assert {u["username"]: u["org"] for u in users} == {
        "a": "Leeds City Council",
        "c": "Leeds City Council",
    }


def test_two_spellings_of_one_organisation_are_warned_of(db: str) -> None:
    """A store whose accounts were made before a second spelling was refused
    keeps them (their pseudonyms must not change), and 'avert users list' and
    'avert status' warn of them, on standard error (--json stays whole)."""
    from avert.store.users import put_user, read_user

    assert _run(db, "users", "add", "a", "--role", "partner", "--org", "Council", password="x" * 14)[0] == 0  # fmt: skip
    store = Store(db)
    try:
        made = read_user(store, "a")
        assert made is not None
        put_user(
            store, {**made, "username": "b", "org": "council "}
        )  # as stored before
    finally:
        store.close()
    warned = "more than one spelling: 'Council' / 'council '"
    for args in (("users", "list"), ("users", "list", "--json"), ("status",), ("status", "--json")):  # fmt: skip
        result = CliRunner().invoke(app, ["--db", db, *args])
        assert result.exit_code == 0, result.output
        assert warned in " ".join(result.stderr.split()), args
        assert warned not in result.stdout
        if "--json" in args:
            json.loads(result.stdout)
    # the spelling stored is kept for a new account of it typed exactly
    code, out = _run(db, "users", "add", "d", "--role", "partner", "--org", "COUNCIL", password="x" * 14)  # fmt: skip
    assert code == 1, out
    assert "exists as 'Council': use that spelling" in out
    for name, typed in (("d", "Council"), ("e", "council ")):
        assert _run(db, "users", "add", name, "--role", "partner", "--org", typed, password="x" * 14)[0] == 0  # fmt: skip
    listed = CliRunner().invoke(app, ["--db", db, "users", "list", "--json"])
    users = json.loads(listed.stdout)  # the warning is on standard error
    assert {u["username"]: u["org"] for u in users} == {
        "a": "Council",
        "b": "council ",
        "d": "Council",
        "e": "council ",
    }
