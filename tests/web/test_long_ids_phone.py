"""On a phone, a record id longer than the screen is wide (data.police.uk's Crime ID,
64 hexadecimal characters) does not widen the page.

Every id is kept on one line (``.rec``, white-space: nowrap) so that a short one
("P-55734B45BFB9") is never read as two; on West Yorkshire's July 2018 at 375 px,
the 64-character Crime IDs made Today, Incidents and the Meeting 430 px wide (the
whole page scrolled sideways). The demo's ids are short, so the crawl never saw it.
An id now breaks only where it is wider than the whole line.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from web.helpers import city_month_app, sign_in_page

#: the width of the screen (px) and the paths looked at, with the part of the
#: page their ids are in
WIDTH = 375
PAGES = ("/today", "/incidents", "/meeting")

_LONGEST_REC = """() => Math.max(0, ...[...document.querySelectorAll('main .rec')]
    .map(e => e.textContent.trim().length))"""


@pytest.fixture(scope="module")
def month_url(
    tmp_path_factory: pytest.TempPathFactory, city_month: Path
) -> Iterator[str]:
    """The web app over City of London's June 2019 (police.uk Crime IDs), served by
    uvicorn in a thread."""
    import uvicorn

    app = city_month_app(tmp_path_factory.mktemp("long-ids"), city_month)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.browser
@pytest.mark.parametrize("path", PAGES)
def test_a_police_uk_crime_id_does_not_widen_a_phones_page(
    month_url: str, browser: object, path: str
) -> None:
    page, errors = sign_in_page(browser, month_url, "analyst")
    page.set_viewport_size({"width": WIDTH, "height": 800})  # type: ignore[attr-defined]
    page.goto(f"{month_url}{path}")  # type: ignore[attr-defined]
    longest = page.evaluate(_LONGEST_REC)  # type: ignore[attr-defined]
    assert longest >= 64, f"no police.uk Crime ID on {path}: nothing to fit"
    overflow = page.evaluate(  # type: ignore[attr-defined]
        "document.documentElement.scrollWidth - window.innerWidth"
    )
    assert overflow <= 1, f"{path} is {overflow} px wider than the phone"
    assert errors == [], errors
    page.close()  # type: ignore[attr-defined]
