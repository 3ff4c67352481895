"""The person page says what each number counts: the risk score's window and
roles beside its offences, all-time involvements beside roles and history, and
network counts as whole numbers."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.config.risk import default_risk_config
from avert.errors import NotFound
from avert.store import Store
from avert.web import create_app
from web.helpers import World, csrf_of, signed_in


def _prolific(world: World) -> str:
    """The person with the most involvements as offender in the last incident's year."""
    inv = world.store.read_frame(
        "involvements", columns=["incident_id", "person_id", "role"]
    )
    inc = world.store.read_frame("incidents", columns=["incident_id", "occurred_from"])
    last = inc["occurred_from"].max()
    recent = inc.filter(pl.col("occurred_from") > pl.lit(last) - pl.duration(days=300))
    top = (
        inv.filter(pl.col("role") == "offender")
        .join(recent, on="incident_id")
        .group_by("person_id")
        .len()
        .sort(["len", "person_id"], descending=[True, False])
    )
    return str(top["person_id"][0])


def test_person_page_says_what_each_number_counts(world: World) -> None:
    client = signed_in(world.app, "analyst")
    person = _prolific(world)
    token = csrf_of(client.get(f"/people/{person}").text)
    page = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "wording check"}
    )
    assert page.status_code == 200, page.text
    html = page.text
    days = default_risk_config().offender.window_days
    assert f"as offender in the score's {days} days" in html
    assert 'id="risk-window"' in html
    assert "every recorded involvement, all time" in html
    assert "one per incident and role, every offence, all time" in html
    metrics = html[html.index('id="metrics"') :]
    metrics = metrics[: metrics.index("</section>")]
    counts = re.findall(
        r"<b>([\d,.]+)</b> (co-offender|close contact|of those)", metrics
    )
    assert {name for _, name in counts} == {"co-offender", "close contact", "of those"}
    assert all("." not in value for value, _ in counts), counts  # 9, not 9.00
    # the view stays audited with its purpose
    audit = world.store.read_frame("audit")
    rows = audit.filter(audit["object"] == f"person:{person}")
    assert "wording check" in rows["reason"].to_list()


def _person_rows(world: World, person: str) -> pl.DataFrame:
    audit = world.store.read_frame("audit", order_by=["seq"])
    return audit.filter(audit["object"] == f"person:{person}")


def test_a_refused_person_view_is_audited_once_and_a_granted_one_as_before(
    world: World,
) -> None:
    """Partners and the board asking for a person (page, form, API) were refused
    with nothing in the audit log; each refusal now writes one ``view-refused``
    row under their name, and a granted view still writes its ``view`` row."""
    from avert.workflows.users import issue_token

    person = sorted(world.person_ids)[7]
    partner = signed_in(world.app, "partner")
    token = csrf_of(partner.get("/today").text)
    bearer = {"Authorization": f"Bearer {issue_token(world.store, 'board')}"}
    asks = (
        ("partner", lambda: partner.get(f"/people/{person}"), None),
        (
            "partner",
            lambda: partner.post(
                f"/people/{person}",
                data={"csrf_token": token, "purpose": "curious partner"},
            ),
            "curious partner",
        ),
        (
            "board",
            lambda: TestClient(world.app).get(
                f"/api/v1/people/{person}",
                params={"purpose": "board look"},
                headers=bearer,
            ),
            "board look",
        ),
    )
    for who, ask, purpose in asks:
        before = _person_rows(world, person).height
        response = ask()
        assert response.status_code == 403, (who, response.text)
        rows = _person_rows(world, person)
        assert rows.height == before + 1, who
        row = rows.row(-1, named=True)
        assert (row["user_name"], row["action"]) == (who, "view-refused")
        assert "outcome=refused" in row["detail"]
        assert "may not view-person" in row["reason"]
        if purpose:
            assert purpose in row["reason"]
    # a granted view: its own row, as before, and no refusal
    analyst = signed_in(world.app, "analyst")
    before = _person_rows(world, person).height
    page = analyst.post(
        f"/people/{person}",
        data={"csrf_token": csrf_of(analyst.get("/today").text), "purpose": "review"},
    )
    assert page.status_code == 200
    rows = _person_rows(world, person)
    assert rows.height == before + 1
    assert (rows["user_name"][-1], rows["action"][-1]) == ("analyst", "view")
    assert rows["reason"][-1] == "review"


def test_a_refused_view_row_is_bounded_and_the_audit_page_stays_admin_only(
    world: World,
) -> None:
    """Anyone signed in can be refused: the row repeats at most 64 characters of
    what was asked; partners cannot read the log the row is in."""
    partner = signed_in(world.app, "partner")
    asked = "X" * 5000
    assert partner.get(f"/people/{asked}").status_code == 403
    audit = world.store.read_frame("audit", order_by=["seq"])
    last = audit.row(-1, named=True)
    assert last["action"] == "view-refused"
    assert last["object"] == f"person:{'X' * 57}... (5007 characters)"
    assert partner.get("/audit").status_code == 403


def test_the_purpose_form_posts_to_the_person_of_its_link(world: World) -> None:
    """``/people/{id}`` put the raw id in the form's action: an id holding ``?`` or
    ``#`` (``%3F``, ``%23`` in the link) made the form post for another record (the
    part before it). The action is the id URL-encoded, so it posts for this one."""
    chair = signed_in(world.app, "chair")
    page = chair.get("/people/P1%3Fx%3D1%23y")
    assert page.status_code == 200
    actions = re.findall(r'<form method="post" action="(/people/[^"]*)"', page.text)
    assert actions == ["/people/P1%3Fx%3D1%23y"], actions


def test_the_own_risk_counts_say_they_are_the_definitions_violence(
    world: World,
) -> None:
    """The score counts only offences in the violence definition, but the page said
    "offences" and "last offence": History below could show a later offence (a
    theft, say) than the "last offence". The counts now name the definition, and
    History marks the rows in it, so the marked offender rows are the score's."""
    client = signed_in(world.app, "analyst")
    person = _prolific(world)
    token = csrf_of(client.get(f"/people/{person}").text)
    html = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "wording check"}
    ).text
    profile = world.settings.definition
    days = default_risk_config().offender.window_days
    shown = re.search(
        rf"<b>(\d+)</b>violent offences \(definition {profile}\) as offender in "
        rf"the score's {days} days",
        html,
    )
    assert shown, html
    assert "last violent offence" in html
    history = html[html.index('id="history"') :]
    rows = re.findall(
        r"<tr><td>([^<]+)</td><td><span class=\"rec\">[^<]+</span></td>"
        r"<td>(\w+)</td><td>[^<]*</td><td>([^<]*)</td></tr>",
        history,
    )
    assert rows, history
    violent = [when for when, role, marked in rows if role == "offender" and marked]
    # the demo world holds less than the score's window: every marked row counts
    assert len(violent) == int(shown.group(1))
    last = re.search(r"<b>([^<]+)</b>last violent offence", html)
    assert last, html
    assert violent[0].startswith(last.group(1)), (last, violent[:1])


def test_a_refused_purpose_is_kept_in_the_form(world: World) -> None:
    """A purpose too short was refused with an empty field: what was typed is kept."""
    chair = signed_in(world.app, "chair")
    person = sorted(world.person_ids)[3]
    token = csrf_of(chair.get(f"/people/{person}").text)
    page = chair.post(f"/people/{person}", data={"csrf_token": token, "purpose": "ab"})
    assert page.status_code == 400
    assert 'name="purpose"' in page.text
    assert 'value="ab"' in page.text


def test_a_person_on_record_with_no_involvement_has_a_page(world: World) -> None:
    """A vulnerable ASB caller (or anyone in the people table) with no involvement,
    tie or group link: the briefing links to their page, which answered 404 "Not
    found: person ... has no involvements, ties or group links"."""
    linked: set[str] = set()
    for table, cols in (
        ("involvements", ["person_id"]),
        ("group_members", ["person_id"]),
        ("relationships", ["person_a", "person_b"]),
    ):
        frame = world.store.read_frame(table, columns=cols)
        for col in cols:
            linked |= set(frame[col].to_list())
    alone = sorted(world.person_ids - linked)
    assert alone, "the demo city has people with no record of involvement"
    person = alone[0]
    client = signed_in(world.app, "analyst")
    token = csrf_of(client.get(f"/people/{person}").text)
    page = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "caller check"}
    )
    assert page.status_code == 200, page.text
    assert "No offender risk score" in page.text
    unknown = client.post(
        "/people/NO-SUCH-ID", data={"csrf_token": token, "purpose": "caller check"}
    )
    assert unknown.status_code == 404


def test_victimised_contacts_show_a_readable_date(world: World) -> None:
    """A contact's last victimisation reads as the History's dates do, not as the
    raw "2026-11-23T22:37:35" the page printed."""
    rel = world.store.read_frame("relationships", columns=["person_a", "person_b"])
    victims = world.store.read_frame(
        "involvements", columns=["person_id", "role"]
    ).filter(pl.col("role") == "victim")
    linked = rel.filter(pl.col("person_b").is_in(victims["person_id"].implode()))
    client = signed_in(world.app, "analyst")
    for person in linked["person_a"].unique().sort().head(20).to_list():
        token = csrf_of(client.get(f"/people/{person}").text)
        html = client.post(
            f"/people/{person}", data={"csrf_token": token, "purpose": "date check"}
        ).text
        section = html[html.index('id="victimised"') :]
        section = section[: section.index("</section>")]
        if "last victimised</small>" in section:
            break
    else:
        raise AssertionError("no person with a victimised contact in the world")
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", section), section
    assert re.search(r"last victimised</small> \d\d \w{3} \d{4} \d\d:\d\d", section)


#: Raw keys the person page printed in its network, family and contact rows.
RAW_KEYS = ("n network", "component size", "n victimisations", "kind</small>")


def test_network_position_says_what_it_counts_and_adds_up(world: World) -> None:
    """Walked in a browser: "Network position" read "degree 0 · component size 1 ·
    n network 2 · n network victims 2", which no reader could reconcile (the close
    network of exposure counts family, the degree co-offenders only), and the
    family and contact rows read "kind child" and "n victimisations 8"."""
    rel = world.store.read_frame("relationships", columns=["person_a"])
    client = signed_in(world.app, "analyst")
    checked = 0
    for person in rel["person_a"].unique().sort().head(8).to_list():
        token = csrf_of(client.get(f"/people/{person}").text)
        html = client.post(
            f"/people/{person}", data={"csrf_token": token, "purpose": "words check"}
        ).text
        assert not [k for k in RAW_KEYS if k in html], person
        section = html[html.index('id="metrics"') :]
        section = section[: section.index("</section>")]
        said = re.search(
            r"<b>([\d,]+)</b> close contacts? for exposure: ([\d,]+) co-offenders?"
            r" and ([\d,]+) family members? who",
            section,
        )
        assert said is not None, section
        total, co, family = (int(g.replace(",", "")) for g in said.groups())
        assert total == co + family
        degree = re.search(r"<b>([\d,]+)</b> co-offenders?:", section)
        assert degree is not None
        assert int(degree.group(1)) == co
        checked += family > 0
        if 'id="family"' in html and "<small>their</small>" in html:
            checked += 1
    assert checked, "no person with family in the world"


def test_a_persons_groups_read_in_words(world: World) -> None:
    """The Groups section of the person page read "group id G003 origin declared"."""
    members = world.store.read_frame("group_members", columns=["person_id"])
    assert members.height, "no declared group member in the world"
    person = str(members["person_id"].sort()[0])
    client = signed_in(world.app, "analyst")
    token = csrf_of(client.get(f"/people/{person}").text)
    html = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "groups check"}
    ).text
    section = html[html.index('id="groups"') :]
    section = section[: section.index("</section>")]
    assert "<li>" in section, section
    assert "group id" not in section
    assert "origin" not in section
    assert re.search(r"</span> (declared|detected in co-offending)</li>", section)


def test_a_last_offence_dated_alone_says_date_only(
    world: World, tmp_path: Path
) -> None:
    """A last violent offence dated alone (stored at 00:00, ``last_precision``
    ``day``) reads "(date only)" beside its date, and one with its time does not:
    the score's recency runs from that day's end, and the date alone is all the
    record says. The page had no test that it says so."""
    person = _prolific(world)
    client = signed_in(world.app, "analyst")
    token = csrf_of(client.get(f"/people/{person}").text)
    html = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "date check"}
    ).text
    assert re.search(r"</b>last violent offence</div>", html), html
    # the same store with this person's offences dated alone
    path = tmp_path / "dated.db"
    shutil.copyfile(world.demo_dir.parent / "web.db", path)
    with sqlite3.connect(path) as con:
        con.execute(
            "UPDATE incidents SET time_precision = 'day', "
            "occurred_from = substr(occurred_from, 1, 10) || 'T00:00:00.000000' "
            "WHERE incident_id IN (SELECT incident_id FROM involvements "
            "WHERE person_id = ? AND role = 'offender')",
            (person,),
        )
    url = f"sqlite:///{path}"
    app = create_app(world.settings.with_overrides(database_url=url), Store(url))
    client = signed_in(app, "analyst")
    token = csrf_of(client.get(f"/people/{person}").text)
    html = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "date check"}
    ).text
    assert re.search(r"</b>last violent offence \(date only\)</div>", html), html


def test_a_person_not_found_is_audited_alike_on_the_web_and_the_cli(
    world: World,
) -> None:
    """The web's person page, asked for an id not in the store, wrote its row with
    the purpose and "(not found)" and no people count, while ``analyse person``
    (:func:`avert.workflows.networks.person_report`) wrote the reason as given and
    ``people=0``: an auditor filtering on either missed the other. Both now write
    the reason as given and ``people=0; people_sha256=...; outcome=not-found``."""
    from avert.store import audit
    from avert.workflows.networks import person_report

    missing = "P-NO-SUCH-9"
    client = signed_in(world.app, "analyst")
    token = csrf_of(client.get(f"/people/{missing}").text)
    page = client.post(
        f"/people/{missing}", data={"csrf_token": token, "purpose": "check a name"}
    )
    assert page.status_code == 404
    web = _person_rows(world, missing).row(-1, named=True)
    with pytest.raises(NotFound):
        person_report(world.store, missing, user="cli-user", reason="check a name")
    cli = _person_rows(world, missing).row(-1, named=True)
    expected = audit.describe(people=[], outcome="not-found")
    assert expected.startswith("people=0; people_sha256=")
    for row in (web, cli):
        assert (row["action"], row["reason"]) == ("view", "check a name")
        assert row["detail"] == expected
