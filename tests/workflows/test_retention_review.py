"""The retention review on a store: groups, clear periods from the latest record, audit."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from avert.errors import NotFound
from avert.store import Store
from avert.workflows.retention import retention_review
from retention_world import AS_OF, load_retention_world


def test_review_groups_each_person_and_restarts_the_clear_period(
    any_store: Store,
) -> None:
    load_retention_world(any_store)
    review = retention_review(
        any_store, profile="avb-2010", as_of=AS_OF, due_only=False, user="analyst1"
    )
    got = {
        r["person_id"]: (r["retention_group"], r["review_due_at"], r["due"])
        for r in review.people.iter_rows(named=True)
    }
    assert got == {
        "rapist": (1, dt.datetime(2025, 2, 1, 22), True),
        "assaulter": (2, dt.datetime(2027, 3, 1), False),
        "old_victim": (3, dt.datetime(2021, 2, 1, 22), True),
        "recent": (1, dt.datetime(2034, 4, 1), False),
        "informed": (3, dt.datetime(2025, 5, 1), True),
        "member": (3, dt.datetime(2027, 1, 1), False),
        "nobody": (3, None, True),
        "sister": (3, None, True),
    }
    basis = dict(review.people.select("person_id", "basis").iter_rows())
    assert basis["nobody"] == "no linked record"
    assert basis["sister"] == "named only as someone's relation"
    assert basis["rapist"] == "suspect or offender in a group 1 category"
    # the due first, longest overdue first, then those with no dated record (in
    # the tour they filled the first screen and hid every overdue record)
    assert review.people["person_id"].to_list()[:5] == [
        "old_victim",
        "rapist",
        "informed",
        "nobody",
        "sister",
    ]
    assert review.by_group.rows() == [(1, 2, 1, 0), (2, 1, 0, 0), (3, 5, 4, 2)]


def test_due_only_lists_the_due_and_the_list_is_audited(any_store: Store) -> None:
    load_retention_world(any_store)
    review = retention_review(
        any_store, profile="avb-2010", as_of=AS_OF, user="analyst1", reason="monthly"
    )
    assert sorted(review.people["person_id"]) == [
        "informed",
        "nobody",
        "old_victim",
        "rapist",
        "sister",
    ]
    rows = any_store.read_frame("audit").filter(
        pl.col("object") == "analysis:retention"
    )
    assert rows.height == 1
    assert rows["user_name"][0] == "analyst1"
    assert rows["reason"][0] == "monthly"
    assert rows["detail"][0].startswith("people=5;")


def test_a_definition_never_classified_is_refused(any_store: Store) -> None:
    """Without the definition's classifications every offender would be group 3,
    reviewed after 6 years instead of 10: refused, as the briefing refuses."""
    load_retention_world(any_store)
    with pytest.raises(NotFound, match="'avb-2026' is an unknown definition profile"):
        retention_review(any_store, profile="avb-2026", as_of=AS_OF)
    assert any_store.read_frame("audit").height == 0


def test_a_person_only_identified_is_reviewed(any_store: Store) -> None:
    """Names, dates of birth and addresses (``person_identity``) name a person too:
    someone held there and nowhere else is due at once, not left out."""
    load_retention_world(any_store)
    with any_store.transaction() as tx:
        tx.append(
            "person_identity",
            pl.DataFrame({"person_id": ["ghost", "rapist"], "name": ["G", "R"]}),
        )
    review = retention_review(any_store, profile="avb-2010", as_of=AS_OF)
    basis = dict(review.people.select("person_id", "basis").iter_rows())
    assert basis["ghost"] == "no linked record"
    assert review.by_group.rows() == [(1, 2, 1, 0), (2, 1, 0, 0), (3, 6, 5, 3)]


def test_an_aware_review_date_is_read_in_the_force_zone(sqlite_store: Store) -> None:
    """Stored times are Europe/London wall-clock times: 2025-02-01 22:30 UTC is
    22:30 there, after the rapist's review falls due (22:00)."""
    load_retention_world(sqlite_store)
    at = dt.datetime(2025, 2, 1, 22, 30, tzinfo=dt.UTC)
    review = retention_review(sqlite_store, profile="avb-2010", as_of=at)
    assert review.as_of == dt.datetime(2025, 2, 1, 22, 30)
    assert "rapist" in review.people["person_id"].to_list()


def test_offenders_of_unclassified_incidents_are_noted(any_store: Store) -> None:
    """Loaded with --no-classify after the classification: their category is
    unknown, and the review said nothing while grouping them as group 3."""
    load_retention_world(any_store)
    with any_store.transaction() as tx:
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["i9"],
                    "occurred_from": [dt.datetime(2018, 1, 1)],
                    "time_precision": ["exact"],
                }
            ),
        )
        tx.append(
            "involvements",
            pl.DataFrame(
                {"incident_id": ["i9"], "person_id": ["late"], "role": ["offender"]}
            ),
        )
    review = retention_review(any_store, profile="avb-2010", as_of=AS_OF)
    assert len(review.notes) == 1
    assert review.notes[0].startswith("1 suspect(s) or offender(s)")
    assert "avert classify" in review.notes[0]
    assert review.to_json()["notes"] == list(review.notes)
    classified = retention_review(
        any_store, profile="avb-2010", as_of=AS_OF, due_only=False
    )
    assert "late" in set(classified.people["person_id"])


def test_a_meeting_tasking_about_a_person_restarts_their_clear_period(
    any_store: Store,
) -> None:
    """A tasking is a record of the person: the review ignored taskings."""
    load_retention_world(any_store)
    with any_store.transaction() as tx:
        tx.append(
            "taskings",
            pl.DataFrame(
                {
                    "tasking_id": ["T1", "T2"],
                    "item_kind": ["repeat_victim", "incident"],
                    "item_id": ["old_victim", "informed"],
                    "created_at": [dt.datetime(2025, 1, 2, 9), dt.datetime(2026, 1, 1)],
                    "status": ["done", "open"],
                }
            ),
        )
    review = retention_review(
        any_store, profile="avb-2010", as_of=AS_OF, due_only=False
    )
    row = review.people.filter(pl.col("person_id") == "old_victim").row(0, named=True)
    assert row["review_due_at"] == dt.datetime(2031, 1, 2, 9)
    assert not row["due"]
    # an incident's tasking names an incident, not a person called "informed"
    informed = review.people.filter(pl.col("person_id") == "informed")
    assert informed["review_due_at"].to_list() == [dt.datetime(2025, 5, 1)]


def test_a_dash_assessment_is_a_record_of_its_victim(any_store: Store) -> None:
    """A DASH risk assessment (the bundle's ``dash`` table) is a record of the
    victim: the review ignored it, so a victim assessed last month whose incident
    was in 2015 was due at once, and one held by an assessment alone was listed
    as having no linked record."""
    load_retention_world(any_store)
    with any_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["assessed"]}))
        tx.append(
            "dash",
            pl.DataFrame(
                {
                    "assessment_id": ["D1", "D2"],
                    "person_id": ["old_victim", "assessed"],
                    "assessed_at": [dt.datetime(2026, 5, 1), dt.datetime(2024, 3, 1)],
                }
            ),
        )
    review = retention_review(
        any_store, profile="avb-2010", as_of=AS_OF, due_only=False
    )
    rows = {r["person_id"]: r for r in review.people.iter_rows(named=True)}
    assert rows["old_victim"]["review_due_at"] == dt.datetime(2032, 5, 1)
    assert not rows["old_victim"]["due"]
    assert rows["assessed"]["basis"] == "other records only"
    assert rows["assessed"]["review_due_at"] == dt.datetime(2030, 3, 1)
    assert not rows["assessed"]["due"]


def test_a_store_naming_no_one_says_why_no_one_is_due(sqlite_store: Store) -> None:
    """West Yorkshire's July 2018 (police.uk street crime, 31,635 incidents):
    'avert retention' printed two tables of 0 people and no word of why, where
    every person-level analysis says the store names no one."""
    incidents = pl.DataFrame(
        {
            "incident_id": ["wyp-1"],
            "source": ["policeuk"],
            "crime_type": ["Violence and sexual offences"],
            "occurred_from": [dt.datetime(2018, 7, 1)],
            "time_precision": ["month"],
        }
    )
    with sqlite_store.transaction() as tx:
        tx.append("incidents", incidents)
    review = retention_review(sqlite_store, profile="avb-2010", as_of=AS_OF)
    assert review.people.height == 0
    assert any("The store holds no people" in n for n in review.notes)
    assert any("open incident data name no one" in n for n in review.notes)
    # a store with people says nothing of it
    load_retention_world(sqlite_store)
    named = retention_review(sqlite_store, profile="avb-2010", as_of=AS_OF)
    assert not any("The store holds no people" in n for n in named.notes)
