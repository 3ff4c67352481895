"""Section 5b: open delivery-plan actions due by the end of the window."""

from __future__ import annotations

from typing import Final, cast

import polars as pl

from avert.briefing.context import BriefingContext, counted, links
from avert.briefing.model import ActionItem, Section

__all__ = ["ACTION_COLUMNS", "actions_section"]

#: Columns of ``actions`` the section lists (the workflow reads these).
ACTION_COLUMNS: Final = (
    "action_id",
    "strand",
    "title",
    "lead_organisation",
    "owner",
    "target_type",
    "target_id",
    "due",
    "status",
)


def actions_section(ctx: BriefingContext) -> Section[ActionItem]:
    """Open or in-progress actions due by the window's end, oldest due first."""
    acts = ctx.frames["actions"]
    if not acts.height:
        return Section(
            [],
            [
                # only open and in-progress actions are read: a plan whose
                # actions are all done or cancelled has none here either
                # read by partners and the chair too, who run no command: it
                # says where the plan comes in, as the empty Today page does
                "No open delivery plan actions: none due (the partnership's "
                "plan is imported on avert's server, by an administrator or "
                "analyst, with 'avert plan import': docs/delivery.md)."
            ],
        )
    end = ctx.window_to.date()
    due = (
        acts.filter(
            pl.col("status").is_in(["open", "in_progress"]) & (pl.col("due") <= end)
        )
        .with_columns(
            (pl.lit(end) - pl.col("due")).dt.total_days().alias("overdue_days")
        )
        .sort(["due", "action_id"])
        .with_row_index("rank", offset=1)
    )
    items: list[ActionItem] = []
    for row in due.select("rank", *ACTION_COLUMNS, "overdue_days").to_dicts():
        overdue = row["overdue_days"]
        row["reasons"] = [
            f"{row['status'].replace('_', ' ')} action due {row['due']}"
            + (f", {counted(overdue, 'day')} overdue" if overdue else "")
        ]
        tt, tid = row["target_type"], row["target_id"]
        row["links"] = {
            **links(
                [tid] if tt == "incident" else [],
                [tid] if tt == "person" else [],
                [tid] if tt == "group" else [],
            ),
            "action_id": [row["action_id"]],
        }
        items.append(cast(ActionItem, row))
    return Section(items)
