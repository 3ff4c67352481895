"""Workflows of the audit log for the data protection officer: verify, list, export.

The log itself is written by :func:`avert.store.audit.record` wherever people are
shown; these functions read it. Listing and exporting the log are audited in turn
(the log names staff and the people they looked at). See ``docs/audit.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from avert.files import write_csv
from avert.store import Store, audit

__all__ = ["audit_rows", "export_audit", "verify_audit"]


def verify_audit(
    store: Store, *, head: str | tuple[int, str] | None = None
) -> audit.Verification:
    """Check the hash chain; ``head`` is a noted ``SEQ:ROW_HASH`` (see :func:`audit.verify`)."""
    noted = audit.parse_head(head) if isinstance(head, str) else head
    return audit.verify(store, head=noted)


def _filters(
    since: dt.datetime | None,
    until: dt.datetime | None,
    user_name: str | None,
    action: str | None,
) -> str:
    return audit.describe(
        since=since and since.isoformat(),
        until=until and until.isoformat(),
        user_name=user_name,
        action=action,
    )


def audit_rows(
    store: Store,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user_name: str | None = None,
    action: str | None = None,
    user: str | None = None,
    reason: str = "audit log review (avert audit list)",
) -> pl.DataFrame:
    """Audit rows in chain order, filtered; the look itself is audited first.

    Parameters
    ----------
    since, until
        ``since <= at < until``.
    user_name, action
        Only rows of this user / action.
    user, reason
        Who is looking and why (the new audit row).
    """
    audit.record(
        store,
        action="view",
        obj="audit:list",
        reason=reason,
        user=user,
        detail=_filters(since, until, user_name, action) or None,
    )
    return audit.read(store, since=since, until=until, user=user_name, action=action)


def export_audit(
    store: Store,
    path: str | Path,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user_name: str | None = None,
    action: str | None = None,
    user: str | None = None,
    reason: str = "audit log exported for the data protection officer",
) -> int:
    """Write the (filtered) audit rows to a private, spreadsheet-safe CSV file.

    The export is audited before the file is written; returns the rows written.
    The CSV holds ``seq``, ``prev_hash`` and ``row_hash``, so the chain can be
    checked from the file too (docs/audit.md).
    """
    rows = audit.read(store, since=since, until=until, user=user_name, action=action)
    filters = _filters(since, until, user_name, action)
    audit.record(
        store,
        action="export",
        obj=f"audit:{path}",
        reason=reason,
        user=user,
        detail="; ".join(
            x
            for x in (audit.describe(location=str(path), rows=rows.height), filters)
            if x
        ),
    )
    first = ["seq", "at", "user_name", "role", "action", "object", "reason", "detail"]
    write_csv(rows.select(*first, "audit_id", "prev_hash", "row_hash"), path)
    return rows.height
