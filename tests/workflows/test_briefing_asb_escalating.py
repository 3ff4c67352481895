"""The daily briefing lists the window's ASB reports that escalate under the
definition's ASB bridge (seed paragraph 8), stored by 'avert classify': as ASB
reports, not crimes, with no harm weight, for the police and (pseudonymised) for
partners."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.report.render import render_briefing_html
from avert.store import Store
from avert.workflows.briefing import build_briefing, people_shown
from avert.workflows.definitions import classify_store

AT = dt.datetime(2025, 3, 10, 8)


def _store(store: Store) -> None:
    """An assault in the window, and a caller's third ASB report in six months
    three hours before ``AT`` (the earlier two 60 and 30 days before)."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1"],
            "occurred_from": [AT - dt.timedelta(hours=5)],
            "time_precision": ["exact"],
            "offence_code": ["8N"],
            "injury": ["minor"],
            "x": [400_000.0],
            "y": [300_000.0],
            "source": ["test"],
        }
    )
    days = [60, 30, 0]
    asb = pl.DataFrame(
        {
            "asb_id": ["a1", "a2", "a3"],
            "source": ["test"] * 3,
            "occurred_at": [AT - dt.timedelta(days=d, hours=3) for d in days],
            "time_precision": ["exact"] * 3,
            "category": ["personal"] * 3,
            "caller_id": ["c1"] * 3,
            "vulnerable_caller": [False] * 3,
            # far apart: the caller's rule alone
            "x": [400_000.0, 401_000.0, 402_000.0],
            "y": [300_000.0] * 3,
        }
    )
    with store.transaction() as tx:
        tx.append("incidents", incidents)
        tx.append("asb", asb)


@pytest.mark.parametrize("kind", ["sqlite_store", "postgres_store"])
def test_the_briefing_lists_an_escalating_report_of_the_last_24_hours(
    kind: str, request: pytest.FixtureRequest
) -> None:
    """After 'avert classify' the window's third report is listed with its rule,
    marked as ASB and without harm, and the incidents are what they were (one
    assault); the page shows it and the caller shown is audited."""
    store = request.getfixturevalue(kind)
    _store(store)
    classify_store(store, profile="avb-2010")
    briefing = build_briefing(store, at=AT)
    [item] = briefing.asb_escalating
    assert item["asb_id"] == "a3"
    assert item["person_id"] == "c1"
    assert item["rule_ids"] == ["asb.repeat_caller"]
    assert item["n_caller_reports"] == 3
    assert item["reasons"][0] == "ASB report (personal), not a crime: no harm weight"
    assert "harm_days" not in item
    assert briefing.summary["n_incidents"] == 1
    assert [i["incident_id"] for i in briefing.incidents] == ["i1"]
    data = briefing.to_json()
    assert [a["asb_id"] for a in data["asb_escalating"]] == ["a3"]
    assert "c1" in people_shown(data)  # the caller shown is audited
    html = render_briefing_html(briefing, data=data)
    assert "Escalating ASB reports" in html
    assert 'data-record="asb:a3"' in html


def test_a_report_loaded_after_the_classification_is_listed_once_classified(
    sqlite_store: Store,
) -> None:
    """A fourth report loaded after 'avert classify' has no stored verdict: the
    briefing lists the third alone ('avert status' counts the fourth:
    test_asb_bridge_stored) until the store is classified again."""
    _store(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    fourth = pl.DataFrame(
        {
            "asb_id": ["a4"],
            "source": ["test"],
            "occurred_at": [AT - dt.timedelta(hours=1)],
            "time_precision": ["exact"],
            "category": ["personal"],
            "caller_id": ["c1"],
            "vulnerable_caller": [False],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("asb", fourth)
    listed = [a["asb_id"] for a in build_briefing(sqlite_store, at=AT).asb_escalating]
    assert listed == ["a3"]
    classify_store(sqlite_store, profile="avb-2010")
    listed = [a["asb_id"] for a in build_briefing(sqlite_store, at=AT).asb_escalating]
    # the most reports behind it first: the fourth, then the third
    assert listed == ["a4", "a3"]


def test_partners_read_the_report_and_caller_as_pseudonyms(
    sqlite_store: Store,
) -> None:
    _store(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    [item] = build_briefing(
        sqlite_store,
        at=AT,
        audience="partner",
        allow_demo_key=True,
        organisation="council",
    ).asb_escalating
    assert item["asb_id"].startswith("A-")
    assert item["person_id"] is not None
    assert item["person_id"].startswith("P-")
    assert item["links"]["asb_id"] == [item["asb_id"]]
    assert "name" not in item


def test_a_report_dated_alone_on_a_shared_day_says_so(sqlite_store: Store) -> None:
    """The third report dated 9 Mar alone (stored at 00:00): in the window from
    9 Mar 08:00 by its day, which the briefing before shares, so the item says
    the briefing before may list it too, as the callers' and DASH sections say;
    the exact second report says nothing of the kind."""
    _store(sqlite_store)
    day = dt.datetime(2025, 3, 9)
    with sqlite_store.transaction() as tx:
        tx._execute(
            'UPDATE "asb" SET "occurred_at" = ?, "time_precision" = ? '
            'WHERE "asb_id" = ?',
            [day, "day", "a3"],
        )
    classify_store(sqlite_store, profile="avb-2010")
    [item] = build_briefing(sqlite_store, at=AT).asb_escalating
    assert item["asb_id"] == "a3"
    assert item["time_precision"] == "day"
    assert item["reasons"][-1] == (
        "dated 09 Mar alone (no time recorded): its day began before this window, "
        "so the briefing before this one lists it too if it was on record when "
        "that briefing ran: check whether it was acted on then; one ASB report"
    )


def test_the_summary_counts_the_escalating_reports(sqlite_store: Store) -> None:
    """The summary counts the escalating reports listed (``n_asb_escalating``, a
    tile saying they are not crimes) beside the incidents, which stay one."""
    _store(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    briefing = build_briefing(sqlite_store, at=AT)
    assert briefing.summary["n_asb_escalating"] == len(briefing.asb_escalating) == 1
    assert briefing.summary["n_incidents"] == 1
    html = " ".join(render_briefing_html(briefing).split())
    assert "<b>1</b>escalating ASB reports (not crimes)" in html


def test_an_escalating_reports_words_give_the_window_and_threshold(
    sqlite_store: Store,
) -> None:
    """The reason keeps its rule id; its words, which the page shows, give the
    definition's ASB window in days (183) and its threshold (the 3rd report)."""
    _store(sqlite_store)
    classify_store(sqlite_store, profile="avb-2010")
    briefing = build_briefing(sqlite_store, at=AT)
    [item] = briefing.asb_escalating
    assert item["reasons"][1] == (
        "the caller's 3 ASB reports in the definition's ASB window (asb.repeat_caller)"
    )
    said = (
        "the caller's 3 ASB reports in 183 days (the definition flags a caller's "
        "3rd report in 183 days)"
    )
    assert item["reasons_words"][1] == said
    html = render_briefing_html(briefing)
    assert said.replace("'", "&#39;") in html
    assert "(asb.repeat_caller)" not in html
