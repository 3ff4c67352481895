"""Section 3a: the high-risk domestic abuse (DASH) assessments of the window.

The seed's daily meeting reviews the last 24 hours with domestic abuse and repeat
victims at its heart (MPA 2010 delivery plan); SafeLives asks that a victim
assessed at high risk be referred to a MARAC. A high-risk assessment made in the
window is listed whether or not its victim was in a violent incident of the
window (the repeat-victims list needs one). "High risk" is the assessment
criteria of the MARAC list, :func:`avert.analyse.dash.high_risk_assessments`
(visible high risk by the count of yes answers, or professional judgement): one
rule for the briefing, ``avert analyse marac`` and the person page.

The window is the briefing's own, ``[window_from, window_to)`` on the clock: 23 or
25 elapsed hours on the mornings the clocks change (the briefing's note says so).
An area's briefing lists the assessments whose incident is in the area (the
``borough``/``lsoa`` of the assessment's incident, added by the workflow, or the
incident among the area's incidents); an assessment naming no placed incident is
in no area, and a note counts those the area's list leaves out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Final, cast

import polars as pl

from avert.analyse.dash import (
    CRITERION_NAMES,
    criterion_params,
    criterion_rules,
    high_risk_assessments,
    marac_referrals,
)
from avert.areas import AREA_COLUMNS, in_area
from avert.briefing.context import BriefingContext, counted, links
from avert.briefing.model import DashHighRisk, DashItem, RepeatVictimItem
from avert.config.risk import default_risk_config

__all__ = ["NO_DASH_LINE", "dash_section", "none_made_yet"]

#: The section's line when the data hold no DASH assessment at all
NO_DASH_LINE: Final = (
    "The data hold no DASH assessments (a record bundle's dash file, "
    "docs/bundle.md): high-risk domestic abuse assessments cannot be listed."
)
_ASSESSMENT_CRITERIA: Final = ("visible_high_risk", "professional_judgement")


def _in_area(ctx: BriefingContext, made: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """The assessments of ``made`` in the briefing's area, and how many name no
    placed incident (in no area); all of them, 0, for a force-wide briefing."""
    if ctx.area is None:
        return made, 0
    area_ids = ctx.incidents["incident_id"].cast(pl.String)
    own = [c for c in AREA_COLUMNS if c in made.columns]
    known = pl.col("incident_id").cast(pl.String).is_in(area_ids.implode())
    placed = pl.any_horizontal(
        known.fill_null(value=False),
        *(
            pl.col(c).cast(pl.String).str.strip_chars().ne("").fill_null(False)
            for c in own
        ),
    )
    mine = made.filter(in_area(ctx.area, made.columns) | known.fill_null(value=False))
    return mine, made.filter(~placed).height


def _on_list_before(ctx: BriefingContext, dash: pl.DataFrame) -> set[str]:
    """The victims on the MARAC list at the window's start: :func:`marac_referrals`
    as of then, from the assessments made before the window and the victims'
    domestic incidents of the year to it (the briefing's incidents and the
    workflow's ``dash_victim_incidents``), by any of its criteria. A victim listed
    by potential escalation (3 domestic incidents in 365 days) is on the list
    though no assessment of theirs was high risk: told "new to the MARAC list:
    refer", the meeting would refer a victim the list already holds."""
    before = dash.filter(pl.col("assessed_at") < ctx.window_from)
    history = ctx.frames["dash_victim_incidents"]
    incidents = pl.concat(
        [
            ctx.incidents.select(
                pl.col("incident_id").cast(pl.String),
                pl.col("occurred_from").cast(pl.Datetime("us")),
                (
                    pl.col("domestic").cast(pl.Boolean)
                    if "domestic" in ctx.incidents.columns
                    else pl.lit(None, dtype=pl.Boolean).alias("domestic")
                ),
            ),
            history.select("incident_id", "occurred_from", "domestic"),
        ]
    ).filter(pl.col("occurred_from") < ctx.window_from)
    involvements = pl.concat(
        [
            ctx.involvements.select(
                pl.col(c).cast(pl.String) for c in ("incident_id", "person_id", "role")
            ),
            history.select("incident_id", "person_id", "role"),
        ]
    )
    if not before.height and not incidents.height:
        return set()
    met = marac_referrals(
        incidents.unique("incident_id", keep="first"),
        involvements.unique(),
        before,
        at=ctx.window_from - dt.timedelta(microseconds=1),
        config=ctx.risk_config,
    ).frame
    return set(met["person_id"].to_list())


def _reasons(row: dict[str, object], visible_yes: int) -> list[str]:
    reasons = []
    if row["visible_high_risk"]:
        reasons.append(
            f"visible high risk: {row['n_yes']} yes of {row['n_asked']} asked "
            f"(high risk from {visible_yes})"
        )
    if row["professional_judgement"]:
        reasons.append(
            "professional judgement: the assessor judged the risk high"
            + ("" if row["visible_high_risk"] else f" ({row['n_yes']} yes)")
        )
    reasons.append(
        "already on the MARAC list before the window"
        if row["on_marac_list_before"]
        else "new to the MARAC list: refer to the MARAC (SafeLives)"
    )
    if row["repeat_victim"]:
        reasons.append("also a repeat victim hit again in the window (list above)")
    return reasons


def dash_section(
    ctx: BriefingContext, repeat_victims: Sequence[RepeatVictimItem] = ()
) -> DashHighRisk:
    """The DASH assessments made in the window and judged high risk, latest first,
    each with its victim, time, the criteria met, whether the victim was already on
    the MARAC list (any criterion) before the window, and whether they are among
    ``repeat_victims`` (this briefing's list). The data record no referral to a
    MARAC, so none is claimed."""
    cfg = (ctx.risk_config or default_risk_config()).marac
    rules = criterion_rules(criterion_params(cfg))
    rule = (
        f"visible high risk ({rules['visible_high_risk']}) or professional "
        f"judgement: {rules['professional_judgement']}"
    )
    dash = ctx.frames["dash"]
    if not dash.height:
        return DashHighRisk(
            recorded=False,
            n_assessed=0,
            items=[],
            line=NO_DASH_LINE,
            rule=rule,
            notes=[],
        )
    made = dash.filter(
        (pl.col("assessed_at") >= ctx.window_from)
        & (pl.col("assessed_at") < ctx.window_to)
    )
    made, unplaced = _in_area(ctx, made)
    high = high_risk_assessments(
        made, since=ctx.window_from, until=ctx.window_to, config=cfg
    )
    before = _on_list_before(ctx, dash)
    repeat = {v["person_id"] for v in repeat_victims}
    names = dict(zip(ctx.names["person_id"], ctx.names["name"], strict=True))
    items: list[DashItem] = []
    for rank, row in enumerate(high.to_dicts(), start=1):
        row["on_marac_list_before"] = row["person_id"] in before
        row["repeat_victim"] = row["person_id"] in repeat
        item = {
            "rank": rank,
            "person_id": row["person_id"],
            "assessment_id": None if ctx.partner else row["assessment_id"],
            "assessed_at": row["assessed_at"],
            "agency": row["agency"],
            "n_yes": row["n_yes"],
            "n_asked": row["n_asked"],
            "criteria": [CRITERION_NAMES[c] for c in _ASSESSMENT_CRITERIA if row[c]],
            "on_marac_list_before": row["on_marac_list_before"],
            "repeat_victim": row["repeat_victim"],
            "reasons": _reasons(row, cfg.visible_high_risk_yes),
            "links": links([row["incident_id"]], [row["person_id"]]),
        }
        if not ctx.partner:
            item["name"] = names.get(row["person_id"])
        items.append(cast(DashItem, item))
    notes = []
    if unplaced:
        notes.append(
            f"{counted(unplaced, 'DASH assessment')} of the window name no incident "
            "with a borough or LSOA: in no area, not listed here (the force-wide "
            "briefing lists them if high risk)."
        )
    n = made.height
    line = (
        f"{counted(len(items), 'high-risk DASH assessment')} of "
        f"{counted(n, 'assessment')} made in the window."
        if items
        else _none_high_line(n)
    )
    return DashHighRisk(
        recorded=True, n_assessed=n, items=items, line=line, rule=rule, notes=notes
    )


def _none_high_line(n_assessed: int) -> str:
    return (
        "No DASH assessment made in the window was judged high risk "
        f"({counted(n_assessed, 'assessment')} made in it)."
    )


def none_made_yet(section: DashHighRisk) -> DashHighRisk:
    """``section`` (made without DASH assessments) for a store that holds some,
    none made by the briefing's end (a briefing of a day before the first): none
    in the window, not "the data hold no DASH assessments", which would send the
    reader looking for a missing dash file."""
    return {**section, "recorded": True, "n_assessed": 0, "line": _none_high_line(0)}
