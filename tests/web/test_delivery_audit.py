"""The delivery pages' audit rows count and digest the people they show.

The plan board, an action's page and the meeting show person ids (an action's
subject, a tasking's subject) to the police roles; their ``view`` rows said only
how many actions or taskings, so the log could not tell who was shown, as the
briefing's row does (``people=N; people_sha256=HEX``, docs/audit.md).
"""

from __future__ import annotations

import datetime as dt
import re

import polars as pl

from avert.delivery.model import subject_type
from avert.store import audit
from avert.workflows import delivery
from web.helpers import World, signed_in


def _last_row(world: World, obj_prefix: str) -> dict[str, str]:
    rows = world.store.read_frame("audit").filter(
        pl.col("object").str.starts_with(obj_prefix) & (pl.col("user_name") == "chair")
    )
    assert rows.height, obj_prefix
    return dict(rows.sort("seq").row(-1, named=True))


def _people_detail(ids: list[str]) -> str:
    n, digest = audit.people_digest(ids)
    return f"people={n}; people_sha256={digest}"


def test_plan_board_and_action_page_rows_digest_the_people_shown(
    world: World,
) -> None:
    actions = world.store.read_frame("actions")
    on_people = actions.filter(pl.col("target_type") == "person")
    assert on_people.height, "the demo plan has actions on people"
    client = signed_in(world.app, "chair")
    assert client.get("/plan").status_code == 200
    row = _last_row(world, "plan-board")
    assert _people_detail(on_people["target_id"].to_list()) in (row["detail"] or "")
    action_id, person = on_people.row(0)[0], on_people["target_id"][0]
    assert client.get(f"/plan/actions/{action_id}").status_code == 200
    row = _last_row(world, f"action:{action_id}")
    assert _people_detail([person]) in (row["detail"] or "")


def test_meeting_row_digests_the_people_its_taskings_name(world: World) -> None:
    """The row counts the taskings' people and its items' (the meeting shows
    both; its items' were Today's row, written by the meeting as if it showed
    Today): every person id the page's HTML holds."""
    client = signed_in(world.app, "chair")
    page = client.get("/meeting")
    assert page.status_code == 200
    row = _last_row(world, "meeting:")
    at = dt.datetime.fromisoformat(row["object"].removeprefix("meeting:"))
    window = delivery.taskings_for_briefing(world.store, at=at, as_at=False)
    people = [
        str(t["item_id"])
        for rows in window.values()
        for t in rows
        if subject_type(t["item_kind"]) == "person"
    ]
    assert people, "the demo's taskings name people"
    shown = set(re.findall(r"[A-Za-z0-9_-]+", page.text)) & world.person_ids
    assert set(people) < shown  # the items name people too
    assert _people_detail(sorted(shown)) in (row["detail"] or "")
