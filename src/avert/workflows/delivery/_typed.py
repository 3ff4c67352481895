"""Resolve the pseudonyms partners typed into texts saved before a partner's
save resolved them (docs/briefing.md, "Partner audience", step 4).

Since a partner's save resolves each pseudonym it typed (copied from its
briefing) to the stored id it stands for, the police read "visited P0000012";
a text saved before still reads "visited P-B43176F1E42D", which the police
cannot act on. This converts such texts with the save's own resolver
(:func:`avert.workflows.pseudonym_lookup.copied_pseudonyms`: the same
lookup, and the same pseudonyms left as typed) and its own placing of the id
(:func:`avert.access.resolve_typed_authored`, which gives the spans a save
gives), and stores each changed row as a save does (as :func:`_save` does: a new
version, its change history row and an audit ``change`` row).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final

from avert.access import (
    AuthorSpan,
    authors_json,
    authors_of,
    kept_withheld,
    resolve_typed_authored,
    typed_pseudonyms,
)
from avert.config.settings import Settings
from avert.store import Store
from avert.store.delivery import DELIVERY_TABLES
from avert.workflows.delivery._common import (
    AUTHORED_FIELDS,
    _changes,
    _now,
    _system_user,
    _write,
)
from avert.workflows.pseudonym_lookup import copied_pseudonyms, resolving_key
from avert.workflows.users import User

__all__ = ["TypedChange", "TypedResolution", "resolve_typed_pseudonyms"]

#: the ``reason`` of each change's audit row
REASON: Final = "typed pseudonyms resolved"
#: most rows stored in one transaction
BATCH_ROWS: Final = 200


@dataclass(frozen=True)
class TypedChange:
    """One text whose typed pseudonyms are (or would be) resolved: the record
    (``tasking`` or ``action``), its id, the field, and how many pseudonyms
    of each kind (``person``, ``incident``, ...). Never the pseudonyms or
    the ids."""

    entity: str
    entity_id: str
    field: str
    kinds: dict[str, int]


@dataclass(frozen=True)
class TypedResolution:
    """What :func:`resolve_typed_pseudonyms` did (or, ``dry_run``, would do)."""

    dry_run: bool
    #: texts holding words of a partner (by their ``authors``)
    texts_read: int
    changes: list[TypedChange] = field(default_factory=list)
    #: texts that still write a pseudonym of a stored record, left as written:
    #: who typed it is not known (the police's words by the row's ``authors``:
    #: the police's, or a partner's saved before writers were kept)
    unattributed: int = 0

    @property
    def rows_changed(self) -> int:
        """How many records change (an action's two texts are one record)."""
        return len({(c.entity, c.entity_id) for c in self.changes})

    @property
    def pseudonyms(self) -> int:
        """How many pseudonyms are resolved in all."""
        return sum(sum(c.kinds.values()) for c in self.changes)


def resolve_typed_pseudonyms(
    store: Store,
    settings: Settings,
    *,
    dry_run: bool = False,
    user: User | None = None,
    batch_rows: int = BATCH_ROWS,
    progress: Callable[[int, int], None] | None = None,
) -> TypedResolution:
    """Resolve, in every tasking's result and action's evidence and RAG
    reason, each pseudonym a partner organisation typed (in its words, by
    the row's ``authors``) to the stored id it stands for, as a save now
    does; ``dry_run`` changes nothing and says what would change.

    The key is the setting's (``pseudonym_key``); what stays as typed is what
    a save leaves (:func:`copied_pseudonyms`). Rows are stored ``batch_rows``
    a transaction, each as it was read (a row changed meanwhile refuses its
    batch, nothing of it written: run again); running again changes nothing
    more. ``progress(done, total)``: after each batch. A pseudonym of a stored
    record in words the ``authors`` give no partner (the police's, or a
    partner's saved before writers were kept) stays, and its text is counted
    (``unattributed``).

    Raises
    ------
    ConfigError
        No key, a key unfit for real data, or a rotating key
        (:data:`avert.workflows.pseudonym_lookup.ROTATING_KEY_REFUSAL`).
    ConflictError
        A row of a batch changed since it was read (the batches before it stay).
    """
    resolving_key(settings)
    user = user or _system_user()
    rows = {e: _delivery_rows(store, e) for e in AUTHORED_FIELDS}
    texts = [
        (text, authors_of(row.get("authors"), f, text))
        for entity, of_entity in rows.items()
        for row in of_entity
        for f in AUTHORED_FIELDS[entity]
        if isinstance(text := row.get(f), str)
    ]
    # every text's pseudonyms, not only a partner's words: those left are counted
    resolved = copied_pseudonyms(store, settings, [t for t, _ in texts])
    by_writer = _own_keys_typed(store, settings, texts)
    every = resolved | {p: i for own in by_writer.values() for p, i in own.items()}
    changes: list[TypedChange] = []
    pending: list[tuple[str, dict[str, Any]]] = []
    left = 0
    for entity, of_entity in rows.items():
        for row in of_entity:
            changed, row_changes = _resolved_row(entity, row, resolved, by_writer)
            if row_changes:
                changes.extend(row_changes)
                pending.append((entity, changed))
            left += sum(
                any(p in every for p in typed_pseudonyms([changed.get(f)]))
                for f in AUTHORED_FIELDS[entity]
            )
    if not dry_run:
        _store_batches(
            store, pending, user=user, batch_rows=batch_rows, progress=progress
        )
    return TypedResolution(
        dry_run=dry_run,
        texts_read=sum(bool(spans) for _, spans in texts),
        changes=changes,
        unattributed=left,
    )


def _delivery_rows(store: Store, entity: str) -> list[dict[str, Any]]:
    """The rows of ``entity`` (a plan's actions or taskings: thousands at most)."""
    return store.read_frame(DELIVERY_TABLES[entity]).to_dicts()


def _own_keys_typed(
    store: Store, settings: Settings, texts: list[tuple[str, list[AuthorSpan]]]
) -> dict[str, dict[str, str]]:
    """Under ``pseudonym_scope`` ``organisation``, each writing organisation's
    typed pseudonyms of its own key (:func:`copied_pseudonyms` of its
    partners), to the stored id, found in the texts it wrote words of;
    nothing under ``shared`` (the secret's key is every writer's)."""
    if settings.pseudonym_scope != "organisation":
        return {}
    orgs = sorted({s[2] for _, spans in texts for s in spans})
    return {
        org: copied_pseudonyms(
            store,
            settings,
            [t for t, spans in texts if any(s[2] == org for s in spans)],
            org=org,
        )
        for org in orgs
    }


def _resolved_row(
    entity: str,
    row: dict[str, Any],
    resolved: dict[str, str],
    by_writer: dict[str, dict[str, str]] | None = None,
) -> tuple[dict[str, Any], list[TypedChange]]:
    """``row`` with its texts' typed pseudonyms resolved
    (:func:`resolve_typed_authored`: the secret's key's ``resolved``, and each
    writer's own key's ``by_writer``) and its ``authors`` made anew for them,
    and a change per text changed (none: the row as it was)."""
    fields = AUTHORED_FIELDS[entity]
    authors = row.get("authors")
    written: dict[str, tuple[str | None, list[AuthorSpan]]] = {}
    changes: list[TypedChange] = []
    key = str(row[_key_column(entity)])
    for f in fields:
        text = row.get(f)
        spans = authors_of(authors, f, text)
        if not isinstance(text, str) or not spans:
            written[f] = (text, spans)
            continue
        new_text, new_spans, kinds = resolve_typed_authored(
            text, spans, resolved, by_writer
        )
        written[f] = (new_text, new_spans)
        if kinds:
            changes.append(TypedChange(entity, key, f, dict(Counter(kinds))))
    if not changes:
        return row, []
    changed = dict(row)
    for f in fields:
        changed[f] = written[f][0]
    changed["authors"] = authors_json(written, kept_withheld(authors))
    return changed, changes


def _key_column(entity: str) -> str:
    from avert.schema import TABLES

    return TABLES[DELIVERY_TABLES[entity]].primary_key[0]


def _store_batches(
    store: Store,
    pending: list[tuple[str, dict[str, Any]]],
    *,
    user: User,
    batch_rows: int,
    progress: Callable[[int, int], None] | None,
) -> None:
    """Store ``pending`` (entity, row) ``batch_rows`` a transaction, as
    :func:`_save` stores a change: each row's next version, its history row
    and audit row, all of a batch or nothing of it (:func:`_write`)."""
    now: dt.datetime = _now(store)
    total = len(pending)
    for at in range(0, total, batch_rows):
        batch = pending[at : at + batch_rows]
        parts = [
            _changes(store, entity, rows, user=user, now=now)
            for entity in AUTHORED_FIELDS
            if (rows := [r for e, r in batch if e == entity])
        ]
        _write(store, parts, user=user, reason=REASON)
        if progress is not None:
            progress(min(at + batch_rows, total), total)
