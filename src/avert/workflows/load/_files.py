"""Incident tables: ``--replace-file``, a load that replaces what earlier loads of the
same file stored.

A corrected mapping makes a new load (docs/formats.md, "Any incident table"): an
offence code from ``[categories]`` is part of a keyless row's key, so the file's rows
come back under new keys beside the old ones (each incident twice), and a row keyed
by the file's id is a conflicting duplicate that keeps its stored category. A load
with ``replace_files`` makes each table file of the load the whole of what its
earlier loads stored, in the load's one transaction, as ``--replace-month``
(:mod:`._months`) makes a police.uk file the whole of its force-month.

The file is known by its stored identity: the mapping's ``[table].source`` and the
file's name as given to ingest (``source_file``, exactly): a file of another name or
source is never touched. Rows are matched by key, then by line (the same file read
through another mapping gives its rows new keys at the same lines): each stored row
is *replaced* (the file's row at its key with other fields, or the file's row at its
line under a new key), *unchanged* (the file gives it as stored) or *removed* (the
file no longer holds it, or its row is rejected now); each of the file's other rows
is *added*. A name alone cannot tell two files apart (``crimes.csv`` loaded from two
folders, each time from its own): when most rows paired by line differ in both time
and place, the stored rows are another file's and the load is refused
(:func:`_check_same_file`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from avert.errors import IngestError
from avert.ingest.result import FileReport
from avert.store.audit import describe
from avert.store.database import Transaction
from avert.store.loads import (
    delete_keys,
    delete_quarantine_of_file,
    linked_incidents,
    loads_of_file,
    rejected_lines,
    rows_of_file,
    sources_of_files,
)
from avert.workflows.load._months import (
    _first_conflicts,
    _held_by_load,
    _store_revised,
)
from avert.workflows.load._state import LoadReport, _base_name, _say, _State

#: the kind of an incident table's file in a load's report
TABLE_KIND: Final = "table-incidents"
_KEY: Final = "incident_id"
#: rows paired by line whose time and place both differ, as a share of the paired
#: rows, above which the stored rows are taken to be another file's
_OTHER_FILE_SHARE: Final = 0.5
#: metres a paired row's place may move and still be the same place (a CRS corrected)
_SAME_PLACE_M: Final = 1.0
#: the audit row's reason
AUDIT_REASON: Final = (
    "an incident table loaded with --replace-file replaces what earlier loads of "
    "the same file stored"
)


@dataclass(frozen=True)
class Replacement:
    """What replacing one file's earlier loads did (the counts of its report)."""

    #: stored incidents the file's rows replaced (at their key or their line)
    replaced: int
    #: the file's rows stored beside them (no stored row at their key or line)
    added: int
    #: stored incidents deleted: the file no longer holds them, or rejects them now
    removed: int
    #: stored incidents the file gives as stored
    unchanged: int
    #: of ``removed``: those whose line the file holds but this load rejected
    removed_rejected: int
    #: quarantine entries of the earlier loads removed (superseded by this load's)
    quarantine_removed: int
    #: the loads whose incidents were replaced or removed, oldest first
    earlier_loads: tuple[str, ...]

    def as_dict(self) -> dict[str, int]:
        """The counts, as the load's ``--json`` gives them (``replacement``)."""
        return {
            "replaced": self.replaced,
            "added": self.added,
            "removed": self.removed,
            "unchanged": self.unchanged,
            "quarantine_removed": self.quarantine_removed,
        }


def replace_files(
    tx: Transaction,
    report: LoadReport,
    state: _State,
    *,
    source: str,
    remove_rejected: bool = False,
) -> dict[str, Replacement]:
    """Make each table file of the load the whole of what earlier loads stored from
    it under ``source`` (the mapping's ``[table].source``); per file, what it did.

    Raises
    ------
    IngestError
        (Nothing is loaded: the load's transaction is rolled back.) A file of the
        load that was not read, that holds no incident (every row rejected: it
        would remove every stored row), of which no earlier load stored an
        incident under ``source`` (loading it would add its rows beside those of
        the load meant: the error names the files of that name stored), or whose
        stored rows are another file's (:func:`_check_same_file`), or (without
        ``remove_rejected``) a stored incident whose row this load rejects
        (:func:`_refuse_removing_rejected`).
    """
    _refuse_unreadable(report)
    files = report.files
    twice = sorted({f.file for f in files if [g.file for g in files].count(f.file) > 1})
    if twice:
        msg = f"--replace-file: {', '.join(twice)} given twice. Nothing was loaded."
        raise IngestError(msg)
    rows = {f.file: rows_of_file(tx, source, f.file) for f in files}
    missing = [
        f
        for f in files
        if rows[f.file].filter(pl.col("load_id") != report.load_id).height == 0
    ]
    if missing:
        raise IngestError(_nothing_stored(tx, missing, source))
    done: dict[str, Replacement] = {}
    for f in files:
        stored = rows[f.file]
        done[f.file] = _replace_file(
            tx,
            report.load_id,
            state,
            f,
            stored.filter(pl.col("load_id") != report.load_id),
            stored.filter(pl.col("load_id") == report.load_id),
            source=source,
        )
        if not remove_rejected:
            _refuse_removing_rejected(f, done[f.file])
    return done


def _refuse_removing_rejected(f: FileReport, done: Replacement) -> None:
    """An IngestError (nothing is loaded) when replacing ``f`` would delete
    stored incidents because this load rejects their rows: a wrong
    ``time_format``, CRS or column rejects rows that were good, and the replace
    would delete what they stored. ``--accept-rejects`` allows it."""
    if done.removed_rejected:
        msg = (
            f"--replace-file: {f.file}: {done.removed_rejected:,} stored "
            f"incident(s) would be removed because this load rejects their rows "
            f"({f.quarantined:,} rejected in all; a wrong time_format, CRS or "
            "column?). Nothing was loaded. See the reasons with --dry-run; give "
            "--accept-rejects to remove them."
        )
        raise IngestError(msg)


def _refuse_unreadable(report: LoadReport) -> None:
    """An IngestError for a file of the load that was not read as a table, or
    that holds no incident that loads (every row rejected, or none)."""
    for f in report.files:
        if f.kind != TABLE_KIND or f.error:
            msg = (
                f"--replace-file: {f.file} was not read ({f.error or f.note or f.kind})"
                ", so nothing stored from it is replaced. Nothing was loaded."
            )
            raise IngestError(msg)
        if f.loaded + f.duplicates == 0:
            msg = (
                f"--replace-file: {f.file} holds no incident that loads ({f.rows:,} "
                f"data rows, {f.quarantined:,} rejected): replacing its earlier loads "
                "would remove every incident they stored. Nothing was loaded; see "
                "the reasons with a load without --replace-file."
            )
            raise IngestError(msg)


def _replace_file(
    tx: Transaction,
    load_id: str,
    state: _State,
    f: FileReport,
    old: pl.DataFrame,
    new: pl.DataFrame,
    *,
    source: str,
) -> Replacement:
    """Replace the incidents ``old`` (stored from ``f`` by earlier loads) by the
    file's rows: ``new`` are those this load stored (keys not stored before).

    Set operations: the file's keys against the old rows', then the old rows the
    file no longer holds against the new rows' lines; one delete by key."""
    held = pl.concat(
        [
            pl.DataFrame(schema={"key": pl.String()}),
            *(k.select("key") for k in (state.held_keys or {}).get(f.file, [])),
        ]
    )["key"]
    conflicting = _first_conflicts(state, f.file, _KEY)
    revised = conflicting.join(old.select(_KEY), on=_KEY, how="semi")
    kept = old.filter(pl.col(_KEY).is_in(held.implode()))
    gone = old.filter(~pl.col(_KEY).is_in(held.implode()))
    # a row another file of the load holds stays stored (its row is a duplicate)
    gone = gone.filter(~_held_by_load(state.held_keys, gone[_KEY]))
    paired = gone.join(new.select("source_line"), on="source_line", how="semi")
    _check_same_file(f, source, gone, pl.concat([new, kept]))
    _refuse_linked(tx, f, source, gone)
    delete_keys(tx, "incidents", pl.concat([gone[_KEY], revised[_KEY]]))
    _store_revised(tx, load_id, f, revised, state)
    superseded = _superseded_loads(tx, f, old, load_id)
    rejected = rejected_lines(tx, load_id, f.file)
    quarantine = delete_quarantine_of_file(
        tx, f.file, load_ids=superseded, duplicate_lines=revised["source_line"]
    )
    earlier = tuple(
        sorted(set(gone["load_id"].to_list()) | set(kept["load_id"].to_list()))
    )
    done = Replacement(
        replaced=revised.height + paired.height,
        added=new.height - new.join(paired, on="source_line", how="semi").height,
        removed=gone.height - paired.height,
        unchanged=kept.height - revised.height,
        removed_rejected=gone.join(paired, on=_KEY, how="anti")
        .filter(pl.col("source_line").is_in(rejected.implode()))
        .height,
        quarantine_removed=quarantine,
        earlier_loads=earlier,
    )
    f.replaced = done.replaced + done.removed
    f.replacement = done.as_dict()
    _say(f, _replaced_note(f.file, source, done))
    return done


def _superseded_loads(
    tx: Transaction, f: FileReport, old: pl.DataFrame, load_id: str
) -> list[str]:
    """The earlier loads of ``f`` whose quarantine entries this load supersedes:
    every recorded load of the file's name but this one and those that read the
    same bytes through the same mapping (their entries are this load's, which it
    did not write again), less a load that stored rows of the file under another
    source (its entries are that source's)."""
    loads = loads_of_file(tx, f.file)
    other_source = _loads_of_other_sources(tx, f.file, old)
    return sorted(
        {
            str(load)
            for load, digest in loads.iter_rows()
            if load != load_id and digest != f.sha256 and load not in other_source
        }
    )


def _loads_of_other_sources(tx: Transaction, path: str, old: pl.DataFrame) -> set[str]:
    """The loads that stored rows of ``path`` under another source than ``old``'s
    (the same file loaded through another mapping's ``[table].source``)."""
    pairs = sources_of_files(tx).filter(pl.col("source_file") == path)
    if pairs.height <= 1:
        return set()
    mine = set(old["load_id"].to_list())
    loads: set[str] = set()
    for (other,) in pairs.select("source").iter_rows():
        rows = rows_of_file(tx, str(other), path)
        loads |= set(rows["load_id"].to_list()) - mine
    return loads


def _check_same_file(
    f: FileReport, source: str, gone: pl.DataFrame, held: pl.DataFrame
) -> None:
    """An IngestError when the stored rows the file no longer holds by key
    (``gone``) of an earlier load are mostly another file's: paired by line with
    the rows the file holds (``held``: stored by this load, or by an earlier one
    at the same key), their time and their place (beyond :data:`_SAME_PLACE_M`)
    both differ. A corrected mapping changes a category, a code, or at most one of
    the time (``time_format``) and the place (``crs``); another file of the same
    name (an export of another month) differs in both. Judged per earlier load
    (each read one file): pooled, the file's own re-keyed rows (every keyless row
    under a corrected code), which pair with themselves, outweighed another
    file's, and its rows were deleted."""
    both = gone.join(
        held.select("source_line", "occurred_from", "x", "y").unique("source_line"),
        on="source_line",
        suffix="_new",
    )
    if both.height == 0:
        return
    moved = (pl.col("x") - pl.col("x_new")) ** 2 + (pl.col("y") - pl.col("y_new")) ** 2
    differ = (pl.col("occurred_from") != pl.col("occurred_from_new")) & (
        moved.fill_null(0.0) > _SAME_PLACE_M**2
    )
    per_load = (
        both.group_by("load_id")
        .agg(differ.fill_null(False).sum().alias("other"), pl.len().alias("paired"))
        .filter(pl.col("other") > pl.col("paired") * _OTHER_FILE_SHARE)
        .sort("load_id")
    )
    if per_load.height == 0:
        return
    other, paired = int(per_load["other"].sum()), int(per_load["paired"].sum())
    loads = ", ".join(per_load["load_id"].to_list())
    msg = (
        f"--replace-file: the incidents of source {source!r} stored from "
        f"{f.file} are not this file's rows: {other:,} of the {paired:,} at "
        f"the same lines differ in both time and place (load{'' if per_load.height == 1 else 's'} "
        f"{loads}). Another file loaded earlier "
        "under the same name (a relative name, from another folder?) is never "
        "replaced. Nothing was loaded; load this file without --replace-file."
    )
    raise IngestError(msg)


def _refuse_linked(
    tx: Transaction, f: FileReport, source: str, gone: pl.DataFrame
) -> None:
    """An IngestError when a stored incident the file no longer holds at its key
    (``gone``: to be deleted) is named by a person link or an action: a bundle's
    involvement or DASH assessment may name the incident id a table stored (its
    own incident row a duplicate), and deleting the incident would leave the link
    naming nothing. (A row the file holds with other fields keeps its key: its
    links stay.)"""
    linked = linked_incidents(tx, gone[_KEY])
    if linked.height == 0:
        return
    ids = linked["incident_id"].unique().sort().to_list()
    tables = ", ".join(sorted(set(linked["table"].to_list())))
    shown = ", ".join(ids[:5]) + (f" and {len(ids) - 5:,} more" if len(ids) > 5 else "")
    msg = (
        f"--replace-file: {len(ids):,} incident{'' if len(ids) == 1 else 's'} of "
        f"source {source!r} stored from {f.file} that the file no longer holds (or "
        f"rejects now, or holds under another key) {'is' if len(ids) == 1 else 'are'}"
        f" named by stored {tables} ({shown}): removing "
        f"{'it' if len(ids) == 1 else 'them'} would leave those records naming no "
        "incident. Nothing was loaded; load the file without --replace-file, or "
        "correct the records that name them first."
    )
    raise IngestError(msg)


def _nothing_stored(tx: Transaction, files: Sequence[FileReport], source: str) -> str:
    """The error of a load asked to replace files no earlier load stored under
    ``source``: the files of that name that are stored (their paths and sources)."""
    stored = sources_of_files(tx)
    said = []
    for f in files:
        name = _base_name(f.file)
        alike = [
            f"{path} (source {src!r})"
            for src, path in stored.sort("source_file", "source").iter_rows()
            if _base_name(str(path)) == name and (path != f.file or src != source)
        ]
        said.append(
            f"{f.file}"
            + (f" (stored files of that name: {', '.join(alike)})" if alike else "")
        )
    return (
        f"--replace-file: no incident of source {source!r} is stored from "
        f"{'; '.join(said)}. A file is known by its [table].source and its name "
        "as given when it was loaded: give the same name (and source). Nothing was "
        "loaded; a file never loaded loads without --replace-file."
    )


def _replaced_note(path: str, source: str, done: Replacement) -> str:
    loads = ", ".join(done.earlier_loads)
    if not (done.replaced or done.added or done.removed or done.quarantine_removed):
        return (
            f"replaced nothing: the {done.unchanged:,} incidents earlier loads stored "
            f"from {_base_name(path)} (source {source!r}) are the file's rows as "
            "stored."
        )
    said = (
        f"replaced what earlier loads stored from {_base_name(path)} (source "
        f"{source!r}; load{'' if len(done.earlier_loads) == 1 else 's'} {loads}): "
        f"{done.replaced:,} replaced, {done.added:,} added, {done.removed:,} "
        f"removed, {done.unchanged:,} unchanged"
    )
    if done.removed_rejected:
        said += (
            f" (removed: {done.removed_rejected:,} whose row this load rejected, "
            "the stored incident deleted with it: see 'avert quarantine list'; "
            "the others the file no longer holds)"
        )
    elif done.removed:
        said += " (removed: rows the file no longer holds)"
    if done.quarantine_removed:
        said += (
            f"; {done.quarantine_removed:,} quarantine entr"
            f"{'y' if done.quarantine_removed == 1 else 'ies'} of the earlier loads "
            "removed (this load's say what the file holds now)"
        )
    return said + ". The file's incidents are now this load's rows only."


def audit_entries(
    report: LoadReport, done: Mapping[str, Replacement], *, source: str
) -> list[dict[str, Any]]:
    """One audit entry per replaced file (action ``replace``, object
    ``ingest-table:FILE``): the source, the load, the earlier loads and the counts."""
    return [
        {
            "action": "replace",
            "obj": f"ingest-table:{path}",
            "reason": AUDIT_REASON,
            "detail": describe(
                source=source,
                load=report.load_id,
                earlier_loads=",".join(r.earlier_loads),
                replaced=r.replaced,
                added=r.added,
                removed=r.removed,
                unchanged=r.unchanged,
                removed_rejected=r.removed_rejected,
                quarantine_removed=r.quarantine_removed,
            ),
        }
        for path, r in done.items()
    ]
