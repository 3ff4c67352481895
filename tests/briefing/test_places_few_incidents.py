"""A month's places of too few incidents give no share, and every edge says what a
cell's score is counted in.

`avert brief --area Barnsley` on police.uk street crime of West Yorkshire, July 2018
(data.police.uk, Open Government Licence v3.0): one stray incident is listed in
Barnsley (South Yorkshire's), and the places line read "The top 8 cells (0.18 km²)
held 100 % of July 2018's violence (1 incident with a place)", a concentration of
one incident. On the same store's whole force the web Places page headed the
scores "times the average cell's risk", a forecast's unit, over kernel-density
values per km² (1,796.4).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.briefing import daily_briefing
from avert.briefing.places import MIN_SHARE_EVENTS, SCORE_UNITS, few_events_min
from avert.report.render import render_briefing_html


def _month(n: int) -> pl.DataFrame:
    """``n`` police.uk violence records of July 2018 in Barnsley, 40 m apart."""
    return pl.DataFrame(
        {
            "incident_id": [f"WY201807-{i}" for i in range(n)],
            "source": "policeuk",
            "force": "West Yorkshire Police",
            "crime_type": "Violence and sexual offences",
            "occurred_from": dt.datetime(2018, 7, 1),
            "time_precision": "month",
            "location": "On or near Limes Close",
            "lsoa": "E01007283",
            "lsoa_name": "Barnsley 004A",
            "x": [433275.0 + 40 * (i % 6) for i in range(n)],
            "y": [410925.0 + 40 * (i // 6) for i in range(n)],
            "in_definition": True,
            "category": pl.Series([None] * n, dtype=pl.String),
            "rule_ids": "policeuk.category",
            "harm_days": 119.3,
        }
    )


def test_one_incident_is_no_concentration() -> None:
    b = daily_briefing(_month(1), at=dt.datetime(2018, 8, 1))
    ps = b.places_summary
    assert ps is not None
    assert b.places
    line = ps["line"]
    assert "100 %" not in line, line
    assert "held" not in line, line
    assert "Only 1 incident with a place in July 2018" in line, line
    assert f"under {few_events_min(len(b.places))}" in line, line
    assert "not a concentration" in line
    assert ps["few_events"] is True


def test_enough_incidents_give_their_share() -> None:
    b = daily_briefing(_month(MIN_SHARE_EVENTS), at=dt.datetime(2018, 8, 1))
    ps = b.places_summary
    assert ps is not None
    assert ps["few_events"] is False
    assert f"({MIN_SHARE_EVENTS} incidents with a place)" in ps["line"]
    assert "held" in ps["line"]


def test_a_hotspot_score_says_it_is_a_density() -> None:
    b = daily_briefing(_month(MIN_SHARE_EVENTS), at=dt.datetime(2018, 8, 1))
    ps = b.places_summary
    assert ps is not None
    unit = SCORE_UNITS["recent_hotspots"]
    assert ps["score_unit"] == unit == "weighted incidents per km²"
    assert unit in b.places[0]["reasons"][0]
    html = render_briefing_html(b)
    places = html[html.index('<section id="places">') :]
    assert f"Score <small>({unit})</small></th>" in places
    assert "average cell" not in places
