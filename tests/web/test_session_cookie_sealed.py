"""The session cookie holds no person id and no purpose (a red-team review).

The cookie is signed, not encrypted: its payload is base64 of JSON, which anyone
holding the browser profile could read for the cookie's lifetime, and it held the
person record opened last and the purpose typed for it. They are now sealed
(:mod:`avert.web.sealed`): the record still comes back on reload, audited with its
purpose each time (tests/web/test_bad_network.py), but the cookie says neither.
"""

from __future__ import annotations

import base64
import json

import pytest

from avert.web.sealed import SealKey, seal, sealed_chars, unseal
from web.helpers import SECRET, World, csrf_of, signed_in

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


def test_a_sealed_value_opens_only_under_its_key_and_unaltered() -> None:
    key = SealKey(SECRET)
    token = seal(key, PURPOSE + " é ŵ")
    assert len(token) == sealed_chars(PURPOSE + " é ŵ")
    assert unseal(key, token) == PURPOSE + " é ŵ"
    assert seal(key, PURPOSE) != seal(key, PURPOSE), "a fresh nonce each time"
    assert unseal(SealKey(SECRET + "x"), token) is None
    raw = bytearray(base64.urlsafe_b64decode(token))
    raw[20] ^= 1
    assert unseal(key, base64.urlsafe_b64encode(bytes(raw)).decode()) is None
    for junk in (None, 3, "", "not base64!", "AAAA"):
        assert unseal(key, junk) is None
    assert "test-secret" not in repr(key)


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
