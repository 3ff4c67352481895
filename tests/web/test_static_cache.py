"""Static files are cached under the URL of their content; nothing else is.

Every answer was ``Cache-Control: no-store``, static files included: each page of
the daily meeting fetched the stylesheet and htmx again. Pages, the API and the
exports hold personal data and stay ``no-store``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from avert.web.app import CSP, SecurityHeaders
from avert.web.static_files import StaticVersions
from web.helpers import World, sign_in_page, signed_in

IMMUTABLE = "public, max-age=31536000, immutable"
STATIC_LINK = re.compile(r'(?:href|src)="(/static/[^"]*)"')
STATIC_FILES = ("avert.css", "favicon.svg", "htmx.min.js", "avert.js")


def _version(name: str) -> str:
    """A static file's version as the test reckons it: its bytes' SHA-256."""
    data = files("avert.web").joinpath("static", name).read_bytes()
    return hashlib.sha256(data).hexdigest()[:12]


def _links(html: str) -> list[str]:
    return STATIC_LINK.findall(html)


def test_a_pages_static_links_name_their_content(world: World) -> None:
    """Each link to a static file carries its bytes' hash (the page before: bare
    ``/static/avert.css``), on the sign-in page and a signed-in page alike."""
    client = signed_in(world.app, "analyst")
    for url in ("/login", "/today"):
        links = _links(client.get(url).text)
        assert sorted(links) == sorted(
            f"/static/{name}?v={_version(name)}" for name in STATIC_FILES
        ), (url, links)


def test_only_static_files_under_their_version_are_cached(world: World) -> None:
    """The page's static URLs are cached a year, with every other security header
    unchanged; the page itself, the API, the audit CSV and an error stay
    ``no-store``."""
    client = signed_in(world.app, "analyst")
    links = _links(client.get("/today").text)
    assert links
    for link in links:
        answer = client.get(link)
        assert answer.status_code == 200, link
        assert answer.headers["cache-control"] == IMMUTABLE, link
        assert answer.headers["content-security-policy"] == CSP
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["referrer-policy"] == "no-referrer"
    admin = signed_in(world.app, "admin")
    personal = {
        "/today": client,
        "/incidents": client,
        "/api/v1/incidents": client,
        "/api/v1/briefing": client,
        "/audit.csv": admin,
        "/no-such-page": client,
    }
    for url, who in personal.items():
        answer = who.get(url)
        assert answer.status_code in (200, 404), (url, answer.status_code)
        assert answer.headers.get_list("cache-control") == ["no-store"], url


def test_a_static_url_without_its_version_is_revalidated(world: World) -> None:
    """The bare URL (an old page's) or a wrong version is kept only to be asked
    again (``no-cache``: a 304 when unchanged), never a year under a URL that does
    not name the file; a missing file stays ``no-store``."""
    client = TestClient(world.app)
    bare = client.get("/static/avert.css")
    assert bare.status_code == 200
    assert bare.headers["cache-control"] == "no-cache"
    again = client.get(
        "/static/avert.css", headers={"if-none-match": bare.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"
    wrong = client.get("/static/avert.css?v=000000000000")
    assert wrong.headers["cache-control"] == "no-cache"
    padded = client.get(f"/static/avert.css?v={_version('avert.css')}&x=1")
    assert padded.headers["cache-control"] == "no-cache"
    missing = client.get(f"/static/nothing.css?v={_version('avert.css')}")
    assert missing.status_code == 404
    assert missing.headers["cache-control"] == "no-store"


async def _sets_a_cookie(scope: Scope, receive: Receive, send: Send) -> None:
    response = Response("x", headers={"set-cookie": "avert_session=someone"})
    await response(scope, receive, send)


def test_a_cached_answer_carries_no_session() -> None:
    """A session cookie on a static answer kept by a shared cache would go to the
    next reader: it is dropped from a cached answer, kept on a page's."""
    client = TestClient(SecurityHeaders(_sets_a_cookie, StaticVersions()))
    kept = client.get(f"/static/avert.css?v={_version('avert.css')}")
    assert kept.headers["cache-control"] == IMMUTABLE
    assert "set-cookie" not in kept.headers
    page = client.get("/today")
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["set-cookie"] == "avert_session=someone"


def test_a_changed_file_gets_another_url(tmp_path: Path) -> None:
    """One byte more in the stylesheet: its URL changes, the others' do not."""
    folder = tmp_path / "static"
    shutil.copytree(str(files("avert.web").joinpath("static")), folder)
    with (folder / "avert.css").open("a") as css:
        css.write("\n")
    before, after = StaticVersions(), StaticVersions(folder)
    assert before.url("avert.css") == f"/static/avert.css?v={_version('avert.css')}"
    assert after.url("avert.css") != before.url("avert.css")
    assert after.url("htmx.min.js") == before.url("htmx.min.js")


class _Counting:
    """The app, with the paths of the requests that reached it counted."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(str(scope["path"]))
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def counted(world: World) -> Iterator[tuple[str, _Counting]]:
    """The world's app behind a request counter, served by uvicorn in a thread."""
    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = _Counting(world.app)
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
def test_a_second_page_fetches_no_static_file(
    counted: tuple[str, _Counting], browser: object
) -> None:
    """Chromium asks the server for the CSS and the scripts on the first page
    only: the next page (another one, and the same again) takes them from its
    cache."""
    base_url, app = counted
    page, errors = sign_in_page(browser, base_url, "analyst")
    page.goto(f"{base_url}/incidents")  # type: ignore[attr-defined]
    app.paths.clear()
    for url in ("/today", "/incidents"):
        page.goto(f"{base_url}{url}")  # type: ignore[attr-defined]
        page.wait_for_load_state("load")  # type: ignore[attr-defined]
    asked = [p for p in app.paths if p.startswith("/static/")]
    assert [p for p in app.paths if not p.startswith("/static/")] == [
        "/today",
        "/incidents",
    ]
    assert asked == [], asked
    assert errors == [], errors
    page.close()  # type: ignore[attr-defined]
