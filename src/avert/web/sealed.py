"""Sealed session values: what the session cookie keeps that its holder must not read.

The session is a cookie that Starlette signs (itsdangerous) but does not encrypt:
its JSON is base64 that anyone holding the browser profile can decode. The person
record a session opened last and the purpose typed for it (personal data, audited
when shown) are kept there *sealed*: encrypted and authenticated under a key derived
from the app's secret key, so the cookie carries only random-looking text.

Kept in the cookie rather than on the server because sessions are stateless here
(sign-out ends them through the account's ``session_epoch``, not a session table),
a table of session values would need a migration, and a process's memory is not
shared by ``avert serve --workers N``.

Method (standard library only; ``cryptography`` is no dependency of avert): a
random 16-byte nonce; the key stream is HMAC-SHA256 under an encryption key of the
nonce and a block counter (a pseudorandom function in counter mode); the tag is
HMAC-SHA256 under a second key of the nonce and ciphertext, cut to 16 bytes
(encrypt-then-MAC; Bellare and Namprempre, "Authenticated Encryption", 2000). Both
keys are HMAC-SHA256 of the secret key with their own label, so the secret that
signs the cookie is not used twice for one purpose.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import secrets

__all__ = ["SealKey", "seal", "sealed_chars", "unseal"]

_NONCE_BYTES = 16
_TAG_BYTES = 16
_BLOCK_BYTES = hashlib.sha256().digest_size


class SealKey:
    """The two keys derived from the app's secret key (``AVERT_SECRET_KEY``)."""

    __slots__ = ("_encrypt", "_mac")

    def __init__(self, secret_key: str) -> None:
        secret = secret_key.encode("utf-8")
        self._encrypt = hmac.digest(secret, b"avert-sealed-session:encrypt", "sha256")
        self._mac = hmac.digest(secret, b"avert-sealed-session:mac", "sha256")

    def __repr__(self) -> str:  # never the keys
        return "SealKey(...)"

    def stream(self, nonce: bytes, size: int) -> bytes:
        """``size`` bytes of key stream for ``nonce``."""
        blocks = (
            hmac.digest(self._encrypt, nonce + i.to_bytes(4, "big"), "sha256")
            for i in range(math.ceil(size / _BLOCK_BYTES))
        )
        return b"".join(blocks)[:size]

    def tag(self, nonce: bytes, body: bytes) -> bytes:
        """The authentication tag of ``body`` sealed with ``nonce``."""
        return hmac.digest(self._mac, nonce + body, "sha256")[:_TAG_BYTES]


def _xor(data: bytes, stream: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")).to_bytes(
        len(data), "big"
    )


def seal(key: SealKey, text: str) -> str:
    """``text`` encrypted and authenticated under ``key``: URL-safe base64 of the
    nonce, the ciphertext and the tag (:func:`sealed_chars` characters)."""
    data = text.encode("utf-8", "surrogatepass")
    nonce = secrets.token_bytes(_NONCE_BYTES)
    body = _xor(data, key.stream(nonce, len(data)))
    return base64.urlsafe_b64encode(nonce + body + key.tag(nonce, body)).decode()


def unseal(key: SealKey, token: object) -> str | None:
    """The text :func:`seal` sealed into ``token`` under ``key``; None when
    ``token`` is no sealed text, was altered, or was sealed under another key
    (another secret key: the sessions from before a change of it)."""
    if not isinstance(token, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        return None
    nonce, body, tag = (
        raw[:_NONCE_BYTES],
        raw[_NONCE_BYTES:-_TAG_BYTES],
        raw[-_TAG_BYTES:],
    )
    if not hmac.compare_digest(tag, key.tag(nonce, body)):
        return None
    try:
        return _xor(body, key.stream(nonce, len(body))).decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def sealed_chars(text: str) -> int:
    """Characters of :func:`seal`'s answer for ``text`` (base64: 4 for every 3
    bytes of nonce, UTF-8 and tag)."""
    size = _NONCE_BYTES + len(text.encode("utf-8", "surrogatepass")) + _TAG_BYTES
    return 4 * math.ceil(size / 3)
