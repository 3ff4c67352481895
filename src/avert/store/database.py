"""The :class:`Store`: one database, canonical tables in and out as Polars frames.

SQLAlchemy owns the schema (through Alembic); bulk data moves through ADBC as Arrow,
never as row-by-row ORM inserts. SQLite is the default (a file in the working folder,
WAL journal); PostgreSQL is selected with a ``postgresql://`` URL.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
import uuid
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal
from urllib.parse import unquote

import polars as pl
import pyarrow as pa

from avert.config.settings import (
    DEFAULT_LOCK_TIMEOUT_S,
    DEFAULT_MAX_OVERFLOW,
    DEFAULT_POOL_SIZE,
    DEFAULT_POOL_TIMEOUT_S,
)
from avert.config.timezone import DEFAULT_TIMEZONE
from avert.errors import NotFound, StoreError, StoreUnavailable
from avert.files import private_files, private_mkdir
from avert.schema import TABLES, TableSpec
from avert.store._pool import ConnectionPool
from avert.store._shared_database import SharedDatabase

if TYPE_CHECKING:
    # imported where used: SQLAlchemy (0.15-0.3 s) serves migrations, PostgreSQL's
    # revision check and index DDL, not a SQLite store's reads
    import sqlalchemy as sa

__all__ = [
    "BYTEWISE",
    "QUIET_TABLES",
    "Filter",
    "Schema",
    "Store",
    "Transaction",
    "normalise_url",
]

Dialect = Literal["sqlite", "postgresql"]
#: (column, operator, value); operator one of = != < <= > >= in
Filter = tuple[str, str, object]
#: column name -> Polars dtype of a query's result, in the query's column order
Schema = Mapping[str, pl.DataType]
#: page size of new SQLite databases: 16 KiB pages append 6 M police.uk rows ~14 %
#: faster than SQLite's default 4 KiB (fewer pages to allocate and link)
SQLITE_PAGE_BYTES: Final = 16_384
_OPS: Final = {"=", "!=", "<", "<=", ">", ">=", "in", "is null", "is not null"}
_SQLITE_DT_FORMAT: Final = "%Y-%m-%dT%H:%M:%S%.f"
#: ``in`` filters with more string values than this bind one JSON array instead.
_JSON_IN_MIN: Final = 64
_JSON_IN: Final = {
    "sqlite": "SELECT value FROM json_each(?)",
    "postgresql": "SELECT json_array_elements_text(?::json)",
}
#: What makes a text ``ORDER BY`` bytewise, per dialect: SQLite compares bytes
#: already; a PostgreSQL database may have a language collation (en_GB.UTF-8 puts
#: ``alice`` before ``Bob`` and ignores punctuation), so text is ordered ``COLLATE
#: "C"`` there, the order Polars and SQLite give (docs/postgresql.md).
BYTEWISE: Final[Mapping[str, str]] = {"sqlite": "", "postgresql": ' COLLATE "C"'}
#: Where an ascending ``ORDER BY`` puts a row with no value: first, as SQLite and
#: Polars' sort do (PostgreSQL's default is last), so ordered reads come out the
#: same on either store.
NULLS_FIRST: Final[Mapping[str, str]] = {"sqlite": "", "postgresql": " NULLS FIRST"}
#: Tables whose writes change nothing a page shows from the analysed data: the audit
#: log, sign-ins and sessions (``users``: failed sign-ins, lockouts, the session
#: epoch), throttle counts and API-token stamps. They are written on every page view
#: or sign-in; a transaction writing only these leaves the data generation
#: (:meth:`Store.generation`) as it was, so the web's caches stay of use. A write to
#: any other canonical table raises it.
QUIET_TABLES: Final = frozenset(
    {"audit", "users", "api_tokens", "sign_in_failures", "pseudonym_index"}
)
#: the table a write statement changes: INSERT INTO / UPDATE / DELETE FROM "name"
_WRITTEN_TABLE: Final = re.compile(
    r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE
)
#: one cheap statement each: the number and its raise (a one-row table)
_READ_GENERATION: Final = "SELECT generation FROM data_generation WHERE id = 1"
_RAISE_GENERATION: Final = (
    "UPDATE data_generation SET generation = generation + 1 WHERE id = 1"
)


@dataclass(frozen=True)
class DatabaseURL:
    """A database location in the three spellings avert needs."""

    dialect: Dialect
    sqlalchemy: str
    adbc: str

    @property
    def shown(self) -> str:
        """The location to print: a SQLite file's path, or the PostgreSQL URL as the
        user writes it with its password as ``***`` (output is kept in logs, shell
        scrollback and screenshots; docs/postgresql.md)."""
        if self.dialect == "sqlite":
            return self.adbc
        import sqlalchemy as sa

        return shown_url(sa.make_url(self.sqlalchemy))


def shown_url(url: sa.URL) -> str:
    """``url`` as the user writes it (docs/postgresql.md), password hidden: without
    SQLAlchemy's driver (``postgresql+psycopg://``) and with its query unquoted
    (``?host=/run/pg``, which SQLAlchemy renders ``?host=%2Frun%2Fpg``)."""
    head, sep, query = url.render_as_string(hide_password=True).partition("?")
    head = re.sub(r"^postgresql\+\w+://", "postgresql://", head)
    return head + sep + unquote(query)


def normalise_url(url: str) -> DatabaseURL:
    """Turn a user's database URL or file path into SQLAlchemy and ADBC spellings.

    ``avert.db`` and ``sqlite:///avert.db`` mean a SQLite file; ``postgresql://...``
    (with or without ``+psycopg``) means PostgreSQL.
    """
    if url.startswith(("postgresql://", "postgres://", "postgresql+")):
        rest = re.sub(r"^postgres(ql)?(\+\w+)?://", "", url)
        return DatabaseURL(
            "postgresql", f"postgresql+psycopg://{rest}", f"postgresql://{rest}"
        )
    if url.startswith("sqlite:"):
        path = re.sub(r"^sqlite(\+\w+)?:///?", "", url)
        if url.startswith("sqlite:////"):
            path = "/" + path.lstrip("/")
    elif "://" in url:
        msg = (
            f"Unsupported database URL {url!r}: use sqlite:///PATH or postgresql://..."
        )
        raise StoreError(msg)
    else:
        path = url
    if path in ("", ":memory:"):
        msg = "An in-memory SQLite database cannot be shared; give a file path."
        raise StoreError(msg)
    absolute = str(Path(path).expanduser().resolve())
    return DatabaseURL("sqlite", f"sqlite:///{absolute}", absolute)


def _adbc_connect(
    url: DatabaseURL,
    *,
    lock_timeout_s: float,
    autocommit: bool = False,
    database: SharedDatabase | None = None,
) -> Any:
    """An ADBC connection that waits up to ``lock_timeout_s`` for other commands' locks.

    On PostgreSQL, made on ``database`` (the process's one ADBC database for the
    URL, :mod:`avert.store._shared_database`) when given, else on a database of
    its own.
    """
    if url.dialect == "sqlite":
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        if Path(url.adbc).exists():
            conn = sqlite_dbapi.connect(url.adbc, autocommit=autocommit)
        else:  # a new database file is private (its -wal/-shm take its mode)
            with private_files():
                conn = sqlite_dbapi.connect(url.adbc, autocommit=autocommit)
        cur = conn.cursor()
        # A command waits for another's lock (a load, a classification) instead of
        # failing at once; past the timeout it fails with SQLITE_BUSY (_lock_errors).
        cur.execute(f"PRAGMA busy_timeout = {int(lock_timeout_s * 1000)}")
        cur.execute("PRAGMA foreign_keys = OFF")
        # Memory-mapped reads: a third faster on indexed lookups in big stores
        # (measured by benchmarks/briefing.py); address space only, not RAM.
        cur.execute("PRAGMA mmap_size = 1073741824")
        cur.close()
        return conn
    if database is not None:
        conn = database.connect(autocommit=autocommit)
    else:
        import adbc_driver_postgresql.dbapi as pg_dbapi

        conn = pg_dbapi.connect(url.adbc, autocommit=autocommit)
    with conn.cursor() as cur:
        # every lock wait of this session ends after the timeout (SQLSTATE 55P03)
        # (0 would mean no limit in PostgreSQL: wait at least 1 ms)
        cur.execute(f"SET lock_timeout = {max(1, int(lock_timeout_s * 1000))}")
    return conn


def _pg_ping(conn: Any) -> None:
    """Raise unless the PostgreSQL connection ``conn`` answers a trivial query."""
    with conn.cursor() as cur:
        cur.execute("SELECT 1")
        cur.fetchall()


#: the PostgreSQL advisory lock key that serialises avert loads (any fixed int8)
_PG_LOAD_LOCK: Final = 0x61766572_74_4C4F


def _is_lock_error(err: BaseException) -> bool:
    """Whether ``err`` is a lock wait that ran out (SQLite busy, PostgreSQL 55P03)."""
    text = str(err).lower()
    return (
        "database is locked" in text
        or "database table is locked" in text
        or "sqlite_busy" in text
        or "lock timeout" in text
        or "55p03" in text
    )


#: what PostgreSQL's drivers (libpq under ADBC, psycopg) say when the server cannot
#: be reached or drops the connection: connection failures, SQLSTATE class 08,
#: 57P01-57P03 (terminated by the administrator, crash shutdown, cannot connect now)
_UNREACHABLE: Final = (
    "failed to connect",
    "connection failed",
    "connection refused",
    "could not connect to server",
    "server closed the connection unexpectedly",
    "no connection to the server",
    "terminating connection due to administrator command",
    "the database system is shutting down",
    "the database system is starting up",
    "the database system is in recovery mode",
    "consuming input failed",
    "sqlstate: 08",
    "57p01",
    "57p02",
    "57p03",
)


def _is_unreachable(err: BaseException) -> bool:
    """Whether ``err`` (or the driver error it wraps) says the server cannot be
    reached or dropped the connection, rather than refusing a statement."""
    seen: BaseException | None = err
    for _ in range(3):
        if seen is None:
            return False
        text = str(seen).lower()
        if any(marker in text for marker in _UNREACHABLE):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


def _is_cancelled(err: BaseException) -> bool:
    """Whether ``err`` is PostgreSQL's "canceling statement due to user request"
    (SQLSTATE 57014): the ADBC driver cancels its statement on Ctrl-C and raises
    this instead of the KeyboardInterrupt (a statement timeout, also 57014, says
    "due to statement timeout")."""
    return "canceling statement due to user request" in str(err).lower()


def _lock_message(url: DatabaseURL, lock_timeout_s: float, what: str) -> str:
    where = url.adbc if url.dialect == "sqlite" else "the PostgreSQL database"
    return (
        f"{what}: another avert command (a load or a classification) held {where} "
        f"for more than {lock_timeout_s:g} s (setting lock_timeout_s, "
        "AVERT_LOCK_TIMEOUT_S). Nothing was written by this command; run it again "
        "when the other one has finished, or raise the timeout."
    )


def _to_sql_value(value: object, dialect: Dialect) -> object:
    if dialect == "sqlite":
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
    return value


def _cast_to_spec(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Cast a frame read from the database back to the canonical dtypes."""
    return _cast_to_schema(frame, spec.schema)


def _cast_to_schema(frame: pl.DataFrame, schema: Schema) -> pl.DataFrame:
    """Cast each column of ``frame`` to its dtype in ``schema`` (others untouched).

    SQLite keeps datetimes and dates as ISO text (parsed here); every other
    difference is a plain cast, strict: a value that does not fit its canonical type
    is an error, never a silent null.
    """
    exprs = []
    for name in frame.columns:
        dtype = schema.get(name)
        if dtype is None:
            continue
        src = frame.schema[name]
        col = pl.col(name)
        if src == dtype:
            continue
        if isinstance(dtype, pl.Datetime) and src == pl.String:
            exprs.append(
                col.str.to_datetime(_SQLITE_DT_FORMAT, strict=False).cast(dtype)
            )
        elif dtype == pl.Date and src == pl.String:
            exprs.append(col.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False))
        else:
            exprs.append(col.cast(dtype, strict=True))
    return frame.with_columns(exprs) if exprs else frame


def _sqlite_literal(dtype: pl.DataType) -> str:
    """A SQL literal whose SQLite storage class is the one ``dtype`` is stored in."""
    if dtype.is_float():
        return "0.0"
    if dtype.is_integer() or dtype == pl.Boolean:
        return "0"
    if dtype == pl.Binary:
        return "X''"
    return "''"  # text, and SQLite's ISO text for dates and datetimes


def _fetch(
    conn: Any, dialect: Dialect, sql: str, params: Sequence[object], schema: Schema
) -> pl.DataFrame:
    """Run ``sql`` (placeholders already in the dialect's form) into a typed frame.

    The frame has exactly the columns of ``schema``, in its dtypes; the query must
    return those columns, in that order, or :class:`StoreError` is raised.

    The ADBC SQLite driver infers each column's Arrow type from the first batch of
    rows (1,024) and fails on a later value of another storage class: a column that
    is NULL in every early row is typed INT64, and text further down then raises
    "Type mismatch in column N". So on SQLite the query runs behind one first row of
    typed literals (``''`` for text, ``0`` for integers, ``0.0`` for reals, from
    ``schema``), which fixes every column's type before any stored row is read; that
    row is dropped. SQLite outputs a ``UNION ALL`` arm by arm, and the inner query's
    ``ORDER BY`` is kept (it is neither overridden nor part of a join).
    PostgreSQL types its results from the declared column types.
    """
    names = list(schema)
    sql = sql.strip().rstrip(";")
    with conn.cursor() as cur:
        if dialect == "sqlite":
            # the result's names (LIMIT 0 reads no rows, an aggregate included)
            cur.execute(f"SELECT * FROM ({sql}) LIMIT 0", list(params))
            got = cur.fetch_arrow_table().column_names
            _check_names(got, names, sql)
            first = ", ".join(
                f'{_sqlite_literal(dtype)} AS "{name}"'
                for name, dtype in schema.items()
            )
            cur.execute(f"SELECT {first} UNION ALL SELECT * FROM ({sql})", list(params))
            arrow = cur.fetch_arrow_table().slice(1)
        else:
            cur.execute(sql, list(params))
            arrow = cur.fetch_arrow_table()
            _check_names(arrow.column_names, names, sql)
    if arrow.num_rows == 0:
        return pl.DataFrame(schema=schema)
    frame = pl.from_arrow(arrow)
    assert isinstance(frame, pl.DataFrame)
    return _cast_to_schema(frame, schema)


def _check_names(got: Sequence[str], names: Sequence[str], sql: str) -> None:
    if list(got) != list(names):
        msg = (
            f"Query returns columns {list(got)}, its schema names {list(names)}: {sql}"
        )
        raise StoreError(msg)


def conform(frame: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Return ``frame`` with exactly the table's columns, in order, in canonical types.

    Missing columns are added as nulls; extra columns are dropped.
    """
    cols = []
    for name, dtype in spec.schema.items():
        if name in frame.columns:
            cols.append(pl.col(name).cast(dtype, strict=True))
        else:
            cols.append(pl.lit(None, dtype=dtype).alias(name))
    return frame.select(cols)


@contextmanager
def _interrupts() -> Iterator[None]:
    """Chain a KeyboardInterrupt to a statement PostgreSQL cancelled on Ctrl-C.

    SQLite's driver raises its error from the KeyboardInterrupt; PostgreSQL's drops
    it: chained, both read as an interruption to the command line (exit 130, one
    line), not as a failure with a traceback.
    """
    try:
        yield
    except Exception as err:
        if _is_cancelled(err) and not isinstance(err.__cause__, KeyboardInterrupt):
            raise err from KeyboardInterrupt()
        raise


class Transaction:
    """A unit of work on one ADBC connection; use through :meth:`Store.transaction`.

    It notes which canonical tables it wrote (:meth:`append_arrow`, and
    :meth:`_execute` of an INSERT, UPDATE or DELETE); when one of them holds
    analysed data (not in :data:`QUIET_TABLES`) the store raises its data
    generation in this transaction before it commits. Code that writes through the
    connection itself says so with :meth:`note_write`.
    """

    def __init__(self, conn: Any, dialect: Dialect) -> None:
        self._conn = conn
        self.dialect: Dialect = dialect
        #: canonical tables this transaction wrote
        self.written: set[str] = set()

    def note_write(self, table: str) -> None:
        """Note a write to ``table`` made through the connection itself."""
        if table in TABLES:
            self.written.add(table)

    def changes_data(self) -> bool:
        """Whether this transaction wrote analysed data (a table not quiet)."""
        return bool(self.written - QUIET_TABLES)

    def append(self, table: str, frame: pl.DataFrame) -> int:
        """Append rows of ``frame`` (conformed to the table's schema); return the count."""
        if frame.height == 0:
            return 0
        return self.append_arrow(table, self.arrow_for(table, frame))

    def arrow_for(self, table: str, frame: pl.DataFrame) -> pa.Table:
        """The rows of ``frame`` as the Arrow batch :meth:`append_arrow` writes.

        Pure (no database access), so a loader can prepare the next batch in
        another thread while the database writes this one.
        """
        spec = TABLES[table]
        conformed = conform(frame, spec)
        if self.dialect == "sqlite":
            # A column left out of the INSERT is NULL (no table has defaults), so
            # all-null columns are not bound at all (~10 % faster for police.uk rows).
            conformed = _times_as_sqlite_text(
                conformed.select(
                    c
                    for c in conformed.columns
                    if c in spec.primary_key
                    or conformed[c].null_count() < conformed.height
                )
            )
        return conformed.to_arrow()

    def append_arrow(self, table: str, data: pa.Table) -> int:
        """Append a batch made by :meth:`arrow_for`; return its row count."""
        if data.num_rows == 0:
            return 0
        self.note_write(table)
        with self._conn.cursor() as cur:
            cur.adbc_ingest(table, data, mode="append")
        return int(data.num_rows)

    def existing(
        self, table: str, keys: pl.DataFrame, columns: Sequence[str] | None = None
    ) -> pl.DataFrame:
        """Return the stored rows of ``table`` whose primary key is in ``keys``.

        ``keys`` holds the primary-key columns of the table. The keys travel as one
        Arrow batch into a temporary table, so this is a set operation, not a loop.
        ``columns`` (default: all, in the table's order) are the columns returned:
        a caller that needs the keys, or a few columns, of a million stored rows
        does not hold the others.
        """
        spec = TABLES[table]
        pk = list(spec.primary_key)
        names = list(spec.names) if columns is None else list(columns)
        schema = {c: spec.schema[c] for c in names}
        if keys.height == 0:
            return pl.DataFrame(schema=schema)
        temp = f"_keys_{uuid.uuid4().hex[:12]}"
        data = keys.select(pk).unique().to_arrow()
        with self._conn.cursor() as cur:
            cur.adbc_ingest(temp, data, mode="create", temporary=True)
            on = " AND ".join(f't."{c}" = k."{c}"' for c in pk)
            cols = ", ".join(f't."{c}"' for c in names)
        found = _fetch(
            self._conn,
            self.dialect,
            f'SELECT {cols} FROM "{table}" t JOIN "{temp}" k ON {on}',
            (),
            schema,
        )
        self._execute(f'DROP TABLE "{temp}"')
        return found

    @contextmanager
    def deferred_indexes(self, table: str) -> Iterator[None]:
        """Drop the secondary indexes of ``table`` for the block; recreate them after.

        For bulk appends: maintaining secondary B-trees row by row costs more than
        building them once from the finished table (one sort per index). The indexes
        are dropped and recreated inside this transaction (DDL is transactional in
        SQLite and PostgreSQL), so an error or a kill leaves them as before; they are
        rebuilt from the SQLAlchemy models (:mod:`avert.store.tables`), with exactly
        the names and columns of the migrations. When the block raises, nothing is
        recreated: the transaction is rolled back anyway.

        On PostgreSQL only the table's owner may drop its indexes: under a narrower
        role (docs/postgresql.md, "Harden it") they are kept and maintained row by
        row (slower), rather than the load stopping with "must be owner of index".
        """
        from avert.store.tables import table_for

        if self.dialect == "postgresql" and not self._owns(table):
            yield
            return
        import sqlalchemy as sa

        indexes = sorted(table_for(table).indexes, key=lambda ix: str(ix.name))
        dialect = _sqlalchemy_dialect(self.dialect)
        for index in indexes:
            # compiled, so a name too long for PostgreSQL is shortened as when
            # it was created (0028's places index)
            drop = sa.schema.DropIndex(index, if_exists=True)
            self._execute(str(drop.compile(dialect=dialect)))
        yield
        for index in indexes:
            self._execute(str(sa.schema.CreateIndex(index).compile(dialect=dialect)))

    def _owns(self, table: str) -> bool:
        """Whether this connection's role owns ``table`` (PostgreSQL), directly or
        through a role it belongs to."""
        found = self._query(
            "SELECT CAST(pg_has_role(current_user, tableowner, 'USAGE') AS INTEGER)"
            " AS owns FROM pg_tables"
            " WHERE schemaname = current_schema() AND tablename = ?",
            [table],
            schema={"owns": pl.Int64()},
        )
        return bool(found.height and found["owns"][0])

    def serialise(self, key: int) -> None:
        """Wait until no other transaction holding ``key`` runs, and hold it to the end.

        For a check that must see every earlier writer's commit and keep later
        writers out until this one commits (look, then write). SQLite: nothing to
        do, the transaction began with the database's write lock (``BEGIN
        IMMEDIATE``); PostgreSQL: a transaction-level advisory lock on ``key``.
        """
        if self.dialect == "postgresql":
            with self._conn.cursor() as cur:
                cur.execute(f"SELECT pg_advisory_xact_lock({int(key)})")
                cur.fetchall()

    def _execute(self, sql: str, params: Sequence[object] = ()) -> None:
        """Run one statement (placeholders: ``?``; translated for PostgreSQL); an
        INSERT, UPDATE or DELETE notes the table it writes."""
        written = _WRITTEN_TABLE.match(sql)
        if written:
            self.note_write(written.group(1))
        with self._conn.cursor() as cur:
            cur.execute(_placeholders(sql, self.dialect), list(params))

    def _query(
        self, sql: str, params: Sequence[object] = (), *, schema: Schema
    ) -> pl.DataFrame:
        """Run a query inside the transaction; a frame typed by ``schema``.

        ``schema`` names the result's columns in order with their dtypes (see
        :meth:`Store._query`).
        """
        return _fetch(
            self._conn, self.dialect, _placeholders(sql, self.dialect), params, schema
        )


def _raise_generation(conn: Any) -> None:
    """Raise the data generation by one (inside the caller's transaction).

    Run last, just before the commit: on PostgreSQL the row's lock is held from
    here to the commit only, so writers queue on it for a moment, not for a load.
    """
    with conn.cursor() as cur:
        cur.execute(_RAISE_GENERATION)


def _sqlite_exec(conn: Any, sql: str) -> None:
    with conn.cursor() as cur:
        cur.execute(sql)


def _sqlalchemy_dialect(dialect: Dialect) -> sa.engine.Dialect:
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.dialect()  # type: ignore[no-untyped-call, unused-ignore]
    from sqlalchemy.dialects import postgresql

    return postgresql.dialect()  # type: ignore[no-untyped-call,no-any-return, unused-ignore]


def _times_as_sqlite_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Format naive microsecond datetimes and dates as the text ADBC would store.

    The ADBC SQLite driver stores them as ISO text (``YYYY-MM-DDTHH:MM:SS.ffffff``,
    ``YYYY-MM-DD``) but formats each value in its bind loop, at about 1 us a value;
    Polars formats a whole column at once, and the stored text is the same byte for
    byte (checked for every year 1-9999 in ``tests/ingest/test_parts.py``).
    """
    exprs = [
        pl.col(name).dt.strftime("%Y-%m-%dT%H:%M:%S%.6f")
        if dtype == pl.Datetime("us")
        else pl.col(name).dt.strftime("%Y-%m-%d")
        for name, dtype in frame.schema.items()
        if dtype in (pl.Datetime("us"), pl.Date())
    ]
    return frame.with_columns(exprs) if exprs else frame


def _placeholders(sql: str, dialect: Dialect) -> str:
    if dialect == "sqlite":
        return sql
    counter = iter(range(1, 10_000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


class Store:
    """One avert database.

    Parameters
    ----------
    url
        ``sqlite:///PATH``, a plain file path, or ``postgresql://...``.
    lock_timeout_s
        How long a command waits for a lock another command holds (a load, a
        classification) before it fails with :class:`StoreError` (settings
        ``lock_timeout_s``). Writers on SQLite take the write lock when their
        transaction begins (``BEGIN IMMEDIATE``), so they wait for each other there
        rather than fail midway; loads on PostgreSQL wait for each other on an
        advisory lock.
    timezone
        The force's zone (settings ``timezone``): stored times are its wall-clock
        times, and so are the store's own stamps (the audit log's ``at``, a load's
        ``loaded_at``, ``created_at`` and ``updated_at`` of accounts and the plan)
        and "now" of the workflows that have only the store
        (:func:`avert.config.timezone.local_now`).
    pool_size, max_overflow, pool_timeout_s
        PostgreSQL: idle connections kept for reuse, connections opened beyond
        them at busy times, and seconds a read or transaction waits when all are
        in use before it fails with :class:`~avert.errors.StoreBusy` (settings
        ``db_pool_size``, ``db_max_overflow``, ``db_pool_timeout_s``). Reads,
        transactions and the SQLAlchemy engine (schema work) each have such a
        pool, so a process opens at most ``3 * (pool_size + max_overflow)``
        connections (the engine's rarely more than one). Not used by SQLite.

    Examples
    --------
    >>> store = Store("sqlite:///avert.db")  # doctest: +SKIP
    >>> store.upgrade()  # doctest: +SKIP
    >>> with store.transaction() as tx:  # doctest: +SKIP
    ...     tx.append("incidents", frame)
    """

    def __init__(
        self,
        url: str,
        *,
        lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
        timezone: str = DEFAULT_TIMEZONE,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_overflow: int = DEFAULT_MAX_OVERFLOW,
        pool_timeout_s: float = DEFAULT_POOL_TIMEOUT_S,
    ) -> None:
        self.url = normalise_url(url)
        self.lock_timeout_s = lock_timeout_s
        self.timezone = timezone
        self._engine: sa.Engine | None = None
        #: (idle kept, opened beyond them, seconds waited) of each pool
        self.pool_limits = (pool_size, max_overflow, pool_timeout_s)
        #: PostgreSQL: the process's one ADBC database for this URL, shared with
        #: its other stores (opened by the first connection, given back by close())
        self._database = SharedDatabase(self.url.adbc)
        connect = partial(
            _adbc_connect,
            self.url,
            lock_timeout_s=lock_timeout_s,
            database=self._database,
        )
        #: PostgreSQL reads and transactions reuse idle connections (SQLite opens
        #: one each time), a bounded number at once
        self._reads = ConnectionPool(
            partial(connect, autocommit=True),
            size=pool_size,
            overflow=max_overflow,
            timeout_s=pool_timeout_s,
            what="read connections",
        )
        self._writes = ConnectionPool(
            connect,
            size=pool_size,
            overflow=max_overflow,
            timeout_s=pool_timeout_s,
            what="write connections",
        )
        # a store dropped without close() still closes its idle connections and
        # gives its database back
        weakref.finalize(self, self._reads.close)
        weakref.finalize(self, self._writes.close)
        weakref.finalize(self, self._database.close)

    @property
    def dialect(self) -> Dialect:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.url.dialect

    @property
    def engine(self) -> sa.Engine:
        """The SQLAlchemy engine (schema work and small queries)."""
        import sqlalchemy as sa

        if self._engine is None:
            if self.dialect == "sqlite":
                # No pooled sqlite3 connection may outlive its use: Python's sqlite3
                # and ADBC's SQLite are two SQLite libraries in one process, and one
                # closing a file drops the other's POSIX locks (a known way to
                # corrupt a WAL database). NullPool closes each connection at once.
                self._engine = sa.create_engine(
                    self.url.sqlalchemy,
                    poolclass=sa.pool.NullPool,
                    connect_args={"timeout": self.lock_timeout_s},
                )
            else:
                size, overflow, timeout_s = self.pool_limits
                self._engine = sa.create_engine(
                    self.url.sqlalchemy,
                    pool_size=size,
                    max_overflow=overflow,
                    pool_timeout=timeout_s,
                )
        return self._engine

    def local_files(self) -> list[str]:
        """The files of a SQLite database (with its journals); none for PostgreSQL."""
        if self.dialect != "sqlite":
            return []
        base = self.url.adbc
        return [f"{base}{suffix}" for suffix in ("", "-wal", "-shm", "-journal")]

    def close(self) -> None:
        """Release pooled connections, the shared ADBC database (closed when no
        other store of the process uses it) and the SQLAlchemy engine."""
        self._reads.close()
        self._writes.close()
        self._database.close()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # --- schema -----------------------------------------------------------------
    def upgrade(self, revision: str = "head") -> None:
        """Create or migrate the schema to ``revision`` (Alembic) and set SQLite WAL."""
        from avert.store.migrate import upgrade

        if self.dialect == "sqlite":
            # The database holds personal data: a new file (and the -wal, -shm and
            # -journal files SQLite gives its mode) and new folders are private.
            private_mkdir(Path(self.url.adbc).parent)
            with private_files(), self.engine.connect() as conn:
                # Only a new, empty database takes a page size (no effect later).
                conn.exec_driver_sql(f"PRAGMA page_size = {SQLITE_PAGE_BYTES}")
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        upgrade(self.engine, revision)

    def revision(self) -> str | None:
        """The schema revision the database is at (None when never initialised).

        A SQLite file that does not exist yet is not created here (connecting would
        make it with the process umask, readable by others): :meth:`upgrade` makes
        it private.
        """
        from avert.store.migrate import postgresql_revision, sqlite_revision

        if self.dialect == "sqlite":
            if not Path(self.url.adbc).exists():
                return None
            return sqlite_revision(self)
        return postgresql_revision(self)

    def check(self) -> None:
        """Raise :class:`StoreError` unless the schema is at the newest revision."""
        from avert.store.migrate import head_revision, refuse_unknown_revision

        if self.dialect == "sqlite" and not Path(self.url.adbc).exists():
            msg = (
                f"No database at {self.url.adbc}. Run 'avert db init' first "
                "(or pass --db / set AVERT_DATABASE_URL)."
            )
            raise StoreError(msg)
        current, head = self.revision(), head_revision()
        if current != head:
            refuse_unknown_revision(current)
            msg = (
                f"The database is at schema revision {current!r}, this avert needs "
                f"{head!r}. Run 'avert db upgrade'."
            )
            raise StoreError(msg)

    # --- data -------------------------------------------------------------------
    @contextmanager
    def transaction(self, *, bulk: bool = False) -> Iterator[Transaction]:
        """One transaction: commit when the block ends, roll back on any error.

        Parameters
        ----------
        bulk
            For loads that append many rows to SQLite: run the transaction in
            SQLite's rollback-journal mode instead of WAL, then return to WAL. In
            WAL mode every new page is written twice (to the WAL, then copied into
            the database by the checkpoint after commit); a rollback journal only
            saves pages that existed before the transaction, so appended pages are
            written once (a 6 M-row load: commit and checkpoint 17 s -> 2 s,
            ``benchmarks/ingest_policeuk.py``). A kill mid-load leaves a hot
            journal that SQLite rolls back when the database is next opened, so the
            load stays all or nothing. Readers wait while the load writes. When
            another connection has the database open the mode cannot change and
            the load runs in WAL as usual. No effect on PostgreSQL.
        """
        sqlite = self.dialect == "sqlite"
        # a load switches WAL -> rollback journal only when no one else has the
        # database open (first back to WAL: a mode left by a killed load)
        journal = bulk and sqlite and self._journal_mode("wal", "delete", wait=False)
        failed = False
        try:
            with self._write_connection() as conn:
                try:
                    with self._lock_errors("The database is busy"), _interrupts():
                        self._begin(conn, bulk=bulk)
                        tx = Transaction(conn, self.dialect)
                        yield tx
                        if tx.changes_data():
                            _raise_generation(conn)
                        if sqlite:
                            _sqlite_exec(conn, "COMMIT")
                        else:
                            conn.commit()
                except BaseException:
                    failed = True
                    self._rollback(conn)
                    raise
        finally:
            if journal and not self._journal_mode("wal", wait=True) and not failed:
                msg = (
                    f"The load committed, but {self.url.adbc} stays in rollback-"
                    f"journal mode: other commands held it for more than "
                    f"{self.lock_timeout_s:g} s afterwards. The next load returns it "
                    "to WAL mode."
                )
                raise StoreError(msg)

    @contextmanager
    def _write_connection(self) -> Iterator[Any]:
        """The connection of one transaction: on SQLite a new one in the driver's
        autocommit mode (the transaction is begun and ended by hand, closed after);
        on PostgreSQL an idle one from the pool, checked alive first (kept after a
        clean end, closed after an error)."""
        if self.dialect == "postgresql":
            with ExitStack() as stack:
                with self._lock_errors("The database is busy"):
                    conn = stack.enter_context(self._writes.lease(_pg_ping))
                yield conn
            return
        with self._lock_errors("The database is busy"):
            conn = _adbc_connect(
                self.url, lock_timeout_s=self.lock_timeout_s, autocommit=True
            )
        try:
            yield conn
        finally:
            conn.close()

    def _begin(self, conn: Any, *, bulk: bool) -> None:
        """Start a write transaction, waiting (up to the timeout) for other writers.

        SQLite: ``BEGIN IMMEDIATE`` takes the write lock now, while the connection
        holds nothing, so the busy timeout applies. A deferred transaction that read
        first and then wrote (e.g. dropped indexes for a bulk load) would be refused
        at once with "database is locked", as two overlapping loads were. PostgreSQL:
        loads wait for each other on one advisory lock (two loads of the same keys
        would otherwise fail on the primary key of whichever commits second).
        """
        if self.dialect == "sqlite":
            _sqlite_exec(conn, "BEGIN IMMEDIATE")
        elif bulk:
            with conn.cursor() as cur:
                cur.execute(f"SELECT pg_advisory_xact_lock({_PG_LOAD_LOCK})")
                cur.fetchall()

    def _rollback(self, conn: Any) -> None:
        """Roll back; a transaction that never began has nothing to undo."""
        try:
            if self.dialect == "sqlite":
                _sqlite_exec(conn, "ROLLBACK")
            else:
                conn.rollback()
        except Exception:  # "no transaction is active": nothing to undo
            return

    @contextmanager
    def _lock_errors(self, what: str) -> Iterator[None]:
        """Turn a lock wait that ran out into a :class:`StoreError` saying so, and a
        server that cannot be reached into :class:`StoreUnavailable` (one line)."""
        try:
            yield
        except StoreError:
            raise
        except Exception as err:
            if _is_lock_error(err):
                raise StoreError(
                    _lock_message(self.url, self.lock_timeout_s, what)
                ) from err
            if _is_unreachable(err):
                lines = [line.strip() for line in str(err).splitlines() if line.strip()]
                reason = lines[0] if lines else type(err).__name__
                msg = f"{what}: the database server cannot be reached ({reason})."
                raise StoreUnavailable(msg) from err
            raise

    def _journal_mode(self, *modes: Literal["delete", "wal"], wait: bool) -> bool:
        """Set SQLite's journal mode to each of ``modes`` in turn, on one
        connection (one open of the file: a connection costs more than the
        pragma); False, and the later modes not tried, when another connection
        prevents one.

        ``wait``: up to the lock timeout for other connections to let go (to return
        to WAL after a load); else give up at once (a load then keeps WAL).

        SQLite's busy timeout does not cover the change: while another connection
        holds a write transaction (a second load that waited for this one and began
        as it committed), ``PRAGMA journal_mode`` answers the old mode at once
        without calling the busy handler. So a waiting change is tried again every
        50 ms until the lock timeout, as the busy handler would.
        """
        import adbc_driver_sqlite.dbapi as sqlite_dbapi

        deadline = time.monotonic() + (self.lock_timeout_s if wait else 0.0)
        conn = sqlite_dbapi.connect(self.url.adbc, autocommit=True)
        busy_ms = int(self.lock_timeout_s * 1000) if wait else 0
        try:
            with conn.cursor() as cur:
                cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
                for mode in modes:
                    while not _set_journal_mode(cur, mode, sqlite_dbapi.Error):
                        if time.monotonic() >= deadline:
                            return False
                        time.sleep(0.05)
        finally:
            conn.close()
        return True

    def read_frame(
        self,
        table: str,
        *,
        columns: Sequence[str] | None = None,
        where: Sequence[Filter] = (),
        order_by: Sequence[str] = (),
    ) -> pl.DataFrame:
        """Read a canonical table (optionally filtered) as a frame in canonical types.

        Rows come in ``order_by`` order, else in the table's default order (its
        primary key, text bytewise; the audit log's chain, ``seq``):
        never in the order the database happens to keep them. SQLite returns a
        table's rows in insertion order and PostgreSQL in its heap's, which updates
        and index rebuilds reshuffle; a float summed over a frame in one order or
        the other differs in its last digit (a performance chart's harm,
        842.2142921278057 on SQLite and ...056 on PostgreSQL, before 2026-12), and
        a tie kept in first-come order differs altogether. The key is sorted in
        Polars when the frame holds it (cheaper than the database's sort), else by
        the query.
        """
        if table not in TABLES:
            msg = f"No table {table!r}; tables are {sorted(TABLES)}"
            raise NotFound(msg)
        spec = TABLES[table]
        names = list(columns) if columns is not None else spec.names
        unknown = [c for c in names if c not in spec.schema]
        if unknown:
            msg = f"{table} has no columns {unknown}"
            raise NotFound(msg)
        key = list(spec.default_order)
        sort_here = not order_by and all(c in names for c in key)
        sql_order = order_by or ([] if sort_here else key)
        sql, params = self._select_sql(table, names, where, sql_order)
        frame = self._read(sql, params, {c: spec.schema[c] for c in names})
        return frame.sort(key) if sort_here else frame

    def _select_sql(
        self,
        table: str,
        names: Sequence[str],
        where: Sequence[Filter],
        order_by: Sequence[str],
    ) -> tuple[str, list[object]]:
        spec = TABLES[table]
        clauses: list[str] = []
        params: list[object] = []
        for column, op, value in where:
            if column not in spec.schema or op not in _OPS:
                msg = f"Bad filter ({column!r}, {op!r}) on {table}"
                raise StoreError(msg)
            if op in ("is null", "is not null"):
                clauses.append(f'"{column}" {op.upper()}')
            elif op == "in":
                values = list(value)  # type: ignore[call-overload]
                if not values:
                    clauses.append("1 = 0")
                    continue
                if len(values) > _JSON_IN_MIN and all(
                    isinstance(v, str) for v in values
                ):
                    # Many string keys travel as one JSON parameter: binding
                    # thousands of separate parameters is slow in ADBC (briefing).
                    clauses.append(f'"{column}" IN ({_JSON_IN[self.dialect]})')
                    params.append(json.dumps(values))
                    continue
                marks = ", ".join("?" for _ in values)
                clauses.append(f'"{column}" IN ({marks})')
                params.extend(_to_sql_value(v, self.dialect) for v in values)
            else:
                clauses.append(f'"{column}" {op} ?')
                params.append(_to_sql_value(value, self.dialect))
        cols = ", ".join(f'"{c}"' for c in names)
        sql = f'SELECT {cols} FROM "{table}"'
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        if order_by:
            sql += " ORDER BY " + ", ".join(
                f'"{c}"'
                + (BYTEWISE[self.dialect] if spec.schema.get(c) == pl.String else "")
                + NULLS_FIRST[self.dialect]
                for c in order_by
            )
        return _placeholders(sql, self.dialect), params

    def _query(
        self, sql: str, params: Sequence[object] = (), *, schema: Schema
    ) -> pl.DataFrame:
        """Run a read-only query (placeholders ``?``) into a frame typed by ``schema``.

        ``schema`` names every column the query returns, in order, with its Polars
        dtype (take them from :mod:`avert.schema` where a column is a table's); the
        result never depends on which rows come first (:class:`StoreError` when the
        query's columns differ from the schema's names).
        """
        return self._read(_placeholders(sql, self.dialect), params, schema)

    def _read(self, sql: str, params: Sequence[object], schema: Schema) -> pl.DataFrame:
        """Run a read-only query already in the dialect's placeholders on a connection
        of its own (closed after; on PostgreSQL an idle one, kept for the next read:
        :class:`~avert.store._pool.ConnectionPool`), into a frame typed by ``schema``."""
        if self.dialect == "postgresql":
            with self._lock_errors("Could not read the database"):
                return self._reads.run(
                    lambda conn: _fetch(conn, self.dialect, sql, params, schema)
                )
        with self._lock_errors("Could not read the database"):
            conn = _adbc_connect(self.url, lock_timeout_s=self.lock_timeout_s)
        try:
            with self._lock_errors("Could not read the database"):
                return _fetch(conn, self.dialect, sql, params, schema)
        finally:
            conn.close()

    def pragma(self, name: str) -> str:
        """The value of a SQLite ``PRAGMA`` (e.g. ``journal_mode``), as text."""
        if self.dialect != "sqlite" or not re.fullmatch(r"[a-z_]+", name):
            msg = f"No SQLite pragma {name!r} on this {self.dialect} store"
            raise StoreError(msg)
        conn = _adbc_connect(self.url, lock_timeout_s=self.lock_timeout_s)
        try:
            with conn.cursor() as cur:
                cur.execute(f"PRAGMA {name}")
                row = cur.fetchone()
        finally:
            conn.close()
        return "" if row is None else str(row[0])

    def load_driver(self) -> None:
        """Import this store's ADBC driver (``adbc_driver_sqlite`` or
        ``adbc_driver_postgresql``), connecting to nothing.

        The import is a process's first read's cost: ADBC's DB-API module imports
        ``pyarrow.dataset``, which imports pandas (0.3 s of CPU on an idle machine,
        over a second on a loaded one). The web app pays it when it is built
        (:func:`avert.web.app.create_app`), so the first page a user opens, a
        sign-in, does not.
        """
        if self.dialect == "sqlite":
            import adbc_driver_sqlite.dbapi  # noqa: F401
        else:
            import adbc_driver_postgresql.dbapi  # noqa: F401

    def generation(self) -> int:
        """The data generation: a number raised by every committed transaction that
        wrote analysed data (a load, a replace-only load, a classification, a
        population load, a tasking or plan edit; not audit rows, sign-ins,
        sessions or throttle counts, :data:`QUIET_TABLES`).

        The web's caches key their results with it, so a change shows on the next
        request in every worker process. One primary-key read of a one-row table
        (a ``COUNT(*)`` of ``loads`` or ``classifications`` reads the whole table).
        """
        frame = self._query(_READ_GENERATION, schema={"generation": pl.Int64()})
        return int(frame["generation"][0]) if frame.height else 0

    def count(self, table: str) -> int:
        """Number of rows in a canonical table."""
        if table not in TABLES:
            msg = f"No table {table!r}"
            raise NotFound(msg)
        frame = self._query(
            f'SELECT COUNT(*) AS n FROM "{table}"', schema={"n": pl.Int64()}
        )
        return int(frame["n"][0])

    def counts(self) -> dict[str, int]:
        """Row count of every canonical table, in one query on one connection (a
        connection a table cost about 3 s on PostgreSQL, where each connects anew)."""
        columns = ", ".join(
            f'(SELECT COUNT(*) FROM "{name}") AS "{name}"' for name in TABLES
        )
        frame = self._query(
            f"SELECT {columns}", schema={name: pl.Int64() for name in TABLES}
        )
        return {name: int(frame[name][0]) for name in TABLES}

    def replace_rows(
        self, table: str, frame: pl.DataFrame, *, where: Sequence[Filter]
    ) -> int:
        """Delete rows matching ``where`` and append ``frame``, in one transaction."""
        spec = TABLES[table]
        sql, params = self._select_sql(table, list(spec.primary_key), where, ())
        delete_sql = sql.replace(
            f"SELECT {', '.join(chr(34) + c + chr(34) for c in spec.primary_key)}",
            "DELETE",
            1,
        )
        with self.transaction() as tx:
            tx.note_write(table)
            with tx._conn.cursor() as cur:
                cur.execute(delete_sql, params)
            return tx.append(table, frame)


def _set_journal_mode(cur: Any, mode: str, error: type[Exception]) -> bool:
    """Whether ``PRAGMA journal_mode = mode`` took on SQLite cursor ``cur`` (it
    answers the mode in force: the old one when another connection prevents the
    change; ``error``, the driver's, when the database is locked)."""
    try:
        cur.execute(f"PRAGMA journal_mode = {mode}")
        row = cur.fetchone()
    except error:  # "database is locked": others have it open
        return False
    return row is not None and str(row[0]).lower() == mode
