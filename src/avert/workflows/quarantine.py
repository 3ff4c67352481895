"""Workflows of the quarantine: rows that were rejected, with their raw text.

Quarantined rows hold raw source text (names, dates of birth, person ids), so every
list and export is written to the audit log before the rows are returned or written,
and exports are private, spreadsheet-safe CSV files (:mod:`avert.files`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import polars as pl

from avert.files import write_csv
from avert.store import Store, audit

__all__ = ["export_quarantine", "quarantine_rows"]

_ORDER: Final = ("source_file", "line", "kind")


def quarantine_rows(
    store: Store,
    *,
    limit: int | None = None,
    user: str | None = None,
    reason: str = "quarantined rows with their raw text (avert quarantine list)",
) -> pl.DataFrame:
    """The quarantined rows (first ``limit``, by file and line), audited as a view."""
    frame = store.read_frame("quarantine", order_by=_ORDER)
    if limit is not None:
        frame = frame.head(limit)
    audit.record(
        store,
        action="view",
        obj="quarantine:list",
        reason=reason,
        user=user,
        detail=audit.describe(rows=frame.height),
    )
    return frame


def export_quarantine(
    store: Store,
    path: str | Path,
    *,
    user: str | None = None,
    reason: str = "quarantined rows exported with their raw text",
) -> int:
    """Write every quarantined row to a CSV file; return the number of rows.

    The export is audited first (an export without its audit row cannot exist);
    the file is owner-only and its cells cannot run as spreadsheet formulas.
    """
    frame = store.read_frame("quarantine", order_by=_ORDER)
    audit.record(
        store,
        action="export",
        obj=f"quarantine:{path}",
        reason=reason,
        user=user,
        detail=audit.describe(location=str(path), rows=frame.height),
    )
    write_csv(frame, path)
    return frame.height
