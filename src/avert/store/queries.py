"""Named read queries of the briefing (and the web app next): the SQL lives here only.

Workflows call these functions by name; none of them spells SQL or branches on the
database dialect. Values are encoded by the store's own rules
(:func:`avert.store.database._to_sql_value`: ISO text for times on SQLite), and long
id lists travel as one JSON parameter (:data:`avert.store.database._JSON_IN`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Final, Literal

import polars as pl

from avert.access import stored_name_key_expr
from avert.errors import NotFound
from avert.schema import TABLES
from avert.store.database import _JSON_IN, Store, _cast_to_spec, _to_sql_value
from avert.store.kept import kept, kept_between, kept_for_people
from avert.written_identity import (
    address_clue_text,
    address_clues,
    address_lines,
    postcodes_in_expr,
)

__all__ = [
    "CLASS_COLUMNS",
    "ESCALATING_ASB_COLUMNS",
    "ID_TABLES",
    "StoredNames",
    "assessments_between",
    "classified_between",
    "dated_alone_at",
    "domestic_flag_counts",
    "empty",
    "escalating_asb_between",
    "incidents_between",
    "involved_people",
    "involvements_between",
    "latest_time",
    "located_between",
    "month_only_at",
    "name_words",
    "offenders_between",
    "offending_history",
    "person_history",
    "person_records",
    "read_classified",
    "read_in",
    "relationships_of",
    "sources_supplying",
    "stored_ids",
    "stored_names",
]

#: Classification columns joined onto incidents.
CLASS_COLUMNS: Final = (
    "incident_id",
    "in_definition",
    "category",
    "rule_ids",
    "harm_days",
    "harm_source",
)
_CHUNK: Final = 20_000


def empty(table: str, columns: Sequence[str]) -> pl.DataFrame:
    """An empty frame with the canonical types of ``table``'s ``columns``."""
    spec = TABLES[table]
    return pl.DataFrame(schema={c: spec.schema[c] for c in columns})


def read_in(
    store: Store,
    table: str,
    column: str,
    values: Sequence[str],
    *,
    columns: Sequence[str],
    where: Sequence[tuple[str, str, object]] = (),
) -> pl.DataFrame:
    """Rows of ``table`` whose ``column`` is in ``values`` (read in chunks)."""
    uniq = sorted(set(values))
    parts = [
        store.read_frame(
            table,
            columns=list(columns),
            where=[*where, (column, "in", uniq[i : i + _CHUNK])],
        )
        for i in range(0, len(uniq), _CHUNK)
    ]
    if not parts:
        return empty(table, columns)
    return pl.concat(parts, how="vertical")


def relationships_of(
    store: Store, people: Sequence[str], *, columns: Sequence[str]
) -> pl.DataFrame:
    """``columns`` of the relationships with one of ``people`` on either side, each
    once: two reads (:func:`read_in`), kept for the store's data generation
    (:func:`avert.store.kept.kept`: the briefing's next minute names the same
    people)."""
    uniq = sorted(set(people))

    def read() -> pl.DataFrame:
        return pl.concat(
            [
                read_in(store, "relationships", side, uniq, columns=columns)
                for side in ("person_a", "person_b")
            ],
            how="vertical",
        ).unique()

    return kept(store, ("relationships", tuple(columns), json.dumps(uniq)), read)


def involvements_between(
    store: Store, start: dt.datetime, end: dt.datetime
) -> pl.DataFrame:
    """``incident_id``, ``person_id``, ``role`` of the involvements in the incidents
    with ``start <= occurred_from < end``: one range read of the incidents' index
    joined to the involvements in SQL, of whole days kept for the data generation
    (:func:`avert.store.kept.kept_between`; the briefing's next minute reads none
    again) and cut to ``[start, end)``. Where the briefing sent the ids of its 28
    days' incidents (16,275 on the synthetic city of 386,460) to be looked up."""
    sql = (
        'SELECT v."incident_id", v."person_id", v."role", i."occurred_from" '
        'FROM "incidents" i JOIN "involvements" v ON v."incident_id" = i."incident_id" '
        'WHERE i."occurred_from" >= ? AND i."occurred_from" < ?'
    )
    schema = {**_HISTORY_INV, "occurred_from": pl.Datetime("us")}
    raw = kept_between(
        store,
        "involvements_between",
        start,
        end,
        lambda a, b: store._query(sql, _range(store, a, b), schema=schema),
    )
    if raw.height == 0:
        return pl.DataFrame(schema=_HISTORY_INV)
    when = pl.col("occurred_from")
    if raw.schema["occurred_from"] == pl.String:
        when = when.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False)
    return (
        raw.with_columns(when.cast(pl.Datetime("us")).alias("occurred_from"))
        .filter(pl.col("occurred_from").is_between(start, end, "left"))
        .select(pl.col(c).cast(pl.String) for c in _HISTORY_INV)
    )


def involved_people(store: Store, incidents: Sequence[str]) -> dict[str, list[str]]:
    """The people involved in each of ``incidents`` (any role), by incident:
    one read of the involvements by their incident (:func:`read_in`)."""
    if not incidents:
        return {}
    rows = read_in(
        store,
        "involvements",
        "incident_id",
        incidents,
        columns=["incident_id", "person_id"],
    ).unique()
    out: dict[str, list[str]] = {}
    for incident, person in zip(
        rows["incident_id"].to_list(), rows["person_id"].to_list(), strict=True
    ):
        if person:
            out.setdefault(incident, []).append(person)
    return {k: sorted(v) for k, v in out.items()}


#: The tables of records free text may name by id: (kind, table, id column), in
#: the order a kind is chosen when one id is two (the kinds partners see only as
#: pseudonyms: :data:`avert.access.PREFIXES`).
ID_TABLES: Final = (
    ("person", "people", "person_id"),
    ("incident", "incidents", "incident_id"),
    ("group", "groups", "group_id"),
    ("group", "detected_groups", "group_id"),
    ("asb", "asb", "asb_id"),
    ("stop", "stops", "stop_id"),
    ("intel", "intelligence", "intel_id"),
)
#: The tables of the names free text may write: (kind, table, id column, least
#: words of a name looked for). A person's name is looked for from two words (a
#: first name and a surname), a group's from one.
_NAME_TABLES: Final = (
    ("person", "person_identity", "person_id", 2),
    ("group", "groups", "group_id", 1),
)


def stored_ids(store: Store, candidates: Sequence[str]) -> list[tuple[str, str]]:
    """The ``(kind, id)`` of each of ``candidates`` that is the id of a stored
    person, incident, group (recorded or detected), ASB report, stop or
    intelligence item (kind ``person``, ``incident``, ``group``, ``asb``,
    ``stop``, ``intel``), in that order of kinds, then by id.

    One read for every table: the candidates travel once, as one JSON parameter,
    and each table is searched by its key's index (``UNION ALL``). A read per
    table took 0.19 s for the 8,209 candidates of 216 action texts (a board pack's)
    on a SQLite store of 200,000 people and incidents; this one 0.06 s (median of
    7).
    """
    if not candidates:
        return []
    asked = f'WITH "asked"("v") AS ({_JSON_IN[store.dialect]}) '
    parts = [
        f'SELECT {rank} AS "rank", \'{kind}\' AS "kind", "{column}" AS "id" '
        f'FROM "{table}" WHERE "{column}" IN (SELECT "v" FROM "asked")'
        for rank, (kind, table, column) in enumerate(ID_TABLES)
    ]
    rows = store._query(
        asked + " UNION ALL ".join(parts),
        [json.dumps(sorted(set(candidates)))],
        schema={"rank": pl.Int64(), "kind": pl.String(), "id": pl.String()},
    ).unique()
    rows = rows.sort("rank", "id")
    return list(zip(rows["kind"].to_list(), rows["id"].to_list(), strict=True))


def name_words(kind: str) -> int:
    """The least words of a ``kind``'s name that :func:`stored_names` looks for."""
    return min(n for k, _, _, n in _NAME_TABLES if k == kind)


class StoredNames:
    """The stored names of people and groups that free text is looked up in
    (:func:`stored_names`), each kind's table read and keyed when first asked,
    then kept: one output that looks up the names of several texts (a board
    pack's actions, its plan board, plans, objectives and measures) reads each
    table once, not once a text. A board pack's data read each table five times
    on a SQLite store of 200,000 names: 0.83 s of CPU, 0.40 s reading each once
    (median of 7).

    Keep one only as long as one output is made: a name stored after it was read
    is not in it.
    """

    def __init__(self, store: Store) -> None:
        self._store = store
        self._keyed: dict[str, pl.DataFrame] = {}
        self._people: pl.DataFrame | None = None
        self._words: dict[str, frozenset[str]] = {}

    def _identities(self) -> pl.DataFrame:
        """``id``, ``name``, ``date_of_birth`` and ``address`` of every stored
        person (``person_identity``, read once for names and the rest)."""
        if self._people is None:
            self._people = self._store._query(
                'SELECT "person_id" AS "id", "name", "date_of_birth", "address" '
                'FROM "person_identity"',
                schema={
                    "id": pl.String(),
                    "name": pl.String(),
                    "date_of_birth": pl.Date(),
                    "address": pl.String(),
                },
            )
        return self._people

    def _table(self, kind: str) -> pl.DataFrame:
        """``id``, ``name`` and ``key`` of every stored name of ``kind`` (read once)."""
        if kind not in self._keyed:
            _, table, column, _ = next(t for t in _NAME_TABLES if t[0] == kind)
            if kind == "person":
                names = self._identities().filter(pl.col("name").is_not_null())
                names = names.select("id", "name")
            else:
                names = self._store._query(
                    f'SELECT "{column}" AS "id", "name" FROM "{table}" '
                    'WHERE "name" IS NOT NULL',
                    schema={"id": pl.String(), "name": pl.String()},
                )
            key = stored_name_key_expr(pl.col("name"), surname_first=kind == "person")
            self._keyed[kind] = names.with_columns(key.alias("key"))
        return self._keyed[kind]

    def find(self, keys: Sequence[str], *, kind: str) -> list[tuple[str, str]]:
        """The ``(id, name)`` of each stored name of ``kind`` whose key is one of
        ``keys``, by id (:func:`stored_names`); no read when none is asked."""
        return [(ident, name) for ident, name, _ in self.find_keyed(keys, kind=kind)]

    def find_keyed(
        self, keys: Sequence[str], *, kind: str
    ) -> list[tuple[str, str, str]]:
        """:meth:`find` with each name's key (as
        :func:`avert.access.stored_name_key` gives it, keyed once for the whole
        table, not once a name: 25,000 names found by a force's 1,000 texts took
        9 s keyed one by one)."""
        if not keys:
            return []
        table = self._table(kind)
        rows = table.filter(
            pl.col("key").is_in(pl.Series(sorted(set(keys))).implode())
        ).sort("id")
        return list(
            zip(
                rows["id"].to_list(),
                rows["name"].to_list(),
                rows["key"].to_list(),
                strict=True,
            )
        )

    def words(self, kind: str) -> frozenset[str]:
        """Every word of the stored names' keys of ``kind`` (the keys split at
        their one space): the index :func:`avert.access.name_candidates` asks
        only the runs of a text's words it holds of, made once per output."""
        if kind not in self._words:
            keys = self._table(kind)["key"]
            self._words[kind] = frozenset(
                keys.str.split(" ").explode().drop_nulls().unique().to_list()
            )
        return self._words[kind]

    def name_words(self, ids: Sequence[str]) -> dict[str, list[str]]:
        """The words of each stored name of the people ``ids`` (their key's:
        lower case, forenames then surname), by id: one filter of the names
        read once."""
        if not ids:
            return {}
        table = self._table("person")
        rows = table.filter(
            pl.col("id").is_in(pl.Series(sorted(set(ids)), dtype=pl.String).implode())
        )
        out: dict[str, list[str]] = {}
        for ident, key in zip(rows["id"].to_list(), rows["key"].to_list(), strict=True):
            out.setdefault(ident, []).extend(key.split())
        return out

    def births(
        self, *, days: Sequence[dt.date] = (), ids: Sequence[str] = ()
    ) -> set[dt.date]:
        """The stored dates of birth among ``days``, and those of the people
        ``ids``: one filter of the people read once (:meth:`_identities`)."""
        if not days and not ids:
            return set()
        people = self._identities()
        found = people.filter(
            pl.col("date_of_birth").is_in(
                pl.Series(sorted(set(days)), dtype=pl.Date).implode()
            )
            | pl.col("id").is_in(pl.Series(sorted(set(ids)), dtype=pl.String).implode())
        )
        return set(found["date_of_birth"].drop_nulls().to_list())

    def born_on(self, days: Sequence[dt.date]) -> dict[dt.date, set[str]]:
        """The people born on each of ``days`` (by day; those with someone):
        one filter of the people read once (:meth:`_identities`)."""
        if not days:
            return {}
        found = self._identities().filter(
            pl.col("date_of_birth").is_in(
                pl.Series(sorted(set(days)), dtype=pl.Date).implode()
            )
        )
        out: dict[dt.date, set[str]] = {}
        for ident, day in zip(
            found["id"].to_list(), found["date_of_birth"].to_list(), strict=True
        ):
            out.setdefault(day, set()).add(ident)
        return out

    def _addresses(self, clues: Sequence[str]) -> pl.DataFrame:
        """The keys it may be written by and postcodes (``lines``,
        ``postcodes``) of each stored address holding one of ``clues``
        (:func:`avert.written_identity.address_clue_text`), keyed here
        (:func:`avert.written_identity.address_lines`): only those are keyed,
        not every address."""
        people = self._identities()
        held = people.filter(
            address_clue_text(pl.col("address")).str.contains_any(list(clues))
        )
        return pl.DataFrame(
            {
                "id": held["id"],
                "lines": address_lines(held["address"]),
                "postcodes": held.select(postcodes_in_expr(pl.col("address")))[
                    "address"
                ],
            }
        )

    def street_lines(self, keys: Sequence[str]) -> set[str]:
        """The keys of ``keys`` that are a stored address's street line or
        house name (:func:`avert.written_identity.address_lines`)."""
        return set(self.living_at(keys))

    def living_at(self, keys: Sequence[str]) -> dict[str, set[str]]:
        """The people each of ``keys`` is a stored address's street line or
        house name of (:func:`avert.written_identity.address_lines`), by key
        (those with someone): the addresses holding a word of them keyed once."""
        clues = address_clues(keys)
        if not clues:
            return {}
        lines = (
            self._addresses(clues)
            .select("id", "lines")
            .explode("lines")
            .filter(pl.col("lines").is_in(pl.Series(sorted(set(keys))).implode()))
        )
        out: dict[str, set[str]] = {}
        for ident, line in zip(
            lines["id"].to_list(), lines["lines"].to_list(), strict=True
        ):
            out.setdefault(line, set()).add(ident)
        return out

    def postcodes(self, keys: Sequence[str]) -> set[str]:
        """The postcode keys of ``keys`` (upper case, no spaces) that a stored
        address holds."""
        if not keys:
            return set()
        inward = sorted({k[-3:].lower() for k in keys})
        held = self._addresses(inward)["postcodes"].explode().drop_nulls()
        return set(held.filter(held.is_in(sorted(set(keys)))).to_list())


def stored_names(
    store: Store, keys: Sequence[str], *, kind: str
) -> list[tuple[str, str]]:
    """The ``(id, name)`` of each stored person (``kind`` ``person``: the names of
    ``person_identity``) or group (``group``: ``groups.name``) whose name's key is
    one of ``keys`` (:func:`avert.access.name_key` forms).

    A name's key (:func:`avert.access.stored_name_key_expr`) is its lower case,
    words one space apart, and for a person "Surname, Forenames" (as police systems
    often hold a name) read as "forenames surname": SQL cannot give that key in
    both databases, so the names are read (id and name, one read) and keyed here
    in one vectorised pass. The name column has no index on any key, so the
    database read every name for the comparison before as well; bringing them out
    costs more: 0.17 s for the 38 keys of 3 texts on a SQLite store of 200,000
    names, against 0.09 s comparing in SQL (median of 7), which missed those
    names. An empty table costs nothing. An output looking up several texts
    keeps one :class:`StoredNames` instead, which reads each table once.
    """
    return StoredNames(store).find(keys, kind=kind)


def incidents_between(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    columns: Sequence[str],
) -> pl.DataFrame:
    """Incidents with ``start <= occurred_from < end`` (indexed range read)."""
    return store.read_frame(
        "incidents",
        columns=list(columns),
        where=[("occurred_from", ">=", start), ("occurred_from", "<", end)],
    )


def assessments_between(
    store: Store, start: dt.datetime, end: dt.datetime
) -> pl.DataFrame:
    """DASH assessments (the ``dash`` table) with ``start <= assessed_at <= end``:
    the end included, as an assessment made at a briefing's ``at`` is known then.
    One range read (the briefing's: its window and the MARAC escalation window
    before it, not every assessment ever made)."""
    rows = kept_between(
        store,
        "assessments_between",
        start,
        end,
        lambda a, b: store.read_frame(
            "dash", where=[("assessed_at", ">=", a), ("assessed_at", "<=", b)]
        ),
    )
    # the whole days read and kept for the data generation (avert.store.kept)
    return rows.filter(pl.col("assessed_at").is_between(start, end, "both"))


#: what the briefing reads of an escalating ASB report (:func:`escalating_asb_between`)
ESCALATING_ASB_COLUMNS: Final = (
    "asb_id",
    "occurred_at",
    "time_precision",
    "category",
    "caller_id",
    "vulnerable_caller",
)
_BRIDGE_COLUMNS: Final = ("rule_ids", "n_caller_reports", "n_place_reports")


def escalating_asb_between(
    store: Store, start: dt.datetime, end: dt.datetime, *, profile: str
) -> pl.DataFrame:
    """The ASB reports with ``start <= occurred_at < end`` that escalate under
    ``profile``'s ASB bridge as stored by the classify workflow (seed paragraph 8,
    ``asb_escalations``): :data:`ESCALATING_ASB_COLUMNS` and the bridge's
    ``rule_ids``, ``n_caller_reports``, ``n_place_reports``, in ``asb_id`` order.
    One range read on ``asb.occurred_at`` joined on the bridge's primary key; a
    report not bridged yet is not read (``avert status`` counts them)."""
    asb_spec, bridge_spec = TABLES["asb"], TABLES["asb_escalations"]
    sql = (
        "SELECT "
        + ", ".join(
            [f'a."{c}"' for c in ESCALATING_ASB_COLUMNS]
            + [f'e."{c}"' for c in _BRIDGE_COLUMNS]
        )
        + ' FROM "asb" a JOIN "asb_escalations" e ON e."asb_id" = a."asb_id" '
        'AND e."profile" = ? WHERE e."escalates" '
        'AND a."occurred_at" >= ? AND a."occurred_at" < ?'
    )
    schema = {
        **asb_spec.schema_of(*ESCALATING_ASB_COLUMNS),
        **bridge_spec.schema_of(*_BRIDGE_COLUMNS),
    }
    raw = store._query(sql, [profile, *_range(store, start, end)], schema=schema)
    if raw.height == 0:
        return pl.DataFrame(schema=schema)
    typed = _cast_to_spec(_cast_to_spec(raw, asb_spec), bridge_spec)
    return typed.with_columns(
        pl.col(c).cast(t) for c, t in schema.items() if typed.schema[c] != t
    ).sort("asb_id")


def read_classified(
    store: Store, incidents: pl.DataFrame, profile: str
) -> pl.DataFrame:
    """``incidents`` left-joined to their classification under ``profile``.

    Incidents without a classification keep null ``in_definition``, ``category``
    and ``harm_days`` (the caller decides what that means).
    """
    classes = read_in(
        store,
        "classifications",
        "incident_id",
        incidents["incident_id"].to_list(),
        columns=CLASS_COLUMNS,
        where=[("profile", "=", profile)],
    )
    return incidents.join(classes, on="incident_id", how="left")


def _range(store: Store, start: dt.datetime, end: dt.datetime) -> list[object]:
    """The parameters of ``occurred_from >= ? AND occurred_from < ?``, encoded."""
    return [_to_sql_value(start, store.dialect), _to_sql_value(end, store.dialect)]


def _classified_window(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    *,
    profile: str,
    incident_columns: Sequence[str],
    class_columns: Sequence[str],
    and_where: str = "",
) -> pl.DataFrame:
    """``incident_columns`` of the incidents with ``start <= occurred_from < end``
    (and ``and_where``), then ``class_columns`` of their classification under
    ``profile`` (null where none), in canonical types.

    Rows come in ``incident_id`` order, or, in a read without the id, in the order
    of every column (rows equal in all of them are interchangeable): the same on
    either store, as :meth:`~avert.store.Store.read_frame` gives them. In the
    database's own order (SQLite's index, PostgreSQL's heap) a month of London's
    harm summed to 3691882.1621678043 on SQLite and 3691882.162167803 on
    PostgreSQL before 2026-12.
    """
    inc_spec, cls_spec = TABLES["incidents"], TABLES["classifications"]
    sql = _classified_window_sql(
        store.dialect, incident_columns, class_columns, and_where
    )
    schema = {
        **{c: inc_spec.schema[c] for c in incident_columns},
        **{c: cls_spec.schema[c] for c in class_columns},
    }
    raw = store._query(sql, [profile, *_range(store, start, end)], schema=schema)
    if raw.height == 0:
        return pl.DataFrame(schema=schema)
    typed = _cast_to_spec(_cast_to_spec(raw, inc_spec), cls_spec)
    out: pl.DataFrame = typed.with_columns(
        pl.col(c).cast(t) for c, t in schema.items() if typed.schema[c] != t
    )
    return out.sort("incident_id" if "incident_id" in schema else list(schema))


#: classifications' index holding ``in_definition`` (migration 0013)
_IN_DEFINITION_INDEX: Final = "ix_classifications_incident_id_profile_in_definition"


def _classified_window_sql(
    dialect: str,
    incident_columns: Sequence[str],
    class_columns: Sequence[str],
    and_where: str = "",
) -> str:
    """The SQL of :func:`_classified_window` (placeholders: profile, start, end).

    When ``in_definition`` is the only classification column, SQLite is told to
    join through the index that holds it (``INDEXED BY``): its planner, with no
    statistics, prefers the primary key's index, which makes it visit the
    classification row of every incident as well.
    """
    hint = (
        f' INDEXED BY "{_IN_DEFINITION_INDEX}"'
        if dialect == "sqlite" and list(class_columns) == ["in_definition"]
        else ""
    )
    return (
        "SELECT "
        + ", ".join(
            [f'i."{c}"' for c in incident_columns] + [f'c."{c}"' for c in class_columns]
        )
        + f' FROM "incidents" i LEFT JOIN "classifications" c{hint} '
        'ON c."incident_id" = i."incident_id" AND c."profile" = ? '
        'WHERE i."occurred_from" >= ? AND i."occurred_from" < ?' + and_where
    )


_MONTH_ONLY_WHERE: Final = " AND i.\"time_precision\" = 'month'"
#: the definition's incidents only (not an unclassified one: its value is null)
_IN_DEFINITION_WHERE: Final = ' AND c."in_definition"'


def classified_between(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    *,
    columns: Sequence[str],
    profile: str,
    class_columns: Sequence[str] = CLASS_COLUMNS,
    month_only: bool = False,
    in_definition_only: bool = False,
    keep: bool = False,
) -> pl.DataFrame:
    """Incidents with ``start <= occurred_from < end`` joined to their classification.

    One indexed range read joined in SQL to ``classifications`` (primary key
    ``incident_id, profile``): the classification columns (``class_columns``, by
    default :data:`CLASS_COLUMNS`) are null for incidents not classified under
    ``profile``. ``month_only``: only month-precision records (data.police.uk),
    filtered in SQL, so a span of exact-time incidents is not sent to be dropped.
    ``in_definition_only``: only the incidents the definition counts, filtered in
    SQL (the Incidents page: of a month of London's 72,301 street crimes, 24,333;
    reading the rest too and dropping them in Polars cost 0.2 s of CPU a request).
    ``keep``: the whole days of ``[start, end)`` are read and kept for the store's
    data generation (:func:`avert.store.kept.kept_between`), then cut to it (the
    briefing: a live store's next minute reads them no more); the rows are the
    same, in the same order.
    """
    names = [c for c in columns if c != "incident_id"]
    unknown = [c for c in names if c not in TABLES["incidents"].schema]
    if unknown:
        msg = f"incidents has no columns {unknown}"
        raise NotFound(msg)
    read_names = (
        names if not keep or "occurred_from" in names else [*names, "occurred_from"]
    )
    classes = [c for c in class_columns if c != "incident_id"]
    where = (_MONTH_ONLY_WHERE if month_only else "") + (
        _IN_DEFINITION_WHERE if in_definition_only else ""
    )

    def read(a: dt.datetime, b: dt.datetime) -> pl.DataFrame:
        return _classified_window(
            store,
            a,
            b,
            profile=profile,
            incident_columns=["incident_id", *read_names],
            class_columns=classes,
            and_where=where,
        )

    if not keep:
        return read(start, end)
    key = ("classified_between", profile, tuple(read_names), tuple(classes), where)
    rows = kept_between(store, key, start, end, read)
    return rows.filter(pl.col("occurred_from").is_between(start, end, "left")).select(
        "incident_id", *names, *classes
    )


#: what the places forecast reads of an incident (:func:`located_between`); the
#: domestic flag keeps domestic incidents out of the near-repeat zones
#: ``time_precision``: an incident dated alone has its near-repeat zone by its day;
#: ``source`` and ``force``: whose events one patrol grid holds
#: (:mod:`avert.workflows._forces`), all in the incidents' time index (0038)
LOCATED_COLUMNS: Final = (
    "occurred_from",
    "time_precision",
    "x",
    "y",
    "domestic",
    "source",
    "force",
)
_LOCATED_WHERE: Final = (
    ' AND i."x" IS NOT NULL AND i."y" IS NOT NULL '
    'AND (i."time_precision" IS NULL OR i."time_precision" <> \'month\')'
)


def located_between(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    *,
    profile: str,
    keep: bool = False,
) -> pl.DataFrame:
    """``occurred_from``, ``time_precision``, ``x``, ``y``, ``domestic``,
    ``source``, ``force``, ``in_definition`` of the located incidents with
    ``start <= occurred_from < end`` and a time finer than a month.

    The lean read of the places forecast: no id, no text, filtered in SQL;
    ``in_definition`` is null for incidents not classified under ``profile``.
    ``keep``: whole days read and kept for the data generation, then cut to
    ``[start, end)`` (:func:`avert.store.kept.kept_between`; the same rows in the
    same order: the briefing's next minute reads its year no more).
    """

    def read(a: dt.datetime, b: dt.datetime) -> pl.DataFrame:
        return _classified_window(
            store,
            a,
            b,
            profile=profile,
            incident_columns=LOCATED_COLUMNS,
            class_columns=["in_definition"],
            and_where=_LOCATED_WHERE,
        )

    if not keep:
        return read(start, end)
    rows = kept_between(store, ("located_between", profile), start, end, read)
    return rows.filter(pl.col("occurred_from").is_between(start, end, "left"))


def _as_datetime(raw: object) -> dt.datetime | None:
    if raw is None:
        return None
    if isinstance(raw, str):
        return dt.datetime.fromisoformat(raw[:26])
    assert isinstance(raw, dt.datetime)
    return raw.replace(tzinfo=None)


def latest_time(
    store: Store, *, before: dt.datetime, precision: Literal["month", "exact"]
) -> dt.datetime | None:
    """Latest ``occurred_from`` before ``before`` of month-precision or other incidents.

    ``precision="month"`` gives the first instant of the latest month-precision month
    starting before ``before``; ``"exact"`` the latest incident whose time is not
    month-only (exact, hour or day). None when there is none.
    """
    test = (
        "\"time_precision\" = 'month'"
        if precision == "month"
        else '("time_precision" IS NULL OR "time_precision" <> \'month\')'
    )
    frame = store._query(
        f'SELECT MAX("occurred_from") AS m FROM "incidents" '
        f'WHERE {test} AND "occurred_from" < ?',
        [_to_sql_value(before, store.dialect)],
        schema={"m": pl.Datetime("us")},
    )
    return _as_datetime(frame["m"][0] if frame.height else None)


def month_only_at(store: Store, at: dt.datetime) -> bool:
    """True when every incident dated ``at`` is month-only (``time_precision``
    ``month``, as data.police.uk dates a month's records on its first instant);
    False when one says more (or none is dated ``at``). One seek on the time index:
    asked of the latest incident's time at each showing of a person page."""
    frame = store._query(
        "SELECT COUNT(*) AS n, COUNT(CASE WHEN \"time_precision\" = 'month' "
        'THEN 1 END) AS m FROM "incidents" WHERE "occurred_from" = ?',
        [_to_sql_value(at, store.dialect)],
        schema={"n": pl.Int64(), "m": pl.Int64()},
    )
    n, m = frame.row(0)
    return bool(n) and n == m


def domestic_flag_counts(
    store: Store, first: dt.datetime, start: dt.datetime, at: dt.datetime
) -> pl.DataFrame:
    """How many incidents with ``first <= occurred_from <= at`` carry each value of
    the ``domestic`` flag (null: none), counted on the time index (one pass, no
    grouping: a ``GROUP BY`` sorted every row): ``occurred_from``,
    ``time_precision``, ``domestic``, ``n``. The incidents of
    ``start < occurred_from < at`` are counted together (their ``occurred_from``
    and ``time_precision`` null): they are in a trailing window ``(start, at]``
    whatever their precision; those at its edges (from ``first`` to ``start``,
    and at ``at``) are counted by their time and precision, for the caller's rule
    of a record dated alone (:func:`avert.analyse._window.in_window` ``by_day``).

    The MARAC list of a store whose records name no one counts its window's
    incidents for its notes alone (how many carry no domestic flag): a year of
    London's 203,519 rows was read for them.
    """
    spec = TABLES["incidents"].schema
    schema = {
        "occurred_from": spec["occurred_from"],
        "time_precision": spec["time_precision"],
        "domestic": spec["domestic"],
        "n": pl.Int64(),
    }
    # the inside in one pass of the index (no grouping: a sort of every row)
    inside = store._query(
        'SELECT COUNT(*) - COUNT("domestic") AS "none", '
        'COALESCE(SUM(CASE WHEN "domestic" THEN 1 ELSE 0 END), 0) AS "yes", '
        'COALESCE(SUM(CASE WHEN NOT "domestic" THEN 1 ELSE 0 END), 0) AS "no" '
        'FROM "incidents" WHERE "occurred_from" > ? AND "occurred_from" < ?',
        _range(store, start, at),
        schema={"none": pl.Int64(), "yes": pl.Int64(), "no": pl.Int64()},
    ).row(0, named=True)
    edges = store._query(
        'SELECT "occurred_from", "time_precision", "domestic", 1 AS "n" '
        'FROM "incidents" WHERE ("occurred_from" >= ? AND "occurred_from" <= ?) '
        'OR "occurred_from" = ?',
        [*_range(store, first, start), _to_sql_value(at, store.dialect)],
        schema=schema,
    )
    counted = pl.DataFrame(
        {
            "occurred_from": [None] * 3,
            "time_precision": [None] * 3,
            "domestic": [None, True, False],
            "n": [inside["none"], inside["yes"], inside["no"]],
        },
        schema=schema,
    )
    rows = pl.concat([counted.filter(pl.col("n") > 0), edges])
    return rows.sort(list(schema), nulls_last=False)


def dated_alone_at(store: Store, at: dt.datetime) -> bool:
    """True when an incident dated ``at`` is dated alone (``time_precision``
    ``day``, stored at 00:00 of its day): a window ending at ``at`` leaves it out
    (:func:`avert.analyse._window.in_window` ``by_day``). One seek on the time
    index, as :func:`month_only_at`."""
    frame = store._query(
        'SELECT COUNT(*) AS n FROM "incidents" WHERE "occurred_from" = ? '
        "AND \"time_precision\" = 'day'",
        [_to_sql_value(at, store.dialect)],
        schema={"n": pl.Int64()},
    )
    return bool(frame["n"][0])


def sources_supplying(
    store: Store, sources: pl.DataFrame, start: dt.datetime, end: dt.datetime
) -> pl.DataFrame:
    """The rows of ``sources`` (``source``, ``force``; nulls match nulls) that have
    an incident with a time (not month-only) in ``[start, end)``.

    One query per source, each stopping at its first record in the time index: a
    source that supplies records daily is answered at once.
    """
    same = "IS" if store.dialect == "sqlite" else "IS NOT DISTINCT FROM"
    sql = (
        'SELECT 1 AS one FROM "incidents" WHERE "occurred_from" >= ? '
        'AND "occurred_from" < ? '
        f'AND "source" {same} ? AND "force" {same} ? '
        'AND ("time_precision" IS NULL OR "time_precision" <> \'month\') LIMIT 1'
    )
    bounds = [_to_sql_value(t, store.dialect) for t in (start, end)]
    keep = [
        store._query(sql, [*bounds, src, force], schema={"one": pl.Int64()}).height > 0
        for src, force in sources.select("source", "force").iter_rows()
    ]
    return sources.select("source", "force").filter(pl.Series(keep, dtype=pl.Boolean))


#: Involvements and incidents of a person's history (:func:`person_history`).
_HISTORY_INV: Final[dict[str, pl.DataType]] = {
    "incident_id": pl.String(),
    "person_id": pl.String(),
    "role": pl.String(),
}
_HISTORY_INC: Final[dict[str, pl.DataType]] = {
    "incident_id": pl.String(),
    "occurred_from": pl.Datetime("us"),
    # a record dated alone (day) is in a window by its day: without it, one of the
    # year's first day was compared by its 00:00 (the risk lists, MARAC escalation)
    "time_precision": pl.String(),
    "domestic": pl.Boolean(),
    "in_definition": pl.Boolean(),
    "category": pl.String(),
    "harm_days": pl.Float64(),
    # the area columns (avert.areas.in_area): an area's briefing keeps the history
    # in its area, which it lost without them
    "borough": pl.String(),
    "lsoa": pl.String(),
}
#: The SELECT of both history queries (involvements ``v``, incidents ``i``,
#: classifications ``c`` under the profile, the first parameter).
_HISTORY_SELECT: Final = (
    'SELECT v."incident_id", v."person_id", v."role", i."occurred_from", '
    'i."time_precision", i."domestic", c."in_definition", c."category", c."harm_days", '
    'i."borough", i."lsoa" '
    'FROM "involvements" v JOIN "incidents" i ON i."incident_id" = v."incident_id" '
    'LEFT JOIN "classifications" c ON c."incident_id" = v."incident_id" '
    'AND c."profile" = ? '
)


def person_history(
    store: Store,
    person_ids: Sequence[str],
    *,
    since: dt.datetime,
    until: dt.datetime,
    profile: str,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Involvements and classified incidents of ``person_ids`` in ``[since, until)``.

    One query joins involvements (index on person_id) to incidents and their
    classification, so a store of millions of rows returns only these people's year.
    Returns ``(involvements, incidents)``.
    """
    if not person_ids:
        return _history_frames(None)
    sql = (
        _HISTORY_SELECT + f'WHERE v."person_id" IN ({_JSON_IN[store.dialect]}) '
        'AND i."occurred_from" >= ? AND i."occurred_from" < ?'
    )

    def read(people: list[str], start: dt.datetime, end: dt.datetime) -> pl.DataFrame:
        return store._query(
            sql,
            [profile, json.dumps(people), *_range(store, start, end)],
            schema={**_HISTORY_INV, **_HISTORY_INC},  # the SELECT's columns, in order
        )

    # each person's whole days read once per data generation (avert.store.kept)
    raw = kept_for_people(
        store, ("person_history", profile), person_ids, since, until, read
    )
    return _history_frames(raw, since=since, until=until)


def offending_history(
    store: Store,
    person_ids: Sequence[str],
    *,
    since: dt.datetime,
    until: dt.datetime,
    profile: str,
    roles: Sequence[str],
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Incidents in ``[since, until)`` where one of ``person_ids`` had one of
    ``roles``, with *everyone* in ``roles`` in them: these people's co-offending.

    The ties :func:`avert.analyse.networks.co_offending_edges` draws from the result
    are all those of ``person_ids`` (each with its full weight), without reading the
    force's whole graph. So the ``victim`` rows of the people in ``roles`` who are
    also recorded as victims of the same incident (a mutual fight) come too: such a
    person makes no tie there, as in the whole graph. Returns ``(involvements,
    incidents)`` as :func:`person_history`.
    """
    if not person_ids or not roles:
        return _history_frames(None)
    json_in = _JSON_IN[store.dialect]
    sql = (
        _HISTORY_SELECT + f'WHERE (v."role" IN ({json_in}) OR (v."role" = \'victim\' '
        'AND EXISTS (SELECT 1 FROM "involvements" w '
        'WHERE w."incident_id" = v."incident_id" AND w."person_id" = v."person_id" '
        f'AND w."role" IN ({json_in})))) AND v."incident_id" IN ('
        'SELECT o."incident_id" FROM "involvements" o '
        f'WHERE o."person_id" IN ({json_in}) AND o."role" IN ({json_in})) '
        'AND i."occurred_from" >= ? AND i."occurred_from" < ?'
    )
    role_list = json.dumps(sorted(set(roles)))
    people = json.dumps(sorted(set(person_ids)))
    raw = kept_between(
        store,
        ("offending_history", profile, role_list, people),
        since,
        until,
        lambda start, end: store._query(
            sql,
            [
                profile,
                role_list,
                role_list,
                people,
                role_list,
                *_range(store, start, end),
            ],
            schema={**_HISTORY_INV, **_HISTORY_INC},
        ),
    )
    return _history_frames(raw, since=since, until=until)


def _history_frames(
    raw: pl.DataFrame | None,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``(involvements, incidents)`` of a history query's rows, typed; those with
    ``since <= occurred_from < until`` when given (the rows of whole days read and
    kept by :func:`avert.store.kept.kept_between`, cut to the asked range)."""
    if raw is None or raw.height == 0:
        return pl.DataFrame(schema=_HISTORY_INV), pl.DataFrame(schema=_HISTORY_INC)
    when = pl.col("occurred_from")
    if raw.schema["occurred_from"] == pl.String:
        when = when.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", strict=False)
    frame = raw.with_columns(
        when.cast(pl.Datetime("us")).alias("occurred_from"),
        pl.col("domestic").cast(pl.Boolean),
        pl.col("in_definition").cast(pl.Boolean),
        pl.col("harm_days").cast(pl.Float64),
        pl.col("incident_id", "person_id", "role", "category", "borough", "lsoa").cast(
            pl.String
        ),
    )
    if since is not None and until is not None:
        frame = frame.filter(pl.col("occurred_from").is_between(since, until, "left"))
    inv = frame.select(list(_HISTORY_INV)).unique()
    inc = frame.select(list(_HISTORY_INC)).unique("incident_id", keep="first")
    return inv, inc


def offenders_between(
    store: Store,
    since: dt.datetime,
    until: dt.datetime,
    *,
    profile: str,
    roles: Sequence[str] = ("suspect", "offender"),
) -> pl.DataFrame:
    """People in ``roles`` of in-definition incidents with ``since <= occurred_from < until``.

    One query (involvements joined to incidents and their classification under
    ``profile``): ``person_id`` and the incident's ``borough``, distinct. The pool a
    list of people is drawn from (the make-up beside every list).
    """
    schema: dict[str, pl.DataType] = {"person_id": pl.String(), "borough": pl.String()}
    if not roles:
        return pl.DataFrame(schema=schema)
    marks = ", ".join("?" for _ in roles)
    sql = (
        'SELECT DISTINCT v."person_id", i."borough" FROM "involvements" v '
        'JOIN "incidents" i ON i."incident_id" = v."incident_id" '
        'JOIN "classifications" c ON c."incident_id" = v."incident_id" '
        'AND c."profile" = ? '
        'WHERE i."occurred_from" >= ? AND i."occurred_from" < ? '
        f'AND c."in_definition" AND v."role" IN ({marks})'
    )
    raw = store._query(
        sql, [profile, *_range(store, since, until), *roles], schema=schema
    )
    return raw.select(pl.col(c).cast(t) for c, t in schema.items())


#: The latest record of each person in the tables other than involvements (a
#: UNION ALL arm per table, each grouped in the database).
_PERSON_RECORDS_SQL: Final = (
    'SELECT "subject_id" AS "person_id", \'intelligence\' AS "source", '
    'NULL AS "category", MAX("recorded_at") AS "last_at" '
    'FROM "intelligence" WHERE "subject_type" = \'person\' GROUP BY "subject_id" '
    "UNION ALL "
    'SELECT "caller_id", \'asb_caller\', NULL, MAX("occurred_at") FROM "asb" '
    'WHERE "caller_id" IS NOT NULL GROUP BY "caller_id" '
    "UNION ALL "
    'SELECT "person_id", \'stop\', NULL, MAX("occurred_at") FROM "stops" '
    'WHERE "person_id" IS NOT NULL GROUP BY "person_id" '
    "UNION ALL "
    'SELECT "person_id", \'dash\', NULL, MAX("assessed_at") FROM "dash" '
    'WHERE "person_id" IS NOT NULL GROUP BY "person_id" '
    "UNION ALL "
    'SELECT "item_id", \'tasking\', NULL, MAX("created_at") FROM "taskings" '
    "WHERE \"item_kind\" IN ('person', 'repeat_victim', 'asb_caller') "
    'GROUP BY "item_id"'
)
_PERSON_RECORDS: Final[dict[str, pl.DataType]] = {
    "person_id": pl.String(),
    "source": pl.String(),
    "category": pl.String(),
    "last_at": pl.Datetime("us"),
}


def person_records(store: Store, *, profile: str) -> pl.DataFrame:
    """Every person's latest record of each kind: the input of a retention review.

    Rows ``person_id``, ``source``, ``category``, ``last_at``: one per person and
    involvement role (with the incident's category when it is in the definition
    under ``profile``), and per person for intelligence on them, ASB they reported,
    stops of them, DASH risk assessments of them, taskings of the daily meeting
    naming them (``source`` ``intelligence``, ``asb_caller``, ``stop``, ``dash``,
    ``tasking``) and
    declared group membership (``group_member``, its ``since`` date); plus a
    ``person`` row with a null ``last_at`` for everyone in the people table (or
    whose name, date of birth or address ``person_identity`` holds) and a
    ``relation`` one for everyone in a relationship, so a person no dated record
    names is still listed. ``unclassified`` is true on the involvement rows of
    incidents with no classification under ``profile`` (loaded with
    ``--no-classify`` since): their category is unknown, not outside the definition.

    The involvements are joined to their incidents' times and categories in Polars
    (three column reads): SQLite's join, one index lookup per involvement, took
    about 45 s on a store of 1 M incidents and 1.75 M involvements.
    """
    involvements = store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    times = store.read_frame("incidents", columns=["incident_id", "occurred_from"])
    classes = store.read_frame(
        "classifications",
        columns=["incident_id", "in_definition", "category"],
        where=[("profile", "=", profile)],
    ).select(
        "incident_id",
        pl.when(pl.col("in_definition")).then(pl.col("category")).alias("category"),
        pl.lit(value=True).alias("classified"),
    )
    involved = (
        involvements.join(times, on="incident_id", how="inner")
        .join(classes, on="incident_id", how="left")
        .with_columns(pl.col("classified").is_null().alias("unclassified"))
        .group_by("person_id", "role", "category", "unclassified")
        .agg(pl.col("occurred_from").max().alias("last_at"))
        .select(
            "person_id",
            pl.col("role").alias("source"),
            "category",
            pl.col("last_at").cast(pl.Datetime("us")),
            "unclassified",
        )
    )
    dated = store._query(_PERSON_RECORDS_SQL, schema=_PERSON_RECORDS)
    members = store._query(
        'SELECT "person_id", MAX("since") AS "since" FROM "group_members" '
        'GROUP BY "person_id"',
        schema={"person_id": pl.String(), "since": pl.Date()},
    )
    people = store._query(
        'SELECT "person_id", \'person\' AS "source" FROM "people" UNION ALL '
        'SELECT "person_id", \'person\' FROM "person_identity" UNION ALL '
        'SELECT "person_a", \'relation\' FROM "relationships" UNION ALL '
        'SELECT "person_b", \'relation\' FROM "relationships"',
        schema={"person_id": pl.String(), "source": pl.String()},
    ).unique()
    return pl.concat(
        [
            involved,
            dated.with_columns(pl.lit(value=False).alias("unclassified")),
            members.select(
                "person_id",
                pl.lit("group_member").alias("source"),
                pl.lit(None, pl.String).alias("category"),
                pl.col("since").cast(pl.Datetime("us")).alias("last_at"),
                pl.lit(value=False).alias("unclassified"),
            ),
            people.select(
                "person_id",
                "source",
                pl.lit(None, pl.String).alias("category"),
                pl.lit(None, pl.Datetime("us")).alias("last_at"),
                pl.lit(value=False).alias("unclassified"),
            ),
        ],
        how="vertical",
    ).filter(pl.col("person_id").is_not_null())
