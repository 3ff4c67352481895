"""The daily risk briefing: the page the daily risk meeting chair opens at 8 a.m.

The seed's daily risk management meeting (MPA 2010 delivery plan, ¶ on daily risk
management and footnote 2: Operation Verano "reviews violent incident and
intelligence from the last 24 hours and informs Operation Blunt deployments") needs,
highest harm first and each with its reasons:

1. the violent incidents of the window (the AVB definition), with harm, weapon,
   domestic / hate / group flags, linked people and groups
   (:func:`~avert.briefing.incidents.incidents_section`);
2. retaliation alerts, repeat victims hit again, the high-risk domestic abuse
   (DASH) assessments of the window, vulnerable ASB callers at escalation risk
   (:mod:`~avert.briefing.retaliation`, :mod:`~avert.briefing.victims`,
   :mod:`~avert.briefing.dash`, :mod:`~avert.briefing.asb`), and the window's ASB
   reports that escalate under the definition's ASB bridge (seed paragraph 8), as
   ASB, not crimes, with no harm weight (:mod:`~avert.briefing.asb_escalating`);
3. people of concern: the top offender-risk people linked to the window's
   incidents, with their score parts (RFGH, :func:`avert.analyse.risk.offender_risk`);
4. places for the next 24 hours: the default forecast's top cells with the share
   they caught when backtested on the user's own last 90 days, and near-repeat
   zones where a Knox test finds contagion (month data: the month's hotspots)
   (:mod:`~avert.briefing.places`);
5. intelligence in the window by grading, and open actions due;
6. a one-line trend (:func:`avert.analyse.trend.year_on_year`);
7. beside every list of people, its make-up by sex, age band and ethnicity against
   the population it was drawn from (:mod:`~avert.briefing.makeup`).
8. the daily meeting's taskings overdue, due and done, and on every item whose
   subject is already tasked, that tasking (:mod:`~avert.briefing.taskings`).

The package is pure: frames in, a frozen :class:`Briefing` out; no I/O, no database,
no clock. :func:`prepare` checks and normalises the inputs once (and applies the
partner rules of :mod:`avert.access` before anything is assembled); each section is a
function of the resulting :class:`BriefingContext`, usable alone; :func:`daily_briefing`
assembles them. Every item carries ``links`` (the record ids it came from) and
``reasons`` (why it is on the page). The JSON contract is typed in
:mod:`avert.briefing.model` and documented in docs/briefing.md.

Inputs of :func:`daily_briefing`, in detail
-------------------------------------------
``incidents`` are joined to their classification (``avert.classify`` /
``classifications`` table): ``incident_id``, ``occurred_from``, ``in_definition``,
``category``, ``harm_days``; optional ``rule_ids``, ``harm_source``,
``time_precision``, ``x``, ``y``, ``lat``, ``lon``, ``borough``, ``lsoa``,
``offence_code``, ``crime_type``, ``weapon``, ``domestic``, ``hate``,
``gang_related``, ``injury``, ``outcome``, ``location``. They must hold the window,
the 28 days before ``at`` (places), the same 28 days a year (364 days) earlier
(trend) and, for people in the window, their incidents of the last 365 days (risk
scores).

``tables``, the optional canonical tables by name (``avert.schema``): ``people``,
``identities`` (``person_identity``, police audience only), ``groups``,
``group_members``, ``asb``, ``intelligence``, ``actions``, ``taskings`` (with
``listed``: the audience may read the tasking), and ``retaliation`` (alerts of
:func:`avert.analyse.networks.retaliation_alerts`; without it no alert is shown),
``baseline_sources`` (``source``, ``force`` of the exact-time records of the 28 days
before the trend's year-earlier 28 days: only those sources are a baseline there;
without it, not checked).

``pseudonymiser``, required for the partner audience (a
:class:`~avert.errors.ConfigError` without one): make it with the deployment's
secret by :func:`avert.access.pseudonymiser_for` in its reader's key (``scope``:
``organisation:ORG``, ORG as stored on its accounts, or ``board``, under the default
setting ``pseudonym_scope`` ``organisation``; :func:`avert.access.reader_scope`):
without ``scope`` it is the key every partner shares, no organisation's reader's.
An explicit ``Pseudonymiser()`` uses the published demo key (synthetic data only).
:func:`avert.workflows.briefing.build_briefing` chooses it by the setting.

The page's words. ``category_names``: names of the ``police.uk: <category>`` labels
of the incidents of a mapped source, keyed by ``(source, label)``
(:func:`avert.workflows.performance.source_category_names`: "toronto-mci:
Assault"); the page names the others as they are. ``category_titles``: the
definition's categories by name, keyed by id
(:attr:`avert.config.definitions.Category.name`): each incident's ``label``
("Violence with a weapon", not "violence_weapon"); a category not in it is named
by its id. ``reason_words``: what the reasons' codes mean
(:meth:`ReasonWords.of_profile` of the definition the classification used): every
item gets ``reasons_words``, its reasons in words; None: the rules' and the ASB
bridge's codes stay as they are in the words (harm sources, RFGH and networks are
still worded).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import polars as pl

from avert.access import Audience, Pseudonymiser
from avert.analyse.coverage import break_text
from avert.analyse.result import collector_paused
from avert.analyse.trend import Trend, month_window, year_on_year
from avert.briefing import dated_alone
from avert.briefing.actions import actions_section
from avert.briefing.asb import asb_callers_section
from avert.briefing.asb_escalating import asb_escalating_section
from avert.briefing.context import BriefingContext, counted, prepare
from avert.briefing.dash import dash_section
from avert.briefing.incidents import incidents_section
from avert.briefing.intelligence import intelligence_section
from avert.briefing.makeup import make_up_section
from avert.briefing.model import (
    LOOKBACK_DAYS,
    NO_INCIDENTS_STORED,
    NOTHING_LOADED_NOTE,
    NOTHING_LOADED_PARTNER_NOTE,
    REPEAT_WINDOW_DAYS,
    YEAR_DAYS,
    Boundary,
    Briefing,
    DashHighRisk,
    IncidentItem,
    PersonItem,
    Section,
    Summary,
    TaskingItem,
    records_gap,
    records_missing,
    window_breaks,
)
from avert.briefing.people import people_section
from avert.briefing.places import PlacesForecast, places_section
from avert.briefing.reason_words import ReasonWords, add_reason_words
from avert.briefing.retaliation import retaliation_section
from avert.briefing.taskings import mark_tasked, taskings_section
from avert.briefing.victims import repeat_victims_section
from avert.classify.harm import expected_harm_origin
from avert.config.risk import RiskConfig
from avert.config.settings import DEFAULT_PLACES_CELL_M
from avert.schema import column_or

__all__ = [
    "FEED_LAG_NOTE_AFTER",
    "LOOKBACK_DAYS",
    "NOTHING_LOADED_NOTE",
    "NOTHING_LOADED_PARTNER_NOTE",
    "NO_INCIDENTS_STORED",
    "REPEAT_WINDOW_DAYS",
    "YEAR_DAYS",
    "Audience",
    "Boundary",
    "Briefing",
    "BriefingContext",
    "BriefingOptions",
    "PlacesForecast",
    "ReasonWords",
    "actions_section",
    "asb_callers_section",
    "asb_escalating_section",
    "daily_briefing",
    "dash_section",
    "incidents_section",
    "intelligence_section",
    "make_up_section",
    "month_window",
    "people_section",
    "places_section",
    "prepare",
    "records_gap",
    "records_missing",
    "repeat_victims_section",
    "retaliation_section",
    "taskings_section",
]


@dataclass(frozen=True)
class BriefingOptions:
    """Lengths of the lists and the places grid.

    ``top_people``: people of concern listed; ``n_cells``: place cells listed;
    ``cell_size_m``, ``bandwidth_m``: grid and kernel of the places map (metres);
    the grid's default is the ``places_cell_m`` setting's, the size the forecast
    was evaluated at (``docs/places.md``).
    """

    top_people: int = 10
    n_cells: int = 10
    cell_size_m: float = DEFAULT_PLACES_CELL_M
    bandwidth_m: float = 250.0


def _name_groups(
    ctx: BriefingContext, items: Sequence[IncidentItem | PersonItem]
) -> None:
    """Add ``group_names`` to items (police audience only)."""
    names = ctx.group_names
    if ctx.partner or not names.height:
        return
    gmap = dict(zip(names["group_id"].to_list(), names["name"].to_list(), strict=True))
    for item in items:
        item["group_names"] = {g: gmap.get(g) for g in item.get("groups", [])}


def _tasked_and_made_up(
    ctx: BriefingContext,
    inc: Section[Any],
    ret: Section[Any],
    victims: Section[Any],
    asb: Section[Any],
    people: Section[Any],
    places: Any,
    tasks: Mapping[str, Sequence[Any]],
) -> dict[str, dict[str, Any]]:
    """Mark the items already tasked, then the make-up of every list of people."""
    mark_tasked(
        ctx,
        {
            "incidents": ("incident", "incident_id", inc.items),
            "retaliation": ("retaliation", "incident_id", ret.items),
            "repeat_victims": ("repeat_victim", "person_id", victims.items),
            "asb_callers": ("asb_caller", "person_id", asb.items),
            "people": ("person", "person_id", people.items),
            "places": ("cell", "cell_id", places.items),
        },
    )
    named_groups = {
        g for item in [*inc.items, *people.items] for g in item.get("groups", [])
    } | {
        g
        for alert in ret.items
        for g in [*alert.get("victim_groups", []), *alert.get("rival_groups", [])]
    }
    return make_up_section(
        ctx,
        people=people.items,
        repeat_victims=victims.items,
        asb_callers=asb.items,
        retaliation=ret.items,
        groups=named_groups,
        taskings=[t for part in tasks.values() for t in part],
    )


#: A gap longer than this between the latest record (of any kind, in the area) and
#: the window's end is said: two days, as the web's default window (a quiet area
#: can go a day without a record).
FEED_LAG_NOTE_AFTER: Final = dt.timedelta(hours=48)


def _unknown_harm_notes(ctx: BriefingContext) -> list[str]:
    """A note when incidents of the window have no harm weight (an offence code or
    category the harm table does not know): the harm total leaves them out and the
    highest-harm-first order puts them last, which the page must not hide."""
    if "harm_days" not in ctx.window.columns:
        return []
    n = int(ctx.window["harm_days"].is_null().sum())
    if not n:
        return []
    who = "incident of the window has" if n == 1 else "incidents of the window have"
    return [
        f"{n:,} {who} no harm weight (an offence code or category the harm table "
        "does not know): they count as 0 harm days in the total and come last in "
        "the highest-harm-first order."
    ]


def _harm_expected(ctx: BriefingContext) -> bool:
    """Whether incidents of the window carry their category's expected harm."""
    if "harm_source" not in ctx.window.columns:
        return False
    return bool(ctx.window["harm_source"].str.starts_with("expected:").any())


def _expected_harm_notes(ctx: BriefingContext) -> list[str]:
    """A note when incidents of the window carry their category's expected harm
    (police.uk records have no offence code): every record of a category weighs
    the same, so "highest harm first" ranks categories, not incidents (a London
    month listed 40 of its 1,982 robberies, at 365 days, as its "highest-harm"
    incidents, above every one of 19,573 violence and sexual offences)."""
    if "harm_source" not in ctx.window.columns:
        return []
    expected = (
        ctx.window.filter(
            pl.col("harm_source").str.starts_with("expected:")
            & pl.col("harm_days").is_not_null()
        )
        .group_by("harm_source")
        .agg(pl.len().alias("n"), pl.col("harm_days").max().alias("days"))
        .sort(["days", "harm_source"], descending=[True, False])
    )
    if not expected.height:
        return []
    n = int(expected["n"].sum())
    origin = expected_harm_origin(
        ctx.window.filter(pl.col("harm_source").str.starts_with("expected:"))[
            "source"
        ].unique()
        if "source" in ctx.window.columns
        else ["policeuk"]
    )
    weights = "; ".join(
        f"{src.removeprefix('expected:')} {days:,.1f} days"
        for src, days in zip(expected["harm_source"], expected["days"], strict=True)
    )
    share = "all" if n == ctx.window.height else f"{n:,} of {ctx.window.height:,}"
    return [
        f"Harm of {share} incidents of the window is the expected weight of "
        f"{origin} ({weights}), not a harm of their own: records of one "
        "category are not told apart, so highest harm first ranks categories, not "
        "incidents, and the harm total is an estimate."
    ]


def _shared_day_notes(ctx: BriefingContext) -> list[str]:
    """The note counting the window's violent incidents dated alone on a day the
    window shares with the briefing before or after, which lists them too
    (:mod:`avert.briefing.dated_alone`, the high-risk DASH section's rule)."""
    if "time_precision" not in ctx.window.columns:
        return []
    n = ctx.window.filter(
        dated_alone.shares_day("occurred_from", ctx.window_from, ctx.window_to)
    ).height
    if not n:
        return []
    them = "it" if n == 1 else "them"
    return [
        f"{counted(n, 'violent incident')} of the window "
        f"{'is' if n == 1 else 'are'} dated alone (no time recorded) on a day this "
        f"window shares with the briefing before or after, which lists {them} "
        f"too (the one before if on record when it ran): adding briefings' counts "
        f"up can count {them} twice."
    ]


def _coverage_notes(ctx: BriefingContext, trend: Trend) -> list[str]:
    """A note for each break in a source's records (:mod:`avert.analyse.coverage`)
    that overlaps the window (:func:`avert.briefing.model.window_breaks`): its
    counts are short by the missing records, and a short count reads as a quiet
    day. The trend's line names the breaks of each of its periods."""
    return [
        f"The window's counts are short: {break_text(b)}."
        for b in window_breaks(trend, ctx.window_from, ctx.window_to)
    ]


def _feed_lag_notes(ctx: BriefingContext) -> list[str]:
    """A note when the records stop well before the window's end (a feed that
    lags, or a briefing asked for after the data): the window's counts and the
    trend's latest periods are then partial, and a quiet page is not a quiet day."""
    if ctx.precision != "exact" or not ctx.incidents.height:
        return []
    before = ctx.incidents.filter(pl.col("occurred_from") < ctx.window_to)
    latest = before["occurred_from"].max() if before.height else None
    if not isinstance(latest, dt.datetime):
        return []
    # a month-dated record (data.police.uk) is dated its month's first instant but
    # covers the month: a store of months whose latest is still running at the
    # window's end does not lag (the month-only note says its records wait for the
    # month to end)
    precision = before.select(
        column_or(before, "time_precision", "exact", pl.String())
    ).to_series()
    if (precision == "month").all():
        month_end = before["occurred_from"].dt.offset_by("1mo").max()
        if isinstance(month_end, dt.datetime) and month_end >= ctx.window_to:
            return []
    gap = ctx.window_to - latest
    if gap <= FEED_LAG_NOTE_AFTER:
        return []
    hours = gap.total_seconds() / 3600
    return [
        f"The latest record is at {latest:%Y-%m-%d %H:%M}, {hours:.0f} hours before "
        "the window's end: the window and the trend's latest periods may be "
        "incomplete (is the feed up to date?)."
    ]


def _summary(ctx: BriefingContext, **counts: int) -> Summary:
    window = ctx.window
    # Harm is summed in sorted order: a float sum's last digits depend on the order
    # of the rows, which the store does not fix (SQLite and PostgreSQL, or two
    # reads, return them in other orders), and the JSON and the API print them all.
    by_category = (
        window.group_by("category", "label")
        .agg(pl.len().alias("n"), pl.col("harm_days").sort().sum().alias("harm_days"))
        .sort(["harm_days", "category", "label"], descending=[True, False, False])
    )
    return {
        "n_incidents": window.height,
        "harm_days": float(window["harm_days"].fill_null(0.0).sort().sum()),
        "by_category": by_category.to_dicts(),  # type: ignore[typeddict-item]
        "n_retaliation": counts["n_retaliation"],
        "n_retaliation_strong": counts["n_retaliation_strong"],
        "n_repeat_victims": counts["n_repeat_victims"],
        "n_asb_callers": counts["n_asb_callers"],
        "n_asb_escalating": counts["n_asb_escalating"],
        "n_people": counts["n_people"],
        "n_people_linked": counts["n_people_linked"],
        "n_intelligence": counts["n_intelligence"],
        "n_actions_due": counts["n_actions_due"],
    }


def _methods(ctx: BriefingContext, places_method: str) -> dict[str, str]:
    return {
        "incidents": f"violence definition {ctx.profile}; harm = Cambridge Crime Harm Index days",
        "people": "offender RFGH score, avert.analyse.risk.offender_risk",
        "repeat_victims": "avert.analyse.risk.victim_risk (365 days)",
        "asb_callers": "avert.analyse.risk.asb_escalation_risk (callers)",
        "asb_escalating": (
            f"ASB bridge of violence definition {ctx.profile} "
            "(avert.classify.asb_escalation, stored by 'avert classify'): ASB "
            "reports, not crimes, no harm weight"
        ),
        "retaliation": "avert.analyse.networks.retaliation_alerts",
        "dash_high_risk": (
            "DASH assessments of the window judged high risk: "
            "avert.analyse.dash.high_risk_assessments (MARAC referral criteria)"
        ),
        "places": places_method,
        "trend": f"counts of in-definition incidents; a year earlier = {YEAR_DAYS} days before",
    }


def daily_briefing(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None = None,
    *,
    at: dt.datetime,
    hours: int = 24,
    area: str | None = None,
    audience: str = "police",
    tables: Mapping[str, pl.DataFrame | None] | None = None,
    boundaries: Sequence[Boundary] = (),
    pseudonymiser: Pseudonymiser | None = None,
    risk_config: RiskConfig | None = None,
    profile: str = "avb-2010",
    options: BriefingOptions | None = None,
    notes: Sequence[str] = (),
    places_forecast: PlacesForecast | None = None,
    category_names: Mapping[tuple[str, str], str] | None = None,
    category_titles: Mapping[str, str] | None = None,
    reason_words: ReasonWords | None = None,
) -> Briefing:
    """Assemble the daily risk briefing from canonical frames.

    Parameters
    ----------
    incidents
        Incidents joined to their classification, over the window and the days
        places, trend and risk scores read (columns and days: the module
        docstring, *Inputs of daily_briefing*).
    involvements
        ``incident_id``, ``person_id``, ``role`` for those incidents.
    at
        End of the window (e.g. 08:00 on the day of the meeting).
    hours
        Length of the window in hours (24 by default).
    area
        One area only: a borough or an LSOA, ``incidents.borough`` or ``.lsoa`` in
        any case (:func:`avert.areas.in_area`); ASB and intelligence stay whole.
    audience
        ``"police"`` or ``"partner"`` (stable pseudonyms, police-only fields
        dropped: :mod:`avert.access`).
    tables
        Optional canonical tables by name: ``people``, ``identities``, ``groups``,
        ``group_members``, ``asb``, ``intelligence``, ``actions``, ``taskings``,
        ``retaliation``, ``baseline_sources`` (each: the module docstring).
    boundaries
        Area outlines for the map, in the incidents' projected CRS.
    pseudonymiser
        Keyed pseudonyms for the partner audience, required for it, in its
        reader's key (how to make it: the module docstring).
    risk_config
        Risk score configuration (default ``config/defaults/risk.toml``).
    profile
        Id of the violence definition the classification used.
    options
        List lengths and the places grid (:class:`BriefingOptions`).
    notes
        Notes from the caller (e.g. what the store could not provide).
    places_forecast
        The backtested forecast and near-repeat zones for the places section
        (:func:`avert.workflows.forecast.briefing_places`); without it, places
        are the last 28 days' hotspots (month-precision data: the month's).
    category_names, category_titles, reason_words
        The page's words: a mapped source's categories, the definition's
        categories and the reasons' codes (each, and without it: the module
        docstring).

    Returns
    -------
    Briefing
        Sections ranked highest harm first (people by their own risk score, then
        harm), every item with ``links`` and ``reasons``.

    Raises
    ------
    ConfigError
        Bad ``audience``, ``hours`` or table name.
    SchemaError
        ``incidents`` lacks the classification columns.
    """
    return _daily_briefing(
        incidents,
        involvements,
        at=at,
        hours=hours,
        area=area,
        audience=audience,
        tables=tables,
        boundaries=boundaries,
        pseudonymiser=pseudonymiser,
        risk_config=risk_config,
        profile=profile,
        opts=options or BriefingOptions(),
        notes=notes,
        places_forecast=places_forecast,
        category_names=category_names,
        category_titles=category_titles,
        reason_words=reason_words,
    )


def _daily_briefing(
    incidents: pl.DataFrame,
    involvements: pl.DataFrame | None,
    *,
    at: dt.datetime,
    hours: int,
    area: str | None,
    audience: str,
    tables: Mapping[str, pl.DataFrame | None] | None,
    boundaries: Sequence[Boundary],
    pseudonymiser: Pseudonymiser | None,
    risk_config: RiskConfig | None,
    profile: str,
    opts: BriefingOptions,
    notes: Sequence[str],
    places_forecast: PlacesForecast | None,
    category_names: Mapping[tuple[str, str], str] | None,
    category_titles: Mapping[str, str] | None,
    reason_words: ReasonWords | None,
) -> Briefing:
    """:func:`daily_briefing` with the collector paused: context, sections, page."""
    # a London month's items are ~10^6 short-lived dicts, lists and strings: the
    # cyclic collector scanning them took about a third of the assembly
    with collector_paused():
        ctx = prepare(
            incidents,
            involvements,
            at=at,
            hours=hours,
            area=area,
            audience=audience,
            tables=tables,
            pseudonymiser=pseudonymiser,
            risk_config=risk_config,
            profile=profile,
            notes=notes,
            category_names=category_names,
            category_titles=category_titles,
        )
        sections = _Sections.of(ctx, opts, places_forecast)
        _word_reasons(ctx, sections, reason_words or ReasonWords())
        return _assemble(ctx, sections, boundaries)


def _word_reasons(ctx: BriefingContext, s: _Sections, words: ReasonWords) -> None:
    """Every item's reasons in words (``reasons_words``,
    :mod:`avert.briefing.reason_words`); declared groups named for the police."""
    if not ctx.partner and ctx.group_names.height:
        names = ctx.group_names
        words = words.with_group_names(
            dict(zip(names["group_id"].to_list(), names["name"].to_list(), strict=True))
        )
    lists: list[Sequence[Any]] = [
        s.incidents.items,
        s.retaliation.items,
        s.victims.items,
        s.dash.get("items", []),
        s.asb.items,
        s.asb_escalating.items,
        s.people.items,
        s.places.items,
        s.intelligence.get("items", []),
        s.actions.items,
        *s.taskings.values(),
    ]
    add_reason_words((item for items in lists for item in items), words)


@dataclass(frozen=True)
class _Sections:
    """Every section of one briefing, computed from one context."""

    places: Any
    incidents: Section[Any]
    retaliation: Section[Any]
    victims: Section[Any]
    dash: DashHighRisk
    asb: Section[Any]
    people: Section[Any]
    intelligence: Any
    actions: Section[Any]
    taskings: dict[str, list[TaskingItem]]
    make_up: dict[str, dict[str, Any]]
    asb_escalating: Section[Any]

    @classmethod
    def of(
        cls,
        ctx: BriefingContext,
        opts: BriefingOptions,
        places_forecast: PlacesForecast | None,
    ) -> _Sections:
        """Each section in turn, then group names, tasked marks and make-ups."""
        places = places_section(
            ctx,
            n_cells=opts.n_cells,
            cell_size_m=opts.cell_size_m,
            bandwidth_m=opts.bandwidth_m,
            forecast=places_forecast,
        )
        inc = incidents_section(ctx)
        ret = retaliation_section(ctx)
        victims = repeat_victims_section(ctx)
        dash = dash_section(ctx, victims.items)
        asb = asb_callers_section(ctx)
        people = people_section(ctx, top=opts.top_people)
        intel = intelligence_section(ctx)
        acts = actions_section(ctx)
        _name_groups(ctx, [*inc.items, *people.items])
        tasks = taskings_section(ctx)
        make_up = _tasked_and_made_up(
            ctx, inc, ret, victims, asb, people, places, tasks
        )
        return cls(
            places,
            inc,
            ret,
            victims,
            dash,
            asb,
            people,
            intel,
            acts,
            tasks,
            make_up,
            asb_escalating_section(ctx),
        )


def _assemble(
    ctx: BriefingContext, s: _Sections, boundaries: Sequence[Boundary]
) -> Briefing:
    """The briefing of the sections: trend, summary, notes and methods added."""
    at = ctx.at
    trend = year_on_year(
        ctx.incidents,
        at=at,
        precision=ctx.precision,
        window_from=ctx.window_from,
        window_to=ctx.window_to,
        established=ctx.frames.get("baseline_sources"),
        area=ctx.area,
    )
    ret = s.retaliation
    summary = _summary(
        ctx,
        n_retaliation=len(ret.items),
        n_retaliation_strong=sum(1 for a in ret.items if a["strength"] == "strong"),
        n_repeat_victims=len(s.victims.items),
        n_asb_callers=len(s.asb.items),
        n_asb_escalating=len(s.asb_escalating.items),
        n_people=len(s.people.items),
        n_people_linked=s.people.n_before_cap or 0,
        n_intelligence=s.intelligence["n"],
        n_actions_due=len(s.actions.items),
    )
    all_notes = [
        *ctx.notes,
        *_feed_lag_notes(ctx),
        *_shared_day_notes(ctx),
        *_coverage_notes(ctx, trend),
        *_unknown_harm_notes(ctx),
        *_expected_harm_notes(ctx),
        *s.places.notes,
        *ret.notes,
        *s.people.notes,
        *s.actions.notes,
    ]
    return Briefing(
        at=at,
        window_from=ctx.window_from,
        window_to=ctx.window_to,
        hours=ctx.hours,
        area=ctx.area,
        audience=ctx.audience,
        precision=ctx.precision,
        profile=ctx.profile,
        incidents=tuple(s.incidents.items),
        retaliation=tuple(ret.items),
        repeat_victims=tuple(s.victims.items),
        dash_high_risk=s.dash,
        asb_callers=tuple(s.asb.items),
        asb_escalating=tuple(s.asb_escalating.items),
        people=tuple(s.people.items),
        places=tuple(s.places.items),
        places_summary=s.places.summary,
        intelligence=s.intelligence,
        actions=tuple(s.actions.items),
        trend=trend,
        summary=summary,
        map_points=tuple(s.places.map_points),
        boundaries=tuple(boundaries),
        notes=tuple(all_notes),
        pseudonyms=ctx.pseudonyms,
        methods=_methods(ctx, s.places.method),
        make_up=s.make_up,
        taskings=s.taskings,
        undated_in_window=ctx.undated_in_window,
        harm_expected=_harm_expected(ctx),
    )
