"""Section 3: people of concern, ranked by their own offender-risk (RFGH) score."""

from __future__ import annotations

from typing import cast

import polars as pl

from avert.analyse.risk import offender_risk
from avert.briefing.context import (
    OFFENDING_ROLES,
    PERSON_SEQ,
    BriefingContext,
    counted,
    links,
)
from avert.briefing.model import PersonItem, Section
from avert.briefing.victims import score_line, take_parts

__all__ = ["people_section"]


def people_section(ctx: BriefingContext, *, top: int = 10) -> Section[PersonItem]:
    """The ``top`` suspects/offenders of the window by RFGH score, then harm.

    Group links are shown, never used to rank (DESIGN.md).
    """
    offending = ctx.window_involvements.filter(
        pl.col("role").is_in(list(OFFENDING_ROLES))
    )
    if not offending.height:
        return Section([])
    # scored on the violence of the definition, as `avert analyse risk` and the
    # person page score it: one score per person wherever it is shown
    orisk = offender_risk(
        ctx.violent.select(
            "incident_id",
            "occurred_from",
            "harm_days",
            # a date alone counts from its day's end
            *[c for c in ("time_precision",) if c in ctx.violent.columns],
        ),
        ctx.involvements,
        at=ctx.window_to,
        config=ctx.risk_config,
    )
    today = (
        offending.join(ctx.harm_by_incident, on="incident_id")
        .group_by("person_id")
        .agg(
            pl.col("incident_id").unique().sort().alias("today"),
            pl.col("role").unique().sort().alias("roles_today"),
            pl.col("harm_days").sum().alias("harm_today"),
        )
    )
    # equal scores and harm: the police order of people, the same for partners
    ranked = (
        ctx.in_police_order(
            today.join(orisk.frame.drop("rank"), on="person_id", how="left")
        )
        .with_columns(pl.col("score").fill_null(0.0))
        .join(ctx.names, on="person_id", how="left")
        .join(ctx.person_groups, on="person_id", how="left")
        .sort(["score", "harm_today", PERSON_SEQ], descending=[True, True, False])
        .drop(PERSON_SEQ)
        .head(top)
        .with_row_index("rank", offset=1)
    )
    items: list[PersonItem] = []
    for row in ranked.to_dicts():
        parts = take_parts(row, partner=ctx.partner, missing=0.0)
        row["groups"] = row.get("groups") or []
        row["reasons"] = [
            f"{'/'.join(row['roles_today'])} in {counted(len(row['today']), 'incident')} in "
            f"the window (harm {row['harm_today']:,.0f} days)",
            score_line("offender risk (RFGH)", row["score"], parts),
        ]
        if not row.get("n_offences"):
            row["reasons"].append(
                "no offender-risk score: no incident in the scored roles "
                f"({', '.join(orisk.params.get('roles', []))}) in "
                f"{orisk.window_days} days"
            )
        else:
            row["reasons"].append(
                f"{counted(row['n_offences'], 'offence')} in {orisk.window_days} days, "
                f"most serious {row['max_harm_days']:.0f} harm days"
            )
        row["links"] = links(row["today"], [row["person_id"]], row["groups"])
        items.append(cast(PersonItem, row))
    notes = (
        [
            f"People of concern are ranked by their own offender risk score (RFGH: "
            f"recency, frequency, gravity, harm; population: "
            f"{orisk.population}); group links are shown, never used to rank."
            + (
                f" The first {len(items)} of the window's {today.height} "
                "suspects/offenders are listed."
                if today.height > len(items)
                else ""
            )
        ]
        if items
        else []
    )
    return Section(items, notes, n_before_cap=today.height)
