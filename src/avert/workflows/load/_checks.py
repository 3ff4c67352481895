"""The checks of a part's rows before they are appended: keys too long, references
missing, and duplicates (new rows split from repeated keys, conflicts described).
"""

from __future__ import annotations

from typing import Final

import polars as pl

from avert.ingest._rows import csv_row_text, join_text
from avert.ingest.keys import as_read_now, is_id_column
from avert.ingest.result import PROBLEM_SCHEMA
from avert.schema import TABLES
from avert.store.database import Transaction
from avert.store.loads import delete_bare, has_bare
from avert.workflows.load._plan import References
from avert.workflows.load._state import _append_sorted, _sorted_by_key, _State

_PROVENANCE = ("load_id", "source_file", "source_line")
#: keys looked up in the database at a time when splitting off duplicates (bounds
#: the stored rows held at once on a re-load)
_LOOKUP_ROWS = 250_000
#: columns not compared when a key repeats in a police.uk file: a street file's
#: outcome is replaced after the load by the latest ``outcomes`` row, so a re-loaded
#: row would differ from its own stored row. A bundle's or mapped table's outcome is
#: the record's own, so a different one is a conflict (reported, the first kept).
_NOT_COMPARED = {"incidents": {"outcome"}}
#: derived columns, not compared in police.uk files (they follow from lat/lon). A
#: bundle or mapped table may give x/y instead, lat/lon then following from them, so
#: there x and y are compared too: a changed x is named, not only its lat/lon.
_DERIVED = {"x", "y", "has_location"}
#: columns a migration added, null on the rows stored before it where it could not
#: tell (revision 0034: an ASB report at 00:00 may be a date alone or midnight):
#: a re-load's value differs from that null by what the store did not know, not by
#: another value, so it is no conflict (the stored row is kept as it is)
_NULL_WHEN_UNKNOWN = {"time_precision"}
_DERIVED_GIVEN = {"has_location"}
#: Bytes a row's key (its primary-key columns together) may hold. A PostgreSQL
#: B-tree index entry holds at most 2,704 bytes ("index row size exceeds btree
#: version 4 maximum 2704": the whole load failed there), SQLite has no such limit;
#: real ids are short (a police.uk Crime ID is 64 characters), so a longer key is a
#: damaged row, rejected alike on either store.
MAX_KEY_BYTES: Final = 1024


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
    mask = frame.select((size > MAX_KEY_BYTES).fill_null(False)).to_series()
    if not mask.any():  # the usual case: no filtered copies, no reason text built
        return frame, pl.DataFrame(schema=PROBLEM_SCHEMA)
    bad = frame.filter(mask)
    problems = bad.select(
        pl.col("source_line").alias("line"),
        pl.lit(", ".join(keys)).alias("column"),
        join_text(
            f"key longer than {MAX_KEY_BYTES:,} bytes (",
            size.cast(pl.String),
            " bytes; a database index cannot hold it)",
        ).alias("reason"),
        csv_row_text([c for c in frame.columns if c not in _PROVENANCE]).alias("raw"),
        pl.lit("rejected").alias("kind"),
        pl.lit(table).alias("target_table"),
    )
    return frame.filter(~mask), problems


#: what an implied row is called in a file's note, per referenced table
_IMPLIED_NOUN: Final = {"people": ("person", "people"), "groups": ("group", "groups")}


def _add_implied(
    tx: Transaction,
    ref_table: str,
    keys: pl.DataFrame,
    frame: pl.DataFrame,
    state: _State,
    source: str,
) -> int:
    """Append ``keys`` to ``ref_table`` as rows of their key and ``source`` alone
    (provenance: the naming file, no line) and accept them for the rest of the
    load; the number of rows added."""
    if keys.height == 0:
        return 0
    ref_pk = TABLES[ref_table].primary_key[0]
    rows = keys.with_columns(
        pl.lit(source).alias("source"),
        pl.lit(frame["load_id"][0]).alias("load_id"),
        pl.lit(frame["source_file"][0]).alias("source_file"),
    ).sort(ref_pk)
    state.had_rows_before_load(ref_table)  # ask before this load appends to it
    state.before_append(ref_table, rows.height)
    _append_sorted(tx, ref_table, rows)
    state.mark_written(ref_table)
    state.remember_written(ref_table, rows.select(ref_pk))
    state.accepted.setdefault(ref_table, []).append(rows.select(ref_pk))
    return rows.height


def _implied_note(ref_table: str, added: int) -> str:
    """The file's note for ``added`` rows of ``ref_table`` named by it alone."""
    one, many = _IMPLIED_NOUN.get(ref_table, (ref_table, ref_table))
    noun = one if added == 1 else many
    ref_pk = TABLES[ref_table].primary_key[0]
    return (
        f"{added} {noun} named here, absent from the store and the bundle (it has"
        f" no {ref_table} file), added to {ref_table} with the {ref_pk} alone."
    )


def _give_details(
    tx: Transaction, table: str, frame: pl.DataFrame, state: _State
) -> str | None:
    """Delete the stored rows of ``frame``'s keys that hold their key alone (people
    or groups an earlier bundle without the file named, :func:`_add_implied`), so
    that ``frame``'s rows are stored in their place; the file's note, or None.

    Such a row holds nothing a row of the file could conflict with: kept, the
    file's details (birth year, sex, vulnerability) were quarantined as a
    conflicting duplicate and the person read as unknown for ever."""
    if table not in _IMPLIED_NOUN or not state.had_rows_before_load(table):
        return None  # an empty table holds no such row (nor adds one with its file)
    if table not in state.bare:  # a bundle with the file adds none: ask once
        state.bare[table] = has_bare(tx, table)
    if not state.bare[table]:
        return None
    ref_pk = TABLES[table].primary_key[0]
    given = delete_bare(tx, table, frame[ref_pk])
    if not given:
        return None
    one, many = _IMPLIED_NOUN[table]
    return (
        f"{given} {one if given == 1 else many} stored with the {ref_pk} alone (named"
        f" by a bundle without a {table} file) given their details here."
    )


def _check_references(
    tx: Transaction,
    table: str,
    frame: pl.DataFrame,
    state: _State,
    references: References,
) -> tuple[pl.DataFrame, pl.DataFrame, list[str]]:
    """Reject rows whose references are neither accepted in this load nor stored;
    under an ``implied`` rule add the rows they name instead (and a note saying so),
    for the rows the other rules kept."""
    empty = pl.DataFrame(schema=PROBLEM_SCHEMA)
    rules = references.get(table, [])
    added: dict[str, int] = {}  # rows added under implied rules, per table
    if not rules:
        return frame, empty, []
    problems = [empty]
    # rules that reject first: a row one of them rejects adds nothing under another
    for column, ref_table, where, implied in sorted(
        rules, key=lambda rule: rule.implied is not None
    ):
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
        if implied is not None:  # a key no index could hold stays a rejection
            fits = missing[ref_pk].str.len_bytes() <= MAX_KEY_BYTES
            added[ref_table] = added.get(ref_table, 0) + _add_implied(
                tx, ref_table, missing.filter(fits), frame, state, implied
            )
            missing = missing.filter(~fits)
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
                csv_row_text([c for c in frame.columns if c not in _PROVENANCE]).alias(
                    "raw"
                ),
                pl.lit("rejected").alias("kind"),
                pl.lit(table).alias("target_table"),
            )
        )
    notes = [_implied_note(ref_table, n) for ref_table, n in added.items() if n]
    return frame, pl.concat(problems), notes


def _split_duplicates(
    tx: Transaction,
    table: str,
    frame: pl.DataFrame,
    state: _State,
    *,
    policeuk: bool = True,
    stored_from: list[pl.DataFrame] | None = None,
) -> tuple[pl.DataFrame, int, pl.DataFrame]:
    """Split rows into new rows, a duplicate count, and conflicting-duplicate problems.

    ``policeuk``: the rows come from a police.uk file, whose columns in
    :data:`_NOT_COMPARED` are not compared (nor x/y, see :data:`_DERIVED`).
    ``stored_from``: when given, a frame per lookup of the key and ``source_file``
    of each stored row a row repeats is appended to it (read with the compared
    columns, in the same lookup).

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
        stored = tx.existing(
            table,
            lookup.select(pk),
            columns=[
                *pk,
                *compared,
                *(["source_file"] if stored_from is not None else []),
            ],
        )
        if stored.height == 0:  # nothing stored: the part is new, no copy
            news.append(part)
            new = part
        else:
            new = part.join(stored.select(pk), on=pk, how="anti")
            news.append(new)
            seen_before = part.join(stored.select(pk), on=pk, how="semi")
            if stored_from is not None:
                stored_from.append(stored.select(*pk, "source_file"))
            n_dups += seen_before.height
            seen.append(
                _conflicts(table, seen_before, stored, pk, compared, stored=True)
            )
        if rest.height:  # later rows of this part's keys: kept = stored, else first
            later = rest.join(part.select(pk), on=pk, how="semi")
            reference = pl.concat(
                [stored, new.select(stored.columns)], how="diagonal_relaxed"
            ).unique(pk, keep="first", maintain_order=True)
            repeated.append(  # the kept row may be a stored one
                _conflicts(table, later, reference, pk, compared, stored=True)
            )
        del stored
    # no part when every row was rejected by a reference check: nothing is new
    new_rows = pl.concat(news, rechunk=False) if len(news) > 1 else (news or [first])[0]
    conflicts = pl.concat(
        [pl.DataFrame(schema=PROBLEM_SCHEMA), *seen, *repeated], how="vertical"
    )
    return new_rows, n_dups, conflicts


def _differs(column: str, *, text: bool) -> pl.Expr:
    """Whether a row's ``column`` differs from its kept row's (``column__kept``;
    of a ``text`` column, ``column__now`` too: the kept text as read now).

    A ``text`` column stored by an earlier avert as it read the same file
    (:func:`~avert.ingest.keys.as_read_now`: a Windows-1252 quote stored as a C1
    control code, a bundle's accents stored decomposed, never an id's: ids were
    never composed) is the kept row's own value: a re-load of the file is a
    duplicate, not a conflict, and the stored row is kept as it is.
    """
    new, kept = pl.col(column), pl.col(f"{column}__kept")
    if not text:
        return ~new.eq_missing(kept)
    return ~new.eq_missing(kept) & ~new.eq_missing(pl.col(f"{column}__now"))


def _conflicts(
    table: str,
    candidates: pl.DataFrame,
    reference: pl.DataFrame,
    pk: list[str],
    compared: list[str],
    *,
    stored: bool = False,
) -> pl.DataFrame:
    """A problem row for each candidate whose compared fields differ from the kept
    row of its key in ``reference`` (one row per key). Only the rows that differ get
    a reason: a re-load of a whole year is all duplicates, and text built for every
    one of them cost seconds and GiB. ``stored``: ``reference`` may hold stored
    rows, whose texts an earlier avert may have read otherwise (:func:`_differs`).
    """
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
    # (the few rows that differ from a stored row) a text an earlier avert stored
    # as it read the same file is the kept row's own: :func:`_differs`
    text = [c for c in compared if stored and joined.schema[c] == pl.String]
    joined = joined.with_columns(
        as_read_now(pl.col(f"{c}__kept"), compose=not is_id_column(c)).alias(
            f"{c}__now"
        )
        for c in text
    )
    differs = {c: _differs(c, text=c in text) for c in compared}
    if stored:  # a stored null there is not known, not another value
        differs |= {
            c: differs[c] & pl.col(f"{c}__kept").is_not_null()
            for c in compared
            if c in _NULL_WHEN_UNKNOWN
        }
    joined = joined.filter(pl.any_horizontal(differs.values()))
    diffs = [
        pl.when(differs[c]).then(
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
    cols = [pl.when(differs[c]).then(pl.lit(c)) for c in compared]
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
            csv_row_text([*pk, *compared]).alias("raw"),
            pl.lit("duplicate").alias("kind"),
            pl.lit(table).alias("target_table"),
        )
        .cast(PROBLEM_SCHEMA)
    )
