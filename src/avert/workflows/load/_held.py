"""Rows a police.uk month's file holds that another month's file stored (``held_rows``).

police.uk moves a crime from one month's street file to another's (its Crime ID
kept), and lists a cross-border crime in two forces' files. Only one row of a key is
stored: the first file loaded gives it, and the other file's row is a duplicate. A
month loaded without ``--replace-month`` keeps the stored row, so a later replace of
the month the row is stored in, its revised file no longer holding the crime,
deleted it though the other month's file holds it.

Each load records such rows (:func:`note_held_elsewhere` while it writes,
:func:`record_held` at its end): per file named for a force-month, the stop and
street-crime rows it holds that are stored from a file of another force-month, with
the row as the file gives it. A replace that would delete a stored row stores the
recorded row instead, in the month of the file that holds it
(:func:`rows_held_elsewhere`); a row a replace moves into its month is recorded as
held by the file it leaves (:func:`record_left`); a replaced month's earlier files'
records go (:func:`forget_replaced`): the month is its newest file's now.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

import polars as pl

from avert.ingest.policeuk import stop_month_from_name, street_month_from_name
from avert.schema import HELD_ROWS, TABLES
from avert.store.database import Transaction
from avert.store.loads import delete_held, held_files, held_rows
from avert.workflows.load._state import _HELD, _STOP_KINDS, STREET_KIND, _base_name

#: per table, the kinds of police.uk file whose rows are recorded, and how a file's
#: name gives its force-month
_MONTH_OF: dict[str, tuple[tuple[str, ...], Callable[[str], tuple[str, str] | None]]]
_MONTH_OF = {
    "stops": (_STOP_KINDS, stop_month_from_name),
    "incidents": ((STREET_KIND,), street_month_from_name),
}
_PROVENANCE = ("load_id", "source_file", "source_line")


def month_of_file(table: str, path: str) -> str | None:
    """``YYYY-MM|force`` of a stored file of ``table``'s rows, as its name gives it
    (None: a name that gives no month)."""
    month = _MONTH_OF[table][1](_base_name(path))
    return f"{month[0]}|{month[1]}" if month else None


def _months_of(table: str, paths: pl.Series) -> pl.Series:
    """:func:`month_of_file` of each path, looked up once per distinct file."""
    month_of = {p: month_of_file(table, p) for p in paths.drop_nulls().unique()}
    return paths.replace_strict(month_of, default=None, return_dtype=pl.String())


def is_recorded(table: str, kind: str, path: str) -> bool:
    """Whether a file's rows of ``table`` are recorded: a police.uk stop or street
    file named for a force-month. Other files (a bundle, a table, a renamed file)
    need no stored row's file from the duplicate lookup (47 bytes a repeated row,
    kept until the file is written: some 235 MB for 5 million incidents)."""
    return (
        table in _MONTH_OF
        and kind in _MONTH_OF[table][0]
        and month_of_file(table, path) is not None
    )


def note_held_elsewhere(
    table: str,
    kind: str,
    frame: pl.DataFrame,
    stored_from: list[pl.DataFrame],
) -> pl.DataFrame | None:
    """The rows of one part of a file (``frame``) whose key is stored from a file of
    another force-month (``stored_from``: the stored rows' keys and files, from the
    duplicate lookup), as ``held_rows`` records; None for a file not recorded (not
    a police.uk stop or street file named for a force-month), or none such.
    Candidates only: :func:`record_held` checks them against what the load leaves
    stored."""
    if table not in _MONTH_OF or kind not in _MONTH_OF[table][0] or not stored_from:
        return None
    own = month_of_file(table, frame["source_file"][0]) if frame.height else None
    if own is None:
        return None
    key = _HELD[table]
    seen = pl.concat(stored_from)
    other = seen.filter(_months_of(table, seen["source_file"]).ne_missing(own))
    if other.height == 0:
        return None
    rows = frame.filter(
        pl.col(key).is_in(other[key].implode()) & pl.col(key).is_first_distinct()
    )
    return _records(table, rows)


def record_held(tx: Transaction, candidates: list[pl.DataFrame]) -> int:
    """Store the candidates (:func:`note_held_elsewhere`) whose row is, after the
    load (its months replaced), still stored from a file of another force-month than
    theirs, and not recorded for the same file before; return how many. Two lookups
    of the candidates' keys per table."""
    if not candidates:
        return 0
    found = pl.concat(candidates).unique(
        ["row_key", "target_table", "load_id", "source_file"],
        keep="first",
        maintain_order=True,
    )
    kept = []
    for table in found["target_table"].unique().sort().to_list():
        key = _HELD[table]
        part = found.filter(pl.col("target_table") == table)
        stored = tx.existing(
            table,
            part.select(pl.col("row_key").alias(key)),
            columns=[key, "source_file"],
        )
        stored = stored.select(
            pl.col(key).alias("row_key"),
            _months_of(table, stored["source_file"]).alias("stored_month"),
        )
        holders = part.with_columns(
            _months_of(table, part["source_file"]).alias("holder_month")
        )
        kept.append(
            holders.join(stored, on="row_key")
            .filter(
                pl.col("stored_month").is_not_null()
                & (pl.col("holder_month") != pl.col("stored_month"))
            )
            .select(HELD_ROWS.names)
            # the same file loaded again: recorded once
            .join(
                held_rows(tx, table, part["row_key"]).select("row_key", "source_file"),
                on=["row_key", "source_file"],
                how="anti",
            )
        )
    return tx.append("held_rows", pl.concat(kept))


def record_left(
    tx: Transaction, table: str, keys: pl.Series, replaced: Collection[str]
) -> int:
    """Record, before a replace moves the stored rows of ``keys`` into its month,
    that the files they were stored from still hold them (as stored), unless those
    files' months are replaced in this load too (nor when recorded before);
    return how many. Two lookups of the keys."""
    if keys.len() == 0:
        return 0
    key = _HELD[table]
    stored = tx.existing(table, pl.DataFrame({key: keys}).unique())
    months = _months_of(table, stored["source_file"])
    stored = stored.filter(
        months.is_not_null()
        & ~months.is_in(pl.Series(list(replaced), dtype=pl.String).implode())
    )
    known = held_rows(tx, table, stored[key]).select("row_key", "source_file")
    return tx.append(
        "held_rows",
        _records(table, stored).join(known, on=["row_key", "source_file"], how="anti"),
    )


def _records(table: str, rows: pl.DataFrame) -> pl.DataFrame:
    """``held_rows`` records of ``rows`` (of ``table``, with their provenance): the
    key, the file and line, and the other columns as a JSON object."""
    key = _HELD[table]
    columns = [c for c in TABLES[table].names if c in rows.columns]
    return rows.select(
        pl.col(key).alias("row_key"),
        pl.lit(table).alias("target_table"),
        "load_id",
        "source_file",
        "source_line",
        pl.struct([c for c in columns if c not in (*_PROVENANCE, key)])
        .struct.json_encode()
        .alias("row"),
    )


def rows_held_elsewhere(
    tx: Transaction,
    table: str,
    gone: pl.DataFrame,
    replaced: Collection[str],
    load_id: str,
) -> pl.DataFrame:
    """The rows to store instead of ``gone`` rows (stored rows of a replaced month
    that its file does not hold: ``key``, ``month``) that a stored file of another
    force-month holds: each as the latest such month's file gives it (latest month,
    then latest load), stored by this load from that file. A file of a month this
    load replaces (``replaced``) holds nothing any more: its month is its new file's.

    ``held_by`` names the load that read the holding file (its quarantined copy of
    the row goes: the row is stored now). One lookup of the gone keys."""
    key = _HELD[table]
    spec = TABLES[table]
    records = held_rows(tx, table, gone[key])
    records = records.with_columns(
        _months_of(table, records["source_file"]).alias("holder_month")
    )
    found = (
        records.join(gone.select(pl.col(key).alias("row_key"), "month"), on="row_key")
        .filter(
            pl.col("holder_month").is_not_null()
            & ~pl.col("holder_month").is_in(
                pl.Series(list(replaced), dtype=pl.String).implode()
            )
            & (pl.col("holder_month") != pl.col("month"))
        )
        .sort(["holder_month", "load_id", "source_file"], descending=True)
        .unique("row_key", keep="first", maintain_order=True)
    )
    fields = pl.Struct(
        {c: t for c, t in spec.schema.items() if c not in (*_PROVENANCE, key)}
    )
    return found.select(
        pl.col("row_key").alias(key),
        pl.col("row").str.json_decode(fields).alias("_row"),
        pl.lit(load_id).alias("load_id"),
        "source_file",
        "source_line",
        pl.col("load_id").alias("held_by"),
        "month",
    ).unnest("_row")


def forget_replaced(tx: Transaction, table: str, months: Collection[str]) -> None:
    """Delete the records of the files of ``months`` (``YYYY-MM|force``) this load
    replaces: each month is now its new file's, whose own records the load adds."""
    files = [p for p in held_files(tx, table) if month_of_file(table, p) in months]
    delete_held(tx, table, files)
