"""An incident dated alone (``time_precision`` ``day``, stored at 00:00) is shown
by its date on the Incidents page and in a person's history, as the briefing
shows it: "00:00" there was a time no one recorded (the one rule:
``_macros.html`` ``dated``)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import sqlalchemy as sa

from web.helpers import World, csrf_of, signed_in


def _dated_alone(world: World) -> tuple[str, str, dt.datetime]:
    """A person and their in-definition incident, set to a date alone (00:00)."""
    inv = world.store.read_frame("involvements", columns=["incident_id", "person_id"])
    cls = world.store.read_frame(
        "classifications",
        columns=["incident_id", "in_definition"],
        where=[("profile", "=", "avb-2010")],
    ).filter(pl.col("in_definition"))
    incident, person = (
        inv.join(cls, on="incident_id")
        .sort("incident_id", "person_id")
        .select("incident_id", "person_id")
        .row(0)
    )
    (at,) = world.store.read_frame(
        "incidents", columns=["occurred_from"], where=[("incident_id", "=", incident)]
    )["occurred_from"]
    return incident, person, at


def _set(world: World, incident: str, at: dt.datetime, precision: str) -> None:
    """Set the incident's time and precision in place (the SQLite store keeps a
    time as ISO text with a ``T``: a bound datetime would be stored with a space,
    out of order with every other)."""
    with world.store.engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE incidents SET occurred_from = :at, time_precision = :p "
                "WHERE incident_id = :i"
            ),
            {"at": f"{at:%Y-%m-%dT%H:%M:%S.%f}", "p": precision, "i": incident},
        )


def test_pages_show_an_incident_dated_alone_by_its_date(world: World) -> None:
    incident, person, was = _dated_alone(world)
    day = dt.datetime.combine(was.date(), dt.time())
    (precision,) = world.store.read_frame(
        "incidents", columns=["time_precision"], where=[("incident_id", "=", incident)]
    )["time_precision"]
    _set(world, incident, day, "day")
    try:
        client = signed_in(world.app, "analyst")
        page = client.get(
            "/incidents",
            params={
                "from": f"{day:%Y-%m-%dT%H:%M}",
                "to": f"{day + dt.timedelta(days=1):%Y-%m-%dT%H:%M}",
            },
        )
        assert page.status_code == 200, page.text
        row = page.text[page.text.index(f">{incident}<") :]
        row = row[: row.index("</tr>")]
        assert f"{day:%d %b %Y} <small>(date only)</small>" in row
        assert "00:00" not in row
        token = csrf_of(client.get(f"/people/{person}").text)
        html = client.post(
            f"/people/{person}", data={"csrf_token": token, "purpose": "date check"}
        ).text
        history = html[html.index('id="history"') :]
        start = history[: history.index(f">{incident}<")].rindex("<tr>")
        row = history[start : history.index("</tr>", start)]
        assert f"{day:%d %b %Y} <small>(date only)</small>" in row
        assert "00:00" not in row
    finally:
        _set(world, incident, was, precision)
