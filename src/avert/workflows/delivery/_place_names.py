"""What a delivery plan's place subjects are near, as the briefing says its places.

A place subject is a cell of the places grid ("150m:E2715:N1913", the id the
meeting tasks and the checks write): the plan and the action page said only
"Place, 150 m cell E2715 N1913", where the meeting's item of the same place says
"Place near Station Road · Leeds 111B". The name is the briefing's
(:func:`avert.briefing.places.cell_names`: the commonest location text and area
name of the cell's violent incidents, else the nearest named cell's within 500 m),
read over a year (:data:`NAME_DAYS`) up to ``today``, or to just after the
store's latest incident when its records stop earlier. The plan names them for
the police only (a partner's and the board's places are pseudonyms); read for any
other reader, the names are areas only, as on a partner's briefing (the location
text is police-only, :data:`avert.access.POLICE_ONLY`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from avert.access import POLICE_ONLY, audience_of
from avert.briefing.places import cell_names
from avert.store import Store, queries
from avert.workflows.users import User

__all__ = ["NAME_DAYS", "place_subject_names"]

#: Days of violent incidents a place subject is named by: the year the checks pick
#: top-harm places over (:data:`avert.workflows.delivery._checks.CHECK_DAYS`).
NAME_DAYS = 365

#: The incident texts a place is named by (most local first after the location).
_NAME_COLUMNS = ("location", "lsoa_name", "ward", "borough")


def _named_until(store: Store, end_of_today: dt.datetime) -> dt.datetime:
    """The end of the year a place is named by: the end of today, or a month after
    the store's latest incident when its records stop earlier (a store of past
    police.uk months names its places by those months, as its briefing does, not
    by an empty year; the month takes in the whole of a month-precision record's
    month, and no record lies after the latest)."""
    latest = [
        queries.latest_time(store, before=end_of_today, precision=p)
        for p in ("exact", "month")
    ]
    known = [t for t in latest if t is not None]
    if not known:
        return end_of_today
    after = dt.datetime.combine(max(known).date() + dt.timedelta(days=32), dt.time())
    return min(end_of_today, after)


def place_subject_names(
    store: Store,
    place_ids: Sequence[str],
    *,
    user: User,
    profile: str,
    today: dt.date,
) -> dict[str, tuple[str, float]]:
    """Place id -> (what it is near, metres to the named cell; 0: its own name),
    for the grid cells among ``place_ids`` that have a name; read for ``user``
    (partners: no location text) under the definition ``profile``."""
    cells = [p for p in dict.fromkeys(place_ids) if p]
    if not cells:
        return {}
    until = _named_until(
        store, dt.datetime.combine(today + dt.timedelta(days=1), dt.time())
    )
    since = until - dt.timedelta(days=NAME_DAYS)
    partner = audience_of(user.role) != "police"
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
        # whole days, kept for the store's data generation: the next view of the
        # plan reads them no more (avert.store.kept)
        keep=True,
    )
    return cell_names(located, cells, since=since, until=until)
