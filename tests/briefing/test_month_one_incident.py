"""A month briefing of an area with one violent incident reads in the singular.

City of London Police, January 2019, `--area Westminster`: one violence and sexual
offences record; the places line read "(1 incidents with a place)".
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.briefing import daily_briefing


def test_one_incident_with_a_place_is_singular() -> None:
    inc = pl.DataFrame(
        {
            "incident_id": ["CoL201901-0"],
            "source": "policeuk",
            "force": "City of London Police",
            "crime_type": "Violence and sexual offences",
            "occurred_from": dt.datetime(2019, 1, 1),
            "time_precision": "month",
            "location": "On or near Welbeck Street",
            "lsoa": "E01004735",
            "lsoa_name": "Westminster 011B",
            "x": 528560.0,
            "y": 181287.0,
            "in_definition": True,
            "category": pl.Series([None], dtype=pl.String),
            "rule_ids": "policeuk.category",
            "harm_days": 119.3,
        }
    )
    b = daily_briefing(inc, at=dt.datetime(2019, 2, 1))
    assert b.places_summary is not None
    line = b.places_summary["line"]
    # too few for a share (tests/briefing/test_places_few_incidents.py)
    assert "Only 1 incident with a place" in line, line
    assert "1 incidents" not in line
