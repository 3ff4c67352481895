"""Web app accounts and API tokens in the store (tables ``users``, ``api_tokens``).

Only this module reads or writes those tables. Rows are small, so updates replace the
row in one transaction (:meth:`Store.replace_rows`); a sign-in is counted before its
password is checked, read and written under a lock (:func:`reserve_sign_in`), so that
server processes signing in to the same account at once each add theirs; a token's
use is one ``UPDATE``
(:func:`stamp_token_use`), so that requests using a new token at once do not collide.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Final, Literal

import polars as pl

from avert.schema import API_TOKENS, USERS, TableSpec
from avert.store.database import BYTEWISE, Store, Transaction, _to_sql_value

__all__ = [
    "TokenAdded",
    "add_token_row",
    "add_user_row",
    "change_user",
    "clear_failed_logins",
    "count_token_refusal",
    "put_token",
    "put_user",
    "read_token",
    "read_tokens",
    "read_user",
    "read_users",
    "reserve_sign_in",
    "revoke_token_row",
    "stamp_token_use",
]


def _read_one(
    store: Store, table: str, key: str, value: str
) -> dict[str, object] | None:
    """The row of ``table`` whose ``key`` is ``value`` as a dict, or None."""
    rows = store.read_frame(table, where=[(key, "=", value)])
    return rows.row(0, named=True) if rows.height else None


def _put_one(store: Store, spec: TableSpec, key: str, row: dict[str, object]) -> None:
    """Insert or replace one row of ``spec``'s table, keyed by ``key``."""
    frame = pl.DataFrame([row], schema=spec.schema)
    store.replace_rows(spec.name, frame, where=[(key, "=", row[key])])


def read_users(store: Store) -> pl.DataFrame:
    """Every account, in username order (password hashes included: callers drop them)."""
    return store.read_frame("users", order_by=["username"])


def read_user(store: Store, username: str) -> dict[str, object] | None:
    """One account as a dict, or None when there is no such user."""
    return _read_one(store, "users", "username", username)


def put_user(store: Store, row: dict[str, object]) -> None:
    """Insert or replace one account (keyed by ``username``)."""
    _put_one(store, USERS, "username", row)


#: the PostgreSQL advisory lock key that serialises the changes of accounts
_PG_ACCOUNT_CHANGE_LOCK: Final = 0x61766572_74_4143


def add_user_row(
    store: Store,
    row: dict[str, object],
    *,
    check: Callable[[pl.DataFrame], None] | None = None,
) -> bool:
    """Insert a new account, after ``check`` of every account as they are then;
    False (nothing written) when its name is taken.

    The look and the insert are one transaction under the lock of account changes
    (:func:`change_user`): two accounts added at once under one name each found it
    free, and the second replaced the first (:func:`put_user` replaces).
    """
    with store.transaction() as tx:
        accounts = _locked_accounts(tx)
        if check is not None:
            check(accounts)
        if (accounts["username"] == row["username"]).any():
            return False
        tx.append("users", pl.DataFrame([row], schema=USERS.schema))
    return True


def _locked_accounts(tx: Transaction) -> pl.DataFrame:
    """Every account (hashes included), read under the lock of account changes:
    no other change of an account runs until ``tx`` ends."""
    tx.serialise(_PG_ACCOUNT_CHANGE_LOCK)
    names = ", ".join(f'"{c}"' for c in USERS.names)
    # bytewise, as read_users: a checked name's refusal names the same account
    # on every store, whatever the PostgreSQL database's collation
    order = f'"username"{BYTEWISE[tx.dialect]}'
    return tx._query(
        f'SELECT {names} FROM "users" ORDER BY {order}', schema=USERS.schema
    )


def change_user(
    store: Store,
    username: str,
    changes: Mapping[str, object],
    *,
    check: Callable[[pl.DataFrame], None] | None = None,
) -> bool:
    """Set the columns in ``changes`` of one account, after ``check`` of every
    account as they are then; False when there is no such account.

    One transaction holds the write lock (SQLite: from its start; PostgreSQL: an
    advisory lock) from the read that ``check`` sees (every account, hashes
    included) to the write, so a check that looks at other accounts (the last
    enabled administrator) sees every earlier change and keeps later ones out
    until this one commits: two administrators disabling each other at once each
    saw the other enabled, and both were disabled. ``check`` raises to refuse
    (nothing is written). The write is one ``UPDATE`` of those columns alone:
    writing back the whole row read a moment before undid what another change or a
    sign-in wrote meanwhile (a "disable" undone by a role change).
    """
    columns = list(changes)
    unknown = set(columns) - set(USERS.names)
    if unknown or not columns:
        msg = f"Not columns of users: {sorted(unknown) or 'none given'}"
        raise ValueError(msg)
    with store.transaction() as tx:
        accounts = _locked_accounts(tx)
        if not (accounts["username"] == username).any():
            return False
        if check is not None:
            check(accounts)
        tx._execute(
            'UPDATE "users" SET '
            + ", ".join(f'"{c}" = ?' for c in columns)
            + ' WHERE "username" = ?',
            [*(_to_sql_value(changes[c], store.dialect) for c in columns), username],
        )
    return True


#: the PostgreSQL advisory lock key that serialises the counting of sign-ins
_PG_SIGN_IN_COUNT_LOCK: Final = 0x61766572_74_5343


def reserve_sign_in(
    store: Store, username: str, *, at: dt.datetime, limit: int, lock_until: dt.datetime
) -> tuple[int, dt.datetime | None]:
    """Count a sign-in of ``username`` as failed before its password is checked.

    Returns the failures in a row with this one and None; or ``(0, locked_until)``
    when the account is locked at ``at`` (nothing counted: the sign-in is refused
    unchecked); ``(0, None)`` for no such account. The sign-in that makes the
    count reach ``limit`` locks the account until ``lock_until``; a success clears
    the count (:func:`clear_failed_logins`).

    The count is read and written in one transaction that holds the write lock
    (SQLite: from its start; PostgreSQL: an advisory lock), so sign-ins at once, in
    any process, are counted one after the other, and no more than ``limit`` of
    them are checked before the lock (counted after the check, every process
    checked one more guess: 6 checked under the limit of 5 with 2 workers).
    """
    schema = {c: USERS.schema[c] for c in ("failed_logins", "locked_until")}
    with store.transaction() as tx:
        tx.serialise(_PG_SIGN_IN_COUNT_LOCK)
        found = tx._query(
            'SELECT "failed_logins", "locked_until" FROM "users" WHERE "username" = ?',
            [username],
            schema=schema,
        )
        if not found.height:
            return 0, None
        locked = found["locked_until"][0]
        if isinstance(locked, dt.datetime) and locked > at:
            return 0, locked
        failures = int(found["failed_logins"][0] or 0) + 1
        tx._execute(
            'UPDATE "users" SET "failed_logins" = ?, "locked_until" = ?, '
            '"updated_at" = ? WHERE "username" = ?',
            [
                failures,
                _to_sql_value(lock_until, store.dialect) if failures >= limit else None,
                _to_sql_value(at, store.dialect),
                username,
            ],
        )
    return failures, None


def clear_failed_logins(store: Store, username: str, *, at: dt.datetime) -> None:
    """Set the account's failed logins to 0 and lift its lock (a success)."""
    with store.transaction() as tx:
        tx._execute(
            'UPDATE "users" SET "failed_logins" = 0, "locked_until" = NULL, '
            '"updated_at" = ? WHERE "username" = ?',
            [_to_sql_value(at, store.dialect), username],
        )


def read_tokens(store: Store, *, username: str | None = None) -> pl.DataFrame:
    """API tokens (digests only), optionally of one user: the oldest first, tokens
    issued in one second (times are kept to the second) by their id.

    The id breaks the tie so that every store lists them alike: without it a
    revoke (an ``UPDATE``) moved the token's row to the end of a PostgreSQL table,
    and the account's page listed it after tokens issued with it, where SQLite
    kept it in place.
    """
    where = [("username", "=", username)] if username is not None else []
    return store.read_frame(
        "api_tokens", where=where, order_by=["created_at", "token_id"]
    )


def read_token(store: Store, token_id: str) -> dict[str, object] | None:
    """One token row by its public id, or None."""
    return _read_one(store, "api_tokens", "token_id", token_id)


def put_token(store: Store, row: dict[str, object]) -> None:
    """Insert or replace one token row (keyed by ``token_id``)."""
    _put_one(store, API_TOKENS, "token_id", row)


#: what :func:`add_token_row` did: added; nothing (no such account); nothing (the
#: form's nonce issued a token already)
TokenAdded = Literal["added", "no_account", "form_used"]


def add_token_row(
    store: Store,
    row: dict[str, object],
    *,
    check: Callable[[pl.DataFrame], None] | None = None,
) -> TokenAdded:
    """Insert a new token of ``row["username"]``, after ``check`` of every account
    as they are then; nothing written when there is no such account
    (``"no_account"``), or when a token of the same issue form is stored already
    (``"form_used"``: ``row["issue_nonce_sha256"]``, when not null, is on a row).

    The look and the insert are one transaction under the lock of account changes
    (:func:`change_user`): an administrator removed, or the account disabled, by
    another administrator a moment before is seen by ``check``, and of two posts
    of one form (a double click, taken by two server processes) the second sees
    the first's token. The column's unique constraint (migration 0025) refuses a
    second row of one form whatever the path that writes it.
    """
    nonce_digest = row.get("issue_nonce_sha256")
    with store.transaction() as tx:
        accounts = _locked_accounts(tx)
        if nonce_digest is not None and _form_used(tx, str(nonce_digest)):
            return "form_used"
        if check is not None:
            check(accounts)
        if not (accounts["username"] == row["username"]).any():
            return "no_account"
        tx.append("api_tokens", pl.DataFrame([row], schema=API_TOKENS.schema))
    return "added"


def _form_used(tx: Transaction, nonce_digest: str) -> bool:
    """Whether a token row holds ``nonce_digest`` (the issue form's nonce)."""
    found = tx._query(
        'SELECT "token_id" FROM "api_tokens" WHERE "issue_nonce_sha256" = ?',
        [nonce_digest],
        schema={"token_id": pl.String()},
    )
    return found.height > 0


def revoke_token_row(
    store: Store,
    token_id: str,
    *,
    username: str,
    at: dt.datetime,
    check: Callable[[pl.DataFrame], None] | None = None,
) -> dict[str, object] | None:
    """Revoke the token ``token_id`` of ``username`` at ``at``, after ``check`` of
    every account; the token's row as it was before, or None when ``username`` has
    no such token (another account's token is not touched).

    A token revoked already keeps its first ``revoked_at`` (nothing written). One
    transaction under the lock of account changes, and one ``UPDATE`` of
    ``revoked_at`` alone: writing back the whole row undid a use stamped meanwhile.
    """
    names = ", ".join(f'"{c}"' for c in API_TOKENS.names)
    with store.transaction() as tx:
        accounts = _locked_accounts(tx)
        if check is not None:
            check(accounts)
        found = tx._query(
            f'SELECT {names} FROM "api_tokens" WHERE "token_id" = ? AND "username" = ?',
            [token_id, username],
            schema=API_TOKENS.schema,
        )
        if not found.height:
            return None
        before = found.row(0, named=True)
        if before["revoked_at"] is None:
            tx._execute(
                'UPDATE "api_tokens" SET "revoked_at" = ? '
                'WHERE "token_id" = ? AND "revoked_at" IS NULL',
                [_to_sql_value(at, store.dialect), token_id],
            )
    return before


def stamp_token_use(store: Store, token_id: str, *, at: dt.datetime) -> None:
    """Set a token's ``last_used_at`` to ``at`` by one ``UPDATE``.

    Replacing the row (delete, then insert) let two requests using a new token at
    once collide on its key on PostgreSQL (one answered 500); an UPDATE of the same
    row by both just waits for the other.
    """
    with store.transaction() as tx:
        tx._execute(
            'UPDATE "api_tokens" SET "last_used_at" = ? WHERE "token_id" = ?',
            [_to_sql_value(at, store.dialect), token_id],
        )


def count_token_refusal(
    store: Store,
    token_id: str,
    *,
    at: dt.datetime,
    every_s: float,
    wrong_secret: bool = False,
) -> tuple[int, int] | None:
    """Count a refused use of the token ``token_id`` at ``at`` (``wrong_secret``:
    sent with a wrong secret): the refused uses to write to the audit log now (this
    one and those counted since the last written one) and how many of them were
    wrong secrets, when that one is ``every_s`` seconds old or more, or there is
    none, or it is ahead of ``at`` (the clocks went back); else None (counted on
    the token, ``refusals_unaudited`` and ``wrong_secrets_unaudited``, for the next
    one written). A token no longer stored gives this one alone (written).

    One transaction that first raises the counts by one ``UPDATE``, which locks the
    token's row, then reads it: of refusals sent at once to any server process,
    one per ``every_s`` is written and none is lost from the count.
    """
    wrong = 1 if wrong_secret else 0
    kept = {
        c: API_TOKENS.schema[c]
        for c in ("refused_at", "refusals_unaudited", "wrong_secrets_unaudited")
    }
    with store.transaction() as tx:
        tx._execute(
            'UPDATE "api_tokens" SET "refusals_unaudited" = '
            'COALESCE("refusals_unaudited", 0) + 1, "wrong_secrets_unaudited" = '
            'COALESCE("wrong_secrets_unaudited", 0) + ? WHERE "token_id" = ?',
            [wrong, token_id],
        )
        found = tx._query(
            'SELECT "refused_at", "refusals_unaudited", "wrong_secrets_unaudited" '
            'FROM "api_tokens" WHERE "token_id" = ?',
            [token_id],
            schema=kept,
        )
        if not found.height:
            return 1, wrong
        last, count, wrongs = found.row(0)
        # wall-clock times: when the clocks go back, ``last`` may be ahead of ``at``
        if isinstance(last, dt.datetime) and 0 <= (at - last).total_seconds() < every_s:
            return None
        tx._execute(
            'UPDATE "api_tokens" SET "refused_at" = ?, "refusals_unaudited" = 0, '
            '"wrong_secrets_unaudited" = 0 WHERE "token_id" = ?',
            [_to_sql_value(at, store.dialect), token_id],
        )
    return int(count or 1), int(wrongs or 0)
