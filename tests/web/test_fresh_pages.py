"""Two web workers over one store: a change to the data shows at the next request in
both, and page views (sign-ins, audit rows) do not empty the kept results.

Each worker keeps the briefing and the *Groups* analysis in its own memory; they
were keyed with the number of ``loads`` rows, so a classification that followed a
load (a transaction of its own) reached neither worker's pages for 60 s (Today) or
ten minutes (*Groups*). They key on the store's data generation now.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from avert.config.settings import load_settings
from avert.store import Store
from avert.web import create_app
from avert.workflows.definitions import classify_store
from web.helpers import PASSWORD, SECRET, city_month_app, csrf_of, signed_in

BRIEFING = "/api/v1/briefing?at=2019-07-01T06:00&hours=720"
PAGES = (
    "/today",
    "/today/briefing",
    "/incidents",
    "/places",
    "/groups",
    "/data",
    "/audit",
    "/audit.csv",
    "/plan",
    "/plan/mine",
    "/meeting",
    "/equality",
    "/performance",
)


def _second_worker(first: FastAPI) -> FastAPI:
    """Another worker's app: its own Store and caches, the same database."""
    store: Store = first.state.avert.store
    settings = load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy, secret_key=SECRET, pseudonym_key="k" * 40
    )
    return create_app(settings, Store(store.url.sqlalchemy))


def _summary(client: TestClient) -> dict[str, Any]:
    answer = client.get(BRIEFING)
    assert answer.status_code == 200, answer.text
    summary: dict[str, Any] = json.loads(answer.text)["summary"]
    return summary


def _half_unclassified(store: Store) -> None:
    """What a page sees between a load's commit and its classification: some of the
    incidents without a classification."""
    ids = store.read_frame("classifications", columns=["incident_id"])["incident_id"]
    with store.transaction() as tx:
        for incident_id in ids.sort().to_list()[::2]:
            tx._execute(
                'DELETE FROM "classifications" WHERE "incident_id" = ?', [incident_id]
            )


def test_a_classification_shows_at_once_in_every_worker(
    tmp_path: Path, city_month: Path
) -> None:
    first_app = city_month_app(tmp_path, city_month)
    second_app = _second_worker(first_app)
    store: Store = first_app.state.avert.store
    _half_unclassified(store)
    first, second = signed_in(first_app, "analyst"), signed_in(second_app, "analyst")
    mid_load = [_summary(first), _summary(second)]
    assert [c.get("/groups").status_code for c in (first, second)] == [200, 200]
    classify_store(Store(store.url.sqlalchemy), profile="avb-2010")  # another process
    fresh = [_summary(first), _summary(second)]
    assert fresh[0] == fresh[1] != mid_load[0]
    uncached = create_app(first_app.state.avert.settings, store)
    assert _summary(signed_in(uncached, "analyst")) == fresh[0]


def test_sign_ins_and_page_views_keep_the_results(
    tmp_path: Path, city_month: Path
) -> None:
    """A sign-in writes 11 rows (audit, account, throttle) and every page view an
    audit row: had they raised the number, no result would ever be used twice."""
    app = city_month_app(tmp_path, city_month)
    store: Store = app.state.avert.store
    before = store.generation()
    guess = TestClient(app)
    token = csrf_of(guess.get("/login").text)
    wrong = guess.post(
        "/login",
        data={"username": "analyst", "password": "wrong", "csrf_token": token},
        follow_redirects=False,
    )
    assert "Sign-in failed" in wrong.text or wrong.status_code != 303
    assert store.count("sign_in_failures") == 1
    client = signed_in(app, "analyst")
    for _ in range(2):
        assert client.get("/groups").status_code == 200
        _summary(client)
    assert store.generation() == before
    ctx = app.state.avert
    assert len(ctx.groups._entries) == len(ctx.briefings._entries) == 1


def test_no_page_view_changes_the_data_generation(
    tmp_path: Path, city_month: Path
) -> None:
    """Every page and API read, twice, as an admin (who may open them all): none
    writes anything but audit rows, so the kept results stay in use."""
    from avert.workflows.users import add_user

    app = city_month_app(tmp_path, city_month)
    store: Store = app.state.avert.store
    add_user(store, "admin", password=PASSWORD, role="admin")
    before = store.generation()
    client = signed_in(app, "admin")
    for _ in range(2):
        for path in (*PAGES, BRIEFING, "/api/v1/incidents", "/api/v1/audit"):
            assert client.get(path).status_code == 200, path
    assert store.generation() == before
