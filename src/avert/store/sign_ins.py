"""Failed web sign-ins per client address (table ``sign_in_failures``).

Only this module reads or writes the table. It holds the failures of the last
window (the caller's, :class:`avert.workflows.users.SignInThrottle`), one row each,
so every server process, and a restarted one, counts the same failures. Times are
UTC (naive): a window in the force's wall-clock time would jump when the clocks
change. The column ``username`` holds the caller's keyed digest of the name typed
(:meth:`avert.workflows.users.SignInThrottle.name_digest`), never the text (rows
written before 2026-12 held up to 64 of its characters; they leave with their
window).

Failures are written one at a time (SQLite: the write lock, taken when the
transaction begins; PostgreSQL: a transaction advisory lock), and each write counts
the address's failures in the same transaction: two processes failing at once get
the counts n and n + 1, never both n, so exactly one failure reaches a limit.
A sign-in is written as a failure before its password is checked (and deleted when
it succeeds, or is refused unchecked): so the sign-ins checked at once from one
address, in any number of processes, count before their answer, and no more than
the limit are checked.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Final

import polars as pl

from avert.schema import SIGN_IN_FAILURES
from avert.store.database import Store, _to_sql_value

__all__ = [
    "clear_failures",
    "delete_failure",
    "nth_latest_failure",
    "record_failure",
]

#: the PostgreSQL advisory lock key that serialises failed sign-ins (any fixed int8)
_PG_SIGN_IN_LOCK: Final = 0x61766572_74_5349
_TABLE: Final = SIGN_IN_FAILURES.name
_AT: Final = {"failed_at_utc": SIGN_IN_FAILURES.schema["failed_at_utc"]}


def record_failure(
    store: Store,
    *,
    client: str,
    name_digest: str,
    at: dt.datetime,
    since: dt.datetime,
) -> tuple[str, int]:
    """Add a failed sign-in from ``client`` at ``at`` (UTC); return its id and the
    address's failures after ``since`` (the window's start), this one included.

    The same transaction deletes every failure, of any address, at or before
    ``since``: they count no more, so the table holds one window of rows.
    """
    failure_id = secrets.token_hex(8)
    row = pl.DataFrame(
        [
            {
                "failure_id": failure_id,
                "client": client,
                "username": name_digest,
                "failed_at_utc": at,
            }
        ],
        schema=SIGN_IN_FAILURES.schema,
    )
    cutoff = _to_sql_value(since, store.dialect)
    with store.transaction() as tx:
        tx.serialise(_PG_SIGN_IN_LOCK)
        tx._execute(f'DELETE FROM "{_TABLE}" WHERE "failed_at_utc" <= ?', [cutoff])
        tx.append(_TABLE, row)
        counted = tx._query(
            f'SELECT COUNT(*) AS n FROM "{_TABLE}" '
            'WHERE "client" = ? AND "failed_at_utc" > ?',
            [client, cutoff],
            schema={"n": pl.Int64()},
        )
    return failure_id, int(counted["n"][0])


def delete_failure(store: Store, failure_id: str) -> None:
    """Delete one failure :func:`record_failure` wrote (a sign-in refused before
    its password was checked, or one the store failed under)."""
    with store.transaction() as tx:
        tx._execute(f'DELETE FROM "{_TABLE}" WHERE "failure_id" = ?', [failure_id])


def nth_latest_failure(
    store: Store, *, client: str, since: dt.datetime, n: int
) -> dt.datetime | None:
    """The time (UTC) of the ``n``-th most recent failure of ``client`` after
    ``since``, or None when it has fewer: the address is at its limit of ``n``
    failures until that one leaves the window."""
    found = store._query(
        f'SELECT "failed_at_utc" FROM "{_TABLE}" '
        'WHERE "client" = ? AND "failed_at_utc" > ? '
        'ORDER BY "failed_at_utc" DESC LIMIT 1 OFFSET ?',
        [client, _to_sql_value(since, store.dialect), n - 1],
        schema=_AT,
    )
    if found.height == 0:
        return None
    value = found["failed_at_utc"][0]
    return value if isinstance(value, dt.datetime) else None


def clear_failures(store: Store, *, client: str, name_digest: str) -> None:
    """Delete the failures of the name ``name_digest`` names from ``client`` (its
    own success there: failures at other names stay, so one valid account does not
    clear the count)."""
    with store.transaction() as tx:
        tx._execute(
            f'DELETE FROM "{_TABLE}" WHERE "client" = ? AND "username" = ?',
            [client, name_digest],
        )
