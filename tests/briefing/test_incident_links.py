"""The incident items' people, groups and links, built by Polars for all items at once
(avert.briefing.incidents.incidents_section): the same items, key for key and in the
same key order, as the row-by-row assembly with :func:`avert.briefing.context.links`
they replace (a London month: 0.26-0.47 CPU s of a Today rebuild)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from avert.access import Pseudonymiser
from avert.briefing.context import BriefingContext, links, prepare
from avert.briefing.incidents import (
    _item_columns,
    _items,
    incidents_section,
    ranked_incidents,
)
from briefing.factory import make_frames

AT = dt.datetime(2025, 3, 10, 8)


def _row_by_row(ctx: BriefingContext) -> list[dict[str, Any]]:
    """The items as the briefing built them before: one dict and one links() each."""
    items = []
    for row in ranked_incidents(ctx).to_dicts():
        people_rows = row.pop("people") or []
        if ctx.partner:
            for person in people_rows:
                person.pop("name", None)
        row["people"] = people_rows
        row["groups"] = row.pop("group_ids")
        row["links"] = links(
            [row["incident_id"]], [q["person_id"] for q in people_rows], row["groups"]
        )
        items.append(row)
    return items


def _frames() -> dict[str, pl.DataFrame]:
    """The factory's frames, with ids out of ASCII order and one person in two roles
    of one incident (links list them once, sorted by code point)."""
    frames = make_frames(3000, at=AT, seed=11)
    inv = frames["involvements"]
    recent = frames["incidents"].filter(
        (pl.col("occurred_from") >= AT - dt.timedelta(days=28))
        & pl.col("in_definition")
    )["incident_id"]
    first = inv.filter(pl.col("incident_id").is_in(recent.implode())).head(1)
    twice = first.with_columns(
        pl.lit("suspect" if first["role"][0] != "suspect" else "victim").alias("role")
    )
    renamed = {"person_id": pl.col("person_id").str.replace(r"^(.)", "é$1")}
    odd = inv.filter(pl.col("incident_id").is_in(recent.head(200).implode()))
    frames["involvements"] = pl.concat(
        [inv, twice, odd.with_columns(**renamed)], how="vertical"
    )
    return frames


def _context(frames: dict[str, pl.DataFrame], audience: str) -> BriefingContext:
    """The briefing's context of the four weeks to :data:`AT` for ``audience``."""
    return prepare(
        frames["incidents"],
        frames["involvements"],
        at=AT,
        hours=24 * 28,
        audience=audience,
        pseudonymiser=Pseudonymiser() if audience == "partner" else None,
        tables={
            k: v for k, v in frames.items() if k not in ("incidents", "involvements")
        },
    )


@pytest.mark.parametrize("audience", ["police", "partner"])
def test_incident_items_are_those_of_the_row_by_row_assembly(audience: str) -> None:
    frames = _frames()
    ctx = _context(frames, audience)
    built = incidents_section(ctx).items
    expected = _row_by_row(ctx)
    assert len(built) == len(expected) > 50
    assert any(len(item["links"]["person_id"]) > 1 for item in expected)
    assert any(item["links"]["group_id"] for item in expected)
    assert any(
        len({p["person_id"] for p in item["people"]}) < len(item["people"])
        for item in expected
    )
    for got, want in zip(built, expected, strict=True):
        assert list(got) == list(want)  # the same keys in the same order
        assert got == want
        assert [list(p) for p in got["people"]] == [list(p) for p in want["people"]]
        assert list(got["links"]) == ["incident_id", "person_id", "group_id"]


def _frames_without(case: str) -> dict[str, pl.DataFrame]:
    """The factory's frames with no incident in the window, no people at all, or a
    single incident in the window."""
    frames = make_frames(3000, at=AT, seed=11)
    incidents = frames["incidents"]
    window_start = AT - dt.timedelta(days=28)
    before = incidents.filter(pl.col("occurred_from") < window_start)
    if case == "no incident":
        frames["incidents"] = before
    elif case == "no people":
        frames["involvements"] = frames["involvements"].head(0)
    else:  # one incident
        recent = incidents.filter(
            (pl.col("occurred_from") >= window_start) & pl.col("in_definition")
        )
        frames["incidents"] = pl.concat([before, recent.head(1)])
    return frames


@pytest.mark.parametrize("audience", ["police", "partner"])
@pytest.mark.parametrize("case", ["no incident", "no people", "one incident"])
def test_incident_items_of_odd_windows_are_those_of_the_row_by_row_assembly(
    case: str, audience: str
) -> None:
    """An empty window (list columns of an empty frame), incidents with no known
    people (every ``people`` list empty) and a single incident."""
    frames = _frames_without(case)
    ctx = _context(frames, audience)
    built = incidents_section(ctx).items
    expected = _row_by_row(ctx)
    assert len(expected) == {"no incident": 0, "one incident": 1}.get(
        case, len(expected)
    )
    assert built == expected
    assert [list(item) for item in built] == [list(item) for item in expected]


_IDS = st.one_of(
    st.none(),
    # pieces beyond ASCII: accented, a combining mark, a ligature, astral ones
    st.lists(
        st.sampled_from(["a", "B", "0", "\u00e9", "e\u0301", "\ufb01", "\U0001f600"]),
        max_size=3,
    ).map("".join),
)


@given(
    people=st.lists(st.lists(_IDS, max_size=5), min_size=1, max_size=4),
    groups=st.lists(st.lists(_IDS, max_size=4), min_size=1, max_size=4),
)
@settings(max_examples=200, deadline=None)
def test_link_ids_are_sorted_as_links_sorts_them(
    people: list[list[str | None]], groups: list[list[str | None]]
) -> None:
    """Polars' sort of the ids (UTF-8 bytes) is Python's code point order, nulls
    and repeats dropped, for ids beyond ASCII, combining marks and astral ones."""
    n = min(len(people), len(groups))
    person = pl.Struct(
        {
            "person_id": pl.String(),
            "role": pl.String(),
            "name": pl.String(),
            "groups": pl.List(pl.String()),
        }
    )
    ranked = pl.DataFrame(
        {
            "rank": list(range(1, n + 1)),
            "incident_id": [f"i{k}" for k in range(n)],
            "people": [
                [
                    {"person_id": p, "role": "victim", "name": None, "groups": []}
                    for p in ps
                ]
                for ps in people[:n]
            ],
            "group_ids": groups[:n],
        },
        schema={
            "rank": pl.Int64(),
            "incident_id": pl.String(),
            "people": pl.List(person),
            "group_ids": pl.List(pl.String()),
        },
    )
    items = _items(_item_columns(ranked, partner=False))
    assert [item["links"] for item in items] == [
        links([f"i{k}"], people[k], groups[k]) for k in range(n)
    ]
