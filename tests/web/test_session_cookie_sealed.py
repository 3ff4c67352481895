"""The session cookie holds no person id and no purpose (a red-team review).

The cookie is signed, not encrypted: its payload is base64 of JSON, which anyone
holding the browser profile could read for the cookie's lifetime, and it held the
person record opened last and the purpose typed for it. They are now sealed
(:mod:`avert.web.sealed`): the record still comes back on reload, audited with its
purpose each time (tests/web/test_bad_network.py), but the cookie says neither.
"""

from __future__ import annotations

import base64
import hmac
import json
import math
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from fastapi import Request
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner

from avert.config.settings import load_settings
from avert.web import auth, create_app
from avert.web.sealed import SealKey, seal, sealed_chars, unseal
from avert.workflows.users import add_user
from web.helpers import (
    PASSWORD,
    SECRET,
    World,
    csrf_of,
    migrated_store,
    signed_in,
)

PURPOSE = "strategy meeting on Jane Doe's safeguarding"


def _payload(cookie_value: str) -> str:
    """The session's JSON as anyone can decode it: base64 before the signature."""
    data = cookie_value.split(".")[0]
    return base64.b64decode(data + "=" * (-len(data) % 4)).decode("utf-8")


def test_the_session_cookie_holds_no_person_id_and_no_purpose(world: World) -> None:
    client = signed_in(world.app, "analyst")
    person = sorted(world.person_ids)[2]
    token = csrf_of(client.get(f"/people/{person}").text)
    sent = client.post(
        f"/people/{person}",
        data={"csrf_token": token, "purpose": PURPOSE},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    page = client.get(f"/people/{person}")
    assert 'id="history"' in page.text, "the record still opens after the redirect"
    cookie = client.cookies["avert_session"]
    payload = _payload(cookie)
    assert json.loads(payload)["user"] == "analyst", "decoded the session"
    for word in (person, PURPOSE, "strategy", "Jane", "purpose", "person"):
        assert word not in payload, word
    # and not in the base64 either (an id alone, aligned at a 3-byte boundary)
    assert person not in cookie


def _old_seal(secret: str, text: str, nonce: bytes) -> str:
    """A value as the hand-made construction before 2026-12 sealed it (HMAC-SHA256
    in counter mode, then HMAC-SHA256 of nonce and ciphertext cut to 16 bytes)."""
    encrypt = hmac.digest(secret.encode(), b"avert-sealed-session:encrypt", "sha256")
    mac = hmac.digest(secret.encode(), b"avert-sealed-session:mac", "sha256")
    data = text.encode()
    blocks = math.ceil(len(data) / 32)
    stream = b"".join(
        hmac.digest(encrypt, nonce + i.to_bytes(4, "big"), "sha256")
        for i in range(blocks)
    )
    body = bytes(a ^ b for a, b in zip(data, stream, strict=False))
    tag = hmac.digest(mac, nonce + body, "sha256")[:16]
    return base64.urlsafe_b64encode(nonce + body + tag).decode()


def test_a_sealed_value_opens_under_its_key_and_field_only() -> None:
    key = SealKey(SECRET)
    token = seal(key, PURPOSE + " é ŵ", label="opened")
    assert len(token) == sealed_chars(PURPOSE + " é ŵ")
    assert unseal(key, token, label="opened") == PURPOSE + " é ŵ"
    assert unseal(SealKey(SECRET), token, label="opened") == PURPOSE + " é ŵ"
    assert unseal(SealKey(SECRET + "x"), token, label="opened") is None
    assert unseal(key, token, label="flash") is None, "moved to another field"
    assert unseal(key, seal(key, ""), label="") == ""
    for junk in (None, 3, "", "not base64!", "AAAA", token[:20]):
        assert unseal(key, junk, label="opened") is None
    assert SECRET[:10] not in repr(key)


def test_every_bit_flipped_is_refused() -> None:
    key = SealKey(SECRET)
    raw = base64.urlsafe_b64decode(seal(key, "P01234 to safeguard", label="opened"))
    for bit in range(len(raw) * 8):
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        token = base64.urlsafe_b64encode(bytes(flipped)).decode()
        assert unseal(key, token, label="opened") is None, bit


def test_it_is_aes_256_gcm_with_a_fresh_96_bit_nonce_each_seal() -> None:
    """A version byte, a 12-byte nonce, then AES-256-GCM's ciphertext and tag under
    the key HKDF-SHA256 derives from the secret key (opened here with the
    ``cryptography`` package directly)."""
    key = SealKey(SECRET)
    raw = [
        base64.urlsafe_b64decode(seal(key, PURPOSE, label="opened")) for _ in range(50)
    ]
    assert {r[:1] for r in raw} == {b"\x01"}
    assert len({r[1:13] for r in raw}) == 50, "a nonce of its own each seal"
    assert all(len(r) == 1 + 12 + len(PURPOSE.encode()) + 16 for r in raw)
    derived = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"avert-sealed-session:aes-256-gcm:v1",
    ).derive(SECRET.encode())
    opened = AESGCM(derived).decrypt(raw[0][1:13], raw[0][13:], b"\x01opened")
    assert opened == PURPOSE.encode()


@pytest.mark.parametrize("first", [0, 1])
def test_a_value_of_the_old_format_opens_as_nothing(first: int) -> None:
    """Sealed before 2026-12 (its first byte is random: 1 is the version's)."""
    old = _old_seal(SECRET, PURPOSE, bytes([first]) + b"n" * 15)
    assert unseal(SealKey(SECRET), old, label="opened") is None
    assert unseal(SealKey(SECRET), old) is None


def _resigned(client: TestClient, **changes: object) -> None:
    """Replace fields of the client's session, signed as the app signs it."""
    session = json.loads(_payload(client.cookies["avert_session"]))
    session.update(changes)
    data = base64.b64encode(json.dumps(session).encode())
    (domain,) = {c.domain for c in client.cookies.jar if c.name == "avert_session"}
    client.cookies.set(
        "avert_session", TimestampSigner(SECRET).sign(data).decode(), domain=domain
    )


def test_a_cookie_of_the_old_format_just_forgets_the_record(world: World) -> None:
    """A session sealed before the change: its record is asked for again with its
    purpose, and its message (kept unsealed then) is not shown, never an error
    page."""
    client = signed_in(world.app, "chair")
    person = sorted(world.person_ids)[3]
    opened = json.dumps({"person": person, "purpose": PURPOSE}, ensure_ascii=False)
    _resigned(
        client,
        opened=_old_seal(SECRET, opened, b"\x01" * 16),
        flash={"at": int(time.time()), "text": "Account jane.doe disabled."},
    )
    page = client.get(f"/people/{person}")
    assert page.status_code == 200
    assert 'name="purpose"' in page.text
    assert 'id="history"' not in page.text
    meeting = client.get("/meeting")
    assert meeting.status_code == 200
    assert "jane.doe" not in meeting.text
    assert "flash" not in json.loads(_payload(client.cookies["avert_session"]))


def _request(session: dict[str, object] | None = None) -> Request:
    """What :func:`avert.web.auth.keep_sealed` reads of a request."""
    state = SimpleNamespace(seal_key=SealKey(SECRET))
    return cast(
        Request,
        SimpleNamespace(session=session or {}, app=SimpleNamespace(state=state)),
    )


@pytest.mark.parametrize(
    ("text", "limit"),
    [
        ("a" * 900, 700),
        ("ŵ" * 900, 700),
        ("中" * 900, 700),
        ("😀" * 900, 700),
        ('"\\\n' * 300, 700),
        ("Prüfung " * 200, 1000),
        ("short", 700),
    ],
)
def test_the_sealed_text_is_cut_by_the_one_cutting_routine_to_the_longest_that_fits(
    monkeypatch: pytest.MonkeyPatch, text: str, limit: int
) -> None:
    """keep_sealed cut by a bisection of its own where the flash cut with
    ``_cut``; now both are ``_cut`` (characters and JSON bytes), given the plain
    text's bytes the sealed size allows."""
    calls: list[int] = []
    cut = auth._cut
    monkeypatch.setattr(
        auth, "_cut", lambda t, **kw: calls.append(kw["max_bytes"]) or cut(t, **kw)
    )
    request = _request()
    kept = auth.keep_sealed(
        request, "opened", {"person": "P1"}, ("purpose", text),
        max_chars=600, max_sealed_chars=limit,
    )  # fmt: skip
    assert len(calls) == 1
    token = request.session["opened"]
    assert isinstance(token, str)
    assert len(token) <= limit
    assert auth.sealed_value(request, "opened") == {"person": "P1", "purpose": kept}
    if kept == text:
        return
    assert kept.endswith("...")
    assert text.startswith(kept[:-3])
    assert len(kept) - 3 <= 600
    longer = text[: len(kept) - 2] + "..."  # one character more
    plain = json.dumps({"person": "P1", "purpose": longer}, ensure_ascii=False)
    assert len(kept) - 3 == 600 or sealed_chars(plain) > limit


def test_a_flash_is_sealed_and_shown_once() -> None:
    request = _request({"user": "admin"})
    auth.flash(request, "Account jane.doe disabled.")
    token = request.session["flash"]
    assert isinstance(token, str)
    assert "jane" not in token
    assert "jane" not in base64.urlsafe_b64decode(token).decode("latin-1")
    assert auth.take_flash(request) == "Account jane.doe disabled."
    assert auth.take_flash(request) is None
    request.session["flash"] = {"at": int(time.time()), "text": "unsealed"}
    assert auth.take_flash(request) is None, "a message of before the change"
    assert "flash" not in request.session


@pytest.fixture
def admin(tmp_path: Path, template_db: Path) -> Iterator[TestClient]:
    """An app on a store of accounts only, a client signed in as its admin."""
    store = migrated_store(tmp_path / "accounts.db", template_db)
    for role in ("admin", "officer"):
        add_user(store, role, password=PASSWORD, role=role)
    add_user(store, "jane.doe", password=PASSWORD, role="officer")
    settings = load_settings({}).with_overrides(
        database_url=f"sqlite:///{tmp_path / 'accounts.db'}",
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    yield signed_in(create_app(settings, store), "admin")
    store.close()


def test_the_cookie_does_not_name_the_account_a_message_names(
    admin: TestClient,
) -> None:
    """The message for the next page named the account changed ("Account jane.doe
    unlocked"), readable in the cookie; it is sealed like the record opened."""
    token = csrf_of(admin.get("/admin/users/jane.doe").text)
    sent = admin.post(
        "/admin/users/jane.doe/unlock",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    cookie = admin.cookies["avert_session"]
    payload = _payload(cookie)
    assert json.loads(payload)["user"] == "admin", "decoded the session"
    for word in ("jane", "Account", "unlocked", "locked", "text"):
        assert word not in payload, word
    page = admin.get(sent.headers["location"])
    assert "Account jane.doe was not locked: nothing to clear." in page.text


@pytest.mark.parametrize("purpose", ["ab" * 400, "Prüfung " + "ŵ" * 2000])
def test_the_sealed_purpose_is_cut_to_fit(world: World, purpose: str) -> None:
    """A long purpose is cut with "..." so that the cookie stays under 4 KB."""
    client = signed_in(world.app, "analyst")
    person = sorted(world.person_ids)[6]
    token = csrf_of(client.get(f"/people/{person}").text)
    sent = client.post(
        f"/people/{person}",
        data={"csrf_token": token, "purpose": purpose},
        follow_redirects=False,
    )
    cookie = sent.headers["set-cookie"].split(";")[0]
    assert len(cookie) <= 4096, len(cookie)
    assert 'id="history"' in client.get(f"/people/{person}").text
