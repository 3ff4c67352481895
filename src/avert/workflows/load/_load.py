"""The load itself: each file parsed ahead in a thread and written part by part in one
transaction, its rejected and conflicting rows quarantined, a ``loads`` row per new
(file, digest); then, for police.uk, the months replaced and the notes added.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import queue
import threading
import uuid
from collections.abc import Callable, Generator, Iterable, Sequence
from contextlib import AbstractContextManager, ExitStack, closing, nullcontext
from pathlib import Path
from typing import Any, Literal

import polars as pl

from avert.config.settings import Settings
from avert.config.timezone import local_now
from avert.errors import IngestError
from avert.ingest.geo import check_store_crs
from avert.ingest.limits import DEFAULT_LIMITS, Limits
from avert.ingest.result import (
    REFUSED,
    FileReport,
    Parsed,
    join_notes,
)
from avert.ingest.sources import unterminated_last_line
from avert.schema import QUARANTINE, TABLES
from avert.store import Store
from avert.store.audit import append_in, append_lock
from avert.store.database import Transaction
from avert.store.loads import (
    record_loads,
    record_stop_spans,
    set_page_cache,
    update_outcomes,
)
from avert.workflows.load._checks import (
    _check_references,
    _dup_keys,
    _give_details,
    _reject_long_keys,
    _split_duplicates,
)
from avert.workflows.load._files import (
    TABLE_KIND,
    Replacement,
    audit_entries,
    replace_files,
)
from avert.workflows.load._held import (
    is_recorded,
    note_held_elsewhere,
    record_held,
)
from avert.workflows.load._months import (
    _STOP_MONTHS,
    _STREET_MONTHS,
    _note_not_replaced,
    _note_revised_stops,
    _note_stops_without_force,
    _replace_months,
)
from avert.workflows.load._plan import References, Unit, _plan
from avert.workflows.load._state import (
    _HELD,
    STREET_KIND,
    LoadReport,
    _append_sorted,
    _say,
    _State,
)

#: progress(what, files_done, files_total): called before each file, after each part
#: of a file (``what`` then names the file and its rows so far), before the final
#: index rebuild and commit, and once at the end (``what`` empty)
ProgressFn = Callable[[str, int, int], None]
#: what the progress callback is told while indexes are rebuilt and the load commits
FINISHING = "rebuilding indexes and committing"
#: SQLite page cache of a load's connection, KiB
_SQLITE_CACHE_KIB = 262_144


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
    replace_file: bool = False,
    remove_rejected: bool = False,
    dry_run: bool = False,
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
    replace_file
        (``kind="table"``) Each file replaces what earlier loads stored from it
        under the mapping's ``[table].source`` (:mod:`._files`): its stored
        incidents are replaced by the file's rows, those it no longer holds
        deleted, the earlier loads' quarantine entries removed, in the same
        transaction, with an audit row per file (action ``replace``).
    remove_rejected
        (``replace_file``) Let a row this load rejects remove the incident an
        earlier load stored from it (the CLI's ``--accept-rejects``). Without it
        such a replace is refused: a wrong ``time_format`` or column would
        otherwise delete every incident whose row it now rejects.
    dry_run
        Do everything, report it, and roll the transaction back: nothing is
        written (``report.dry_run`` is true).

    Returns
    -------
    LoadReport
        Per-file counts; ``rows == loaded + quarantined + duplicates`` for each file.

    Raises
    ------
    IngestError
        Unreadable input, a bad bundle, (``strict``) any rejected row, or
        (``replace_months``) two different files of one force-month, or
        (``replace_file``) a file nothing was stored from, that holds no incident,
        or whose stored rows are another file's, or (without ``remove_rejected``)
        a stored incident whose row this load rejects.
    """
    source = _replacing_source(kind, mapping, parse) if replace_file else None
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
    report = LoadReport(load_id=_new_load_id(), skipped=skipped)
    # the audit rows of a replace are written in the load's transaction
    audit: AbstractContextManager[object] = (
        append_lock() if source is not None and not dry_run else nullcontext()
    )
    try:
        # bulk: appended pages are written once (rollback journal), not twice (WAL)
        with audit, store.transaction(bulk=True) as tx, ExitStack() as deferred:
            state = _write_all(
                tx,
                deferred,
                (units, names, references),
                report,
                progress,
                keep_keys=replace_months or source is not None,
            )
            done = _settle(
                tx,
                report,
                state,
                strict=strict,
                replace_months=replace_months,
                replace_source=source,
                # a dry run reports what a replace would remove, and writes nothing
                remove_rejected=remove_rejected or dry_run,
                timezone=timezone,
            )
            if done and not dry_run:
                entries = audit_entries(report, done, source=str(source))
                append_in(tx, entries, timezone=store.timezone)
            if dry_run:
                raise _RolledBack
    except _RolledBack:
        report.dry_run = True
    return report


class _RolledBack(Exception):  # noqa: N818 - not an error: a dry run's end
    """Raised at the end of a dry run's transaction: it is rolled back."""


def _replacing_source(
    kind: str, mapping: str | Path | None, parse: Callable[[Path], Parsed] | None
) -> str:
    """The ``[table].source`` whose earlier loads of a file ``replace_file`` replaces
    (a ValueError for a load that is not an incident table's)."""
    if kind != "table" or parse is not None or mapping is None:
        msg = "replace_file is for incident tables (kind='table' with a mapping)"
        raise ValueError(msg)
    from avert.ingest.table import read_mapping

    return read_mapping(mapping).source


def _write_all(
    tx: Transaction,
    deferred: ExitStack,
    planned: tuple[Sequence[Unit], Sequence[str], References],
    report: LoadReport,
    progress: ProgressFn | None,
    *,
    keep_keys: bool,
) -> _State:
    """Write every planned unit (``planned``: the units, their names and the
    references checked) in ``tx`` (:func:`_write_units`) with a bigger page cache,
    note files cut short, then rebuild the indexes dropped for bulk appends
    (closing ``deferred``, still inside the transaction), telling ``progress``.
    Returns what the load accepted and touched (``keep_keys``: the keys of each
    file kept, for a load that replaces months)."""
    units, names, references = planned
    total = len(units)
    # a bigger page cache (256 MiB) for this connection: random-key B-tree inserts
    # (64-hex Crime IDs) otherwise thrash SQLite's default 2 MiB cache
    set_page_cache(tx, _SQLITE_CACHE_KIB)
    state = _State(tx, references, deferred, keep_keys=keep_keys)
    _write_units(units, names, report, state, references, progress)
    _note_cut_short(report)
    # rebuild the indexes dropped for bulk appends (still inside the transaction)
    _tell(progress, FINISHING, total, total)
    deferred.close()
    _tell(progress, "", total, total)
    return state


def _settle(
    tx: Transaction,
    report: LoadReport,
    state: _State,
    *,
    strict: bool,
    replace_months: bool,
    replace_source: str | None,
    remove_rejected: bool,
    timezone: str,
) -> dict[str, Replacement]:
    """What a load does once its rows are written and its indexes rebuilt, in its
    transaction: (``strict``) refuse any rejected row, note stops without a force,
    (``replace_months``) make each police.uk stop and street file the whole of its
    force-month and note those not replaced, (``replace_source``) make each
    incident table file the whole of what its earlier loads stored under that
    source, put the latest outcomes on touched incidents, note revised stops,
    record the rows held by stored files of other months, the load itself and the
    latest search time it stored per force. Returns what each replaced table file
    did (empty without ``replace_source``)."""
    if strict:
        _refuse_rejects(report, state)
    _note_stops_without_force(report)
    if replace_months:
        _replace_months(tx, report, state, _STOP_MONTHS)
        _replace_months(tx, report, state, _STREET_MONTHS)
        _note_not_replaced(tx, report, state.held_keys)
    done: dict[str, Replacement] = {}
    if replace_source is not None:
        done = replace_files(
            tx, report, state, source=replace_source, remove_rejected=remove_rejected
        )
    if state.touched_outcomes:
        update_outcomes(tx, report.load_id)
    _note_revised_stops(tx, report)
    record_held(tx, state.held_elsewhere)
    _record_loads(tx, report, timezone)
    if state.stops_stored:
        record_stop_spans(tx, report.load_id, pl.concat(state.stops_stored))
    return done


def _new_load_id() -> str:
    """A load's id: its UTC start time to the second and 8 random hex digits."""
    return f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


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


def _add(total: FileReport, part: FileReport) -> None:
    """Sum the counts of one more part of the same file into ``total``, and
    add its note when it says what the file's does not (a bundle table's
    repeated hour comes after its last part: :func:`avert.ingest.bundle._clock_part`)."""
    total.sha256 = part.sha256
    total.rows += part.rows
    total.loaded += part.loaded
    total.quarantined += part.quarantined
    total.duplicates += part.duplicates
    total.conflicts += part.conflicts
    total.note = join_notes(total.note, part.note)  # each part may say it again
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


def _write(
    tx: Transaction,
    parsed: Parsed,
    load_id: str,
    state: _State,
    references: References,
) -> FileReport:
    report = FileReport(
        parsed.file, parsed.kind, parsed.rows, sha256=parsed.sha256, note=parsed.note
    )
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
        frame, ref_problems, notes = _check_references(
            tx, table, frame, state, references
        )
        problems.append(ref_problems)
        for said in notes:
            _say(report, said)
        if table in _HELD and state.held_keys is not None:
            state.held_keys.setdefault(parsed.file, []).append(
                frame.select(pl.col(_HELD[table]).alias("key"))
            )
        state.had_rows_before_load(table)  # ask before this load appends to it
        given = _give_details(tx, table, frame, state)
        if given is not None:
            _say(report, given)
        recorded = is_recorded(table, parsed.kind, parsed.file)
        stored_from: list[pl.DataFrame] | None = [] if recorded else None
        new, dups, conflicts = _split_duplicates(
            tx,
            table,
            frame,
            state,
            policeuk=parsed.kind.startswith("policeuk"),
            stored_from=stored_from,
        )
        held = note_held_elsewhere(table, parsed.kind, frame, stored_from or [])
        if held is not None and held.height:
            state.held_elsewhere.append(held)
        report.duplicates += dups
        report.conflicts += conflicts.height
        if (
            table in _HELD
            and state.held_keys is not None
            and parsed.kind in (STREET_KIND, TABLE_KIND)
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
            if table == "stops":
                state.stops_stored.append(_latest_per_force(new))
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
    if all_problems.height == 0:  # the usual case: nothing to count or quarantine
        return report
    rejected = all_problems.filter(pl.col("kind") == "rejected")
    report.quarantined = rejected.filter(pl.col("line") > 0).height
    whole = rejected.filter(pl.col("line") == 0)  # file problems, not rows
    state.file_problems += whole.height
    if whole.height:
        report.note = join_notes(whole["reason"][0], report.note)
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


def _latest_per_force(stops: pl.DataFrame) -> pl.DataFrame:
    """``force`` (null: a file naming none) and the latest ``occurred_at`` of the
    searches ``stops`` (a part stored: kept per part, not every search)."""
    force = (
        pl.col("force")
        if "force" in stops.columns
        else pl.lit(None, dtype=pl.String).alias("force")
    )
    return stops.group_by(force).agg(pl.col("occurred_at").max())


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
