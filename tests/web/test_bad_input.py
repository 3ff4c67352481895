"""Out-of-range and malformed page parameters: a 4xx page that says why, never a 500.

Found by using the app: the meeting's window length, the board pages' month and
FastAPI's own validation (a page answered its raw JSON) were not guarded.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from web.helpers import World, csrf_of, signed_in

BAD = [
    "/meeting?hours=99999999",
    "/meeting?hours=-5",
    "/performance?month=0001-01",
    "/performance?month=9999-12",
    "/equality?month=0001-01",
    "/today?hours=abc",
    "/performance?target=abc",
]


@pytest.mark.parametrize("path", BAD)
def test_a_bad_parameter_is_answered_with_a_page_not_a_500(
    world: World, path: str
) -> None:
    chair = signed_in(world.app, "chair")
    response = chair.get(path)
    assert response.status_code < 500, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    assert "Traceback" not in response.text


def test_the_meeting_window_is_the_briefing_window(world: World) -> None:
    chair = signed_in(world.app, "chair")
    page = chair.get("/meeting?hours=-5")
    assert page.status_code == 200
    # Read from the page (the gzip middleware drops the template context
    # Starlette's test client would otherwise attach): the window used is named.
    assert "showing 1 hour instead" in " ".join(page.text.split())


def test_a_malformed_api_parameter_keeps_the_api_error_shape(world: World) -> None:
    from avert.workflows.users import issue_token

    token = issue_token(world.store, "chair")
    response = signed_in(world.app, "chair").get(
        "/api/v1/briefing?hours=abc", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["ok"] is False
    assert body["status"] == 422
    assert "hours" in body["error"]


SPOOF = "Your account is locked: call 0800 000 000 to re-verify"


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/today", {"at": SPOOF}),
        ("/incidents", {"from": SPOOF}),
        ("/audit", {"since": SPOOF}),
        ("/api/v1/briefing", {"at": SPOOF}),
        ("/performance", {"month": SPOOF}),
        ("/performance", {"target": "-10", "target_by": SPOOF}),
    ],
)
def test_a_bad_parameter_is_not_repeated_on_the_page(
    world: World, path: str, params: dict[str, str]
) -> None:
    """The 400 page repeated the bad value ("Not a date and time: 'Your account is
    locked: call ...'"): a link could put its words on avert's own page (content
    spoofing). It now says what was expected, not what was sent."""
    admin = signed_in(world.app, "admin")
    response = admin.get(path, params=params)
    assert response.status_code == 400, response.text[:300]
    assert "0800" not in response.text
    assert "use e.g." in response.text


def test_a_refused_area_is_not_repeated_on_the_page(world: World) -> None:
    """An officer of one area asking for another was told the other area's name as
    sent ("may not view-today area 'Your account is locked ...'")."""
    officer = signed_in(world.app, "officer-e")
    response = officer.get("/today", params={"area": SPOOF})
    assert response.status_code == 403
    assert "0800" not in response.text
    assert "may not view-today another area" in response.text


def test_the_performance_form_as_sent_with_no_target_shows_the_page(
    world: World,
) -> None:
    """The form sends its empty Target fields as ``target=&target_by=``: "Show" was
    answered 422 ("target: Input should be a valid number") unless a target was
    typed. Empty fields mean no target; half a target is refused with why."""
    board = signed_in(world.app, "board")
    shown = board.get(
        "/performance",
        params={"by": "", "measure": "count", "target": "", "target_by": ""},
    )
    assert shown.status_code == 200, shown.text[:500]
    half = board.get("/performance", params={"target": "-0.1", "target_by": ""})
    assert half.status_code == 400
    assert "needs both its change" in half.text
    typed = board.get(
        "/performance", params={"target": "-0.1", "target_by": "2027-03-31"}
    )
    assert typed.status_code == 200
    assert 'name="target" value="-0.1"' in typed.text


def test_a_target_below_minus_one_is_refused(world: World) -> None:
    """``target=-10`` (meant as -10 %) drew a path to -900 % of the baseline, far
    below zero; a change is a share, -1 or more."""
    board = signed_in(world.app, "board")
    params = {"target": "-10", "target_by": "2027-03-31"}
    response = board.get("/performance", params=params)
    assert response.status_code == 400, response.text[:300]
    assert "-1 or more" in response.text


def test_an_incident_search_from_after_to_says_so(world: World) -> None:
    """From after To searched an empty window and answered "0 found. No incidents
    in the definition match", as if there were none; page and API now say why."""
    chair = signed_in(world.app, "chair")
    params = {"from": "2026-11-24T00:00", "to": "2026-11-01T00:00"}
    page = chair.get("/incidents", params=params)
    assert page.status_code == 400
    assert "From must be before To" in page.text
    api = chair.get("/api/v1/incidents", params=params)
    assert api.status_code == 400
    assert api.json()["error"] == "From must be before To"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/today?area=x%00y", None),
        ("get", "/incidents?area=E%0001", None),
        ("post", "/meeting/task", {"item": "incident:X", "what": "visit\x00now"}),
        ("post", "/people/P0000001", {"purpose": "a review\x00 of the case"}),
        ("post", "/plan/actions/A01", {"evidence": "seen\x00"}),
    ],
    ids=["today-area", "incidents-area", "tasking", "purpose", "evidence"],
)
def test_a_nul_character_is_refused_with_a_page(
    world: World, method: str, path: str, data: dict[str, str] | None
) -> None:
    """PostgreSQL cannot store or compare text with a NUL (U+0000): a request with
    one in a parameter or a form field was a 500 there ("invalid byte sequence for
    encoding UTF8: 0x00", the purpose and the tasking unsaved, the audit row lost)
    while SQLite stored it. Both stores now answer 400, saying why, store nothing."""
    chair = signed_in(world.app, "chair")
    token = csrf_of(chair.get("/plan").text)
    before = world.store.count("audit"), world.store.count("taskings")
    if method == "get":
        response = chair.get(path)
    else:
        response = chair.post(
            path, data={**(data or {}), "csrf_token": token}, follow_redirects=False
        )
    assert response.status_code == 400, response.text[:300]
    assert "NUL" in response.text
    assert (world.store.count("audit"), world.store.count("taskings")) == before


def test_a_nul_character_in_the_sign_in_is_refused(world: World) -> None:
    client = TestClient(world.app)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "chair\x00",
            "password": "x",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert response.status_code == 400, response.text[:300]


def test_the_areas_field_keeps_a_name_with_a_comma_whole(world: World) -> None:
    """The Areas field showed the areas asked joined with ", ": "Bristol, City
    of,Mendip" came back as "Bristol, City of, Mendip", three names or two? They
    come back as "Bristol, City of; Mendip", which the field reads as given."""
    chair = signed_in(world.app, "chair")
    for asked in ("Bristol, City of,Mendip", "Bristol, City of; Mendip"):
        page = chair.get("/equality", params={"areas": asked})
        assert page.status_code < 500, page.text[:300]
        assert 'value="Bristol, City of; Mendip"' in page.text, asked


def test_an_unknown_incident_flag_is_refused_naming_the_flags(world: World) -> None:
    """``/incidents?flag=weapons`` (a hand-typed link, one letter off) listed every
    incident as if no flag were asked for, silently. Page and API now refuse it
    (400), naming the flags there are and not echoing what was sent."""
    chair = signed_in(world.app, "chair")
    for sent in ("weapons", "<i>x</i>" * 500):
        page = chair.get("/incidents", params={"flag": sent})
        assert page.status_code == 400, page.text[:300]
        assert "Flag: unknown; the flags are weapon, domestic, hate, gang_related" in (
            page.text
        )
        assert "<i>x</i>" not in page.text
        api = chair.get("/api/v1/incidents", params={"flag": sent})
        assert api.status_code == 400
        assert "unknown" in api.json()["error"]
    assert chair.get("/incidents", params={"flag": "weapon"}).status_code == 200
    assert chair.get("/incidents", params={"flag": ""}).status_code == 200


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"target": "-0.15", "target_by": ""}, "needs both its change"),
        ({"target": "-5", "target_by": "2027-03-31"}, "-1 or more"),
        ({"target": "-0.15", "target_by": "2027-03-31", "month": "0001-01"}, "year"),
    ],
)
def test_a_refused_performance_form_comes_back_as_typed(
    world: World, params: dict[str, str], reason: str
) -> None:
    """A Target change typed without its date (or out of range) was answered with
    the error page: no form, only "Back to Today". The Performance page comes back
    with its form as typed and the reason above it, nothing computed."""
    board = signed_in(world.app, "board")
    sent = {"by": "borough", "measure": "harm", "month": "2026-10", **params}
    page = board.get("/performance", params=sent)
    assert page.status_code == 400, page.text[:300]
    assert 'id="performance-error" role="alert"' in page.text
    assert reason in page.text
    assert '<form method="get" action="/performance"' in page.text
    assert f'name="target" value="{params["target"]}"' in page.text
    assert '<option value="borough" selected>' in page.text
    assert '<option value="harm" selected>' in page.text
    assert f'name="month" value="{sent["month"]}"' in page.text
    assert "Rate ratio" not in page.text  # no verdicts computed


def test_a_refused_performance_form_keeps_no_text_of_a_link(world: World) -> None:
    """Fields that are not of their kind are left empty, not filled with what a
    link sent: avert's page shows no words of the link's (content spoofing)."""
    board = signed_in(world.app, "board")
    params = {"target": SPOOF, "target_by": SPOOF, "month": SPOOF, "by": SPOOF}
    page = board.get("/performance", params=params)
    assert page.status_code == 400
    assert "0800" not in page.text
    assert 'name="target" value=""' in page.text


def test_a_census_year_not_held_answers_with_the_equality_form(world: World) -> None:
    """``/equality?census=1901`` (typed into the address) answered a bare "Error
    400" page whose only way on was "Back to Today"; it is the Equality page, its
    form as sent (the census field on its default), the reason above it."""
    chair = signed_in(world.app, "chair")
    page = chair.get(
        "/equality", params={"census": "1901", "month": "2026-10", "areas": "Leeds"}
    )
    assert page.status_code == 400, page.text[:300]
    text = page.text
    assert '<form method="get" action="/equality"' in text
    assert re.search(
        r'<p class="error" id="equality-error" role="alert">Census year: no '
        r"residents by ethnic group of that year \(held: [^)]+\)</p>",
        text,
    ), text[-3000:]
    assert "Back to Today" not in text
    assert 'value="2026-10"' in text
    assert 'value="Leeds"' in text
    assert "1901" not in text
    assert '<option value="" selected>' in text


@pytest.mark.parametrize(
    ("path", "used"),
    [("/today?hours=0", 1), ("/today?hours=100000", 744), ("/meeting?hours=-5", 1)],
)
def test_an_out_of_range_window_is_said_not_silently_changed(
    world: World, path: str, used: int
) -> None:
    """The API refuses hours outside 1 to 744 (422); the page used the nearest
    without a word: it says the value typed and the one it shows."""
    chair = signed_in(world.app, "chair")
    page = chair.get(path)
    assert page.status_code == 200
    typed = path.rsplit("=", 1)[1]
    assert f"Hours {typed} is out of range (1 to 744)" in page.text
    assert f"showing {used} hour" in page.text


def test_the_out_of_range_note_reaches_the_htmx_fragment(world: World) -> None:
    chair = signed_in(world.app, "chair")
    fragment = chair.get("/today/briefing?hours=0", headers={"HX-Request": "true"})
    assert "Hours 0 is out of range (1 to 744): showing 1 hour instead" in fragment.text
    # the same window of 1 hour typed in range says nothing (a cached fragment
    # of the same briefing must not carry the note over)
    assert "out of range" not in chair.get("/today?hours=1").text
