"""Load input files into the store: one transaction, nothing lost, idempotent.

Every data row of every file ends in exactly one of: *loaded* (appended), *quarantined*
(rejected, written to ``quarantine`` with ``kind='rejected'``) or *duplicate* (its
primary key was already present in the same file, an earlier file of the load, or the
database). A duplicate whose fields differ from the kept row is also written to
``quarantine`` with ``kind='duplicate'`` and a reason naming every differing field
with both values. The whole load is one database transaction: an error or a kill
leaves the database exactly as before. Quarantine ids are deterministic (file digest,
line, kind, table) and a ``loads`` row is only added for a (file, digest) pair not yet
recorded, so re-loading the same files adds nothing anywhere.

The modules: ``_load`` (the load: files parsed ahead, written part by part, the
quarantine and ``loads`` rows), ``_plan`` (the units of a load), ``_checks`` (long
keys, references, duplicates), ``_state`` (what a load holds while it writes, its
report, the key-ordered append), ``_months`` (police.uk force-months:
``--replace-month`` and the notes on revised months), ``_files`` (incident tables:
``--replace-file``, a load replacing what earlier loads of the same file stored) and
``_refresh`` (what is derived from the stored records, after a load).
"""

from __future__ import annotations

from avert.workflows.load._checks import MAX_KEY_BYTES
from avert.workflows.load._load import (
    FINISHING,
    ProgressFn,
    ingest_limits,
    load_files,
)
from avert.workflows.load._refresh import Refresh, refresh_after_load
from avert.workflows.load._state import STREET_KIND, LoadReport

__all__ = [
    "FINISHING",
    "MAX_KEY_BYTES",
    "STREET_KIND",
    "LoadReport",
    "ProgressFn",
    "Refresh",
    "ingest_limits",
    "load_files",
    "refresh_after_load",
]
