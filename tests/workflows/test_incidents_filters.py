"""The Incidents page's filters (area, category, flag), each checked against the
unfiltered list's own fields on the small synthetic city."""

from __future__ import annotations

import datetime as dt
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
