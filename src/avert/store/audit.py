"""The append-only audit log: who saw or exported what, when, and why; hash-chained.

DESIGN.md: every view of a person and every export is in the audit log. Writers call
:func:`record`; nothing updates or deletes audit rows.

The log is tamper-evident (docs/audit.md). Each row carries ``seq`` (1, 2, 3, ...),
``prev_hash`` (the ``row_hash`` of row ``seq - 1``; 64 zeros for the first row) and
``row_hash``: the SHA-256 of the row's canonical text (:func:`canonical_text`), which
holds every column and ``prev_hash``. Appends are serialised (SQLite: the write lock
is taken before the last row is read; PostgreSQL: a transaction advisory lock), and a
unique ``seq`` makes a forked chain impossible. :func:`verify` recomputes the chain
and reports every gap, edited row, deleted row, inserted row and reordering.

What the chain proves: that rows were not edited, deleted, inserted or reordered
after they were written *by someone who did not then recompute every later hash*.
Anyone who can write to the database and reads this module can rebuild the chain from
an edit onwards, so the head (``seq`` and ``row_hash`` of the last row, printed by
``avert audit verify``) must be noted outside the database from time to time;
:func:`verify` with ``head=`` proves the log still holds that row unchanged. It does
not prove who ran a command: the CLI user is the operating-system login, which the
person at the keyboard controls.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import os
import threading
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from avert.config.timezone import local_now
from avert.errors import StoreError
from avert.schema import AUDIT
from avert.store.database import Filter, Store, Transaction

__all__ = [
    "CHAIN_FIELDS",
    "GENESIS_HASH",
    "LATEST_BY_USER_SQL",
    "Problem",
    "Verification",
    "append_in",
    "append_lock",
    "canonical_text",
    "canonical_texts",
    "current_user",
    "describe",
    "latest_by_user",
    "parse_head",
    "people_digest",
    "read",
    "record",
    "record_all",
    "row_hash",
    "verify",
    "verify_rows",
]

#: ``prev_hash`` of the first row.
GENESIS_HASH: Final = "0" * 64
#: Version line that starts every canonical text.
_VERSION: Final = "avert-audit-v1\n"
#: The columns a row hash covers, in this order.
CHAIN_FIELDS: Final = (
    "seq",
    "audit_id",
    "at",
    "user_name",
    "role",
    "action",
    "object",
    "reason",
    "detail",
    "prev_hash",
)
_AT_FORMAT: Final = "%Y-%m-%dT%H:%M:%S.%f"
#: PostgreSQL advisory lock key of audit appends (any fixed 64-bit number).
_PG_LOCK_KEY: Final = 0x6176_6572_7461_7564
_AT_FORMAT_POLARS: Final = "%Y-%m-%dT%H:%M:%S%.6f"


def current_user() -> str:
    """The operating-system account running avert (the CLI has no accounts).

    The account of the process's user id (from the kernel, not the environment);
    when ``LOGNAME``/``USER`` name someone else, that claim is kept beside it:
    ``alice (LOGNAME bob)``. Neither identifies the person at the keyboard
    (docs/audit.md).
    """
    try:
        claimed: str | None = getpass.getuser()
    except (KeyError, OSError):
        claimed = None
    try:
        import pwd

        account: str | None = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, OSError):  # pragma: no cover - not POSIX
        account = None
    if account is None:
        return claimed or "unknown"
    if claimed and claimed != account:
        return f"{account} (LOGNAME {claimed})"
    return account


# --- canonical text and hashes ---------------------------------------------------
def _field_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime(_AT_FORMAT)
    return str(value)


def canonical_text(row: dict[str, Any]) -> str:
    """The text a row's hash is taken over (one row; see :func:`canonical_texts`).

    ``avert-audit-v1`` on the first line, then one line per field of
    :data:`CHAIN_FIELDS`: ``name:LENGTH:value`` with the value's length in UTF-8
    bytes (so no value can pass for two), or ``name:-`` for a missing value. The
    time is ``YYYY-MM-DDTHH:MM:SS.ffffff``, ``seq`` a decimal integer.
    """
    parts = [_VERSION]
    for name in CHAIN_FIELDS:
        text = _field_text(row.get(name))
        if text is None:
            parts.append(f"{name}:-\n")
        else:
            parts.append(f"{name}:{len(text.encode('utf-8'))}:{text}\n")
    return "".join(parts)


def canonical_texts(frame: pl.DataFrame) -> pl.Series:
    """:func:`canonical_text` of every row of an audit frame, built column-wise."""
    exprs: list[pl.Expr] = [pl.lit(_VERSION)]
    for name in CHAIN_FIELDS:
        dtype = frame.schema[name]
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            text = col.dt.strftime(_AT_FORMAT_POLARS)
        else:
            text = col.cast(pl.String)
        exprs.append(
            pl.when(col.is_null())
            .then(pl.lit(f"{name}:-\n"))
            .otherwise(
                pl.concat_str(
                    pl.lit(f"{name}:"),
                    text.str.len_bytes().cast(pl.String),
                    pl.lit(":"),
                    text,
                    pl.lit("\n"),
                )
            )
        )
    return frame.select(pl.concat_str(exprs).alias("canonical")).to_series()


def row_hash(text: str) -> str:
    """SHA-256 (hex) of a canonical text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- describing what was shown ------------------------------------------------------
def people_digest(ids: Iterable[str | None] | pl.Series) -> tuple[int, str]:
    """Count and SHA-256 of the distinct ids shown (sorted, one per line).

    Whoever holds the list that was shown can prove it is the one audited, without
    the audit log holding the ids themselves.
    """
    series = (
        ids if isinstance(ids, pl.Series) else pl.Series(list(ids), dtype=pl.String)
    )
    unique = series.cast(pl.String).drop_nulls().unique().sort().to_list()
    digest = hashlib.sha256("\n".join(unique).encode("utf-8")).hexdigest()
    return len(unique), digest


def describe(
    *,
    people: Iterable[str | None] | pl.Series | None = None,
    location: str | None = None,
    files: Sequence[str | Path] | None = None,
    audience: str | None = None,
    **extra: object,
) -> str:
    """The ``detail`` of an audit row: ``key=value`` pairs separated by ``; ``.

    ``people`` becomes ``people=N; people_sha256=HEX`` (:func:`people_digest`);
    ``location`` is where the output went (a path, ``stdout``); ``files``, the
    files an export writes there, ``files=N; file_names=A,B`` (their names, in
    the order written); ``audience`` who it is for; other keyword arguments are
    added as they are (None ones left out).
    """
    parts: list[str] = []
    if people is not None:
        n, digest = people_digest(people)
        parts += [f"people={n}", f"people_sha256={digest}"]
    if location is not None:
        parts.append(f"location={location}")
    if files is not None:
        names = ",".join(Path(f).name for f in files)
        parts += [f"files={len(files)}", f"file_names={names}"]
    if audience is not None:
        parts.append(f"audience={audience}")
    parts += [f"{k}={v}" for k, v in extra.items() if v is not None]
    return "; ".join(parts)


# --- writing ---------------------------------------------------------------------
def _lock(tx: Transaction) -> None:
    """Serialise appends: hold the audit write lock until this transaction ends."""
    if tx.dialect == "sqlite":
        # A write statement takes SQLite's write lock (waiting up to the busy
        # timeout) before the last row is read; it changes nothing.
        tx._execute('UPDATE "audit" SET "seq" = "seq" WHERE 0 = 1')
    else:
        # A transaction-scoped advisory lock: needs no privilege on the table, so
        # a role that may only INSERT and SELECT audit rows can append (docs/audit.md).
        tx._query(
            "SELECT CAST(pg_advisory_xact_lock(?) AS TEXT) AS locked",
            [_PG_LOCK_KEY],
            schema={"locked": pl.String()},
        )


_APPEND_LOCK: Final = threading.Lock()


def record(
    store: Store,
    *,
    action: str,
    obj: str,
    reason: str,
    role: str = "police",
    user: str | None = None,
    detail: str | None = None,
) -> str:
    """Append one chained audit row (its own transaction, so it survives a later failure).

    Parameters
    ----------
    action
        ``view``, ``export``, ...
    obj
        What was seen or exported, e.g. ``person:P0000123`` or ``briefing:2026-11-24T06:00``.
    reason
        Why (shown to the data protection officer).
    role
        The role or audience it was done under.
    user
        Who; defaults to the operating-system user.
    detail
        Output location, audience, people shown (count and digest): see :func:`describe`.

    Returns
    -------
    str
        The row's ``audit_id``.
    """
    entry = {
        "action": action,
        "obj": obj,
        "reason": reason,
        "role": role,
        "user": user,
        "detail": detail,
    }
    return record_all(store, [entry])[0]


def record_all(store: Store, entries: Sequence[Mapping[str, Any]]) -> list[str]:
    """Append one chained audit row per entry, in order, in one transaction.

    Each entry holds the arguments of :func:`record` (``action``, ``obj``,
    ``reason``, and optionally ``role``, ``user``, ``detail``). One transaction
    for a batch: a plan import of 1,000 actions audited each change in a
    transaction of its own, two thirds of its time (13 of 20 s). Returns the
    rows' ``audit_id``, in order. To append them in the transaction of the change
    they audit (both or neither stored): :func:`append_lock` and
    :func:`append_in`.
    """
    if not entries:
        return []
    with append_lock(), store.transaction() as tx:
        return append_in(tx, entries, timezone=store.timezone)


def append_lock() -> threading.Lock:
    """The lock that queues this process's audit appends, in order; hold it (before
    the transaction opens) around a transaction that calls :func:`append_in`.

    The database lock (:func:`_lock`) only orders processes. Without this one,
    threads of a web server contend for SQLite's write lock through its sleeping
    busy handler: seconds of tail latency. Taken inside a transaction that holds
    SQLite's write lock, it could wait on a thread that waits on that lock.
    """
    return _APPEND_LOCK


def append_in(
    tx: Transaction, entries: Sequence[Mapping[str, Any]], *, timezone: str
) -> list[str]:
    """:func:`record_all` in the transaction ``tx`` (the caller holds
    :func:`append_lock`): the rows are stored if and only if ``tx`` commits.

    ``timezone``: the store's (the rows' ``at``: now, there, to the second).
    """
    if not entries:
        return []
    _lock(tx)  # first: the rows' time is then no earlier than the last row's
    at = local_now(timezone).replace(microsecond=0)
    rows: list[dict[str, Any]] = [
        {
            "audit_id": uuid.uuid4().hex,
            "at": at,
            "user_name": e.get("user") or current_user(),
            "role": e.get("role", "police"),
            "action": e["action"],
            "object": e["obj"],
            "reason": e["reason"],
            "detail": e.get("detail") or None,
        }
        for e in entries
    ]
    last = tx._query(
        'SELECT "seq", "row_hash" FROM "audit" '
        'WHERE "seq" = (SELECT MAX("seq") FROM "audit")',
        schema=AUDIT.schema_of("seq", "row_hash"),
    )
    if last.height:
        seq, prev = int(last["seq"][0]), last["row_hash"][0] or GENESIS_HASH
    else:
        seq, prev = 0, GENESIS_HASH
    for row in rows:  # a chain: each row's hash holds the one before
        seq += 1
        row["seq"], row["prev_hash"] = seq, prev
        row["row_hash"] = prev = row_hash(canonical_text(row))
    tx.append("audit", pl.DataFrame(rows, schema=AUDIT.schema))
    return [str(row["audit_id"]) for row in rows]


# --- reading ---------------------------------------------------------------------
def read(
    store: Store,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user: str | None = None,
    action: str | None = None,
) -> pl.DataFrame:
    """Audit rows in chain order, filtered (``since <= at < until``, user, action)."""
    where: list[Filter] = []
    if since is not None:
        where.append(("at", ">=", since))
    if until is not None:
        where.append(("at", "<", until))
    if user is not None:
        where.append(("user_name", "=", user))
    if action is not None:
        where.append(("action", "=", action))
    return store.read_frame("audit", where=where, order_by=["seq", "at", "audit_id"])


#: Each user's latest row of one action: read from the index of (action,
#: user_name, at) alone (migration 0023), not the whole log.
LATEST_BY_USER_SQL: Final = (
    'SELECT "user_name", MAX("at") AS "at" FROM "audit" '
    'WHERE "action" = ? GROUP BY "user_name"'
)


def latest_by_user(store: Store, action: str) -> pl.DataFrame:
    """``user_name`` and ``at``: the time of each user's latest row of ``action``
    (``login``: their last sign-in), one row per user.

    One ``GROUP BY`` in the database (the log holds a row per view: never read
    whole into Python); users with no such row are absent.
    """
    return store._query(
        LATEST_BY_USER_SQL,
        [action],
        schema=AUDIT.schema_of("user_name", "at"),
    )


# --- verifying -------------------------------------------------------------------
@dataclass(frozen=True)
class Problem:
    """One thing wrong with the chain: where (``seq``), what kind, in words."""

    seq: int | None
    kind: str
    message: str


@dataclass(frozen=True)
class Verification:
    """What :func:`verify` found: rows checked, the head, and every problem."""

    rows: int
    head_seq: int | None
    head_hash: str | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is whole and unedited."""
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        """Stable JSON object (``avert audit verify --json``)."""
        return {
            "ok": self.ok,
            "rows": self.rows,
            "head": {"seq": self.head_seq, "row_hash": self.head_hash},
            "problems": [
                {"seq": p.seq, "kind": p.kind, "message": p.message}
                for p in self.problems
            ],
        }


def _problems(frame: pl.DataFrame, kind: str, text: str) -> list[Problem]:
    seqs = frame["seq"].to_list() if "seq" in frame.columns else []
    return [Problem(s, kind, text.format(seq=s)) for s in seqs]


def verify(store: Store, *, head: tuple[int, str] | None = None) -> Verification:
    """Recompute the chain and report every gap, edit, deletion, insertion, reorder.

    Parameters
    ----------
    store
        The database.
    head
        ``(seq, row_hash)`` noted from an earlier verify (kept outside the
        database): the row must still be there with that hash. This catches
        what the chain alone cannot: rows cut from the end, and a chain rebuilt
        after an edit.

    Notes
    -----
    The canonical texts are built column-wise; the SHA-256 of each is one
    :mod:`hashlib` call per row (no vectorised SHA-256 exists in Polars or Arrow),
    about a second per million rows.
    """
    return verify_rows(
        store.read_frame("audit", order_by=["seq", "at", "audit_id"]), head=head
    )


def verify_rows(
    frame: pl.DataFrame, *, head: tuple[int, str] | None = None
) -> Verification:
    """:func:`verify` over audit rows already read (e.g. from an export).

    Steps: rows with no place in the chain (:func:`_unchained_problems`), the
    chain's hashes recomputed (:func:`_checked_chain`), its seq numbering
    (:func:`_numbering_problems`: copies, a cut start, gaps), each row's own hash,
    each row's link to the one before it (:func:`_link_problems`), then the noted
    head (:func:`_check_head`); every problem, by seq.
    """
    problems = _unchained_problems(frame)
    chain = frame.filter(pl.col("seq").is_not_null()).sort("seq")
    if chain.height == 0:
        if head is not None:
            problems.append(
                Problem(head[0], "deleted", f"the noted head seq {head[0]} is gone")
            )
        return Verification(frame.height, None, None, problems)
    checked = _checked_chain(chain)
    first_seq = checked["seq"][0]  # as stored (an export's dtype), never cast
    problems += _numbering_problems(checked, first_seq)
    problems += _problems(
        checked.filter(pl.col("_hash") != pl.col("row_hash")),
        "edited",
        "seq {seq}: the row's content does not match its row_hash (edited)",
    )
    problems += _link_problems(checked, first_seq)
    last = checked.row(checked.height - 1, named=True)
    if head is not None:
        problems += _check_head(checked, head)
    problems.sort(key=lambda p: (p.seq is None, p.seq or 0, p.kind))
    return Verification(frame.height, last["seq"], last["row_hash"], problems)


def _unchained_problems(frame: pl.DataFrame) -> list[Problem]:
    """The rows without a seq, row_hash or prev_hash: no place in the chain, so
    written outside avert (:func:`append_in` always sets all three)."""
    unchained = frame.filter(
        pl.col("seq").is_null()
        | pl.col("row_hash").is_null()
        | pl.col("prev_hash").is_null()
    )
    return [
        Problem(
            None,
            "inserted",
            f"row {row['audit_id']} (at {row['at']}) has no place in the chain: "
            "written outside avert",
        )
        for row in unchained.select("audit_id", "at").iter_rows(named=True)
    ]


def _checked_chain(chain: pl.DataFrame) -> pl.DataFrame:
    """The chained rows (sorted by seq) with what the checks compare them to:
    ``_hash``, each row's SHA-256 recomputed from its canonical text
    (:func:`canonical_texts`, :func:`row_hash`); ``_prev_seq`` and
    ``_prev_row_hash``, the row before's; ``_dup``, whether its seq is repeated."""
    hashes = [row_hash(t) for t in canonical_texts(chain).to_list()]
    return chain.with_columns(
        pl.Series("_hash", hashes, dtype=pl.String),
        pl.col("seq").shift(1).alias("_prev_seq"),
        pl.col("row_hash").shift(1).alias("_prev_row_hash"),
        pl.col("seq").is_duplicated().alias("_dup"),
    )


def _numbering_problems(checked: pl.DataFrame, first_seq: int) -> list[Problem]:
    """What the seq numbers alone show (``checked``: :func:`_checked_chain`): a
    seq held by several rows (a row inserted with a copied place), a chain not
    starting at 1 and a jump in seq (rows deleted)."""
    problems = _problems(
        checked.filter(pl.col("_dup")).unique("seq", keep="first"),
        "duplicate",
        "seq {seq} appears more than once: a row was inserted with a copied place",
    )
    if first_seq != 1:
        problems.append(
            Problem(
                first_seq,
                "gap",
                f"the chain starts at seq {first_seq}: rows 1..{first_seq - 1} "
                "were deleted",
            )
        )
    gaps = checked.filter(pl.col("seq") - pl.col("_prev_seq") > 1)
    for row in gaps.select("seq", "_prev_seq").iter_rows(named=True):
        problems.append(
            Problem(
                row["seq"],
                "gap",
                f"seq {row['_prev_seq'] + 1}..{row['seq'] - 1} missing: rows deleted",
            )
        )
    return problems


def _link_problems(checked: pl.DataFrame, first_seq: int) -> list[Problem]:
    """The rows whose ``prev_hash`` is not the row_hash of the row before them
    (the first row: the genesis hash when the chain starts at seq 1), among rows
    not already a copy or after a gap: ``reordered`` when it names another row
    of the chain, else ``relinked``."""
    expected_prev = (
        pl.when(pl.col("_prev_seq").is_null())
        .then(pl.lit(GENESIS_HASH) if first_seq == 1 else pl.col("prev_hash"))
        .otherwise(pl.col("_prev_row_hash"))
    )
    broken = checked.filter(
        (pl.col("prev_hash") != expected_prev)
        & ~pl.col("_dup")
        & (pl.col("_prev_seq").is_null() | (pl.col("seq") - pl.col("_prev_seq") == 1))
    )
    # A prev_hash that names another row of the chain: rows were moved.
    moved = broken.join(
        checked.select(
            pl.col("row_hash").alias("prev_hash"), pl.col("seq").alias("_points_at")
        ),
        on="prev_hash",
        how="left",
    )
    problems: list[Problem] = []
    for row in moved.select("seq", "_points_at").iter_rows(named=True):
        if row["_points_at"] is not None:
            problems.append(
                Problem(
                    row["seq"],
                    "reordered",
                    f"seq {row['seq']} follows seq {row['_points_at']} in the chain, "
                    f"not seq {row['seq'] - 1}: rows were reordered",
                )
            )
        else:
            problems.append(
                Problem(
                    row["seq"],
                    "relinked",
                    f"seq {row['seq']}: prev_hash is not the row_hash of the row "
                    "before it (a row before it was deleted, replaced or moved)",
                )
            )
    return problems


def _check_head(checked: pl.DataFrame, head: tuple[int, str]) -> list[Problem]:
    seq, expected = head
    found = checked.filter(pl.col("seq") == seq)
    if found.height == 0:
        return [
            Problem(
                seq,
                "deleted",
                f"the noted head seq {seq} is gone (rows cut from the end)",
            )
        ]
    if found["row_hash"][0] != expected or found["_hash"][0] != expected:
        return [
            Problem(
                seq,
                "rewritten",
                f"seq {seq} no longer has the noted row_hash {expected[:12]}...: "
                "the chain was rebuilt",
            )
        ]
    return []


def parse_head(text: str) -> tuple[int, str]:
    """Parse a noted head ``SEQ:ROW_HASH`` (as ``avert audit verify`` prints it)."""
    seq, _, digest = text.partition(":")
    try:
        number = int(seq)
    except ValueError as err:
        msg = f"--head must be SEQ:ROW_HASH as 'avert audit verify' prints it; got {text!r}"
        raise StoreError(msg) from err
    if len(digest) != 64:
        msg = f"--head must end with the 64-character row_hash; got {text!r}"
        raise StoreError(msg)
    return number, digest.lower()
