"""Sealed session values: what the session cookie keeps that its holder must not read.

The session is a cookie that Starlette signs (itsdangerous) but does not encrypt:
its JSON is base64 that anyone holding the browser profile can decode. The person
record a session opened last and the purpose typed for it (personal data, audited
when shown), and the message kept for the next page (it can name an account, an
organisation or repeat a typed result), are kept there *sealed*: encrypted and
authenticated under a key derived from the app's secret key, so the cookie carries
only random-looking text.

Kept in the cookie rather than on the server because sessions are stateless here
(sign-out ends them through the account's ``session_epoch``, not a session table),
a table of session values would need a migration, and a process's memory is not
shared by ``avert serve --workers N``.

Method: AES-256-GCM (NIST SP 800-38D), the ``cryptography`` package's ``AESGCM``,
with a random 96-bit nonce per seal (the size SP 800-38D recommends; a random
nonce stays safe for far more than 2^32 seals under one key, which a session
cookie never reaches). The key is HKDF-SHA256 (RFC 5869) of the secret key with a
label of its own, so the secret that signs the cookie is not used twice for one
purpose. A sealed value is URL-safe base64 of a version byte, the nonce, and the
ciphertext with its 16-byte tag; the version byte and the session field it is kept
under are authenticated with it (associated data), so a value moved to another
field, or one of another format (the hand-made construction before 2026-12), opens
as nothing: the session just forgets it, never an error page.
"""

from __future__ import annotations

import base64
import binascii
import math
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

__all__ = ["SealKey", "plain_bytes_within", "seal", "sealed_chars", "unseal"]

#: the format of a sealed value (its first byte): another opens as nothing
_VERSION = b"\x01"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_OVERHEAD_BYTES = len(_VERSION) + _NONCE_BYTES + _TAG_BYTES
_HKDF_LABEL = b"avert-sealed-session:aes-256-gcm:v1"


class SealKey:
    """The AES-256 key derived from the app's secret key (``AVERT_SECRET_KEY``)."""

    __slots__ = ("_aead",)

    def __init__(self, secret_key: str) -> None:
        derived = HKDF(
            algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_LABEL
        ).derive(secret_key.encode("utf-8", "surrogatepass"))
        self._aead = AESGCM(derived)

    def __repr__(self) -> str:  # never the key
        return "SealKey(...)"

    def encrypt(self, nonce: bytes, data: bytes, associated: bytes) -> bytes:
        """``data`` encrypted under ``nonce``, with its tag over it and ``associated``."""
        return self._aead.encrypt(nonce, data, associated)

    def decrypt(self, nonce: bytes, sealed: bytes, associated: bytes) -> bytes | None:
        """What :meth:`encrypt` sealed; None when it, or ``associated``, was altered
        or sealed under another key."""
        try:
            return self._aead.decrypt(nonce, sealed, associated)
        except InvalidTag:
            return None


def _associated(label: str) -> bytes:
    return _VERSION + label.encode("utf-8", "surrogatepass")


def seal(key: SealKey, text: str, *, label: str = "") -> str:
    """``text`` encrypted and authenticated under ``key`` for the session field
    ``label``: URL-safe base64 of the version, the nonce and the ciphertext with
    its tag (:func:`sealed_chars` characters)."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    data = text.encode("utf-8", "surrogatepass")
    body = key.encrypt(nonce, data, _associated(label))
    return base64.urlsafe_b64encode(_VERSION + nonce + body).decode("ascii")


def unseal(key: SealKey, token: object, *, label: str = "") -> str | None:
    """The text :func:`seal` sealed into ``token`` under ``key`` for ``label``;
    None when ``token`` is no sealed text, was altered, is of another format, was
    sealed for another field or under another key (another secret key: the
    sessions from before a change of it)."""
    if not isinstance(token, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(token.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    if len(raw) < _OVERHEAD_BYTES or raw[:1] != _VERSION:
        return None
    start = len(_VERSION)
    nonce, body = raw[start : start + _NONCE_BYTES], raw[start + _NONCE_BYTES :]
    data = key.decrypt(nonce, body, _associated(label))
    if data is None:
        return None
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return None


def sealed_chars(text: str) -> int:
    """Characters of :func:`seal`'s answer for ``text`` (base64: 4 for every 3
    bytes of version, nonce, UTF-8 and tag)."""
    size = _OVERHEAD_BYTES + len(text.encode("utf-8", "surrogatepass"))
    return 4 * math.ceil(size / 3)


def plain_bytes_within(max_sealed_chars: int) -> int:
    """The most UTF-8 bytes of text whose seal takes at most ``max_sealed_chars``
    characters (:func:`sealed_chars`); below 0 when not even an empty text fits."""
    return max_sealed_chars // 4 * 3 - _OVERHEAD_BYTES
