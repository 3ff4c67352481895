"""JSON answers go gzip-compressed to a client that accepts it; HTML pages do not.

briefing.json measured 17-35 MB at force scale, and the briefing API's first page
of a London month 0.5 MB: partners read them over slow links. JSON compresses
about fifteen-fold (the same reasons and labels item after item,
benchmarks/briefing_json_size.py). HTML pages stay uncompressed: each carries the
session's CSRF token beside text taken from the request, which compression would
open to BREACH (avert.web.app.GZIP_EXCLUDED).
"""

from __future__ import annotations

import json

from web.helpers import World, signed_in

GZIP = {"Accept-Encoding": "gzip"}


def test_the_briefing_api_answers_compact_json_gzip_compressed(world: World) -> None:
    client = signed_in(world.app, "chair")
    answer = client.get("/api/v1/briefing", headers=GZIP)
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in answer.headers["vary"].lower()
    assert int(answer.headers["content-length"]) < len(answer.content) / 3
    data = answer.json()  # decompressed by the client
    assert data["incidents"]
    # no whitespace between tokens, as briefing.json
    assert answer.text == json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    plain = client.get("/api/v1/briefing", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.json() == data


def test_html_pages_are_not_compressed(world: World) -> None:
    """The CSRF token beside reflected text: BREACH (CVE-2013-3587)."""
    client = signed_in(world.app, "chair")
    page = client.get("/today", headers=GZIP)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert len(page.content) > 1_000  # big enough to be compressed otherwise
    assert "content-encoding" not in page.headers
