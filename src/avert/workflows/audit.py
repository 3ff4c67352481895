"""Workflows of the audit log for the data protection officer: verify, list, export.

The log itself is written by :func:`avert.store.audit.record` wherever people are
shown; these functions read it. Listing and exporting the log are audited in turn
(the log names staff and the people they looked at). See ``docs/audit.md``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import polars as pl

from avert.errors import NotFound
from avert.files import read_csv_input, restore_cells, write_csv
from avert.schema import AUDIT
from avert.store import Store, audit

__all__ = ["audit_rows", "export_audit", "read_export", "verify_audit"]

_AT_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%.6f"


def verify_audit(
    store: Store | None,
    *,
    head: str | tuple[int, str] | None = None,
    csv: str | Path | None = None,
) -> audit.Verification:
    """Check the hash chain of the store, or of an unfiltered export (``csv``).

    ``head`` is a noted ``SEQ:ROW_HASH`` (see :func:`avert.store.audit.verify`).
    """
    noted = audit.parse_head(head) if isinstance(head, str) else head
    if csv is not None:
        return audit.verify_rows(read_export(csv), head=noted)
    if store is None:
        msg = "verify_audit needs a store or an exported CSV"
        raise NotFound(msg)
    return audit.verify(store, head=noted)


def read_export(path: str | Path) -> pl.DataFrame:
    """Read a CSV written by :func:`export_audit` back into audit rows, exactly.

    Neutralised cells get their text back (:func:`avert.files.restore_cells`), so
    the hashes can be recomputed away from the database.
    """
    raw = restore_cells(read_csv_input(path, infer_schema=False))
    missing = [c for c in AUDIT.names if c not in raw.columns]
    if missing:
        msg = f"{path} is not an audit export: no columns {missing}"
        raise NotFound(msg)
    return raw.select(
        pl.col(name).str.to_datetime(_AT_FORMAT, strict=True).cast(dtype)
        if isinstance(dtype, pl.Datetime)
        else pl.col(name).cast(dtype, strict=True)
        for name, dtype in AUDIT.schema.items()
    )


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
    role: str = "police",
    reason: str = "audit log review (avert audit list)",
) -> pl.DataFrame:
    """Audit rows in chain order, filtered; the look itself is audited first.

    Parameters
    ----------
    since, until
        ``since <= at < until``.
    user_name, action
        Only rows of this user / action.
    user, role, reason
        Who is looking, under which role, and why (the new audit row).
    """
    audit.record(
        store,
        action="view",
        obj="audit:list",
        reason=reason,
        role=role,
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
    The CSV holds ``seq``, ``prev_hash`` and ``row_hash`` and times to the
    microsecond, so an unfiltered export can be checked away from the database
    (``avert audit verify --export-file``, :func:`read_export`).
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
    out = rows.select(*first, "audit_id", "prev_hash", "row_hash").with_columns(
        pl.col("at").dt.strftime(
            _AT_FORMAT
        )  # the canonical spelling, to the microsecond
    )
    write_csv(out, path)
    return rows.height
