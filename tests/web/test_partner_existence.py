"""A partner asking for an action or a tasking that is not theirs is answered as
for one that does not exist: the same status, the same page and one audited
refusal either way (was: 403 naming the leading organisation for another
organisation's action, 404 for an unknown id, so a partner could list which
ids exist and who leads them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from web.helpers import World, csrf_of, signed_in

UNKNOWN_ACTION = "A99"
UNKNOWN_TASKING = "T20261101-000000"


def _others(world: World, table: str, key: str, column: str) -> str:
    rows = world.store.read_frame(table).filter(pl.col(column) != "council")
    assert rows.height, f"the demo has {table} of other organisations"
    return str(rows.sort(key)[key][0])


def _refusals(world: World, obj: str) -> pl.DataFrame:
    return world.store.read_frame("audit").filter(
        (pl.col("object") == obj) & (pl.col("action") == "view-refused")
    )


def _alike(ask: Callable[[str], Any], theirs: str, unknown: str) -> None:
    answers = {ident: ask(ident) for ident in (theirs, unknown)}
    statuses = {r.status_code for r in answers.values()}
    assert statuses == {403}, statuses
    bodies = {r.text for r in answers.values()}
    assert len(bodies) == 1, "the pages differ"
    for ident in (theirs, unknown):
        assert ident not in answers[ident].text
    assert "police" not in answers[theirs].text.split("<main", 1)[-1]


@pytest.fixture
def partner(world: World) -> TestClient:
    return signed_in(world.app, "partner")  # org: council


def test_another_organisations_action_reads_as_an_unknown_one(
    world: World, partner: TestClient
) -> None:
    theirs = _others(world, "actions", "action_id", "lead_organisation")
    _alike(lambda a: partner.get(f"/plan/actions/{a}"), theirs, UNKNOWN_ACTION)
    token = csrf_of(partner.get("/plan").text)
    _alike(
        lambda a: partner.post(
            f"/plan/actions/{a}",
            data={"csrf_token": token, "evidence": "not mine", "version": "1"},
            follow_redirects=False,
        ),
        theirs,
        UNKNOWN_ACTION,
    )
    for ident in (theirs, UNKNOWN_ACTION):
        rows = _refusals(world, f"action:{ident}")
        assert set(rows["user_name"]) == {"partner"}
        assert set(rows["detail"]) == {
            "outcome=refused; asked=view-plan",
            "outcome=refused; asked=edit-action",
        }
    # nothing changed
    history = world.store.read_frame(
        "delivery_history", where=[("entity_id", "=", theirs)]
    )
    assert "not mine" not in "".join(history["after_json"].drop_nulls())


def test_another_organisations_tasking_reads_as_an_unknown_one(
    world: World, partner: TestClient
) -> None:
    theirs = _others(world, "taskings", "tasking_id", "organisation")
    token = csrf_of(partner.get("/plan").text)
    _alike(
        lambda t: partner.post(
            f"/meeting/taskings/{t}",
            data={"csrf_token": token, "result": "seen", "version": "1"},
            follow_redirects=False,
        ),
        theirs,
        UNKNOWN_TASKING,
    )
    for ident in (theirs, UNKNOWN_TASKING):
        rows = _refusals(world, f"tasking:{ident}")
        assert set(rows["detail"]) == {"outcome=refused; asked=record-tasking-result"}
