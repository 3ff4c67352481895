"""The board's charts: performance series and equality figures as inline SVG.

Built from the typed results of :mod:`avert.analyse.performance` and
:mod:`avert.analyse.equality` with the plain chart functions of
:mod:`avert.report.charts`; the same SVG goes in the web pages, the board pack's
HTML and (through WeasyPrint) its PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Final

import polars as pl

from avert.access import SMALL_CELL
from avert.analyse.equality import EqualityResult
from avert.analyse.performance import ChangeEstimate, SeriesResult, SPCChart
from avert.report.charts import (
    SERIES_COLOURS,
    bar_chart_svg,
    interval_chart_svg,
    line_chart_svg,
)
from avert.report.render import SPC_RULE_NAMES as _RULE_NAMES
from avert.report.render import interval_end_text

__all__ = ["equality_charts", "series_charts", "series_title"]


def series_title(s: SeriesResult, labels: Mapping[str, str] | None = None) -> str:
    """``area · category · flag`` without the ``all`` parts; a category by its
    label in ``labels`` (the performance result's ``params["category_labels"]``)."""
    parts = ["Whole area" if s.area == "all" else s.area]
    if s.category != "all":
        parts.append((labels or {}).get(s.category) or s.category.replace("_", " "))
    if s.flag != "all":
        parts.append(f"{s.flag} flagged")
    return " · ".join(parts)


def _labels(chart: pl.DataFrame) -> list[str]:
    return [f"{p:%Y-%m}" for p in chart["period"].to_list()]


def _per(chart: pl.DataFrame) -> str:
    """The period a chart's value counts over, for its axis: "a week" when its
    periods are 7 days apart (``performance(unit="week")``), else "a month"."""
    periods = chart["period"].to_list()
    weekly = len(periods) > 1 and (periods[1] - periods[0]).days == 7
    return "a week" if weekly else "a month"


def series_charts(s: SeriesResult) -> dict[str, str]:
    """SVG charts of one series: ``spc``, ``expected``, ``target``, ``confidence``.

    ``spc``: the control chart (c-chart of counts, XmR of harm) with centre line,
    3-sigma limits and 2-sigma warning limits from the baseline, the points that
    break a run rule ringed, the recent period shaded. ``expected``: the counts
    beside the seasonal baseline expectation (the chart data's ``expected``: the
    split model's with its steps off, the line the sustained check counts against).
    ``target``: observed against the target trajectory (when a target was set).
    ``confidence``: the survey's % who agree beside the crime count.
    Charts that do not apply are left out.
    """
    out: dict[str, str] = {}
    chart = s.chart
    labels = _labels(chart)
    recent = chart["recent"].to_list()
    name = series_title(s)
    unit = f"{'harm (CCHI days)' if s.measure == 'harm' else 'incidents'} {_per(chart)}"
    if s.spc is not None:
        out["spc"] = _spc_chart(s.spc, labels, recent, name=name, unit=unit)
    if s.change is not None:
        out["expected"] = _expected_chart(
            s, s.change, labels, recent, name=name, unit=unit
        )
    if s.target is not None and s.target.height:
        out["target"] = _target_chart(s.target, name=name, unit=unit)
    if s.confidence is not None and s.confidence.height:
        out["confidence"] = _confidence_chart(s.confidence, name=name)
    return out


def _spc_chart(
    chart: SPCChart, labels: list[str], recent: list[bool], *, name: str, unit: str
) -> str:
    """The control chart of :func:`series_charts`: the values, centre line, 3-sigma
    limits (the lower one when above 0) and 2-sigma warning limit, run-rule
    signals marked, the recent period shaded."""
    # limits widened for over-dispersion (Laney): the plain c-chart flags most
    # flat police series by chance; its own signals stay in the JSON
    spc = chart.adjusted()
    widened = (
        f", limits x{spc.widened_by:.2f} for over-dispersion (Laney)"
        if spc.widened_by > 1
        else ""
    )
    signals = list(spc.signal)
    fired = sorted(_RULE_NAMES.get(k, k) for k, v in spc.rules.items() if any(v))
    return line_chart_svg(
        labels,
        [
            {"name": unit, "values": list(spc.values), "dots": True},
            {
                "name": "centre (baseline)",
                "values": [spc.centre] * len(labels),
                "colour": SERIES_COLOURS["centre"],
                "width": 1,
            },
            {
                "name": "3-sigma limits",
                "values": list(spc.ucl),
                "colour": SERIES_COLOURS["limit"],
                "dash": "5 3",
                "width": 1,
            },
            {
                "name": "",
                "values": list(spc.lcl),
                "colour": SERIES_COLOURS["limit"],
                "dash": "5 3",
                "width": 1,
            }
            if any(v > 0 for v in spc.lcl)
            else {"name": "", "values": []},
            {
                "name": "2-sigma",
                "values": list(spc.upper_2sigma),
                "colour": SERIES_COLOURS["warning"],
                "dash": "2 3",
                "width": 1,
            },
        ],
        title=f"Control chart ({spc.kind}-chart{widened}), {name}: "
        + (f"signals: {', '.join(fired)}" if fired else "no run-rule signal"),
        y_label=unit,
        shade=recent,
        shade_label="recent period",
        markers=signals,
        marker_label="run-rule signal",
    )


def _expected_chart(
    s: SeriesResult,
    change: ChangeEstimate,
    labels: list[str],
    recent: list[bool],
    *,
    name: str,
    unit: str,
) -> str:
    """The series' counts (or harm) beside its seasonal baseline expectation, the
    rate ratio ``change`` and its interval in the title."""
    chart = s.chart
    values = (
        chart["harm"].to_list() if s.measure == "harm" else chart["count"].to_list()
    )
    return line_chart_svg(
        labels,
        [
            {"name": f"actual {unit}", "values": values, "dots": True},
            {
                "name": "seasonal baseline expectation",
                "values": chart["expected"].to_list(),
                "colour": SERIES_COLOURS["expected"],
                "dash": "6 3",
            },
        ],
        # an end rounded onto 1 keeps its side, as the table above the chart
        title=f"Actual against the seasonal expectation, {name}: rate ratio "
        f"{change.rate_ratio:.2f} ({interval_end_text(change.ci_low)} to "
        f"{interval_end_text(change.ci_high)})",
        y_label=unit,
        shade=recent,
        shade_label="recent period",
    )


def _target_chart(t: pl.DataFrame, *, name: str, unit: str) -> str:
    """Observed, its mean of the last 3 and the target trajectory."""
    return line_chart_svg(
        _labels(t),
        [
            {"name": "observed", "values": t["observed"].to_list(), "dots": True},
            {
                "name": "mean of last 3",
                "values": t["observed_smoothed"].to_list(),
                "colour": "#555555",
                "width": 1,
            },
            {
                "name": "target trajectory",
                "values": t["target"].to_list(),
                "colour": SERIES_COLOURS["target"],
                "dash": "6 3",
                "width": 2,
            },
        ],
        title=f"Against the target trajectory, {name}",
        y_label=unit,
    )


def _confidence_chart(c: pl.DataFrame, *, name: str) -> str:
    """The crime count beside the survey's % who agree (right axis)."""
    return line_chart_svg(
        _labels(c),
        [{"name": "crimes (count)", "values": c["count"].to_list(), "dots": True}],
        right={
            "name": "% who agree police and council deal with what matters",
            "values": c["pct_agree"].to_list(),
        },
        title=f"Confidence survey beside crime, {name}",
        y_label="count",
    )


def _ratio_row(
    r: Mapping[str, Any], label: str, *, white_withheld: bool = False
) -> dict[str, Any]:
    """One group's ratio to the White rate, an interval of :func:`interval_chart_svg`;
    "[c]" where the rule withheld it (its count, or the White count beside it:
    ``white_withheld``)."""
    withheld = bool(r.get("searches_withheld")) or white_withheld
    return {
        "label": label,
        "value": r["ratio_to_white"],
        "low": r["ci_low"],
        "high": r["ci_high"],
        "flag": bool(r.get("significantly_above_1")),
        "missing": WITHHELD if withheld and r["ratio_to_white"] is None else None,
    }


def _ratio_rows(frame: pl.DataFrame, label: str = "group") -> list[dict[str, Any]]:
    held = _white_withheld(frame, [])
    return [
        _ratio_row(r, r[label], white_withheld=bool(held.get(())))
        for r in frame.to_dicts()
        if r[label] != "White"
    ]


#: a figure withheld under the small-cell rule, as the tables print it
WITHHELD: Final = "[c]"


def _white_withheld(frame: pl.DataFrame, by: list[str]) -> dict[tuple[Any, ...], bool]:
    """Whether the White count of each ``by`` breakdown (none: the whole frame, key
    ``()``) is withheld under the small-cell rule (``searches_withheld``)."""
    if "searches_withheld" not in frame.columns:
        return {}
    white = frame.filter(pl.col("group") == "White")
    if not by:
        return {(): bool(white["searches_withheld"].any())}
    return {
        tuple(k[:-1]): bool(k[-1])
        for k in white.select(*by, "searches_withheld").iter_rows()
    }


def finds_unrecorded(outcomes: pl.DataFrame) -> bool:
    """True when no search has an outcome linked to its object though some ended in
    arrest: the source does not record the link (the Met's police.uk files), so its
    find rates of 0 say nothing and are neither charted nor tabled. A count
    withheld under the small-cell rule (``finds_withheld``, ``arrests_withheld``:
    :func:`avert.analyse.equality.withhold_force_counts`) is of 1 to 4, or beside
    one that is: some finds or arrests."""

    def some(rate: str, withheld: str) -> bool:
        held = outcomes[withheld].any() if withheld in outcomes.columns else False
        return bool((outcomes[rate].fill_null(0) > 0).any() or held)

    return bool(
        outcomes.height
        and "arrest_rate" in outcomes.columns
        and "find_rate" in outcomes.columns
        and not some("find_rate", "finds_withheld")
        and some("arrest_rate", "arrests_withheld")
    )


#: the drawn width of the rate and ratio charts, side by side on a wide screen and
#: in the pack, and of a phone's charts (``*_phone``), all of which a phone shows at
#: its screen's width: 304 px inside a 320 px phone's margins make their 10 px text
#: 12.2 px (drawn 300 px, 10.1 px; the wide drawings, 560-640 px, shrunk to a phone
#: had 6 px labels, and at their own size scrolled sideways in their box)
SIDE_BY_SIDE_PX: Final = 250
PHONE_PX: Final = 250
#: period labels on a phone's trend axis: "2025-07" is about 42 px at 10 px, and
#: the 190 px of plot hold 3 with their gaps (4 ran into each other)
PHONE_X_LABELS: Final = 3


def equality_charts(result: EqualityResult) -> dict[str, str]:
    """SVG charts of stop and search: ``rates`` and ``ratios`` (the force's frame),
    ``legislation`` (ratios per power searched under), ``trend`` (ratios per month) and
    ``outcomes`` (find rate per group); and the last three drawn for a phone
    (``legislation_phone``, ``trend_phone``, ``outcomes_phone``: :data:`PHONE_PX`
    wide, the powers' labels above their intervals, 4 months named on the trend's
    axis), which a page shows in their place on a narrow screen. The rates and
    ratios are drawn :data:`SIDE_BY_SIDE_PX` wide, for both."""
    out: dict[str, str] = {}
    frame = result.frame
    if frame.height:
        rates = frame.sort("group")
        out["rates"] = bar_chart_svg(
            [
                {
                    "label": r["group"],
                    "value": r["rate_per_1000"],
                    "flag": bool(r.get("significantly_above_1")),
                    "missing": WITHHELD if r.get("searches_withheld") else None,
                }
                for r in rates.to_dicts()
            ],
            title="Searches per 1,000 residents by self-defined ethnic group",
            x_label="searches per 1,000 residents",
            width_px=SIDE_BY_SIDE_PX,
        )
        out["ratios"] = interval_chart_svg(
            _ratio_rows(rates),
            title="Disproportionality: ratio of each group's search rate to the "
            "White rate, 95 % interval",
            width_px=SIDE_BY_SIDE_PX,
        )
    leg = result.by_legislation
    if leg.height and "power" in leg.columns:
        # a power no one was searched under has no ratio for any group: left out
        # (a withheld count, null, is of searches: its power kept)
        used = (
            leg.group_by("power")
            .agg(pl.col("searches").fill_null(1).sum())
            .filter(pl.col("searches") > 0)
        )
        rows = (
            leg.join(used.select("power"), on="power", how="semi")
            .filter(pl.col("group") != "White")
            .sort("power", "group")
        )
        held = _white_withheld(leg, ["power"])
        ratio_rows = [
            _ratio_row(
                r,
                f"{r['power']}: {r['group']}",
                white_withheld=held.get((r["power"],), False),
            )
            for r in rows.to_dicts()
        ]
        by_power = "Ratio to the White rate by power, 95 % interval"
        out["legislation"] = interval_chart_svg(
            ratio_rows, title=by_power, width_px=620
        )
        out["legislation_phone"] = interval_chart_svg(
            ratio_rows, title=by_power, width_px=PHONE_PX, stacked=True
        )
    if result.trend.height and "period" in result.trend.columns:
        out["trend"] = _trend_chart(result.trend)
        out["trend_phone"] = _trend_chart(
            result.trend, width_px=PHONE_PX, x_labels_shown=PHONE_X_LABELS
        )
    oc = result.outcomes
    if finds_unrecorded(oc):
        # no search has a linked find though some ended in arrest: the source does
        # not record the link, and a chart of zeros would be empty
        rate, title, x_label = (
            "arrest_rate",
            "Arrest rate, % by group (the source records no search's outcome "
            "as linked to its object, so no find rate)",
            "% of searches ending in arrest",
        )
    elif oc.height and "find_rate" in oc.columns:
        rate, title, x_label = (
            "find_rate",
            "Find rate: searches whose outcome, beyond no further action, was "
            "linked to the object of the search, % by group",
            "% of searches with a linked find",
        )
    else:
        return out
    bars = [
        {"label": r["group"], "value": (r[rate] or 0) * 100}
        if r[rate] is not None or not _rate_withheld(r)
        else {"label": r["group"], "value": None, "missing": WITHHELD}
        for r in oc.sort("group").to_dicts()
    ]
    out["outcomes"] = bar_chart_svg(bars, title=title, x_label=x_label)
    out["outcomes_phone"] = bar_chart_svg(
        bars, title=title, x_label=x_label, width_px=PHONE_PX
    )
    return out


def _rate_withheld(r: Mapping[str, Any]) -> bool:
    """Whether a group's find or arrest rate was withheld with its counts."""
    return any(bool(r.get(f"{c}_withheld")) for c in ("searches", "finds", "arrests"))


#: a line per group of the trend chart (colour-blind safe: Paul Tol's palette)
_GROUP_COLOURS: Final = {
    "Asian": "#332288",
    "Black": "#CC6677",
    "Mixed": "#117733",
    "Other": "#AA4499",
}


def _trend_chart(
    trend: pl.DataFrame, *, width_px: int = 640, x_labels_shown: int = 8
) -> str:
    """The ratio of each group's search rate to the White rate per period (the
    trend's ``period``, a month by default), a line per group beside parity (1);
    a period in which a group or the White group has no searches has no ratio,
    a gap in its line. Every month from the first to the last is on the axis: a
    month without searches has no trend row, and is a gap rather than left out
    (which would join the months either side of it)."""
    present: list[dt.date] = trend["period"].unique().to_list()
    months = pl.date_range(min(present), max(present), "1mo", eager=True)
    periods = sorted(set(months.to_list()) | set(present))
    labels = [f"{p:%Y-%m}" for p in periods]
    lines: list[dict[str, Any]] = []
    for group in sorted(g for g in trend["group"].unique().to_list() if g != "White"):
        ratio_of = dict(
            trend.filter(pl.col("group") == group)
            .select("period", "ratio_to_white")
            .iter_rows()
        )
        lines.append(
            {
                "name": _trend_name(trend, group),
                "values": [ratio_of.get(p) for p in periods],
                "colour": _GROUP_COLOURS.get(group, SERIES_COLOURS["centre"]),
                "dots": True,
            }
        )
    lines.append(
        {
            "name": "parity (1)",
            "values": [1.0] * len(periods),
            "colour": "#777777",
            "dash": "4 3",
            "width": 1,
        }
    )
    return line_chart_svg(
        labels,
        lines,
        title="Trend: ratio of each group's search rate to the White rate by month",
        y_label="ratio to White",
        width_px=width_px,
        x_labels_shown=x_labels_shown,
    )


def _trend_name(trend: pl.DataFrame, group: str) -> str:
    """The trend legend's name of ``group``: with why where no month has a ratio
    to draw (its count withheld by the small-cell rule, ``searches_withheld``; no
    searches; or the White count the ratio is taken to withheld). The board
    pack's legend listed Mixed and Other with no point drawn and no word why
    (the synthetic city, April 2026: every month of each was one of the three)."""
    rows = trend.filter(pl.col("group") == group)
    if rows["ratio_to_white"].is_not_null().any():
        return group
    white_held = set()
    if "searches_withheld" in trend.columns:
        white = trend.filter((pl.col("group") == "White") & pl.col("searches_withheld"))
        white_held = set(white["period"].to_list())
    own = (
        rows["searches_withheld"].fill_null(value=False).to_list()
        if "searches_withheld" in rows.columns
        else [False] * rows.height
    )
    searches = (
        rows["searches"].to_list()
        if "searches" in rows.columns
        else [None] * rows.height
    )
    why: list[str] = []
    for held, n, period in zip(own, searches, rows["period"].to_list(), strict=True):
        if held:
            said = f"withheld (fewer than {SMALL_CELL} searches, or the next smallest)"
        elif n == 0:
            said = "no searches"
        elif period in white_held:
            said = "the White count withheld"
        else:
            continue
        if said not in why:
            why.append(said)
    if not why:
        return group
    return f"{group} (no month's ratio: {', '.join(why)})"


def as_markup(charts: Mapping[str, str]) -> dict[str, Any]:
    """The charts as Markup (built from numbers and escaped labels)."""
    from markupsafe import Markup

    return {k: Markup(v) for k, v in charts.items()}
