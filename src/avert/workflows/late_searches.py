"""Searches of an ended year loaded after it was first over in the store: the
partner and board figures of a fixed year leave them out (docs/equality.md,
"Searches loaded late").

A partner reads a force's own records by fixed years ending 31 March, once a
year is over in the store (:func:`avert.workflows.board.partner_equality_year`).
Searches of that year loaded later (a late batch, a corrected extract) changed
its figures: read before and after such a load, a group's counts differed by
the late batch's, counts of 1 to 4 the small-cell rule withholds. The year's
figures for partners are fixed at the searches loaded by the time it was first
over, by the store's load records (``loads.loaded_at`` of each search's
``load_id`` and ``source_file``); the later ones are left out by file (a load
recorded late may also store again a file first recorded in time, whose
searches stay) and only counted, in a note.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from avert.analyse.equality import _POLICE_UK_SOURCES
from avert.store import Store

__all__ = [
    "LateSearches",
    "LoadedFile",
    "latest_search_stored",
    "searches_loaded_late",
]

#: a file as one load stored it: ``(stops.load_id, stops.source_file)`` (the
#: ``loads`` table's key; a file of none, ``source_file`` null, as None)
LoadedFile = tuple[str, str | None]


@dataclass(frozen=True)
class LateSearches:
    """The searches of a year loaded after it was first over in the store."""

    #: the files of those searches, as their loads stored them (``load_id``,
    #: ``source_file``): a partner's figures leave out every search of the year
    #: these loads stored from these files, and no other search of the loads (a
    #: file of the same load recorded in time before stays)
    files: frozenset[LoadedFile]
    #: how many searches of the year they are
    searches: int


def searches_loaded_late(
    store: Store, force: str | None, year: tuple[dt.date, dt.date]
) -> LateSearches:
    """The searches of ``force`` (None: of any force) in the days of ``year``
    (inclusive) loaded after the year was first over in the store.

    The year was first over when the first load that brought a search of the
    force after its last day was recorded: the earliest ``loads.loaded_at`` of
    those searches' loads, and of the loads that stored one by
    ``load_stop_spans`` (the searches deleted since: a year once over stays
    over). A search of the year is late when its load was recorded after that
    (a tie, two loads recorded at the same time, counts as in time; a search
    stored again from a file recorded before, its rows deleted since, was
    loaded when that file was first recorded: :func:`_loaded_at`). A search with no load (``load_id`` empty, or naming no recorded
    load: stored before loads were recorded, or by hand) is taken as loaded
    before any recorded one; so is the first-over time when a search after the
    year has none. No search after the year: none is late (the year is not
    over; :func:`~avert.workflows.board._partner_year` reads no such year).

    Only a file holding a late search that is not police.uk's (a force's own
    records) is late: police.uk's searches are public, and a month it re-issued
    is stored again by a later load. Every search of the year a load stored
    from a late file is left out and counted in :attr:`LateSearches.searches`;
    the leave-out is by file, not by load: one load that stores again a file
    first recorded in time (its rows deleted since) and brings a late file
    leaves the first file's searches in (by load, they went too, and the year
    read before and after differed by them)."""
    start = dt.datetime.combine(year[0], dt.time())
    after = dt.datetime.combine(year[1] + dt.timedelta(days=1), dt.time())
    # the year's searches and those after it: the store's whole history read
    # took 0.8 s of CPU with a million searches before the year; 0.14 s so
    stops = store.read_frame(
        "stops",
        columns=["occurred_at", "load_id", "source", "source_file"],
        where=[
            *([("force", "=", force)] if force else []),
            ("occurred_at", ">=", start),
        ],
    )
    recorded = store.read_frame(
        "loads", columns=["load_id", "source_file", "file_sha256", "loaded_at"]
    )
    loads = recorded.group_by("load_id").agg(pl.col("loaded_at").min())
    timed = _loaded_at(stops, recorded, loads)
    later = pl.concat(
        [
            timed.filter(pl.col("occurred_at") >= after)["loaded_at"],
            _loads_that_stored_after(store, force, after, loads),
        ]
    )
    if later.len() == 0:
        return LateSearches(frozenset(), 0)
    in_year = timed.filter(
        pl.col("occurred_at") >= start,
        pl.col("occurred_at") < after,
        pl.col("loaded_at").is_not_null(),
    )
    # over before every recorded load when a search after the year has none
    late = (
        in_year
        if later.null_count()
        else in_year.filter(pl.col("loaded_at") > later.min())
    )
    # police.uk's searches are public: a month it re-issued (stored again by a
    # later load) gives nothing back by difference and stays in the year
    source = pl.col("source").cast(pl.String)
    own = source.is_null() | ~source.is_in(sorted(_POLICE_UK_SOURCES))
    key = ["load_id", "source_file"]
    late_files = late.filter(own).select(key).unique()
    left_out = in_year.join(late_files, on=key, how="semi", nulls_equal=True)
    files = frozenset((str(load), name) for load, name in late_files.iter_rows())
    return LateSearches(files, left_out.height)


def _loaded_at(
    stops: pl.DataFrame, recorded: pl.DataFrame, loads: pl.DataFrame
) -> pl.DataFrame:
    """``stops`` with ``loaded_at``: when the file they came from (its name and
    digest, as their load recorded it) was first recorded, else (no file of
    theirs recorded under their load) their load's earliest ``loaded_at``, else
    null (no load recorded). A file's rows deleted and the same bytes loaded
    again were loaded when that file first was: a year's searches loaded in
    time stay in it, and a late batch stays late."""
    first = recorded.group_by("source_file", "file_sha256").agg(
        pl.col("loaded_at").min().alias("first_at")
    )
    per_file = (
        recorded.join(first, on=["source_file", "file_sha256"])
        .group_by("load_id", "source_file")
        .agg(pl.col("first_at").min())
    )
    return (
        stops.join(per_file, on=["load_id", "source_file"], how="left")
        .join(loads, on="load_id", how="left")
        .with_columns(pl.coalesce("first_at", "loaded_at").alias("loaded_at"))
        .drop("first_at")
    )


def _loads_that_stored_after(
    store: Store, force: str | None, after: dt.datetime, loads: pl.DataFrame
) -> pl.Series:
    """``loaded_at`` (null: no load recorded) of each load that stored a search of
    ``force`` (None: of any force) at or after ``after``, as ``load_stop_spans``
    keeps it: those searches deleted or replaced since (by hand, or a month
    police.uk re-issued without them), the year they made over stays over, and
    from the same load (it moved later, and searches loaded between came into a
    year partners had read without them)."""
    spans = store.read_frame(
        "load_stop_spans",
        columns=["load_id"],
        where=[
            *([("force", "=", force)] if force else []),
            ("latest_at", ">=", after),
        ],
    )
    return spans.join(loads, on="load_id", how="left")["loaded_at"]


def latest_search_stored(store: Store, force: str | None) -> dt.datetime | None:
    """The latest search time of ``force`` (None: of any force) any load stored,
    as ``load_stop_spans`` keeps it (the searches may be deleted since); None
    when no load recorded one."""
    spans = store.read_frame(
        "load_stop_spans",
        columns=["latest_at"],
        where=[("force", "=", force)] if force else [],
    )
    latest = spans["latest_at"].max()
    return latest if isinstance(latest, dt.datetime) else None
