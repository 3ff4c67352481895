"""An officer scoped to an area reads their area's records only, on every route.

Found by review: the briefing's items on Today and the meeting were the area's,
but the meeting's taskings (overdue, due, done), the briefing's taskings section
(Today, its htmx fragment, ``/api/v1/briefing``) and the make-up of the people
tasked were the whole force's: ``officer-e`` (area ``AREA-E``, which holds no
incident) read the ids of other areas' incidents and people, and what was to be
done about them.
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from avert.delivery.model import subject_type
from avert.workflows import delivery, views
from avert.workflows.users import User, add_user
from web.helpers import PASSWORD, World, signed_in

#: Incident and person ids of the demo city.
IDS = re.compile(r"\b[IP]\d{7,8}\b")
#: A tasking's row on the meeting page and in the briefing's section.
ROW = re.compile(r'<tr class="tasking-\w+">.*?</tr>', flags=re.S)


def _tasked_ids(world: World) -> set[str]:
    taskings = world.store.read_frame("taskings")
    return set(
        taskings.filter(pl.col("item_kind").is_in(["incident", "person"]))[
            "item_id"
        ].to_list()
    )


def _listed(page: str) -> list[str]:
    """The tasking rows of subjects tied to an area: a grid cell, a group or an ASB
    caller is force-wide (:func:`avert.delivery.taskings.in_area`), and other tests
    task cells, done in the meeting's window."""
    forcewide = ('rec">cell:', 'rec">group:', 'rec">asb_caller:')
    return [r for r in ROW.findall(page) if not any(f in r for f in forcewide)]


def test_an_area_officer_meeting_lists_no_other_areas_taskings(world: World) -> None:
    tasked = _tasked_ids(world)
    chair = signed_in(world.app, "chair").get("/meeting").text
    assert set(IDS.findall("".join(_listed(chair)))) & tasked, "needs taskings"
    page = signed_in(world.app, "officer-e").get("/meeting")
    assert page.status_code == 200
    assert not set(IDS.findall(page.text)) & tasked
    assert not _listed(page.text)


def test_an_area_officer_briefing_lists_no_other_areas_taskings(world: World) -> None:
    """Today, its fragment and the API: the briefing of ``AREA-E`` lists none."""
    tasked = _tasked_ids(world)
    chair = signed_in(world.app, "chair").get("/api/v1/briefing").json()
    assert any(chair["taskings"].values()), "needs taskings in the window"
    officer = signed_in(world.app, "officer-e")
    data = officer.get("/api/v1/briefing").json()
    assert data["area"] == "AREA-E"
    assert data["taskings"] == {"overdue": [], "due": [], "done": []}
    for path in ("/today", "/today/briefing"):
        page = officer.get(path)
        assert page.status_code == 200
        assert not set(IDS.findall("".join(_listed(page.text)))) & tasked, path


def test_an_area_officer_still_reads_their_areas_and_their_own_taskings(
    world: World,
) -> None:
    """An officer of the tasked incidents' borough reads them all, as the chair; a
    tasking given to ``officer-e`` shows on their meeting whatever its area."""
    taskings = world.store.read_frame("taskings")
    incident = taskings.filter(pl.col("item_kind") == "incident")["item_id"][0]
    borough = world.store.read_frame(
        "incidents", where=[("incident_id", "=", incident)]
    )["borough"][0]
    add_user(
        world.store,
        "officer-city",
        password=PASSWORD,
        role="officer",
        area=borough.upper(),
    )
    chair = _listed(signed_in(world.app, "chair").get("/meeting").text)
    city = _listed(signed_in(world.app, "officer-city").get("/meeting").text)
    assert len(city) == len(chair)
    made = delivery.add_tasking(
        world.store,
        f"incident:{incident}",
        what="Area scope test: see the victim",
        assignee="officer-e",
        due=dt.datetime(2000, 1, 1),  # overdue in any window
        user=User("chair", "chair"),
        anyway=True,
    )
    try:
        page = signed_in(world.app, "officer-e").get("/meeting").text
        rows = _listed(page)
        assert len(rows) == 1
        assert made["tasking_id"] in rows[0]
        assert incident in rows[0]
    finally:
        delivery.record_tasking_result(
            world.store,
            made["tasking_id"],
            result="test over",
            user=User("chair", "chair"),
        )


def test_an_area_officer_meeting_make_up_counts_their_areas_people_only(
    world: World,
) -> None:
    """The make-up of the people tasked counted every area's (found with the
    meeting's taskings): ``AREA-E`` has none."""
    at, _ = views.default_window_end(world.store)
    chair = views.taskings_makeup(
        world.store, world.settings, user=User("chair", "chair"), at=at
    )
    assert chair is not None, "needs people tasked in the window"
    assert chair["n"] >= 1
    officer = User("officer-e", "officer", area="AREA-E")
    assert (
        views.taskings_makeup(world.store, world.settings, user=officer, at=at) is None
    )


def test_a_partner_meeting_make_up_counts_their_organisations_taskings_only(
    world: World,
) -> None:
    """The meeting lists a partner their organisation's taskings, but the make-up
    of the people tasked beside them counted every organisation's (as the plan's
    make-up once did)."""
    at, _ = views.default_window_end(world.store)
    org = world.store.read_frame("users").filter(pl.col("username") == "partner")[
        "org"
    ][0]
    # as the meeting lists them: as they stand now (a tasking made at the meeting,
    # as other tests of this shared store make, counts at once)
    window = delivery.taskings_for_briefing(world.store, at=at, as_at=False)
    rows = [r for rs in window.values() for r in rs if r["item_kind"] != "incident"]
    assert {r["organisation"] for r in rows} - {org}, "needs other organisations'"
    own = {
        r["item_id"]
        for r in rows
        if r["organisation"] == org and subject_type(r["item_kind"]) == "person"
    }
    partner = User("partner", "partner", org=org)
    found = views.taskings_makeup(world.store, world.settings, user=partner, at=at)
    assert (found or {}).get("n", 0) == len(own)


def test_an_lsoa_briefing_counts_its_trend_on_the_lsoas_records(world: World) -> None:
    """An area is a borough or an LSOA; the briefing read the days before its window
    without the LSOA column, so an LSOA's briefing (an officer scoped to one) lost
    every earlier record: "last 28 days 2" when the LSOA had 20, and "no
    comparable baseline" a year earlier. Its trend now counts the LSOA's records."""
    chair = signed_in(world.app, "chair")
    at = chair.get("/api/v1/briefing").json()["at"]
    end = dt.datetime.fromisoformat(at)
    inc = world.store.read_frame(
        "incidents", columns=["incident_id", "occurred_from", "lsoa"]
    ).join(
        world.store.read_frame(
            "classifications",
            columns=["incident_id", "in_definition"],
            where=[("profile", "=", world.settings.definition)],
        ),
        on="incident_id",
    )
    recent = inc.filter(
        pl.col("in_definition")
        & (pl.col("occurred_from") >= end - dt.timedelta(days=28))
        & (pl.col("occurred_from") < end)
    )
    lsoa, expected = (
        recent.group_by("lsoa").len().sort(["len", "lsoa"], descending=True).row(0)
    )
    window = recent.filter(
        (pl.col("lsoa") == lsoa) & (pl.col("occurred_from") >= end - dt.timedelta(1))
    ).height
    assert expected > window, "needs an LSOA with violence before the window"
    data = chair.get("/api/v1/briefing", params={"area": lsoa, "at": at}).json()
    counts = {p["period"]: p["count"] for p in data["trend"]["periods"]}
    assert counts["last 28 days"] == expected, (lsoa, counts)


def test_an_area_briefing_scores_its_people_on_their_year_in_the_area(
    world: World,
) -> None:
    """The people's year (risk scores, repeat victims) was read without the area
    columns, so an area's briefing dropped every record of it older than the 28
    days before the window: a person whose every offence was in the LSOA scored
    on 2 of their 4 there. Whoever has only records in the area scores as in the
    force's briefing."""
    chair = signed_in(world.app, "chair")
    params = {"hours": 24 * 7}
    force = chair.get("/api/v1/briefing", params=params).json()
    params["at"] = force["at"]
    inc = world.store.read_frame("incidents", columns=["incident_id", "lsoa"])
    inv = world.store.read_frame("involvements", columns=["incident_id", "person_id"])
    lsoas = inv.join(inc, on="incident_id").group_by("person_id").agg(pl.col("lsoa"))
    only_in = {
        row["person_id"]: row["lsoa"][0]
        for row in lsoas.iter_rows(named=True)
        if len(set(row["lsoa"])) == 1 and len(row["lsoa"]) > 3
    }
    scores = {p["person_id"]: (p["n_offences"], p["score"]) for p in force["people"]}
    checked = 0
    for lsoa in sorted({only_in[p] for p in scores if p in only_in})[:5]:
        area = chair.get("/api/v1/briefing", params={**params, "area": lsoa}).json()
        for p in area["people"]:
            if only_in.get(p["person_id"]) == lsoa:
                assert (p["n_offences"], p["score"]) == scores[p["person_id"]], lsoa
                checked += 1
    assert checked, "needs a person with records in one LSOA only"


def test_an_area_users_area_field_names_their_area_not_all(world: World) -> None:
    """Walked in a browser as an officer of one LSOA: Today and Incidents showed
    their area's records under an Area field reading "all" (its placeholder), so
    the page said the whole force while it listed one area. The field's
    placeholder names the user's own area; users without one still read "all"."""
    officer = signed_in(world.app, "officer-e")
    chair = signed_in(world.app, "chair")
    for path in ("/today", "/incidents"):
        scoped = officer.get(path)
        assert scoped.status_code == 200
        assert re.search(r'name="area" value="" placeholder="AREA-E"', scoped.text)
        whole = chair.get(path).text
        assert re.search(r'name="area" value="" placeholder="all"', whole)


def test_an_area_briefing_says_its_actions_due_are_the_whole_forces(
    world: World,
) -> None:
    """Walked in a browser as an officer of one LSOA: Today's tiles read "6 actions
    due" among the area's counts, while the six were the whole force's (the
    delivery plan is force-wide, docs/web.md). The tile, the section and the notes
    say so; a briefing of the whole force is unchanged."""
    inc = world.store.read_frame("incidents", columns=["borough"])
    borough = str(
        inc.drop_nulls().group_by("borough").len().sort("len", descending=True)[0, 0]
    )
    chair = signed_in(world.app, "chair")
    whole = chair.get("/today").text
    local = chair.get("/today", params={"area": borough}).text
    # the Plan's word for an action due before today, "overdue" (the crawl read
    # "6 actions due" on Today beside the Plan's "6 overdue")
    tile = re.compile(
        r"<b>([\d,]+)</b>actions? overdue or due( <small>[^<]*</small>)?</div>"
    )
    whole_tile, local_tile = tile.search(whole), tile.search(local)
    assert whole_tile is not None
    assert local_tile is not None
    assert whole_tile.group(1) == local_tile.group(1)  # the same force-wide count
    assert whole_tile.group(2) is None
    assert (
        local_tile.group(2) == " <small>(whole force: the plan is force-wide)</small>"
    )
    assert re.search(r"the delivery plan is force-wide, not the area(&#39;|')s", local)
    assert re.search(r"so are the delivery plan(&#39;|')s actions due", local)
    assert "force-wide, not the area" not in whole
