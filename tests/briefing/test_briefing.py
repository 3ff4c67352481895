"""Pure assembly of the daily briefing (avert.briefing)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.briefing import daily_briefing
from avert.errors import ConfigError, SchemaError
from avert.report import render_briefing_html
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)


@pytest.fixture(scope="module")
def frames() -> dict[str, pl.DataFrame]:
    return make_frames(6000, at=AT, seed=7)


@pytest.fixture(scope="module")
def police(frames):
    """The police briefing of ``frames`` at ``AT`` with no options, built once for
    the tests that only read it (each build takes a few tenths of a second)."""
    return _brief(frames)


def _brief(frames, **kw):
    f = frames
    if kw.get("audience") == "partner":
        kw.setdefault("pseudonymiser", Pseudonymiser("test-key"))
    return daily_briefing(
        f["incidents"],
        f["involvements"],
        at=kw.pop("at", AT),
        tables={
            "people": f["people"],
            "identities": f["identities"],
            "groups": f["groups"],
            "group_members": f["group_members"],
            "asb": f["asb"],
            "intelligence": f["intelligence"],
            "actions": f["actions"],
            "retaliation": kw.pop("retaliation", None),
        },
        **kw,
    )


def test_every_incident_in_window_and_definition_none_missing(frames, police) -> None:
    b = police
    inc = frames["incidents"]
    expected = set(
        inc.filter(
            pl.col("in_definition")
            & (pl.col("occurred_from") >= AT - dt.timedelta(hours=24))
            & (pl.col("occurred_from") < AT)
        )["incident_id"].to_list()
    )
    listed = [i["incident_id"] for i in b.incidents]
    assert expected, "the factory must put violence in the window"
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    by_id = {r["incident_id"]: r for r in inc.to_dicts()}
    for item in b.incidents:
        rec = by_id[item["incident_id"]]
        assert rec["in_definition"]
        assert AT - dt.timedelta(hours=24) <= rec["occurred_from"] < AT
        assert item["links"]["incident_id"] == [item["incident_id"]]
        assert item["reasons"][0].startswith("in definition avb-2010")


def test_sections_ranked_highest_harm_first_with_reasons_and_links(
    frames, police
) -> None:
    b = police
    harms = [i["harm_days"] for i in b.incidents]
    assert harms == sorted(harms, reverse=True)
    assert [i["rank"] for i in b.incidents] == list(range(1, len(harms) + 1))
    today = [v["harm_today"] for v in b.repeat_victims]
    assert today == sorted(today, reverse=True)
    scores = [p["score"] for p in b.people]
    assert scores == sorted(scores, reverse=True)
    for section in (b.incidents, b.repeat_victims, b.people, b.asb_callers, b.places):
        for item in section:
            assert item["reasons"], item
            assert item["links"], item
    # people link back to incidents listed in the window
    listed = {i["incident_id"] for i in b.incidents}
    for p in b.people:
        assert set(p["links"]["incident_id"]) <= listed
        assert sum(p["parts"].values()) == pytest.approx(p["score"])


def test_json_contract(police) -> None:
    j = police.to_json()
    for key in (
        "window",
        "incidents",
        "retaliation",
        "repeat_victims",
        "people",
        "places",
        "audience",
    ):
        assert key in j
    assert set(j["window"]) == {"from", "to"}
    assert set(j["incidents"][0]) >= {"incident_id", "category", "harm_days", "reasons"}
    assert set(j["places"][0]) >= {"x", "y", "score"}
    assert j["audience"] == "police"
    json.dumps(j)  # plain JSON types only


def test_places_find_the_planted_hot_cell(police) -> None:
    b = police
    # the planted 100 m cell E4070 N2880 (407,000-407,100 E, 288,000-288,100 N)
    # lies in the 150 m cell E2713 N1920 (406,950-407,100 E, 288,000-288,150 N)
    assert b.places[0]["cell_id"] == "150m:E2713:N1920"
    assert 0 < b.places_summary["share_events"] <= 1


def test_trend_compares_with_a_year_earlier(frames, police) -> None:
    b = police
    p7, p28 = b.trend["periods"]
    inc = frames["incidents"].filter(pl.col("in_definition"))
    n7 = inc.filter(
        (pl.col("occurred_from") >= AT - dt.timedelta(days=7))
        & (pl.col("occurred_from") < AT)
    ).height
    assert p7["count"] == n7
    assert p28["year_earlier_to"] == AT - dt.timedelta(days=364)
    assert b.trend["line"].startswith("Violence: last 7 days")


def test_area_filter(frames) -> None:
    b = _brief(frames, area="northfield")
    assert b.incidents
    assert {i["borough"] for i in b.incidents} == {"Northfield"}


def test_area_of_incidents_whose_lsoa_or_borough_is_all_null(frames) -> None:
    """A frame built from rows that name no LSOA has an ``lsoa`` column of dtype
    Null (and a borough may be Categorical): the area rule raised a SchemaError
    (``str.to_lowercase`` on them), where the borough-only filter had worked."""
    inc = frames["incidents"].with_columns(
        pl.lit(None).alias("lsoa"), pl.col("borough").cast(pl.Categorical)
    )
    b = _brief({**frames, "incidents": inc}, area="northfield")
    assert b.incidents
    assert {i["borough"] for i in b.incidents} == {"Northfield"}


def test_area_may_be_an_lsoa_as_on_the_incidents_page(frames) -> None:
    """An officer scoped to an LSOA saw it on /incidents and an empty briefing."""
    inc = frames["incidents"]
    first = inc.filter(pl.col("in_definition")).row(0, named=True)
    one = first["incident_id"]
    f = {
        **frames,
        "incidents": inc.with_columns(
            pl.when(pl.col("incident_id") == one)
            .then(pl.lit("E01009999"))
            .otherwise(pl.col("lsoa"))
            .alias("lsoa")
        ),
    }
    b = _brief(f, at=first["occurred_from"] + dt.timedelta(hours=1), area=" e01009999")
    assert [i["incident_id"] for i in b.incidents] == [one]
    assert any("borough or LSOA" in n for n in b.notes)


def test_partner_audience_pseudonymises_and_drops(frames, police) -> None:
    p = Pseudonymiser("test-key")
    b = _brief(frames, audience="partner", pseudonymiser=p)
    text = json.dumps(b.to_json())
    for name in frames["identities"]["name"].to_list()[:300]:
        assert name not in text
    assert "Crimson Kestrels" not in text
    assert "Youth outreach" not in text  # action title about a person: withheld
    assert any(a["title"].startswith("[title withheld") for a in b.actions)
    assert '"PER' not in text
    assert '"INC' not in text
    assert "GRP1" not in text
    first = b.incidents[0]
    assert first["incident_id"].startswith("I-")
    assert "location" not in first
    assert "x" not in first
    assert b.to_json()["audience"] == "partner"
    assert b.pseudonyms
    assert "HMAC" in b.pseudonyms["method"]
    # stable: same key, same pseudonyms; the police view maps to them
    again = _brief(frames, audience="partner", pseudonymiser=Pseudonymiser("test-key"))
    assert [i["incident_id"] for i in again.incidents] == [
        i["incident_id"] for i in b.incidents
    ]
    assert {p("incident", i["incident_id"]) for i in police.incidents} == {
        i["incident_id"] for i in b.incidents
    }


def test_month_precision_briefs_on_the_month() -> None:
    inc = pl.DataFrame(
        {
            "incident_id": ["a", "b", "c", "d"],
            "occurred_from": [dt.datetime(2019, 6, 1)] * 3 + [dt.datetime(2018, 6, 1)],
            "time_precision": ["month"] * 4,
            "x": [530000.0, 530010.0, 531000.0, 530000.0],
            "y": [180000.0, 180010.0, 181000.0, 180000.0],
            "in_definition": [True, True, False, True],
            "category": ["assault_with_injury", "harassment", None, "harassment"],
            "harm_days": [180.0, 20.0, 1.0, 20.0],
        }
    )
    b = daily_briefing(inc, at=dt.datetime(2019, 8, 15, 8))
    assert b.precision == "month"
    assert (b.window_from, b.window_to) == (
        dt.datetime(2019, 6, 1),
        dt.datetime(2019, 7, 1),
    )
    assert [i["incident_id"] for i in b.incidents] == ["a", "b"]
    assert any("month" in n and "cannot show" in n for n in b.notes)
    assert b.trend["periods"][0]["year_earlier"] == 1


def test_a_broad_recorded_type_says_why_it_is_in_no_single_category() -> None:
    """police.uk's "Violence and sexual offences" meets many rules: the item says it
    is in the definition and why no category is named (not just its harm)."""
    inc = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_from": [dt.datetime(2019, 6, 1)] * 2,
            "time_precision": ["month"] * 2,
            "x": [530000.0, 530010.0],
            "y": [180000.0, 180010.0],
            "in_definition": [True, True],
            "category": [None, "personal_robbery"],
            "rule_ids": [
                "awi.assault_with_injury;har.harassment;sex.rape",
                "rob.personal",
            ],
            "crime_type": ["Violence and sexual offences", "Robbery"],
            "harm_days": [120.0, 365.0],
        }
    )
    b = daily_briefing(inc, at=dt.datetime(2019, 8, 15, 8))
    broad = next(i for i in b.incidents if i["incident_id"] == "a")
    assert broad["reasons"][0] == (
        "in definition avb-2010: Violence and sexual offences meets 3 of its rules, "
        "so no single category"
    )
    robbery = next(i for i in b.incidents if i["incident_id"] == "b")
    # the category in words, as the incident's title writes it (walked in a
    # browser: "in definition avb-2010: personal_robbery" under "personal robbery")
    assert robbery["reasons"][0].startswith("in definition avb-2010: personal robbery")
    assert not any("no single category" in r for r in robbery["reasons"])


def test_retaliation_alerts_are_passed_through_and_pseudonymised(frames) -> None:
    inc_id = frames["incidents"]["incident_id"][0]
    alerts = pl.DataFrame(
        {
            "incident_id": [inc_id],
            "victim_id": ["PER0"],
            "occurred_from": [AT - dt.timedelta(days=2)],
            "live_until": [AT + dt.timedelta(days=12)],
            "victim_groups": [["GRP1"]],
            "rival_groups": [["GRP2"]],
            "at_risk_of_retaliation_from": [["PER1", "PER2"]],
            "possible_targets": [["PER5"]],
            "reasons": [["victim PER0 of violence is linked to group(s) GRP1"]],
        }
    )
    b = _brief(frames, retaliation=alerts)
    assert b.retaliation[0]["links"]["person_id"] == ["PER0", "PER1", "PER2", "PER5"]
    partner = _brief(frames, retaliation=alerts, audience="partner")
    text = json.dumps(partner.to_json())
    assert "PER0" not in text
    assert "GRP1" not in text
    assert partner.retaliation[0]["victim_id"].startswith("P-")


def test_strong_alerts_come_first_and_weak_ones_apart(frames) -> None:
    """Strong alerts (victim in a known group) lead even with less harm (12.6)."""
    inc = frames["incidents"].sort("harm_days", descending=True)
    high, low = inc["incident_id"][0], inc["incident_id"][-1]
    assert inc["harm_days"][0] > (inc["harm_days"][-1] or 0.0)
    live = AT + dt.timedelta(days=12)
    alerts = pl.DataFrame(
        {
            "incident_id": [high, low],
            "victim_id": ["PER7", "PER8"],
            "occurred_from": [AT - dt.timedelta(days=1)] * 2,
            "live_until": [live, live],
            "strength": ["weak", "strong"],
            "victim_groups": [[], ["GRP1"]],
            "rival_groups": [["GRP2"], ["GRP2"]],
            "at_risk_of_retaliation_from": [["PER7"], ["PER8"]],
            "possible_targets": [["PER9"], [f"PER{k}" for k in range(20, 30)]],
            "n_possible_targets": [1, 14],
            "reasons": [["weak"], ["strong"]],
        }
    )
    b = _brief(frames, retaliation=alerts)
    assert [a["strength"] for a in b.retaliation] == ["strong", "weak"]
    assert [a["incident_id"] for a in b.retaliation] == [low, high]
    assert b.retaliation[0]["n_possible_targets"] == 14
    assert b.summary["n_retaliation"] == 2
    assert b.summary["n_retaliation_strong"] == 1
    html = render_briefing_html(b)
    strong_at = html.index("Strong: the victim is in a known group")
    weak_at = html.index("Weak: the victim is linked to a group conflict")
    assert strong_at < html.index("PER8") < weak_at < html.index("PER7", weak_at)
    assert "and 9 more" in html
    partner = _brief(frames, retaliation=alerts, audience="partner")
    weak = next(a for a in partner.retaliation if a["strength"] == "weak")
    assert "in no known group" in weak["reasons"][0]
    assert "group(s) " not in weak["reasons"][0]


def test_equal_harm_alerts_latest_first_in_the_police_order() -> None:
    """Alerts of equal harm broke by incident id, earliest first (the briefing ranks
    equal harm latest first), and partners, whose ids are pseudonyms, read them in
    another order than the police at the same meeting."""
    hours = [30, 5, 200, 5, 70, 120, 5, 250]  # before AT; three at the same time
    ids = [f"i{k}" for k in range(len(hours))]
    times = [AT - dt.timedelta(hours=h) for h in hours]
    incidents = pl.DataFrame(
        {
            "incident_id": ids,
            "occurred_from": times,
            "in_definition": [True] * len(ids),
            "category": ["assault_with_injury"] * len(ids),
            "harm_days": [10.0] * len(ids),
        }
    )
    victims = [f"v{k}" for k in range(len(ids))]
    involvements = pl.DataFrame(
        {
            "incident_id": ids * 2,
            "person_id": victims + [f"s{k}" for k in range(len(ids))],
            "role": ["victim"] * len(ids) + ["suspect"] * len(ids),
        }
    )
    alerts = pl.DataFrame(
        {
            "incident_id": ids,
            "victim_id": victims,
            "occurred_from": times,
            "live_until": [t + dt.timedelta(days=14) for t in times],
            "strength": ["weak"] * len(ids),
            "victim_groups": [[] for _ in ids],
            "rival_groups": [["G1"] for _ in ids],
            "at_risk_of_retaliation_from": [[v] for v in victims],
            "possible_targets": [[f"s{k}"] for k in range(len(ids))],
            "reasons": [["weak"] for _ in ids],
        }
    )
    members = pl.DataFrame(
        {"group_id": ["G1"] * len(ids), "person_id": [f"s{k}" for k in range(len(ids))]}
    )
    tables = {"retaliation": alerts, "group_members": members}
    police = daily_briefing(incidents, involvements, at=AT, tables=tables)
    ours = [a["incident_id"] for a in police.retaliation]
    assert ours == ["i1", "i3", "i6", "i0", "i4", "i5", "i2", "i7"]
    p = Pseudonymiser("test-key")
    partner = daily_briefing(
        incidents,
        involvements,
        at=AT,
        tables=tables,
        audience="partner",
        pseudonymiser=p,
    )
    theirs = [a["incident_id"] for a in partner.retaliation]
    assert theirs == [p("incident", i) for i in ours]
    assert "police_seq" not in json.dumps(partner.to_json())


def test_bad_options_raise(frames) -> None:
    with pytest.raises(ConfigError):
        _brief(frames, audience="public")
    # never the published demo key by default: its pseudonyms are recomputable
    with pytest.raises(ConfigError, match="pseudonymiser"):
        daily_briefing(frames["incidents"], at=AT, audience="partner")
    with pytest.raises(ConfigError):
        _brief(frames, hours=0)
    with pytest.raises(SchemaError):
        daily_briefing(frames["incidents"].drop("harm_days"), at=AT)


def test_empty_window_is_an_empty_briefing(frames) -> None:
    b = _brief(frames, at=dt.datetime(2030, 1, 1))
    assert b.incidents == ()
    assert b.summary["n_incidents"] == 0


def test_partners_see_equal_harm_incidents_in_the_police_order(frames) -> None:
    """Ties broke by incident id, which partners see as a pseudonym: among equal-harm
    incidents of one time (a month-dated month), the partner briefing listed others
    than the police's, so one meeting looked at two lists."""
    when = AT - dt.timedelta(hours=3)
    inc = frames["incidents"].with_columns(
        pl.when(pl.col("occurred_from") > AT - dt.timedelta(hours=24))
        .then(pl.lit(when))
        .otherwise(pl.col("occurred_from"))
        .alias("occurred_from"),
        pl.lit(180.0).alias("harm_days"),
    )
    tied = {**frames, "incidents": inc}
    p = Pseudonymiser("test-key")
    police = [i["incident_id"] for i in _brief(tied).incidents]
    partner = [
        i["incident_id"]
        for i in _brief(tied, audience="partner", pseudonymiser=p).incidents
    ]
    assert len(police) > 5
    assert partner == [p("incident", i) for i in police]


def test_partners_see_people_of_equal_score_in_the_police_order() -> None:
    """Equal scores and harm broke by person id, which partners see as a pseudonym:
    of 14 co-offenders alike, the partner's ten people of concern were others than
    the police's, and repeat victims and ASB callers came in another order."""
    now = AT - dt.timedelta(hours=2)
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i0"],
            "occurred_from": [now, AT - dt.timedelta(days=30)],
            "in_definition": [True, True],
            "category": ["assault_with_injury"] * 2,
            "harm_days": [10.0, 10.0],
        }
    )
    ids = [f"p{i:02d}" for i in range(14)]
    involvements = pl.DataFrame(
        {
            "incident_id": ["i1"] * 28 + ["i0"] * 14,
            "person_id": ids * 3,
            "role": ["offender"] * 14 + ["victim"] * 28,
        }
    )
    asb = pl.DataFrame(
        {
            "asb_id": [f"a{i:02d}" for i in range(14)],
            "occurred_at": [now] * 14,
            "caller_id": ids,
            "vulnerable_caller": [True] * 14,
            "category": ["personal"] * 14,
        }
    )
    p = Pseudonymiser("test-key")
    police = daily_briefing(incidents, involvements, at=AT, tables={"asb": asb})
    partner = daily_briefing(
        incidents,
        involvements,
        at=AT,
        tables={"asb": asb},
        audience="partner",
        pseudonymiser=p,
    )
    for name in ("people", "repeat_victims", "asb_callers"):
        ours = [i["person_id"] for i in getattr(police, name)]
        theirs = [i["person_id"] for i in getattr(partner, name)]
        assert len(ours) >= 10, name
        assert theirs == [p("person", x) for x in ours], name
    assert [i["person_id"] for i in police.people] == ids[:10]
    assert "police_person_seq" not in json.dumps(partner.to_json())


def test_an_incident_without_a_harm_weight_is_said_not_silently_zero() -> None:
    """A domestic incident whose offence code the harm table does not know is in the
    definition with no harm: the item and a note say so, the total leaves it out."""
    inc = pl.DataFrame(
        {
            "incident_id": ["a", "b"],
            "occurred_from": [dt.datetime(2025, 3, 10, 1), dt.datetime(2025, 3, 10, 2)],
            "x": [530000.0, 530010.0],
            "y": [180000.0, 180010.0],
            "in_definition": [True, True],
            "category": ["hate_crime", "assault_with_injury"],
            "rule_ids": ["hate.domestic_abuse", "awi.assault_with_injury"],
            "offence_code": ["XX1", "8N"],
            "harm_days": [None, 10.0],
            "harm_source": ["unknown:XX1", "derived:8N"],
        }
    )
    b = daily_briefing(inc, at=AT)
    assert b.summary["harm_days"] == 10.0
    unknown = next(i for i in b.incidents if i["incident_id"] == "a")
    assert "harm unknown (unknown:XX1): not in the harm total" in unknown["reasons"]
    assert any(
        n.startswith("1 incident of the window has no harm weight") for n in b.notes
    )
    known = next(i for i in b.incidents if i["incident_id"] == "b")
    assert not any("harm unknown" in r for r in known["reasons"])


def test_reasons_count_one_thing_in_the_singular() -> None:
    """A count of one reads in the singular ("1 offences in 365 days", "1 ASB
    reports", "1 intelligence reports" before); two or more in the plural."""
    now = AT - dt.timedelta(hours=2)
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1"],
            "occurred_from": [now],
            "in_definition": [True],
            "category": ["assault_with_injury"],
            "harm_days": [10.0],
        }
    )
    involvements = pl.DataFrame(
        {"incident_id": ["i1"], "person_id": ["p1"], "role": ["offender"]}
    )
    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2", "a3"],
            "occurred_at": [now] * 3,
            "caller_id": ["c1", "c2", "c2"],
            "vulnerable_caller": [True] * 3,
            "category": ["personal"] * 3,
        }
    )
    intel = pl.DataFrame(
        {
            "intel_id": ["n1"],
            "recorded_at": [now],
            "subject_type": ["person"],
            "subject_id": ["p1"],
            "topic": ["weapon"],
            "grading": ["B2"],
        }
    )
    b = daily_briefing(
        incidents, involvements, at=AT, tables={"asb": asb, "intelligence": intel}
    )
    (person,) = b.people
    assert any(r.startswith("1 offence in 365 days") for r in person["reasons"])
    callers = {c["person_id"]: c["reasons"] for c in b.asb_callers}
    assert any(r.startswith("1 ASB report in ") for r in callers["c1"])
    assert any(r.startswith("2 ASB reports in ") for r in callers["c2"])
    assert b.to_json()["intelligence"]["line"].startswith(
        "1 intelligence report in the window"
    )


#: maps keyed by data (group ids, gradings, dimensions, section names), not fields
_KEYED_BY_DATA = {
    "group_names",
    "by_grading",
    "references",
    "links",
    "methods",
    "parts",
}


def _field_names(value: object, out: set[str], parent: str = "") -> set[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if parent not in _KEYED_BY_DATA and parent != "make_up":
                out.add(key)
            _field_names(inner, out, key)
    elif isinstance(value, list):
        for inner in value:
            _field_names(inner, out, parent)
    return out


@pytest.mark.parametrize("audience", ["police", "partner"])
def test_the_documented_json_contract_names_every_field(frames, audience) -> None:
    """docs/briefing.md's contract left out fields the JSON has (incidents'
    `group_names`, make-up rows' `exact_ci_low`, the people's `n_offences` ...), so
    a reader of the contract could not know them."""
    from pathlib import Path

    doc = (Path(__file__).parents[2] / "docs" / "briefing.md").read_text()
    contract = doc.split("## JSON contract", 1)[1].split("\n## ", 1)[0]
    j = json.loads(json.dumps(_brief(frames, audience=audience).to_json()))
    missing = sorted(k for k in _field_names(j, set()) if f'"{k}"' not in contract)
    assert not missing, missing


def test_harm_sums_do_not_depend_on_the_order_of_the_rows(frames) -> None:
    """The store returns rows in no fixed order (SQLite and PostgreSQL differ, and
    so may two reads): the summary's harm, overall and per category, is the same
    to the last digit whatever the order (it differed in the last digits between
    the web API on SQLite and on PostgreSQL for a police.uk month)."""
    rng = np.random.default_rng(3)
    # one time for all (as a month of police.uk records has): no sort by time
    # puts the rows back in one order
    inc = frames["incidents"].with_columns(
        pl.Series("harm_days", rng.random(frames["incidents"].height) * 1000),
        pl.lit(AT - dt.timedelta(hours=2)).alias("occurred_from"),
    )
    shuffled = inc.sample(fraction=1.0, shuffle=True, seed=5)
    one = _brief({**frames, "incidents": inc}).to_json()["summary"]
    two = _brief({**frames, "incidents": shuffled}).to_json()["summary"]
    three = _brief({**frames, "incidents": inc.reverse()}).to_json()["summary"]
    assert one["harm_days"] == two["harm_days"] == three["harm_days"]
    assert one["by_category"] == two["by_category"] == three["by_category"]
    assert len(one["by_category"]) > 1


def test_a_partner_alert_says_its_incident_is_dated_alone_as_the_police_one_does(
    frames,
) -> None:
    """The police alert's reason says its incident is dated alone and runs from
    its day's end; a partner's, rebuilt with pseudonyms, said only "alert live
    until ...". It now reads the police line (it names no one) word for word."""
    inc_id = frames["incidents"]["incident_id"][0]
    day = dt.datetime.combine((AT - dt.timedelta(days=2)).date(), dt.time())
    live = (
        "alert live for 14 days after the end of its day (dated "
        f"{day:%Y-%m-%d} alone, no time recorded), until 2025-03-23 00:00"
    )
    alerts = _alert_of_a_day_alone(
        inc_id, day, ["victim PER0 of violence is linked to group(s) GRP1", live]
    )
    police = _brief(frames, retaliation=alerts)
    partner = _brief(frames, retaliation=alerts, audience="partner")
    assert live in police.retaliation[0]["reasons"]
    reasons = partner.retaliation[0]["reasons"]
    assert reasons[-1] == live
    assert "PER0" not in json.dumps(reasons)
    assert "GRP1" not in json.dumps(reasons)


def test_a_partner_alert_passes_on_no_live_line_that_only_begins_so(frames) -> None:
    """The partner's alert took any police reason beginning "alert live " word for
    word: a reworded line that named the victim ("alert live ... for PER0") would
    have reached partners with the police id. Only a line of the analysis's own
    form (dates and numbers) passes; another gives the plain line of the date."""
    inc_id = frames["incidents"]["incident_id"][0]
    day = dt.datetime.combine((AT - dt.timedelta(days=2)).date(), dt.time())
    alerts = _alert_of_a_day_alone(
        inc_id,
        day,
        [
            "alert live for 14 days while PER0 (victim) and PER1 are at "
            "large, until 2025-03-23 00:00"
        ],
    )
    partner = _brief(frames, retaliation=alerts, audience="partner")
    reasons = partner.retaliation[0]["reasons"]
    assert "PER0" not in json.dumps(reasons)
    assert "PER1" not in json.dumps(reasons)
    until = day + dt.timedelta(days=15)
    assert reasons[-1] == f"alert live until {until:%Y-%m-%d %H:%M}"


def _alert_of_a_day_alone(
    incident_id: str, day: dt.datetime, reasons: list[str]
) -> pl.DataFrame:
    """One retaliation alert of victim PER0 (group GRP1, rival GRP2, at risk from
    PER1, target PER5) of an incident dated ``day`` alone, live 15 days, with the
    police ``reasons``."""
    return pl.DataFrame(
        {
            "incident_id": [incident_id],
            "victim_id": ["PER0"],
            "occurred_from": [day],
            "live_until": [day + dt.timedelta(days=15)],
            "victim_groups": [["GRP1"]],
            "rival_groups": [["GRP2"]],
            "at_risk_of_retaliation_from": [["PER1"]],
            "possible_targets": [["PER5"]],
            "reasons": [reasons],
        }
    )


def test_no_plan_says_where_the_plan_comes_in_to_readers_of_no_command(
    frames,
) -> None:
    """West Yorkshire's July 2018 (police.uk, no plan imported): a partner's Today
    page read "none due (the partnership's plan is imported with 'avert plan
    import')", a command to a reader who runs none. It says the plan is imported
    on avert's server, and by whom, as the empty Today page says who loads data."""
    no_actions = {**frames, "actions": frames["actions"].clear()}
    b = _brief(no_actions, audience="partner")
    said = " ".join(b.notes)
    assert "No open delivery plan actions: none due" in said
    assert "imported on avert's server, by an administrator or analyst" in said


def test_the_refusal_without_a_pseudonymiser_names_the_readers_key(frames) -> None:
    """It named ``pseudonymiser_for(key)``, the key every partner shares: a
    library user who followed it made a partner briefing in pseudonyms no
    organisation's reader reads under the default ``pseudonym_scope``."""
    with pytest.raises(ConfigError, match=r"scope='organisation:ORG'"):
        daily_briefing(frames["incidents"], at=AT, audience="partner")
