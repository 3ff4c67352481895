"""Plan board, my actions, action page with history, the meeting view and taskings."""

from __future__ import annotations

import datetime as dt
import html
import re
import secrets
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from fastapi.testclient import TestClient

from avert.config.settings import load_settings
from avert.delivery.model import STATUSES
from avert.policy import ROLES
from avert.store import Store
from avert.web.app import create_app
from avert.web.dates import parse_datetime_words
from avert.workflows import delivery
from avert.workflows.users import User, add_user
from web.helpers import PASSWORD, World, csrf_of, signed_in, version_of


def _actions(world: World) -> pl.DataFrame:
    return world.store.read_frame("actions")


def _action(world: World, action_id: str) -> dict[str, Any]:
    return _actions(world).filter(pl.col("action_id") == action_id).row(0, named=True)


def _save_action(
    client: TestClient, action_id: str, before: dict[str, Any], **changed: str
) -> Any:
    """Post the action form as its page gives it (fresh CSRF token, the action's
    status, RAG and reason as stored) with ``changed`` fields typed over it."""
    page = client.get(f"/plan/actions/{action_id}")
    data = {
        "csrf_token": csrf_of(page.text),
        "status": before["status"],
        "rag": before["rag"] or "",
        "rag_reason": before["rag_reason"] or "",
        **changed,
    }
    return client.post(f"/plan/actions/{action_id}", data=data)


def test_plan_board_counts_match_the_store(world: World) -> None:
    page = signed_in(world.app, "chair").get("/plan")
    assert page.status_code == 200
    grid = page.text.split('id="plan-grid"')[1].split("</table>")[0]
    actions = _actions(world)
    for strand in ("reassurance", "intelligence", "prevention", "enforcement"):
        row = re.search(rf"<th>{strand}</th>(.*?)</tr>", grid, re.S)
        assert row, strand
        cells = [int(c) for c in re.findall(r">(\d+)</td>", row.group(1))]
        wanted = [
            actions.filter(
                (pl.col("strand") == strand) & (pl.col("status") == status)
            ).height
            for status in ("proposed", "open", "in_progress", "done", "cancelled")
        ]
        assert cells[:5] == wanted, (strand, cells, wanted)
    assert "subjects under two boards" in page.text
    assert "secondary-schools-top-wards" in page.text.split('id="duplicates"')[1]
    by_org = page.text.split('id="by-org"')[1].split("</table>")[0]
    # each cell's column, for a phone (``data-label``), left out
    by_org = re.sub(r' data-label="[^"]*"', "", by_org)
    overdue = (
        actions.filter(pl.col("status").is_in(["open", "in_progress"]))
        .filter(pl.col("due") < dt.date.today())
        .filter(pl.col("lead_organisation") == "police")
        .height
    )
    police = re.search(r"<td>Police</td>((?:<td>\d+</td>){4})", by_org)
    assert police, by_org
    assert int(re.findall(r"\d+", police.group(1))[2]) == overdue


def test_every_role_sees_the_board_and_filters_work(world: World) -> None:
    for role in ROLES:
        assert signed_in(world.app, role).get("/plan").status_code == 200, role
    page = signed_in(world.app, "chair").get("/plan", params={"lead": "probation"})
    listed = set(re.findall(r'href="/plan/actions/([^"]+)"', page.text))
    expected = set(
        _actions(world).filter(pl.col("lead_organisation") == "probation")["action_id"]
    )
    assert listed == expected


def test_partner_sees_and_changes_only_own_organisation(world: World) -> None:
    client = signed_in(world.app, "partner")  # org: council
    board = client.get("/plan").text
    listed = set(re.findall(r'href="/plan/actions/([^"]+)"', board))
    council = set(
        _actions(world).filter(pl.col("lead_organisation") == "council")["action_id"]
    )
    assert listed == council
    police_led = sorted(
        _actions(world).filter(pl.col("lead_organisation") == "police")["action_id"]
    )[0]
    assert client.get(f"/plan/actions/{police_led}").status_code == 403
    page = client.get("/plan/actions/A05")
    assert page.status_code == 200
    token = csrf_of(page.text)
    refused = client.post(
        f"/plan/actions/{police_led}",
        data={"csrf_token": token, "evidence": "not mine"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    before = _actions(world).filter(pl.col("action_id") == "A05")["version"][0]
    saved = client.post(
        "/plan/actions/A05",
        data={
            "csrf_token": token,
            "status": "in_progress",
            "rag": "green",
            "evidence": "15 schools signed up",
            "version": version_of(page.text),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    after = _actions(world).filter(pl.col("action_id") == "A05")
    assert after["version"][0] == before + 1
    assert after["evidence"][0] == "15 schools signed up"
    history = client.get("/plan/actions/A05").text
    assert "15 schools signed up" in history
    assert "partner (partner)" in history
    # the fields changed by their names, not the store's column names
    assert "<b>Evidence</b>" in history
    assert "<b>RAG reason</b>" in history
    assert "<b>rag_reason</b>" not in history


def test_bad_transition_is_a_400_with_the_reason(world: World) -> None:
    client = signed_in(world.app, "chair")
    page = client.get("/plan/actions/A01")  # done
    response = client.post(
        "/plan/actions/A01",
        data={
            "csrf_token": csrf_of(page.text),
            "status": "cancelled",
            "rag": "green",
            "version": version_of(page.text),
        },
    )
    assert response.status_code == 400
    assert "cannot move from" in response.text


def test_edit_needs_csrf(world: World) -> None:
    client = signed_in(world.app, "chair")
    response = client.post("/plan/actions/A05", data={"evidence": "x"})
    assert response.status_code == 403


def test_meeting_task_this_round_trip(world: World) -> None:
    client = signed_in(world.app, "chair")
    page = client.get("/meeting")
    assert page.status_code == 200
    items = re.findall(r'name="item" value="([^"]+)"', page.text)
    assert items, "the meeting view offers no item to task"
    item = items[0]
    token = csrf_of(page.text)
    at = re.findall(r'name="at" value="([^"]+)"', page.text)[0]
    made = client.post(
        "/meeting/task",
        data={
            "csrf_token": token,
            "item": item,
            "what": "Visit today",
            "assignee": "PC Z",
            "at": at,
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    _kind, ident = item.split(":", 1)
    taskings = world.store.read_frame("taskings", where=[("item_id", "=", ident)])
    assert "Visit today" in taskings["what"].to_list()
    again = client.post(
        "/meeting/task",
        data={"csrf_token": token, "item": item, "what": "Visit again"},
    )
    assert "already tasked" in again.text
    after = client.get("/meeting").text
    assert "TASKED" in after
    assert "Visit today" in after  # due in the next 24 hours
    tasking_id = taskings.filter(pl.col("what") == "Visit today")["tasking_id"][0]
    done = client.post(
        f"/meeting/taskings/{tasking_id}",
        data={
            "csrf_token": token,
            "result": "Seen, all well",
            "version": version_of(after, f"/meeting/taskings/{tasking_id}"),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    row = world.store.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["status"][0] == "done"
    assert row["result"][0] == "Seen, all well"


def test_month_of_demo_taskings_shows_on_the_meeting(world: World) -> None:
    taskings = world.store.read_frame("taskings")
    assert taskings.height >= 20
    assert taskings.filter(pl.col("status") == "done").height >= 10
    page = signed_in(world.app, "chair").get("/meeting").text
    assert "tasking-overdue" in page or "tasking-done" in page


def test_officer_and_board_cannot_task(world: World) -> None:
    for role in ("officer", "partner"):
        client = signed_in(world.app, role)
        page = client.get("/plan")
        response = client.post(
            "/meeting/task",
            data={"csrf_token": csrf_of(page.text), "item": "incident:X", "what": "x"},
        )
        assert response.status_code == 403, role
    board = signed_in(world.app, "board")
    assert board.get("/meeting").status_code == 403


def test_partner_meeting_shows_what_is_tasked_under_pseudonyms(world: World) -> None:
    page = signed_in(world.app, "partner").get("/meeting")
    assert page.status_code == 200
    tasked = world.store.read_frame("taskings")["item_id"].to_list()
    assert "TASKED" in page.text  # partners see it too: no double visits
    assert not set(tasked) & set(re.findall(r"\b[IP]\d{7,8}\b", page.text))
    assert "Task this" not in page.text


def test_today_shows_the_taskings_and_partners_only_their_own(world: World) -> None:
    """The briefing on Today lists the meeting's taskings; a partner sees only their
    organisation's, with pseudonyms."""
    chair = signed_in(world.app, "chair").get("/today").text
    assert 'id="taskings"' in chair
    assert "tasking-" in chair  # the demo's month of taskings reaches the last day
    partner = signed_in(world.app, "partner").get("/today").text
    assert 'id="taskings"' in partner
    own = world.store.read_frame("taskings")
    org = world.store.read_frame("users").filter(pl.col("username") == "partner")[
        "org"
    ][0]
    others = own.filter(pl.col("organisation") != org)["tasking_id"].to_list()
    rows = re.findall(r'<tr class="tasking-\w+">.*?</tr>', partner, flags=re.S)
    assert rows, "the partner's organisation has taskings in the demo"
    assert not any(t in r for r in rows for t in others)
    assert not set(own["item_id"].to_list()) & set(
        re.findall(r"\b[IP]\d{7,8}\b", partner)
    )


def test_meeting_shows_only_errors_avert_made_not_text_from_a_link(
    world: World,
) -> None:
    """``/meeting?error=...`` showed any text of a link as avert's own error
    (content spoofing); an error now travels in the signed session, once."""
    client = signed_in(world.app, "chair")
    spoof = "Your session expired: call 0800 000 000 to re-verify"
    page = client.get("/meeting", params={"error": spoof})
    assert page.status_code == 200
    assert "0800 000 000" not in page.text
    assert 'id="meeting-error"' not in page.text
    # a refused tasking still says why, on the page it goes back to
    refused = client.post(
        "/meeting/task",
        data={"csrf_token": csrf_of(page.text), "item": "nothing", "what": "x"},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert 'id="meeting-error"' in refused.text
    assert "Not a briefing item" in refused.text
    # the answer's own: the next page does not show it
    assert 'id="meeting-error"' not in client.get("/meeting").text
    # nor does a reason flashed by a refused result travel in the link
    results = re.findall(r'action="/meeting/taskings/([^"]+)"', page.text)
    done = client.post(
        f"/meeting/taskings/{results[0]}",
        data={"csrf_token": csrf_of(page.text), "result": " "},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "error" not in done.headers["location"]
    assert 'id="meeting-error"' in client.get(done.headers["location"]).text
    assert 'id="meeting-error"' not in client.get("/meeting").text


def test_meeting_tasks_only_items_that_exist(world: World) -> None:
    """``POST /meeting/task`` made a tasking of any ``item`` text; now every item
    the page offers can be tasked and one naming nothing in the store is refused
    with the reason, nothing written and no audit row claiming a tasking."""
    client = signed_in(world.app, "chair")
    page = client.get("/meeting").text
    n_taskings = world.store.count("taskings")
    n_changes = world.store.read_frame("audit").height
    for item, says in (
        ("incident:I-NOT-THERE", "No incident"),
        ("person:P-NOT-THERE", "No person"),
        ("cell:Call 0800 000 000", "No grid cell"),
        ("person:" + "9" * 5000, "at most 100"),
        ("anything at all", "Not a briefing item"),
    ):
        refused = client.post(
            "/meeting/task",
            data={"csrf_token": csrf_of(page), "item": item, "what": "Visit"},
        )
        assert refused.status_code == 400, item
        assert says in refused.text, item
    assert world.store.count("taskings") == n_taskings
    audit = world.store.read_frame("audit")
    added = audit.tail(audit.height - n_changes)
    assert not added.filter(pl.col("object").str.starts_with("tasking:")).height
    # every item shown (offered, or tasked already) and every tasking's item, by
    # its key (the page's data; the words are what the chair reads)
    shown = {html.unescape(i) for i in re.findall(r'data-item="([^"]+)"', page)}
    kinds = {item.split(":", 1)[0] for item in shown}
    assert {"incident", "person", "cell"} <= kinds, kinds
    for item in shown:
        assert delivery.check_item(world.store, item)[0] == item.split(":", 1)[0]


def test_the_tasked_record_their_own_results_on_the_meeting(world: World) -> None:
    """A partner agency and an officer given a tasking record its result on the
    meeting page (the form shows on theirs only); another's is refused (403)."""
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting").text
    items = re.findall(r'name="item" value="([^"]+)"', page)
    at = re.findall(r'name="at" value="([^"]+)"', page)[0]  # due within its 24 h
    assert len(items) >= 2
    made = {}
    for item, who in (
        (items[-1], {"organisation": "council"}),
        (items[-2], {"assignee": "officer"}),
    ):
        chair.post(
            "/meeting/task",
            data={
                "csrf_token": csrf_of(page),
                "item": item,
                "what": f"Visit {item}",
                "at": at,
                **who,
            },
        )
        rows = world.store.read_frame("taskings").filter(
            pl.col("what") == f"Visit {item}"
        )
        made[next(iter(who.values()))] = rows["tasking_id"][0]
    partner = signed_in(world.app, "partner")
    officer = signed_in(world.app, "officer")
    partner_page = partner.get("/meeting").text
    officer_page = officer.get("/meeting").text
    assert f'action="/meeting/taskings/{made["council"]}"' in partner_page
    assert f'action="/meeting/taskings/{made["officer"]}"' not in partner_page
    assert f'action="/meeting/taskings/{made["officer"]}"' in officer_page
    assert f'action="/meeting/taskings/{made["council"]}"' not in officer_page
    refused = partner.post(
        f"/meeting/taskings/{made['officer']}",
        data={"csrf_token": csrf_of(partner_page), "result": "x", "version": "1"},
    )
    assert refused.status_code == 403
    for client, text, tasking_id in (
        (partner, partner_page, made["council"]),
        (officer, officer_page, made["officer"]),
    ):
        done = client.post(
            f"/meeting/taskings/{tasking_id}",
            data={
                "csrf_token": csrf_of(text),
                "result": "Seen, all well",
                "version": version_of(text, f"/meeting/taskings/{tasking_id}"),
            },
            follow_redirects=False,
        )
        assert done.status_code == 303
        row = world.store.read_frame(
            "taskings", where=[("tasking_id", "=", tasking_id)]
        )
        assert (row["status"][0], row["result"][0]) == ("done", "Seen, all well")


def test_a_refused_edit_keeps_what_was_typed(world: World) -> None:
    """A refused change (RAG red without a reason) showed the form again with the
    stored values: the evidence typed was lost. The form now keeps the input."""
    client = signed_in(world.app, "chair")
    page = client.get("/plan/actions/A05")
    response = client.post(
        "/plan/actions/A05",
        data={
            "csrf_token": csrf_of(page.text),
            "rag": "red",
            "rag_reason": "",
            "evidence": "typed at the board, not yet saved",
            "review_date": "2027-01-15",
        },
    )
    assert response.status_code == 400
    assert 'id="action-error"' in response.text
    form = response.text[response.text.index('id="edit-action"') :]
    assert ">typed at the board, not yet saved</textarea>" in form
    assert '<option value="red" selected>' in form
    assert 'value="15 Jan 2027"' in form  # as typed, in the app's words


def test_a_review_date_outside_the_years_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    """A browser's date field takes the years 1 to 275760: a review date of year
    1 (0026 typed for 2026) was saved, and the plan board counted the action as
    having a review date. It is refused with the years taken, the form keeps what
    was typed, and the action is as it was."""
    client = signed_in(world.app, "chair")
    before = _action(world, "A05")
    for typed, year in (("0026-01-15", 26), ("9999-12-31", 9999)):
        response = _save_action(
            client, "A05", before, evidence="typed with the date", review_date=typed
        )
        assert response.status_code == 400, typed
        error = response.text.split('id="action-error"')[1].split("</p>")[0]
        assert f"the year {year} is outside the years 1900-2200" in error
        form = response.text[response.text.index('id="edit-action"') :]
        assert ">typed with the date</textarea>" in form
    after = _action(world, "A05")
    assert after["version"] == before["version"]
    assert after["review_date"] == before["review_date"]


def test_a_bad_due_time_goes_back_to_the_meeting_with_the_reason(
    world: World,
) -> None:
    """A "task this" with a due time avert cannot read (a browser without a date
    picker sends the text typed) left the meeting for a bare error page; it now
    answers with the meeting, which says why, and nothing is tasked."""
    client = signed_in(world.app, "chair")
    page = client.get("/meeting")
    item = re.findall(r'name="item" value="([^"]+)"', page.text)[-1]
    before = world.store.read_frame("taskings").height
    refused = client.post(
        "/meeting/task",
        data={
            "csrf_token": csrf_of(page.text),
            "item": item,
            "what": "x",
            "due": "tomorrow 9am",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 400
    shown = refused.text
    assert 'id="meeting-error"' in shown
    assert "Due: Not a date and time" in shown
    # which of the meeting's dozens of forms to mend, in the words the page gives
    # the item (not its key)
    words = delivery.item_key_words(item)
    assert words != item
    assert f"Task this {words}: Due: Not a date and time" in html.unescape(shown)
    assert f"Task this {item}" not in html.unescape(shown)
    assert world.store.read_frame("taskings").height == before


def test_a_meeting_section_says_how_many_of_its_items_it_lists(world: World) -> None:
    """The meeting lists the first 15 items of a section but headed them with 15
    alone ("Retaliation alerts 15" beside Today's 26): it now says "the first 15 of
    26" when the briefing has more."""
    client = signed_in(world.app, "chair")
    hours = 24 * 31
    data = client.get("/api/v1/briefing", params={"hours": hours}).json()
    page = client.get("/meeting", params={"at": data["at"][:16], "hours": hours}).text
    long = [k for k in ("retaliation", "incidents", "people") if len(data[k]) > 15]
    assert long, "needs a section of more than 15 items"
    for key in long:
        section = page[page.index(f'id="meeting-{key}"') :]
        heading = section[: section.index("</h2>")]
        assert f"the first 15 of {len(data[key])}" in heading, heading


def test_done_without_a_result_is_refused_and_says_why(world: World) -> None:
    """The result field is required in the browser, but spaces pass its check: "Done"
    then marked the tasking done with no result. It is refused, with why."""
    client = signed_in(world.app, "chair")
    page = client.get("/meeting")
    open_ids = re.findall(r'action="/meeting/taskings/([^"]+)"', page.text)
    assert open_ids, "needs an open tasking on the meeting"
    tasking_id = open_ids[0]
    refused = client.post(
        f"/meeting/taskings/{tasking_id}",
        data={"csrf_token": csrf_of(page.text), "result": "   "},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    shown = client.get(refused.headers["location"]).text
    assert "Write the result before marking done" in shown
    row = world.store.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["status"][0] != "done"


def test_actions_whose_ids_hold_url_characters_open_and_save(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # an id is free text of the plan file: /plan/actions/A1/2 (and ?, #) was 404
    # ('%' too, but the test client decodes a path twice, as no server does)
    ids = ["A1/2", "A3?x", "A4#x", "A7 x"]
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: {id: p, title: T, board: B}\nactions:\n"
        + "".join(
            f"  - {{id: '{i}', strand: prevention, title: t{n}}}\n"
            for n, i in enumerate(ids)
        ),
        encoding="utf-8",
    )
    delivery.import_plan(sqlite_store, plan)
    add_user(sqlite_store, "chair", password=PASSWORD, role="chair")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy,
        secret_key=secrets.token_urlsafe(32),
        pseudonym_key=secrets.token_urlsafe(32),
    )
    client = signed_in(create_app(settings, sqlite_store), "chair")
    links = re.findall(r'href="(/plan/actions/[^"]+)"', client.get("/plan").text)
    assert len(links) == len(ids)
    for link in links:
        page = client.get(html.unescape(link))
        assert page.status_code == 200, link
        form = re.search(r'action="([^"]+)" class="window" id="edit-action"', page.text)
        assert form is not None
        saved = client.post(
            html.unescape(form.group(1)),
            data={
                "status": "open",
                "csrf_token": csrf_of(page.text),
                "version": version_of(page.text),
            },
            follow_redirects=False,
        )
        assert saved.status_code == 303, link
        assert client.get(saved.headers["location"]).status_code == 200
    statuses = sqlite_store.read_frame("actions")["status"].to_list()
    assert statuses == ["open"] * len(ids)


def test_the_action_form_keeps_the_evidences_line_breaks(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # evidence was a one-line input: a browser drops its line breaks, so saving a
    # status change ran a plan file's "Seen.\nSafety plan." into "Seen.Safety plan."
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: {id: p, title: T, board: B}\nactions:\n"
        '  - {id: A1, strand: prevention, title: t, evidence: "Seen.\\nSafety plan.",\n'
        '     rag: {rating: amber, reason: "Late.\\nNo owner."}}\n',
        encoding="utf-8",
    )
    delivery.import_plan(sqlite_store, plan)
    add_user(sqlite_store, "chair", password=PASSWORD, role="chair")
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy,
        secret_key=secrets.token_urlsafe(32),
        pseudonym_key=secrets.token_urlsafe(32),
    )
    client = signed_in(create_app(settings, sqlite_store), "chair")
    page = client.get("/plan/actions/A1").text
    box = re.search(r'<textarea name="evidence"[^>]*>(.*?)</textarea>', page, re.S)
    assert box is not None
    assert html.unescape(box.group(1)) == "Seen.\nSafety plan."
    reason = re.search(r'<textarea name="rag_reason"[^>]*>(.*?)</textarea>', page, re.S)
    assert reason is not None
    assert html.unescape(reason.group(1)) == "Late.\nNo owner."
    saved = client.post(
        "/plan/actions/A1",
        data={
            "status": "open",
            "evidence": "Seen.\r\nSafety plan.",  # as a browser sends the box
            "csrf_token": csrf_of(page),
            "version": version_of(page),
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    row = sqlite_store.read_frame("actions").row(0, named=True)
    assert (row["status"], row["evidence"]) == ("open", "Seen.\nSafety plan.")


def _plan_app(store: Store, tmp_path: Path, actions: str) -> object:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: {id: p, title: T, board: B}\nactions:\n" + actions, encoding="utf-8"
    )
    delivery.import_plan(store, plan)
    add_user(store, "chair", password=PASSWORD, role="chair")
    add_user(store, "partner", password=PASSWORD, role="partner", org="council")
    settings = load_settings({}).with_overrides(
        database_url=store.url.sqlalchemy,
        secret_key=secrets.token_urlsafe(32),
        pseudonym_key=secrets.token_urlsafe(32),
    )
    return create_app(settings, store)


_LATE = "status: open, due: 2020-01-01, review: 2030-01-01, owner: o"


def test_the_lead_filter_picks_the_actions_without_a_lead(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # overdue by lead partner names them "(no lead)", but the lead filter offered
    # only named organisations: the board could not list the ones without a lead
    app = _plan_app(
        sqlite_store,
        tmp_path,
        f"  - {{id: A1, strand: prevention, title: a, lead: council}}\n"
        f"  - {{id: A2, strand: prevention, title: b, {_LATE}}}\n",
    )
    client = signed_in(app, "chair")
    board = client.get("/plan").text
    assert '<option value="(no lead)">(no lead)</option>' in board
    by_org = re.sub(r' data-label="[^"]*"', "", board)
    assert "<td>(no lead)</td><td>1</td><td>1</td><td>1</td>" in by_org
    picked = client.get("/plan", params={"lead": "(no lead)"}).text
    assert re.findall(r'href="/plan/actions/([^"]+)"', picked) == ["A2"]
    assert '<option value="(no lead)" selected>' in picked


def test_a_partners_plan_board_gives_their_own_figures_beside_the_plans(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # a partner's board listed only their actions (none overdue) beside the whole
    # plan's "2 overdue", as if the figures were theirs
    app = _plan_app(
        sqlite_store,
        tmp_path,
        "  - {id: A1, strand: prevention, title: a, lead: council}\n"
        f"  - {{id: A2, strand: prevention, title: b, lead: police, {_LATE}}}\n"
        f"  - {{id: A3, strand: prevention, title: c, lead: nhs, {_LATE}}}\n",
    )
    page = signed_in(app, "partner").get("/plan").text
    own = page.split('id="own-checks"')[1].split("</div>\n</div>")[0]
    assert re.findall(r"<b>(\d+)</b>", own) == ["0", "1", "1", "1"]
    assert "Council: the 1 listed here" in page
    whole = page.split('id="plan-checks"')[1]
    assert re.search(r"<b>2</b>overdue", whole)
    assert "every lead organisation's actions, 3 in all" in page
    chair = signed_in(app, "chair").get("/plan").text
    assert 'id="own-checks"' not in chair


def test_today_names_a_plan_action_by_the_plans_id_for_a_partner(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # Today's "Open actions due" gave a partner the action as T-1738F1F66E6D (a
    # keyed pseudonym of its id, another in each organisation) while the plan
    # board and my actions named it D02: the partner could not match the two.
    # The plan's id is no one's identity; the action's subject stays a pseudonym.
    app = _plan_app(
        sqlite_store,
        tmp_path,
        f"  - {{id: D02, strand: prevention, title: Visit PER77, lead: council, "
        f"subject: 'person:PER77', {_LATE}}}\n",
    )
    partner = signed_in(app, "partner")
    today = partner.get("/today").text
    due = today.split("Open actions due")[1].split("</section>")[0]
    assert 'data-record="action:D02">D02<' in due, due
    assert not re.search(r"\bT-[0-9A-F]{12}\b", today)
    assert "PER77" not in today
    assert "D02" in partner.get("/plan/mine").text


@pytest.mark.parametrize(
    ("scope", "badge"),
    [
        ("organisation", "BOARD: PSEUDONYMS, THE BOARD&#39;S KEY"),
        ("shared", "BOARD: PSEUDONYMS, THE KEY PARTNERS SHARE"),
    ],
)
def test_a_board_members_today_is_labelled_the_boards(
    sqlite_store: Store, tmp_path: Path, scope: str, badge: str
) -> None:
    # a board member's Today said "PARTNER AUDIENCE", though under a key per
    # organisation the board reads pseudonyms of a key of its own
    delivery.import_plan(sqlite_store, _plan_file(tmp_path))
    for name, role, org in (("board", "board", None), ("partner", "partner", "nhs")):
        add_user(sqlite_store, name, password=PASSWORD, role=role, org=org)
    settings = load_settings({}).with_overrides(
        database_url=sqlite_store.url.sqlalchemy,
        secret_key=secrets.token_urlsafe(32),
        pseudonym_key=secrets.token_urlsafe(32),
        pseudonym_scope=scope,
    )
    app = create_app(settings, sqlite_store)
    board = signed_in(app, "board").get("/today").text
    assert f'<span class="badge partner">{badge}</span>' in board
    assert "PARTNER AUDIENCE" not in board
    partner = signed_in(app, "partner").get("/today").text
    assert '<span class="badge partner">PARTNER AUDIENCE</span>' in partner


def _plan_file(tmp_path: Path) -> Path:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        "plan: {id: p, title: T, board: B}\nactions:\n"
        "  - {id: A1, strand: prevention, title: a, lead: nhs}\n",
        encoding="utf-8",
    )
    return plan


def test_today_keeps_another_organisations_action_on_a_person_by_pseudonym(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # Today named every open action by the plan's id: the police's D01 on a
    # person beside the council's pseudonym of that person, while the board (and
    # every other partner) read D01 beside its own pseudonym of the person. The
    # plan's id linked the organisations' pseudonyms (which their own keys are to
    # prevent), and it named the action nowhere the council reads: its plan board
    # lists its own actions only and D01's page is refused to it.
    app = _plan_app(
        sqlite_store,
        tmp_path,
        f"  - {{id: D01, strand: enforcement, title: Visit PER76, lead: police, "
        f"subject: 'person:PER76', {_LATE}}}\n"
        f"  - {{id: D02, strand: prevention, title: Visit PER77, lead: COUNCIL, "
        f"subject: 'person:PER77', {_LATE}}}\n"
        f"  - {{id: A03, strand: prevention, title: Lighting, lead: police, "
        f"{_LATE}}}\n",
    )
    partner = signed_in(app, "partner")
    today = partner.get("/today").text
    due = today.split("Open actions due")[1].split("</section>")[0]
    assert "D01" not in today
    assert re.search(r"\bT-[0-9A-F]{12}\b", due), due  # D01, by its pseudonym
    assert 'data-record="action:D02">D02<' in due, due  # its own (any spelling)
    assert "A03" in due  # an action on no one links no pseudonym
    assert partner.get("/plan/actions/D01").status_code == 403
    assert "D01" in signed_in(app, "chair").get("/today").text


def test_a_result_recorded_at_the_meeting_stays_on_its_page(world: World) -> None:
    # the meeting's window ends when the page opened; a result recorded after that
    # moved the tasking out of "due" and, done after the window, out of "done" too:
    # after "Done" the row vanished with no word that the result was kept
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting").text
    item = re.findall(r'name="item" value="([^"]+)"', page)[-3]
    at = re.findall(r'name="at" value="([^"]+)"', page)[0]
    chair.post(
        "/meeting/task",
        data={"csrf_token": csrf_of(page), "item": item, "what": "Stays", "at": at},
    )
    tasking = world.store.read_frame("taskings").filter(pl.col("what") == "Stays")
    tasking_id = tasking["tasking_id"][0]
    page = chair.get("/meeting", params={"at": at}).text
    shown = chair.post(
        f"/meeting/taskings/{tasking_id}",
        data={
            "csrf_token": csrf_of(page),
            "result": "Kept on the page",
            "at": at,
            "version": version_of(page, f"/meeting/taskings/{tasking_id}"),
        },
    )
    row = shown.text.split(f"{tasking_id}</span></td>")[0].rsplit("<tr", 1)[1]
    assert 'class="tasking-done"' in row
    assert "Kept on the page" in shown.text.split(f"{tasking_id}</span></td>")[1]
    assert "people tasked" in shown.text


def _tasked_people(page: str) -> int:
    found = re.search(r"Make-up of the (\d+) (?:person|people) tasked", page)
    return int(found.group(1)) if found else 0


def test_the_meetings_make_up_counts_the_people_it_lists(world: World) -> None:
    # the make-up replayed the taskings as at the window's end, so a person tasked
    # after it (listed on the page) was left out of the make-up beneath the list
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting").text
    at = re.findall(r'name="at" value="([^"]+)"', page)[0]
    # an item with a "task this" form is not tasked yet
    item = re.findall(r'name="item" value="(person:[^"]+)"', page)[-1]
    before = _tasked_people(page)
    after = chair.post(
        "/meeting/task",
        data={"csrf_token": csrf_of(page), "item": item, "what": "Counted", "at": at},
    ).text
    assert "Counted" in after
    assert _tasked_people(after) == before + 1


def test_every_field_of_the_meeting_has_a_name_a_screen_reader_reads(
    world: World,
) -> None:
    # "task this" and "Done" fields had only a placeholder (gone once typed in),
    # and each row's due time no name at all: a screen reader read "date and time"
    for role in ("chair", "partner"):
        page = signed_in(world.app, role).get("/meeting").text
        fields = re.findall(r"<input\b[^>]*>", page)
        shown = [f for f in fields if 'type="hidden"' not in f]
        assert any('name="result"' in f for f in shown), role
        unnamed = [
            f
            for f in shown
            if "aria-label=" not in f and 'name="at"' not in f  # the window's: labelled
        ]
        assert unnamed == [], (role, unnamed[:3])


def test_an_action_one_day_late_says_one_day(
    sqlite_store: Store, tmp_path: Path
) -> None:
    from avert.config.timezone import local_today

    yesterday = local_today(sqlite_store.timezone) - dt.timedelta(days=1)
    app = _plan_app(
        sqlite_store,
        tmp_path,
        f"  - {{id: A1, strand: prevention, title: a, status: open, due: {yesterday}}}\n",
    )
    page = signed_in(app, "chair").get("/plan/actions/A1").text
    assert "1 day overdue" in page  # was "1 days overdue"


def test_an_action_years_late_gives_its_days_with_a_thousands_comma(
    sqlite_store: Store, tmp_path: Path
) -> None:
    """The example plan's dates imported as written read "5926 days overdue" on
    London's store; a count of days reads as the pages' other counts: 5,926."""
    from avert.config.timezone import local_today

    due = local_today(sqlite_store.timezone) - dt.timedelta(days=1234)
    app = _plan_app(
        sqlite_store,
        tmp_path,
        f"  - {{id: A1, strand: prevention, title: a, status: open, due: {due}}}\n",
    )
    client = signed_in(app, "chair")
    assert "1,234 days overdue" in client.get("/plan/actions/A1").text
    assert "(1,234 days overdue)" in client.get("/plan").text


def test_done_on_a_stale_meeting_page_says_who_closed_it(world: World) -> None:
    """The chair's meeting page showed a tasking open; the tasked officer recorded
    its result; the chair's "Done" then wrote over it. Now the meeting says (an
    alert) who closed it and when, and the officer's result stays."""
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting").text
    item = re.findall(r'name="item" value="([^"]+)"', page)[0]
    at = re.findall(r'name="at" value="([^"]+)"', page)[0]
    made = delivery.add_tasking(
        world.store,
        item,
        what="Stale page visit",
        assignee="officer",
        due=parse_datetime_words(at) + dt.timedelta(hours=1),
        user=User("chair", "chair"),
        anyway=True,
    )
    page = chair.get("/meeting", params={"at": at}).text
    form = page[page.index(f'action="/meeting/taskings/{made["tasking_id"]}"') :]
    assert 'name="version" value="1"' in form[: form.index("</form>")]
    officer = signed_in(world.app, "officer")
    officer_page = officer.get("/meeting", params={"at": at}).text
    officer.post(
        f"/meeting/taskings/{made['tasking_id']}",
        data={"csrf_token": csrf_of(officer_page), "result": "Seen", "version": "1"},
    )
    refused = chair.post(
        f"/meeting/taskings/{made['tasking_id']}",
        data={
            "csrf_token": csrf_of(page),
            "result": "Chair's result",
            "at": at,
            "version": "1",
        },
    )
    assert refused.status_code == 200  # back to the meeting
    alert = re.search(
        r'<p class="error" id="meeting-error" role="alert">([^<]*)<', refused.text
    )
    assert alert, "no alert on the meeting"
    assert "already closed (done) by officer at " in html.unescape(alert.group(1))
    row = world.store.read_frame(
        "taskings", where=[("tasking_id", "=", made["tasking_id"])]
    )
    assert (row["result"][0], row["result_by"][0]) == ("Seen", "officer")


def test_an_action_form_opened_before_another_save_does_not_undo_it(
    world: World,
) -> None:
    """Two users opened A03; the analyst saved a RAG, then the chair saved the
    evidence from the form opened before: the form sent the old RAG too and put it
    back, silently. Now the chair's save is refused with who changed it (an alert),
    the form keeps what was typed and is at the version now stored."""
    chair = signed_in(world.app, "chair")
    analyst = signed_in(world.app, "analyst")
    page = chair.get("/plan/actions/A03").text
    version = re.findall(r'name="version" value="(\d+)"', page)[0]
    other = analyst.get("/plan/actions/A03").text
    saved = analyst.post(
        "/plan/actions/A03",
        data={
            "csrf_token": csrf_of(other),
            "rag": "red",
            "rag_reason": "Meeting missed twice",
            "version": version,
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    response = chair.post(
        "/plan/actions/A03",
        data={
            "csrf_token": csrf_of(page),
            "rag": "green",
            "evidence": "Chair's evidence",
            "version": version,
        },
    )
    assert response.status_code == 400
    alert = re.search(r'id="action-error" role="alert">([^<]*)<', response.text)
    assert alert
    assert "A03 was changed by analyst at " in html.unescape(alert.group(1))
    form = response.text[response.text.index('id="edit-action"') :]
    assert ">Chair&#39;s evidence</textarea>" in form
    assert f'name="version" value="{int(version) + 1}"' in form
    stored = delivery.read_actions(world.store).filter(pl.col("action_id") == "A03")
    assert (stored["rag"][0], stored["rag_reason"][0]) == (
        "red",
        "Meeting missed twice",
    )


def test_the_forms_whose_text_partners_read_say_so(world: World) -> None:
    """A chair's evidence "met P0003235 Jane Doe at 12 High St" on a council action,
    and a tasking's what given to the council, were shown to the council's partner
    (and the evidence to the board) as written, with nothing on the forms to say
    so (docs/delivery.md: other free text is shown as written). The forms the
    police write them in now say who reads them; a partner's own forms do not."""
    chair = signed_in(world.app, "chair")
    for path in ("/plan/actions/A05", "/meeting?hours=168"):
        page = chair.get(path)
        assert page.status_code == 200, path
        note = page.text.split('id="free-text-note">')[1].split("</p>")[0]
        assert "as written" in note, path
        assert "write no address, date of birth or name" in note, path
        assert "full postcodes" in note, path
        assert "dates of birth and the street of the addresses" in note, path
        assert "ids of stored records" in note, path
        assert "names the store holds of people and groups" in note, path
    partner = signed_in(world.app, "partner")
    for path in ("/plan/actions/A05", "/meeting?hours=168"):
        page = partner.get(path)
        assert page.status_code == 200, path
        assert 'id="free-text-note"' not in page.text, path


def test_a_text_over_the_limit_is_refused_and_nothing_is_saved(world: World) -> None:
    """A pasted document of 200,000 characters as an action's evidence was saved in
    every version of the action (its page grew to 800 kB) and as a tasking's result.
    Over 10,000 characters is refused, saying which field and how long, never the
    text itself; the action form keeps what was typed."""
    client = signed_in(world.app, "chair")
    pasted = "a long note " * 900  # 10,800 characters
    before = _action(world, "A12")
    response = _save_action(client, "A12", before, evidence=pasted)
    assert response.status_code == 400
    error = response.text.split('id="action-error"')[1].split("</p>")[0]
    assert "Evidence: 10,800 characters; at most 10,000 are kept" in error
    assert "a long note" not in error
    assert "a long note a long note" in response.text.split('id="edit-action"')[1]
    after = _action(world, "A12")
    assert after["version"] == before["version"]

    page = client.get("/meeting")
    open_ids = re.findall(r'action="/meeting/taskings/([^"]+)"', page.text)
    assert open_ids, "needs an open tasking on the meeting"
    refused = client.post(
        f"/meeting/taskings/{open_ids[0]}",
        data={"csrf_token": csrf_of(page.text), "result": pasted},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    shown = client.get(refused.headers["location"]).text
    assert "Result: 10,800 characters; at most 10,000 are kept" in shown
    row = world.store.read_frame("taskings", where=[("tasking_id", "=", open_ids[0])])
    assert row["status"][0] != "done"

    n_taskings = world.store.read_frame("taskings").height
    items = re.findall(r'name="item" value="([^"]+)"', page.text)
    refused = client.post(
        "/meeting/task",
        data={"csrf_token": csrf_of(page.text), "item": items[0], "what": pasted},
        follow_redirects=False,
    )
    assert refused.status_code == 400
    assert "What: 10,800 characters; at most 10,000 are kept" in refused.text
    assert world.store.read_frame("taskings").height == n_taskings


def test_each_rag_is_written_beside_its_colour(world: World) -> None:
    """An action's RAG was a coloured dot alone, on the plan page and in the board
    pack's overdue table: red and green look alike to one man in twelve and in a
    greyscale print (WCAG 1.4.1, use of colour). The word is written beside it."""
    page = signed_in(world.app, "chair").get("/plan").text
    actions = page[page.index('<table id="actions"') :]
    dots = re.findall(r'<span class="rag (\w+)"></span> (<b>\w+</b>)?', actions)
    assert dots, "the demo plan has no action with a RAG"
    assert all(word == f"<b>{rag}</b>" for rag, word in dots), dots
    packs = sorted(world.demo_dir.rglob("board-pack-*.html"))
    pack = packs[-1].read_text(encoding="utf-8")
    overdue = re.findall(r'<span class="rag (\w+)"></span> (<b>\w+</b>)?', pack)
    assert all(word == f"<b>{rag}</b>" for rag, word in overdue), overdue


def _alert(page: str) -> str:
    found = re.search(r'id="action-error" role="alert">([^<]*)<', page)
    assert found, page[:500]
    return html.unescape(found.group(1))


def test_a_hand_edited_status_is_refused_naming_the_statuses_not_echoed(
    world: World,
) -> None:
    """A status outside the form's choices (a hand-edited request) came back in the
    page's error whole: 20,000 characters of whatever was sent. The error now names
    the statuses an action can have and shows at most a short, escaped start of
    what was sent; nothing is saved."""
    client = signed_in(world.app, "chair")
    page = client.get("/plan/actions/A05").text
    before = _actions(world).filter(pl.col("action_id") == "A05").to_dicts()[0]
    sent = "<script>alert(1)</script>" + "x" * 20_000
    for field in ("status", "rag"):
        response = client.post(
            "/plan/actions/A05",
            data={
                "csrf_token": csrf_of(page),
                field: sent,
                "version": version_of(page),
            },
        )
        assert response.status_code == 400
        assert "<script>alert(1)" not in response.text
        assert "x" * 100 not in response.text
        alert = _alert(response.text)
        assert len(alert) < 300, alert
        named = "proposed, open, in_progress" if field == "status" else "red, amber"
        assert named in alert, alert
    after = _actions(world).filter(pl.col("action_id") == "A05").to_dicts()[0]
    assert after["version"] == before["version"]


def test_a_junk_version_is_refused_and_nothing_is_saved(world: World) -> None:
    """A version that is not a whole number (a hand-edited form) skipped the check
    that another user had not saved the action since: the save went through over
    their change. It is refused (400, saying why) and nothing is saved."""
    client = signed_in(world.app, "chair")
    page = client.get("/plan/actions/A05").text
    before = _actions(world).filter(pl.col("action_id") == "A05").to_dicts()[0]
    for junk in ("abc", "-1", "1.0", "٣"):
        response = client.post(
            "/plan/actions/A05",
            data={"csrf_token": csrf_of(page), "evidence": "Junk", "version": junk},
        )
        assert response.status_code == 400, junk
        assert "Version is not a whole number" in _alert(response.text)
    after = _actions(world).filter(pl.col("action_id") == "A05").to_dicts()[0]
    assert after["version"] == before["version"]
    assert after["evidence"] == before["evidence"]
    # a tasking's result with a junk version goes back to the meeting, refused
    meeting = client.get("/meeting")
    [tasking_id, *_] = re.findall(r'action="/meeting/taskings/([^"]+)"', meeting.text)
    refused = client.post(
        f"/meeting/taskings/{tasking_id}",
        data={"csrf_token": csrf_of(meeting.text), "result": "Seen", "version": "x"},
        follow_redirects=False,
    )
    assert refused.status_code == 303
    assert (
        "Version is not a whole number" in client.get(refused.headers["location"]).text
    )
    row = world.store.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["status"][0] != "done"


def test_a_form_without_a_version_is_refused_and_nothing_is_saved(
    world: World,
) -> None:
    """A save with no version (a form that left it out, a script posting its own
    fields) skipped the check that another user had not saved the record since,
    as the command line does, and went over their change. The web refuses it:
    an action's form comes back (400, saying why), a tasking's result goes back
    to the meeting with the reason; nothing is saved."""
    client = signed_in(world.app, "chair")
    page = client.get("/plan/actions/A05").text
    before = _actions(world).filter(pl.col("action_id") == "A05").to_dicts()[0]
    for data in ({}, {"version": ""}, {"version": "  "}):
        response = client.post(
            "/plan/actions/A05",
            data={"csrf_token": csrf_of(page), "evidence": "Unchecked", **data},
        )
        assert response.status_code == 400, data
        alert = _alert(response.text)
        assert "The form sent no version of the action" in alert, alert
        assert "nothing was saved" in alert, alert
    after = _actions(world).filter(pl.col("action_id") == "A05").to_dicts()[0]
    assert (after["version"], after["evidence"]) == (
        before["version"],
        before["evidence"],
    )
    meeting = client.get("/meeting")
    [tasking_id, *_] = re.findall(r'action="/meeting/taskings/([^"]+)"', meeting.text)
    refused = client.post(
        f"/meeting/taskings/{tasking_id}",
        data={"csrf_token": csrf_of(meeting.text), "result": "Seen"},
        follow_redirects=False,
    )
    assert refused.status_code == 303  # back to the meeting, as every refusal
    shown = html.unescape(client.get(refused.headers["location"]).text)
    assert "The form sent no version of the tasking" in shown
    row = world.store.read_frame("taskings", where=[("tasking_id", "=", tasking_id)])
    assert row["status"][0] != "done"
    assert row["result"][0] != "Seen"


def test_the_task_this_fields_have_a_name_shown_beside_them(world: World) -> None:
    # "Task this" fields had a placeholder and an aria-label only: once typed in,
    # nothing on the screen said which was "who" and which "organisation"
    page = signed_in(world.app, "chair").get("/meeting?hours=168").text
    form = page[page.index('action="/meeting/task"') :]
    form = form[: form.index("</form>")]
    for name, shown in (
        ("what", "What"),
        ("assignee", "Who"),
        ("organisation", "Organisation"),
        ("due", "Due"),
    ):
        assert re.search(
            rf'<label class="field">{shown}<input[^>]*name="{name}"', form
        ), name


def test_an_actions_statuses_are_listed_in_the_order_of_their_life(
    world: World,
) -> None:
    # the list put the action's own status first, then the others A to Z
    # ("open, cancelled, done, in progress")
    client = signed_in(world.app, "chair")
    for status in ("open", "done"):
        action_id = _actions(world).filter(pl.col("status") == status)["action_id"][0]
        page = client.get(f"/plan/actions/{action_id}").text
        select = page[page.index('<select name="status">') :]
        listed = re.findall(
            r'<option value="([^"]+)"', select[: select.index("</select>")]
        )
        assert status in listed
        assert listed == [s for s in STATUSES if s in listed], listed


def test_a_refused_task_this_keeps_what_was_typed(world: World) -> None:
    """A "Task this" refused (a due time not read, a field too long) went back to
    the meeting with the reason at its top and every form empty: what the chair
    typed in what, who and organisation was lost. The answer is the meeting with
    that item's form as typed, the reason just above it (the page opens there),
    the other forms empty, and nothing tasked."""
    client = signed_in(world.app, "chair")
    page = client.get("/meeting").text
    items = re.findall(r'name="item" value="([^"]+)"', page)
    item = items[-1]
    before = world.store.count("taskings")
    typed = {
        "what": "Visit the family & check on the <children>",
        "assignee": "pc-jones",
        "organisation": "Leeds City Council",
    }
    for bad, says in (
        ({"due": "tomorrow 9am"}, "Due: Not a date and time"),
        ({"organisation": "x" * 10_001}, "Organisation: 10,001 characters"),
    ):
        sent = {**typed, **bad}
        refused = client.post(
            "/meeting/task",
            data={"csrf_token": csrf_of(page), "item": item, **sent},
        )
        assert refused.status_code == 400, bad
        text = refused.text
        assert text.count('id="meeting-error"') == 1, bad
        form = text[text.index('id="task-refused"') :].split("</form>")[0]
        reason = text[: text.index('id="task-refused"')].rsplit("<p ", 1)[1]
        assert 'id="meeting-error"' in reason, bad
        assert says in html.unescape(reason), bad
        assert f'name="item" value="{html.escape(item)}"' in form, bad
        for name, value in sent.items():
            assert f'name="{name}"' in form, name
            assert f'value="{html.escape(value)}"' in form, (bad, name)
        assert "autofocus" in form
        # the other items' forms are as the page gives them
        assert text.count('value="pc-jones"') == 1, bad
    assert world.store.count("taskings") == before


def test_an_account_made_after_the_plan_sees_and_changes_its_actions(
    sqlite_store: Store, tmp_path: Path
) -> None:
    # a plan imported before the council had an account kept the lead "Leeds City
    # Council" as typed: the account made later, of "leeds city council", saw none
    # of its actions on /plan or /plan/mine, and its page and form were refused
    app = _plan_app(
        sqlite_store,
        tmp_path,
        "  - {id: A1, strand: prevention, title: a, lead: Leeds City Council}\n"
        "  - {id: A2, strand: prevention, title: b, lead: police}\n",
    )
    add_user(
        sqlite_store, "lcc", password=PASSWORD, role="partner", org="leeds city council"
    )
    client = signed_in(app, "lcc")
    for url in ("/plan", "/plan/mine"):
        listed = re.findall(r'href="/plan/actions/([^"]+)"', client.get(url).text)
        assert listed == ["A1"], url
    stored = sqlite_store.read_frame("actions").filter(pl.col("action_id") == "A1")
    page = client.get("/plan/actions/A1")
    assert page.status_code == 200
    saved = client.post(
        "/plan/actions/A1",
        data={
            "csrf_token": csrf_of(page.text),
            "version": version_of(page.text),
            "status": stored["status"].item(),
            "evidence": "Seen.",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    row = sqlite_store.read_frame("actions").filter(pl.col("action_id") == "A1")
    assert row.select("evidence", "lead_organisation").row(0) == (
        "Seen.",
        "Leeds City Council",
    )
    # the partner of "council" is another organisation's, and sees none of it
    other = signed_in(app, "partner")
    assert "/plan/actions/A1" not in other.get("/plan").text
    assert other.get("/plan/actions/A1").status_code in (403, 404)


def test_task_this_is_due_a_day_after_now_when_the_window_ended_days_ago(
    world: World, monkeypatch: Any
) -> None:
    """The demo city's records end on 24 November, so its meeting shows the window
    ending then; a tasking made from it on 6 December was offered (and, with no due
    typed, given) a due time of 25 November: overdue the moment it was made."""
    from avert.config import timezone
    from avert.web.delivery import _due

    now = dt.datetime(2026, 12, 6, 12, 0, tzinfo=dt.UTC)  # 12:00 in London (GMT)
    monkeypatch.setattr(timezone, "_utc_now", lambda: now)
    page = signed_in(world.app, "chair").get("/meeting")
    assert "window Mon 23 Nov 2026 06:00 to Tue 24 Nov 2026 06:00" in page.text
    offered = set(re.findall(r'name="due" value="([^"]+)"', page.text))
    assert offered == {"07 Dec 2026 12:00"}
    zone = world.settings.timezone
    assert _due("", "2026-11-24T06:00", zone) == dt.datetime(2026, 12, 7, 12, 0)
    # a window that ends later than now keeps its own 24 hours
    assert _due("", "2026-12-08T06:00", zone) == dt.datetime(2026, 12, 9, 6, 0)


def test_task_this_says_when_no_account_is_of_the_organisation(world: World) -> None:
    """A tasking given at the meeting to "Councl" was saved as typed and seen by no
    partner of "council", without a word (the command line said so, the meeting
    did not): the meeting now says so, naming the accounts' organisations."""
    client = signed_in(world.app, "chair")
    page = client.get("/meeting")
    items = re.findall(r'name="item" value="([^"]+)"', page.text)
    at = re.findall(r'name="at" value="([^"]+)"', page.text)[0]
    token = csrf_of(page.text)
    orgs = delivery.account_orgs(world.store)
    assert orgs, "the demo has no account of an organisation"
    made = client.post(
        "/meeting/task",
        data={
            "csrf_token": token,
            "item": items[-1],
            "organisation": "Zzcouncl",
            "at": at,
        },
        follow_redirects=True,
    )
    said = " ".join(made.text.split())
    assert "No account is of the organisation &#39;Zzcouncl&#39;" in said, said[:500]
    assert orgs[0] in said
    # an organisation an account holds, in another case, says nothing
    made = client.post(
        "/meeting/task",
        data={
            "csrf_token": token,
            "item": items[-2],
            "organisation": orgs[0].upper(),
            "at": at,
        },
        follow_redirects=True,
    )
    assert "No account is of the organisation" not in made.text


def test_a_partners_place_pseudonym_in_the_plan_stays_one_token(
    world: World,
) -> None:
    # a place's subject broke after its colons and hyphens: a partner's "L-1C95…"
    # pseudonym could go "L-" on one line and its digits on the next
    page = signed_in(world.app, "partner").get("/plan").text
    cells = re.findall(r'data-label="Subject">(.*?)</td>', page)
    places = [c for c in cells if "place:" in c]
    assert places, cells
    for cell in places:
        pseudonyms = re.findall(r"\bL-[0-9A-F]{12}\b", cell)
        assert pseudonyms, cell
        for p in pseudonyms:
            assert f'<span class="rec">{p}</span>' in cell, cell


def _field_of_error(page: str) -> str | None:
    """The name of the action form's field its error stands beside (None: above
    the form), checking the field points at the error and takes the focus."""
    error = page.index('id="action-error"')
    form = page.index('id="edit-action"')
    if error < form:
        assert "aria-invalid" not in page[form:]
        return None
    field = page[:error].rsplit('<div class="form-field">', 1)[1]
    control = re.search(r'<(?:select|textarea|input)[^>]* name="(\w+)"([^>]*)>', field)
    assert control, field
    assert 'aria-invalid="true" aria-describedby="action-error" autofocus' in (
        control.group(2)
    )
    return control.group(1)


def test_a_refused_value_is_shown_beside_its_field_which_takes_the_focus(
    world: World,
) -> None:
    """The action form's error was one line above the form whatever it was about: a
    red RAG without a reason, a review date outside the years, a status the table
    forbids, an evidence over the limit. Each is now beside its field, which is
    marked invalid, names the error (aria-describedby) and takes the focus, so a
    keyboard user types the fix at once; a refusal of the whole form (the version)
    stays above it."""
    client = signed_in(world.app, "chair")
    before = _action(world, "A08")

    def post(**changed: str) -> str:
        page = client.get("/plan/actions/A08").text
        data = {
            "csrf_token": csrf_of(page),
            "version": version_of(page),
            "status": before["status"],
            "rag": before["rag"] or "",
            "rag_reason": before["rag_reason"] or "",
            **changed,
        }
        response = client.post("/plan/actions/A08", data=data)
        assert response.status_code == 400, changed
        return response.text

    assert _field_of_error(post(rag="red", rag_reason="")) == "rag_reason"
    assert _field_of_error(post(review_date="0026-01-15")) == "review_date"
    assert _field_of_error(post(review_date="2026-02-30")) == "review_date"
    assert _field_of_error(post(status="done")) == "status"  # proposed -> done
    assert _field_of_error(post(evidence="a note " * 2_000)) == "evidence"
    assert _field_of_error(post(version="")) is None
    assert _action(world, "A08")["version"] == before["version"]


def _taskings_section(page: str) -> str:
    return page[page.index('<section id="taskings">') :].split("</section>")[0]


def test_today_tells_a_web_user_no_command_line_of_the_taskings(world: World) -> None:
    """The demo walk: the board's Today, with none of its organisation's taskings,
    said 'the meeting tasks items with "avert task add" or the web meeting view' (a
    command line, and a page a board member may not open); a board account with no
    organisation read "avert brief --audience partner --org ORGANISATION". On the
    web both name the web's own ways; the files keep the commands."""
    board = html.unescape(
        _taskings_section(signed_in(world.app, "board").get("/today").text)
    )
    assert "No taskings overdue, due or done: the meeting tasks items on its " in board
    assert "Meeting page." in board
    assert "avert task add" not in board
    add_user(world.store, "board-noorg", password=PASSWORD, role="board")
    unnamed = html.unescape(
        _taskings_section(signed_in(world.app, "board-noorg").get("/today").text)
    )
    assert "No organisation was named, so no taskings are listed" in unnamed
    assert "this account names none: an administrator sets it" in unnamed
    assert "avert brief" not in unnamed
    assert "--org" not in unnamed


def test_the_meeting_says_its_taskings_stand_now(
    world: World,
) -> None:
    """The demo walk, as the council partner on 6 December: the meeting of the window
    to 24 November listed five OVERDUE under "overdue, due in the next 24 hours,
    done since the window began" (one due on 25 November) beside Today's three
    overdue and one due for the same window. The heading says the taskings stand
    now, and from when overdue and due are counted."""
    partner = signed_in(world.app, "partner")
    page = partner.get("/meeting")
    assert page.status_code == 200, page.text
    section = html.unescape(_taskings_section(page.text))
    assert "as they stand now: overdue or due in the 24 hours from " in section
    assert "Today lists them as they stood at the window's end" in section
    assert "overdue, due in the next 24 hours, done since" not in section


def test_an_actions_subject_names_the_whole_force_in_words(world: World) -> None:
    """The demo walk: action A01's Subject read "area:force", the plan file's key,
    on its page and in the plan's list; they read "The whole force area"."""
    for role in ("chair", "board"):  # A01 is the police's: no partner's
        client = signed_in(world.app, role)
        page = client.get("/plan/actions/A01")
        assert page.status_code == 200, (role, page.text)
        subject = re.search(r"<tr><th>Subject</th><td>(.*?)</td></tr>", page.text)
        assert subject is not None, page.text[:2000]
        shown = re.sub(r"<[^>]+>", "", subject.group(1))
        assert shown.startswith("The whole force area"), subject.group(1)
        plan = client.get("/plan")
        row = re.search(
            r'/plan/actions/A01".*?data-label="Subject">(.*?)</td>', plan.text, re.S
        )
        assert row is not None, role
        assert re.sub(r"<[^>]+>", "", row.group(1)) == "The whole force area", (
            row.group(1)
        )
        assert "area:<wbr>force" not in plan.text, role


#: how the meeting's words begin for each kind of item (avert.delivery.model)
_KIND_WORDS = {
    "incident": "Violent incident ",
    "retaliation": "Retaliation alert, incident ",
    "repeat_victim": "Repeat victim ",
    "person": "Person of concern ",
    "asb_caller": "Vulnerable ASB caller ",
    "cell": "Place",  # "Place near ...", or "Place, 150 m cell ..." where none is near
}


def _meeting_items(page: str) -> dict[str, str]:
    """The meeting's items: key (the row's data) -> the words the row's first cell
    reads."""
    rows = re.findall(r'<tr data-item="([^"]+)"><td>(.*?)</td>', page, re.S)
    return {
        html.unescape(key): html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
        for key, cell in rows
    }


@pytest.mark.parametrize("role", ["chair", "officer", "partner"])
def test_the_meeting_names_each_item_in_words(world: World, role: str) -> None:
    """The meeting listed its items and its taskings' items by key
    ("repeat_victim:P0002967", "cell:150m:E2714:N1911"), where the chair reads
    words: each reads as what it is ("Repeat victim P0002967 (victim 10 times in
    365 days)", "Place near ..., 150 m cell E2714 N1911"), the key kept as the
    row's data and the form's value; a partner's words carry pseudonyms only."""
    page = signed_in(world.app, role).get("/meeting", params={"hours": 168}).text
    items = _meeting_items(page)
    kinds = {key.split(":", 1)[0] for key in items}
    assert {"incident", "repeat_victim", "person", "cell"} <= kinds, kinds
    for key, words in items.items():
        kind, ident = key.split(":", 1)
        assert words.startswith(_KIND_WORDS[kind]), (key, words)
        assert key not in words, words
        if kind == "cell":
            assert "150 m cell E" in words, words
        else:
            assert f" {ident}" in words, (key, words)
        if kind == "repeat_victim":
            assert re.search(r"\(victim (once|\d+ times) in 365 days\)", words), words
    if role == "chair":  # the form sends the key
        offered = set(re.findall(r'name="item" value="([^"]+)"', page))
        assert offered
        assert offered <= set(items), offered - set(items)
    # the taskings' items too
    section = _taskings_section(page)
    # the words as read: an id in them is wrapped to stay on one line
    tasked = [
        (key, re.sub(r"<[^>]+>", "", words))
        for key, words in re.findall(
            r'data-label="Item" data-item="([^"]+)">(.*?)</td>', section
        )
    ]
    assert tasked, section[:1000]
    for key, words in tasked:
        assert key not in words, words
        assert "_" not in words, words
        assert words.startswith(tuple(_KIND_WORDS.values())), words
    # what is read, not the tags' data nor the free text users typed
    text = re.sub(r'<td[^>]*class="free"[^>]*>.*?</td>', " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    key = re.search(r"\b(repeat_victim|incident|person|cell|retaliation):", text)
    assert key is None, text[key.start() - 300 : key.end() + 100]
    if role == "partner":  # pseudonyms only
        shown = re.findall(r"\bP\d{7}\b", " ".join(items.values()))
        assert not set(shown) & world.person_ids, shown


@pytest.mark.parametrize("role", ["chair", "partner"])
def test_the_plan_names_each_actions_subject_in_words(world: World, role: str) -> None:
    """The plan's actions and its subjects under two boards read "person:P0033251",
    "place:150m:E2714:N1911", "cohort:secondary-schools-top-wards": each reads in
    words ("Person P0033251", "Place near ..., 150 m cell E2714 N1911", "Cohort:
    secondary schools top wards"), the key kept as the cell's data; a partner's ids
    are pseudonyms."""
    client = signed_in(world.app, role)
    page = client.get("/plan").text
    subjects = re.findall(
        r'<span class="subject" data-subject="([^"]+)">(.*?)</span></td>', page, re.S
    )
    assert subjects, page[:2000]
    words = {"person": "Person ", "place": "Place", "cohort": "Cohort: "}
    seen = set()
    for key, cell in subjects:
        kind, ident = html.unescape(key).split(":", 1)
        shown = html.unescape(re.sub(r"<[^>]+>", "", cell))
        seen.add(kind)
        assert f"{kind}:" not in shown, shown
        if kind in words:
            assert shown.startswith(words[kind]), shown
        if kind == "person":
            assert f'<span class="rec">{ident}</span>' in cell, cell
            assert (ident in world.person_ids) == (role == "chair"), ident
    assert {"person", "place", "cohort"} <= seen, seen
    text = re.sub(r"<[^>]+>", " ", page)
    assert not re.search(r"\b(person|place|cohort|area):\S", text)
    # the action's own page as well
    action = re.search(r'href="/plan/actions/([^"]+)"', page)
    assert action is not None
    one = client.get(f"/plan/actions/{action.group(1)}").text
    assert not re.search(
        r"\b(person|place|cohort|area):\S", re.sub(r"<[^>]+>", " ", one)
    )


def test_an_actions_page_names_its_objective_approach_and_statuses_in_words(
    world: World,
) -> None:
    """An action's page read "prevention / P1" (the objective's id alone), its
    approach as a bare "targeted" after the subject, its history "Status:
    in_progress → done", and the plan "27 d over": the objective's title, "targeted
    approach", "in progress" and "27 days overdue"."""
    client = signed_in(world.app, "chair")
    # an action whose history moved it from in progress (the demo's D03, to done)
    history = world.store.read_frame(
        "delivery_history", where=[("entity", "=", "action")]
    ).filter(
        pl.col("before_json").str.contains('"status": "in_progress"')
        & ~pl.col("after_json").str.contains('"status": "in_progress"')
    )
    moved = set(history["entity_id"].to_list())
    with_objective = _actions(world).filter(
        pl.col("action_id").is_in(list(moved)) & pl.col("objective_id").is_not_null()
    )
    assert with_objective.height, moved
    action = with_objective.row(0, named=True)
    page = html.unescape(client.get(f"/plan/actions/{action['action_id']}").text)
    objectives = world.store.read_frame("objectives")
    title = objectives.filter(pl.col("objective_id") == action["objective_id"])[
        "title"
    ][0]
    assert f"/ {action['objective_id']} {title}</td>" in page
    if action["approach"]:
        assert f"{action['approach']} approach" in page
    history = page[page.index('<section id="history">') :]
    assert "<b>Status</b>: in progress → " in history
    assert "in_progress" not in re.sub(r"<[^>]+>", " ", history)
    plan = html.unescape(client.get("/plan").text)
    assert " d over)" not in plan
    if "overdue" in plan:
        assert re.search(r"\(\d+ days? overdue\)", plan)


def test_an_area_subject_is_named_not_keyed_on_the_plan_and_its_page(
    world: World,
) -> None:
    """The example plan's A12 is of ``{type: area, id: london}``: the plan and the
    action page read "Area: London", not the key "Area: london"."""
    assert _action(world, "A12")["target_id"] == "london"
    client = signed_in(world.app, "chair")
    for url in ("/plan", "/plan/actions/A12"):
        text = client.get(url).text
        assert "Area: London" in text, url
        assert "Area: london" not in text, url


def test_a_place_subject_says_what_it_is_near_as_the_briefing_does(
    world: World,
) -> None:
    """The plan and the action page said "Place, 150 m cell E2715 N1913" where the
    meeting's item of the same place says "Place near ...": they name it alike."""
    places = _actions(world).filter(pl.col("target_type") == "place")
    assert places.height
    client = signed_in(world.app, "chair")
    board = client.get("/plan").text
    for action_id, cell in places.select("action_id", "target_id").iter_rows():
        page = client.get(f"/plan/actions/{action_id}").text
        subject = re.search(rf'data-subject="place:{cell}">([^<]*)', page)
        assert subject, action_id
        assert subject.group(1).startswith(("Place near ", "Place ")), subject
        assert " m from " in subject.group(1) or "near " in subject.group(1)
        assert subject.group(0) in board
    # a partner's places are pseudonyms: no name says where they are
    partner = signed_in(world.app, "partner").get("/plan").text
    assert 'data-subject="place:' in partner
    assert "Place near " not in partner
    assert " m from " not in partner


def test_each_actions_rag_cell_says_unrated_as_the_summary_counts_it(
    world: World,
) -> None:
    """The summary counted "3 unrated" but their RAG cells on the Plan and My
    actions were blank: a reader could not tell which three. Each now says
    unrated, as many as the summary counts."""
    page = signed_in(world.app, "chair").get("/plan").text
    summary = page.split('id="rag"')[1].split("</div>\n</div>")[0]
    counted = re.search(r"(\d+)</b>unrated", summary)
    assert counted, summary
    actions = page.split('id="actions"')[1].split("</table>")[0]
    cells = re.findall(r'<td data-label="RAG" class="free">(.*?)</td>', actions)
    assert cells
    assert all(c.strip() for c in cells), cells
    unrated = [c for c in cells if c.endswith("<b>unrated</b>")]
    assert len(unrated) == int(counted.group(1)) > 0
    stored = _actions(world).filter(pl.col("rag").is_null()).height
    assert len(unrated) == stored
    mine = signed_in(world.app, "partner").get("/plan/mine").text
    rags = re.findall(r'<td data-label="RAG">(.*?)</td>', mine)
    assert rags
    assert "" not in rags, rags


def test_organisations_read_by_name_and_keep_their_keys_in_the_forms(
    world: World,
) -> None:
    """Walked in a browser: the plan's lead filter, its by-organisation table and
    its actions read "nhs", "london-councils", and the meeting's taskings "(nhs)";
    they read "NHS", "London Councils", and the forms keep the keys."""
    client = signed_in(world.app, "chair")
    plan = client.get("/plan").text
    assert '<option value="nhs">NHS</option>' in plan
    assert '<option value="london-councils">London Councils</option>' in plan
    assert '<td data-label="Lead organisation">NHS' in plan
    assert re.search(r'<td data-label="Lead / owner">NHS / ', plan)
    assert not re.search(r">\s*(nhs|london-councils)\b", plan)
    meeting = client.get("/meeting").text
    organisations = set(re.findall(r'data-label="Who">[^<]*\(([^)<]*)\)</td>', meeting))
    assert organisations, "no tasking names its organisation"
    assert all(o[:1].isupper() for o in organisations), organisations


def test_an_action_without_evidence_says_so(world: World) -> None:
    """An action no one has given evidence for reads "None recorded." in its
    Evidence row, as the person page's empty sections do: the crawl
    (tests/web/crawl.py) found the row blank, which a partner cannot tell from a
    page that failed to show it."""
    actions = _actions(world)
    blank = actions.filter(
        pl.col("evidence").is_null() | (pl.col("evidence").str.strip_chars() == "")
    )
    assert blank.height, "the demo's plan has no action without evidence"
    action_id = blank["action_id"][0]
    page = signed_in(world.app, "chair").get(f"/plan/actions/{action_id}").text
    row = re.search(r"<tr><th>Evidence</th><td[^>]*>(.*?)</td></tr>", page, re.S)
    assert row, "no Evidence row"
    assert "None recorded." in row.group(1)
