"""What is in the database: counts per table, source, force and month.

The stable ``avert status --json`` object is built here, where the SQL lives::

    {"tables": {"incidents": N, "stops": N, "quarantine": N, ...},
     "incidents": {"by_source": {...}, "by_force": {...}, "by_month": {...}},
     "stops": {...same...},
     "quarantine": {"rejected": N, "duplicate": N, "by_file": {...}},
     "loads": {"files": N, "loads": N, "last_loaded_at": "..."}}

``loads.files`` counts distinct files loaded (by name and digest: one loaded again
counts once), ``loads.loads`` the times files' rows were stored (a ``loads`` row
each: a file whose rows were deleted or replaced and that is loaded again adds
one).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import polars as pl

from avert.schema import (
    CLASSIFICATIONS,
    DASH,
    DETECTED_GROUPS,
    INCIDENTS,
    LOADS,
    POPULATIONS,
    STOPS,
    TABLES,
    TableSpec,
)
from avert.store.database import BYTEWISE, Store, _to_sql_value

__all__ = [
    "adding_load_at",
    "area_incident_span",
    "asb_unbridged",
    "classified_counts",
    "classified_profiles",
    "columns_with_data",
    "detected_groups_at",
    "distinct_loaded_files",
    "ethnic_group_years",
    "held_rows_by_load",
    "incident_extent",
    "incident_forces",
    "incident_forces_sharing",
    "incident_span",
    "incident_spans",
    "incidents_between",
    "latest_dash_at",
    "latest_incident_at",
    "latest_record_end",
    "latest_stop_at",
    "month_only_incidents",
    "record_sources",
    "status_summary",
    "stop_span",
    "stops_after",
]


def _month_expr(store: Store, column: str) -> str:
    if store.dialect == "postgresql":
        return f"to_char(\"{column}\", 'YYYY-MM')"
    return f'substr("{column}", 1, 7)'


def _grouped(store: Store, table: str, expr: str) -> dict[str, int]:
    frame = store._query(
        # NULLS FIRST: SQLite's default, PostgreSQL's is last ("(none)" first on both);
        # bytewise, whatever the database's collation
        f'SELECT {expr} AS k, COUNT(*) AS n FROM "{table}" GROUP BY 1 '
        f"ORDER BY {expr}{BYTEWISE[store.dialect]} NULLS FIRST",
        schema={"k": pl.String(), "n": pl.Int64()},
    )
    return {
        ("(none)" if k is None else str(k)): int(n)
        for k, n in zip(frame["k"].to_list(), frame["n"].to_list(), strict=True)
    }


#: the tables of records about people and events whose ``source`` names the extract
#: they came from (not the plan's history, populations or surveys)
RECORD_TABLES: Final = (
    "incidents",
    "stops",
    "people",
    "relationships",
    "groups",
    "asb",
    "attendances",
    "intelligence",
    "dash",
)


def record_sources(store: Store) -> dict[str, dict[str, int]]:
    """Rows per ``source`` of each of :data:`RECORD_TABLES`."""
    return {name: _grouped(store, name, '"source"') for name in RECORD_TABLES}


def incident_forces(store: Store) -> dict[str, int]:
    """Incidents per ``force`` (``"(none)"`` for those naming none), one query."""
    return _grouped(store, "incidents", '"force"')


def incident_forces_sharing(store: Store, field: str) -> int:
    """How many values of the incidents' ``field`` (an area column; none recorded
    is one of them) hold incidents of more than one ``force``, one query: the
    areas whose series add two forces' records together."""
    if field not in INCIDENTS.names:
        msg = f"incidents have no column {field!r}"
        raise ValueError(msg)
    frame = store._query(
        f'SELECT COUNT(*) AS n FROM (SELECT "{field}" FROM "incidents" '
        f'WHERE "force" IS NOT NULL GROUP BY "{field}" '
        'HAVING COUNT(DISTINCT "force") > 1) AS shared',
        schema={"n": pl.Int64()},
    )
    return int(frame["n"][0])


def status_summary(store: Store) -> dict[str, Any]:
    """Counts per table, and per source, force and month for incidents and stops."""
    out: dict[str, Any] = {"tables": store.counts()}
    for table, when in (("incidents", "occurred_from"), ("stops", "occurred_at")):
        out[table] = {
            "by_source": _grouped(store, table, '"source"'),
            "by_force": _grouped(store, table, '"force"'),
            "by_month": _grouped(store, table, _month_expr(store, when)),
        }
    out["quarantine"] = {
        "rejected": 0,
        "duplicate": 0,
        **_grouped(store, "quarantine", '"kind"'),
        "by_file": _grouped(store, "quarantine", '"source_file"'),
    }
    last = store._query(
        'SELECT MAX("loaded_at") AS t FROM "loads"',
        schema={"t": LOADS.schema["loaded_at"]},
    )["t"][0]
    out["loads"] = {
        "files": distinct_loaded_files(store),
        "loads": out["tables"]["loads"],
        "last_loaded_at": None if last is None else last.isoformat(),
    }
    return out


def distinct_loaded_files(store: Store) -> int:
    """How many distinct files the ``loads`` table records (a name and digest
    each): a file loaded again after its rows were deleted or replaced (a
    police.uk month switched back) has a second row but is one file."""
    frame = store._query(
        'SELECT COUNT(*) AS n FROM (SELECT "source_file", "file_sha256" '
        'FROM "loads" GROUP BY "source_file", "file_sha256") AS f',
        schema={"n": pl.Int64()},
    )
    return int(frame["n"][0])


#: the tables whose rows name the load and file that added them (``load_id``,
#: ``source_file`` and ``source_line``: avert.schema's provenance columns)
_LOADED_TABLES: Final = tuple(
    name
    for name, spec in TABLES.items()
    if {"load_id", "source_file", "source_line"} <= set(spec.names)
)


def held_rows_by_load(store: Store) -> pl.DataFrame:
    """The rows each load's file holds now, over every table whose rows name it
    (:data:`_LOADED_TABLES`): ``load_id``, ``source_file``, ``held``; one query
    (a GROUP BY per table, added together). ``loads.loaded`` is what a file added
    when it was loaded: rows deleted or replaced since (a police.uk month loaded
    again, retention) are not subtracted from it."""
    parts = " UNION ALL ".join(
        f'SELECT "load_id", "source_file", COUNT(*) AS n FROM "{name}" '
        'GROUP BY "load_id", "source_file"'
        for name in _LOADED_TABLES
    )
    return store._query(
        f'SELECT "load_id", "source_file", CAST(SUM(n) AS BIGINT) AS held FROM ({parts}) AS h '
        'GROUP BY "load_id", "source_file"',
        schema={"load_id": pl.String(), "source_file": pl.String(), "held": pl.Int64()},
    )


def classified_profiles(store: Store) -> list[str]:
    """Ids of the definition profiles that have rows in ``classifications``."""
    frame = store._query(
        'SELECT "profile" FROM "classifications" GROUP BY "profile" '
        f'ORDER BY "profile"{BYTEWISE[store.dialect]}',
        schema=CLASSIFICATIONS.schema_of("profile"),
    )
    return [str(p) for p in frame["profile"].to_list()]


def adding_load_at(store: Store) -> dt.datetime | None:
    """When the latest load that added rows was recorded (``loads.loaded_at`` of a
    row with ``loaded > 0``; None when none did)."""
    frame = store._query(
        'SELECT MAX("loaded_at") AS "loaded_at" FROM "loads" WHERE "loaded" > 0',
        schema=LOADS.schema_of("loaded_at"),
    )
    value = None if frame.height == 0 else frame["loaded_at"][0]
    return value if isinstance(value, dt.datetime) else None


def detected_groups_at(store: Store) -> dt.datetime | None:
    """When the stored detected groups were computed (None when none are stored)."""
    return _latest(store, DETECTED_GROUPS, "computed_at")


def classified_counts(store: Store) -> dict[str, int]:
    """Rows in ``classifications`` per definition profile (one query, grouped in
    the database). A profile classified over the whole store holds one row per
    incident, so a count below the incidents' says some incidents were loaded
    after its last classification (a load killed before it classified, or one
    loaded with ``--no-classify``)."""
    frame = store._query(
        'SELECT "profile", COUNT(*) AS n FROM "classifications" GROUP BY "profile"',
        schema={**CLASSIFICATIONS.schema_of("profile"), "n": pl.Int64()},
    )
    return {str(p): int(n) for p, n in frame.iter_rows()}


def asb_unbridged(store: Store, profile: str) -> int:
    """Stored ASB reports with no ``asb_escalations`` row of ``profile``: loaded
    after its last classification (the ASB bridge runs with it), or before avert
    stored the bridge (migration 0036). One anti-join on the bridge's primary key."""
    frame = store._query(
        'SELECT COUNT(*) AS n FROM "asb" a WHERE NOT EXISTS (SELECT 1 FROM '
        '"asb_escalations" e WHERE e."asb_id" = a."asb_id" AND e."profile" = ?)',
        [profile],
        schema={"n": pl.Int64()},
    )
    return int(frame["n"][0])


def columns_with_data(
    store: Store, table: TableSpec, columns: Sequence[str]
) -> tuple[str, ...]:
    """The ``columns`` of ``table`` that hold a value in at least one row, in order.

    One query per column, each stopping at its first non-null value: a column the
    source fills is answered at once; only an empty one reads the table through.
    """
    unknown = [c for c in columns if c not in table.schema]
    if unknown:
        raise ValueError(f"{table.name} has no column {', '.join(unknown)}")
    return tuple(
        column
        for column in columns
        if store._query(
            f'SELECT 1 AS one FROM "{table.name}" WHERE "{column}" IS NOT NULL LIMIT 1',
            schema={"one": pl.Int64()},
        ).height
    )


def latest_stop_at(store: Store) -> dt.datetime | None:
    """Time of the most recent stop and search in the store (None when empty)."""
    return _latest(store, STOPS, "occurred_at")


def ethnic_group_years(store: Store) -> list[int]:
    """The years whose populations hold residents by ethnic group, oldest first
    (one query): the census years ``avert analyse equality --population-year``
    and the Equality page's Census year field can choose."""
    frame = store._query(
        f'SELECT DISTINCT "year" AS "year" FROM "{POPULATIONS.name}" '
        'WHERE "ethnicity" <> \'all\' AND "year" IS NOT NULL ORDER BY 1',
        schema={"year": pl.Int64()},
    )
    return [int(y) for y in frame["year"].to_list()]


def stop_span(store: Store) -> tuple[dt.datetime, dt.datetime] | None:
    """When the store's stops and searches start and end: the earliest and latest
    ``occurred_at`` (None when there are none; one scan)."""
    when = STOPS.schema["occurred_at"]
    frame = store._query(
        f'SELECT MIN("occurred_at") AS "first", MAX("occurred_at") AS "last" '
        f'FROM "{STOPS.name}"',
        schema={"first": when, "last": when},
    )
    first, last = frame.row(0) if frame.height else (None, None)
    if isinstance(first, dt.datetime) and isinstance(last, dt.datetime):
        return first, last
    return None


def stops_after(store: Store, at: dt.datetime, force: str | None = None) -> bool:
    """Whether the store holds a stop and search of ``force`` (None: of any
    force) at or after ``at``: one seek (``LIMIT 1``), not the rows."""
    where = '"occurred_at" >= ?' + (' AND "force" = ?' if force else "")
    params = [_to_sql_value(at, store.dialect), *([force] if force else [])]
    frame = store._query(
        f'SELECT 1 AS one FROM "{STOPS.name}" WHERE {where} LIMIT 1',
        params,
        schema={"one": pl.Int64()},
    )
    return frame.height > 0


def latest_incident_at(store: Store) -> dt.datetime | None:
    """Start time of the most recent incident in the store (None when empty)."""
    return _latest(store, INCIDENTS, "occurred_from")


def latest_dash_at(store: Store) -> dt.datetime | None:
    """Time of the most recent DASH assessment in the store (None when none)."""
    return _latest(store, DASH, "assessed_at")


def month_only_incidents(store: Store) -> tuple[int, int]:
    """How many incidents are month-only (``time_precision = 'month'``, as
    data.police.uk dates them), and how many the store holds: one counting scan.

    The day-level analyses (forecasts, near repeat, emerging hot spots) refuse a
    store whose every incident is month-only; asked first, this spares reading
    and classifying every incident to find that out (8-17 s on London's 2022
    first quarter, 203,519 crimes).
    """
    frame = store._query(
        "SELECT COUNT(CASE WHEN \"time_precision\" = 'month' THEN 1 END) AS m, "
        'COUNT(*) AS n FROM "incidents"',
        schema={"m": pl.Int64(), "n": pl.Int64()},
    )
    month_only, total = frame.row(0)
    return int(month_only), int(total)


def incident_span(
    store: Store, *, timed: bool = False
) -> tuple[dt.datetime, dt.datetime] | None:
    """When the store's incidents start and end (None when there are none).

    The start is the earliest ``occurred_from``; the end the latest
    ``occurred_from``, or the last instant of the latest month-only month, which
    its records cover as a whole: taken from their ``occurred_from`` (the month's
    first instant), as a table loaded with ``time_precision = 'month'`` stores no
    ``occurred_to`` (data.police.uk's is that same last instant).

    ``timed``: of the incidents that say more than their month only (a weekly
    series leaves the month-only ones out).
    """
    return _first_last(_spans(store, timed=timed, by=()))


def incident_spans(store: Store, *, timed: bool = False) -> pl.DataFrame:
    """:func:`incident_span` of each ``force`` and ``source`` pair's incidents:
    ``force``, ``source``, ``first``, ``last`` (one grouped scan). One force's
    records can end mid-month while another's run on."""
    return _spans(store, timed=timed, by=("force", "source"))


def area_incident_span(
    store: Store, area: str | Sequence[str]
) -> tuple[dt.datetime, dt.datetime] | None:
    """:func:`incident_span` of the incidents whose ``borough`` or ``lsoa`` is
    ``area``, spelt as stored, or any of its spellings (a list:
    :func:`avert.workflows.briefing.stored_spellings`; "Leeds" and "LEEDS" are one
    place, and its span was its first spelling's): when the store's records of
    that area start and end (None: it holds none). A store of two forces can
    cover a day of one and not of the other: the City of London's 2019 beside
    West Yorkshire's July 2018 (one scan)."""
    names = [area] if isinstance(area, str) else list(area)
    if not names:
        return None
    marks = ", ".join("?" * len(names))
    return _first_last(
        _spans(
            store,
            timed=False,
            by=(),
            where=(
                f'("borough" IN ({marks}) OR "lsoa" IN ({marks}))',
                (*names, *names),
            ),
        )
    )


def _spans(
    store: Store,
    *,
    timed: bool,
    by: tuple[str, ...],
    where: tuple[str, Sequence[object]] | None = None,
) -> pl.DataFrame:
    """``by`` columns, ``first`` and ``last`` (month-only months to their end) of
    the incidents (of ``where``: a condition and its parameters), grouped by
    ``by`` (none: one row)."""
    tests = [
        *(
            ['("time_precision" IS NULL OR "time_precision" <> \'month\')']
            if timed
            else []
        ),
        *([where[0]] if where else []),
    ]
    only_timed = f" WHERE {' AND '.join(tests)}" if tests else ""
    quoted = [f'"{c}"' for c in by]
    keys = "".join(f"{q}, " for q in quoted)
    group = f" GROUP BY {', '.join(quoted)}" if by else ""
    frame = store._query(
        f'SELECT {keys}MIN("occurred_from") AS "first", MAX("occurred_from") AS "last", '
        'MAX(CASE WHEN "time_precision" = \'month\' THEN "occurred_from" END) '
        f'AS "last_month" FROM "incidents"{only_timed}{group}',
        list(where[1]) if where else [],
        schema={
            **dict.fromkeys(by, pl.String()),
            "first": pl.Datetime("us"),
            "last": pl.Datetime("us"),
            "last_month": pl.Datetime("us"),
        },
    )
    # the month's last instant, as data.police.uk's occurred_to is written
    month = pl.col("last_month").dt.truncate("1mo")
    month_end = month.dt.offset_by("1mo") - pl.duration(microseconds=1)
    return frame.select(
        *by, "first", pl.max_horizontal("last", month_end).alias("last")
    )


def incident_extent(
    store: Store, start: dt.datetime, end: dt.datetime, *, timed: bool = False
) -> tuple[dt.datetime, dt.datetime] | None:
    """Earliest and latest ``occurred_from`` of the incidents with ``start <=
    occurred_from < end`` (None when there are none).

    Two scalar aggregates, each answered from the end of the time index's range
    (SQLite and PostgreSQL turn a lone MIN or MAX into one index seek; both in one
    SELECT scanned the range: 44 ms against 0.7 ms on 306,420 incidents). The
    board's windows read three years of incident times to take their minimum.
    ``timed``: of the incidents that say more than their month only.
    """
    where = 'FROM "incidents" WHERE "occurred_from" >= ? AND "occurred_from" < ?' + (
        ' AND ("time_precision" IS NULL OR "time_precision" <> \'month\')'
        if timed
        else ""
    )
    bounds = [_to_sql_value(start, store.dialect), _to_sql_value(end, store.dialect)]
    frame = store._query(
        f'SELECT (SELECT MIN("occurred_from") {where}) AS "first", '
        f'(SELECT MAX("occurred_from") {where}) AS "last"',
        [*bounds, *bounds],
        schema={"first": pl.Datetime("us"), "last": pl.Datetime("us")},
    )
    return _first_last(frame)


def _area_where(areas: Sequence[str] | None) -> tuple[str, list[object]]:
    """The condition (`` AND ...``, or none) and parameters of the incidents of
    ``areas`` (stored spellings of a borough or LSOA; None: every incident)."""
    if areas is None:
        return "", []
    names = list(areas)
    marks = ", ".join("?" * len(names)) or "NULL"
    return f' AND ("borough" IN ({marks}) OR "lsoa" IN ({marks}))', [*names, *names]


def incidents_between(
    store: Store,
    start: dt.datetime,
    end: dt.datetime,
    *,
    areas: Sequence[str] | None = None,
) -> int:
    """How many incidents of any kind have ``start <= occurred_from < end``, of
    the ``areas`` (stored spellings of a borough or LSOA) when given."""
    cond, names = _area_where(areas)
    frame = store._query(
        'SELECT COUNT(*) AS "n" FROM "incidents" WHERE "occurred_from" >= ? '
        f'AND "occurred_from" < ?{cond}',
        [
            _to_sql_value(start, store.dialect),
            _to_sql_value(end, store.dialect),
            *names,
        ],
        schema={"n": pl.Int64()},
    )
    return int(frame["n"][0]) if frame.height else 0


def latest_record_end(
    store: Store,
    before: dt.datetime,
    *,
    areas: Sequence[str] | None = None,
) -> dt.datetime | None:
    """The end of the latest record with ``occurred_from < before`` (a month-only
    record's: its month's end, which it covers; None: none), of the ``areas``
    when given: where the run without records that holds an empty window starts
    (:func:`avert.briefing.model.records_gap`). Nothing at or after ``before`` is
    read: a briefing for a past ``--at`` says what the records said then."""
    cond, names = _area_where(areas)
    frame = store._query(
        'SELECT "occurred_from", "time_precision" FROM "incidents" WHERE '
        f'"occurred_from" < ?{cond} ORDER BY "occurred_from" DESC LIMIT 1',
        [_to_sql_value(before, store.dialect), *names],
        schema={"occurred_from": pl.Datetime("us"), "time_precision": pl.String()},
    )
    if not frame.height:
        return None
    last, precision = frame.row(0)
    if last is not None and precision == "month":  # to its month's end
        y, m = divmod(last.year * 12 + last.month, 12)
        last = dt.datetime(y, m + 1, 1)
    return last if isinstance(last, dt.datetime) else None


def _first_last(frame: pl.DataFrame) -> tuple[dt.datetime, dt.datetime] | None:
    """The first row's ``first`` and ``last`` times (None when either is missing)."""
    if frame.height == 0:
        return None
    first, last = frame.select("first", "last").row(0)
    if not isinstance(first, dt.datetime) or not isinstance(last, dt.datetime):
        return None
    return first, last


def _latest(store: Store, table: TableSpec, column: str) -> dt.datetime | None:
    """The largest time in ``table.column`` (None when the table is empty)."""
    frame = store._query(
        f'SELECT MAX("{column}") AS "{column}" FROM "{table.name}"',
        schema=table.schema_of(column),
    )
    value = None if frame.height == 0 else frame[column][0]
    return value if isinstance(value, dt.datetime) else None
