"""The MARAC page and the person page's *Domestic abuse risk* section on unusual
stores, SQLite and PostgreSQL: an empty store, a store without DASH
assessments, and an archive whose records end long before today."""

from __future__ import annotations

import datetime as dt
import secrets

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.definitions import classify_store
from avert.workflows.users import add_user
from web.helpers import PASSWORD, SECRET, csrf_of, signed_in

#: three domestic incidents with P1 as the victim, two years before the test runs
_LAST = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=730)


def _client(store: Store, role: str) -> TestClient:
    org = "council" if role == "partner" else None
    add_user(store, role, password=PASSWORD, role=role, org=org)
    settings = load_settings({}).with_overrides(
        database_url=store.url,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    return signed_in(create_app(settings, store), role)


def _archive(store: Store) -> None:
    incidents = pl.DataFrame(
        {
            "incident_id": ["i1", "i2", "i3", "i4"],
            "occurred_from": [_LAST - dt.timedelta(days=d) for d in (60, 30, 0, 10)],
            "domestic": [True, True, True, False],
        }
    ).with_columns(
        pl.lit("test").alias("source"),
        pl.lit("exact").alias("time_precision"),
        pl.lit("Violence with injury").alias("crime_type"),
    )
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1", "P2"], "source": "t"}))
        tx.append("incidents", incidents)
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ["i1", "i2", "i3", "i4"],
                    "person_id": ["P1", "P1", "P1", "P2"],
                    "role": ["victim", "victim", "victim", "offender"],
                    "source": "t",
                }
            ),
        )
    classify_store(store, profile="avb-2010")


def _section(client: TestClient, person: str) -> str:
    token = csrf_of(client.get("/today").text)
    page = client.post(
        f"/people/{person}", data={"csrf_token": token, "purpose": "store check"}
    )
    assert page.status_code == 200, page.text[page.text.find("<main") :][:800]
    start = page.text.index('id="domestic-abuse"')
    return page.text[start : page.text.index("</section>", start)]


@pytest.mark.parametrize("role", ["chair", "partner"])
def test_the_marac_page_on_an_empty_store_says_so(any_store: Store, role: str) -> None:
    page = _client(any_store, role).get("/marac")
    assert page.status_code == 200, page.text[:800]
    assert 'id="marac-empty"' in page.text
    assert "no incidents nor DASH assessments" in page.text


def test_a_person_on_a_store_without_incidents_has_the_section(
    any_store: Store,
) -> None:
    with any_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P9"], "source": "t"}))
    section = _section(_client(any_store, "chair"), "P9")
    assert 'id="dash-none"' in section


def test_an_archive_without_dash_agrees_on_both_pages(any_store: Store) -> None:
    """Records ending two years ago, no DASH: the MARAC page lists P1 for potential
    escalation as of its latest incident, and P1's page says the same; it said
    "0 domestic incidents", "not met", counting up to today."""
    _archive(any_store)
    client = _client(any_store, "chair")
    page = client.get("/marac")
    assert page.status_code == 200, page.text[:800]
    assert "1 of 1 domestic abuse victims meet at least one criterion" in page.text
    assert "The store holds no DASH assessments" in page.text
    section = _section(client, "P1")
    assert f"as of {_LAST:%d %b %Y}" in section
    assert "MARAC referral criteria: 1 of 3 met" in section
    assert "3 domestic incidents" in section


def _unflagged(store: Store) -> None:
    """Incidents carrying no domestic flag (a bundle without the column): V1 the
    victim of i1, assessed visible high risk by DASH; V2 the victim of i2, never
    assessed."""
    at = dt.datetime.now().replace(microsecond=0) - dt.timedelta(days=3)
    incidents = pl.DataFrame(
        {"incident_id": ["i1", "i2"], "occurred_from": [at - dt.timedelta(days=2)] * 2}
    ).with_columns(
        pl.lit(None, pl.Boolean).alias("domestic"),
        pl.lit("test").alias("source"),
        pl.lit("exact").alias("time_precision"),
        pl.lit("Violence with injury").alias("crime_type"),
    )
    dash = pl.DataFrame(
        {
            "assessment_id": ["A-V1"],
            "person_id": ["V1"],
            "assessed_at": [at - dt.timedelta(days=1)],
            **{f"q{n}": ["yes"] for n in range(1, 16)},
        }
    )
    with store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["V1", "V2"], "source": "t"}))
        tx.append("incidents", incidents)
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": ["i1", "i2"],
                    "person_id": ["V1", "V2"],
                    "role": "victim",
                }
            ).with_columns(pl.lit("t").alias("source")),
        )
        tx.append("dash", dash)
    classify_store(store, profile="avb-2010")


def test_a_victim_is_not_said_to_have_no_domestic_incident_when_none_is_flagged(
    any_store: Store,
) -> None:
    """A bundle whose incidents carry no domestic flag, and V1 meeting visible high
    risk by DASH: the page said "Domestic incidents: 0" and "Last domestic: none",
    though whether any of V1's incidents was domestic is not recorded."""
    _unflagged(any_store)
    page = _client(any_store, "chair").get("/marac").text
    table = page[page.index('id="marac-list"') : page.index("</table>")]
    assert ">V1<" in table
    assert '<td data-label="Last domestic">not recorded</td>' in table
    assert '<td data-label="Domestic incidents (365 d)">not recorded</td>' in table
    assert ">none<" not in table
    assert "has a domestic flag (the records do not carry it)" in page  # the note


def test_a_person_page_says_not_recorded_when_no_incident_is_flagged(
    any_store: Store,
) -> None:
    """The person page, by the MARAC page's rule (``domestic_recorded``): V1's
    potential escalation said "0 domestic incidents", "not met", and V2 (no
    assessment) "no domestic incident as a victim", though their incidents carry
    no domestic flag: not known, not none."""
    _unflagged(any_store)
    client = _client(any_store, "chair")
    v1 = _section(client, "V1")
    assert "0 domestic incidents" not in v1
    assert (
        "<td>not recorded: none of their incidents of the window carries a "
        "domestic flag</td><td>not known</td>"
    ) in v1
    assert "MARAC referral criteria: 1 of 3 met" in v1
    v2 = _section(client, "V2")
    assert "no domestic incident as a victim" not in v2
    assert "No DASH assessment recorded up to" in v2
    assert "<td>not known</td>" in v2
