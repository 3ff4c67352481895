"""Section 2b: repeat victims hit again in the window (victim risk, 365 days)."""

from __future__ import annotations

from typing import Any, cast

import polars as pl

from avert.briefing.context import PERSON_SEQ, BriefingContext, counted, links
from avert.briefing.model import REPEAT_WINDOW_DAYS, RepeatVictimItem, Section

__all__ = ["repeat_victims_section", "score_line", "take_parts"]


def score_line(label: str, score: float, parts: dict[str, float]) -> str:
    """``label S = part a + part b``: a score with its named parts."""
    return f"{label} {score:.1f} = " + " + ".join(
        f"{k[5:]} {v:g}" for k, v in parts.items()
    )


def take_parts(
    row: dict[str, Any], *, partner: bool, missing: float | None = None
) -> dict[str, Any]:
    """Move a scored row's ``part_*`` values into ``row["parts"]`` and return them.

    A null part becomes ``missing``; for a partner audience the row's ``name`` is
    dropped too.
    """
    parts = {
        k: (v if v is not None else missing)
        for k, v in row.items()
        if k.startswith("part_")
    }
    for k in parts:
        row.pop(k)
    row["parts"] = parts
    if partner:
        row.pop("name", None)
    return parts


def _marac_reasons(ctx: BriefingContext) -> pl.DataFrame:
    """``person_id``, ``marac_reason``: the MARAC referral criteria each victim
    meets (:attr:`BriefingContext.marac`), in words."""
    met = ctx.marac
    parts = [
        pl.when(pl.col("visible_high_risk")).then(
            pl.format("visible high risk ({} DASH yes answers)", pl.col("n_yes"))
        ),
        pl.when(pl.col("professional_judgement")).then(
            pl.lit("professional judgement")
        ),
        pl.when(pl.col("potential_escalation")).then(
            pl.format(
                "potential escalation ({} domestic incidents in {} days)",
                pl.col("n_domestic"),
                pl.lit(ctx.marac_window_days),
            )
        ),
    ]
    return met.select(
        "person_id",
        pl.concat_str(
            [
                pl.lit("meets MARAC referral criteria: "),
                pl.concat_str(parts, separator=", ", ignore_nulls=True),
            ]
        ).alias("marac_reason"),
    )


def repeat_victims_section(ctx: BriefingContext) -> Section[RepeatVictimItem]:
    """Victims of the window with 2+ victimisations in 365 days, most harm first."""
    victim_facts = ctx.victim_facts
    if not victim_facts.height:
        return Section([])
    hit = (
        ctx.window_involvements.filter(pl.col("role") == "victim")
        .join(ctx.harm_by_incident, on="incident_id")
        .group_by("person_id")
        .agg(
            pl.col("incident_id").unique().sort().alias("today"),
            pl.col("harm_days").sum().alias("harm_today"),
        )
        .join(victim_facts, on="person_id")
        .filter(pl.col("n_victimisations") >= 2)
        .join(_marac_reasons(ctx), on="person_id", how="left")
        .join(ctx.names, on="person_id", how="left")
        .pipe(ctx.in_police_order)  # ties: the police order, the same for partners
        .sort(["harm_today", "score", PERSON_SEQ], descending=[True, True, False])
        .drop("rank", PERSON_SEQ)
        .with_row_index("rank", offset=1)
    )
    items: list[RepeatVictimItem] = []
    for row in hit.to_dicts():
        parts = take_parts(row, partner=ctx.partner)
        row["reasons"] = [
            f"victim again in the window ({counted(len(row['today']), 'incident')}, harm "
            f"{row['harm_today']:,.0f} days)",
            f"{counted(row['n_victimisations'], 'victimisation')} in "
            f"{REPEAT_WINDOW_DAYS} days",
            score_line("repeat-victim score", row["score"], parts),
        ]
        if row.get("vulnerable"):
            row["reasons"].append("recorded as vulnerable")
        if row.get("n_domestic"):
            row["reasons"].append(counted(row["n_domestic"], "domestic abuse incident"))
        marac = row.pop("marac_reason", None)
        if marac:
            row["reasons"].append(marac)
        row["links"] = links(row["today"], [row["person_id"]])
        items.append(cast(RepeatVictimItem, row))
    return Section(items)
