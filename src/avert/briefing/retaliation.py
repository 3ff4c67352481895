"""Section 2a: live retaliation alerts, strong first, then highest harm first.

Alerts of equal harm come latest incident first, then in the police order of
incidents and victims (time and police id), so a partner, who sees pseudonyms, reads
the alerts in the police's order.

The alerts come from the caller (:func:`avert.analyse.networks.retaliation_alerts`
over declared or stored detected groups); this section keeps those still live at the
end of the window, adds each incident's harm and category, and (partners) rebuilds
the reasons, which the analysis wrote with police ids.

Strong alerts (the victim is in a known group) come before weak ones (the victim is
linked to a group conflict by the attack only): on the synthetic cities the strong
ones foresee most planted reprisals with a fraction of the alerts
(``benchmarks/retaliation.py``), so a meeting that reads from the top acts on them
first. Each item carries its ``strength`` and the ranked ``possible_targets`` (the
incident's own suspects, then members of rival groups in rank order) with
``n_possible_targets`` counting all of them.
"""

from __future__ import annotations

from typing import Any, cast

import polars as pl

from avert.analyse.retaliation_text import LIVE_REASON, LIVE_REASON_FORM
from avert.briefing.context import PERSON_SEQ, SEQ, BriefingContext, counted, links
from avert.briefing.model import NO_GROUPS_NOTE, RetaliationItem, Section

__all__ = ["retaliation_section"]


def _partner_reasons(row: dict[str, Any]) -> list[str]:
    groups = row.get("victim_groups") or []
    victim = (
        f"victim {row['victim_id']} of violence is linked to group(s) "
        + ", ".join(groups)
        if groups
        else f"victim {row['victim_id']} is in no known group but was hurt by a "
        "group-linked suspect (a weak alert: linked by the attack only)"
    )
    reasons = [
        victim,
        # "1 linked person", not "1 linked people"
        counted(
            len(row.get("at_risk_of_retaliation_from") or []),
            "linked person",
            "linked people",
        )
        + " may retaliate",
    ]
    if row.get("rival_groups"):
        reasons.append("rival group(s): " + ", ".join(row["rival_groups"]))
    # the analysis's own line on how long it is live (and whether its incident is
    # dated alone or to the hour): in its known form it names no one, so a partner
    # reads it as is; a line that only begins so may name someone: left out
    live = [r for r in row.get("reasons") or [] if LIVE_REASON_FORM.fullmatch(r)]
    if live:
        reasons.append(live[-1])
    elif row.get("live_until") is not None:
        reasons.append(f"{LIVE_REASON}until {row['live_until']:%Y-%m-%d %H:%M}")
    return reasons


def retaliation_section(ctx: BriefingContext) -> Section[RetaliationItem]:
    """Alerts live at the end of the window, strong first (no alerts without groups)."""
    ret = ctx.frames["retaliation"]
    if not ret.height:
        if ctx.frames["group_members"].height == 0:
            return Section([], [NO_GROUPS_NOTE])
        return Section([])
    live = (
        ret.filter(
            pl.col("live_until").is_null() | (pl.col("live_until") >= ctx.window_to)
        )
        .join(
            ctx.incidents.select(
                "incident_id",
                pl.col("harm_days").fill_null(0.0),
                "category",
                pl.col("occurred_from").alias("_incident_at"),
                SEQ,
            ),
            on="incident_id",
            # with an area, its incidents' alerts only (as incidents, places, trend)
            how="left" if ctx.area is None else "inner",
        )
        .join(
            ctx.frames["person_order"].rename({"person_id": "victim_id"}),
            on="victim_id",
            how="left",
        )
        # equal harm: the latest first, then the police order of incidents and of
        # victims, never an id a partner sees as a pseudonym (the incidents' rule)
        .sort(
            [
                pl.col("strength").fill_null("strong") != "strong",
                pl.col("harm_days").fill_null(0.0),
                "_incident_at",
                SEQ,
                PERSON_SEQ,
            ],
            descending=[False, True, True, False, False],
            nulls_last=True,
        )
        .drop("_incident_at", SEQ, PERSON_SEQ)
        .with_row_index("rank", offset=1)
    )
    items: list[RetaliationItem] = []
    for row in live.to_dicts():
        row["strength"] = row.get("strength") or "strong"
        targets = row.get("possible_targets") or []
        row["n_possible_targets"] = max(
            row.get("n_possible_targets") or 0, len(targets)
        )
        people_ids = [
            row["victim_id"],
            *(row.get("at_risk_of_retaliation_from") or []),
            *(row.get("possible_targets") or []),
        ]
        row["links"] = links(
            [row["incident_id"]],
            people_ids,
            [*(row.get("victim_groups") or []), *(row.get("rival_groups") or [])],
        )
        row["reasons"] = (
            _partner_reasons(row) if ctx.partner else list(row.get("reasons") or [])
        )
        items.append(cast(RetaliationItem, row))
    return Section(items)
