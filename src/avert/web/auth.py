"""Who is asking, and may they: sessions, bearer tokens, CSRF and the route policy.

Every route declares its action with :func:`requires`; the router-wide dependency
:func:`authorize` finds the signed-in user (a signed session cookie, or an API bearer
token), checks the CSRF token on every unsafe request made with a cookie, asks
:func:`avert.policy.decide`, and refuses (401, 403) with the policy's reason. A route
without a declared action is refused too (fail closed), and a test enumerates every
route so that none is forgotten.
"""

from __future__ import annotations

import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import Request

from avert.errors import PermissionDenied
from avert.web.sealed import plain_bytes_within, seal, unseal
from avert.workflows.users import (
    User,
    check_allowed,
    end_sessions,
    session_account,
    user_for_token,
)

if TYPE_CHECKING:
    from avert.web.app import WebContext

__all__ = [
    "LoginRequired",
    "authorize",
    "csrf_token",
    "flash",
    "keep_sealed",
    "known_user",
    "requires",
    "sealed_value",
    "sign_in",
    "sign_out",
    "take_flash",
]

F = TypeVar("F", bound=Callable[..., Any])
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class LoginRequired(Exception):  # noqa: N818 - an answer, not a fault
    """No signed-in user: pages redirect to /login, the API answers 401."""


class StaleSignInForm(PermissionDenied):
    """A sign-in form whose token is not the session's: shown again, not refused.

    The sign-in page left open in a second tab (the session signed in at the
    first, or ended meanwhile) sent a token the session no longer holds; the
    refusal read "Not allowed" to a user with the right password.
    """


def requires(action: str, *, audit_refusal: str | None = None) -> Callable[[F], F]:
    """Declare the policy action a route performs (read by :func:`authorize`).

    ``audit_refusal``: what the route shows, as a template of its path parameters
    (``"person:{person_id}"``); a signed-in user refused it gets a ``view-refused``
    audit row (:func:`avert.workflows.users.check_allowed`), as a granted view gets
    its ``view`` row.
    """

    def mark(endpoint: F) -> F:
        endpoint.action = action  # type: ignore[attr-defined]
        endpoint.audit_refusal = audit_refusal  # type: ignore[attr-defined]
        return endpoint

    return mark


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); forms send it back."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


#: Seconds a flash message waits for the page it was meant for.
FLASH_SECONDS = 60
#: Longest flash message kept (the session is a cookie: browsers keep 4 KB) ...
FLASH_MAX_CHARS = 500
#: ... and the most characters it takes sealed in the cookie (base64 of its UTF-8,
#: 4 for 3 bytes: all 500 characters of ASCII, about 340 of a script of two bytes a
#: letter), when the session has room for them (:func:`keep_sealed`)
FLASH_SEALED_CHARS = 1000

#: Most bytes of the session as JSON. The cookie is that JSON in base64 (4/3 as
#: long), signed (35 more) and named, with its attributes (about 75): 2,900 bytes
#: make a Set-Cookie header of about 3,980, under the 4,096 browsers keep (a
#: refused cookie leaves the browser with the session before it)
SESSION_JSON_MAX_BYTES = 2900


def _json_bytes(value: object, *, utf8: bool = False) -> int:
    """Bytes of ``value`` as JSON: as the session cookie writes it (ASCII: six for
    a character outside it), or with ``utf8`` as a sealed value's plain text holds
    it (UTF-8: one to four a character)."""
    if not utf8:
        return len(json.dumps(value))
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"))


def _cut(text: str, *, max_chars: int, max_bytes: int) -> str:
    """``text`` whole, or its start and "..." within ``max_chars`` characters
    (before the "...") and ``max_bytes`` bytes of JSON in UTF-8 (quotes included:
    what it adds to a sealed value's plain text); "" when not even "..." fits."""
    if len(text) <= max_chars and _json_bytes(text, utf8=True) <= max_bytes:
        return text
    room, kept = max_bytes - _json_bytes("...", utf8=True), 0
    if room < 0:
        return ""
    for char in text[:max_chars]:
        room -= _json_bytes(char, utf8=True) - 2
        if room < 0:
            break
        kept += 1
    return text[:kept] + "..."


def keep_sealed(
    request: Request,
    key: str,
    value: dict[str, object],
    text: tuple[str, str],
    *,
    max_chars: int,
    max_sealed_chars: int,
) -> str:
    """Keep ``value`` with the field ``text`` (name, text) under ``key`` in the
    session, sealed (:mod:`avert.web.sealed`: the cookie's holder cannot read it),
    and return the text kept.

    The text is cut (with "...", :func:`_cut`) to ``max_chars`` characters and to
    the bytes that keep the sealed value within ``max_sealed_chars`` characters
    and the room the rest of the session leaves under
    :data:`SESSION_JSON_MAX_BYTES` (the sealed value is base64: one byte of JSON
    a character): a flash message and the purpose of the record opened last, each
    near its own limit, made a cookie over 4 KB together, which the browser
    refused.
    """
    field, whole = text
    room = SESSION_JSON_MAX_BYTES - _json_bytes({**request.session, key: ""})
    plain_bytes = plain_bytes_within(min(max_sealed_chars, room))
    rest_bytes = _json_bytes({**value, field: ""}, utf8=True) - _json_bytes(
        "", utf8=True
    )
    kept = _cut(whole, max_chars=max_chars, max_bytes=plain_bytes - rest_bytes)
    plain = json.dumps({**value, field: kept}, ensure_ascii=False)
    request.session[key] = seal(request.app.state.seal_key, plain, label=key)
    return kept


def sealed_value(request: Request, key: str) -> dict[str, object] | None:
    """The value :func:`keep_sealed` kept under ``key``; None when none, or not
    sealed under this app's secret key for ``key`` (a cookie from before a change
    of the key or of the seal's format: the session just forgets it)."""
    plain = unseal(request.app.state.seal_key, request.session.get(key), label=key)
    if plain is None:
        return None
    found = json.loads(plain)
    return found if isinstance(found, dict) else None


def flash(request: Request, message: str) -> None:
    """Keep ``message`` for the next page this session opens (one page, a minute),
    sealed and cut with "..." to what the session cookie has room for
    (:func:`keep_sealed`).

    The message lives in the signed session cookie, which only avert can write: a
    page shows as an error only what avert itself said, never text from a link
    (``/meeting?error=...`` was content spoofing). It is sealed because messages
    name accounts ("Account jane.doe disabled."), organisations and who recorded
    a tasking, and repeat a tasking's typed result: the cookie is signed, not
    encrypted, and its holder could read them.
    """
    keep_sealed(
        request,
        "flash",
        {"at": int(time.time())},
        ("text", message),
        max_chars=FLASH_MAX_CHARS,
        max_sealed_chars=FLASH_SEALED_CHARS,
    )


def take_flash(request: Request) -> str | None:
    """The message :func:`flash` kept for this session, once; None when none or stale."""
    found = sealed_value(request, "flash")
    request.session.pop("flash", None)
    if found is None:
        return None
    text, at = found.get("text"), found.get("at")
    if not isinstance(text, str) or not isinstance(at, int):
        return None
    return text if 0 <= time.time() - at <= FLASH_SECONDS else None


def sign_in(request: Request, user: User) -> None:
    """Start a fresh session for ``user`` (a new CSRF token; no fixation).

    The session keeps the account's password stamp
    (:func:`avert.workflows.users.session_account`): a password reset ends it.
    """
    ctx: WebContext = request.app.state.avert
    found = session_account(ctx.store, user.username)
    now = int(time.time())
    request.session.clear()
    request.session["user"] = user.username
    request.session["pw"] = found[1] if found else ""
    request.session["since"] = now
    request.session["seen"] = now
    request.session["csrf"] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    """End the session, and every other session of the account: copies of its
    cookie included (:func:`avert.workflows.users.end_sessions`)."""
    name = request.session.get("user")
    request.session.clear()
    if isinstance(name, str):
        ctx: WebContext = request.app.state.avert
        end_sessions(ctx.store, name)
        request.app.state.accounts.pop(name, None)


def _session_user(request: Request, ctx: WebContext) -> User | None:
    name = request.session.get("user")
    if not isinstance(name, str):
        return None
    seen = request.session.get("seen")
    since = request.session.get("since")
    if not isinstance(seen, int) or not isinstance(since, int):
        request.session.clear()
        return None
    now = int(time.time())
    ended = _time_out(ctx, now - seen, now - since)
    if ended:
        request.session.clear()
        flash(request, ended)  # the sign-in page says why it is shown
        return None
    # a disabled account, or one whose password was reset since, is signed out
    found = _account(request, ctx, name)
    if found is None or request.session.get("pw") != found[1]:
        request.session.clear()
        return None
    request.session["seen"] = now
    return found[0]


def _time_out(ctx: WebContext, idle_s: int, age_s: int) -> str | None:
    """Why a session of ``idle_s`` seconds since its last request and ``age_s`` since
    its sign-in has ended, or None while it lasts.

    The browser was sent to the sign-in page without a word: the user could not
    tell an ended session from a fault, nor which setting ended it."""
    idle_minutes = int(ctx.settings.session_idle_minutes)
    if idle_s > idle_minutes * 60:
        return (
            f"Your session ended after {idle_minutes} "
            f"minute{'' if idle_minutes == 1 else 's'} without use "
            "(AVERT_SESSION_IDLE_MINUTES): sign in again."
        )
    if age_s > ctx.settings.session_max_seconds():
        return (
            f"Your session ended {ctx.settings.session_max_hours} "
            f"hour{'' if ctx.settings.session_max_hours == '1' else 's'} after "
            "sign-in (AVERT_SESSION_MAX_HOURS): sign in again."
        )
    return None


def known_user(request: Request, *, look_up: bool) -> User | None:
    """The signed-in user of a request that ended in an error, for its page header.

    The one :func:`authorize` found; else (an address no route answers, so
    :func:`authorize` never ran), with ``look_up``, the session's user as
    :func:`authorize` would find it; ``None`` when that fails too. No look-up for
    a server error: the store may be what failed (a 503 must not wait for it).
    """
    user = getattr(request.state, "user", None)
    if isinstance(user, User) or not look_up or "session" not in request.scope:
        return user if isinstance(user, User) else None
    try:
        return _session_user(request, request.app.state.avert)
    except Exception:  # the header is not worth a second error
        return None


#: Seconds an account read from the store is reused by sessions: a disabled account,
#: a changed role or a password reset takes effect within this time.
ACCOUNT_CACHE_S = 5.0


def _account(request: Request, ctx: WebContext, name: str) -> tuple[User, str] | None:
    cache: dict[str, tuple[float, tuple[User, str] | None]] = request.app.state.accounts
    hit = cache.get(name)
    now = time.monotonic()
    if hit is not None and now - hit[0] < ACCOUNT_CACHE_S:
        return hit[1]
    found = session_account(ctx.store, name)
    cache[name] = (now, found)
    return found


def _bearer_user(request: Request, ctx: WebContext) -> User | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return user_for_token(ctx.store, token.strip())


async def _check_csrf(request: Request) -> None:
    expected = request.session.get("csrf")
    sent = request.headers.get("x-csrf-token")
    if sent is None:
        form = await request.form()
        value = form.get("csrf_token")
        sent = value if isinstance(value, str) else None
    if (
        not isinstance(expected, str)
        or sent is None
        or not hmac.compare_digest(expected, sent)
    ):
        msg = "The form's security token is missing or out of date: reload the page."
        raise PermissionDenied(msg)


async def authorize(request: Request) -> None:
    """Router-wide dependency: identify the user and apply the route's policy."""
    ctx: WebContext = request.app.state.avert
    endpoint = request.scope.get("endpoint")
    action = getattr(endpoint, "action", None)
    if action is None:
        msg = "This route declares no action, so nobody may use it."
        raise PermissionDenied(msg)
    bearer = "authorization" in request.headers
    user = _bearer_user(request, ctx) if bearer else _session_user(request, ctx)
    request.state.user = user
    if user is None and action != "public":
        # nobody signed in (the session ended, e.g. signed out in another tab):
        # to the sign-in page, before the form's token is checked; its refusal
        # ("Not allowed ... reload the page") read as if the user were refused
        raise LoginRequired
    # only a valid bearer token (never sent by a browser on its own) spares the
    # CSRF check; any other Authorization header is a form like the rest
    if request.method in _UNSAFE and not (bearer and user is not None):
        try:
            await _check_csrf(request)
        except PermissionDenied as err:
            if action == "public":
                msg = (
                    "This sign-in form was out of date (opened before the last "
                    "sign-in or sign-out, perhaps in another tab): sign in again."
                )
                raise StaleSignInForm(msg) from err
            raise
    if action == "public" or user is None:  # no user: a public route (sign-in)
        return
    area = request.query_params.get("area") or None
    template = getattr(endpoint, "audit_refusal", None)
    if template is None:
        check_allowed(user, action, area=area)
        return
    check_allowed(
        user,
        action,
        area=area,
        store=ctx.store,
        obj=template.format_map(request.path_params),
        purpose=await _purpose(request),
    )


async def _purpose(request: Request) -> str | None:
    """The purpose a person view states (the API's query, the page's form)."""
    purpose = request.query_params.get("purpose")
    if purpose is None and request.method in _UNSAFE:
        value = (await request.form()).get("purpose")
        purpose = value if isinstance(value, str) else None
    return purpose


def current_user(request: Request) -> User:
    """The user :func:`authorize` found (routes that are not public)."""
    user = getattr(request.state, "user", None)
    if not isinstance(user, User):
        raise LoginRequired
    return user
