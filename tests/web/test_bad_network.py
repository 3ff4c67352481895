"""The meeting and Today on a bad network: refusals announced, an ended session sends
the form's user to sign in, and a window change keeps its link."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from avert.workflows.users import add_user
from web.helpers import PASSWORD, World, csrf_of, signed_in


def test_a_refusal_on_the_meeting_and_action_pages_is_announced(world: World) -> None:
    """The message of a refused "Task this" or action change appeared as plain text
    on the reloaded page: a screen reader did not say that the change was refused."""
    client = signed_in(world.app, "chair")
    page = client.get("/meeting")
    refused = client.post(
        "/meeting/task",
        data={"csrf_token": csrf_of(page.text), "item": "incident:NOPE", "what": "x"},
    )
    error = re.search(r'<p [^>]*id="meeting-error"[^>]*>', refused.text)
    assert error, refused.text[-500:]
    assert 'role="alert"' in error.group(0)
    action = client.post(
        "/plan/actions/A05",
        data={"csrf_token": csrf_of(page.text), "rag": "red", "rag_reason": ""},
    )
    error = re.search(r'<p [^>]*id="action-error"[^>]*>', action.text)
    assert error, action.text[-500:]
    assert 'role="alert"' in error.group(0)


def test_done_after_the_session_ended_asks_to_sign_in_and_saves_nothing(
    world: World,
) -> None:
    """A chair's "Done" sent after the session had ended (signed out in another
    tab) answered 403 "Not allowed: the form's security token is missing or out of
    date", as if the chair were refused; it now goes to the sign-in page, and the
    result is not saved either way."""
    add_user(world.store, "late-chair", password=PASSWORD, role="chair")
    client = signed_in(world.app, "late-chair")
    page = client.get("/meeting")
    open_ids = re.findall(r'action="/meeting/taskings/([^"]+)"', page.text)
    assert open_ids, "needs an open tasking on the meeting"
    other = signed_in(world.app, "late-chair")
    other.post("/logout", data={"csrf_token": csrf_of(other.get("/today").text)})
    world.app.state.accounts.clear()  # the account cache would keep it 5 s
    answer = client.post(
        f"/meeting/taskings/{open_ids[0]}",
        data={"csrf_token": csrf_of(page.text), "result": "seen, all well"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text[:300]
    assert answer.headers["location"] == "/login"
    row = world.store.read_frame("taskings", where=[("tasking_id", "=", open_ids[0])])
    assert row["result"][0] != "seen, all well"
    # a form sent without any session is answered the same
    anonymous = TestClient(world.app)
    answer = anonymous.post(
        "/meeting/task", data={"item": "incident:X"}, follow_redirects=False
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login"


def test_a_window_change_puts_its_window_in_the_address_bar(world: World) -> None:
    """After the briefing's window changed (htmx), the address stayed /today: a
    reload, Back or a copied link gave the default window, not the one shown."""
    client = signed_in(world.app, "chair")
    answer = client.get(
        "/today/briefing",
        params={"at": "2026-11-20T06:00", "hours": "72", "area": ""},
        headers={"HX-Request": "true"},
    )
    assert answer.status_code == 200
    pushed = urlsplit(answer.headers.get("HX-Push-Url", ""))
    assert pushed.path == "/today"
    assert parse_qs(pushed.query) == {"at": ["2026-11-20T06:00"], "hours": ["72"]}
    page = client.get(answer.headers["HX-Push-Url"])
    assert 'value="20 Nov 2026 06:00"' in page.text  # the field in the app's words
    assert 'value="72"' in page.text
    # a refused window is not pushed: the address keeps the window shown
    refused = signed_in(world.app, "officer-e").get(
        "/today/briefing", params={"area": "AREA-W"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 403
    assert "HX-Push-Url" not in refused.headers
    # the pages keep no copy of a briefing in the browser's storage for Back
    assert '"historyCacheSize": 0' in page.text


def test_an_opened_record_reloads_and_comes_back_audited_each_time(
    world: World,
) -> None:
    """A person's record was the answer of its purpose form (a POST): Back to it
    from a family member's page gave the browser's "Confirm Form Resubmission"
    (ERR_CACHE_MISS) and a reload asked to send the form again. The form now
    redirects to the record's own page, which shows the record this session
    opened last, audited with the purpose stated, at every showing."""
    client = signed_in(world.app, "analyst")
    first, second = sorted(world.person_ids)[3:5]
    token = csrf_of(client.get(f"/people/{first}").text)
    sent = client.post(
        f"/people/{first}",
        data={"csrf_token": token, "purpose": "meeting: back and reload"},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/people/{first}"
    before = len(_views(world, first))
    for _ in range(2):  # the redirect's page, then a reload (or Back)
        page = client.get(f"/people/{first}")
        assert 'id="history"' in page.text
    shown = _views(world, first)[before:]
    assert shown == ["meeting: back and reload"] * 2
    # another person's page still asks for a purpose first, and shows nothing
    other = client.get(f"/people/{second}")
    assert 'name="purpose"' in other.text
    assert 'id="history"' not in other.text
    # a new session opens nothing without a purpose
    fresh = signed_in(world.app, "analyst").get(f"/people/{first}")
    assert 'id="history"' not in fresh.text


def _views(world: World, person: str) -> list[str]:
    audit = world.store.read_frame("audit", order_by=["seq"])
    rows = audit.filter(
        (audit["object"] == f"person:{person}") & (audit["action"] == "view")
    )
    return [str(r) for r in rows["reason"].to_list()]


def test_an_opened_record_of_a_long_purpose_outside_ascii_still_opens(
    world: World,
) -> None:
    """The session cookie keeps the purpose of the record opened last, cut at 1000
    characters; but the cookie writes each character outside ASCII as six bytes
    (JSON's \\uXXXX), so 1000 of them made a cookie of 8 KB, which browsers refuse
    (4 KB at most): the old session stayed, and the redirect asked for the purpose
    again, for ever. The kept purpose is cut to fit; the record opens."""
    client = signed_in(world.app, "analyst")
    person = sorted(world.person_ids)[5]
    purpose = "Gwiriad ŵyr ŷd " + "é" * 985
    token = csrf_of(client.get(f"/people/{person}").text)
    sent = client.post(
        f"/people/{person}",
        data={"csrf_token": token, "purpose": purpose},
        follow_redirects=False,
    )
    cookie = sent.headers["set-cookie"].split(";")[0]
    assert len(cookie) <= 4096, len(cookie)
    before = len(_views(world, person))
    page = client.get(f"/people/{person}")
    assert 'id="history"' in page.text
    (shown,) = _views(world, person)[before:]
    assert shown.endswith("...")
    assert purpose.startswith(shown.removesuffix("..."))


def test_the_session_cookie_stays_under_4_kb_with_a_long_purpose_and_flash(
    world: World,
) -> None:
    """The session keeps the purpose of the record opened last (up to 2,000 bytes
    of JSON) and the message for the next page (up to 500 characters, six bytes
    each outside ASCII): together they made a cookie of 6 KB or more, which
    browsers refuse (4 KB), keeping the old session. The message is now cut (with
    "...") to what the session has room for: every cookie stays under 4,096 bytes,
    and the meeting still shows the message and the record still opens."""
    client = signed_in(world.app, "chair")
    person = sorted(world.person_ids)[7]
    token = csrf_of(client.get(f"/people/{person}").text)
    cookies = [
        client.post(
            f"/people/{person}",
            data={"csrf_token": token, "purpose": "Prüfung " + "ŵ" * 2000},
            follow_redirects=False,
        ).headers.get_list("set-cookie")
    ]
    # a tasking whose result the "already closed" message repeats, outside ASCII
    item, result = "cell:150m:E-777:N777", "Patrouille à " + "é" * 1500
    sent = client.post(
        "/meeting/task",
        data={"csrf_token": token, "item": item, "what": "Patrol"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text[:300]
    cookies.append(sent.headers.get_list("set-cookie"))
    made = world.store.read_frame("taskings", where=[("item_id", "=", item[5:])])
    tasking_id, version = made["tasking_id"][0], str(made["version"][0])
    for _ in range(2):  # the second, from the same page, is refused
        sent = client.post(
            f"/meeting/taskings/{tasking_id}",
            data={"csrf_token": token, "result": result, "version": version},
            follow_redirects=False,
        )
        assert sent.status_code == 303, sent.text[:300]
        cookies.append(sent.headers.get_list("set-cookie"))
    # the long message came with the session: shown on the meeting, cut
    page = client.get(sent.headers["location"])
    assert page.status_code == 200
    cookies.append(page.headers.get_list("set-cookie"))
    sizes = [len(header) for headers in cookies for header in headers]
    assert len(sizes) == 5, sizes
    assert max(sizes) < 4096, sizes
    assert f"Tasking {tasking_id} was already closed (done)" in page.text
    assert "éé..." in page.text
    # and the record still opens with the purpose kept
    assert 'id="history"' in client.get(f"/people/{person}").text
