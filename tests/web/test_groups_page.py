"""The groups page writes a group's harm days one way, in its Harm column and in
its reasons."""

from __future__ import annotations

import re

from web.helpers import World, signed_in

#: One group's row: its Harm column and its reasons.
ROW = re.compile(
    r'<td class="harm">([^<]*) d</td>\s*<td><ul class="reasons">(.*?)</ul>', re.S
)


def test_a_groups_harm_reads_as_its_harm_column(world: World) -> None:
    """Walked in a browser: a group's reason read "harm: 10488.0 crime harm days"
    beside "10,488 d" in its Harm column."""
    page = signed_in(world.app, "chair").get("/groups")
    assert page.status_code == 200
    rows = ROW.findall(page.text)
    assert rows, page.text[:2000]
    for column, reasons in rows:
        said = re.search(r"harm: ([^ ]+) crime harm days", reasons)
        assert said is not None, reasons
        assert said.group(1) == column, (column, reasons)
    assert any("," in column for column, _ in rows)  # thousands are separated


def test_a_groups_continuum_reason_names_its_measures_in_words(world: World) -> None:
    """Walked in a browser: a group's continuum reason read "continuum street_gang
    by rule: longevity_days 686.92 >= 90; n_violent_incidents 29 >= 5"."""
    page = signed_in(world.app, "chair").get("/groups")
    assert page.status_code == 200
    reasons = re.findall(r"<li>(continuum [^<]*)</li>", page.text)
    assert reasons, page.text[:2000]
    for reason in reasons:
        assert "_" not in reason, reason
    assert any("days active" in r for r in reasons), reasons
