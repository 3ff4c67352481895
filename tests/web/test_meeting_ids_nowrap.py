"""The Meeting page keeps each id and pseudonym of an item on one line: a crawl at
390 px read "P-" at the end of a line and "55734B45BFB9" at the start of the next
(a browser breaks after a hyphen)."""

from __future__ import annotations

import re

from markupsafe import Markup

from avert.web.filters import nobreak_ids
from web.helpers import World, signed_in

PSEUDONYM = re.compile(r"[A-Z]-[0-9A-F]{12}")


def test_a_partners_meeting_items_keep_each_pseudonym_whole(world: World) -> None:
    page = signed_in(world.app, "partner").get("/meeting").text
    items = re.findall(r'<b class="item">(.*?)</b>', page, flags=re.S)
    named = [i for i in items if PSEUDONYM.search(i)]
    assert named, "the demo's meeting lists items naming a pseudonym"
    for item in named:
        bare = re.sub(r'<span class="rec">[^<]*</span>', "", item)
        assert not PSEUDONYM.search(bare), item


def test_the_filter_escapes_the_text_around_and_inside_the_span() -> None:
    text = "<b>Person</b> P-55734B45BFB9 & P0000002's, 3 incidents"
    shown = nobreak_ids(text)
    assert isinstance(shown, Markup)
    assert shown == (
        '&lt;b&gt;Person&lt;/b&gt; <span class="rec">P-55734B45BFB9</span> '
        '&amp; <span class="rec">P0000002</span>&#39;s, 3 incidents'
    )
    assert nobreak_ids(None) == ""
    assert nobreak_ids("self-harm, no id") == "self-harm, no id"
