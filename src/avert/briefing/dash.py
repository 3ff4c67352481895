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
25 elapsed hours on the mornings the clocks change (the briefing's note says so);
a month-precision briefing's is its month, and a note says the list is the month's,
not the last hours', and its "new to the MARAC list" as of the month's start.
An area's briefing lists the assessments whose incident is in the area (the
``borough``/``lsoa`` of the assessment's incident, added by the workflow, or the
incident among the area's incidents); an assessment naming no placed incident is
in no area, and a note counts those the area's list leaves out. A victim assessed
high risk for incidents in two areas is listed in one area's briefing, that of their
latest (:mod:`avert.briefing.dash_areas`), and both areas' lists say so.

One row a victim: a MARAC discusses a victim's case and is referred it once, so a
victim assessed high risk twice in the window (a police DASH overnight, an IDVA's in
the morning) is one row, their latest high-risk assessment, whose ``earlier`` and
reasons name the earlier ones; the section's line counts both the assessments and
the victims. The MARAC list counts a victim's latest assessment: a victim
reassessed below high risk later in the window keeps the row, with the
reassessment named (``reassessed``), and is told "refer" only when the list holds
them at the window's end all the same (potential escalation). The rows are highest
risk first (criteria met, then yes answers), then the most recent.
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
    dash_answers,
    high_risk_assessments,
    marac_referrals,
)
from avert.briefing import dated_alone
from avert.briefing.context import BriefingContext, assessed_when, counted, links
from avert.briefing.dash_areas import (
    elsewhere_line,
    in_area_made,
    split_by_latest_area,
)
from avert.briefing.model import DashHighRisk, DashItem, RepeatVictimItem
from avert.config.risk import MaracConfig, default_risk_config

__all__ = ["NO_DASH_LINE", "dash_section", "made_in_window", "none_made_yet"]

#: The section's line when the data hold no DASH assessment at all
NO_DASH_LINE: Final = (
    "The data hold no DASH assessments (a record bundle's dash file, "
    "docs/bundle.md): high-risk domestic abuse assessments cannot be listed."
)
_ASSESSMENT_CRITERIA: Final = ("visible_high_risk", "professional_judgement")


def made_in_window(start: dt.datetime, end: dt.datetime) -> pl.Expr:
    """The assessments made in the window ``[start, end)``: by their time, or, for
    one dated alone (``time_precision`` ``day``, stored at 00:00), by their day
    overlapping it (:func:`avert.briefing.dated_alone.in_window`). At 00:00 an
    assessment dated the day a morning window starts fell before it, and the day
    before's briefing ran before it was made: no briefing listed it. It can be in
    two days' briefings now, as its time is not known, and the row and a note say
    so (:func:`_shared_day_reason`, :func:`_shared_day_notes`)."""
    return dated_alone.in_window("assessed_at", start, end)


def _on_list(ctx: BriefingContext, dash: pl.DataFrame, until: dt.datetime) -> set[str]:
    """The victims on the MARAC list just before ``until`` (the window's start or
    end): :func:`marac_referrals` as of then, from the assessments made before it
    and the victims' domestic incidents of the year to it (the briefing's
    incidents and the workflow's ``dash_victim_incidents``), by any of its
    criteria. A victim listed by potential escalation (3 domestic incidents in
    365 days) is on the list though no assessment of theirs was high risk: told
    "new to the MARAC list: refer", the meeting would refer a victim the list
    already holds."""
    before = dash.filter(pl.col("assessed_at") < until)
    history = ctx.frames["dash_victim_incidents"]
    incidents = pl.concat(
        [
            ctx.incidents.select(
                pl.col("incident_id").cast(pl.String),
                pl.col("occurred_from").cast(pl.Datetime("us")),
                (  # a date alone of the first day counts by its day (escalation)
                    pl.col("time_precision").cast(pl.String)
                    if "time_precision" in ctx.incidents.columns
                    else pl.lit(None, dtype=pl.String).alias("time_precision")
                ),
                (
                    pl.col("domestic").cast(pl.Boolean)
                    if "domestic" in ctx.incidents.columns
                    else pl.lit(None, dtype=pl.Boolean).alias("domestic")
                ),
            ),
            history.select(
                "incident_id", "occurred_from", "time_precision", "domestic"
            ),
        ]
    ).filter(pl.col("occurred_from") < until)
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
        at=until - dt.timedelta(microseconds=1),
        config=ctx.risk_config,
    ).frame
    return set(met["person_id"].to_list())


def _earlier_line(earlier: list[dict[str, object]]) -> str:
    """The reason naming a victim's earlier high-risk assessments of the window."""
    told = "; ".join(
        assessed_when(cast(dt.datetime, e["assessed_at"]), e.get("time_precision"))
        + (f" by {e['agency']}" if e.get("agency") else "")
        + f" ({e['n_yes']} yes)"
        for e in earlier
    )
    return (
        f"also assessed high risk earlier in the window: {told}; one victim, one "
        "MARAC referral (not one per assessment)"
    )


def _reassessed_line(later: dict[str, object]) -> str:
    """The reason naming a victim's later assessment of the window that is not
    judged high risk (:func:`_reassessed`)."""
    level = later.get("risk_level") or "no level recorded"
    return (
        "reassessed below high risk later in the window: "
        + assessed_when(
            cast(dt.datetime, later["assessed_at"]), later.get("time_precision")
        )
        + (f" by {later['agency']}" if later.get("agency") else "")
        + f" ({later['n_yes']} yes, {level})"
    )


def _referral_line(row: dict[str, object]) -> str:
    """Whether the MARAC list holds the victim, and so whether to refer: "new to
    the MARAC list: refer" only when it did not before the window and does at its
    end (a victim reassessed below high risk since, and meeting no other
    criterion, it does not: it counts a victim's latest assessment)."""
    if row["on_marac_list_at_end"]:
        return (
            "already on the MARAC list before the window"
            if row["on_marac_list_before"]
            else "new to the MARAC list: refer to the MARAC (SafeLives)"
        )
    was = (
        "on the MARAC list before the window, not"
        if row["on_marac_list_before"]
        else "not on the MARAC list"
    )
    return (
        f"{was} at its end: the list counts a victim's latest assessment (avert "
        "analyse marac), now below high risk; review the reassessment with its "
        "assessor before the MARAC decides on a referral"
    )


def _reasons(
    row: dict[str, object], visible_yes: int, earlier: list[dict[str, object]]
) -> list[str]:
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
    if earlier:
        reasons.append(_earlier_line(earlier))
    if row["elsewhere"]:
        reasons.append(elsewhere_line(cast(list[dict[str, object]], row["elsewhere"])))
    if row["shared_day"]:
        reasons.append(cast(str, row["shared_day"]))
    if row["reassessed"]:
        reasons.append(_reassessed_line(cast(dict[str, object], row["reassessed"])))
    reasons.append(_referral_line(row))
    if row["repeat_victim"]:
        reasons.append("also a repeat victim hit again in the window (list above)")
    return reasons


def _per_victim(
    high: pl.DataFrame,
) -> tuple[pl.DataFrame, dict[str, list[dict[str, object]]]]:
    """``high`` (latest first) as one row per victim, their latest high-risk
    assessment of the window, and each victim's earlier ones (latest first).

    A MARAC discusses a victim's case, referred once: two high-risk assessments of
    one victim in a window (a police DASH overnight and an IDVA's in the morning)
    said "refer to the MARAC" twice, and the meeting would refer the victim
    twice. The row is the latest high-risk one; the MARAC list counts a victim's
    latest assessment (:func:`avert.analyse.dash.marac_referrals`), which may be a
    later one not judged high risk (:func:`_reassessed`)."""
    latest = pl.col("assessment_id").cum_count().over("person_id") == 1
    marked = high.with_columns(latest.alias("_latest"))
    earlier: dict[str, list[dict[str, object]]] = {}
    for row in marked.filter(~pl.col("_latest")).to_dicts():  # a few a day
        earlier.setdefault(str(row["person_id"]), []).append(row)
    return _highest_first(marked.filter(pl.col("_latest")).drop("_latest")), earlier


def _highest_first(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (one a victim) highest risk first, then the most recent: by the
    assessment criteria met (both first), then the yes answers, then the time
    (latest first), then the assessment id; the MARAC list's ranking
    (:mod:`avert.analyse.dash`: criteria, then yes answers). Latest first alone
    put an assessment of 14 yes answers made at 07:00 above one of 22 made at
    06:00, and the meeting reads the list from the top."""
    met = pl.sum_horizontal(
        pl.col(c).cast(pl.Int64).fill_null(0) for c in _ASSESSMENT_CRITERIA
    )
    return rows.sort(
        [met, "n_yes", "assessed_at", "assessment_id"],
        descending=[True, True, True, False],
    )


def _reassessed(
    dash: pl.DataFrame, rows: pl.DataFrame, *, until: dt.datetime, cfg: MaracConfig
) -> dict[str, dict[str, object]]:
    """Per victim of ``rows`` (their latest high-risk assessment of the window):
    their latest assessment made before ``until`` when it is a later one not
    judged high risk, with its answers counted. It is the one the MARAC list
    counts (:func:`avert.analyse.dash.marac_referrals`, latest by time then id),
    so by it the victim is off the list: the row must not say "refer" unless
    another criterion holds (:func:`_referral_line`)."""
    if not rows.height:
        return {}
    latest = (
        dash.filter(
            pl.col("person_id").is_in(rows["person_id"].implode())
            & (pl.col("assessed_at") < until)
        )
        .sort("person_id", "assessed_at", "assessment_id")
        .group_by("person_id", maintain_order=True)
        .last()
        .join(
            rows.select("person_id", pl.col("assessment_id").alias("_row")),
            on="person_id",
        )
        .filter(pl.col("assessment_id") != pl.col("_row"))
        .drop("_row")
    )
    if not latest.height:
        return {}
    since = cast(dt.datetime, latest["assessed_at"].min())
    high = high_risk_assessments(latest, since=since, until=until, config=cfg)
    lower = dash_answers(
        latest.filter(~pl.col("assessment_id").is_in(high["assessment_id"].implode()))
    )
    return {
        str(r["person_id"]): r
        for r in lower.select(
            "person_id",
            "assessment_id",
            "assessed_at",
            pl.col("time_precision")
            if "time_precision" in lower.columns
            else pl.lit(None, dtype=pl.String).alias("time_precision"),
            "agency",
            "n_yes",
            "n_asked",
            "risk_level",
        ).to_dicts()
    }


def _told(ctx: BriefingContext, row: dict[str, object]) -> dict[str, object]:
    """An earlier or later assessment as the item tells it: no id for partners."""
    keep = ("assessed_at", "time_precision", "agency", "n_yes", "n_asked")
    told = {"assessment_id": None if ctx.partner else row["assessment_id"]}
    told.update({k: row[k] for k in keep})
    if "visible_high_risk" in row:  # an earlier high-risk one: its criteria
        told["criteria"] = [CRITERION_NAMES[c] for c in _ASSESSMENT_CRITERIA if row[c]]
    else:  # a later one not judged high risk: its recorded level
        told["risk_level"] = row.get("risk_level")
    return told


def _item(
    ctx: BriefingContext,
    rank: int,
    row: dict[str, object],
    earlier: list[dict[str, object]],
    visible_yes: int,
) -> DashItem:
    """The section's row of one victim's latest high-risk assessment."""
    item: dict[str, object] = {
        "rank": rank,
        "person_id": row["person_id"],
        "assessment_id": None if ctx.partner else row["assessment_id"],
        "assessed_at": row["assessed_at"],
        "time_precision": row["time_precision"],
        "agency": row["agency"],
        "n_yes": row["n_yes"],
        "n_asked": row["n_asked"],
        "criteria": [CRITERION_NAMES[c] for c in _ASSESSMENT_CRITERIA if row[c]],
        "on_marac_list_before": row["on_marac_list_before"],
        "on_marac_list_at_end": row["on_marac_list_at_end"],
        "earlier": [_told(ctx, e) for e in earlier],
        "reassessed": (
            None
            if row["reassessed"] is None
            else _told(ctx, cast(dict[str, object], row["reassessed"]))
        ),
        "repeat_victim": row["repeat_victim"],
        "reasons": _reasons(row, visible_yes, earlier),
        "links": links(
            [cast(str | None, r["incident_id"]) for r in (row, *earlier)],
            [cast(str | None, row["person_id"])],
        ),
    }
    return cast(DashItem, item)


def dash_section(
    ctx: BriefingContext, repeat_victims: Sequence[RepeatVictimItem] = ()
) -> DashHighRisk:
    """The DASH assessments made in the window and judged high risk, one row per
    victim (their latest; the earlier ones of the window in its reasons and
    links: one referral, :func:`_per_victim`), highest risk first, each with its
    victim, time, the criteria met, whether the victim was already on the MARAC
    list (any criterion) before the window, and whether they are among
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
    made = dash.filter(made_in_window(ctx.window_from, ctx.window_to))
    mine, unplaced = in_area_made(ctx, made)
    high_made = high_risk_assessments(
        made,
        since=dated_alone.day_start(ctx.window_from),
        until=ctx.window_to,
        config=cfg,
    )
    split = split_by_latest_area(ctx, made, high_made)
    high = split.high
    rows, earlier = _per_victim(high)
    # before the window: not the window's own (a date alone is at 00:00 of its day)
    before = _on_list(
        ctx,
        dash.filter(~pl.col("assessment_id").is_in(made["assessment_id"].implode())),
        ctx.window_from,
    )
    later = _reassessed(dash, rows, until=ctx.window_to, cfg=cfg)
    # the reassessed victims the list holds at the window's end all the same (by
    # potential escalation); every other row's latest assessment is high risk
    at_end = (
        _on_list(
            ctx, dash.filter(pl.col("person_id").is_in(list(later))), ctx.window_to
        )
        if later
        else set()
    )
    repeat = {v["person_id"] for v in repeat_victims}
    names = dict(zip(ctx.names["person_id"], ctx.names["name"], strict=True))
    items: list[DashItem] = []
    for rank, row in enumerate(rows.to_dicts(), start=1):
        row["on_marac_list_before"] = row["person_id"] in before
        row["reassessed"] = later.get(str(row["person_id"]))
        row["on_marac_list_at_end"] = (
            row["reassessed"] is None or row["person_id"] in at_end
        )
        row["repeat_victim"] = row["person_id"] in repeat
        row["elsewhere"] = split.elsewhere.get(str(row["person_id"]), [])
        row["shared_day"] = _shared_day_reason(ctx, row)
        item = _item(
            ctx,
            rank,
            row,
            earlier.get(str(row["person_id"]), []),
            cfg.visible_high_risk_yes,
        )
        if not ctx.partner:
            item["name"] = names.get(row["person_id"])
        items.append(item)
    notes = [
        *_month_notes(ctx, len(items)),
        *split.notes,
        *_unplaced_notes(unplaced),
        *_shared_day_notes(ctx, mine, high_made),
    ]
    return DashHighRisk(
        recorded=True,
        n_assessed=mine.height,
        items=items,
        line=_line(
            high.height + split.moved_assessments,
            len(items),
            mine.height,
            moved=split.moved_victims,
        ),
        rule=rule,
        notes=notes,
    )


def _unplaced_notes(unplaced: int) -> list[str]:
    """An area's note counting the window's assessments in no area."""
    if not unplaced:
        return []
    return [
        f"{counted(unplaced, 'DASH assessment')} of the window "
        f"{'names' if unplaced == 1 else 'name'} no incident with a borough or "
        "LSOA: in no area, not listed here (the force-wide briefing lists "
        f"{'it' if unplaced == 1 else 'them'} if high risk)."
    ]


def _shared_day_reason(ctx: BriefingContext, row: dict[str, object]) -> str | None:
    """The row's reason when its assessment is dated alone on a day the window
    shares with the briefing before or after, which lists it too
    (:mod:`avert.briefing.dated_alone`); None otherwise."""
    if row.get("time_precision") != "day":
        return None
    return dated_alone.shared_day_reason(
        cast(dt.datetime, row["assessed_at"]),
        ctx.window_from,
        ctx.window_to,
        one="one assessment, one MARAC referral",
    )


def _shared_day_notes(
    ctx: BriefingContext, mine: pl.DataFrame, high_made: pl.DataFrame
) -> list[str]:
    """The note counting the assessments of the line (``mine``, the area's made in
    the window; ``high_made``: the window's high-risk ones) dated alone on a day
    the window shares with the briefing before or after: that briefing counts
    them too, and the briefings' counts added up (a week's, 28 days') would count
    them twice. Nothing said so."""
    shared = mine.filter(
        dated_alone.shares_day("assessed_at", ctx.window_from, ctx.window_to)
    )
    if not shared.height:
        return []
    high = shared["assessment_id"].is_in(high_made["assessment_id"].implode()).sum()
    one = shared.height == 1
    return [
        f"{counted(shared.height, 'assessment')} of those made in the window "
        f"({high:,} judged high risk) {'is' if one else 'are'} dated alone (no "
        "time recorded) on a day this window shares with the briefing before or "
        f"after, which counts {'it' if one else 'them'} too (the one before if on "
        "record when it ran): adding briefings' counts up (a week's, 28 days') can "
        f"count {'it' if one else 'them'} twice."
    ]


def _month_notes(ctx: BriefingContext, n_items: int) -> list[str]:
    """A month-precision briefing's note: it covers a month, not the last hours,
    so its high-risk assessments are a month's, and "new to the MARAC list: refer"
    is as of the month's start (the victim may have been referred since)."""
    if ctx.precision != "month":
        return []
    month = f"{ctx.window_from:%B %Y}"
    return [
        f"The incidents are month-precision (data.police.uk), so this briefing "
        f"covers {month}, not the last {ctx.hours} hours: "
        + (
            f'the assessments listed are those made in {month}, and "new to the '
            f'MARAC list" means not on it on {ctx.window_from:%d %b %Y}: the '
            "victim may have been referred since (avert analyse marac lists the "
            "victims as of now)."
            if n_items
            else f"none made in {month} was judged high risk."
        )
    ]


def _line(n_high: int, n_victims: int, n_assessed: int, *, moved: int = 0) -> str:
    """The section's line: the high-risk assessments of those made in the window
    (in the area), and of how many victims when some victim had more than one or
    some are listed in another area's briefing (``moved``: their latest high-risk
    assessment was made there, :mod:`avert.briefing.dash_areas`)."""
    if not n_high:
        return _none_high_line(n_assessed)
    of = (
        f"{counted(n_high, 'high-risk DASH assessment')} of "
        f"{counted(n_assessed, 'assessment')} made in the window"
    )
    if moved:
        return (
            f"{of}, of {counted(n_victims + moved, 'victim')}: "
            f"{counted(n_victims, 'victim')} listed here, {moved:,} in another "
            "area's briefing (a note below says which): one row and one MARAC "
            "referral a victim."
        )
    if n_victims == n_high:
        return f"{of}."
    return (
        f"{of}, of {counted(n_victims, 'victim')}: one row and one MARAC referral "
        "a victim."
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
