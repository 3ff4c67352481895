"""The briefing lists the DASH assessments of its window judged high risk, whether or
not their victim was in a violent incident of the window
(:mod:`avert.briefing.dash`)."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl

from avert.briefing import daily_briefing
from avert.briefing.dash import NO_DASH_LINE
from avert.report.render import render_briefing_html
from briefing.factory import dash_answers, partner_briefing

AT = dt.datetime(2026, 10, 25, 8)


def _frames() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One violent incident today (victim v-hit, in Northfield); DASH assessments:

    * D-high: v-quiet, 16 yes, 10 hours ago, no incident of the window: listed;
    * D-judged: v-judged, 5 yes but judged high, incident in Southgate: listed;
    * D-medium: v-medium, 9 yes, medium, in the window: not listed;
    * D-old: v-old, 20 yes, 30 hours ago (before the window): not listed;
    * D-early: v-quiet, 15 yes, 100 days ago: v-quiet was on the list before.
    """
    incidents = pl.DataFrame(
        {
            "incident_id": ["I-1", "I-2", "I-3"],
            "occurred_from": [
                AT - dt.timedelta(hours=3),
                AT - dt.timedelta(days=20),
                AT - dt.timedelta(hours=14),
            ],
            "in_definition": [True, True, False],
            "category": ["assault_with_injury", "assault_with_injury", None],
            "harm_days": [10.0, 10.0, 0.0],
            "domestic": [True, True, True],
            "borough": ["Northfield", "Northfield", "Southgate"],
        }
    )
    involvements = pl.DataFrame(
        {
            "incident_id": ["I-1", "I-2", "I-3"],
            "person_id": ["v-hit", "v-hit", "v-judged"],
            "role": ["victim", "victim", "victim"],
        }
    )
    rows = [
        ("D-high", "v-quiet", AT - dt.timedelta(hours=10), 16, False, "high", "I-9"),
        ("D-judged", "v-judged", AT - dt.timedelta(hours=13), 5, True, None, "I-3"),
        ("D-medium", "v-medium", AT - dt.timedelta(hours=2), 9, False, "medium", None),
        ("D-old", "v-old", AT - dt.timedelta(hours=30), 20, False, "high", None),
        ("D-early", "v-quiet", AT - dt.timedelta(days=100), 15, False, "high", None),
    ]
    dash = pl.concat(
        [
            pl.DataFrame(
                {
                    "assessment_id": [a],
                    "person_id": [p],
                    "assessed_at": [t],
                    "incident_id": [i],
                    "agency": ["police"],
                    **dash_answers(n),
                    "professional_judgement": [j],
                    "risk_level": [lvl],
                }
            )
            for a, p, t, n, j, lvl, i in rows
        ]
    )
    return incidents, involvements, dash


def test_lists_high_risk_assessments_of_the_window_only() -> None:
    incidents, involvements, dash = _frames()
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    section = b.dash_high_risk
    assert section is not None
    items = section["items"]
    assert [d["assessment_id"] for d in items] == ["D-high", "D-judged"]
    high, judged = items
    assert high["person_id"] == "v-quiet"
    assert high["criteria"] == ["visible high risk"]
    assert high["n_yes"] == 16
    assert high["on_marac_list_before"] is True  # D-early, 15 yes, current
    assert judged["criteria"] == ["professional judgement"]
    assert judged["on_marac_list_before"] is False
    assert section["n_assessed"] == 3
    assert (
        section["line"]
        == "2 high-risk DASH assessments of 3 assessments made in the window."
    )
    data = b.to_json()
    assert [d["person_id"] for d in data["dash_high_risk"]["items"]] == [
        "v-quiet",
        "v-judged",
    ]
    html = render_briefing_html(b, data=data)
    assert "High-risk domestic abuse assessments, last 24 hours" in html
    assert "v-quiet" in html


def test_nothing_high_risk_in_the_window_is_one_line() -> None:
    incidents, involvements, dash = _frames()
    dash = dash.filter(pl.col("assessment_id").is_in(["D-medium", "D-old"]))
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert b.dash_high_risk is not None
    assert b.dash_high_risk["recorded"] is True
    assert b.dash_high_risk["items"] == []
    assert b.dash_high_risk["line"] == (
        "No DASH assessment made in the window was judged high risk "
        "(1 assessment made in it)."
    )


def test_without_dash_data_it_says_so() -> None:
    incidents, involvements, _ = _frames()
    b = daily_briefing(incidents, involvements, at=AT)
    assert b.dash_high_risk is not None
    assert b.dash_high_risk["recorded"] is False
    assert b.dash_high_risk["line"] == NO_DASH_LINE
    html = render_briefing_html(b, data=b.to_json())
    assert "The data hold no DASH assessments" in html


def test_an_area_lists_its_own_assessments() -> None:
    incidents, involvements, dash = _frames()
    north = daily_briefing(
        incidents, involvements, at=AT, area="Northfield", tables={"dash": dash}
    )
    south = daily_briefing(
        incidents, involvements, at=AT, area="southgate", tables={"dash": dash}
    )
    assert north.dash_high_risk is not None
    assert south.dash_high_risk is not None
    assert north.dash_high_risk["items"] == []
    assert [d["assessment_id"] for d in south.dash_high_risk["items"]] == ["D-judged"]
    # D-high names I-9 (no stored incident) and D-medium no incident: in no area
    assert south.dash_high_risk["notes"] == [
        "2 DASH assessments of the window name no incident with a borough or LSOA: "
        "in no area, not listed here (the force-wide briefing lists them if high "
        "risk)."
    ]
    # placed by the area columns the workflow adds from the assessment's incident
    placed = dash.with_columns(
        pl.when(pl.col("assessment_id") == "D-high")
        .then(pl.lit("Northfield"))
        .alias("borough")
    )
    north = daily_briefing(
        incidents, involvements, at=AT, area="Northfield", tables={"dash": placed}
    )
    assert north.dash_high_risk is not None
    assert [d["assessment_id"] for d in north.dash_high_risk["items"]] == ["D-high"]


def test_partners_see_pseudonyms_and_no_assessment_id() -> None:
    incidents, involvements, dash = _frames()
    b, p = partner_briefing(incidents, involvements, at=AT, dash=dash)
    assert b.dash_high_risk is not None
    items = b.dash_high_risk["items"]
    assert [d["person_id"] for d in items] == [
        p("person", "v-quiet"),
        p("person", "v-judged"),
    ]
    assert all(d["assessment_id"] is None and "name" not in d for d in items)
    assert "v-quiet" not in str(b.to_json())


def test_workflow_places_by_incident_and_audits_the_victim(
    sqlite_store, tmp_path
) -> None:
    """Through the store: a high-risk assessment whose victim had no incident of
    the window is listed, placed in its incident's borough for an area's
    briefing, and its victim is counted in the export's audit row."""
    from avert.store.audit import people_digest
    from avert.workflows.briefing import build_briefing, people_shown, run_briefing
    from briefing.factory import store_with_placed_assessment

    at = dt.datetime(2025, 3, 10, 8)
    store = sqlite_store
    borough = store_with_placed_assessment(
        store,
        at=at,
        n_incidents=600,
        seed=5,
        assessment_id="D-store",
        person_id="v-dash-only",
        n_yes=17,
    )
    with store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["v-dash-only"], "name": ["Dana Only"]}),
        )
    files = run_briefing(store, at=at, out_dir=tmp_path / "b", pdf=False)
    section = files.briefing.dash_high_risk
    assert section is not None
    assert [d["person_id"] for d in section["items"]] == ["v-dash-only"]
    assert section["items"][0].get("name") == "Dana Only"
    shown = people_shown(json.loads(files.json.read_text(encoding="utf-8")))
    assert "v-dash-only" in shown
    audit = store.read_frame("audit").filter(pl.col("action") == "export")
    _, digest = people_digest(shown)
    assert f"people={len(shown)}; people_sha256={digest}" in audit["detail"][-1]
    other = next(b for b in ("Northfield", "Southgate") if b != borough)
    mine = build_briefing(store, at=at, area=borough).dash_high_risk
    theirs = build_briefing(store, at=at, area=other).dash_high_risk
    assert mine is not None
    assert theirs is not None
    assert [d["person_id"] for d in mine["items"]] == ["v-dash-only"]
    assert theirs["items"] == []
    # the command line prints the section, one line an assessment
    from typer.testing import CliRunner

    from avert.cli import app

    result = CliRunner().invoke(
        app,
        [
            "--db",
            store.url.adbc,
            "brief",
            "--at",
            at.isoformat(),
            "--out",
            str(tmp_path / "cli"),
            "--no-pdf",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (
        "High-risk domestic abuse assessments (DASH): 1 high-risk DASH assessment"
        in " ".join(result.output.split())
    )
    assert "1. v-dash-only assessed" in result.output


def test_the_window_is_on_the_clock_when_the_clocks_go_back() -> None:
    """Briefed at 08:00 on 25 Oct 2026 (clocks back at 02:00): the window starts at
    08:00 the day before on the clock, 25 elapsed hours, as the incidents'; an
    assessment at 08:30 the day before is in it, one at 07:30 is not."""
    incidents, involvements, dash = _frames()
    early = dash.filter(pl.col("assessment_id") == "D-high")
    moved = pl.concat(
        [
            early.with_columns(
                pl.lit("D-in").alias("assessment_id"),
                pl.lit(dt.datetime(2026, 10, 24, 8, 30)).alias("assessed_at"),
            ),
            early.with_columns(
                pl.lit("D-out").alias("assessment_id"),
                pl.lit(dt.datetime(2026, 10, 24, 7, 30)).alias("assessed_at"),
            ),
        ]
    )
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": moved})
    assert b.dash_high_risk is not None
    assert [d["assessment_id"] for d in b.dash_high_risk["items"]] == ["D-in"]


def _escalated(incidents: pl.DataFrame, involvements: pl.DataFrame):
    """v-esc: victim of 3 domestic incidents in the year before the window (on the
    MARAC list by potential escalation), none in the window; assessed high risk in
    the window for the first time."""
    ids = ["E-1", "E-2", "E-3"]
    more = pl.DataFrame(
        {
            "incident_id": ids,
            "occurred_from": [AT - dt.timedelta(days=d) for d in (30, 60, 90)],
            "in_definition": [False] * 3,
            "category": [None] * 3,
            "harm_days": [0.0] * 3,
            "domestic": [True] * 3,
            "borough": ["Northfield"] * 3,
        },
        schema_overrides={"category": pl.String},
    )
    victims = pl.DataFrame(
        {"incident_id": ids, "person_id": ["v-esc"] * 3, "role": ["victim"] * 3}
    )
    dash = pl.DataFrame(
        {
            "assessment_id": ["D-esc"],
            "person_id": ["v-esc"],
            "assessed_at": [AT - dt.timedelta(hours=4)],
            "incident_id": [None],
            **dash_answers(16),
        },
        schema_overrides={"incident_id": pl.String},
    )
    return (
        pl.concat([incidents, more], how="diagonal_relaxed"),
        pl.concat([involvements, victims]),
        dash,
    )


def test_a_victim_listed_by_escalation_before_is_not_new_to_the_list() -> None:
    """The MARAC list holds a victim of 3 domestic incidents in 365 days whatever
    their DASH: a high-risk assessment of theirs is not "new to the MARAC list:
    refer" (it said so: only the assessments before the window were looked at)."""
    incidents, involvements, _ = _frames()
    incidents, involvements, dash = _escalated(incidents, involvements)
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert b.dash_high_risk is not None
    (item,) = b.dash_high_risk["items"]
    assert item["on_marac_list_before"] is True
    assert "already on the MARAC list before the window" in item["reasons"]
    assert not any("refer" in r for r in item["reasons"])


def test_workflow_reads_the_escalation_of_a_victim_not_in_the_window(
    sqlite_store,
) -> None:
    """Through the store: the victim's domestic incidents of the year are not among
    the window's people's history; the workflow reads them, for police and
    partners alike."""

    store = sqlite_store
    _check_escalation_read(store)


def test_workflow_reads_the_escalation_on_postgresql(postgres_store) -> None:
    """The same read on PostgreSQL."""
    _check_escalation_read(postgres_store)


def _check_escalation_read(store) -> None:
    from avert.workflows.briefing import build_briefing
    from briefing.factory import make_frames, write_store

    at = dt.datetime(2025, 3, 10, 8)
    frames = make_frames(300, at=at, seed=7)
    old = (
        frames["incidents"]
        .filter(
            pl.col("occurred_from").is_between(
                at - dt.timedelta(days=200), at - dt.timedelta(days=20)
            )
        )["incident_id"]
        .head(3)
        .to_list()
    )
    frames["incidents"] = frames["incidents"].with_columns(
        pl.col("incident_id").is_in(old).or_(pl.col("domestic")).alias("domestic")
    )
    frames["involvements"] = pl.concat(
        [
            frames["involvements"],
            pl.DataFrame(
                {"incident_id": old, "person_id": ["v-esc"] * 3, "role": ["victim"] * 3}
            ),
        ],
        how="diagonal_relaxed",
    )
    write_store(store, frames)
    dash = pl.DataFrame(
        {
            "assessment_id": ["D-esc"],
            "person_id": ["v-esc"],
            "assessed_at": [at - dt.timedelta(hours=5)],
            **dash_answers(16),
        }
    )
    with store.transaction() as tx:
        tx.append("dash", dash)
    police = build_briefing(store, at=at).dash_high_risk
    partner = build_briefing(
        store, at=at, audience="partner", allow_demo_key=True, organisation="council"
    ).dash_high_risk
    assert police is not None
    assert partner is not None
    assert [d["on_marac_list_before"] for d in police["items"]] == [True]
    assert [d["on_marac_list_before"] for d in partner["items"]] == [True]


def test_a_store_with_later_assessments_does_not_say_it_holds_none(
    sqlite_store,
) -> None:
    """A briefing of a day before the store's first DASH assessment says none was
    made in its window, not that the data hold no DASH assessments (it said so:
    the reads hold the assessments made by its end only)."""
    from avert.workflows.briefing import build_briefing
    from briefing.factory import make_frames, write_store

    at = dt.datetime(2025, 3, 10, 8)
    store = sqlite_store
    write_store(store, make_frames(200, at=at, seed=3))
    assert build_briefing(store, at=at).dash_high_risk["line"] == NO_DASH_LINE  # type: ignore[index]
    later = pl.DataFrame(
        {
            "assessment_id": ["D-later"],
            "person_id": ["v-later"],
            "assessed_at": [at + dt.timedelta(days=3)],
            **dash_answers(16),
        }
    )
    with store.transaction() as tx:
        tx.append("dash", later)
    section = build_briefing(store, at=at).dash_high_risk
    assert section is not None
    assert section["recorded"] is True
    assert section["line"] == (
        "No DASH assessment made in the window was judged high risk "
        "(0 assessments made in it)."
    )


def test_a_victim_assessed_high_risk_twice_is_one_row_and_one_referral() -> None:
    """v-judged assessed high risk twice in the window (D-judged, 13 hours ago, and
    an IDVA's D-again, an hour ago): one row, the latest, naming the earlier, and
    one "refer to the MARAC" (each row said it: the meeting saw two referrals)."""
    incidents, involvements, dash = _frames()
    again = dash.filter(pl.col("assessment_id") == "D-judged").with_columns(
        pl.lit("D-again").alias("assessment_id"),
        pl.lit(AT - dt.timedelta(hours=1)).alias("assessed_at"),
        pl.lit("idva").alias("agency"),
        *(pl.lit("yes").alias(f"q{n}") for n in range(1, 15)),
        pl.lit(None, dtype=pl.String).alias("incident_id"),
    )
    dash = pl.concat([dash, again])
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    section = b.dash_high_risk
    assert section is not None
    items = section["items"]
    assert [d["assessment_id"] for d in items] == ["D-again", "D-high"]
    assert [d["rank"] for d in items] == [1, 2]
    (row,) = [d for d in items if d["person_id"] == "v-judged"]
    assert row["criteria"] == ["visible high risk", "professional judgement"]
    assert (
        "also assessed high risk earlier in the window: 24 Oct 19:00 by police "
        "(5 yes); one victim, one MARAC referral (not one per assessment)"
    ) in row["reasons"]
    referrals = [r for d in items for r in d["reasons"] if "refer to the MARAC" in r]
    assert referrals == ["new to the MARAC list: refer to the MARAC (SafeLives)"]
    assert row["links"]["incident_id"] == ["I-3"]  # the earlier one's incident
    assert section["line"] == (
        "3 high-risk DASH assessments of 4 assessments made in the window, of 2 "
        "victims: one row and one MARAC referral a victim."
    )
    html = render_briefing_html(b, data=b.to_json())
    assert html.count("new to MARAC list") == 1


def test_a_month_briefing_reads_its_month_s_assessments(sqlite_store) -> None:
    """Month-precision incidents (data.police.uk): the briefing covers July 2019,
    and its high-risk assessments are July's. The workflow read their places,
    names and victims' year from 24 hours before ``at`` (1 August): the earlier
    ones of July were nameless, and an area's briefing counted the one in another
    area as naming no placed incident. A note says the list is the month's."""
    from avert.workflows.briefing import build_briefing

    store = sqlite_store
    july = dt.datetime(2019, 7, 1)
    incidents = pl.DataFrame(
        {
            "incident_id": ["M-1", "M-2"],
            "source": "policeuk",
            "force": "City of London Police",
            "crime_type": "Violence and sexual offences",
            "occurred_from": july,
            "time_precision": "month",
            "lsoa": ["E01000001", "E01000002"],
            "borough": ["City of London", "Westminster"],
            "x": [530000.0, 529000.0],
            "y": [180000.0, 181000.0],
        }
    )
    classes = incidents.select(
        "incident_id",
        pl.lit("avb-2010").alias("profile"),
        pl.lit(value=True).alias("in_definition"),
        pl.lit("assault_with_injury").alias("category"),
        pl.lit("vap.injury").alias("rule_ids"),
        pl.lit(10.0).alias("harm_days"),
    )
    dash = pl.concat(
        [
            pl.DataFrame(
                {
                    "assessment_id": [a],
                    "person_id": [p],
                    "assessed_at": [t],
                    "incident_id": [i],
                    **dash_answers(16),
                }
            )
            for a, p, t, i in (
                ("D-mid", "v-mid", dt.datetime(2019, 7, 15, 14), "M-1"),
                ("D-west", "v-west", dt.datetime(2019, 7, 3, 9), "M-2"),
            )
        ]
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("classifications", classes)
        tx.append("dash", dash)
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["v-mid", "v-west"], "name": ["M", "W"]}),
        )
    at = dt.datetime(2019, 8, 2, 8)
    b = build_briefing(store, at=at)
    assert b.precision == "month"
    section = b.dash_high_risk
    assert section is not None
    assert [(d["person_id"], d.get("name")) for d in section["items"]] == [
        ("v-mid", "M"),
        ("v-west", "W"),
    ]
    assert section["notes"] == [
        "The incidents are month-precision (data.police.uk), so this briefing covers "
        "July 2019, not the last 24 hours: the assessments listed are those made in "
        'July 2019, and "new to the MARAC list" means not on it on 01 Jul 2019: the '
        "victim may have been referred since (avert analyse marac lists the victims "
        "as of now)."
    ]
    city = build_briefing(store, at=at, area="City of London").dash_high_risk
    assert city is not None
    assert [d["person_id"] for d in city["items"]] == ["v-mid"]
    assert not any("name no incident" in n for n in city["notes"])


def _later(
    dash: pl.DataFrame, aid: str, hours_ago: int, n_yes: int, level: str | None
) -> pl.DataFrame:
    """``dash`` with an IDVA's later assessment of v-judged (D-judged's victim)."""
    return pl.concat(
        [
            dash,
            dash.filter(pl.col("assessment_id") == "D-judged").with_columns(
                pl.lit(aid).alias("assessment_id"),
                pl.lit(AT - dt.timedelta(hours=hours_ago)).alias("assessed_at"),
                pl.lit("idva").alias("agency"),
                *(
                    pl.lit("yes" if n <= n_yes else "no").alias(f"q{n}")
                    for n in range(1, 28)
                ),
                pl.lit(value=False).alias("professional_judgement"),
                pl.lit(level, dtype=pl.String).alias("risk_level"),
            ),
        ]
    )


def test_the_earlier_assessments_are_a_field_without_ids_for_partners() -> None:
    """v-judged assessed high risk at 19:00 (D-judged) and at 07:00 (D-again):
    the row's ``earlier`` holds D-judged (only the reasons named it); a partner
    reads its time, agency and counts, not its id."""
    incidents, involvements, dash = _frames()
    dash = _later(dash, "D-again", 1, 16, "high")
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert b.dash_high_risk is not None
    (row,) = [d for d in b.dash_high_risk["items"] if d["person_id"] == "v-judged"]
    assert row["assessment_id"] == "D-again"
    assert row["earlier"] == [
        {
            "assessment_id": "D-judged",
            "assessed_at": AT - dt.timedelta(hours=13),
            "time_precision": None,
            "agency": "police",
            "n_yes": 5,
            "n_asked": 27,
            "criteria": ["professional judgement"],
        }
    ]
    assert row["reassessed"] is None
    assert row["on_marac_list_at_end"] is True
    b, p = partner_briefing(incidents, involvements, at=AT, dash=dash)
    assert b.dash_high_risk is not None
    (row,) = [
        d
        for d in b.dash_high_risk["items"]
        if d["person_id"] == p("person", "v-judged")
    ]
    assert [e["assessment_id"] for e in row["earlier"]] == [None]
    assert "D-judged" not in json.dumps(b.to_json(), default=str)


def test_a_victim_reassessed_below_high_risk_is_not_told_to_refer() -> None:
    """v-judged assessed high risk at 19:00 (D-judged), then by an IDVA at 07:00
    below it (D-lower, 6 yes, medium). The MARAC list counts the latest
    assessment: as of the window's end it does not list v-judged. The row said
    "new to the MARAC list: refer to the MARAC" all the same, and the page
    flagged it new to the list; it now keeps the high-risk row (the coordinator
    should see it), names the reassessment and says to review it, as the list
    does not hold the victim."""
    from avert.analyse.dash import marac_referrals

    incidents, involvements, dash = _frames()
    dash = _later(dash, "D-lower", 1, 6, "medium")
    listed = marac_referrals(incidents, involvements, dash, at=AT).frame
    assert "v-judged" not in listed["person_id"].to_list()
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    section = b.dash_high_risk
    assert section is not None
    (row,) = [d for d in section["items"] if d["person_id"] == "v-judged"]
    assert row["assessment_id"] == "D-judged"
    assert row["reassessed"] == {
        "assessment_id": "D-lower",
        "assessed_at": AT - dt.timedelta(hours=1),
        "time_precision": None,
        "agency": "idva",
        "n_yes": 6,
        "n_asked": 27,
        "risk_level": "medium",
    }
    assert row["on_marac_list_at_end"] is False
    assert not any("refer to the MARAC" in r for r in row["reasons"])
    assert row["reasons"][-2:] == [
        "reassessed below high risk later in the window: 25 Oct 07:00 by idva "
        "(6 yes, medium)",
        "not on the MARAC list at its end: the list counts a victim's latest "
        "assessment (avert analyse marac), now below high risk; review the "
        "reassessment with its assessor before the MARAC decides on a referral",
    ]
    html = render_briefing_html(b, data=b.to_json())
    assert html.count("reassessed lower") == 1
    assert html.count("new to MARAC list") == 0  # D-high's victim was on it before


def test_a_reassessed_victim_the_list_holds_by_escalation_is_still_referred() -> None:
    """As above, but v-judged has 3 domestic incidents as a victim in the year:
    the MARAC list holds them by potential escalation whatever the DASH, so the
    row says to refer, as before, and names the reassessment."""
    from avert.analyse.dash import marac_referrals

    incidents, involvements, dash = _frames()
    more = pl.DataFrame(
        {
            "incident_id": ["I-4", "I-5"],
            "occurred_from": [AT - dt.timedelta(days=d) for d in (40, 90)],
            "in_definition": [True, True],
            "category": ["assault_with_injury"] * 2,
            "harm_days": [10.0, 10.0],
            "domestic": [True, True],
            "borough": ["Southgate"] * 2,
        }
    )
    incidents = pl.concat([incidents, more])
    involvements = pl.concat(
        [
            involvements,
            pl.DataFrame(
                {
                    "incident_id": ["I-4", "I-5"],
                    "person_id": ["v-judged"] * 2,
                    "role": ["victim"] * 2,
                }
            ),
        ]
    )
    dash = _later(dash, "D-lower", 1, 6, "medium")
    listed = marac_referrals(incidents, involvements, dash, at=AT).frame
    assert "v-judged" in listed["person_id"].to_list()
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert b.dash_high_risk is not None
    (row,) = [d for d in b.dash_high_risk["items"] if d["person_id"] == "v-judged"]
    assert row["on_marac_list_at_end"] is True
    assert row["reassessed"] is not None
    assert row["reasons"][-1] == (
        "new to the MARAC list: refer to the MARAC (SafeLives)"
    )


def _two_areas() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """``_frames`` and v-two, assessed high risk for I-1 in Northfield (12 hours
    ago, police) and then for I-3 in Southgate (4 hours ago, IDVA); each
    assessment placed by its incident's borough, as the workflow places them."""
    incidents, involvements, dash = _frames()
    base = dash.filter(pl.col("assessment_id") == "D-high")
    two = pl.concat(
        [
            base.with_columns(
                pl.lit(a).alias("assessment_id"),
                pl.lit("v-two").alias("person_id"),
                pl.lit(AT - dt.timedelta(hours=h)).alias("assessed_at"),
                pl.lit(i).alias("incident_id"),
                pl.lit(agency).alias("agency"),
            )
            for a, h, i, agency in (
                ("D-north", 12, "I-1", "police"),
                ("D-south", 4, "I-3", "idva"),
            )
        ]
    )
    places = {"D-judged": "Southgate", "D-north": "Northfield", "D-south": "Southgate"}
    both = pl.concat([dash, two]).with_columns(
        pl.col("assessment_id")
        .replace_strict(places, default=None, return_dtype=pl.String)
        .alias("borough")
    )
    return incidents, involvements, both


def test_a_victim_assessed_in_two_areas_is_listed_in_one() -> None:
    """v-two was listed in both areas' briefings (each row "refer to the MARAC")
    and twice in their sum; now only in Southgate's, where their latest high-risk
    assessment was made, with Northfield's named, and Northfield's briefing counts
    them in its line and a note; the areas' rows add up to the force's."""
    incidents, involvements, dash = _two_areas()

    def section(area: str | None) -> dict[str, object]:
        b = daily_briefing(
            incidents, involvements, at=AT, area=area, tables={"dash": dash}
        )
        assert b.dash_high_risk is not None
        return dict(b.dash_high_risk)

    north, south, force = section("Northfield"), section("Southgate"), section(None)
    victims = {
        k: [d["person_id"] for d in s["items"]]  # type: ignore[attr-defined]
        for k, s in (("north", north), ("south", south), ("force", force))
    }
    assert victims["north"] == []
    assert victims["south"] == ["v-two", "v-judged"]
    assert "v-two" in victims["force"]
    placed = [v for v in victims["force"] if v != "v-quiet"]  # D-high: no place
    assert sorted(victims["north"] + victims["south"]) == sorted(placed)
    (row,) = [d for d in south["items"] if d["person_id"] == "v-two"]  # type: ignore[attr-defined]
    assert row["assessment_id"] == "D-south"
    assert (
        "also assessed high risk in the window for an incident in another area "
        "(Northfield, 24 Oct 20:00 by police): listed here, where their latest "
        "high-risk assessment was made, and not in that area's briefing (one row "
        "and one MARAC referral a victim)"
    ) in row["reasons"]
    assert north["line"] == (
        "1 high-risk DASH assessment of 1 assessment made in the window, of 1 "
        "victim: 0 victims listed here, 1 in another area's briefing (a note below "
        "says which): one row and one MARAC referral a victim."
    )
    assert (
        "1 victim assessed high risk in the window for an incident in this area (1 "
        "high-risk assessment) is listed in the briefing of Southgate instead, "
        "where the victim's latest high-risk assessment of the window was made: one "
        "row and one MARAC referral a victim, across areas too (not listed here)."
    ) in north["notes"]  # type: ignore[operator]
    assert south["line"] == (
        "2 high-risk DASH assessments of 2 assessments made in the window."
    )


def test_the_list_is_highest_risk_first_then_latest() -> None:
    """Latest first put D-high (16 yes, 10 hours ago) above v-late's assessment of
    14 yes made an hour ago below v-both's (14 yes and judged high, 2 hours ago):
    now both criteria first, then the yes answers, then the latest."""
    incidents, involvements, dash = _frames()
    base = dash.filter(pl.col("assessment_id") == "D-high")
    more = pl.concat(
        [
            base.with_columns(
                pl.lit(a).alias("assessment_id"),
                pl.lit(p).alias("person_id"),
                pl.lit(AT - dt.timedelta(hours=h)).alias("assessed_at"),
                *(pl.lit("no").alias(f"q{n}") for n in range(15, 28)),
                pl.lit(judged).alias("professional_judgement"),
            )
            for a, p, h, judged in (
                ("D-late", "v-late", 1, False),
                ("D-both", "v-both", 2, True),
                ("D-tie", "v-tie", 3, False),
            )
        ]
    )
    b = daily_briefing(
        incidents, involvements, at=AT, tables={"dash": pl.concat([dash, more])}
    )
    assert b.dash_high_risk is not None
    items = b.dash_high_risk["items"]
    assert [d["assessment_id"] for d in items] == [
        "D-both",  # 2 criteria
        "D-high",  # 16 yes
        "D-late",  # 14 yes, an hour ago
        "D-tie",  # 14 yes, 3 hours ago
        "D-judged",  # 5 yes, judged high
    ]
    assert [d["rank"] for d in items] == [1, 2, 3, 4, 5]


def test_an_assessment_dated_alone_is_shown_by_its_date() -> None:
    """D-day (v-day, 15 yes) was recorded with its date alone, stored at 00:00 of
    25 Oct with ``time_precision`` ``day``; v-day's IDVA assessment D-later (16
    yes, 07:00) names it as earlier. Both said "25 Oct 00:00", a time no one
    recorded: the page, the reason and the command line now give the date."""
    incidents, involvements, dash = _frames()
    base = dash.filter(pl.col("assessment_id") == "D-high")
    day = pl.concat(
        [
            base.with_columns(
                pl.lit(a).alias("assessment_id"),
                pl.lit("v-day").alias("person_id"),
                pl.lit(t).alias("assessed_at"),
                pl.lit(p).alias("time_precision"),
                pl.lit(agency).alias("agency"),
            )
            for a, t, p, agency in (
                ("D-day", dt.datetime(2026, 10, 25), "day", "police"),
                ("D-later", dt.datetime(2026, 10, 25, 7), "exact", "idva"),
            )
        ]
    )
    dash = pl.concat([dash.with_columns(pl.lit("exact").alias("time_precision")), day])
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert b.dash_high_risk is not None
    (row,) = [d for d in b.dash_high_risk["items"] if d["person_id"] == "v-day"]
    assert row["assessment_id"] == "D-later"
    assert row["time_precision"] == "exact"
    assert row["earlier"][0]["time_precision"] == "day"
    assert (
        "also assessed high risk earlier in the window: 25 Oct by police (16 yes); "
        "one victim, one MARAC referral (not one per assessment)"
    ) in row["reasons"]
    # the day-dated one as the row: the page shows its date alone
    alone = dash.filter(pl.col("assessment_id") != "D-later")
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": alone})
    html = render_briefing_html(b, data=b.to_json())
    table = html[html.index('id="dash-high-risk"') :]
    table = table[: table.index("</table>")]
    assert "25 Oct 00:00" not in table
    assert "25 Oct <small>(date only)</small>" in table
    from avert.cli._common import console
    from avert.cli.brief import _print_dash

    with console.capture() as out:
        _print_dash(b.dash_high_risk)
    assert "v-day assessed 25 Oct: visible high risk (16 yes)" in out.get()


def test_two_assessments_of_one_time_show_the_one_the_marac_list_counts() -> None:
    """Two high-risk assessments of v-same dated alone on one day (both 00:00, a
    police DASH and an IDVA's): the row showed the smaller id, D-a (15 yes),
    while the MARAC list counts the victim's latest by time then id, D-b (20
    yes). The row is now D-b, D-a among the earlier ones."""
    from avert.analyse.dash import marac_referrals

    incidents, involvements, dash = _frames()
    base = dash.filter(pl.col("assessment_id") == "D-high")
    same = pl.concat(
        [
            base.with_columns(
                pl.lit(a).alias("assessment_id"),
                pl.lit("v-same").alias("person_id"),
                pl.lit(dt.datetime(2026, 10, 25)).alias("assessed_at"),
                *(
                    pl.lit("yes" if n <= yes else "no").alias(f"q{n}")
                    for n in range(1, 28)
                ),
            )
            for a, yes in (("D-a", 15), ("D-b", 20))
        ]
    )
    dash = pl.concat([dash, same])
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert b.dash_high_risk is not None
    (row,) = [d for d in b.dash_high_risk["items"] if d["person_id"] == "v-same"]
    listed = marac_referrals(incidents, involvements, dash, at=AT).frame
    counted_by_list = listed.filter(pl.col("person_id") == "v-same")["assessment_id"]
    assert row["assessment_id"] == counted_by_list.item() == "D-b"
    assert [e["assessment_id"] for e in row["earlier"]] == ["D-a"]
    assert row["n_yes"] == 20


def test_one_unplaced_assessment_is_said_in_the_singular() -> None:
    incidents, involvements, dash = _frames()
    one = dash.filter(pl.col("assessment_id") != "D-medium")  # D-high alone: I-9
    b = daily_briefing(
        incidents, involvements, at=AT, area="Southgate", tables={"dash": one}
    )
    assert b.dash_high_risk is not None
    assert b.dash_high_risk["notes"] == [
        "1 DASH assessment of the window names no incident with a borough or LSOA: "
        "in no area, not listed here (the force-wide briefing lists it if high "
        "risk)."
    ]


def _dated_alone(dash: pl.DataFrame) -> pl.DataFrame:
    """D-high copied as D-dated of victim v-dated, made on 24 Oct, its time not
    known (``time_precision`` ``day``, stored at 00:00)."""
    return dash.filter(pl.col("assessment_id") == "D-high").with_columns(
        pl.lit("D-dated").alias("assessment_id"),
        pl.lit("v-dated").alias("person_id"),
        pl.lit(dt.datetime(2026, 10, 24)).alias("assessed_at"),
        pl.lit("day").alias("time_precision"),
    )


def test_an_assessment_dated_the_window_s_first_day_is_listed() -> None:
    """D-dated (v-dated, 16 yes) was recorded as made on 24 Oct, its time not
    known: stored at 00:00, before the window (24 Oct 08:00 to 25 Oct 08:00), and
    the briefing of 24 Oct 08:00 ran before it may have been made, so no briefing
    listed it. It is listed now, as new to the MARAC list (its own assessment is
    not "before the window")."""
    incidents, involvements, dash = _frames()
    dated = _dated_alone(dash)
    timed = dated.with_columns(  # a time given: 00:00 is before the window
        pl.lit("D-timed").alias("assessment_id"),
        pl.lit("v-timed").alias("person_id"),
        pl.lit("exact").alias("time_precision"),
    )
    dash = pl.concat(
        [dash.with_columns(pl.lit("exact").alias("time_precision")), dated, timed]
    )
    b = daily_briefing(incidents, involvements, at=AT, tables={"dash": dash})
    assert b.dash_high_risk is not None
    items = {d["person_id"]: d for d in b.dash_high_risk["items"]}
    assert "v-timed" not in items
    row = items["v-dated"]
    assert row["on_marac_list_before"] is False
    assert "new to the MARAC list: refer to the MARAC (SafeLives)" in row["reasons"]


def test_workflow_places_and_names_an_assessment_dated_the_first_day(
    sqlite_store,
) -> None:
    """Through the store: an assessment dated alone on the day the window starts
    (00:00, before ``at - 24 h``) is placed in its incident's borough and named,
    as the workflow reads the places and names from the start of that day (from
    the window's start, an area's briefing counted it as naming no placed
    incident, and the police row had no name)."""
    from avert.workflows.briefing import build_briefing
    from briefing.factory import make_frames, write_store

    at = dt.datetime(2025, 3, 10, 8)
    store = sqlite_store
    frames = make_frames(300, at=at, seed=5)
    write_store(store, frames)
    old = (
        frames["incidents"]
        .filter(pl.col("occurred_from") < at - dt.timedelta(days=40))
        .row(0, named=True)
    )
    with store.transaction() as tx:
        tx.append(
            "dash",
            pl.DataFrame(
                {
                    "assessment_id": ["D-dated"],
                    "person_id": ["v-dated"],
                    "assessed_at": [dt.datetime(2025, 3, 9)],
                    "time_precision": ["day"],
                    "incident_id": [old["incident_id"]],
                    **dash_answers(17),
                }
            ),
        )
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["v-dated"], "name": ["Dee Dated"]}),
        )
    section = build_briefing(store, at=at, area=old["borough"]).dash_high_risk
    assert section is not None
    assert [(d["person_id"], d.get("name")) for d in section["items"]] == [
        ("v-dated", "Dee Dated")
    ]
    assert section["items"][0]["time_precision"] == "day"


def test_an_assessment_dated_alone_in_two_briefings_says_so() -> None:
    """D-dated (v-dated, 16 yes) dated 24 Oct alone is in the briefing of 24 Oct
    08:00 (00:00 is in its window) and of 25 Oct 08:00 (its day overlaps that
    window): both listed it as new to the MARAC list with nothing saying the other
    did, and a week's counts added up counted it twice. Each row now names the
    other briefing, and a note counts the shared-day assessments of the line."""
    incidents, involvements, dash = _frames()
    dated = _dated_alone(dash)
    dash = pl.concat(
        [dash.with_columns(pl.lit("exact").alias("time_precision")), dated]
    )
    told = {}
    for at in (AT - dt.timedelta(days=1), AT):
        b = daily_briefing(incidents, involvements, at=at, tables={"dash": dash})
        assert b.dash_high_risk is not None
        (row,) = [d for d in b.dash_high_risk["items"] if d["person_id"] == "v-dated"]
        told[at] = (row["reasons"], b.dash_high_risk["notes"])
    day_one, day_two = told[AT - dt.timedelta(days=1)], told[AT]
    assert (
        "dated 24 Oct alone (no time recorded): its day runs past this window's "
        "end, so the next briefing lists it again; one assessment, one MARAC "
        "referral"
    ) in day_one[0]
    # the briefing before had it only if it was on record by then (made after
    # that morning's briefing: the very case a date alone is in two for); told
    # "listed it too", the meeting would take the referral as made there
    assert (
        "dated 24 Oct alone (no time recorded): its day began before this window, "
        "so the briefing before this one lists it too if it was on record when "
        "that briefing ran: check whether it was acted on then; one assessment, "
        "one MARAC referral"
    ) in day_two[0]
    assert not [r for r in day_two[0] if "listed it too" in r]
    for _, notes in (day_one, day_two):
        assert (
            "1 assessment of those made in the window (1 judged high risk) is dated "
            "alone (no time recorded) on a day this window shares with the briefing "
            "before or after, which counts it too (the one before if on record when "
            "it ran): adding briefings' counts up (a week's, 28 days') can count it "
            "twice."
        ) in notes


def test_an_assessment_dated_alone_inside_the_window_says_nothing_more() -> None:
    """A date alone whose day lies inside the window (a 48-hour window) is in no
    other briefing of that length: no reason, no note."""
    incidents, involvements, dash = _frames()
    dated = _dated_alone(dash)
    dash = pl.concat(
        [dash.with_columns(pl.lit("exact").alias("time_precision")), dated]
    )
    b = daily_briefing(
        incidents,
        involvements,
        at=dt.datetime(2026, 10, 25),
        hours=48,
        tables={"dash": dash},
    )
    assert b.dash_high_risk is not None
    (row,) = [d for d in b.dash_high_risk["items"] if d["person_id"] == "v-dated"]
    assert not [r for r in row["reasons"] if "dated 24 Oct alone" in r]
    assert not [n for n in b.dash_high_risk["notes"] if "dated alone" in n]
