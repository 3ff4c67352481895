"""Web app accounts and API tokens in the store (tables ``users``, ``api_tokens``).

Only this module reads or writes those tables. Rows are small, so updates replace the
row in one transaction (:meth:`Store.replace_rows`); a failed sign-in's count is one
``UPDATE`` instead (:func:`count_failed_login`), so that server processes failing the
same account at once each add theirs, and so is a token's use
(:func:`stamp_token_use`), so that requests using a new token at once do not collide.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.schema import API_TOKENS, USERS, TableSpec
from avert.store.database import Store, _to_sql_value

__all__ = [
    "clear_failed_logins",
    "count_failed_login",
    "put_token",
    "put_user",
    "read_token",
    "read_tokens",
    "read_user",
    "read_users",
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


def count_failed_login(
    store: Store, username: str, *, at: dt.datetime, limit: int, lock_until: dt.datetime
) -> int:
    """Add one to the account's failed logins in a row; lock it until ``lock_until``
    when they reach ``limit``. Returns the new count (0: no such account).

    One ``UPDATE`` adds to the stored count (not a count read before and written
    back), and the count is read in the same transaction: the row stays locked until
    commit (SQLite: the write lock), so failures at once, in any process, each count.
    """
    failures = 'COALESCE("failed_logins", 0) + 1'
    with store.transaction() as tx:
        tx._execute(
            f'UPDATE "users" SET "failed_logins" = {failures}, '
            f'"locked_until" = CASE WHEN {failures} >= ? THEN ? ELSE NULL END, '
            '"updated_at" = ? WHERE "username" = ?',
            [
                limit,
                _to_sql_value(lock_until, store.dialect),
                _to_sql_value(at, store.dialect),
                username,
            ],
        )
        found = tx._query(
            'SELECT "failed_logins" FROM "users" WHERE "username" = ?',
            [username],
            schema={"failed_logins": USERS.schema["failed_logins"]},
        )
    return int(found["failed_logins"][0] or 0) if found.height else 0


def clear_failed_logins(store: Store, username: str, *, at: dt.datetime) -> None:
    """Set the account's failed logins to 0 and lift its lock (a success)."""
    with store.transaction() as tx:
        tx._execute(
            'UPDATE "users" SET "failed_logins" = 0, "locked_until" = NULL, '
            '"updated_at" = ? WHERE "username" = ?',
            [_to_sql_value(at, store.dialect), username],
        )


def read_tokens(store: Store, *, username: str | None = None) -> pl.DataFrame:
    """API tokens (digests only), optionally of one user."""
    where = [("username", "=", username)] if username is not None else []
    return store.read_frame("api_tokens", where=where, order_by=["created_at"])


def read_token(store: Store, token_id: str) -> dict[str, object] | None:
    """One token row by its public id, or None."""
    return _read_one(store, "api_tokens", "token_id", token_id)


def put_token(store: Store, row: dict[str, object]) -> None:
    """Insert or replace one token row (keyed by ``token_id``)."""
    _put_one(store, API_TOKENS, "token_id", row)


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
