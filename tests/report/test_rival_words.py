"""A retaliation alert's rivals in words, not a network id alone."""

from __future__ import annotations

import html
import re

from avert.report.render import environment


def _rivals(alert: dict[str, object]) -> str:
    page = (
        environment()
        .from_string('{% import "_macros.html" as m %}{{ m.rivals(a) }}')
        .render(a=alert)
    )
    return html.unescape(re.sub(r"<[^>]+>", "", page)).strip()


def test_a_detected_network_is_said_with_its_size_naming_no_member() -> None:
    """Walked in a browser: the Rivals column read "net-P0006230" alone; it says
    what the group is and keeps its id, the record's data, naming no member apart
    from the id (a person named would be a person shown, outside the audit)."""
    alert = {"rival_groups": ["net-P0006230", "R1"], "rival_group_sizes": [16, 1]}
    assert _rivals(alert) == (
        "network of 16 people found by co-offending (net-P0006230); "
        "group of 1 person (R1)"
    )
    page = (
        environment()
        .from_string('{% import "_macros.html" as m %}{{ m.rivals(a) }}')
        .render(a=alert)
    )
    assert 'data-record="group:net-P0006230"' in page


def test_a_partners_rival_is_a_group_of_its_size_under_its_pseudonym() -> None:
    """A partner's rival ids are pseudonyms: the words name no member, and a
    briefing without sizes says no count."""
    said = _rivals({"rival_groups": ["G-8000BEDC85CB"], "rival_group_sizes": [16]})
    assert said == "group of 16 people (G-8000BEDC85CB)"
    assert _rivals({"rival_groups": ["G-1"]}) == "group (G-1)"
