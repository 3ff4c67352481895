"""The Incidents page's filters (area, category, flag), each checked against the
unfiltered list's own fields on the small synthetic city."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from avert.config.settings import load_settings
from avert.store import Store
from avert.workflows import views
from avert.workflows.users import User


def _page(store: Store, **filters: str) -> dict[str, Any]:
    last = store.read_frame("incidents", columns=["occurred_from"])[
        "occurred_from"
    ].max()
    assert isinstance(last, dt.datetime)
    return views.incidents_view(
        store,
        load_settings({}),
        user=User("ana", "analyst"),
        date_from=last - dt.timedelta(days=60),
        date_to=last + dt.timedelta(seconds=1),
        **filters,
    )


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [r["incident_id"] for r in rows]


@pytest.mark.parametrize(
    ("flag", "kept"),
    [
        ("weapon", lambda r: r["weapon"] is not None and r["weapon"] != "none"),
        ("hate", lambda r: r["hate"] is not None and r["hate"] != ""),
        ("domestic", lambda r: bool(r["domestic"])),
        ("gang_related", lambda r: bool(r["gang_related"])),
    ],
)
def test_a_flag_keeps_the_incidents_it_names_in_the_same_order(
    city_store: Store, flag: str, kept: Any
) -> None:
    everything = _page(city_store)
    assert everything["total"] == everything["shown"]  # the whole list, to compare
    expected = [r for r in everything["incidents"] if kept(r)]
    assert len(expected) < everything["total"]  # (no hate crime in this city)
    page = _page(city_store, flag=flag)
    assert _ids(page["incidents"]) == _ids(expected)
    assert page["total"] == len(expected)


def test_an_lsoa_in_any_case_and_a_category_by_its_key(city_store: Store) -> None:
    everything = _page(city_store)["incidents"]
    lsoa = next(r["lsoa"] for r in everything if r["lsoa"])
    in_lsoa = [r for r in everything if r["lsoa"] == lsoa]
    assert 0 < len(in_lsoa) < len(everything)
    assert _ids(_page(city_store, area=lsoa.lower())["incidents"]) == _ids(in_lsoa)
    first = next(r for r in everything if r["category"])
    of_category = [r for r in everything if r["category"] == first["category"]]
    # (a category given by its name, "police.uk: ...": tests/web/test_month_store.py)
    by_key = _page(city_store, category=first["category"])["incidents"]
    assert 0 < len(of_category) < len(everything)
    assert _ids(by_key) == _ids(of_category)


def test_the_list_says_how_its_ties_are_ordered_and_follows_it(
    city_store: Store,
) -> None:
    """London's page listed 500 tied "Personal robbery 365 d" rows without saying
    how ties are ordered (the briefing says): the page and the API say it
    (``order``), and the list follows it: harm, then latest, then id."""
    page = _page(city_store)
    assert page["order"] == views.INCIDENTS_ORDER
    assert "latest first" in page["order"]
    assert "incident id" in page["order"]
    rows = page["incidents"]
    keys = [(-r["harm_days"], r["occurred_from"], r["incident_id"]) for r in rows]
    for (harm, at, rid), (harm2, at2, rid2) in itertools.pairwise(keys):
        assert harm <= harm2
        if harm == harm2:
            assert at >= at2
            assert at != at2 or rid < rid2
    partner = views.incidents_view(
        city_store,
        load_settings({}),
        user=User("cllr", "partner", org="council"),
        date_from=dt.datetime(2000, 1, 1),
        date_to=dt.datetime(2100, 1, 1),
        allow_demo_key=True,
    )
    assert partner["order"] == views.INCIDENTS_ORDER_PARTNER
