"""The id of a partner pseudonym (table ``pseudonym_index``).

Only this module reads or writes the table. It holds, per key (its
fingerprint, :attr:`avert.access.Pseudonymiser.fingerprint`, never the key)
and kind, each stored id's pseudonym digits: a partner's save finds the id of
a pseudonym it typed (copied from its briefing) with one indexed read, not by
hashing every stored id (a million person ids took 8 s,
:meth:`~avert.access.Pseudonymiser.many`).

The table is a cache of a function of the stored ids and the key: each row is
right for as long as its key is, so it is never wrong, only short of the ids
stored since it was filled. A read that misses fills it first
(:func:`fill`: the stored ids it does not hold, hashed once) and asks again;
so a pseudonym is found whatever was loaded since. A found id is kept only if
it is still stored (a deleted id's row stays, and is not used), and only
when one id of its kind has those digits (48 bits: two ids of one kind share
them about once in 2^48 / n² pairs): two is no answer; nor is an id that is
also another record's (of another kind, or in another case: :func:`_alone`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

import polars as pl

from avert.access import TYPED_KINDS, Pseudonymiser
from avert.schema import PSEUDONYM_INDEX
from avert.store.database import _JSON_IN, Store, Transaction
from avert.store.queries import ID_TABLES, stored_ids

__all__ = ["clear", "fill", "find_ids"]

_TABLE: Final = PSEUDONYM_INDEX.name
#: the PostgreSQL advisory lock key that serialises fills (any fixed int8)
_PG_FILL_LOCK: Final = 0x61766572_74_5058
#: most rows one transaction of a fill appends (:func:`_append_ready`)
_CHUNK_ROWS: Final = 5_000
_FOUND: Final = {"kind": pl.String(), "id": pl.String(), "digest": pl.String()}


def find_ids(
    store: Store,
    pseudo: Pseudonymiser,
    typed: Mapping[str, tuple[str, str]],
    *,
    keep: Iterable[str] = (),
) -> dict[str, str]:
    """Each pseudonym of ``typed`` (pseudonym to ``(kind, digits)``,
    :func:`avert.access.typed_pseudonyms`) that is ``pseudo``'s pseudonym of a
    stored id, to that id; the table filled first (:func:`fill`) if one is
    not found (``keep``: the fingerprints of other keys whose rows it keeps)."""
    if not typed:
        return {}
    found = _found(store, pseudo, typed)
    if len(found) < len(typed):
        kinds = {kind for p, (kind, _) in typed.items() if p not in found}
        fill(store, pseudo, keep=keep, kinds=kinds, prune=False)
        found = _found(store, pseudo, typed)
    return found


def _found(
    store: Store, pseudo: Pseudonymiser, typed: Mapping[str, tuple[str, str]]
) -> dict[str, str]:
    """What :func:`find_ids` finds in the table as it is."""
    asked = f'WITH "asked"("v") AS ({_JSON_IN[store.dialect]}) '
    rows = store._query(
        asked + f'SELECT "kind", "id", "digest" FROM "{_TABLE}" '
        'WHERE "fingerprint" = ? AND "digest" IN (SELECT "v" FROM "asked")',
        [json.dumps(sorted({d for _, d in typed.values()})), pseudo.fingerprint],
        schema=_FOUND,
    )
    ids: dict[tuple[str, str], set[str]] = {}
    for kind, real, digest in rows.iter_rows():
        ids.setdefault((kind, digest), set()).add(real)
    alive = _alone(store, {i for s in ids.values() for i in s})
    out: dict[str, str] = {}
    for pseudonym, (kind, digest) in typed.items():
        live = {i for i in ids.get((kind, digest), ()) if (kind, i) in alive}
        if len(live) == 1:
            out[pseudonym] = live.pop()
    return out


def _alone(store: Store, ids: Iterable[str]) -> set[tuple[str, str]]:
    """The ``(kind, id)`` of each of ``ids`` that is one stored record's id,
    in any case: a reader reads an id in text as every record it is, in any
    case, choosing the first kind of :data:`ID_TABLES`, so one that is a
    person's and an incident's ("1001") typed as the incident's pseudonym
    would be read back as the person's, and by the police as either."""
    asked = sorted({v for i in ids for v in (i, i.upper(), i.lower())})
    found = stored_ids(store, asked)
    records: dict[str, set[tuple[str, str]]] = {}
    for kind, real in found:
        records.setdefault(real.upper(), set()).add((kind, real))
    return {next(iter(r)) for r in records.values() if len(r) == 1}


def fill(
    store: Store,
    pseudo: Pseudonymiser,
    *,
    keep: Iterable[str] = (),
    kinds: Iterable[str] = TYPED_KINDS,
    prune: bool = True,
) -> int:
    """Add each stored id of :data:`avert.access.TYPED_KINDS` the table does not
    hold under ``pseudo``'s key, with its pseudonym's digits; return how many.

    The ids missing are read with one anti-join per table and hashed
    (:meth:`~avert.access.Pseudonymiser.digests`) before any write
    transaction, which holds no lock meanwhile (hashing half a million ids
    takes seconds); they are appended a few thousand a transaction
    (:func:`_append_ready`); a last transaction reads the ids missing again
    and appends those stored meanwhile. Each holds out other fills and
    appends only rows not held, so two saves filling at once add no row
    twice. Rows of other keys than
    ``pseudo``'s and ``keep`` (fingerprints) are deleted: a key changed, or a
    period gone by; and, with ``prune``, the rows of ids no longer stored
    (replaced by a load: one more anti-join a table; such a row is never
    used, :func:`find_ids`). ``kinds``: the kinds filled (a save that misses
    a person's pseudonym fills only the people's).
    """
    wanted = [k for k in TYPED_KINDS if k in set(kinds)]
    tables = [(k, t, c) for k, t, c in ID_TABLES if k in wanted]
    fingerprint = pseudo.fingerprint
    ready: dict[tuple[str, str], str] = {}
    for kind, table, column in tables:
        ids = _missing(store._query, fingerprint, kind, table, column)
        ready |= _hashed(pseudo, kind, ids)
    kept = sorted({fingerprint, *keep})
    added = _append_ready(store, fingerprint, ready)
    with store.transaction() as tx:
        tx.serialise(_PG_FILL_LOCK)
        tx._execute(
            f'DELETE FROM "{_TABLE}" WHERE "fingerprint" NOT IN '
            f"({', '.join('?' for _ in kept)})",
            kept,
        )
        if prune:
            for kind in wanted:
                _prune(tx, fingerprint, kind)
        for kind, table, column in tables:
            ids = _missing(tx._query, fingerprint, kind, table, column)
            if not ids:
                continue
            late = [i for i in ids if (kind, i) not in ready]
            ready |= _hashed(pseudo, kind, late)
            tx.append(_TABLE, _rows(fingerprint, [(kind, i) for i in ids], ready))
            added += len(ids)
    return added


def _append_ready(
    store: Store, fingerprint: str, ready: Mapping[tuple[str, str], str]
) -> int:
    """Append the rows of ``ready`` (hashed before any lock) in transactions of
    at most :data:`_CHUNK_ROWS` rows of one kind each, less those another fill
    added meanwhile; return how many. One transaction of all 568,558 ids of a
    synthetic city held the write lock 4.8 s, and every audited page view (an
    audit row) waited for it, up to 6 s; a chunk holds it a moment."""
    if not ready:
        return 0
    frame = _rows(fingerprint, list(ready), ready)
    added = 0
    for (kind,), of_kind in frame.partition_by("kind", as_dict=True).items():
        for at in range(0, of_kind.height, _CHUNK_ROWS):
            part = of_kind.slice(at, _CHUNK_ROWS)
            with store.transaction() as tx:
                tx.serialise(_PG_FILL_LOCK)
                held = _held(tx, fingerprint, str(kind), part["id"].to_list())
                part = part.join(held, on="id", how="anti")
                if part.height:
                    tx.append(_TABLE, part)
                added += part.height
    return added


def _held(tx: Transaction, fingerprint: str, kind: str, ids: list[str]) -> pl.DataFrame:
    """Which of ``ids`` of ``kind`` the table holds under ``fingerprint``."""
    asked = f'WITH "asked"("v") AS ({_JSON_IN[tx.dialect]}) '
    return tx._query(
        asked + f'SELECT "id" FROM "{_TABLE}" WHERE "fingerprint" = ? AND '
        '"kind" = ? AND "id" IN (SELECT "v" FROM "asked")',
        [json.dumps(ids), fingerprint, kind],
        schema={"id": pl.String()},
    )


def clear(store: Store) -> None:
    """Delete every row: under a rotating key no pseudonym is looked up
    (:mod:`avert.workflows.pseudonym_lookup`), and no id is kept here."""
    with store.transaction() as tx:
        tx._execute(f'DELETE FROM "{_TABLE}"')


def _hashed(
    pseudo: Pseudonymiser, kind: str, ids: Sequence[str]
) -> dict[tuple[str, str], str]:
    """``(kind, id)`` to the pseudonym digits of each of ``ids``."""
    digests = pseudo.digests(kind, ids)
    return {(kind, i): d for i, d in zip(ids, digests, strict=True)}


def _missing(
    query: Callable[..., pl.DataFrame],
    fingerprint: str,
    kind: str,
    table: str,
    column: str,
) -> list[str]:
    """The ids of ``table`` the lookup does not hold under ``fingerprint``."""
    return list(
        query(
            f'SELECT DISTINCT t."{column}" AS "id" FROM "{table}" t '
            f'WHERE t."{column}" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM '
            f'"{_TABLE}" x WHERE x."fingerprint" = ? AND x."kind" = ? '
            f'AND x."id" = t."{column}")',
            [fingerprint, kind],
            schema={"id": pl.String()},
        )["id"].to_list()
    )


def _prune(tx: Transaction, fingerprint: str, kind: str) -> None:
    """Delete the rows of ids no table of ``kind`` holds now."""
    stored = " OR ".join(
        f'EXISTS (SELECT 1 FROM "{t}" WHERE "{t}"."{c}" = "{_TABLE}"."id")'
        for k, t, c in ID_TABLES
        if k == kind
    )
    tx._execute(
        f'DELETE FROM "{_TABLE}" WHERE "fingerprint" = ? AND "kind" = ? '
        f"AND NOT ({stored})",
        [fingerprint, kind],
    )


def _rows(
    fingerprint: str,
    keys: Sequence[tuple[str, str]],
    digests: Mapping[tuple[str, str], str],
) -> pl.DataFrame:
    """The table's rows of ``keys`` (``(kind, id)``) under ``fingerprint``."""
    return pl.DataFrame(
        {
            "fingerprint": [fingerprint] * len(keys),
            "kind": [k for k, _ in keys],
            "id": [i for _, i in keys],
            "digest": [digests[k] for k in keys],
        },
        schema=PSEUDONYM_INDEX.schema,
    )
