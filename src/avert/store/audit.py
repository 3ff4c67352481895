"""The append-only audit log: who saw or exported what, when, and why.

DESIGN.md: every view of a person and every export is in the audit log. Writers call
:func:`record`; nothing updates or deletes audit rows.
"""

from __future__ import annotations

import datetime as dt
import getpass
import uuid

import polars as pl

from avert.store.database import Store

__all__ = ["current_user", "record"]


def current_user() -> str:
    """The operating-system user (the CLI has no accounts yet)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def record(
    store: Store,
    *,
    action: str,
    obj: str,
    reason: str,
    role: str = "police",
    user: str | None = None,
) -> None:
    """Append one audit row (its own transaction, so it survives a later failure).

    Parameters
    ----------
    action
        ``view``, ``export``, ...
    obj
        What was seen or exported, e.g. ``person:P0000123`` or ``briefing:2026-11-24T06:00``.
    reason
        Why (shown to the data protection officer).
    role
        The role or audience it was done under.
    user
        Who; defaults to the operating-system user.
    """
    row = pl.DataFrame(
        {
            "audit_id": [uuid.uuid4().hex],
            "at": [dt.datetime.now().replace(microsecond=0)],
            "user_name": [user or current_user()],
            "role": [role],
            "action": [action],
            "object": [obj],
            "reason": [reason],
        }
    )
    with store.transaction() as tx:
        tx.append("audit", row)
