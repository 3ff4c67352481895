"""Accounts of the web app: users, roles, passwords, API tokens and sign-in.

Passwords are hashed with Argon2id (RFC 9106; ``argon2-cffi``'s defaults, which
follow the RFC's second recommended option) and never stored or logged. API tokens
are 32 random bytes shown once; the store keeps only their SHA-256 digest (a token is
high-entropy, so a fast digest is safe, unlike a password). Sign-in locks an account
after ``login_max_failures`` failures in a row for ``login_lockout_minutes``, and a
client address after ``login_client_max_failures`` failures within
``login_client_window_minutes`` (:class:`SignInThrottle`); both counts are kept in
the store, so every server process and a restarted one share them. Every
change of an account, every sign-in (and failed sign-in) and every token use is in
the audit log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import math
import secrets
import threading
import time
import unicodedata
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, NoReturn

import polars as pl
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from avert.access import (
    live_organisations,
    organisation_fold,
    organisation_name_problem,
    organisation_spelling,
    split_organisations,
)
from avert.config.settings import (
    DEFAULT_TOKEN_DAYS,
    DEFAULT_TOKEN_MAX_DAYS,
    Settings,
)
from avert.config.timezone import check_timezone, local_now
from avert.errors import (
    ConfigError,
    ConflictError,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from avert.policy import ROLES, Decision, decide
from avert.store import Store, audit, sign_ins
from avert.store.users import (
    add_token_row,
    add_user_row,
    change_user,
    clear_failed_logins,
    count_token_refusal,
    read_token,
    read_tokens,
    read_user,
    read_users,
    reserve_sign_in,
    revoke_token_row,
    stamp_token_use,
)

__all__ = [
    "MAX_USERNAME_CHARS",
    "MIN_PASSWORD_CHARS",
    "UNKNOWN_NAME",
    "SignInThrottle",
    "User",
    "account_orgs_of",
    "add_user",
    "audit_as",
    "authenticate",
    "check_account_area",
    "check_allowed",
    "check_token_days",
    "end_sessions",
    "is_allowed",
    "issue_token",
    "list_tokens",
    "list_users",
    "lockout_state",
    "normal_username",
    "organisation_as_stored",
    "organisation_spellings_note",
    "refuse_unseen",
    "reset_password",
    "revoke_token",
    "session_account",
    "set_disabled",
    "set_role",
    "stored_username",
    "token_expires_at",
    "unknown_name",
    "unlock",
    "user_for_token",
    "username_skeleton",
]

#: Shortest password accepted (NCSC password guidance: length over complexity).
MIN_PASSWORD_CHARS = 12
#: Longest username accepted: a sign-in name, not a document. Without a bound a
#: name of a few thousand characters was created on SQLite and ended in a traceback
#: on PostgreSQL (a B-tree index entry holds at most 2,704 bytes).
MAX_USERNAME_CHARS = 64
_TOKEN_PREFIX = "avt"
_HASHER = PasswordHasher()
# A hash of a random password: verifying against it when the user does not exist
# keeps the time of a failed sign-in the same for known and unknown names.
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class User:
    """A signed-in user, as the web app and the policy see them."""

    username: str
    role: str
    org: str | None = None
    area: str | None = None


def is_allowed(
    user: User, action: str, *, area: str | None = None, org: str | None = None
) -> bool:
    """Whether ``user`` may do ``action`` (:func:`avert.policy.decide`) on what lies
    in ``area`` or belongs to ``org`` (None: no particular area or organisation)."""
    return bool(_decision(user, action, area=area, org=org))


def check_allowed(
    user: User,
    action: str,
    *,
    area: str | None = None,
    org: str | None = None,
    store: Store | None = None,
    obj: str | None = None,
    purpose: str | None = None,
) -> None:
    """Refuse with :class:`PermissionDenied` (the policy's reason) unless
    :func:`is_allowed`.

    With ``store`` and ``obj`` (what was asked for, e.g. ``person:P1``), a refusal
    is audited before it is raised: a ``view-refused`` row under the user and role,
    with ``obj``, the stated ``purpose`` and the policy's reason, and ``detail``
    ``outcome=refused; asked=ACTION``. The row says only what the user asked for
    (nothing is looked up: whether the record exists is not told nor kept).
    """
    decision = _decision(user, action, area=area, org=org)
    if not decision:
        if store is not None and obj is not None:
            said = _clip(purpose.strip(), _AUDITED_PURPOSE_CHARS) if purpose else ""
            audit_as(
                store,
                user,
                action="view-refused",
                obj=_clip(obj, _AUDITED_NAME_CHARS),
                reason=f"{said} (refused: {decision.reason})"
                if said
                else f"refused: {decision.reason}",
                detail=audit.describe(outcome="refused", asked=action),
            )
        raise PermissionDenied(decision.reason)


def refuse_unseen(
    store: Store, user: User, *, obj: str, asked: str, reason: str
) -> NoReturn:
    """Refuse ``user`` an item they may not see or change, alike whether it exists.

    A partner asking for another organisation's action or tasking and one asking
    for an id that names nothing get the same :class:`PermissionDenied` (``reason``
    must not depend on the item: no owner, no id) after the same work: one
    ``view-refused`` audit row of ``obj`` (e.g. ``action:A01``, at most 64
    characters), ``detail`` ``outcome=refused; asked=ASKED``, as
    :func:`check_allowed` writes for a refused person view.
    """
    audit_as(
        store,
        user,
        action="view-refused",
        obj=_clip(obj, _AUDITED_NAME_CHARS),
        reason=f"refused: {reason}",
        detail=audit.describe(outcome="refused", asked=asked),
    )
    raise PermissionDenied(reason)


def _decision(
    user: User, action: str, *, area: str | None, org: str | None
) -> Decision:
    return decide(
        user.role,
        action,
        user_area=user.area,
        resource_area=area,
        user_org=user.org,
        resource_org=org,
    )


def audit_as(
    store: Store,
    user: User,
    *,
    action: str,
    obj: str,
    reason: str,
    detail: str | None = None,
) -> None:
    """Write the audit row of what a signed-in ``user`` did (with their role);
    ``detail`` as :func:`avert.store.audit.describe` makes it."""
    audit.record(
        store,
        action=action,
        obj=obj,
        reason=reason,
        role=user.role,
        user=user.username,
        detail=detail,
    )


def _audit_change(
    store: Store, obj: str, reason: str, by: str | None, detail: str | None = None
) -> None:
    """Audit an administrator's change to an account or token (``by``: who)."""
    audit.record(
        store,
        action="change",
        obj=obj,
        reason=reason,
        role="admin",
        user=by,
        detail=detail,
    )


def _now(store: Store) -> dt.datetime:
    """Now in the force's zone (the store's), as every stored time."""
    return local_now(store.timezone).replace(microsecond=0)


def _check_role(role: str) -> None:
    if role not in ROLES:
        msg = f"Unknown role {role!r}; roles are {', '.join(ROLES)}"
        raise ConfigError(msg)


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_CHARS:
        msg = f"A password needs at least {MIN_PASSWORD_CHARS} characters."
        raise ConfigError(msg)


def _check_org(role: str, org: str | None) -> None:
    """A partner account needs its organisation: partners see and change only their
    organisation's actions and taskings (the policy's ``org`` scope)."""
    if role == "partner" and not (org or "").strip():
        msg = (
            "A partner account needs an organisation (--org on the command line): "
            "partners see and change only their organisation's actions and taskings."
        )
        raise ConfigError(msg)


def _check_keeps_an_admin(
    accounts: pl.DataFrame, username: str, *, change: str
) -> None:
    """Refuse a ``change`` of ``username`` that would leave no enabled administrator
    among ``accounts`` (every account, as the change's transaction reads them):
    nobody could then manage accounts in the web app (only on the server, with the
    CLI)."""
    admins = accounts.filter((pl.col("role") == "admin") & ~pl.col("disabled"))
    if admins["username"].to_list() == [username]:
        msg = (
            f"{username} is the last enabled administrator: {change} would leave "
            "nobody to manage accounts. Make another account admin first."
        )
        raise ConfigError(msg)


def _check_acting_admin(accounts: pl.DataFrame, by: str | None) -> None:
    """Refuse a change made in the web app unless ``by``, the administrator signed
    in, is an enabled administrator among ``accounts`` (read in the change's
    transaction); None: the command line on the server, not checked.

    A web worker knows an account's role and state up to
    ``ACCOUNT_CACHE_S`` late (:mod:`avert.web.auth`): an administrator just demoted
    or disabled at another worker still passed as one there, and could make
    themselves admin again or enable themselves.
    """
    if by is None:
        return
    me = accounts.filter(pl.col("username") == by)
    if not me.height or me["role"][0] != "admin" or me["disabled"][0]:
        msg = "Not allowed: your account is no longer an enabled administrator."
        raise PermissionDenied(msg)


def _check_not_self(username: str, by: str | None, *, change: str) -> None:
    """Refuse an administrator a ``change`` of their own account (they would lock
    themselves out mid-task): another administrator makes it."""
    if by is not None and by == username:
        msg = f"You cannot {change} your own account: ask another administrator."
        raise ConfigError(msg)


def _user_row(store: Store, username: str) -> dict[str, object]:
    row = read_user(store, username)
    if row is None:
        msg = f"No user {username!r}"
        raise NotFound(msg)
    return row


def check_account_area(store: Store, area: str | None) -> None:
    """Refuse (:class:`ConfigError`) an account's ``area`` that no incident of the
    store names, listing the known areas (:func:`avert.workflows.briefing.known_areas`,
    matched as the briefing matches areas: any case, no surrounding spaces): a typo
    gave an account that saw nothing, without a word. No area, or a store whose
    incidents name none yet (accounts are made before the first load), passes."""
    from avert.workflows.briefing import (
        area_named_otherwise,
        known_areas,
        names_known_area,
    )
    from avert.workflows.equality import join_area_names

    if area is None or not area.strip():
        return
    known = known_areas(store)
    if not known or names_known_area(area, known):
        return
    hint = area_named_otherwise(store, area)
    if hint is not None:
        msg = f"No area {area.strip()!r} in the store: {hint}"
    else:
        more = f" (the first 20 of {len(known)})" if len(known) > 20 else ""
        msg = (
            f"No area {area.strip()!r} in the store: the account would see nothing "
            f"in it. Known areas{more}: {join_area_names(known[:20])}"
        )
    raise ConfigError(msg)


def add_user(
    store: Store,
    username: str,
    *,
    password: str,
    role: str,
    org: str | None = None,
    area: str | None = None,
    by: str | None = None,
) -> User:
    """Create an account (audited as ``change``); the name must be new, a partner
    account needs its organisation (``org``)."""
    _check_role(role)
    typed_org = org
    org = organisation_as_stored(account_orgs_of(read_users(store)), typed_org)
    area = (area or "").strip() or None
    _check_org(role, org)
    _check_password(password)
    username = normal_username(username)
    _check_username(username)
    if read_user(store, username) is not None:
        msg = f"User {username!r} exists already"
        raise ConfigError(msg)
    now = _now(store)

    def check(accounts: pl.DataFrame) -> None:
        _check_new_name(accounts, username, by)
        # an account of another spelling made meanwhile, by another administrator
        organisation_as_stored(account_orgs_of(accounts), typed_org)

    added = add_user_row(
        store,
        check=check,
        row={
            "username": username,
            "password_hash": _HASHER.hash(password),
            "role": role,
            "org": org,
            "area": area,
            "disabled": False,
            "failed_logins": 0,
            "locked_until": None,
            "created_at": now,
            "updated_at": now,
        },
    )
    if not added:  # added meanwhile, by another administrator
        msg = f"User {username!r} exists already"
        raise ConfigError(msg)
    _audit_change(store, f"user:{username}", f"account created with role {role}", by)
    return User(username, role, org, area)


def account_orgs_of(accounts: pl.DataFrame) -> list[str]:
    """The organisations of ``accounts`` (rows of the users table, with ``org``
    and ``disabled``), once each, as stored, sorted, but for a spelling whose
    accounts are all disabled beside one of an enabled account
    (:func:`avert.access.live_organisations`)."""
    enabled = ~accounts["disabled"].fill_null(value=False)
    return live_organisations(zip(accounts["org"], enabled, strict=True))


def organisation_as_stored(orgs: Sequence[str], typed: str | None) -> str | None:
    """The organisation a new account of ``typed`` stores, given the accounts'
    organisations ``orgs`` (None when blank).

    One organisation, one spelling: its name as stored derives its pseudonym
    key (setting ``pseudonym_scope`` ``organisation``) and grants its accounts
    its taskings and actions, so "Council" and "council " were two
    organisations with two keys. A name is stored NFC, trimmed, with each inner
    run of spaces one (:func:`avert.access.organisation_spelling`); an
    existing spelling typed exactly is kept as stored (a store made before,
    whose keys must not change); one that differs from an existing one only in
    case or spaces, or in letters that look alike (another script's, an
    accent, an invisible character: :func:`avert.access.organisation_fold`), is
    refused, naming the spelling to use; a new name with an invisible character
    or letters of two scripts is refused
    (:func:`avert.access.organisation_name_problem`).

    >>> organisation_as_stored(["Council"], "  Council ")
    'Council'
    >>> organisation_as_stored(["council "], "council ")  # stored so before
    'council '
    >>> organisation_as_stored(["Council"], "council")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    avert.errors.ConfigError: Organisation 'council' exists as 'Council': use that spelling ...
    >>> organisation_as_stored(["Council"], "Councıl")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    avert.errors.ConfigError: Organisation 'Councıl' exists as 'Council': use that spelling ...
    """
    for exact in (typed, (typed or "").strip()):
        if exact and exact in orgs:
            return exact
    spelt = organisation_spelling(typed)
    if spelt is None or spelt in orgs:
        return spelt
    fold = organisation_fold(spelt)
    same = [o for o in orgs if organisation_fold(o) == fold]
    if same:
        msg = (
            f"Organisation {spelt!r} exists as {same[0]!r}: use that spelling (an "
            "organisation's accounts share its taskings, actions and pseudonyms "
            "by its one spelling)."
        )
        raise ConfigError(msg)
    if problem := organisation_name_problem(typed):
        msg = (
            f"Organisation {spelt!r} {problem}: it reads as a name it is not, and "
            "would be an organisation of its own, with its own pseudonym key. Type "
            "it in one script, without invisible characters."
        )
        raise ConfigError(msg)
    return spelt


def organisation_spellings_note(store: Store) -> str | None:
    """What to tell an administrator when the accounts write one organisation in
    more than one spelling (:func:`avert.access.split_organisations`: a store
    whose accounts were made before a second spelling was refused), else None.
    Each spelling is an organisation of its own: its own pseudonym key, its own
    taskings and actions."""
    split = split_organisations(account_orgs_of(read_users(store)))
    if not split:
        return None
    named = "; ".join(" / ".join(repr(s) for s in spellings) for spellings in split)
    return (
        f"The accounts write one organisation in more than one spelling: {named}. "
        "Each spelling is an organisation of its own (its own pseudonym key under "
        "pseudonym_scope organisation, its own taskings and actions). Make the "
        "accounts of one spelling again in the other ('avert users add --org' "
        "in it, then 'avert users disable' the old ones): their pseudonyms "
        "change to the other's, and the taskings and actions saved in the "
        "spelling disabled are the other's."
    )


def stored_username(store: Store, username: str) -> str:
    """The form of ``username`` to look the account up by: as typed when an account
    has that name exactly (one made before names were kept in NFC: "Kim" with the
    Kelvin sign K), else its NFC form (:func:`normal_username`), the form accounts
    are made in, so a terminal that sends "siôn" decomposed finds "siôn". Shared by
    sign-in and every command that names an account."""
    if read_user(store, username) is not None:
        return username
    return normal_username(username)


def normal_username(username: str) -> str:
    """``username`` as accounts are kept and looked up: Unicode NFC (Unicode
    Standard Annex #15), so that "siôn" typed as "o" and a combining circumflex
    (some keyboards send that) is the "siôn" the account was made with."""
    return unicodedata.normalize("NFC", username)


#: Letters allowed besides ASCII: the Latin script's letters with diacritics and
#: the extra letters of European languages (Latin-1 Supplement, Latin Extended-A
#: and -B, Latin Extended Additional: "ô", "ł", "ŵ", "ẅ", "ș"); not the IPA and
#: phonetic letters ("ɑ", "ɡ", small capitals), which copy plain ones.
_LATIN_LETTER_RANGES = ((0x00C0, 0x024F), (0x1E00, 0x1EFF))

#: Letters of :data:`_LATIN_LETTER_RANGES` that pass for another letter once their
#: marks are stripped (Unicode Technical Standard #39, confusables.txt: these map
#: to the plain letter) and the digits and capital that pass for letters.
_LOOKS_LIKE = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "Ł": "l",
        "ǀ": "l",
        "ƚ": "l",
        "I": "l",
        "1": "l",
        "0": "o",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "Ð": "d",
        "ð": "d",
        "ħ": "h",
        "Ħ": "h",
        "ŧ": "t",
        "Ŧ": "t",
        "ƀ": "b",
        "ǥ": "g",
        "ɇ": "e",
        "ȼ": "c",
        "ƶ": "z",
        "ɍ": "r",
        "ɏ": "y",
        # further letters confusables.txt maps to a plain letter, digit or pair
        # (capitals and the small letters their case folding gives alike)
        "Ɩ": "l",
        "ɩ": "l",
        "ǁ": "ll",
        "Ʀ": "r",
        "ʀ": "r",
        "Ƅ": "b",
        "ƅ": "b",
        "Ƨ": "2",
        "ƨ": "2",
        "Ȝ": "3",
        "ȝ": "3",
        "Ʒ": "3",
        "ʒ": "3",
        "Ƽ": "5",
        "ƽ": "s",
        "Ȣ": "8",
        "ȣ": "8",
        "ƍ": "g",
        "ỿ": "y",
        "Ỿ": "y",
        "ẝ": "f",
        "ƫ": "t",
        "Ƿ": "þ",
        "ƿ": "þ",
        "Æ": "ae",
        "æ": "ae",
        "Œ": "oe",
        "œ": "oe",
    }
)

#: Pairs of letters that pass for one (confusables.txt: "rn" for "m").
_LOOKS_LIKE_PAIRS: tuple[tuple[str, str], ...] = (("rn", "m"),)


def _is_name_char(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char in ".-"
    code = ord(char)
    return char.isalpha() and any(lo <= code <= hi for lo, hi in _LATIN_LETTER_RANGES)


def _check_username(username: str) -> None:
    """Refuse a name (NFC already) that is not Latin letters (accents allowed),
    ASCII digits, '.' and '-' (with a letter or digit: ".." would be a path
    segment of the account's page), or is too long.

    One script only, so that no name mixes in a letter of another that looks like
    a Latin one (Cyrillic "а" in "аdmin"; UTS #39 "mixed-script confusables"); no
    compatibility forms (NFKC would change them: ligatures, long s), no digits of
    other scripts, no marks left over after NFC."""
    if not username:
        msg = "A username is needed."
        raise ConfigError(msg)
    if len(username) > MAX_USERNAME_CHARS:
        msg = (
            f"A username is at most {MAX_USERNAME_CHARS} characters "
            f"(this one has {len(username):,})."
        )
        raise ConfigError(msg)
    if (
        unicodedata.normalize("NFKC", username) != username
        or not all(_is_name_char(c) for c in username)
        or not username.strip(".-")
    ):
        msg = (
            "A username is letters of the Latin alphabet (accents allowed: "
            "siôn, łukasz), digits 0-9, '.' and '-' only, with at least one "
            "letter or digit: no letters of other alphabets, which can look like "
            "Latin ones."
        )
        raise ConfigError(msg)


def username_skeleton(username: str) -> str:
    """What ``username`` looks like, for telling two names apart: its letters
    without accents or case, and the letters and digits that pass for others made
    one (":data:`_LOOKS_LIKE`": "łukasz" and "lukasz", "o1ga" and "olga",
    "Admin" and "admin" alike).

    A reduced form of the *skeleton* of Unicode Technical Standard #39 (section 4,
    "Confusable Detection"), for the letters :func:`_check_username` allows.
    """
    decomposed = unicodedata.normalize("NFKD", username)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    seen = bare.translate(_LOOKS_LIKE).casefold().translate(_LOOKS_LIKE)
    for pair, one in _LOOKS_LIKE_PAIRS:
        seen = seen.replace(pair, one)
    return seen


def _look_alike(one: str, other: str) -> bool:
    """Whether two names pass for one another: the same :func:`username_skeleton`
    as typed ("Ian" and "lan": a capital I passes for a small l) or once both are
    case folded ("Ivan" and "ivan": the skeleton as typed keeps them apart, since
    "I" becomes "l" and "i" stays)."""
    return username_skeleton(one) == username_skeleton(other) or username_skeleton(
        one.casefold()
    ) == username_skeleton(other.casefold())


def _check_new_name(accounts: pl.DataFrame, username: str, by: str | None) -> None:
    """Refuse a new account's name that looks like an existing account's (another
    name with the same :func:`username_skeleton`): in a list, a log or the audit
    trail the one would pass for the other (:func:`_look_alike`). ``by``:
    :func:`_check_acting_admin`."""
    _check_acting_admin(accounts, by)
    for other in accounts["username"].to_list():
        if other != username and _look_alike(username, other):
            msg = (
                f"{username!r} looks like the account {other!r}: in lists and the "
                "audit log one would pass for the other. Choose a name that differs "
                "by more than accents, case or a look-alike letter."
            )
            raise ConfigError(msg)


def list_users(store: Store) -> pl.DataFrame:
    """Every account without its password hash, with ``lockout``: its
    :func:`lockout_state` now (accounts are few: one row each),
    ``last_sign_in``: the time of its latest ``login`` audit row (null: never),
    ``live_tokens`` and ``next_token_expiry`` (:func:`_live_tokens`)."""
    users = read_users(store).drop("password_hash")
    now = _now(store)
    states = [lockout_state(row, now) for row in users.iter_rows(named=True)]
    last = audit.latest_by_user(store, "login").rename(
        {"user_name": "username", "at": "last_sign_in"}
    )
    return (
        users.with_columns(lockout=pl.Series(states, dtype=pl.String))
        .join(last, on="username", how="left", maintain_order="left")
        .join(
            _live_tokens(store, now, store.timezone),
            on="username",
            how="left",
            maintain_order="left",
        )
        .with_columns(pl.col("live_tokens").fill_null(0))
    )


def _live_tokens(store: Store, now: dt.datetime, zone: str) -> pl.DataFrame:
    """Per account: ``live_tokens``, its tokens neither revoked nor expired at
    ``now`` (:func:`_with_expired`), and ``next_token_expiry``, the soonest of
    their expiries."""
    tokens = _with_expired(read_tokens(store), now, zone).filter(
        pl.col("revoked_at").is_null() & ~pl.col("expired")
    )
    return tokens.group_by("username").agg(
        live_tokens=pl.len().cast(pl.Int64),
        next_token_expiry=pl.col("expires_at").min(),
    )


def _update(
    store: Store,
    username: str,
    *,
    reason: str,
    by: str | None,
    check: Callable[[pl.DataFrame], None] | None = None,
    by_admin: bool = True,
    **changes: object,
) -> None:
    """Write ``changes`` to the account (those columns alone), after ``check`` of
    every account in the same locked transaction (:func:`change_user`), and audit
    it; :class:`NotFound` when there is no such account. ``by_admin``: an
    administrator's change, refused unless ``by`` is one then
    (:func:`_check_acting_admin`)."""

    def checks(accounts: pl.DataFrame) -> None:
        if by_admin:
            _check_acting_admin(accounts, by)
        if check is not None:
            check(accounts)

    if not change_user(
        store, username, {**changes, "updated_at": _now(store)}, check=checks
    ):
        msg = f"No user {username!r}"
        raise NotFound(msg)
    _audit_change(store, f"user:{username}", reason, by)


def set_disabled(
    store: Store, username: str, *, disabled: bool, by: str | None = None
) -> None:
    """Disable (or enable) an account; a disabled user's tokens stop working too.

    Enabling also clears the failed sign-ins and any lockout: sign-ins tried while
    the account was disabled (an attacker's guesses, which a disabled account still
    counts, so the refusal tells nothing) must not keep its user out once an
    administrator has let them back in.
    """
    username = stored_username(store, username)
    if disabled:
        _check_not_self(username, by, change="disable")
        _update(
            store,
            username,
            reason="account disabled",
            by=by,
            check=lambda accounts: _check_keeps_an_admin(
                accounts, username, change="disabling it"
            ),
            disabled=True,
        )
        return
    cleared = _lockout_text(_user_row(store, username), _now(store))
    _update(
        store,
        username,
        reason="account enabled" + (f" ({cleared} cleared)" if cleared else ""),
        by=by,
        disabled=False,
        failed_logins=0,
        locked_until=None,
    )


def unlock(store: Store, username: str, *, by: str | None = None) -> str | None:
    """Clear an account's failed sign-ins and lockout, keeping its password.

    For a user locked out by someone else's guesses (the lock is per account, so
    anyone who knows a name can lock it): audited as ``change``. Returns what was
    cleared (``"a lockout until ..."``, ``"3 failed sign-ins"``) or None when there
    was nothing to clear (nothing written then).
    """
    username = stored_username(store, username)
    cleared = _lockout_text(_user_row(store, username), _now(store))
    if cleared is None:
        return None
    _update(
        store,
        username,
        reason=f"{cleared} cleared",
        by=by,
        failed_logins=0,
        locked_until=None,
    )
    return cleared


def lockout_state(user: dict[str, object], now: dt.datetime) -> str | None:
    """``"locked until ..."`` while the account's lock lasts at ``now``, else
    ``"N failed sign-ins in a row"`` when there are any, else None (a lock whose
    time has passed is not shown as one)."""
    locked = user.get("locked_until")
    if isinstance(locked, dt.datetime) and locked > now:
        return f"locked until {locked:%Y-%m-%d %H:%M:%S}"
    failures = int(str(user.get("failed_logins") or 0))
    if failures:
        return f"{failures} failed sign-in{'s' if failures != 1 else ''} in a row"
    return None


def _lockout_text(user: dict[str, object], now: dt.datetime) -> str | None:
    """What :func:`unlock` would clear, in words for the audit row."""
    state = lockout_state(user, now)
    if state is not None and state.startswith("locked until "):
        return "a lockout until " + state.removeprefix("locked until ")
    return state


def set_role(store: Store, username: str, role: str, *, by: str | None = None) -> None:
    """Change an account's role.

    Refused: an administrator changing their own role (``by``), taking the admin
    role from the last enabled administrator, and the partner role for an account
    without an organisation (:func:`add_user` rules it alike).
    """
    username = stored_username(store, username)
    _check_role(role)
    before = _user_row(store, username)["role"]
    if role == before:
        return
    if role != "admin":
        _check_not_self(username, by, change="change the role of")

    def check(accounts: pl.DataFrame) -> None:
        if role != "admin":
            _check_keeps_an_admin(accounts, username, change=f"making it {role}")
        org = accounts.filter(pl.col("username") == username)["org"][0]
        _check_org(role, org)

    _update(
        store,
        username,
        reason=f"role {before} -> {role}",
        by=by,
        check=check,
        role=role,
    )


def reset_password(
    store: Store, username: str, password: str, *, by: str | None = None
) -> None:
    """Set a new password and clear any lockout."""
    username = stored_username(store, username)
    _check_password(password)
    _update(
        store,
        username,
        reason="password reset",
        by=by,
        password_hash=_HASHER.hash(password),
        failed_logins=0,
        locked_until=None,
    )


#: Sign-ins of one account are checked one at a time in a process (a lock per stripe
#: of names); each is counted in the store before its check
#: (:func:`avert.store.users.reserve_sign_in`), so guesses sent at once, to any
#: server process, each count towards the lockout and no more than its limit are
#: checked.
_SIGN_IN_LOCKS = tuple(threading.Lock() for _ in range(64))
#: Hex digits of a sign-in name's digest in the throttle's rows (64 bits)
_THROTTLE_DIGEST_HEX = 16


class SignInThrottle:
    """Failed sign-ins per client address in a sliding window; refuses a busy one.

    The account lockout stops many guesses at one name; it cannot stop one common
    password tried across many names (password spraying). This counts failures per
    client address, whatever the name: after ``max_failures`` within ``window_s``
    seconds the address's sign-ins are refused, with no password checked (so they
    cost no hash either), until the failure that made the count reach the limit is
    ``window_s`` old (OWASP Authentication Cheat Sheet, "Login Throttling").

    The failures are rows of the store (:mod:`avert.store.sign_ins`), not this
    object's memory: every server process (``uvicorn --workers``) and a restarted one
    count the same failures, so a second worker or a restart gives no more guesses.
    A success clears only the failures of that name from that address (the user's
    own mistypes): failures at other names stay, so one valid account cannot reset
    the count. ``clock``: seconds since the epoch (UTC), for tests.

    A row names the name typed by a keyed digest (:meth:`name_digest`), never the
    text: names are compared, never read, and a password typed into the name
    field was kept in the store for the window. ``secret_key``: the app's secret
    (``AVERT_SECRET_KEY``), the same in every server process, so that a success
    at one clears the failures another counted; none: a random key of this
    object (its own failures only).
    """

    def __init__(
        self,
        max_failures: int,
        window_s: float,
        *,
        secret_key: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._clock = clock
        self._name_key = (
            secrets.token_bytes(32)
            if secret_key is None
            else secret_key.encode("utf-8", "surrogatepass")
        )

    def __repr__(self) -> str:  # never the key
        return f"SignInThrottle({self.max_failures}, {self.window_s})"

    def name_digest(self, username: str) -> str:
        """How a row names ``username``: HMAC-SHA256 under the secret key with a
        label of its own (unlike the audit's :func:`unknown_name`, so the two
        cannot be matched), cut to 64 bits: no two names of a window share it by
        chance, and without the key a name typed cannot be tested against it."""
        message = f"avert-sign-in-throttle:{username}".encode("utf-8", "surrogatepass")
        digest = hmac.new(self._name_key, message, hashlib.sha256).hexdigest()
        return digest[:_THROTTLE_DIGEST_HEX]

    def retry_after_s(self, store: Store, client: str) -> float:
        """Seconds until ``client`` may sign in again; 0.0 when it may now."""
        now = self._now()
        oldest = sign_ins.nth_latest_failure(
            store,
            client=_clip(client, _AUDITED_NAME_CHARS),
            since=self._start(now),
            n=self.max_failures,
        )
        if oldest is None:
            return 0.0
        return max(0.0, (oldest - now).total_seconds() + self.window_s)

    def failed(self, store: Store, client: str, *, username: str) -> bool:
        """Count a failed sign-in; True when it is the one that reaches the limit."""
        return self.reserve(store, client, username=username)[1] == self.max_failures

    def reserve(self, store: Store, client: str, *, username: str) -> tuple[str, int]:
        """Count a sign-in as failed before its password is checked: its row's id
        and the address's failures, this one included.

        A sign-in that then succeeds is forgotten (:meth:`succeeded`), one refused
        unchecked is taken back (:meth:`release`). Counted after the check, the
        sign-ins checked at once all read the count before any of them failed: 40
        sent at once from one address under a limit of 30 were all checked.
        """
        now = self._now()
        return sign_ins.record_failure(
            store,
            client=_clip(client, _AUDITED_NAME_CHARS),
            name_digest=self.name_digest(username),
            at=now,
            since=self._start(now),
        )

    def release(self, store: Store, failure_id: str) -> None:
        """Take back a sign-in :meth:`reserve` counted that was never checked."""
        sign_ins.delete_failure(store, failure_id)

    def succeeded(self, store: Store, client: str, *, username: str) -> None:
        """Forget ``username``'s own failures from ``client`` (it signed in there)."""
        sign_ins.clear_failures(
            store,
            client=_clip(client, _AUDITED_NAME_CHARS),
            name_digest=self.name_digest(username),
        )

    def _now(self) -> dt.datetime:
        """Now in UTC, naive (as the store keeps it), to the microsecond."""
        return dt.datetime.fromtimestamp(self._clock(), dt.UTC).replace(tzinfo=None)

    def _start(self, now: dt.datetime) -> dt.datetime:
        """The window's start: failures at or before it count no more."""
        return now - dt.timedelta(seconds=self.window_s)


def authenticate(
    store: Store,
    username: str,
    password: str,
    *,
    settings: Settings,
    client: str | None = None,
    throttle: SignInThrottle | None = None,
) -> User:
    """Check a sign-in; return the user or raise :class:`PermissionDenied`.

    Failures count towards the lockout; every attempt is audited (``login`` or
    ``login-failed`` with the reason). The message never says whether the name
    exists. Attempts on one account are serialised within a process
    (:data:`_SIGN_IN_LOCKS`) and counted by one ``UPDATE`` in the store across them.

    With a ``throttle`` and the ``client`` address, failures count per address
    too, in the store (every process alike); a refused address gets
    :class:`~avert.errors.TooManyAttempts` before any check (not audited one by
    one: the failure that reached the limit is, as ``login-failed`` of
    ``client:ADDRESS``). Each sign-in counts as a failure before its password is
    checked (:meth:`SignInThrottle.reserve`), so sign-ins sent at once, to any
    process, check no more passwords than the limit. A success forgets that
    name's own failures from that address.

    The name is looked up as :func:`stored_username` says: as typed when an
    account has it exactly, else in its NFC form.
    """
    username = stored_username(store, username)
    if throttle is None or not client:
        return _check_one_at_a_time(store, username, password, settings=settings)
    _refuse_throttled(store, client, throttle)
    failure_id, count = throttle.reserve(store, client, username=username)
    if count > throttle.max_failures:  # others from the address came first
        throttle.release(store, failure_id)
        _refuse_throttled(store, client, throttle, at_least_s=1.0)
    try:
        user = _check_one_at_a_time(store, username, password, settings=settings)
    except PermissionDenied:
        if count == throttle.max_failures:
            named = username
            if read_user(store, username) is None:
                named = unknown_name(username, key=settings.secret_key)
            _audit_throttled(store, client, throttle, username=named)
        raise
    except Exception:  # never checked (the store failed): not a failure
        with contextlib.suppress(Exception):
            throttle.release(store, failure_id)
        raise
    throttle.succeeded(store, client, username=username)
    return user


def _check_one_at_a_time(
    store: Store, username: str, password: str, *, settings: Settings
) -> User:
    """:func:`_authenticate`, one sign-in of an account at a time in this process."""
    stripe = zlib.crc32(username.encode("utf-8", "surrogatepass")) % len(_SIGN_IN_LOCKS)
    with _SIGN_IN_LOCKS[stripe]:
        return _authenticate(store, username, password, settings=settings)


def _refuse_throttled(
    store: Store, client: str, throttle: SignInThrottle, *, at_least_s: float = 0.0
) -> None:
    """Raise :class:`~avert.errors.TooManyAttempts` when ``client`` is at its limit
    (or always, waiting at least ``at_least_s``, when that is above 0)."""
    wait_s = max(throttle.retry_after_s(store, client), at_least_s)
    if wait_s > 0:
        minutes = max(1, math.ceil(wait_s / 60))
        msg = (
            "Sign-in refused: too many failed sign-ins from this address; "
            f"try again in {minutes} minute{'s' if minutes > 1 else ''}."
        )
        raise TooManyAttempts(msg, retry_after_s=wait_s)


def _audit_throttled(
    store: Store, client: str, throttle: SignInThrottle, *, username: str
) -> None:
    """Audit the failure that made ``client`` reach the throttle's limit."""
    window_min = throttle.window_s / 60
    audit.record(
        store,
        action="login-failed",
        obj=f"client:{_clip(client, _AUDITED_NAME_CHARS)}",
        reason=(
            f"{throttle.max_failures} failed sign-ins from this address within "
            f"{window_min:g} minutes: its sign-ins are refused until the oldest is "
            f"{window_min:g} minutes old"
        ),
        role="unknown",
        user=_clip(username, _AUDITED_NAME_CHARS),
    )


def _authenticate(
    store: Store, username: str, password: str, *, settings: Settings
) -> User:
    row = read_user(store, username)
    now = _now(store)
    refused = "Sign-in refused: wrong name or password, or the account is locked."
    # counted before the check: sign-ins sent at once to several processes check
    # no more guesses than the limit (reserve_sign_in); for every name typed, so
    # that a name with no account costs the same locked transaction as one with
    # (the store's lock, waited for under load, would tell them apart)
    limit, lockout_min, _, _ = settings.login_limits()
    failures, locked = reserve_sign_in(
        store,
        username,
        at=now,
        limit=limit,
        lock_until=now + dt.timedelta(minutes=lockout_min),
    )
    if row is None:
        _verify(_DUMMY_HASH, password)
        _audit_login(
            store,
            unknown_name(username, key=settings.secret_key),
            ok=False,
            reason="no such user",
        )
        raise PermissionDenied(refused)
    # a refusal without a hash check would answer sooner and so tell that the
    # name exists and is disabled or locked: every path verifies one hash
    if row["disabled"]:
        _verify(_DUMMY_HASH, password)
        _audit_login(store, username, ok=False, reason="account disabled")
        raise PermissionDenied(refused)
    if locked is not None:
        _verify(_DUMMY_HASH, password)
        _audit_login(store, username, ok=False, reason=f"locked until {locked}")
        raise PermissionDenied(refused)
    if not _verify(str(row["password_hash"]), password):
        why = f"wrong password ({failures} in a row)" + (
            ", locked" if failures >= limit else ""
        )
        _audit_login(store, username, ok=False, reason=why, role=str(row["role"]))
        raise PermissionDenied(refused)
    clear_failed_logins(store, username, at=now)  # this one was counted
    _audit_login(store, username, ok=True, reason="signed in", role=str(row["role"]))
    return _as_user(row)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


#: Longest sign-in name (or asked-for object) an audit row repeats whole: anyone may
#: try to sign in and every try is audited, so a longer name is cut (and its length
#: said) rather than letting one request write megabytes to the log.
_AUDITED_NAME_CHARS = 64
#: Longest purpose a refused view's audit row repeats whole (same reason).
_AUDITED_PURPOSE_CHARS = 200


def _clip(text: str, limit: int) -> str:
    """``text``, or its first ``limit`` characters and its length when longer."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


#: The audit's name for a sign-in name that names no account (its ``user_name``)
UNKNOWN_NAME = "(unknown name)"
#: Hex digits of an unknown name's keyed digest the audit keeps (32 bits)
_UNKNOWN_NAME_DIGEST_HEX = 8


def unknown_name(typed: str, *, key: str) -> str:
    """How the audit names ``typed``, a sign-in name that names no account: never
    the text (a password typed into the name field landed in the audit log), but
    its length and, with the app's secret ``key`` (``AVERT_SECRET_KEY``), a keyed
    digest of it: ``(unknown name: 12 characters, digest 3f9a06c1)``.

    The digest tells one name tried again and again (a user who forgot their
    account's name; a script retrying one guess) from many names each tried once
    (names sprayed), which the length alone cannot. It is an HMAC-SHA256 under the
    secret key (a plain hash of a typed password could be looked up in a table)
    cut to 32 bits: equal names give equal digests, while even whoever holds the
    key and tests a list of candidate passwords against it finds one in four
    billion matching by chance. No key (the demo's random one is not a setting):
    the length alone.
    """
    size = f"{len(typed)} character{'' if len(typed) == 1 else 's'}"
    if not key:
        return f"{UNKNOWN_NAME[:-1]}: {size})"
    message = f"avert-sign-in-name:{typed}".encode("utf-8", "surrogatepass")
    digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return f"{UNKNOWN_NAME[:-1]}: {size}, digest {digest[:_UNKNOWN_NAME_DIGEST_HEX]})"


def _audit_login(
    store: Store, username: str, *, ok: bool, reason: str, role: str = "unknown"
) -> None:
    name = _clip(username, _AUDITED_NAME_CHARS)
    audit.record(
        store,
        action="login" if ok else "login-failed",
        obj=f"user:{name}",
        reason=reason,
        role=role,
        user=name,
    )


def _as_user(row: dict[str, object]) -> User:
    return User(
        username=str(row["username"]),
        role=str(row["role"]),
        org=row["org"] if isinstance(row["org"], str) else None,
        area=row["area"] if isinstance(row["area"], str) else None,
    )


def current_account(store: Store, username: str) -> User | None:
    """The live account of a signed-in user, or None when gone or disabled."""
    found = session_account(store, username)
    return None if found is None else found[0]


def session_account(store: Store, username: str) -> tuple[User, str] | None:
    """The live account of a session and its *session stamp*, or None.

    The stamp is a digest of the stored password hash (salted: it says nothing
    about the password) and the account's ``session_epoch``: a session keeps the
    stamp it was signed in with, so a password reset or :func:`end_sessions` ends
    every session made before it.
    """
    row = read_user(store, username)
    if row is None or row["disabled"]:
        return None
    epoch = _epoch(row)
    digest = hashlib.sha256(f"avert-session:{epoch}:{row['password_hash']}".encode())
    return _as_user(row), digest.hexdigest()[:32]


def _epoch(row: dict[str, object]) -> int:
    value = row.get("session_epoch")
    return value if isinstance(value, int) else 0


def end_sessions(store: Store, username: str, *, reason: str = "signed out") -> None:
    """End every web session of ``username`` (sign-out): its ``session_epoch`` is
    raised, so the stamp of every earlier session cookie, copies included, no
    longer matches (:func:`session_account`). Audited as a change of the account."""
    row = read_user(store, username)
    if row is None:
        return
    epoch = _epoch(row)
    _update(
        store,
        username,
        reason=f"web sessions ended ({reason})",
        by=username,
        by_admin=False,
        session_epoch=epoch + 1,
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_token_days(days: int, *, max_days: int = DEFAULT_TOKEN_MAX_DAYS) -> int:
    """``days``, a token's lifetime, when a whole number from 1 to ``max_days``
    (the ``token_max_days`` setting); else a :class:`ConfigError` saying the
    bounds."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        msg = f"A token's lifetime must be at least 1 day, not {days!r}."
        raise ConfigError(msg)
    if days > max_days:
        msg = (
            f"A token's lifetime must be at most {max_days} days (the setting "
            f"token_max_days, AVERT_TOKEN_MAX_DAYS), not {days}."
        )
        raise ConfigError(msg)
    return days


def issue_token(
    store: Store,
    username: str,
    *,
    by: str | None = None,
    form_nonce: str | None = None,
    days: int = DEFAULT_TOKEN_DAYS,
    max_days: int = DEFAULT_TOKEN_MAX_DAYS,
) -> str:
    """Make a new API token for ``username`` that works for ``days`` days (from
    1 to ``max_days``: :func:`check_token_days`) and return it (shown once, never
    kept); :func:`token_expires_at` tells when it stops working.

    Refused, nothing written: a ``form_nonce`` (the web app's issue form, one
    token per form) that issued a token already, kept as its SHA-256 with the
    token under a unique constraint, so whichever server process takes the second
    post (:class:`ConflictError`); no such account (:class:`NotFound`); a disabled
    account (:class:`ConfigError`: its tokens do not work while it is disabled, and
    a token issued then would start working the moment it is enabled); in the web
    app, ``by`` no longer an enabled administrator (:func:`_check_acting_admin`),
    checked with the insert under the lock of account changes. Audited as a
    ``change`` of ``token:ID`` under ``by`` (the id only, never the value).
    """
    check_token_days(days, max_days=max_days)
    username = stored_username(store, username)

    def check(accounts: pl.DataFrame) -> None:
        _check_acting_admin(accounts, by)
        owner = accounts.filter(pl.col("username") == username)
        if owner.height and owner["disabled"][0]:
            msg = (
                f"{username} is disabled: its API tokens do not work. Enable the "
                "account first, then issue a token."
            )
            raise ConfigError(msg)

    token_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    now = _now(store)
    expires_at = now + dt.timedelta(days=days)
    added = add_token_row(
        store,
        {
            "token_id": token_id,
            "username": username,
            "token_sha256": _digest(secret),
            "created_at": now,
            "revoked_at": None,
            "last_used_at": None,
            "issue_nonce_sha256": None if form_nonce is None else _digest(form_nonce),
            "expires_at": expires_at,
        },
        check=check,
    )
    if added == "form_used":
        msg = "A token was already issued from this form: nothing more was issued."
        raise ConflictError(msg)
    if added == "no_account":
        msg = f"No user {username!r}"
        raise NotFound(msg)
    _audit_change(
        store,
        f"token:{token_id}",
        f"API token issued to {username}",
        by,
        detail=audit.describe(days=days, expires_at=f"{expires_at:%Y-%m-%d %H:%M}"),
    )
    return f"{_TOKEN_PREFIX}_{token_id}_{secret}"


def token_expires_at(store: Store, token: str) -> dt.datetime | None:
    """When the token ``token`` (a value :func:`issue_token` returned, or its
    public id) stops working, in the force's zone; None when there is no such
    token."""
    parts = token.split("_", 2)
    token_id = parts[1] if len(parts) == 3 else token
    row = read_token(store, token_id)
    expires = None if row is None else row["expires_at"]
    return expires if isinstance(expires, dt.datetime) else None


def revoke_token(
    store: Store, token_id: str, *, username: str, by: str | None = None
) -> dt.datetime | None:
    """Revoke the token ``token_id`` (the part after ``avt_``) of ``username``.

    Returns None when revoked now (audited as a ``change`` of ``token:ID`` under
    ``by``), or the time it was revoked already (nothing written: a second
    administrator's page opened before the first revoked it). :class:`NotFound`
    when ``username`` has no such token, alike whether the id is another
    account's or nothing's: an id typed against the wrong account (or sent from
    the wrong account's page) revoked that other account's token. In the web app
    ``by`` must still be an enabled administrator (:func:`_check_acting_admin`).
    """
    username = stored_username(store, username)
    before = revoke_token_row(
        store,
        token_id,
        username=username,
        at=_now(store),
        check=lambda accounts: _check_acting_admin(accounts, by),
    )
    if before is None:
        msg = f"{username!r} has no token {token_id!r}"
        raise NotFound(msg)
    revoked = before["revoked_at"]
    if isinstance(revoked, dt.datetime):
        return revoked
    _audit_change(store, f"token:{token_id}", f"API token of {username} revoked", by)
    return None


def list_tokens(store: Store, username: str | None = None) -> pl.DataFrame:
    """Tokens (public id, owner, issued, revoked, last used, expires), never their
    digests (nor their issue form's); the oldest first; :class:`NotFound` when
    ``username`` names no account. ``expired``: whether the
    token's expiry has come (:func:`_expired`, as a use of it is refused)."""
    if username is not None and read_user(store, username) is None:
        msg = f"No user {username!r}"
        raise NotFound(msg)
    tokens = read_tokens(store, username=username).drop(
        "token_sha256", "issue_nonce_sha256"
    )
    return _with_expired(tokens, _now(store), store.timezone)


def _with_expired(tokens: pl.DataFrame, now: dt.datetime, zone: str) -> pl.DataFrame:
    """``tokens`` with ``expired``: :func:`_expired` of each at ``now`` (tokens
    are few: one row each)."""
    flags = [_expired(row, now, zone) for row in tokens.iter_rows(named=True)]
    return tokens.with_columns(expired=pl.Series(flags, dtype=pl.Boolean))


def _expired(row: dict[str, object], now: dt.datetime, zone: str) -> bool:
    """Whether the token ``row`` no longer works at ``now``: its expiry has come
    (a token works up to, not at, ``expires_at``) or none is kept (fail closed).

    ``expires_at`` and ``now`` are wall-clock times of ``zone`` (``now`` from
    :func:`_now`, whose ``fold`` tells the second pass of a repeated hour). The
    expiry has come when the wall clock has reached it or the instant it first
    names (``fold=0``) has passed: compared on the wall clock alone, a token that
    expired at 01:30 on the night the clocks go back worked again from 01:00 to
    01:30 of the repeated hour.
    """
    expires = row.get("expires_at")
    if not isinstance(expires, dt.datetime):
        return True
    tz = check_timezone(zone)
    return expires <= now or expires.replace(tzinfo=tz, fold=0).astimezone(
        dt.UTC
    ) <= now.replace(tzinfo=tz).astimezone(dt.UTC)


#: A token's use is written to the audit log (and its ``last_used_at`` stamped) at
#: most once per this many seconds; every API answer writes its own audit row too.
TOKEN_USE_AUDIT_EVERY_S = 60


#: why a token sent with a secret not its own is refused (a guess, or a typo)
_WRONG_SECRET: Final = "wrong secret"


def _token_refusal(
    row: dict[str, object], secret: str, now: dt.datetime, zone: str
) -> str | None:
    """Why the stored token ``row`` sent with ``secret`` is refused at ``now`` (a
    wall-clock time of ``zone``; for the audit log only), or None when it is
    neither forged, revoked nor expired."""
    if not hmac.compare_digest(str(row["token_sha256"]), _digest(secret)):
        return _WRONG_SECRET
    if row["revoked_at"] is not None:
        return f"revoked {row['revoked_at']}"
    if _expired(row, now, zone):
        return f"expired {row['expires_at'] or '(no expiry kept)'}"
    return None


#: A refused use of a stored token is written to the audit log at most once per
#: this many seconds per token; those between are counted, and the next row written
#: says how many it stands for (a script with a revoked token wrote a row a request).
TOKEN_REFUSAL_AUDIT_EVERY_S = 60


def _audit_token_refused(
    store: Store, row: dict[str, object], why: str, now: dt.datetime
) -> None:
    """Audit a refused use of a stored token: a ``token-refused`` row of
    ``token:ID`` under the token's owner (the one who sent it is not known), with
    why in ``reason``. The answer is the same 401 whatever the reason.

    At most one row per :data:`TOKEN_REFUSAL_AUDIT_EVERY_S` per token, counted in
    the store (:func:`avert.store.users.count_token_refusal`: every server process
    alike); a row standing for more than its own refusal says so in ``detail``
    (``refusals=N``: N refused uses since the token's last such row, this one
    included; ``reason`` is this one's; ``wrong_secrets=M``: M of them sent with a
    wrong secret, guesses against the token's public id, which its owner's own
    uses, refused as revoked, expired or disabled, do not hide)."""
    token_id = str(row["token_id"])
    counted = count_token_refusal(
        store,
        token_id,
        at=now,
        every_s=TOKEN_REFUSAL_AUDIT_EVERY_S,
        wrong_secret=why == _WRONG_SECRET,
    )
    if counted is None:
        return
    count, wrong_secrets = counted
    audit.record(
        store,
        action="token-refused",
        obj=f"token:{token_id}",
        reason=f"API request refused: {why}",
        role="unknown",
        user=_clip(str(row["username"]), _AUDITED_NAME_CHARS),
        detail=(
            audit.describe(refusals=count, wrong_secrets=wrong_secrets)
            if count > 1
            else None
        ),
    )


def user_for_token(store: Store, token: str) -> User | None:
    """The live user a bearer token belongs to, or None (bad, revoked, expired,
    disabled): the same None whatever the reason. A refused use of a stored token
    is audited (``token-refused``, at most one row a minute per token, the others
    counted: :func:`_audit_token_refused`); a value that names no stored token is
    not (nothing to tie it to).

    A use is audited (``token-use``) and stamps ``last_used_at``, at most once per
    :data:`TOKEN_USE_AUDIT_EVERY_S` per token (each API answer also writes its own
    audit row naming the user, so no use goes unrecorded).
    """
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != _TOKEN_PREFIX:
        return None
    token_id, secret = parts[1], parts[2]
    row = read_token(store, token_id)
    if row is None:
        return None
    now = _now(store)
    why = _token_refusal(row, secret, now, store.timezone)
    if why is not None:
        _audit_token_refused(store, row, why, now)
        return None
    user = current_account(store, str(row["username"]))
    if user is None:
        _audit_token_refused(store, row, "the account is disabled or gone", now)
        return None
    last = row["last_used_at"]
    # wall-clock times: when the clocks go back, ``last`` may be ahead of ``now``
    if isinstance(last, dt.datetime) and (
        0 <= (now - last).total_seconds() < TOKEN_USE_AUDIT_EVERY_S
    ):
        return user
    stamp_token_use(store, token_id, at=now)
    audit_as(
        store, user, action="token-use", obj=f"token:{token_id}", reason="API request"
    )
    return user
