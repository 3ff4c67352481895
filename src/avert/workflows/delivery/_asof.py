"""Delivery rows as they stood at a past instant, rebuilt from their change history.

A board pack of a past month, and a plan board or its measures for a past day, read
each plan, objective, action and tasking as it stood at that day's end
(:func:`read_delivery`). Versions are ordered by their number (the row's own
sequence, :func:`avert.store.delivery.put_versioned_all` checks it), never by time
alone: history times are whole seconds (:func:`avert.workflows.delivery._common._now`),
so a row replaced in the second it was recorded (the demo rescales the example
plan's baselines as it imports it; an import and an edit of the same second) has
two versions of one time.

The former reading (in :mod:`avert.workflows.delivery._common` until 2026-12-07)
took a row first recorded after the instant as its version 1 even when a
replacement of the same second followed it: a
board pack of October 2026 on the demo city read objective P1 as the plan file's
(baseline 1,200, target 1,000) and its measured 207 "on track", where November's
pack, of the same store, read the demo's baseline of 206 and "off track".
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.config.timezone import local_today
from avert.schema import TABLES
from avert.store import Store
from avert.store.delivery import DELIVERY_TABLES
from avert.workflows.delivery._common import _BOOKKEEPING, end_of_day

__all__ = ["read_delivery", "rows_as_of"]


def _chosen_versions(history: pl.DataFrame, at: dt.datetime) -> pl.DataFrame:
    """Each row's history entry to show at ``at``: its newest version recorded
    before ``at``; a row first recorded at or after ``at``, the newest version of
    the second it was first recorded in (a same-second replacement is part of its
    first record). ``history`` is sorted by id and version."""
    before = history.filter(pl.col("at") < at)
    known = before.group_by("entity_id", maintain_order=True).last()
    later = history.join(known.select("entity_id"), on="entity_id", how="anti")
    first_record = later.filter(pl.col("at") == pl.col("at").first().over("entity_id"))
    as_first = first_record.group_by("entity_id", maintain_order=True).last()
    return pl.concat([known, as_first])


def _decoded(chosen: pl.DataFrame, entity: str) -> pl.DataFrame:
    """The table's rows from their history entries' ``after_json`` (``updated_at``
    and ``version`` of the entry), in key order with the table's schema."""
    spec = TABLES[DELIVERY_TABLES[entity]]
    temporal = {
        name: dtype
        for name, dtype in spec.schema.items()
        if dtype in (pl.Date, pl.Datetime) or isinstance(dtype, pl.Datetime)
    }
    fields = {
        name: (pl.String if name in temporal else dtype)
        for name, dtype in spec.schema.items()
        if name not in _BOOKKEEPING
    }
    decoded = chosen.select(
        pl.col("after_json").str.json_decode(pl.Struct(fields)).alias("row"),
        pl.col("at").alias("updated_at"),
        pl.col("version"),
    ).unnest("row")
    rows = decoded.with_columns(
        (
            pl.col(name).str.to_date(strict=False)
            if dtype == pl.Date
            else pl.col(name).str.to_datetime(strict=False).cast(dtype)
        )
        for name, dtype in temporal.items()
        if name not in _BOOKKEEPING
    )
    key = spec.primary_key[0]
    return rows.select(spec.schema.keys()).cast(spec.schema).sort(key)


def rows_as_of(store: Store, entity: str, at: dt.datetime) -> tuple[pl.DataFrame, int]:
    """The rows of a delivery table as they stood just before ``at``.

    Rebuilt from ``delivery_history``, which holds every version of every row
    (``after_json``): each row is its newest version (by number) recorded before
    ``at``. A row first recorded at or after ``at`` (a plan imported after the
    month) has no state then; it is given as first recorded, with any replacement
    saved in that same second (:func:`_chosen_versions`), and their number is
    returned so that the caller can say so.

    Returns
    -------
    (polars.DataFrame, int)
        The rows with the table's schema (``updated_at`` and ``version`` of the
        version shown), and how many are given as first recorded after ``at``.
    """
    history = store.read_frame(
        "delivery_history",
        columns=["entity_id", "at", "version", "after_json"],
        where=[("entity", "=", entity)],
    ).sort("entity_id", "version", "at")
    chosen = _chosen_versions(history, at)
    if chosen.height == 0:
        spec = TABLES[DELIVERY_TABLES[entity]]
        return pl.DataFrame(schema=spec.schema), 0
    later = chosen.filter(pl.col("at") >= at).height
    return _decoded(chosen, entity), later


def read_delivery(
    store: Store, entity: str, *, today: dt.date | None = None
) -> pl.DataFrame:
    """A delivery table as it stood at the end of ``today``, in key order.

    Today or later (or None): the table itself. A past day (a board pack or plan
    status of an earlier month): :func:`rows_as_of` its end, so an action done in
    December is still open in November's pack. Rows first recorded after that day
    are given as first recorded; their ``updated_at`` is then after the day's end
    (:func:`avert.workflows.delivery._common.first_recorded_after` counts them).
    """
    table = DELIVERY_TABLES[entity]
    if today is None or today >= local_today(store.timezone):
        return store.read_frame(table, order_by=[TABLES[table].primary_key[0]])
    rows, _ = rows_as_of(store, entity, end_of_day(today))
    return rows
