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

from avert.access import audience_of
from avert.store import Store
from avert.workflows.place_names import NAME_DAYS, store_cell_names
from avert.workflows.users import User

__all__ = ["NAME_DAYS", "place_subject_names"]


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
    (partners: no location text) under the definition ``profile``
    (:func:`avert.workflows.place_names.store_cell_names`, over the year to the
    end of ``today``)."""
    return store_cell_names(
        store,
        place_ids,
        profile=profile,
        end=dt.datetime.combine(today + dt.timedelta(days=1), dt.time()),
        partner=audience_of(user.role) != "police",
    )
