"""A count of one reads in the singular on the pages a meeting reads."""

from __future__ import annotations

import html
import re

from web.helpers import World, signed_in


def test_a_count_of_one_is_said_in_the_singular(world: World) -> None:
    """Walked in a browser on the demo as a partner: the meeting read "1 linked
    people may retaliate" and "victim again in the window (1 incident(s), ...)";
    the briefing's reasons count with their noun, singular for one."""
    texts = []
    for who in ("partner", "chair"):
        client = signed_in(world.app, who)
        for path in ("/meeting", "/today"):
            page = client.get(path)
            assert page.status_code == 200, (who, path)
            texts.append(html.unescape(page.text))
    text = "\n".join(texts)
    assert "(s)" not in re.sub(r"group\(s\)", "", text), re.findall(
        r".{40}\(s\).{20}", text
    )[:5]
    assert not re.search(r"\b1 linked people\b", text)
    assert re.search(r"\b1 linked person may retaliate\b", text)
    assert re.search(r"victim again in the window \(1 incident, harm", text)
