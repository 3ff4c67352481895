"""One read places a DASH assessment by its incident, for the briefing's high-risk
section and the MARAC list of an area alike
(:func:`avert.workflows.marac.incident_places`)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.store import Store

AT = dt.datetime(2025, 3, 10, 8)


def _store_with_assessment(store: Store) -> str:
    """A high-risk assessment of v-placed (5 hours before AT) prompted by an old
    incident; its borough."""
    from briefing.factory import store_with_placed_assessment

    return store_with_placed_assessment(
        store,
        at=AT,
        n_incidents=300,
        seed=11,
        assessment_id="D-1",
        person_id="v-placed",
        n_yes=16,
    )


def test_incident_places_reads_each_stored_incident_once(sqlite_store: Store) -> None:
    from avert.workflows.marac import incident_places

    borough = _store_with_assessment(sqlite_store)
    incident = sqlite_store.read_frame("dash")["incident_id"][0]
    places = incident_places(sqlite_store, [incident, incident, None, "no-such"])
    assert places.columns == ["incident_id", "borough", "lsoa"]
    assert places["incident_id"].to_list() == [incident]
    assert places["borough"].to_list() == [borough]
    assert incident_places(sqlite_store, []).height == 0


def test_briefing_and_marac_list_place_the_assessment_alike(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both place the victim in their assessment's incident's borough, and both
    by the one read (a twin read in the briefing's workflow is gone)."""
    from avert.workflows import briefing, marac

    borough = _store_with_assessment(sqlite_store)
    calls: list[str] = []
    real = marac.incident_places

    def counted(store: Store, ids: list[str]) -> pl.DataFrame:
        calls.append("read")
        return real(store, ids)

    monkeypatch.setattr(marac, "incident_places", counted)
    monkeypatch.setattr(briefing, "incident_places", counted)
    section = briefing.build_briefing(sqlite_store, at=AT, area=borough).dash_high_risk
    assert section is not None
    assert [d["person_id"] for d in section["items"]] == ["v-placed"]
    listed = marac.run_marac(sqlite_store, at=AT, area=borough)
    assert "v-placed" in listed.frame["person_id"].to_list()
    assert calls == ["read", "read"]
