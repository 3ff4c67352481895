"""The incident items' people, groups and links, built by Polars for all items at once
(avert.briefing.incidents.incidents_section): the same items, key for key and in the
same key order, as the row-by-row assembly with :func:`avert.briefing.context.links`
they replace (a London month: 0.26-0.47 CPU s of a Today rebuild)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
import pytest

from avert.access import Pseudonymiser
from avert.briefing.context import BriefingContext, links, prepare
from avert.briefing.incidents import incidents_section, ranked_incidents
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


@pytest.mark.parametrize("audience", ["police", "partner"])
def test_incident_items_are_those_of_the_row_by_row_assembly(audience: str) -> None:
    frames = _frames()
    ctx = prepare(
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
