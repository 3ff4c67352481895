"""The MARAC page for an area-scoped user, SQLite and PostgreSQL: the victims with
a domestic incident of the window in the user's area, the headline and make-up
over them, and a note counting the force's victims in no area; a user without an
area sees the force's list as before."""

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
from web.helpers import PASSWORD, SECRET, signed_in

_AT = dt.datetime(2024, 6, 30, 12, 0)

#: victim -> (domestic incidents of the window, their borough); N1 and N2 are of
#: North, S1 of South; U1's incidents name no place; D1 has a DASH assessment alone
_VICTIMS = {
    "N1": (3, "North"),
    "N2": (1, "north"),
    "S1": (3, "South"),
    "U1": (3, None),
}


def _store(store: Store) -> None:
    rows = [
        (f"{person}-{k}", person, borough, _AT - dt.timedelta(days=10 + k))
        for person, (n, borough) in _VICTIMS.items()
        for k in range(n)
    ]
    incidents = pl.DataFrame(
        {
            "incident_id": [r[0] for r in rows],
            "occurred_from": [r[3] for r in rows],
            "borough": [r[2] for r in rows],
        },
        schema_overrides={"borough": pl.String},
    ).with_columns(
        pl.lit(value=True).alias("domestic"),
        pl.lit("test").alias("source"),
        pl.lit("exact").alias("time_precision"),
        pl.lit("Violence with injury").alias("crime_type"),
    )
    # N2 (one incident, in North) and D1 (none) meet visible high risk by DASH
    dash = pl.DataFrame(
        {
            "assessment_id": ["A-N2", "A-D1"],
            "person_id": ["N2", "D1"],
            "assessed_at": [_AT - dt.timedelta(days=5)] * 2,
            **{f"q{n}": ["yes", "yes"] for n in range(1, 16)},
        }
    )
    with store.transaction() as tx:
        tx.append(
            "people",
            pl.DataFrame({"person_id": [*_VICTIMS, "D1"], "source": "t"}),
        )
        tx.append("incidents", incidents)
        tx.append(
            "involvements",
            pl.DataFrame(
                {
                    "incident_id": [r[0] for r in rows],
                    "person_id": [r[1] for r in rows],
                    "role": "victim",
                    "source": "t",
                }
            ),
        )
        tx.append("dash", dash)
    classify_store(store, profile="avb-2010")


def _client(store: Store, name: str, role: str, area: str | None) -> TestClient:
    org = "council" if role == "partner" else None
    add_user(store, name, password=PASSWORD, role=role, org=org, area=area)
    settings = load_settings({}).with_overrides(
        database_url=store.url,
        secret_key=SECRET,
        pseudonym_key=secrets.token_urlsafe(32),
    )
    return signed_in(create_app(settings, store), name)


def _listed(html: str) -> list[str]:
    table = html[html.index('id="marac-list"') : html.index("</table>")]
    return [
        p for p in [*_VICTIMS, "D1"] if f">{p}</a>" in table or f">{p}</span>" in table
    ]


def _audit_reason(store: Store, name: str) -> str:
    audit = store.read_frame("audit").filter(
        (pl.col("object") == "analysis:marac") & (pl.col("user_name") == name)
    )
    assert audit.height == 1
    return str(audit["reason"][0])


@pytest.mark.parametrize("role", ["analyst", "chair"])
def test_an_area_scoped_user_sees_their_area_and_a_note(
    any_store: Store, role: str
) -> None:
    _store(any_store)
    page = _client(any_store, "north", role, "North").get("/marac")
    assert page.status_code == 200, page.text[:800]
    assert _listed(page.text) == ["N1", "N2"]
    assert "2 of 2 domestic abuse victims of area North meet" in page.text
    # D1 (a DASH assessment alone) and U1 (incidents naming no borough)
    assert "2 of the force&#39;s list are in no area" in page.text
    assert "the force-wide list (a user without an area) shows them" in page.text
    assert "area=North" in _audit_reason(any_store, "north")


def test_a_force_wide_analyst_sees_every_victim(any_store: Store) -> None:
    _store(any_store)
    page = _client(any_store, "force", "analyst", None).get("/marac")
    assert page.status_code == 200, page.text[:800]
    assert sorted(_listed(page.text)) == ["D1", "N1", "N2", "S1", "U1"]
    assert "5 of 5 domestic abuse victims meet" in page.text
    assert "in no area" not in page.text
    assert "area=" not in _audit_reason(any_store, "force")


def test_an_area_scoped_partner_sees_their_area_under_pseudonyms(
    any_store: Store,
) -> None:
    _store(any_store)
    page = _client(any_store, "south", "partner", "South").get("/marac")
    assert page.status_code == 200, page.text[:800]
    assert "1 of 1 domestic abuse victims of area South meet" in page.text
    assert "2 of the force&#39;s list are in no area" in page.text
    assert _listed(page.text) == []  # a pseudonym, never a police id
    assert "area=South" in _audit_reason(any_store, "south")


def test_a_victim_placed_by_their_assessments_incident_is_their_areas(
    any_store: Store,
) -> None:
    """P1's DASH assessment (visible high risk) was prompted by an incident in
    North of more than 12 months before: no domestic incident of the window
    places P1, but the assessment's incident does. North's list shows P1, South's
    does not, and the note's victims in no area leave P1 out."""
    _store(any_store)
    long_ago = _AT - dt.timedelta(days=400)
    with any_store.transaction() as tx:
        tx.append("people", pl.DataFrame({"person_id": ["P1"], "source": "t"}))
        tx.append(
            "incidents",
            pl.DataFrame(
                {
                    "incident_id": ["P1-old"],
                    "occurred_from": [long_ago],
                    "borough": ["NORTH"],
                    "domestic": [True],
                    "source": ["test"],
                    "time_precision": ["exact"],
                    "crime_type": ["Violence with injury"],
                }
            ),
        )
        tx.append(
            "dash",
            pl.DataFrame(
                {
                    "assessment_id": ["A-P1"],
                    "person_id": ["P1"],
                    "incident_id": ["P1-old"],
                    "assessed_at": [_AT - dt.timedelta(days=3)],
                    **{f"q{n}": ["yes"] for n in range(1, 16)},
                }
            ),
        )
    north = _client(any_store, "north", "analyst", "North").get("/marac")
    assert north.status_code == 200, north.text[:800]
    assert "P1</a>" in north.text
    assert "3 of 3 domestic abuse victims of area North meet" in north.text
    assert "2 of the force&#39;s list are in no area" in north.text
    south = _client(any_store, "south", "analyst", "South").get("/marac")
    assert "P1</a>" not in south.text
    assert "1 of 1 domestic abuse victims of area South meet" in south.text
