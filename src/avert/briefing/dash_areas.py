"""Which area's briefing lists a high-risk DASH assessment's victim.

An area's briefing lists the DASH assessments whose incident is in the area (the
``borough``/``lsoa`` of the assessment's incident, added by the workflow, or the
incident among the area's incidents); an assessment naming no placed incident is in
no area (the force-wide briefing lists it).

A victim assessed high risk in the window for incidents in two areas is one MARAC
case, referred once: they are listed in one area's briefing only, the area of their
latest high-risk assessment of the window that names a placed incident (the row the
force-wide briefing shows is their latest; the MARAC list counts a victim's latest
assessment, and ``avert analyse marac --area`` places a victim by it too). Both
areas' meetings are told: the listing area's row names the other area's assessments
(:func:`elsewhere_line`), and the other area's briefing has a note counting the
victims and assessments it leaves to the listing area. So the rows of all the areas'
briefings add up to the force-wide rows (less the victims whose high-risk
assessments all name no placed incident), with no victim counted twice; each was
listed in both areas' briefings before, each row saying "refer to the MARAC".
docs/briefing.md says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

import polars as pl

from avert.areas import AREA_COLUMNS, in_area
from avert.briefing.context import BriefingContext, assessed_when, counted

__all__ = ["AreaSplit", "elsewhere_line", "in_area_made", "split_by_latest_area"]


@dataclass(frozen=True)
class AreaSplit:
    """The area's high-risk assessments whose victims it lists (``high``, in the
    order given), per victim listed their high-risk assessments of the window in
    other areas (``elsewhere``, latest first: ``assessed_at``, ``agency``,
    ``place``), and the notes counting the victims listed in another area."""

    high: pl.DataFrame
    elsewhere: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the area's high-risk assessments, and their victims, listed in another area
    moved_assessments: int = 0
    moved_victims: int = 0


def _marks(ctx: BriefingContext, columns: Sequence[str]) -> tuple[pl.Expr, pl.Expr]:
    """For an area's briefing: whether an assessment is in the area, and whether it
    is placed at all (its incident is the area's, or names a borough or LSOA)."""
    area = cast(str, ctx.area)
    area_ids = ctx.incidents["incident_id"].cast(pl.String)
    known = (
        pl.col("incident_id").cast(pl.String).is_in(area_ids.implode()).fill_null(False)
    )
    placed = pl.any_horizontal(
        known,
        *(
            pl.col(c).cast(pl.String).str.strip_chars().ne("").fill_null(False)
            for c in AREA_COLUMNS
            if c in columns
        ),
    )
    return in_area(area, columns) | known, placed


def in_area_made(ctx: BriefingContext, made: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The assessments of ``made`` in the briefing's area, and how many name no
    placed incident (in no area); all of them, 0, for a force-wide briefing."""
    if ctx.area is None:
        return made, 0
    here, placed = _marks(ctx, made.columns)
    return made.filter(here), made.filter(~placed).height


def _place(ctx: BriefingContext, columns: Sequence[str]) -> pl.Expr:
    """An assessment's area as the briefing's area is named: its borough when the
    briefing is a borough's (an incident of the area has it as its borough), else
    its LSOA; null when the frame lacks that column."""
    area = cast(str, ctx.area)
    borough = "borough" in ctx.incidents.columns and bool(
        ctx.incidents.select(in_area(area, ["borough"]).any()).item()
    )
    col = "borough" if borough else "lsoa"
    if col not in columns:
        return pl.lit(None, dtype=pl.String)
    return pl.col(col).cast(pl.String).str.strip_chars()


def split_by_latest_area(
    ctx: BriefingContext, window: pl.DataFrame, high_all: pl.DataFrame
) -> AreaSplit:
    """The high-risk assessments of ``high_all`` (every one made in the window,
    force-wide, latest first: :func:`avert.analyse.dash.high_risk_assessments`)
    that the briefing's area lists: those in the area of the victims whose latest
    placed high-risk assessment of the window is in the area (``window``: the
    window's assessments, with the area columns). A force-wide briefing lists all."""
    if ctx.area is None:
        return AreaSplit(high_all)
    here, placed = _marks(ctx, window.columns)
    marked = high_all.join(
        window.select(
            "assessment_id",
            here.alias("_here"),
            placed.alias("_placed"),
            _place(ctx, window.columns).alias("_place"),
        ),
        on="assessment_id",
        how="left",
        maintain_order="left",
    )
    owner = (
        marked.filter(pl.col("_placed"))
        .group_by("person_id", maintain_order=True)
        .first()  # latest first: their latest placed one
        .select("person_id", pl.col("_here").alias("_owned"), "_place")
    )
    away = owner.filter(~pl.col("_owned"))
    mine = marked.filter(pl.col("_here"))
    moved = mine.join(away.select("person_id", "_place"), on="person_id", suffix="_to")
    kept = mine.filter(~pl.col("person_id").is_in(away["person_id"].implode()))
    others = marked.filter(
        ~pl.col("_here")
        & pl.col("_placed")
        & pl.col("person_id").is_in(kept["person_id"].implode())
    )
    elsewhere: dict[str, list[dict[str, object]]] = {}
    for row in others.select(  # a few a day
        "person_id",
        "assessed_at",
        "time_precision",
        "agency",
        pl.col("_place").alias("place"),
    ).to_dicts():
        elsewhere.setdefault(str(row.pop("person_id")), []).append(row)
    return AreaSplit(
        kept.drop("_here", "_placed", "_place"),
        elsewhere,
        _moved_notes(moved),
        moved.height,
        moved["person_id"].n_unique(),
    )


def _moved_notes(moved: pl.DataFrame) -> list[str]:
    """The note counting the area's high-risk assessments whose victims another
    area's briefing lists (:func:`split_by_latest_area`)."""
    if not moved.height:
        return []
    n_victims = moved["person_id"].n_unique()
    places = sorted({p for p in moved["_place_to"].to_list() if p})
    where = (
        "another area's briefing"
        if not places
        else "the briefing of " + " and ".join(places)
    )
    their = "their" if n_victims > 1 else "the victim's"
    verb = "are" if n_victims > 1 else "is"
    return [
        f"{counted(n_victims, 'victim')} assessed high risk in the window for an "
        f"incident in this area ({counted(moved.height, 'high-risk assessment')}) "
        f"{verb} listed in {where} instead, where {their} latest high-risk "
        "assessment of the window was made: one row and one MARAC referral a "
        "victim, across areas too (not listed here)."
    ]


def elsewhere_line(others: list[dict[str, object]]) -> str:
    """The reason naming a listed victim's high-risk assessments of the window in
    other areas, whose briefings leave them to this one."""
    told = "; ".join(
        f"{cast(str | None, e['place']) or 'another area'}, "
        + assessed_when(cast(dt.datetime, e["assessed_at"]), e.get("time_precision"))
        + (f" by {e['agency']}" if e.get("agency") else "")
        for e in others
    )
    return (
        f"also assessed high risk in the window for an incident in another area "
        f"({told}): listed here, where their latest high-risk assessment was made, "
        "and not in that area's briefing (one row and one MARAC referral a victim)"
    )
