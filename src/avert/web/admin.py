"""Administration pages: the accounts of the web app (``/admin/users``, admin only).

The page lists every account and adds one; an account's page disables or enables
it, clears its lockout, changes its role, resets its password, and lists, issues
and revokes its API tokens (a new token's value is on the answer to its form alone,
never stored, logged, audited nor redirected to). Each form calls
the workflow the CLI calls (:mod:`avert.workflows.users`), so both refuse alike (a
short password, a partner without an organisation, an administrator disabling
themselves, the last enabled administrator removed) and every change is audited
under the administrator who made it. A change answers with a redirect to the
account's page (POST-redirect-GET) and a note kept in the session
(:func:`avert.web.auth.flash`); a refused form comes back with the reason above it
and what was typed in it, never a password.

The form that issues a token carries a one-time nonce (:func:`_issue_form_nonce`):
reloading the answer that showed a new token re-posts that form, and issued a
second live token each time; a nonce already used issues nothing and says so. The
store keeps the nonce's digest with the token under a unique constraint, so two
posts of one form taken by two server processes issue one token too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from avert.errors import ConfigError, ConflictError, NotFound, PermissionDenied
from avert.policy import ROLES
from avert.web.auth import (
    authorize,
    csrf_token,
    current_user,
    flash,
    requires,
    sign_in,
    take_flash,
)
from avert.web.pages import _ctx, _page
from avert.workflows import users

__all__ = ["router"]


async def _from_a_session(request: Request) -> None:
    """Refuse a change of accounts sent with an API token (``Authorization``):
    accounts and their tokens are changed from a signed-in session only. A stolen
    administrator's token could otherwise add an administrator with a password of
    its holder's choosing, or reset one's, and that session issue tokens that
    outlive the stolen one's revocation. Reading the pages is unchanged."""
    if request.method != "GET" and "authorization" in request.headers:
        msg = (
            "Accounts and their API tokens are changed from a signed-in session, "
            "not with an API token."
        )
        raise PermissionDenied(msg)


router = APIRouter(dependencies=[Depends(authorize), Depends(_from_a_session)])

ACTION = "manage-users"


def _account_href(username: str) -> str:
    return f"/admin/users/{quote(username, safe='')}"


def _forget_cached(request: Request, username: str) -> None:
    """Drop this process's copy of the account (:data:`avert.web.auth.ACCOUNT_CACHE_S`):
    a disabled account or a new role takes effect at its next request here."""
    request.app.state.accounts.pop(username, None)


def _done(request: Request, username: str, note: str) -> Response:
    """After a change: the note for the next page, and to the account's page."""
    _forget_cached(request, username)
    flash(request, note)
    return RedirectResponse(_account_href(username), status_code=303)


def _nonce_mac(request: Request, username: str, random_part: str) -> str:
    """The nonce's signature: HMAC-SHA256 keyed by the session's CSRF token over
    the account and the random part (so a nonce is good for one session and one
    account only)."""
    key = csrf_token(request).encode()
    message = f"{username}\x00{random_part}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()[:32]


def _issue_form_nonce(request: Request, username: str) -> str:
    """A fresh one-time nonce for the account page's issue form: a random part
    and its signature (:func:`_nonce_mac`); nothing is kept until it is used."""
    random_part = secrets.token_urlsafe(12)
    return f"{random_part}.{_nonce_mac(request, username, random_part)}"


def _check_issue_nonce(request: Request, username: str, nonce: str) -> str | None:
    """The random part of ``nonce`` when it is a nonce this session's form for
    ``username`` carried, else None (another session's or account's, or none: out
    of date). Whether it issued a token already is the store's to say
    (:func:`avert.workflows.users.issue_token`): the session and the process knew
    only the posts they took, and two posts of one form at two server processes
    both passed."""
    random_part, _, mac = nonce.partition(".")
    if not random_part or not hmac.compare_digest(
        mac, _nonce_mac(request, username, random_part)
    ):
        return None
    return random_part


def _accounts(request: Request) -> list[dict[str, Any]]:
    return users.list_users(_ctx(request).store).to_dicts()


def _stored_name(request: Request, username: str) -> str:
    """The account ``username`` of a URL names, as every form's workflow looks
    it up (:func:`avert.workflows.users.stored_username`: as written when an
    account has it exactly, else its NFC form). A link composed otherwise
    ("sio" + U+0302 + "n" for "siôn") showed no account (404) while its forms
    changed the account, dropped another name's cached copy (the account
    disabled stayed signed in here) and answered with that 404."""
    return users.stored_username(_ctx(request).store, username)


def _account(request: Request, username: str) -> dict[str, Any]:
    """One account as the list gives it, by :func:`_stored_name` (404 when there
    is none)."""
    name = _stored_name(request, username)
    found = [a for a in _accounts(request) if a["username"] == name]
    if not found:
        # the name is not repeated: a link's text on avert's own page
        raise NotFound("No such account.")
    return found[0]


def _list_page(
    request: Request,
    *,
    status: int = 200,
    error: str | None = None,
    typed: dict[str, str] | None = None,
) -> Response:
    return _page(
        request,
        "admin_users.html",
        status=status,
        accounts=_accounts(request),
        # accounts of one organisation in two spellings (made before a second
        # spelling was refused): two organisations, two pseudonym keys
        spellings=users.organisation_spellings_note(_ctx(request).store),
        roles=ROLES,
        min_password=users.MIN_PASSWORD_CHARS,
        max_username=users.MAX_USERNAME_CHARS,
        note=take_flash(request) if status == 200 else None,
        error=error,
        typed=typed or {},
    )


def _account_page(
    request: Request,
    username: str,
    *,
    status: int = 200,
    error: str | None = None,
    form: str | None = None,
    typed: dict[str, str] | None = None,
    new_token: str | None = None,
) -> Response:
    """An account's page with its tokens; ``error`` is shown above the ``form`` it
    refused; ``new_token``: the value of a token just issued (this answer only)."""
    found = _account(request, username)
    return _page(
        request,
        "admin_user.html",
        status=status,
        account=found,
        tokens=users.list_tokens(_ctx(request).store, found["username"]).to_dicts(),
        new_token=new_token,
        new_token_expires=None
        if new_token is None
        else users.token_expires_at(_ctx(request).store, new_token),
        token_days=_ctx(request).settings.token_lifetimes(),
        issue_nonce=_issue_form_nonce(request, found["username"]),
        roles=ROLES,
        min_password=users.MIN_PASSWORD_CHARS,
        note=take_flash(request) if status == 200 else None,
        error=error,
        error_form=form,
        typed=typed or {},
    )


@router.get("/admin/users")
@requires(ACTION)
def accounts(request: Request) -> Response:
    """Every account (role, organisation, area, state, last sign-in) and a form to
    add one."""
    return _list_page(request)


@router.post("/admin/users")
@requires(ACTION)
def add_account(
    request: Request,
    username: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    org: Annotated[str, Form()] = "",
    area: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
) -> Response:
    """Add an account (the CLI's ``users add`` rules); refused, the form again as
    typed, its passwords empty."""
    typed = {"username": username, "role": role, "org": org, "area": area}
    try:
        _check_repeated(password, password_again)
        users.check_account_area(_ctx(request).store, area)
        made = users.add_user(
            _ctx(request).store,
            username.strip(),
            password=password,
            role=role,
            org=org,
            area=area,
            by=current_user(request).username,
        )
    except ConfigError as err:
        return _list_page(request, status=400, error=str(err), typed=typed)
    return _done(
        request, made.username, f"Account {made.username} added ({made.role})."
    )


def _check_repeated(password: str, again: str) -> None:
    """Refuse two passwords that differ (as the CLI's prompt does)."""
    if password != again:
        msg = "The two passwords differ: type the new password twice."
        raise ConfigError(msg)


@router.get("/admin/users/{username}")
@requires(ACTION)
def account(request: Request, username: str) -> Response:
    """One account with its forms: disable or enable, unlock, role, password."""
    return _account_page(request, username)


@router.post("/admin/users/{username}/disabled")
@requires(ACTION)
def set_disabled(
    request: Request, username: str, disabled: Annotated[str, Form()] = ""
) -> Response:
    """Disable (``disabled=true``) or enable (``false``) an account."""
    username = _stored_name(request, username)
    if disabled not in ("true", "false"):
        return _account_page(
            request,
            username,
            status=400,
            form="disabled",
            error="Disabled: true or false.",
        )
    off = disabled == "true"
    try:
        users.set_disabled(
            _ctx(request).store,
            username,
            disabled=off,
            by=current_user(request).username,
        )
    except ConfigError as err:
        return _account_page(
            request, username, status=400, form="disabled", error=str(err)
        )
    said = "disabled: it cannot sign in" if off else "enabled"
    return _done(request, username, f"Account {username} {said}.")


@router.post("/admin/users/{username}/unlock")
@requires(ACTION)
def unlock(request: Request, username: str) -> Response:
    """Clear the account's lockout and failed sign-ins (its password is kept)."""
    username = _stored_name(request, username)
    cleared = users.unlock(
        _ctx(request).store, username, by=current_user(request).username
    )
    note = (
        f"Account {username} unlocked ({cleared} cleared)."
        if cleared
        else f"Account {username} was not locked: nothing to clear."
    )
    return _done(request, username, note)


@router.post("/admin/users/{username}/role")
@requires(ACTION)
def set_role(
    request: Request, username: str, role: Annotated[str, Form()] = ""
) -> Response:
    """Change the account's role."""
    username = _stored_name(request, username)
    try:
        users.set_role(
            _ctx(request).store, username, role, by=current_user(request).username
        )
    except ConfigError as err:
        return _account_page(
            request,
            username,
            status=400,
            form="role",
            error=str(err),
            typed={"role": role},
        )
    return _done(request, username, f"Account {username} now has the role {role}.")


@router.post("/admin/users/{username}/password")
@requires(ACTION)
def reset_password(
    request: Request,
    username: str,
    password: Annotated[str, Form()] = "",
    password_again: Annotated[str, Form()] = "",
) -> Response:
    """Set a new password: the account's lockout is cleared and its sessions end
    (the administrator's own reset keeps this session, ending the others)."""
    username = _stored_name(request, username)
    me = current_user(request)
    try:
        _check_repeated(password, password_again)
        users.reset_password(_ctx(request).store, username, password, by=me.username)
    except ConfigError as err:
        return _account_page(
            request, username, status=400, form="password", error=str(err)
        )
    if username == me.username:
        _forget_cached(request, username)
        sign_in(request, me)  # a session with the new password's stamp
    ended = "your other sessions" if username == me.username else "its sessions"
    return _done(
        request, username, f"Password of {username} reset: {ended} are signed out."
    )


@router.post("/admin/users/{username}/tokens")
@requires(ACTION)
def issue_token(
    request: Request,
    username: str,
    issue_nonce: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
) -> Response:
    """Issue an API token to the account: its value is on this answer alone (not a
    redirect: it would travel in a URL or the session), ``Cache-Control: no-store``
    as every answer (:data:`avert.web.app.SECURITY_HEADERS`); the store keeps its
    digest, the audit row its id.

    Once per form: ``issue_nonce`` (:func:`_issue_form_nonce`) sent again, as a
    reload of this answer or a double click does, issues nothing (409) and says a
    token was issued from it already; the store keeps the nonce's digest with the
    token, so this holds whichever server process takes each post. A form refused
    (the account disabled meanwhile) issued nothing and stays good. Refused with
    another token (``Authorization: Bearer``), as every change of accounts is
    (:func:`_from_a_session`): a token is issued from a signed-in session.

    ``days``: its lifetime (empty: the ``token_days`` setting), a whole number
    from 1 to ``token_max_days``; another is refused (400, nothing issued)."""
    store = _ctx(request).store
    name = _account(request, username)["username"]
    default_days, max_days = _ctx(request).settings.token_lifetimes()
    random_part = _check_issue_nonce(request, name, issue_nonce)
    if random_part is None:
        why = (
            "This form to issue a token is out of date (or for another account): "
            "nothing was issued. Use the form below."
        )
        return _account_page(request, name, status=400, form="tokens", error=why)
    try:
        lifetime = _token_days(days, default_days, max_days)
        value = users.issue_token(
            store,
            name,
            by=current_user(request).username,
            form_nonce=random_part,
            days=lifetime,
            max_days=max_days,
        )
    except ConflictError:  # before ConfigError, which it is
        why = (
            "A token was already issued from this form (a reload sends it again): "
            "nothing more was issued. Its value was shown once, on the answer to "
            "the form; if it was not copied, revoke it below and issue another."
        )
        return _account_page(request, name, status=409, form="tokens", error=why)
    except ConfigError as err:  # nothing issued: the form stays good
        return _account_page(request, name, status=400, form="tokens", error=str(err))
    # every answer of the app is ``Cache-Control: no-store`` (SECURITY_HEADERS)
    return _account_page(request, name, new_token=value)


def _token_days(typed: str, default_days: int, max_days: int) -> int:
    """The lifetime typed in the issue form, in days (empty: ``default_days``),
    checked by :func:`avert.workflows.users.check_token_days`; a
    :class:`ConfigError` stating the bounds when it is not a whole number in
    them."""
    text = typed.strip()
    if not text:
        return default_days
    if not (text.isascii() and text.isdigit() and len(text) < 9):
        msg = (
            f"A token's lifetime is a whole number of days from 1 to {max_days}: "
            "nothing was issued."
        )
        raise ConfigError(msg)
    return users.check_token_days(int(text), max_days=max_days)


@router.post("/admin/users/{username}/tokens/{token_id}/revoke")
@requires(ACTION)
def revoke_token(request: Request, username: str, token_id: str) -> Response:
    """Revoke one of the account's tokens (another account's id is refused: 404,
    nothing revoked); one revoked already is left as it was, and said so."""
    name = _account(request, username)["username"]
    try:
        earlier = users.revoke_token(
            _ctx(request).store,
            token_id,
            username=name,
            by=current_user(request).username,
        )
    except NotFound:
        # the id is not repeated: it comes from the request
        return _account_page(
            request,
            name,
            status=404,
            form="tokens",
            error="This account has no such token: nothing was revoked.",
        )
    note = (
        f"Token {token_id} of {name} revoked: it no longer works."
        if earlier is None
        else f"Token {token_id} of {name} was revoked already "
        f"({earlier:%d %b %Y %H:%M}): nothing changed."
    )
    return _done(request, name, note)
