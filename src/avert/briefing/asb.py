"""Section 2c: vulnerable ASB callers at escalation risk (ASB case review threshold)."""

from __future__ import annotations

from typing import cast

import polars as pl

from avert.analyse.risk import ASB_TIES, asb_escalation_risk
from avert.briefing import dated_alone
from avert.briefing.context import PERSON_SEQ, BriefingContext, counted, links
from avert.briefing.model import AsbCallerItem, Section
from avert.briefing.victims import score_line, take_parts

__all__ = ["asb_callers_section"]


def asb_callers_section(ctx: BriefingContext) -> Section[AsbCallerItem]:
    """Vulnerable callers who reported ASB in the window, by escalation score."""
    asb = ctx.frames["asb"]
    if not asb.height:
        return Section([])
    inc = ctx.incidents
    ar = asb_escalation_risk(
        asb,
        # time_precision: violence dated alone counts by its day (in the window,
        # after the first report)
        inc.select(
            c
            for c in ("incident_id", "occurred_from", "time_precision", "in_definition")
            if c in inc.columns
        ),
        ctx.involvements,
        at=ctx.window_to,
        unit="caller",
        config=ctx.risk_config,
    )
    # the window's reports ([from, to); one dated alone by its day overlapping
    # it: avert.briefing.dated_alone)
    window = asb.filter(
        dated_alone.in_window("occurred_at", ctx.window_from, ctx.window_to)
    )
    callers = (
        ar.frame.filter(
            pl.col("any_vulnerable")
            & pl.col("person_id").is_in(window["caller_id"].implode())
        )
        .join(ctx.names, on="person_id", how="left")
        .drop("rank")
        # the list's own ranking rule (`avert analyse risk --kind asb`), then the
        # police order of people, the same for partners (never their pseudonyms)
        .pipe(ctx.in_police_order)
        .sort(
            ["score", *(c for c, _ in ASB_TIES), PERSON_SEQ],
            descending=[True, *(d for _, d in ASB_TIES), False],
            nulls_last=True,
        )
        .drop(PERSON_SEQ)
        .with_row_index("rank", offset=1)
    )
    ids_by_caller = (
        window.select(pl.col("caller_id").alias("person_id"), "asb_id")
        .group_by("person_id")
        .agg(pl.col("asb_id").sort().alias("asb_ids"))
    )
    callers = callers.join(ids_by_caller, on="person_id", how="left").join(
        _shared_days(ctx, window), on="person_id", how="left"
    )
    items: list[AsbCallerItem] = []
    for row in callers.to_dicts():
        parts = take_parts(row, partner=ctx.partner)
        row["reasons"] = [
            "vulnerable caller reporting ASB in the window",
            f"{counted(row['n_reports'], 'ASB report')} in {ar.window_days} days"
            + (
                " — meets the ASB case review threshold"
                if row["meets_case_review"]
                else ""
            ),
            score_line("escalation score", row["score"], parts),
        ]
        if row["n_violence_after"]:
            row["reasons"].append(
                f"{counted(row['n_violence_after'], 'violent incident')} against the caller "
                "after the first report"
            )
        row["reasons"] += [
            "report "
            + str(
                dated_alone.shared_day_reason(
                    day, ctx.window_from, ctx.window_to, one="one ASB report"
                )
            )
            for day in row.pop("shared_days") or []
        ]
        row["links"] = {
            **links((), [row["person_id"]]),
            "asb_id": list(row.pop("asb_ids") or []),
        }
        items.append(cast(AsbCallerItem, row))
    return Section(items)


def _shared_days(ctx: BriefingContext, window: pl.DataFrame) -> pl.DataFrame:
    """Per caller (``person_id``), the days (their 00:00) of the window's reports
    dated alone on a day the window shares with the briefing before or after,
    which lists the caller too (:func:`avert.briefing.dated_alone.shares_day`):
    the item says so, as the incidents' and DASH assessments' do."""
    if "time_precision" not in window.columns:
        window = window.with_columns(pl.lit(None, pl.String).alias("time_precision"))
    return (
        window.filter(
            dated_alone.shares_day("occurred_at", ctx.window_from, ctx.window_to)
        )
        .group_by(pl.col("caller_id").alias("person_id"))
        .agg(pl.col("occurred_at").unique().sort().alias("shared_days"))
    )
