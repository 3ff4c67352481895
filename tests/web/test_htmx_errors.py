"""htmx requests that are refused or invalid answer a fragment with the message.

htmx swaps 4xx answers into the form's target (``responseHandling`` in
``base.html``), so the answer must be the message alone, with its status: a whole
error page would put a page inside the page.
"""

from __future__ import annotations

import pytest

from web.helpers import World, signed_in

HX = {"HX-Request": "true"}


def test_htmx_403_is_a_fragment_with_the_reason(world: World) -> None:
    client = signed_in(world.app, "officer-e")
    r = client.get("/today/briefing?area=AREA-W", headers=HX)
    assert r.status_code == 403
    assert 'role="alert"' in r.text
    assert "Not allowed" in r.text
    assert "<nav" not in r.text
    assert "<html" not in r.text
    # the same refusal outside htmx is still a whole page
    page = client.get("/today?area=AREA-W")
    assert page.status_code == 403
    assert "<nav" in page.text


def test_htmx_422_is_a_fragment_naming_the_bad_value(world: World) -> None:
    client = signed_in(world.app, "chair")
    r = client.get("/today/briefing?hours=many", headers=HX)
    assert r.status_code == 422
    assert 'id="error-422"' in r.text
    assert "hours" in r.text
    assert "<nav" not in r.text


def test_pages_tell_htmx_to_swap_error_answers(world: World) -> None:
    html = signed_in(world.app, "chair").get("/today").text
    assert '"[45]..", "swap": true, "error": true' in html


def test_htmx_request_after_the_session_ended_leaves_for_the_sign_in(
    world: World,
) -> None:
    """A window change after the session had ended (idle, signed out elsewhere) was
    redirected inside the htmx request, which swapped the whole sign-in page, with
    its own header and footer, into the briefing. The answer now tells htmx to
    take the browser to the sign-in page (``HX-Redirect``) and holds no page."""
    from fastapi.testclient import TestClient

    anonymous = TestClient(world.app)
    r = anonymous.get("/today/briefing?hours=48", headers=HX, follow_redirects=False)
    assert r.headers.get("HX-Redirect") == "/login"
    assert "<html" not in r.text
    assert "Sign in" not in r.text
    # without htmx the page still redirects as before
    page = anonymous.get("/today", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login"


def test_the_briefing_opened_without_htmx_is_the_whole_page(world: World) -> None:
    """``/today/briefing`` opened directly (a link, a new tab) was the bare htmx
    fragment: no header, navigation or style. It is the page of Today now; htmx
    still gets the fragment alone."""
    client = signed_in(world.app, "chair")
    page = client.get("/today/briefing?hours=48")
    assert page.status_code == 200
    assert "<nav" in page.text
    assert 'id="briefing"' in page.text
    assert 'value="48"' in page.text
    fragment = client.get("/today/briefing?hours=48", headers=HX)
    assert "<nav" not in fragment.text


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/today?hours=abc", "hours: not a whole number"),
        ("/today/briefing?hours=1.5", "hours: not a whole number"),
        ("/meeting?hours=many", "hours: not a whole number"),
        ("/api/v1/briefing?hours=0", "hours: must be 1 or more"),
    ],
)
def test_a_bad_query_value_is_said_in_avert_words(
    world: World, path: str, named: str
) -> None:
    """``/today?hours=abc`` showed the framework's wording ("Input should be a
    valid integer, unable to parse string as an integer"); avert says which
    parameter and what it should be, on its own page (with the navigation)."""
    answer = signed_in(world.app, "chair").get(path)
    assert answer.status_code == 422
    assert named in answer.text
    assert "Input should" not in answer.text
    if not path.startswith("/api/"):
        assert "<nav" in answer.text
