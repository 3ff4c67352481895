"""What a grid cell is near, read from the store, as the briefing says its places.

A cell of the places grid reads "150m:E3554:N1210", which no one at a meeting can
find. Its name is the briefing's (:func:`avert.briefing.places.cell_names`: the
commonest location text and area name of the cell's violent incidents, else the
nearest named cell's within 500 m), read over a year (:data:`NAME_DAYS`) up to
``end``, or to just after the store's latest incident when its records stop
earlier. The delivery plan's place subjects
(:mod:`avert.workflows.delivery._place_names`) and the command line's place
statistics and forecasts (``avert analyse gistar``, ``analyse hotspots``,
``avert forecast``) name their cells so. Read for a partner, the names are
areas only (the location text is police-only, :data:`avert.access.POLICE_ONLY`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from avert.access import POLICE_ONLY
from avert.briefing.places import cell_names
from avert.store import Store, queries

__all__ = ["NAME_DAYS", "store_cell_names"]

#: Days of violent incidents a cell is named by: the year the checks pick
#: top-harm places over (:data:`avert.workflows.delivery._checks.CHECK_DAYS`).
NAME_DAYS = 365

#: The incident texts a place is named by (most local first after the location).
_NAME_COLUMNS = ("location", "lsoa_name", "ward", "borough")


def _named_until(store: Store, end: dt.datetime) -> dt.datetime:
    """The end of the year a place is named by: ``end``, or a month after the
    store's latest incident when its records stop earlier (a store of past
    police.uk months names its places by those months, as its briefing does, not
    by an empty year; the month takes in the whole of a month-precision record's
    month, and no record lies after the latest)."""
    latest = [
        queries.latest_time(store, before=end, precision=p) for p in ("exact", "month")
    ]
    known = [t for t in latest if t is not None]
    if not known:
        return end
    after = dt.datetime.combine(max(known).date() + dt.timedelta(days=32), dt.time())
    return min(end, after)


def store_cell_names(
    store: Store,
    cell_ids: Sequence[str],
    *,
    profile: str,
    end: dt.datetime,
    partner: bool = False,
) -> dict[str, tuple[str, float]]:
    """Cell id -> (what it is near, metres to the named cell; 0: its own name),
    for the grid cells among ``cell_ids`` that have a name, by the violent
    incidents of the definition ``profile`` in the year to ``end``
    (:func:`_named_until`); ``partner``: without the police-only location text."""
    cells = [c for c in dict.fromkeys(cell_ids) if c]
    if not cells:
        return {}
    until = _named_until(store, end)
    since = until - dt.timedelta(days=NAME_DAYS)
    names = [
        c for c in _NAME_COLUMNS if not (partner and c in POLICE_ONLY["incidents"])
    ]
    located = queries.classified_between(
        store,
        since,
        until,
        columns=["occurred_from", "x", "y", *names],
        profile=profile,
        class_columns=("in_definition",),
        in_definition_only=True,
        # whole days, kept for the store's data generation: the next read of the
        # same cells reads them no more (avert.store.kept)
        keep=True,
    )
    return cell_names(located, cells, since=since, until=until)
