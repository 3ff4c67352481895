"""Section 2d: escalating ASB reports of the window (the ASB bridge, seed ¶ 8).

The seed counts "repeat incidents of anti-social behaviour that may escalate to
more serious violence" within violence (paragraphs 4 and 8), and its daily meeting
reviews the violence of the last 24 hours. The definition's ASB bridge
(:func:`avert.classify.asb_escalation`) marks a report that escalates: its caller's
``min_reports``-th report in the bridge's window (fewer for a vulnerable caller),
or the ``min_reports``-th in its place cell. ``avert classify`` stores the verdicts
(``asb_escalations``); the workflow reads the window's escalating reports joined
to them (frame ``asb_escalating``: :func:`avert.store.queries.escalating_asb_between`).

They are listed here as ASB reports, not crimes: they carry no harm weight, so
they are in no harm total, the incident list, the 80/20 tables nor the places
forecast (the Cambridge Crime Harm Index weighs crimes by sentence; ASB has none).
Vulnerable callers first (the Pilkington case), then the reports with the most
reports behind them, then the latest; ties in the police order of reports, the
same for partners (who read pseudonyms).
"""

from __future__ import annotations

import datetime as dt
from typing import Final, cast

import polars as pl

from avert.briefing import dated_alone
from avert.briefing.context import ASB_SEQ, BriefingContext, counted, links
from avert.briefing.model import AsbEscalationItem, Section

__all__ = ["ASB_BRIDGE_NOTE", "asb_escalating_section"]

#: What the section's reports are, and are not (shown under its heading).
ASB_BRIDGE_NOTE: Final = (
    "ASB reports, not crimes: counted beside violence by the definition's ASB "
    "bridge (seed paragraph 8), with no harm weight, so in no harm total, "
    "incident count or places forecast."
)

_RULE_WORDS: Final = {
    "asb.repeat_caller": "the caller's {n} in the definition's ASB window "
    "(asb.repeat_caller)",
    "asb.repeat_caller_vulnerable": "a vulnerable caller's {n} in the definition's "
    "ASB window (asb.repeat_caller_vulnerable)",
    "asb.repeat_place": "{n} in the same place cell in the definition's ASB "
    "window (asb.repeat_place)",
}


def asb_escalating_section(ctx: BriefingContext) -> Section[AsbEscalationItem]:
    """The window's ASB reports that escalate under the definition's ASB bridge."""
    reports = ctx.frames["asb_escalating"]
    if not reports.height:
        return Section([])
    window = reports.filter(
        dated_alone.in_window("occurred_at", ctx.window_from, ctx.window_to)
    )
    if not window.height:
        return Section([])
    ordered = (
        window.with_columns(
            pl.col("vulnerable_caller").fill_null(value=False),
            pl.max_horizontal(
                pl.col("n_caller_reports").fill_null(0),
                pl.col("n_place_reports").fill_null(0),
            ).alias("_most"),
        )
        .sort(
            ["vulnerable_caller", "_most", "occurred_at", ASB_SEQ],
            descending=[True, True, True, False],
            nulls_last=True,
        )
        .rename({"caller_id": "person_id"})
        .join(ctx.names, on="person_id", how="left", maintain_order="left")
        .drop("_most", ASB_SEQ)
        .with_row_index("rank", offset=1)
    )
    items: list[AsbEscalationItem] = []
    for row in ordered.to_dicts():
        rules = str(row.pop("rule_ids") or "").split(";")
        row["rule_ids"] = [r for r in rules if r]
        row["reasons"] = _reasons(ctx, row)
        row["links"] = {
            **links((), [row["person_id"]]),
            "asb_id": [row["asb_id"]],
        }
        if ctx.partner or row.get("name") is None:
            row.pop("name", None)
        items.append(cast(AsbEscalationItem, row))
    return Section(items, notes=[ASB_BRIDGE_NOTE])


def _reasons(ctx: BriefingContext, row: dict[str, object]) -> list[str]:
    """Why a report is listed: what it is, each rule of the bridge it meets, and,
    for one dated alone on a day the window shares with the briefing before or
    after (which lists it too), that it is (:mod:`avert.briefing.dated_alone`, as
    the callers' and the DASH assessments' say)."""
    category = row.get("category")
    out = [
        f"ASB report{f' ({category})' if category else ''}, not a crime: no harm weight"
    ]
    for rule in cast(list[str], row["rule_ids"]):
        column = "n_place_reports" if rule == "asb.repeat_place" else "n_caller_reports"
        n = int(cast(int, row.get(column) or 0))
        words = _RULE_WORDS.get(rule, rule + " ({n})")
        out.append(words.format(n=counted(n, "ASB report")))
    if row.get("time_precision") == "day":
        shared = dated_alone.shared_day_reason(
            cast(dt.datetime, row["occurred_at"]),
            ctx.window_from,
            ctx.window_to,
            one="one ASB report",
        )
        out += [shared] if shared else []
    return out
