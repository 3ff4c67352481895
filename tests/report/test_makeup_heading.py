"""The make-up box's heading counts its list in the right number."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest

from avert.report.render import environment


def _box(
    n: int, label: str, *, n_pool: int = 10, pool: str = "victims of the window's"
) -> str:
    make_up: dict[str, Any] = {
        "list": "taskings",
        "label": label,
        "n": n,
        "pool": pool,
        "n_pool": n_pool,
        "residents": False,
        "rows": [],
        "references": {},
        "notes": [],
        "disclosure": None,
    }
    return (
        environment()
        .from_string('{% import "_macros.html" as m %}{{ m.makeup(mu) }}')
        .render(mu=make_up)
    )


def _heading(n: int, label: str) -> str:
    page = _box(n, label)
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


@pytest.mark.parametrize(
    ("pool", "one"),
    [
        (
            "suspects and offenders of the window's violent incidents",
            "suspect or offender of the window's violent incidents",
        ),
        (
            "victims of the window's violent incidents",
            "victim of the window's violent incidents",
        ),
        (
            "callers who reported ASB in the window",
            "caller who reported ASB in the window",
        ),
        (
            "victims, suspects and offenders of the window's violent incidents and "
            "callers who reported ASB in it",
            "victim, suspect or offender of the window's violent incidents or "
            "caller who reported ASB in it",
        ),
    ],
)
def test_a_pool_of_one_is_counted_in_the_singular(pool: str, one: str) -> None:
    """The box compared its list "against the 1 victims of the window's violent
    incidents" (the demo's Today page, a window with one victim)."""
    one_page = html.unescape(_box(3, "people tasked", n_pool=1, pool=pool))
    two_page = html.unescape(_box(3, "people tasked", n_pool=2, pool=pool))
    assert f"against the 1 {one}:" in one_page
    assert f"against the 2 {pool}:" in two_page


def test_the_make_ups_sexes_read_as_words_not_codes() -> None:
    """The make-up box's sex rows read "F" and "M" (the data's codes, kept in the
    JSON): the page says "Female" and "Male"."""
    row = {"listed": 1, "share_listed": 0.5, "pool": 2, "share_pool": 0.5}
    make_up: dict[str, Any] = {
        "list": "people",
        "label": "people of concern",
        "n": 2,
        "pool": "suspects",
        "n_pool": 4,
        "residents": False,
        "rows": [
            {"dimension": "sex", "category": "F", **row},
            {"dimension": "sex", "category": "M", **row, "ratio": 1.0},
            {"dimension": "age_band", "category": "18-24", **row},
        ],
        "references": {"sex": "F", "age_band": "18-24"},
        "notes": [],
        "disclosure": None,
    }
    page = (
        environment()
        .from_string('{% import "_macros.html" as m %}{{ m.makeup(mu) }}')
        .render(mu=make_up)
    )
    cells = re.findall(r"<tr[^>]*><td>([^<]*)</td>", page)
    assert cells == ["Female", "Male", "18-24"]


def test_a_list_with_an_empty_pool_is_not_set_against_0() -> None:
    """Walked in a browser: the demo's Today of one hour (no violent incident in
    it) still lists the live retaliation alerts' 69 possible targets, and their
    box read "against the 0 suspects and offenders of the window's violent
    incidents", a Pool column of zeros and "69 of the 69 listed are not among"
    them. The 0 is right (the window has no one); the box says there is no pool
    and shows the list's own counts, without the empty Pool and Ratio columns."""
    import polars as pl

    from avert.briefing.makeup import POOL_OFFENDERS, make_up

    people = pl.DataFrame(
        {
            "person_id": ["a", "b", "c"],
            "sex": ["M", "F", "M"],
            "birth_year": [2000, 1990, 1980],
            "ethnicity": ["White", "White", "Asian"],
        }
    )
    made = make_up(
        ["a", "b", "c"],
        [],
        people,
        at_year=2026,
        key="retaliation_targets",
        label="possible targets of retaliation",
        pool_label=POOL_OFFENDERS,
    )
    assert made["n_pool"] == 0
    page = html.unescape(
        environment()
        .from_string('{% import "_macros.html" as m %}{{ m.makeup(mu) }}')
        .render(mu=made)
    )
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "against the 0" not in text, text
    assert f"(no {POOL_OFFENDERS} to set it against)" in text, text
    assert "<th>Pool</th>" not in page
    assert "not among" not in text, text
    assert f"There are no {POOL_OFFENDERS} (the window has none)" in text, text
    # the list's own counts, one cell each, no zero pool beside them
    assert "<tr><td>Female</td><td>1 <small>33 %</small></td></tr>" in page, page
    assert "<tr><td>Male</td><td>2 <small>67 %</small></td></tr>" in page, page
