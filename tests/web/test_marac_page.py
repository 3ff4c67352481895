"""Domestic abuse risk in the web app: the person page's "Domestic abuse risk"
section (police roles) and the MARAC page (chair, analyst, admin; partners under
pseudonyms and counts only), with the access rules and audit rows of
``avert analyse marac`` and of the person page."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.analyse.dash import DASH_QUESTION_LABELS, criterion_rules
from avert.config.risk import default_risk_config
from avert.web.dates import parse_datetime_words
from avert.workflows.marac import run_marac
from web.helpers import World, csrf_of, signed_in


def _assessed(world: World) -> str:
    """The person whose latest DASH assessment has the most yes answers."""
    dash = world.store.read_frame("dash")
    assert dash.height, "the demo city has no DASH assessments"
    yes = dash.with_columns(
        pl.sum_horizontal(
            (pl.col(f"q{n}") == "yes").fill_null(value=False).cast(pl.Int64)
            for n in range(1, 28)
        ).alias("n_yes")
    )
    top = yes.sort(["n_yes", "person_id"], descending=[True, False])
    return str(top["person_id"][0])


def _unassessed(world: World) -> str:
    """A person with no assessment and no domestic incident as a victim."""
    dash = set(world.store.read_frame("dash", columns=["person_id"])["person_id"])
    inc = world.store.read_frame("incidents", columns=["incident_id", "domestic"])
    inv = world.store.read_frame("involvements", columns=["incident_id", "person_id"])
    touched = set(
        inv.join(inc.filter(pl.col("domestic").fill_null(False)), on="incident_id")[
            "person_id"
        ]
    )
    return sorted(world.person_ids - dash - touched)[0]


def _open_person(client: TestClient, person: str, purpose: str) -> str:
    token = csrf_of(client.get("/today").text)
    page = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": purpose}
    )
    assert page.status_code == 200, page.text
    return page.text


def _section(html: str) -> str:
    start = html.index('id="domestic-abuse"')
    return html[start : html.index("</section>", start)]


@pytest.mark.parametrize("role", ["analyst", "chair", "officer", "admin"])
def test_person_page_shows_the_latest_assessment_and_criteria(
    world: World, role: str
) -> None:
    person = _assessed(world)
    purpose = f"DASH section check {role}"
    section = _section(_open_person(signed_in(world.app, role), person, purpose))
    dash = world.store.read_frame("dash", where=[("person_id", "=", person)])
    latest = dash.sort("assessed_at")[-1]
    assert f"{latest['assessed_at'][0]:%d %b %Y}" in section
    n_yes = sum(latest[f"q{n}"][0] == "yes" for n in range(1, 28))
    assert re.search(rf"<b>{n_yes} / \d+</b>yes of the questions asked", section)
    # each criterion by name, with its threshold in the command's words
    cfg = default_risk_config().marac
    rules = criterion_rules(
        {
            "visible_high_risk_yes": cfg.visible_high_risk_yes,
            "escalation_incidents": cfg.escalation_incidents,
            "escalation_window_days": cfg.escalation_window_days,
        }
    )
    for name in ("visible high risk", "professional judgement", "potential escalation"):
        assert name in section
    assert f"{cfg.visible_high_risk_yes}+ yes" in section
    assert rules["potential_escalation"] in section
    # the answers, folded away, with the module's labels
    answers = section[section.index('<details id="dash-answers">') :]
    assert DASH_QUESTION_LABELS[0] in answers
    # the section is the person page's: audited with its purpose, as the user
    audit = world.store.read_frame("audit")
    rows = audit.filter(
        (pl.col("object") == f"person:{person}") & (pl.col("reason") == purpose)
    )
    assert rows.height >= 1
    assert set(rows["user_name"]) == {role}


def test_person_with_no_assessment_says_so_in_one_line(world: World) -> None:
    person = _unassessed(world)
    section = _section(_open_person(signed_in(world.app, "analyst"), person, "none"))
    assert 'id="dash-none"' in section
    assert "No DASH assessment recorded" in section
    assert 'id="marac-criteria"' not in section


@pytest.mark.parametrize("role", ["partner", "board"])
def test_person_page_and_its_section_are_refused_to_partners_and_board(
    world: World, role: str
) -> None:
    page = signed_in(world.app, role).get(f"/people/{_assessed(world)}")
    assert page.status_code == 403
    assert "domestic-abuse" not in page.text


def _marac_rows(world: World, role: str) -> pl.DataFrame:
    audit = world.store.read_frame("audit", order_by=["seq"])
    return audit.filter(
        (pl.col("object") == "analysis:marac") & (pl.col("user_name") == role)
    )


def _listed(html: str) -> list[str]:
    table = html[html.index('id="marac-list"') : html.index("</table>")]
    return re.findall(
        r'<td data-label="Person">(?:<a[^>]*>|<span class="rec">)([^<]+)<', table
    )


@pytest.mark.parametrize("role", ["analyst", "chair", "admin"])
def test_marac_page_lists_what_the_workflow_lists(world: World, role: str) -> None:
    client = signed_in(world.app, role)
    assert 'href="/marac"' in client.get("/today").text  # in the navigation
    before = _marac_rows(world, role).height
    page = client.get("/marac")
    assert page.status_code == 200, page.text
    html = page.text
    assert _marac_rows(world, role).height == before + 1
    assert _marac_rows(world, role)["role"][-1] == role
    at = parse_datetime_words(re.search(r'name="at" value="([^"]+)"', html)[1])  # type: ignore[index]
    expected = run_marac(world.store, at=at)
    assert expected.frame.height > 0, "the demo city has no one to refer"
    assert _listed(html) == expected.frame["person_id"].to_list()
    assert f"{expected.frame.height:,} of {expected.n_population:,}" in html
    assert 'href="/people/' in html
    # the make-up line as the command prints it
    assert f"of {expected.make_up['label']} against" in html  # type: ignore[index]
    # police see which questions were yes
    yes = expected.frame["yes_questions"].drop_nulls()
    assert yes.len() == 0 or yes[0] in html.replace("&#39;", "'")


def test_marac_page_for_a_partner_shows_pseudonyms_and_counts_only(
    world: World,
) -> None:
    before = _marac_rows(world, "partner").height
    page = signed_in(world.app, "partner").get("/marac")
    assert page.status_code == 200, page.text
    html = page.text
    rows = _marac_rows(world, "partner")
    assert rows.height == before + 1
    assert rows["role"][-1] == "partner"
    at = parse_datetime_words(re.search(r'name="at" value="([^"]+)"', html)[1])  # type: ignore[index]
    police = run_marac(world.store, at=at)
    partner = run_marac(
        world.store,
        at=at,
        audience="partner",
        pseudonym_key=world.settings.pseudonym_key,
        pseudonym_rotation=world.settings.pseudonym_rotation,
        pseudonym_scope="organisation:council",  # the demo partner's organisation
    )
    assert _listed(html) == partner.frame["person_id"].to_list()
    for person in police.frame["person_id"]:
        assert person not in html
    for aid in police.frame["assessment_id"].drop_nulls():
        assert aid not in html
    for label in DASH_QUESTION_LABELS:
        assert label not in html
    assert 'href="/people/' not in html
    # withheld make-up cells read [c], never 'None (0% ...' (a false share)
    makeup = re.search(r'<p class="note" id="marac-makeup">(.*?)</p>', html, re.S)
    assert makeup is not None
    assert "None" not in makeup[1]
    if any(r.get("listed_withheld") for r in (partner.make_up or {}).get("rows", [])):
        assert "[c]" in makeup[1]


@pytest.mark.parametrize("role", ["officer", "board"])
def test_marac_page_is_refused_and_the_refusal_audited(world: World, role: str) -> None:
    client = signed_in(world.app, role)
    audit = world.store.read_frame("audit")
    before = audit.filter(pl.col("user_name") == role).height
    page = client.get("/marac")
    assert page.status_code == 403
    assert "marac-list" not in page.text
    audit = world.store.read_frame("audit", order_by=["seq"])
    mine = audit.filter(pl.col("user_name") == role)
    assert mine.height == before + 1
    assert mine["action"][-1] == "view-refused"
    assert mine["object"][-1] == "analysis:marac"
    assert 'href="/marac"' not in client.get("/today").text


def test_person_section_agrees_with_the_marac_list_whatever_the_clock(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The section is as of the MARAC page's default (the latest incident or
    assessment), not today: on a store whose records end in the past, "today"
    put every listed victim's assessment and incidents outside the window, so a
    chair following the list's link read "not met" for a victim it lists."""
    import avert.workflows.views as views

    listed = run_marac(world.store)
    first = listed.frame.row(0, named=True)
    later = listed.at + dt.timedelta(days=3 * 365)
    monkeypatch.setattr(views, "local_now", lambda *_a, **_k: later)
    client = signed_in(world.app, "chair")
    section = _section(_open_person(client, first["person_id"], "clock check"))
    assert f"{listed.at:%d %b %Y}" in section
    assert f"MARAC referral criteria: {first['criteria_met']} of 3 met" in section, (
        section
    )
