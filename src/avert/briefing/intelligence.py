"""Section 5a: intelligence of the window by grading (items for the police only)."""

from __future__ import annotations

from typing import Final, cast

import polars as pl

from avert.briefing.context import BriefingContext, counted, links
from avert.briefing.model import Intelligence, IntelligenceItem

__all__ = ["INTEL_COLUMNS", "intelligence_section"]

#: Columns of ``intelligence`` the section lists (the workflow reads these).
INTEL_COLUMNS: Final = (
    "intel_id",
    "recorded_at",
    "subject_type",
    "subject_id",
    "grading",
    "topic",
)


def _items(ctx: BriefingContext, intel: pl.DataFrame) -> list[IntelligenceItem]:
    """Reports ranked: linked to the window's people or groups first, then grading."""
    today_people = set(ctx.window_involvements["person_id"].to_list())
    today_groups = set(
        ctx.members.filter(pl.col("person_id").is_in(list(today_people)))[
            "group_id"
        ].to_list()
    )
    ranked = (
        intel.with_columns(
            (
                (pl.col("subject_type") == "person")
                & pl.col("subject_id").is_in(list(today_people))
                | (pl.col("subject_type") == "group")
                & pl.col("subject_id").is_in(list(today_groups))
            ).alias("linked_today")
        )
        .sort(
            ["linked_today", "grading", "recorded_at", "intel_id"],
            descending=[True, False, True, False],
        )
        .with_row_index("rank", offset=1)
    )
    items: list[IntelligenceItem] = []
    for row in ranked.select("rank", *INTEL_COLUMNS, "linked_today").to_dicts():
        row["reasons"] = [f"graded {row['grading']}, topic {row['topic']}"]
        if row["linked_today"]:
            row["reasons"].append(
                f"subject linked to the window's incidents ({row['subject_type']})"
            )
        st, sid = row["subject_type"], row["subject_id"]
        row["links"] = {
            **links(
                (),
                [sid] if st == "person" else [],
                [sid] if st == "group" else [],
            ),
            "intel_id": [row["intel_id"]],
        }
        items.append(cast(IntelligenceItem, row))
    return items


def intelligence_section(ctx: BriefingContext) -> Intelligence:
    """Counts of the window's intelligence by grading; items for the police only."""
    intel = ctx.frames["intelligence"].filter(
        (pl.col("recorded_at") >= ctx.window_from)
        & (pl.col("recorded_at") < ctx.window_to)
    )
    by_grading = (
        intel.group_by("grading").agg(pl.len().alias("n")).sort("grading")
        if intel.height
        else pl.DataFrame(schema={"grading": pl.String, "n": pl.UInt32})
    )
    items = _items(ctx, intel) if intel.height and not ctx.partner else []
    line = f"{counted(intel.height, 'intelligence report')} in the window"
    available = ctx.intelligence_recorded or bool(intel.height)
    if not available:
        # open incident data (Toronto, police.uk) carry none: 0 is no finding
        line = (
            "No intelligence is recorded in the store (its data hold incidents "
            "only): there is nothing to count."
        )
    if intel.height:
        line += ": " + ", ".join(f"{g} {n}" for g, n in by_grading.iter_rows())
        if ctx.partner:
            line += " (partners see counts only)"
    return {
        "available": available,
        "n": intel.height,
        "by_grading": {str(g): int(n) for g, n in by_grading.iter_rows()},
        "items": items,
        "line": line,
    }
