"""``avert users ...``: web app accounts, roles and API tokens.

Passwords come from the ``AVERT_PASSWORD`` environment variable or a hidden prompt,
never from a command argument (arguments are visible to other users of the machine
and kept in shell history).
"""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

import typer

from avert.cli._common import console, err_console, get_store, styled
from avert.cli._options import JsonOpt
from avert.cli._table import Col, print_frame
from avert.config.choices import ROLES
from avert.config.settings import load_settings

__all__ = ["register"]

PASSWORD_ENV = "AVERT_PASSWORD"

users_app = typer.Typer(
    help=(
        "Web app accounts: add, list, disable, enable, unlock, set-role, "
        "reset-password, token, tokens."
    ),
    no_args_is_help=True,
)

UsernameArg = Annotated[str, typer.Argument(help="Login name.")]


def _check_role(role: str) -> str:
    """``--role``: a usage error (exit 2, before any password prompt) unless one of
    :data:`ROLES`; it exited 1 after the password was typed."""
    if role not in ROLES:
        msg = f"Unknown role {role!r}; roles are {', '.join(ROLES)}"
        raise typer.BadParameter(msg, param_hint="--role")
    return role


RoleOpt = Annotated[
    str,
    typer.Option(
        "--role",
        help=f"One of: {', '.join(ROLES)}.",
        show_default=False,
        callback=_check_role,
    ),
]


def _password() -> str:
    value = load_settings().password
    if value:
        return value
    if not os.isatty(0):
        err_console.print(
            f"No password: set {PASSWORD_ENV} or run in a terminal to be prompted."
        )
        raise typer.Exit(2)
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Repeat password", hide_input=True)
    if first != second:
        err_console.print("The passwords differ.")
        raise typer.Exit(2)
    return str(first)


@users_app.command("add")
def add(
    ctx: typer.Context,
    username: UsernameArg,
    role: RoleOpt,
    org: Annotated[
        str | None, typer.Option("--org", help="Organisation (partners: required).")
    ] = None,
    area: Annotated[
        str | None, typer.Option("--area", help="Area the user is scoped to.")
    ] = None,
) -> None:
    """Create an account (password from AVERT_PASSWORD or a prompt).

    An --area that no incident of the store names is a usage error listing the
    known areas (a store with none loaded yet takes any).
    """
    from avert.errors import ConfigError
    from avert.workflows.users import add_user, check_account_area

    store = get_store(ctx)
    try:
        check_account_area(store, area)
    except ConfigError as err:
        raise typer.BadParameter(str(err), param_hint="--area") from None
    user = add_user(
        store, username, password=_password(), role=role, org=org, area=area
    )
    console.print(f"User {user.username} added with role {user.role}.")


@users_app.command("list")
def list_(
    ctx: typer.Context,
    as_json: JsonOpt = False,
) -> None:
    """Every account with role, organisation, area and state (no password hashes).

    --json adds live_tokens and next_token_expiry; 'avert users tokens' lists the
    tokens with their expiry. An organisation its accounts write in two
    spellings (differing only in case, spaces, accents or look-alike letters) is warned of on standard error.
    """
    from avert.workflows.users import list_users, organisation_spellings_note

    store = get_store(ctx)
    _warn_organisation_spellings(organisation_spellings_note(store))
    print_frame(
        list_users(store),
        [
            Col("username", "id"),
            Col("role", "fixed"),
            Col("org", "text"),
            Col("area", "text"),
            Col("state", "text"),
        ],
        lambda row: [
            row["username"],
            row["role"],
            row["org"] or "",
            row["area"] or "",
            _state(row),
        ],
        as_json=as_json,
        title="users",
    )


def _warn_organisation_spellings(note: str | None) -> None:
    """Warn on standard error (a --json answer stays whole) of accounts of one
    organisation in two spellings
    (:func:`avert.workflows.users.organisation_spellings_note`)."""
    if note is not None:
        err_console.print(styled(("warning:", "yellow"), " ", note))


def _state(user: dict[str, Any]) -> str:
    """An account's state: active or disabled, and locked until when (only while the
    lock lasts) or how many failed sign-ins in a row."""
    state = "disabled" if user["disabled"] else "active"
    if user["lockout"] is not None:
        state += f", {user['lockout']}"
    return state


def _set_disabled(ctx: typer.Context, username: str, *, disabled: bool) -> None:
    """Disable or enable ``username`` and say which."""
    from avert.workflows.users import set_disabled

    set_disabled(get_store(ctx), username, disabled=disabled)
    if disabled:
        console.print(f"User {username} disabled: {_TAKES_EFFECT}.")
    else:
        console.print(f"User {username} enabled.")


#: when a change of an account reaches a running server, which reuses an account
#: it read for avert.web.auth.ACCOUNT_CACHE_S (5 s; not imported: the web stack)
_TAKES_EFFECT = (
    "its API tokens are refused at their next use; a running server ends its "
    "web sessions within 5 s"
)


@users_app.command("disable")
def disable(ctx: typer.Context, username: UsernameArg) -> None:
    """Stop an account from signing in or using its tokens.

    Its API tokens are refused at their next use; a running server ends its open
    web sessions within 5 s (it reuses an account it read for 5 s, docs/web.md).
    """
    _set_disabled(ctx, username, disabled=True)


@users_app.command("enable")
def enable(ctx: typer.Context, username: UsernameArg) -> None:
    """Allow a disabled account again (and clear any lockout)."""
    _set_disabled(ctx, username, disabled=False)


@users_app.command("unlock")
def unlock_(ctx: typer.Context, username: UsernameArg) -> None:
    """Clear an account's lockout and failed sign-ins (its password is kept)."""
    from avert.workflows.users import current_account, stored_username, unlock

    store = get_store(ctx)
    username = stored_username(store, username)
    cleared = unlock(store, username)
    if cleared is None:
        console.print(f"User {username} was not locked: nothing to clear.")
    else:
        console.print(f"User {username} unlocked ({cleared} cleared).")
    if current_account(store, username) is None:  # unlocked, yet still kept out
        console.print(
            f"User {username} is disabled and still cannot sign in: "
            f"'avert users enable {username}' lets them."
        )


@users_app.command("set-role")
def set_role_(
    ctx: typer.Context,
    username: UsernameArg,
    role: RoleOpt,
) -> None:
    """Change an account's role.

    API tokens act under the new role at their next use; a running server's open
    web sessions within 5 s (docs/web.md).
    """
    from avert.workflows.users import set_role

    set_role(get_store(ctx), username, role)
    console.print(
        f"User {username} now has role {role} (API tokens at their next use; "
        "a running server's web sessions within 5 s)."
    )


@users_app.command("reset-password")
def reset_password_(ctx: typer.Context, username: UsernameArg) -> None:
    """Set a new password (from AVERT_PASSWORD or a prompt) and clear any lockout.

    The account's open web sessions end (within 5 s at a running server,
    docs/web.md).
    """
    from avert.workflows.users import reset_password

    reset_password(get_store(ctx), username, _password())
    console.print(f"Password of {username} reset.")


#: a whole token (``avt_ID_SECRET``) anywhere in what was pasted: alone, or in
#: the header it is sent in (``Bearer avt_...``)
_PASTED_TOKEN = re.compile(r"(?:^|[^0-9A-Za-z_-])avt_([0-9A-Za-z]+)_")


def _token_id(given: str) -> str:
    """The id of ``--revoke``: as given, or the id part of a whole token pasted
    (``avt_ID_SECRET``, alone or as ``Bearer avt_ID_SECRET``), whose secret is then
    neither looked up nor printed."""
    found = _PASTED_TOKEN.search(" " + given)
    return found.group(1) if found is not None else given


def _check_days(days: int | None) -> int | None:
    """``--days``: a usage error (exit 2) unless a whole number of days from 1 to
    the ``token_max_days`` setting."""
    from avert.errors import ConfigError
    from avert.workflows.users import check_token_days

    if days is None:
        return None
    _, max_days = load_settings().token_lifetimes()
    try:
        return check_token_days(days, max_days=max_days)
    except ConfigError as err:
        raise typer.BadParameter(str(err), param_hint="--days") from None


@users_app.command("token")
def token(
    ctx: typer.Context,
    username: UsernameArg,
    revoke: Annotated[
        str | None,
        typer.Option(
            "--revoke",
            help="Revoke USERNAME's token with this id instead (the whole token, "
            "avt_ID_..., is taken as its id).",
        ),
    ] = None,
    days: Annotated[
        int | None,
        typer.Option(
            "--days",
            help="Days the new token works (1 to the token_max_days setting, 365 "
            "by default). Default: the token_days setting (AVERT_TOKEN_DAYS, 90).",
            callback=_check_days,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Print a new API token for USERNAME once (only its digest is kept).

    Says until when it works: --days days, or the token_days setting (90 by
    default); an expired token is refused as a revoked one is.
    """
    from avert.workflows.users import issue_token, revoke_token, token_expires_at

    if revoke is not None and days is not None:
        raise typer.BadParameter(
            "--days is for a new token, not with --revoke", param_hint="--days"
        )
    store = get_store(ctx)
    if revoke is not None:
        revoke = _token_id(revoke)
        earlier = revoke_token(store, revoke, username=username)
        if earlier is None:
            console.print(f"Token {revoke} of {username} revoked.")
        else:
            console.print(f"Token {revoke} of {username} was revoked already.")
        return
    default_days, max_days = load_settings().token_lifetimes()
    value = issue_token(
        store, username, days=default_days if days is None else days, max_days=max_days
    )
    expires = token_expires_at(store, value)
    err_console.print(
        "New API token (shown once; send it as 'Authorization: Bearer TOKEN'), "
        f"works until {expires:%Y-%m-%d %H:%M}:"
        if expires is not None
        else "New API token (shown once; send it as 'Authorization: Bearer TOKEN'):"
    )
    typer.echo(value)


@users_app.command("tokens")
def tokens(
    ctx: typer.Context,
    username: Annotated[
        str | None, typer.Argument(help="Login name (default: every account's tokens).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """API tokens with their expiry and state (never a value or digest).

    Id, owner, issued, expires, state (live, expired, revoked when), last use and
    refused uses not yet in the audit log (at most one token-refused row a minute
    per token: the others are counted on the token until its next row), the oldest
    first; of USERNAME's account, or of every account.
    """
    from avert.workflows.users import list_tokens, list_users, stored_username

    store = get_store(ctx)
    name = None if username is None else stored_username(store, username)
    disabled = {
        row["username"]
        for row in list_users(store).iter_rows(named=True)
        if row["disabled"]
    }
    print_frame(
        list_tokens(store, name),
        [
            Col("token", "id"),
            Col("user", "id", drop=2),
            Col("issued", "fixed", drop=3),
            Col("expires", "fixed"),
            Col("state", "text"),
            Col("last used", "fixed", drop=1),
            Col("refused, not audited", "text"),
        ],
        lambda row: [
            row["token_id"],
            row["username"],
            _minute(row["created_at"]),
            _minute(row["expires_at"]) or "none kept",
            _token_state(row, disabled=row["username"] in disabled),
            _minute(row["last_used_at"]) or "never",
            _unaudited_refusals(row),
        ],
        as_json=as_json,
        title="API tokens",
    )


def _minute(at: Any) -> str:
    """A stored time to the minute, or "" for none."""
    return "" if at is None else f"{at:%Y-%m-%d %H:%M}"


def _unaudited_refusals(row: dict[str, Any]) -> str:
    """How many refused uses of a token were counted since its last
    ``token-refused`` audit row (``refused_at``, in ``--json``) and are in no row
    yet (the next row says how many it stands for), or "" for none."""
    count = row.get("refusals_unaudited") or 0
    return str(count) if count else ""


def _token_state(row: dict[str, Any], *, disabled: bool) -> str:
    """A token's state: revoked (when), expired, stopped (its account disabled: it
    works again when enabled, until it expires), or live."""
    if row["revoked_at"] is not None:
        return f"revoked {_minute(row['revoked_at'])}"
    if row["expired"]:
        return "expired"
    return "stopped: account disabled" if disabled else "live"


def register(app: typer.Typer) -> None:
    """Add the ``users`` group to the root app."""
    app.add_typer(users_app, name="users")
