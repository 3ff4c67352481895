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
"""

from __future__ import annotations

import datetime as dt
import hashlib
import queue
import threading
import time
import uuid
from collections.abc import Callable, Generator, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

import polars as pl

from avert.config.definitions import HarmTable, load_harm, load_profile
from avert.config.settings import Settings
from avert.config.timezone import local_now
from avert.errors import ConfigError, IngestError, NotFound
from avert.ingest._rows import join_text
from avert.ingest.geo import check_store_crs
from avert.ingest.keys import row_text
from avert.ingest.limits import DEFAULT_LIMITS, Limits, Refused
from avert.ingest.policeuk import (
    force_from_name,
    stop_month_from_name,
    street_month_from_name,
)
from avert.ingest.result import (
    PROBLEM_SCHEMA,
    REFUSED,
    FileReport,
    Parsed,
    Reference,
    refused,
)
from avert.ingest.sources import SourceFile, unterminated_last_line
from avert.schema import QUARANTINE, TABLES
from avert.store import Store
from avert.store.database import Transaction
from avert.store.loads import (
    delete_keys,
    delete_quarantined,
    has_rows,
    keys_from_files,
    loaded_files,
    record_loads,
    set_page_cache,
    stops_per_file,
    stored_files,
    update_outcomes,
)
from avert.store.summary import classified_profiles
from avert.workflows.definitions import ClassifyReport, classify_store

__all__ = [
    "FINISHING",
    "LoadReport",
    "ProgressFn",
    "Refresh",
    "ingest_limits",
    "load_files",
    "refresh_after_load",
]

#: progress(what, files_done, files_total): called before each file, after each part
#: of a file (``what`` then names the file and its rows so far), before the final
#: index rebuild and commit, and once at the end (``what`` empty)
ProgressFn = Callable[[str, int, int], None]
#: what the progress callback is told while indexes are rebuilt and the load commits
FINISHING = "rebuilding indexes and committing"
_PROVENANCE = ("load_id", "source_file", "source_line")
#: rows per Arrow batch handed to the database (bounds the extra memory of a load)
_APPEND_ROWS = 500_000
#: keys looked up in the database at a time when splitting off duplicates (bounds
#: the stored rows held at once on a re-load)
_LOOKUP_ROWS = 250_000
#: SQLite page cache of a load's connection, KiB
_SQLITE_CACHE_KIB = 262_144
#: once a load has more new rows than this for a table, the table's secondary
#: indexes are dropped for the rest of the load and rebuilt once at its end (same
#: transaction): one sort per index instead of a B-tree insert per row
_DEFER_INDEX_ROWS = 200_000
#: columns not compared when a key repeats in a police.uk file: a street file's
#: outcome is replaced after the load by the latest ``outcomes`` row, so a re-loaded
#: row would differ from its own stored row. A bundle's or mapped table's outcome is
#: the record's own, so a different one is a conflict (reported, the first kept).
_NOT_COMPARED = {"incidents": {"outcome"}}
#: derived columns, not compared in police.uk files (they follow from lat/lon). A
#: bundle or mapped table may give x/y instead, lat/lon then following from them, so
#: there x and y are compared too: a changed x is named, not only its lat/lon.
_DERIVED = {"x", "y", "has_location"}
_DERIVED_GIVEN = {"has_location"}
#: Bytes a row's key (its primary-key columns together) may hold. A PostgreSQL
#: B-tree index entry holds at most 2,704 bytes ("index row size exceeds btree
#: version 4 maximum 2704": the whole load failed there), SQLite has no such limit;
#: real ids are short (a police.uk Crime ID is 64 characters), so a longer key is a
#: damaged row, rejected alike on either store.
MAX_KEY_BYTES: Final = 1024


@dataclass
class LoadReport:
    """The result of one load: one :class:`FileReport` per file, plus skipped files."""

    load_id: str
    files: list[FileReport] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        """Data rows read over all files."""
        return sum(f.rows for f in self.files)

    @property
    def loaded(self) -> int:
        """Rows added."""
        return sum(f.loaded for f in self.files)

    @property
    def quarantined(self) -> int:
        """Rows rejected."""
        return sum(f.quarantined for f in self.files)

    @property
    def duplicates(self) -> int:
        """Rows already present."""
        return sum(f.duplicates for f in self.files)

    @property
    def replaced(self) -> int:
        """Stored stops and crimes deleted (or, crimes, replaced by their revision)
        because a newer file of their month no longer holds them as stored
        (``replace_months``)."""
        return sum(f.replaced or 0 for f in self.files)

    @property
    def rejected_files(self) -> list[FileReport]:
        """Files refused or not read as data, or with a rejected row."""
        return [f for f in self.files if f.error or f.quarantined]

    def as_json(self) -> list[dict[str, Any]]:
        """One object per file (skipped files have kind ``skipped``)."""
        out = [f.as_dict() for f in self.files]
        out += [
            FileReport(name, "skipped", 0, note="not a data file").as_dict()
            for name in self.skipped
        ]
        return out


def load_files(
    store: Store,
    paths: Sequence[str | Path],
    *,
    kind: Literal["policeuk", "bundle", "table"] = "policeuk",
    strict: bool = False,
    crs: str = "EPSG:27700",
    progress: ProgressFn | None = None,
    timezone: str = "Europe/London",
    parse: Callable[[Path], Parsed] | None = None,
    mapping: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    follow_links: bool = False,
    replace_months: bool = False,
) -> LoadReport:
    """Load police.uk files or one avert bundle into ``store`` in one transaction.

    Parameters
    ----------
    store
        Target store (schema at head).
    paths
        police.uk files / folders / zips, or (``kind="bundle"``) one bundle folder or zip.
    kind
        ``"policeuk"``, ``"bundle"`` or ``"table"`` (any incident CSV/Parquet through
        the TOML ``mapping``, see :mod:`avert.ingest.table`).
    strict
        Fail the whole load (nothing written) when any row is rejected.
    crs
        Projected CRS of ``x``/``y`` (settings ``crs``).
    timezone
        Zone of stored times (settings ``timezone``): bundle times with an offset are
        converted to it.
    progress
        Called before each file and once at the end.
    parse
        With ``kind="table"``: the parser of each file (one :class:`Parsed` per
        file), e.g. :func:`avert.ingest.population.parse_population`.
    limits
        Size, ratio and line limits: a file over one is refused (reported with
        ``error`` and quarantined at line 0), the others load.
    follow_links
        Read symbolic links that point out of a given folder (default: refused).
    replace_months
        Each police.uk stop-and-search file named for a month of a force
        (``YYYY-MM-<force>-stop-and-search.csv``, ``...-stops-force.json``)
        replaces that force-month: the stops stored from earlier files of that
        month which it does not hold (revised or withdrawn by police.uk) are
        deleted, in the same transaction, and counted in its ``replaced``. Two
        different files of one force-month in the load are an IngestError; a file
        holding no row, or not ending with a line break (cut short), replaces
        nothing.

    Returns
    -------
    LoadReport
        Per-file counts; ``rows == loaded + quarantined + duplicates`` for each file.

    Raises
    ------
    IngestError
        Unreadable input, a bad bundle, (``strict``) any rejected row, or
        (``replace_months``) two different files of one force-month.
    """
    check_store_crs(crs)
    units, skipped, references, names = _plan(
        paths,
        kind=kind,
        crs=crs,
        timezone=timezone,
        parse=parse,
        mapping=mapping,
        limits=limits,
        follow_links=follow_links,
    )
    report = LoadReport(
        load_id=f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}",
        skipped=skipped,
    )
    total = len(units)
    # bulk: appended pages are written once (rollback journal), not twice (WAL)
    with store.transaction(bulk=True) as tx, ExitStack() as deferred:
        # a bigger page cache (256 MiB) for this connection: random-key B-tree inserts
        # (64-hex Crime IDs) otherwise thrash SQLite's default 2 MiB cache
        set_page_cache(tx, _SQLITE_CACHE_KIB)
        state = _State(tx, references, deferred, keep_keys=replace_months)
        _write_units(units, names, report, state, references, progress)
        _note_cut_short(report)
        # rebuild the indexes dropped for bulk appends (still inside the transaction)
        _tell(progress, FINISHING, total, total)
        deferred.close()
        _tell(progress, "", total, total)
        if strict:
            _refuse_rejects(report, state)
        _note_stops_without_force(report)
        if replace_months:
            _replace_months(tx, report, state, _STOP_MONTHS)
            _replace_months(tx, report, state, _STREET_MONTHS)
            _note_not_replaced(tx, report, state.held_keys)
        if state.touched_outcomes:
            update_outcomes(tx, report.load_id)
        _note_revised_stops(tx, report)
        _record_loads(tx, report, timezone)
    return report


def _tell(progress: ProgressFn | None, what: str, done: int, total: int) -> None:
    """Call ``progress`` (when given) with what the load is doing."""
    if progress is not None:
        progress(what, done, total)


def _write_units(
    units: Sequence[Unit],
    names: Sequence[str],
    report: LoadReport,
    state: _State,
    references: References,
    progress: ProgressFn | None,
) -> None:
    """Write every unit's parts in file order, one :class:`FileReport` per file
    added to ``report``.

    A big file comes in parts (bounded memory); its report sums theirs. The next
    part is parsed in a thread while this one is written (:func:`_parsed_ahead`;
    Polars and the ADBC driver release the GIL), so parsing and writing overlap on
    two cores. ``progress`` names a file as soon as it is being read, and moves
    part by part through a big one.
    """
    total = len(units)
    current = -1
    with closing(_parsed_ahead(units)) as ahead:
        for i, parsed in ahead:
            if parsed is None:  # the file is being read: name it at once
                _tell(progress, names[i], i, total)
                continue
            if i != current:
                current = i
                report.files.append(FileReport(parsed.file, parsed.kind, 0))
                _tell(progress, parsed.file, i, total)
            part = _write(state.tx, parsed, report.load_id, state, references)
            del parsed
            done = report.files[-1]
            _add(done, part)
            if progress is not None:  # a big file moves part by part
                progress(f"{done.file} ({done.rows:,} rows read)", i, total)


def _refuse_rejects(report: LoadReport, state: _State) -> None:
    """``--strict``: an IngestError (nothing is loaded) when a row was rejected, a
    file refused or not read as data, or a file had a problem."""
    rejected = [
        f for f in report.files if f.quarantined or f.kind in ("unknown", REFUSED)
    ]
    if not rejected and not state.file_problems:
        return
    n = sum(f.quarantined for f in rejected) + state.file_problems
    msg = (
        f"--strict: {n} rejected row(s) or file problem(s) in "
        f"{len(rejected)} file(s) (first: {rejected[0].file if rejected else '?'}); "
        "nothing was loaded"
    )
    raise IngestError(msg)


def _base_name(path: str) -> str:
    """The file name of a stored ``source_file`` (a path, or a zip member's)."""
    return path.replace("\\", "/").replace("!", "/").rsplit("/", 1)[-1]


_STOP_KINDS: Final = ("policeuk-stops", "policeuk-api-stops")
STREET_KIND: Final = "policeuk-street"
#: the tables whose keys a load that replaces months keeps per file, and their key
_HELD: Final = {"stops": "stop_id", "incidents": "incident_id"}
#: a force-month: (``YYYY-MM``, force slug), as a stop or street file's name gives it
Month = tuple[str, str]


@dataclass(frozen=True)
class _MonthFiles:
    """A kind of police.uk file that ``replace_months`` makes the whole of the
    force-month its name gives: its kinds, table and key, and how it is named."""

    kinds: tuple[str, ...]
    table: str
    month_from_name: Callable[[str], Month | None]
    #: the police.uk name, for the note of a file named otherwise
    name_form: str
    #: one row of the table, as the notes name it ("stop", "crime")
    row: str

    @property
    def key(self) -> str:
        return _HELD[self.table]


_STOP_MONTHS: Final = _MonthFiles(
    _STOP_KINDS,
    "stops",
    stop_month_from_name,
    "YYYY-MM-<force>-stop-and-search.csv",
    "stop",
)
_STREET_MONTHS: Final = _MonthFiles(
    (STREET_KIND,),
    "incidents",
    street_month_from_name,
    "YYYY-MM-<force>-street.csv",
    "crime",
)


def _replace_months(
    tx: Transaction, report: LoadReport, state: _State, spec: _MonthFiles
) -> None:
    """Make each file of the load of ``spec``'s kinds the whole of its force-month.

    police.uk republishes back months with rows revised, added or removed. A stop
    row carries no id (a stop is keyed by its fields), so a revised stop loads as
    a new one beside the one it revises; a street crime keeps its Crime ID, so a
    revised crime is a duplicate (the stored row kept) and a withdrawn one stays.
    Here the rows stored from any file named for the same force-month
    (``2018-03-metropolitan-stop-and-search.csv``, ``2019-05-city-of-london-
    street.csv``, in any folder or zip) that this file does not hold are deleted
    (not one another file of the load holds: a crime moved to the next month's
    file stays stored), and (street) a stored crime this file holds with other fields is replaced by
    the file's row (its conflicting-duplicate quarantine entry removed: the
    revision is stored, not set aside). What remains of the month is exactly this
    file's rows, its rejected rows quarantined as in any load. The month is told by
    the names of the files its rows came from, not by their dates (a search late on
    a month's last day in UTC is stored in the next month's local time). The same
    file again deletes nothing. Set operations: one join for the months' stored
    keys, one delete by key.
    """
    months = _named_months(report, spec)
    if not months:
        return
    month_of = {
        path: _month_text(month)
        for path in stored_files(tx, spec.table)
        if (month := spec.month_from_name(_base_name(path))) in months
    }
    present = keys_from_files(tx, spec.table, sorted(month_of)).with_columns(
        pl.col("source_file").replace_strict(month_of).alias("month")
    )
    gone = present.join(
        _held_keys(months, state.held_keys, spec.key),
        on=["month", spec.key],
        how="anti",
    )
    gone = gone.filter(~_held_by_load(state.held_keys, gone[spec.key]))
    # a revision of a row of its month stored by an earlier load (not a row this
    # file repeats, nor one of another month)
    earlier = _by_month(present.filter(pl.col("load_id") != report.load_id))
    revised = {
        month: _revised_rows(
            state,
            files[0].file,
            earlier.get(_month_text(month), present.clear()),
            spec.key,
        )
        for month, files in months.items()
    }
    gone_of = _by_month(gone)
    delete_keys(
        tx,
        spec.table,
        pl.concat([gone[spec.key], *(r[spec.key] for r in revised.values())]),
    )
    for month, files in months.items():
        _store_revised(tx, report.load_id, files[0], revised[month], state)
        of_month = gone_of.get(_month_text(month), gone.clear())
        for f in files:  # the same file again: the first one replaced the month
            f.replaced = 0
        files[0].replaced = of_month.height + revised[month].height
        if files[0].replaced:
            _say_replaced(
                files[0],
                month,
                spec,
                (of_month.height, revised[month].height),
                of_month["source_file"].unique().sort().to_list(),
            )


def _by_month(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """``frame``'s rows by their ``month``, split once: two filters per month of
    an archive (1,000 force-months) over its months' stored keys (5 million
    crimes) took 48-69 s; one split takes 0.6 s."""
    return {
        str(month): part
        for (month,), part in frame.partition_by("month", as_dict=True).items()
    }


def _revised_rows(
    state: _State, file: str, earlier: pl.DataFrame, key: str
) -> pl.DataFrame:
    """This file's rows that conflict with a row of its month stored by an earlier
    load (:attr:`_State.revised`: kept for street files only), first of each key."""
    parts = state.revised.get(file, [])
    if not parts:
        return pl.DataFrame(schema={key: pl.String(), "source_line": pl.Int64()})
    rows = pl.concat(parts, how="diagonal_relaxed").unique(
        key, keep="first", maintain_order=True
    )
    return rows.join(earlier.select(key).unique(), on=key, how="semi")


def _store_revised(
    tx: Transaction, load_id: str, f: FileReport, rows: pl.DataFrame, state: _State
) -> None:
    """Store a replacing street file's revised crimes (their old rows deleted): they
    count as loaded, not duplicates, and leave the quarantine (nothing set aside)."""
    if rows.height == 0:
        return
    _append_sorted(tx, "incidents", rows)
    delete_quarantined(tx, load_id, f.file, rows["source_line"])
    f.loaded += rows.height
    f.duplicates -= rows.height
    f.conflicts -= rows.height
    # the stored rows came back with the file's last outcome: the outcomes table's
    # latest one is put on them again
    state.touched_outcomes = state.touched_outcomes or state.table_has_rows("outcomes")


def _month_text(month: Month) -> str:
    return f"{month[0]}|{month[1]}"


def _named_months(
    report: LoadReport, spec: _MonthFiles
) -> dict[Month, list[FileReport]]:
    """The load's files of ``spec``'s kinds by the force-month their names give; a
    file whose name gives none, or that holds no row (a header alone, every row
    rejected), is noted and replaces nothing. Two different files (digests) of one
    force-month are an IngestError: which is the later download is not known."""
    months: dict[Month, list[FileReport]] = {}
    for f in report.files:
        if f.kind not in spec.kinds or f.error:
            continue
        month = spec.month_from_name(_base_name(f.file))
        if month is None:
            _say(
                f,
                "replaced nothing: its name does not say the month and force "
                f"({spec.name_form}), so its {spec.row}s were loaded beside those "
                "stored",
            )
            continue
        if unterminated_last_line(Path(f.file)) is not None:
            # police.uk's files end with a line break: this one stopped part way,
            # and the rows it lacks must not be deleted from the month
            _say(
                f,
                "replaced nothing: the file does not end with a line break, so it "
                f"may have been cut short, and {month[1]}'s {month[0]} keeps its "
                f"stored {spec.row}s (what it holds was loaded as without --replace-month); "
                "load the whole download with --replace-month",
            )
            continue
        if f.loaded + f.duplicates == 0:
            # a download holding no row is far likelier cut short or broken than
            # a month police.uk withdrew whole: it must not empty the month
            _say(
                f,
                f"replaced nothing: it holds no {spec.row} ({f.rows:,} data rows, "
                f"{f.quarantined:,} rejected), so {month[1]}'s {month[0]} keeps "
                f"its stored {spec.row}s",
            )
            continue
        months.setdefault(month, []).append(f)
    for (yyyy_mm, force), files in months.items():
        if len({f.sha256 for f in files}) > 1:
            msg = (
                f"--replace-month: {len(files)} different files of {force}'s "
                f"{yyyy_mm} in one load ({', '.join(f.file for f in files)}); load the "
                "newest download of the month alone. Nothing was loaded."
            )
            raise IngestError(msg)
    return months


def _note_stops_without_force(report: LoadReport) -> None:
    """Say of a stop-and-search file whose name gives no force (renamed from
    police.uk's ``YYYY-MM-<force>-stop-and-search.csv``) that its stops are stored
    with no force, and keyed without one: the same file loaded later under its
    police.uk name is not recognised, and its stops would count twice."""
    for f in report.files:
        held = f.loaded + f.duplicates
        if f.kind in _STOP_KINDS and held and not force_from_name(_base_name(f.file)):
            _say(
                f,
                f"its name does not say the force (police.uk names it YYYY-MM-"
                f"<force>-stop-and-search.csv): its {held:,} "
                f"{'stop is' if held == 1 else 'stops are'} stored with no force, so "
                "no force's figures count them, and the same file loaded again under "
                "its police.uk name would count them twice. Load it under that name.",
            )


def _note_cut_short(report: LoadReport) -> None:
    """Note each CSV file on disk that does not end with a line break: it may have
    been cut short, and its last row, read as it stands, be incomplete."""
    for f in report.files:
        if f.kind in (REFUSED, "skipped"):
            continue
        line = unterminated_last_line(Path(f.file))
        if line is not None:
            _say(
                f,
                "the file does not end with a line break: if it was cut short (a "
                f"copy or download that stopped early), its last row, line {line:,}, "
                "may be incomplete (it was read as it stands; see 'avert quarantine "
                "list' if it was rejected).",
            )


def _say(f: FileReport, said: str) -> None:
    """Add ``said`` to the file's note."""
    f.note = f"{f.note} {said}" if f.note else said


def _note_not_replaced(
    tx: Transaction, report: LoadReport, keys: dict[str, list[pl.DataFrame]] | None
) -> None:
    """Say, for each street file of a load that replaces months that did not
    replace its month (its name gives none, or it holds no crime), what stays.

    A street crime keeps its Crime ID from one download to the next, so a crime
    police.uk revised is a duplicate (the stored row kept, the difference in the
    quarantine) and a crime it withdrew (or an anti-social behaviour row, keyed by
    its fields, that it revised) stays stored. Counted: the crimes stored from any
    earlier file of the same name that this file does not hold, and its conflicting
    duplicates. Nothing is said of a file that matches what is stored.

    Only a file that differs from some file of its name loaded before (another
    digest in ``loads``, or earlier in this load) can leave crimes behind: the
    stored keys are fetched for those names alone, so the usual re-load of an
    archive with a few months revised reads a few months' keys, not every crime's
    (a million of them held 850 MiB).
    """
    candidates = [
        f
        for f in report.files
        if f.kind == STREET_KIND and not f.error and f.replaced is None
    ]
    if not candidates:
        return
    digests: dict[str, set[str]] = {}
    for path, digest in loaded_files(tx, STREET_KIND).iter_rows():
        digests.setdefault(_base_name(path), set()).add(digest)
    for f in candidates:
        digests.setdefault(_base_name(f.file), set()).add(f.sha256)
    street = [f for f in candidates if len(digests[_base_name(f.file)]) > 1]
    if not street:
        return
    names = {_base_name(f.file) for f in street}
    name_of = {
        path: _base_name(path)
        for path in stored_files(tx, "incidents")
        if _base_name(path) in names
    }
    stored = keys_from_files(tx, "incidents", sorted(name_of)).with_columns(
        pl.col("source_file").replace_strict(name_of).alias("name")
    )
    # one join for all the files: each file against the stored rows of its name
    files = pl.DataFrame(
        {"file": [f.file for f in street], "name": [_base_name(f.file) for f in street]}
    ).unique()
    held = pl.concat(
        [
            pl.DataFrame(schema={"key": pl.String(), "file": pl.String()}),
            *(
                frame.with_columns(pl.lit(f.file).alias("file"))
                for f in street
                for frame in (keys or {}).get(f.file, [])
            ),
        ]
    )
    kept = dict(
        stored.join(files, on="name")
        .join(
            held,
            left_on=["file", "incident_id"],
            right_on=["file", "key"],
            how="anti",
        )
        .group_by("file")
        .len()
        .iter_rows()
    )
    for f in street:
        if kept.get(f.file):
            _say(f, _not_replaced_note(_base_name(f.file), kept[f.file], f.conflicts))


def _not_replaced_note(name: str, kept: int, conflicts: int) -> str:
    one = kept == 1
    said = (
        f"not replaced: {kept:,} {'crime' if one else 'crimes'} stored from an "
        f"earlier {name} that this file does not hold (withdrawn by police.uk, or "
        f"an anti-social behaviour row it revised) {'stays' if one else 'stay'} "
        "stored"
    )
    if conflicts:
        said += (
            f", and {conflicts:,} of its rows repeat a stored Crime ID with other "
            "fields: the stored row is kept (see 'avert quarantine list')"
        )
    return said + ". The month holds more than this file."


def _held_by_load(
    keys: dict[str, list[pl.DataFrame]] | None, candidates: pl.Series
) -> pl.Series:
    """Mask of ``candidates`` (keys a month's file does not hold) that another file
    of the load holds: a crime police.uk moved to the next month's file, stored
    from the earlier one, is not deleted with the month it left. Each file's keys
    are matched against the few candidates, not gathered whole."""
    wanted = candidates.implode()
    held = [
        frame.filter(pl.col("key").is_in(wanted))["key"]
        for frames in (keys or {}).values()
        for frame in frames
    ]
    if not held or candidates.len() == 0:
        return pl.Series([False] * candidates.len(), dtype=pl.Boolean)
    return candidates.is_in(pl.concat(held).implode())


def _held_keys(
    months: dict[Month, list[FileReport]],
    keys: dict[str, list[pl.DataFrame]] | None,
    key: str,
) -> pl.DataFrame:
    """``month`` and ``key`` of every row the replacing files hold (loaded or
    duplicate)."""
    empty = pl.DataFrame(schema={key: pl.String(), "month": pl.String()})
    parts = [
        frame.select(
            pl.col("key").alias(key), pl.lit(_month_text(month)).alias("month")
        )
        for month, files in months.items()
        for frame in (keys or {}).get(files[0].file, [])
    ]
    return pl.concat([empty, *parts])


def _say_replaced(
    f: FileReport,
    month: Month,
    spec: _MonthFiles,
    counts: tuple[int, int],
    earlier: list[str],
) -> None:
    gone, revised = counts
    row = spec.row
    said = f"replaced {month[1]}'s {month[0]}: "
    if gone:
        said += (
            f"{gone:,} stored {row if gone == 1 else row + 's'} of the month (from "
            f"{', '.join(sorted({_base_name(p) for p in earlier}))}) "
            f"{'is' if gone == 1 else 'are'} not in this file and "
            f"{'was' if gone == 1 else 'were'} deleted (revised or withdrawn by "
            "police.uk); "
        )
    if revised:
        said += (
            f"{revised:,} stored {row if revised == 1 else row + 's'} "
            f"{'was' if revised == 1 else 'were'} revised by police.uk and "
            f"{'is' if revised == 1 else 'are'} now stored as this file gives "
            f"{'it' if revised == 1 else 'them'}; "
        )
    new = f.loaded - revised
    said += (
        f"{new:,} of its {row}s {'is' if new == 1 else 'are'} new. The month now "
        f"holds this file's {row}s only."
    )
    _say(f, said)


def _note_revised_stops(tx: Transaction, report: LoadReport) -> None:
    """Say when a police.uk stop-and-search file adds stops to a month that an
    earlier file of the same name (an earlier download of that force's month) holds
    stops of that this file does not: police.uk revised the month in between.

    Its rows carry no id, so a stop is keyed by its fields: a revised row (an
    outcome corrected) is a new stop and the row it revises stays, counted twice
    (2018-03, the Met: a later download with 3 outcomes revised counted 3 searches
    twice, silently). Stored stops of that name that this file's rows did not
    match: the earlier file's stops less this file's duplicates. One query per load.
    """
    named = [
        (i, f, _base_name(f.file))
        for i, f in enumerate(report.files)
        if f.loaded and not f.error and force_from_name(_base_name(f.file))
    ]
    if not named:
        return
    stored = stops_per_file(tx).filter(pl.col("source_file").is_not_null())
    for i, f, name in named:
        before = {g.file for g in report.files[:i]} - {f.file}
        earlier = sum(
            n
            for force, path, load, n in stored.iter_rows()
            if force == force_from_name(name)
            and _base_name(path) == name
            # of an earlier load (the same path too: a download saved over the
            # first), or of a file before this one in this load
            and (load != report.load_id or path in before)
        )
        missing = earlier - f.duplicates
        if earlier and missing > 0:
            _say_revised(f, name, missing)


def _say_revised(f: FileReport, name: str, missing: int) -> None:
    said = (
        f"{missing:,} {'stop' if missing == 1 else 'stops'} stored from an earlier "
        f"file named {name} {'is' if missing == 1 else 'are'} not in this one, and "
        f"{f.loaded:,} of its stops {'is' if f.loaded == 1 else 'are'} new: "
        "police.uk revised the month "
        "after the earlier download, and as its rows carry no id a revised row is "
        f"loaded as a new stop beside the one it revises, so up to "
        f"{min(missing, f.loaded):,} searches may now count twice. To count the "
        "month once, load this file again with --replace-month (avert ingest "
        "policeuk), which replaces the month's stored stops with this file's."
    )
    f.note = f"{f.note} {said}" if f.note else said


@dataclass(frozen=True)
class Refresh:
    """What :func:`refresh_after_load` brought up to date after a load."""

    #: one report per definition profile (re)classified
    classified: tuple[ClassifyReport, ...] = ()
    #: stored profiles that could not be reloaded by id (a TOML file elsewhere):
    #: their classifications miss the new rows until 'avert classify --definition FILE'
    not_refreshed: tuple[str, ...] = ()
    seconds: float = 0.0
    #: groups detected in the history and stored for the briefing (None: not run,
    #: the store holds no person-level involvements)
    detected_groups: int | None = None

    def summary(self) -> str:
        """One line for the command line."""
        if not self.classified and not self.not_refreshed:
            return "Nothing new to classify."
        parts = [
            f"{r.profile} ({r.incidents:,} incidents, {r.in_definition:,} in the "
            f"definition, {r.new:,} new)"
            for r in self.classified
        ]
        line = f"Classified under {', '.join(parts)} in {self.seconds:.1f} s."
        for report in self.classified[:1]:  # the configured definition's notes
            line += "".join(f" Harm: {note}" for note in report.notes)
        if self.detected_groups is not None:
            line += f" {self.detected_groups:,} groups detected and stored."
        if self.not_refreshed:
            line += (
                f" Not refreshed: {', '.join(self.not_refreshed)} (not a packaged "
                "profile): run 'avert classify --definition FILE'."
            )
        return line


def refresh_after_load(
    store: Store,
    report: LoadReport,
    *,
    definition: str,
    harm: HarmTable | None = None,
) -> Refresh:
    """Bring what is derived from the stored records up to date after a load.

    The one place where a load's dependants are refreshed, so that ``avert ingest``
    leaves the store ready to brief. Today: the ``classifications`` (with harm) of
    the configured ``definition`` and of every other profile already classified in
    the store, recomputed for the whole store by the classify workflow
    (:func:`avert.workflows.definitions.classify_store`). The whole store, not only
    the loaded rows: a new incident can change the category of older ones (repeat
    victims), and it is cheap (``benchmarks/ingest_bundle.py`` reports it).
    Then the groups detected from the co-offending history are stored
    (:func:`avert.workflows.networks.refresh_detected_groups`) when the store holds
    person-level involvements. Further derived tables add their refresh here.

    Nothing is done when the load added no rows and ``definition`` is classified,
    or when the store holds no incidents (a load of stop and search or populations).

    Parameters
    ----------
    store
        The store just loaded.
    report
        The load's report (from :func:`load_files`).
    definition
        The configured definition profile (settings ``definition``): an id or a TOML
        path.
    harm
        Harm weights (default: the packaged CCHI table).
    """
    t0 = time.perf_counter()
    try:
        harm = harm if harm is not None else load_harm()
        wanted = load_profile(definition, harm=harm)
    except ConfigError as err:
        msg = (
            f"The load committed, but it could not be classified: {err} "
            "(fix the 'definition' setting, then run 'avert classify')"
        )
        raise ConfigError(msg) from err
    stored = classified_profiles(store)
    unchanged = report.loaded == 0 and report.replaced == 0
    if (unchanged and wanted.id in stored) or store.count("incidents") == 0:
        return Refresh()  # nothing new, or no incidents at all (stops, populations)
    profiles = [wanted]
    missing: list[str] = []
    for profile_id in stored:
        if profile_id == wanted.id:
            continue
        try:
            profiles.append(load_profile(profile_id, harm=harm))
        except (ConfigError, NotFound):
            missing.append(profile_id)
    classified = tuple(classify_store(store, profile=p, harm=harm) for p in profiles)
    groups = None
    if store.count("involvements"):
        # Detected groups are stored once here, so the briefing only reads them
        # (workflows.networks.read_detected_groups).
        from avert.workflows.networks import refresh_detected_groups

        groups = refresh_detected_groups(store, profile=wanted.id).groups.height
    return Refresh(classified, tuple(missing), time.perf_counter() - t0, groups)


def _add(total: FileReport, part: FileReport) -> None:
    """Sum the counts of one more part of the same file into ``total``."""
    total.sha256 = part.sha256
    total.rows += part.rows
    total.loaded += part.loaded
    total.quarantined += part.quarantined
    total.duplicates += part.duplicates
    total.conflicts += part.conflicts
    total.note = total.note or part.note
    total.error = total.error or part.error


_DONE: Any = object()


def _parsed_ahead(units: Sequence[Unit]) -> Generator[tuple[int, Parsed | None]]:
    """Yield (unit index, part) in order, parsing one part ahead in a thread.

    ``(i, None)`` comes before the parts of unit ``i``, when its parse starts (the
    progress bar names the file being read rather than showing nothing while a
    big file's first part is parsed).

    At most two parts exist at a time: the one being written and the next. An error
    in the parser is raised here, in order; when the consumer stops early, the
    thread stops after the part it is parsing.
    """
    slots = threading.Semaphore(2)
    items: queue.Queue[Any] = queue.Queue()
    stop = threading.Event()

    def take_slot() -> bool:
        while not slots.acquire(timeout=0.05):
            if stop.is_set():
                return False
        return not stop.is_set()

    def produce() -> None:
        try:
            for i, unit in enumerate(units):
                items.put((i, None))
                parts = iter(unit())
                while take_slot():
                    try:
                        parsed = next(parts)
                    except StopIteration:
                        slots.release()
                        break
                    _sort_by_key(parsed)  # here, off the writer's thread
                    items.put((i, parsed))
                    del parsed
                if stop.is_set():
                    return
            items.put(_DONE)
        except BaseException as err:  # handed to the consumer, raised there
            items.put(err)

    thread = threading.Thread(target=produce, name="avert-parse", daemon=True)
    thread.start()
    try:
        while True:
            item = items.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            if item[1] is None:  # a unit starts: it holds no slot
                yield item
                continue
            yield item
            del item
            slots.release()
    finally:
        stop.set()
        thread.join()


def _sort_by_key(parsed: Parsed) -> None:
    """Sort each frame of ``parsed`` by its table's primary key (stable).

    The writer appends in key order (see :func:`_append_sorted`); sorting in the
    parser thread spares the writer a sort and a gather per batch. The sort is
    stable, so rows with equal keys keep their file order and "the first" of
    repeated keys is still the first in the file.
    """
    for table, frame in parsed.frames.items():
        pk = list(TABLES[table].primary_key)
        if frame.height > 1 and all(c in frame.columns for c in pk):
            parsed.frames[table] = frame.sort(pk, maintain_order=True)


def _sorted_by_key(frame: pl.DataFrame, pk: Sequence[str]) -> bool:
    """Whether Polars knows ``frame`` is sorted by a one-column key (cheap flag)."""
    return len(pk) == 1 and bool(frame[pk[0]].flags["SORTED_ASC"])


# --- planning ---------------------------------------------------------------------
#: one input file: its parsed parts, in file order (one part for most files)
Unit = Callable[[], Iterable[Parsed]]
References = dict[str, list[Reference]]


def _plan(
    paths: Sequence[str | Path],
    *,
    kind: str,
    crs: str,
    timezone: str = "Europe/London",
    parse: Callable[[Path], Parsed] | None = None,
    mapping: str | Path | None = None,
    limits: Limits = DEFAULT_LIMITS,
    follow_links: bool = False,
) -> tuple[list[Unit], list[str], References, list[str]]:
    """The units of a load, the inputs skipped, the reference rules and what the
    progress bar calls each unit (its file and, when known, its size)."""
    if kind == "table" and parse is not None:
        table_parse = parse

        def parsed_unit(path: Path) -> Unit:
            return lambda: [table_parse(path)]

        return (
            [parsed_unit(Path(p)) for p in paths],
            [],
            {},
            [_named(str(p), _size_of(Path(p))) for p in paths],
        )
    if kind == "policeuk":
        from avert.ingest.policeuk import parse_policeuk_parts
        from avert.ingest.sources import expand_paths

        files, skipped = expand_paths(paths, limits=limits, follow_links=follow_links)

        def unit_for(source: Any) -> Unit:
            return lambda: parse_policeuk_parts(source, crs=crs, limits=limits)

        return (
            [unit_for(f) for f in files],
            skipped,
            {},
            [_source_name(f) for f in files],
        )
    if kind == "bundle":
        from avert.ingest.bundle import REFERENCES, open_bundle

        if len(paths) != 1:
            msg = f"Give exactly one bundle (folder or zip), not {len(paths)} paths"
            raise IngestError(msg)
        bundle = open_bundle(paths[0], limits=limits, follow_links=follow_links)
        units = bundle.units(crs=crs, timezone=timezone)  # a big table in parts
        return (
            list(units),
            bundle.skipped,
            REFERENCES,
            [_source_name(f) for f in bundle.unit_sources()],
        )
    if kind == "table":
        from avert.ingest.sources import expand_paths
        from avert.ingest.table import parse_table, read_mapping

        if mapping is None:
            msg = "A table load needs a mapping (--mapping MAP.toml)"
            raise IngestError(msg)
        spec = read_mapping(mapping)
        files, skipped = expand_paths(
            paths,
            suffixes=(".csv", ".parquet"),
            limits=limits,
            follow_links=follow_links,
        )

        def table_parts(source: Any) -> list[Parsed]:
            try:
                return [
                    parse_table(
                        source.read_bytes(limits),
                        spec,
                        name=source.name,
                        crs=crs,
                        parquet=source.basename.lower().endswith(".parquet"),
                        timezone=timezone,
                        limits=limits,
                    )
                ]
            except Refused as err:  # over a limit (a file, a line): quarantined
                return [refused(source.name, err)]

        def table_unit(source: Any) -> Unit:
            return lambda: table_parts(source)

        return (
            [table_unit(f) for f in files],
            skipped,
            {},
            [_source_name(f) for f in files],
        )
    msg = f"Unknown ingest kind {kind!r}: use 'policeuk', 'bundle' or 'table'"
    raise IngestError(msg)


def _size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _source_name(source: SourceFile) -> str:
    """A file as the progress bar names it while it is read: its name and size."""
    size = source.size or (_size_of(source.path) if source.path is not None else 0)
    return _named(source.name, size)


def _named(name: str, size: int) -> str:
    return f"{name} ({_megabytes(size)})" if size else name


def _megabytes(size: int) -> str:
    return f"{size / 1e6:,.1f} MB" if size >= 100_000 else f"{size / 1e3:,.1f} kB"


# --- writing ----------------------------------------------------------------------
class _State:
    """What the load has accepted so far (for references) and what it touched."""

    def __init__(
        self,
        tx: Transaction,
        references: References,
        deferred: ExitStack,
        *,
        keep_keys: bool = False,
    ) -> None:
        self.tx = tx
        #: per file: the key (``key``) of every stop or incident row it holds,
        #: loaded or duplicate (kept for a load that replaces months; None otherwise)
        self.held_keys: dict[str, list[pl.DataFrame]] | None = {} if keep_keys else None
        #: per street file (with ``keep_keys``): its rows that repeat a stored Crime
        #: ID with other fields, the revisions a replaced month stores
        self.revised: dict[str, list[pl.DataFrame]] = {}
        self.referenced = {r.table for rules in references.values() for r in rules}
        self.accepted: dict[str, list[pl.DataFrame]] = {}
        self.touched_outcomes = False
        self.file_problems = 0
        self._nonempty: dict[str, bool] = {}
        self._deferred = deferred
        self._deferred_tables: set[str] = set()
        self._appended: dict[str, int] = {}
        #: per table: were there rows before this load (asked before its first append)
        self._had_rows: dict[str, bool] = {}
        #: per table: hashes of the keys this load appended (while _had_rows is False)
        self._written: dict[str, list[pl.Series]] = {}

    def before_append(self, table: str, rows: int) -> None:
        """Count rows about to be appended; defer the table's indexes past a size."""
        self._appended[table] = self._appended.get(table, 0) + rows
        if self._appended[table] > _DEFER_INDEX_ROWS:
            self.defer_indexes(table)

    def defer_indexes(self, table: str) -> None:
        """Drop the table's secondary indexes until the end of the load (once)."""
        if table not in self._deferred_tables:
            self._deferred_tables.add(table)
            self._deferred.enter_context(self.tx.deferred_indexes(table))

    def had_rows_before_load(self, table: str) -> bool:
        """Whether the table held rows when this load first touched it."""
        if table not in self._had_rows:
            self._had_rows[table] = self.table_has_rows(table)
        return self._had_rows[table]

    def remember_written(self, table: str, keys: pl.DataFrame) -> None:
        """Remember hashes of keys appended to a table that was empty before the load."""
        if not self.had_rows_before_load(table) and keys.height:
            self._written.setdefault(table, []).append(_key_hash(keys))

    def maybe_written(self, table: str, keys: pl.DataFrame) -> pl.Series:
        """Mask of ``keys`` that this load may already have appended to ``table``.

        A hash match is only a candidate (the caller looks candidates up exactly);
        a key whose hash matches nothing written was certainly not written.
        """
        written = self._written.get(table)
        if not written:
            return pl.select(pl.repeat(False, keys.height)).to_series()
        seen = pl.concat(written)
        if len(written) > 1:
            self._written[table] = [seen]
        return _key_hash(keys).is_in(seen.implode())

    def table_has_rows(self, table: str) -> bool:
        if not self._nonempty.get(table):
            self._nonempty[table] = has_rows(self.tx, table)
        return self._nonempty[table]

    def mark_written(self, table: str) -> None:
        self._nonempty[table] = True

    def accepted_keys(self, table: str) -> pl.DataFrame | None:
        parts = self.accepted.get(table)
        return pl.concat(parts) if parts else None


def _key_hash(keys: pl.DataFrame) -> pl.Series:
    """An in-process 64-bit hash per key row (a filter only, never stored)."""
    return keys.select(pl.struct(keys.columns).hash(seed=0)).to_series()


def _write(
    tx: Transaction,
    parsed: Parsed,
    load_id: str,
    state: _State,
    references: References,
) -> FileReport:
    report = FileReport(parsed.file, parsed.kind, parsed.rows, sha256=parsed.sha256)
    problems = [parsed.problems]
    for table in list(parsed.frames):
        frame = parsed.frames.pop(table)  # drop the parser's reference: frees memory
        if frame.height == 0:
            continue
        spec = TABLES[table]
        frame = frame.with_columns(
            pl.lit(load_id).alias("load_id"), pl.lit(parsed.file).alias("source_file")
        )
        frame, long_keys = _reject_long_keys(table, frame)
        problems.append(long_keys)
        frame, ref_problems = _check_references(tx, table, frame, state, references)
        problems.append(ref_problems)
        if table in _HELD and state.held_keys is not None:
            state.held_keys.setdefault(parsed.file, []).append(
                frame.select(pl.col(_HELD[table]).alias("key"))
            )
        state.had_rows_before_load(table)  # ask before this load appends to it
        new, dups, conflicts = _split_duplicates(
            tx, table, frame, state, policeuk=parsed.kind.startswith("policeuk")
        )
        report.duplicates += dups
        report.conflicts += conflicts.height
        if (
            table in _HELD
            and state.held_keys is not None
            and parsed.kind == STREET_KIND
        ):
            state.revised.setdefault(parsed.file, []).append(
                _conflicting_rows(frame, conflicts, _HELD[table])
            )
        problems.append(conflicts)
        state.before_append(table, new.height)
        report.loaded += _append_sorted(tx, table, new)
        if new.height:
            state.mark_written(table)
            state.remember_written(table, new.select(spec.primary_key))
        if table in state.referenced:
            pk = list(spec.primary_key)
            state.accepted.setdefault(table, []).append(
                pl.concat([new.select(pk), _dup_keys(frame, new, pk)]).unique()
            )
        added = new.height
        del new, frame
        if table == "outcomes" or (table == "incidents" and added):
            state.touched_outcomes = state.touched_outcomes or (
                table == "outcomes" or state.table_has_rows("outcomes")
            )
    all_problems = pl.concat(problems)
    rejected = all_problems.filter(pl.col("kind") == "rejected")
    report.quarantined = rejected.filter(pl.col("line") > 0).height
    state.file_problems += rejected.filter(pl.col("line") == 0).height
    if rejected.filter(pl.col("line") == 0).height:
        report.note = rejected.filter(pl.col("line") == 0)["reason"][0]
    if parsed.kind in ("unknown", REFUSED) and rejected.height:
        report.error = report.note or rejected["reason"][0]
    _write_quarantine(tx, all_problems, parsed, load_id, state)
    return report


def _conflicting_rows(
    frame: pl.DataFrame, conflicts: pl.DataFrame, key: str
) -> pl.DataFrame:
    """The rows of ``frame`` that repeat a stored key with other fields (the lines
    of ``conflicts``), each the first of its key in ``frame``: a key the file gives
    twice is its first row, as a fresh load stores it (a later repeat stays in
    the quarantine)."""
    if conflicts.height == 0:
        return frame.clear()
    first = pl.col(key).is_first_distinct()
    return frame.filter(
        pl.col("source_line").is_in(conflicts["line"].implode()) & first
    )


def _append_sorted(tx: Transaction, table: str, new: pl.DataFrame) -> int:
    """Append ``new`` in primary-key order, preparing each batch while the last is written.

    In primary-key order, B-tree inserts append instead of splitting pages at random
    (measured ~40 % faster into SQLite for 64-hex Crime IDs). Rows are gathered batch
    by batch, so no sorted copy of a big frame is made; the next batch is gathered
    and converted to Arrow in a worker thread while the database writes the current
    one (the ADBC driver releases the GIL), so the writer's core only writes.
    """
    if new.height == 0:
        return 0
    pk = list(TABLES[table].primary_key)
    starts = range(0, new.height, _APPEND_ROWS)
    if _sorted_by_key(new, pk):  # sorted by the parser thread: batches are slices

        def prepare(start: int) -> Any:
            return tx.arrow_for(table, new.slice(start, _APPEND_ROWS))

    else:
        order = new.select(pl.arg_sort_by(pk)).to_series()

        def prepare(start: int) -> Any:
            return tx.arrow_for(table, new[order.slice(start, _APPEND_ROWS)])

    loaded = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="avert-batch") as pool:
        pending = pool.submit(prepare, starts[0])
        for following in [*starts[1:], None]:
            batch = pending.result()
            if following is not None:
                pending = pool.submit(prepare, following)
            loaded += tx.append_arrow(table, batch)
            del batch
    return loaded


def _dup_keys(frame: pl.DataFrame, new: pl.DataFrame, pk: list[str]) -> pl.DataFrame:
    return frame.select(pk).join(new.select(pk), on=pk, how="anti", nulls_equal=True)


def _reject_long_keys(
    table: str, frame: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reject rows whose key text is longer than :data:`MAX_KEY_BYTES` in all."""
    keys = [c for c in TABLES[table].primary_key if frame.schema.get(c) == pl.String]
    if not keys:
        return frame, pl.DataFrame(schema=PROBLEM_SCHEMA)
    size = pl.sum_horizontal(pl.col(c).str.len_bytes().fill_null(0) for c in keys)
    too_long = (size > MAX_KEY_BYTES).fill_null(False)
    bad = frame.filter(too_long)
    problems = bad.select(
        pl.col("source_line").alias("line"),
        pl.lit(", ".join(keys)).alias("column"),
        join_text(
            f"key longer than {MAX_KEY_BYTES:,} bytes (",
            size.cast(pl.String),
            " bytes; a database index cannot hold it)",
        ).alias("reason"),
        row_text([c for c in frame.columns if c not in _PROVENANCE]).alias("raw"),
        pl.lit("rejected").alias("kind"),
        pl.lit(table).alias("target_table"),
    )
    return frame.filter(~too_long), problems


def _check_references(
    tx: Transaction,
    table: str,
    frame: pl.DataFrame,
    state: _State,
    references: References,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Reject rows whose references are neither accepted in this load nor stored."""
    empty = pl.DataFrame(schema=PROBLEM_SCHEMA)
    rules = references.get(table, [])
    if not rules:
        return frame, empty
    problems = [empty]
    for column, ref_table, where in rules:
        if column not in frame.columns:  # an optional column left out: nothing named
            continue
        ref_pk = TABLES[ref_table].primary_key[0]
        # no literal predicate: polars (2.1) gives lit(True).fill_null(False) a wrong
        # length on frames of 16,384 rows or more and the filter fails
        applies = None if where is None else (pl.col(where[0]) == where[1])
        scope = frame if applies is None else frame.filter(applies.fill_null(False))
        values = scope.select(pl.col(column).alias(ref_pk)).drop_nulls().unique()
        accepted = state.accepted_keys(ref_table)
        if accepted is not None:
            values = values.join(accepted.select(ref_pk), on=ref_pk, how="anti")
        missing = values
        if values.height and state.table_has_rows(ref_table):
            stored = tx.existing(ref_table, values, columns=[ref_pk])
            missing = values.join(stored, on=ref_pk, how="anti")
        if missing.height == 0:
            continue
        bad_mask = pl.col(column).is_in(missing[ref_pk].implode())
        if applies is not None:
            bad_mask = applies & bad_mask
        bad_mask = bad_mask.fill_null(False)
        bad = frame.filter(bad_mask)
        frame = frame.filter(~bad_mask)
        problems.append(
            bad.select(
                pl.col("source_line").alias("line"),
                pl.lit(column).alias("column"),
                join_text(
                    f"{column} ",
                    pl.col(column),
                    f" not found in {ref_table} (not stored, and absent from this"
                    " bundle or rejected there)",
                ).alias("reason"),
                row_text([c for c in frame.columns if c not in _PROVENANCE]).alias(
                    "raw"
                ),
                pl.lit("rejected").alias("kind"),
                pl.lit(table).alias("target_table"),
            )
        )
    return frame, pl.concat(problems)


def _split_duplicates(
    tx: Transaction,
    table: str,
    frame: pl.DataFrame,
    state: _State,
    *,
    policeuk: bool = True,
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Split rows into new rows, a duplicate count, and conflicting-duplicate problems.

    ``policeuk``: the rows come from a police.uk file, whose columns in
    :data:`_NOT_COMPARED` are not compared (nor x/y, see :data:`_DERIVED`).

    Stored rows are looked up :data:`_LOOKUP_ROWS` keys at a time, and only their
    compared columns: a re-load of a year (every row a duplicate) holds one slice of
    the stored rows at a time, not a second copy of the whole table.
    """
    spec = TABLES[table]
    not_compared = (
        _NOT_COMPARED.get(table, set()) | _DERIVED if policeuk else _DERIVED_GIVEN
    )
    pk = list(spec.primary_key)
    compared = [
        c
        for c in spec.names
        if c in frame.columns
        and c not in pk
        and c not in _PROVENANCE
        and c not in not_compared
    ]
    if _sorted_by_key(frame, pk):  # equal keys are neighbours: compare with the last
        key = frame[pk[0]]
        is_first = key.ne_missing(key.shift(1)).fill_null(True)
    else:
        is_first = frame.select(pl.struct(pk).is_first_distinct()).to_series()
    if is_first.all():  # the usual case: no copies of a big frame
        first, rest = frame, frame.clear()
    else:
        first, rest = frame.filter(is_first), frame.filter(~is_first)
    if not state.table_has_rows(table):
        if rest.height == 0:
            return first, 0, pl.DataFrame(schema=PROBLEM_SCHEMA)
        conflicts = _conflicts(table, rest, first, pk, compared)
        return first, rest.height, conflicts
    # only this load's rows are stored: look up just the keys whose hash matches
    # one it appended (exactly, in the database), not every key of the part
    maybe = (
        None
        if state.had_rows_before_load(table)
        else state.maybe_written(table, first.select(pk))
    )
    news: list[pl.DataFrame] = []
    seen: list[pl.DataFrame] = []
    repeated: list[pl.DataFrame] = []
    n_dups = rest.height
    for start in range(0, first.height, _LOOKUP_ROWS):
        part = first.slice(start, _LOOKUP_ROWS)
        lookup = part if maybe is None else part.filter(maybe.slice(start, part.height))
        stored = tx.existing(table, lookup.select(pk), columns=[*pk, *compared])
        if stored.height == 0:  # nothing stored: the part is new, no copy
            news.append(part)
            new = part
        else:
            new = part.join(stored.select(pk), on=pk, how="anti")
            news.append(new)
            seen_before = part.join(stored.select(pk), on=pk, how="semi")
            n_dups += seen_before.height
            seen.append(_conflicts(table, seen_before, stored, pk, compared))
        if rest.height:  # later rows of this part's keys: kept = stored, else first
            later = rest.join(part.select(pk), on=pk, how="semi")
            reference = pl.concat(
                [stored, new.select(stored.columns)], how="diagonal_relaxed"
            ).unique(pk, keep="first", maintain_order=True)
            repeated.append(_conflicts(table, later, reference, pk, compared))
        del stored
    # no part when every row was rejected by a reference check: nothing is new
    new_rows = pl.concat(news, rechunk=False) if len(news) > 1 else (news or [first])[0]
    conflicts = pl.concat(
        [pl.DataFrame(schema=PROBLEM_SCHEMA), *seen, *repeated], how="vertical"
    )
    return new_rows, n_dups, conflicts


def _conflicts(
    table: str,
    candidates: pl.DataFrame,
    reference: pl.DataFrame,
    pk: list[str],
    compared: list[str],
) -> pl.DataFrame:
    """A problem row for each candidate whose compared fields differ from the kept
    row of its key in ``reference`` (one row per key). Only the rows that differ get
    a reason: a re-load of a whole year is all duplicates, and text built for every
    one of them cost seconds and GiB."""
    if not compared or candidates.height == 0:
        return pl.DataFrame(schema=PROBLEM_SCHEMA)
    joined = candidates.select([*pk, *compared, "source_line"]).join(
        reference.select([*pk, *compared]),
        on=pk,
        how="left",
        suffix="__kept",
        nulls_equal=True,
    )
    joined = joined.filter(
        pl.any_horizontal(~pl.col(c).eq_missing(pl.col(f"{c}__kept")) for c in compared)
    )
    diffs = [
        pl.when(~pl.col(c).eq_missing(pl.col(f"{c}__kept"))).then(
            join_text(
                f"{c}: ",
                pl.col(c).cast(pl.String).fill_null("<blank>"),
                " (kept: ",
                pl.col(f"{c}__kept").cast(pl.String).fill_null("<blank>"),
                ")",
            )
        )
        for c in compared
    ]
    cols = [
        pl.when(~pl.col(c).eq_missing(pl.col(f"{c}__kept"))).then(pl.lit(c))
        for c in compared
    ]
    joined = joined.with_columns(
        pl.concat_list(diffs).list.drop_nulls().list.join("; ").alias("_why"),
        pl.concat_list(cols).list.drop_nulls().list.join(",").alias("_cols"),
    )
    return (
        joined.filter(pl.col("_why") != "")
        .select(
            pl.col("source_line").alias("line"),
            pl.col("_cols").alias("column"),
            (
                pl.lit(f"duplicate {'/'.join(pk)} with different fields: ")
                + pl.col("_why")
            ).alias("reason"),
            row_text([*pk, *compared]).alias("raw"),
            pl.lit("duplicate").alias("kind"),
            pl.lit(table).alias("target_table"),
        )
        .cast(PROBLEM_SCHEMA)
    )


def _quarantine_ids(digest: str, file: str, frame: pl.DataFrame) -> pl.Series:
    """Deterministic ids: file digest and name, line, kind, table (and, for a file
    refused unread, its reason): a file loaded again under the same name adds
    nothing, under another name its rows are quarantined again under that name, so
    that a load's report and the quarantine table always agree."""
    keys = frame.select(
        pl.concat_str(
            [
                pl.lit(digest),
                pl.lit(file),
                pl.when(pl.lit(digest) == "")
                .then(pl.col("reason"))
                .otherwise(pl.lit("")),
                pl.col("line").cast(pl.String),
                pl.col("kind"),
                pl.col("target_table").fill_null(""),
            ],
            separator="|",
        )
    ).to_series()
    return pl.Series(
        "quarantine_id",
        [hashlib.sha256(k.encode()).hexdigest()[:32] for k in keys.to_list()],
        dtype=pl.String,
    )


def _write_quarantine(
    tx: Transaction, problems: pl.DataFrame, parsed: Parsed, load_id: str, state: _State
) -> None:
    if problems.height == 0:
        return
    problems = problems.unique(
        ["line", "kind", "target_table"], keep="first", maintain_order=True
    )
    frame = problems.with_columns(
        _quarantine_ids(parsed.sha256, parsed.file, problems),
        pl.lit(load_id).alias("load_id"),
        pl.lit(parsed.file).alias("source_file"),
    )
    if state.table_has_rows("quarantine"):
        stored = tx.existing(
            "quarantine", frame.select("quarantine_id"), columns=["quarantine_id"]
        )
        frame = frame.join(
            stored.select("quarantine_id"), on="quarantine_id", how="anti"
        )
    # a NUL byte shows as U+FFFD, as the CSV reader shows it: PostgreSQL cannot
    # store one in text (a Parquet cell's raw text, or a column named with one)
    frame = frame.select(QUARANTINE.names).with_columns(
        pl.col(pl.String).str.replace_all("\x00", "\ufffd", literal=True)
    )
    if tx.append("quarantine", frame):
        state.mark_written("quarantine")


def _record_loads(tx: Transaction, report: LoadReport, timezone: str) -> None:
    """Add a loads row for each (file, digest) not recorded before.

    ``loaded_at`` is the force's wall-clock time, as every stored time.
    """
    files = _unique_files(f for f in report.files if f.sha256)
    now = local_now(timezone)
    rows = pl.DataFrame(
        [
            {
                "load_id": report.load_id,
                "source_file": f.file,
                "file_sha256": f.sha256,
                "kind": f.kind,
                "loaded_at": now,
                "rows": f.rows,
                "loaded": f.loaded,
                "quarantined": f.quarantined,
                "duplicates": f.duplicates,
            }
            for f in files
        ],
        schema=TABLES["loads"].schema,
    )
    record_loads(tx, rows)


def _unique_files(files: Iterable[FileReport]) -> list[FileReport]:
    seen: set[str] = set()
    out = []
    for f in files:
        if f.file not in seen:
            seen.add(f.file)
            out.append(f)
    return out


def ingest_limits(settings: Settings) -> Limits:
    """The resource limits of a load from the ``ingest_max_*`` settings."""
    return Limits.from_settings(
        file_bytes=settings.ingest_max_file_bytes,
        archive_bytes=settings.ingest_max_archive_bytes,
        ratio=settings.ingest_max_ratio,
        line_bytes=settings.ingest_max_line_bytes,
    )
