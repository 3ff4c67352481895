"""police.uk force-months: ``--replace-month`` and what a load says of revised months.

police.uk republishes back months with rows revised, added or removed. A load that
replaces months (:func:`_replace_months`) makes each stop-and-search or street file
named for a force's month the whole of that month; any load notes a month it leaves
counted twice or not replaced (:func:`_note_revised_stops`,
:func:`_note_not_replaced`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import polars as pl

from avert.errors import IngestError
from avert.ingest.policeuk import (
    force_from_name,
    stop_month_from_name,
    street_month_from_name,
)
from avert.ingest.result import FileReport
from avert.ingest.sources import unterminated_last_line
from avert.store.database import Transaction
from avert.store.loads import (
    delete_keys,
    delete_quarantined,
    keys_from_files,
    loaded_files,
    stops_per_file,
    stored_files,
)
from avert.workflows.load._held import (
    forget_replaced,
    record_left,
    rows_held_elsewhere,
)
from avert.workflows.load._state import (
    _HELD,
    _STOP_KINDS,
    STREET_KIND,
    LoadReport,
    _append_sorted,
    _base_name,
    _say,
    _State,
)

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
    file stays stored), and (street) a stored crime this file holds with other
    fields is replaced by the file's row (its conflicting-duplicate quarantine
    entry removed: the revision is stored, not set aside), a crime stored from
    another month's file too (:func:`_moved_rows`: it moved here, and a later
    replace of the month it left must not delete it). What remains of the month
    is exactly this file's rows, its rejected rows quarantined as in any load. A
    deleted row that a stored file of another force-month holds (``held_rows``, see
    :mod:`._held`) is stored as that file gives it, in its month, instead; a moved
    row's old file is recorded as holding it. The
    month is told by the names of the files its rows came from, not by their dates
    (a search late on a month's last day in UTC is stored in the next month's local
    time). The same file again deletes nothing. Set operations: one join for the
    months' stored keys, one delete by key.
    """
    months = _named_months(report, spec)
    if not months:
        return
    present = _stored_keys_of_months(tx, spec, months)
    gone = present.join(
        _held_keys(months, state.held_keys, spec.key),
        on=["month", spec.key],
        how="anti",
    )
    gone = gone.filter(~_held_by_load(state.held_keys, gone[spec.key]))
    replaced = {_month_text(month) for month in months}
    # a stored file of another month holds it: stored from there, not lost
    elsewhere = rows_held_elsewhere(
        tx, spec.table, gone.select(spec.key, "month"), replaced, report.load_id
    )
    forget_replaced(tx, spec.table, replaced)
    conflicting = {
        month: _first_conflicts(state, files[0].file, spec.key)
        for month, files in months.items()
    }
    revised = _revised_of_earlier_loads(present, conflicting, report.load_id, spec)
    moved = _moved_rows(tx, report.load_id, months, conflicting, state, spec)
    gone_of = _by_month(gone.join(elsewhere.select(spec.key), on=spec.key, how="anti"))
    elsewhere_of = _by_month(elsewhere)
    _delete_replaced(tx, spec, replaced, gone, revised, moved)
    _store_held(tx, spec, elsewhere, state)
    for month, files in months.items():
        _replace_month(
            tx,
            report.load_id,
            state,
            spec,
            month,
            files,
            revised[month],
            moved[month],
            gone_of.get(_month_text(month), gone.clear()),
            elsewhere_of.get(_month_text(month), elsewhere.clear()),
        )


def _stored_keys_of_months(
    tx: Transaction, spec: _MonthFiles, months: dict[Month, list[FileReport]]
) -> pl.DataFrame:
    """The keys stored from any file named for one of ``months`` (by its name, in
    any folder or zip), with ``source_file``, ``load_id`` and their ``month``
    (:func:`_month_text`): one read of the months' stored keys."""
    month_of = {
        path: _month_text(month)
        for path in stored_files(tx, spec.table)
        if (month := spec.month_from_name(_base_name(path))) in months
    }
    return keys_from_files(tx, spec.table, sorted(month_of)).with_columns(
        pl.col("source_file").replace_strict(month_of).alias("month")
    )


def _revised_of_earlier_loads(
    present: pl.DataFrame,
    conflicting: dict[Month, pl.DataFrame],
    load_id: str,
    spec: _MonthFiles,
) -> dict[Month, pl.DataFrame]:
    """Per replaced month, its file's conflicting rows that revise a row of that
    month stored by an earlier load (not a row this file repeats, nor one of
    another month: that one moved, see :func:`_moved_rows`)."""
    earlier = _by_month(present.filter(pl.col("load_id") != load_id))
    return {
        month: rows.join(
            earlier.get(_month_text(month), present.clear()).select(spec.key),
            on=spec.key,
            how="semi",
        )
        for month, rows in conflicting.items()
    }


def _delete_replaced(
    tx: Transaction,
    spec: _MonthFiles,
    replaced: set[str],
    gone: pl.DataFrame,
    revised: dict[Month, pl.DataFrame],
    moved: dict[Month, pl.DataFrame],
) -> None:
    """Delete, by key, the replaced months' rows their files no longer hold
    (``gone``) and the stored rows of the revised and moved ones (stored again as
    the files give them), after recording that the file a moved row leaves still
    holds it: a later replace of the month it moved to, whose file no longer holds
    it, gives it back."""
    record_left(
        tx,
        spec.table,
        pl.concat([m[spec.key] for m in moved.values()]),
        replaced,
    )
    delete_keys(
        tx,
        spec.table,
        pl.concat(
            [
                gone[spec.key],
                *(r[spec.key] for r in revised.values()),
                *(m[spec.key] for m in moved.values()),
            ]
        ),
    )


def _replace_month(
    tx: Transaction,
    load_id: str,
    state: _State,
    spec: _MonthFiles,
    month: Month,
    files: list[FileReport],
    revised: pl.DataFrame,
    came: pl.DataFrame,
    of_month: pl.DataFrame,
    left: pl.DataFrame,
) -> None:
    """Store one replaced month's ``revised`` rows and those that ``came`` from
    another month in its first file, count what it replaced on that file (the same
    file again replaces nothing: the first one replaced the month) and say what:
    the deleted rows ``of_month``, the revised and moved ones, and those ``left``
    stored in another month whose stored file holds them."""
    stored_again = pl.concat([revised, came.drop("moved_from")], how="diagonal_relaxed")
    _store_revised(tx, load_id, files[0], stored_again, state)
    for f in files:  # the same file again: the first one replaced the month
        f.replaced = 0
    files[0].replaced = of_month.height + stored_again.height + left.height
    if files[0].replaced:
        other = _of_another_force(came["moved_from"], month[1], spec)
        _say_replaced(
            files[0],
            month,
            spec,
            (of_month.height, revised.height, came.height),
            (
                of_month["source_file"].unique().sort().to_list(),
                came.filter(~other)["moved_from"].unique().sort().to_list(),
                came.filter(other)["moved_from"].unique().sort().to_list(),
            ),
            int(other.sum()),
        )
        _say_held_elsewhere(files[0], month, spec, left)


def _by_month(frame: pl.DataFrame) -> dict[str, pl.DataFrame]:
    """``frame``'s rows by their ``month``, split once: two filters per month of
    an archive (1,000 force-months) over its months' stored keys (5 million
    crimes) took 48-69 s; one split takes 0.6 s."""
    return {
        str(month): part
        for (month,), part in frame.partition_by("month", as_dict=True).items()
    }


def _first_conflicts(state: _State, file: str, key: str) -> pl.DataFrame:
    """This file's rows that repeat a stored key with other fields
    (:attr:`_State.revised`: kept for street files only), first of each key."""
    parts = state.revised.get(file, [])
    if not parts:
        return pl.DataFrame(schema={key: pl.String(), "source_line": pl.Int64()})
    return pl.concat(parts, how="diagonal_relaxed").unique(
        key, keep="first", maintain_order=True
    )


def _moved_rows(
    tx: Transaction,
    load_id: str,
    months: dict[Month, list[FileReport]],
    conflicting: dict[Month, pl.DataFrame],
    state: _State,
    spec: _MonthFiles,
) -> dict[Month, pl.DataFrame]:
    """Per replaced month, its file's rows that police.uk moved there from another
    month: the key is stored, by an earlier load, from a file named for another
    force-month, and no file of this load named for that month (or for none)
    holds it. ``moved_from`` names the stored row's file.

    A crime belongs to the month of the latest replacing file that holds it. Its
    stored row came from the month it left, so a later replace of that month, its
    file no longer holding the crime, deleted it: it is stored again as this file
    gives it (a moved crime's Month differs, so its row is a conflicting duplicate
    here), in this month. When the file of the month it is stored in is in the
    load and holds it too, it stays where it is stored (and is not deleted); when
    files of several other months hold it, it moves to the latest of them (it
    stayed where it was stored, which a later replace of that month deleted). Set
    operations over this load's conflicting rows (few): one lookup of their stored
    files, one match against the load's keys.
    """
    empty = {
        month: rows.clear().with_columns(pl.lit(None, pl.String).alias("moved_from"))
        for month, rows in conflicting.items()
    }
    tagged = [
        rows.with_columns(pl.lit(_month_text(month)).alias("month"))
        for month, rows in conflicting.items()
        if rows.height
    ]
    if not tagged:
        return empty
    candidates = pl.concat(tagged, how="diagonal_relaxed")
    stored = tx.existing(
        spec.table,
        candidates.select(spec.key),
        columns=[spec.key, "source_file", "load_id"],
    ).filter(pl.col("load_id") != load_id)
    month_of = {
        path: _month_text(month)
        for path in stored["source_file"].drop_nulls().unique().to_list()
        if (month := spec.month_from_name(_base_name(path))) is not None
    }
    came = candidates.join(
        stored.select(
            spec.key,
            pl.col("source_file").alias("moved_from"),
            pl.col("source_file")
            .replace_strict(month_of, default=None, return_dtype=pl.String())
            .alias("from_month"),
        ),
        on=spec.key,
    ).filter(pl.col("from_month") != pl.col("month"))
    came = (
        came.join(
            _held_by_stored_month(state, spec, came.select(spec.key, "from_month")),
            on=spec.key,
            how="anti",
        )
        # several replaced months hold it, not the one it is stored in: the latest
        .sort("month", descending=True)
        .unique(spec.key, keep="first", maintain_order=True)
        .drop("from_month")
    )
    by_month = {month: rows.drop("month") for month, rows in _by_month(came).items()}
    return {
        month: by_month.get(_month_text(month), none) for month, none in empty.items()
    }


def _store_revised(
    tx: Transaction, load_id: str, f: FileReport, rows: pl.DataFrame, state: _State
) -> None:
    """Store a replacing street file's revised crimes and those moved in from another
    month (their old rows deleted): they count as loaded, not duplicates, and leave
    the quarantine (nothing set aside)."""
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


def _store_held(
    tx: Transaction, spec: _MonthFiles, rows: pl.DataFrame, state: _State
) -> None:
    """Store the rows a replaced month's file left that a stored file of another
    month holds (:func:`rows_held_elsewhere`; their stored rows deleted), as that
    file gives them: each leaves the quarantine of the load that read it as a
    conflicting duplicate (it is stored now), and (street) the outcomes table's
    latest outcome is put on it as after any load."""
    if rows.height == 0:
        return
    _append_sorted(tx, spec.table, rows.drop("held_by", "month"))
    for (load_id, file), lines in rows.group_by(
        "held_by", "source_file", maintain_order=True
    ):
        delete_quarantined(tx, str(load_id), str(file), lines["source_line"])
    if spec.table == "incidents":
        state.touched_outcomes = state.touched_outcomes or state.table_has_rows(
            "outcomes"
        )


def _say_held_elsewhere(
    f: FileReport, month: Month, spec: _MonthFiles, rows: pl.DataFrame
) -> None:
    """Say which stored rows of the month this file does not hold stay stored, in
    the month of a stored file that holds them: moved there by police.uk (the same
    force), or a cross-border crime another force's file lists too."""
    other = _of_another_force(rows["source_file"], month[1], spec)
    for part, why in (
        (rows.filter(~other), "moved there by police.uk"),
        (rows.filter(other), f"a cross-border {spec.row} both forces' files list"),
    ):
        n = part.height
        if n == 0:
            continue
        one = n == 1
        files = ", ".join(sorted({_base_name(p) for p in part["source_file"]}))
        _say(
            f,
            f"{n:,} stored {spec.row if one else spec.row + 's'} of the month not in "
            f"this file {'is' if one else 'are'} in {files}, loaded earlier ({why}): "
            f"{'it is' if one else 'they are'} now stored as that file gives "
            f"{'it' if one else 'them'}, in its month, not deleted.",
        )


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
    if candidates.len() == 0:
        return pl.Series([], dtype=pl.Boolean)
    return candidates.is_in(_holders(keys, candidates)["key"].implode())


def _held_by_stored_month(
    state: _State, spec: _MonthFiles, rows: pl.DataFrame
) -> pl.DataFrame:
    """The keys of ``rows`` (``spec.key``, ``from_month``: the month it is stored
    in) that a file of the load named for that month, or for none, holds."""
    holders = _holders(state.held_keys, rows[spec.key])
    month_of = {
        path: _month_text(month) if month else ""
        for path in holders["file"].unique().to_list()
        for month in [spec.month_from_name(_base_name(path))]
    }
    elsewhere = holders.select(
        pl.col("key").alias(spec.key),
        pl.col("file")
        .replace_strict(month_of, return_dtype=pl.String())
        .alias("month"),
    )
    return (
        rows.join(elsewhere, on=spec.key)
        .filter((pl.col("month") == pl.col("from_month")) | (pl.col("month") == ""))
        .select(spec.key)
        .unique()
    )


def _holders(
    keys: dict[str, list[pl.DataFrame]] | None, candidates: pl.Series
) -> pl.DataFrame:
    """``key`` and ``file``: each file of the load holding one of ``candidates``.
    Each file's keys are matched against the few candidates, not gathered whole."""
    found = pl.DataFrame(schema={"key": pl.String(), "file": pl.String()})
    if candidates.len() == 0:
        return found
    wanted = candidates.implode()
    return pl.concat(
        [
            found,
            *(
                frame.filter(pl.col("key").is_in(wanted)).select(
                    "key", pl.lit(file).alias("file")
                )
                for file, frames in (keys or {}).items()
                for frame in frames
            ),
        ]
    )


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


def _of_another_force(paths: pl.Series, force: str, spec: _MonthFiles) -> pl.Series:
    """Mask of ``paths`` (stored files) whose names give a force other than
    ``force``: a Crime ID two forces' files hold is a cross-border crime, not one
    police.uk moved. Looked up once per distinct file."""
    force_of = {
        path: month[1] if (month := spec.month_from_name(_base_name(path))) else ""
        for path in paths.drop_nulls().unique().to_list()
    }
    forces = paths.replace_strict(force_of, default="", return_dtype=pl.String())
    return (forces != force) & (forces != "")


def _say_replaced(
    f: FileReport,
    month: Month,
    spec: _MonthFiles,
    counts: tuple[int, int, int],
    files: tuple[list[str], list[str], list[str]],
    across: int = 0,
) -> None:
    """Say what replacing the month did: ``counts`` of rows deleted, revised and
    come from another force-month (``across`` of them from another force's file: a
    cross-border crime, not one police.uk moved); ``files``: those the deleted
    rows, and the rows come from another month and from another force, were stored
    from."""
    gone, revised, came = counts
    earlier, moved_from, other_force = files
    moved = came - across
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
    if moved:
        said += (
            f"{moved:,} stored {row if moved == 1 else row + 's'} of another month "
            f"(from {', '.join(sorted({_base_name(p) for p in moved_from}))}) "
            f"{'is' if moved == 1 else 'are'} in this file (moved by police.uk) and "
            f"{'is' if moved == 1 else 'are'} now stored as this file gives "
            f"{'it' if moved == 1 else 'them'}, in this month; "
        )
    if across:
        one = across == 1
        said += (
            f"{across:,} stored {row if one else row + 's'} of another force's file "
            f"(from {', '.join(sorted({_base_name(p) for p in other_force}))}) "
            f"{'is' if one else 'are'} in this file too (a cross-border {row} both "
            f"forces' files list) and {'is' if one else 'are'} now stored as this "
            f"file gives {'it' if one else 'them'}; "
        )
    new = f.loaded - revised - came
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
    _say(f, said)
