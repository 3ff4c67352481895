"""The SQL a load needs beyond appending rows, as named functions on its transaction.

:mod:`avert.workflows.load` decides what to write; the statements live here, in the
store (the only package that talks SQL).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final

import polars as pl

from avert.errors import NotFound
from avert.schema import HELD_ROWS, LOAD_STOP_SPANS, LOADS, TABLES
from avert.store.database import BYTEWISE, Store, Transaction

__all__ = [
    "delete_bare",
    "delete_held",
    "delete_keys",
    "delete_quarantine_of_file",
    "delete_quarantined",
    "has_bare",
    "has_rows",
    "held_files",
    "held_rows",
    "keys_from_files",
    "linked_incidents",
    "loaded_files",
    "loads_of_file",
    "record_loads",
    "record_stop_spans",
    "rejected_lines",
    "rows_of_file",
    "set_page_cache",
    "sources_of_files",
    "stops_per_file",
    "stored_files",
    "update_outcomes",
]

#: digests per ``IN (...)`` lookup of recorded loads
_DIGESTS_PER_QUERY = 500


def set_page_cache(tx: Transaction, kib: int) -> None:
    """Give this (SQLite) connection a page cache of ``kib`` KiB; no-op elsewhere."""
    if tx.dialect == "sqlite":
        tx._execute(f"PRAGMA cache_size = -{int(kib)}")


def has_rows(tx: Transaction | Store, table: str) -> bool:
    """Whether ``table`` holds any row (as seen inside ``tx``, or by the store): one
    row read, never a count of the table."""
    if table not in TABLES:
        msg = f"No table {table!r}"
        raise NotFound(msg)
    found = tx._query(
        f'SELECT 1 AS one FROM "{table}" LIMIT 1', schema={"one": pl.Int64()}
    )
    return found.height > 0


def update_outcomes(tx: Transaction, load_id: str) -> None:
    """Set ``incidents.outcome`` to the latest police.uk outcome of each touched crime.

    Touched: crimes with an outcome row of load ``load_id``, and crimes of that load
    with any stored outcome. The latest: the greatest month, then the latest line;
    rows tied on both (the same line of two files, such as a re-issued month) are
    ordered by file name, then outcome, bytewise and descending, so the outcome is
    the same on every store whatever the order of its index or the database's
    collation (docs/formats.md).
    """
    c = BYTEWISE[tx.dialect]
    tx._execute(
        "UPDATE incidents SET outcome = ("
        " SELECT o.outcome FROM outcomes o WHERE o.incident_id = incidents.incident_id"
        f" ORDER BY o.month DESC, o.source_line DESC, o.source_file{c} DESC,"
        f" o.outcome{c} DESC LIMIT 1)"
        " WHERE incident_id IN (SELECT incident_id FROM outcomes WHERE load_id = ?)"
        " OR (load_id = ? AND incident_id IN (SELECT incident_id FROM outcomes))",
        [load_id, load_id],
    )


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def record_loads(tx: Transaction, rows: pl.DataFrame) -> int:
    """Append the ``loads`` rows whose (source_file, file_sha256) is not yet
    recorded, and those that stored rows (``loaded`` > 0) though it is.

    A file loaded again adds nothing and is not recorded again (loading the same
    files twice adds no row). One whose rows were deleted since stores them again
    under this load's id: its row records when, or the rows would name a load with
    no record, taken as loaded before any (the late searches of a fixed year,
    :func:`avert.workflows.late_searches.searches_loaded_late`).

    ``rows`` has the columns of :data:`avert.schema.LOADS`; returns how many were added.
    """
    if rows.height == 0:
        return 0
    pair = ["source_file", "file_sha256"]
    known = [pl.DataFrame(schema=LOADS.schema_of(*pair))]
    for part in _chunks(sorted(set(rows["file_sha256"].to_list())), _DIGESTS_PER_QUERY):
        marks = ", ".join("?" for _ in part)
        known.append(
            tx._query(
                "SELECT source_file, file_sha256 FROM loads "
                f"WHERE file_sha256 IN ({marks})",
                part,
                schema=LOADS.schema_of(*pair),
            )
        )
    recorded = pl.concat(known).unique().with_columns(known=pl.lit(value=True))
    new = rows.join(recorded, on=pair, how="left").filter(
        pl.col("known").is_null() | (pl.col("loaded") > 0)
    )
    return tx.append("loads", new.drop("known"))


def record_stop_spans(tx: Transaction, load_id: str, stored: pl.DataFrame) -> int:
    """Record, per force, the latest search time of the searches load ``load_id``
    stored (``stored``: their ``force`` and ``occurred_at``; a force of none as
    ``''``) in ``load_stop_spans``; returns the rows added (one per force).

    Kept when the searches are deleted or replaced, so a year once over in the
    store stays over (:func:`avert.workflows.late_searches.searches_loaded_late`)."""
    spans = (
        stored.lazy()
        .select(pl.col("force").fill_null(""), "occurred_at")
        .drop_nulls("occurred_at")
        .group_by("force")
        .agg(pl.col("occurred_at").max().alias("latest_at"))
        .with_columns(pl.lit(load_id).alias("load_id"))
        .collect()
    )
    return tx.append("load_stop_spans", spans.select(LOAD_STOP_SPANS.names))


def stops_per_file(tx: Transaction) -> pl.DataFrame:
    """``force``, ``source_file``, ``load_id``, ``stops``: the stored stops per
    force and the file and load they came from."""
    return tx._query(
        "SELECT force, source_file, load_id, COUNT(*) AS stops FROM stops "
        "GROUP BY force, source_file, load_id",
        schema={
            "force": pl.String(),
            "source_file": pl.String(),
            "load_id": pl.String(),
            "stops": pl.Int64(),
        },
    )


def loaded_files(tx: Transaction, kind: str) -> pl.DataFrame:
    """``source_file`` and ``file_sha256`` of every recorded load of a file of
    ``kind`` (the ``loads`` table: one row per file and digest)."""
    return tx._query(
        "SELECT source_file, file_sha256 FROM loads WHERE kind = ?",
        [kind],
        schema=LOADS.schema_of("source_file", "file_sha256"),
    )


def stored_files(tx: Transaction, table: str) -> list[str]:
    """The ``source_file`` names of ``table``'s stored rows (each once)."""
    found = tx._query(
        f'SELECT DISTINCT "source_file" FROM "{TABLES[table].name}" '
        'WHERE "source_file" IS NOT NULL',
        schema={"source_file": pl.String()},
    )
    return found["source_file"].to_list()


def keys_from_files(tx: Transaction, table: str, files: Sequence[str]) -> pl.DataFrame:
    """The key (``table``'s one-column primary key), ``source_file`` and ``load_id``
    of the rows of ``table`` (``stops``, ``incidents``) loaded from ``files``: one
    join with the names sent as one Arrow batch (a temporary table), not a query per
    file."""
    [key] = TABLES[table].primary_key
    schema = {key: pl.String(), "source_file": pl.String(), "load_id": pl.String()}
    if not files:
        return pl.DataFrame(schema=schema)
    names = pl.DataFrame(
        {"source_file": list(files)}, schema={"source_file": pl.String()}
    )
    with _temporary(tx, names.unique()) as temp:
        return tx._query(
            f'SELECT s."{key}", s."source_file", s."load_id" '
            f'FROM "{TABLES[table].name}" s '
            f'JOIN "{temp}" f ON s."source_file" = f."source_file"',
            schema=schema,
        )


def delete_keys(tx: Transaction, table: str, ids: pl.Series) -> int:
    """Delete the stored rows of ``table`` (``stops``, ``incidents``: a one-column
    primary key) whose key is in ``ids``; return how many of them were stored (one
    statement by primary key, the ids sent as one batch)."""
    return _delete_where_keys(tx, table, ids)


def _delete_where_keys(
    tx: Transaction, table: str, ids: pl.Series, *, also: str | None = None
) -> int:
    """Delete the stored rows of ``table`` (a one-column primary key) whose key is
    in ``ids`` (and that meet the SQL condition ``also``); return how many (a
    count, then a delete only if any, each one statement with the ids sent as one
    batch)."""
    spec = TABLES[table]
    [key] = spec.primary_key
    keys = pl.DataFrame({key: ids}, schema={key: pl.String()}).drop_nulls().unique()
    if keys.height == 0:
        return 0
    with _temporary(tx, keys) as temp:
        where = f'"{key}" IN (SELECT "{key}" FROM "{temp}")'
        if also is not None:
            where = f"{where} AND {also}"
        found = tx._query(
            f'SELECT COUNT(*) AS n FROM "{spec.name}" WHERE {where}',
            schema={"n": pl.Int64()},
        )
        if found["n"][0]:
            tx._execute(f'DELETE FROM "{spec.name}" WHERE {where}')
    return int(found["n"][0])


#: columns a row holding its key alone still fills: its source and the load and
#: file that named it (its ``source_line`` is empty: no line of a file gave it)
_BARE_FILLS = frozenset({"source", "load_id", "source_file"})


def _bare(table: str) -> str:
    """The condition of a row of ``table`` holding its key alone (:func:`delete_bare`)."""
    spec = TABLES[table]
    return " AND ".join(
        f'"{c}" IS NULL'
        for c in spec.names
        if c not in spec.primary_key and c not in _BARE_FILLS
    )


def has_bare(tx: Transaction, table: str) -> bool:
    """Whether ``table`` holds a row of its key alone (:func:`delete_bare`): one
    scan at most, stopped at the first such row, instead of a look-up per part of
    a people file in a store that holds none."""
    found = tx._query(
        f'SELECT 1 AS one FROM "{TABLES[table].name}" WHERE {_bare(table)} LIMIT 1',
        schema={"one": pl.Int64()},
    )
    return found.height > 0


def delete_bare(tx: Transaction, table: str, ids: pl.Series) -> int:
    """Delete the stored rows of ``table`` (``people``, ``groups``) whose key is in
    ``ids`` and that hold their key alone: no source line and every other column
    but the source and provenance empty, as a person (group) named by a bundle
    without a people (groups) file is stored. Returns how many (a count, then a
    delete, each one statement with the ids sent as one batch)."""
    return _delete_where_keys(tx, table, ids, also=_bare(table))


def delete_quarantined(
    tx: Transaction, load_id: str, source_file: str, lines: pl.Series
) -> None:
    """Delete the conflicting-duplicate entries (``kind = 'duplicate'``) that load
    ``load_id`` quarantined for ``lines`` of ``source_file``: rows whose revision was
    stored after all (a street month replaced), so nothing of them was set aside."""
    keys = pl.DataFrame({"line": lines}, schema={"line": pl.Int64()}).unique()
    if keys.height == 0:
        return
    with _temporary(tx, keys) as temp:
        tx._execute(
            "DELETE FROM quarantine WHERE kind = 'duplicate' AND load_id = ? "
            f'AND source_file = ? AND "line" IN (SELECT "line" FROM "{temp}")',
            [load_id, source_file],
        )


def sources_of_files(tx: Transaction) -> pl.DataFrame:
    """``source`` and ``source_file``: each pair the stored incidents came from
    (each once): which files an incident table's ``[table].source`` was loaded
    from (``avert ingest table --replace-file``)."""
    return tx._query(
        'SELECT DISTINCT "source", "source_file" FROM "incidents" '
        'WHERE "source_file" IS NOT NULL',
        schema={"source": pl.String(), "source_file": pl.String()},
    )


def rows_of_file(tx: Transaction, source: str, source_file: str) -> pl.DataFrame:
    """``incident_id``, ``load_id``, ``source_line``, ``occurred_from``, ``x``, ``y``
    of the stored incidents of ``source`` loaded from ``source_file`` (as given to
    ingest): the rows an incident table's earlier loads stored from that file."""
    cols = ("incident_id", "load_id", "source_line", "occurred_from", "x", "y")
    spec = TABLES["incidents"]
    names = ", ".join(f'"{c}"' for c in cols)
    return tx._query(
        f'SELECT {names} FROM "incidents" WHERE "source" = ? AND "source_file" = ?',
        [source, source_file],
        schema={c: spec.schema[c] for c in cols},
    )


def loads_of_file(tx: Transaction, source_file: str) -> pl.DataFrame:
    """``load_id`` and ``file_sha256`` of every recorded load of ``source_file``."""
    return tx._query(
        'SELECT "load_id", "file_sha256" FROM "loads" WHERE "source_file" = ?',
        [source_file],
        schema=LOADS.schema_of("load_id", "file_sha256"),
    )


#: what names an incident by its key: (table, key column, SQL condition or None)
_INCIDENT_LINKS: Final = (
    ("involvements", "incident_id", None),
    ("dash", "incident_id", None),
    ("actions", "target_id", "\"target_type\" = 'incident'"),
)


def linked_incidents(tx: Transaction, ids: pl.Series) -> pl.DataFrame:
    """``incident_id`` and ``table`` of the incidents of ``ids`` that a stored row
    names: a person's involvement or a DASH assessment (a bundle's, which may name
    an incident another load stored), or an action on the incident. Deleting such
    an incident would leave the row naming nothing (``--replace-file``). One query
    per linking table, the ids sent once."""
    out = pl.DataFrame(schema={"incident_id": pl.String(), "table": pl.String()})
    keys = pl.DataFrame({"incident_id": ids}, schema={"incident_id": pl.String()})
    keys = keys.drop_nulls().unique()
    if keys.height == 0:
        return out
    parts = [out]
    with _temporary(tx, keys) as temp:
        for table, column, also in _INCIDENT_LINKS:
            where = f" AND {also}" if also else ""
            found = tx._query(
                f'SELECT DISTINCT "{column}" AS "incident_id" FROM "{table}" '
                f'WHERE "{column}" IN (SELECT "incident_id" FROM "{temp}"){where}',
                schema={"incident_id": pl.String()},
            )
            parts.append(found.with_columns(pl.lit(table).alias("table")))
    return pl.concat(parts)


def rejected_lines(tx: Transaction, load_id: str, source_file: str) -> pl.Series:
    """The lines of ``source_file`` that load ``load_id`` quarantined as rejected
    (``line``; not the file as a whole, line 0)."""
    found = tx._query(
        'SELECT DISTINCT "line" FROM "quarantine" WHERE "load_id" = ? AND '
        '"source_file" = ? AND "kind" = \'rejected\' AND "line" > 0',
        [load_id, source_file],
        schema={"line": pl.Int64()},
    )
    return found["line"]


def delete_quarantine_of_file(
    tx: Transaction,
    source_file: str,
    *,
    load_ids: Sequence[str] = (),
    duplicate_lines: pl.Series | None = None,
) -> int:
    """Delete the quarantine entries of ``source_file`` that loads ``load_ids``
    wrote (any kind), and its conflicting-duplicate entries (``kind =
    'duplicate'``) of ``duplicate_lines`` whatever load wrote them: the entries of
    an incident table's earlier loads that a load replacing them supersedes, and
    those of rows whose revision it stored. Returns how many (a count, then a
    delete only if any)."""
    parts: list[pl.DataFrame] = []
    schema = {"load_id": pl.String(), "line": pl.Int64()}
    if load_ids:
        parts.append(
            pl.DataFrame(
                {"load_id": sorted(set(load_ids)), "line": None}, schema=schema
            )
        )
    if duplicate_lines is not None and duplicate_lines.len():
        lines = pl.DataFrame({"line": duplicate_lines}, schema={"line": pl.Int64()})
        parts.append(
            lines.unique().select(pl.lit(None, pl.String).alias("load_id"), "line")
        )
    if not parts:
        return 0
    with _temporary(tx, pl.concat(parts)) as temp:
        where = (
            'source_file = ? AND (load_id IN (SELECT "load_id" FROM '
            f'"{temp}" WHERE "load_id" IS NOT NULL) OR (kind = \'duplicate\' AND '
            f'"line" IN (SELECT "line" FROM "{temp}" WHERE "line" IS NOT NULL)))'
        )
        found = tx._query(
            f"SELECT COUNT(*) AS n FROM quarantine WHERE {where}",
            [source_file],
            schema={"n": pl.Int64()},
        )
        if found["n"][0]:
            tx._execute(f"DELETE FROM quarantine WHERE {where}", [source_file])
    return int(found["n"][0])


def held_files(tx: Transaction, table: str) -> list[str]:
    """The files (``source_file``) with a ``held_rows`` record of ``table``'s rows."""
    found = tx._query(
        'SELECT DISTINCT "source_file" FROM "held_rows" WHERE "target_table" = ?',
        [table],
        schema={"source_file": pl.String()},
    )
    return found["source_file"].to_list()


def held_rows(tx: Transaction, table: str, keys: pl.Series) -> pl.DataFrame:
    """The ``held_rows`` records of ``table``'s rows whose key is in ``keys``: which
    stored files of other force-months hold them, and their rows as those files
    give them (one join, the keys sent as one batch)."""
    schema = HELD_ROWS.schema
    wanted = pl.DataFrame({"row_key": keys}, schema={"row_key": pl.String()})
    wanted = wanted.drop_nulls().unique()
    if wanted.height == 0:
        return pl.DataFrame(schema=schema)
    cols = ", ".join(f'h."{c}"' for c in HELD_ROWS.names)
    with _temporary(tx, wanted) as temp:
        return tx._query(
            f'SELECT {cols} FROM "held_rows" h JOIN "{temp}" k '
            'ON h."row_key" = k."row_key" WHERE h."target_table" = ?',
            [table],
            schema=schema,
        )


def delete_held(tx: Transaction, table: str, files: Sequence[str]) -> None:
    """Delete the ``held_rows`` records of ``table``'s rows held by ``files`` (files
    of a force-month a newer file replaced: they no longer say what it holds)."""
    names = pl.DataFrame(
        {"source_file": list(files)}, schema={"source_file": pl.String()}
    ).unique()
    if names.height == 0:
        return
    with _temporary(tx, names) as temp:
        tx._execute(
            'DELETE FROM "held_rows" WHERE "target_table" = ? AND "source_file" IN '
            f'(SELECT "source_file" FROM "{temp}")',
            [table],
        )


@contextmanager
def _temporary(tx: Transaction, frame: pl.DataFrame) -> Iterator[str]:
    """``frame`` as a temporary table of this transaction, dropped after the block
    (after an error the transaction's rollback drops it: its creation is undone)."""
    temp = f"_rows_{uuid.uuid4().hex[:12]}"
    with tx._conn.cursor() as cur:
        cur.adbc_ingest(temp, frame.to_arrow(), mode="create", temporary=True)
    yield temp
    tx._execute(f'DROP TABLE "{temp}"')
