"""The briefing's places say what they are near, not only a grid reference.

A West Yorkshire month's briefing listed its top places as "150m:E4293:N4335"
and the like, though every police.uk row carries a location text ("On or near
Station Road") and an LSOA name ("Leeds 111B"). Each place now carries ``near``:
its incidents' most frequent location text and area name.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from avert.access import Pseudonymiser
from avert.briefing import daily_briefing
from avert.report.render import render_briefing_html

AT = dt.datetime(2018, 8, 1, 6)


def _month() -> pl.DataFrame:
    """Six incidents in one 100 m cell (three on Station Road, two at a
    supermarket, one with no text) and one in a cell of its own."""
    locations = [
        "On or near Station Road",
        "On or near Supermarket",
        "On or near Station Road",
        None,
        "On or near Supermarket",
        "On or near Station Road",
        "On or near Park Lane",
    ]
    n = len(locations)
    return pl.DataFrame(
        {
            "incident_id": [f"W{i}" for i in range(n)],
            "source": "policeuk",
            "crime_type": "Violence and sexual offences",
            "occurred_from": dt.datetime(2018, 7, 1),
            "time_precision": "month",
            "location": locations,
            "lsoa": "E01011111",
            "lsoa_name": ["Leeds 111B"] * 2 + ["Leeds 111A"] * 4 + [None],
            "borough": ["Leeds"] * (n - 1) + ["Bradford"],
            "x": [430010.0 + i for i in range(n - 1)] + [433050.0],
            "y": [433510.0] * (n - 1) + [436050.0],
            "in_definition": True,
            "category": None,
            "harm_days": 119.0,
        },
        schema_overrides={"category": pl.String},
    )


def _places(b: object) -> list[str | None]:
    """``near`` of the places with incidents of their own, highest ranked first (a
    cell that ranks for its neighbours' incidents has none to be named by)."""
    return [p["near"] for p in b.places if p["n_events"]]  # type: ignore[attr-defined]


def test_each_place_says_what_it_is_near() -> None:
    b = daily_briefing(_month(), at=AT)
    assert b.precision == "month"
    assert _places(b) == [
        "Station Road · Leeds 111A",
        # no LSOA name: the borough names the area
        "Park Lane · Bradford",
    ]
    assert "near Station Road · Leeds 111A" in render_briefing_html(b)


def test_ties_are_broken_by_name() -> None:
    """Two location texts as frequent: the first by name, every run alike."""
    inc = _month().with_columns(
        location=pl.when(pl.col("incident_id") == "W5")
        .then(pl.lit("On or near Supermarket"))
        .otherwise(pl.col("location"))
    )
    # Station Road 2, Supermarket 3: Supermarket
    assert _places(daily_briefing(inc, at=AT))[0] == "Supermarket · Leeds 111A"
    tied = inc.filter(pl.col("incident_id") != "W4")  # 2 and 2
    names = {
        _places(daily_briefing(tied.sample(fraction=1.0, seed=s), at=AT))[0]
        for s in range(3)
    }
    assert names == {"Station Road · Leeds 111A"}


def test_partners_get_the_area_but_not_the_location_text() -> None:
    """The location text is police-only (access.POLICE_ONLY): a partner's places
    are named by their area alone."""
    b = daily_briefing(
        _month(), at=AT, audience="partner", pseudonymiser=Pseudonymiser()
    )
    assert _places(b) == ["Leeds 111A", "Bradford"]
    html = render_briefing_html(b)
    assert "Station Road" not in html
    assert "Park Lane" not in html


def test_places_ranked_for_their_neighbours_are_named_by_the_nearest() -> None:
    """A cell that ranks only for its neighbours' incidents (none of its own) had no
    ``near``, a bare grid reference: it now takes the name of the nearest named cell
    and says how far that is, in the JSON and the page."""
    b = daily_briefing(_month(), at=AT)
    around = [p for p in b.places if not p["n_events"]]
    assert around  # the kernel ranks the cells around the two named ones
    by_cell = {p["cell_id"]: p for p in b.places}
    assert by_cell["150m:E2866:N2890"]["near_m"] == 0.0  # its own incidents
    # the cell south of Station Road's, and the one north-west of Park Lane's
    assert (
        by_cell["150m:E2866:N2889"]["near"],
        by_cell["150m:E2866:N2889"]["near_m"],
    ) == (
        "Station Road · Leeds 111A",
        150.0,
    )
    assert by_cell["150m:E2886:N2906"]["near"] == "Park Lane · Bradford"
    assert by_cell["150m:E2886:N2906"]["near_m"] == 212.1
    assert all(p["near"] and p["near_m"] for p in around)
    assert b.to_json()["places"][1]["near_m"] == 150.0
    html = render_briefing_html(b)
    assert "150 m from Station Road · Leeds 111A" in html
    assert "212 m from Park Lane · Bradford" in html


def test_partners_neighbouring_places_are_named_by_area_alone() -> None:
    b = daily_briefing(
        _month(), at=AT, audience="partner", pseudonymiser=Pseudonymiser()
    )
    assert {p["near"] for p in b.places} == {"Leeds 111A", "Bradford"}
    html = render_briefing_html(b)
    assert "150 m from Leeds 111A" in html
    assert "Station Road" not in html
    assert "Park Lane" not in html


def test_a_place_far_from_every_named_cell_reads_by_its_grid_reference() -> None:
    """A place ranked for its neighbours' incidents took the nearest name however
    far it was ("2,001 m from Station Road"): looked for in a street it is not in.
    Beyond MAX_NEAR_M (500 m) it has no ``near``, and reads by its grid reference
    and coordinates."""
    from avert.briefing.places import MAX_NEAR_M, _name_places

    named = pl.DataFrame(
        {"cell_id": ["own"], "near": ["Station Road"], "cx": [0.0], "cy": [0.0]},
        schema_overrides={"cx": pl.Float64, "cy": pl.Float64},
    ).with_columns(n=pl.lit(3, dtype=pl.Int64))
    items = [
        {"cell_id": "close", "x": 300.0, "y": 400.0},  # 500 m
        {"cell_id": "far", "x": 2001.0, "y": 0.0},
    ]
    close, far = _name_places(items, named)
    assert MAX_NEAR_M == 500.0
    assert (close["near"], close["near_m"]) == ("Station Road", 500.0)
    assert (far["near"], far["near_m"]) == (None, None)


def test_a_plans_place_subject_is_named_as_the_briefing_names_the_place() -> None:
    """A delivery plan's place subject (a cell id) takes the briefing's name of
    that cell (:func:`avert.briefing.places.cell_names`), so the plan says "near
    Station Road" as the briefing does; an id that is no cell, or a cell far from
    every named one, has no name."""
    from avert.briefing.places import cell_names

    month = _month()
    b = daily_briefing(month, at=AT)
    said = {p["cell_id"]: (p["near"], p["near_m"]) for p in b.places if p["near"]}
    assert said
    far = "100m:E9999:N9999"
    names = cell_names(
        month,
        [*said, "hotspot-12-34", far],
        since=dt.datetime(2018, 7, 1),
        until=dt.datetime(2018, 8, 1),
    )
    assert {c: names[c] for c in said} == said
    assert "hotspot-12-34" not in names
    assert far not in names


def test_a_places_cell_reads_in_words_its_id_kept_as_data() -> None:
    """The briefing's places read "150m:E2866:N2890" where the meeting and the plan
    say "150 m cell E2866 N2890": the page shows the words, the id stays the
    record's data."""
    b = daily_briefing(_month(), at=AT)
    page = render_briefing_html(b)
    cell = b.places[0]["cell_id"]
    size, east, north = cell.split(":")
    words = f"{size[:-1]} m cell {east} {north}"
    assert f'data-record="cell:{cell}">{words}</span>' in page
    assert f">{cell}<" not in page
