"""The make-up box's heading counts its list in the right number."""

from __future__ import annotations

import re
from typing import Any

import pytest

from avert.report.render import environment


def _heading(n: int, label: str) -> str:
    make_up: dict[str, Any] = {
        "list": "taskings",
        "label": label,
        "n": n,
        "pool": "victims of the window's violent incidents",
        "n_pool": 10,
        "residents": False,
        "rows": [],
        "references": {},
        "notes": [],
        "disclosure": None,
    }
    page = (
        environment()
        .from_string('{% import "_macros.html" as m %}{{ m.makeup(mu) }}')
        .render(mu=make_up)
    )
    found = re.search(r"<b>(Make-up of the [^<]*)</b>", page)
    assert found, page
    return found.group(1)


@pytest.mark.parametrize(
    ("label", "one"),
    [
        (
            "people tasked (overdue, due or done)",
            "person tasked (overdue, due or done)",
        ),
        ("repeat victims hit again", "repeat victim hit again"),
        ("vulnerable ASB callers", "vulnerable ASB caller"),
        ("possible targets of retaliation", "possible target of retaliation"),
        ("members of the groups listed", "member of the groups listed"),
    ],
)
def test_a_list_of_one_is_counted_in_the_singular(label: str, one: str) -> None:
    """The meeting page read "Make-up of the 1 people tasked (overdue, due or
    done)", as did a partner's briefing with one person tasked."""
    assert _heading(1, label) == f"Make-up of the 1 {one}"
    assert _heading(3, label) == f"Make-up of the 3 {label}"
